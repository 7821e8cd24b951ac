"""An asyncio client for the OpenTherm Gateway, independent of Home Assistant.

    client = OTGWClient(opener)            # opener: async () -> (StreamReader, StreamWriter)
    client = OTGWClient.from_streams(reader, writer)
    info = await client.start()            # PS=0, PR=A, PR=W, PR=O; returns GatewayInfo
    client.add_listener(on_state)          # called with the GatewayState after each change
    client.add_availability_listener(cb)   # cb(True) when up, cb(False) when lost/silent
    await client.set_room_setpoint(20.5)   # TT (TC with constant=True); 0 cancels
    await client.set_dhw_setpoint(55)      # SW
    await client.set_hot_water(HotWaterMode.ON)         # HW=1 / 0 / A
    await client.set_control_setpoint(45)  # CS, re-sent every `keepalive_interval` s
    await client.set_outside_temperature(4.5)           # OT; None clears
    await client.set_max_modulation(60)    # MM; None clears
    await client.read_summary()            # PS=1/PS=0: every summary id at once
    await client.refresh_overrides()       # PR=O, PR=W: overrides the gateway holds
    await client.close()                   # releases every override this client set

Commands go one at a time; each waits `command_timeout` seconds for its reply (matched
on the echoed code, and on the letter for PR) and is sent up to `attempts` times after a
timeout or a transmission error (SE, OE). A definite refusal (NG, BV, OR, NS, NF) is
raised at once as a `CommandError` subclass; resending the same text cannot change it.
Each setter returns the value the gateway confirmed.

The watchdog tells a silent gateway from a quiet one: after `silence_timeout` seconds
without any line it probes with PR=A (twice); only an unanswered probe declares it dead
(availability False, connection closed). Time is loop time, and a check that woke up
late (the event loop was busy) is skipped, so a busy Home Assistant causes no false alarm.
Reconnecting is the caller's job: call `start()` again; a held control setpoint is
re-applied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
from enum import StrEnum
import logging
from typing import Any, Final

from .opentherm import (
    ErrorCode,
    Frame,
    Invalid,
    LineSplitter,
    Message,
    MessageKind,
    Reply,
    Summary,
    classify,
    format_f88,
)
from .otgw_state import GatewayState, SetpointOverride

_LOGGER = logging.getLogger(__name__)

type Opener = Callable[[], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
type StateListener = Callable[[GatewayState], None]
type AvailabilityListener = Callable[[bool], None]

BANNER: Final = "OpenTherm Gateway"
CONTROL_SETPOINT_LAPSE: Final = 8.0
"""The gateway drops a CS override of this many °C or more unless it is repeated."""


class OTGWError(Exception):
    """Base class of the client's errors."""


class GatewayConnectionError(OTGWError):
    """Not connected, or the connection was lost while waiting."""


class GatewayTimeoutError(OTGWError):
    """The gateway did not answer a command in time, on any attempt."""


class NotAGatewayError(OTGWError):
    """The device answered, but not like an OpenTherm Gateway."""


class CommandError(OTGWError):
    """The gateway refused a command; `error` is its code."""

    error: ErrorCode = ErrorCode.SE

    def __init__(self, command: str, error: ErrorCode | None = None) -> None:
        if error is not None:
            self.error = error
        self.command = command
        super().__init__(f"{command}: {self.error.value} ({self.error.description})")


class UnknownCommandError(CommandError):
    error = ErrorCode.NG


class CommandSyntaxError(CommandError):
    error = ErrorCode.SE


class BadValueError(CommandError):
    error = ErrorCode.BV


class OutOfRangeError(CommandError):
    error = ErrorCode.OR


class NoSpaceError(CommandError):
    error = ErrorCode.NS


class NotFoundError(CommandError):
    error = ErrorCode.NF


class OverrunError(CommandError):
    error = ErrorCode.OE


_ERROR_CLASSES: Final[dict[ErrorCode, type[CommandError]]] = {
    ErrorCode.NG: UnknownCommandError,
    ErrorCode.SE: CommandSyntaxError,
    ErrorCode.BV: BadValueError,
    ErrorCode.OR: OutOfRangeError,
    ErrorCode.NS: NoSpaceError,
    ErrorCode.NF: NotFoundError,
    ErrorCode.OE: OverrunError,
}
_RETRYABLE: Final = frozenset({ErrorCode.SE, ErrorCode.OE})  # garbled on the way


class HotWaterMode(StrEnum):
    """The gateway's domestic hot water override (HW)."""

    OFF = "0"
    ON = "1"
    THERMOSTAT = "A"  # no override: the thermostat decides


@dataclass(frozen=True, slots=True)
class GatewayInfo:
    """What start-up learned: the banner and the firmware version in it."""

    banner: str
    firmware: str


@dataclass(slots=True)
class LineCounters:
    """How many lines of each kind arrived; `invalid` counts dropped lines."""

    frames: int = 0
    replies: int = 0
    messages: int = 0
    summaries: int = 0
    invalid: int = 0
    overlong: int = 0
    line_errors: int = 0


@dataclass(slots=True)
class _Pending:
    code: str
    letter: str  # PR replies must also match the letter asked for
    future: asyncio.Future[str]


def _temperature(value: float) -> str:
    return format_f88(value)


def _parse_float(command: str, text: str) -> float | None:
    if text == "-":
        return None
    try:
        return float(text)
    except ValueError:
        raise NotAGatewayError(f"{command}: unexpected reply {text!r}") from None


def _gateway_info(banner: str) -> GatewayInfo:
    if not banner.startswith(BANNER):
        raise NotAGatewayError(f"unexpected banner {banner!r}")
    return GatewayInfo(banner, banner.removeprefix(BANNER).strip())


class OTGWClient:
    """One connection to an OpenTherm Gateway; see the module docstring."""

    def __init__(
        self,
        opener: Opener,
        *,
        command_timeout: float = 3.0,
        attempts: int = 3,
        silence_timeout: float = 10.0,
        keepalive_interval: float = 45.0,
    ) -> None:
        self._opener = opener
        self.command_timeout = command_timeout
        self.attempts = attempts
        self.silence_timeout = silence_timeout
        self.keepalive_interval = keepalive_interval
        self.state = GatewayState()
        self.info: GatewayInfo | None = None
        self.counters = LineCounters()
        self._listeners: list[StateListener] = []
        self._availability_listeners: list[AvailabilityListener] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._keepalive: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._pending: _Pending | None = None
        self._summary: asyncio.Future[Summary] | None = None
        self._last_line = 0.0
        self._available = False
        self._closing = False
        self._held: dict[str, str] = {}  # overrides this client set: code -> release arg
        self._control_setpoint: float | None = None
        self._disconnected = asyncio.Event()
        self._disconnected.set()

    @classmethod
    def from_streams(
        cls,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        **options: Any,
    ) -> OTGWClient:
        """A client on an already open connection (it cannot reopen it)."""
        used = False

        async def opener() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            nonlocal used
            if used:
                raise GatewayConnectionError("the given streams were already used")
            used = True
            return reader, writer

        return cls(opener, **options)

    # Listeners.
    def add_listener(self, listener: StateListener) -> Callable[[], None]:
        """Call `listener(state)` after each state change; returns the remover."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def add_availability_listener(self, listener: AvailabilityListener) -> Callable[[], None]:
        """Call `listener(available)` when the gateway comes up or is lost."""
        self._availability_listeners.append(listener)
        return lambda: self._availability_listeners.remove(listener)

    @property
    def available(self) -> bool:
        """Connected and heard from (or answering probes)."""
        return self._available

    @property
    def connected(self) -> bool:
        return not self._disconnected.is_set()

    async def wait_disconnected(self) -> None:
        """Return when the connection is gone (lost, declared dead or closed)."""
        await self._disconnected.wait()

    # Life cycle.
    async def start(self) -> GatewayInfo:
        """Connect and learn the firmware version; raises OTGWError on failure."""
        if self.connected:
            raise GatewayConnectionError("already connected")
        await self._disconnect()  # what is left of a lost connection
        try:
            self._reader, self._writer = await self._opener()
        except OSError as err:
            raise GatewayConnectionError(str(err)) from err
        self._closing = False
        self._disconnected.clear()
        self._last_line = asyncio.get_running_loop().time()
        self._tasks = [
            asyncio.create_task(self._read_loop(self._reader), name="otgw-reader"),
        ]
        try:
            # A client that died in PS=1 leaves the gateway mute: undo that first.
            await self.command("PS", "0")
            self.info = _gateway_info(await self.command("PR", "A"))
            self.state.firmware = self.info.firmware
            self._learn_hot_water(await self.command("PR", "W"))
            self._learn_override(await self.command("PR", "O"))
            if self._control_setpoint is not None:
                await self.set_control_setpoint(self._control_setpoint)
        except BaseException:
            await self._disconnect()
            raise
        self._tasks.append(asyncio.create_task(self._watchdog(), name="otgw-watchdog"))
        self._set_available(True)
        self._notify()
        return self.info

    async def close(self, release: bool = True) -> None:
        """Release every override this client set (unless told not to) and disconnect."""
        if self.connected and release and not self._closing:
            self._closing = True
            self._stop_keepalive()
            self._control_setpoint = None
            for code, arg in list(self._held.items()):
                with contextlib.suppress(OTGWError):
                    await self.command(code, arg, attempts=1)
            self._held.clear()
        self._stop_keepalive()
        await self._disconnect()

    async def _disconnect(self) -> None:
        self._closing = True
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        for task in self._tasks:
            if task is not current:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks = []
        self._connection_lost()
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
            self._writer = None

    def _connection_lost(self) -> None:
        if self._pending is not None and not self._pending.future.done():
            self._pending.future.set_exception(GatewayConnectionError("connection lost"))
        self._disconnected.set()
        self._set_available(False)

    def _set_available(self, available: bool) -> None:
        if available == self._available:
            return
        self._available = available
        # Debug only: the user-facing "lost"/"back" lines are the application's to log, once.
        _LOGGER.debug("OpenTherm Gateway %savailable", "" if available else "un")
        for listener in list(self._availability_listeners):
            try:
                listener(available)
            except Exception:
                _LOGGER.exception("OpenTherm Gateway availability listener failed")

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener(self.state)
            except Exception:  # a broken listener must not stop the reader
                _LOGGER.exception("OpenTherm Gateway state listener failed")

    # Reading.
    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        splitter = LineSplitter()
        loop = asyncio.get_running_loop()
        first = True
        try:
            while data := await reader.read(4096):
                self._last_line = loop.time()
                overlong = splitter.overlong
                changed = False
                for line in splitter.feed(data):
                    changed |= self._handle_line(line, first)
                    first = False
                self.counters.overlong += splitter.overlong - overlong
                if changed:
                    self._notify()
        except (OSError, asyncio.IncompleteReadError) as err:
            _LOGGER.debug("OpenTherm Gateway connection error: %s", err)
        if not self._closing:
            _LOGGER.debug("OpenTherm Gateway closed the connection")
        self._connection_lost()

    def _handle_line(self, text: str, first: bool = False) -> bool:
        line = classify(text)
        counters = self.counters
        if first and isinstance(line, Invalid):
            return False  # the tail of a line sent before we connected
        if isinstance(line, Frame):
            counters.frames += 1
            return self.state.apply(line)
        if isinstance(line, Reply):
            counters.replies += 1
            self._resolve(line)
            return False
        if isinstance(line, Message):
            counters.messages += 1
            if line.kind is MessageKind.LINE_ERROR:
                counters.line_errors += 1
            elif line.kind is MessageKind.BANNER:
                self.state.firmware = line.detail
            _LOGGER.debug("OpenTherm Gateway says %r", line.text)
            return False
        if isinstance(line, Invalid):
            if counters.invalid == 0:
                _LOGGER.info("Dropped a line from the OpenTherm Gateway: %r", text)
            counters.invalid += 1
            return False
        counters.summaries += 1
        if self._summary is not None and not self._summary.done():
            self._summary.set_result(line)
        return False

    def _resolve(self, reply: Reply) -> None:
        pending = self._pending
        if pending is None or pending.future.done():
            return
        if reply.code == "":
            if reply.error is not None:  # bare SE/OE: about the command just sent
                pending.future.set_exception(_ERROR_CLASSES[reply.error](pending.code))
            return
        if reply.code != pending.code:
            return
        if reply.error is not None:
            pending.future.set_exception(_ERROR_CLASSES[reply.error](pending.code))
            return
        if pending.letter:
            letter, _, value = reply.value.partition("=")
            if letter.upper() != pending.letter:
                return
            pending.future.set_result(value)
            return
        pending.future.set_result(reply.value)

    # Commands.
    async def command(
        self,
        code: str,
        arg: str,
        *,
        attempts: int | None = None,
        reply_timeout: float | None = None,
    ) -> str:
        """Send `code=arg` and return the gateway's confirmed value text."""
        code = code.upper()
        letter = arg[:1].upper() if code == "PR" else ""
        tries = attempts or self.attempts
        last: OTGWError = GatewayTimeoutError(f"{code}={arg}: no reply")
        async with self._lock:
            loop = asyncio.get_running_loop()
            for attempt in range(tries):
                writer = self._writer
                if writer is None or not self.connected:
                    raise GatewayConnectionError("not connected")
                future: asyncio.Future[str] = loop.create_future()
                self._pending = _Pending(code, letter, future)
                try:
                    writer.write(f"{code}={arg}\r".encode("ascii"))
                    await writer.drain()
                    async with asyncio.timeout(reply_timeout or self.command_timeout):
                        return await future
                except TimeoutError:
                    last = GatewayTimeoutError(f"{code}={arg}: no reply")
                except CommandError as err:
                    if err.error not in _RETRYABLE:
                        raise
                    last = err
                except OSError as err:
                    raise GatewayConnectionError(str(err)) from err
                finally:
                    self._pending = None
                _LOGGER.debug("%s=%s failed (%s), attempt %d", code, arg, last, attempt + 1)
        raise last

    def _learn_hot_water(self, value: str) -> None:
        self.state.hot_water_override = value if value in ("A", "0", "1") else None

    def _learn_override(self, value: str) -> None:
        if not value or value[0] in "Nn":
            self.state.setpoint_override = None
            return
        with contextlib.suppress(ValueError):
            self.state.setpoint_override = SetpointOverride(
                float(value[1:]), constant=value[0] in "Cc", accepted=value[0].isupper()
            )

    # Setters: each returns what the gateway confirmed.
    async def set_room_setpoint(self, setpoint: float, *, constant: bool = False) -> float:
        """Override the thermostat's room setpoint (TT temporary / TC constant); 0 cancels."""
        code = "TC" if constant else "TT"
        confirmed = _parse_float(code, await self.command(code, _temperature(setpoint))) or 0.0
        if confirmed:
            self.state.setpoint_override = SetpointOverride(confirmed, constant, accepted=False)
            self._held["TT"] = "0"
        else:
            self.state.setpoint_override = None
            self._held.pop("TT", None)
        self._notify()
        return confirmed

    async def set_dhw_setpoint(self, setpoint: float) -> float:
        """Set the boiler's hot water setpoint (SW, stored in the gateway's EEPROM)."""
        return _parse_float("SW", await self.command("SW", _temperature(setpoint))) or 0.0

    async def set_max_ch_setpoint(self, setpoint: float) -> float:
        """Set the boiler's maximum CH water setpoint (SH)."""
        return _parse_float("SH", await self.command("SH", _temperature(setpoint))) or 0.0

    async def set_hot_water(self, mode: HotWaterMode) -> HotWaterMode:
        """Force hot water off/on, or hand it back to the thermostat (HW)."""
        confirmed = HotWaterMode(await self.command("HW", mode.value))
        self.state.hot_water_override = confirmed.value
        if confirmed is HotWaterMode.THERMOSTAT:
            self._held.pop("HW", None)
        else:
            self._held["HW"] = HotWaterMode.THERMOSTAT.value
        self._notify()
        return confirmed

    async def set_control_setpoint(self, setpoint: float) -> float:
        """Override the flow temperature asked of the boiler (CS); 0 cancels.

        While set, the client repeats it every `keepalive_interval` seconds so the
        gateway does not drop it after a minute.
        """
        confirmed = _parse_float("CS", await self.command("CS", _temperature(setpoint))) or 0.0
        self.state.control_setpoint_override = confirmed or None
        if confirmed:
            self._control_setpoint = confirmed
            self._held["CS"] = "0"
            if confirmed >= CONTROL_SETPOINT_LAPSE and self._keepalive is None:
                self._keepalive = asyncio.create_task(self._keep_control_setpoint())
        else:
            self._control_setpoint = None
            self._held.pop("CS", None)
            self._stop_keepalive()
        self._notify()
        return confirmed

    async def set_central_heating(self, enable: bool) -> bool:
        """CH enable bit the gateway sends while the control setpoint override is on (CH)."""
        return await self.command("CH", "1" if enable else "0") == "1"

    async def set_outside_temperature(self, temperature: float | None) -> float | None:
        """Give the thermostat an outside temperature (OT); None clears it."""
        arg = "-" if temperature is None else _temperature(temperature)
        confirmed = _parse_float("OT", await self.command("OT", arg))
        self.state.outside_temperature_override = confirmed
        if confirmed is None:
            self._held.pop("OT", None)
        else:
            self._held["OT"] = "-"
        self._notify()
        return confirmed

    async def set_max_modulation(self, percent: int | None) -> int | None:
        """Limit the boiler's relative modulation (MM, 0-100 %); None clears it."""
        arg = "-" if percent is None else str(int(percent))
        confirmed = _parse_float("MM", await self.command("MM", arg))
        value = None if confirmed is None else int(confirmed)
        self.state.max_modulation_override = value
        if value is None:
            self._held.pop("MM", None)
        else:
            self._held["MM"] = "-"
        self._notify()
        return value

    async def firmware_setting(self, letter: str) -> str:
        """Read one PR= setting, e.g. `M` (gateway/monitor mode)."""
        return await self.command("PR", letter)

    async def read_summary(self) -> Summary:
        """Ask a PS=1 summary (reports pause meanwhile) and fill the state from it.

        Fills every summary id at once instead of waiting for the thermostat to ask
        them; zero fields are skipped (the firmware prints 0 for ids never seen).
        """
        self._summary = asyncio.get_running_loop().create_future()
        try:
            await self.command("PS", "1")
            async with asyncio.timeout(self.command_timeout):
                summary = await self._summary
        except TimeoutError:
            raise GatewayTimeoutError("PS=1: no summary line") from None
        finally:
            self._summary = None
            if self.connected:
                await self.command("PS", "0")
        if self.state.apply_summary(summary):
            self._notify()
        return summary

    async def refresh_overrides(self) -> None:
        """Ask the gateway which room setpoint and hot water overrides it holds now."""
        self._learn_override(await self.command("PR", "O"))
        self._learn_hot_water(await self.command("PR", "W"))
        self._notify()

    # Background tasks.
    async def _keep_control_setpoint(self) -> None:
        try:
            while (setpoint := self._control_setpoint) is not None:
                await asyncio.sleep(self.keepalive_interval)
                if self._control_setpoint != setpoint or not self.connected:
                    continue
                try:
                    await self.command("CS", _temperature(setpoint))
                except OTGWError as err:
                    _LOGGER.warning("Could not repeat the control setpoint: %s", err)
        finally:
            self._keepalive = None

    def _stop_keepalive(self) -> None:
        if self._keepalive is not None and self._keepalive is not asyncio.current_task():
            self._keepalive.cancel()
            self._keepalive = None

    async def _watchdog(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self.silence_timeout / 4
        while True:
            due = loop.time() + interval
            await asyncio.sleep(interval)
            if not self.connected:
                return  # lost meanwhile: only a new start() makes the gateway available
            now = loop.time()
            if now - due > interval:
                continue  # the loop was busy: lines may be waiting unread, look again
            if now - self._last_line < self.silence_timeout:
                self._set_available(True)
                continue
            try:
                await self.command("PR", "A", attempts=2)  # one lost reply is no death
            except GatewayConnectionError:
                return
            except OTGWError:
                _LOGGER.debug(
                    "OpenTherm Gateway silent for %.0f s and not answering",
                    now - self._last_line,
                )
                self._tasks.remove(asyncio.current_task())  # type: ignore[arg-type]
                await self._disconnect()
                return
            _LOGGER.debug("OpenTherm Gateway quiet but answering")
