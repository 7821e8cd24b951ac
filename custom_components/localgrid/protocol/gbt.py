"""DLMS general-block-transfer: `E0 <control> <block no u16> <ack u16> <BER len> <data>`.

Block control bit 7 marks the last block. L+G E450/E570 push one block per frame; the
blocks' data concatenated is the real APDU (usually a ciphered 0xDB one).
"""

from __future__ import annotations

from .reassembly import Reassembly, ReassemblyError
from .security import IncompleteError, read_ber_length

GENERAL_BLOCK_TRANSFER = 0xE0
_LAST_BLOCK = 0x80
_HEADER = 6  # E0 control block-no(2) ack(2)
MAX_MESSAGE = 65536


def read_block(apdu: bytes) -> tuple[bool, int, bytes]:
    """(last, block number, data) of one block; ValueError if malformed."""
    if len(apdu) < _HEADER + 1 or apdu[0] != GENERAL_BLOCK_TRANSFER:
        raise ValueError("general-block-transfer block too short")
    try:
        length, data_at = read_ber_length(apdu, _HEADER)
    except IncompleteError:
        raise ValueError("general-block-transfer length truncated") from None
    if data_at + length != len(apdu):
        raise ValueError(
            f"general-block-transfer block says {length} bytes, carries {len(apdu) - data_at}"
        )
    number = int.from_bytes(apdu[2:4])
    return bool(apdu[1] & _LAST_BLOCK), number, apdu[data_at:]


class BlockTransfer:
    """Joins numbered blocks into one APDU."""

    __slots__ = ("_parts", "_skipping")

    def __init__(self) -> None:
        self._parts = Reassembly(MAX_MESSAGE)
        self._skipping = False
        """The rest of a message already reported lost: its parts are dropped quietly."""

    @property
    def dropped(self) -> bytes:
        """Raw frames of a transfer abandoned by the last `add` because blocks were lost."""
        return self._parts.dropped

    def add(self, apdu: bytes, raw: bytes) -> tuple[bytes, bytes] | None:
        """The complete APDU and the raw frames of all blocks, None while blocks follow.

        Block 1 starts a transfer (abandoning one still open, see `dropped`); the first
        block out of sequence raises ReassemblyError and the rest of that transfer is
        dropped quietly; a malformed block raises ValueError.
        """
        last, number, data = read_block(apdu)
        parts = self._parts
        parts.dropped = b""
        if number == 1:
            self._skipping = False
            parts.begin(data, raw, 2)
        elif parts.active and number == parts.next_index:
            parts.add(data, raw, number + 1)
        elif self._skipping:
            return None
        else:
            self._skipping = True
            lost = parts.drop() + raw
            raise ReassemblyError(f"block {number} out of sequence: blocks lost", lost)
        if last:
            return parts.take()
        return None

    def frame_lost(self) -> None:
        """A frame carrying this message failed its check (the caller reported it): the
        parts received and those still to come are dropped quietly, up to the next block 1."""
        self._parts.drop()
        self._skipping = True

    def reset(self) -> bytes:
        """Drop a partial transfer; its raw frames."""
        self._skipping = False
        return self._parts.drop()
