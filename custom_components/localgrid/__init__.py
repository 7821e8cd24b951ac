"""LocalGrid: local smart meter and OpenTherm boiler integration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from .const import CONF_DEVICE_KIND, DEVICE_KIND_METER, DEVICE_KIND_THERMOSTAT
from .gateway_coordinator import GatewayCoordinator
from .meter_coordinator import MeterCoordinator

# One coordinator class per device kind; each owns its connection and offers
# async_start() (raising ConfigEntryNotReady), async_stop() and async_diagnostics().
# Device kinds add their coordinator and platforms here.
type LocalGridCoordinator = MeterCoordinator | GatewayCoordinator
type LocalGridConfigEntry = ConfigEntry[LocalGridCoordinator]

# Each coordinator takes the entry typed for its own kind (e.g. MeterConfigEntry).
COORDINATORS: dict[str, Callable[[HomeAssistant, Any], LocalGridCoordinator]] = {
    DEVICE_KIND_METER: MeterCoordinator,
    DEVICE_KIND_THERMOSTAT: GatewayCoordinator,
}
PLATFORMS: dict[str, list[Platform]] = {
    DEVICE_KIND_METER: [Platform.SENSOR],
    DEVICE_KIND_THERMOSTAT: [
        Platform.BINARY_SENSOR,
        Platform.CLIMATE,
        Platform.SENSOR,
        Platform.WATER_HEATER,
    ],
}


async def async_setup_entry(hass: HomeAssistant, entry: LocalGridConfigEntry) -> bool:
    """Connect to the device of this entry and set up its platforms."""
    kind = entry.data[CONF_DEVICE_KIND]
    coordinator = COORDINATORS[kind](hass, entry)
    await coordinator.async_start()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS[kind])
    return True


async def async_unload_entry(hass: HomeAssistant, entry: LocalGridConfigEntry) -> bool:
    """Unload the platforms and close the connection."""
    kind = entry.data[CONF_DEVICE_KIND]
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS[kind]):
        await entry.runtime_data.async_stop()
    return unloaded
