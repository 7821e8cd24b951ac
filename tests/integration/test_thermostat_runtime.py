"""Runtime of a thermostat entry: reconnects, silence, garbage lines, held overrides,
their release on unload, and diagnostics."""

from __future__ import annotations

import asyncio
import logging
import sys
from unittest.mock import patch

from homeassistant.components.climate.const import ATTR_PRESET_MODE
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest

from custom_components.localgrid.const import CONF_OVERRIDE_MODE, OVERRIDE_CONSTANT
from custom_components.localgrid.diagnostics import async_get_config_entry_diagnostics
from custom_components.localgrid.protocol.otgw_client import HotWaterMode
from simulator.transport import TcpEndpoint

from .otgw_fixtures import GatewayFactory, entity_id, setup_gateway_entry, wait_until

COORDINATOR_LOGGER = "custom_components.localgrid.gateway_coordinator"


def _assert_logged_once_each_way(caplog: pytest.LogCaptureFixture) -> None:
    """Since setup: the loss told once at info (no repeats while reconnecting), the return once.

    Only the coordinator tells the user; the protocol client keeps its view at debug level.
    """
    told = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [(r.name, r.levelno) for r in told] == [(COORDINATOR_LOGGER, logging.INFO)] * 2
    lost, back = (r.getMessage() for r in told)
    assert "is unavailable" in lost
    assert "is available again" in back


async def test_reconnects_after_the_bridge_drops(
    hass: HomeAssistant, gateway_tcp: GatewayFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A dropped connection makes entities unavailable until the reconnect, once each way."""
    caplog.set_level(logging.DEBUG, logger="custom_components.localgrid")
    _, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    caplog.clear()
    coordinator = entry.runtime_data
    flow = entity_id(hass, entry, "sensor", "flow_temperature")
    assert hass.states.get(flow).state != STATE_UNAVAILABLE

    transitions: list[bool] = []
    coordinator.client.add_availability_listener(transitions.append)
    with patch("custom_components.localgrid.gateway_coordinator.RECONNECT_MIN", 0.5):
        endpoint.drop_clients()
        await wait_until(hass, lambda: hass.states.get(flow).state == STATE_UNAVAILABLE)
        await wait_until(hass, lambda: hass.states.get(flow).state != STATE_UNAVAILABLE)

    assert transitions == [False, True]
    assert coordinator.reconnects == 1
    assert endpoint.connections == 2
    _assert_logged_once_each_way(caplog)
    # Fresh values flow again after the reconnect.
    frames = coordinator.client.counters.frames
    await wait_until(hass, lambda: coordinator.client.counters.frames > frames + 5)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reconnect_backs_off_while_the_gateway_is_away(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """While nothing listens, attempts repeat with growing delays, then succeed."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    coordinator = entry.runtime_data
    port = endpoint.port
    await endpoint.stop()
    await wait_until(hass, lambda: not coordinator.online)

    sleeps: list[float] = []
    real_sleep = asyncio.sleep

    async def recording_sleep(delay: float) -> None:
        if sys._getframe(1).f_code.co_name == "_async_run":  # the reconnect loop's waits
            sleeps.append(delay)
        await real_sleep(delay)

    with patch("custom_components.localgrid.gateway_coordinator.asyncio.sleep", recording_sleep):
        await wait_until(hass, lambda: len(sleeps) >= 4)
    assert sleeps[:4] == [0.05, 0.1, 0.2, 0.2]  # doubling up to RECONNECT_MAX

    # The gateway comes back on the same port.
    again = await TcpEndpoint(simulator.handle, port=port).start()
    try:
        await wait_until(hass, lambda: coordinator.online)
        assert coordinator.reconnects == 1
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await again.stop()


async def test_silent_gateway_goes_unavailable_and_comes_back(
    hass: HomeAssistant, gateway_tcp: GatewayFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A gateway that stops talking (and answering) is unavailable until it speaks again."""
    caplog.set_level(logging.DEBUG, logger="custom_components.localgrid")
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    caplog.clear()
    climate = entity_id(hass, entry, "climate", "thermostat")
    transitions: list[bool] = []
    entry.runtime_data.client.add_availability_listener(transitions.append)

    simulator.silent = True
    await wait_until(hass, lambda: hass.states.get(climate).state == STATE_UNAVAILABLE)
    await asyncio.sleep(1.5)  # reconnect attempts fail meanwhile: no new log lines
    assert hass.states.get(climate).state == STATE_UNAVAILABLE
    simulator.silent = False
    await wait_until(hass, lambda: hass.states.get(climate).state != STATE_UNAVAILABLE, seconds=8)

    assert transitions == [False, True]
    _assert_logged_once_each_way(caplog)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_quiet_but_answering_gateway_stays_available(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """No reports (summary mode muted them) but it answers probes: no false alarm."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    coordinator = entry.runtime_data
    simulator.summary_mode = True  # another client's PS=1 muted the reports

    probes = simulator.commands_received.count("PR=A")
    await wait_until(hass, lambda: simulator.commands_received.count("PR=A") > probes, seconds=4)
    assert coordinator.online
    assert coordinator.client.connected
    await hass.config_entries.async_unload(entry.entry_id)


async def test_garbage_lines_are_dropped_and_counted(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """Noise, truncated and glued lines and line errors change nothing and are counted."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    coordinator = entry.runtime_data
    pressure = entity_id(hass, entry, "sensor", "water_pressure")
    await wait_until(hass, lambda: coordinator.data.water_pressure is not None)

    simulator.inject_garbage(b"\xff\xfe\x00noise\r\n")
    simulator.inject_garbage(b"B40192\r\n")
    simulator.inject_truncated()
    simulator.inject_glued()
    simulator.inject_line_error(2)
    simulator.inject_line_error(4)
    counters = coordinator.client.counters
    await wait_until(hass, lambda: counters.invalid >= 3 and counters.line_errors >= 2)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["lines"]["invalid"] >= 3
    assert diagnostics["lines"]["line_errors"] >= 2
    assert coordinator.online
    assert float(hass.states.get(pressure).state) == pytest.approx(1.6, abs=0.05)
    # The E lines that follow Error 02/04 are never taken as data: id 25 stays sane.
    assert 0 < coordinator.data.flow_temperature < 100
    await hass.config_entries.async_unload(entry.entry_id)


async def test_overrides_released_on_unload(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """What Home Assistant set is handed back to the thermostat when the entry unloads."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    coordinator = entry.runtime_data
    await coordinator.async_set_room_setpoint(22.0)
    await coordinator.async_set_hot_water_mode(HotWaterMode.ON)
    assert simulator.override == ("T", 22.0)
    assert simulator.hot_water_override == "1"

    await hass.config_entries.async_unload(entry.entry_id)

    assert set(simulator.commands_received[-2:]) == {"TT=0", "HW=A"}
    assert simulator.override is None
    assert simulator.hot_water_override is None


async def test_constant_override_kept_alive_after_gateway_reset(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """The gateway forgets its overrides (reset): the integration sets them again."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(
        hass, endpoint.url, options={CONF_OVERRIDE_MODE: OVERRIDE_CONSTANT}
    )
    coordinator = entry.runtime_data
    await coordinator.async_set_room_setpoint(22.0)
    await coordinator.async_set_hot_water_mode(HotWaterMode.ON)
    assert simulator.override == ("C", 22.0)

    # A power cut of the gateway alone: its volatile overrides are gone.
    simulator.override = None
    simulator.hot_water_override = None
    # Counted once the gateway's reply is in, which is after the simulator applied it.
    await wait_until(hass, lambda: coordinator.overrides_reapplied >= 2)
    assert simulator.override == ("C", 22.0)
    assert simulator.hot_water_override == "1"
    assert "TC=22.00" in simulator.commands_received[-6:]
    await hass.config_entries.async_unload(entry.entry_id)


async def test_temporary_override_ends_with_the_thermostat_program(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """A temporary override that the thermostat's program replaced is not forced back."""
    simulator, endpoint = await gateway_tcp()
    with patch("custom_components.localgrid.gateway_coordinator.OVERRIDE_CHECK_INTERVAL", 3600):
        entry = await setup_gateway_entry(hass, endpoint.url)
        coordinator = entry.runtime_data
        climate = entity_id(hass, entry, "climate", "thermostat")
        await coordinator.async_set_room_setpoint(22.0)
        await wait_until(hass, lambda: coordinator.data.room_setpoint == 22.0)

        # The program switches to its night setpoint and the gateway drops the override.
        simulator.override = None
        simulator.boiler.program_setpoint = 17.0
        await wait_until(hass, lambda: coordinator.data.room_setpoint == 17.0)
        await coordinator.async_check_overrides()

    assert simulator.commands_received.count("TT=22.00") == 1  # only the user's own
    assert simulator.override is None
    assert hass.states.get(climate).attributes[ATTR_PRESET_MODE] == "schedule"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_temporary_override_restored_when_the_gateway_forgot_it(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """Thermostat still at our setpoint but the gateway holds nothing: set it again."""
    simulator, endpoint = await gateway_tcp()
    with patch("custom_components.localgrid.gateway_coordinator.OVERRIDE_CHECK_INTERVAL", 3600):
        entry = await setup_gateway_entry(hass, endpoint.url)
        coordinator = entry.runtime_data
        await coordinator.async_set_room_setpoint(22.0)
        await wait_until(hass, lambda: coordinator.data.room_setpoint == 22.0)
        simulator.override = None  # the gateway rebooted; the thermostat keeps 22 for now
        await coordinator.async_check_overrides()

    assert simulator.commands_received[-1] == "TT=22.00"
    assert simulator.override == ("T", 22.0)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_overrides_reapplied_after_reconnect(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """After a reconnect the held overrides are sent again (the gateway may have reset)."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    coordinator = entry.runtime_data
    await coordinator.async_set_room_setpoint(21.0)
    await coordinator.async_set_hot_water_mode(HotWaterMode.ON)
    sent = len(simulator.commands_received)

    endpoint.drop_clients()
    await wait_until(hass, lambda: coordinator.reconnects == 1)
    # Counted once each reply is in (the simulator logs a command before it answers).
    await wait_until(hass, lambda: coordinator.overrides_reapplied == 2)
    assert {"TT=21.00", "HW=1"} <= set(simulator.commands_received[sent:])
    await hass.config_entries.async_unload(entry.entry_id)


async def test_failed_check_and_reapply_are_tolerated(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """A gateway that does not answer the check or the re-apply costs no exception."""
    simulator, endpoint = await gateway_tcp()
    with patch("custom_components.localgrid.gateway_coordinator.OVERRIDE_CHECK_INTERVAL", 3600):
        entry = await setup_gateway_entry(hass, endpoint.url)
        coordinator = entry.runtime_data
        await coordinator.async_check_overrides()  # nothing held: nothing asked
        await coordinator.async_set_room_setpoint(21.0)
        simulator.ignore_commands = 100
        await coordinator.async_check_overrides()
        await coordinator._async_reapply_overrides()
        simulator.ignore_commands = 0
    assert coordinator.online
    await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostics(hass: HomeAssistant, gateway_tcp: GatewayFactory) -> None:
    """Connection, firmware, line counters, overrides and the raw per-id state."""
    _, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    await entry.runtime_data.async_set_room_setpoint(21.5)

    diagnostics = await async_get_config_entry_diagnostics(hass, entry)

    assert diagnostics["entry"]["port"] == endpoint.url
    assert diagnostics["connection"]["online"] is True
    assert diagnostics["connection"]["firmware"] == "6.6"
    assert diagnostics["connection"]["banner"] == "OpenTherm Gateway 6.6"
    assert diagnostics["lines"]["frames"] > 10
    assert diagnostics["overrides"]["room_setpoint_held"] == 21.5
    assert diagnostics["overrides"]["gateway_room_setpoint"]["setpoint"] == 21.5
    assert diagnostics["boiler"]["25"] > 0
    assert 9 in diagnostics["unsupported_ids"]  # the simulated boiler does not know id 9
    await hass.config_entries.async_unload(entry.entry_id)
