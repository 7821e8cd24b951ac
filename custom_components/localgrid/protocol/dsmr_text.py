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
from .obis import normalised, unit_normalisation

# One object per line; DSMR 2.2 continues a line on the next one starting with '('.
# Some meters (EasyMeter Q3D) write the F group too: `1-0:1.8.0*255(...)`.
# Groups: code; then either a lone `(number[*unit])` (number, unit) or the parentheses
# (findall gives b"" for the groups that did not take part).
_OBJECT = re.compile(
    rb"^(\d{1,3}-\d{1,3}:\d{1,3}\.\d{1,3}\.\d{1,3}(?:\*\d{1,3})?)"
    rb"(?:\(([-+]?\d+(?:\.\d+)?)(?:\*([^()\r\n]+))?\)|((?:\([^()\r\n]*\))+))[ \t]*\r?$",
    re.MULTILINE,
)
# DSMR 2.2/3.0 gas profile `0-1:24.3.0(time)(00)(60)(1)(0-1:24.2.1)(m3)(value)` names
# the register it carries.
_NAMED_CODE = re.compile(rb"\d{1,3}-\d{1,3}:\d{1,3}\.\d{1,3}\.\d{1,3}")
_CONTINUATION = re.compile(rb"\r?\n(?=\()")
_TIMESTAMP = re.compile(rb"\d{12}[WS]?")
# NES/Echelon meters (Denmark) write the clock `20240111 09:35:00`.
_SPELLED_TIMESTAMP = re.compile(rb"20(\d{6}) (\d\d):(\d\d):(\d\d)")
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
    body = body[header_end:]
    if b"\n(" in body:
        body = _CONTINUATION.sub(b"", body)
    values: dict[str, Reading] = {}
    codes, text_kinds, units = _CODES, _TEXT_KINDS, _UNITS
    for raw_code, number, unit, parens in _OBJECT.findall(body):
        code = codes.get(raw_code) or _code(raw_code)
        if not parens:
            kind = text_kinds.get(code)
            if not (_text_kind(code) if kind is None else kind):
                # A number, with its unit or none: most lines, read here directly.
                value = Decimal(number.decode("ascii"))
                if not unit:
                    values[code] = Reading(value)
                    continue
                normal, shift, sent = units.get(unit) or _unit(unit)
                values[code] = normalised(value, sent) if shift else Reading(value, normal)
                continue
            groups = [number + b"*" + unit if unit else number]
        else:
            groups = parens[1:-1].split(b")(")
        reading = _reading(code, groups)
        if reading is not None:
            values[code] = reading
            if len(groups) > 2 and _NAMED_CODE.fullmatch(groups[-3]):
                values.setdefault(_code(groups[-3]), reading)
    if not values:
        raise TelegramError("no OBIS object lines in the telegram")
    clock = values.get(CLOCK)
    timestamp = clock.value if clock is not None and isinstance(clock.value, datetime) else None
    return Payload(values, timestamp, _meter_id(values), header)


_CODES: dict[bytes, str] = {}
_CODE_PARTS = re.compile(rb"[-:.*]")


def _code(raw: bytes) -> str:
    """`A-B:C.D.E` of a code written `A-B:C.D.E[*F]` (F 255: not written)."""
    code = _CODES.get(raw)
    if code is None:
        a, b, c, d, e, *f = (int(part) for part in _CODE_PARTS.split(raw))
        code = f"{a}-{b}:{c}.{d}.{e}"
        if f and f[0] != 255:
            code += f"*{f[0]}"
        if len(_CODES) < 4096:
            _CODES[raw] = code
    return code


_UNITS: dict[bytes, tuple[str, int, str]] = {}


def _unit(raw: bytes) -> tuple[str, int, str]:
    """(normalised unit, power of ten, unit as sent) of a unit as sent."""
    found = _UNITS.get(raw)
    if found is None:
        sent = raw.decode("latin-1")
        normal, shift = unit_normalisation(sent) or (sent, 0)
        found = (normal, shift, sent)
        if len(_UNITS) < 4096:
            _UNITS[raw] = found
    return found


# versions, tariff and plain serial numbers: "0002" stays "0002" (EasyMeter 0.0.0)
_PLAIN_TEXT = ("0.2.8", "96.1.4", "96.14.0", "0.0.0")
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
        if b"*" not in last and unit_normalisation(unit.decode("latin-1")) is not None:
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
    if not star and (spelled := _SPELLED_TIMESTAMP.fullmatch(raw)):
        moment = _timestamp(spelled.expand(rb"\1\2\3\4"))
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


_MIN_ID_LENGTH = 8  # a placeholder id of zeros is not one digit sent many times


def _unrepeated(text: str) -> str:
    """`SAG1030700114004` for an id the meter sends three times over (Smarty 42.0.0)."""
    size = len(text)
    for part in range(_MIN_ID_LENGTH, size // 2 + 1):
        if size % part == 0 and text == text[:part] * (size // part):
            return text[:part]
    return text
