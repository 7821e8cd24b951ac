"""The `otgw` command: one JSON object per gateway line, as the issue's contract says."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.localgrid.protocol.__main__ import main

FIXTURE = Path(__file__).parents[1] / "fixtures/opentherm/otgw_lines.json"
CORPUS: dict[str, Any] = json.loads(FIXTURE.read_text())


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: bytes) -> tuple[int, list]:
    source = tmp_path / "otgw.log"
    source.write_bytes(data)
    code = main(["otgw", str(source)])
    return code, [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _json_expected(value: Any) -> Any:
    if isinstance(value, list):
        return [int(v, 2) if isinstance(v, str) else v for v in value]
    if isinstance(value, dict):  # id 20 (special): the contract gives [hb, lb]
        return [value["day_of_week"] << 5 | value["hours"], value["minutes"]]
    return value


def test_contract_example(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(tmp_path, capsys, b"B40192B00\r\n")
    assert code == 0
    assert out == [
        {"line": "B40192B00", "source": "B", "msg_type": "READ-ACK", "data_id": 25, "value": 43.0}
    ]


def test_every_corpus_report_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    entries = CORPUS["lines"]
    data = "".join(entry["line"] + "\r\n" for entry in entries).encode()
    code, out = _run(tmp_path, capsys, data)
    assert code == 0
    assert len(out) == len(entries)
    for entry, result in zip(entries, out, strict=True):
        decoded = entry["decoded"]
        assert result["line"] == entry["line"]
        assert result["source"] == decoded["source_letter"]
        assert result["msg_type"] == decoded["msg_type"]
        assert result["data_id"] == decoded["data_id"]
        expected = _json_expected(entry.get("expected", {}).get("value", decoded["value"]))
        if isinstance(expected, float):
            assert isinstance(result["value"], float)
            assert result["value"] == pytest.approx(expected, abs=0.006)
        else:
            assert result["value"] == expected
        if decoded["source_letter"] == "E":
            assert result["kind"] == "error"
        else:
            assert "kind" not in result
            assert set(result) == {"line", "source", "msg_type", "data_id", "value"}


def test_stated_two_decimal_values_match_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """f8.8 values print as the gateway shows them: 0x2733 is 39.2, 0x146C is 20.42."""
    code, out = _run(tmp_path, capsys, b"B40192733\nT9018146C\nAC01C1C30\nT101BFCB3\n")
    assert code == 0
    assert [r["value"] for r in out] == [39.2, 20.42, 28.19, -3.3]


def test_other_sections(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    replies = [
        e["reply"].removesuffix(" (then one summary line)") for e in CORPUS["command_exchanges"]
    ]
    summaries = [line for e in CORPUS["summary_reports"] for line in e["reply_lines"]]
    unsolicited = [e["line"] for e in CORPUS["unsolicited_lines"]]
    malformed = [e["line"] for e in CORPUS["malformed_lines"]]
    data = "\r\n".join(replies + summaries + unsolicited + malformed).encode()
    code, out = _run(tmp_path, capsys, data)
    assert code == 0
    kinds = [r["kind"] for r in out]
    assert kinds[: len(replies)] == ["reply"] * len(replies)
    for reply, result in zip(replies, out, strict=False):
        assert result["line"] == reply
        if reply.endswith(("NG", "SE", "OR")):
            assert result["error"] == reply[-2:]
    rest = out[len(replies) :]
    summary_results = rest[: len(summaries)]
    assert [r["kind"] for r in summary_results] == ["reply"] * len(summaries)
    with_fields = [r for r in summary_results if "summary" in r]
    assert len(with_fields) == 2
    assert with_fields[1]["summary"]["48"] == [65, 40]
    assert with_fields[1]["summary"]["116"] == 4328
    rest = rest[len(summaries) :]
    expected_unsolicited = ["message"] * 5 + ["error", "message", "message"]
    assert [r["kind"] for r in rest[: len(unsolicited)]] == expected_unsolicited
    assert rest[len(unsolicited) - 1]["version"] == "6.6"
    rest = rest[len(unsolicited) :]
    # The glued entry is two lines: its reply decodes, the broken frame does not.
    assert [r["kind"] for r in rest] == ["invalid", "invalid", "invalid", "reply", "invalid"]


def test_bad_parity_is_invalid_not_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(tmp_path, capsys, b"B00192B00\n")
    assert code == 1
    assert out[0]["kind"] == "invalid"
    assert out[0]["parity_ok"] is False
    assert out[0]["data_id"] == 25


def test_nothing_decoded_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(tmp_path, capsys, b"\xff\xfe\x00garbage\r\nT0900\n")
    assert code == 1
    assert [r["kind"] for r in out] == ["invalid", "invalid"]


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    class _Stdin:
        buffer = io.BytesIO(b"\x04T80000200\r\nPR: A=OpenTherm Gateway 6.6\r\n")

    monkeypatch.setattr("sys.stdin", _Stdin)
    assert main(["otgw"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0]["value"] == [2, 0]
    assert out[1] == {
        "line": "PR: A=OpenTherm Gateway 6.6",
        "kind": "reply",
        "code": "PR",
        "value": "A=OpenTherm Gateway 6.6",
    }
