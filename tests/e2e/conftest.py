"""The end-to-end tests run the simulator and a real Home Assistant as subprocesses."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts.develop_bootstrap import HomeAssistantApi, Ports, free_port, running


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """The tests talk to Home Assistant on 127.0.0.1; the HA test plugin blocks sockets."""


class Stack:
    """A running simulator and Home Assistant in a fresh config directory."""

    def __init__(self, config_dir: Path, ports: Ports, start_seconds: float) -> None:
        self.config_dir = config_dir
        self.ports = ports
        self.start_seconds = start_seconds
        self.api = HomeAssistantApi(ports.url)

    def log_tail(self, lines: int = 40) -> str:
        """LocalGrid's last lines in Home Assistant's log, for failure messages."""
        log = self.config_dir / "home-assistant.log"
        if not log.exists():
            return "(no home-assistant.log)"
        text = log.read_text(errors="replace").splitlines()
        ours = [line for line in text if "localgrid" in line.lower() or "Traceback" in line]
        return "\n".join((ours or text)[-lines:])


@pytest.fixture
def fresh_stack(tmp_path: Path) -> Iterator[Stack]:
    """Simulator and Home Assistant on free ports, not onboarded, nothing configured."""
    ports = Ports(http=free_port(), meter=free_port(), otgw=free_port())
    config_dir = tmp_path / "config"
    with running(config_dir, ports) as (_, _, start_seconds):
        print(f"Home Assistant answered after {start_seconds:.1f} s")
        yield Stack(config_dir, ports, start_seconds)
