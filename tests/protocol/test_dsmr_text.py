"""P1 text telegram content: corpus telegrams, country variants, garbage."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.localgrid.protocol import dsmr_text
from custom_components.localgrid.protocol.dsmr_text import TelegramError, parse_telegram
from custom_components.localgrid.protocol.model import Reading

from .corpus import expected_reading, sample

NL = "nl01_iskra_dsmr50_text_plain"
AT = "at12_sagemcom_t210d_dsmr_text_plain"
LU = "lu01_sagemcom_smarty_dsmr_enc_auth"


def _text(sample_id: str) -> bytes:
    data = sample(sample_id)
    if data.get("text"):
        return bytes.fromhex(data["hex"])
    return str(data["expected"]["other"]["plaintext_text"]).encode()


def test_nl_dsmr50() -> None:
    payload = parse_telegram(_text(NL))
    expected = sample(NL)["expected"]["obis"]
    for code, item in expected.items():
        if code == "0-0:1.0.0":
            continue
        reading = payload.values[code]
        if "unit" in item:
            assert reading == expected_reading(item["value"], item["unit"]), code
        elif isinstance(item["value"], int):
            assert reading == Reading(Decimal(item["value"])), code
        else:
            assert reading == Reading(item["value"]), code
    assert payload.timestamp == datetime(2017, 1, 2, 18, 20, 2, tzinfo=UTC)
    assert payload.timestamp.utcoffset() == timedelta(hours=1)  # W: winter time
    assert payload.header == "ISk5\\2MT382-1000"
    assert payload.meter_id == "K8EG004046395507"  # 0-0:96.1.1, hex-decoded
    assert payload.values["1-0:1.7.0"] == Reading(Decimal(244), "W")
    assert payload.values["0-1:24.2.1"] == Reading(Decimal("0.107"), "m³")
    assert payload.values["0-1:96.1.0"] == Reading("2222ABCD123456789")
    assert payload.values["1-0:99.97.0"] == Reading(Decimal(0))
    assert payload.values["1-3:0.2.8"] == Reading("50")
    assert "0-0:96.13.0" not in payload.values  # empty ()
    assert "0-2:96.1.0" not in payload.values


def test_austrian_integer_wh() -> None:
    payload = parse_telegram(_text(AT))
    assert len(payload.values) == sample(AT)["expected"]["object_count"] == 18
    for code, item in sample(AT)["expected"]["obis"].items():
        assert payload.values[code] == expected_reading(item["value"], item["unit"]), code
    assert payload.values["1-0:1.8.0"] == Reading(Decimal("326.641"), "kWh")
    assert payload.timestamp == datetime(2021, 9, 2, 19, 57, 13, tzinfo=UTC)  # S: CEST
    assert payload.meter_id is None


def test_luxembourg_smarty() -> None:
    payload = parse_telegram(_text(LU))
    for code, item in sample(LU)["expected"]["obis"].items():
        assert payload.values[code] == expected_reading(item["value"], item["unit"]), code
    assert payload.meter_id == "SAG1030700114004"  # 42.0.0 sends it three times over
    assert payload.values["1-0:3.8.0"] == Reading(Decimal("0.818"), "kvarh")
    assert payload.values["0-0:17.0.0"] == Reading(Decimal("77.376"))
    assert payload.header == "Lux5\\253663629_D"


BELGIAN = (
    b"/FLU5\\253769484_A\r\n\r\n"
    b"0-0:96.1.4(50217)\r\n"
    b"0-0:96.1.1(3153414733313031303231363035)\r\n"
    b"0-0:1.0.0(200512135409S)\r\n"
    b"1-0:1.8.1(000000.034*kWh)\r\n"
    b"0-0:96.14.0(0001)\r\n"
    b"1-0:1.4.0(02.351*kW)\r\n"
    b"1-0:1.6.0(200509134558S)(02.589*kW)\r\n"
    b"0-0:98.1.0(3)(1-0:1.6.0)(1-0:1.6.0)(200501000000S)(200423192538S)(03.695*kW)\r\n"
    b"1-0:32.7.0(232.2*V)\r\n"
    b"0-0:17.0.0(999.9*kW)\r\n"
    b"0-1:24.1.0(003)\r\n"
    b"0-1:96.1.1(37464C4F32313139303333373333)\r\n"
    b"0-1:24.2.3(200512134558S)(00112.384*m3)\r\n"
    b"0-2:24.1.0(007)\r\n"
    b"0-2:24.2.1(200512134558S)(00872.234*m3)\r\n"
    b"!XXXX\r\n"
)


def test_belgian_e_mucs() -> None:
    payload = parse_telegram(BELGIAN)
    values = payload.values
    assert values["0-0:96.1.4"] == Reading("50217")
    assert payload.meter_id == "1SAG3101021605"
    assert values["0-0:96.14.0"] == Reading("0001")
    assert values["1-0:1.4.0"] == Reading(Decimal(2351), "W")
    assert values["1-0:1.6.0"] == Reading(Decimal(2589), "W")
    assert values["0-0:98.1.0"] == Reading(Decimal(3))
    assert values["0-0:17.0.0"] == Reading(Decimal("999900"), "W")
    assert values["0-1:24.2.3"] == Reading(Decimal("112.384"), "m³")
    assert values["0-2:24.2.1"] == Reading(Decimal("872.234"), "m³")
    assert values["0-1:96.1.1"] == Reading("7FLO2119033733")


def test_dsmr22_gas_on_a_continuation_line_and_unflagged_time() -> None:
    telegram = (
        b"/ISk5\\2ME382-1003\r\n\r\n"
        b"0-0:96.1.1(4B413650303035313030)\r\n"
        b"1-0:1.8.1(00185.000*kWh)\r\n"
        b"0-1:24.3.0(110101160000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n"
        b"(00000.107)\r\n"
        b"!\r\n"
    )
    payload = parse_telegram(telegram)
    assert payload.values["0-1:24.3.0"] == Reading(Decimal("0.107"), "m³")
    assert payload.values["1-0:1.8.1"] == Reading(Decimal(185), "kWh")
    assert payload.meter_id == "KA6P005100"


def test_garbage_lines_are_skipped() -> None:
    telegram = (
        b"/XMX5LGBBFG1012650850\r\n\r\n"
        b"1-0:1.8.1(000001.000*kWh)\r\n"
        b"\x00\xff garbage (((\r\n"
        b"1-0:4:24.7.0(00.000*kvar)\r\n"  # malformed code seen on a Kamstrup
        b"1-0:1.8.2(000x02.000*kWh)\r\n"  # not a number: kept as text
        b"0-0:1.0.0(991332250000W)\r\n"  # impossible date: dropped
        b"!1234\r\n"
    )
    payload = parse_telegram(telegram)
    assert payload.values["1-0:1.8.1"] == Reading(Decimal(1), "kWh")
    assert payload.values["1-0:1.8.2"] == Reading("000x02.000*kWh")
    assert "0-0:1.0.0" not in payload.values
    assert payload.timestamp is None
    assert len(payload.values) == 2


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"1-0:1.8.1(000001.000*kWh)\r\n!1234\r\n",  # no header
        b"/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n",  # no end
        b"/ISK5\\2M550T-1012\r\n\r\n!1234\r\n",  # no objects
        b"/ISK5",
        b"garbage/ISK5\r\n1-0:1.8.1(1*kWh)\r\n!",
    ],
)
def test_not_a_telegram(text: bytes) -> None:
    with pytest.raises(TelegramError):
        parse_telegram(text)


def _parse_or_telegram_error(data: bytes) -> None:
    with contextlib.suppress(TelegramError):
        parse_telegram(data)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600))
def test_random_bytes_raise_only_telegram_error(data: bytes) -> None:
    _parse_or_telegram_error(data)
    _parse_or_telegram_error(b"/" + data + b"!")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from((NL, AT, LU)), st.data())
def test_truncations_and_bit_flips(sample_id: str, data: st.DataObject) -> None:
    raw = bytearray(_text(sample_id))
    cut = data.draw(st.integers(0, len(raw)))
    _parse_or_telegram_error(bytes(raw[:cut]))
    for bit in data.draw(st.lists(st.integers(0, len(raw) * 8 - 1), min_size=1, max_size=6)):
        raw[bit >> 3] ^= 1 << (bit & 7)
    _parse_or_telegram_error(bytes(raw))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789-:.()*WSkmVAhvar3/!\r\n", max_size=300))
def test_telegram_shaped_noise(text: str) -> None:
    _parse_or_telegram_error(text.encode())


def _telegram(*lines: str) -> bytes:
    return ("\r\n".join(("/XXX5 test", "", *lines, "!")) + "\r\n").encode()


def test_codes_written_with_their_f_group() -> None:
    """EasyMeter Q3D: `1-0:1.8.0*255(...)`; F other than 255 stays in the key."""
    payload = parse_telegram(
        _telegram("1-0:1.8.0*255(00052185.7825309*kWh)", "1-0:1.8.0*101(00000001.000*kWh)")
    )
    assert payload.values["1-0:1.8.0"] == Reading(Decimal("52185.7825309"), "kWh")
    assert payload.values["1-0:1.8.0*101"] == Reading(Decimal("1.000"), "kWh")


def test_codes_written_with_a_dotted_f_group() -> None:
    """The DSMR 4.2 example writes `1-0:31.7.0.255(...)`: the same code as `1-0:31.7.0`."""
    payload = parse_telegram(_telegram("1-0:31.7.0.255(001*A)", "1-0:21.7.0.255(01.111*kW)"))
    assert payload.values["1-0:31.7.0"] == Reading(Decimal(1), "A")
    assert payload.values["1-0:21.7.0"] == Reading(Decimal(1111), "W")


def test_units_written_without_their_star() -> None:
    """`(000123.456kWh)`: a known unit right after the number is the number's unit;
    other text after a number stays text."""
    lines = ("1-0:1.8.1(000123.456kWh)", "1-0:1.7.0(01.234kW)", "1-0:99.1.0(12ABC)")
    payload = parse_telegram(_telegram(*lines, "1-0:99.2.0(230211111541W)"))
    assert payload.values["1-0:1.8.1"] == Reading(Decimal("123.456"), "kWh")
    assert payload.values["1-0:1.7.0"] == Reading(Decimal(1234), "W")
    assert payload.values["1-0:99.1.0"] == Reading("12ABC")
    # Twelve digits and a W are a winter time, not watts.
    moment = datetime(2023, 2, 11, 11, 15, 41, tzinfo=timezone(timedelta(hours=1)))
    assert payload.values["1-0:99.2.0"] == Reading(moment)


def test_text_message_wrapped_inside_its_parentheses() -> None:
    """The DSMR 4.2/5.0 examples break a long message inside its parentheses."""
    message = b"Hello, meter".hex().upper()
    payload = parse_telegram(
        _telegram(f"0-0:96.13.0({message[:10]}", f"{message[10:]})", "1-0:1.8.1(1.000*kWh)")
    )
    assert payload.values["0-0:96.13.0"] == Reading("Hello, meter")
    assert payload.values["1-0:1.8.1"] == Reading(Decimal("1.000"), "kWh")


@pytest.mark.parametrize(("flag", "hours"), [("s", 2), ("w", 1)])
def test_winter_summer_flag_in_lower_case(flag: str, hours: int) -> None:
    """A Landis+Gyr E350 (DSMR 4.0) writes the gas capture time's flag in lower case."""
    payload = parse_telegram(
        _telegram(f"0-0:1.0.0(150701190010{flag})", f"0-1:24.2.1(150701190000{flag})(00845.206*m3)")
    )
    zone = timezone(timedelta(hours=hours))
    assert payload.timestamp == datetime(2015, 7, 1, 19, 0, 10, tzinfo=zone)
    assert payload.values["0-1:24.2.1"] == Reading(Decimal("845.206"), "m³")


def test_dsmr22_gas_profile_also_under_the_code_it_names() -> None:
    payload = parse_telegram(
        _telegram("0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)", "(00001.001)")
    )
    gas = Reading(Decimal("1.001"), "m³")
    assert payload.values["0-1:24.3.0"] == payload.values["0-1:24.2.1"] == gas


def test_clock_spelled_out_and_placeholder_ids() -> None:
    """NES (Denmark) writes `20240111 09:35:00`; an id of zeros is not `0` repeated."""
    payload = parse_telegram(
        _telegram("0-0:1.0.0(20240111 09:35:00)", "0-0:96.1.1(00000000000000)")
    )
    assert payload.timestamp == datetime(2024, 1, 11, 8, 35, tzinfo=UTC)
    assert payload.meter_id == "00000000000000"


@pytest.mark.parametrize(
    ("lines", "meter_id"),
    [
        # EasyMeter Q3D: server id and property number (written with the *255 suffix)
        (("1-0:0.0.0*255(0272031312565)", "0-0:96.1.255*255(1ESY1313002565)"), "1ESY1313002565"),
        (("1-0:96.1.0*255(1EBZ0100507409)", "1-0:0.0.0*255(1EBZ0100507409)"), "1EBZ0100507409"),
        (("1-0:0.0.0(0272031312565)",), "0272031312565"),
    ],
)
def test_german_d0_meters_name_themselves(lines: tuple[str, ...], meter_id: str) -> None:
    payload = parse_telegram(_telegram("1-0:1.8.0*255(00052185.7825309*kWh)", *lines))
    assert payload.meter_id == meter_id
    assert payload.values["1-0:1.8.0"] == Reading(Decimal("52185.7825309"), "kWh")


def test_hex_operating_time_stays_as_sent() -> None:
    """eBZ DD3: `0-0:96.8.0*255(00104443)` counts seconds in hex (1,066,051 s); read as
    a decimal number it would be wrong, so it stays the text the meter sent."""
    for _ in range(2):  # line parser, then the plan
        payload = parse_telegram(_telegram("0-0:96.8.0*255(00104443)", "1-0:1.8.0(1.5*kWh)"))
        assert payload.values["0-0:96.8.0"] == Reading("00104443")
        assert payload.values["1-0:1.8.0"] == Reading(Decimal("1.5"), "kWh")


@pytest.mark.parametrize("entries", [0, 1, 2])
def test_power_failure_log_count_is_not_the_logged_code(entries: int) -> None:
    """`1-0:99.97.0(n)(0-0:96.7.19)(time)(duration)...`: the count is the log's value; the
    code it names is the log buffer, not a register holding that count (with one entry
    the code stood where the DSMR 2.2 gas profile names its register)."""
    log = f"1-0:99.97.0({entries})(0-0:96.7.19)" + "(180529135630S)(0000002451*s)" * entries
    payload = parse_telegram(_telegram(log, "0-0:96.7.21(00006)"))
    assert payload.values["1-0:99.97.0"] == Reading(Decimal(entries))
    assert "0-0:96.7.19" not in payload.values
    assert payload.values["0-0:96.7.21"] == Reading(Decimal(6))


def test_padding_around_ids_and_messages() -> None:
    """Kamstrup DSMR 2.2 ids are hex of ' ZABF...' (a leading space); Sanxing (E.ON
    Hungary) fills an empty message with 0xFF. Both through the line parser and the plan."""
    telegram = _telegram(
        "0-0:96.1.1(205A4142463030313531373732373131)",
        "0-1:96.1.0(20202020)",
        "0-0:96.13.1( 303132 )",
        "1-0:1.8.1(00001.000*kWh)",
    ).replace(b"!", b"0-0:96.13.0(" + b"\xff" * 1024 + b")\r\n!")
    for _ in range(2):  # the second one is read through the plan of the first
        payload = parse_telegram(telegram)
        assert payload.meter_id == "ZABF00151772711"
        assert payload.values["0-0:96.1.1"] == Reading("ZABF00151772711")
        assert payload.values["0-0:96.13.1"] == Reading("303132")  # not hex digit pairs
        assert "0-1:96.1.0" not in payload.values  # spaces only: no id
        assert "0-0:96.13.0" not in payload.values  # fill only: no message
        assert payload.values["1-0:1.8.1"] == Reading(Decimal("1.000"), "kWh")


def test_billing_snapshot_is_not_one_register() -> None:
    """E.ON Hungary `0-0:98.1.0(time)(1.8.0*kWh)...(peak*kW)`: the registers of the last
    billing period, none of them the object's value; `(time)(value*unit)` still is one."""
    snapshot = "0-0:98.1.0(230801000000S)(000663.924*kWh)(000383.623*kWh)(05.144*kW)"
    for _ in range(2):
        payload = parse_telegram(
            _telegram(snapshot, "1-0:1.6.0(230107171500W)(02.572*kW)", "1-0:1.8.0(1.000*kWh)")
        )
        assert "0-0:98.1.0" not in payload.values
        assert payload.values["1-0:1.6.0"] == Reading(Decimal(2572), "W")
        assert payload.values["1-0:1.8.0"] == Reading(Decimal("1.000"), "kWh")


HELSINKI = ZoneInfo("Europe/Helsinki")
CET = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("stamp", "utc"),
    [
        ("240115120000W", datetime(2024, 1, 15, 10, 0, tzinfo=UTC)),  # EET
        ("240715120000S", datetime(2024, 7, 15, 9, 0, tzinfo=UTC)),  # EEST
        # 03:30 happens twice when clocks go back: S is the first, W the second time.
        ("241027033000S", datetime(2024, 10, 27, 0, 30, tzinfo=UTC)),
        ("241027033000W", datetime(2024, 10, 27, 1, 30, tzinfo=UTC)),
        # W in summer: a clock on standard time all year (EET), as Swedish meters keep
        # theirs (CET: see the next test).
        ("240715120000W", datetime(2024, 7, 15, 10, 0, tzinfo=UTC)),
    ],
)
def test_meter_clock_in_another_zone(stamp: str, utc: datetime) -> None:
    """A Finnish meter's W/S times are wall-clock times of its own zone."""
    text = _telegram(f"0-0:1.0.0({stamp})", "0-1:24.2.1(240115120000W)(00012.345*m3)")
    payload = parse_telegram(text, HELSINKI)
    assert payload.timestamp is not None
    # (astimezone: `==` across zones never holds for a time of the repeated hour, PEP 495)
    assert payload.timestamp.astimezone(UTC) == utc
    assert payload.values["0-1:24.2.1"] == Reading(Decimal("12.345"), "m³")
    # The same telegram through the plan made by the first parse reads the same.
    assert parse_telegram(text, HELSINKI) == payload
    default = parse_telegram(text)
    assert default.timestamp is not None
    assert default.timestamp.astimezone(UTC) - utc == timedelta(hours=1)


@pytest.mark.parametrize(
    ("sample_id", "offset"),
    [
        ("se11_kaifa_ma304h4e_p1_text_kvar_units", 1),  # 2021-05-24 09:42:10 W
        ("se14_lg_e360_hanportenexporter_p1_text", 1),  # 2022-03-30 22:06:00 W
        ("se06_kamstrup_omnia_p1_text", 2),  # 2024-04-07 12:28:54 S
    ],
)
def test_swedish_clocks_keep_their_flag_in_their_own_zone(sample_id: str, offset: int) -> None:
    """Kaifa and Landis+Gyr meters in Sweden stay on standard time in summer and say so
    (W); read in Stockholm's zone as Home Assistant passes it, they keep that offset."""
    path = Path(__file__).parent.parent / "fixtures" / "meters_extra" / f"{sample_id}.json"
    raw = bytes.fromhex(json.loads(path.read_text())["hex"])
    text = raw[raw.index(b"/") :].replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    for zone in (None, ZoneInfo("Europe/Stockholm")):
        payload = parse_telegram(text, zone)
        assert payload.timestamp is not None
        assert payload.timestamp.utcoffset() == timedelta(hours=offset)


def test_clock_sent_as_a_hex_cosem_date_time() -> None:
    """ESR meters write the clock as a 12-byte COSEM date-time in hex; an offset the
    meter sends stays, an unspecified one is the meter's zone."""
    with_offset = _telegram("0-0:1.0.0(07E8061C050A2B2B00FF8880)")  # deviation -120 min
    without = _telegram("0-0:1.0.0(07E8061C050A2B2B00800000)")  # deviation unspecified
    for zone in (None, HELSINKI):
        payload = parse_telegram(with_offset, zone)
        assert payload.timestamp is not None
        assert payload.timestamp.isoformat() == "2024-06-28T10:43:43+02:00"
    assert parse_telegram(without).timestamp == datetime(2024, 6, 28, 8, 43, 43, tzinfo=UTC)
    assert parse_telegram(without, HELSINKI).timestamp == datetime(
        2024, 6, 28, 7, 43, 43, tzinfo=UTC
    )
    # 24 hex digits that are no date-time stay text.
    odd = parse_telegram(_telegram("0-0:1.0.0(07E80D1C050A2B2B00FF8880)"))
    assert odd.values["0-0:1.0.0"] == Reading("07E80D1C050A2B2B00FF8880")


@pytest.mark.parametrize("zone", [None, HELSINKI])
def test_clock_sent_without_its_winter_summer_flag(zone: ZoneInfo | None) -> None:
    """Belgian Iskra IE.5 (home-assistant/core #90797): `0-0:1.0.0(230404213104)`, the
    meter's wall-clock time without W/S, is the telegram's time, not a number."""
    text = _telegram("0-0:1.0.0(230404213104)", "1-0:1.7.0(01.449*kW)")
    payload = parse_telegram(text, zone)
    assert payload.timestamp is not None
    offset = 3 if zone is HELSINKI else 2  # EEST / CEST on 4 April
    assert payload.timestamp.astimezone(UTC) == datetime(2023, 4, 4, 21 - offset, 31, 4, tzinfo=UTC)
    assert payload.values["0-0:1.0.0"].value == payload.timestamp
    assert payload.values["1-0:1.7.0"] == Reading(Decimal(1449), "W")
    # The plan the first parse made reads the next telegram of this shape the same way.
    later = parse_telegram(text.replace(b"213104", b"213105"), zone)
    assert later.timestamp == payload.timestamp + timedelta(seconds=1)
    # Twelve digits under another code stay a number; an impossible clock is no time.
    other = parse_telegram(_telegram("0-0:96.7.21(230404213104)", "0-0:1.0.0(231304213104)"))
    assert other.values["0-0:96.7.21"] == Reading(Decimal(230404213104))
    assert other.timestamp is None


@pytest.mark.parametrize(
    ("stamp", "moment"),
    [
        ("161231235959W", datetime(2016, 12, 31, 23, 59, 59, tzinfo=CET)),
        # ISO 8601's end of the day: midnight of the next one
        ("161231240000W", datetime(2017, 1, 1, 0, 0, tzinfo=CET)),
        ("160229120000W", datetime(2016, 2, 29, 12, 0, tzinfo=CET)),
        ("170229120000W", None),  # no 29 February in 2017
        ("161231236000W", None),
        ("161331120000W", None),
    ],
)
def test_clock_times_and_impossible_ones(stamp: str, moment: datetime | None) -> None:
    text = _telegram(f"0-0:1.0.0({stamp})", "1-0:1.8.0(000001.000*kWh)")
    for _ in range(2):  # line parser, then the plan
        payload = parse_telegram(text)
        assert payload.timestamp == moment
        assert ("0-0:1.0.0" in payload.values) == (moment is not None)


def test_identifiers_and_logs_of_many_meters() -> None:
    """Ids, messages and logs are decoded once per meter and remembered; with many meters
    the memory stays bounded and every telegram still reads its own."""
    for number in range(600):
        meter_id = f"E{number:015d}"
        log = f"1-0:99.97.0(1)(0-0:96.7.19)(180529135630S)({number:010d}*s)"
        text = _telegram(f"0-0:96.1.1({meter_id.encode().hex()})", log, "0-0:96.13.0()")
        for _ in range(2):  # line parser, then the plan
            payload = parse_telegram(text)
            assert payload.meter_id == meter_id
            assert payload.values["1-0:99.97.0"] == Reading(Decimal(1))
            assert "0-0:96.13.0" not in payload.values
    assert len(dsmr_text._SAME_TEXTS) <= dsmr_text._MAX_REMEMBERED
    assert len(dsmr_text._SAME_OBJECTS) <= dsmr_text._MAX_REMEMBERED


def test_sub_meter_placeholder_is_no_reading() -> None:
    """Meters without a gas meter write `(632525252525W)(00000.000)` on its channel (an
    impossible capture time, a number without unit, dsmr-reader #919 and #1750): no
    reading. With a real capture time, or with its unit, the value is read."""
    for _ in range(2):  # line parser, then the plan
        payload = parse_telegram(
            _telegram(
                "0-1:24.2.3(632525252525W)(00000.000)",
                "0-2:24.2.1(632525252525S)(00001.000)",
                "0-3:24.2.1(170102161005W)(00000.107)",
                "0-4:24.2.1(632525252525W)(00012.345*m3)",
                "1-0:1.8.1(000001.000*kWh)",
            )
        )
        assert "0-1:24.2.3" not in payload.values
        assert "0-2:24.2.1" not in payload.values
        assert payload.values["0-3:24.2.1"] == Reading(Decimal("0.107"))
        assert payload.values["0-4:24.2.1"] == Reading(Decimal("12.345"), "m³")
