"""Config flow for LocalGrid: a menu of device kinds, then one branch per kind."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
    OptionsFlowWithReload,
)
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SerialPortSelector,
    TextSelector,
)
import probatio as vol

from .const import (
    CONF_AUTHENTICATION_KEY,
    CONF_DEVICE_KIND,
    CONF_ENCRYPTION_KEY,
    CONF_OVERRIDE_MODE,
    CONF_PORT,
    CONF_SERIAL_NUMBER,
    CONF_STATE_INTERVAL,
    DEFAULT_STATE_INTERVAL,
    DEVICE_KIND_METER,
    DEVICE_KIND_THERMOSTAT,
    DOMAIN,
    OVERRIDE_CONSTANT,
    OVERRIDE_TEMPORARY,
)
from .gateway_coordinator import GatewayProbeError, async_probe_gateway
from .meter_connection import MeterProbeError, ProbeResult, async_probe
from .meter_device import meter_manufacturer, meter_serial, normalize_serial, serial_matches

KEY_FIELDS = (CONF_ENCRYPTION_KEY, CONF_AUTHENTICATION_KEY)
METER_KEYS_SCHEMA = {
    vol.Optional(CONF_ENCRYPTION_KEY): TextSelector(),
    vol.Optional(CONF_AUTHENTICATION_KEY): TextSelector(),
}
METER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_PORT): SerialPortSelector(),
        vol.Optional(CONF_SERIAL_NUMBER): TextSelector(),
        **METER_KEYS_SCHEMA,
    }
)
METER_RECONFIGURE_SCHEMA = vol.Schema(
    {vol.Required(CONF_PORT): SerialPortSelector(), **METER_KEYS_SCHEMA}
)
METER_OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_STATE_INTERVAL, default=DEFAULT_STATE_INTERVAL): vol.All(
            NumberSelector(
                NumberSelectorConfig(
                    min=0, max=3600, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
                )
            ),
            vol.Coerce(int),
        )
    }
)


THERMOSTAT_SCHEMA = vol.Schema({vol.Required(CONF_PORT): SerialPortSelector()})
THERMOSTAT_OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_OVERRIDE_MODE, default=OVERRIDE_TEMPORARY): SelectSelector(
            SelectSelectorConfig(
                options=[OVERRIDE_TEMPORARY, OVERRIDE_CONSTANT],
                translation_key=CONF_OVERRIDE_MODE,
            )
        )
    }
)


def normalize_key(text: str | None) -> str | None:
    """A key typed with or without spaces, colons or a 0x prefix, as 32 upper-case hex digits.

    Returns None for an empty key; raises ValueError for anything that is no 16-byte key.
    """
    if not text or not (digits := text.strip()):
        return None
    digits = digits.removeprefix("0x").removeprefix("0X")
    digits = "".join(c for c in digits if c not in " :-\t")
    if len(digits) != 32:
        raise ValueError("a key has 32 hex digits")
    return bytes.fromhex(digits).hex().upper()


class LocalGridConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a smart meter or an OpenTherm Gateway."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with an empty form."""
        self._meter_input: dict[str, Any] = {}
        self._meter_errors: dict[str, str] = {}
        self._meter_form = "meter"
        self._probe_task: asyncio.Task[ProbeResult] | None = None
        self._probe: ProbeResult | None = None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Options of the entry's device kind."""
        if config_entry.data[CONF_DEVICE_KIND] == DEVICE_KIND_METER:
            return MeterOptionsFlow()
        return ThermostatOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask which kind of device to add."""
        return self.async_show_menu(
            step_id="user", menu_options=[DEVICE_KIND_METER, DEVICE_KIND_THERMOSTAT]
        )

    async def async_step_thermostat(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add an OpenTherm Gateway: connect and read its firmware version first."""
        errors: dict[str, str] = {}
        if user_input is not None:
            port = user_input[CONF_PORT]
            self._async_abort_entries_match({CONF_PORT: port})
            try:
                info = await async_probe_gateway(port)
            except GatewayProbeError as err:
                errors["base"] = err.error
            else:
                # The gateway has no serial number: the port is what identifies it.
                await self.async_set_unique_id(port)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=f"OpenTherm Gateway {info.firmware}",
                    data={CONF_DEVICE_KIND: DEVICE_KIND_THERMOSTAT, CONF_PORT: port},
                )
        return self.async_show_form(
            step_id="thermostat",
            data_schema=self.add_suggested_values_to_schema(THERMOSTAT_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_reconfigure_thermostat(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the gateway to another port (or bridge URL)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            port = user_input[CONF_PORT]
            if port != entry.data[CONF_PORT]:
                self._async_abort_entries_match({CONF_PORT: port})
            try:
                if entry.state is ConfigEntryState.LOADED:
                    async with entry.runtime_data.async_port_released():
                        await async_probe_gateway(port)
                else:
                    await async_probe_gateway(port)
            except GatewayProbeError as err:
                errors["base"] = err.error
            else:
                return self.async_update_reload_and_abort(
                    entry, unique_id=port, data_updates={CONF_PORT: port}
                )
        return self.async_show_form(
            step_id="reconfigure_thermostat",
            data_schema=self.add_suggested_values_to_schema(
                THERMOSTAT_SCHEMA, user_input or entry.data
            ),
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Reconfigure the entry by its device kind."""
        if self._get_reconfigure_entry().data[CONF_DEVICE_KIND] == DEVICE_KIND_METER:
            return await self.async_step_reconfigure_meter()
        return await self.async_step_reconfigure_thermostat()

    # Meter

    async def async_step_meter(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the meter's port, serial number and keys."""
        return await self._async_meter_form("meter", METER_SCHEMA, user_input)

    async def async_step_reconfigure_meter(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the meter's port or keys."""
        if not self._meter_input:
            entry_data = self._get_reconfigure_entry().data
            self._meter_input = {
                key: entry_data[key]
                for key in (CONF_PORT, CONF_SERIAL_NUMBER, *KEY_FIELDS)
                if key in entry_data
            }
        return await self._async_meter_form(
            "reconfigure_meter", METER_RECONFIGURE_SCHEMA, user_input
        )

    async def _async_meter_form(
        self, step_id: str, schema: vol.Schema, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        errors, self._meter_errors = self._meter_errors, {}
        if user_input is not None:
            if self.source == SOURCE_RECONFIGURE:
                meter_input = {**self._meter_input, **user_input}  # Keeps the serial number.
            else:
                self._async_abort_entries_match({CONF_PORT: user_input[CONF_PORT]})
                meter_input = dict(user_input)
            for field in KEY_FIELDS:
                try:
                    meter_input[field] = normalize_key(user_input.get(field))
                except ValueError:
                    errors[field] = "invalid_key_format"
            self._meter_input = {key: value for key, value in meter_input.items() if value}
            if not errors:
                self._meter_form = step_id
                return await self.async_step_meter_probe()
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or self._meter_input
            ),
            errors=errors,
        )

    async def async_step_meter_probe(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Wait for a first telegram while the port's settings are tried."""
        if self._probe_task is None:
            self._probe_task = self.hass.async_create_task(self._async_probe(), eager_start=False)
        if not self._probe_task.done():
            return self.async_show_progress(
                step_id="meter_probe",
                progress_action="wait_for_telegram",
                progress_task=self._probe_task,
                description_placeholders={"port": self._meter_input[CONF_PORT]},
            )
        task, self._probe_task = self._probe_task, None
        try:
            self._probe = task.result()
        except MeterProbeError as err:
            self._meter_errors = {"base": err.error}
            return self.async_show_progress_done(next_step_id=self._meter_form)
        expected = self._meter_input.get(CONF_SERIAL_NUMBER)
        if expected and not serial_matches(self._probe.telegram, expected):
            self._meter_errors = {CONF_SERIAL_NUMBER: "serial_mismatch"}
            return self.async_show_progress_done(next_step_id=self._meter_form)
        return self.async_show_progress_done(next_step_id="meter_finish")

    async def _async_probe(self) -> ProbeResult:
        """Probe the port; a running entry lets go of it meanwhile."""
        data = self._meter_input
        keys = [bytes.fromhex(data[f]) if f in data else None for f in KEY_FIELDS]
        if self.source == SOURCE_RECONFIGURE:
            entry = self._get_reconfigure_entry()
            if entry.state is ConfigEntryState.LOADED:
                async with entry.runtime_data.async_port_released():
                    return await async_probe(data[CONF_PORT], *keys)
        return await async_probe(data[CONF_PORT], *keys)

    async def async_step_meter_finish(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Create or update the entry for the meter that answered."""
        assert self._probe is not None
        telegram = self._probe.telegram
        data = {CONF_DEVICE_KIND: DEVICE_KIND_METER, **self._meter_input}
        if self._probe.settings is not None:
            data.update(self._probe.settings.as_data())
        serial = meter_serial(telegram) or normalize_serial(
            data.get(CONF_SERIAL_NUMBER) or data[CONF_PORT]
        )
        if (
            self.source == SOURCE_RECONFIGURE
            and telegram.system_title
            and self._get_reconfigure_entry().unique_id == telegram.system_title.hex().upper()
        ):
            # The same meter, set up by a version that read no meter id from its telegrams.
            serial = telegram.system_title.hex().upper()
        await self.async_set_unique_id(serial)
        if self.source == SOURCE_RECONFIGURE:
            self._abort_if_unique_id_mismatch(reason="wrong_meter")
            return self.async_update_reload_and_abort(self._get_reconfigure_entry(), data=data)
        self._abort_if_unique_id_configured()
        maker = meter_manufacturer(telegram) or "Smart meter"
        return self.async_create_entry(title=f"{maker} {serial}", data=data)


class MeterOptionsFlow(OptionsFlowWithReload):
    """How often the meter's entity states are written."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Each device kind has its own step, so their texts do not clash."""
        return await self.async_step_meter()

    async def async_step_meter(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the state write interval."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        return self.async_show_form(
            step_id="meter",
            data_schema=self.add_suggested_values_to_schema(
                METER_OPTIONS_SCHEMA, self.config_entry.options
            ),
        )


class ThermostatOptionsFlow(OptionsFlowWithReload):
    """How the room setpoint override is held: temporary (TT) or constant (TC)."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Each device kind has its own step, so their texts do not clash."""
        return await self.async_step_thermostat()

    async def async_step_thermostat(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the override mode."""
        if user_input is not None:
            return self.async_create_entry(data=user_input)
        return self.async_show_form(
            step_id="thermostat",
            data_schema=self.add_suggested_values_to_schema(
                THERMOSTAT_OPTIONS_SCHEMA, self.config_entry.options
            ),
        )
