"""The two CRC-16 variants smart meters use.

CRC-16/X.25 (HDLC HCS/FCS, DLMS IEC 62056-46) and CRC-16/ARC (DSMR P1 telegrams).
Both are reflected CRCs (polynomials 0x1021 and 0x8005). They run on every frame, so
neither walks the bytes one by one in Python: X.25 uses binascii's C implementation of
the same polynomial unreflected, ARC a table that consumes two bytes per step.
"""

from __future__ import annotations

from array import array
import binascii
from functools import cache
import sys


def _reflected_table(poly: int) -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_ARC_TABLE = _reflected_table(0xA001)  # 0x8005 reflected
_BIT_REVERSED = bytes(int(f"{byte:08b}"[::-1], 2) for byte in range(256))


def crc16_x25(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/X.25: init 0xFFFF, reflected, final xor 0xFFFF.

    A reflected CRC equals the unreflected one (binascii.crc_hqx, CRC-CCITT) of the
    bit-reversed bytes, bit-reversed; 0xFFFF is its own reversal.
    """
    crc = binascii.crc_hqx(bytes(data).translate(_BIT_REVERSED), 0xFFFF)
    return (_BIT_REVERSED[crc & 0xFF] << 8 | _BIT_REVERSED[crc >> 8]) ^ 0xFFFF


@cache
def _arc_pair_table() -> array[int]:
    """CRC-16/ARC state after two bytes, indexed by state xor the little-endian pair."""
    table = array("H", bytes(2 * 65536))
    single = _ARC_TABLE
    for index in range(65536):
        crc = (index >> 8) ^ single[index & 0xFF]
        table[index] = (crc >> 8) ^ single[crc & 0xFF]
    return table


def crc16_arc(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/ARC: init 0, reflected, no final xor."""
    data = bytes(data)
    even = len(data) & ~1
    pairs = array("H", data[:even])
    if sys.byteorder == "big":
        pairs.byteswap()
    table = _arc_pair_table()
    crc = 0
    for pair in pairs:
        crc = table[crc ^ pair]
    if even != len(data):
        crc = (crc >> 8) ^ _ARC_TABLE[(crc ^ data[-1]) & 0xFF]
    return crc
