"""Why a candidate frame was rejected, shared by the framing readers."""

from __future__ import annotations


class NotAFrame(ValueError):
    """The bytes only looked like the start of a frame: noise, skipped silently."""


class LengthMismatch(NotAFrame):
    """A frame whose header is a frame's (its HCS verifies, or the M-Bus length stands
    twice) but that does not end where its length says: bytes lost or added on the way.
    Skipped like noise, since a meter's APDU inside may still read on its own."""

    def __init__(self, message: str, end: int) -> None:
        super().__init__(message)
        self.end = end
        """Index just after where the frame should have ended."""


class ChecksumError(ValueError):
    """A complete frame whose checksum or CRC fails: corrupted in transit, reported."""

    def __init__(self, message: str, end: int, resume: int | None = None) -> None:
        super().__init__(message)
        self.end = end
        """Index just after the rejected frame, for the failure's raw bytes."""
        self.resume = resume
        """Where the next frame can start when the frame's bounds are trustworthy (else
        None: resynchronise at the next byte)."""
