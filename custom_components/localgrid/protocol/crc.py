"""The two CRC-16 variants smart meters use.

CRC-16/X.25 (HDLC HCS/FCS, DLMS IEC 62056-46) and CRC-16/ARC (DSMR P1 telegrams).
Both are reflected CRCs (polynomials 0x1021 and 0x8005). They run on every frame, so
neither walks the bytes one by one in Python: X.25 uses binascii's C implementation of
the same polynomial unreflected, ARC divides the whole telegram as one big integer.
"""

from __future__ import annotations

import binascii

from .memo import remember

BIT_REVERSED = bytes(int(f"{byte:08b}"[::-1], 2) for byte in range(256))


def crc16_x25(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/X.25: init 0xFFFF, reflected, final xor 0xFFFF.

    A reflected CRC equals the unreflected one (binascii.crc_hqx, CRC-CCITT) of the
    bit-reversed bytes, bit-reversed; 0xFFFF is its own reversal.
    """
    if isinstance(data, memoryview):
        data = data.tobytes()
    return x25_value(binascii.crc_hqx(data.translate(BIT_REVERSED), 0xFFFF))


def x25_value(state: int) -> int:
    """CRC-16/X.25 of bytes from binascii.crc_hqx's `state` after their bit-reversed
    form (crc_hqx(data.translate(BIT_REVERSED), 0xFFFF)): one pass can give the CRC of
    a prefix (HDLC HCS) and continue to that of the whole (FCS)."""
    return (BIT_REVERSED[state & 0xFF] << 8 | BIT_REVERSED[state >> 8]) ^ 0xFFFF


# CRC-16/ARC, as the reflected (right-shifting) register computes it, is L(x)·x^-n mod
# P~(x) over GF(2): L is the message read as one little-endian integer (first bit lowest),
# n its length in bits, P~ = x^16 + x^14 + x + 1 = (x + 1)(x^15 + x^14 + 1) the reflected
# polynomial. The remainder follows from the message's bit parity (mod x + 1) and its
# remainder mod the trinomial T = x^15 + x^14 + 1, which shifts and xors of Python
# integers compute on hundreds of bits at a time: T^(2^t) = 1 + x^(14s) + x^(15s) with
# s = 2^t, so x^-(14s) = 1 + x^s and, for c <= 14s, x^-c = x^(14s-c) + x^(15s-c) (mod T).
# Dividing m = high·x^c + low by x^c is then `high ^ low << (14s-c) ^ low << (15s-c)`.
_T = 0xC001  # x^15 + x^14 + 1


def _division_steps(bits: int) -> tuple[tuple[int, int, int, int], ...]:
    """(c, mask of c bits, 14s - c, 15s - c) per step dividing a `bits`-bit number by
    x^bits mod T, each step as large as leaves the rest at most 15 bits above what is
    left to divide, so that the last step leaves the 15-bit remainder."""
    steps = []
    left = bits
    while left:
        span = 1  # s: 29s <= left + 15 keeps the rest within the bound
        while 58 * span <= left + 15:
            span *= 2
        cut = min(14 * span, left)
        steps.append((cut, (1 << cut) - 1, 14 * span - cut, 15 * span - cut))
        left -= cut
    return tuple(steps)


_STEPS: dict[int, tuple[tuple[int, int, int, int], ...]] = {}
"""By message length in bytes: a meter's telegrams mostly have one length. The masks of
one length take as many bits as the message; the dict starts anew when full."""
_MAX_LENGTHS = 64


def crc16_arc(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/ARC: init 0, reflected, no final xor."""
    steps = _STEPS.get(len(data))
    if steps is None:
        steps = remember(_STEPS, len(data), _division_steps(8 * len(data)), _MAX_LENGTHS)
    message = int.from_bytes(data, "little")
    crc = message
    for cut, mask, low_shift, high_shift in steps:
        low = crc & mask
        crc = crc >> cut ^ (low << low_shift ^ low << high_shift)  # one big temporary less
    if (crc.bit_count() ^ message.bit_count()) & 1:  # x^-n = 1 mod x + 1
        crc ^= _T  # the one of the two remainders mod T that has the message's parity
    return crc
