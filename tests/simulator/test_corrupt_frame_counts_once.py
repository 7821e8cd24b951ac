"""A frame the simulator corrupts (one bit, in any frame of a segmented telegram) is one
CORRUPT failure for the decoder, never also lost segments, an unsupported APDU or a wrong key."""

from __future__ import annotations

from datetime import UTC, datetime
import random

import pytest

from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.model import DecodeFailure, FailureKind, Telegram
from simulator.meter import MeterFormat, MeterSimulator

START = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
AUTH_KEY = bytes.fromhex("000102030405060708090A0B0C0D0E0F")


@pytest.mark.parametrize("fmt", [MeterFormat.MBUS, MeterFormat.HDLC])
@pytest.mark.parametrize("auth_key", [None, AUTH_KEY], ids=["encrypted", "signed"])
def test_each_corrupted_frame_counts_once(fmt: MeterFormat, auth_key: bytes | None) -> None:
    meter = MeterSimulator(fmt, seed=3, start=START, auth_key=auth_key)
    decoder = MeterDecoder(meter.key, meter.auth_key)
    rng = random.Random(4)
    for _ in range(40):
        frames = meter.telegram().frames
        assert len(frames) > 1  # segmented: the rest of the message must not count again
        which = rng.randrange(len(frames))
        # The simulator's own fault: one bit flipped inside the first frame given.
        frames = [*frames[:which], *meter._corrupt(frames[which:])]
        good = meter.telegram()
        results = decoder.feed(b"".join(frames)) + decoder.feed(good.data)
        assert [r.kind for r in results if isinstance(r, DecodeFailure)] == [FailureKind.CORRUPT], (
            which
        )
        (telegram,) = (r for r in results if isinstance(r, Telegram))
        assert telegram.frame_counter == good.frame_counter
    assert decoder.stats.rejected[FailureKind.CORRUPT] == 40
    assert sum(decoder.stats.rejected.values()) == 40
