"""DSMR / P1 text telegram content: `/header` ... OBIS lines ... `!CRC` -> Payload.

Covers Dutch DSMR 2.2-5.0, Belgian e-MUCS, Luxembourg Smarty and Austrian P1 text.
The CRC is checked by the caller (framing); lines that do not parse are skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
import re
from zoneinfo import ZoneInfo

from .model import Payload, Reading
from .obis import UNIT_NORMALISATION, normalised

# One object per line; DSMR 2.2 continues a line on the next one starting with '('.
_OBJECT = re.compile(
    rb"^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})((?:\([^()\r\n]*\))+)[ \t]*\r?$",
    re.MULTILINE,
)
_CONTINUATION = re.compile(rb"\r?\n(?=\()")
_TIMESTAMP = re.compile(rb"\d{12}[WS]?")
_NUMBER = re.compile(rb"[-+]?\d+(?:\.\d+)?")
_HEX = re.compile(rb"(?:[0-9A-Fa-f]{2})+")

WINTER = timezone(timedelta(hours=1), "CET")
SUMMER = timezone(timedelta(hours=2), "CEST")
LOCAL_ZONE = ZoneInfo("Europe/Amsterdam")
"""Zone of timestamps sent without the W/S flag (NL, BE, LU, AT share CET/CEST)."""

CLOCK = "0-0:1.0.0"
# Payload.meter_id, best first: DSMR equipment id, Luxembourg equipment id, meter number.
METER_ID_CODES = ("0-0:96.1.1", "0-0:42.0.0", "0-0:96.1.0")


class TelegramError(ValueError):
    """The bytes are not a P1 text telegram."""


def parse_telegram(text: bytes) -> Payload:
    """Parse one telegram ('/' header line through the '!CRC' line)."""
    start = text.find(b"/")
    if start < 0 or text[:start].strip():
        raise TelegramError("a P1 telegram starts with '/'")
    end = text.rfind(b"!")
    if end < start:
        raise TelegramError("a P1 telegram ends with '!' and its CRC")
    body = text[start:end]
    header_end = body.find(b"\n")
    if header_end < 0:
        raise TelegramError("a P1 telegram has a header line and object lines")
    header = body[1:header_end].strip().decode("latin-1")
    body = _CONTINUATION.sub(b"", body[header_end:])
    values: dict[str, Reading] = {}
    for match in _OBJECT.finditer(body):
        code = _code(match.group(1, 2, 3, 4, 5))
        reading = _reading(code, match.group(6)[1:-1].split(b")("))
        if reading is not None:
            values[code] = reading
    if not values:
        raise TelegramError("no OBIS object lines in the telegram")
    clock = values.get(CLOCK)
    timestamp = clock.value if clock is not None and isinstance(clock.value, datetime) else None
    return Payload(values, timestamp, _meter_id(values), header)


_CODES: dict[tuple[bytes, ...], str] = {}


def _code(groups: tuple[bytes, ...]) -> str:
    code = _CODES.get(groups)
    if code is None:
        a, b, c, d, e = (int(group) for group in groups)
        code = f"{a}-{b}:{c}.{d}.{e}"
        if len(_CODES) < 4096:
            _CODES[groups] = code
    return code


_PLAIN_TEXT = ("0.2.8", "96.1.4", "96.14.0")  # versions and tariff: "0002" stays "0002"
_HEX_TEXT = ("96.1.", "42.0.", "96.13.")  # ids and messages: hex-encoded ASCII


_TEXT_KINDS: dict[str, int] = {}


def _text_kind(code: str) -> int:
    """0: a value; 1: plain text; 2: hex-encoded text."""
    kind = _TEXT_KINDS.get(code)
    if kind is None:
        cde = code.partition(":")[2]
        kind = 1 if cde in _PLAIN_TEXT else 2 if cde.startswith(_HEX_TEXT) else 0
        if len(_TEXT_KINDS) < 4096:
            _TEXT_KINDS[code] = kind
    return kind


def _reading(code: str, groups: list[bytes]) -> Reading | None:
    if len(groups) == 1:
        return _single(code, groups[0])
    if _TIMESTAMP.fullmatch(groups[0]):
        # `(capture time)(value*unit)`: gas, water, heat, Belgian monthly peak.
        # DSMR 2.2: `(time)(00)(60)(1)(0-1:24.2.1)(m3)` + `(00000.107)` on the next line.
        last, unit = groups[-1], groups[-2]
        if b"*" not in last and unit.decode("latin-1") in UNIT_NORMALISATION:
            return _single(code, last + b"*" + unit)
        return _single(code, last)
    # `(count)(code)(entries...)`: the power-failure log and Belgian peak history.
    return _single(code, groups[0])


def _single(code: str, raw: bytes) -> Reading | None:
    if not raw:
        return None
    text_kind = _text_kind(code)
    if text_kind:
        return Reading(_text(raw) if text_kind == 2 else raw.decode("latin-1"))
    number, star, unit = raw.partition(b"*")
    if _NUMBER.fullmatch(number):
        try:
            value = Decimal(number.decode("ascii"))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return None
        return normalised(value, unit.decode("latin-1")) if star else Reading(value)
    if not star and _TIMESTAMP.fullmatch(raw):
        moment = _timestamp(raw)
        return Reading(moment) if moment is not None else None
    return Reading(raw.decode("latin-1"))


def _timestamp(raw: bytes) -> datetime | None:
    """`YYMMDDhhmmss` + W (winter, CET) / S (summer, CEST) -> aware datetime."""
    flag = raw[12:13]
    zone = WINTER if flag == b"W" else SUMMER if flag == b"S" else LOCAL_ZONE
    try:
        return datetime(
            2000 + int(raw[0:2]),
            int(raw[2:4]),
            int(raw[4:6]),
            int(raw[6:8]),
            int(raw[8:10]),
            int(raw[10:12]),
            tzinfo=zone,
        )
    except ValueError:
        return None


def _text(raw: bytes) -> str:
    """Identifiers and messages are hex-encoded ASCII; anything else stays as sent."""
    if _HEX.fullmatch(raw):
        decoded = bytes.fromhex(raw.decode("ascii"))
        if decoded.isascii() and decoded.decode("ascii").isprintable():
            return decoded.decode("ascii")
    return raw.decode("latin-1")


def _meter_id(values: dict[str, Reading]) -> str | None:
    for code in METER_ID_CODES:
        reading = values.get(code)
        if reading is not None and isinstance(reading.value, str) and reading.value:
            return _unrepeated(reading.value)
    return None


def _unrepeated(text: str) -> str:
    """`SAG1030700114004` for an id the meter sends three times over (Smarty 42.0.0)."""
    size = len(text)
    for part in range(1, size // 2 + 1):
        if size % part == 0 and text == text[:part] * (size // part):
            return text[:part]
    return text
