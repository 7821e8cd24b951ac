"""Every public DLMS telegram decodes to the values its source asserts (all five layouts)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from custom_components.localgrid.protocol.cosem import (
    UnsupportedLayoutError,
    decode_apdu,
)
from custom_components.localgrid.protocol.layouts import POSITIONAL_LAYOUTS
from custom_components.localgrid.protocol.model import Reading

from .corpus import DLMS_IDS, dashed, expected_reading, plaintext, sample


@pytest.mark.parametrize("sample_id", DLMS_IDS)
def test_corpus_obis_values(sample_id: str) -> None:
    """Each OBIS value the source asserts, in normalised units, exactly."""
    payload = decode_apdu(plaintext(sample_id))
    expected = sample(sample_id)["expected"]["obis"]
    for code, item in expected.items():
        unit = item.get("unit")
        if unit is None and sample_id.startswith("xx02"):
            # The E450 push carries no unit: energies Wh/varh, powers W/var (README).
            c = int(code.split(".")[2])
            unit = ("Wh" if c < 3 else "varh") if ".8." in code else ("W" if c < 3 else "var")
        assert payload.values[dashed(code)] == expected_reading(item["value"], unit), code


def test_at01_flat_list_with_datetime_first_and_meter_number_last() -> None:
    payload = decode_apdu(plaintext("at01_kaifa_ma309m_netznoe_mbus_enc"))
    assert payload.meter_id == "181220000009"
    assert payload.values["0-0:96.1.0"] == Reading("181220000009")
    assert payload.timestamp == datetime(2021, 9, 27, 7, 47, 15, tzinfo=UTC)  # FF88: CEST
    assert payload.values["1-0:1.8.0"] == Reading(Decimal("12.937"), "kWh")
    assert len(payload.values) == 13  # 11 registers + meter number + leading clock


def test_at07_nested_with_scaler_unit() -> None:
    payload = decode_apdu(plaintext("at07_kaifa_ma309_salzburgnetz_rawapdu_plain"))
    assert payload.meter_id == "1KFM0200234804"
    assert payload.timestamp == datetime(2022, 11, 12, 15, 54, tzinfo=UTC)  # FFC4: CET
    assert payload.values["0-0:1.0.0"].value == payload.timestamp
    assert payload.values["1-0:4.8.0"] == Reading(Decimal("376.416"), "kvarh")


def test_xx01_six_character_id_is_not_an_obis_code() -> None:
    payload = decode_apdu(plaintext("xx01_iskra_am550_hdlc_seg_plain"))
    assert payload.values["0-0:96.1.1"] == Reading("160456")
    assert payload.meter_id == "84895126"
    assert len(payload.values) == 16


def test_no01_aidon_without_header_datetime() -> None:
    payload = decode_apdu(plaintext("no01_aidon_1phase_hdlc_plain"))
    assert payload.timestamp is None
    assert payload.meter_id == "7359992890941742"
    assert payload.values["1-0:31.7.0"] == Reading(Decimal("9.3"), "A")  # int16 current


def test_xx02_flat_pairs_with_implicit_units() -> None:
    payload = decode_apdu(plaintext("xx02_lg_e450_gbt_hdlc_enc_auth_a"))
    assert payload.values["1-0:1.8.0"] == Reading(Decimal("4408.736"), "kWh")
    assert payload.values["1-0:1.7.0"] == Reading(Decimal(2893), "W")
    assert payload.values["1-0:3.7.0"] == Reading(Decimal(1735), "var")
    # The source's datetime is local time, deviation FFFF... here: 2022-02-21 17:37:30.
    assert payload.timestamp is not None
    assert payload.timestamp.replace(tzinfo=None) == datetime(2022, 2, 21, 17, 37, 30)
    assert len(payload.values) == 17


def test_ch01_push_object_list_first() -> None:
    payload = decode_apdu(plaintext("ch01_lg_e450_vse2026_gbt_hdlc_plain"))
    other = sample("ch01_lg_e450_vse2026_gbt_hdlc_plain")["expected"]["other"]
    expected = {
        "1-0:1.7.0": ("ACTIVE_POWER_P", "W"),
        "1-0:2.7.0": ("ACTIVE_POWER_N", "W"),
        "1-1:1.8.0": ("ACTIVE_ENERGY_P", "Wh"),
        "1-1:2.8.0": ("ACTIVE_ENERGY_N", "Wh"),
        "1-1:3.8.0": ("REACTIVE_ENERGY_P", "varh"),
        "1-1:4.8.0": ("REACTIVE_ENERGY_N", "varh"),
        "1-0:32.7.0": ("VOLTAGE_L1", "V"),
        "1-0:52.7.0": ("VOLTAGE_L2", "V"),
        "1-0:72.7.0": ("VOLTAGE_L3", "V"),
        "1-0:31.7.0": ("CURRENT_L1", "A"),
        "1-0:51.7.0": ("CURRENT_L2", "A"),
        "1-0:71.7.0": ("CURRENT_L3", "A"),
    }
    for code, (name, unit) in expected.items():
        assert payload.values[code] == expected_reading(other[name], unit), code
    assert payload.meter_id == other["source_id"] == "LGZ1030653520967"
    clock = payload.values["0-0:1.0.0"].value
    assert isinstance(clock, datetime)
    assert clock.strftime("%d.%m.%Y %H:%M:%S") == other["timestamp_local"]


def test_no04_kaifa_positional_list2() -> None:
    payload = decode_apdu(plaintext("no04_kaifa_ma304h3e_hdlc_plain"))
    golden = sample("no04_kaifa_ma304h3e_hdlc_plain")["expected"]["other"]["amsreader_golden"]
    values = payload.values
    assert payload.meter_id == golden["meterId"]
    assert values["1-0:1.7.0"] == Reading(Decimal(golden["activeImport_W"]), "W")
    assert values["1-0:2.7.0"] == Reading(Decimal(golden["activeExport_W"]), "W")
    for code, name in (("1-0:32.7.0", "l1v"), ("1-0:52.7.0", "l2v"), ("1-0:72.7.0", "l3v")):
        assert values[code] == Reading(Decimal(str(golden[name])), "V")
    # amsreader's golden currents are rounded floats; the meter sends mA.
    for code, name in (("1-0:31.7.0", "l1a"), ("1-0:51.7.0", "l2a"), ("1-0:71.7.0", "l3a")):
        assert values[code].unit == "A"
        assert round(values[code].value, 2) == Decimal(str(golden[name]))  # type: ignore[arg-type]
    assert values["1-0:31.7.0"].value == Decimal("12.056")
    assert values["0-0:96.1.7"] == Reading("MA304H3E")
    assert "1-0:1.8.0" not in values  # list 2 has no energy (golden importCounter 0)


def test_at03_positional_netz_burgenland() -> None:
    payload = decode_apdu(plaintext("at03_lg_e450_netzburgenland_hdlc_enc_auth_1"))
    assert payload.meter_id == "30137181"
    values = payload.values
    assert values["1-0:32.7.0"] == Reading(Decimal(236), "V")
    assert values["1-0:71.7.0"] == Reading(Decimal("0.26"), "A")
    assert values["1-0:1.7.0"] == Reading(Decimal(29), "W")
    assert values["1-0:1.8.0"] == Reading(Decimal("31358.606"), "kWh")
    assert values["1-0:2.8.0"] == Reading(Decimal("7.619"), "kWh")


def _apdu(body_hex: str, header: str = "0C07E7031C02130B14FF800000") -> bytes:
    return bytes.fromhex("0F00000001" + header + body_hex)


def _u32(value: int) -> str:
    return "06" + value.to_bytes(4).hex()


def _octet(text: bytes) -> str:
    return "09" + bytes((len(text),)).hex() + text.hex()


DATETIME = "07E8060F06102D0000FF8880"  # 2024-06-15 16:45:00, deviation -120


def test_kaifa_list3_three_phase() -> None:
    values = [_octet(b"KFM_001"), _octet(b"6970631403275928"), _octet(b"MA304H3E")]
    values += [_u32(v) for v in (4097, 0, 195, 0, 12056, 5754, 13412, 2392, 0, 2397)]
    values += ["090C" + DATETIME] + [_u32(v) for v in (12345678, 1000, 2000, 3000)]
    payload = decode_apdu(_apdu("0212" + "".join(values)))
    assert payload.values["1-0:1.8.0"] == Reading(Decimal("12345.678"), "kWh")
    assert payload.values["1-0:4.8.0"] == Reading(Decimal("3.000"), "kvarh")
    assert payload.values["0-0:1.0.0"] == Reading(datetime(2024, 6, 15, 14, 45, tzinfo=UTC))


def test_wiener_netze_e450_list() -> None:
    body = "0209" + "090C" + DATETIME + "".join(_u32(v) for v in range(1, 9))
    payload = decode_apdu(_apdu(body, header="00"))
    assert payload.timestamp == datetime(2024, 6, 15, 14, 45, tzinfo=UTC)
    assert payload.values["1-0:1.8.0"] == Reading(Decimal("0.001"), "kWh")
    assert payload.values["1-0:4.7.0"] == Reading(Decimal(8), "var")


def test_iskra_list_named_by_push_setup() -> None:
    body = "020C" + _octet(bytes((0, 6, 25, 9, 0, 255))) + "090C" + DATETIME + "0000"
    body += "".join(_u32(v) for v in (5000, 10, 20, 30, 400, 0)) + "0000"
    payload = decode_apdu(_apdu(body))
    assert payload.values["1-0:1.8.0"] == Reading(Decimal(5), "kWh")
    assert payload.values["1-0:1.7.0"] == Reading(Decimal(400), "W")


@pytest.mark.parametrize("layout", ["iskra_am550_push_25_9", "siemens_im350_push_25_9"])
def test_austrian_push_lists_name_their_meter(layout: str) -> None:
    """The element after the push setup's name is the meter number printed on the meter
    (ASCII digits): the user's serial number is checked against it."""
    (kinds,) = [entry.kinds for entry in POSITIONAL_LAYOUTS if entry.name == layout]
    numbers = "".join(_u32(value) for value in range(1, 7)) + "00" * (len(kinds) - 10)
    body = f"02{len(kinds):02X}" + _octet(bytes((0, 6, 25, 9, 0, 255)))
    body += _octet(b"1121273201353") + _octet(bytes.fromhex("13010e00"))
    body += _octet(bytes.fromhex("07e5031904"))
    payload = decode_apdu(_apdu(body + numbers))
    assert payload.meter_id == "1121273201353"
    assert payload.values["1-0:2.7.0"] == Reading(Decimal(6), "W")


def test_kamstrup_flat_pairs_use_its_implicit_units() -> None:
    def pair(obis: str, value: str) -> str:
        return "0906" + obis + value

    body = "0208" + pair("0101000281FF", "0A0E" + b"Kamstrup_V0001".hex())
    body += pair("0101010800FF", _u32(1234567))  # 0.01 kWh
    body += pair("01011F0700FF", _u32(1234))  # 0.01 A
    body += pair("0101200700FF", "1200E6")  # V
    payload = decode_apdu(_apdu(body, header="00"))
    assert payload.values["1-1:1.8.0"] == Reading(Decimal("12345.67"), "kWh")
    assert payload.values["1-1:31.7.0"] == Reading(Decimal("12.34"), "A")
    assert payload.values["1-1:32.7.0"] == Reading(Decimal(230), "V")


def test_maker_from_system_title_when_payload_has_none() -> None:
    body = "0202" + "0906" + "0100200700FF" + "1200EC"
    isk = decode_apdu(_apdu(body, header="00"), system_title=b"ISK\x00\x00\x00\x00\x01")
    assert isk.values["1-0:32.7.0"] == Reading(Decimal("23.6"), "V")
    plain = decode_apdu(_apdu(body, header="00"))
    assert plain.values["1-0:32.7.0"] == Reading(Decimal(236), "V")


def test_unknown_layout_is_reported_as_such() -> None:
    with pytest.raises(UnsupportedLayoutError, match="no known layout"):
        decode_apdu(_apdu("0203" + "1200011200021200030000", header="00")[:-2])
    with pytest.raises(UnsupportedLayoutError):
        decode_apdu(_apdu("1200EC", header="00"))


def test_positional_layouts_are_unambiguous() -> None:
    """No two layouts could claim the same list."""
    seen = set()
    for layout in POSITIONAL_LAYOUTS:
        assert len(layout.kinds) == len(layout.slots), layout.name
        key = (layout.kinds, layout.head)
        assert key not in seen, layout.name
        seen.add(key)


# Decrypted Kamstrup Omnipower list (DK), from UtilitechAS/amsreader-firmware
# test/payloads/kamstrup/gh111-2.hex (Fair Source License 0.9): the APDU between the
# ciphering header and the 12-byte tag. Its README: meter id 5706567286399553, active
# import 0xA9 W, voltages 232/231/232.
KAMSTRUP_GH111 = (
    "0F000000000C07E5081E0116141EFF80008002190A0E4B616D73747275705F5630303031"
    "09060101000005FF0A10353730363536373238363339393535330906010160010"
    "1FF0A1236383431313331424E323435313031303133"
    "09060101010700FF06000000A909060101020700FF0600000000"
    "09060101030700FF060000000009060101040700FF0600000176"
    "090601011F0700FF060000002409060101330700FF060000005C"
    "09060101470700FF060000005809060101200700FF1200E8"
    "09060101340700FF1200E709060101480700FF1200E8"
)


def test_kamstrup_list_opening_with_its_version_id() -> None:
    payload = decode_apdu(bytes.fromhex(KAMSTRUP_GH111))
    values = payload.values
    assert payload.meter_id == "5706567286399553"  # 1.1.0.0.5.255
    assert values["1-0:0.2.129"] == Reading("Kamstrup_V0001")
    assert values["1-1:96.1.1"] == Reading("6841131BN245101013")
    assert values["1-1:1.7.0"] == Reading(Decimal(169), "W")
    assert values["1-1:4.7.0"] == Reading(Decimal(374), "var")
    assert values["1-1:31.7.0"] == Reading(Decimal("0.36"), "A")  # Kamstrup: 0.01 A
    assert values["1-1:32.7.0"] == Reading(Decimal(232), "V")
    assert values["1-1:52.7.0"] == Reading(Decimal(231), "V")
    assert payload.timestamp is not None
    assert payload.timestamp.replace(tzinfo=None) == datetime(2021, 8, 30, 22, 20, 30)


# Norwegian/Swedish Kaifa lists from UtilitechAS/amsreader-firmware test/payloads/kaifa
# (Fair Source License 0.9): the APDU of each HDLC frame (after LLC, before FCS).
KAIFA_LIST1_GH180_1 = "0F40000000090C07E60102070E2512FF800000020106000010 15".replace(" ", "")
KAIFA_LIST3_1P_GH242_3 = (
    "0F40000000090C07E50507050E320FFF800000020E09074B464D5F303031"
    "09103733343031353730313031323030333809084D413130354832450600000000060000000006"
    "00000000060000000006000000420600000 98A090C07E50507050E320FFF80000006000000CC"
    "060000000006000000000600000 05E"
).replace(" ", "")


def test_kaifa_list1_real_frame() -> None:
    payload = decode_apdu(bytes.fromhex(KAIFA_LIST1_GH180_1))
    assert payload.values == {"1-0:1.7.0": Reading(Decimal(4117), "W")}
    assert payload.timestamp is not None


def test_kaifa_list3_single_phase_real_frame() -> None:
    payload = decode_apdu(bytes.fromhex(KAIFA_LIST3_1P_GH242_3))
    values = payload.values
    assert payload.meter_id == "7340157010120038"
    assert values["0-0:96.1.7"] == Reading("MA105H2E")
    assert values["1-0:31.7.0"] == Reading(Decimal("0.066"), "A")
    assert values["1-0:32.7.0"] == Reading(Decimal("244.2"), "V")
    assert values["1-0:1.8.0"] == Reading(Decimal("0.204"), "kWh")
    assert values["1-0:4.8.0"] == Reading(Decimal("0.094"), "kvarh")
    clock = values["0-0:1.0.0"].value
    assert isinstance(clock, datetime)
    assert clock.replace(tzinfo=None) == datetime(2021, 5, 7, 14, 50, 15)


def _u16(value: int) -> str:
    return "12" + value.to_bytes(2).hex()


@pytest.mark.parametrize(
    ("meter_number", "breaker"), [(b"16820006", "1601"), (b"", "0301")], ids=["enum", "bool"]
)
def test_slovenian_iskra_energy_list(meter_number: bytes, breaker: str) -> None:
    """15-minute list: name, meter number (may be empty), breaker, tariff, 8 registers."""
    body = "020C" + _octet(b"ISK1030789375606") + _octet(meter_number) + breaker
    body += "09020002" + "".join(_u32(v) for v in (52837, 13593, 39244, 177927, 0, 0, 7, 8))
    payload = decode_apdu(_apdu(body))
    values = payload.values
    assert values["1-0:1.8.0"] == Reading(Decimal("52.837"), "kWh")
    assert values["1-0:1.8.2"] == Reading(Decimal("39.244"), "kWh")
    assert values["1-0:2.8.0"] == Reading(Decimal("177.927"), "kWh")
    assert values["1-0:4.8.0"] == Reading(Decimal("0.008"), "kvarh")
    assert values["0-0:96.14.0"] == Reading("0002")
    assert payload.meter_id == (meter_number.decode() or "ISK1030789375606")
    assert ("0-0:96.1.0" in values) is bool(meter_number)  # an empty id is no reading


def test_slovenian_iskra_celje_list() -> None:
    """Elektro Celje: name, list name, U [0.1 V] and I [0.01 A] as uint16, P+ P- Q+ Q-."""
    body = "020C" + _octet(b"ISK1030789014731") + _octet(b"UP_3f")
    body += "".join(_u16(v) for v in (2314, 2303, 2348, 451, 525, 88))
    body += "".join(_u32(v) for v in (2399, 0, 4, 264))
    payload = decode_apdu(_apdu(body))
    values = payload.values
    assert payload.meter_id == "ISK1030789014731"
    assert values["1-0:0.2.129"] == Reading("UP_3f")
    assert values["1-0:52.7.0"] == Reading(Decimal("230.3"), "V")
    assert values["1-0:31.7.0"] == Reading(Decimal("4.51"), "A")
    assert values["1-0:1.7.0"] == Reading(Decimal(2399), "W")
    assert values["1-0:4.7.0"] == Reading(Decimal(264), "var")


def test_slovenian_iskra_list_of_32_bit_registers_is_not_the_instantaneous_list() -> None:
    """Voltage and current come as long-unsigned; ten double-long-unsigned are not them.

    amsreader also knows an Iskra list of the same shape (name, meter number, eight
    registers) whose registers are energies per tariff, told apart only by the data type
    of the seventh register; read as the instantaneous list, an energy of 12 345 678 Wh
    became a 1 234 567.8 V mains voltage.
    """
    body = "020A" + _octet(b"ISK1030777478586") + _octet(b"ISK77478586")
    body += "".join(_u32(v) for v in (1000, 2000, 0, 0, 300, 400, 12345678, 5))
    with pytest.raises(UnsupportedLayoutError):
        decode_apdu(_apdu(body))
    # The same registers with U and I sent as long-unsigned are the instantaneous list.
    body = "020A" + _octet(b"ISK1030777478586") + _octet(b"ISK77478586")
    body += "".join(_u32(v) for v in (1000, 2000, 0, 0)) + _u16(2301) + _u16(435)
    body += _u32(1000) + _u32(0)
    values = decode_apdu(_apdu(body)).values
    assert values["1-0:32.7.0"] == Reading(Decimal("230.1"), "V")
    assert values["1-0:31.7.0"] == Reading(Decimal("4.35"), "A")


def test_slovenian_idis_e450_second_list() -> None:
    """Utility serial, Hz, I [0.01 A] and U [V] as long-unsigned, P+ and P- per phase."""
    body = "020E" + _octet(b"123456789012") + "".join(_u16(v) for v in (50, 105, 37, 120))
    body += "".join(_u16(v) for v in (237, 236, 235))
    body += "".join(_u32(v) for v in (221, 82, 205, 0, 1, 2))
    payload = decode_apdu(_apdu(body))
    values = payload.values
    assert payload.meter_id == "123456789012"
    assert values["0-0:96.1.1"] == Reading("123456789012")
    assert values["1-0:14.7.0"] == Reading(Decimal(50), "Hz")
    assert values["1-0:71.7.0"] == Reading(Decimal("1.20"), "A")
    assert values["1-0:72.7.0"] == Reading(Decimal(235), "V")
    assert values["1-0:41.7.0"] == Reading(Decimal(82), "W")
    assert values["1-0:62.7.0"] == Reading(Decimal(2), "W")
    assert len(values) == 14
    # Fourteen 32-bit registers behind the serial are no such list.
    body = "020E" + _octet(b"123456789012") + "".join(_u32(v) for v in range(13))
    with pytest.raises(UnsupportedLayoutError):
        decode_apdu(_apdu(body))


def test_slovenian_iskra_single_phase_list_without_current() -> None:
    """Nine elements: name, meter number, P+ P- Q+ Q-, U [0.1 V], two unnamed registers.

    Elektro Ljubljana single-phase AM550 (amsreader #869): the list has no current, so
    the voltage is the seventh element and the trailing registers stay unread.
    """
    body = "0209" + _octet(b"ISK1020784605887") + _octet(b"ISK84605887")
    body += "".join(_u32(v) for v in (373, 0, 0, 5)) + _u16(2301)
    body += _u32(11) + _u32(12)
    payload = decode_apdu(_apdu(body))
    assert payload.meter_id == "ISK84605887"
    assert payload.values == {
        "0-0:42.0.0": Reading("ISK1020784605887"),
        "0-0:96.1.0": Reading("ISK84605887"),
        "1-0:1.7.0": Reading(Decimal(373), "W"),
        "1-0:2.7.0": Reading(Decimal(0), "W"),
        "1-0:3.7.0": Reading(Decimal(0), "var"),
        "1-0:4.7.0": Reading(Decimal(5), "var"),
        "1-0:32.7.0": Reading(Decimal("230.1"), "V"),
    }


# Decrypted push of a Siemens IM350 (system title SMSgu...) on a Wiener Netze optical
# port, from rddl-network/EnergyAgent app/energy_meter_interaction/energy_decrypter.py
# (frame and key published there; no licence file): logical device name, the clock as a
# 12-byte octet-string, then eight double-long-unsigned registers with no OBIS codes,
# which bernikr/esphome-wienernetze-im150-smartmeter reads as A+ A- R+ R- P+ P- Q+ Q-.
SIEMENS_IM350_WIENER_NETZE = (
    "0F000FC26B0C07E50A150405282200FF8880020A0910534D5331303330373838303030303230"
    "090C07E50A150405282200FF888006000005B906000000000600000000060000159106000000"
    "04060000000006000000000600000012"
)


def test_a_date_time_is_not_taken_for_an_identifier() -> None:
    """Name + clock + 8 registers is not the Slovenian name + meter number + 8 list.

    The list has the shape of the single-phase Iskra list (two strings, eight integers)
    but its second string is a date-time: read as that list, its registers gave P, Q,
    U [0.1 V] and I [0.01 A], a 0.4 V mains voltage.
    """
    payload = decode_apdu(bytes.fromhex(SIEMENS_IM350_WIENER_NETZE))
    assert payload.meter_id == "SMS1030788000020"  # its logical device name
    assert payload.values == {
        "0-0:42.0.0": Reading("SMS1030788000020"),
        "0-0:1.0.0": Reading(datetime(2021, 10, 21, 3, 40, 34, tzinfo=UTC)),
        "1-0:1.8.0": Reading(Decimal("1.465"), "kWh"),
        "1-0:2.8.0": Reading(Decimal("0.000"), "kWh"),
        "1-0:3.8.0": Reading(Decimal("0.000"), "kvarh"),
        "1-0:4.8.0": Reading(Decimal("5.521"), "kvarh"),
        "1-0:1.7.0": Reading(Decimal(4), "W"),
        "1-0:2.7.0": Reading(Decimal(0), "W"),
        "1-0:3.7.0": Reading(Decimal(0), "var"),
        "1-0:4.7.0": Reading(Decimal(18), "var"),
    }
    # The same list with an identifier in second place still is the Slovenian list.
    body = "020A" + _octet(b"ISK1020785766649") + _octet(b"ISK85766649")
    # (U and I as the meter sends them, long-unsigned: see si04)
    body += "".join(_u32(v) for v in (540, 0, 0, 282)) + _u16(2336) + _u16(278)
    body += _u32(540) + _u32(0)
    payload = decode_apdu(_apdu(body))
    assert payload.values["1-0:32.7.0"] == Reading(Decimal("233.6"), "V")
    assert payload.meter_id == "ISK85766649"


# Siemens IM350 of eww (E-Werk Wels), from xeniter/eww_ewerk_wels_smartmeter_readout
# src/decode_example_output.txt (the Gurux translation of its example frame; no licence
# file): push setup 0-6:25.9.0, meter number, time, date, then six registers that its
# src/decode_example_values_output.txt labels +A, -A, +R, -R, +P, -P.
SIEMENS_IM350_EWW = (
    "0F000282550C07E6091B02000F1100FF8880020A09060006190900FF0908313830323935353309"
    "04000F1100090507E6091B020601909BFE060000306A06003B2363060022337506000002AF0600000000"
)


def test_siemens_im350_push_list() -> None:
    payload = decode_apdu(bytes.fromhex(SIEMENS_IM350_EWW))
    assert payload.meter_id == "18029553"
    assert payload.values == {
        "0-0:96.1.0": Reading("18029553"),
        "1-0:1.8.0": Reading(Decimal("26254.334"), "kWh"),
        "1-0:2.8.0": Reading(Decimal("12.394"), "kWh"),
        "1-0:3.8.0": Reading(Decimal("3875.683"), "kvarh"),
        "1-0:4.8.0": Reading(Decimal("2241.397"), "kvarh"),
        "1-0:1.7.0": Reading(Decimal(687), "W"),
        "1-0:2.7.0": Reading(Decimal(0), "W"),
    }


def test_an_unknown_list_named_by_its_push_setup_is_unknown() -> None:
    """The push setup's OBIS opening a list is no register: one register short of the
    IM350 list, the list used to decode to `0-6:25.9.0` = the meter number."""
    apdu = SIEMENS_IM350_EWW.replace("020A0906", "02090906", 1)[: -len("0600000000")]
    with pytest.raises(UnsupportedLayoutError, match="no known layout"):
        decode_apdu(bytes.fromhex(apdu))
