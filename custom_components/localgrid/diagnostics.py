"""Diagnostics download: each device kind's coordinator reports, redacting its own secrets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant

if TYPE_CHECKING:
    from . import LocalGridConfigEntry


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: LocalGridConfigEntry
) -> dict[str, Any]:
    """Return the coordinator's diagnostics."""
    return await entry.runtime_data.async_diagnostics()
