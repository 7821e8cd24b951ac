"""Repairs: let the user enter a meter's new key right from the repair issue."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import TextSelector
import probatio as vol

from .config_flow import KEY_FIELDS, normalize_key
from .const import CONF_AUTHENTICATION_KEY, CONF_ENCRYPTION_KEY, ISSUE_METER_DECRYPTION_FAILED

METER_KEY_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_ENCRYPTION_KEY): TextSelector(),
        vol.Optional(CONF_AUTHENTICATION_KEY): TextSelector(),
    }
)


class MeterKeyRepairFlow(RepairsFlow):
    """Ask for the new key, check it against the frames the meter just sent, reload."""

    def __init__(self, entry_id: str) -> None:
        """Remember which entry the issue is about."""
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Start with the key form."""
        return await self.async_step_meter_key()

    async def async_step_meter_key(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Take the new key; a loaded meter entry verifies it on its kept raw frames."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                keys = {field: normalize_key(user_input.get(field)) for field in KEY_FIELDS}
            except ValueError:
                errors["base"] = "invalid_key_format"
            else:
                key, auth_key = (bytes.fromhex(k) if k else None for k in keys.values())
                if entry.state is ConfigEntryState.LOADED and not entry.runtime_data.keys_decrypt(
                    key, auth_key
                ):
                    errors["base"] = "invalid_key"
                else:
                    data = {f: v for f, v in entry.data.items() if f not in KEY_FIELDS}
                    data |= {field: value for field, value in keys.items() if value}
                    self.hass.config_entries.async_update_entry(entry, data=data)
                    self.hass.config_entries.async_schedule_reload(entry.entry_id)
                    return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="meter_key",
            data_schema=self.add_suggested_values_to_schema(METER_KEY_SCHEMA, user_input),
            errors=errors,
            description_placeholders={"title": entry.title},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """The fix flow of a LocalGrid issue."""
    if issue_id.startswith(ISSUE_METER_DECRYPTION_FAILED) and data:
        return MeterKeyRepairFlow(data["entry_id"])
    return ConfirmRepairFlow()
