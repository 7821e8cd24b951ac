"""HDLC frames of IEC 62056-46 (`7E A<len> <dest> <src> <ctrl> HCS <info> FCS 7E`).

Frame format type 0xA with an 11-bit length; bit 0x08 of the format byte says more
segments follow. Addresses are 1-4 bytes, each ending at the byte whose bit 0 is set.
HCS and FCS are CRC-16/X.25, little-endian. The LLC header (`E6 E7 00`) only opens the
first segment of a message.
"""

from __future__ import annotations

from binascii import crc_hqx
from dataclasses import dataclass
import re

from .bridges import TELNET, TEXT_MODE, end_as_received
from .crc import BIT_REVERSED, crc16_x25, x25_value
from .errors import ChecksumError, LengthMismatch, NotAFrame
from .reassembly import Reassembly

FLAG = 0x7E
_FORMAT_TYPE = 0xA0
_SEGMENTED = 0x08
_MIN_LENGTH = 7  # format(2) dest(1) src(1) control(1) FCS(2)
_MAX_ADDRESS = 4
LLC_HEADERS = (b"\xe6\xe7\x00", b"\xe6\xe6\x00")
MAX_MESSAGE = 16384


@dataclass(slots=True)  # not frozen, as model.Reading: one per frame
class HdlcFrame:
    """One verified frame."""

    end: int
    """Index of the closing flag, which may also open the next frame."""
    segmented: bool
    """More segments of the same message follow."""
    control: int
    info: bytes
    raw: bytes
    """The frame as received, flags included."""


def read_frame(buf: bytes | bytearray, start: int) -> HdlcFrame | None:
    """The frame opened by the flag at `start`, None if more bytes are needed."""
    # Most frames arrive whole and intact: one pattern finds their header, and each check
    # is one CRC over the bytes with their CRC appended. Anything else is judged below.
    header = _WHOLE_HEADER.match(buf, start + 1)
    if header is not None:
        body = start + 1
        close = body + ((buf[body] & 0x07) << 8 | buf[body + 1])
        header_end = header.end()
        if header_end + 2 <= close - 2 and close < len(buf) and buf[close] == FLAG:
            reflected = buf[body:close].translate(BIT_REVERSED)
            if (
                crc_hqx(reflected[: header_end + 2 - body], 0xFFFF) == _X25_RESIDUE
                and crc_hqx(reflected, 0xFFFF) == _X25_RESIDUE
            ):
                raw = bytes(buf[start : close + 1])
                info = raw[header_end + 2 - start : close - 2 - start]
                return HdlcFrame(
                    close, bool(buf[body] & _SEGMENTED), buf[header_end - 1], info, raw
                )
    return _checked_frame(buf, start)


# Format type 0xA and length, destination and source address (1-4 bytes, the last with
# bit 0 set), control.
_EVEN = b"".join(re.escape(bytes((byte,))) for byte in range(0, 256, 2))
_ODD = b"".join(re.escape(bytes((byte,))) for byte in range(1, 256, 2))
_WHOLE_HEADER = re.compile(
    rb"[\xa0-\xaf][\x00-\xff](?:[" + _EVEN + rb"]{0,3}[" + _ODD + rb"]){2}[\x00-\xff]",
    re.DOTALL,
)
_NO_CLOSING_FLAG = "HDLC frame has no closing flag where its length says"
_X25_RESIDUE = 0x1D0F
"""crc_hqx of bit-reversed bytes followed by their CRC-16/X.25 (little-endian)."""


def _checked_frame(buf: bytes | bytearray, start: int) -> HdlcFrame | None:
    """read_frame for any bytes: frames still arriving, false starts, failed checks and
    frames whose line feeds a bridge wrote as CR LF."""
    available = len(buf)
    if available - start < 3:
        return None
    format_hi = buf[start + 1]
    if format_hi & 0xF0 != _FORMAT_TYPE:
        raise NotAFrame("not an HDLC frame of format type 0xA")
    length = (format_hi & 0x07) << 8 | buf[start + 2]
    if length < _MIN_LENGTH:
        raise NotAFrame("HDLC frame too short")
    body = start + 1
    close = body + length
    fcs_at = close - 2
    header_end = _header_end(buf, body + 2, fcs_at)
    if header_end is None:
        return None
    has_info = header_end < fcs_at
    if has_info:
        if header_end + 2 > fcs_at:
            raise NotAFrame("HDLC frame too short for its HCS")
        if available < header_end + 2:
            return None
    hcs = buf[header_end] | buf[header_end + 1] << 8 if has_info else 0
    if available <= close:
        # The HCS already tells a false start in noise from a frame still arriving, so
        # noise never holds up the stream while up to 2 kB are awaited.
        if has_info and crc16_x25(buf[body:header_end]) != hcs:
            crlf = _crlf_header(buf, body)
            if crlf is False:
                telnet = _header_as_sent(buf, body, *TELNET)
                if telnet:
                    return _telnet_frame(buf, start, close)
                if telnet is None:
                    return None  # a few more bytes tell
                raise NotAFrame("HDLC header check failed")
            if crlf:  # its length as received may be wrong too (0x0A as CR LF)
                return _translated_frame(buf, start, *TEXT_MODE)
        return None
    if buf[close] != FLAG:
        # Only a header that passes its check, as received or without its CRs, is worth
        # looking for inserted CRs.
        header_ok = not has_info or crc16_x25(buf[body:header_end]) == hcs
        if (header_ok and b"\r\n" in buf[body : close + 1]) or (
            has_info and _crlf_header(buf, body) is not False
        ):
            return _translated_frame(buf, start, *TEXT_MODE)
        if has_info and (
            (header_ok and TELNET[0] in buf[body : close + 1])
            or _header_as_sent(buf, body, *TELNET)
        ):
            return _telnet_frame(buf, start, close)
        if has_info and header_ok:
            raise LengthMismatch(_NO_CLOSING_FLAG, close + 1)
        raise NotAFrame(_NO_CLOSING_FLAG)
    # Both checks from one bit-reversed copy: the HCS covers a prefix of the FCS' bytes.
    reflected = buf[body:fcs_at].translate(BIT_REVERSED)
    hcs_ok = not has_info or x25_value(crc_hqx(reflected[: header_end - body], 0xFFFF)) == hcs
    if x25_value(crc_hqx(reflected, 0xFFFF)) != buf[fcs_at] | buf[fcs_at + 1] << 8:
        if b"\r\n" in buf[body:close]:
            try:
                translated = _translated_frame(buf, start, *TEXT_MODE)
            except ValueError:
                translated = None  # not that: the frame as received failed its check
            if translated is not None:
                return translated
        # With a good HCS the length is right, so the next frame starts at the closing flag.
        raise ChecksumError("HDLC FCS mismatch", close + 1, close if hcs_ok else None)
    if not hcs_ok:
        raise ChecksumError("HDLC HCS mismatch", close + 1)
    raw = bytes(buf[start : close + 1])
    info = raw[header_end + 2 - start : fcs_at - start] if has_info else b""
    return HdlcFrame(close, bool(format_hi & _SEGMENTED), buf[header_end - 1], info, raw)


def _translated_frame(
    buf: bytes | bytearray, start: int, received_as: bytes, sent_as: bytes
) -> HdlcFrame | None:
    """The frame at `start` as sent, when a bridge wrote every `sent_as` byte as
    `received_as`: 0x0A as 0x0D 0x0A by default, or 0xFF as 0xFF 0xFF.

    Some HAN-port bridges pass the meter's bytes through a text-mode stream that turns
    each line feed into CR LF, or a telnet connection that doubles each 0xFF: the frame
    then runs past its length by one byte per such byte (which may be its length byte,
    an address or its HCS) and fails its checks. Read back as sent, its length, HCS and
    FCS tell whether that is what happened. None when more bytes are needed.
    """
    body = start + 1
    if len(buf) < body + 3:
        return None
    sent_format = bytes(buf[body : body + 3]).replace(received_as, sent_as)
    length = (sent_format[0] & 0x07) << 8 | sent_format[1]
    end = end_as_received(buf, body, body + length, received_as)
    if len(buf) <= end:
        return None
    sent = bytes(buf[body:end]).replace(received_as, sent_as)
    if buf[end] != FLAG or len(sent) != length:
        raise NotAFrame(_NO_CLOSING_FLAG)
    header_end = _header_end(sent, 2, length - 2)
    if header_end is None:  # pragma: no cover - `sent` holds the whole frame
        return None
    fcs = sent[-2] | sent[-1] << 8
    has_info = header_end < length - 2
    hcs_ok = not has_info or crc16_x25(sent[:header_end]) == (
        sent[header_end] | sent[header_end + 1] << 8
    )
    if not hcs_ok or crc16_x25(sent[:-2]) != fcs:
        raise NotAFrame("HDLC frame fails its checks, as received and as sent")
    info = sent[header_end + 2 : -2] if has_info else b""
    raw = bytes(buf[start : end + 1])
    return HdlcFrame(end, bool(sent[0] & _SEGMENTED), sent[header_end - 1], info, raw)


def _telnet_frame(buf: bytes | bytearray, start: int, close: int) -> HdlcFrame | None:
    """The frame at `start` (whose header is a frame's), read as sent through a bridge in
    telnet mode; LengthMismatch when it does not pass its checks that way either (it
    should have closed at `close`)."""
    try:
        return _translated_frame(buf, start, *TELNET)
    except NotAFrame:
        raise LengthMismatch(_NO_CLOSING_FLAG, close + 1) from None


_HEADER_MAX = 2 + 2 * _MAX_ADDRESS + 1 + 2  # format, addresses, control, HCS


def _crlf_header(buf: bytes | bytearray, body: int) -> bool | None:
    """Whether the header at `body`, with each CR before an LF removed, passes its HCS
    (a bridge that writes 0x0A as CR LF, see `_translated_frame`); None until enough of
    it has arrived to tell."""
    return _header_as_sent(buf, body, *TEXT_MODE)


def _header_as_sent(
    buf: bytes | bytearray, body: int, received_as: bytes, sent: bytes
) -> bool | None:
    """Whether the header at `body` passes its HCS once each `received_as` is read as the
    `sent` byte a bridge turned into it; None until enough of it has arrived to tell."""
    window = 2 * _HEADER_MAX
    received = bytes(buf[body : body + window])
    if received_as not in received:  # not in the header, unless it is still arriving
        partial = received.endswith(received_as[:1])
        return None if partial and len(received) < window else False
    sent_header = received.replace(received_as, sent)
    length = (sent_header[0] & 0x07) << 8 | sent_header[1]
    try:
        header_end = _header_end(sent_header, 2, length - 2)
    except NotAFrame:
        return False
    if header_end is None or header_end + 2 > len(sent_header):
        return None if len(received) < window else False
    return crc16_x25(sent_header[:header_end]) == (
        sent_header[header_end] | sent_header[header_end + 1] << 8
    )


def _header_end(buf: bytes | bytearray, pos: int, limit: int) -> int | None:
    """Index after destination, source and control; None if they have not all arrived.

    Each address is 1-4 bytes and ends at the byte whose bit 0 is set.
    """
    available = len(buf)
    for _ in (0, 1):
        stop = pos + _MAX_ADDRESS
        while True:
            if pos >= limit:
                raise NotAFrame("HDLC header longer than the frame")
            if pos >= available:
                return None
            pos += 1
            if buf[pos - 1] & 1:
                break
            if pos == stop:
                raise NotAFrame("HDLC address field not terminated")
    if pos >= limit:
        raise NotAFrame("HDLC frame has no control field")
    return pos + 1


def strip_llc(message: bytes) -> bytes:
    """The APDU without its LLC header (present only when the message opens with one)."""
    if message[:3] in LLC_HEADERS:
        return message[3:]
    return message


class HdlcMessages:
    """Joins segmented frames (format bit 0x08) into one message."""

    __slots__ = ("_parts", "_skipping")

    def __init__(self) -> None:
        self._parts = Reassembly(MAX_MESSAGE)
        self._skipping = False
        """The rest of a message already reported lost: its segments are dropped quietly."""

    @property
    def dropped(self) -> bytes:
        """Raw frames of a message abandoned by the last `add` because segments were lost."""
        return self._parts.dropped

    def add(self, frame: HdlcFrame) -> tuple[bytes, bytes] | None:
        """The complete message (LLC stripped) and its raw frames, None while segments follow.

        A segment opening with an LLC header while another message is open starts a new
        message and abandons the old one (see `dropped`). Raises ReassemblyError when the
        message grows past its limit.
        """
        parts = self._parts
        parts.dropped = b""
        info = frame.info
        if self._skipping:
            if info[:3] not in LLC_HEADERS:
                self._skipping = frame.segmented  # up to the lost message's last segment
                return None
            self._skipping = False
        if not parts.active:
            if not frame.segmented:
                return strip_llc(info), frame.raw
            parts.begin(info, frame.raw)
            return None
        if info[:3] in LLC_HEADERS:
            parts.begin(info, frame.raw)
        else:
            parts.add(info, frame.raw)
        if frame.segmented:
            return None
        message, frames = parts.take()
        return strip_llc(message), frames

    def frame_lost(self, raw: bytes) -> None:
        """A frame of this stream failed its check (the caller reported it).

        Its message is lost with it: the segments received and, when the lost frame's
        format byte says more follow, those too are dropped quietly, up to the message's
        last segment or the next segment opening with an LLC header.
        """
        self._parts.drop()
        self._skipping = len(raw) > 1 and bool(raw[1] & _SEGMENTED)

    def reset(self) -> bytes:
        """Drop a partial message; its raw frames."""
        self._skipping = False
        return self._parts.drop()
