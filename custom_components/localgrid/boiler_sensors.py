"""Sensors of an OpenTherm Gateway entry: boiler and thermostat values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfPressure,
    UnitOfTemperature,
    UnitOfTime,
    UnitOfVolumeFlowRate,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .gateway_coordinator import GatewayConfigEntry, GatewayCoordinator
from .gateway_entity import GatewayDevice, GatewayEntity
from .protocol.otgw_state import GatewayState


@dataclass(frozen=True, kw_only=True)
class BoilerSensorEntityDescription(SensorEntityDescription):
    """A sensor read from the latest gateway data."""

    value_fn: Callable[[GatewayState], StateType]
    device: GatewayDevice = GatewayDevice.BOILER


def _temperature(
    key: str, value_fn: Callable[[GatewayState], StateType], **kwargs: object
) -> BoilerSensorEntityDescription:
    return BoilerSensorEntityDescription(
        key=key,
        translation_key=key,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        suggested_display_precision=1,
        value_fn=value_fn,
        **kwargs,  # type: ignore[arg-type]
    )


BOILER_SENSORS: tuple[BoilerSensorEntityDescription, ...] = (
    _temperature("flow_temperature", lambda data: data.flow_temperature),
    _temperature("return_temperature", lambda data: data.return_temperature),
    _temperature("dhw_temperature", lambda data: data.dhw_temperature),
    _temperature("outside_temperature", lambda data: data.outside_temperature),
    _temperature(
        "room_temperature",
        lambda data: data.room_temperature,
        device=GatewayDevice.THERMOSTAT,
    ),
    _temperature(
        "room_setpoint",
        lambda data: data.room_setpoint,
        device=GatewayDevice.THERMOSTAT,
    ),
    _temperature(
        "control_setpoint",
        lambda data: data.control_setpoint,
        device=GatewayDevice.THERMOSTAT,
        entity_category=EntityCategory.DIAGNOSTIC,
    ),
    _temperature(
        "exhaust_temperature",
        lambda data: data.exhaust_temperature,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
    ),
    BoilerSensorEntityDescription(
        key="modulation",
        translation_key="modulation",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data: data.modulation,
    ),
    BoilerSensorEntityDescription(
        key="water_pressure",
        translation_key="water_pressure",
        device_class=SensorDeviceClass.PRESSURE,
        native_unit_of_measurement=UnitOfPressure.BAR,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data: data.water_pressure,
    ),
    BoilerSensorEntityDescription(
        key="dhw_flow_rate",
        translation_key="dhw_flow_rate",
        device_class=SensorDeviceClass.VOLUME_FLOW_RATE,
        native_unit_of_measurement=UnitOfVolumeFlowRate.LITERS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data: data.dhw_flow_rate,
    ),
    BoilerSensorEntityDescription(
        key="burner_starts",
        translation_key="burner_starts",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.burner_starts,
    ),
    BoilerSensorEntityDescription(
        key="burner_hours",
        translation_key="burner_hours",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.HOURS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.burner_hours,
    ),
    BoilerSensorEntityDescription(
        key="oem_fault_code",
        translation_key="oem_fault_code",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: data.oem_fault_code,
    ),
)


async def async_setup_boiler_sensors(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the sensors of a thermostat entry (called by sensor.py)."""
    coordinator = entry.runtime_data
    async_add_entities(
        BoilerSensorEntity(coordinator, description) for description in BOILER_SENSORS
    )


class BoilerSensorEntity(GatewayEntity, SensorEntity):
    """A boiler or thermostat value reported through the gateway."""

    entity_description: BoilerSensorEntityDescription

    def __init__(
        self, coordinator: GatewayCoordinator, description: BoilerSensorEntityDescription
    ) -> None:
        super().__init__(coordinator, description.device, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> StateType:
        return self.entity_description.value_fn(self.coordinator.data)
