"""The thermostat of an OpenTherm Gateway entry as a climate entity."""

from __future__ import annotations

from typing import Any

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import ClimateEntityFeature, HVACAction, HVACMode
from homeassistant.const import ATTR_TEMPERATURE, PRECISION_TENTHS, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .gateway_coordinator import (
    ROOM_SETPOINT_MAX,
    ROOM_SETPOINT_MIN,
    GatewayConfigEntry,
    GatewayCoordinator,
)
from .gateway_entity import GatewayDevice, GatewayEntity

PARALLEL_UPDATES = 1

# The two presets do something real: follow the thermostat's own program, or hold
# the setpoint Home Assistant set through the gateway's override.
PRESET_SCHEDULE = "schedule"
PRESET_MANUAL = "manual"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the thermostat."""
    async_add_entities([GatewayClimateEntity(entry.runtime_data)])


class GatewayClimateEntity(GatewayEntity, ClimateEntity):
    """The room thermostat, steered through the gateway's room setpoint override."""

    _attr_name = None
    _attr_translation_key = "thermostat"
    _attr_hvac_modes = [HVACMode.HEAT]
    _attr_hvac_mode = HVACMode.HEAT
    _attr_preset_modes = [PRESET_SCHEDULE, PRESET_MANUAL]
    _attr_supported_features = (
        ClimateEntityFeature.TARGET_TEMPERATURE | ClimateEntityFeature.PRESET_MODE
    )
    _attr_temperature_unit = UnitOfTemperature.CELSIUS
    _attr_target_temperature_step = PRECISION_TENTHS
    _attr_min_temp = ROOM_SETPOINT_MIN
    _attr_max_temp = ROOM_SETPOINT_MAX

    def __init__(self, coordinator: GatewayCoordinator) -> None:
        super().__init__(coordinator, GatewayDevice.THERMOSTAT, "thermostat")

    @property
    def current_temperature(self) -> float | None:
        return self.coordinator.data.room_temperature

    @property
    def target_temperature(self) -> float | None:
        """The held override once the gateway confirmed it, else the thermostat's setpoint."""
        data = self.coordinator.data
        if data.setpoint_override is not None:
            return data.setpoint_override.setpoint
        return data.room_setpoint

    @property
    def hvac_action(self) -> HVACAction | None:
        heating = self.coordinator.data.heating
        if heating is None:
            return None
        return HVACAction.HEATING if heating else HVACAction.IDLE

    @property
    def preset_mode(self) -> str:
        if self.coordinator.data.setpoint_override is not None:
            return PRESET_MANUAL
        return PRESET_SCHEDULE

    async def async_set_temperature(self, **kwargs: Any) -> None:
        await self.coordinator.async_set_room_setpoint(float(kwargs[ATTR_TEMPERATURE]))

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        if preset_mode == PRESET_SCHEDULE:
            await self.coordinator.async_set_room_setpoint(None)
            return
        if (target := self.target_temperature) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="room_setpoint_unknown"
            )
        # Hold what the thermostat wants now until the user changes it.
        await self.coordinator.async_set_room_setpoint(target)

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Heat is the only mode; the service layer rejects any other before this runs."""
