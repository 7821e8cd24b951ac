"""A simulated OpenTherm Gateway with a small boiler, hot water tank, house and thermostat.

`GatewaySimulator.handle(reader, writer)` serves one connection the way the gateway's
serial port (or its TCP bridge) does: T/B report pairs about once per simulated second
(plus R/A lines where the gateway intervenes), replies to commands in the firmware's
formats, the `PS=1` summary, and the faults real installations show (line errors,
truncated and glued lines, silence, dropped connections).

The model lives in the simulator, not in the connection: the boiler keeps running while
no client is connected and every connection sees the same boiler. Simulated time is
`speed` times the clock (loop time unless a clock is given); with a seed the model and
its faults are deterministic.

Where PROTOCOL.md leaves a range open the simulator picks one and says so:
TT/TC accept 0 (cancel) or 1-30 °C, else OR; OT below -40 is OR; PR with an unknown
letter is BV; commands it does not model (e.g. AA, LA, GA) answer NG.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass
import random
import re

from custom_components.localgrid.protocol.opentherm import (
    SUMMARY_IDS_V5,
    MsgType,
    Source,
    Value,
    build_frame,
    data_id_info,
    encode_value,
    format_f88,
    format_report,
)

FIRMWARE = "6.6"
BANNER = f"OpenTherm Gateway {FIRMWARE}"
CONTROL_SETPOINT_LAPSE_S = 60.0
DHW_BOUNDS = (40, 65)  # id 48: lower, upper
CH_BOUNDS = (20, 85)  # id 49
_CYCLE = (
    0, 1, 9, 17, 25, 0, 16, 24, 1, 27, 0, 28, 56, 57, 14, 0, 1, 18, 26, 100,
    0, 3, 5, 48, 1, 49, 19, 33, 0, 15, 29, 99, 125, 1,
)  # fmt: skip
_COUNTERS = (116, 117, 118, 119, 120, 121, 122, 123)
_MAX_CATCH_UP_S = 6 * 3600.0
_CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})/([1-7])")


def _signed8(byte: int) -> int:
    return byte - 256 if byte > 127 else byte


@dataclass(slots=True)
class BoilerModel:
    """House, boiler and hot water tank; temperatures in °C, time in simulated seconds."""

    outside: float = 5.0
    room: float = 19.0
    flow: float = 30.0
    return_: float = 28.0
    dhw: float = 52.0
    dhw_setpoint: float = 55.0
    max_ch_setpoint: float = 75.0
    program_setpoint: float = 20.5  # what the thermostat's schedule asks
    pressure: float = 1.6
    flame: bool = False
    ch_active: bool = False
    dhw_active: bool = False
    modulation: float = 0.0
    fault: bool = False
    oem_fault_code: int = 0
    burner_starts: int = 1200
    burner_seconds: float = 3_600_000.0
    pump_starts: int = 900
    dhw_burner_starts: int = 400

    def step(
        self,
        dt: float,
        *,
        control_setpoint: float,
        ch_enable: bool,
        dhw_enable: bool,
        max_modulation: float,
        draw: float,
    ) -> None:
        """Advance `dt` simulated seconds (call with dt <= 1)."""
        self.dhw -= (0.00005 + draw) * dt * (self.dhw - self.room)
        if dhw_enable and self.dhw < self.dhw_setpoint - 5:
            self.dhw_active = True
        elif not dhw_enable or self.dhw >= self.dhw_setpoint:
            self.dhw_active = False
        was_ch = self.ch_active
        self.ch_active = ch_enable and control_setpoint >= 10 and not self.fault
        if self.ch_active and not was_ch:
            self.pump_starts += 1
        target = self.dhw_setpoint + 15 if self.dhw_active else control_setpoint
        demand = (self.dhw_active or self.ch_active) and not self.fault
        was_on = self.flame
        if not demand or self.flow > target + 3:
            self.flame = False
        elif self.flow < target - 1:
            self.flame = True
        if self.flame and not was_on:
            self.burner_starts += 1
            if self.dhw_active:
                self.dhw_burner_starts += 1
        if self.flame:
            self.burner_seconds += dt
            self.modulation = max(10.0, min(max_modulation, 20 + (target - self.flow) * 8))
        else:
            self.modulation = 0.0
        # Heat in from the burner, out through the radiators (pump on) or the DHW coil.
        heat_in = 1.2 * self.modulation / 100
        loss = 0.002
        if self.ch_active:
            loss += 0.01
        if self.dhw_active:
            loss += 0.01
            self.dhw += (self.flow - self.dhw) * 0.004 * dt
        self.flow += (heat_in - loss * (self.flow - self.room)) * dt
        spread = 3 + 5 * self.modulation / 100 if self.flame else 1.0
        self.return_ += (self.flow - spread - self.return_) * 0.2 * dt
        radiators = (self.flow - self.room) if self.ch_active else 0.0
        self.room += (0.0001 * radiators - 0.00008 * (self.room - self.outside)) * dt

    @property
    def status_low_byte(self) -> int:
        return (
            (1 if self.fault else 0)
            | (2 if self.ch_active else 0)
            | (4 if self.dhw_active else 0)
            | (8 if self.flame else 0)
        )


@dataclass(slots=True)
class _Thermostat:
    """A modulating room thermostat: asks a flow temperature from the room error."""

    control_setpoint: float = 10.0
    ch_enable: bool = False
    override_seen: bool = False  # it read id 9 since the override was set

    def update(self, room: float, setpoint: float, outside: float, max_ch: float) -> None:
        error = setpoint - room
        self.ch_enable = error > -0.2
        wanted = 20 + error * 12 + max(0.0, setpoint - outside) * 0.8
        if not self.ch_enable:
            wanted = 10.0
        # Thermostats send setpoints in coarse steps.
        self.control_setpoint = round(max(10.0, min(max_ch, wanted)) * 4) / 4


class GatewaySimulator:
    """An OTGW (firmware 6.6 replies) in gateway mode with a boiler and a thermostat.

    Faults: `inject_line_error(code)`, `inject_truncated()`, `inject_glued()`,
    `inject_garbage(data)`, `silent = True` (no output at all), `summary_mode = True`
    (quiet: no reports, commands answered), `ignore_commands = n` (leave n commands
    unanswered), `drop_connections()`, and `fault_rate` for random line faults.
    Inspect `boiler`, `override`, `control_setpoint_override`, `hot_water_override`,
    `outside_override`, `max_modulation` and `commands_received` in tests.
    """

    def __init__(
        self,
        *,
        speed: float = 1.0,
        seed: int | None = 0,
        clock: Callable[[], float] | None = None,
        unsupported_ids: frozenset[int] = frozenset({29, 99}),
        unavailable_ids: frozenset[int] = frozenset({15}),
        dhw_present: bool = True,
        fault_rate: float = 0.0,
    ) -> None:
        """`fault_rate`: chance per exchange of a random line error/truncation/glue."""
        self.speed = speed
        self.random = random.Random(seed)
        self._clock = clock
        self.unsupported_ids = unsupported_ids
        self.unavailable_ids = unavailable_ids
        self.dhw_present = dhw_present
        self.fault_rate = fault_rate
        self.boiler = BoilerModel()
        self.thermostat = _Thermostat()
        self.sim_time = 0.0
        self._last_clock: float | None = None
        # Gateway settings (volatile unless noted).
        self.gateway_mode = True
        self.summary_mode = False  # PS=1: frame reports muted for everyone
        self.override: tuple[str, float] | None = None  # ("T"|"C", setpoint)
        self.control_setpoint_override: float | None = None
        self._cs_set_at = 0.0
        self._sc_set_at = 0.0
        self.ch_override_enable = True
        self.hot_water_override: str | None = None  # "0" | "1" | None
        self.outside_override: float | None = None
        self.max_modulation: int | None = None
        self.clock_setting: str | None = None
        self.reset_cause = "P"
        self._settings: dict[str, str] = {}
        self._pending_writes: list[tuple[int, Value]] = []
        self._last_seen: dict[int, int] = {}
        self._cycle_index = 0
        self._counter_index = 0
        self._exchanges = 0
        # Faults.
        self.silent = False  # neither reports nor replies, like a hung gateway
        self.ignore_commands = 0  # leave this many commands unanswered
        self._injected: list[bytes] = []
        self._glue_next = False
        self._writers: set[asyncio.StreamWriter] = set()
        self.commands_received: list[str] = []

    # Time and model.
    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def advance(self, seconds: float | None = None) -> None:
        """Run the model up to now (or `seconds` simulated seconds further)."""
        if seconds is None:
            now = self._now()
            last = self._last_clock if self._last_clock is not None else now
            self._last_clock = now
            seconds = (now - last) * self.speed
        if seconds > _MAX_CATCH_UP_S:  # long unobserved: the house has settled anyway
            self.sim_time += seconds - _MAX_CATCH_UP_S
            seconds = _MAX_CATCH_UP_S
        while seconds > 0:
            dt = min(1.0, seconds)
            seconds -= dt
            self.sim_time += dt
            self._step(dt)

    def _step(self, dt: float) -> None:
        boiler = self.boiler
        if (
            self.control_setpoint_override is not None
            and self.control_setpoint_override >= 8
            and self.sim_time - self._cs_set_at > CONTROL_SETPOINT_LAPSE_S
        ):
            self.control_setpoint_override = None  # not repeated: the gateway drops it
        if self.clock_setting and self.sim_time - self._sc_set_at > CONTROL_SETPOINT_LAPSE_S:
            self.clock_setting = None  # SC lapses the same way
        self.thermostat.update(
            boiler.room, self.room_setpoint, self.thermostat_outside, boiler.max_ch_setpoint
        )
        draw = 0.02 if self.random.random() < 0.003 else 0.0  # someone opens a tap
        boiler.step(
            dt,
            control_setpoint=self.effective_control_setpoint,
            ch_enable=self.effective_master_status & 1 == 1,
            dhw_enable=self.effective_master_status & 2 == 2,
            max_modulation=100.0 if self.max_modulation is None else float(self.max_modulation),
            draw=draw,
        )

    @property
    def room_setpoint(self) -> float:
        """The setpoint the thermostat follows (a gateway override once it has read it)."""
        if self.override is not None and self.thermostat.override_seen:
            return self.override[1]
        return self.boiler.program_setpoint

    @property
    def thermostat_outside(self) -> float:
        return self.outside_override if self.outside_override is not None else self.boiler.outside

    @property
    def thermostat_master_status(self) -> int:
        return (1 if self.thermostat.ch_enable else 0) | (2 if self.dhw_present else 0)

    @property
    def effective_master_status(self) -> int:
        """Id 0 high byte as the boiler receives it, with the gateway's overrides."""
        status = self.thermostat_master_status
        if self.control_setpoint_override is not None and self.control_setpoint_override > 0:
            status = (status & ~1) | (1 if self.ch_override_enable else 0)
        if self.hot_water_override is not None:
            status = (status & ~2) | (2 if self.hot_water_override == "1" else 0)
        return status

    @property
    def effective_control_setpoint(self) -> float:
        if self.control_setpoint_override:
            return self.control_setpoint_override
        return self.thermostat.control_setpoint

    # Faults.
    def inject_line_error(self, code: int = 2) -> None:
        """Queue `Error 0x` (with the bad frame as an E line for 02 and 04)."""
        lines = [f"Error {code:02d}"]
        if code in (2, 4):
            frame = build_frame(MsgType.READ_DATA, 25, 0) ^ 0x00000100  # one bit flipped
            lines.append(format_report(Source.ERROR, frame))
        self._injected.extend(f"{line}\r\n".encode() for line in lines)

    def inject_truncated(self) -> None:
        """Queue a report line cut short, as a TCP bridge may deliver it."""
        frame = format_report(Source.BOILER, build_frame(MsgType.READ_ACK, 25, 0x2B00))
        self._injected.append(f"{frame[: self.random.randint(2, 7)]}\r\n".encode())

    def inject_glued(self) -> None:
        """Send the next report line without its terminator, glued to the one after."""
        self._glue_next = True

    def inject_garbage(self, data: bytes) -> None:
        """Queue raw bytes (noise, non-ASCII, an EOT...)."""
        self._injected.append(data)

    def drop_connections(self) -> None:
        """Close every client connection, as a bridge that reboots does."""
        for writer in list(self._writers):
            writer.close()

    # Connection.
    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection until the client goes away or it is dropped."""
        self._writers.add(writer)
        emitter = asyncio.create_task(self._emit_reports(writer))
        try:
            buffer = b""
            while data := await reader.read(256):
                buffer += data
                *commands, buffer = buffer.split(b"\r")
                for raw in commands:
                    self._command(raw, writer)
                if len(buffer) > 64:
                    buffer = b""  # no CR in sight: a real gateway overruns too
        except ConnectionError, OSError:
            pass
        finally:
            emitter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await emitter
            self._writers.discard(writer)

    def _write(self, writer: asyncio.StreamWriter, lines: list[str]) -> None:
        if self.silent or writer.is_closing() or not lines:
            return
        writer.write("".join(f"{line}\r\n" for line in lines).encode("ascii"))

    def _command(self, raw: bytes, writer: asyncio.StreamWriter) -> None:
        text = raw.replace(b"\n", b"").decode("ascii", "replace").strip()
        if not text:
            return
        self.commands_received.append(text)
        self.advance()
        if self.silent:
            return
        if self.ignore_commands > 0:
            self.ignore_commands -= 1
            return
        self._write(writer, self.execute(text))

    async def _emit_reports(self, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            await self._emit_until_closed(writer)

    async def _emit_until_closed(self, writer: asyncio.StreamWriter) -> None:
        interval = 1.0 / self.speed
        while not writer.is_closing():
            await asyncio.sleep(interval)
            self.advance()
            if self.silent:
                continue
            if self._injected:
                writer.write(b"".join(self._injected))
                self._injected.clear()
            if self.summary_mode:
                continue
            lines = self._next_exchange()
            if self.fault_rate and self.random.random() < self.fault_rate:
                choice = self.random.randrange(3)
                if choice == 0:
                    self.inject_line_error(self.random.choice((1, 2, 3, 4)))
                elif choice == 1:
                    self.inject_truncated()
                else:
                    self._glue_next = True
            if self._glue_next and len(lines) >= 2:
                self._glue_next = False
                lines = [lines[0] + lines[1], *lines[2:]]
            self._write(writer, lines)
            await writer.drain()  # a client that stops reading slows us, not our memory

    # Frames.
    def _report(self, source: Source, msg_type: MsgType, data_id: int, data: int) -> str:
        if msg_type in (MsgType.WRITE_DATA, MsgType.READ_ACK, MsgType.WRITE_ACK) or (data_id == 0):
            self._last_seen[data_id] = data
        return format_report(source, build_frame(msg_type, data_id, data))

    def _next_exchange(self) -> list[str]:
        if self._pending_writes:
            data_id, value = self._pending_writes.pop(0)
            data = encode_value(data_id, value)
            return [
                self._report(Source.REQUEST, MsgType.WRITE_DATA, data_id, data),
                self._report(Source.BOILER, MsgType.WRITE_ACK, data_id, data),
            ]
        self._exchanges += 1
        if self._exchanges % 5 == 0:  # one counter every five requests
            data_id = _COUNTERS[self._counter_index]
            self._counter_index = (self._counter_index + 1) % len(_COUNTERS)
        else:
            data_id = _CYCLE[self._cycle_index]
            self._cycle_index = (self._cycle_index + 1) % len(_CYCLE)
        return self.exchange(data_id)

    def exchange(self, data_id: int) -> list[str]:
        """The report lines of one thermostat request for `data_id` and its answer."""
        boiler = self.boiler
        t_type = MsgType.READ_DATA
        t_data = 0
        r_data: int | None = None  # what the gateway sends the boiler instead
        if data_id == 0:
            t_data = self.thermostat_master_status << 8
            if self.effective_master_status << 8 != t_data:
                r_data = self.effective_master_status << 8
        elif data_id in (1, 14, 16, 24):
            t_type = MsgType.WRITE_DATA
            t_value = {
                1: self.thermostat.control_setpoint,
                14: 100.0,
                16: self.room_setpoint,
                24: self._noisy(boiler.room),
            }[data_id]
            t_data = encode_value(data_id, t_value)
            if data_id == 1 and self.control_setpoint_override:
                r_data = encode_value(1, self.control_setpoint_override)
            if data_id == 14 and self.max_modulation is not None:
                r_data = encode_value(14, float(self.max_modulation))
        lines = [self._report(Source.THERMOSTAT, t_type, data_id, t_data)]
        request = t_data if r_data is None else r_data
        if r_data is not None:
            lines.append(self._report(Source.REQUEST, t_type, data_id, r_data))
        ack = MsgType.READ_ACK if t_type is MsgType.READ_DATA else MsgType.WRITE_ACK
        answer = self._boiler_answer(data_id, request)
        if answer is None:
            b_type = (
                MsgType.UNKNOWN_DATAID
                if data_id in self.unsupported_ids or data_id in (9, 100)
                else MsgType.DATA_INVALID
            )
            lines.append(self._report(Source.BOILER, b_type, data_id, request))
            b_data = request
        else:
            b_data = answer
            lines.append(self._report(Source.BOILER, ack, data_id, b_data))
        gateway_answer = self._gateway_answer(data_id, t_data, b_data)
        if gateway_answer is not None:
            lines.append(self._report(Source.ANSWER, ack, data_id, gateway_answer))
        return lines

    def _noisy(self, value: float) -> float:
        return value + self.random.uniform(-0.02, 0.02)

    def _boiler_answer(self, data_id: int, request: int) -> int | None:
        """The boiler's data for a request, or None for DATA-INVALID / UNKNOWN-DATAID."""
        boiler = self.boiler
        if data_id in self.unsupported_ids or data_id in self.unavailable_ids:
            return None
        values: dict[int, Value] = {
            0: ((request >> 8) & 0xFF, boiler.status_low_byte),
            1: (request & 0xFFFF) / 256,
            3: ((0x09 if self.dhw_present else 0x00), 0),
            5: ((0x01 if boiler.fault else 0x00), boiler.oem_fault_code),
            14: (request & 0xFFFF) / 256,
            16: (request & 0xFFFF) / 256,
            17: boiler.modulation,
            18: boiler.pressure,
            19: 6.5 if boiler.dhw_active else 0.0,
            24: (request & 0xFFFF) / 256,
            25: self._noisy(boiler.flow),
            26: self._noisy(boiler.dhw),
            27: boiler.outside,
            28: self._noisy(boiler.return_),
            33: round(boiler.flow + 12 if boiler.flame else boiler.room + 2),
            48: (DHW_BOUNDS[1], DHW_BOUNDS[0]),
            49: (CH_BOUNDS[1], CH_BOUNDS[0]),
            56: boiler.dhw_setpoint,
            57: boiler.max_ch_setpoint,
            116: boiler.burner_starts & 0xFFFF,
            117: boiler.pump_starts & 0xFFFF,
            118: (boiler.dhw_burner_starts * 2) & 0xFFFF,
            119: boiler.dhw_burner_starts & 0xFFFF,
            120: int(boiler.burner_seconds // 3600) & 0xFFFF,
            121: int(boiler.burner_seconds // 3000) & 0xFFFF,
            122: int(boiler.burner_seconds // 9000) & 0xFFFF,
            123: int(boiler.burner_seconds // 12000) & 0xFFFF,
            125: 3.0,
        }
        if data_id not in values:
            return None
        return encode_value(data_id, values[data_id])

    def _gateway_answer(self, data_id: int, t_data: int, b_data: int) -> int | None:
        """What the gateway answers the thermostat instead of the boiler's frame."""
        if data_id == 9 and self.override is not None:
            self.thermostat.override_seen = True
            return encode_value(9, self.override[1])
        if data_id == 100 and self.override is not None:
            return 0x03 if self.override[0] == "T" else 0x01
        if data_id == 27 and self.outside_override is not None:
            return encode_value(27, self.outside_override)
        if data_id in (1, 14) and b_data != t_data:
            return t_data  # the thermostat hears its own value back
        if data_id == 0 and (b_data >> 8) != (t_data >> 8):
            return (t_data & 0xFF00) | (b_data & 0xFF)
        return None

    # Commands.
    def execute(self, text: str) -> list[str]:
        """The reply lines to one command line, as firmware 6.6 prints them."""
        if len(text) < 4 or text[2] != "=":
            return ["SE"]
        code, arg = text[:2], text[3:].strip()
        handler = self._COMMANDS.get(code)
        if handler is None:
            return [f"{code}: NG"]
        result = handler(self, arg)
        if isinstance(result, list):
            return result
        return [f"{code}: {result}"]

    def _temperature(self, arg: str, low: float, high: float) -> float | str:
        try:
            value = float(arg)
        except ValueError:
            return "BV"
        if not low <= value <= high:
            return "OR"
        return value

    def _cmd_override(self, arg: str, kind: str) -> str:
        value = self._temperature(arg, 0, 30)
        if isinstance(value, str):
            return value
        if 0 < value < 1:
            return "OR"
        self.override = (kind, value) if value else None
        self.thermostat.override_seen = False
        return format_f88(value)

    def _cmd_tt(self, arg: str) -> str:
        return self._cmd_override(arg, "T")

    def _cmd_tc(self, arg: str) -> str:
        return self._cmd_override(arg, "C")

    def _cmd_ot(self, arg: str) -> str:
        try:
            value = float(arg)
        except ValueError:
            value = 100.0  # non-numeric clears
        if value < -40:
            return "OR"
        if value > 64:
            self.outside_override = None
            return "-"
        self.outside_override = round(value * 256) / 256
        return format_f88(value)

    def _cmd_sc(self, arg: str) -> str:
        match = _CLOCK_RE.fullmatch(arg)
        if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            return "BV"
        self.clock_setting = f"{int(match.group(1))}:{match.group(2)}/{match.group(3)}"
        self._sc_set_at = self.sim_time
        return self.clock_setting

    def _cmd_cs(self, arg: str) -> str:
        value = self._temperature(arg, 0, 100)
        if isinstance(value, str):
            return value
        self.control_setpoint_override = round(value * 256) / 256 if value else None
        self._cs_set_at = self.sim_time
        return format_f88(value)

    def _cmd_ch(self, arg: str) -> str:
        if arg not in ("0", "1"):
            return "BV"
        self.ch_override_enable = arg == "1"
        return arg

    def _cmd_mm(self, arg: str) -> str:
        if not arg.isdigit():
            self.max_modulation = None
            return "-"
        if int(arg) > 100:
            return "OR"
        self.max_modulation = int(arg)
        return str(self.max_modulation)

    def _cmd_boiler_setpoint(self, arg: str, data_id: int, bounds: tuple[int, int]) -> str:
        value = self._temperature(arg, 0, 127)
        if isinstance(value, str):
            return value
        if value == 0:
            value = 60.0 if data_id == 56 else 75.0  # reset to the boiler's default
        elif not bounds[0] <= value <= bounds[1]:
            return "OR"
        if data_id == 56:
            self.boiler.dhw_setpoint = value
        else:
            self.boiler.max_ch_setpoint = value
        self._pending_writes.append((data_id, value))
        return format_f88(value)

    def _cmd_sw(self, arg: str) -> str:
        return self._cmd_boiler_setpoint(arg, 56, DHW_BOUNDS)

    def _cmd_sh(self, arg: str) -> str:
        return self._cmd_boiler_setpoint(arg, 57, CH_BOUNDS)

    def _cmd_hw(self, arg: str) -> str:
        if arg in ("0", "1"):
            self.hot_water_override = arg
        elif len(arg) == 1 and arg.isalpha():
            arg = arg.upper()
            if arg == "P":
                self._pending_writes.append((99, (0x10, 0)))  # one DHW push (id 99 HB b4)
            else:
                self.hot_water_override = None
        else:
            return "BV"
        return arg

    def _cmd_flag(self, arg: str, key: str) -> str:
        if arg not in ("0", "1"):
            return "BV"
        self._settings[key] = arg
        return arg

    def _cmd_number(self, arg: str, key: str, low: int, high: int) -> str:
        if not arg.isdigit():
            return "BV"
        if not low <= int(arg) <= high:
            return "OR"
        self._settings[key] = arg
        return arg

    def _cmd_bs(self, arg: str) -> str:
        value = self._temperature(arg, 0, 30)
        return value if isinstance(value, str) else format_f88(value)

    def _cmd_c2(self, arg: str) -> str:
        value = self._temperature(arg, 0, 100)
        return value if isinstance(value, str) else format_f88(value)

    def _cmd_vs(self, arg: str) -> str:
        if not arg.isdigit():
            return "-"
        return arg if int(arg) <= 100 else "OR"

    def _cmd_pr(self, arg: str) -> str:
        letter = arg[:1]
        value = self._print_setting(letter)
        return "BV" if value is None else f"{letter}={value}"

    def _print_setting(self, letter: str) -> str | None:
        override = "N"
        if self.override is not None:
            kind = self.override[0] if self.thermostat.override_seen else self.override[0].lower()
            override = f"{kind}{format_f88(self.override[1])}"
        settings = {
            "A": BANNER,
            "B": "17:44 11-02-2021",
            "C": "4 MHz",
            "D": "O",
            "E": "-",
            "G": "00",
            "I": "00",
            "L": "FXOMPC",
            "M": "G" if self.gateway_mode else "M",
            "N": self._settings.get("MI", "1000"),
            "O": override,
            "P": "Low power",
            "Q": self.reset_cause,
            "R": "D",
            "S": "16.50",
            "T": "00",
            "V": "3",
            "W": self.hot_water_override or "A",
        }
        return settings.get(letter)

    def _cmd_ps(self, arg: str) -> str | list[str]:
        if arg == "1":
            self.summary_mode = True
            return ["PS: 1", self.summary_line()]
        if arg == "0":
            self.summary_mode = False
            return "0"
        return "BV"

    def _cmd_gw(self, arg: str) -> str | list[str]:
        if arg in ("0", "1"):
            self.gateway_mode = arg == "1"
            return arg
        if arg == "R":
            self.reset_cause = "C"
            self.summary_mode = False
            self.override = None
            self.control_setpoint_override = None
            self.outside_override = None
            self.max_modulation = None
            self.hot_water_override = None
            return ["GW: R", BANNER]
        return "BV"

    _COMMANDS: dict[str, Callable[[GatewaySimulator, str], str | list[str]]] = {
        "TT": _cmd_tt,
        "TC": _cmd_tc,
        "OT": _cmd_ot,
        "SC": _cmd_sc,
        "CS": _cmd_cs,
        "C2": lambda self, arg: self._cmd_c2(arg),
        "CH": _cmd_ch,
        "H2": lambda self, arg: self._cmd_flag(arg, "H2"),
        "MM": _cmd_mm,
        "SH": _cmd_sh,
        "SW": _cmd_sw,
        "HW": _cmd_hw,
        "BS": _cmd_bs,
        "VS": _cmd_vs,
        "BW": lambda self, arg: self._cmd_flag(arg, "BW"),
        "SM": lambda self, arg: self._cmd_flag(arg, "SM"),
        "MI": lambda self, arg: self._cmd_number(arg, "MI", 100, 1275),
        "PR": _cmd_pr,
        "PS": _cmd_ps,
        "GW": _cmd_gw,
    }

    def summary_line(self) -> str:
        """The 34-field PS=1 summary from the last value seen for each id."""
        fields = []
        for data_id in SUMMARY_IDS_V5:
            data = self._last_seen.get(data_id, 0)
            high, low = data >> 8, data & 0xFF
            encoding = data_id_info(data_id).encoding.value
            if data_id in (71, 77):
                fields.append(str(low))
            elif encoding == "f8.8":
                signed = data - 0x10000 if data_id == 27 and data & 0x8000 else data
                fields.append(format_f88(signed / 256))
            elif encoding == "u16":
                fields.append(str(data))
            elif encoding == "s16":
                fields.append(str(data - 0x10000 if data & 0x8000 else data))
            elif encoding == "flag8/flag8":
                fields.append(f"{high:08b}/{low:08b}")
            elif encoding == "s8/s8":
                fields.append(f"{_signed8(high)}/{_signed8(low)}")
            else:
                fields.append(f"{high}/{low}")
        return ",".join(fields)
