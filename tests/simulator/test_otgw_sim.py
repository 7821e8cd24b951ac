"""The OpenTherm Gateway simulator: replies, frames, boiler model, summary and faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.localgrid.protocol.opentherm import (
    SUMMARY_IDS_V5,
    Frame,
    Invalid,
    Message,
    MessageKind,
    MsgType,
    Reply,
    Source,
    Summary,
    classify,
    split_lines,
)
from simulator.otgw import BANNER, GatewaySimulator

CORPUS: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "fixtures/opentherm/otgw_lines.json").read_text()
)
# Replies that depend on the hardware (GPIO levels, tweaks, sensor) rather than the protocol.
HARDWARE_DEPENDENT = {"PR=I", "PR=T", "PR=E"}


def _frames(lines: list[str]) -> list[Frame]:
    frames = [classify(line) for line in lines]
    assert all(isinstance(frame, Frame) and frame.valid for frame in frames), lines
    return frames  # type: ignore[return-value]


def _by(lines: list[str], source: Source) -> list[Frame]:
    return [frame for frame in _frames(lines) if frame.source is source]


@pytest.mark.parametrize(
    "entry",
    [e for e in CORPUS["command_exchanges"] if e["command"] not in HARDWARE_DEPENDENT],
    ids=lambda e: e["command"],
)
def test_replies_match_the_firmware(entry: dict[str, Any]) -> None:
    sim = GatewaySimulator()
    if entry["command"] == "PR=Q":
        sim.execute("GW=R")
    reply = sim.execute(entry["command"])
    assert reply[0] == entry["reply"].removesuffix(" (then one summary line)")


@pytest.mark.parametrize(
    ("command", "reply"),
    [
        ("TT=45", "TT: OR"),
        ("TT=abc", "TT: BV"),
        ("TT=0", "TT: 0.00"),
        ("CS=101", "CS: OR"),
        ("CS=x", "CS: BV"),
        ("CH=2", "CH: BV"),
        ("MM=40", "MM: 40"),
        ("MM=101", "MM: OR"),
        ("MM=-", "MM: -"),
        ("OT=-1.4", "OT: -1.40"),
        ("OT=65", "OT: -"),
        ("OT=-41", "OT: OR"),
        ("SW=60", "SW: 60.00"),
        ("SW=90", "SW: OR"),
        ("SH=72", "SH: 72.00"),
        ("SH=10", "SH: OR"),
        ("HW=1", "HW: 1"),
        ("HW=P", "HW: P"),
        ("HW=a", "HW: A"),
        ("HW=5", "HW: BV"),
        ("SC=21:50/3", "SC: 21:50/3"),
        ("SC=25:00/3", "SC: BV"),
        ("PR=A", f"PR: A={BANNER}"),
        ("PR=O", "PR: O=N"),
        ("PR=W", "PR: W=A"),
        ("PR=!", "PR: BV"),
        ("PS=2", "PS: BV"),
        ("GW=1", "GW: 1"),
        ("XY", "SE"),
        ("AA=28", "AA: NG"),
    ],
)
def test_command_replies_and_errors(command: str, reply: str) -> None:
    assert GatewaySimulator().execute(command)[0] == reply


def test_reply_lines_classify_as_replies() -> None:
    sim = GatewaySimulator()
    for command in ("TT=20", "ZZ=1", "FOO", "MI=97", "PR=A", "PS=1", "PS=0", "GW=R"):
        lines = sim.execute(command)
        assert isinstance(classify(lines[0]), Reply)
    assert sim.execute("GW=R") == ["GW: R", BANNER]
    assert classify(BANNER) == Message(MessageKind.BANNER, BANNER, "6.6")


def test_every_exchange_is_a_valid_t_b_pair() -> None:
    sim = GatewaySimulator(seed=3)
    seen: set[int] = set()
    for _ in range(80):
        sim.advance(1.0)
        frames = _frames(sim._next_exchange())
        assert frames[0].source in (Source.THERMOSTAT, Source.REQUEST)
        assert frames[0].msg_type in (MsgType.READ_DATA, MsgType.WRITE_DATA)
        boiler = [f for f in frames if f.source is Source.BOILER]
        assert len(boiler) == 1
        assert boiler[0].data_id == frames[0].data_id
        assert boiler[0].msg_type in (
            MsgType.READ_ACK,
            MsgType.WRITE_ACK,
            MsgType.DATA_INVALID,
            MsgType.UNKNOWN_DATAID,
        )
        seen.add(frames[0].data_id)
    assert {0, 1, 16, 17, 24, 25, 26, 27, 28, 56, 57, 14, 18, 116, 120} <= seen


def test_unsupported_and_unavailable_ids() -> None:
    sim = GatewaySimulator(unsupported_ids=frozenset({29}), unavailable_ids=frozenset({33}))
    assert _by(sim.exchange(29), Source.BOILER)[0].msg_type is MsgType.UNKNOWN_DATAID
    assert _by(sim.exchange(33), Source.BOILER)[0].msg_type is MsgType.DATA_INVALID
    assert _by(sim.exchange(25), Source.BOILER)[0].msg_type is MsgType.READ_ACK


def test_boiler_model_follows_the_control_setpoint() -> None:
    sim = GatewaySimulator(seed=1)
    assert sim.execute("HW=0")[0] == "HW: 0"  # no hot water run in the way
    assert sim.execute("CS=60")[0] == "CS: 60.00"
    flow_before = sim.boiler.flow
    for _ in range(600):
        sim.advance(1.0)
        if sim.sim_time % 50 < 1:
            sim.execute("CS=60")  # keep it alive as a client would
        boiler = sim.boiler
        assert (boiler.modulation > 0) == boiler.flame
        if boiler.flame:
            assert boiler.return_ < boiler.flow
    assert sim.boiler.flow > flow_before + 15
    assert 55 < sim.boiler.flow < 63
    assert sim.boiler.burner_starts >= 1201
    assert sim.boiler.room > 19.0  # the radiators warm the room


def test_room_cools_without_heating_and_dhw_tank_reheats() -> None:
    sim = GatewaySimulator(seed=1)
    sim.boiler.program_setpoint = 10.0  # thermostat wants no heat
    sim.boiler.dhw = 40.0
    room = sim.boiler.room
    sim.advance(1800)
    assert sim.boiler.room < room
    assert not sim.boiler.ch_active
    assert sim.boiler.dhw > 45.0  # tank below setpoint - 5 was heated


def test_thermostat_adopts_the_override_after_reading_id_9() -> None:
    sim = GatewaySimulator()
    sim.execute("TT=23.5")
    assert sim.execute("PR=O") == ["PR: O=t23.50"]  # not yet accepted
    answer = _by(sim.exchange(9), Source.ANSWER)
    assert answer[0].msg_type is MsgType.READ_ACK
    assert answer[0].value == 23.5
    assert sim.execute("PR=O") == ["PR: O=T23.50"]
    assert _by(sim.exchange(100), Source.ANSWER)[0].value == (0, 3)
    assert _by(sim.exchange(16), Source.THERMOSTAT)[0].value == 23.5
    sim.execute("TC=18")
    sim.exchange(9)
    assert _by(sim.exchange(100), Source.ANSWER)[0].value == (0, 1)
    sim.execute("TT=0")
    assert _by(sim.exchange(9), Source.ANSWER) == []
    assert _by(sim.exchange(16), Source.THERMOSTAT)[0].value == 20.5


def test_side_effect_lines() -> None:
    sim = GatewaySimulator()
    sim.boiler.program_setpoint = 10.0  # the thermostat itself asks no heat
    sim.advance(5)
    assert _by(sim.exchange(0), Source.REQUEST) == []
    sim.execute("CS=45.5")
    request = _by(sim.exchange(1), Source.REQUEST)
    assert request[0].msg_type is MsgType.WRITE_DATA
    assert request[0].value == 45.5
    status = _by(sim.exchange(0), Source.REQUEST)
    assert status[0].value[0] & 1 == 1  # type: ignore[index]  # CH enable forced
    sim.execute("CH=0")  # CH bit as the thermostat has it: nothing to change
    assert _by(sim.exchange(0), Source.REQUEST) == []
    sim.execute("CH=1")
    sim.execute("OT=-3.3")
    assert _by(sim.exchange(27), Source.ANSWER)[0].value == pytest.approx(-3.3, abs=0.004)
    sim.execute("MM=40")
    assert _by(sim.exchange(14), Source.REQUEST)[0].value == 40.0
    sim.execute("HW=0")
    assert _by(sim.exchange(0), Source.REQUEST)[0].value[0] & 2 == 0  # type: ignore[index]
    sim.execute("SW=60")
    write = _frames(sim._next_exchange())
    assert [(f.source, f.msg_type, f.data_id, f.value) for f in write] == [
        (Source.REQUEST, MsgType.WRITE_DATA, 56, 60.0),
        (Source.BOILER, MsgType.WRITE_ACK, 56, 60.0),
    ]
    assert _by(sim.exchange(56), Source.BOILER)[0].value == 60.0


def test_control_setpoint_lapses_without_repeat() -> None:
    sim = GatewaySimulator()
    sim.execute("CS=50")
    sim.advance(59)
    assert sim.control_setpoint_override == 50.0
    sim.execute("CS=50")
    sim.advance(59)
    assert sim.control_setpoint_override == 50.0
    sim.advance(3)
    assert sim.control_setpoint_override is None
    assert _by(sim.exchange(1), Source.REQUEST) == []
    sim.execute("CS=5")  # below 8 °C it does not lapse
    sim.advance(120)
    assert sim.control_setpoint_override == 5.0


def test_summary_has_34_fields_of_the_last_values() -> None:
    sim = GatewaySimulator()
    for data_id in (0, 1, 25, 27, 48, 116):
        sim.exchange(data_id)
    sim.execute("OT=-5")
    sim.exchange(27)
    lines = sim.execute("PS=1")
    assert lines[0] == "PS: 1"
    summary = classify(lines[1])
    assert isinstance(summary, Summary)
    assert list(summary.values) == list(SUMMARY_IDS_V5)
    assert summary.values[27] == -5.0
    assert summary.values[48] == (65, 40)
    assert summary.values[116] == sim.boiler.burner_starts
    assert summary.values[25] == pytest.approx(sim.boiler.flow, abs=0.05)


def test_same_seed_same_lines() -> None:
    def run(seed: int) -> list[str]:
        sim = GatewaySimulator(seed=seed, fault_rate=0.0)
        lines: list[str] = []
        for _ in range(60):
            sim.advance(1.0)
            lines += sim._next_exchange()
        return lines

    assert run(7) == run(7)
    assert run(7) != run(8)


# Over TCP.
@contextlib.asynccontextmanager
async def _serve(sim: GatewaySimulator) -> AsyncIterator[int]:
    server = await asyncio.start_server(sim.handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        sim.drop_connections()
        server.close()
        await server.wait_closed()


async def _read_lines(reader: asyncio.StreamReader, seconds: float) -> list[str]:
    data = b""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while chunk := await reader.read(4096):
                data += chunk
    return split_lines(data)


async def test_tcp_reports_commands_and_muting() -> None:
    sim = GatewaySimulator(speed=40)
    async with _serve(sim) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        lines = await _read_lines(reader, 0.5)
        frames = [classify(line) for line in lines]
        assert len(frames) > 20
        assert all(isinstance(f, Frame) and f.valid for f in frames)
        writer.write(b"PS=1\r")
        lines = await _read_lines(reader, 0.4)
        start = lines.index("PS: 1")
        assert isinstance(classify(lines[start + 1]), Summary)
        assert lines[start + 2 :] == []  # reports muted
        writer.write(b"PS=0\r\n")
        lines = await _read_lines(reader, 0.4)
        assert lines[0] == "PS: 0"
        assert any(isinstance(classify(line), Frame) for line in lines[1:])
        writer.close()


async def test_tcp_fault_injection() -> None:
    sim = GatewaySimulator(speed=40)
    async with _serve(sim) as port:
        reader, _writer = await asyncio.open_connection("127.0.0.1", port)
        sim.inject_line_error(2)
        sim.inject_truncated()
        sim.inject_glued()
        sim.inject_garbage(b"\xff\xfe\r\n")
        lines = await _read_lines(reader, 0.4)
        kinds = [classify(line) for line in lines]
        assert Message(MessageKind.LINE_ERROR, "Error 02", "02") in kinds
        e_lines = [k for k in kinds if isinstance(k, Frame) and k.source is Source.ERROR]
        assert len(e_lines) == 1
        assert not e_lines[0].parity_ok
        invalid = [k for k in kinds if isinstance(k, Invalid)]
        assert len(invalid) == 3  # truncated, glued, non-ASCII
        sim.silent = True
        await _read_lines(reader, 0.2)  # what was already on its way
        assert await _read_lines(reader, 0.3) == []
        sim.silent = False
        sim.drop_connections()
        rest = await _read_lines(reader, 1.0)
        assert reader.at_eof()
        assert all(isinstance(classify(line), Frame) for line in rest)


async def test_model_is_shared_across_connections() -> None:
    sim = GatewaySimulator(speed=40)
    async with _serve(sim) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"CS=55\r")
        assert "CS: 55.00" in await _read_lines(reader, 0.3)
        writer.close()
        time_at_drop = sim.sim_time
        await asyncio.sleep(0.2)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        lines = await _read_lines(reader, 0.3)
        assert sim.sim_time > time_at_drop + 10  # kept running while nobody listened
        requests = [f for f in map(classify, lines) if isinstance(f, Frame) and f.data_id == 1]
        assert any(f.source is Source.REQUEST and f.value == 55.0 for f in requests)
        writer.close()
