"""Every real APDU through every transport: M-Bus, HDLC (any address form, segmented or
in general-block-transfer blocks, through a CR LF bridge) and bare on P1, plain or
ciphered with each security byte, and under each form of notification header; every
P1 text encrypted as a Smarty meter sends it and with its line ends rewritten. A meter of a known
layout behind another operator's framing or security must decode as the same telegram
does as published."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import cache
from itertools import product
from typing import Any
from unittest import mock

from hypothesis import given, strategies as st
import pytest

from custom_components.localgrid.protocol import cosem
from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.model import Payload, Telegram

from .corpus import sample
from .frames import LLC, cipher, gbt_blocks, hdlc_frame, hdlc_frames, mbus_frames
from .test_decoder_corpus import DECODABLE_IDS
from .test_decoder_properties import _EXTRA_SAMPLES, BOUNDED, fixture, reference, split

KEY = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
AUTH_KEY = bytes.fromhex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
# For APDUs that arrived without a title: a FLAG (three letters, which a bare APDU on P1
# must open with) that names no maker, since the maker decides the units of registers
# sent without them.
ANONYMOUS_TITLE = b"ZZZ\x00\x00\x00\x00\x01"
# Destination and source addresses seen on meters (1-, 2- and 4-byte forms).
ADDRESSES = [
    (b"\x41", b"\x08\x83"),
    (b"\xcf", b"\x02\x23"),
    (b"\xce", b"\xff\x03"),
    (b"\x01", b"\x02\x01"),
    (b"\xcf", b"\x00\x02\x00\x23"),
]
MBUS_SEGMENTS = 16  # the CI field numbers segments in 4 bits
MAX_MBUS_DATA = 245


@cache
def _apdu(sample_id: str) -> tuple[bytes, bytes | None] | None:
    """The plaintext DATA-NOTIFICATION the sample's transport delivers and its system
    title; None for P1 text and for samples that are not one decodable telegram."""
    raw, decoder = fixture(sample_id)
    delivered: list[tuple[bytes, bytes | None]] = []
    decode_apdu = cosem.decode_apdu

    def spy(apdu: bytes, **options: object) -> Payload:
        delivered.append((bytes(apdu), options.get("system_title")))  # type: ignore[arg-type]
        return decode_apdu(apdu, **options)  # type: ignore[arg-type]

    with mock.patch.object(cosem, "decode_apdu", spy):
        results = decoder.feed(raw) + decoder.flush()
    telegrams = [result for result in results if isinstance(result, Telegram)]
    if len(telegrams) != 1 or len(delivered) != 1 or delivered[0][0][:1] != b"\x0f":
        return None
    return delivered[0]


APDU_IDS = [i for i in (*DECODABLE_IDS, *_EXTRA_SAMPLES) if _apdu(i) is not None]


def test_many_apdus_of_varied_layouts() -> None:
    assert len(APDU_IDS) >= 60
    sizes = [len(apdu) for apdu, _ in filter(None, map(_apdu, APDU_IDS))]
    # Every BER length form of the ciphered content (5 to 17 bytes longer than the APDU).
    assert min(sizes) < 0x60
    assert any(0x80 <= size < 0xE0 for size in sizes)
    assert max(sizes) > 0x100


def _secured(apdu: bytes, title: bytes | None, control: int | None) -> tuple[bytes, bytes]:
    """The APDU as sent (ciphered unless `control` is None) and the system title it
    carries (the sample's own, which may name the maker)."""
    if control is None:
        return apdu, b""
    title = title or ANONYMOUS_TITLE
    auth_key = AUTH_KEY if control & 0x10 else b""
    return cipher(apdu, KEY, control=control, auth_key=auth_key, title=title), title


CONTROLS = [None, 0x20, 0x21, 0x30, 0x31, 0x10]
"""Security bytes: plain, encrypted (suites 0 and 1), encrypted and authenticated,
authenticated only."""
TRANSPORTS = ["mbus", "hdlc", "hdlc_shared_flags", "hdlc_crlf", "gbt", "gbt_mbus", "bare"]
"""hdlc_shared_flags: one flag closes a frame and opens the next; hdlc_crlf: through a
HAN bridge that writes every line feed (0x0A) as CR LF; gbt: one block per HDLC frame;
gbt_mbus: one block per M-Bus message, without the streaming bit."""


def _wire(
    apdu: bytes,
    title: bytes | None,
    control: int | None,
    transport: str,
    *,
    size: int,
    hdlc_options: dict[str, Any],
) -> tuple[bytes, bytes]:
    """Bytes on the wire and the system title they carry; `size`: the data of one
    M-Bus frame (raised to what 16 frames need), HDLC segment or block."""
    sent, used_title = _secured(apdu, title, control)
    if transport == "bare" and control is not None:
        return sent, used_title
    if transport in ("mbus", "bare"):  # a plaintext APDU has no length: never sent bare
        size = min(max(size, -(-len(sent) // MBUS_SEGMENTS)), MAX_MBUS_DATA)
        return mbus_frames(sent, size), used_title
    if transport == "gbt_mbus":
        blocks = gbt_blocks(sent, min(size, MAX_MBUS_DATA - 8), streaming=False)
        return b"".join(mbus_frames(block) for block in blocks), used_title
    if transport == "hdlc":
        return hdlc_frames(sent, size, **hdlc_options), used_title
    if transport == "hdlc_shared_flags":
        return hdlc_frames(sent, size, shared_flags=True, **hdlc_options), used_title
    if transport == "hdlc_crlf":
        return hdlc_frames(sent, size, **hdlc_options).replace(b"\n", b"\r\n"), used_title
    blocks = gbt_blocks(sent, size)
    return b"".join(hdlc_frame(LLC + block, **hdlc_options) for block in blocks), used_title


def _check(sample_id: str, chunks: list[bytes], control: int | None, used_title: bytes) -> None:
    """The chunks decode to one telegram: the APDU's readings, as the title reads them."""
    found = _apdu(sample_id)
    assert found is not None
    apdu, title = found
    decoder = MeterDecoder(KEY, AUTH_KEY if control is not None and control & 0x10 else None)
    results = [result for chunk in chunks for result in decoder.feed(chunk)] + decoder.flush()
    assert len(results) == 1, results
    (telegram,) = results
    assert isinstance(telegram, Telegram), telegram
    assert telegram.payload == cosem.decode_apdu(apdu, system_title=used_title or None)
    if (used_title or None) == title:  # the maker as the meter named it: its own readings
        assert telegram.payload == reference(sample_id).payload
    if control is None:
        assert telegram.system_title is None
        assert telegram.authenticated is None
    else:
        assert telegram.system_title == used_title
        assert telegram.frame_counter == 1234
        assert telegram.authenticated is bool(control & 0x10)


@pytest.mark.parametrize("sample_id", APDU_IDS)
def test_every_transport_and_security_byte(sample_id: str) -> None:
    found = _apdu(sample_id)
    assert found is not None
    apdu, title = found
    for number, (control, transport) in enumerate(product(CONTROLS, TRANSPORTS)):
        dest, src = ADDRESSES[number % len(ADDRESSES)]
        options = {"dest": dest, "src": src, "control": 0x13}
        wire, used_title = _wire(apdu, title, control, transport, size=100, hdlc_options=options)
        _check(sample_id, [wire], control, used_title)


@BOUNDED
@given(
    st.sampled_from(APDU_IDS),
    st.sampled_from(CONTROLS),
    st.sampled_from(TRANSPORTS),
    st.tuples(
        st.integers(16, 250), st.sampled_from(ADDRESSES), st.sampled_from([0x13, 0x03, 0x10])
    ),
    st.lists(st.integers(0, 2000), max_size=6),
)
def test_any_sizes_addresses_and_chunks(
    sample_id: str,
    control: int | None,
    transport: str,
    framing: tuple[int, tuple[bytes, bytes], int],
    cuts: list[int],
) -> None:
    found = _apdu(sample_id)
    assert found is not None
    size, (dest, src), control_field = framing
    options = {"dest": dest, "src": src, "control": control_field}
    wire, used_title = _wire(*found, control, transport, size=size, hdlc_options=options)
    _check(sample_id, split(wire, cuts), control, used_title)


# ---- P1 text -------------------------------------------------------------------------

SMARTY_TITLE = b"SAG\x67\x70\x00\x00\x01"
P1_IDS = [
    i
    for i in (*DECODABLE_IDS, *_EXTRA_SAMPLES)
    if (_EXTRA_SAMPLES.get(i) or sample(i))["framing"] == "dsmr-text"
]


def _text(sample_id: str) -> bytes:
    """The telegram from '/' through its CRC line's line end."""
    raw, _ = fixture(sample_id)
    return raw[raw.index(b"/") :]


def test_many_p1_texts() -> None:
    assert len(P1_IDS) >= 50


@pytest.mark.parametrize("lead", [b"", b"\n", b"\r\n"])
@pytest.mark.parametrize("sample_id", P1_IDS)
def test_p1_text_encrypted_as_on_a_smarty_meter(sample_id: str, lead: bytes) -> None:
    """Luxembourg sends the whole telegram as one ciphered APDU on P1, with 0x30. A Smarty
    simulator's text opens with a line end (`lead`)."""
    text = lead + _text(sample_id)
    sent = cipher(text, KEY, control=0x30, auth_key=AUTH_KEY, title=SMARTY_TITLE)
    (telegram,) = MeterDecoder(KEY, AUTH_KEY).feed(sent)
    assert isinstance(telegram, Telegram), telegram
    assert telegram.payload == reference(sample_id).payload
    assert telegram.authenticated is True


@pytest.mark.parametrize("line_end", [b"\n", b"\n\n", b"\r\r\n"])
@pytest.mark.parametrize("sample_id", P1_IDS)
def test_p1_text_with_its_line_ends_rewritten(sample_id: str, line_end: bytes) -> None:
    """LF: a copy or a channel that turned CRLF into LF; LF LF: a capture that turned each
    CR into LF; CR CR LF: a bridge in text mode (as the HDLC ones) that writes each LF as
    CR LF. The CRC still tells the telegram."""
    text = _text(sample_id).replace(b"\r\n", line_end)
    results = MeterDecoder().feed(text + b"/")
    assert [result.payload for result in results if isinstance(result, Telegram)] == [
        reference(sample_id).payload
    ]


def _with_parity(text: bytes) -> bytes:
    """The bytes of a 7E1 line as a bridge set to 8N1 passes them: even parity in bit 7."""
    return bytes(byte | (byte.bit_count() & 1) << 7 for byte in text)


@pytest.mark.parametrize("sample_id", [i for i in P1_IDS if max(_text(i)) < 0x80])
def test_p1_text_from_a_7e1_line_read_as_8n1(sample_id: str) -> None:
    """DSMR 2.2/3.0 meters send 7E1; a bridge set to 8 data bits keeps each parity bit
    as bit 7, so '/' arrives as 0xAF. The telegram reads as the meter sent it, in any
    chunking. (Telegrams with 8-bit bytes cannot travel on a 7-bit line.)"""
    sent = _with_parity(_text(sample_id)) * 2
    decoder = MeterDecoder()
    results = [result for i in range(0, len(sent), 7) for result in decoder.feed(sent[i : i + 7])]
    results += decoder.flush()
    assert [result.payload for result in results if isinstance(result, Telegram)] == [
        reference(sample_id).payload
    ] * 2
    assert not [result for result in results if not isinstance(result, Telegram)]


def test_text_with_parity_bits_needs_even_parity_in_every_byte() -> None:
    """Binary data that opens like a 7E1 telegram is not one: a byte of odd parity (a
    letter without its parity bit) makes it noise, skipped quietly."""
    text = _with_parity(_text("nl01_iskra_dsmr50_text_plain"))
    broken = text.replace(b"\xeb", b"k", 1)  # a "k" of "kWh" without its parity bit
    assert broken != text
    decoder = MeterDecoder()
    assert decoder.feed(broken) + decoder.flush() == []
    assert decoder.stats.telegrams == 0
    assert not any(decoder.stats.rejected.values())


# ---- the notification header ---------------------------------------------------------

_CLOCK_FIELD = bytes.fromhex("07EA0B1D0712000000FFC400")  # 2026-11-29 18:00, UTC+1, no DST
_CLOCK_TIME = datetime(2026, 11, 29, 18, 0, tzinfo=timezone(timedelta(hours=1)))


def _header_and_body(apdu: bytes) -> tuple[bytes | None, bytes]:
    """The date-time a DATA-NOTIFICATION carries (None: absent) and its body."""
    if apdu[5] == 0x0C:
        return apdu[6:18], apdu[18:]
    if apdu[5:7] == b"\x09\x0c":
        return apdu[7:19], apdu[19:]
    if apdu[5:7] == b"\x09\x00":
        return None, apdu[7:]
    return None, apdu[6:]


@pytest.mark.parametrize("sample_id", APDU_IDS)
def test_any_notification_header(sample_id: str) -> None:
    """Meters of one layout differ in the header: the invoke id, and a date-time absent
    (00), plain (0C) or as an octet string (09 0C). The readings stay the same."""
    found = _apdu(sample_id)
    assert found is not None
    apdu, title = found
    reference = cosem.decode_apdu(apdu, system_title=title)
    clock, body = _header_and_body(apdu)
    expected_time = reference.timestamp if clock else _CLOCK_TIME
    clock = clock or _CLOCK_FIELD
    for invoke_id in (b"\x00\x00\x00\x01", b"\xc0\x00\x12\x34"):
        for date_time in (b"\x00", b"\x0c" + clock, b"\x09\x0c" + clock):
            payload = cosem.decode_apdu(b"\x0f" + invoke_id + date_time + body, system_title=title)
            assert payload.values == reference.values
            if date_time != b"\x00":
                assert payload.timestamp == expected_time
