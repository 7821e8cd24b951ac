"""OBIS registry: the quantities a user wants, their standard codes, units and scaling.

Codes are written `A-B:C.D.E` (IEC 62056-6-1). Electricity codes match any B (channel):
Kamstrup and Swiss E450 registers use B=1 (`1-1:1.8.0`). DSMR M-Bus sub-meters
(`0-n:24.2.1`) are gas, water or heat depending on the channel's device type (`0-n:24.1.0`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
import re

from .model import Reading


@dataclass(frozen=True, slots=True)
class Quantity:
    """One thing a user wants to see, e.g. total imported active energy."""

    key: str
    """Stable name, also the Home Assistant translation key."""
    code: str
    """Standard OBIS code `A-B:C.D.E` (B=0 for electricity; any B matches)."""
    unit: str
    """Normalised unit of the readings ("" when it has none)."""
    kind: str
    """Physical kind: selects implicit scaling and, in the HA layer, the device class."""
    cumulative: bool = False
    """A counter that only grows (meter registers)."""


# kind -> DLMS unit enum a meter means when it sends the quantity without a scaler/unit.
WIRE_UNIT_BY_KIND: Mapping[str, int] = {
    "energy": 30,  # Wh
    "reactive_energy": 32,  # varh
    "apparent_energy": 31,  # VAh
    "power": 27,  # W
    "reactive_power": 29,  # var
    "apparent_power": 28,  # VA
    "voltage": 35,  # V
    "current": 33,  # A
    "frequency": 44,  # Hz
    "power_factor": 255,
    "volume": 13,  # m³
}


def _q(key: str, code: str, unit: str, kind: str, cumulative: bool = False) -> Quantity:
    return Quantity(key, code, unit, kind, cumulative)


def _phases(key: str, codes: tuple[str, str, str], unit: str, kind: str) -> list[Quantity]:
    return [_q(f"{key}_l{n}", code, unit, kind) for n, code in enumerate(codes, 1)]


QUANTITIES: tuple[Quantity, ...] = (
    # Active energy (registers)
    _q("energy_import", "1-0:1.8.0", "kWh", "energy", True),
    _q("energy_export", "1-0:2.8.0", "kWh", "energy", True),
    _q("energy_import_tariff_1", "1-0:1.8.1", "kWh", "energy", True),
    _q("energy_import_tariff_2", "1-0:1.8.2", "kWh", "energy", True),
    _q("energy_import_tariff_3", "1-0:1.8.3", "kWh", "energy", True),
    _q("energy_import_tariff_4", "1-0:1.8.4", "kWh", "energy", True),
    _q("energy_export_tariff_1", "1-0:2.8.1", "kWh", "energy", True),
    _q("energy_export_tariff_2", "1-0:2.8.2", "kWh", "energy", True),
    _q("energy_export_tariff_3", "1-0:2.8.3", "kWh", "energy", True),
    _q("energy_export_tariff_4", "1-0:2.8.4", "kWh", "energy", True),
    # Reactive and apparent energy
    _q("reactive_energy_import", "1-0:3.8.0", "kvarh", "reactive_energy", True),
    _q("reactive_energy_export", "1-0:4.8.0", "kvarh", "reactive_energy", True),
    _q("reactive_energy_import_tariff_1", "1-0:3.8.1", "kvarh", "reactive_energy", True),
    _q("reactive_energy_import_tariff_2", "1-0:3.8.2", "kvarh", "reactive_energy", True),
    _q("reactive_energy_export_tariff_1", "1-0:4.8.1", "kvarh", "reactive_energy", True),
    _q("reactive_energy_export_tariff_2", "1-0:4.8.2", "kvarh", "reactive_energy", True),
    _q("reactive_energy_q1", "1-0:5.8.0", "kvarh", "reactive_energy", True),
    _q("reactive_energy_q2", "1-0:6.8.0", "kvarh", "reactive_energy", True),
    _q("reactive_energy_q3", "1-0:7.8.0", "kvarh", "reactive_energy", True),
    _q("reactive_energy_q4", "1-0:8.8.0", "kvarh", "reactive_energy", True),
    *_phases("energy_import", ("1-0:21.8.0", "1-0:41.8.0", "1-0:61.8.0"), "kWh", "energy"),
    *_phases("energy_export", ("1-0:22.8.0", "1-0:42.8.0", "1-0:62.8.0"), "kWh", "energy"),
    _q("apparent_energy_import", "1-0:9.8.0", "kVAh", "apparent_energy", True),
    _q("apparent_energy_export", "1-0:10.8.0", "kVAh", "apparent_energy", True),
    # Power
    _q("power_import", "1-0:1.7.0", "W", "power"),
    _q("power_export", "1-0:2.7.0", "W", "power"),
    *_phases("power_import", ("1-0:21.7.0", "1-0:41.7.0", "1-0:61.7.0"), "W", "power"),
    *_phases("power_export", ("1-0:22.7.0", "1-0:42.7.0", "1-0:62.7.0"), "W", "power"),
    _q("reactive_power_import", "1-0:3.7.0", "var", "reactive_power"),
    _q("reactive_power_export", "1-0:4.7.0", "var", "reactive_power"),
    *_phases(
        "reactive_power_import", ("1-0:23.7.0", "1-0:43.7.0", "1-0:63.7.0"), "var", "reactive_power"
    ),
    *_phases(
        "reactive_power_export", ("1-0:24.7.0", "1-0:44.7.0", "1-0:64.7.0"), "var", "reactive_power"
    ),
    _q("apparent_power_import", "1-0:9.7.0", "VA", "apparent_power"),
    _q("apparent_power_export", "1-0:10.7.0", "VA", "apparent_power"),
    _q("power_average_import", "1-0:1.4.0", "W", "power"),  # Belgian quarter-hour demand
    _q("power_peak_import_month", "1-0:1.6.0", "W", "power"),
    # Voltage, current, power factor, frequency
    *_phases("voltage", ("1-0:32.7.0", "1-0:52.7.0", "1-0:72.7.0"), "V", "voltage"),
    *_phases("current", ("1-0:31.7.0", "1-0:51.7.0", "1-0:71.7.0"), "A", "current"),
    _q("current_neutral", "1-0:91.7.0", "A", "current"),
    _q("power_factor", "1-0:13.7.0", "", "power_factor"),
    *_phases("power_factor", ("1-0:33.7.0", "1-0:53.7.0", "1-0:73.7.0"), "", "power_factor"),
    _q("frequency", "1-0:14.7.0", "Hz", "frequency"),
    # Identity, firmware, clock, tariff, events
    _q("meter_id", "0-0:96.1.0", "", "text"),
    _q("meter_id", "1-0:0.0.5", "", "text"),  # Kamstrup GS1 meter number (1.1.0.0.5.255)
    _q("equipment_id", "0-0:96.1.1", "", "text"),  # DSMR equipment identifier, IDIS utility id
    _q("logical_device_name", "0-0:42.0.0", "", "text"),
    _q("meter_type", "0-0:96.1.7", "", "text"),
    _q("meter_type", "1-0:96.1.1", "", "text"),  # Kamstrup meter type (1.1.96.1.1.255)
    _q("list_version", "1-0:0.2.129", "", "text"),  # NVE list version, e.g. Kamstrup_V0001
    _q("firmware", "1-0:0.2.0", "", "text"),
    _q("dsmr_version", "1-3:0.2.8", "", "text"),
    _q("dsmr_version", "0-0:96.1.4", "", "text"),  # Belgian e-MUCS version
    _q("meter_timestamp", "0-0:1.0.0", "", "timestamp"),
    _q("tariff", "0-0:96.14.0", "", "text"),
    _q("breaker_state", "0-0:96.3.10", "", "count"),
    _q("power_limit", "0-0:17.0.0", "W", "power"),
    _q("fuse_current_limit", "1-0:31.4.0", "A", "current"),
    _q("power_failures", "0-0:96.7.21", "", "count", True),
    _q("long_power_failures", "0-0:96.7.9", "", "count", True),
    _q("power_failure_log", "1-0:99.97.0", "", "count"),
    *_phases("voltage_sags", ("1-0:32.32.0", "1-0:52.32.0", "1-0:72.32.0"), "", "count"),
    *_phases("voltage_swells", ("1-0:32.36.0", "1-0:52.36.0", "1-0:72.36.0"), "", "count"),
    _q("text_message", "0-0:96.13.0", "", "text"),
)

# M-Bus sub-meters on DSMR channels 0-n, selected by device type (0-n:24.1.0).
GAS = _q("gas_consumption", "0-1:24.2.1", "m³", "volume", True)
WATER = _q("water_consumption", "0-1:24.2.1", "m³", "volume", True)
HEAT = _q("heat_energy", "0-1:24.2.1", "GJ", "heat", True)
MBUS_DEVICE_ID = _q("mbus_equipment_id", "0-1:96.1.0", "", "text")
MBUS_DEVICE_TYPE = _q("mbus_device_type", "0-1:24.1.0", "", "count")
MBUS_BY_DEVICE_TYPE: Mapping[int, Quantity] = {
    3: GAS,
    4: HEAT,
    6: WATER,  # warm water
    7: WATER,
    12: HEAT,
}

_CODE = re.compile(r"(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\*255)?")


def parse_code(code: str) -> tuple[int, int, int, int, int] | None:
    """`A-B:C.D.E` (optionally `*255`) or dotted `A.B.C.D.E.255` -> its five groups."""
    match = _CODE.fullmatch(code)
    if match is None:
        parts = code.split(".")
        if len(parts) != 6 or parts[5] != "255" or not all(p.isdigit() for p in parts):
            return None
        a, b, c, d, e = (int(p) for p in parts[:5])
        return a, b, c, d, e
    a, b, c, d, e = (int(g) for g in match.groups())
    return a, b, c, d, e


QUANTITIES_BY_KEY: Mapping[str, Quantity] = {quantity.key: quantity for quantity in QUANTITIES}
_BY_ACDE: dict[tuple[int, int, int, int], Quantity] = {}
for _quantity in QUANTITIES:
    _groups = parse_code(_quantity.code)
    assert _groups is not None, _quantity.code
    _BY_ACDE.setdefault((_groups[0], *_groups[2:]), _quantity)


def lookup(code: str, values: Mapping[str, Reading] | None = None) -> Quantity | None:
    """The quantity an OBIS code carries, the B group matching any channel.

    `values` (the rest of the telegram) resolves DSMR M-Bus channels: `0-n:24.2.1` is
    gas, water or heat by the channel's device type `0-n:24.1.0`; gas when unknown.
    """
    groups = parse_code(code)
    if groups is None:
        return None
    a, b, c, d, e = groups
    if a == 0 and b != 0:
        return _mbus_quantity(b, c, d, e, values)
    return _BY_ACDE.get((a, c, d, e))


_REGISTER = 8  # D group of cumulative registers (time integral 1); E numbers the tariff


def register_kind_of(code: str) -> Quantity | None:
    """The quantity of a code, or for a tariff register not in the registry (`1-1:5.8.1`,
    reactive energy Q1 tariff 1) that of its total (`1-1:5.8.0`): same kind and unit."""
    quantity = lookup(code)
    if quantity is not None:
        return quantity
    groups = parse_code(code)
    if groups is None:
        return None
    a, b, c, d, e = groups
    if d != _REGISTER or not e or (a == 0 and b != 0):
        return None
    return _BY_ACDE.get((a, c, d, 0))


def _mbus_quantity(
    channel: int, c: int, d: int, e: int, values: Mapping[str, Reading] | None
) -> Quantity | None:
    if c == 96 and d == 1 and e == 0:
        return MBUS_DEVICE_ID
    if c != 24:
        return None
    if d == 1 and e == 0:
        return MBUS_DEVICE_TYPE
    # 24.2.1 temperature-corrected, 24.2.3 not (Belgium), 24.3.0 DSMR 2.2/3.0 gas profile
    if (d, e) not in ((2, 1), (2, 3), (3, 0)):
        return None
    reading = values.get(f"0-{channel}:24.1.0") if values else None
    if reading is not None and isinstance(reading.value, Decimal):
        return MBUS_BY_DEVICE_TYPE.get(int(reading.value), GAS)
    return GAS


# DLMS unit enumeration (Blue Book, class 3 scaler_unit) -> unit symbol.
DLMS_UNITS: Mapping[int, str] = {
    1: "a",
    2: "mo",
    3: "wk",
    4: "d",
    5: "h",
    6: "min",
    7: "s",
    8: "°",
    9: "°C",
    10: "currency",
    11: "m",
    12: "m/s",
    13: "m³",
    14: "m³",  # corrected volume
    15: "m³/h",
    16: "m³/h",
    17: "m³/d",
    18: "m³/d",
    19: "l",
    20: "kg",
    21: "N",
    22: "Nm",
    23: "Pa",
    24: "bar",
    25: "J",
    26: "J/h",
    27: "W",
    28: "VA",
    29: "var",
    30: "Wh",
    31: "VAh",
    32: "varh",
    33: "A",
    34: "C",
    35: "V",
    36: "V/m",
    37: "F",
    38: "Ω",
    39: "Ωm²/m",
    40: "Wb",
    41: "T",
    42: "A/m",
    43: "H",
    44: "Hz",
    45: "1/(Wh)",
    46: "1/(varh)",
    47: "1/(VAh)",
    48: "V²h",
    49: "A²h",
    50: "kg/s",
    51: "S",
    52: "K",
    53: "1/(V²h)",
    54: "1/(A²h)",
    55: "1/m³",
    56: "%",
    57: "Ah",
    60: "Wh/m³",
    61: "J/m³",
    62: "Mol %",
    63: "g/m³",
    64: "Pa s",
    65: "J/kg",
    70: "dBm",
    71: "dBµV",
    72: "dB",
    255: "",
}

# Unit as sent -> (normalised unit, power of ten to apply). Energies kWh, powers W.
UNIT_NORMALISATION: Mapping[str, tuple[str, int]] = {
    "Wh": ("kWh", -3),
    "kWh": ("kWh", 0),
    "MWh": ("kWh", 3),
    "varh": ("kvarh", -3),
    "kvarh": ("kvarh", 0),
    "VAh": ("kVAh", -3),
    "kVAh": ("kVAh", 0),
    "W": ("W", 0),
    "kW": ("W", 3),
    "MW": ("W", 6),
    "var": ("var", 0),
    "kvar": ("var", 3),
    "VA": ("VA", 0),
    "kVA": ("VA", 3),
    "V": ("V", 0),
    "kV": ("V", 3),
    "A": ("A", 0),
    "mA": ("A", -3),
    "kA": ("A", 3),  # ESO (Lithuania) P1 text: `1-0:31.7.0(0000.005*kA)`
    "Hz": ("Hz", 0),
    "kHz": ("Hz", 3),  # ESO: `1-0:14.7.0(0000.049*kHz)`
    "m3": ("m³", 0),
    "m³": ("m³", 0),
    "l": ("m³", -3),
    "GJ": ("GJ", 0),
    "MJ": ("GJ", -3),
    "J": ("GJ", -9),
    "s": ("s", 0),
    "°": ("°", 0),
    "deg": ("°", 0),  # Logarex LK13BE D0 text: phase angles `1-0:81.7.1(240*deg)`
}

# (DLMS unit enum, scaler) -> (normalised unit, total power of ten), computed once.
_SCALING: dict[tuple[int, int], tuple[str, int]] = {}


def dlms_scaling(unit: int, scaler: int) -> tuple[str, int]:
    """Normalised unit and total power of ten for a raw value with this DLMS scaler/unit."""
    key = (unit, scaler)
    found = _SCALING.get(key)
    if found is None:
        symbol = DLMS_UNITS.get(unit, "")
        normal, shift = UNIT_NORMALISATION.get(symbol, (symbol, 0))
        found = _SCALING[key] = (normal, scaler + shift)
    return found


_POWERS_OF_TEN = {exponent: Decimal(10) ** exponent for exponent in range(-12, 13)}
_UNIT_SHIFTS = {exponent: Decimal(1).scaleb(exponent) for exponent in range(-12, 13)}
_ONE = Decimal(1)


def power_of_ten(exponent: int) -> Decimal | None:
    """The factor `scale` multiplies by for this exponent (None: it uses scaleb)."""
    return _POWERS_OF_TEN.get(exponent)


def scale(raw: int | float, exponent: int) -> Decimal:
    """raw x 10^exponent, exactly (an int stays exact; a float is taken as printed)."""
    number = Decimal(raw) if type(raw) is int else Decimal(repr(raw))
    if not exponent:
        return number
    factor = _POWERS_OF_TEN.get(exponent)
    return number * factor if factor is not None else number.scaleb(exponent)


def scaled(raw: int, exponent: int, unit: str) -> Reading:
    """An exact reading raw x 10^exponent (Decimal, no float drift)."""
    return Reading(scale(raw, exponent), unit)


# Meters spell units freely (Kamstrup, L+G and NES P1 send `kVArh`, `kVAr`): matched
# without case when the exact spelling is unknown ("mA" and "MA" differ only there).
_UNITS_ANY_CASE: Mapping[str, tuple[str, int]] = {
    unit.lower(): scaling for unit, scaling in UNIT_NORMALISATION.items()
}


def unit_normalisation(unit: str) -> tuple[str, int] | None:
    """(normalised unit, power of ten) for a unit as sent; None when it is not known."""
    return UNIT_NORMALISATION.get(unit) or _UNITS_ANY_CASE.get(unit.lower())


def normalised(number: Decimal, unit: str) -> Reading:
    """A reading in the normalised unit for a number sent with `unit` (kW -> W, Wh -> kWh)."""
    normal, shift = unit_normalisation(unit) or (unit, 0)
    if not shift:
        return Reading(number, normal)
    # Keeps the sent resolution (0.244 kW -> 244 W, not 244.000 W) without exponent
    # notation (1.01 kW -> 1010 W, not 1.01E+3 W).
    value = number * _UNIT_SHIFTS[shift]
    if value.as_tuple().exponent > 0:  # type: ignore[operator]  # finite: int exponent
        value = value.quantize(_ONE)
    return Reading(value, normal)
