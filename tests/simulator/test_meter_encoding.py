"""The simulator's encoder reproduces published meter telegrams byte for byte."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from simulator.meter_encoding import (
    TAG_INT16,
    TAG_UINT16,
    UNIT_A,
    UNIT_NONE,
    UNIT_V,
    UNIT_VARH,
    UNIT_W,
    UNIT_WH,
    Register,
    array,
    cosem_date_time,
    data_notification,
    dsmr_telegram,
    enum,
    flat_layout,
    glo_cipher,
    hdlc_frames,
    int8,
    int16,
    int32,
    int64,
    length,
    mbus_frames,
    nested_layout,
    obis,
    smarty_apdu,
    uint8,
    uint16,
    uint32,
    uint64,
    visible_string,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "meters"
VIENNA = ZoneInfo("Europe/Vienna")


def _corpus(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def _energy(code: str, wh: int) -> Register:
    return Register(code, wh, 0, UNIT_WH)


def _power(code: str, w: int) -> Register:
    return Register(code, w, 0, UNIT_W)


def _volt(code: str, decivolt: int) -> Register:
    return Register(code, decivolt, -1, UNIT_V, TAG_UINT16)


def _amp(code: str, centiamp: int) -> Register:
    return Register(code, centiamp, -2, UNIT_A, TAG_UINT16)


def test_at01_kaifa_mbus_encrypted_push_is_reproduced_exactly() -> None:
    corpus = _corpus("at01_kaifa_ma309m_netznoe_mbus_enc")
    registers = [
        _energy("1.0.1.8.0.255", 12937),
        _energy("1.0.2.8.0.255", 0),
        _power("1.0.1.7.0.255", 0),
        _power("1.0.2.7.0.255", 0),
        _volt("1.0.32.7.0.255", 2337),
        _volt("1.0.52.7.0.255", 0),
        _volt("1.0.72.7.0.255", 0),
        _amp("1.0.31.7.0.255", 0),
        _amp("1.0.51.7.0.255", 0),
        _amp("1.0.71.7.0.255", 0),
        Register("1.0.13.7.0.255", 1000, -3, UNIT_NONE, TAG_UINT16),
    ]
    when = datetime(2021, 9, 27, 9, 47, 15, tzinfo=VIENNA)
    apdu = data_notification(0x8006870E, flat_layout(when, registers, b"181220000009"), when)
    ciphered = glo_cipher(
        apdu,
        key=bytes.fromhex(corpus["key_hex"]),
        system_title=bytes.fromhex("4B464D6750000009"),
        frame_counter=0x23,
    )
    frames = mbus_frames(ciphered)
    assert [len(frame) for frame in frames] == [256, 26]
    assert b"".join(frames).hex().upper() == corpus["hex"]


def test_xx01_iskra_segmented_hdlc_is_reproduced_exactly() -> None:
    corpus = _corpus("xx01_iskra_am550_hdlc_seg_plain")
    registers = [
        _power("1.0.1.7.0.255", 182),
        _power("1.0.2.7.0.255", 0),
        _energy("1.0.1.8.0.255", 261927),
        _energy("1.0.2.8.0.255", 63832),
        _volt("1.0.32.7.0.255", 2364),
        _volt("1.0.52.7.0.255", 2344),
        _volt("1.0.72.7.0.255", 2370),
        _amp("1.0.31.7.0.255", 63),
        _amp("1.0.51.7.0.255", 89),
        _amp("1.0.71.7.0.255", 68),
        _energy("1.0.1.8.1.255", 82426),
        _energy("1.0.1.8.2.255", 179501),
        _energy("1.0.2.8.1.255", 50647),
        _energy("1.0.2.8.2.255", 13185),
    ]
    ids = [("0.0.96.1.0.255", b"84895126"), ("0.0.96.1.1.255", b"160456")]
    when = datetime(2023, 4, 1, 21, 32, 35, tzinfo=VIENNA)
    apdu = data_notification(0x26EB, nested_layout(registers, ids), when)
    frames = hdlc_frames(apdu, destination=b"\xcf", source=b"\x02\x23", max_info_length=154)
    assert [frame[1] for frame in frames] == [0xA8, 0xA8, 0xA0]
    assert b"".join(frames).hex().upper() == corpus["hex"]


def test_at07_kaifa_nested_layout_with_clock_and_ids_is_reproduced_exactly() -> None:
    corpus = _corpus("at07_kaifa_ma309_salzburgnetz_rawapdu_plain")
    registers = [
        _volt("1.0.32.7.0.255", 2292),
        _volt("1.0.52.7.0.255", 2316),
        _volt("1.0.72.7.0.255", 2314),
        _amp("1.0.31.7.0.255", 165),
        _amp("1.0.51.7.0.255", 173),
        _amp("1.0.71.7.0.255", 37),
        _power("1.0.1.7.0.255", 714),
        _power("1.0.2.7.0.255", 0),
        _energy("1.0.1.8.0.255", 1327456),
        _energy("1.0.2.8.0.255", 0),
        Register("1.0.3.8.0.255", 4818, 0, UNIT_VARH),
        Register("1.0.4.8.0.255", 376416, 0, UNIT_VARH),
    ]
    ids = [("0.0.96.1.0.255", b"1KFM0200234804"), ("0.0.42.0.0.255", b"KFM1200200234804")]
    when = datetime(2022, 11, 12, 16, 54, tzinfo=VIENNA)  # CET: deviation -60, no DST
    body = nested_layout(registers, ids, clock=when)
    assert data_notification(0x17FA98, body, when).hex().upper() == corpus["hex"]


def test_nl01_dsmr_text_and_crc_are_reproduced_exactly() -> None:
    corpus = _corpus("nl01_iskra_dsmr50_text_plain")
    head, _, rest = corpus["text"].partition("\r\n\r\n")
    lines = rest.split("!")[0].split("\r\n")[:-1]
    telegram = dsmr_telegram(head[1:], lines)
    assert telegram == corpus["text"].encode("ascii")
    assert telegram.endswith(b"!6EEE\r\n")


def test_lu01_smarty_encrypted_and_authenticated_is_reproduced_exactly() -> None:
    corpus = _corpus("lu01_sagemcom_smarty_dsmr_enc_auth")
    raw = bytes.fromhex(corpus["hex"])
    apdu = smarty_apdu(
        corpus["expected"]["other"]["plaintext_text"].encode("ascii"),
        key=bytes.fromhex(corpus["key_hex"]),
        auth_key=bytes.fromhex(corpus["auth_key_hex"]),
        system_title=raw[2:10],
        frame_counter=int.from_bytes(raw[14:18], "big"),
    )
    assert apdu == raw


def test_single_mbus_frame_and_middle_segments() -> None:
    assert mbus_frames(b"\x01\x02")[0].hex() == "6807076853ff1001670102cd16"
    frames = mbus_frames(bytes(600))
    assert [frame[6] for frame in frames] == [0x00, 0x01, 0x12]
    assert all(frame[1] <= 250 for frame in frames)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [(0x7F, "7f"), (0x80, "8180"), (0xFF, "81ff"), (0x100, "820100"), (0x2BA, "8202ba")],
)
def test_length_encoding(value: int, encoded: str) -> None:
    assert length(value).hex() == encoded


def test_obis_forms_and_date_time_edge_cases() -> None:
    assert obis("1-0:1.8.0") == obis("1.0.1.8.0.255") == bytes((1, 0, 1, 8, 0, 255))
    with pytest.raises(ValueError, match="OBIS"):
        obis("1.8.0")
    naive = cosem_date_time(datetime(2024, 1, 1, 0, 0))
    assert naive[-3:] == b"\x80\x00\x00"  # deviation unspecified, no DST
    summer = cosem_date_time(datetime(2024, 7, 1, 12, 0, tzinfo=VIENNA))
    assert summer[-3:] == b"\xff\x88\x80"


def test_glo_cipher_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError, match="system title"):
        glo_cipher(b"x", key=bytes(16), system_title=b"short", frame_counter=1)
    with pytest.raises(ValueError, match="authentication key"):
        glo_cipher(
            b"x", key=bytes(16), system_title=bytes(8), frame_counter=1, security_control=0x30
        )


@pytest.mark.parametrize(
    ("encoder", "value", "encoded"),
    [
        (uint8, 200, "11c8"),
        (uint16, 0x1234, "121234"),
        (uint32, 1, "0600000001"),
        (uint64, 1, "150000000000000001"),
        (int8, -1, "0fff"),
        (int16, -2, "10fffe"),
        (int32, -3, "05fffffffd"),
        (int64, -4, "14fffffffffffffffc"),
        (enum, 30, "161e"),
    ],
)
def test_integer_elements(encoder: Callable[[int], bytes], value: int, encoded: str) -> None:
    assert encoder(value).hex() == encoded


def test_strings_arrays_and_signed_registers() -> None:
    assert visible_string("AB").hex() == "0a024142"
    assert array(uint8(1), uint8(2)).hex() == "010211011102"
    assert Register("1.0.31.7.0.255", -5, -2, UNIT_A, TAG_INT16).value_element().hex() == "10fffb"
    assert data_notification(7, b"\x00").hex() == "0f000000070000"


def test_encoders_refuse_what_the_formats_cannot_carry() -> None:
    with pytest.raises(ValueError, match="too large"):
        length(0x10000)
    with pytest.raises(ValueError, match="segments"):
        mbus_frames(bytes(245 * 17))
    with pytest.raises(ValueError, match="too long"):
        hdlc_frames(bytes(3000), max_info_length=2100)
    with pytest.raises(ValueError, match="16 bytes"):
        glo_cipher(b"x", key=bytes(8), system_title=bytes(8), frame_counter=1)
