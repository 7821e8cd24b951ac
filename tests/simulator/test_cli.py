"""`python -m simulator`: help text, and a real run that serves a decodable meter."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys

import pytest

from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.model import Telegram
from simulator.__main__ import build_parser, main, run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in ("--meter-port", "--otgw-port", "--pty", "--format", "--key", "--speed"):
        assert option in out
    assert "4C4F43414C475249442D44454D4F2D31" in out


def test_nothing_to_run_is_an_error() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--no-meter", "--no-otgw"])
    assert exited.value.code == 2


def test_parser_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.meter_port, args.otgw_port, args.format, args.speed) == (6001, 6002, "mbus", 1.0)


async def test_run_serves_meter_and_gateway_until_interrupted() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--meter-port=0",
        "--otgw-port=0",
        "--pty",
        "--json",
        "--speed=20",
        "--format=dsmr",
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        info = json.loads(await asyncio.wait_for(process.stdout.readline(), 60))
        meter_url, meter_pty = info["ports"]["meter"]
        assert info["ports"]["otgw"][0].startswith("socket://127.0.0.1:")
        assert meter_pty.startswith("/dev/")
        assert info["serial_number"] == "1SIM0123456789"
        host, port = meter_url.removeprefix("socket://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        decoder = MeterDecoder()
        telegrams: list[Telegram] = []
        while not telegrams:
            chunk = await asyncio.wait_for(reader.read(4096), 10)
            telegrams = [r for r in decoder.feed(chunk) if isinstance(r, Telegram)]
        writer.close()
        assert telegrams[0].payload.meter_id == "1SIM0123456789"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr
    assert b"good_telegrams=" in stderr


def test_bad_key_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--key", "0011"])
    assert exited.value.code == 2
    assert "not 32 hex digits" in capsys.readouterr().err


async def _run_until_printed(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[str, asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(run(build_parser().parse_args(argv), stop))
    out = ""
    async with asyncio.timeout(10):
        while "\n" not in out:
            await asyncio.sleep(0.02)
            out += capsys.readouterr().out
    return out, stop, task


async def test_run_prints_what_to_enter_in_home_assistant(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--meter-port=0", "--otgw-port=0", "--format=hdlc", "--auth-key", "00" * 16]
    out, stop, task = await _run_until_printed(argv, capsys)
    stop.set()
    await task
    assert "Add integration > LocalGrid" in out
    assert "Serial number:      1SIM0123456789" in out
    assert "Encryption key:     4C4F43414C475249442D44454D4F2D31" in out
    assert "Authentication key: " + "00" * 16 in out
    assert "OpenTherm Gateway" in out
    assert "good_telegrams=" in capsys.readouterr().err


async def test_run_plain_meter_only_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--meter-port=0", "--no-otgw", "--format=mbus", "--no-encryption", "--json"]
    out, stop, task = await _run_until_printed(argv, capsys)
    stop.set()
    await task
    info = json.loads(out)
    assert list(info["ports"]) == ["meter"]
    assert info["key"] is None


def test_port_in_use_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main([f"--meter-port={port}", "--no-otgw"]) == 1
    assert "error:" in capsys.readouterr().err
