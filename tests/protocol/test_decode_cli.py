"""`python -m custom_components.localgrid.protocol decode`: the contract other tools use."""

from __future__ import annotations

from collections.abc import Callable
import io
import json
from pathlib import Path
import subprocess
import sys

import pytest

from custom_components.localgrid.protocol.__main__ import main
from custom_components.localgrid.protocol.crc import crc16_arc

from .corpus import sample

AT01 = sample("at01_kaifa_ma309m_netznoe_mbus_enc")
ROOT = Path(__file__).parent.parent.parent


def run(
    argv: list[str], capsys: pytest.CaptureFixture[str], stdin: bytes | None = None
) -> tuple[int, list[dict[str, object]], list[str]]:
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        code = main(["decode", *argv])
    finally:
        sys.stdin = sys.__stdin__
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err.splitlines()


def test_hex_file_with_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "at01.hex"
    hex_text = AT01["hex"]
    path.write_text(" ".join(hex_text[i : i + 32] for i in range(0, len(hex_text), 32)) + "\n")
    code, lines, errors = run(["--hex", "--key", AT01["key_hex"], str(path)], capsys)
    assert (code, errors) == (0, [])
    (telegram,) = lines
    assert telegram["framing"] == "mbus"
    assert telegram["system_title"] == "4B464D6750000009"
    assert telegram["meter_id"] == "181220000009"
    assert telegram["frame_counter"] == 35
    assert telegram["authenticated"] is False
    assert telegram["timestamp"] == "2021-09-27T09:47:15+02:00"
    values = telegram["values"]
    assert isinstance(values, dict)
    assert values["1-0:1.8.0"] == {"value": 12.937, "unit": "kWh"}
    assert values["1-0:32.7.0"] == {"value": 233.7, "unit": "V"}


def test_numbers_are_exact_decimal_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "at01.bin"
    path.write_bytes(bytes.fromhex(AT01["hex"]))
    main(["decode", "--key", AT01["key_hex"], str(path)])
    out = capsys.readouterr().out
    assert '"1-0:1.8.0": {"value": 12.937, "unit": "kWh"}' in out
    assert '"1-0:13.7.0": {"value": 1.000, "unit": ""}' in out


def test_binary_stdin_several_telegrams(capsys: pytest.CaptureFixture[str]) -> None:
    nl01 = bytes.fromhex(sample("nl01_iskra_dsmr50_text_plain")["hex"])
    xx01 = bytes.fromhex(sample("xx01_iskra_am550_hdlc_seg_plain")["hex"])
    code, lines, errors = run([], capsys, stdin=b"\x00junk" + nl01 + xx01)
    assert (code, errors) == (0, [])
    assert [line["framing"] for line in lines] == ["dsmr", "hdlc"]
    assert lines[0]["values"]["1-0:1.7.0"] == {"value": 244, "unit": "W"}  # type: ignore[index]


def test_raw_apdu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "raw.hex"
    path.write_text(sample("at07_kaifa_ma309_salzburgnetz_rawapdu_plain")["hex"])
    code, lines, _ = run(["--hex", str(path)], capsys)
    assert code == 0
    assert lines[0]["framing"] == "raw"
    assert lines[0]["values"]["0-0:42.0.0"] == {"value": "KFM1200200234804", "unit": ""}  # type: ignore[index]


def test_raw_apdu_cut_in_the_wrong_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As a user on the Gurux forum posted one (forum topic 19437): bytes of the tag left
    # at its end. It is said why nothing decoded.
    path = tmp_path / "raw.hex"
    path.write_text(sample("at07_kaifa_ma309_salzburgnetz_rawapdu_plain")["hex"] + "acd76e")
    code, lines, errors = run(["--hex", str(path)], capsys)
    assert (code, lines) == (1, [])
    assert errors == [
        "error: plaintext APDU does not decode: 3 bytes of garbage after the notification body",
        "error: no telegram decoded from the input",
    ]


def test_wrong_key_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xx02 = sample("xx02_lg_e450_gbt_hdlc_enc_auth_a")
    path = tmp_path / "xx02.hex"
    path.write_text(xx02["hex"])
    argv = ["--hex", "--key", "00" * 16, "--auth-key", xx02["auth_key_hex"], str(path)]
    code, lines, errors = run(argv, capsys)
    assert (code, lines) == (1, [])
    assert errors == [
        "error: authentication failed: wrong encryption or authentication key",
        "error: no telegram decoded from the input",
    ]


def test_missing_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "at09.hex"
    path.write_text(sample("at09_sagemcom_t210d_mbus_enc_nokey")["hex"])
    code, _, errors = run(["--hex", str(path)], capsys)
    assert code == 1
    assert "no encryption key" in errors[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--key", "xyz"], "error: --key is not hexadecimal"),
        (["--key", "0011"], "error: --key must be 32 hex digits (16 bytes), got 2 bytes"),
        (
            ["--auth-key", "00" * 15],
            "error: --auth-key must be 32 hex digits (16 bytes), got 15 bytes",
        ),
        (["/nonexistent/file"], "error: cannot read /nonexistent/file: No such file or directory"),
    ],
)
def test_bad_usage(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, errors = run(argv, capsys, stdin=b"")
    assert (code, lines, errors) == (2, [], [message])


@pytest.mark.parametrize(
    "layout",
    [
        lambda pairs: ", ".join(f"0x{pair}" for pair in pairs),
        lambda pairs: "{" + ",".join(f"0X{pair.lower()}" for pair in pairs) + "}",
        ":".join,
        lambda pairs: "\n".join(" ".join(pairs[i : i + 16]) for i in range(0, len(pairs), 16)),
    ],
    ids=["0x-comma", "c-array", "colon", "rows"],
)
def test_hex_input_printed_as_a_byte_list(
    layout: Callable[[list[str]], str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Documents print example frames as byte lists; --hex takes them as they are."""
    hex_text = AT01["hex"]
    pairs = [hex_text[i : i + 2] for i in range(0, len(hex_text), 2)]
    path = tmp_path / "at01.txt"
    path.write_text(layout(pairs) + "\n")
    code, lines, errors = run(["--hex", "--key", AT01["key_hex"], str(path)], capsys)
    assert (code, errors) == (0, [])
    (telegram,) = lines
    assert telegram["meter_id"] == "181220000009"
    single_digit = tmp_path / "short.txt"  # 0x7 is one byte, 07
    single_digit.write_text(", ".join(f"0x{int(pair, 16):x}" for pair in pairs))
    assert run(["--hex", "--key", AT01["key_hex"], str(single_digit)], capsys)[1] == lines


def test_bad_hex_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.hex"
    path.write_text("68 FA ZZ")
    code, _, errors = run(["--hex", str(path)], capsys)
    assert (code, errors) == (2, ["error: input is not hexadecimal text (--hex)"])


def test_nothing_decoded(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, errors = run([], capsys, stdin=b"hello")
    assert (code, lines, errors) == (1, [], ["error: no telegram decoded from the input"])


def test_as_a_subprocess() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "custom_components.localgrid.protocol",
            "decode",
            "--hex",
            "--key",
            AT01["key_hex"],
        ],
        input=AT01["hex"].encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["meter_id"] == "181220000009"


def test_reader_that_leaves_early_gets_no_traceback(tmp_path: Path) -> None:
    """`decode big.hex | head -1`: the closed pipe ends the command quietly."""
    many = tmp_path / "many.hex"
    many.write_text((AT01["hex"] + "\n") * 400)
    command = ["decode", "--hex", "--key", AT01["key_hex"], str(many)]
    decoder = subprocess.Popen(
        [sys.executable, "-m", "custom_components.localgrid.protocol", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert decoder.stdout is not None
    assert decoder.stderr is not None
    assert json.loads(decoder.stdout.readline())["meter_id"] == "181220000009"
    decoder.stdout.close()
    errors = decoder.stderr.read().decode()
    assert decoder.wait(timeout=60) == 0
    assert "Traceback" not in errors, errors


def test_timezone_of_the_meter_clock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--timezone: a meter clock sent without offset (DSMR W/S) read in that zone."""
    text = "/XXX5 test\r\n\r\n0-0:1.0.0(240115120000W)\r\n1-0:1.8.1(000123.456*kWh)\r\n!"
    path = tmp_path / "p1.txt"
    path.write_bytes(f"{text}{crc16_arc(text.encode()):04X}\r\n".encode())
    _, central, _ = run([str(path)], capsys)
    code, finnish, errors = run(["--timezone", "Europe/Helsinki", str(path)], capsys)
    assert (code, errors) == (0, [])
    assert central[0]["timestamp"] == "2024-01-15T12:00:00+01:00"
    assert finnish[0]["timestamp"] == "2024-01-15T12:00:00+02:00"
    assert finnish[0]["values"]["1-0:1.8.1"] == central[0]["values"]["1-0:1.8.1"]
    assert finnish[0]["values"]["0-0:1.0.0"]["value"] == finnish[0]["timestamp"]


def test_unknown_timezone_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, errors = run(["--timezone", "Mars/Olympus"], capsys, stdin=b"")
    assert (code, lines, errors) == (2, [], ["error: --timezone: unknown time zone 'Mars/Olympus'"])
