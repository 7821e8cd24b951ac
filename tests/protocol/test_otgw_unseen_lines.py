"""Public OTGW lines outside the shared corpus, decoded through the `otgw` CLI contract.

tests/fixtures/opentherm/otgw_lines_extra.json holds each line as published with the
meaning its source states (or, where it states none, the meaning the OpenTherm spec gives;
see each entry's `meaning_basis`): pyotgw's test
data (firmware 4.x and 5.x summaries, `PR:` replies), user logs from public issues
(pyotgw debug logs, otmonitor logs, OTGW-firmware debug logs, a ser2net mix-up),
otmonitor logs posted on the Domotica forum (AWB, Remeha and Intergas boilers), the
OTGW-firmware host tests (the diagnostics firmware's banner) and an OTGW-style device
printing lower-case hex.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.localgrid.protocol.__main__ import main
from custom_components.localgrid.protocol.opentherm import (
    DATA_IDS,
    Encoding,
    Message,
    MessageKind,
    MsgType,
    Source,
    build_frame,
    classify,
    format_report,
)

FIXTURE = Path(__file__).parents[1] / "fixtures/opentherm/otgw_lines_extra.json"
EXTRA: dict[str, Any] = json.loads(FIXTURE.read_text())
LINES: list[dict[str, Any]] = EXTRA["lines"]


def _decode(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> list[Any]:
    source = tmp_path / "otgw.log"
    source.write_bytes(data)
    main(["otgw", str(source)])
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _assert_matches(result: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, want in expected.items():
        got = result[key]
        if key == "summary":
            assert got.keys() == want.keys()
            for data_id, value in want.items():
                if isinstance(value, float):
                    assert got[data_id] == pytest.approx(value, abs=0.006), data_id
                else:
                    assert got[data_id] == value, data_id
        elif isinstance(want, float):
            assert isinstance(got, float)
            assert got == want  # the CLI prints f8.8 with the gateway's 2 decimals
        else:
            assert got == want, key


def test_fixture_is_well_formed() -> None:
    assert len(LINES) >= 45
    assert len({entry["line"] for entry in LINES}) == len(LINES)
    for entry in LINES:
        assert entry["source"] in EXTRA["sources"]
        assert entry["meaning_basis"] in ("stated_by_source", "derived_from_spec")
        source = EXTRA["sources"][entry["source"]]
        assert source["url"].startswith(
            ("https://github.com/", "https://www.domoticaforum.eu/", "https://domoticaforum.eu/")
        )
        assert source["licence"]


@pytest.mark.parametrize("entry", LINES, ids=lambda e: e["line"][:40])
def test_line(entry: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _decode(tmp_path, capsys, entry["line"].encode() + b"\r\n")
    assert len(out) == 1
    result = out[0]
    assert result["line"] == entry["line"]
    expected = entry["expected"]
    _assert_matches(result, expected)
    if "kind" not in expected:  # a report line that is data: exactly the contract's fields
        assert set(result) == {"line", "source", "msg_type", "data_id", "value"}


def test_all_lines_as_one_stream(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same lines in one capture, with the terminators bridges produce."""
    terminators = [b"\r\n", b"\n", b"\r", b"\r\r\n"]
    data = b"".join(
        entry["line"].encode() + terminators[index % len(terminators)]
        for index, entry in enumerate(LINES)
    )
    out = _decode(tmp_path, capsys, data)
    assert [result["line"] for result in out] == [entry["line"] for entry in LINES]
    for entry, result in zip(LINES, out, strict=True):
        _assert_matches(result, entry["expected"])


def test_blanks_around_a_line_are_not_part_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [entry["line"] for entry in LINES[:20]]
    data = b"".join(b" \t" + line.encode() + b" \r\n" for line in lines)
    out = _decode(tmp_path, capsys, data)
    assert [result["line"] for result in out] == lines
    for entry, result in zip(LINES, out, strict=False):
        _assert_matches(result, entry["expected"])


# --- Bugs the search turned up, one focused test each ---------------------------------


@pytest.mark.parametrize("data_id", [96, 97, 109, 110, 111, 112, 113, 114])
def test_u16_ids_of_opentherm_4_are_numbers(
    data_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cooling hours, power cycles and the electricity/burner counters are u16 (spec
    v4.2 §5.4, otmonitor's id table); missing from the table they came out as byte pairs."""
    line = format_report(Source.BOILER, build_frame(MsgType.READ_ACK, data_id, 0xC350))
    assert _decode(tmp_path, capsys, line.encode() + b"\r\n")[0]["value"] == 50000


@pytest.mark.parametrize("data_id", [59, 60, 61, 62, 63])
def test_remote_parameters_4_to_8_are_f88(
    data_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = format_report(Source.THERMOSTAT, build_frame(MsgType.WRITE_DATA, data_id, 0x2D80))
    assert _decode(tmp_path, capsys, line.encode() + b"\r\n")[0]["value"] == 45.5


@pytest.mark.parametrize("data_id", [51, 52, 53, 54, 55])
def test_remote_parameter_bounds_4_to_8_are_signed_bytes(
    data_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = format_report(Source.BOILER, build_frame(MsgType.READ_ACK, data_id, 0x14F6))
    assert _decode(tmp_path, capsys, line.encode() + b"\r\n")[0]["value"] == [20, -10]


def test_newer_two_byte_ids_keep_their_encoding() -> None:
    assert DATA_IDS[98].encoding is Encoding.SPECIAL
    assert DATA_IDS[101].encoding is Encoding.FLAG8_FLAG8
    assert DATA_IDS[102].encoding is Encoding.FLAG8_U8
    assert DATA_IDS[103].encoding is Encoding.FLAG8_U8
    for data_id in (93, 94, 95, 104, 105, 106, 107, 108):
        assert DATA_IDS[data_id].encoding is Encoding.U8_U8


def test_reset_messages_behind_line_noise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reset garbles the line in progress; the banner or `WDT reset!` still counts
    (as otmonitor reads it), but not the `PR: A=` reply."""
    out = _decode(
        tmp_path,
        capsys,
        b"\x00\xffOpenTherm Gateway 6.6\r\nT8000OpenTherm Gateway 5.8\r\n"
        b"B401WDT reset!\r\nPR: A=OpenTherm Gateway 6.6\r\n",
    )
    assert [(r["kind"], r.get("message"), r.get("version")) for r in out] == [
        ("message", "banner", "6.6"),
        ("message", "banner", "5.8"),
        ("message", "watchdog_reset", None),
        ("reply", None, None),
    ]


def test_line_field_drops_surrounding_blanks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _decode(tmp_path, capsys, b"  B40192B00\t\r\n\tSW: 60.00 \n")
    assert [r["line"] for r in out] == ["B40192B00", "SW: 60.00"]


def test_error_number_is_read_as_hex(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _decode(tmp_path, capsys, b"Error 04\r\nError 0A\r\nError 1\r\n")
    assert [r["error"] for r in out] == ["04", "0A", "01"]


# OpenTherm v4.2 data-id map (§5.4, with the §5.3 detail tables for ids 30 and 33) and the
# remote-parameter ids 50-63 of otmonitor's id table: which ids carry one number.
_F88_IDS = (
    *(1, 7, 8, 9, 14, 16, 17, 18, 19, 23, 24, 25, 26, 27, 28, 29, 31, 32, 34, 36, 37, 38, 39),
    *(56, 57, 58, 59, 60, 61, 62, 63, 75, 80, 81, 82, 83, 124, 125),
)
_U16_IDS = (22, 73, 79, 84, 85, 96, 97, *range(109, 124))
_S16_IDS = (30, 33)
_PAIR_IDS = (
    *(0, 2, 3, 4, 5, 6, 10, 11, 12, 13, 15, 20, 21, 35, *range(48, 56)),
    *(70, 71, 72, 74, 76, 77, 78, *range(86, 92), 93, 94, 95, 98, 99, *range(100, 109)),
    *(126, 127),
)


def test_every_spec_id_has_the_spec_value_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = [*_F88_IDS, *_U16_IDS, *_S16_IDS, *_PAIR_IDS]
    data = b"".join(
        format_report(Source.BOILER, build_frame(MsgType.READ_ACK, data_id, 0xFF80)).encode()
        + b"\r\n"
        for data_id in ids
    )
    values = {r["data_id"]: r["value"] for r in _decode(tmp_path, capsys, data)}
    assert {i: values[i] for i in _F88_IDS} == dict.fromkeys(_F88_IDS, -0.5)
    assert {i: values[i] for i in _U16_IDS} == dict.fromkeys(_U16_IDS, 0xFF80)
    assert {i: values[i] for i in _S16_IDS} == dict.fromkeys(_S16_IDS, -128)
    signed = {i: [-1, -128] for i in range(48, 56)}
    assert {i: values[i] for i in _PAIR_IDS} == {i: signed.get(i, [255, 128]) for i in _PAIR_IDS}


def test_capture_saved_with_a_utf8_byte_order_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A log saved by an editor with a UTF-8 mark still decodes, first line included."""
    report = next(entry for entry in LINES if "kind" not in entry["expected"])
    entries = [report, *(entry for entry in LINES[:10] if entry is not report)]
    text = "".join(entry["line"] + "\r\n" for entry in entries)
    out = _decode(tmp_path, capsys, text.encode("utf-8-sig"))
    assert [r["line"] for r in out] == [entry["line"] for entry in entries]
    _assert_matches(out[0], report["expected"])
    assert "kind" not in out[0]  # a report line: the mark did not spoil it


def test_banners_of_the_other_pic_firmwares(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The PIC running diagnose.hex or interface.hex announces itself with its own
    banner (as otmonitor and OTGW-firmware's OTGWSerial recognise them); they were
    `invalid`. A banner, told apart from the gateway's by `firmware`, even behind line
    noise, but not inside a `PR: A=` reply."""
    out = _decode(
        tmp_path,
        capsys,
        b"Opentherm gateway diagnostics - Version 2.2\r\nOpenTherm Interface 2.0\r\n"
        b"T80OpenTherm Interface 2.0\r\nPR: A=OpenTherm Interface 2.0\r\n"
        b"OpenTherm Gateway 6.6\r\n",
    )
    assert [(r["kind"], r.get("message"), r.get("version"), r.get("firmware")) for r in out] == [
        ("message", "banner", "2.2", "diagnostics"),
        ("message", "banner", "2.0", "interface"),
        ("message", "banner", "2.0", "interface"),
        ("reply", None, None, None),
        ("message", "banner", "6.6", None),
    ]
    assert set(out[-1]) == {"line", "kind", "message", "version"}


def test_other_firmware_banner_is_not_the_gateway_firmware() -> None:
    """The client takes the gateway's firmware version from a BANNER message only."""
    line = classify("Opentherm gateway diagnostics - Version 2.2")
    assert isinstance(line, Message)
    assert line.kind is MessageKind.OTHER_FIRMWARE
    assert (line.detail, line.firmware) == ("2.2", "diagnostics")
    gateway = classify("OpenTherm Gateway 6.6")
    assert isinstance(gateway, Message)
    assert gateway.kind is MessageKind.BANNER
