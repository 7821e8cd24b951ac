"""M-Bus, HDLC, general-block-transfer and P1 framing on their own."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
import json
from unittest import mock

import pytest

from custom_components.localgrid.protocol import gbt, hdlc, mbus, p1
from custom_components.localgrid.protocol.crc import crc16_arc, crc16_x25
from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.errors import ChecksumError, LengthMismatch, NotAFrame
from custom_components.localgrid.protocol.model import Reading, Telegram
from custom_components.localgrid.protocol.reassembly import ReassemblyError

from .corpus import FIXTURES, sample
from .frames import LLC, gbt_blocks, hdlc_frame, hdlc_frames, mbus_frames

APDU = bytes(range(256)) * 2


def _mbus_messages(data: bytes) -> list[bytes]:
    messages, assembler, pos = [], mbus.MbusMessages(), 0
    while pos < len(data):
        frame = mbus.read_frame(data, pos)
        assert frame is not None
        done = assembler.add(frame, data[pos : frame.end])
        if done:
            messages.append(done[0])
        pos = frame.end
    return messages


# M-Bus


@pytest.mark.parametrize("size", [40, 200, 245])
def test_mbus_segments_join(size: int) -> None:
    assert _mbus_messages(mbus_frames(APDU, size)) == [APDU]


def test_mbus_single_frame_ci_0x10() -> None:
    data = mbus_frames(b"\x0f\x01\x02", 245)
    assert data[6] == 0x10
    assert _mbus_messages(data) == [b"\x0f\x01\x02"]


def test_mbus_corpus_frames() -> None:
    data = bytes.fromhex(sample("at01_kaifa_ma309m_netznoe_mbus_enc")["hex"])
    (message,) = _mbus_messages(data)
    assert message[:2] == b"\xdb\x08"
    assert len(message) == 250 - 5 + 20 - 5


def test_mbus_incomplete_returns_none() -> None:
    data = mbus_frames(APDU[:100])
    for cut in range(len(data)):
        assert mbus.read_frame(data[:cut], 0) is None


def test_mbus_checksum_and_structure() -> None:
    data = bytearray(mbus_frames(APDU[:100]))
    data[20] ^= 0x01
    with pytest.raises(ChecksumError) as err:
        mbus.read_frame(data, 0)
    assert err.value.end == len(data)
    data[20] ^= 0x01
    data[-1] = 0x17  # no stop byte where the length says: a frame that lost or gained bytes
    with pytest.raises(LengthMismatch) as mismatch:
        mbus.read_frame(data, 0)
    assert mismatch.value.end == len(data)
    with pytest.raises(NotAFrame):
        mbus.read_frame(b"\x68\x05\x06\x68" + bytes(10), 0)


def test_mbus_lost_segment_and_restart() -> None:
    frames = mbus_frames(APDU, 100)  # six segments
    first = mbus.read_frame(frames, 0)
    assert first is not None
    second = mbus.read_frame(frames, first.end)
    assert second is not None
    third = mbus.read_frame(frames, second.end)
    assert third is not None
    assembler = mbus.MbusMessages()
    assembler.add(first, b"a")
    with pytest.raises(ReassemblyError) as err:
        assembler.add(third, b"c")  # segment 1 was lost
    assert err.value.raw == b"ac"
    assembler.add(first, b"a")
    assembler.add(second, b"b")
    assert assembler.add(first, b"A") is None  # a new message starts: the old one was cut
    assert assembler.dropped == b"ab"


def test_mbus_first_frame_with_its_length_over_both_length_bytes() -> None:
    # Sagemcom T210-D of Netz NOe (firmware before V0450): `68 01 01 68` opens a first
    # frame of 0x0101 = 257 bytes (DomiStyle/esphome-dlms-meter #12, amsreader #155).
    content = b"\x53\xff\x00\x01\x67" + APDU[:252]
    assert len(content) == 0x0101
    frame_bytes = b"\x68\x01\x01\x68" + content + bytes((sum(content) & 0xFF, 0x16))
    last = mbus_frames(b"tail", 245, first_sequence=1)
    assert last[6] == 0x11  # CI: second and last
    frame = mbus.read_frame(frame_bytes + last, 0)
    assert frame is not None
    assert (frame.end, frame.ci, frame.data) == (len(frame_bytes), 0x00, APDU[:252])
    assert mbus.read_frame(frame_bytes[:-1], 0) is None  # still arriving
    broken = bytearray(frame_bytes)
    broken[100] ^= 0x01
    with pytest.raises(ChecksumError):
        mbus.read_frame(broken, 0)
    assert _mbus_messages(frame_bytes + last) == [APDU[:252] + b"tail"]


def test_mbus_ci_that_is_not_dlms() -> None:
    body = bytes((0x08, 0x01, 0x72)) + bytes(12)
    frame = mbus.read_frame(bytes((0x68, 15, 15, 0x68)) + body + bytes((sum(body) & 0xFF, 0x16)), 0)
    assert frame is not None
    with pytest.raises(ValueError, match="CI 0x72"):
        mbus.MbusMessages().add(frame, b"")


# HDLC


@pytest.mark.parametrize(
    ("dest", "src"),
    [
        (b"\x41", b"\x08\x83"),
        (b"\xcf", b"\x02\x23"),
        (b"\xcf", b"\x00\x02\x00\x23"),
        (b"\x01", b"\x02\x01"),
    ],
)
def test_hdlc_variable_addresses(dest: bytes, src: bytes) -> None:
    data = hdlc_frame(LLC + b"\x0f\x01", dest=dest, src=src, control=0x10)
    frame = hdlc.read_frame(data, 0)
    assert frame is not None
    assert (frame.info, frame.control, frame.end) == (LLC + b"\x0f\x01", 0x10, len(data) - 1)


def test_hdlc_address_longer_than_four_bytes() -> None:
    with pytest.raises(NotAFrame):
        hdlc.read_frame(hdlc_frame(b"x", src=b"\x00\x00\x00\x00\x01"), 0)


def test_hdlc_frame_without_info_has_no_hcs() -> None:
    frame = hdlc.read_frame(hdlc_frame(b""), 0)
    assert frame is not None
    assert frame.info == b""


def test_hdlc_fcs_and_hcs() -> None:
    data = bytearray(hdlc_frame(LLC + APDU[:50]))
    data[20] ^= 0x04  # in the info: FCS
    with pytest.raises(ChecksumError, match="FCS"):
        hdlc.read_frame(data, 0)
    data[20] ^= 0x04
    data[4] ^= 0x04  # in the source address: HCS and FCS
    with pytest.raises(ChecksumError):
        hdlc.read_frame(data, 0)


def test_hdlc_false_start_rejected_by_hcs_before_the_body_arrives() -> None:
    # Noise that looks like a 2 kB frame is dropped once its header fails the HCS.
    noise = bytes((0x7E, 0xA7, 0xFF, 0x41, 0x03, 0x13, 0x00, 0x00))
    with pytest.raises(NotAFrame):
        hdlc.read_frame(noise, 0)
    real = hdlc_frame(APDU[:300])
    assert hdlc.read_frame(real[:12], 0) is None


def _fixture_hdlc_frames() -> list[tuple[str, bytes]]:
    """Every verified HDLC frame of the public telegrams, as sent."""
    found = []
    for path in sorted(FIXTURES.parent.glob("meters*/*.json")):
        data = json.loads(path.read_text())
        if not str(data.get("framing", "")).startswith("hdlc"):
            continue
        raw, pos = bytes.fromhex(data["hex"]), 0
        while (pos := raw.find(b"\x7e", pos)) >= 0:
            try:
                frame = hdlc.read_frame(raw, pos)
            except ValueError:
                frame = None
            if frame is None:
                pos += 1
                continue
            found.append((f"{path.stem}@{pos}", frame.raw))
            pos = frame.end
    return found


HDLC_FIXTURE_FRAMES = _fixture_hdlc_frames()


def _outcome(read: Callable[[bytes, int], object], data: bytes) -> object:
    try:
        return read(data, 0)
    except ValueError as err:
        return type(err), str(err)


def test_hdlc_fixture_frames_take_the_quick_path() -> None:
    # Every HDLC fixture but at29 (published a byte short): 65 meters, 97 frames.
    stems = {name.partition("@")[0] for name, _raw in HDLC_FIXTURE_FRAMES}
    assert len(stems) >= 65
    assert len(HDLC_FIXTURE_FRAMES) >= 97
    # Two frames came through a bridge that wrote each 0x0A as CR LF: not as sent.
    as_sent = [raw for _, raw in HDLC_FIXTURE_FRAMES if len(raw) == (raw[1] & 7) * 256 + raw[2] + 2]
    assert len(as_sent) == len(HDLC_FIXTURE_FRAMES) - 2
    with mock.patch.object(hdlc, "_checked_frame", side_effect=AssertionError("not quick")):
        for raw in as_sent:
            assert hdlc.read_frame(raw, 0) is not None


@pytest.mark.parametrize(
    ("name", "raw"), HDLC_FIXTURE_FRAMES, ids=[n for n, _ in HDLC_FIXTURE_FRAMES]
)
def test_hdlc_quick_path_reads_as_the_checked_one(name: str, raw: bytes) -> None:
    # read_frame takes a whole, intact frame in a few steps and hands anything else to
    # _checked_frame: the two must agree on the frame, every bit flip of its first bytes
    # and its last ones, and every cut.
    variants = [raw, raw[:-1], raw[: len(raw) // 2], raw + b"\x7e\xa0"]
    for index in [*range(1, min(len(raw), 16)), len(raw) - 3, len(raw) - 2, len(raw) - 1]:
        for bit in range(8):
            flipped = bytearray(raw)
            flipped[index] ^= 1 << bit
            variants.append(bytes(flipped))
            # With the FCS made right again, only the header and its HCS can fail.
            flipped[-3:-1] = crc16_x25(flipped[1:-3]).to_bytes(2, "little")
            variants.append(bytes(flipped))
    for data in variants:
        assert _outcome(hdlc.read_frame, data) == _outcome(hdlc._checked_frame, data), name


def _lf_as_crlf(frame: bytes) -> bytes:
    """A frame as a text-mode bridge passes it on: every 0x0A between the flags as CR LF."""
    return frame[:1] + frame[1:-1].replace(b"\n", b"\r\n") + frame[-1:]


def test_hdlc_frame_with_line_feeds_written_as_crlf() -> None:
    # OSS-style HAN bridges (amshan-homeassistant #48, hass-AMS #112) insert 0x0D before
    # each 0x0A: the frame outgrows its length field and fails its FCS as received.
    info = LLC + b"\x0f\x0a\x0b\x0a\x00" + APDU[:40]
    sent = hdlc_frame(info, dest=b"\x41", src=b"\x08\x83")
    received = _lf_as_crlf(sent)
    assert len(received) == len(sent) + sent[1:-1].count(b"\n") > len(sent)
    frame = hdlc.read_frame(received, 0)
    assert frame is not None
    assert (frame.info, frame.end, frame.control) == (info, len(received) - 1, 0x13)
    # Still arriving: wait for the rest rather than reject.
    assert hdlc.read_frame(received[:-3], 0) is None
    # Followed by the next frame: the closing flag found is the one that ends this frame.
    frame = hdlc.read_frame(received + sent, 0)
    assert frame is not None
    assert frame.end == len(received) - 1


def test_hdlc_crlf_frame_that_fails_its_checks_is_still_rejected() -> None:
    sent = bytearray(hdlc_frame(LLC + b"\x0a\x0a" + APDU[:30]))
    sent[-5] ^= 0x01  # in the info
    with pytest.raises(NotAFrame):
        hdlc.read_frame(_lf_as_crlf(bytes(sent)), 0)
    # A frame sent with a genuine CR LF in its info and a bad FCS keeps its own error.
    genuine = bytearray(hdlc_frame(LLC + b"\r\n" + APDU[:30]))
    genuine[-4] ^= 0x01
    with pytest.raises(ChecksumError, match="FCS"):
        hdlc.read_frame(genuine, 0)
    # And one sent with a genuine CR LF and good checks reads as sent.
    good = hdlc_frame(LLC + b"\r\n" + APDU[:30])
    frame = hdlc.read_frame(good, 0)
    assert frame is not None
    assert frame.info == LLC + b"\r\n" + APDU[:30]


_NO_LF = LLC + APDU[:40].replace(b"\n", b"\0")


def _first_frame(wanted: Callable[[bytes], bool], frames: Iterable[bytes]) -> bytes:
    return next(frame for frame in frames if wanted(frame))


@pytest.mark.parametrize(
    ("where", "sent"),
    [
        # the HCS: the header as received fails its check before the frame is whole
        (
            "hcs",
            _first_frame(
                lambda frame: 0x0A in frame[6:8] and frame.count(b"\n") == 1,
                (hdlc_frame(_NO_LF, dest=bytes((a,)), src=b"\x03") for a in range(1, 255, 2)),
            ),
        ),
        # the length byte (a frame of 0x10A bytes): the length as received is wrong
        ("length", hdlc_frame(LLC + APDU[:253].replace(b"\n", b"\0"))),
        # the FCS' last byte: its LF sits where the closing flag was expected
        (
            "fcs",
            _first_frame(
                lambda frame: frame[-2] == 0x0A and frame.count(b"\n") == 1,
                (hdlc_frame(_NO_LF + bytes((n,))) for n in range(11, 256)),
            ),
        ),
    ],
)
def test_hdlc_crlf_in_header_or_trailer(where: str, sent: bytes) -> None:
    """A bridge's CR before the one 0x0A of a frame: in its HCS, its length byte or the
    last byte of its FCS (found by tests/protocol/test_transport_independence.py)."""
    assert sent.count(b"\n") == 1, where
    received = _lf_as_crlf(sent)
    frame, as_sent = hdlc.read_frame(received, 0), hdlc.read_frame(sent, 0)
    assert frame is not None
    assert as_sent is not None
    assert (frame.end, frame.info) == (len(received) - 1, as_sent.info)
    # Arriving byte by byte: waited for, never dropped as noise.
    decoder = MeterDecoder()
    results = [r for i in range(len(received)) for r in decoder.feed(received[i : i + 1])]
    assert decoder.stats.bytes_discarded == 0
    assert [r.message for r in results] == ["APDU type 0x00 is not a push"]  # type: ignore[union-attr]


def test_hdlc_segments_with_line_feeds_written_as_crlf_join() -> None:
    message = APDU[:200].replace(b"\x7e", b"\x00")
    frames = [
        _lf_as_crlf(hdlc_frame(part, segmented=n < 2))
        for n, part in enumerate([LLC + message[:90], message[90:160], message[160:]])
    ]
    data = b"".join(frames)
    assembler, pos, results = hdlc.HdlcMessages(), 0, []
    while pos < len(data):
        frame = hdlc.read_frame(data, pos)
        assert frame is not None
        results.append(assembler.add(frame))
        pos = frame.end + 1
    assert results == [None, None, (message, data)]


def test_hdlc_segmentation_llc_only_in_first_segment() -> None:
    data = hdlc_frames(APDU, 100)
    assembler, pos, results = hdlc.HdlcMessages(), 0, []
    while (frame := hdlc.read_frame(data, pos)) is not None:
        results.append(assembler.add(frame))
        pos = frame.end + 1
        if pos >= len(data):
            break
    assert results[:-1] == [None] * (len(results) - 1)
    assert results[-1] == (APDU, data)


def test_hdlc_new_message_while_segments_missing() -> None:
    first = hdlc.read_frame(hdlc_frame(LLC + b"\x0f\x01", segmented=True), 0)
    again = hdlc.read_frame(hdlc_frame(LLC + b"\x0f\x02"), 0)
    assert first is not None
    assert again is not None
    assembler = hdlc.HdlcMessages()
    assert assembler.add(first) is None
    assert assembler.add(again) == (b"\x0f\x02", again.raw)
    assert assembler.dropped == first.raw


# General-block-transfer


def test_gbt_blocks_join() -> None:
    transfer = gbt.BlockTransfer()
    blocks = gbt_blocks(APDU, 150)
    results = [transfer.add(block, bytes((n,))) for n, block in enumerate(blocks)]
    assert results[:-1] == [None] * (len(blocks) - 1)
    assert results[-1] == (APDU, bytes(range(len(blocks))))


def test_gbt_lost_block() -> None:
    transfer = gbt.BlockTransfer()
    blocks = gbt_blocks(APDU, 150)
    transfer.add(blocks[0], b"1")
    with pytest.raises(ReassemblyError, match="block 3"):
        transfer.add(blocks[2], b"3")
    assert transfer.add(blocks[3], b"4") is None  # the rest of a lost transfer: quiet
    assert transfer.add(blocks[0], b"1") is None
    assert transfer.dropped == b""


def test_gbt_malformed_block() -> None:
    block = gbt_blocks(b"abc", 10)[0]
    with pytest.raises(ValueError, match="says"):
        gbt.read_block(block + b"x")
    with pytest.raises(ValueError, match="too short"):
        gbt.read_block(block[:5])


# P1 text


def _telegram(body: bytes) -> bytes:
    text = b"/ISK5\\2M550T-1012\r\n\r\n" + body + b"!"
    return text + f"{crc16_arc(text):04X}".encode() + b"\r\n"


def test_p1_crc_checked() -> None:
    data = _telegram(b"1-0:1.8.1(000001.000*kWh)\r\n")
    frame = p1.read_telegram(data, 0)
    assert frame is not None
    assert (frame.text, frame.end, frame.crc_ok) == (data, len(data), True)
    bad = data.replace(b"1.000", b"1.001")
    with pytest.raises(ChecksumError):
        p1.read_telegram(bad, 0)
    lenient = p1.read_telegram(bad, 0, lenient=True)
    assert lenient is not None
    assert (lenient.text, lenient.crc_ok) == (bad, None)


@pytest.mark.parametrize("line_end", [b"\n", b"\r\r\n"])
def test_p1_telegram_with_its_line_ends_rewritten(line_end: bytes) -> None:
    """LF: a telegram copied from a document or a channel that rewrites line ends;
    CR CR LF: a bridge in text mode that writes each LF as CR LF. The CRC was computed
    over CRLF lines and still verifies once they are restored; any other mismatch is
    still an error."""
    data = _telegram(b"1-0:1.8.1(000001.000*kWh)\r\n1-0:1.7.0(00.244*kW)\r\n")
    rewritten = data.replace(b"\r\n", line_end)
    frame = p1.read_telegram(rewritten + rewritten, 0)
    assert frame is not None
    assert (frame.text, frame.end, frame.crc_ok) == (data, len(rewritten), True)
    with pytest.raises(ChecksumError):
        p1.read_telegram(rewritten.replace(b"1.000", b"1.001"), 0)
    telegrams = [r for r in MeterDecoder().feed(rewritten * 2) if isinstance(r, Telegram)]
    assert [t.payload.values["1-0:1.8.1"] for t in telegrams] == [Reading(Decimal(1), "kWh")] * 2


def test_p1_line_ends_mixed_are_not_a_rewritten_telegram() -> None:
    lf = _telegram(b"1-0:1.8.1(000001.000*kWh)\r\n").replace(b"\r\n", b"\n")
    with pytest.raises(ChecksumError):
        p1.read_telegram(lf.replace(b"\n", b"\r\n", 1), 0)


def test_p1_telegram_without_crc_through_a_text_mode_bridge() -> None:
    old = b"/KFM5KAIFA-METER\r\r\n\r\r\n1-0:1.8.1(00001.000*kWh)\r\r\n!\r\r\n"
    frame = p1.read_telegram(old, 0)
    assert frame is not None
    assert (frame.text, frame.end, frame.crc_ok) == (
        old.replace(b"\r\r\n", b"\r\n"),
        len(old),
        None,
    )


def test_p1_without_crc_and_waiting() -> None:
    old = b"/KFM5KAIFA-METER\r\n\r\n1-0:1.8.1(00001.000*kWh)\r\n!\r\n"
    frame = p1.read_telegram(old, 0)
    assert frame is not None
    assert frame.crc_ok is None
    data = _telegram(b"1-0:1.8.1(000001.000*kWh)\r\n")
    for cut in range(len(data) - 2):
        assert p1.read_telegram(data[:cut], 0) is None
    # A `!` that ends the input may be a telegram whose CRC was lost: never complete.
    assert p1.read_telegram(old[:-2], 0) is None
    with pytest.raises(NotAFrame):
        p1.read_telegram(b"/ABC\x00\x01", 0)
    with pytest.raises(NotAFrame):
        p1.read_telegram(b"/ABC\r\n!zz", 0)


@pytest.mark.parametrize(
    "fill",
    [b"\xff" * 1024, "Ünïcödé".encode(), "Méré".encode("latin-1")],
    ids=["ff-fill", "utf-8", "latin-1"],
)
def test_p1_text_with_8_bit_bytes(fill: bytes) -> None:
    """E.ON Hungary (Sanxing) sends a text message of 1024 bytes 0xFF; messages may be
    Latin-1 or UTF-8. Only control bytes mark binary data."""
    data = _telegram(b"1-0:1.8.1(000001.000*kWh)\r\n0-0:96.13.0(" + fill + b")\r\n")
    frame = p1.read_telegram(data, 0)
    assert frame is not None
    assert (frame.text, frame.crc_ok) == (data, True)
    for control in (b"\x00", b"\x1b", b"\x7f"):
        with pytest.raises(NotAFrame):
            p1.read_telegram(data.replace(b"0-0:96.13.0(", b"0-0:96.13.0(" + control), 0)


def test_p1_control_byte_under_a_good_crc() -> None:
    """Control bytes mark binary data (noise, or another protocol's frames), unless the
    telegram's CRC vouches for its text: then the meter sent them, and it is read."""
    data = _telegram(b"1-0:1.8.1(000001.000*kWh)\r\n0-0:96.13.0(\x1b)\r\n")
    frame = p1.read_telegram(data, 0)
    assert frame is not None
    assert (frame.text, frame.crc_ok) == (data, True)
    (telegram,) = MeterDecoder().feed(data)
    assert isinstance(telegram, Telegram)
    assert telegram.payload.values["1-0:1.8.1"] == Reading(Decimal("1.000"), "kWh")
    # Without a CRC, or with one that fails, the same bytes are no P1 telegram.
    for changed in (data[: data.rindex(b"!") + 1] + b"\r\n", data.replace(b"1.000", b"2.000")):
        with pytest.raises(NotAFrame):
            p1.read_telegram(changed, 0)


def test_p1_ending_with_its_bang() -> None:
    """Input that ends with a telegram's `!` is cut short, even without a version line
    (a DSMR 5 telegram truncated there lost its CRC); a decrypted telegram, which arrives
    whole, ends there."""
    for version in (b"", b"1-3:0.2.8(50)\r\n"):
        text = b"/KFM5KAIFA-METER\r\n\r\n" + version + b"1-0:1.8.1(00001.000*kWh)\r\n!"
        assert p1.read_telegram(text, 0) is None
        decoder = MeterDecoder()
        assert decoder.feed(text) == []
        (failure,) = decoder.flush()
        assert not isinstance(failure, Telegram)
        assert "incomplete" in failure.message
        frame = p1.read_telegram(text, 0, lenient=True)
        assert frame is not None
        assert (frame.text, frame.crc_ok) == (text + b"\r\n", None)


@pytest.mark.parametrize(
    ("dest", "src"),
    [(b"\x03", b"\x21"), (b"\xce", b"\xff\x03")],  # 0xFF in the header too
)
def test_hdlc_frame_through_a_telnet_bridge(dest: bytes, src: bytes) -> None:
    """A bridge in telnet mode doubles each 0xFF, in the header, the info or the FCS: the
    frame is read as the meter sent it once its HCS and FCS verify that way."""
    frame = hdlc_frame(LLC + APDU[:60] + b"\xff", dest=dest, src=src)
    doubled = frame[:1] + frame[1:-1].replace(b"\xff", b"\xff\xff") + frame[-1:]
    sent = hdlc.read_frame(frame, 0)
    read = hdlc.read_frame(doubled + frame, 0)
    assert sent is not None
    assert read is not None
    assert (read.info, read.control, read.end) == (sent.info, sent.control, len(doubled) - 1)
    assert read.raw == doubled
    assert hdlc.read_frame(doubled[:40], 0) is None  # still arriving


def test_hdlc_frame_that_gained_a_byte_has_a_length_mismatch() -> None:
    """A frame whose header passes its HCS but whose closing flag is not where its length
    says lost or gained bytes on the way: LengthMismatch (the decoder then blames a
    failure inside it on the frame, not on the key). A header that fails its check is
    noise."""
    frame = hdlc_frame(LLC + APDU[:60], dest=b"\x03", src=b"\x21")
    gained = bytearray(frame[:30] + b"\x00" + frame[30:])
    with pytest.raises(LengthMismatch) as mismatch:
        hdlc.read_frame(gained, 0)
    assert mismatch.value.end == len(frame)  # where its length says it ends
    gained[5] ^= 0x10  # the control field: the HCS fails
    with pytest.raises(NotAFrame) as error:
        hdlc.read_frame(gained, 0)
    assert not isinstance(error.value, LengthMismatch)


def test_mbus_frame_through_a_telnet_bridge() -> None:
    """A bridge in telnet mode doubles each 0xFF, the checksum's too: the frame is read
    as sent once its stop byte and checksum hold that way; still arriving, it waits."""
    frame = next(
        frame
        for last in range(256)
        if (frame := mbus_frames(APDU[:90] + b"\xff" + bytes((last,))))[-2] == 0xFF
    )
    doubled = frame[:4] + frame[4:].replace(b"\xff", b"\xff\xff")
    sent = mbus.read_frame(frame, 0)
    read = mbus.read_frame(doubled + frame, 0)
    assert sent is not None
    assert read is not None
    assert (read.ci, read.data, read.end) == (sent.ci, sent.data, len(doubled))
    assert mbus.read_frame(doubled[:-1], 0) is None
    gained = frame[:30] + b"\x00" + frame[30:]  # another change: nothing undoes it
    with pytest.raises(LengthMismatch):
        mbus.read_frame(gained, 0)
