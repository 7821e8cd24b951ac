"""Every public telegram through the streaming decoder, checked against its source."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from custom_components.localgrid.protocol.cosem import decode_apdu
from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.model import (
    DecodeFailure,
    FailureKind,
    Framing,
    Reading,
    Telegram,
)

from .corpus import DLMS_IDS, dashed, expected_reading, plaintext, sample

ALL_IDS = (
    *DLMS_IDS,
    "at09_sagemcom_t210d_mbus_enc_nokey",
    "at12_sagemcom_t210d_dsmr_text_plain",
    "lu01_sagemcom_smarty_dsmr_enc_auth",
    "nl01_iskra_dsmr50_text_plain",
)
DECODABLE_IDS = tuple(i for i in ALL_IDS if i != "at09_sagemcom_t210d_mbus_enc_nokey")
FRAMING = {
    "mbus": Framing.MBUS,
    "hdlc": Framing.HDLC,
    "raw-apdu": Framing.RAW,
    "dsmr-text": Framing.DSMR,
    "dsmr-encrypted": Framing.DSMR,
}


def _key(text: str | None) -> bytes | None:
    return bytes.fromhex(text) if text else None


def fixture(sample_id: str) -> tuple[bytes, MeterDecoder]:
    """The telegram's bytes and a decoder holding its keys."""
    data = sample(sample_id)
    decoder = MeterDecoder(_key(data["key_hex"]), _key(data["auth_key_hex"]))
    return bytes.fromhex(data["hex"]), decoder


def decode_one(sample_id: str) -> Telegram:
    raw, decoder = fixture(sample_id)
    results = decoder.feed(raw) + decoder.flush()
    assert len(results) == 1, results
    telegram = results[0]
    assert isinstance(telegram, Telegram), telegram
    return telegram


@pytest.mark.parametrize("sample_id", DECODABLE_IDS)
def test_telegram_decodes_with_its_framing_and_raw_bytes(sample_id: str) -> None:
    data = sample(sample_id)
    telegram = decode_one(sample_id)
    assert telegram.framing is FRAMING[data["framing"]]
    # raw: the frames exactly as received (a P1 telegram without its trailing line end)
    assert bytes.fromhex(data["hex"]).startswith(telegram.raw)
    assert len(telegram.raw) >= len(bytes.fromhex(data["hex"])) - 2
    if data["encrypted"]:
        assert telegram.system_title is not None
        assert telegram.frame_counter is not None
        assert telegram.authenticated is (data["auth_key_hex"] is not None)
    else:
        assert telegram.system_title is telegram.frame_counter is telegram.authenticated is None


@pytest.mark.parametrize("sample_id", DLMS_IDS)
def test_transport_delivers_the_exact_apdu(sample_id: str) -> None:
    """Same payload as the plaintext derived independently in corpus.py."""
    telegram = decode_one(sample_id)
    assert telegram.payload == decode_apdu(plaintext(sample_id), system_title=telegram.system_title)


@pytest.mark.parametrize(
    "sample_id", [i for i in DECODABLE_IDS if i != "xx02_lg_e450_gbt_hdlc_enc_auth_a"]
)
def test_values_the_source_asserts(sample_id: str) -> None:
    expected = sample(sample_id)["expected"]
    values = decode_one(sample_id).payload.values
    checked = 0
    for code, item in expected["obis"].items():
        if code == "0-0:1.0.0":
            continue  # a date, checked in test_timestamps
        value, unit = item["value"], item.get("unit")
        if unit is None and isinstance(value, int):  # a count (DSMR 96.7.21): a number
            assert values[dashed(code)] == Reading(Decimal(value)), code
        else:
            assert values[dashed(code)] == expected_reading(value, unit), code
        checked += 1
    assert checked == len(expected["obis"]) - ("0-0:1.0.0" in expected["obis"])


def test_xx02_raw_values_in_their_implicit_units() -> None:
    """The source asserts raw numbers; per the corpus, energies are Wh/varh, powers W/var."""
    expected = sample("xx02_lg_e450_gbt_hdlc_enc_auth_a")["expected"]["obis"]
    values = decode_one("xx02_lg_e450_gbt_hdlc_enc_auth_a").payload.values
    units = {"8": {"1": "Wh", "2": "Wh", "3": "varh", "4": "varh"}, "7": {"1": "W", "2": "W"}}
    units["7"] |= {"3": "var", "4": "var"}
    for code, item in expected.items():
        _a, _b, c, d, _e, _f = code.split(".")
        assert values[dashed(code)] == expected_reading(item["value"], units[d][c]), code


@pytest.mark.parametrize(
    ("sample_id", "meter_id"),
    [
        ("at01_kaifa_ma309m_netznoe_mbus_enc", "181220000009"),
        ("at03_lg_e450_netzburgenland_hdlc_enc_auth_1", "30137181"),
        ("at07_kaifa_ma309_salzburgnetz_rawapdu_plain", "1KFM0200234804"),
        ("ch01_lg_e450_vse2026_gbt_hdlc_plain", "LGZ1030653520967"),
        ("no04_kaifa_ma304h3e_hdlc_plain", "6970631403275928"),
        ("xx01_iskra_am550_hdlc_seg_plain", "84895126"),
    ],
)
def test_meter_ids(sample_id: str, meter_id: str) -> None:
    other = sample(sample_id)["expected"]["other"]
    asserted = other.get("meter_number") or other.get("meter_id") or other.get("source_id")
    asserted = asserted or other.get("amsreader_golden", {}).get("meterId") or meter_id
    assert asserted == meter_id
    assert decode_one(sample_id).payload.meter_id == meter_id


def test_timestamps() -> None:
    nl01 = decode_one("nl01_iskra_dsmr50_text_plain").payload
    assert nl01.timestamp == datetime(2017, 1, 2, 18, 20, 2, tzinfo=UTC)
    xx02 = decode_one("xx02_lg_e450_gbt_hdlc_enc_auth_a").payload
    assert xx02.timestamp is not None
    assert xx02.timestamp.strftime("%Y-%m-%d %H:%M:%S") == "2022-02-21 17:37:30"


def test_smarty_plaintext_decodes_despite_its_wrong_crc() -> None:
    telegram = decode_one("lu01_sagemcom_smarty_dsmr_enc_auth")
    assert telegram.authenticated is True
    assert telegram.payload.header == "Lux5\\253663629_D"
    assert telegram.payload.values["1-0:3.8.0"] == Reading(Decimal("0.818"), "kvarh")


def test_smarty_without_auth_key_decrypts_unauthenticated() -> None:
    raw, _ = fixture("lu01_sagemcom_smarty_dsmr_enc_auth")
    decoder = MeterDecoder(_key(sample("lu01_sagemcom_smarty_dsmr_enc_auth")["key_hex"]))
    (telegram,) = decoder.feed(raw)
    assert isinstance(telegram, Telegram)
    assert telegram.authenticated is False
    assert telegram.payload.values["1-0:1.8.0"] == Reading(Decimal("6.695"), "kWh")


def test_encrypted_without_key_is_missing_key() -> None:
    raw, decoder = fixture("at09_sagemcom_t210d_mbus_enc_nokey")
    (failure,) = decoder.feed(raw)
    assert isinstance(failure, DecodeFailure)
    assert failure.kind is FailureKind.MISSING_KEY
    assert "Sagemcom" in failure.message
    assert failure.raw == raw


@pytest.mark.parametrize(
    "sample_id",
    [
        "at01_kaifa_ma309m_netznoe_mbus_enc",
        "at03_lg_e450_netzburgenland_hdlc_enc_auth_1",
        "lu01_sagemcom_smarty_dsmr_enc_auth",
        "xx02_lg_e450_gbt_hdlc_enc_auth_a",
    ],
)
def test_wrong_key_is_wrong_key(sample_id: str) -> None:
    data = sample(sample_id)
    raw = bytes.fromhex(data["hex"])
    for auth_key in (_key(data["auth_key_hex"]), None):
        decoder = MeterDecoder(bytes(16), auth_key)
        (failure,) = decoder.feed(raw)
        assert isinstance(failure, DecodeFailure)
        assert failure.kind is FailureKind.WRONG_KEY, failure
        assert decoder.stats.rejected[FailureKind.WRONG_KEY] == 1


@pytest.mark.parametrize(
    "sample_id",
    [
        "at03_lg_e450_netzburgenland_hdlc_enc_auth_1",
        "lu01_sagemcom_smarty_dsmr_enc_auth",
        "xx02_lg_e450_gbt_hdlc_enc_auth_a",
    ],
)
def test_wrong_auth_key_fails_the_tag(sample_id: str) -> None:
    data = sample(sample_id)
    decoder = MeterDecoder(_key(data["key_hex"]), bytes(16))
    (failure,) = decoder.feed(bytes.fromhex(data["hex"]))
    assert isinstance(failure, DecodeFailure)
    assert failure.kind is FailureKind.WRONG_KEY
    assert failure.message == "authentication failed: wrong encryption or authentication key"


def test_all_fixtures_in_one_stream_with_noise() -> None:
    """Unencrypted telegrams of every framing back to back, separated by line noise."""
    ids = [i for i in DECODABLE_IDS if not sample(i)["encrypted"] and "rawapdu" not in i]
    noise = bytes(range(0x80, 0x100)) * 2
    stream = noise.join(bytes.fromhex(sample(i)["hex"]) for i in ids) + noise
    decoder = MeterDecoder()
    results = decoder.feed(stream) + decoder.flush()
    assert all(isinstance(r, Telegram) for r in results), results
    # raw of a P1 telegram ends with its CRC: the line end may still be on its way
    assert [r.raw for r in results if isinstance(r, Telegram)] == [
        bytes.fromhex(sample(i)["hex"]).removesuffix(b"\r\n") for i in ids
    ]
    assert decoder.stats.telegrams == len(ids)
