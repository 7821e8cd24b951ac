"""The streaming decoder: chunking, noise, lost frames, limits, counters."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from custom_components.localgrid.protocol import decoder as decoder_module
from custom_components.localgrid.protocol.crc import crc16_arc
from custom_components.localgrid.protocol.decoder import MAX_PENDING, MeterDecoder
from custom_components.localgrid.protocol.model import (
    DecodeFailure,
    FailureKind,
    Framing,
    Reading,
    Telegram,
)

from .corpus import plaintext, sample
from .frames import LLC, gbt_blocks, hdlc_frame, hdlc_frames, mbus_frames

PLAIN = plaintext("at07_kaifa_ma309_salzburgnetz_rawapdu_plain")
XX01 = bytes.fromhex(sample("xx01_iskra_am550_hdlc_seg_plain")["hex"])
NL01 = bytes.fromhex(sample("nl01_iskra_dsmr50_text_plain")["hex"])


def telegrams(results: list[Telegram | DecodeFailure]) -> list[Telegram]:
    return [r for r in results if isinstance(r, Telegram)]


def failures(results: list[Telegram | DecodeFailure]) -> list[DecodeFailure]:
    return [r for r in results if isinstance(r, DecodeFailure)]


def test_byte_by_byte() -> None:
    decoder = MeterDecoder()
    results = [r for byte in XX01 + NL01 for r in decoder.feed(bytes((byte,)))]
    assert [t.framing for t in telegrams(results)] == [Framing.HDLC, Framing.DSMR]
    assert not failures(results)


def test_leading_garbage_and_partial_frame_at_start() -> None:
    decoder = MeterDecoder()
    results = decoder.feed(b"\x00\x7e\xa0\x13" + XX01[100:] + XX01 + b"\xff" * 10)
    (telegram,) = telegrams(results)
    assert telegram.payload.meter_id == "84895126"
    assert decoder.stats.bytes_discarded > 0


@pytest.mark.parametrize("joined", [b"\x7e", b"\x7e\x7e\x7e"])
def test_hdlc_frames_sharing_or_repeating_flags(joined: bytes) -> None:
    (telegram,) = MeterDecoder().feed(XX01.replace(b"\x7e\x7e", joined))
    assert isinstance(telegram, Telegram)
    assert telegram.payload.values["1-0:1.8.0"] == Reading(Decimal("261.927"), "kWh")


def test_lost_segment_is_reported_and_next_message_decodes() -> None:
    frames = hdlc_frames(PLAIN, 120)  # three segments
    second_start = frames.index(b"\x7e\x7e") + 1
    third_start = frames.index(b"\x7e\x7e", second_start) + 1
    stream = frames[:second_start] + frames[third_start:] + frames
    results = MeterDecoder().feed(stream)
    assert [type(r) for r in results] == [DecodeFailure, Telegram]
    assert isinstance(results[0], DecodeFailure)
    assert (results[0].kind, results[0].framing) == (FailureKind.CORRUPT, Framing.HDLC)


def test_message_opening_while_segments_missing_reports_the_lost_one() -> None:
    frames = hdlc_frames(PLAIN, 120)
    first = frames[: frames.index(b"\x7e\x7e") + 1]
    results = MeterDecoder().feed(first + frames)
    assert [type(r) for r in results] == [DecodeFailure, Telegram]
    assert isinstance(results[0], DecodeFailure)
    assert results[0].message == "segmented message incomplete: frames lost"
    assert results[0].raw == first


def test_mbus_without_dlms_transport_is_unsupported() -> None:
    body = bytes((0x08, 0x01, 0x72)) + bytes(12)
    frame = bytes((0x68, 15, 15, 0x68)) + body + bytes((sum(body) & 0xFF, 0x16))
    (failure,) = MeterDecoder().feed(frame + frame)[:1]
    assert isinstance(failure, DecodeFailure)
    assert (failure.kind, failure.framing) == (FailureKind.UNSUPPORTED, Framing.MBUS)


def test_p1_envelope_without_objects_is_unsupported() -> None:
    text = b"/ABC5 meter\r\n\r\n!"
    text += f"{crc16_arc(text):04X}\r\n".encode()
    (failure,) = MeterDecoder().feed(text)
    assert isinstance(failure, DecodeFailure)
    assert (failure.kind, failure.framing) == (FailureKind.UNSUPPORTED, Framing.DSMR)


def test_gbt_blocks_split_by_hdlc_segmentation_and_over_mbus() -> None:
    blocks = gbt_blocks(PLAIN, 100)
    hdlc_stream = b"".join(
        hdlc_frames(block, 60) if n == 0 else hdlc_frame(block) for n, block in enumerate(blocks)
    )
    mbus_stream = b"".join(mbus_frames(block) for block in blocks)
    for stream, framing in ((hdlc_stream, Framing.HDLC), (mbus_stream, Framing.MBUS)):
        (telegram,) = MeterDecoder().feed(stream)
        assert isinstance(telegram, Telegram)
        assert telegram.framing is framing
        assert telegram.payload.meter_id == "1KFM0200234804"
        assert telegram.raw == stream


def test_lost_gbt_block() -> None:
    blocks = gbt_blocks(PLAIN, 100)
    stream = hdlc_frame(LLC + blocks[0]) + hdlc_frame(blocks[2]) + hdlc_frame(blocks[3])
    results = MeterDecoder().feed(stream + hdlc_frames(PLAIN))
    # reported once (block 3 out of sequence), block 4 dropped quietly, the next push decodes
    assert [type(r) for r in results] == [DecodeFailure, Telegram]
    assert isinstance(results[0], DecodeFailure)
    assert results[0].kind is FailureKind.CORRUPT


def test_dsmr_crc_mismatch_is_corrupt_and_stream_goes_on() -> None:
    bad = NL01.replace(b"000004.426", b"000004.427")
    results = MeterDecoder().feed(bad + NL01)
    assert [type(r) for r in results] == [DecodeFailure, Telegram]
    assert results[0].kind is FailureKind.CORRUPT
    assert results[0].framing is Framing.DSMR


def test_dsmr_telegram_without_crc() -> None:
    text = b"/KFM5KAIFA-METER\r\n\r\n1-0:1.8.1(00123.456*kWh)\r\n!\r\n"
    (telegram,) = MeterDecoder().feed(text)
    assert isinstance(telegram, Telegram)
    assert telegram.payload.values["1-0:1.8.1"] == Reading(Decimal("123.456"), "kWh")


def test_dsmr_truncated_by_lost_bytes_then_next() -> None:
    cut = NL01[:300] + NL01[400:]
    results = MeterDecoder().feed(cut + NL01)
    assert [type(r) for r in results] == [DecodeFailure, Telegram]


def test_raw_notification_in_chunks() -> None:
    decoder = MeterDecoder()
    results = decoder.feed(PLAIN[:100]) + decoder.feed(PLAIN[100:])
    (telegram,) = results
    assert isinstance(telegram, Telegram)
    assert (telegram.framing, telegram.raw) == (Framing.RAW, PLAIN)


def test_raw_notification_that_does_not_decode_is_reported_at_the_end_of_input() -> None:
    # A pasted APDU cut in the wrong place (bytes of its tag left at its end): nothing says
    # where a bare notification ends, so only the end of the input tells.
    decoder = MeterDecoder()
    assert decoder.feed(PLAIN + b"\xac\xd7\x6e") == []
    (failure,) = decoder.flush()
    assert isinstance(failure, DecodeFailure)
    assert (failure.kind, failure.framing, failure.raw) == (
        FailureKind.CORRUPT,
        Framing.RAW,
        PLAIN + b"\xac\xd7\x6e",
    )
    assert failure.message == (
        "plaintext APDU does not decode: 3 bytes of garbage after the notification body"
    )


def test_raw_notification_of_unknown_layout_is_reported_at_the_end_of_input() -> None:
    unknown = b"\x0f\x00\x00\x00\x01\x00\x01\x02\x12\x00\x01\x12\x00\x02"  # two numbers
    decoder = MeterDecoder()
    assert decoder.feed(unknown) == []
    (failure,) = decoder.flush()
    assert isinstance(failure, DecodeFailure)
    assert failure.kind is FailureKind.UNSUPPORTED
    assert failure.message.startswith("APDU not understood: no known layout")


@pytest.mark.parametrize(
    "data",
    [XX01 + b"\x0f\x00\x00\x00\x01\x00\xff", b"\x0f\x00\x00\x00\x01\x00\xff" + PLAIN],
    ids=["after a telegram", "before a notification"],
)
def test_notification_like_noise_in_an_input_with_telegrams_stays_quiet(data: bytes) -> None:
    decoder = MeterDecoder()
    results = decoder.feed(data) + decoder.flush()
    assert [type(r) for r in results] == [Telegram]


@pytest.mark.parametrize("chunk", [1, 7, None])
@pytest.mark.parametrize(
    ("sample_id", "byte", "written_as", "message"),
    [
        ("at01_kaifa_ma309m_netznoe_mbus_enc", b"\n", b"\r\n", "M-Bus segment 1 out of"),
        # One byte gained inside the ciphertext (not a doubled 0xFF: nothing undoes it).
        ("at03_lg_e450_netzburgenland_hdlc_enc_auth_1", b"\xf6\xdd", b"\xf6\x00\xdd", "ciphered"),
    ],
)
def test_frames_changed_by_a_bridge_are_damaged_not_a_wrong_key(
    sample_id: str, byte: bytes, written_as: bytes, message: str, chunk: int | None
) -> None:
    """A bridge in text mode writes 0x0A as CR LF (which HDLC frames survive), or a byte
    is gained on the line: the frames no longer end where their length says, and are
    counted as damaged. The APDU inside them, read on its own, fails as corrupt, never as
    a wrong key (as it did), in any chunking."""
    data = sample(sample_id)
    sent = bytes.fromhex(data["hex"])
    assert byte in sent
    keys = [bytes.fromhex(data[k]) if data[k] else None for k in ("key_hex", "auth_key_hex")]
    decoder = MeterDecoder(*keys)
    changed = sent.replace(byte, written_as) * 3
    size = chunk or len(changed)
    results = [r for i in range(0, len(changed), size) for r in decoder.feed(changed[i : i + size])]
    results += decoder.flush()
    assert not telegrams(results)
    assert {failure.kind for failure in failures(results)} <= {FailureKind.CORRUPT}
    assert decoder.stats.damaged_frames > 0
    if chunk is None:
        assert any(failure.message.startswith(message) for failure in failures(results))
    (telegram,) = decoder.feed(sent)  # the same meter through a raw bridge
    assert isinstance(telegram, Telegram)


@pytest.mark.parametrize("chunk", [1, 7, None])
@pytest.mark.parametrize(
    "sample_id",
    [
        "at03_lg_e450_netzburgenland_hdlc_enc_auth_1",  # 0xFF in the header's address
        "xx02_lg_e450_gbt_hdlc_enc_auth_a",
        "xx01_iskra_am550_hdlc_seg_plain",
        "no01_aidon_1phase_hdlc_plain",
        "at01_kaifa_ma309m_netznoe_mbus_enc",
        "lu01_sagemcom_smarty_dsmr_enc_auth",
    ],
)
def test_frames_through_a_telnet_bridge(sample_id: str, chunk: int | None) -> None:
    """A bridge in telnet mode doubles each 0xFF: HDLC and M-Bus frames are read as the
    meter sent them (their checks hold that way), and so is a Smarty APDU when its GCM
    tag verifies that way, in any chunking."""
    data = sample(sample_id)
    sent = bytes.fromhex(data["hex"])
    keys = [bytes.fromhex(data[k]) if data[k] else None for k in ("key_hex", "auth_key_hex")]
    (reference,) = MeterDecoder(*keys).feed(sent)
    assert isinstance(reference, Telegram)
    received = sent.replace(b"\xff", b"\xff\xff") * 3
    assert received != sent * 3
    decoder = MeterDecoder(*keys)
    size = chunk or len(received)
    results = [
        r for i in range(0, len(received), size) for r in decoder.feed(received[i : i + size])
    ]
    results += decoder.flush()
    assert [r.payload for r in results if isinstance(r, Telegram)] == [reference.payload] * 3
    assert not failures(results)


def test_smarty_wrong_key_with_doubled_ff_is_still_a_wrong_key() -> None:
    """A Smarty APDU that fails with a wrong key is not taken for a telnet bridge's, even
    when its 0xFF all come in pairs: its tag fails that way too."""
    data = sample("lu01_sagemcom_smarty_dsmr_enc_auth")
    received = bytes.fromhex(data["hex"]).replace(b"\xff", b"\xff\xff")
    decoder = MeterDecoder(bytes(16), bytes.fromhex(data["auth_key_hex"]))
    results = [r for byte in received for r in decoder.feed(bytes((byte,)))] + decoder.flush()
    assert FailureKind.WRONG_KEY in {failure.kind for failure in failures(results)}
    assert not telegrams(results)


def test_non_push_apdu_is_unsupported() -> None:
    (failure,) = MeterDecoder().feed(hdlc_frames(b"\xc4\x01\xc1\x00\x06\x00\x00\x00\x01"))
    assert isinstance(failure, DecodeFailure)
    assert failure.kind is FailureKind.UNSUPPORTED


def test_supervisory_frame_is_ignored() -> None:
    assert MeterDecoder().feed(hdlc_frame(b"") + XX01)[0].framing is Framing.HDLC


def test_buffer_stays_bounded_on_noise() -> None:
    decoder = MeterDecoder()
    noise = bytes((0x7E, 0xA7, 0xFF)) + b"/ABC" + bytes(range(256)) * 8
    for _ in range(50):
        assert all(isinstance(r, DecodeFailure) for r in decoder.feed(noise))
        assert decoder.buffered <= MAX_PENDING
    assert decoder.stats.telegrams == 0


def test_flush_reports_what_was_cut_short() -> None:
    decoder = MeterDecoder()
    second_frame = XX01.index(b"\x7e\x7e") + 1
    assert decoder.feed(XX01[: second_frame + 30]) == []
    kinds = [(r.kind, r.message) for r in failures(decoder.flush())]
    assert kinds == [
        (FailureKind.CORRUPT, "input ended inside an incomplete frame"),
        (FailureKind.CORRUPT, "input ended inside a segmented message"),
    ]
    assert decoder.buffered == 0
    assert decoder.flush() == []


def test_flush_decodes_a_frame_held_up_by_a_false_start() -> None:
    decoder = MeterDecoder()
    # A bare ciphering header promising 8 kB: only the flush gives up on it.
    assert decoder.feed(b"\xdb\x08ABCDEFGH\x82\x1f\xf0\x30" + NL01) == []
    (telegram,) = telegrams(decoder.flush())
    assert telegram.framing is Framing.DSMR


def test_stats() -> None:
    decoder = MeterDecoder()
    decoder.feed(b"noise" + XX01 + NL01.replace(b"4.426", b"4.427"))
    stats = decoder.stats.as_dict()
    assert stats["telegrams"] == 1
    assert stats["rejected"] == {"corrupt": 1, "missing_key": 0, "wrong_key": 0, "unsupported": 0}
    sent = NL01[NL01.rindex(b"!") + 1 :][:4].decode()
    computed = f"{crc16_arc(NL01[: NL01.rindex(b'!') + 1].replace(b'4.426', b'4.427')):04X}"
    assert sent != computed
    assert stats["last_failure"] == (
        f"corrupt: P1 telegram CRC mismatch (sent {sent}, computed {computed})"
    )
    assert stats["bytes_received"] == 5 + len(XX01) + len(NL01)


def test_application_layer_bug_never_escapes(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(decoder_module.cosem, "decode_apdu", broken)
    decoder = MeterDecoder()
    (failure,) = decoder.feed(XX01)
    assert isinstance(failure, DecodeFailure)
    assert failure.kind is FailureKind.UNSUPPORTED
    monkeypatch.undo()
    assert telegrams(decoder.feed(XX01))


def test_p1_text_helper_crc() -> None:
    assert f"{crc16_arc(NL01[: NL01.index(b'!') + 1]):04X}" == "6EEE"


@pytest.mark.parametrize(
    "sample_id",
    [
        "at03_lg_e450_netzburgenland_hdlc_enc_auth_1",  # DLMS date-time, deviation unspecified
        "no04_kaifa_ma304h3e_hdlc_plain",
        "lu01_sagemcom_smarty_dsmr_enc_auth",  # DSMR text inside a ciphered APDU
        "nl01_iskra_dsmr50_text_plain",
    ],
)
def test_meter_clock_zone(sample_id: str) -> None:
    """Times sent without an offset to UTC are wall-clock times of the meter's zone."""
    data = sample(sample_id)
    keys = [
        bytes.fromhex(data[name]) if data[name] else None for name in ("key_hex", "auth_key_hex")
    ]
    (central,) = MeterDecoder(*keys).feed(bytes.fromhex(data["hex"]))
    (helsinki,) = MeterDecoder(*keys, ZoneInfo("Europe/Helsinki")).feed(bytes.fromhex(data["hex"]))
    assert isinstance(central, Telegram)
    assert isinstance(helsinki, Telegram)
    assert central.payload.timestamp is not None
    assert helsinki.payload.timestamp is not None
    wall_clock = central.payload.timestamp.replace(tzinfo=None)
    assert helsinki.payload.timestamp.replace(tzinfo=None) == wall_clock
    assert central.payload.timestamp - helsinki.payload.timestamp == timedelta(hours=1)
