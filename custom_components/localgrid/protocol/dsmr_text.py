"""DSMR / P1 text telegram content: `/header` ... OBIS lines ... `!CRC` -> Payload.

Covers Dutch DSMR 2.2-5.0, Belgian e-MUCS, Luxembourg Smarty and Austrian P1 text.
The CRC is checked by the caller (framing); lines that do not parse are skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
import re

from . import axdr
from .memo import remember
from .model import Payload, Reading
from .obis import normalised, unit_normalisation

# One object per line; DSMR 2.2 continues a line on the next one starting with '('.
# Some meters (EasyMeter Q3D) write the F group too: `1-0:1.8.0*255(...)`, the DSMR 4.2
# example `1-0:31.7.0.255(...)`.
# Groups: code; then either a lone `(number[*unit])` (number, unit) or the parentheses
# (findall gives b"" for the groups that did not take part). A match opens with the line
# feed before its line (the search jumps from one to the next) and stops before the
# line's trailing blanks.
_NUMBER_TEXT = rb"[-+]?\d+(?:\.\d+)?"
_SINGLE_TEXT = rb"\((" + _NUMBER_TEXT + rb")(?:\*([^()\r\n]+))?\)"
_PARENS_TEXT = rb"((?:\([^()\r\n]*\))+)"
_OBJECT = re.compile(
    rb"\n(\d{1,3}-\d{1,3}:\d{1,3}\.\d{1,3}\.\d{1,3}(?:[*.]\d{1,3})?)"
    rb"(?:" + _SINGLE_TEXT + rb"|" + _PARENS_TEXT + rb")(?=[ \t]*\r?$)",
    re.MULTILINE,
)
_SINGLE = re.compile(_SINGLE_TEXT)
# DSMR 2.2/3.0 gas profile `0-1:24.3.0(time)(00)(60)(1)(0-1:24.2.1)(m3)(value)` names
# the register it carries.
_NAMED_CODE = re.compile(rb"\d{1,3}-\d{1,3}:\d{1,3}\.\d{1,3}\.\d{1,3}")
# A line break inside parentheses (a long text message wrapped, DSMR 4.2/5.0 examples)
# continues the line too: the next line closes a parenthesis before opening one. Blank
# lines in between are line ends a capture doubled (each CR written as LF).
_CONTINUATION = re.compile(rb"(?:\r?\n)+(?=\(|[^()\r\n]*\))")
# The W/S (winter/summer) flag; a Landis+Gyr E350 writes it in lower case.
_TIMESTAMP = re.compile(rb"\d{12}[WSws]?")
_TIMED_VALUE = re.compile(rb"\(\d{12}[WSws]?\)\(" + _NUMBER_TEXT + rb"\*[^()\r\n]+\)")
# Fluvius meters of openHAB's tests write the unit without its '*': `(000123.456kWh)`.
_NUMBER_AND_UNIT = re.compile(rb"(" + _NUMBER_TEXT + rb")([A-Za-z][A-Za-z0-9]*)")
# NES/Echelon meters (Denmark) write the clock `20240111 09:35:00`.
_SPELLED_TIMESTAMP = re.compile(rb"20(\d{6}) (\d\d):(\d\d):(\d\d)")
_NUMBER = re.compile(_NUMBER_TEXT)
_HEX_DIGITS = b"0123456789ABCDEFabcdef"

WINTER = timezone(timedelta(hours=1), "CET")
SUMMER = timezone(timedelta(hours=2), "CEST")
LOCAL_ZONE = axdr.CENTRAL_EUROPE
"""Zone of timestamps sent without the W/S flag (NL, BE, LU, AT share CET/CEST)."""
_WALL_CLOCK_ZONES = (WINTER, SUMMER, LOCAL_ZONE)
"""How times sent without their offset to UTC are read first (see `_in_zone`)."""

CLOCK = "0-0:1.0.0"
# Payload.meter_id, best first: DSMR equipment id, Luxembourg equipment id, meter number;
# German D0 meters: server id (EasyMeter), device id (eBZ), property number.
METER_ID_CODES = (
    "0-0:96.1.1",
    "0-0:42.0.0",
    "0-0:96.1.0",
    "0-0:96.1.255",
    "1-0:96.1.0",
    "1-0:0.0.0",
)


class TelegramError(ValueError):
    """The bytes are not a P1 text telegram."""


def parse_telegram(text: bytes, zone: tzinfo | None = None) -> Payload:
    """Parse one telegram ('/' header line through the '!CRC' line).

    `zone`: where the meter's clock runs (default: CET/CEST, `LOCAL_ZONE`); its times
    are wall-clock times with a W/S (winter/summer) flag."""
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
    header_line = body[1:header_end].strip()
    header = header_line.decode("latin-1")
    body = body[header_end:]
    plans = _PLANS.get(header_line, ())
    values = None
    for plan in plans:
        values = plan.read(body)
        if values is not None:
            break
    if values is None:
        values = {}
        new_plan = _parse_objects(body, values)
        if new_plan is not None:
            if header_line not in _PLANS and len(_PLANS) >= _MAX_METERS:
                del _PLANS[next(iter(_PLANS))]
            _PLANS[header_line] = [new_plan, *plans][:_MAX_SHAPES]
    if not values:
        raise TelegramError("no OBIS object lines in the telegram")
    if zone is not None and zone is not LOCAL_ZONE:
        for code, reading in values.items():  # only times move; the dict is this call's own
            if type(reading.value) is datetime:
                values[code] = _in_zone(reading, zone)
    clock = values.get(CLOCK)
    timestamp = clock.value if clock is not None and isinstance(clock.value, datetime) else None
    return Payload(values, timestamp, _meter_id(values), header)


def _parse_objects(body: bytes, values: dict[str, Reading]) -> _Plan | None:
    """Read every object line of `body` into `values`; the plan for this body's shape,
    None when the body is one that plans do not cover (continued lines)."""
    joined, continued = _CONTINUATION.subn(b"", body)
    if continued:
        for raw_code, number, unit, parens in _OBJECT.findall(joined):
            _add_object(values, _CODES.get(raw_code) or _code(raw_code), number, unit, parens)
        return None
    pattern: list[str] = []
    steps: list[_Step] = []
    done = 0
    for match in _OBJECT.finditer(body):
        raw_code, number, unit, parens = match.groups()
        code = _CODES.get(raw_code) or _code(raw_code)
        _add_object(values, code, number, unit or b"", parens or b"")
        pattern.append(re.escape(body[done : match.end(1)].decode("latin-1")))
        done = match.end()
        step, slot = _step(code, number, unit, parens)
        steps.append(step)
        pattern.append(slot)
    pattern.append(re.escape(body[done:].decode("latin-1")))
    plan = _Plan(re.compile("".join(pattern), re.ASCII), tuple(steps))
    # A plan must read its own telegram exactly as the line parser did, or it is not kept
    # (repr: Decimal("244") == Decimal("244.000"), yet they print differently).
    planned = plan.read(body)
    if planned is None or repr(list(planned.items())) != repr(list(values.items())):
        return None
    return plan


def _add_object(
    values: dict[str, Reading], code: str, number: bytes, unit: bytes, parens: bytes
) -> None:
    """Read one object line (the groups of an `_OBJECT` match) into `values`."""
    if not parens:
        kind = _TEXT_KINDS.get(code)
        if not (_text_kind(code) if kind is None else kind):
            # A number, with its unit or none: most lines, read here directly.
            value = Decimal(number.decode("ascii"))
            if not unit:
                values[code] = Reading(value)
                return
            normal, shift, sent = _UNITS.get(unit) or _unit(unit)
            values[code] = normalised(value, sent) if shift else Reading(value, normal)
            return
        groups = [number + b"*" + unit if unit else number]
    else:
        groups = parens[1:-1].split(b")(")
    reading = _reading(code, groups)
    if reading is not None:
        values[code] = reading
        # Only a profile opening with its capture time names the register its value is
        # (DSMR 2.2 gas); a log `(count)(code)(entry...)` names the log, not its count.
        if (
            len(groups) > 2
            and _NAMED_CODE.fullmatch(groups[-3])
            and _TIMESTAMP.fullmatch(groups[0])
        ):
            values.setdefault(_code(groups[-3]), reading)


# ---- plans: a meter sends the same lines in every telegram, only the values change ------
# A plan is a pattern matching the whole body of one telegram shape, every byte literal
# but the values, and one step per object line. A body that fits reads exactly as the
# line parser would read it, with one regular expression match; any other body goes
# through the line parser, which makes the plan for the new shape.

_UNSHIFTED, _SHIFTED, _NORMALISED, _TEXT_VALUE, _HEX_VALUE, _TIME, _OTHER = range(7)
# (kind, code, unit), one regular expression group each: _UNSHIFTED: a number and its
# normalised unit, which needs no shift ("" when none); _SHIFTED: a number sent with
# exactly as many decimals as its unit shifts it (kW -> W), and the normalised unit;
# _NORMALISED: another number with a shift (or after its capture time), and the unit as
# sent; _TEXT_VALUE, _HEX_VALUE: the one value of a text object; _TIME: a timestamp with its
# W/S flag; _OTHER: any other line, its parentheses read by the line parser.
type _Step = tuple[int, str, str]
# The line parser's patterns, possessive: what follows each (a literal ')' or '*', a line
# end) can never start inside it, so giving characters back never helps a match.
_PLAN_NUMBER = r"([-+]?+\d++(?:\.\d++)?+)"
_PLAN_PARENS = r"((?:\([^()\r\n]*+\))++)"
_PLAN_TEXT = r"\(([^()\r\n]*+)\)"
_PLAN_TIME = r"\((\d{12}[WSws])\)"
_PLAN_CAPTURE_TIME = r"\(\d{12}[WSws]?\)"
_MAX_METERS = 16
"""Identification lines whose telegram shapes are remembered."""
_MAX_SHAPES = 4
"""Shapes remembered per identification line, the latest first (a meter's telegrams may
alternate between shapes, two meters of one model may differ)."""


def _step(
    code: str, number: bytes | None, unit: bytes | None, parens: bytes | None
) -> tuple[_Step, str]:
    """The plan step and pattern for the value of one object line (`_OBJECT` groups)."""
    if number is not None and not _text_kind(code):
        if not unit:
            return (_UNSHIFTED, code, ""), r"\(" + _PLAN_NUMBER + r"\)"
        normal, shift, sent = _UNITS.get(unit) or _unit(unit)
        closing = re.escape("*" + unit.decode("latin-1")) + r"\)"
        if not shift:
            return (_UNSHIFTED, code, normal), r"\(" + _PLAN_NUMBER + closing
        decimals = len(number) - 1 - number.find(b".") if b"." in number else 0
        if shift == decimals:
            # 0.244 kW: the digits without the point are the watts, the exponent 0.
            digits = r"([-+]?+\d++\.\d{" + str(shift) + "})"
            return (_SHIFTED, code, normal), r"\(" + digits + closing
        return (_NORMALISED, code, sent), r"\(" + _PLAN_NUMBER + closing
    text_kind = _text_kind(code)
    text = text_kind in (_PLAIN, _HEX)
    if text and (parens is None or parens.count(b"(") == 1):
        return (_TEXT_VALUE if text_kind == _PLAIN else _HEX_VALUE, code, ""), _PLAN_TEXT
    if text or parens is None:
        return (_OTHER, code, ""), _PLAN_PARENS
    if _TIMED_VALUE.fullmatch(parens):
        # Read after the timestamp (not a number): `(time)(number*unit)`, gas and water.
        sent = parens[parens.index(b"*") + 1 : -1].decode("latin-1")
        closing = re.escape("*" + sent) + r"\)"
        return (_NORMALISED, code, sent), _PLAN_CAPTURE_TIME + r"\(" + _PLAN_NUMBER + closing
    if _TIMESTAMP.fullmatch(parens[1:-1]) and parens[-2:-1] in b"WSws":
        return (_TIME, code, ""), _PLAN_TIME
    return (_OTHER, code, ""), _PLAN_PARENS


class _Plan:
    """How to read the bodies of one telegram shape."""

    __slots__ = ("_pattern", "_steps")

    def __init__(self, pattern: re.Pattern[str], steps: tuple[_Step, ...]) -> None:
        self._pattern = pattern
        self._steps = steps

    def read(self, body: bytes) -> dict[str, Reading] | None:
        """The readings of a body of this shape, None when `body` has another shape."""
        match = self._pattern.fullmatch(body.decode("latin-1"))
        if match is None:
            return None
        values: dict[str, Reading] = {}
        for (kind, code, unit), group in zip(self._steps, match.groups(), strict=True):
            if kind == _UNSHIFTED:
                values[code] = Reading(Decimal(group), unit)
            elif kind == _SHIFTED:
                values[code] = Reading(Decimal(group.replace(".", "")), unit)
            elif kind == _NORMALISED:
                values[code] = normalised(Decimal(group), unit)
            elif kind == _TEXT_VALUE:
                if group:
                    values[code] = Reading(group)
            elif kind == _HEX_VALUE:
                same = _SAME_TEXTS.get(group)
                if same is None:
                    same = Reading(_text(group.encode("latin-1")))
                    remember(_SAME_TEXTS, group, same, _MAX_REMEMBERED)
                if same.value:
                    values[code] = same
            elif kind == _TIME:
                moment = _timestamp(group)
                if moment is not None:
                    values[code] = Reading(moment)
            else:
                key = (code, group)
                read = _SAME_OBJECTS.get(key)
                if read is None:
                    read = remember(_SAME_OBJECTS, key, _other_object(code, group), _MAX_REMEMBERED)
                for read_code, reading in read:
                    if read_code == code:
                        values[code] = reading
                    else:  # a register the line names: as _add_object, never replaced
                        values.setdefault(read_code, reading)
        return values


# Identifiers, messages and logs are the same text in every telegram of a meter, so each
# is read once and its Readings shared by the telegrams (readings are never changed once
# made). Keyed by the exact text: a line that changed (a new log entry, a profile's next
# value) is read anew. The clock and the numbers of plain lines never go here.
_SAME_TEXTS: dict[str, Reading] = {}
"""The reading of a hex-encoded text by its hex digits (its value "" for none)."""
_SAME_OBJECTS: dict[tuple[str, str], tuple[tuple[str, Reading], ...]] = {}
"""What the line parser reads from a line, by its (code, parentheses)."""
_MAX_REMEMBERED = 256
"""Entries per dict; a meter sends a handful, and the dict starts anew when full."""


def _other_object(code: str, group: str) -> tuple[tuple[str, Reading], ...]:
    """What the line parser reads from the parentheses `group` of a line."""
    parens = group.encode("latin-1")
    read: dict[str, Reading] = {}
    single = None if b")(" in parens else _SINGLE.fullmatch(parens)
    if single is None:
        _add_object(read, code, b"", b"", parens)
    else:
        number, unit_sent = single.groups()
        _add_object(read, code, number, unit_sent or b"", b"")
    return tuple(read.items())


_PLANS: dict[bytes, list[_Plan]] = {}


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


# versions, tariff and plain serial numbers: "0002" stays "0002" (EasyMeter 0.0.0);
# the time of operation, which German D0 meters (eBZ, EasyMeter) count in hex seconds
_PLAIN_TEXT = ("0.2.8", "96.1.4", "96.14.0", "0.0.0", "96.8.0")
_HEX_TEXT = ("96.1.", "42.0.", "96.13.")  # ids and messages: hex-encoded ASCII
_PLAIN, _HEX, _CLOCK = 1, 2, 3
"""Text kinds; _CLOCK: the clock, whose `YYMMDDhhmmss` without its W/S flag (Belgian
Iskra IE.5: `0-0:1.0.0(230404213104)`) is a time, not a number."""


_TEXT_KINDS: dict[str, int] = {}


def _text_kind(code: str) -> int:
    """0: a value; _PLAIN: plain text; _HEX: hex-encoded text; _CLOCK: the clock."""
    kind = _TEXT_KINDS.get(code)
    if kind is None:
        cde = code.partition(":")[2]
        kind = (
            _PLAIN
            if cde in _PLAIN_TEXT
            else _HEX
            if cde.startswith(_HEX_TEXT)
            else _CLOCK
            if code == CLOCK
            else 0
        )
        if len(_TEXT_KINDS) < 4096:
            _TEXT_KINDS[code] = kind
    return kind


def _reading(code: str, groups: list[bytes]) -> Reading | None:
    if len(groups) == 1:
        return _single(code, groups[0])
    if _TIMESTAMP.fullmatch(groups[0]):
        # `(capture time)(value*unit)`: gas, water, heat, Belgian monthly peak.
        # DSMR 2.2: `(time)(00)(60)(1)(0-1:24.2.1)(m3)` + `(00000.107)` on the next line.
        # Several values with units are a snapshot of as many registers (E.ON Hungary's
        # billing period `0-0:98.1.0(time)(1.8.0*kWh)...(peak*kW)`), none of them its value.
        if len(groups) > 2 and sum(b"*" in group for group in groups) > 1:
            return None
        last, unit = groups[-1], groups[-2]
        if len(groups) == 2 and b"*" not in last and _timestamp(groups[0].decode()) is None:
            # `(632525252525W)(00000.000)`: no sub-meter on this channel (an impossible
            # capture time, a number without unit); a value with its unit is still read.
            return None
        if b"*" not in last and unit_normalisation(unit.decode("latin-1")) is not None:
            return _single(code, last + b"*" + unit)
        return _single(code, last)
    # `(count)(code)(entries...)`: the power-failure log and Belgian peak history.
    return _single(code, groups[0])


def _single(code: str, raw: bytes) -> Reading | None:
    if not raw:
        return None
    text_kind = _text_kind(code)
    if text_kind == _CLOCK:
        if _TIMESTAMP.fullmatch(raw):
            moment = _timestamp(raw.decode("ascii"))
            return Reading(moment) if moment is not None else None
    elif text_kind:
        text = _text(raw) if text_kind == _HEX else raw.decode("latin-1")
        return Reading(text) if text else None
    number, star, unit = raw.partition(b"*")
    if _NUMBER.fullmatch(number):
        try:
            value = Decimal(number.decode("ascii"))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return None
        return normalised(value, unit.decode("latin-1")) if star else Reading(value)
    if not star and _TIMESTAMP.fullmatch(raw):
        moment = _timestamp(raw.decode("ascii"))
        return Reading(moment) if moment is not None else None
    if not star and (spelled := _SPELLED_TIMESTAMP.fullmatch(raw)):
        moment = _timestamp(spelled.expand(rb"\1\2\3\4").decode("ascii"))
        return Reading(moment) if moment is not None else None
    # After the times: `(230211111541W)` is a time, not a number of watts.
    if not star and (split := _NUMBER_AND_UNIT.fullmatch(raw)):
        unit_sent = split[2].decode("ascii")
        if unit_normalisation(unit_sent) is not None:
            return normalised(Decimal(split[1].decode("ascii")), unit_sent)
    if len(raw) == _COSEM_DATETIME_DIGITS and not raw.translate(None, _HEX_DIGITS):
        # A COSEM date-time written in hex (ESR meters' clock line).
        packed = bytes.fromhex(raw.decode("ascii"))
        if axdr.is_datetime(packed):
            moment = axdr.parse_datetime(packed, 0, LOCAL_ZONE)
            return Reading(moment) if moment is not None else None
    return Reading(raw.decode("latin-1"))


_COSEM_DATETIME_DIGITS = 24


def _in_zone(reading: Reading, zone: tzinfo) -> Reading:
    """A time read as CET/CEST as the same wall-clock time in `zone`. The W/S flag
    (WINTER/SUMMER) picks the occurrence of the hour repeated when clocks go back, and W
    is the zone's standard time all year, as WINTER is CET's: Swedish meters on standard
    time send W in summer too."""
    moment = reading.value
    # Identity, not ==: an offset the meter sent equals WINTER or SUMMER under ==.
    if not isinstance(moment, datetime) or all(
        moment.tzinfo is not wall_clock for wall_clock in _WALL_CLOCK_ZONES
    ):
        return reading  # not a time, or one sent with its offset to UTC
    if moment.tzinfo is WINTER:
        return Reading(axdr.on_standard_time(moment.replace(tzinfo=zone, fold=1)), reading.unit)
    return Reading(moment.replace(tzinfo=zone), reading.unit)


def _timestamp(raw: str) -> datetime | None:
    """`YYMMDDhhmmss` + W (winter, CET) / S (summer, CEST) -> aware datetime.

    `raw` opens with twelve ASCII digits (the callers' patterns check). 24:00:00 is read
    as midnight of the next day, as ISO 8601 has it."""
    flag = raw[12:13].upper()
    zone = WINTER if flag == "W" else SUMMER if flag == "S" else LOCAL_ZONE
    try:
        # The ISO basic form `20YYMMDDThhmmss`: a third of the time of six int() calls.
        return _from_iso("20" + raw[:6] + "T" + raw[6:12]).replace(tzinfo=zone)
    except ValueError:
        return None


_from_iso = datetime.fromisoformat


_FILL = b" \xff"
"""Padding around ids and messages: Kamstrup DSMR 2.2 ids open with a space (0x20),
Sanxing (E.ON Hungary) sends a message of 1024 bytes 0xFF when it has none."""


def _text(raw: bytes) -> str:
    """Identifiers and messages are hex-encoded ASCII; anything else stays as sent.
    Without their padding ("" when there is nothing else)."""
    # Pairs of hex digits (deleting the digits leaves nothing; faster than a pattern).
    if raw and not len(raw) % 2 and not raw.translate(None, _HEX_DIGITS):
        decoded = bytes.fromhex(raw.decode("ascii"))
        if decoded.isascii() and decoded.decode("ascii").isprintable():
            return decoded.decode("ascii").strip()
    return raw.strip(_FILL).decode("latin-1")


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
