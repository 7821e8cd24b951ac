"""LocalGrid as a person meets it: a real Home Assistant, the simulator and a browser.

Onboards a user through the UI, adds the meter and the thermostat through the real
config-flow wizard, checks the meter's live sensors, and changes the room setpoint
in the climate control, then watches the simulated boiler respond. Screenshots of
the key screens go to build/screenshots/ (LOCALGRID_SCREENSHOTS names another folder;
docs/screenshots/ holds the committed set).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import contextlib
import os
from pathlib import Path
import shutil
import tempfile
import time
from typing import Any

from playwright.sync_api import (
    Locator,
    Page,
    TimeoutError as PlaywrightTimeoutError,
    expect,
    sync_playwright,
)
import pytest

from scripts.develop_bootstrap import ROOT, SIM_METER_KEY, SIM_METER_SERIAL

from .conftest import Stack

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path(os.environ.get("LOCALGRID_SCREENSHOTS") or ROOT / "build/screenshots")
USERNAME = "e2e"
PASSWORD = "e2e-pass-1"  # a throwaway user of a throwaway instance
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
UI_TIMEOUT_MS = 30_000
KEYS = ("temperature", "current_temperature")


def chromium_path() -> str:
    """Debian's Chromium (scripts/setup installs it); LOCALGRID_CHROMIUM overrides."""
    for candidate in (os.environ.get("LOCALGRID_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    if found := shutil.which("chromium"):
        return found
    pytest.fail(
        "no Chromium: run scripts/setup (apt-get install chromium) or set LOCALGRID_CHROMIUM"
    )


@pytest.fixture
def page() -> Iterator[Page]:
    with (
        tempfile.TemporaryDirectory(prefix="localgrid-chromium-") as profile,
        sync_playwright() as playwright,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=chromium_path(),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 800},
            # Onboarding guesses the country, and so the unit system, from the browser.
            locale="en-GB",
            timezone_id="Europe/London",
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


def wait_for(
    what: str,
    check: Callable[[], Any],
    timeout: float,
    stack: Stack,
    seen: Callable[[], Any] | None = None,
) -> Any:
    """Poll `check` until it returns something truthy; fail saying what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.5)
    detail = f"\nlast seen: {seen()}" if seen else ""
    pytest.fail(
        f"{what} did not happen within {timeout:.0f} s{detail}\n"
        f"--- LocalGrid in the Home Assistant log ---\n{stack.log_tail()}"
    )


def localgrid_entities(stack: Stack) -> dict[str, str]:
    """LocalGrid's entity ids by translation key (the contract the issues name)."""
    result = stack.api.websocket_command({"type": "config/entity_registry/list"})
    return {
        entry["translation_key"]: entry["entity_id"]
        for entry in result["result"]
        if entry["platform"] == "localgrid" and entry.get("translation_key")
    }


def state(stack: Stack, entity_id: str) -> dict[str, Any]:
    return dict(stack.api.request("GET", f"/api/states/{entity_id}"))


def onboard(page: Page, stack: Stack) -> None:
    page.goto(stack.ports.url)
    page.get_by_role("button", name="Create my smart home").click()
    page.locator('input[name="name"]').fill("End To End")
    page.locator('input[name="username"]').fill(USERNAME)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('input[name="password_confirm"]').fill(PASSWORD)
    shot(page, "01-onboarding-user")
    page.get_by_text("Create account", exact=True).click()
    for step in (
        page.get_by_text("Home location"),
        page.get_by_text("Country"),
        page.get_by_role("switch", name="Basic analytics"),
    ):
        expect(step.first).to_be_visible()
        page.get_by_text("Next", exact=True).click()
    page.get_by_text("Finish", exact=True).click()
    page.wait_for_url(f"{stack.ports.url}/**")
    # HA 2026.10 tries the configuration.yaml HTTP settings and asks to keep them.
    confirm = page.get_by_text("Confirm new HTTP server configuration")
    with contextlib.suppress(PlaywrightTimeoutError):
        confirm.wait_for(timeout=15_000)
        page.get_by_text("Confirm", exact=True).click()
        expect(confirm).to_be_hidden()
    stack.api.login(USERNAME, PASSWORD)


def start_localgrid_flow(page: Page, stack: Stack, option: str) -> None:
    """Settings > Devices & services > Add integration > LocalGrid > option."""
    page.goto(f"{stack.ports.url}/config/integrations/dashboard")
    page.get_by_text("Add integration", exact=True).click()
    page.get_by_placeholder("Search for a brand name").fill("LocalGrid")
    page.get_by_text("LocalGrid", exact=True).last.click()
    expect(page.get_by_text("Add a LocalGrid device")).to_be_visible()
    page.get_by_text(option).click()


def enter_port(page: Page, port_url: str) -> None:
    """The serial-port picker takes a typed URL through its "Enter manually" entry."""
    page.locator("ha-selector-serial_port").click()
    page.get_by_text("Enter manually").click()
    port = page.get_by_role("textbox", name="Port*")
    port.fill(port_url)
    expect(port).to_have_value(port_url)


def finish_flow(page: Page, name: str) -> None:
    """Wait through the progress step for the success dialog, screenshot it, close it."""
    expect(page.get_by_text("Name and assign")).to_be_visible(timeout=60_000)
    shot(page, name)
    page.get_by_role("button", name="Skip and finish").click()
    expect(page.get_by_text("Name and assign")).to_be_hidden()


def add_meter(page: Page, stack: Stack) -> None:
    start_localgrid_flow(page, stack, "Smart meter")
    enter_port(page, f"socket://127.0.0.1:{stack.ports.meter}")
    page.locator('input[name="serial_number"]').fill(SIM_METER_SERIAL)
    page.locator('input[name="encryption_key"]').fill(SIM_METER_KEY)
    page.wait_for_timeout(500)  # let the field labels settle for the screenshot
    shot(page, "02-add-meter-form")
    page.get_by_text("Submit", exact=True).click()
    finish_flow(page, "03-meter-added")


def add_thermostat(page: Page, stack: Stack) -> None:
    start_localgrid_flow(page, stack, "OpenTherm Gateway")
    enter_port(page, f"socket://127.0.0.1:{stack.ports.otgw}")
    shot(page, "06-add-thermostat-form")
    page.get_by_text("Submit", exact=True).click()
    finish_flow(page, "07-thermostat-added")


def check_meter_sensors(page: Page, stack: Stack) -> None:
    entities = wait_for(
        "the meter's energy and power sensors",
        lambda: (
            (found := localgrid_entities(stack)).keys() >= {"energy_import", "power_import"}
            and found
        ),
        60,
        stack,
    )
    energy = entities["energy_import"]
    first = wait_for(
        "a numeric energy import reading",
        lambda: (s := state(stack, energy))["state"] not in ("unknown", "unavailable") and s,
        60,
        stack,
    )
    assert first["attributes"]["unit_of_measurement"] == "kWh"
    assert first["attributes"]["state_class"] == "total_increasing"
    assert float(first["state"]) > 0
    # Live: the meter time moves on with every telegram (the simulator pushes every 5 s).
    clock = entities["meter_timestamp"]
    before = state(stack, clock)["state"]
    wait_for("a newer telegram", lambda: state(stack, clock)["state"] != before, 30, stack)
    # The device page shows the sensors with values and units.
    device_id = stack.api.websocket_command(
        {"type": "config/entity_registry/get", "entity_id": energy}
    )["result"]["device_id"]
    page.goto(f"{stack.ports.url}/config/devices/device/{device_id}")
    expect(page.get_by_text("Energy import", exact=True).first).to_be_visible()
    expect(page.get_by_text("kWh").first).to_be_visible()
    shot(page, "04-meter-device")


def set_target(control: Locator, stack: Stack, climate: str, current: float, goal: float) -> None:
    """Click minus or plus (0.1 °C each) until the gateway has confirmed `goal`.

    The control sends one service call once the clicks pause, and it starts over from
    the entity's target whenever the entity's state changes (the room temperature moves
    on its own), so a burst can be lost: then click again from what the gateway confirmed.
    """
    buttons = control.locator("ha-outlined-icon-button")
    for _ in range(8):
        if current == goal:
            return
        button = buttons.first if goal < current else buttons.last
        for _ in range(round(abs(goal - current) * 10)):
            button.click()
            control.page.wait_for_timeout(100)  # about as fast as a person clicks
        deadline = time.monotonic() + 8
        before = current
        while current == before and time.monotonic() < deadline:
            time.sleep(0.5)
            current = state(stack, climate)["attributes"]["temperature"]
    pytest.fail(
        f"the gateway confirmed {current} °C after eight bursts of clicks, wanted {goal} °C"
        f"\n--- Home Assistant log ---\n{stack.log_tail()}"
    )


def check_energy_settings(page: Page, stack: Stack) -> None:
    """The energy dashboard offers the meter's energy import for the grid connection."""
    page.goto(f"{stack.ports.url}/config/energy")
    page.get_by_text("Add grid connection").first.click()
    page.get_by_text("Select a statistic").first.click()
    expect(page.get_by_text("Energy import", exact=True).first).to_be_visible()
    shot(page, "05-energy-settings")
    page.keyboard.press("Escape")


def change_setpoint(page: Page, stack: Stack) -> None:
    entities = wait_for(
        "the thermostat entities",
        lambda: (
            (found := localgrid_entities(stack)).keys() >= {"thermostat", "central_heating"}
            and found
        ),
        60,
        stack,
    )
    climate = entities["thermostat"]
    heating = entities["central_heating"]
    start = wait_for(
        "room and target temperatures from the gateway",
        lambda: (
            None not in ((s := state(stack, climate))["attributes"].get(key) for key in KEYS) and s
        ),
        60,
        stack,
    )
    room = float(start["attributes"]["current_temperature"])
    target = float(start["attributes"]["temperature"])
    page.goto(f"{stack.ports.url}/home/overview?more-info-entity-id={climate}")
    control = page.locator("ha-state-control-climate-temperature")
    expect(control).to_be_visible()
    shot(page, "08-thermostat-control")
    # Under the room temperature: the thermostat stops asking for heat, so the
    # boiler's central heating must switch off.
    low = round(min(target, room) - 0.6, 1)
    set_target(control, stack, climate, target, low)
    wait_for(
        "central heating switching off",
        lambda: state(stack, heating)["state"] == "off",
        60,
        stack,
    )
    # Above the room temperature again: central heating comes back on.
    high = round(room + 0.6, 1)
    set_target(control, stack, climate, low, high)
    wait_for(
        "central heating switching on",
        lambda: state(stack, heating)["state"] == "on",
        60,
        stack,
    )
    expect(control.get_by_text("Heating")).to_be_visible()
    shot(page, "09-boiler-heating")


def test_newcomer_journey(fresh_stack: Stack, page: Page) -> None:
    """Onboard, add the meter and the thermostat, see live values, steer the boiler."""
    started = time.monotonic()
    onboard(page, fresh_stack)
    add_meter(page, fresh_stack)
    check_meter_sensors(page, fresh_stack)
    check_energy_settings(page, fresh_stack)
    add_thermostat(page, fresh_stack)
    change_setpoint(page, fresh_stack)
    print(
        f"HA start {fresh_stack.start_seconds:.1f} s, "
        f"browser journey {time.monotonic() - started:.1f} s"
    )
