"""One corrupted frame is one failure, of kind CORRUPT, and the stream goes on.

Not also a false wrong key (an APDU header found inside the rejected frame while
resynchronising), nor lost segments or blocks, nor an unsupported APDU (the rest of
the message the frame belonged to).
"""

from __future__ import annotations

import pytest

from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.hdlc import FLAG
from custom_components.localgrid.protocol.model import DecodeFailure, FailureKind, Telegram

from .test_decoder_corpus import fixture

FRAMED_IDS = (
    "at01_kaifa_ma309m_netznoe_mbus_enc",  # M-Bus, encrypted, two segments
    "at03_lg_e450_netzburgenland_hdlc_enc_auth_1",  # one HDLC frame, encrypted and signed
    "xx02_lg_e450_gbt_hdlc_enc_auth_a",  # three HDLC frames, one GBT block each, encrypted
    "xx01_iskra_am550_hdlc_seg_plain",  # HDLC segmentation
    "ch01_lg_e450_vse2026_gbt_hdlc_plain",  # GBT over HDLC
)


def interior_positions(raw: bytes, sample_id: str) -> list[int]:
    """Every byte inside a frame, past what delimits it.

    An HDLC frame's flags and format/length bytes say where it is: with one of them
    changed the bytes are no frame at all, skipped as noise (its loss shows in the
    decoder's discarded bytes). The M-Bus start is fully covered (all positions).
    """
    if "_hdlc_" not in sample_id:
        return list(range(len(raw)))
    delimiters: set[int] = set()
    start = 0
    while start < len(raw) - 2:
        close = start + 1 + ((raw[start + 1] & 0x07) << 8 | raw[start + 2])
        delimiters.update((start, start + 1, start + 2, close))
        start = close if close + 1 >= len(raw) or raw[close + 1] != FLAG else close + 1
    return [i for i in range(len(raw)) if i not in delimiters]


def corrupted(raw: bytes, position: int) -> bytes:
    flipped = bytearray(raw)
    flipped[position] ^= 1 << (position % 8)
    return bytes(flipped)


def decode(decoder: MeterDecoder, *chunks: bytes) -> list[Telegram | DecodeFailure]:
    return [result for chunk in chunks for result in decoder.feed(chunk)] + decoder.flush()


@pytest.mark.parametrize("sample_id", FRAMED_IDS)
def test_a_corrupted_frame_counts_once_as_corrupt(sample_id: str) -> None:
    raw, decoder = fixture(sample_id)
    (good,) = decode(decoder, raw)
    assert isinstance(good, Telegram)
    for position in interior_positions(raw, sample_id):
        bad = corrupted(raw, position)
        # Telegrams arrive seconds apart (one read each), or together in one read.
        for chunks in ((raw, bad, raw), (raw + bad + raw,)):
            decoder = fixture(sample_id)[1]
            results = decode(decoder, *chunks)
            failures = [r for r in results if isinstance(r, DecodeFailure)]
            assert [f.kind for f in failures] == [FailureKind.CORRUPT], (position, failures)
            assert [r for r in results if isinstance(r, Telegram)] == [good, good], position
            assert results[-1] == good  # the next good telegram decodes
            assert decoder.stats.rejected[FailureKind.CORRUPT] == 1
            assert sum(decoder.stats.rejected.values()) == 1


def test_a_bang_flipped_into_a_p1_line_does_not_end_the_telegram() -> None:
    """`!` ends a P1 telegram only as a line of its own; inside a line it is corruption."""
    raw, decoder = fixture("at12_sagemcom_t210d_dsmr_text_plain")
    position = raw.index(b"*W)") + 2
    bad = raw[:position] + b"!" + raw[position + 1 :]  # one bit: ")" ^ 0x08
    assert bad[position - 2 : position + 3] == b"*W!\r\n"
    (good,) = decode(decoder, raw)
    assert isinstance(good, Telegram)
    decoder = fixture("at12_sagemcom_t210d_dsmr_text_plain")[1]
    results = decode(decoder, raw, bad, raw)
    assert [r.kind for r in results if isinstance(r, DecodeFailure)] == [FailureKind.CORRUPT]
    assert [r for r in results if isinstance(r, Telegram)] == [good, good]
