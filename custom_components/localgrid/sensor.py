"""Sensor platform: each device kind brings its own sensors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .boiler_sensors import async_setup_boiler_sensors
from .const import CONF_DEVICE_KIND, DEVICE_KIND_METER, DEVICE_KIND_THERMOSTAT
from .meter_sensors import async_setup_meter_sensors

if TYPE_CHECKING:
    from . import LocalGridConfigEntry

PARALLEL_UPDATES = 0

# Device kinds add their sensor setup here.
SETUP_BY_KIND: dict[
    str,
    Callable[[HomeAssistant, Any, AddConfigEntryEntitiesCallback], Awaitable[None]],
] = {
    DEVICE_KIND_METER: async_setup_meter_sensors,
    DEVICE_KIND_THERMOSTAT: async_setup_boiler_sensors,
}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: LocalGridConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of the entry's device kind."""
    await SETUP_BY_KIND[entry.data[CONF_DEVICE_KIND]](hass, entry, async_add_entities)
