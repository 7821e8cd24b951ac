"""Setup of a thermostat entry, its devices and every entity's state."""

from __future__ import annotations

import asyncio

from homeassistant.components.climate.const import (
    ATTR_CURRENT_TEMPERATURE,
    ATTR_HVAC_ACTION,
    ATTR_PRESET_MODE,
    HVACAction,
    HVACMode,
)
from homeassistant.components.water_heater import ATTR_OPERATION_MODE
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_TEMPERATURE,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.localgrid.const import DOMAIN

from .otgw_fixtures import GatewayFactory, entity_id, setup_gateway_entry, wait_until

BINARY_SENSORS = (
    "flame",
    "central_heating",
    "hot_water",
    "fault",
    "low_water_pressure",
    "service_required",
)
SENSORS_ENABLED = (
    "flow_temperature",
    "return_temperature",
    "dhw_temperature",
    "outside_temperature",
    "room_temperature",
    "room_setpoint",
    "control_setpoint",
    "modulation",
    "water_pressure",
    "dhw_flow_rate",
    "oem_fault_code",
)
SENSORS_DISABLED = ("exhaust_temperature", "burner_starts", "burner_hours")


async def test_setup_fails_when_the_port_is_closed(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """No gateway: setup is retried later (ConfigEntryNotReady)."""
    _, endpoint = await gateway_tcp()
    url = endpoint.url
    await endpoint.stop()
    entry = await setup_gateway_entry(hass, url)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_devices(hass: HomeAssistant, gateway_tcp: GatewayFactory) -> None:
    """Gateway (with its firmware), boiler and thermostat; the last two via the gateway."""
    _, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    registry = dr.async_get(hass)
    devices = {
        next(iter(device.identifiers))[1].removeprefix(f"{entry.entry_id}_"): device
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
    }
    assert set(devices) == {"gateway", "boiler", "thermostat"}
    gateway = devices["gateway"]
    assert gateway.sw_version == "6.6"
    assert gateway.model == "OpenTherm Gateway"
    assert devices["boiler"].via_device_id == gateway.id
    assert devices["thermostat"].via_device_id == gateway.id
    assert (DOMAIN, f"{entry.entry_id}_boiler") in devices["boiler"].identifiers
    await hass.config_entries.async_unload(entry.entry_id)


async def test_entity_states_follow_the_boiler(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """Every sensor and binary sensor shows what the simulated boiler reports."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    data = entry.runtime_data.data
    await wait_until(
        hass, lambda: data.water_pressure is not None and data.dhw_flow_rate is not None
    )
    boiler = simulator.boiler

    def number(key: str) -> float:
        return float(hass.states.get(entity_id(hass, entry, "sensor", key)).state)

    assert number("water_pressure") == pytest.approx(boiler.pressure, abs=0.05)
    assert number("outside_temperature") == pytest.approx(boiler.outside, abs=0.05)
    assert number("room_temperature") == pytest.approx(boiler.room, abs=0.6)
    assert number("room_setpoint") == pytest.approx(20.5)
    assert number("oem_fault_code") == 0
    for key in SENSORS_ENABLED:
        state = hass.states.get(entity_id(hass, entry, "sensor", key))
        assert state is not None, key
        assert state.state != STATE_UNKNOWN, key
    assert float(hass.states.get(entity_id(hass, entry, "sensor", "flow_temperature")).state) > 0

    for key in BINARY_SENSORS:
        assert hass.states.get(entity_id(hass, entry, "binary_sensor", key)).state in (
            STATE_ON,
            STATE_OFF,
        ), key
    for key in ("fault", "low_water_pressure", "service_required"):
        assert hass.states.get(entity_id(hass, entry, "binary_sensor", key)).state == STATE_OFF

    # The boiler model goes into a fault: the flags show it.
    boiler.fault = True
    boiler.oem_fault_code = 37
    fault_id = entity_id(hass, entry, "binary_sensor", "fault")
    await wait_until(hass, lambda: hass.states.get(fault_id).state == STATE_ON)
    await wait_until(hass, lambda: number("oem_fault_code") == 37)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_flame_and_heating_track_the_model(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """The flame and central heating sensors and hvac_action change with the boiler."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    flame = entity_id(hass, entry, "binary_sensor", "flame")
    heating = entity_id(hass, entry, "binary_sensor", "central_heating")
    climate = entity_id(hass, entry, "climate", "thermostat")
    # Cold room, high setpoint: the thermostat asks heat and the burner lights.
    simulator.boiler.room = 15.0
    await wait_until(
        hass,
        lambda: (
            hass.states.get(flame).state == STATE_ON and hass.states.get(heating).state == STATE_ON
        ),
    )
    await wait_until(
        hass, lambda: hass.states.get(climate).attributes[ATTR_HVAC_ACTION] == HVACAction.HEATING
    )
    # Warm room: no heat demand, flame out, thermostat idle.
    simulator.boiler.room = 25.0
    await wait_until(hass, lambda: hass.states.get(heating).state == STATE_OFF, seconds=8)
    await wait_until(
        hass, lambda: hass.states.get(climate).attributes[ATTR_HVAC_ACTION] == HVACAction.IDLE
    )
    await hass.config_entries.async_unload(entry.entry_id)


async def test_diagnostic_sensors_disabled_by_default(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """Rarely needed values exist but are disabled; enabling one shows its value."""
    _, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    registry = er.async_get(hass)
    for key in SENSORS_DISABLED:
        registry_entry = registry.async_get(entity_id(hass, entry, "sensor", key))
        assert registry_entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION, key
    for key in SENSORS_ENABLED:
        assert registry.async_get(entity_id(hass, entry, "sensor", key)).disabled_by is None

    burner_starts = entity_id(hass, entry, "sensor", "burner_starts")
    registry.async_update_entity(burner_starts, disabled_by=None)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    await wait_until(
        hass,
        lambda: (
            (state := hass.states.get(burner_starts)) is not None
            and state.state.isdigit()
            and int(state.state) >= 1200
        ),
        seconds=8,
    )
    await hass.config_entries.async_unload(entry.entry_id)


async def test_climate_entity(hass: HomeAssistant, gateway_tcp: GatewayFactory) -> None:
    """Room temperature, the thermostat's setpoint, heat mode, real presets, room bounds."""
    _, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    climate = entity_id(hass, entry, "climate", "thermostat")
    data = entry.runtime_data.data
    await wait_until(hass, lambda: data.room_temperature is not None)
    state = hass.states.get(climate)
    assert state.state == HVACMode.HEAT
    assert state.attributes["hvac_modes"] == [HVACMode.HEAT]
    assert state.attributes[ATTR_TEMPERATURE] == 20.5
    assert state.attributes[ATTR_CURRENT_TEMPERATURE] == pytest.approx(
        data.room_temperature, abs=0.05
    )
    assert state.attributes[ATTR_PRESET_MODE] == "schedule"
    assert state.attributes["preset_modes"] == ["schedule", "manual"]
    assert state.attributes["min_temp"] == 5
    assert state.attributes["max_temp"] == 30
    await hass.config_entries.async_unload(entry.entry_id)


async def test_water_heater_entity(hass: HomeAssistant, gateway_tcp: GatewayFactory) -> None:
    """Hot water temperature, setpoint and the boiler's own bounds (id 48)."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    data = entry.runtime_data.data
    await wait_until(hass, lambda: data.dhw_setpoint_bounds is not None and data.dhw_setpoint)
    water_heater = entity_id(hass, entry, "water_heater", "hot_water")
    state = hass.states.get(water_heater)
    assert state.state == "auto"  # no override: the thermostat decides
    assert state.attributes[ATTR_OPERATION_MODE] == "auto"
    assert state.attributes["operation_list"] == ["auto", "on", "off"]
    assert state.attributes["min_temp"] == 40
    assert state.attributes["max_temp"] == 65
    assert state.attributes[ATTR_TEMPERATURE] == simulator.boiler.dhw_setpoint
    assert state.attributes[ATTR_CURRENT_TEMPERATURE] == pytest.approx(simulator.boiler.dhw, abs=1)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_no_water_heater_without_hot_water(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """A boiler without domestic hot water gets no water heater entity."""
    _, endpoint = await gateway_tcp(dhw_present=False)
    entry = await setup_gateway_entry(hass, endpoint.url)
    await asyncio.sleep(0.5)
    registry = er.async_get(hass)
    assert (
        registry.async_get_entity_id("water_heater", DOMAIN, f"{entry.entry_id}_hot_water") is None
    )
    await hass.config_entries.async_unload(entry.entry_id)


async def test_water_heater_added_at_once_when_known(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """On a reload the boiler's hot water is already known: the entity comes with setup."""
    _, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    coordinator = entry.runtime_data
    # Reload the platform only: the coordinator already knows id 3.
    await hass.config_entries.async_unload_platforms(entry, ["water_heater"])
    await hass.config_entries.async_forward_entry_setups(entry, ["water_heater"])
    assert coordinator.data.dhw_present
    assert hass.states.get(entity_id(hass, entry, "water_heater", "hot_water")) is not None
    await hass.config_entries.async_unload(entry.entry_id)


async def test_works_over_a_pseudo_terminal(
    hass: HomeAssistant, gateway_pty: GatewayFactory
) -> None:
    """The same entry over a serial device path (the pty) gets values too."""
    _, endpoint = await gateway_pty()
    entry = await setup_gateway_entry(hass, endpoint.device_path)
    assert entry.state is ConfigEntryState.LOADED
    state = hass.states.get(entity_id(hass, entry, "sensor", "flow_temperature"))
    assert float(state.state) > 0
    await hass.config_entries.async_unload(entry.entry_id)
