"""DSMR P1 text telegram framing: `/ident ... !CRC` with CRC-16/ARC over '/'..'!'.

Only the envelope is checked here; dsmr_text parses the lines. DSMR 2.2/3.0 telegrams
end with a bare `!` (no CRC).
"""

from __future__ import annotations

from dataclasses import dataclass

from .crc import crc16_arc
from .errors import ChecksumError, NotAFrame

START = 0x2F  # '/'


def with_parity(byte: int) -> int:
    """The byte as a 7E1 line (DSMR 2.2/3.0) read by a bridge set to 8N1 passes it: with
    its even-parity bit as bit 7."""
    return byte | (byte.bit_count() & 1) << 7


START_WITH_PARITY = with_parity(START)  # 0xAF
_END = 0x21  # '!'
_CRC_DIGITS = 4
MAX_TELEGRAM = 8192
# Text bytes (tab, CR, LF, printable ASCII, 8-bit characters) -> 1, control bytes -> 0: one
# translate finds binary data. Hungarian Sanxing meters fill the text message with 0xFF.
_TEXT_BYTES = bytes(
    int(byte in b"\t\r\n" or 0x20 <= byte <= 0x7E or byte >= 0x80) for byte in range(256)
)
_HEX_DIGITS = b"0123456789ABCDEFabcdef"
_LINE_END = frozenset(b"\r\n")
_CR_CRLF = b"\r\r\n"  # a CR LF line end through a bridge that writes each LF as CR LF


@dataclass(slots=True)  # not frozen, as model.Reading: one per frame
class P1Frame:
    """One telegram's envelope."""

    end: int
    """Index after the CRC (and after the line end when it has already arrived)."""
    text: bytes
    """'/' through the CRC digits, ending with CRLF as the line parser expects."""
    crc_ok: bool | None
    """None when the telegram carries no CRC or it was not checked (lenient)."""


def read_telegram(buf: bytes | bytearray, start: int, lenient: bool = False) -> P1Frame | None:
    """The telegram starting at `start` (a '/'), None if more bytes are needed.

    `lenient` is for a decrypted telegram, which `buf` holds whole: its CRC is skipped
    (crc_ok None; Smarty meters are known to send a wrong one, and their GCM tag or the
    line parser vouches for them instead), and a `!` that ends `buf` ends the telegram.
    Otherwise a `!` that ends the input stays incomplete even at its end: DSMR 2.2/3.0
    telegrams have no CRC, but one of a later version that lost its CRC looks the same.
    Control bytes mark binary data (noise, another protocol's frames) unless a good CRC
    vouches for the text: NotAFrame, so that the stream is searched again from the next
    byte.
    """
    limit = min(len(buf), start + MAX_TELEGRAM)
    bang = buf.find(b"!", start, limit)
    while bang > start and buf[bang - 1] not in _LINE_END:  # the end line is a line of its own
        bang = buf.find(b"!", bang + 1, limit)
    if bang < 0:
        _check_text(buf, start, limit)
        if limit - start >= MAX_TELEGRAM:
            raise NotAFrame(f"P1 telegram without end within {MAX_TELEGRAM} bytes")
        return None
    after = bang + 1
    tail = buf[after : after + _CRC_DIGITS]
    crc_ok: bool | None = None
    computed = 0
    end = None
    if (tail[:1] and tail[0] in _LINE_END) or (lenient and not tail):
        end = after
    elif len(tail) == _CRC_DIGITS and not tail.translate(None, _HEX_DIGITS):
        end = after + _CRC_DIGITS
        if not lenient:
            computed = crc16_arc(buf[start:after])
            crc_ok = computed == int(tail, 16)
    if not crc_ok:  # a good CRC vouches for the text; anything else is looked at
        _check_text(buf, start, bang)
    if end is None:
        if tail.translate(None, _HEX_DIGITS):  # deleting the hex digits leaves something
            raise NotAFrame("P1 telegram CRC is not hexadecimal")
        return None  # its CRC digits are still arriving
    if crc_ok is False:
        restored = _with_crlf(buf[start:after], int(tail, 16))
        if restored is None:
            # Both CRCs, for whoever checks a saved capture: masking an id changes the CRC.
            message = f"P1 telegram CRC mismatch (sent {tail.decode()}, computed {computed:04X})"
            raise ChecksumError(message, end)
        return P1Frame(_after_line_end(buf, end), restored + tail + b"\r\n", True)
    text = bytes(buf[start:end]) + b"\r\n"
    if crc_ok is None:  # nothing vouches for the line ends: take CR CR LF for CR LF too
        text = text.replace(_CR_CRLF, b"\r\n")
    return P1Frame(_after_line_end(buf, end), text, crc_ok)


def read_telegram_with_parity(buf: bytes | bytearray, start: int) -> P1Frame | None:
    """read_telegram for text whose bytes keep their parity bit as bit 7: a 7E1 line read
    as 8N1, as a network bridge set to 8 data bits passes it on. Every byte of the
    telegram must carry even parity, which random binary data does not; `end` and the
    errors' indexes are in `buf`."""
    limit = min(len(buf), start + MAX_TELEGRAM)
    sent = buf[start:limit]
    try:
        frame = read_telegram(sent.translate(_SEVEN_BITS), 0)
    except ChecksumError as err:
        _check_parity(sent, err.end)
        raise ChecksumError(str(err), start + err.end) from None
    if frame is None:
        _check_parity(sent, len(sent))
        return None
    _check_parity(sent, frame.end)
    return P1Frame(start + frame.end, frame.text, frame.crc_ok)


_SEVEN_BITS = bytes(byte & 0x7F for byte in range(256))
_ODD_PARITY = bytes(byte.bit_count() & 1 for byte in range(256))


def _check_parity(sent: bytes | bytearray, end: int) -> None:
    if 1 in sent[:end].translate(_ODD_PARITY):
        raise NotAFrame("not 7-bit text with even parity")


def _check_text(buf: bytes | bytearray, start: int, end: int) -> None:
    if 0 in buf[start:end].translate(_TEXT_BYTES):
        raise NotAFrame("binary data inside a P1 text telegram")


def _with_crlf(body: bytes | bytearray, crc: int) -> bytes | None:
    """The body with its line ends restored to CRLF, if the CRC then verifies.

    The meter computed its CRC over CRLF lines. A telegram copied from a document or
    passed through a text channel arrives with LF only, or with LF LF where a capture
    turned each CR into LF; one passed through a bridge in text mode (which writes each
    LF as CR LF) with CR CR LF. Only tried after a mismatch, so intact telegrams pay
    nothing.
    """
    if _CR_CRLF in body:
        candidates = [bytes(body).replace(_CR_CRLF, b"\r\n")]
    elif b"\r" not in body and b"\n" in body:
        candidates = [bytes(body).replace(b"\n", b"\r\n")]
        if b"\n\n" in body:
            candidates.append(bytes(body).replace(b"\n\n", b"\r\n"))
    else:
        return None
    return next((text for text in candidates if crc16_arc(text) == crc), None)


def _after_line_end(buf: bytes | bytearray, end: int) -> int:
    """`end` moved past the CRLF, CR CR LF or bare LF that closes the CRC line, if present."""
    for line_end in (b"\r\n", _CR_CRLF, b"\n"):
        if buf[end : end + len(line_end)] == line_end:
            return end + len(line_end)
    return end
