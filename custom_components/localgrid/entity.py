"""Base entities of LocalGrid's devices."""

from __future__ import annotations

from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .meter_coordinator import MeterCoordinator


class MeterEntity(CoordinatorEntity[MeterCoordinator]):
    """An entity of a smart meter; its unique id is the meter serial and the entity key."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: MeterCoordinator, key: str) -> None:
        """Attach the entity to the meter device."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.config_entry.unique_id}_{key}"
        self._attr_device_info = coordinator.device_info
