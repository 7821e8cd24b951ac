"""scripts/develop's bootstrap against a real Home Assistant and the simulator."""

from __future__ import annotations

from pathlib import Path
import time

import pytest

from scripts.develop_bootstrap import (
    DONE_MARKER,
    HTTP_MIGRATED,
    HomeAssistantApi,
    Ports,
    bootstrap,
    free_port,
    running,
)

pytestmark = pytest.mark.e2e


def localgrid_states(api: HomeAssistantApi) -> dict[str, str]:
    entity_ids = {
        entry["entity_id"]
        for entry in api.websocket_command({"type": "config/entity_registry/list"})["result"]
        if entry["platform"] == "localgrid"
    }
    return {s["entity_id"]: s["state"] for s in api.states() if s["entity_id"] in entity_ids}


def wait_for_live_states(api: HomeAssistantApi, timeout: float = 60) -> dict[str, str]:
    """LocalGrid's states once the meter's energy import has a value (sensors appear
    with the first telegram)."""
    deadline = time.monotonic() + timeout
    while True:
        states = localgrid_states(api)
        if any(
            e.endswith("_energy_import") and v.replace(".", "").isdigit() for e, v in states.items()
        ):
            return states
        if time.monotonic() > deadline:
            pytest.fail(f"no energy import value after {timeout:.0f} s: {states}")
        time.sleep(1)


def test_first_start_configures_and_second_start_only_runs(tmp_path: Path) -> None:
    """First start: onboarding and both config flows; second start: just runs."""
    ports = Ports(http=free_port(), meter=free_port(), otgw=free_port())
    config_dir = tmp_path / "config"
    with running(config_dir, ports):
        api = HomeAssistantApi(ports.url)
        bootstrap(api, config_dir, ports)
        (config_dir / DONE_MARKER).write_text("done\n")
        entries = api.request("GET", "/api/config/config_entries/entry?domain=localgrid")
        assert sorted(e["state"] for e in entries) == ["loaded", "loaded"]
        states = wait_for_live_states(api)
        assert any(e.startswith("climate.") for e in states), states
        # A second bootstrap is harmless: the flows abort as already configured.
        bootstrap(api, config_dir, ports)
        assert len(api.request("GET", "/api/config/config_entries/entry?domain=localgrid")) == 2
    configuration = (config_dir / "configuration.yaml").read_text()
    assert HTTP_MIGRATED in configuration
    assert "server_port" not in configuration
    # Second start: HA keeps its HTTP settings and both entries load again by themselves.
    with running(config_dir, ports):
        api = HomeAssistantApi(ports.url)
        api.login("dev", "dev")
        entries = api.request("GET", "/api/config/config_entries/entry?domain=localgrid")
        assert len(entries) == 2
        wait_for_live_states(api)
        issues = api.websocket_command({"type": "repairs/list_issues"})["result"]["issues"]
        assert not [i for i in issues if i["domain"] == "http"], issues
