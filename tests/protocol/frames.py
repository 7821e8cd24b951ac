"""Builders for meter frames, so tests can make telegrams the corpus does not have."""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from custom_components.localgrid.protocol.crc import crc16_x25

LLC = b"\xe6\xe7\x00"
TITLE = b"KFM\x67\x50\x00\x00\x09"


def _split(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def mbus_frames(apdu: bytes, size: int = 245, first_sequence: int = 0) -> bytes:
    """Long frames `68 L L 68 53 FF CI 01 67 ... CS 16`, CI numbering the segments."""
    parts = _split(apdu, size)
    out = b""
    for number, part in enumerate(parts, first_sequence):
        ci = number | (0x10 if number == first_sequence + len(parts) - 1 else 0)
        body = bytes((0x53, 0xFF, ci, 0x01, 0x67)) + part
        out += bytes((0x68, len(body), len(body), 0x68)) + body + bytes((sum(body) & 0xFF, 0x16))
    return out


def hdlc_frame(
    info: bytes,
    *,
    segmented: bool = False,
    dest: bytes = b"\xce",
    src: bytes = b"\xff\x03",
    control: int = 0x13,
) -> bytes:
    """One HDLC frame with HCS and FCS (no HCS when `info` is empty)."""
    header_length = 2 + len(dest) + len(src) + 1
    length = header_length + (2 + len(info) if info else 0) + 2
    header = (0xA000 | (0x0800 if segmented else 0) | length).to_bytes(2)
    header += dest + src + bytes((control,))
    body = header + (crc16_x25(header).to_bytes(2, "little") + info if info else b"")
    return b"\x7e" + body + crc16_x25(body).to_bytes(2, "little") + b"\x7e"


def hdlc_frames(
    message: bytes, size: int = 200, *, shared_flags: bool = False, **options: object
) -> bytes:
    """A message (LLC prepended) split over segmented frames, the last one unsegmented;
    `shared_flags`: one flag closes each frame and opens the next."""
    parts = _split(LLC + message, size)
    frames = [
        hdlc_frame(part, segmented=n < len(parts) - 1, **options)  # type: ignore[arg-type]
        for n, part in enumerate(parts)
    ]
    if shared_flags:
        return frames[0] + b"".join(frame[1:] for frame in frames[1:])
    return b"".join(frames)


def gbt_blocks(apdu: bytes, size: int, *, streaming: bool = True) -> list[bytes]:
    """General-block-transfer blocks `E0 ctrl no(2) ack(2) len data`, last one flagged."""
    parts = _split(apdu, size)
    blocks = []
    for number, part in enumerate(parts, 1):
        control = (0x80 if number == len(parts) else 0) | (0x40 if streaming else 0)
        length = bytes((len(part),)) if len(part) < 0x80 else b"\x81" + bytes((len(part),))
        blocks.append(bytes((0xE0, control)) + number.to_bytes(2) + b"\0\0" + length + part)
    return blocks


def ber_length(length: int) -> bytes:
    if length < 0x80:
        return bytes((length,))
    if length < 0x100:
        return b"\x81" + bytes((length,))
    return b"\x82" + length.to_bytes(2)


def cipher(
    plaintext: bytes,
    key: bytes,
    *,
    control: int = 0x20,
    auth_key: bytes = b"",
    title: bytes = TITLE,
    counter: int = 1234,
) -> bytes:
    """A general-glo-ciphering APDU made with the textbook GCM API (not the product's)."""
    iv = title + counter.to_bytes(4)
    encryptor = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
    aad = bytes((control,)) + auth_key
    if control & 0x20:
        if control & 0x10:
            encryptor.authenticate_additional_data(aad)
        body = encryptor.update(plaintext) + encryptor.finalize()
    else:
        encryptor.authenticate_additional_data(aad + plaintext)
        encryptor.finalize()
        body = plaintext
    if control & 0x10:
        body += encryptor.tag[:12]
    content = bytes((control,)) + counter.to_bytes(4) + body
    return b"\xdb\x08" + title + ber_length(len(content)) + content
