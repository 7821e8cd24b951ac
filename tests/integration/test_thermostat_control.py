"""Commands from Home Assistant: room setpoint, presets, hot water setpoint and on/off."""

from __future__ import annotations

from homeassistant.components.climate import (
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_PRESET_MODE,
    SERVICE_SET_TEMPERATURE,
)
from homeassistant.components.climate.const import ATTR_PRESET_MODE
from homeassistant.components.water_heater import (
    DOMAIN as WATER_HEATER_DOMAIN,
    SERVICE_SET_OPERATION_MODE,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest

from custom_components.localgrid.const import DOMAIN

from .otgw_fixtures import GatewayFactory, entity_id, setup_gateway_entry, wait_until


async def _set_temperature(hass: HomeAssistant, entity: str, temperature: float) -> None:
    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: entity, ATTR_TEMPERATURE: temperature},
        blocking=True,
    )


async def test_setpoint_confirmed_by_the_gateway(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """The entity shows the new target once the gateway echoed it; the thermostat follows."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    climate = entity_id(hass, entry, "climate", "thermostat")

    await _set_temperature(hass, climate, 22.5)

    assert simulator.commands_received[-1] == "TT=22.50"
    state = hass.states.get(climate)
    assert state.attributes[ATTR_TEMPERATURE] == 22.5
    assert state.attributes[ATTR_PRESET_MODE] == "manual"
    # The thermostat reads id 9 and takes the override as its own setpoint.
    room_setpoint = entity_id(hass, entry, "sensor", "room_setpoint")
    await wait_until(hass, lambda: hass.states.get(room_setpoint).state == "22.5")
    await hass.config_entries.async_unload(entry.entry_id)


async def test_refused_setpoint_raises_translated_error(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """A refusal (OR from the gateway) raises a translated error and changes nothing."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    climate = entity_id(hass, entry, "climate", "thermostat")
    before = hass.states.get(climate).attributes[ATTR_TEMPERATURE]

    # The simulator refuses room setpoints below 1 °C... reached only by calling the
    # coordinator directly, since the entity's own bounds (5-30 °C) stop it earlier.
    with pytest.raises(HomeAssistantError) as raised:
        await entry.runtime_data.async_set_room_setpoint(0.5)
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "gateway_refused"
    assert raised.value.translation_placeholders == {"command": "TT", "code": "OR"}
    assert simulator.commands_received[-1] == "TT=0.50"
    assert hass.states.get(climate).attributes[ATTR_TEMPERATURE] == before

    # The entity's bounds stop values outside the thermostat's range before the gateway.
    with pytest.raises(ServiceValidationError):
        await _set_temperature(hass, climate, 35)
    await hass.config_entries.async_unload(entry.entry_id)


async def test_unanswered_command_raises_timeout_error(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """No reply after every attempt: a translated timeout error."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    climate = entity_id(hass, entry, "climate", "thermostat")
    simulator.ignore_commands = 10

    with pytest.raises(HomeAssistantError) as raised:
        await _set_temperature(hass, climate, 21)
    assert raised.value.translation_key == "gateway_timeout"
    assert simulator.commands_received[-3:] == ["TT=21.00"] * 3  # retried, then gave up
    assert hass.states.get(climate).attributes[ATTR_TEMPERATURE] == 20.5
    await hass.config_entries.async_unload(entry.entry_id)


async def test_command_while_disconnected(hass: HomeAssistant, gateway_tcp: GatewayFactory) -> None:
    """With the gateway gone a command fails at once with a translated error."""
    _, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    coordinator = entry.runtime_data
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            "custom_components.localgrid.gateway_coordinator.RECONNECT_MIN", 30.0
        )  # stay disconnected during the test
        await endpoint.stop()
        await wait_until(hass, lambda: not coordinator.client.connected)
        with pytest.raises(HomeAssistantError) as raised:
            await coordinator.async_set_room_setpoint(21.0)
    assert raised.value.translation_key == "gateway_disconnected"
    await hass.config_entries.async_unload(entry.entry_id)


async def test_presets(hass: HomeAssistant, gateway_tcp: GatewayFactory) -> None:
    """'manual' holds the current target; 'schedule' hands back to the thermostat (TT=0)."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    climate = entity_id(hass, entry, "climate", "thermostat")

    async def preset(mode: str) -> None:
        await hass.services.async_call(
            CLIMATE_DOMAIN,
            SERVICE_SET_PRESET_MODE,
            {ATTR_ENTITY_ID: climate, ATTR_PRESET_MODE: mode},
            blocking=True,
        )

    await preset("manual")
    assert simulator.commands_received[-1] == "TT=20.50"
    assert hass.states.get(climate).attributes[ATTR_PRESET_MODE] == "manual"
    assert simulator.override == ("T", 20.5)

    await preset("schedule")
    assert simulator.commands_received[-1] == "TT=0.00"
    assert hass.states.get(climate).attributes[ATTR_PRESET_MODE] == "schedule"
    assert simulator.override is None
    await hass.config_entries.async_unload(entry.entry_id)


async def test_manual_preset_needs_a_known_setpoint(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """Before the thermostat told its setpoint there is nothing to hold."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    climate = entity_id(hass, entry, "climate", "thermostat")
    simulator.silent = True  # no more reports for a moment (well below the silence timeout)
    state = entry.runtime_data.data
    for side in (state.thermostat, state.boiler):
        side.pop(16)  # as if id 16 had not come yet
    entry.runtime_data.async_update_listeners()
    commands = len(simulator.commands_received)

    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            CLIMATE_DOMAIN,
            SERVICE_SET_PRESET_MODE,
            {ATTR_ENTITY_ID: climate, ATTR_PRESET_MODE: "manual"},
            blocking=True,
        )
    assert raised.value.translation_key == "room_setpoint_unknown"
    assert len(simulator.commands_received) == commands
    await hass.config_entries.async_unload(entry.entry_id)


async def test_hot_water_setpoint(hass: HomeAssistant, gateway_tcp: GatewayFactory) -> None:
    """SW within the boiler's bounds; the boiler's setpoint follows; outside is refused."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    water_heater = entity_id(hass, entry, "water_heater", "hot_water")

    await hass.services.async_call(
        WATER_HEATER_DOMAIN,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: water_heater, ATTR_TEMPERATURE: 50},
        blocking=True,
    )
    assert simulator.commands_received[-1] == "SW=50.00"
    await wait_until(hass, lambda: hass.states.get(water_heater).attributes[ATTR_TEMPERATURE] == 50)
    assert simulator.boiler.dhw_setpoint == 50

    commands = len(simulator.commands_received)
    with pytest.raises(ServiceValidationError) as raised:
        await hass.services.async_call(
            WATER_HEATER_DOMAIN,
            SERVICE_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: water_heater, ATTR_TEMPERATURE: 80},
            blocking=True,
        )
    assert raised.value.translation_key == "dhw_setpoint_out_of_range"
    assert raised.value.translation_placeholders == {"setpoint": "80", "min": "40", "max": "65"}
    assert len(simulator.commands_received) == commands
    await hass.config_entries.async_unload(entry.entry_id)


async def test_hot_water_on_off_and_auto(hass: HomeAssistant, gateway_tcp: GatewayFactory) -> None:
    """Turning hot water off/on forces it through HW; 'auto' hands it back (HW=A)."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    water_heater = entity_id(hass, entry, "water_heater", "hot_water")
    hot_water_enabled = lambda: entry.runtime_data.data.dhw_enabled  # noqa: E731

    await hass.services.async_call(
        WATER_HEATER_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: water_heater}, blocking=True
    )
    assert simulator.commands_received[-1] == "HW=0"
    assert hass.states.get(water_heater).state == "off"
    # The boiler now gets DHW enable off in id 0 (the gateway's R line).
    await wait_until(hass, lambda: hot_water_enabled() is False)

    await hass.services.async_call(
        WATER_HEATER_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: water_heater}, blocking=True
    )
    assert simulator.commands_received[-1] == "HW=1"
    assert hass.states.get(water_heater).state == "on"
    await wait_until(hass, lambda: hot_water_enabled() is True)

    await hass.services.async_call(
        WATER_HEATER_DOMAIN,
        SERVICE_SET_OPERATION_MODE,
        {ATTR_ENTITY_ID: water_heater, "operation_mode": "auto"},
        blocking=True,
    )
    assert simulator.commands_received[-1] == "HW=A"
    assert hass.states.get(water_heater).state == "auto"
    assert simulator.hot_water_override is None
    await hass.config_entries.async_unload(entry.entry_id)
