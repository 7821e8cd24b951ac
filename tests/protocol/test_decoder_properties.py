"""Hypothesis: noise, truncations, bit flips and re-chunkings of the real telegrams."""

from __future__ import annotations

from itertools import pairwise
import json
from pathlib import Path
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.localgrid.protocol.decoder import MAX_PENDING, MeterDecoder
from custom_components.localgrid.protocol.model import DecodeFailure, Framing, Telegram

from . import test_decoder_corpus
from .test_decoder_corpus import DECODABLE_IDS

EXTRA = Path(__file__).parent.parent / "fixtures" / "meters_extra"
_P1_CRC = re.compile(rb"![0-9A-Fa-f]{4}\r\n$")


def _has_check(sample: dict[str, object]) -> bool:
    """Read from M-Bus or HDLC frames, or P1 text with its CRC (DSMR 2/3 send none).

    A frame published one byte short (at29) fails its FCS: what the decoder reads is the
    ciphered APDU inside it, which without an authentication key nothing vouches for."""
    framing = sample["framing"]
    if framing in ("mbus", "hdlc"):
        keys = [bytes.fromhex(str(sample[name])) if sample[name] else None for name in _KEYS]
        decoded = MeterDecoder(*keys).feed(bytes.fromhex(str(sample["hex"])))
        return any(
            isinstance(result, Telegram) and result.framing in (Framing.MBUS, Framing.HDLC)
            for result in decoded
        )
    return framing == "dsmr-text" and bool(_P1_CRC.search(bytes.fromhex(str(sample["hex"]))))


_KEYS = ("key_hex", "auth_key_hex")


_EXTRA_SAMPLES = {path.stem: json.loads(path.read_text()) for path in sorted(EXTRA.glob("*.json"))}
EXTRA_CHECKED_IDS = [name for name, sample in _EXTRA_SAMPLES.items() if _has_check(sample)]
CHECKED_IDS = [i for i in DECODABLE_IDS if "rawapdu" not in i] + EXTRA_CHECKED_IDS
"""Telegrams protected by a checksum, CRC or GCM tag (the bare plaintext APDU has none),
from the shared corpus and the public telegrams beyond it."""


def fixture(sample_id: str) -> tuple[bytes, MeterDecoder]:
    """The telegram's bytes and a decoder holding its keys."""
    sample = _EXTRA_SAMPLES.get(sample_id)
    if sample is None:
        return test_decoder_corpus.fixture(sample_id)
    keys = [bytes.fromhex(sample[name]) if sample[name] else None for name in _KEYS]
    return bytes.fromhex(sample["hex"]), MeterDecoder(*keys)


def test_the_extra_checked_telegrams_are_many() -> None:
    assert len(EXTRA_CHECKED_IDS) >= 50


BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Result = Telegram | DecodeFailure


def decode_all(decoder: MeterDecoder, chunks: list[bytes]) -> list[Result]:
    results = [r for chunk in chunks for r in decoder.feed(chunk)]
    return results + decoder.flush()


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in pairwise(points)]


def reference(sample_id: str) -> Telegram:
    data, decoder = fixture(sample_id)
    (telegram,) = decoder.feed(data)
    assert isinstance(telegram, Telegram)
    return telegram


@BOUNDED
@given(st.lists(st.binary(max_size=600), max_size=8))
def test_noise_never_raises_and_stays_bounded(chunks: list[bytes]) -> None:
    decoder = MeterDecoder(bytes(16), bytes(16))
    for chunk in chunks:
        for result in decoder.feed(chunk):
            assert isinstance(result, Telegram | DecodeFailure)
        assert decoder.buffered <= MAX_PENDING + len(chunk)
    assert all(isinstance(r, DecodeFailure) for r in decoder.flush())


@BOUNDED
@given(st.sampled_from(CHECKED_IDS), st.data())
def test_truncation_never_yields_a_telegram(sample_id: str, data: st.DataObject) -> None:
    raw, decoder = fixture(sample_id)
    # Up to the telegram's last byte (a P1 telegram may lose the CRLF after its CRC, and
    # what follows the telegram, such as the signature after Wiener Netze frames, all).
    telegram = reference(sample_id).raw
    cut = data.draw(st.integers(0, raw.index(telegram) + len(telegram) - 1))
    results = decode_all(decoder, [raw[:cut]])
    assert not [r for r in results if isinstance(r, Telegram)]


@BOUNDED
@given(st.sampled_from(CHECKED_IDS), st.data())
def test_bit_flip_never_yields_a_changed_telegram(sample_id: str, data: st.DataObject) -> None:
    raw, decoder = fixture(sample_id)
    index = data.draw(st.integers(0, len(raw) - 1))
    bit = data.draw(st.integers(0, 7))
    flipped = bytearray(raw)
    flipped[index] ^= 1 << bit
    expected = reference(sample_id)
    for result in decode_all(decoder, [bytes(flipped)]):
        if isinstance(result, Telegram):
            # Only when the flip missed what a check covers: a frame line end, or a
            # framing byte in front of an APDU that is whole (and, if tagged, authentic).
            assert result.payload == expected.payload
            assert (result.system_title, result.frame_counter) == (
                expected.system_title,
                expected.frame_counter,
            )


@BOUNDED
@given(
    st.sampled_from(DECODABLE_IDS + tuple(EXTRA_CHECKED_IDS)),
    st.lists(st.integers(0, 2000), max_size=12),
)
def test_rechunking_yields_the_same_telegrams(sample_id: str, cuts: list[int]) -> None:
    raw, decoder = fixture(sample_id)
    # A bare plaintext APDU has no length of its own: only one per input (see decoder).
    copies = 1 if "rawapdu" in sample_id else 2
    results = decode_all(decoder, split(raw * copies, cuts))
    assert results == [reference(sample_id)] * copies


@BOUNDED
@given(
    st.sampled_from(CHECKED_IDS),
    st.lists(st.binary(max_size=80), min_size=3, max_size=3),
    st.lists(st.integers(0, 3000), max_size=10),
)
def test_telegrams_between_noise_all_found(
    sample_id: str, noise: list[bytes], cuts: list[int]
) -> None:
    raw, _ = fixture(sample_id)
    stream = noise[0] + raw + noise[1] + raw + noise[2]
    expected = reference(sample_id)
    whole = [r for r in decode_all(fixture(sample_id)[1], [stream]) if isinstance(r, Telegram)]
    chunked = decode_all(fixture(sample_id)[1], split(stream, cuts))
    assert [r for r in chunked if isinstance(r, Telegram)] == whole
    assert whole.count(expected) == 2
