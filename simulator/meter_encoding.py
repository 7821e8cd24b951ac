"""The encoder side of the smart-meter wire formats, written from the standards.

A-XDR data (IEC 62056-6-2), the COSEM date-time, DATA-NOTIFICATION,
general-glo-ciphering with AES-128-GCM (IEC 62056-5-3), wired M-Bus long frames
(EN 13757-2) as the Austrian meters push them, HDLC frames (IEC 62056-46) and
DSMR P1 text telegrams, plain or Smarty-encrypted. Independent of the decoder on
purpose: the decoder is tested against what this module produces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from custom_components.localgrid.protocol.crc import crc16_arc, crc16_x25

# A-XDR type tags
TAG_ARRAY = 0x01
TAG_STRUCTURE = 0x02
TAG_INT32 = 0x05
TAG_UINT32 = 0x06
TAG_OCTET_STRING = 0x09
TAG_VISIBLE_STRING = 0x0A
TAG_INT8 = 0x0F
TAG_INT16 = 0x10
TAG_UINT8 = 0x11
TAG_UINT16 = 0x12
TAG_INT64 = 0x14
TAG_UINT64 = 0x15
TAG_ENUM = 0x16

# COSEM unit enumeration (IEC 62056-6-2)
UNIT_W = 27
UNIT_VAR = 29
UNIT_WH = 30
UNIT_VARH = 32
UNIT_A = 33
UNIT_V = 35
UNIT_HZ = 44
UNIT_NONE = 255

APDU_DATA_NOTIFICATION = 0x0F
APDU_GENERAL_GLO_CIPHERING = 0xDB

SC_ENCRYPTED = 0x20
SC_ENCRYPTED_AUTHENTICATED = 0x30
GCM_TAG_LENGTH = 12

CLOCK_STATUS_DST = 0x80
DEVIATION_UNSPECIFIED = -0x8000


# --- A-XDR data elements -------------------------------------------------------------


def length(n: int) -> bytes:
    """BER/A-XDR length: one byte below 0x80, else 0x81 nn or 0x82 nnnn."""
    if n < 0x80:
        return bytes((n,))
    if n <= 0xFF:
        return bytes((0x81, n))
    if n <= 0xFFFF:
        return b"\x82" + n.to_bytes(2, "big")
    raise ValueError(f"length {n} too large")


def structure(*elements: bytes) -> bytes:
    return bytes((TAG_STRUCTURE,)) + length(len(elements)) + b"".join(elements)


def array(*elements: bytes) -> bytes:
    return bytes((TAG_ARRAY,)) + length(len(elements)) + b"".join(elements)


def octet_string(value: bytes) -> bytes:
    return bytes((TAG_OCTET_STRING,)) + length(len(value)) + value


def visible_string(value: str) -> bytes:
    raw = value.encode("ascii")
    return bytes((TAG_VISIBLE_STRING,)) + length(len(raw)) + raw


def _integer(tag: int, size: int, value: int, *, signed: bool) -> bytes:
    return bytes((tag,)) + value.to_bytes(size, "big", signed=signed)


def uint8(value: int) -> bytes:
    return _integer(TAG_UINT8, 1, value, signed=False)


def uint16(value: int) -> bytes:
    return _integer(TAG_UINT16, 2, value, signed=False)


def uint32(value: int) -> bytes:
    return _integer(TAG_UINT32, 4, value, signed=False)


def uint64(value: int) -> bytes:
    return _integer(TAG_UINT64, 8, value, signed=False)


def int8(value: int) -> bytes:
    return _integer(TAG_INT8, 1, value, signed=True)


def int16(value: int) -> bytes:
    return _integer(TAG_INT16, 2, value, signed=True)


def int32(value: int) -> bytes:
    return _integer(TAG_INT32, 4, value, signed=True)


def int64(value: int) -> bytes:
    return _integer(TAG_INT64, 8, value, signed=True)


def enum(value: int) -> bytes:
    return _integer(TAG_ENUM, 1, value, signed=False)


def obis(code: str) -> bytes:
    """The 6 bytes of an OBIS code written `A.B.C.D.E.F` or `A-B:C.D.E[.F]` (F defaults to 255)."""
    parts = code.replace("-", ".").replace(":", ".").split(".")
    if len(parts) == 5:
        parts.append("255")
    if len(parts) != 6:
        raise ValueError(f"not an OBIS code: {code!r}")
    return bytes(int(part) for part in parts)


def cosem_date_time(
    when: datetime, *, clock_status: int | None = None, hundredths: int | None = None
) -> bytes:
    """The 12-byte COSEM date-time of a local time.

    Deviation is UTC minus local time in minutes (CEST = -120); a naive datetime gets
    the "unspecified" deviation. The status byte flags daylight saving time unless given.
    """
    offset = when.utcoffset()
    deviation = DEVIATION_UNSPECIFIED if offset is None else -int(offset.total_seconds() // 60)
    if clock_status is None:
        dst = when.dst()
        clock_status = CLOCK_STATUS_DST if dst else 0x00
    if hundredths is None:
        hundredths = when.microsecond // 10_000
    return (
        when.year.to_bytes(2, "big")
        + bytes(
            (
                when.month,
                when.day,
                when.isoweekday(),
                when.hour,
                when.minute,
                when.second,
                hundredths,
            )
        )
        + deviation.to_bytes(2, "big", signed=True)
        + bytes((clock_status,))
    )


def date_time(
    when: datetime, *, clock_status: int | None = None, hundredths: int | None = None
) -> bytes:
    """A date-time as meters put it into data: an octet-string of 12 bytes."""
    return octet_string(cosem_date_time(when, clock_status=clock_status, hundredths=hundredths))


# --- payload layouts -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Register:
    """One COSEM register value: the raw integer on the wire, its scaler and unit."""

    obis: str
    value: int
    scaler: int
    unit: int
    tag: int = TAG_UINT32

    def value_element(self) -> bytes:
        size, signed = _INTEGER_TYPES[self.tag]
        return _integer(self.tag, size, self.value, signed=signed)

    def scaler_unit(self) -> bytes:
        return structure(int8(self.scaler), enum(self.unit))


_INTEGER_TYPES = {
    TAG_UINT8: (1, False),
    TAG_UINT16: (2, False),
    TAG_UINT32: (4, False),
    TAG_UINT64: (8, False),
    TAG_INT8: (1, True),
    TAG_INT16: (2, True),
    TAG_INT32: (4, True),
    TAG_INT64: (8, True),
    TAG_ENUM: (1, False),
}


def flat_layout(when: datetime, registers: Iterable[Register], meter_number: bytes) -> bytes:
    """Austrian Kaifa/Sagemcom push: `[date-time, OBIS, value, {scaler, unit}, ..., number]`."""
    elements = [date_time(when)]
    for register in registers:
        elements += (octet_string(obis(register.obis)), register.value_element())
        elements.append(register.scaler_unit())
    elements.append(octet_string(meter_number))
    return structure(*elements)


def nested_layout(
    registers: Iterable[Register],
    identifiers: Sequence[tuple[str, bytes]] = (),
    clock: datetime | None = None,
) -> bytes:
    """Self-describing push: `{OBIS, value, {scaler, unit}}` items after `{OBIS, id}` pairs.

    `clock` puts the clock's OBIS and date-time first as two bare elements, as Kaifa
    meters of Salzburg Netz do.
    """
    items: list[bytes] = []
    if clock is not None:
        items += (octet_string(obis("0.0.1.0.0.255")), date_time(clock))
    items += [
        structure(octet_string(obis(code)), octet_string(value)) for code, value in identifiers
    ]
    items += [
        structure(octet_string(obis(r.obis)), r.value_element(), r.scaler_unit()) for r in registers
    ]
    return structure(*items)


def data_notification(invoke_id: int, body: bytes, when: datetime | None = None) -> bytes:
    """DATA-NOTIFICATION: `0F <invoke-id u32> <00 | 0C date-time> <body>`."""
    header = bytes((APDU_DATA_NOTIFICATION,)) + invoke_id.to_bytes(4, "big")
    stamp = b"\x00" if when is None else b"\x0c" + cosem_date_time(when)
    return header + stamp + body


# --- ciphering -----------------------------------------------------------------------


def glo_cipher(
    apdu: bytes,
    *,
    key: bytes,
    system_title: bytes,
    frame_counter: int,
    security_control: int = SC_ENCRYPTED,
    auth_key: bytes | None = None,
) -> bytes:
    """general-glo-ciphering: `DB 08 <title> <len> <SC> <FC> <ciphertext> [<tag>]`.

    Encryption-only suites (0x2n) carry AES-GCM's ciphertext without a tag, i.e. AES-CTR
    from counter 2; with authentication (0x3n) the AAD is SC || AK and a 12-byte tag follows.
    """
    if len(system_title) != 8:
        raise ValueError("system title must be 8 bytes")
    if len(key) != 16:
        raise ValueError("key must be 16 bytes (AES-128)")
    counter = frame_counter.to_bytes(4, "big")
    iv = system_title + counter
    if security_control & 0x10:
        if auth_key is None:
            raise ValueError(
                f"security control 0x{security_control:02x} needs an authentication key"
            )
        aad = bytes((security_control,)) + auth_key
        sealed = AESGCM(key).encrypt(iv, apdu, aad)
        protected = sealed[: len(apdu)] + sealed[len(apdu) : len(apdu) + GCM_TAG_LENGTH]
    else:
        encryptor = Cipher(algorithms.AES(key), modes.CTR(iv + b"\x00\x00\x00\x02")).encryptor()
        protected = encryptor.update(apdu) + encryptor.finalize()
    body = bytes((security_control,)) + counter + protected
    return (
        bytes((APDU_GENERAL_GLO_CIPHERING, len(system_title)))
        + system_title
        + length(len(body))
        + body
    )


# --- wired M-Bus ---------------------------------------------------------------------

MBUS_CONTROL = 0x53  # SND_UD
MBUS_ADDRESS = 0xFF  # broadcast
MBUS_TSAPS = b"\x01\x67"  # STSAP, DTSAP
MBUS_MAX_LENGTH = 250  # L field: C, A, CI, TSAPs and data, as Kaifa fills its frames


def mbus_frames(data: bytes, max_length: int = MBUS_MAX_LENGTH) -> list[bytes]:
    """Split DLMS bytes into M-Bus long frames `68 L L 68 C A CI 01 67 <data> CS 16`.

    CI carries the segment number in the low nibble and 0x10 on the last segment:
    0x00, 0x01, ... for the first ones, 0x1n for the last, 0x10 for a single frame.
    """
    chunk = max_length - 3 - len(MBUS_TSAPS)
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)] or [b""]
    if len(pieces) > 0x10:
        raise ValueError("too many M-Bus segments")
    frames = []
    for number, piece in enumerate(pieces):
        ci = number | (0x10 if number == len(pieces) - 1 else 0x00)
        body = bytes((MBUS_CONTROL, MBUS_ADDRESS, ci)) + MBUS_TSAPS + piece
        size = len(body)
        frames.append(bytes((0x68, size, size, 0x68)) + body + bytes((sum(body) & 0xFF, 0x16)))
    return frames


# --- HDLC ----------------------------------------------------------------------------

HDLC_FLAG = 0x7E
HDLC_LLC = b"\xe6\xe7\x00"
HDLC_CONTROL_LAST = 0x13  # UI frame, final bit set
HDLC_CONTROL_MORE = 0x03  # UI frame, more segments follow


def hdlc_frames(
    apdu: bytes,
    *,
    destination: bytes = b"\x41",
    source: bytes = b"\x08\x83",
    max_info_length: int = 128,
    control_last: int = HDLC_CONTROL_LAST,
    control_more: int = HDLC_CONTROL_MORE,
) -> list[bytes]:
    """Wrap an APDU in HDLC frames of type 3, segmenting it when it is long.

    `7E <A0|A8 len> <dest> <src> <ctrl> HCS <info> FCS 7E`, the LLC header only in the
    first segment's information field (it counts towards max_info_length), the
    segmentation bit 0x08 on all but the last frame, CRC-16/X.25 little-endian.
    """
    info = HDLC_LLC + apdu
    pieces = [info[i : i + max_info_length] for i in range(0, len(info), max_info_length)]
    frames = []
    for number, piece in enumerate(pieces):
        last = number == len(pieces) - 1
        frame_length = 2 + len(destination) + len(source) + 1 + 2 + len(piece) + 2
        if frame_length > 0x7FF:
            raise ValueError("HDLC frame too long; lower max_info_length")
        format_field = 0xA000 | (0 if last else 0x0800) | frame_length
        header = (
            format_field.to_bytes(2, "big")
            + destination
            + source
            + bytes((control_last if last else control_more,))
        )
        header += crc16_x25(header).to_bytes(2, "little")
        body = header + piece
        body += crc16_x25(body).to_bytes(2, "little")
        frames.append(bytes((HDLC_FLAG,)) + body + bytes((HDLC_FLAG,)))
    return frames


# --- DSMR P1 -------------------------------------------------------------------------


def dsmr_telegram(identification: str, lines: Iterable[str]) -> bytes:
    """A P1 text telegram: `/ident`, an empty line, data lines, `!` and CRC-16/ARC.

    The CRC covers everything from `/` to `!` inclusive, as 4 upper-case hex digits.
    """
    body = "/" + identification + "\r\n\r\n" + "".join(line + "\r\n" for line in lines) + "!"
    raw = body.encode("ascii")
    return raw + f"{crc16_arc(raw):04X}\r\n".encode("ascii")


SMARTY_AUTH_KEY = bytes.fromhex("00112233445566778899AABBCCDDEEFF")


def smarty_apdu(
    telegram: bytes,
    *,
    key: bytes,
    system_title: bytes,
    frame_counter: int,
    auth_key: bytes = SMARTY_AUTH_KEY,
) -> bytes:
    """The Luxembourg Smarty P1 form: a bare general-glo-ciphering APDU around the text."""
    return glo_cipher(
        telegram,
        key=key,
        system_title=system_title,
        frame_counter=frame_counter,
        security_control=SC_ENCRYPTED_AUTHENTICATED,
        auth_key=auth_key,
    )
