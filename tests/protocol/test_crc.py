"""The fast CRC-16 implementations against the bitwise definitions and check values."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.localgrid.protocol import crc
from custom_components.localgrid.protocol.crc import crc16_arc, crc16_x25


def _bitwise(data: bytes, poly: int, init: int, xorout: int) -> int:
    """Reflected CRC-16, one bit at a time, as the catalogue defines it."""
    crc = init
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc ^ xorout


def test_catalogue_check_values() -> None:
    assert crc16_x25(b"123456789") == 0x906E
    assert crc16_arc(b"123456789") == 0xBB3D


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=700))
def test_match_bitwise_definitions(data: bytes) -> None:
    assert crc16_x25(data) == _bitwise(data, 0x8408, 0xFFFF, 0xFFFF)
    assert crc16_arc(data) == _bitwise(data, 0xA001, 0, 0)


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_buffer_types(kind: type) -> None:
    data = bytes(range(31))
    assert crc16_x25(kind(data)) == crc16_x25(data)
    assert crc16_arc(kind(data)) == crc16_arc(data)


@pytest.mark.parametrize("size", [2047, 2048, 8192, 16_000, 40_000])
def test_arc_on_long_data(size: int) -> None:
    """Every fold step of the big-integer reduction, and data longer than the steps."""
    data = bytes((index * 7919 + 13) % 251 for index in range(size))
    assert crc16_arc(data) == _bitwise(data, 0xA001, 0, 0)
    assert crc16_arc(b"\xff" * size) == _bitwise(b"\xff" * size, 0xA001, 0, 0)


def test_arc_steps_of_many_lengths_stay_bounded() -> None:
    """The division steps are remembered per message length, within a bound."""
    for size in range(300):
        data = bytes((index * 31 + size) % 256 for index in range(size))
        assert crc16_arc(data) == _bitwise(data, 0xA001, 0, 0)
    assert 0 < len(crc._STEPS) <= crc._MAX_LENGTHS
