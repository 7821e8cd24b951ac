"""LocalGrid: local smart meter and OpenTherm boiler integration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .const import CONF_DEVICE_KIND, DEVICE_KIND_METER, DEVICE_KIND_THERMOSTAT

# Nothing from Home Assistant at import time: the protocol command line
# (`python -m custom_components.localgrid.protocol`) imports this package too,
# and must start fast and work where Home Assistant is not installed.
if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .gateway_coordinator import GatewayCoordinator
    from .meter_coordinator import MeterCoordinator

# One coordinator class per device kind; each owns its connection and offers
# async_start() (raising ConfigEntryNotReady), async_stop() and async_diagnostics().
# Device kinds add their coordinator (in _coordinator_classes) and platforms here.
type LocalGridCoordinator = MeterCoordinator | GatewayCoordinator
type LocalGridConfigEntry = ConfigEntry[LocalGridCoordinator]

PLATFORMS: dict[str, list[str]] = {
    DEVICE_KIND_METER: ["sensor"],
    DEVICE_KIND_THERMOSTAT: ["binary_sensor", "climate", "sensor", "water_heater"],
}


def _coordinator_classes() -> dict[str, Callable[[HomeAssistant, Any], LocalGridCoordinator]]:
    """Each coordinator takes the entry typed for its own kind (e.g. MeterConfigEntry).

    Imported on first use (see the top of the module), in Home Assistant's import executor.
    """
    from .gateway_coordinator import GatewayCoordinator
    from .meter_coordinator import MeterCoordinator

    return {DEVICE_KIND_METER: MeterCoordinator, DEVICE_KIND_THERMOSTAT: GatewayCoordinator}


async def async_setup_entry(hass: HomeAssistant, entry: LocalGridConfigEntry) -> bool:
    """Connect to the device of this entry and set up its platforms."""
    kind = entry.data[CONF_DEVICE_KIND]
    coordinator_classes = await hass.async_add_import_executor_job(_coordinator_classes)
    coordinator = coordinator_classes[kind](hass, entry)
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
