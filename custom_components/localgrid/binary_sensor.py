"""Binary sensors of an OpenTherm Gateway entry: the boiler's status and fault flags."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .gateway_coordinator import GatewayConfigEntry, GatewayCoordinator
from .gateway_entity import GatewayDevice, GatewayEntity
from .protocol.otgw_state import GatewayState

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class BoilerBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A boiler flag read from the latest gateway data."""

    value_fn: Callable[[GatewayState], bool | None]


BOILER_BINARY_SENSORS: tuple[BoilerBinarySensorEntityDescription, ...] = (
    BoilerBinarySensorEntityDescription(
        key="flame",
        translation_key="flame",
        device_class=BinarySensorDeviceClass.HEAT,
        value_fn=lambda data: data.flame,
    ),
    BoilerBinarySensorEntityDescription(
        key="central_heating",
        translation_key="central_heating",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda data: data.ch_active,
    ),
    BoilerBinarySensorEntityDescription(
        key="hot_water",
        translation_key="hot_water",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda data: data.dhw_active,
    ),
    BoilerBinarySensorEntityDescription(
        key="fault",
        translation_key="fault",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data: data.fault,
    ),
    BoilerBinarySensorEntityDescription(
        key="low_water_pressure",
        translation_key="low_water_pressure",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data: data.low_water_pressure,
    ),
    BoilerBinarySensorEntityDescription(
        key="service_required",
        translation_key="service_required",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data: data.service_required,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the boiler's binary sensors (thermostat entries only use this platform)."""
    coordinator = entry.runtime_data
    async_add_entities(
        BoilerBinarySensorEntity(coordinator, description) for description in BOILER_BINARY_SENSORS
    )


class BoilerBinarySensorEntity(GatewayEntity, BinarySensorEntity):
    """A status or fault flag of the boiler."""

    entity_description: BoilerBinarySensorEntityDescription

    def __init__(
        self, coordinator: GatewayCoordinator, description: BoilerBinarySensorEntityDescription
    ) -> None:
        super().__init__(coordinator, GatewayDevice.BOILER, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool | None:
        return self.entity_description.value_fn(self.coordinator.data)
