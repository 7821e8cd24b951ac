"""Domestic hot water of an OpenTherm Gateway entry, where the boiler has it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.water_heater import WaterHeaterEntity
from homeassistant.components.water_heater.const import WaterHeaterEntityFeature
from homeassistant.const import (
    ATTR_TEMPERATURE,
    PRECISION_WHOLE,
    STATE_OFF,
    STATE_ON,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .gateway_coordinator import (
    DHW_SETPOINT_MAX,
    DHW_SETPOINT_MIN,
    GatewayConfigEntry,
    GatewayCoordinator,
)
from .gateway_entity import GatewayDevice, GatewayEntity
from .protocol.otgw_client import HotWaterMode

PARALLEL_UPDATES = 1

# Operation modes map onto the gateway's hot-water override (HW=A / HW=1 / HW=0).
STATE_AUTO = "auto"
_MODE_OF_STATE = {
    STATE_AUTO: HotWaterMode.THERMOSTAT,
    STATE_ON: HotWaterMode.ON,
    STATE_OFF: HotWaterMode.OFF,
}
_STATE_OF_MODE: dict[str | None, str] = {mode: state for state, mode in _MODE_OF_STATE.items()}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the hot water entity as soon as the boiler says it has domestic hot water."""
    coordinator = entry.runtime_data
    if coordinator.data.dhw_present:
        async_add_entities([GatewayWaterHeaterEntity(coordinator)])
        return
    # Id 3 (slave configuration) may come later than start-up.
    listening = True

    @callback
    def add_when_present() -> None:
        nonlocal listening
        if listening and coordinator.data.dhw_present:
            stop_listening()
            async_add_entities([GatewayWaterHeaterEntity(coordinator)])

    @callback
    def stop_listening() -> None:
        nonlocal listening
        if listening:
            listening = False
            remove_listener()

    remove_listener = coordinator.async_add_listener(add_when_present)
    entry.async_on_unload(stop_listening)


class GatewayWaterHeaterEntity(GatewayEntity, WaterHeaterEntity):
    """The boiler's hot water: setpoint within its bounds, on/off through the override."""

    _attr_translation_key = "hot_water"
    _attr_operation_list = list(_MODE_OF_STATE)
    _attr_supported_features = (
        WaterHeaterEntityFeature.TARGET_TEMPERATURE
        | WaterHeaterEntityFeature.OPERATION_MODE
        | WaterHeaterEntityFeature.ON_OFF
    )
    _attr_temperature_unit = UnitOfTemperature.CELSIUS
    _attr_precision = PRECISION_WHOLE
    _attr_target_temperature_step = PRECISION_WHOLE

    def __init__(self, coordinator: GatewayCoordinator) -> None:
        super().__init__(coordinator, GatewayDevice.BOILER, "hot_water")

    @property
    def current_temperature(self) -> float | None:
        return self.coordinator.data.dhw_temperature

    @property
    def target_temperature(self) -> float | None:
        return self.coordinator.data.dhw_setpoint

    @property
    def min_temp(self) -> float:
        bounds = self.coordinator.data.dhw_setpoint_bounds
        return bounds[0] if bounds else DHW_SETPOINT_MIN

    @property
    def max_temp(self) -> float:
        bounds = self.coordinator.data.dhw_setpoint_bounds
        return bounds[1] if bounds else DHW_SETPOINT_MAX

    @property
    def current_operation(self) -> str | None:
        return _STATE_OF_MODE.get(self.coordinator.data.hot_water_override)

    async def async_set_temperature(self, **kwargs: Any) -> None:
        await self.coordinator.async_set_dhw_setpoint(float(kwargs[ATTR_TEMPERATURE]))

    async def async_set_operation_mode(self, operation_mode: str) -> None:
        await self.coordinator.async_set_hot_water_mode(_MODE_OF_STATE[operation_mode])

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self.coordinator.async_set_hot_water_mode(HotWaterMode.ON)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self.coordinator.async_set_hot_water_mode(HotWaterMode.OFF)
