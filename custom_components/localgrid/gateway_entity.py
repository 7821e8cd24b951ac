"""Base entity and devices of an OpenTherm Gateway entry: gateway, boiler, thermostat."""

from __future__ import annotations

from enum import StrEnum

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .gateway_coordinator import GATEWAY_DEVICE, GatewayCoordinator, device_identifiers


class GatewayDevice(StrEnum):
    """The three devices an entry shows; the boiler and thermostat hang off the gateway."""

    GATEWAY = GATEWAY_DEVICE
    BOILER = "boiler"
    THERMOSTAT = "thermostat"


class GatewayEntity(CoordinatorEntity[GatewayCoordinator]):
    """An entity fed by the gateway's push coordinator, on the boiler or the thermostat."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: GatewayCoordinator, device: GatewayDevice, key: str) -> None:
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.config_entry.entry_id}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers=device_identifiers(coordinator.config_entry, device),
            translation_key=device,
            via_device_id=coordinator.gateway_device_id,
        )

    @property
    def available(self) -> bool:
        """Unavailable while the gateway is disconnected or silent."""
        return super().available and self.coordinator.online
