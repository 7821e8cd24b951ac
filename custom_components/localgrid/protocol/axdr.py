"""A-XDR decoding of DLMS/COSEM `Data` (IEC 62056-6-2) and the COSEM date-time.

One iterative pass over the bytes with an explicit stack: no recursion, no copies except
the strings themselves. Hard limits (nesting depth, lengths bounded by the bytes that are
left) make garbage fail fast instead of allocating or recursing.

Decoded values: null -> None, array/structure -> list, boolean -> bool, integers and
enum/bcd -> int, floats -> float, octet-string/bit-string/date-time/date/time -> bytes,
visible/utf8-string -> str.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from struct import Struct
from typing import Any
from zoneinfo import ZoneInfo

type Value = bool | int | float | bytes | str | list[Value] | None

MAX_DEPTH = 16
"""Deepest nesting of arrays/structures accepted (meters use 3)."""

_U16 = Struct(">H").unpack_from
_U32 = Struct(">I").unpack_from
_SCALER_UNIT = b"\x0f\x16"  # the types at +2 and +4 of a scaler_unit structure
_DEVIATION = Struct(">h").unpack_from

# tag -> (size, unpack) for the fixed-size types.
_FIXED: dict[int, tuple[int, Any]] = {
    0x03: (1, Struct(">?").unpack_from),  # boolean
    0x05: (4, Struct(">i").unpack_from),  # double-long
    0x06: (4, Struct(">I").unpack_from),  # double-long-unsigned
    0x0D: (1, Struct(">b").unpack_from),  # bcd (an Integer8 in A-XDR)
    0x0F: (1, Struct(">b").unpack_from),  # integer
    0x10: (2, Struct(">h").unpack_from),  # long
    0x11: (1, Struct(">B").unpack_from),  # unsigned
    0x12: (2, Struct(">H").unpack_from),  # long-unsigned
    0x14: (8, Struct(">q").unpack_from),  # long64
    0x15: (8, Struct(">Q").unpack_from),  # long64-unsigned
    0x16: (1, Struct(">B").unpack_from),  # enum
    0x17: (4, Struct(">f").unpack_from),  # float32
    0x18: (8, Struct(">d").unpack_from),  # float64
}
_FIXED_BYTES = {0x19: 12, 0x1A: 5, 0x1B: 4}  # date-time, date, time


class AxdrError(ValueError):
    """The bytes are not valid A-XDR data."""


def read_length(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """A BER length at `pos` -> (length, position after it)."""
    if pos >= end:
        raise AxdrError("length missing")
    first = buf[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if not 0 < count <= 4 or pos + 1 + count > end:
        raise AxdrError(f"bad length at {pos}")
    return int.from_bytes(buf[pos + 1 : pos + 1 + count]), pos + 1 + count


def decode(buf: bytes, pos: int = 0, end: int | None = None) -> tuple[Value, int]:
    """Decode one Data element at `pos` -> (value, position after it)."""
    if end is None:
        end = len(buf)
    fixed = _FIXED
    u32 = _U32
    stack: list[tuple[list[Value] | None, int]] = []  # enclosing containers
    container: list[Value] | None = None
    remaining = 0  # elements the current container still expects
    value: Value
    while True:
        if pos >= end:
            raise AxdrError("data ends inside an element")
        tag = buf[pos]
        # The common types first, inline: they are nearly all a meter sends.
        if tag in {9, 10, 12}:  # octet, visible, utf8 string
            size = buf[pos + 1] if pos + 1 < end else 0x80
            if size < 0x80:
                pos += 2
            else:
                size, pos = read_length(buf, pos + 1, end)
            if pos + size > end:
                raise AxdrError(f"string of {size} bytes runs past the end")
            raw = buf[pos : pos + size]
            pos += size
            value = raw if tag == 9 else raw.decode("utf-8" if tag == 12 else "latin-1", "replace")
        elif tag == 0x06:  # double-long-unsigned
            pos += 5
            if pos > end:
                raise AxdrError("double-long-unsigned runs past the end")
            value = u32(buf, pos - 4)[0]
        elif tag in {2, 1}:  # structure, array
            if buf[pos + 2 : pos + 5 : 2] == _SCALER_UNIT and buf[pos + 1] == 2 and tag == 2:
                # {integer scaler, enum unit}, the register scaler_unit: one step, not three.
                pos += 6
                if pos > end:
                    raise AxdrError("scaler_unit runs past the end")
                scaler = buf[pos - 3]
                value = [scaler - 256 if scaler > 127 else scaler, buf[pos - 1]]
            else:
                count = buf[pos + 1] if pos + 1 < end else 0x80
                if count < 0x80:
                    pos += 2
                else:
                    count, pos = read_length(buf, pos + 1, end)
                if count > end - pos:  # every element takes at least one byte
                    raise AxdrError(f"{count} elements cannot fit in {end - pos} bytes")
                if count:
                    if len(stack) >= MAX_DEPTH:
                        raise AxdrError("nesting too deep")
                    stack.append((container, remaining))
                    container = []
                    remaining = count
                    continue
                value = []
        elif tag == 0x12:  # long-unsigned
            pos += 3
            if pos > end:
                raise AxdrError("long-unsigned runs past the end")
            value = (buf[pos - 2] << 8) | buf[pos - 1]
        elif tag == 0x0F:  # integer (scalers)
            pos += 2
            if pos > end:
                raise AxdrError("integer runs past the end")
            value = buf[pos - 1]
            if value > 127:
                value -= 256
        elif tag in {22, 17}:  # enum (units), unsigned
            pos += 2
            if pos > end:
                raise AxdrError("unsigned runs past the end")
            value = buf[pos - 1]
        else:
            value, pos = _other(buf, tag, pos + 1, end, fixed)
        # Attach the value to its container, closing the containers it completes.
        if container is None:
            return value, pos
        container.append(value)
        remaining -= 1
        while not remaining:
            value = container
            container, remaining = stack.pop()
            if container is None:
                return value, pos
            container.append(value)
            remaining -= 1


def _other(
    buf: bytes, tag: int, pos: int, end: int, fixed: dict[int, tuple[int, Any]]
) -> tuple[Value, int]:
    """The less common types; `pos` is just after the tag."""
    spec = fixed.get(tag)
    if spec is not None:
        size, unpack = spec
        if pos + size > end:
            raise AxdrError(f"type {tag:#04x} runs past the end")
        return unpack(buf, pos)[0], pos + size
    if tag == 0x00:
        return None, pos
    size = _FIXED_BYTES.get(tag, -1)
    if size >= 0:
        if pos + size > end:
            raise AxdrError(f"type {tag:#04x} runs past the end")
        return buf[pos : pos + size], pos + size
    if tag == 0x04:  # bit-string: length in bits
        bits, pos = read_length(buf, pos, end)
        size = (bits + 7) >> 3
        if pos + size > end:
            raise AxdrError("bit-string runs past the end")
        return buf[pos : pos + size], pos + size
    if tag == 0x13:
        return _compact_array(buf, pos, end)
    raise AxdrError(f"unknown data type {tag:#04x} at {pos - 1}")


# compact-array: type description, then the elements packed without their tags.
_SIZES = {tag: size for tag, (size, _unpack) in _FIXED.items()} | _FIXED_BYTES


def _type_description(buf: bytes, pos: int, end: int, depth: int = 0) -> tuple[object, int]:
    """TypeDescription -> (tag | ("array", n, desc) | ("struct", [desc...]), position)."""
    if pos >= end or depth > MAX_DEPTH:
        raise AxdrError("bad compact-array type description")
    tag = buf[pos]
    pos += 1
    if tag == 0x01:
        if pos + 2 > end:
            raise AxdrError("bad compact-array type description")
        count = _U16(buf, pos)[0]
        element, pos = _type_description(buf, pos + 2, end, depth + 1)
        return ("array", count, element), pos
    if tag == 0x02:
        count, pos = read_length(buf, pos, end)
        if count > end - pos:
            raise AxdrError("bad compact-array type description")
        members = []
        for _ in range(count):
            member, pos = _type_description(buf, pos, end, depth + 1)
            members.append(member)
        return ("struct", members), pos
    if tag in _SIZES or tag in (0x09, 0x0A, 0x0C, 0x04):
        return tag, pos
    raise AxdrError(f"unknown type {tag:#04x} in compact-array")


def _packed(desc: object, buf: bytes, pos: int, end: int) -> tuple[Value, int]:
    """One element of a compact-array by its description."""
    if isinstance(desc, int):
        tagged = bytes((desc,))
        if desc in _SIZES:
            size = _SIZES[desc]
            if pos + size > end:
                raise AxdrError("compact-array element runs past the end")
            return decode(tagged + buf[pos : pos + size])[0], pos + size
        size, start = read_length(buf, pos, end)
        length = (size + 7) >> 3 if desc == 0x04 else size
        if start + length > end:
            raise AxdrError("compact-array element runs past the end")
        return decode(tagged + buf[pos : start + length])[0], start + length
    assert isinstance(desc, tuple)
    items: list[Value] = []
    if desc[0] == "array":
        for _ in range(desc[1]):
            item, pos = _packed(desc[2], buf, pos, end)
            items.append(item)
    else:
        for member in desc[1]:
            item, pos = _packed(member, buf, pos, end)
            items.append(item)
    return items, pos


def _compact_array(buf: bytes, pos: int, end: int) -> tuple[Value, int]:
    desc, pos = _type_description(buf, pos, end)
    size, pos = read_length(buf, pos, end)
    stop = pos + size
    if stop > end:
        raise AxdrError("compact-array runs past the end")
    items: list[Value] = []
    while pos < stop:
        item, pos = _packed(desc, buf, pos, stop)
        items.append(item)
    return items, stop


# COSEM date-time (12 bytes): year u16, month, day, weekday, hour, minute, second,
# hundredths, deviation i16 (minutes; UTC offset = -deviation), clock status.
DEVIATION_UNSPECIFIED = -0x8000
STATUS_DST = 0x80
CENTRAL_EUROPE = ZoneInfo("Europe/Vienna")
"""Wall-clock zone assumed when a meter leaves the deviation unspecified (0x8000)."""


def is_datetime(raw: bytes) -> bool:
    """Whether 12 bytes look like a COSEM date-time (plausible month, day and time)."""
    if len(raw) != 12:
        return False
    month, day, hour, minute, second = raw[2], raw[3], raw[5], raw[6], raw[7]
    return (
        (1 <= month <= 12 or month >= 0xFD)
        and (1 <= day <= 31 or day >= 0xFD)
        and (hour < 24 or hour == 0xFF)
        and (minute < 60 or minute == 0xFF)
        and (second < 60 or second == 0xFF)
    )


def parse_datetime(
    buf: bytes, pos: int = 0, local_zone: tzinfo = CENTRAL_EUROPE
) -> datetime | None:
    """The aware datetime of a 12-byte COSEM date-time, or None when not a point in time.

    Unspecified date fields (0xFF, 0xFFFF, DST markers 0xFD/0xFE) give None; unspecified
    time fields count as 0. With the deviation unspecified the wall clock is read in
    `local_zone`.
    """
    if pos + 12 > len(buf):
        return None
    year = _U16(buf, pos)[0]
    month, day = buf[pos + 2], buf[pos + 3]
    if year == 0xFFFF or not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    hour, minute, second, hundredths = buf[pos + 5 : pos + 9]
    if hour == 0xFF or minute == 0xFF:
        return None
    second = 0 if second == 0xFF else second
    micro = 0 if hundredths > 99 else hundredths * 10_000
    deviation = _DEVIATION(buf, pos + 9)[0]
    try:
        if deviation == DEVIATION_UNSPECIFIED or not -900 <= deviation <= 900:
            return datetime(year, month, day, hour, minute, second, micro, local_zone)
        return datetime(year, month, day, hour, minute, second, micro, _fixed_zone(-deviation))
    except ValueError:
        return None


def on_standard_time(moment: datetime) -> datetime:
    """A wall-clock time read in its zone, taken as that zone's standard time instead:
    for a clock that never moves forward in summer."""
    summer = moment.dst()
    if not summer:
        return moment
    offset = moment.utcoffset()
    assert offset is not None  # an aware time: its zone has an offset
    return moment.replace(tzinfo=_fixed_zone((offset - summer) // timedelta(minutes=1)))


def _fixed_zone(minutes: int) -> tzinfo:
    """The zone `minutes` ahead of UTC."""
    zone = _ZONES.get(minutes)
    if zone is None:
        zone = UTC if minutes == 0 else timezone(timedelta(minutes=minutes))
        _ZONES[minutes] = zone
    return zone


_ZONES: dict[int, tzinfo] = {}
