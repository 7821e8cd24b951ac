"""The OpenTherm Gateway codec against every public line of the corpus, and garbage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.localgrid.protocol.opentherm import (
    DATA_IDS,
    SUMMARY_IDS_V4,
    SUMMARY_IDS_V5,
    Encoding,
    ErrorCode,
    Frame,
    Invalid,
    LineSplitter,
    Message,
    MessageKind,
    MsgType,
    Reply,
    Side,
    Source,
    Summary,
    build_frame,
    classify,
    decode_value,
    encode_value,
    format_f88,
    format_report,
    parse_summary,
    split_lines,
)

CORPUS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "fixtures/opentherm/otgw_lines.json").read_text()
)
PROTOCOL_MD_SUMMARY = (
    "00000010/00001100,10.00,00000011/00000011,15.00,5.00,100.00,33/17,20.50,3.50,2.10,"
    "2.36,16.50,20.42,43.50,40.20,-3.30,39.50,24.19,-28,60/40,75/20,60.00,50.00,"
    "00000011/01000110,25,13,52072,54920,51856,5480,3688,5624,58496,136"
)


def _expected_value(value: Any) -> Any:
    """Corpus values: flags as binary strings, pairs as lists, f8.8 as floats."""
    if isinstance(value, list):
        return tuple(int(v, 2) if isinstance(v, str) else v for v in value)
    return value


def _assert_value(actual: Any, expected: Any) -> None:
    if isinstance(expected, float):
        assert actual == pytest.approx(expected, abs=0.006)
    else:
        assert actual == expected


@pytest.mark.parametrize("entry", CORPUS["lines"], ids=lambda e: e["line"])
def test_corpus_report_line(entry: dict[str, Any]) -> None:
    line = classify(entry["line"])
    assert isinstance(line, Frame)
    decoded = entry["decoded"]
    assert line.source.value == decoded["source_letter"]
    assert line.msg_type.label == decoded["msg_type"]
    assert line.parity_ok is decoded["parity_ok"]
    assert (line.spare_bits == 0) is decoded["spare_bits_zero"]
    assert line.data_id == decoded["data_id"]
    assert line.info.name == decoded["name"]
    encoding = decoded["encoding"].replace("f88", "f8.8")
    if line.info.encoding is Encoding.SPECIAL:
        assert encoding in ("special", "u8/u8")
    else:
        assert line.info.encoding.value == encoding
    if line.data_id == 20:
        day_time = decoded["value"]
        high, low = line.value  # type: ignore[misc]
        assert (high >> 5, high & 0x1F, low) == (
            day_time["day_of_week"],
            day_time["hours"],
            day_time["minutes"],
        )
    else:
        _assert_value(line.value, _expected_value(decoded["value"]))
    expected = entry.get("expected", {})
    if "msg_type" in expected:
        assert line.msg_type.label == expected["msg_type"]
    if "value" in expected and line.data_id != 20:
        _assert_value(line.value, _expected_value(expected["value"]))
    if line.source is Source.ERROR:
        assert not line.valid
        assert not line.carries_value
        assert line.side is None


@pytest.mark.parametrize("entry", CORPUS["raw_ot_frames_not_otgw_format"])
def test_corpus_raw_frames_with_letters(entry: dict[str, Any]) -> None:
    """The raw master traces decode the same once given the B letter."""
    frame = classify("B" + entry["response"])
    assert isinstance(frame, Frame)
    decoded = entry["decoded_response"]
    assert frame.msg_type.label == decoded["msg_type"]
    assert frame.data_id == decoded["data_id"]
    assert frame.parity_ok is decoded["parity_ok"]
    _assert_value(frame.value, _expected_value(decoded["value"]))


@pytest.mark.parametrize("entry", CORPUS["summary_reports"], ids=lambda e: e["format"])
def test_corpus_summaries(entry: dict[str, Any]) -> None:
    lines = [classify(text) for text in entry["reply_lines"]]
    summaries = [line for line in lines if isinstance(line, Summary)]
    assert len(summaries) == 1
    values = summaries[0].values
    assert list(values) == list(SUMMARY_IDS_V4)
    for data_id_text, field in entry["fields_by_data_id"].items():
        data_id = int(data_id_text)
        value = values[data_id]
        if "/" in field:
            high, low = field.split("/")
            base = 2 if len(high) == 8 and data_id in (0, 6) else 10
            assert value == (int(high, base), int(low, base))
        elif "." in field:
            assert value == pytest.approx(float(field))
        else:
            assert value == int(field)
    for other in lines:
        if not isinstance(other, Summary):
            assert other == Reply("PS", "1")


def test_summary_34_fields_from_protocol() -> None:
    summary = parse_summary(PROTOCOL_MD_SUMMARY)
    assert summary is not None
    values = summary.values
    assert list(values) == list(SUMMARY_IDS_V5)
    assert values[0] == (0b10, 0b1100)
    assert values[1] == 10.0
    assert values[15] == (33, 17)
    assert values[27] == pytest.approx(-3.3)
    assert values[33] == -28
    assert values[48] == (60, 40)
    assert values[70] == (0b11, 0b1000110)
    assert values[71] == (0, 25)
    assert values[77] == (0, 13)
    assert values[123] == 136


def test_summary_unsigned_f88_means_negative() -> None:
    """The firmware prints f8.8 unsigned except id 27: 250.00 is -6.00."""
    fields = PROTOCOL_MD_SUMMARY.split(",")
    fields[13] = "250.00"  # id 25
    fields[15] = "-3.30"  # id 27 is printed signed
    summary = parse_summary(",".join(fields))
    assert summary is not None
    assert summary.values[25] == pytest.approx(-6.0)
    assert summary.values[27] == pytest.approx(-3.3)


@pytest.mark.parametrize(
    "text",
    [
        PROTOCOL_MD_SUMMARY.replace("33/17", "33-17"),
        PROTOCOL_MD_SUMMARY.replace("00000011/01000110", "0000001/01000110"),
        PROTOCOL_MD_SUMMARY + ",1",
        PROTOCOL_MD_SUMMARY.replace("52072", "99999"),
        "1,2,3",
    ],
)
def test_bad_summaries_are_invalid(text: str) -> None:
    assert parse_summary(text) is None
    assert isinstance(classify(text), Invalid)


@pytest.mark.parametrize("entry", CORPUS["command_exchanges"], ids=lambda e: e["command"])
def test_corpus_command_replies(entry: dict[str, Any]) -> None:
    text = entry["reply"].removesuffix(" (then one summary line)")
    reply = classify(text)
    assert isinstance(reply, Reply)
    command = entry["command"]
    if ":" in text:
        assert reply.code == command[:2]
        assert f"{reply.code}: {reply.value}" == text
    else:
        assert reply.code == ""
    if reply.value in {code.value for code in ErrorCode}:
        assert reply.error is ErrorCode(reply.value)
    else:
        assert reply.error is None


def test_reply_values() -> None:
    assert classify("PR: A=OpenTherm Gateway 6.6") == Reply("PR", "A=OpenTherm Gateway 6.6")
    assert classify("MI: OR") == Reply("MI", "OR", ErrorCode.OR)
    assert classify("OE") == Reply("", "OE", ErrorCode.OE)
    assert classify("CH: BV").error is ErrorCode.BV  # type: ignore[union-attr]


@pytest.mark.parametrize("entry", CORPUS["unsolicited_lines"], ids=lambda e: e["line"])
def test_corpus_unsolicited(entry: dict[str, Any]) -> None:
    expected = {
        "Thermostat disconnected": (MessageKind.THERMOSTAT_DISCONNECTED, ""),
        "Thermostat connected": (MessageKind.THERMOSTAT_CONNECTED, ""),
        "High power": (MessageKind.POWER_LEVEL, "high"),
        "Medium power": (MessageKind.POWER_LEVEL, "medium"),
        "Low power": (MessageKind.POWER_LEVEL, "low"),
        "Error 01": (MessageKind.LINE_ERROR, "01"),
        "WDT reset!": (MessageKind.WATCHDOG_RESET, ""),
        "OpenTherm Gateway 6.6": (MessageKind.BANNER, "6.6"),
    }[entry["line"]]
    assert classify(entry["line"]) == Message(expected[0], entry["line"], expected[1])


def test_banner_needs_a_version() -> None:
    """The version is the word after the prefix, at the line start as behind noise; the
    ESP firmware's console header is no gateway banner (no reset, no version)."""
    for line in ("OpenTherm Gateway 5.1 extra", "T8000OpenTherm Gateway 5.1 extra"):
        banner = classify(line)
        assert isinstance(banner, Message)
        assert (banner.kind, banner.detail) == (MessageKind.BANNER, "5.1")
    console = classify("OpenTherm Gateway -- OTGW-firmware")
    assert isinstance(console, Invalid)


@pytest.mark.parametrize("entry", CORPUS["malformed_lines"], ids=lambda e: e["line"])
def test_corpus_malformed(entry: dict[str, Any]) -> None:
    lines = [classify(text) for text in split_lines(entry["line"].encode())]
    assert isinstance(lines[-1], Invalid)
    assert all(isinstance(line, Invalid | Reply) for line in lines)
    if len(lines) == 2:  # the glued one: the reply in front still counts
        assert lines[0] == Reply("PS", "0")


def test_frame_helpers() -> None:
    frame = Frame(Source.BOILER, build_frame(MsgType.READ_ACK, 25, 0x2B00))
    assert str(frame) == "B40192B00"
    assert frame.value == 43.0
    assert frame.side is Side.BOILER
    assert frame.carries_value
    thermostat = classify("T80000200")
    assert isinstance(thermostat, Frame)
    assert thermostat.side is Side.THERMOSTAT
    assert thermostat.carries_value  # id 0 READ-DATA carries the master flags
    read = classify("T80190000")
    assert isinstance(read, Frame)
    assert not read.carries_value
    unknown = classify("BF0630000")
    assert isinstance(unknown, Frame)
    assert unknown.msg_type is MsgType.UNKNOWN_DATAID
    assert not unknown.carries_value
    bad_parity = classify("B00192B00")
    assert isinstance(bad_parity, Frame)
    assert not bad_parity.parity_ok
    assert not bad_parity.carries_value
    spare = classify("B4F192B00")
    assert isinstance(spare, Frame)
    assert spare.spare_bits == 0xF
    assert not spare.valid


def test_lower_case_hex_and_unknown_ids() -> None:
    frame = classify("B40192b00")
    assert isinstance(frame, Frame)
    assert frame.value == 43.0
    unknown = classify(format_report(Source.BOILER, build_frame(MsgType.READ_ACK, 200, 0x1234)))
    assert isinstance(unknown, Frame)
    assert unknown.info.name == "id_200"
    assert unknown.value == (0x12, 0x34)


@pytest.mark.parametrize(
    ("data_id", "data", "value"),
    [
        (25, 0xFAC0, -5.25),
        (1, 0x1580, 21.5),
        (33, 0xFFE4, -28),
        (116, 0xFFFF, 65535),
        (48, 0x3C28, (60, 40)),
        (48, 0xFFF6, (-1, -10)),
        (0, 0x020A, (2, 10)),
        (22, 0x07E9, 2025),
    ],
)
def test_value_codec_round_trip(data_id: int, data: int, value: Any) -> None:
    assert decode_value(data_id, data) == value
    assert encode_value(data_id, value) == data


def test_every_table_id_round_trips() -> None:
    for data_id, info in DATA_IDS.items():
        assert info.id == data_id
        for data in (0, 0x7F80, 0x8001, 0xFFFF):
            assert encode_value(data_id, decode_value(data_id, data)) == data


@pytest.mark.parametrize(
    ("value", "text"), [(9.999, "10.00"), (-9.999, "-10.00"), (21.125, "21.13"), (0, "0.00")]
)
def test_format_f88(value: float, text: str) -> None:
    assert format_f88(value) == text


def test_splitter_terminators_eot_and_overlong() -> None:
    splitter = LineSplitter(max_line=32)
    assert splitter.feed(b"T80000200\r\nB4000") == ["T80000200"]
    assert splitter.feed(b"020A\rA40091000\nnoise\x04B40192B00\n") == [
        "B4000020A",
        "A40091000",
        "B40192B00",
    ]
    assert splitter.feed(b"x" * 40) == []
    assert splitter.feed(b"y" * 40 + b"\nT80000200\n") == ["T80000200"]
    assert splitter.overlong == 1
    assert split_lines(b"\r\n\r\nPS: 0") == ["PS: 0"]


@given(st.binary(max_size=300))
@settings(max_examples=300, deadline=None)
def test_garbage_bytes_never_raise(data: bytes) -> None:
    splitter = LineSplitter()
    for chunk in (data[: len(data) // 2], data[len(data) // 2 :]):
        for text in splitter.feed(chunk):
            line = classify(text)
            if isinstance(line, Frame):
                assert len(text.strip()) == 9
                _ = (line.value, line.side, line.carries_value, line.info)


@given(st.text(max_size=120))
@settings(max_examples=300, deadline=None)
def test_garbage_text_never_raises(text: str) -> None:
    assert classify(text) is not None
    assert parse_summary(text) is None or "," in text


@given(
    st.sampled_from("TBRAE"),
    st.integers(min_value=0, max_value=0xFFFFFFFF),
)
@settings(max_examples=300, deadline=None)
def test_any_report_line_decodes(letter: str, frame: int) -> None:
    line = classify(f"{letter}{frame:08x}")
    assert isinstance(line, Frame)
    assert line.raw == frame
    assert line.parity_ok == (frame.bit_count() % 2 == 0)
    assert encode_value(line.data_id, line.value) == frame & 0xFFFF


@given(st.lists(st.integers(min_value=0, max_value=0xFFFF), min_size=34, max_size=34))
@settings(max_examples=100, deadline=None)
def test_fuzzed_summary_fields_never_raise(numbers: list[int]) -> None:
    text = ",".join(str(n) for n in numbers)
    assert isinstance(classify(text), Summary | Invalid)
