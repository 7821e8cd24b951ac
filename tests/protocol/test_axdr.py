"""A-XDR Data decoding: every type from hand-built bytes, lengths, limits, date-time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import math
from zoneinfo import ZoneInfo

import pytest

from custom_components.localgrid.protocol.axdr import (
    MAX_DEPTH,
    AxdrError,
    decode,
    is_datetime,
    on_standard_time,
    parse_datetime,
    read_length,
)


@pytest.mark.parametrize(
    ("hex_data", "expected"),
    [
        ("00", None),
        ("0301", True),
        ("0300", False),
        ("05FFFFFFFE", -2),
        ("0580000000", -(2**31)),
        ("06FFFFFFFF", 2**32 - 1),
        ("0D12", 0x12),
        ("0FFF", -1),
        ("0F7F", 127),
        ("10FF9C", -100),
        ("11FF", 255),
        ("12FFFF", 65535),
        ("14FFFFFFFFFFFFFFFF", -1),
        ("15FFFFFFFFFFFFFFFF", 2**64 - 1),
        ("1603", 3),
        ("173FC00000", 1.5),
        ("18400C000000000000", 3.5),
        ("0903010203", b"\x01\x02\x03"),
        ("0900", b""),
        ("0A03414243", "ABC"),
        ("0C04C3A46263", "äbc"),
        ("040C ABC0", b"\xab\xc0"),  # 12 bits in 2 bytes
        ("19" + "07E8010F01000000FF800000", bytes.fromhex("07E8010F01000000FF800000")),
        ("1A07E8010F01", bytes.fromhex("07E8010F01")),
        ("1B0C1E0000", bytes.fromhex("0C1E0000")),
        ("0100", []),
        ("0200", []),
        ("0202 120001 0203 0F01 1602 0900", [1, [1, 2, b""]]),
        ("0102 0201 1100 0201 1101", [[0], [1]]),
        ("0202 0FFE 1621", [-2, 33]),  # scaler_unit
        ("0102 0FFE 1621", [-2, 33]),  # the same values as an array
        ("0203 0FFE 1621 00", [-2, 33, None]),  # three elements: not a scaler_unit
        ("0202 0202 0F03 161E 0600000001", [[3, 30], 1]),
    ],
)
def test_types(hex_data: str, expected: object) -> None:
    buf = bytes.fromhex(hex_data.replace(" ", ""))
    value, end = decode(buf)
    assert end == len(buf)
    assert value == expected
    assert type(value) is type(expected)


def test_float_nan_and_position_arguments() -> None:
    value, end = decode(bytes.fromhex("AA177FC00000BB"), 1, 6)
    assert isinstance(value, float)
    assert math.isnan(value)
    assert end == 6


@pytest.mark.parametrize(
    ("hex_data", "length", "end"),
    [("05", 5, 1), ("7F", 127, 1), ("8180", 128, 2), ("820102", 258, 3), ("83010000", 65536, 4)],
)
def test_ber_lengths(hex_data: str, length: int, end: int) -> None:
    assert read_length(bytes.fromhex(hex_data), 0, len(hex_data) // 2) == (length, end)


def test_long_octet_string() -> None:
    buf = bytes.fromhex("098200C8") + bytes(200)
    assert decode(buf) == (bytes(200), len(buf))


@pytest.mark.parametrize(
    ("hex_data", "message"),
    [
        ("", "ends inside"),
        ("07", "unknown data type 0x07"),
        ("FF", "unknown data type 0xff"),
        ("0903AABB", "past the end"),
        ("06000000", "past the end"),
        ("0203 1100 1101", "ends inside"),
        ("0205 1100", "cannot fit"),
        ("0185FFFFFFFFFF", "bad length"),
        ("0980", "bad length"),
        ("09", "length missing"),
        ("19 07E8", "past the end"),
        ("04 20 FF", "past the end"),
        ("0202 0FFE 16", "past the end"),
    ],
)
def test_garbage_is_rejected(hex_data: str, message: str) -> None:
    with pytest.raises(AxdrError, match=message):
        decode(bytes.fromhex(hex_data.replace(" ", "")))


def test_nesting_depth_is_limited() -> None:
    deep = bytes.fromhex("0201") * (MAX_DEPTH + 1) + b"\x00"
    with pytest.raises(AxdrError, match="too deep"):
        decode(deep)
    ok = bytes.fromhex("0201") * MAX_DEPTH + b"\x00"
    value, _ = decode(ok)
    for _level in range(MAX_DEPTH):
        assert isinstance(value, list)
        value = value[0]
    assert value is None


def test_huge_declared_counts_fail_without_allocating() -> None:
    with pytest.raises(AxdrError, match="cannot fit"):
        decode(bytes.fromhex("0184FFFFFFFF00"))


def test_compact_array_of_structures() -> None:
    # description structure{long-unsigned, octet-string}, then two packed structures
    buf = bytes.fromhex("13 02 02 12 09 09 0001 02AABB 0002 01CC".replace(" ", ""))
    assert decode(buf) == ([[1, b"\xaa\xbb"], [2, b"\xcc"]], len(buf))


def test_compact_array_of_array_type() -> None:
    buf = bytes.fromhex("13 01 0002 11 04 0102 0304".replace(" ", ""))
    assert decode(buf) == ([[1, 2], [3, 4]], len(buf))


def test_compact_array_garbage() -> None:
    with pytest.raises(AxdrError):
        decode(bytes.fromhex("13 07 00"))
    with pytest.raises(AxdrError):
        decode(bytes.fromhex("13 12 05 0001"))


DT = bytes.fromhex("07E5091B01092F0F00FF8880")  # 2021-09-27 09:47:15, deviation -120


def test_datetime_with_deviation() -> None:
    moment = parse_datetime(DT)
    assert moment == datetime(2021, 9, 27, 7, 47, 15, tzinfo=UTC)
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=2)


def test_datetime_cet_and_hundredths() -> None:
    raw = bytes.fromhex("07E60B0C0610360032FFC400")  # 0x32 = 50 hundredths
    assert parse_datetime(raw) == datetime(
        2022, 11, 12, 16, 54, 0, 500000, timezone(timedelta(hours=1))
    )


def test_datetime_positive_deviation_is_west_of_utc() -> None:
    raw = bytes.fromhex("07E60B0C0610360000003C00")  # +60: UTC-1
    moment = parse_datetime(raw)
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=-1)


def test_datetime_unspecified_deviation_reads_local_wall_clock() -> None:
    summer = parse_datetime(bytes.fromhex("07EA0504010B2715FF800080"))
    assert summer is not None
    assert summer.replace(tzinfo=None) == datetime(2026, 5, 4, 11, 39, 21)
    assert summer.utcoffset() == timedelta(hours=2)  # CEST in May
    winter = parse_datetime(bytes.fromhex("07EA0104010B2715FF800000"), 0, UTC)
    assert winter == datetime(2026, 1, 4, 11, 39, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "wall_clock", "offset"),
    [
        ("Europe/Oslo", datetime(2017, 10, 20, 3, 43, 30), 1),  # summer: CET, not CEST
        ("Europe/Oslo", datetime(2017, 12, 20, 3, 43, 30), 1),  # winter: as it was read
        ("Europe/Helsinki", datetime(2026, 5, 25, 17, 0, 55), 2),  # EET, not EEST
        ("Europe/Oslo", datetime(2017, 10, 29, 2, 30), 1),  # the hour the clocks repeat
        ("Europe/Oslo", datetime(2017, 3, 26, 2, 30), 1),  # the hour summer time skips
    ],
)
def test_on_standard_time(zone: str, wall_clock: datetime, offset: int) -> None:
    """A clock without summer time: its wall-clock time in the zone's standard offset."""
    moment = on_standard_time(wall_clock.replace(tzinfo=ZoneInfo(zone)))
    assert moment.replace(tzinfo=None) == wall_clock
    assert moment.utcoffset() == timedelta(hours=offset)


@pytest.mark.parametrize(
    "hex_data",
    [
        "FFFF091B01092F0F00FF8880",  # year unspecified
        "07E5FF1B01092F0F00FF8880",  # month unspecified
        "07E5FE1B01092F0F00FF8880",  # DST begin marker
        "07E5091E01FF2F0F00FF8880",  # hour unspecified
        "07E5021E01092F0F00FF8880",  # 30 February
        "07E5091B01092F",  # too short
    ],
)
def test_datetime_not_a_point_in_time(hex_data: str) -> None:
    assert parse_datetime(bytes.fromhex(hex_data)) is None


def test_is_datetime() -> None:
    assert is_datetime(DT)
    assert not is_datetime(b"181220000009")  # a 12-digit meter number
    assert not is_datetime(DT[:11])
