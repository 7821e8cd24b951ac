"""OpenTherm Gateway (OTGW) line codec: report lines, summaries, replies and messages.

The gateway prints ASCII lines; `LineSplitter` cuts its byte stream into lines and
`classify` turns each line into one of:

- `Frame`: a report line `T|B|R|A|E` + 8 hex digits (the 32-bit OpenTherm frame),
- `Summary`: the comma-separated answer to `PS=1` (34-field and 25-field forms),
- `Reply`: a command reply `XX: value`, or a bare `SE`/`OE` (then `code` is ""),
- `Message`: banner, `Error 0x`, thermostat (dis)connected, power level, `WDT reset!`,
- `Invalid`: anything else (truncated, glued, non-ASCII, bad parity). Never raised.

Values (`Value`): f8.8 ids give a float (signed, /256), u16/s16 ids an int, every two-byte
id (flags, u8/u8, s8/s8, special) a tuple `(high byte, low byte)` with s8 bytes signed.
Ids missing from `DATA_IDS` are decoded as u8/u8.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
import re
from typing import Final

type Value = float | int | tuple[int, int]


class Source(StrEnum):
    """The letter in front of a report line."""

    THERMOSTAT = "T"  # frame received from the thermostat, as received
    BOILER = "B"  # frame received from the boiler, as received
    REQUEST = "R"  # request the gateway sent to the boiler instead of the thermostat's
    ANSWER = "A"  # answer the gateway sent to the thermostat instead of the boiler's
    ERROR = "E"  # an erroneous frame printed after `Error 02`/`Error 04`: never data


class Side(StrEnum):
    """Which device a frame tells about."""

    THERMOSTAT = "thermostat"
    BOILER = "boiler"


class MsgType(IntEnum):
    """OpenTherm message type (frame bits 30-28)."""

    READ_DATA = 0
    WRITE_DATA = 1
    INVALID_DATA = 2
    RESERVED = 3
    READ_ACK = 4
    WRITE_ACK = 5
    DATA_INVALID = 6
    UNKNOWN_DATAID = 7

    @property
    def label(self) -> str:
        """The name as the gateway tools print it, e.g. `READ-ACK`."""
        return self.name.replace("_", "-")


class Encoding(StrEnum):
    """How the 16 data bits of an id are encoded (high byte / low byte)."""

    F88 = "f8.8"
    U16 = "u16"
    S16 = "s16"
    FLAG8_FLAG8 = "flag8/flag8"
    FLAG8_U8 = "flag8/u8"
    U8_U8 = "u8/u8"
    S8_S8 = "s8/s8"
    SPECIAL = "special"  # two bytes with their own layout (ids 20, 99): kept as (hb, lb)

    @property
    def two_bytes(self) -> bool:
        """True when the value is a (high byte, low byte) pair."""
        return self not in (Encoding.F88, Encoding.U16, Encoding.S16)


@dataclass(frozen=True, slots=True)
class DataId:
    """One OpenTherm data-id: name, encoding and unit ("" when none)."""

    id: int
    name: str
    encoding: Encoding
    unit: str = ""


_F, _U16, _S16 = Encoding.F88, Encoding.U16, Encoding.S16
_FF, _FU, _UU, _SS, _SP = (
    Encoding.FLAG8_FLAG8,
    Encoding.FLAG8_U8,
    Encoding.U8_U8,
    Encoding.S8_S8,
    Encoding.SPECIAL,
)
_C = "°C"
# OpenTherm v4.2 §5.4 data-id map, plus the remote-parameter ids 50-63 of OT 2.x (as
# otmonitor, the gateway author's client, registers them). Id 30 is s16 as in the §5.3
# detail table and otmonitor, although the §5.4 map lists it as f8.8.
_TABLE: tuple[tuple[int, str, Encoding, str], ...] = (
    (0, "status", _FF, ""),
    (1, "control_setpoint", _F, _C),
    (2, "master_config", _FU, ""),
    (3, "slave_config", _FU, ""),
    (4, "remote_request", _UU, ""),
    (5, "fault_flags_oem_code", _FU, ""),
    (6, "remote_param_flags", _FF, ""),
    (7, "cooling_control", _F, "%"),
    (8, "control_setpoint_ch2", _F, _C),
    (9, "remote_override_room_setpoint", _F, _C),
    (10, "tsp_count", _UU, ""),
    (11, "tsp_entry", _UU, ""),
    (12, "fault_history_size", _UU, ""),
    (13, "fault_history_entry", _UU, ""),
    (14, "max_rel_modulation_setting", _F, "%"),
    (15, "max_capacity_min_modulation", _UU, "kW/%"),
    (16, "room_setpoint", _F, _C),
    (17, "relative_modulation_level", _F, "%"),
    (18, "ch_water_pressure", _F, "bar"),
    (19, "dhw_flow_rate", _F, "l/min"),
    (20, "day_time", _SP, ""),
    (21, "date", _UU, ""),
    (22, "year", _U16, ""),
    (23, "room_setpoint_ch2", _F, _C),
    (24, "room_temperature", _F, _C),
    (25, "boiler_flow_water_temperature", _F, _C),
    (26, "dhw_temperature", _F, _C),
    (27, "outside_temperature", _F, _C),
    (28, "return_water_temperature", _F, _C),
    (29, "solar_storage_temperature", _F, _C),
    (30, "solar_collector_temperature", _S16, _C),
    (31, "flow_temperature_ch2", _F, _C),
    (32, "dhw2_temperature", _F, _C),
    (33, "exhaust_temperature", _S16, _C),
    (34, "heat_exchanger_temperature", _F, _C),
    (35, "fan_speed", _UU, "Hz"),
    (36, "flame_current", _F, "µA"),
    (37, "room_temperature_ch2", _F, _C),
    (38, "relative_humidity", _F, "%"),
    (39, "remote_override_room_setpoint_2", _F, _C),
    (48, "dhw_setpoint_bounds", _SS, _C),
    (49, "max_ch_setpoint_bounds", _SS, _C),
    (50, "otc_heat_curve_ratio_bounds", _SS, ""),
    (51, "remote_param_4_bounds", _SS, ""),
    (52, "remote_param_5_bounds", _SS, ""),
    (53, "remote_param_6_bounds", _SS, ""),
    (54, "remote_param_7_bounds", _SS, ""),
    (55, "remote_param_8_bounds", _SS, ""),
    (56, "dhw_setpoint", _F, _C),
    (57, "max_ch_water_setpoint", _F, _C),
    (58, "otc_heat_curve_ratio", _F, ""),
    (59, "remote_param_4", _F, ""),
    (60, "remote_param_5", _F, ""),
    (61, "remote_param_6", _F, ""),
    (62, "remote_param_7", _F, ""),
    (63, "remote_param_8", _F, ""),
    (70, "vh_status", _FF, ""),
    (71, "vh_control_setpoint", _UU, "%"),
    (72, "vh_fault_flags_oem_code", _FU, ""),
    (73, "vh_diagnostic_code", _U16, ""),
    (74, "vh_config_member_id", _FU, ""),
    (75, "vh_opentherm_version", _F, ""),
    (76, "vh_product_version", _UU, ""),
    (77, "relative_ventilation", _UU, "%"),
    (78, "relative_humidity_exhaust", _UU, "%"),
    (79, "co2_level_exhaust", _U16, "ppm"),
    (80, "supply_inlet_temperature", _F, _C),
    (81, "supply_outlet_temperature", _F, _C),
    (82, "exhaust_inlet_temperature", _F, _C),
    (83, "exhaust_outlet_temperature", _F, _C),
    (84, "exhaust_fan_speed", _U16, "rpm"),
    (85, "supply_fan_speed", _U16, "rpm"),
    (86, "vh_remote_param_flags", _FF, ""),
    (87, "vh_nominal_ventilation", _UU, "%"),
    (88, "vh_tsp_count", _UU, ""),
    (89, "vh_tsp_entry", _UU, ""),
    (90, "vh_fault_history_size", _UU, ""),
    (91, "vh_fault_history_entry", _UU, ""),
    (93, "brand", _UU, ""),
    (94, "brand_version", _UU, ""),
    (95, "brand_serial_number", _UU, ""),
    (96, "cooling_operation_hours", _U16, "h"),
    (97, "power_cycles", _U16, ""),
    (98, "rf_sensor_status", _SP, ""),
    (99, "remote_override_operating_mode", _SP, ""),
    (100, "remote_override_function", _FF, ""),
    (101, "solar_storage_status", _FF, ""),
    (102, "solar_storage_fault_flags_oem_code", _FU, ""),
    (103, "solar_storage_config_member_id", _FU, ""),
    (104, "solar_storage_product_version", _UU, ""),
    (105, "solar_storage_tsp_count", _UU, ""),
    (106, "solar_storage_tsp_entry", _UU, ""),
    (107, "solar_storage_fault_history_size", _UU, ""),
    (108, "solar_storage_fault_history_entry", _UU, ""),
    (109, "electricity_producer_starts", _U16, ""),
    (110, "electricity_producer_hours", _U16, "h"),
    (111, "electricity_production", _U16, "W"),
    (112, "cumulative_electricity_production", _U16, "kWh"),
    (113, "unsuccessful_burner_starts", _U16, ""),
    (114, "flame_signal_too_low_count", _U16, ""),
    (115, "oem_diagnostic_code", _U16, ""),
    (116, "burner_starts", _U16, ""),
    (117, "ch_pump_starts", _U16, ""),
    (118, "dhw_pump_valve_starts", _U16, ""),
    (119, "dhw_burner_starts", _U16, ""),
    (120, "burner_hours", _U16, "h"),
    (121, "ch_pump_hours", _U16, "h"),
    (122, "dhw_pump_valve_hours", _U16, "h"),
    (123, "dhw_burner_hours", _U16, "h"),
    (124, "opentherm_version_master", _F, ""),
    (125, "opentherm_version_slave", _F, ""),
    (126, "master_product_version", _UU, ""),
    (127, "slave_product_version", _UU, ""),
)

DATA_IDS: Final[Mapping[int, DataId]] = {
    row[0]: DataId(row[0], row[1], row[2], row[3]) for row in _TABLE
}
"""Every data-id LocalGrid knows, by number."""

COUNTER_IDS: Final = frozenset(range(116, 124))
"""Counters (starts, hours): 0xFFFF from the boiler means "not available"."""


def data_id_info(data_id: int) -> DataId:
    """The table entry of an id; unknown ids are described as raw u8/u8 bytes."""
    info = DATA_IDS.get(data_id)
    return info if info is not None else DataId(data_id, f"id_{data_id}", Encoding.U8_U8)


def decode_value(data_id: int, data: int) -> Value:
    """Decode the 16 data bits of a frame according to the id's encoding."""
    encoding = data_id_info(data_id).encoding
    if encoding is Encoding.F88:
        return (data - 0x10000 if data & 0x8000 else data) / 256
    if encoding is Encoding.U16:
        return data
    if encoding is Encoding.S16:
        return data - 0x10000 if data & 0x8000 else data
    high, low = data >> 8, data & 0xFF
    if encoding is Encoding.S8_S8:
        return (high - 256 if high & 0x80 else high, low - 256 if low & 0x80 else low)
    return (high, low)


def encode_value(data_id: int, value: Value) -> int:
    """The 16 data bits for a value (the inverse of `decode_value`)."""
    if isinstance(value, tuple):
        return ((value[0] & 0xFF) << 8) | (value[1] & 0xFF)
    if data_id_info(data_id).encoding is Encoding.F88:
        return round(value * 256) & 0xFFFF
    return int(value) & 0xFFFF


def parity_ok(frame: int) -> bool:
    """True when the 32 bits hold an even number of ones (bit 31 is the parity bit)."""
    return frame.bit_count() % 2 == 0


def build_frame(msg_type: MsgType, data_id: int, data: int) -> int:
    """A 32-bit frame with the parity bit set correctly."""
    frame = (int(msg_type) << 28) | ((data_id & 0xFF) << 16) | (data & 0xFFFF)
    return frame | 0x80000000 if frame.bit_count() % 2 else frame


def format_report(source: Source, frame: int) -> str:
    """A report line as the PIC prints it, e.g. `B40192B00`."""
    return f"{source.value}{frame:08X}"


@dataclass(frozen=True, slots=True)
class Frame:
    """One report line: a 32-bit OpenTherm frame and who printed it."""

    source: Source
    raw: int

    @property
    def msg_type(self) -> MsgType:
        return MsgType((self.raw >> 28) & 7)

    @property
    def data_id(self) -> int:
        return (self.raw >> 16) & 0xFF

    @property
    def data(self) -> int:
        """The 16 data bits (high byte, low byte)."""
        return self.raw & 0xFFFF

    @property
    def parity_ok(self) -> bool:
        return parity_ok(self.raw)

    @property
    def spare_bits(self) -> int:
        """Bits 27-24, zero in a valid frame."""
        return (self.raw >> 24) & 0xF

    @property
    def value(self) -> Value:
        return decode_value(self.data_id, self.data)

    @property
    def info(self) -> DataId:
        return data_id_info(self.data_id)

    @property
    def side(self) -> Side | None:
        """T/A frames tell about the thermostat, B/R about the boiler, E about nothing."""
        if self.source in (Source.THERMOSTAT, Source.ANSWER):
            return Side.THERMOSTAT
        if self.source in (Source.BOILER, Source.REQUEST):
            return Side.BOILER
        return None

    @property
    def valid(self) -> bool:
        """Not an E line, parity right, spare bits zero: safe to look at."""
        return self.source is not Source.ERROR and self.parity_ok and self.spare_bits == 0

    @property
    def carries_value(self) -> bool:
        """True when the data bits hold a real value for the state of its side.

        Values live in WRITE-DATA (master-written: setpoints, room temperature) and in
        READ-ACK / WRITE-ACK (boiler values, or the gateway's answer). A READ-DATA
        carries data only for id 0 (the master status flags in the high byte).
        """
        if not self.valid:
            return False
        msg_type = self.msg_type
        if msg_type in (MsgType.WRITE_DATA, MsgType.READ_ACK, MsgType.WRITE_ACK):
            return True
        return msg_type is MsgType.READ_DATA and self.data_id == 0

    def __str__(self) -> str:
        return format_report(self.source, self.raw)


class ErrorCode(StrEnum):
    """Error codes the gateway returns instead of a command's value."""

    NG = "NG"  # No Good: unknown command
    SE = "SE"  # Syntax Error
    BV = "BV"  # Bad Value
    OR = "OR"  # Out of Range
    NS = "NS"  # No Space
    NF = "NF"  # Not Found
    OE = "OE"  # Overrun Error

    @property
    def description(self) -> str:
        return _ERROR_TEXT[self]


_ERROR_TEXT: Final = {
    ErrorCode.NG: "unknown command",
    ErrorCode.SE: "syntax error",
    ErrorCode.BV: "bad value",
    ErrorCode.OR: "value out of range",
    ErrorCode.NS: "no space left in the gateway's table",
    ErrorCode.NF: "id not found in the gateway's table",
    ErrorCode.OE: "serial overrun, characters lost",
}
_ERROR_CODES: Final = frozenset(code.value for code in ErrorCode)


@dataclass(frozen=True, slots=True)
class Reply:
    """A command reply: `code` is the echoed command ("" for a bare SE/OE)."""

    code: str
    value: str
    error: ErrorCode | None = None


class MessageKind(StrEnum):
    """Unsolicited lines the gateway prints on its own."""

    BANNER = "banner"  # `OpenTherm Gateway 6.6`, after power-up or GW=R
    LINE_ERROR = "line_error"  # `Error 01`..`Error 04`
    THERMOSTAT_CONNECTED = "thermostat_connected"
    THERMOSTAT_DISCONNECTED = "thermostat_disconnected"
    POWER_LEVEL = "power_level"  # `Low power` / `Medium power` / `High power`
    WATCHDOG_RESET = "watchdog_reset"  # `WDT reset!`
    OTHER_FIRMWARE = "other_firmware"
    """Boot banner of the PIC's other firmware (diagnostics, interface): no gateway runs."""


@dataclass(frozen=True, slots=True)
class Message:
    """An unsolicited line; `detail` is the version, error number or power level."""

    kind: MessageKind
    text: str
    detail: str = ""
    firmware: str = ""
    """For OTHER_FIRMWARE: `diagnostics` or `interface`."""


@dataclass(frozen=True, slots=True)
class Summary:
    """A `PS=1` summary line: the last value the gateway saw for each id."""

    values: Mapping[int, Value]
    text: str


@dataclass(frozen=True, slots=True)
class Invalid:
    """A line that is none of the above; `reason` says why."""

    text: str
    reason: str


type Line = Frame | Summary | Reply | Message | Invalid

SUMMARY_IDS_V5: Final = (
    0, 1, 6, 7, 8, 14, 15, 16, 17, 18, 19, 23, 24, 25, 26, 27, 28, 31, 33,
    48, 49, 56, 57, 70, 71, 77, 116, 117, 118, 119, 120, 121, 122, 123,
)  # fmt: skip
"""Ids of the 34 fields of a firmware 5.x/6.x summary."""
SUMMARY_IDS_V4: Final = (
    0, 1, 6, 14, 15, 16, 17, 18, 24, 25, 26, 27, 28, 48, 49, 56, 57,
    116, 117, 118, 119, 120, 121, 122, 123,
)  # fmt: skip
"""Ids of the 25 fields of a firmware 4.x summary."""
_SUMMARY_LAYOUTS: Final = {len(SUMMARY_IDS_V5): SUMMARY_IDS_V5, len(SUMMARY_IDS_V4): SUMMARY_IDS_V4}
_LOW_BYTE_ONLY: Final = frozenset({71, 77})  # the firmware prints only the low byte

_REPORT_RE: Final = re.compile(r"[TBRAE][0-9A-Fa-f]{8}")
_REPLY_RE: Final = re.compile(r"([A-Z][A-Z0-9]): ?(.*)")
_ERROR_RE: Final = re.compile(r"Error ([0-9A-Fa-f]{1,2})")  # otmonitor reads the number as hex
_BANNER_PREFIX: Final = "OpenTherm Gateway "
# The banners of the PIC's other two firmwares (diagnose.hex, interface.hex), as the
# gateway's own tools (otmonitor, OTGW-firmware's OTGWSerial) recognise them.
_OTHER_FIRMWARE_PREFIXES: Final = (
    ("Opentherm gateway diagnostics - Version ", "diagnostics"),
    ("OpenTherm Interface ", "interface"),
)
_WATCHDOG_TEXT: Final = "WDT reset!"
_FIXED_MESSAGES: Final = {
    "Thermostat connected": (MessageKind.THERMOSTAT_CONNECTED, ""),
    "Thermostat disconnected": (MessageKind.THERMOSTAT_DISCONNECTED, ""),
    "Low power": (MessageKind.POWER_LEVEL, "low"),
    "Medium power": (MessageKind.POWER_LEVEL, "medium"),
    "High power": (MessageKind.POWER_LEVEL, "high"),
    "WDT reset!": (MessageKind.WATCHDOG_RESET, ""),
}


def _parse_byte(text: str, flags: bool, signed: bool) -> int:
    if flags:
        if len(text) != 8 or text.strip("01"):
            raise ValueError(text)
        return int(text, 2)
    number = int(text)
    if not -128 <= number <= 255:
        raise ValueError(text)
    if signed and number > 127:
        number -= 256
    elif not signed:
        number &= 0xFF
    return number


def _parse_summary_field(data_id: int, text: str) -> Value:
    """One summary field; raises ValueError when it does not fit the id's encoding."""
    encoding = data_id_info(data_id).encoding
    if encoding is Encoding.F88:
        number = float(text)
        # The firmware prints f8.8 unsigned except id 27: 200-something means negative.
        if data_id != 27 and number >= 128:
            number -= 256
        if not -128 <= number < 256:
            raise ValueError(text)
        return number
    if encoding in (Encoding.U16, Encoding.S16):
        number = int(text)
        low = -32768 if encoding is Encoding.S16 else 0
        if not low <= number <= 65535:
            raise ValueError(text)
        return number - 0x10000 if encoding is Encoding.S16 and number > 32767 else number
    if data_id in _LOW_BYTE_ONLY and "/" not in text:
        return (0, _parse_byte(text, flags=False, signed=False))
    high_text, low_text = text.split("/")
    return (
        _parse_byte(high_text, encoding in (_FF, _FU), encoding is _SS),
        _parse_byte(low_text, encoding is _FF, encoding is _SS),
    )


def parse_summary(line: str) -> Summary | None:
    """Parse a `PS=1` summary line (34 or 25 fields), or None when it is not one."""
    fields = line.split(",")
    layout = _SUMMARY_LAYOUTS.get(len(fields))
    if layout is None:
        return None
    try:
        values = {
            data_id: _parse_summary_field(data_id, field.strip())
            for data_id, field in zip(layout, fields, strict=True)
        }
    except ValueError:
        return None
    return Summary(values, line)


def _reset_message(text: str) -> Message | None:
    """A banner or `WDT reset!` behind line noise (a reset garbles the line before it).

    Like otmonitor, the banner counts wherever it starts, except after `=` (the `PR: A=`
    reply); what follows the prefix up to the first blank is the version.
    """
    # The gateway's own banner at the line start is read by `classify`.
    if found := _banner(text, _BANNER_PREFIX, first=1):
        return Message(MessageKind.BANNER, *found)
    if text.endswith(_WATCHDOG_TEXT) and len(text) > len(_WATCHDOG_TEXT):
        return Message(MessageKind.WATCHDOG_RESET, _WATCHDOG_TEXT)
    for prefix, firmware in _OTHER_FIRMWARE_PREFIXES:
        if found := _banner(text, prefix, first=0):
            return Message(MessageKind.OTHER_FIRMWARE, *found, firmware)
    return None


def _banner(text: str, prefix: str, first: int) -> tuple[str, str] | None:
    """(banner, version) of the banner opening with `prefix` at index `first` or later,
    not after `=`; the version is the word after the prefix and starts with a digit.
    None when there is no such banner."""
    start = text.find(prefix)
    if start < first or (start > 0 and text[start - 1] == "="):
        return None
    message = text[start:]
    if not (message.isascii() and message.isprintable()):
        return None
    words = message.removeprefix(prefix).split()
    if not words or not words[0][0].isdigit():
        # Not a version: the ESP firmware's console header `OpenTherm Gateway --
        # OTGW-firmware` is no reset of the PIC.
        return None
    return message, words[0]


def classify(line: str) -> Line:
    """Classify one line (without its terminator). Never raises."""
    text = line.strip()
    if not text:
        return Invalid(line, "empty")
    if (reset := _reset_message(text)) is not None:
        return reset
    if not text.isascii() or not text.isprintable():
        return Invalid(line, "not printable ASCII")
    if _REPORT_RE.fullmatch(text):
        return Frame(Source(text[0]), int(text[1:], 16))
    if text in _ERROR_CODES:
        return Reply("", text, ErrorCode(text))
    if match := _REPLY_RE.fullmatch(text):
        value = match.group(2).strip()
        error = ErrorCode(value) if value in _ERROR_CODES else None
        return Reply(match.group(1), value, error)
    if match := _ERROR_RE.fullmatch(text):
        return Message(MessageKind.LINE_ERROR, text, f"{int(match.group(1), 16):02X}")
    if found := _banner(text, _BANNER_PREFIX, first=0):
        return Message(MessageKind.BANNER, *found)
    if fixed := _FIXED_MESSAGES.get(text):
        return Message(fixed[0], text, fixed[1])
    if "," in text and (summary := parse_summary(text)) is not None:
        return summary
    if text[0] in "TBRAE" and all(c in "0123456789ABCDEFabcdef" for c in text[1:]):
        return Invalid(line, "truncated or glued report line")
    return Invalid(line, "unrecognised line")


class LineSplitter:
    """Cuts the gateway's byte stream into lines; counts what it throws away.

    Accepts CR, LF or CRLF; drops everything before an EOT (0x04) on the current line;
    drops empty lines; a line longer than `max_line` bytes without a terminator is
    dropped (counted in `overlong`). Non-ASCII lines are returned (as `classify`
    rejects them) so callers can count and show them.
    """

    __slots__ = ("_buffer", "_discarding", "max_line", "overlong")

    def __init__(self, max_line: int = 256) -> None:
        self._buffer = bytearray()
        self._discarding = False
        self.max_line = max_line
        self.overlong = 0

    def feed(self, data: bytes) -> list[str]:
        """Add bytes; return the complete lines they finish (decoded as latin-1)."""
        lines: list[str] = []
        start = 0
        for index, byte in enumerate(data):
            if byte in (0x0A, 0x0D):
                self._take(data[start:index], lines)
                start = index + 1
            elif byte == 0x04:
                self._buffer.clear()
                self._discarding = False
                start = index + 1
        rest = data[start:]
        if rest:
            if len(self._buffer) + len(rest) > self.max_line:
                if not self._discarding:
                    self.overlong += 1
                self._discarding = True
                self._buffer.clear()
            else:
                self._buffer += rest
        return lines

    def _take(self, tail: bytes, lines: list[str]) -> None:
        if self._discarding:
            self._discarding = False
            self._buffer.clear()
            return
        if self._buffer:
            tail = bytes(self._buffer) + tail
            self._buffer.clear()
        if tail and len(tail) <= self.max_line:
            lines.append(tail.decode("latin-1"))
        elif tail:
            self.overlong += 1


def split_lines(data: bytes) -> list[str]:
    """All lines of a complete byte string (a final unterminated line included)."""
    splitter = LineSplitter(max_line=1 << 16)
    lines = splitter.feed(data)
    lines.extend(splitter.feed(b"\n"))
    return lines


def format_f88(value: float) -> str:
    """A temperature as the gateway prints it: two decimals, halves rounded away from 0."""
    hundredths = int(abs(value) * 100 + 0.5)
    sign = "-" if value < 0 and hundredths else ""
    return f"{sign}{hundredths // 100}.{hundredths % 100:02d}"
