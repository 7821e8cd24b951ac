"""The gateway client against the simulator over a real loopback TCP socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
import contextlib
import time

import pytest

from custom_components.localgrid.protocol.otgw_client import (
    BadValueError,
    CommandSyntaxError,
    GatewayConnectionError,
    GatewayInfo,
    GatewayTimeoutError,
    HotWaterMode,
    NotAGatewayError,
    OTGWClient,
    OutOfRangeError,
    UnknownCommandError,
)
from custom_components.localgrid.protocol.otgw_state import GatewayState, SetpointOverride
from simulator.otgw import GatewaySimulator

# Loopback only; the Home Assistant test plugin blocks sockets unless asked.
pytestmark = pytest.mark.usefixtures("socket_enabled")


@contextlib.asynccontextmanager
async def _gateway(sim: GatewaySimulator) -> AsyncIterator[int]:
    server = await asyncio.start_server(sim.handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        sim.drop_connections()
        server.close()
        await server.wait_closed()


def _client(port: int, **options: float) -> OTGWClient:
    options.setdefault("command_timeout", 0.3)
    return OTGWClient(lambda: asyncio.open_connection("127.0.0.1", port), **options)


async def _until(condition: Callable[[], object], seconds: float = 3.0) -> None:
    """Poll: the simulator has no event for "the client's state now shows it"."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


@pytest.fixture
async def sim_port() -> AsyncIterator[tuple[GatewaySimulator, int]]:
    sim = GatewaySimulator(speed=50, seed=2)
    async with _gateway(sim) as port:
        yield sim, port


async def test_startup_is_short_and_fills_the_state(
    sim_port: tuple[GatewaySimulator, int],
) -> None:
    sim, port = sim_port
    client = _client(port)
    updates: list[GatewayState] = []
    client.add_listener(updates.append)
    availability: list[bool] = []
    client.add_availability_listener(availability.append)
    started = time.perf_counter()
    info = await client.start()
    startup = time.perf_counter() - started
    assert info == GatewayInfo("OpenTherm Gateway 6.6", "6.6")
    assert sim.commands_received == ["PS=0", "PR=A", "PR=W", "PR=O"]
    assert startup < 1.0
    assert availability == [True]
    state = client.state
    assert state.firmware == "6.6"
    assert state.hot_water_override == "A"
    assert state.setpoint_override is None
    await _until(lambda: state.room_temperature is not None and state.flame is not None)
    first_state = time.perf_counter() - started
    await _until(
        lambda: (
            None not in (state.burner_starts, state.dhw_setpoint_bounds, state.ch_setpoint_bounds)
        )
    )
    full_state = time.perf_counter() - started
    assert state.room_temperature == pytest.approx(sim.boiler.room, abs=0.5)
    assert state.room_setpoint == 20.5
    assert state.flow_temperature is not None
    assert state.return_temperature is not None
    assert state.dhw_present is True
    assert state.dhw_setpoint_bounds == (40, 65)
    assert state.ch_setpoint_bounds == (20, 85)
    assert state.fault is False
    await _until(lambda: 29 in state.unsupported)  # UNKNOWN-DATAID from the boiler
    assert 15 not in state.boiler  # DATA-INVALID: known id, no value
    assert updates
    print(
        f"start-up {startup * 1000:.1f} ms; room and flame after {first_state:.2f} s,"
        f" every id after {full_state:.2f} s (speed 50: one exchange per 20 ms)"
    )
    await client.close()
    assert availability == [True, False]


async def test_setters_return_what_the_gateway_confirmed(
    sim_port: tuple[GatewaySimulator, int],
) -> None:
    sim, port = sim_port
    client = _client(port)
    await client.start()
    assert await client.set_room_setpoint(21.456) == 21.46
    assert sim.override == ("T", 21.46)
    assert client.state.setpoint_override == SetpointOverride(21.46, False, accepted=False)
    await _until(lambda: client.state.setpoint_override.accepted)  # type: ignore[union-attr]
    assert await client.set_room_setpoint(19, constant=True) == 19.0
    assert sim.override == ("C", 19.0)
    assert await client.set_dhw_setpoint(58) == 58.0
    await _until(lambda: client.state.dhw_setpoint == 58.0)
    assert await client.set_max_ch_setpoint(70) == 70.0
    assert await client.set_hot_water(HotWaterMode.ON) is HotWaterMode.ON
    assert sim.hot_water_override == "1"
    assert await client.set_control_setpoint(48.3) == 48.3
    await _until(lambda: client.state.control_setpoint == pytest.approx(48.3, abs=0.01))
    assert await client.set_central_heating(True) is True
    assert await client.set_outside_temperature(-4.25) == -4.25
    await _until(lambda: client.state.outside_temperature == -4.25)
    assert await client.set_max_modulation(60) == 60
    await _until(lambda: client.state.max_modulation == 60.0)
    assert await client.set_outside_temperature(None) is None
    assert await client.set_max_modulation(None) is None
    assert await client.firmware_setting("M") == "G"
    assert await client.set_room_setpoint(0) == 0.0
    assert client.state.setpoint_override is None
    await client.close()


async def test_close_releases_every_override(sim_port: tuple[GatewaySimulator, int]) -> None:
    sim, port = sim_port
    client = _client(port)
    await client.start()
    await client.set_room_setpoint(22)
    await client.set_control_setpoint(50)
    await client.set_hot_water(HotWaterMode.OFF)
    await client.set_outside_temperature(3)
    await client.set_max_modulation(40)
    await client.close()
    assert sim.override is None
    assert sim.control_setpoint_override is None
    assert sim.hot_water_override is None
    assert sim.outside_override is None
    assert sim.max_modulation is None
    assert not client.connected
    with pytest.raises(GatewayConnectionError):
        await client.set_room_setpoint(20)


async def test_error_replies_become_exceptions(sim_port: tuple[GatewaySimulator, int]) -> None:
    sim, port = sim_port
    client = _client(port)
    await client.start()
    sent = len(sim.commands_received)
    with pytest.raises(OutOfRangeError) as out_of_range:
        await client.set_room_setpoint(45)
    assert out_of_range.value.command == "TT"
    assert "OR" in str(out_of_range.value)
    with pytest.raises(OutOfRangeError):
        await client.set_dhw_setpoint(90)  # outside the boiler's id 48 bounds
    with pytest.raises(BadValueError):
        await client.command("CH", "7")
    with pytest.raises(UnknownCommandError):
        await client.command("ZZ", "1")
    # Definite refusals are not resent; a syntax error (maybe garbled) is, 3 times.
    assert len(sim.commands_received) == sent + 4
    with pytest.raises(CommandSyntaxError):
        await client.command("C", "1")
    assert sim.commands_received[-3:] == ["C=1"] * 3
    assert client.available
    await client.close()


async def test_retry_after_a_lost_command_and_timeout(
    sim_port: tuple[GatewaySimulator, int],
) -> None:
    sim, port = sim_port
    client = _client(port, command_timeout=0.2)
    await client.start()
    sim.ignore_commands = 1
    assert await client.set_dhw_setpoint(50) == 50.0
    assert sim.commands_received[-2:] == ["SW=50.00", "SW=50.00"]
    sim.ignore_commands = 3
    started = time.perf_counter()
    with pytest.raises(GatewayTimeoutError):
        await client.set_dhw_setpoint(51)
    assert 0.5 < time.perf_counter() - started < 1.5  # three attempts of 0.2 s
    assert sim.commands_received[-3:] == ["SW=51.00"] * 3
    assert await client.set_dhw_setpoint(52) == 52.0  # the next command is fine again
    await client.close()


async def test_start_fails_cleanly_on_a_mute_or_foreign_device() -> None:
    async def mute(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server = await asyncio.start_server(mute, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = _client(port, command_timeout=0.1, attempts=2)
    with pytest.raises(GatewayTimeoutError):
        await client.start()
    assert not client.connected
    server.close()

    async def foreign(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readuntil(b"\r"):
            code = line[:2].decode()
            writer.write(f"{code}: {'A=Some Other Box' if code == 'PR' else '0'}\r\n".encode())

    server = await asyncio.start_server(foreign, "127.0.0.1", 0)
    client = _client(server.sockets[0].getsockname()[1])
    with pytest.raises(NotAGatewayError):
        await client.start()
    assert not client.connected
    server.close()

    refused = _client(port)  # the mute server is closed now
    await server.wait_closed()
    with pytest.raises(GatewayConnectionError):
        await refused.start()


async def test_watchdog_declares_a_silent_gateway_dead(
    sim_port: tuple[GatewaySimulator, int],
) -> None:
    sim, port = sim_port
    client = _client(port, silence_timeout=0.4, command_timeout=0.15)
    availability: list[bool] = []
    client.add_availability_listener(availability.append)
    await client.start()
    sim.silent = True
    started = time.perf_counter()
    async with asyncio.timeout(3):
        await client.wait_disconnected()
    assert availability == [True, False]
    assert 0.4 < time.perf_counter() - started < 2.0
    assert sim.commands_received[-1] == "PR=A"  # it asked before giving up
    # Reconnect: the coordinator just starts again.
    sim.silent = False
    await client.start()
    assert availability == [True, False, True]
    await client.close()


async def test_watchdog_keeps_a_quiet_gateway(sim_port: tuple[GatewaySimulator, int]) -> None:
    """No frames (PS=1 by someone else) but it answers: quiet, not dead."""
    sim, port = sim_port
    client = _client(port, silence_timeout=0.3, command_timeout=0.2)
    await client.start()
    sim.summary_mode = True
    probes = sim.commands_received.count("PR=A")
    await asyncio.sleep(1.2)
    assert client.connected
    assert client.available
    assert sim.commands_received.count("PR=A") > probes
    await client.close()


async def test_busy_loop_is_no_false_alarm(sim_port: tuple[GatewaySimulator, int]) -> None:
    sim, port = sim_port
    client = _client(port, silence_timeout=0.3, command_timeout=0.2)
    await client.start()
    probes = sim.commands_received.count("PR=A")
    for _ in range(3):
        time.sleep(0.5)  # noqa: ASYNC251  # Home Assistant busy: the loop is blocked
        await asyncio.sleep(0.05)
    assert client.connected
    assert client.available
    assert sim.commands_received.count("PR=A") == probes
    await client.close()


async def test_control_setpoint_is_kept_alive() -> None:
    """At speed 60 the gateway drops an unrepeated CS after 1 s; the client repeats it."""
    sim = GatewaySimulator(speed=60)
    async with _gateway(sim) as port:
        lazy = _client(port, keepalive_interval=100)
        await lazy.start()
        await lazy.set_control_setpoint(50)
        await _until(lambda: sim.control_setpoint_override is None, seconds=3)
        await lazy.close(release=False)

        client = _client(port, keepalive_interval=0.3)
        await client.start()
        await client.set_control_setpoint(50)
        await asyncio.sleep(2.5)  # 150 simulated seconds
        assert sim.control_setpoint_override == 50.0
        assert sim.commands_received.count("CS=50.00") >= 8
        assert client.state.control_setpoint_override == 50.0
        # After a reconnect the held setpoint is applied again.
        sim.drop_connections()
        await client.wait_disconnected()
        await asyncio.sleep(1.5)
        sim.advance()  # nobody connected: bring the boiler up to now
        assert sim.control_setpoint_override is None
        await client.start()
        assert sim.control_setpoint_override == 50.0
        assert await client.set_control_setpoint(0) == 0.0
        repeats = sim.commands_received.count("CS=50.00")
        await asyncio.sleep(0.7)
        assert sim.commands_received.count("CS=50.00") == repeats
        await client.close()


async def test_garbage_on_the_line_is_counted_not_raised(
    sim_port: tuple[GatewaySimulator, int],
) -> None:
    sim, port = sim_port
    client = _client(port)
    await client.start()
    sim.inject_truncated()
    sim.inject_glued()
    sim.inject_line_error(4)
    sim.inject_garbage(b"\xff\xfe\xfd\r\n\x00\x04B40192B00\r\n")
    await _until(lambda: client.counters.invalid >= 3 and client.counters.line_errors == 1)
    assert client.available
    assert await client.set_dhw_setpoint(55) == 55.0
    await _until(lambda: client.counters.frames > 10)
    await client.close()


async def test_from_streams_and_connection_loss(sim_port: tuple[GatewaySimulator, int]) -> None:
    sim, port = sim_port
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    client = OTGWClient.from_streams(reader, writer, command_timeout=0.3)
    await client.start()
    pending = asyncio.create_task(client.command("PR", "A"))
    sim.silent = True  # the command waits ...
    await asyncio.sleep(0.05)
    sim.drop_connections()  # ... and the connection goes away
    with pytest.raises(GatewayConnectionError):
        await pending
    await client.wait_disconnected()
    with pytest.raises(GatewayConnectionError):
        await client.start()  # the given streams cannot be reopened
    sim.silent = False


async def test_summary_fills_the_state_at_once(sim_port: tuple[GatewaySimulator, int]) -> None:
    sim, port = sim_port
    client = _client(port)
    await client.start()
    await _until(lambda: client.state.dhw_setpoint_bounds is not None)  # the gateway saw 48
    client.state.boiler.clear()
    client.state.thermostat.clear()
    summary = await client.read_summary()
    assert sim.commands_received[-2:] == ["PS=1", "PS=0"]
    assert not sim.summary_mode
    assert len(summary.values) == 34
    state = client.state
    assert state.dhw_setpoint_bounds == (40, 65)
    assert state.dhw_setpoint == 55.0
    assert state.room_setpoint == 20.5
    assert state.flow_temperature == summary.values[25]
    assert 20 < summary.values[25] < 80  # type: ignore[operator]
    assert 7 not in state.boiler  # zero fields: never seen, not data
    await client.close()
