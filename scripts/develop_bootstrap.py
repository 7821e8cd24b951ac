"""Run a development Home Assistant with LocalGrid and the simulator (`scripts/develop`).

First start: write `config/`, start the simulator and Home Assistant, onboard a user
and add the meter and the thermostat through the real config flow (REST API, the
same calls the frontend makes). Later starts only start the processes. Ctrl-C stops
everything. The end-to-end tests reuse the process helpers.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
import contextlib
from dataclasses import dataclass
import importlib.util
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import aiohttp  # installed with Home Assistant

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python scripts/develop_bootstrap.py` imports the simulator

from simulator.meter import DEMO_KEY, DEMO_SERIAL  # noqa: E402

PYTHON = sys.executable
DOMAIN = "localgrid"

USERNAME = "dev"
PASSWORD = "dev"  # a local development login, printed on every start

# The simulator's meter identity and key: its demo defaults.
SIM_METER_SERIAL = DEMO_SERIAL
SIM_METER_KEY = DEMO_KEY.hex().upper()

# Home Assistant 2026.10 reads `http:` from YAML once, as a trial it reverts unless the
# user confirms it; the bootstrap confirms it and then drops the block (HA keeps the
# settings in .storage/http), so later starts see no "YAML still present" repair.
HTTP_YAML = """\
http:
  server_host: 127.0.0.1
  server_port: {port}
"""
HTTP_MIGRATED = "# http: 127.0.0.1 only, kept by HA since the first start\n"

DONE_MARKER = ".localgrid-develop-done"
SHIMS = ROOT / "scripts/ha_shims"
ONBOARDING_STEPS = ("user", "core_config", "analytics", "integration")

CONFIGURATION_YAML = """\
# Written by scripts/develop for LocalGrid development. Delete config/ to start afresh.
homeassistant:
  name: LocalGrid development
  unit_system: metric
  currency: EUR
  country: AT
  time_zone: Europe/Vienna
  latitude: 48.2082
  longitude: 16.3738
  elevation: 170

# A slim default_config: no cloud, network discovery, voice or mobile app.
frontend:
config:
energy:
history:
logbook:
person:
sun:
system_health:
usb:
automation: !include automations.yaml
script: !include scripts.yaml
scene: !include scenes.yaml

{http}
logger:
  default: warning
  logs:
    homeassistant.setup: info
    custom_components.localgrid: debug
"""


@dataclass(frozen=True, slots=True)
class Ports:
    """Where everything listens (all on 127.0.0.1)."""

    http: int = 8123
    meter: int = 6001
    otgw: int = 6002

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http}"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(config_dir: Path, ports: Ports) -> None:
    """Create config/ with a minimal configuration and LocalGrid linked in (kept if present)."""
    config_dir.mkdir(parents=True, exist_ok=True)
    configuration = config_dir / "configuration.yaml"
    if not configuration.exists():
        http = HTTP_YAML.format(port=ports.http)
        configuration.write_text(CONFIGURATION_YAML.format(http=http))
    for name, content in (
        ("automations.yaml", "[]\n"),
        ("scripts.yaml", ""),
        ("scenes.yaml", "[]\n"),
    ):
        if not (config_dir / name).exists():
            (config_dir / name).write_text(content)
    custom = config_dir / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / DOMAIN
    if not link.is_symlink():
        link.symlink_to(ROOT / "custom_components" / DOMAIN, target_is_directory=True)


def start_simulator(ports: Ports, log_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    """`python -m simulator` with the meter and the gateway on the given TCP ports."""
    command = [
        PYTHON,
        "-m",
        "simulator",
        "--meter-port",
        str(ports.meter),
        "--otgw-port",
        str(ports.otgw),
        "--serial",
        SIM_METER_SERIAL,
        "--key",
        SIM_METER_KEY,
        *extra,
    ]
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def start_home_assistant(config_dir: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """A real Home Assistant; --skip-pip: its packages come from requirements_test.txt."""
    command = [PYTHON, "-m", "homeassistant", "-c", str(config_dir), "--skip-pip"]
    env = dict(os.environ)
    if missing_voice_extensions():
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SHIMS), env.get("PYTHONPATH")]))
    # cwd=config_dir: LocalGrid is imported from config/custom_components, as in a real install.
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command,
            cwd=config_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def missing_voice_extensions() -> bool:
    """True when HA's voice C extensions cannot be imported (see scripts/ha_shims/README.md)."""
    return any(importlib.util.find_spec(name) is None for name in ("pymicro_vad", "pyspeex_noise"))


def stop_process(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM the process group, SIGKILL after `timeout` seconds."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes]) -> None:
    """Until something accepts TCP connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with code {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {timeout:.0f} s")


class ApiError(RuntimeError):
    """Home Assistant answered with an error status."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class HomeAssistantApi:
    """The few REST calls the bootstrap needs (stdlib only)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = self.base_url + "/"
        self.token: str | None = None

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, form: bool = False
    ) -> Any:
        data = None
        headers = {}
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as err:
            raise ApiError(
                f"{method} {path}: HTTP {err.code}: {err.read().decode()}", err.code
            ) from err
        return json.loads(text) if text else None

    def wait_until_up(self, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
        """Until the onboarding view answers: 200 while onboarding, 404 once it is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"Home Assistant exited with code {process.returncode}")
            try:
                self.request("GET", "/api/onboarding")
            except ApiError as err:
                if err.status == 404:
                    return
            except OSError:
                pass
            else:
                return
            time.sleep(0.5)
        raise TimeoutError(f"Home Assistant did not answer within {timeout:.0f} s")

    def _exchange_code(self, code: str) -> None:
        tokens = self.request(
            "POST",
            "/auth/token",
            {"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
            form=True,
        )
        self.token = tokens["access_token"]

    def onboard_or_login(self, username: str, password: str) -> None:
        """Finish onboarding with this user if it is not done yet, else log in as it."""
        try:
            steps = self.request("GET", "/api/onboarding")
        except ApiError as err:
            if err.status != 404:  # 404: onboarding finished, its view is gone
                raise
            steps = [{"step": step, "done": True} for step in ONBOARDING_STEPS]
        done = {step["step"] for step in steps if step["done"]}
        if "user" not in done:
            user = self.request(
                "POST",
                "/api/onboarding/users",
                {
                    "client_id": self.client_id,
                    "name": "Developer",
                    "username": username,
                    "password": password,
                    "language": "en",
                },
            )
            self._exchange_code(user["auth_code"])
        else:
            self.login(username, password)
        if "core_config" not in done:
            self.request("POST", "/api/onboarding/core_config", {})
        if "analytics" not in done:
            self.request("POST", "/api/onboarding/analytics", {})
        if "integration" not in done:
            self.request(
                "POST",
                "/api/onboarding/integration",
                {"client_id": self.client_id, "redirect_uri": self.client_id},
            )

    def login(self, username: str, password: str) -> None:
        flow = self.request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": self.client_id, "username": username, "password": password},
        )
        if result.get("type") != "create_entry":
            raise ApiError(f"login as {username!r} failed: {result.get('errors')}")
        self._exchange_code(result["result"])

    def add_entry(self, menu_option: str, user_input: dict[str, str], timeout: float) -> str:
        """Run LocalGrid's config flow through one menu option; return the entry title.

        An abort because the device is configured already counts as success: that is
        what makes a second bootstrap harmless.
        """
        path = "/api/config/config_entries/flow"
        result = self.request("POST", path, {"handler": DOMAIN, "show_advanced_options": False})
        flow_path = f"{path}/{result['flow_id']}"
        if result["type"] == "menu":
            result = self.request("POST", flow_path, {"next_step_id": menu_option})
        if result["type"] != "form":
            raise ApiError(f"expected the {menu_option} form, got {result}")
        result = self.request("POST", flow_path, user_input)
        deadline = time.monotonic() + timeout
        while result["type"] == "progress":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{menu_option} flow still in progress after {timeout:.0f} s")
            time.sleep(0.5)
            result = self.request("GET", flow_path)
        if result["type"] == "create_entry":
            return str(result["title"])
        if result["type"] == "abort" and result.get("reason") == "already_configured":
            return "(already configured)"
        raise ApiError(f"{menu_option} flow did not create an entry: {result}")

    def websocket_command(self, command: dict[str, Any]) -> dict[str, Any]:
        """Send one command over the websocket API and return its result message.

        Runs its own event loop in a worker thread, so callers inside a running loop
        (Playwright's sync API has one) can use it too.
        """
        with ThreadPoolExecutor(1) as executor:
            return executor.submit(asyncio.run, self._websocket_command(command)).result()

    async def _websocket_command(self, command: dict[str, Any]) -> dict[str, Any]:
        url = self.base_url.replace("http", "ws", 1) + "/api/websocket"
        async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (reply := await ws.receive_json())["type"] != "auth_ok":
                raise ApiError(f"websocket login failed: {reply}")
            await ws.send_json({"id": 1, **command})
            while True:
                message: dict[str, Any] = await ws.receive_json(timeout=30)
                if message.get("id") == 1 and message["type"] == "result":
                    return message

    def remove_failed_onboarding_entries(self) -> list[str]:
        """Delete the entries onboarding created that cannot set up here; their titles.

        Onboarding adds Google Translate speech among others; its library is not
        installed in this environment, so it would show as failed in the UI.
        """
        removed = []
        for entry in self.request("GET", "/api/config/config_entries/entry"):
            if entry.get("source") == "onboarding" and entry.get("state") == "setup_error":
                self.request("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")
                removed.append(str(entry["title"]))
        return removed

    def states(self) -> list[dict[str, Any]]:
        return list(self.request("GET", "/api/states"))


def confirm_http_config(api: HomeAssistantApi, config_dir: Path, ports: Ports) -> None:
    """Keep the HTTP settings of the first start and drop them from configuration.yaml."""
    result = api.websocket_command({"type": "http/config/promote"})
    if not result["success"] and result["error"]["code"] != "not_allowed":
        raise ApiError(f"confirming the HTTP settings failed: {result['error']}")
    configuration = config_dir / "configuration.yaml"
    text = configuration.read_text()
    configuration.write_text(text.replace(HTTP_YAML.format(port=ports.http), HTTP_MIGRATED))


def bootstrap(api: HomeAssistantApi, config_dir: Path, ports: Ports) -> None:
    """Onboard the dev user and add the simulated meter and thermostat via the config flow."""
    api.onboard_or_login(USERNAME, PASSWORD)
    confirm_http_config(api, config_dir, ports)
    meter = api.add_entry(
        "meter",
        {
            "port": f"socket://127.0.0.1:{ports.meter}",
            "serial_number": SIM_METER_SERIAL,
            "encryption_key": SIM_METER_KEY,
        },
        timeout=90,
    )
    print(f"develop: meter added through the config flow: {meter}", flush=True)
    thermostat = api.add_entry(
        "thermostat", {"port": f"socket://127.0.0.1:{ports.otgw}"}, timeout=90
    )
    print(f"develop: thermostat added through the config flow: {thermostat}", flush=True)
    for title in api.remove_failed_onboarding_entries():
        print(f"develop: removed onboarding's {title} entry (its library is not installed)")


@contextlib.contextmanager
def running(
    config_dir: Path, ports: Ports, *, ha_timeout: float = 180.0
) -> Iterator[tuple[subprocess.Popen[bytes], subprocess.Popen[bytes], float]]:
    """Start the simulator and Home Assistant; yield both and HA's start time; stop both."""
    write_config(config_dir, ports)
    simulator = start_simulator(ports, config_dir / "simulator.log")
    hass: subprocess.Popen[bytes] | None = None
    try:
        wait_for_port(ports.meter, 30, simulator)
        wait_for_port(ports.otgw, 30, simulator)
        started = time.monotonic()
        hass = start_home_assistant(config_dir, config_dir / "hass.out")
        HomeAssistantApi(ports.url).wait_until_up(ha_timeout, hass)
        yield simulator, hass, time.monotonic() - started
    finally:
        if hass is not None:
            stop_process(hass)
        stop_process(simulator, 10)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "config", help="config directory")
    defaults = Ports()
    parser.add_argument(
        "--http-port",
        type=int,
        default=defaults.http,
        help="Home Assistant's port; set at the first start, HA keeps it (default %(default)s)",
    )
    parser.add_argument(
        "--meter-port",
        type=int,
        default=defaults.meter,
        help="simulated meter's port; the meter entry keeps it (default %(default)s)",
    )
    parser.add_argument(
        "--otgw-port",
        type=int,
        default=defaults.otgw,
        help="simulated gateway's port; the gateway entry keeps it (default %(default)s)",
    )
    parser.add_argument(
        "--exit-after-setup",
        action="store_true",
        help="stop once everything is up and configured (for checks)",
    )
    args = parser.parse_args(argv)
    ports = Ports(args.http_port, args.meter_port, args.otgw_port)
    config_dir: Path = args.config.resolve()
    # Ctrl-C, SIGTERM and a closed terminal all stop everything (even when started in
    # the background, where SIGINT is ignored by default).
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        with running(config_dir, ports) as (_, hass, start_seconds):
            print(f"develop: Home Assistant answered after {start_seconds:.1f} s", flush=True)
            marker = config_dir / DONE_MARKER
            if not marker.exists():
                bootstrap(HomeAssistantApi(ports.url), config_dir, ports)
                marker.write_text("onboarded; meter and thermostat added via the config flow\n")
            print(
                f"\n  LocalGrid development instance: {ports.url}\n"
                f"  login: {USERNAME} / {PASSWORD}\n"
                f"  simulator: meter socket://127.0.0.1:{ports.meter}"
                f" (serial {SIM_METER_SERIAL}, key {SIM_METER_KEY}),"
                f" OpenTherm Gateway socket://127.0.0.1:{ports.otgw}\n"
                f"  logs: {config_dir / 'home-assistant.log'}, {config_dir / 'simulator.log'}\n"
                "  Ctrl-C stops everything.\n",
                flush=True,
            )
            if args.exit_after_setup:
                return 0
            hass.wait()
            print(f"develop: Home Assistant exited with code {hass.returncode}", file=sys.stderr)
            return hass.returncode or 1
    except KeyboardInterrupt:
        print("\ndevelop: stopping", flush=True)
        return 0
    except (ApiError, RuntimeError, TimeoutError) as err:
        print(f"develop: {err}", file=sys.stderr)
        print(f"develop: see {config_dir / 'home-assistant.log'}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
