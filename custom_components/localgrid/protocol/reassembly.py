"""Joining the parts of one message that arrives split over several frames or blocks."""

from __future__ import annotations


class ReassemblyError(ValueError):
    """Parts were lost or the message grew past its limit; the partial message is dropped."""

    def __init__(self, message: str, raw: bytes) -> None:
        super().__init__(message)
        self.raw = raw


class Reassembly:
    """The parts received so far of one message, with the raw frames that carried them."""

    __slots__ = ("_limit", "_parts", "_raw", "_size", "dropped", "next_index")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._parts: list[bytes] = []
        self._raw: list[bytes] = []
        self._size = 0
        self.next_index = 0
        """Sequence number the next part must carry (for formats that number them)."""
        self.dropped = b""
        """Raw frames of a partial message abandoned by the last `begin` (parts lost)."""

    @property
    def active(self) -> bool:
        """Whether a message is in progress."""
        return bool(self._raw)

    def begin(self, part: bytes, raw: bytes, next_index: int = 0) -> None:
        """Start a new message, abandoning (into `dropped`) one still in progress."""
        self.dropped = self.drop() if self.active else b""
        self.add(part, raw, next_index)

    def add(self, part: bytes, raw: bytes, next_index: int = 0) -> None:
        """Append one part; ReassemblyError (and reset) when the message gets too long."""
        self._size += len(part)
        self._parts.append(part)
        self._raw.append(raw)
        self.next_index = next_index
        if self._size > self._limit:
            lost = self.drop()
            raise ReassemblyError(f"message longer than {self._limit} bytes", lost)

    def take(self) -> tuple[bytes, bytes]:
        """The complete message and its raw frames; the buffer starts empty again."""
        message = b"".join(self._parts)
        return message, self.drop()

    def drop(self) -> bytes:
        """Forget the partial message; returns its raw frames for the failure report."""
        raw = b"".join(self._raw)
        self._parts.clear()
        self._raw.clear()
        self._size = 0
        self.next_index = 0
        return raw
