"""The two CRC-16 variants smart meters use.

CRC-16/X.25 (HDLC HCS/FCS, DLMS IEC 62056-46) and CRC-16/ARC (DSMR P1 telegrams).
Both are reflected CRCs (polynomials 0x1021 and 0x8005). They run on every frame, so
neither walks the bytes one by one in Python: X.25 uses binascii's C implementation of
the same polynomial unreflected, ARC reduces the whole telegram as one big integer.
"""

from __future__ import annotations

import binascii

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


# CRC-16/ARC is M(x)·x^16 mod P(x) over GF(2) (M: the bit-reversed bytes, P = 0x18005),
# bit-reversed. P = (x + 1)(x^15 + x + 1): the remainder follows from the message's bit
# parity (mod x + 1) and its remainder mod the trinomial Q, which shifts and xors of
# Python integers compute on hundreds of bits at a time: x^15 = x + 1 (mod Q), so
# x^(15·2^t) = (x + 1)^(2^t) = x^(2^t) + 1 (squaring is linear over GF(2)).
_Q = 0x8003  # x^15 + x + 1


# Fold steps, largest first: (shift = 15·2^t, 2^t, mask of `shift` bits).
_FOLDS = tuple((15 << t, 1 << t, (1 << (15 << t)) - 1) for t in reversed(range(13)))


def _mod_q(m: int) -> int:
    """m mod Q, for m read as a polynomial over GF(2)."""
    shift, _, mask = _FOLDS[0]
    while m >> (2 * shift):  # beyond the steps (over 15 kB): shorten a step at a time
        high = m >> shift
        m = (high << _FOLDS[0][1]) ^ high ^ (m & mask)
    # m < 2^(2·shift) on entry to each step; two folds leave it below 2^shift.
    first = len(_FOLDS) - max((m.bit_length() // 15).bit_length(), 1)
    for shift, width, mask in _FOLDS[first:]:
        high = m >> shift
        if high:
            m = (high << width) ^ high ^ (m & mask)
            high = m >> shift
            if high:
                m = (high << width) ^ high ^ (m & mask)
    return m


def crc16_arc(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/ARC: init 0, reflected, no final xor."""
    if isinstance(data, memoryview):
        data = data.tobytes()
    message = int.from_bytes(data.translate(BIT_REVERSED))
    crc = _mod_q(_mod_q(message) << 16)
    if (crc.bit_count() ^ message.bit_count()) & 1:  # x^16 = 1 mod x + 1
        crc ^= _Q  # the one of the two remainders mod Q that has the message's parity
    return BIT_REVERSED[crc & 0xFF] << 8 | BIT_REVERSED[crc >> 8]
