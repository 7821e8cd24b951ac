"""Opening a meter's port and finding the serial settings it talks at."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
import logging
from typing import Any

import serialx

from .const import CONF_BAUDRATE, CONF_BYTE_SIZE, CONF_PARITY
from .protocol.decoder import MeterDecoder
from .protocol.model import FailureKind, Telegram

_LOGGER = logging.getLogger(__name__)

# Module-level so tests can shorten them.
PROBE_TIMEOUT = 12.0
"""Seconds to wait for a telegram at one serial setting (DSMR 4 sends every 10 s)."""
CONNECT_TIMEOUT = 10.0
READ_SIZE = 4096

type MeterStream = tuple[asyncio.StreamReader, serialx.SerialStreamWriter[Any]]


@dataclass(frozen=True, slots=True)
class SerialSettings:
    """Line settings of a serial meter interface."""

    baudrate: int
    byte_size: int = 8
    parity: str = "N"

    def as_data(self) -> dict[str, Any]:
        """Return the settings as config entry data."""
        return {
            CONF_BAUDRATE: self.baudrate,
            CONF_BYTE_SIZE: self.byte_size,
            CONF_PARITY: self.parity,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> SerialSettings | None:
        """Return the settings stored in config entry data, None for a network bridge."""
        if CONF_BAUDRATE not in data:
            return None
        return cls(data[CONF_BAUDRATE], data[CONF_BYTE_SIZE], data[CONF_PARITY])

    def __str__(self) -> str:
        return f"{self.baudrate} {self.byte_size}{self.parity}1"


# Most common first: P1 (DSMR 4/5, Smarty, Swedish HAN), wired M-Bus (Austria, Norway),
# Norwegian Kaifa, DSMR 2.2 and older P1 variants.
SERIAL_CANDIDATES = (
    SerialSettings(115200),
    SerialSettings(2400, 8, "E"),
    SerialSettings(2400),
    SerialSettings(9600),
    SerialSettings(9600, 7, "E"),
    SerialSettings(9600, 8, "E"),
)


class MeterProbeError(Exception):
    """The meter could not be reached or read; `error` is the config flow error key."""

    error = "unknown"


class CannotConnect(MeterProbeError):
    """The port cannot be opened."""

    error = "cannot_connect"


class NoTelegram(MeterProbeError):
    """Nothing readable arrived."""

    error = "no_telegram"


class DamagedFrames(MeterProbeError):
    """Frames arrived, but none passed its checks."""

    error = "damaged_frames"


class MissingKey(MeterProbeError):
    """The meter encrypts but no key was given."""

    error = "missing_key"


class InvalidKey(MeterProbeError):
    """The key does not decrypt the meter's telegrams."""

    error = "invalid_key"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What the probe found: the serial settings (None for a bridge) and a first telegram."""

    settings: SerialSettings | None
    telegram: Telegram


def has_line_settings(port: str) -> bool:
    """Return whether baud rate and parity mean something for this port.

    A raw `socket://` bridge forwards bytes at whatever rate it was set up with;
    serial devices and `rfc2217://` bridges take the settings from us.
    """
    return not port.startswith(("socket://", "tcp://"))


async def async_open(port: str, settings: SerialSettings | None) -> MeterStream:
    """Open the port; raise CannotConnect when it cannot be opened."""
    line = settings or SERIAL_CANDIDATES[0]
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            return await serialx.open_serial_connection(
                url=port, baudrate=line.baudrate, byte_size=line.byte_size, parity=line.parity
            )
    except (OSError, TimeoutError, ValueError, serialx.SerialException) as err:
        raise CannotConnect(f"cannot open {port}: {err}") from err


async def async_close(stream: MeterStream) -> None:
    """Close a stream, ignoring errors of a port that is already gone."""
    writer = stream[1]
    writer.close()
    with suppress(OSError, serialx.SerialException):
        await writer.wait_closed()


async def async_probe(port: str, key: bytes | None, auth_key: bytes | None) -> ProbeResult:
    """Find the serial settings at which a telegram arrives and return it.

    Raises a MeterProbeError subclass telling what went wrong.
    """
    candidates = SERIAL_CANDIDATES if has_line_settings(port) else (None,)
    damaged = False
    for settings in candidates:
        stream = await async_open(port, settings)
        try:
            outcome, got_bytes = await _async_read_first(stream[0], MeterDecoder(key, auth_key))
        finally:
            await async_close(stream)
        _LOGGER.debug("Probe of %s at %s: %s", port, settings or "bridge", outcome)
        if isinstance(outcome, Telegram):
            return ProbeResult(settings, outcome)
        if outcome is FailureKind.MISSING_KEY:
            raise MissingKey
        if outcome is FailureKind.WRONG_KEY:
            raise InvalidKey
        damaged |= outcome is FailureKind.CORRUPT
        if not got_bytes:
            break  # A silent line is silent at every rate.
    raise DamagedFrames if damaged else NoTelegram


async def _async_read_first(
    reader: asyncio.StreamReader, decoder: MeterDecoder
) -> tuple[Telegram | FailureKind | None, bool]:
    """Read until the first telegram or key failure, EOF or the probe timeout; else
    CORRUPT when frames arrived that failed their checks or did not end where their
    length says."""
    got_bytes = False
    outcome: FailureKind | None = None
    with suppress(TimeoutError, OSError, serialx.SerialException):
        async with asyncio.timeout(PROBE_TIMEOUT):
            while data := await reader.read(READ_SIZE):
                got_bytes = True
                for item in decoder.feed(data):
                    if isinstance(item, Telegram):
                        return item, True
                    if item.kind in (FailureKind.MISSING_KEY, FailureKind.WRONG_KEY):
                        return item.kind, True
                    if item.kind is FailureKind.CORRUPT:
                        outcome = FailureKind.CORRUPT
    if decoder.stats.damaged_frames:  # frames that lost or gained bytes, skipped
        outcome = FailureKind.CORRUPT
    return outcome, got_bytes
