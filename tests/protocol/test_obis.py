"""OBIS registry: lookup with B wildcard, M-Bus channels, unit tables, exact scaling."""

from __future__ import annotations

from decimal import Decimal

import pytest

from custom_components.localgrid.protocol.model import Reading
from custom_components.localgrid.protocol.obis import (
    DLMS_UNITS,
    QUANTITIES,
    dlms_scaling,
    lookup,
    normalised,
    parse_code,
    register_kind_of,
    scaled,
)

REQUIRED_KEYS = {
    "energy_import", "energy_export", "energy_import_tariff_1", "energy_import_tariff_2",
    "energy_export_tariff_1", "energy_export_tariff_2", "reactive_energy_import",
    "reactive_energy_export", "power_import", "power_export", "power_import_l1",
    "power_import_l2", "power_import_l3", "power_export_l1", "power_export_l2",
    "power_export_l3", "voltage_l1", "voltage_l2", "voltage_l3", "current_l1", "current_l2",
    "current_l3", "power_factor", "frequency", "reactive_power_import",
    "reactive_power_export", "apparent_power_import", "apparent_power_export",
    "meter_timestamp", "meter_id", "firmware", "power_factor_l1",
}  # fmt: skip


def test_registry_has_the_required_keys() -> None:
    assert {quantity.key for quantity in QUANTITIES} >= REQUIRED_KEYS


def test_every_code_parses_and_finds_itself() -> None:
    for quantity in QUANTITIES:
        found = lookup(quantity.code)
        assert found is not None, quantity.code
        assert found.key == quantity.key


@pytest.mark.parametrize(
    ("code", "key", "unit"),
    [
        ("1-0:1.8.0", "energy_import", "kWh"),
        ("1-1:1.8.0", "energy_import", "kWh"),  # Kamstrup / Swiss B=1
        ("1.1.1.8.0.255", "energy_import", "kWh"),  # dotted form
        ("1-0:1.8.0*255", "energy_import", "kWh"),
        ("1-0:2.8.2", "energy_export_tariff_2", "kWh"),
        ("1-0:4.8.0", "reactive_energy_export", "kvarh"),
        ("1-0:61.7.0", "power_import_l3", "W"),
        ("1-0:71.7.0", "current_l3", "A"),
        ("1-0:13.7.0", "power_factor", ""),
        ("1-0:14.7.0", "frequency", "Hz"),
        ("1-0:10.7.0", "apparent_power_export", "VA"),
        ("0-0:96.1.0", "meter_id", ""),
        ("1-1:0.0.5", "meter_id", ""),
        ("0-0:42.0.0", "logical_device_name", ""),
        ("0-0:1.0.0", "meter_timestamp", ""),
        ("1-0:0.2.0", "firmware", ""),
    ],
)
def test_lookup(code: str, key: str, unit: str) -> None:
    quantity = lookup(code)
    assert quantity is not None
    assert (quantity.key, quantity.unit) == (key, unit)


@pytest.mark.parametrize("code", ["1-0:1.8.0*101", "9-9:9.9.9", "nonsense", "1.0.1.8.0", ""])
def test_lookup_unknown(code: str) -> None:
    assert lookup(code) is None


def test_mbus_channels_by_device_type() -> None:
    values = {
        "0-1:24.1.0": Reading(Decimal(3)),
        "0-2:24.1.0": Reading(Decimal(7)),
        "0-3:24.1.0": Reading(Decimal(4)),
    }
    gas, water, heat = (lookup(f"0-{n}:24.2.1", values) for n in (1, 2, 3))
    assert gas is not None
    assert gas.key == "gas_consumption"
    assert gas.unit == "m³"
    assert water is not None
    assert water.key == "water_consumption"
    assert heat is not None
    assert heat.key == "heat_energy"
    assert heat.unit == "GJ"
    default = lookup("0-4:24.2.1")
    assert default is not None
    assert default.key == "gas_consumption"
    belgian = lookup("0-1:24.2.3", values)
    assert belgian is not None
    assert belgian.key == "gas_consumption"
    device_id = lookup("0-1:96.1.0")
    assert device_id is not None
    assert device_id.key == "mbus_equipment_id"
    assert lookup("0-1:24.9.9") is None


def test_parse_code() -> None:
    assert parse_code("1-0:1.8.0") == (1, 0, 1, 8, 0)
    assert parse_code("1.1.1.8.0.255") == (1, 1, 1, 8, 0)
    assert parse_code("1.1.1.8.0.101") is None


@pytest.mark.parametrize(
    ("unit", "scaler", "expected"),
    [
        (30, 0, ("kWh", -3)),
        (30, 1, ("kWh", -2)),  # Aidon: x10 Wh
        (32, -1, ("kvarh", -4)),
        (27, 0, ("W", 0)),
        (29, 0, ("var", 0)),
        (28, 0, ("VA", 0)),
        (35, -1, ("V", -1)),
        (33, -2, ("A", -2)),
        (44, -2, ("Hz", -2)),
        (255, -3, ("", -3)),
        (13, -3, ("m³", -3)),
        (14, 0, ("m³", 0)),
        (250, 0, ("", 0)),  # unknown enum: no unit
    ],
)
def test_dlms_scaling(unit: int, scaler: int, expected: tuple[str, int]) -> None:
    assert dlms_scaling(unit, scaler) == expected


def test_unit_table() -> None:
    assert DLMS_UNITS[27] == "W"
    assert DLMS_UNITS[31] == "VAh"
    assert DLMS_UNITS[33] == "A"


def test_scaling_is_exact_on_large_counters() -> None:
    big = 2**64 - 1
    assert scaled(big, -3, "kWh") == Reading(Decimal("18446744073709551.615"), "kWh")
    assert scaled(12937, -3, "kWh").value == Decimal("12.937")
    assert scaled(2292, -1, "V").value == Decimal("229.2")
    assert scaled(5, 1, "kWh").value == Decimal(50)
    assert float(scaled(1, -1, "A").value) == 0.1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("number", "unit", "expected"),
    [
        ("00.244", "kW", Reading(Decimal(244), "W")),
        ("000326641", "Wh", Reading(Decimal("326.641"), "kWh")),
        ("000253220", "varh", Reading(Decimal("253.220"), "kvarh")),
        ("1.5", "kvar", Reading(Decimal(1500), "var")),
        ("00000.107", "m3", Reading(Decimal("0.107"), "m³")),
        ("12", "furlongs", Reading(Decimal(12), "furlongs")),
        ("240", "deg", Reading(Decimal(240), "°")),  # phase angles, as DLMS unit 8 gives them
    ],
)
def test_normalised(number: str, unit: str, expected: Reading) -> None:
    assert normalised(Decimal(number), unit) == expected


@pytest.mark.parametrize(
    ("number", "unit", "text"),
    [
        ("0000.321", "kVAr", "321"),  # Kamstrup / L+G / NES P1 spelling
        ("00002496.779", "kVArh", "2496.779"),
        ("0001.01", "kW", "1010"),  # no exponent notation: 1.01E+3 would leak into JSON
        ("0000.00", "kW", "0"),
        ("999.9", "kW", "999900"),
        ("5", "mA", "0.005"),  # the exact spelling wins over the case-blind match
    ],
)
def test_normalised_units_spelled_freely_and_plain_numbers(
    number: str, unit: str, text: str
) -> None:
    reading = normalised(Decimal(number), unit)
    assert str(reading.value) == text
    assert reading.unit in ("var", "kvarh", "W", "A")


def test_dsmr22_gas_profile_is_gas() -> None:
    quantity = lookup("0-1:24.3.0")
    assert quantity is not None
    assert quantity.unit == "m³"


@pytest.mark.parametrize(
    ("code", "total"),
    [("1-1:5.8.1", "1-0:5.8.0"), ("1-0:8.8.2", "1-0:8.8.0"), ("1-0:3.8.4", "1-0:3.8.0")],
)
def test_tariff_registers_take_their_totals_kind(code: str, total: str) -> None:
    """A tariff register the registry does not list (Swiss Iskra AM550: Q1-Q4 per tariff)
    has its total's kind and unit, so it is scaled like it when sent without a unit."""
    assert lookup(code) is None
    quantity = register_kind_of(code)
    assert quantity is not None
    assert quantity == lookup(total)


@pytest.mark.parametrize("code", ["1-0:5.7.1", "0-1:24.2.1", "1-0:99.8.1", "junk"])
def test_only_tariff_registers_borrow_a_kind(code: str) -> None:
    assert register_kind_of(code) == lookup(code)


@pytest.mark.parametrize(
    ("number", "unit", "expected"),
    [
        # ESO (Lithuania) P1 text of 2023 (zuidwijk/dsmr #31): currents in kA, frequency
        # in kHz, beside voltages in kV.
        ("0000.005", "kA", Reading(Decimal(5), "A")),
        ("0000.014", "kA", Reading(Decimal(14), "A")),
        ("0000.049", "kHz", Reading(Decimal(49), "Hz")),
        ("0000.242", "kV", Reading(Decimal(242), "V")),
    ],
)
def test_kilo_volts_amps_and_hertz(number: str, unit: str, expected: Reading) -> None:
    reading = normalised(Decimal(number), unit)
    assert reading == expected
    assert str(reading.value) == str(expected.value)
