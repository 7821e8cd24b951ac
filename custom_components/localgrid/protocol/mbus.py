"""Wired M-Bus long frames carrying DLMS (`68 L L 68 C A CI STSAP DTSAP data CS 16`).

The CI field 0x00-0x1F is the DLMS transport: bits 0-3 number the segment, bit 4 marks
the last one (0x00 first of several, 0x11 second and last, 0x10 a single frame).
"""

from __future__ import annotations

from dataclasses import dataclass

from .bridges import TELNET, end_as_received
from .errors import ChecksumError, LengthMismatch, NotAFrame
from .reassembly import Reassembly, ReassemblyError

START = 0x68
STOP = 0x16
_HEADER = 4  # 68 L L 68
_CI_LAST = 0x10
_CI_SEQUENCE = 0x0F
_MIN_LENGTH = 5  # C A CI STSAP DTSAP
_SPLIT_LENGTH = 0x0101  # `68 01 01 68`: the one 16-bit length seen in the field
MAX_MESSAGE = 16384


@dataclass(slots=True)  # not frozen, as model.Reading: one per frame
class MbusFrame:
    """One verified long frame."""

    end: int
    """Index just after the stop byte."""
    ci: int
    data: bytes
    """The DLMS bytes after STSAP/DTSAP."""


def read_frame(buf: bytes | bytearray, start: int) -> MbusFrame | None:
    """The long frame at `start` (buf[start] == 0x68), None if more bytes are needed."""
    if len(buf) - start < _HEADER:
        return None
    length = buf[start + 1]
    if buf[start + 2] != length or buf[start + 3] != START:
        raise NotAFrame("M-Bus long frame header broken")
    if length == 1:
        # Too short for DLMS: Netz NOe's Sagemcom T210-D (firmware before V0450, 2023)
        # writes the 257 bytes of its first frame big-endian over both length bytes.
        length = _SPLIT_LENGTH
    end = start + _HEADER + length + 2
    if len(buf) < end:
        return None
    body = start + _HEADER
    if buf[end - 1] != STOP:
        if TELNET[0] in buf[body:end]:
            return _telnet_frame(buf, start, end)
        # The length twice between two 0x68 hardly ever occurs by chance.
        raise LengthMismatch(_NO_STOP_BYTE, end)
    if sum(buf[body : end - 2]) & 0xFF != buf[end - 2]:
        # Length twice and the stop byte in place: only the content is corrupt.
        raise ChecksumError("M-Bus checksum mismatch", end, end)
    if length < _MIN_LENGTH:
        raise NotAFrame("M-Bus frame too short for a DLMS transport header")
    return MbusFrame(end, buf[body + 2], bytes(buf[body + 5 : end - 2]))


_NO_STOP_BYTE = "M-Bus frame has no stop byte where its length says"


def _telnet_frame(buf: bytes | bytearray, start: int, end: int) -> MbusFrame | None:
    """The frame at `start` read as sent through a bridge in telnet mode, which doubled
    each 0xFF after its header: its stop byte and checksum must hold that way (`end`:
    where its length says it ends); None while its last bytes are still arriving."""
    received_end = end_as_received(buf, start + _HEADER, end, TELNET[0])
    if len(buf) < received_end:
        return None
    sent = bytes(buf[start:received_end]).replace(*TELNET)
    if len(sent) != end - start or sent[-1] != STOP or sum(sent[_HEADER:-2]) & 0xFF != sent[-2]:
        raise LengthMismatch(_NO_STOP_BYTE, end)
    if len(sent) < _HEADER + _MIN_LENGTH + 2:
        raise NotAFrame("M-Bus frame too short for a DLMS transport header")
    return MbusFrame(received_end, sent[_HEADER + 2], sent[_HEADER + 5 : -2])


class MbusMessages:
    """Joins DLMS segments by their CI sequence numbers."""

    __slots__ = ("_parts", "_skipping")

    def __init__(self) -> None:
        self._parts = Reassembly(MAX_MESSAGE)
        self._skipping = False
        """The rest of a message already reported lost: its parts are dropped quietly."""

    @property
    def dropped(self) -> bytes:
        """Raw frames of a message abandoned by the last `add` because segments were lost."""
        return self._parts.dropped

    def add(self, frame: MbusFrame, raw: bytes) -> tuple[bytes, bytes] | None:
        """The complete APDU and its raw frames, or None while segments are missing.

        A first segment while another message is open abandons that one (see `dropped`).
        Raises ReassemblyError for the first segment out of sequence (the rest of that
        message is then dropped quietly), ValueError when the CI
        field is not the DLMS transport.
        """
        ci = frame.ci
        if ci > _CI_LAST | _CI_SEQUENCE:
            raise ValueError(f"M-Bus CI 0x{ci:02X} does not carry DLMS")
        sequence = ci & _CI_SEQUENCE
        parts = self._parts
        parts.dropped = b""
        if sequence == 0:
            self._skipping = False
            parts.begin(frame.data, raw, 1)
        elif parts.active and sequence == parts.next_index:
            parts.add(frame.data, raw, sequence + 1)
        elif self._skipping:
            return None
        else:
            self._skipping = True
            lost = parts.drop() + raw
            raise ReassemblyError(f"M-Bus segment {sequence} out of sequence: segments lost", lost)
        if ci & _CI_LAST:
            return parts.take()
        return None

    def frame_lost(self) -> None:
        """A frame carrying this message failed its check (the caller reported it): the
        parts received and those still to come are dropped quietly, up to the next segment 0."""
        self._parts.drop()
        self._skipping = True

    def reset(self) -> bytes:
        """Drop a partial message; its raw frames."""
        self._skipping = False
        return self._parts.drop()
