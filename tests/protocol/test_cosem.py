"""DATA-NOTIFICATION structure: header forms, strictness, and garbage never escaping."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
import json
from pathlib import Path
import struct
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.localgrid.protocol import cosem, hdlc
from custom_components.localgrid.protocol.cosem import (
    ApduError,
    UnsupportedLayoutError,
    decode_apdu,
)
from custom_components.localgrid.protocol.model import Reading

from .corpus import DLMS_IDS, plaintext

EXTRA = Path(__file__).parent.parent / "fixtures" / "meters_extra"
BODY = "0202" + "0906" + "0100200700FF" + "1200EC"  # {1-0:32.7.0, 236}
DT = "07E5091B01092F0F00FF8880"


@pytest.mark.parametrize(
    ("header", "timestamp"),
    [
        ("00", None),
        ("0C" + DT, datetime(2021, 9, 27, 7, 47, 15, tzinfo=UTC)),
        ("090C" + DT, datetime(2021, 9, 27, 7, 47, 15, tzinfo=UTC)),
        ("0900", None),
    ],
)
def test_header_date_time_forms(header: str, timestamp: datetime | None) -> None:
    payload = decode_apdu(bytes.fromhex("0F00000001" + header + BODY))
    assert payload.timestamp == timestamp
    assert str(payload.values["1-0:32.7.0"].value) == "236"


def test_memoryview_input() -> None:
    raw = plaintext("at07_kaifa_ma309_salzburgnetz_rawapdu_plain")
    assert decode_apdu(memoryview(raw)) == decode_apdu(raw)


@pytest.mark.parametrize(
    ("hex_data", "message"),
    [
        ("", "not a DATA-NOTIFICATION"),
        ("C001", "not a DATA-NOTIFICATION"),
        ("0E00000001" + "00" + BODY, "not a DATA-NOTIFICATION"),
        ("0F00000001" + "0B" + BODY, "date-time field"),
        ("0F00000001" + "0905" + BODY, "date-time field"),
        ("0F00000001" + "00" + BODY + "00", "garbage after"),
        ("0F00000001" + "00" + BODY[:-2], "past the end"),
        ("0F00000001" + "00" + "07" + BODY, "unknown data type"),
    ],
)
def test_invalid_apdus(hex_data: str, message: str) -> None:
    with pytest.raises(ApduError, match=message):
        decode_apdu(bytes.fromhex(hex_data))


def test_unsupported_layout_is_an_apdu_error_subclass() -> None:
    with pytest.raises(UnsupportedLayoutError):
        decode_apdu(bytes.fromhex("0F00000001001200EC"))
    assert issubclass(UnsupportedLayoutError, ApduError)
    assert issubclass(ApduError, ValueError)


def test_obis_with_billing_period_keeps_f() -> None:
    body = "0202" + "0906" + "0100010800" + "65" + "0600000001"
    payload = decode_apdu(bytes.fromhex("0F0000000100" + body))
    assert "1-0:1.8.0*101" in payload.values


def _decode_or_apdu_error(data: bytes) -> None:
    with contextlib.suppress(ApduError):
        decode_apdu(data)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_apdu_error(data: bytes) -> None:
    _decode_or_apdu_error(data)
    _decode_or_apdu_error(b"\x0f\x00\x00\x00\x01\x00" + data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(DLMS_IDS), st.data())
def test_truncations_and_bit_flips_of_real_apdus(sample_id: str, data: st.DataObject) -> None:
    raw = bytearray(plaintext(sample_id))
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(ApduError):
        decode_apdu(bytes(raw[:cut]))  # every strict prefix is incomplete
    flips = data.draw(st.lists(st.integers(0, len(raw) * 8 - 1), min_size=1, max_size=4))
    for bit in flips:
        raw[bit >> 3] ^= 1 << (bit & 7)
    _decode_or_apdu_error(bytes(raw))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(DLMS_IDS), st.binary(min_size=1, max_size=8))
def test_trailing_bytes_are_rejected(sample_id: str, tail: bytes) -> None:
    with pytest.raises(ApduError):
        decode_apdu(plaintext(sample_id) + tail)


def test_float_bool_and_null_values() -> None:
    body = "0203"
    body += "0203" + "0906" + "01000E0700FF" + "17424A0000" + "0202" + "0F00" + "162C"  # 50.5 Hz
    body += "0202" + "0906" + "0000600300FF" + "0301"  # a boolean
    body += "0202" + "0906" + "0000600301FF" + "00"  # null: nothing to read
    payload = decode_apdu(bytes.fromhex("0F0000000100" + body))
    assert payload.values["1-0:14.7.0"] == Reading(Decimal("50.5"), "Hz")
    assert payload.values["0-0:96.3.0"] == Reading(Decimal(1))
    assert "0-0:96.3.1" not in payload.values


CAPTURE = "0204" + "120003" + "0906" + "0100200700FF" + "0F02" + "120000"


def test_push_list_without_its_own_entry() -> None:
    body = "0202" + "0101" + CAPTURE + "1200EC"
    payload = decode_apdu(bytes.fromhex("0F0000000100" + body))
    assert payload.values["1-0:32.7.0"] == Reading(Decimal(236), "V")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("0202" + "0102" + CAPTURE + "1100" + "1200EC", "malformed push-object list"),
        ("0202" + "0103" + CAPTURE * 3 + "1200EC", "names 3 objects"),
    ],
)
def test_push_list_errors(body: str, message: str) -> None:
    with pytest.raises(UnsupportedLayoutError, match=message):
        decode_apdu(bytes.fromhex("0F0000000100" + body))


def _element(tag: int, payload: bytes) -> bytes:
    return bytes((tag,)) + payload


_OBIS = st.tuples(st.integers(0, 15), *[st.integers(0, 255)] * 5).map(bytes)
_LEAVES = st.one_of(
    st.just(b"\x00"),
    st.integers(0, 2**32 - 1).map(lambda v: _element(0x06, v.to_bytes(4))),
    st.integers(-(2**31), 2**31 - 1).map(lambda v: _element(0x05, v.to_bytes(4, signed=True))),
    st.integers(0, 0xFFFF).map(lambda v: _element(0x12, v.to_bytes(2))),
    st.integers(-128, 127).map(lambda v: _element(0x0F, v.to_bytes(1, signed=True))),
    st.integers(0, 255).map(lambda v: _element(0x16, bytes((v,)))),
    st.integers(0, 2**64 - 1).map(lambda v: _element(0x15, v.to_bytes(8))),
    st.booleans().map(lambda v: _element(0x03, bytes((v,)))),
    st.floats(width=32).map(lambda v: _element(0x17, struct.pack(">f", v))),
    st.binary(max_size=20).map(lambda v: _element(0x09, bytes((len(v),)) + v)),
    st.text(max_size=12).map(lambda v: _element(0x0A, bytes((len(v.encode()),)) + v.encode())),
    _OBIS.map(lambda v: _element(0x09, b"\x06" + v)),
    st.just(bytes.fromhex("090C" + DT)),
)
_DATA = st.recursive(
    _LEAVES,
    lambda children: st.lists(children, max_size=8).flatmap(
        lambda items: st.sampled_from((0x01, 0x02)).map(
            lambda tag: _element(tag, bytes((len(items),)) + b"".join(items))
        )
    ),
    max_leaves=40,
)


@settings(max_examples=500, deadline=None)
@given(_DATA)
def test_any_well_formed_body_decodes_or_is_an_unsupported_layout(body: bytes) -> None:
    """Valid A-XDR is never mistaken for garbage (a wrong key), whatever its shape."""
    try:
        payload = decode_apdu(b"\x0f\x00\x00\x00\x01\x00" + body)
    except UnsupportedLayoutError:
        return
    for code, reading in payload.values.items():
        assert isinstance(code, str)
        assert isinstance(reading, Reading)
        assert isinstance(reading.value, Decimal | str | datetime)


def _push_list(*captures: tuple[int, str], values: str) -> bytes:
    entries = "".join(
        "0204" + "12" + f"{class_id:04X}" + "0906" + code + "0F02" + "120000"
        for class_id, code in captures
    )
    body = f"02{len(captures) + 1:02X}" + f"01{len(captures):02X}" + entries + values
    return bytes.fromhex("0F0000000100" + body)


def test_push_list_of_an_unnamed_maker_scales_currents_and_power_factor() -> None:
    """No system title, no logical device name: the units every push-list maker uses."""
    apdu = _push_list((3, "01001F0700FF"), (3, "01000D0700FF"), values="120082" + "12011E")
    payload = decode_apdu(apdu)
    assert payload.values["1-0:31.7.0"] == Reading(Decimal("1.30"), "A")
    assert payload.values["1-0:13.7.0"] == Reading(Decimal("0.286"), "")


@pytest.mark.parametrize(("raw", "volts"), [("00EB", "235"), ("0935", "235.7"), ("5C14", "235.72")])
def test_unscaled_voltage_resolution_follows_its_magnitude(raw: str, volts: str) -> None:
    """1 V (L+G E450), 0.1 V (E360) or 0.01 V: a mains phase voltage is below 1000 V."""
    apdu = _push_list((3, "0100200700FF"), (3, "0100340700FF"), values=f"12{raw}120000")
    payload = decode_apdu(apdu)
    assert payload.values["1-0:32.7.0"] == Reading(Decimal(volts), "V")
    assert payload.values["1-0:52.7.0"].value == 0


@pytest.mark.parametrize("bits", ["7FC00000", "7F800000", "FF800000"])
def test_a_non_finite_float_is_no_reading(bits: str) -> None:
    """NaN or infinity (a meter's error marker) is left out, not scaled or compared."""
    body = "0204" + "0906" + "0100200700FF" + "1200EB" + "0906" + "0100340700FF" + "17" + bits
    payload = decode_apdu(bytes.fromhex("0F0000000100" + body))
    assert payload.values["1-0:32.7.0"] == Reading(Decimal(235), "V")
    assert "1-0:52.7.0" not in payload.values


def test_nul_padded_identifiers_are_read_without_their_padding() -> None:
    """L+G pads fixed-size text fields with NUL bytes: `RATE2` in 8 bytes (octet-string),
    a serial number in 16 (visible-string); binary ids still read as hex."""
    body = "0203"
    body += "0202" + "0906" + "0000600E00FF" + "0908" + b"RATE2".hex() + "000000"
    body += "0202" + "0906" + "0000600100FF" + "0A10" + b"40799390".hex() + "00" * 8
    body += "0202" + "0906" + "0000600101FF" + "0904" + "00000102"
    payload = decode_apdu(bytes.fromhex("0F0000000100" + body))
    assert payload.values["0-0:96.14.0"] == Reading("RATE2")
    assert payload.values["0-0:96.1.0"] == Reading("40799390")
    assert payload.values["0-0:96.1.1"] == Reading("00000102")
    assert payload.meter_id == "40799390"


def _entry(obis: str, value: str, scaler: str, unit: str, tags: str = "0906") -> str:
    return "0203" + tags + obis + value + "0202" + "0F" + scaler + "16" + unit


def test_obis_tags_written_swapped_are_undone() -> None:
    """L+G ZMF100 firmware writes `02 03 06 09 <OBIS>` for some entries (esphome-libs
    dlms_parser's capture); read as sent, the body is no valid A-XDR."""
    body = "0103"
    body += _entry("0100010700FF", "0600000230", "00", "1B")
    body += _entry("01001F0700FF", "1000F4", "FE", "21", tags="0609")
    body += _entry("0100200700FF", "12091A", "FF", "23")
    payload = decode_apdu(bytes.fromhex("0F4000000000" + body))
    assert payload.values["1-0:1.7.0"] == Reading(Decimal(560), "W")
    assert payload.values["1-0:31.7.0"] == Reading(Decimal("2.44"), "A")
    assert payload.values["1-0:32.7.0"] == Reading(Decimal("233.0"), "V")


def test_swapped_tags_are_undone_only_for_a_body_that_fails_as_sent() -> None:
    """A uint32 0x09xxxxxx opening a structure decodes as sent; nothing is rewritten."""
    body = "0101" + "0202" + "0609010020" + "0600000001"
    with pytest.raises(UnsupportedLayoutError):
        decode_apdu(bytes.fromhex("0F4000000000" + body))
    with pytest.raises(ApduError):
        decode_apdu(bytes.fromhex("0F4000000000" + "0101" + "0203" + "0609" + "0100" + "FF"))


def test_tariff_registers_without_unit_take_their_totals_unit() -> None:
    """Swiss Iskra AM550 push lists send Q1-Q4 reactive energy per tariff unscaled."""
    body = "0104" + "0906" + "0101050800FF" + "0600000064" + "0906" + "0101050801FF" + "0600000032"
    payload = decode_apdu(bytes.fromhex("0F0000000100" + body))
    assert payload.values["1-1:5.8.0"] == Reading(Decimal("0.100"), "kvarh")
    assert payload.values["1-1:5.8.1"] == Reading(Decimal("0.050"), "kvarh")


def _described(class_id: int, obis: str, attribute: int, value: str) -> str:
    return "0202" + f"{class_id:04X}" + obis + f"{attribute:02X}" + value


@pytest.mark.parametrize("header", ["02021601", ""], ids=["versioned", "bare"])
def test_attribute_descriptor_list(header: str) -> None:
    """Czech RS485 pushes (Sagemcom XT211, EG.D): each value after an untagged
    {class, OBIS, attribute}; the push setup's own entry is no reading."""
    entries = [
        _described(40, "0000190900FF", 1, "0906" + "0000190900FF"),
        _described(1, "0000600101FF", 2, "090A" + b"5100005149".hex()),
        _described(70, "0000600300FF", 3, "1601"),
        _described(3, "0100010700FF", 2, "06000007A4"),
        _described(3, "0100010800FF", 2, "06004AFA82"),
        _described(1, "0000600D00FF", 2, "0900"),
    ]
    body = header + "01" + f"{len(entries):02X}" + "".join(entries)
    payload = decode_apdu(bytes.fromhex("0F8000F1D500" + body))
    values = payload.values
    assert payload.meter_id == "5100005149"
    assert values["1-0:1.7.0"] == Reading(Decimal(1956), "W")
    assert values["1-0:1.8.0"] == Reading(Decimal("4913.794"), "kWh")
    assert values["0-0:96.3.0"] == Reading(Decimal(1))
    assert values["0-0:96.13.0"] == Reading("")
    assert "0-0:25.9.0" not in values


@pytest.mark.parametrize(
    "body",
    [
        "0102" + "0202" + "0003" + "0100010700FF" + "02" + "0600000001",  # one entry short
        "0101" + "0202" + "0003" + "FF00010700FF" + "02" + "0600000001",  # no OBIS code
        "0101" + "0202" + "0003" + "0100010700FF" + "02" + "06000000",  # value cut short
    ],
)
def test_malformed_attribute_descriptor_lists_are_apdu_errors(body: str) -> None:
    with pytest.raises(ApduError):
        decode_apdu(bytes.fromhex("0F0000000100" + body))


def test_push_list_reads_the_breaker_and_limiter_attributes() -> None:
    """Disconnect control (class 70) and limiter (71) are captured with attribute 3 (the
    control state, the threshold); other attributes than the value stay unread."""
    captures = [
        "0204" + "120028" + "0906" + "0000190900FF" + "0F02" + "120000",
        "0204" + "120046" + "0906" + "000060030AFF" + "0F03" + "120000",
        "0204" + "120047" + "0906" + "0000110000FF" + "0F03" + "120000",
        "0204" + "120003" + "0906" + "0100010700FF" + "0F03" + "120000",  # scaler_unit: unread
        "0204" + "120003" + "0906" + "0100020700FF" + "0F02" + "120000",
    ]
    body = "0205" + "0105" + "".join(captures) + "1601" + "0600000000" + "02020F00161B" + "1200EC"
    payload = decode_apdu(bytes.fromhex("0F0000000100" + body))
    assert payload.values["0-0:96.3.10"] == Reading(Decimal(1))
    assert payload.values["0-0:17.0.0"] == Reading(Decimal(0), "W")
    assert payload.values["1-0:2.7.0"] == Reading(Decimal(236), "W")
    assert "1-0:1.7.0" not in payload.values


@pytest.mark.parametrize(
    ("value", "meter_id"),
    [
        (Decimal(27581522), "27581522"),  # Danish Kamstrup lists: the number, unsigned
        (Decimal("27581522.5"), None),
        (Decimal(-1), None),
        ("", None),
    ],
)
def test_meter_number_sent_as_a_number(value: Decimal | str, meter_id: str | None) -> None:
    values = {"1-1:0.0.1": Reading(value), "1-1:1.8.0": Reading(Decimal(1), "kWh")}
    assert cosem._meter_id(values) == meter_id
    # A meter number sent as text comes first.
    values["0-0:96.1.0"] = Reading("1KFM0200175269")
    assert cosem._meter_id(values) == "1KFM0200175269"


def _kamstrup_summer_apdu() -> bytes:
    """A Kamstrup list sent 2017-08-16 16:00:05 (deviation unspecified, status 00), with
    its clock in the notification header and again as 0-1:1.0.0 in the list."""
    path = EXTRA / "no14_kamstrup_1phase_hourly_clock_in_list_hdlc_plain.json"
    frame = hdlc.read_frame(bytes.fromhex(json.loads(path.read_text())["hex"]), 0)
    assert frame is not None
    return hdlc.strip_llc(frame.info)


OSLO = ZoneInfo("Europe/Oslo")
_STANDARD = datetime(2017, 8, 16, 16, 0, 5, tzinfo=timezone(timedelta(hours=1)))
_SUMMER = datetime(2017, 8, 16, 16, 0, 5, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("change", "system_title", "moment"),
    [
        (None, None, _STANDARD),  # named by its list version, Kamstrup_V0001
        ((b"Kamstrup_V0001", b"Xamstrup_V0001"), None, _SUMMER),  # another maker
        ((b"Kamstrup_V0001", b"Xamstrup_V0001"), b"KAM\x01\x02\x03\x04\x05", _STANDARD),
    ],
)
def test_kamstrup_clock_runs_on_standard_time(
    change: tuple[bytes, bytes] | None, system_title: bytes | None, moment: datetime
) -> None:
    """Kamstrup clocks stay on standard time in summer (STANDARD_TIME_MAKERS); other
    makers' times without deviation are read as the local wall clock."""
    apdu = _kamstrup_summer_apdu()
    if change is not None:
        apdu = apdu.replace(*change)
    payload = decode_apdu(apdu, system_title=system_title, local_zone=OSLO)
    assert payload.timestamp == moment
    assert payload.timestamp.utcoffset() == moment.utcoffset()  # type: ignore[union-attr]
    without_header_time = apdu[:5] + b"\x00" + apdu[18:]
    for read in (
        payload,
        decode_apdu(without_header_time, system_title=system_title, local_zone=OSLO),
    ):
        clock = read.values["0-1:1.0.0"].value
        assert clock == moment
        assert clock.utcoffset() == moment.utcoffset()  # type: ignore[union-attr]


def test_kamstrup_time_sent_with_its_deviation_stays_as_sent() -> None:
    apdu = _kamstrup_summer_apdu()
    header_time = apdu[6:18]
    assert header_time[9:12] == b"\x80\x00\x00"
    sent_with_deviation = apdu[:6] + header_time[:9] + b"\xff\x88\x80" + apdu[18:]  # -120
    payload = decode_apdu(sent_with_deviation, local_zone=OSLO)
    assert payload.timestamp == _SUMMER
    assert payload.timestamp.utcoffset() == timedelta(hours=2)  # type: ignore[union-attr]
    assert payload.values["0-1:1.0.0"] == Reading(_STANDARD)  # the list's own, unspecified
