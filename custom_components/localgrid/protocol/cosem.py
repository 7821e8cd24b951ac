"""DLMS DATA-NOTIFICATION decoding: plaintext APDU -> Payload of normalised readings.

`0F <long-invoke-id u32> <date-time: 00 | 0C+12 | 09 0C+12> <one A-XDR Data element>`.
The Data element is read in whichever of the five payload layouts it uses:

1. flat `[OBIS, value, {scaler, unit}]...`, optionally a date-time first and a meter
   number last without OBIS (Netz NÖ Kaifa, Sagemcom T210-D);
2. nested `{OBIS, value[, {scaler, unit}]}` structures (Kaifa AT, Aidon, Iskra);
3. flat `[OBIS, value]` pairs with implicit units (L+G E450, Kamstrup);
4. a push-object list first, then the values in its order (Swiss VSE 2026);
5. positional lists without OBIS codes, matched against `layouts.POSITIONAL_LAYOUTS`.

Layouts 1-3 are one walk (OBIS codes may come flat or nested, scaler/unit optional);
implicit units come from `layouts.IMPLICIT_EXPONENTS` by maker.

Two bodies that are not valid A-XDR are read only after the A-XDR decode fails: lists of
values each named by an untagged attribute descriptor (Czech RS485 pushes), and nested
entries whose OBIS tag bytes a Landis+Gyr firmware writes swapped.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from decimal import Decimal
from math import isfinite
import re
from struct import Struct
from typing import TypeIs

from . import axdr, obis
from .axdr import CENTRAL_EUROPE, Value
from .layouts import (
    IMPLICIT_EXPONENTS,
    POSITIONAL_LAYOUTS,
    PUSH_LIST_EXPONENTS,
    STANDARD_TIME_MAKERS,
    PositionalLayout,
)
from .memo import remember
from .model import Payload, Reading

DATA_NOTIFICATION = 0x0F
CLOCK = "0-0:1.0.0"
METER_NUMBER = "0-0:96.1.0"
type Scaling = tuple[str, int]  # normalised unit, power of ten
# Which identifier becomes Payload.meter_id, best first: the serial printed on the meter
# (96.1.0, Kamstrup 0.0.5; Danish Kamstrup lists send it as a number, 0.0.1), then the
# logical device name, then the utility's id.
METER_ID_CODES = (
    "0-0:96.1.0",
    "1-1:0.0.5",
    "1-0:0.0.5",
    "1-1:0.0.1",
    "0-0:42.0.0",
    "0-0:96.1.1",
)
LIST_VERSION = "1-0:0.2.129"  # NVE list version id, e.g. Kamstrup_V0001, AIDON_V0001
# Identifiers that name the maker in their first three letters.
MAKER_CODES = ("0-0:42.0.0", "1-1:0.2.129", "1-0:0.2.129")


class ApduError(ValueError):
    """The bytes are not a valid plaintext DLMS APDU (corrupt, or decrypted with a wrong key)."""


class UnsupportedLayoutError(ApduError):
    """A valid DATA-NOTIFICATION whose payload layout is not known."""


def decode_apdu(
    apdu: bytes | memoryview,
    *,
    system_title: bytes | None = None,
    local_zone: tzinfo = CENTRAL_EUROPE,
) -> Payload:
    """Decode one plaintext DATA-NOTIFICATION APDU.

    `system_title` (from the ciphering header) names the maker when the payload does
    not; `local_zone` reads date-times whose deviation is unspecified.
    Raises ApduError (UnsupportedLayoutError for a valid APDU of an unknown layout).
    """
    buf = bytes(apdu)
    size = len(buf)
    if size < 7 or buf[0] != DATA_NOTIFICATION:
        raise ApduError("not a DATA-NOTIFICATION APDU")
    tag = buf[5]
    timestamp: datetime | None = None
    if tag == 0x00:
        pos = 6
    elif tag == 0x0C and size >= 18:
        timestamp = axdr.parse_datetime(buf, 6, local_zone)
        pos = 18
    elif tag == 0x09 and buf[6] == 0x0C and size >= 19:
        timestamp = axdr.parse_datetime(buf, 7, local_zone)
        pos = 19
    elif tag == 0x09 and buf[6] == 0x00:
        pos = 7
    else:
        raise ApduError(f"bad date-time field {tag:#04x} in the notification header")
    maker = system_title[:3].decode("latin-1").upper() if system_title else ""
    plan = _SCAN_PLANS.get(size - pos)
    values = None if plan is None else plan.read(buf, pos, size, maker, local_zone)
    if values is None:
        spans: list[Span] = []
        scan = _scan_obis(buf, pos, size, spans)
        if scan is not None:
            plan = _ScanPlan.build(buf, pos, size, scan, spans)
            values = {}
            _obis_values(scan, values, maker, local_zone)
            if plan is not None:
                plan.check_direct(buf, pos, values, local_zone)
            _remember(plan, size - pos)
    if values:
        return _payload(values, timestamp, maker, local_zone)
    raw: tuple[bytes, int, int] | None = (buf, pos, size)
    try:
        body, end = axdr.decode(buf, pos, size)
    except axdr.AxdrError as err:
        described = _descriptor_list(buf, pos, size, maker, local_zone)
        if described:
            return _payload(described, timestamp, maker, local_zone)
        body, end = _decode_swapped_tags(buf, pos, size, err)
        raw = None  # its data types are not the ones sent
    if end != size:
        raise ApduError(f"{size - end} bytes of garbage after the notification body")
    return _interpret(body, timestamp, maker, local_zone, raw)


# Landis+Gyr ZMF100 firmware writes some OBIS codes of `{OBIS, value, scaler_unit}`
# entries with the tag bytes swapped: `02 03 06 09 <OBIS>` for `02 03 09 06 <OBIS>`
# (esphome-libs/dlms_parser hdlc_landis_gyr_zmf100). Undone only for a body that does
# not decode as sent, so no valid body is read differently.
_SWAPPED_OBIS_TAG = re.compile(rb"(?<=\x02[\x02\x03])\x06\x09(?=[\x00-\x0f])")
_OBIS_TAG = b"\x09\x06"


def _decode_swapped_tags(buf: bytes, pos: int, size: int, err: axdr.AxdrError) -> tuple[Value, int]:
    """The body decoded with swapped OBIS tags undone; ApduError (`err`) when that fails too."""
    repaired = _SWAPPED_OBIS_TAG.sub(_OBIS_TAG, buf[pos:size])
    if repaired != buf[pos:size]:
        try:
            body, end = axdr.decode(repaired, 0, len(repaired))
        except axdr.AxdrError:
            pass
        else:
            return body, pos + end
    raise ApduError(str(err)) from None


# Czech pushes (Sagemcom XT211, the EG.D RS485 interface specification; esphome-libs
# dlms_parser raw_sagecom_xt211 and raw_egd_example) name each value by an attribute
# descriptor written without A-XDR tags: `[02 02 16 e] 01 n` then n times
# `02 02 <class u16> <OBIS> <attribute i8> <value>`. Not valid A-XDR, so read only for a
# body that does not decode as A-XDR.
_DESCRIPTOR_ENTRY = b"\x02\x02"


def _descriptor_list(
    buf: bytes, pos: int, end: int, maker: str, zone: tzinfo
) -> dict[str, Reading] | None:
    """Readings of an attribute-descriptor list; None for a body of another form."""
    if buf[pos : pos + 3] == b"\x02\x02\x16":
        pos += 4  # structure(2) opening with an enum (the list's version)
    if end - pos < 2 or buf[pos] != 0x01 or buf[pos + 1] >= 0x80:
        return None
    count = buf[pos + 1]
    pos += 2
    entries: list[tuple[str, Value]] = []
    try:
        for _ in range(count):
            if buf[pos : pos + 2] != _DESCRIPTOR_ENTRY or not _is_obis(buf[pos + 4 : pos + 10]):
                return None
            class_id = buf[pos + 2] << 8 | buf[pos + 3]
            raw_code = buf[pos + 4 : pos + 10]
            attribute = buf[pos + 10]
            value, pos = axdr.decode(buf, pos + 11, end)
            if _is_reading(class_id, attribute):
                entries.append((_code(raw_code), value))
    except IndexError, axdr.AxdrError:
        return None
    if pos != end or not entries:
        return None
    values: dict[str, Reading] = {}
    _unscaled_readings(entries, values, maker, zone)
    return values


def _unscaled_readings(
    entries: list[tuple[str, Value]], values: dict[str, Reading], maker: str, zone: tzinfo
) -> None:
    """Readings of values sent without scaler/unit (named by a descriptor or a push list):
    the maker's implicit units, mains voltages told by their magnitude."""
    unscaled_volts: list[str] = []
    for code, value in entries:
        reading = _reading(code, value, None, maker, zone)
        if reading is not None:
            values[code] = reading
            if reading.unit == "V":
                unscaled_volts.append(code)
    if unscaled_volts:
        _mains_voltages(values, unscaled_volts, maker)


def _interpret(
    body: Value,
    timestamp: datetime | None,
    maker: str,
    zone: tzinfo,
    raw: tuple[bytes, int, int] | None = None,
) -> Payload:
    """`raw` = (buffer, start, end) of the body as sent, where its data types are told."""
    if not isinstance(body, list) or not body:
        raise UnsupportedLayoutError(f"notification body is {_kinds(body)}, not a list")
    values: dict[str, Reading] = {}
    first = body[0]
    if isinstance(first, list) and first and _is_capture(first[0]):
        _push_list(first, body, values, maker, zone)
    elif (match := _positional_layout(body, raw)) is not None:
        _positional(match[1], body, values, zone)
    else:
        _obis_walk(body, values, maker, zone)
    if not values:
        raise UnsupportedLayoutError(f"no known layout for a body of kinds {_kinds(body)}")
    return _payload(values, timestamp, maker, zone)


def _payload(
    values: dict[str, Reading], timestamp: datetime | None, maker: str, zone: tzinfo
) -> Payload:
    """`maker`: named by the system title; `zone`: where times sent without deviation
    were read. (A list that names its maker has its own times read with it, see
    `_obis_values`; only the header's time is left to look up that name for.)"""
    if not maker and timestamp is not None and timestamp.tzinfo is zone:
        maker = _named_maker(values)
    if maker in STANDARD_TIME_MAKERS:
        timestamp = _on_standard_time(values, timestamp, zone)
    if timestamp is None:
        clock = values.get(CLOCK)
        if clock is not None and isinstance(clock.value, datetime):
            timestamp = clock.value
    return Payload(values, timestamp, _meter_id(values))


def _named_maker(values: dict[str, Reading]) -> str:
    return _maker((code, values[code].value, None) for code in MAKER_CODES if code in values)


def _on_standard_time(
    values: dict[str, Reading], timestamp: datetime | None, zone: tzinfo
) -> datetime | None:
    """The times read in `zone` (sent without deviation), in `values` and the returned
    `timestamp`, as the zone's standard time (see STANDARD_TIME_MAKERS)."""
    for code, reading in values.items():  # only times move; the dict is this call's own
        moment = reading.value
        if isinstance(moment, datetime) and moment.tzinfo is zone:
            values[code] = Reading(axdr.on_standard_time(moment), reading.unit)
    if timestamp is not None and timestamp.tzinfo is zone:
        timestamp = axdr.on_standard_time(timestamp)
    return timestamp


def _meter_id(values: dict[str, Reading]) -> str | None:
    for code in METER_ID_CODES:
        reading = values.get(code)
        if reading is None:
            continue
        value = reading.value
        if isinstance(value, str) and value:
            return value
        if isinstance(value, Decimal) and value >= 0 and value == value.to_integral_value():
            return str(int(value))  # a meter number sent as an unsigned integer
    return None


# ---- layouts 1-3: OBIS codes flat or nested, scaler/unit optional ----------------------


type Entry = tuple[str, Value, Scaling | None]  # OBIS code, value, scaler/unit if sent
# entries, elements without OBIS by index, the first element, element count, implicit units
type Scan = tuple[list[Entry], list[tuple[int, Value]], Value, int, bool]


def _obis_walk(body: list[Value], values: dict[str, Reading], maker: str, zone: tzinfo) -> None:
    entries: list[Entry] = []
    strays: list[tuple[int, Value]] = []
    implicit = False  # some value comes without scaler/unit: its maker decides
    count = len(body)
    i = 0
    while i < count:
        item = body[i]
        if type(item) is list:
            head = item[0] if 2 <= len(item) <= 3 else None
            if type(head) is bytes and len(head) == 6 and head[0] <= 15:  # see _is_obis
                scaling = _scaling(item[2]) if len(item) == 3 else None
                implicit = implicit or scaling is None
                entries.append((_CODES.get(head) or _code(head), item[1], scaling))
            else:
                strays.append((i, item))
            i += 1
        elif i + 1 < count and type(item) is bytes and len(item) == 6 and item[0] <= 15:
            scaling = _scaling(body[i + 2]) if i + 2 < count else None
            implicit = implicit or scaling is None
            entries.append((_CODES.get(item) or _code(item), body[i + 1], scaling))
            i += 3 if scaling is not None else 2
        else:
            strays.append((i, item))
            i += 1
    _obis_values((entries, strays, body[0], count, implicit), values, maker, zone)


def _obis_values(scan: Scan, values: dict[str, Reading], maker: str, zone: tzinfo) -> None:
    """Readings of a scan: the OBIS entries, the elements without OBIS (`strays`, by
    index) of a body of `count` elements opening with `first`; `implicit`: some entry
    has no scaler/unit."""
    entries, strays, first, count, implicit = scan
    if entries and entries[0][0].endswith(":25.9.0"):
        # A list opening with its push setup's OBIS (Austrian positional lists) names
        # itself: the element after it is no value of that object. A list of that kind
        # with no table entry is unknown, not a one-reading telegram.
        del entries[0]
    if not entries:
        return
    # A list may open with its version id without OBIS (Kamstrup_V0001): it names the maker.
    if _is_text(first):
        entries.insert(0, (LIST_VERSION, first, None))
        strays.pop(0)
    if implicit:
        maker = _maker(entries) or maker
    scale = obis.scale
    unscaled_volts: list[str] = []
    for code, value, scaling in entries:
        if type(value) is int:  # the common case, inline
            if scaling is None:
                unit, exponent = _implicit(code, maker)
                if unit == "V":
                    unscaled_volts.append(code)
            else:
                unit, exponent = scaling
            values[code] = Reading(scale(value, exponent), unit)
            continue
        reading = _reading(code, value, scaling, maker, zone)
        if reading is not None:
            values[code] = reading
    if unscaled_volts:
        _mains_voltages(values, unscaled_volts, maker)
    _stray_values(strays, count, values, zone)
    if maker in STANDARD_TIME_MAKERS:
        _on_standard_time(values, None, zone)


def _stray_values(
    strays: list[tuple[int, Value]], count: int, values: dict[str, Reading], zone: tzinfo
) -> None:
    """Layout 1 leaves the date-time first and the meter number last without OBIS."""
    for index, item in strays:
        if type(item) is bytes and axdr.is_datetime(item) and index == 0:
            reading = _datetime_reading(item, zone)
            if reading is not None:
                values.setdefault(CLOCK, reading)
        elif index == count - 1 and isinstance(item, bytes | str) and item:
            values.setdefault(METER_NUMBER, Reading(_text(item)))


def _scan_obis(buf: bytes, pos: int, end: int, spans: list[Span] | None = None) -> Scan | None:
    """Layouts 1-3 read straight from the bytes: _obis_values' arguments, as _obis_walk
    finds them in the decoded tree, without building the tree.

    Only the plain shapes are read here (OBIS octet-strings, `{scaler, unit}` as
    `02 02 0F s 16 u`, nested `{OBIS, value[, scaler_unit]}`); on anything else, or a
    body that a push-object list or positional layout could claim, None: the tree walk
    decides (and words the error). The `first` element of a nested body is given as
    None, which is as little text as the structure it stands for. `spans` receives
    where each value of the scan was read.
    """
    try:
        if buf[pos] not in (1, 2) or not 0 < buf[pos + 1] < 0x80:
            return None
        count = buf[pos + 1]
        pos += 2
        if count in (_LIST_FIRST_COUNTS if buf[pos] == 2 else _LAYOUTS_BY_LENGTH):
            return None
        entries: list[Entry] = []
        strays: list[tuple[int, Value]] = []
        implicit = False
        first: Value = None
        heads = _HEADS
        u32 = _U32
        scaler_units = _SCALER_UNITS
        decode = axdr.decode
        i = 0
        while i < count:
            tag = buf[pos]
            if tag == 9 and i + 1 < count:
                head = buf[pos : pos + 8]  # flat: OBIS, value[, scaler_unit]?
            elif tag == 2:
                head = buf[pos : pos + 10]  # nested: {OBIS, value[, scaler_unit]}?
            else:
                head = b""
            known = heads.get(head) or _entry_head(head)
            if known is None:
                if tag in (1, 2, 0x13) or (tag == 9 and buf[pos + 1] >= 0x80):
                    return None  # another structure or encoding: the tree walk judges it
                start = pos
                value, pos = decode(buf, pos, end)  # no OBIS: date-time, meter number...
                strays.append((i, value))
                if spans is not None:
                    spans.append((start, pos, True))
                if not i:
                    first = value
                i += 1
                continue
            size, code = known
            pos += len(head)
            start = pos
            tag = buf[pos]
            if tag == 6 and pos + 5 <= end:  # double-long-unsigned, most registers
                value = u32(buf, pos + 1)[0]
                pos += 5
            elif tag == 0x12 and pos + 3 <= end:  # long-unsigned
                value = buf[pos + 1] << 8 | buf[pos + 2]
                pos += 3
            else:
                value, pos = decode(buf, pos, end)
            if spans is not None:
                spans.append((start, pos, False))
            scaling = None
            if size == 3 or (not size and i + 2 < count):
                if buf[pos] == 2:
                    chunk = buf[pos : pos + 6]
                    scaling = scaler_units.get(chunk) or _scaler_unit(chunk)
                if scaling is not None:
                    pos += 6
                elif size or buf[pos] in (1, 2):
                    return None  # not the plain scaler_unit encoding
            if size:
                i += 1
            else:
                if not i:
                    first = head[2:]
                i += 2 if scaling is None else 3
            if pos > end:
                return None
            implicit = implicit or scaling is None
            entries.append((code, value, scaling))
    except IndexError, axdr.AxdrError:
        return None
    if pos != end or not entries:
        return None
    return entries, strays, first, count, implicit


# ---- scan plans: a meter sends the same structure in every telegram, only values change --
# A plan is one struct format for a whole body that _scan_obis has read: every byte but
# the values is a literal field that must match, so a body that fits is one of the same
# structure, and its values are all unpacked by one call.

type Span = tuple[int, int, bool]
"""Where _scan_obis read a value: its tag's index, the index after it, whether a stray."""
# (stray index or -1 for an entry, entry code, scaling, text encoding, guard): guard marks
# a 6-byte octet string where an OBIS code could stand: the scan takes it for one if it
# starts <= 15.
type _ScanStep = tuple[int, str, Scaling | None, str | None, bool]
_PLAIN_FORMATS = {
    0x03: "?",
    0x05: "i",
    0x06: "I",
    0x0D: "b",
    0x0F: "b",
    0x10: "h",
    0x11: "B",
    0x12: "H",
    0x14: "q",
    0x15: "Q",
    0x16: "B",
    0x17: "f",
    0x18: "d",
}
"""Fixed-size A-XDR types as struct formats (as axdr decodes them, big-endian)."""
_STRING_ENCODINGS = {0x09: None, 0x0A: "latin-1", 0x0C: "utf-8"}
_INTEGER_FORMATS = frozenset("bhiqBHIQ")
_MAX_SCAN_PLANS = 64


class _ScanPlan:
    """How to read the bodies of one structure: what _scan_obis would return for them,
    and the readings _obis_values makes of that."""

    __slots__ = (
        "_count",
        "_direct",
        "_first",
        "_implicit",
        "_literals",
        "_size",
        "_steps",
        "_unpack",
    )

    def __init__(
        self,
        layout: str,
        literals: tuple[bytes, ...],
        steps: tuple[_ScanStep, ...],
        scan: Scan,
    ) -> None:
        structure = Struct(layout)
        self._unpack = structure.unpack_from
        self._size = structure.size
        self._literals = literals
        self._steps = steps
        _entries, _strays, self._first, self._count, self._implicit = scan
        self._direct: tuple[tuple[str | None, Decimal | None, _ScanStep], ...] | None = None
        """Each step after the unit and factor (None: 1) of a scaled integer, or after
        None, None; set when no reading depends on the maker (`read` then makes the
        readings without the scan)."""

    @classmethod
    def build(
        cls, buf: bytes, pos: int, end: int, scan: Scan, spans: list[Span]
    ) -> _ScanPlan | None:
        """The plan of a body that _scan_obis read as `scan`; None if it has no plan.

        Its readings are not made directly before `check_direct` has compared them."""
        entries, strays, first, count, _implicit = scan
        if strays and strays[0][0] == 0:
            first = None  # read from each body
        layout = [">"]
        literals: list[bytes] = []
        steps: list[_ScanStep] = []
        numbers: list[_Number | None] = []
        direct = True  # no reading depends on the maker
        done = pos
        entry_codes = iter(entries)
        stray_indexes = iter(strays)
        for start, stop, stray in spans:
            tag = buf[start]
            encoding = None
            if tag in _PLAIN_FORMATS:
                field = start + 1
                layout_code = _PLAIN_FORMATS[tag]
            elif tag in _STRING_ENCODINGS and buf[start + 1] < 0x80:
                field = start + 2
                layout_code = f"{stop - field}s"
                encoding = _STRING_ENCODINGS[tag]
            else:
                return None  # null, bit-string, a long string...: no plan
            layout.append(f"{field - done}s{layout_code}")
            integer = layout_code in _INTEGER_FORMATS
            literals.append(buf[done:field])
            done = stop
            if stray:
                index = next(stray_indexes)[0]
                guard = tag == 0x09 and stop - field == 6 and index + 1 < count
                steps.append((index, "", None, encoding, guard))
            else:
                code, _value, scaling = next(entry_codes)
                steps.append((-1, code, scaling, encoding, False))
                # Numbers without scaler/unit take the maker's units.
                number = integer or layout_code in {"f", "d"}
                direct = direct and (scaling is not None or not number)
            numbers.append(_number(scaling) if integer and not stray else None)
        layout.append(f"{end - done}s")
        literals.append(buf[done:end])
        plan = cls(
            "".join(layout),
            tuple(literals),
            tuple(steps),
            (entries, strays, first, count, _implicit),
        )
        # A plan must read its own body exactly as the scan did, or it is not kept.
        if repr(plan.scan(buf, pos, end)) != repr(scan):
            return None
        if direct and not (first is not None and _is_text(first)):  # see _obis_values
            plan._direct = tuple(
                (*(number or (None, None)), step)
                for number, step in zip(numbers, steps, strict=True)
            )
        return plan

    def check_direct(self, buf: bytes, pos: int, values: dict[str, Reading], zone: tzinfo) -> None:
        """Keep making readings directly only if that gives `values` for this body."""
        if self._direct is not None:
            read = self.read(buf, pos, pos + self._size, "", zone)
            if read is None or repr(list(read.items())) != repr(list(values.items())):
                self._direct = None

    def scan(self, buf: bytes, pos: int, end: int) -> Scan | None:
        """_scan_obis' result for a body of this structure, None for any other body."""
        if end - pos != self._size:
            return None
        fields = self._unpack(buf, pos)
        if fields[0::2] != self._literals:
            return None
        entries: list[Entry] = []
        strays: list[tuple[int, Value]] = []
        for (index, code, scaling, encoding, guard), field in zip(
            self._steps, fields[1::2], strict=True
        ):
            value: Value = field if encoding is None else field.decode(encoding, "replace")
            if index < 0:
                entries.append((code, value, scaling))
            elif guard and field[0] <= 15:
                return None
            else:
                strays.append((index, value))
        first = strays[0][1] if strays and strays[0][0] == 0 else self._first
        return entries, strays, first, self._count, self._implicit

    def read(
        self, buf: bytes, pos: int, end: int, maker: str, zone: tzinfo
    ) -> dict[str, Reading] | None:
        """_obis_values' readings of this body's scan, None for a body of another structure."""
        direct = self._direct
        if direct is None:
            scan = self.scan(buf, pos, end)
            if scan is None:
                return None
            values: dict[str, Reading] = {}
            _obis_values(scan, values, maker, zone)
            return values
        if end - pos != self._size:
            return None
        fields = self._unpack(buf, pos)
        if fields[0::2] != self._literals:
            return None
        values = {}
        strays: list[tuple[int, Value]] = []
        decimal = Decimal
        for (unit, factor, step), field in zip(direct, fields[1::2], strict=True):
            if unit is not None:  # the common case: obis.scale inline
                amount = decimal(field)
                values[step[1]] = Reading(amount if factor is None else amount * factor, unit)
                continue
            index, code, scaling, encoding, guard = step
            if index < 0 and type(field) is bytes and (same := _SAME_TEXTS.get(field)):
                values[code] = same  # an identifier read from an earlier telegram
                continue
            value: Value = field if encoding is None else field.decode(encoding, "replace")
            if index < 0:
                reading = _reading(code, value, scaling, maker, zone)
                if reading is not None:
                    values[code] = reading
                    if (
                        type(field) is bytes
                        and _printable(field)
                        and reading.value == field.decode("ascii")
                        and not reading.unit
                    ):
                        remember(_SAME_TEXTS, field, reading, _MAX_SAME_TEXTS)
            elif guard and field[0] <= 15:
                return None
            elif not index and _is_text(value):  # a list's version id: first, with its code
                values[LIST_VERSION] = Reading(_text(value))
            else:
                strays.append((index, value))
        if strays:
            _stray_values(strays, self._count, values, zone)
        return values


# Identifiers and versions: the same bytes in every telegram of a meter, so each is read
# once and its Reading shared by the telegrams (readings are never changed once made).
# Only printable ASCII read as sent goes here, which octet, visible and UTF-8 strings all
# read alike: never hex text or a date-time.
_SAME_TEXTS: dict[bytes, Reading] = {}
_MAX_SAME_TEXTS = 256
"""The dict starts anew when full; a meter sends a handful."""


type _Number = tuple[str, Decimal | None]
"""An integer's unit and the factor obis.scale multiplies it by (None: 1)."""


def _number(scaling: Scaling | None) -> _Number | None:
    if scaling is None:
        return None
    unit, exponent = scaling
    factor = obis.power_of_ten(exponent) if exponent else None
    return None if exponent and factor is None else (unit, factor)


_SCAN_PLANS: dict[int, _ScanPlan] = {}
"""By body length: one structure per length in practice."""


def _remember(plan: _ScanPlan | None, length: int) -> None:
    if plan is None:
        _SCAN_PLANS.pop(length, None)
        return
    if len(_SCAN_PLANS) >= _MAX_SCAN_PLANS:
        del _SCAN_PLANS[next(iter(_SCAN_PLANS))]
    _SCAN_PLANS[length] = plan


_U32 = Struct(">I").unpack_from
# Entry heads: `09 06 OBIS` -> (0, code); `02 size 09 06 OBIS` -> (size, code).
_HEADS: dict[bytes, tuple[int, str]] = {}


def _entry_head(head: bytes) -> tuple[int, str] | None:
    """What an entry's first bytes say, if they open a flat or nested OBIS entry."""
    if len(head) == 8 and head[:2] == b"\x09\x06" and head[2] <= 15:
        found = (0, _code(head[2:]))
    elif len(head) == 10 and head[:1] == b"\x02" and 2 <= head[1] <= 3:
        if head[2:4] != b"\x09\x06" or head[4] > 15:
            return None
        found = (head[1], _code(head[4:]))
    else:
        return None
    if len(_HEADS) < 4096:
        _HEADS[head] = found
    return found


_SCALER_UNITS: dict[bytes, Scaling] = {}


def _scaler_unit(chunk: bytes) -> Scaling | None:
    """The scaling of the bytes `02 02 0F s 16 u` (a scaler_unit); None for other bytes."""
    if len(chunk) != 6 or chunk[:3] != b"\x02\x02\x0f" or chunk[4] != 0x16:
        return None
    scaler = chunk[3]
    found = obis.dlms_scaling(chunk[5], scaler - 256 if scaler > 127 else scaler)
    if len(_SCALER_UNITS) < 4096:
        _SCALER_UNITS[chunk] = found
    return found


def _maker(entries: Iterable[tuple[str, object, object]]) -> str:
    """The maker an identifier among (code, value, ...) entries names, "" if none."""
    for code, value, _scaling in entries:
        if code in MAKER_CODES and isinstance(value, bytes | str) and len(value) >= 3:
            return _text(value)[:3].upper()
    return ""


def _is_obis(item: Value) -> TypeIs[bytes]:
    # A is 0..15 by IEC 62056-6-1; this also keeps 6-character ASCII ids ("160456") out.
    return type(item) is bytes and len(item) == 6 and item[0] <= 15


def _scaling(item: Value) -> Scaling | None:
    """{scaler i8, unit enum} -> (normalised unit, power of ten); None for anything else."""
    if type(item) is list and len(item) == 2:
        scaler, unit = item
        if type(scaler) is int and type(unit) is int and -128 <= scaler <= 127:
            return obis.dlms_scaling(unit, scaler)
    return None


_CODES: dict[bytes, str] = {}


def _code(raw: bytes) -> str:
    """`A-B:C.D.E` for a 6-byte OBIS code (`*F` appended when F is not 255)."""
    code = _CODES.get(raw)
    if code is None:
        a, b, c, d, e, f = raw
        code = f"{a}-{b}:{c}.{d}.{e}" if f == 255 else f"{a}-{b}:{c}.{d}.{e}*{f}"
        if len(_CODES) < 4096:
            _CODES[raw] = code
    return code


# ---- values -----------------------------------------------------------------------------


def _reading(
    code: str, value: Value, scaling: Scaling | None, maker: str, zone: tzinfo
) -> Reading | None:
    if type(value) is int or type(value) is float:
        if type(value) is float and not isfinite(value):
            return None  # NaN or infinity is no measurement
        unit, exponent = scaling or _implicit(code, maker)
        return Reading(obis.scale(value, exponent), unit)
    if isinstance(value, bytes):
        if len(value) == 12 and not _printable(value) and axdr.is_datetime(value):
            return _datetime_reading(value, zone)
        return Reading(_text(value))
    if isinstance(value, str):
        return Reading(_text(value))
    if isinstance(value, bool):
        return Reading(Decimal(int(value)))
    return None  # null, nested lists: nothing a user reads


_IMPLICIT: dict[tuple[str, str], tuple[str, int]] = {}
_PUSH_LIST_MAKER = "push list"  # pseudo-maker: PUSH_LIST_EXPONENTS
_EXPONENTS = {**IMPLICIT_EXPONENTS, _PUSH_LIST_MAKER: PUSH_LIST_EXPONENTS}


def _implicit(code: str, maker: str) -> tuple[str, int]:
    """Unit and power of ten of a register sent without scaler/unit."""
    key = (code, maker)
    found = _IMPLICIT.get(key)
    if found is None:
        quantity = obis.register_kind_of(code)
        wire_unit = obis.WIRE_UNIT_BY_KIND.get(quantity.kind) if quantity else None
        if quantity is None or wire_unit is None:
            found = ("", 0)
        else:
            exponent = _EXPONENTS.get(maker, {}).get(quantity.kind, 0)
            found = obis.dlms_scaling(wire_unit, exponent)
        if len(_IMPLICIT) < 4096:
            _IMPLICIT[key] = found
    return found


_MAINS_VOLTAGE_LIMIT = 1000  # V: no phase of a low-voltage supply reaches it


def _mains_voltages(values: dict[str, Reading], codes: list[str], maker: str) -> None:
    """Voltages sent without scaler by a maker whose resolution is not known, by magnitude.

    L+G sends 1 V from an E450 and 0.1 V from an E360 under the same maker id; a mains
    phase voltage is below 1000 V, so the telegram's largest one tells the resolution.
    """
    if "voltage" in _EXPONENTS.get(maker, {}):
        return
    numbers = {code: number for code in codes if isinstance(number := values[code].value, Decimal)}
    if not numbers:
        return
    shift = 0
    largest = max(numbers.values())
    while largest >= _MAINS_VOLTAGE_LIMIT and shift > -3:
        largest = largest.scaleb(-1)
        shift -= 1
    for code, number in numbers.items() if shift else ():
        values[code] = Reading(number.scaleb(shift), "V")


def _datetime_reading(raw: bytes, zone: tzinfo) -> Reading | None:
    moment = axdr.parse_datetime(raw, 0, zone)
    return Reading(moment) if moment is not None else None


def _is_text(item: Value) -> TypeIs[str | bytes]:
    return type(item) is str or (type(item) is bytes and _printable(item))


def _printable(raw: bytes) -> bool:
    return raw.isascii() and raw.decode("ascii").isprintable()


def _text(raw: bytes | str) -> str:
    """An identifier as text: ASCII as is, binary as upper-case hex.

    Fixed-size fields come padded with NUL bytes (L+G: `RATE2` in 8 bytes, a serial
    number in 16): the padding is not part of the text."""
    if isinstance(raw, str):
        return raw.rstrip("\x00") or raw
    if _printable(raw):
        return raw.decode("ascii")
    text = raw.rstrip(b"\x00")
    return text.decode("ascii") if text and _printable(text) else raw.hex().upper()


# ---- layout 4: push-object list first ---------------------------------------------------

PUSH_SETUP_CLASS = 40
CLOCK_CLASS = 8
VALUE_ATTRIBUTE = 2
# Classes whose reading is another attribute: disconnect control (70) sends its
# control_state (attribute 3: 0 disconnected, 1 connected, 2 ready), as DSMR's
# 0-0:96.3.10 does, besides output_state (2); limiter (71) its threshold_active (3).
_READING_ATTRIBUTES: dict[int, tuple[int, ...]] = {70: (2, 3), 71: (3,)}
_VALUE_ONLY = (VALUE_ATTRIBUTE,)


def _is_reading(class_id: object, attribute: object) -> bool:
    """Whether a captured attribute is one a user reads (push setups never are)."""
    if type(class_id) is not int or class_id == PUSH_SETUP_CLASS:
        return False
    return attribute in _READING_ATTRIBUTES.get(class_id, _VALUE_ONLY)


def _is_capture(item: Value) -> bool:
    """{class u16, OBIS, attribute i8, data-index u16}."""
    return (
        type(item) is list
        and len(item) == 4
        and type(item[0]) is int
        and type(item[2]) is int
        and type(item[1]) is bytes
        and len(item[1]) == 6
    )


def _push_list(
    captures: list[Value],
    body: list[Value],
    values: dict[str, Reading],
    maker: str,
    zone: tzinfo,
) -> None:
    if not all(_is_capture(capture) for capture in captures):
        raise UnsupportedLayoutError("malformed push-object list")
    # The first capture is usually the push setup's own object list, i.e. body[0].
    offset = len(captures) - len(body) + 1
    if offset not in (0, 1):
        raise UnsupportedLayoutError(
            f"push-object list names {len(captures)} objects, body has {len(body) - 1} values"
        )
    entries: list[tuple[str, Value]] = []
    for index in range(1, len(body)):
        capture = captures[index - 1 + offset]
        assert isinstance(capture, list)  # checked by _is_capture
        class_id, raw_code, attribute = capture[0], capture[1], capture[2]
        if not _is_reading(class_id, attribute) or not _is_obis(raw_code):
            continue
        entries.append((_code(raw_code), body[index]))
    maker = _maker([(code, value, None) for code, value in entries]) or maker
    if maker not in IMPLICIT_EXPONENTS:
        maker = _PUSH_LIST_MAKER
    _unscaled_readings(entries, values, maker, zone)


# ---- layout 5: positional lists -----------------------------------------------------------

# Per layout, what each position becomes: (code, normalised unit, power of ten) or None.
type Plan = tuple[tuple[str, str, int] | None, ...]


def _plan(layout: PositionalLayout) -> Plan:
    plan: list[tuple[str, str, int] | None] = []
    for slot in layout.slots:
        if slot is None:
            plan.append(None)
            continue
        unit, shift = obis.UNIT_NORMALISATION.get(slot.unit, (slot.unit, 0))
        plan.append((slot.code, unit, slot.exponent + shift))
    return tuple(plan)


_LAYOUTS_BY_LENGTH: dict[int, list[tuple[PositionalLayout, Plan]]] = {}
for _layout in POSITIONAL_LAYOUTS:
    _LAYOUTS_BY_LENGTH.setdefault(len(_layout.kinds), []).append((_layout, _plan(_layout)))


def _positional_layout(
    body: list[Value], raw: tuple[bytes, int, int] | None = None
) -> tuple[PositionalLayout, Plan] | None:
    tags: list[int] | None = None
    for layout, plan in _LAYOUTS_BY_LENGTH.get(len(body), ()):
        if layout.head is not None and body[0] != layout.head:
            continue
        if not all(_fits(kind, item) for kind, item in zip(layout.kinds, body, strict=True)):
            continue
        if "s" in layout.kinds:
            if tags is None:
                tags = _element_tags(raw, len(body))
            if tags and any(
                kind == "s" and tag not in _SHORT_INTEGERS
                for kind, tag in zip(layout.kinds, tags, strict=True)
            ):
                continue
        return layout, plan
    return None


_SHORT_INTEGERS = frozenset((0x10, 0x12))  # long, long-unsigned


def _element_tags(raw: tuple[bytes, int, int] | None, count: int) -> list[int]:
    """The data-type tag of each element of the list `raw` holds ([] if not told)."""
    if raw is None:
        return []
    buf, pos, end = raw
    if buf[pos] not in (1, 2) or buf[pos + 1] != count or count >= 0x80:
        return []
    pos += 2
    tags = []
    for _ in range(count):
        tags.append(buf[pos])
        pos = axdr.decode(buf, pos, end)[1]
    return tags


def _fits(kind: str, item: Value) -> bool:
    if kind in "is":  # "s" is checked against the data type in _positional_layout
        return type(item) is int
    if kind == "o":
        # An identifier, never a date-time: a list naming itself and then carrying its
        # clock (Siemens IM350 of Wiener Netze) is not a list of two identifiers.
        return type(item) is str or (type(item) is bytes and not axdr.is_datetime(item))
    if kind == "t":
        return type(item) is bytes and axdr.is_datetime(item)
    return True


# Body lengths at which a positional layout could claim a body opening with a structure.
_LIST_FIRST_COUNTS = frozenset(
    len(layout.kinds)
    for layout in POSITIONAL_LAYOUTS
    if layout.head is None and _fits(layout.kinds[0], [])
)


def _positional(plan: Plan, body: list[Value], values: dict[str, Reading], zone: tzinfo) -> None:
    scale = obis.scale
    for step, item in zip(plan, body, strict=True):
        if step is None:
            continue
        code, unit, exponent = step
        if type(item) is int:
            values[code] = Reading(scale(item, exponent), unit)
        elif type(item) is bytes:
            if not item or (code != CLOCK and axdr.is_datetime(item)):
                continue  # an identifier the meter leaves empty, or a time in its place
            reading = _datetime_reading(item, zone) if code == CLOCK else Reading(_text(item))
            if reading is not None:
                values[code] = reading
        elif type(item) is str and item:
            values[code] = Reading(_text(item))


def _kinds(body: Value) -> str:
    """A short description of a body's shape for error messages."""
    if not isinstance(body, list):
        return type(body).__name__
    return "[" + ",".join(type(item).__name__ for item in body[:24]) + "]"
