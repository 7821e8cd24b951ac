"""The push coordinator of a meter entry: owns the connection, publishes telegrams."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
import logging
import re
import time
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.components.sensor import SensorExtraStoredData
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.restore_state import async_get as async_get_restore_data
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util
import serialx

from .const import (
    CONF_AUTHENTICATION_KEY,
    CONF_ENCRYPTION_KEY,
    CONF_PORT,
    CONF_SERIAL_NUMBER,
    CONF_STATE_INTERVAL,
    DEFAULT_STATE_INTERVAL,
    DOMAIN,
    ISSUE_METER_DECRYPTION_FAILED,
)
from .meter_connection import (
    READ_SIZE,
    CannotConnect,
    MeterStream,
    SerialSettings,
    async_close,
    async_open,
)
from .meter_device import meter_firmware, meter_manufacturer, meter_model
from .meter_guard import TotalGuard
from .protocol.decoder import MeterDecoder
from .protocol.model import DecodeFailure, FailureKind, Telegram
from .protocol.obis import QUANTITIES_BY_KEY, lookup

_LOGGER = logging.getLogger(__name__)

# Module-level so tests can shorten them.
RECONNECT_MIN = 1.0
RECONNECT_MAX = 60.0
STALE_PERIODS = 3
"""Entities go unavailable after this many telegram periods without a telegram..."""
STALE_MIN = 15.0
"""...but never sooner than this many seconds."""
KEY_FAILURES_FOR_REPAIR = 3
"""Consecutive telegrams failing decryption before the user is asked to fix the key."""
RAW_FRAMES_KEPT = 5

KEY_FAILURES = (FailureKind.WRONG_KEY, FailureKind.MISSING_KEY)
IDENTITY_KEYS = {"meter_id", "equipment_id", "logical_device_name", "mbus_equipment_id"}
_SERIAL_LIKE = re.compile(r"\d{6,}")
TO_REDACT = {CONF_ENCRYPTION_KEY, CONF_AUTHENTICATION_KEY}

type MeterValue = Decimal | str | datetime
type MeterConfigEntry = ConfigEntry[MeterCoordinator]


@dataclass(frozen=True, slots=True)
class MeterData:
    """The latest accepted readings, by quantity key, and the telegram they came from."""

    values: dict[str, MeterValue]
    telegram: Telegram


def mask_serial(serial: str) -> str:
    """Hide all but the last four characters of a serial number."""
    return "*" * max(len(serial) - 4, 0) + serial[-4:]


def _key(data: dict[str, Any], name: str) -> bytes | None:
    return bytes.fromhex(value) if (value := data.get(name)) else None


class MeterCoordinator(DataUpdateCoordinator[MeterData]):
    """Reads the meter's byte stream, decodes it and publishes each good telegram."""

    config_entry: MeterConfigEntry

    def __init__(self, hass: HomeAssistant, entry: MeterConfigEntry) -> None:
        """Prepare the coordinator; nothing is opened until async_start."""
        super().__init__(hass, _LOGGER, config_entry=entry, name=f"{DOMAIN} meter {entry.title}")
        self.port: str = entry.data[CONF_PORT]
        self._settings = SerialSettings.from_data(entry.data)
        self._key = _key(dict(entry.data), CONF_ENCRYPTION_KEY)
        self._auth_key = _key(dict(entry.data), CONF_AUTHENTICATION_KEY)
        self._state_interval: float = entry.options.get(CONF_STATE_INTERVAL, DEFAULT_STATE_INTERVAL)
        self._guard = TotalGuard()
        self._decoder: MeterDecoder | None = None
        self._runner: asyncio.Task[None] | None = None
        self._stream: MeterStream | None = None
        self._unsub_stale: Callable[[], None] | None = None
        self._unsub_publish: Callable[[], None] | None = None
        self._last_publish = 0.0
        self._last_telegram_at: float | None = None
        self._period: float | None = None
        self._stale = False
        self._logged_failures: set[FailureKind] = set()
        self._handling_failed = False
        """An error in handling a telegram was logged on this connection."""
        self._left_out: set[str] = set()
        """Codes whose values did not fit their sensor, each logged once."""
        self._key_failures = 0
        self.latest: MeterData | None = None
        self.telegrams_decoded = 0
        self.frames_rejected = 0
        self.last_error: str | None = None
        self.raw_frames: deque[bytes] = deque(maxlen=RAW_FRAMES_KEPT)

    # Life cycle

    async def async_start(self) -> None:
        """Open the port and start reading; raise ConfigEntryNotReady if it cannot be opened."""
        try:
            stream = await async_open(self.port, self._settings)
        except CannotConnect as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"port": self.port},
            ) from err
        self._restore_totals()
        self._run(stream)
        self.config_entry.async_on_unload(
            self.hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop)
        )

    def _restore_totals(self) -> None:
        """Start the plausibility check from the totals shown before Home Assistant
        restarted, so that a doubtful first telegram cannot move them backwards."""
        stored = async_get_restore_data(self.hass).last_states
        prefix = f"{self.config_entry.unique_id}_"
        now, wall_clock = time.monotonic(), dt_util.utcnow()
        registry = er.async_get(self.hass)
        for entity in er.async_entries_for_config_entry(registry, self.config_entry.entry_id):
            quantity = QUANTITIES_BY_KEY.get(entity.unique_id.removeprefix(prefix))
            last = stored.get(entity.entity_id)
            if quantity is None or not quantity.cumulative or last is None:
                continue
            extra = last.extra_data.as_dict() if last.extra_data else {}
            data = SensorExtraStoredData.from_dict(extra)
            if (
                data is None
                or not isinstance(data.native_value, Decimal)
                or data.native_unit_of_measurement != quantity.unit
                or not TotalGuard.is_total(quantity.unit)
            ):
                continue
            age = max((wall_clock - last.state.last_updated).total_seconds(), 0.0)
            self._guard.seed(quantity.key, data.native_value, now - age)

    async def _async_on_hass_stop(self, _event: Event) -> None:
        await self.async_stop()

    async def async_stop(self) -> None:
        """Stop reading and close the port."""
        await self._async_stop_runner()
        for unsub in (self._unsub_stale, self._unsub_publish):
            if unsub:
                unsub()
        self._unsub_stale = self._unsub_publish = None

    @asynccontextmanager
    async def async_port_released(self) -> AsyncIterator[None]:
        """Let go of the port for a while (reconfigure probes it), then take it back."""
        await self._async_stop_runner()
        try:
            yield
        finally:
            self._run(None)

    def _run(self, stream: MeterStream | None) -> None:
        self._runner = self.config_entry.async_create_background_task(
            self.hass, self._async_run(stream), f"{DOMAIN} meter reader {self.port}"
        )
        self._arm_stale_timer()

    async def _async_stop_runner(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        if self._stream is not None:
            await async_close(self._stream)
            self._stream = None

    async def _async_run(self, stream: MeterStream | None) -> None:
        """Read until the connection drops, then reconnect with backoff, forever."""
        delay = RECONNECT_MIN
        while True:
            if stream is None:
                try:
                    stream = await async_open(self.port, self._settings)
                except CannotConnect as err:
                    _LOGGER.debug("Reconnecting to %s failed: %s", self.port, err)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RECONNECT_MAX)
                    continue
                _LOGGER.info("Reconnected to the meter at %s", self.port)
            self._stream = stream
            decoded_before = self.telegrams_decoded
            reason = await self._async_read(stream[0])
            self._stream = None
            await async_close(stream)
            stream = None
            _LOGGER.info("Connection to the meter at %s lost (%s); reconnecting", self.port, reason)
            if self.telegrams_decoded > decoded_before:
                delay = RECONNECT_MIN  # The connection was good; start the backoff over.
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX)

    async def _async_read(self, reader: asyncio.StreamReader) -> str:
        """Feed the stream to a fresh decoder until it ends; return why it ended."""
        # The meter's clock runs in the home's zone (times it sends without an offset).
        zone = dt_util.get_default_time_zone()
        self._decoder = decoder = MeterDecoder(self._key, self._auth_key, zone)
        self._logged_failures.clear()  # Each kind of bad frame is logged once per connection.
        self._handling_failed = False
        try:
            while data := await reader.read(READ_SIZE):
                self._handle(decoder.feed(data))
        except (OSError, serialx.SerialException) as err:
            return str(err) or type(err).__name__
        finally:
            # A frame cut off by the disconnect: counted, not worth a warning of its own.
            self._handle(decoder.flush(), cut_off=True)
        return "end of stream"

    @callback
    def _handle(self, results: list[Telegram | DecodeFailure], cut_off: bool = False) -> None:
        for item in results:
            try:
                if isinstance(item, Telegram):
                    self._handle_telegram(item)
                else:
                    self._handle_failure(item, cut_off)
            except Exception:  # a bug here must not stop the meter's stream
                if not self._handling_failed:
                    self._handling_failed = True
                    _LOGGER.exception("Error handling what the meter at %s sent", self.port)

    # Telegrams

    @callback
    def _handle_failure(self, failure: DecodeFailure, cut_off: bool = False) -> None:
        """Count and remember a rejected frame; never publish it."""
        self.frames_rejected += 1
        self.last_error = f"{failure.kind}: {failure.message}"
        if failure.raw:
            self.raw_frames.append(failure.raw)
        if cut_off or failure.kind in self._logged_failures:
            _LOGGER.debug("Meter at %s: frame rejected, %s", self.port, self.last_error)
        else:
            self._logged_failures.add(failure.kind)
            _LOGGER.warning("Meter at %s: frame rejected, %s", self.port, self.last_error)
        if failure.kind in KEY_FAILURES:
            self._key_failures += 1
            if self._key_failures == KEY_FAILURES_FOR_REPAIR:
                self._raise_key_issue()
        self.async_update_listeners()

    @callback
    def _handle_telegram(self, telegram: Telegram) -> None:
        now = time.monotonic()
        self.telegrams_decoded += 1
        self.raw_frames.append(telegram.raw)
        if self._key_failures >= KEY_FAILURES_FOR_REPAIR:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
        self._key_failures = 0
        if self._last_telegram_at is not None:
            self._period = now - self._last_telegram_at
        self._last_telegram_at = now
        self.latest = MeterData(self._accepted_values(telegram, now), telegram)
        self._arm_stale_timer()
        if self._stale or self.data is None:
            if self._stale:
                _LOGGER.info("The meter at %s is sending telegrams again", self.port)
            self._stale = False
            self._publish()
        elif self._state_interval <= 0 or now - self._last_publish >= self._state_interval:
            self._publish()
        elif self._unsub_publish is None:
            # Throttled: the newest telegram is written at the end of the interval,
            # so the last state of a total is always the meter's exact value.
            delay = self._state_interval - (now - self._last_publish)
            self._unsub_publish = async_call_later(self.hass, delay, self._publish)

    def _accepted_values(self, telegram: Telegram, now: float) -> dict[str, MeterValue]:
        """Map readings to quantity keys, keeping the previous value of a doubtful total.

        Net power (import minus export) is added when the meter sends both directions.
        """
        values: dict[str, MeterValue] = {}
        for code, reading in telegram.payload.values.items():
            quantity = lookup(code, telegram.payload.values)
            if quantity is None or quantity.key in values:
                continue
            value = reading.value
            kind_type = datetime if quantity.kind == "timestamp" else Decimal
            if quantity.kind != "text" and type(value) is not kind_type:
                # Text where a number or a time belongs (`ERROR`, dashes): Home Assistant
                # refuses it as the state of a numeric or timestamp sensor.
                self._leave_out(code, logging.WARNING, "%s from %s is %r: not shown", value)
                continue
            if isinstance(value, Decimal) and reading.unit != quantity.unit:
                # Shown in the sensor's unit it would be wrong (a Smarty's reactive power
                # sent without its kvar, DSMR 3's power limit in A): left out.
                message = "%s from %s is in %r, not %r: not shown"
                self._leave_out(code, logging.DEBUG, message, reading.unit, quantity.unit)
                continue
            if (
                quantity.cumulative
                and isinstance(value, Decimal)
                and TotalGuard.is_total(reading.unit)
                and not self._guard.accept(quantity.key, value, reading.unit, now)
            ):
                _LOGGER.debug("Rejected %s = %s from %s", quantity.key, value, self.port)
                value = self._guard.last(quantity.key)
            values[quantity.key] = value
        imported, exported = values.get("power_import"), values.get("power_export")
        if isinstance(imported, Decimal) and isinstance(exported, Decimal):
            values["power_net"] = imported - exported
        if telegram.payload.timestamp is not None:
            values.setdefault("meter_timestamp", telegram.payload.timestamp)
        return values

    def _leave_out(self, code: str, level: int, message: str, *details: object) -> None:
        """Log, once per code, why its value is not shown (`message`: code, port, details)."""
        if code not in self._left_out:
            self._left_out.add(code)
            _LOGGER.log(level, message, code, self.port, *details)

    @callback
    def _publish(self, _now: datetime | None = None) -> None:
        self._unsub_publish = None
        if self.latest is not None:
            self._last_publish = time.monotonic()
            self.async_set_updated_data(self.latest)

    # Availability

    @callback
    def _arm_stale_timer(self) -> None:
        if self._unsub_stale:
            self._unsub_stale()
        timeout = max(STALE_MIN, STALE_PERIODS * (self._period or 0.0))
        self._unsub_stale = async_call_later(self.hass, timeout, self._mark_stale)

    @callback
    def _mark_stale(self, _now: datetime) -> None:
        self._unsub_stale = None
        if not self._stale:
            self._stale = True
            _LOGGER.info(
                "No telegram from the meter at %s for a while; it is unavailable", self.port
            )
            self.last_update_success = False
            self.async_update_listeners()

    # Repairs

    def keys_decrypt(self, key: bytes | None, auth_key: bytes | None) -> bool:
        """Whether these keys turn any of the kept raw frames into a telegram."""
        decoder = MeterDecoder(key, auth_key)
        return any(
            isinstance(item, Telegram) for raw in self.raw_frames for item in decoder.feed(raw)
        )

    @property
    def _issue_id(self) -> str:
        return f"{ISSUE_METER_DECRYPTION_FAILED}_{self.config_entry.entry_id}"

    def _raise_key_issue(self) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id,
            is_fixable=True,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_METER_DECRYPTION_FAILED,
            translation_placeholders={"title": self.config_entry.title, "port": self.port},
            data={"entry_id": self.config_entry.entry_id},
        )

    # Device and diagnostics

    @property
    def device_info(self) -> DeviceInfo:
        """The meter device, completed from the latest telegram."""
        serial = self.config_entry.unique_id or self.port
        info = DeviceInfo(
            identifiers={(DOMAIN, serial)}, name=self.config_entry.title, serial_number=serial
        )
        if self.latest is not None:
            telegram = self.latest.telegram
            if maker := meter_manufacturer(telegram):
                info["manufacturer"] = maker
            if model := meter_model(telegram):
                info["model"] = model
            if firmware := meter_firmware(telegram):
                info["sw_version"] = firmware
        return info

    async def async_diagnostics(self) -> dict[str, Any]:
        """Everything useful for a bug report, with keys redacted and the serial masked."""
        entry = self.config_entry
        data = async_redact_data(dict(entry.data), TO_REDACT)
        serials = {s for s in (entry.unique_id, data.get(CONF_SERIAL_NUMBER)) if s}
        if self.latest is not None:  # The ids of the meter and its sub-meters, as sent.
            serials.update(
                reading.value
                for code, reading in self.latest.telegram.payload.values.items()
                if isinstance(reading.value, str)
                and (quantity := lookup(code)) is not None
                and quantity.key in IDENTITY_KEYS
            )
        if CONF_SERIAL_NUMBER in data:
            data[CONF_SERIAL_NUMBER] = mask_serial(data[CONF_SERIAL_NUMBER])
        latest = self.latest
        telegram = latest.telegram if latest else None
        return {
            "entry": {
                "title": self._masked(entry.title, serials),
                "unique_id": mask_serial(entry.unique_id or ""),
                "data": data,
                "options": dict(entry.options),
            },
            "connection": {
                "port": self.port,
                "serial_settings": str(self._settings or "bridge"),
                "connected": self._stream is not None,
                "available": not self._stale and latest is not None,
            },
            "statistics": {
                "telegrams_decoded": self.telegrams_decoded,
                "frames_rejected": self.frames_rejected,
                "readings_rejected": self._guard.rejections,
                "last_error": self.last_error,
                "consecutive_key_failures": self._key_failures,
                "telegram_period_s": self._period,
                "decoder": self._decoder.stats.as_dict() if self._decoder else None,
            },
            "last_telegram": None
            if telegram is None
            else {
                "framing": telegram.framing,
                "header": _SERIAL_LIKE.sub(
                    lambda match: mask_serial(match.group()), telegram.payload.header or ""
                ),
                "manufacturer": meter_manufacturer(telegram),
                "frame_counter": telegram.frame_counter,
                "authenticated": telegram.authenticated,
                "values": {
                    code: f"{reading.value} {reading.unit}".strip()
                    for code, reading in telegram.payload.values.items()
                    if not isinstance(reading.value, str)
                },
            },
            "raw_frames": [self._masked_raw(raw, serials) for raw in self.raw_frames],
        }

    @staticmethod
    def _masked(text: str, serials: set[str]) -> str:
        for serial in serials:
            text = text.replace(serial, mask_serial(serial))
        return text

    @staticmethod
    def _masked_raw(raw: bytes, serials: set[str]) -> str:
        """The frame in hex; plaintext occurrences of the serial (text or hex) are masked."""
        for serial in serials:
            hexed = serial.encode().hex()
            for form in (serial.encode(), hexed.encode(), hexed.upper().encode()):
                raw = raw.replace(form, b"*" * len(form))
        return raw.hex()
