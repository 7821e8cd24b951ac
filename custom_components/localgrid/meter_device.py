"""Who a meter is: serial number, manufacturer, model and firmware from its telegrams."""

from __future__ import annotations

import re

from .protocol.model import Telegram
from .protocol.obis import lookup
from .protocol.security import maker_from_system_title

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_SERIAL_LIKE = re.compile(r"\d{6,}")


def normalize_serial(serial: str) -> str:
    """The serial in a form that compares equal however it was typed."""
    return _NOT_ALNUM.sub("", serial.upper())


def meter_serial(telegram: Telegram) -> str | None:
    """The meter's own identity: the meter id it sends, else its system title."""
    if meter_id := (telegram.payload.meter_id or "").strip():
        return meter_id
    if telegram.system_title:
        return telegram.system_title.hex().upper()
    return None


def serial_matches(telegram: Telegram, expected: str) -> bool:
    """Whether the meter identifies as `expected` (the number printed on it).

    Meters often send the printed number inside a longer equipment identifier,
    or only in their system title, so a contained match is a match. A meter that
    sends no identity at all cannot contradict the user.
    """
    wanted = normalize_serial(expected)
    identities = [normalize_serial(telegram.payload.meter_id or "")]
    if telegram.system_title:
        # The system title is a FLAG maker code and a maker-specific serial.
        identities.append(telegram.system_title[3:].hex().upper())
        identities.append(str(int.from_bytes(telegram.system_title[3:])))
    identities = [identity for identity in identities if identity]
    return not identities or any(wanted in identity for identity in identities)


def meter_manufacturer(telegram: Telegram) -> str | None:
    """The maker from the system title, or from the DSMR header's FLAG prefix."""
    if telegram.system_title and (maker := maker_from_system_title(telegram.system_title)):
        return maker
    header = telegram.payload.header or ""
    return maker_from_system_title(header[:3].encode("ascii", "replace")) if header else None


def meter_model(telegram: Telegram) -> str | None:
    """The model: a meter type register, else the DSMR header's identification.

    The header reads `XXXZ\\Wident` (IEC 62056-21); some meters put their serial
    number there instead of a model name, which is not a model.
    """
    if model := _text_value(telegram, "meter_type"):
        return model
    header = telegram.payload.header or ""
    if "\\" not in header:
        return None
    ident = header.split("\\", 1)[1][1:].strip()
    return ident if ident and not _SERIAL_LIKE.search(ident) else None


def meter_firmware(telegram: Telegram) -> str | None:
    """The firmware version, where the meter sends it."""
    return _text_value(telegram, "firmware")


def _text_value(telegram: Telegram, key: str) -> str | None:
    for code, reading in telegram.payload.values.items():
        if isinstance(reading.value, str) and (quantity := lookup(code)) and quantity.key == key:
            return reading.value.strip() or None
    return None
