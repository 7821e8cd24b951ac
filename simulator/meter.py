"""A smart meter that pushes real-format telegrams of a simulated household.

Formats: `mbus` (Austrian Kaifa-style encrypted M-Bus push, flat layout), `hdlc`
(Iskra/Kaifa-style HDLC push, nested layout, plain or encrypted), `dsmr` (DSMR 5 P1
text) and `smarty` (Luxembourg encrypted P1). The household model lives on across
connections, so counters continue when a client reconnects.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
import logging
import math
import random
import time
from zoneinfo import ZoneInfo

from . import meter_encoding as enc
from .household import HouseholdModel, MeterReading

_LOGGER = logging.getLogger(__name__)

DEMO_KEY = bytes.fromhex("4C4F43414C475249442D44454D4F2D31")  # "LOCALGRID-DEMO-1"
DEMO_SERIAL = "1SIM0123456789"
GAS_SERIAL = "2SIM0987654321"


class MeterFormat(StrEnum):
    MBUS = "mbus"
    HDLC = "hdlc"
    DSMR = "dsmr"
    SMARTY = "smarty"


class Fault(StrEnum):
    GARBAGE = "garbage"  # random bytes before the telegram
    CORRUPT = "corrupt"  # one bit flipped inside the telegram
    WRONG_KEY = "wrong_key"  # encrypted with another key (encrypted formats only)
    DROP = "drop"  # half a telegram, then the connection is cut (TCP only)


_DEFAULTS: dict[MeterFormat, tuple[float, str, bytes]] = {
    # push interval (s), time zone, maker code of the system title
    MeterFormat.MBUS: (5.0, "Europe/Vienna", b"KFM"),
    MeterFormat.HDLC: (10.0, "Europe/Vienna", b"ISK"),
    MeterFormat.DSMR: (1.0, "Europe/Amsterdam", b"ISK"),
    MeterFormat.SMARTY: (10.0, "Europe/Luxembourg", b"SAG"),
}


def _as_key(value: bytes | str | None) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return bytes.fromhex(value)


class SimulatedClock:
    """Wall-clock time, `speed` times faster, starting at `start`."""

    def __init__(self, start: datetime | None = None, speed: float = 1.0) -> None:
        self.start = start or datetime.now(UTC)
        self.speed = speed
        self._origin = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._origin) * self.speed)


@dataclass(slots=True)
class MeterStats:
    telegrams_sent: int = 0
    """Every telegram written, good or faulty."""
    good_telegrams: int = 0
    """Complete, valid telegrams a decoder must decode."""
    corrupt_telegrams: int = 0
    wrong_key_telegrams: int = 0
    garbage_bursts: int = 0
    garbage_bytes: int = 0
    drops: int = 0
    connections: int = 0


@dataclass(frozen=True, slots=True)
class EncodedTelegram:
    """One telegram on the wire and the values it carries, as encoded."""

    frames: list[bytes]
    values: dict[str, tuple[Decimal, str]]
    """OBIS `A-B:C.D.E` -> (value, unit on the wire) for numbers."""
    reading: MeterReading
    frame_counter: int | None = None

    @property
    def data(self) -> bytes:
        return b"".join(self.frames)


@dataclass(frozen=True, slots=True)
class _Quantity:
    obis: str
    scaler: int
    unit: int
    tag: int
    get: Callable[[MeterReading], float]


def _phase(index: int, name: str) -> Callable[[MeterReading], float]:
    return lambda reading: float(getattr(reading.phases[index], name))


def _phase_quantities() -> list[_Quantity]:
    quantities = []
    for index, (voltage, current, plus, minus) in enumerate(
        [("32", "31", "21", "22"), ("52", "51", "41", "42"), ("72", "71", "61", "62")]
    ):
        quantities += [
            _Quantity(f"1.0.{voltage}.7.0.255", -1, enc.UNIT_V, enc.TAG_UINT16,
                      _phase(index, "voltage")),
            _Quantity(f"1.0.{current}.7.0.255", -2, enc.UNIT_A, enc.TAG_UINT16,
                      _phase(index, "current")),
            _Quantity(f"1.0.{plus}.7.0.255", 0, enc.UNIT_W, enc.TAG_UINT32,
                      _phase(index, "power_import")),
            _Quantity(f"1.0.{minus}.7.0.255", 0, enc.UNIT_W, enc.TAG_UINT32,
                      _phase(index, "power_export")),
        ]  # fmt: skip
    return quantities


# What the DLMS formats push, in the order Kaifa meters use (energies first).
DLMS_QUANTITIES: list[_Quantity] = [
    _Quantity("1.0.1.8.0.255", 0, enc.UNIT_WH, enc.TAG_UINT32, lambda r: r.energy_import),
    _Quantity("1.0.2.8.0.255", 0, enc.UNIT_WH, enc.TAG_UINT32, lambda r: r.energy_export),
    _Quantity("1.0.1.8.1.255", 0, enc.UNIT_WH, enc.TAG_UINT32,
              lambda r: r.energy_import_tariff[0]),
    _Quantity("1.0.1.8.2.255", 0, enc.UNIT_WH, enc.TAG_UINT32,
              lambda r: r.energy_import_tariff[1]),
    _Quantity("1.0.2.8.1.255", 0, enc.UNIT_WH, enc.TAG_UINT32,
              lambda r: r.energy_export_tariff[0]),
    _Quantity("1.0.2.8.2.255", 0, enc.UNIT_WH, enc.TAG_UINT32,
              lambda r: r.energy_export_tariff[1]),
    _Quantity("1.0.3.8.0.255", 0, enc.UNIT_VARH, enc.TAG_UINT32,
              lambda r: r.reactive_energy_import),
    _Quantity("1.0.4.8.0.255", 0, enc.UNIT_VARH, enc.TAG_UINT32,
              lambda r: r.reactive_energy_export),
    _Quantity("1.0.1.7.0.255", 0, enc.UNIT_W, enc.TAG_UINT32, lambda r: r.power_import),
    _Quantity("1.0.2.7.0.255", 0, enc.UNIT_W, enc.TAG_UINT32, lambda r: r.power_export),
    _Quantity("1.0.3.7.0.255", 0, enc.UNIT_VAR, enc.TAG_UINT32,
              lambda r: r.reactive_power_import),
    _Quantity("1.0.4.7.0.255", 0, enc.UNIT_VAR, enc.TAG_UINT32,
              lambda r: r.reactive_power_export),
    *_phase_quantities(),
    _Quantity("1.0.13.7.0.255", -3, enc.UNIT_NONE, enc.TAG_UINT16, lambda r: r.power_factor),
    _Quantity("1.0.14.7.0.255", -2, enc.UNIT_HZ, enc.TAG_UINT16, lambda r: r.frequency),
]  # fmt: skip

_UNIT_NAMES = {
    enc.UNIT_W: "W",
    enc.UNIT_VAR: "var",
    enc.UNIT_WH: "Wh",
    enc.UNIT_VARH: "varh",
    enc.UNIT_A: "A",
    enc.UNIT_V: "V",
    enc.UNIT_HZ: "Hz",
    enc.UNIT_NONE: "",
}


def _raw(value: float, scaler: int) -> int:
    """The integer register value; counters are floored so they never run ahead."""
    scaled = value / 10.0**scaler
    return math.floor(scaled + 1e-9) if scaler >= 0 else round(scaled)


def _short_obis(code: str) -> str:
    a, b, c, d, e, _ = code.split(".")
    return f"{a}-{b}:{c}.{d}.{e}"


def _dsmr_time(when: datetime) -> str:
    return when.strftime("%y%m%d%H%M%S") + ("S" if when.dst() else "W")


def _kilo(value: float, width: int) -> str:
    """kWh/kW with three decimals, floored: `000123.456`."""
    return f"{math.floor(value + 1e-9) / 1000:0{width}.3f}"


class MeterSimulator:
    """A meter pushing telegrams of a `HouseholdModel` to every connection it is given.

    `key`: AES-128 key (bytes or hex; None = plain, not for smarty; ignored for dsmr);
    `auth_key`: adds the GCM tag (SC 0x30; smarty defaults to its fixed key);
    `interval`: simulated seconds between pushes (mbus 5, hdlc 10, dsmr 1, smarty 10);
    `speed`: time acceleration; `start`/`clock`: simulated time (aware datetimes);
    `frame_counter`: the first encrypted telegram's counter; `*_rate`: chance per
    telegram of each `Fault`. `stats` counts what was sent.
    """

    def __init__(
        self,
        format: MeterFormat | str = MeterFormat.MBUS,
        *,
        key: bytes | str | None = DEMO_KEY,
        auth_key: bytes | str | None = None,
        serial_number: str = DEMO_SERIAL,
        system_title: bytes | None = None,
        interval: float | None = None,
        speed: float = 1.0,
        seed: int | None = None,
        start: datetime | None = None,
        timezone: str | None = None,
        clock: Callable[[], datetime] | None = None,
        frame_counter: int = 1,
        garbage_rate: float = 0.0,
        corrupt_rate: float = 0.0,
        wrong_key_rate: float = 0.0,
        drop_rate: float = 0.0,
    ) -> None:
        self.format = MeterFormat(format)
        default_interval, default_zone, maker = _DEFAULTS[self.format]
        self.key = None if self.format is MeterFormat.DSMR else _as_key(key)
        if self.format is MeterFormat.SMARTY and self.key is None:
            raise ValueError("smarty meters always encrypt: give a key")
        self.auth_key = _as_key(auth_key)
        if self.format is MeterFormat.SMARTY and self.auth_key is None:
            self.auth_key = enc.SMARTY_AUTH_KEY
        self.serial_number = serial_number
        self.system_title = system_title or maker + b"\x00" + (
            int.from_bytes(serial_number.encode()[-8:], "big") & 0xFFFFFFFF
        ).to_bytes(4, "big")
        self.interval = interval or default_interval
        self.speed = speed
        self.zone = ZoneInfo(timezone or default_zone)
        self.clock = clock or SimulatedClock(start, speed)
        self.frame_counter = frame_counter
        self.invoke_id = 0x00010000
        self.rates = {
            Fault.GARBAGE: garbage_rate,
            Fault.CORRUPT: corrupt_rate,
            Fault.WRONG_KEY: wrong_key_rate,
            Fault.DROP: drop_rate,
        }
        self.stats = MeterStats()
        self._rng = random.Random(seed)
        self._faults: deque[Fault] = deque()
        model_start = start if start is not None else self.clock()
        self.model = HouseholdModel(model_start.astimezone(self.zone), seed=seed)

    # --- telegrams ----------------------------------------------------------------

    def inject(self, *faults: Fault) -> None:
        """Apply these faults to the next telegram (in addition to the random ones)."""
        self._faults.extend(faults)

    def reading_at(self, when: datetime | None = None) -> MeterReading:
        """Advance the household to `when` (default: the clock) and read the meter."""
        self.model.advance_to((when or self.clock()).astimezone(self.zone))
        return self.model.reading()

    def telegram(
        self, reading: MeterReading | None = None, *, key: bytes | None = None
    ) -> EncodedTelegram:
        """Encode one telegram (the next frame counter); `key` overrides the meter's key."""
        reading = reading or self.reading_at()
        key = key or self.key
        if self.format in (MeterFormat.DSMR, MeterFormat.SMARTY):
            return self._p1_telegram(reading, key)
        return self._dlms_telegram(reading, key)

    def _registers(self, reading: MeterReading) -> list[enc.Register]:
        return [
            enc.Register(q.obis, _raw(q.get(reading), q.scaler), q.scaler, q.unit, q.tag)
            for q in DLMS_QUANTITIES
        ]

    def _cipher(self, apdu: bytes, key: bytes) -> tuple[bytes, int]:
        """Encrypt with the next frame counter; with an authentication key, also sign."""
        counter = self.frame_counter
        self.frame_counter = (counter + 1) & 0xFFFFFFFF
        ciphered = enc.glo_cipher(
            apdu,
            key=key,
            system_title=self.system_title,
            frame_counter=counter,
            security_control=enc.SC_ENCRYPTED_AUTHENTICATED if self.auth_key else enc.SC_ENCRYPTED,
            auth_key=self.auth_key,
        )
        return ciphered, counter

    def _dlms_telegram(self, reading: MeterReading, key: bytes | None) -> EncodedTelegram:
        registers = self._registers(reading)
        when = reading.time.replace(microsecond=0)
        serial = self.serial_number.encode("ascii")
        if self.format is MeterFormat.MBUS:
            body = enc.flat_layout(when, registers, serial)
        else:
            body = enc.nested_layout(registers, [("0.0.96.1.0.255", serial)], clock=when)
        self.invoke_id = (self.invoke_id + 1) & 0xFFFFFFFF
        apdu = enc.data_notification(self.invoke_id, body, when)
        counter = None
        if key is not None:
            apdu, counter = self._cipher(apdu, key)
        if self.format is MeterFormat.MBUS:
            frames = enc.mbus_frames(apdu)
        else:
            frames = enc.hdlc_frames(apdu, destination=b"\x41", source=b"\x08\x83")
        values = {
            _short_obis(r.obis): (Decimal(r.value).scaleb(r.scaler), _UNIT_NAMES[r.unit])
            for r in registers
        }
        return EncodedTelegram(frames, values, reading, counter)

    def _p1_lines(
        self, reading: MeterReading
    ) -> tuple[str, list[str], dict[str, tuple[Decimal, str]]]:
        """DSMR 5.0.2 (NL) or Smarty (LU) data lines, and the numbers they carry."""
        when = reading.time
        values: dict[str, tuple[Decimal, str]] = {}

        def kilo(code: str, wh: float, width: int, unit: str) -> str:
            text = _kilo(wh, width)
            values[code] = (Decimal(text), unit)
            return f"{code}({text}*{unit})"

        phase_codes = (("32", "31", "21", "22"), ("52", "51", "41", "42"), ("72", "71", "61", "62"))
        voltages, currents, imports, exports = [], [], [], []
        for phase, (volt, amp, plus, minus) in zip(reading.phases, phase_codes, strict=True):
            voltage = f"{phase.voltage:05.1f}"
            values[f"1-0:{volt}.7.0"] = (Decimal(voltage), "V")
            voltages.append(f"1-0:{volt}.7.0({voltage}*V)")
            current = f"{round(phase.current):03d}"  # DSMR 5: whole amperes
            values[f"1-0:{amp}.7.0"] = (Decimal(current), "A")
            currents.append(f"1-0:{amp}.7.0({current}*A)")
            imports.append(kilo(f"1-0:{plus}.7.0", phase.power_import, 6, "kW"))
            exports.append(kilo(f"1-0:{minus}.7.0", phase.power_export, 6, "kW"))
        phase_lines = voltages + currents + imports + exports

        serial_hex = self.serial_number.encode("ascii").hex().upper()
        stamp = f"0-0:1.0.0({_dsmr_time(when)})"
        if self.format is MeterFormat.SMARTY:
            header = f"Lux5\\{self.serial_number[-9:]}_D"
            lines = [
                "1-3:0.2.8(42)",
                stamp,
                f"0-0:42.0.0({serial_hex})",
                kilo("1-0:1.8.0", reading.energy_import, 10, "kWh"),
                kilo("1-0:2.8.0", reading.energy_export, 10, "kWh"),
                kilo("1-0:3.8.0", reading.reactive_energy_import, 10, "kvarh"),
                kilo("1-0:4.8.0", reading.reactive_energy_export, 10, "kvarh"),
                kilo("1-0:1.7.0", reading.power_import, 6, "kW"),
                kilo("1-0:2.7.0", reading.power_export, 6, "kW"),
                kilo("1-0:3.7.0", reading.reactive_power_import, 6, "kvar"),
                kilo("1-0:4.7.0", reading.reactive_power_export, 6, "kvar"),
                "0-0:96.3.10(1)",
                "0-0:96.7.21(00003)",
                "0-0:96.13.0()",
                *phase_lines,
            ]
            return header, lines, values
        gas = f"{reading.gas:09.3f}"
        values["0-1:24.2.1"] = (Decimal(gas), "m3")
        lines = [
            "1-3:0.2.8(50)",
            stamp,
            f"0-0:96.1.1({serial_hex})",
            kilo("1-0:1.8.1", reading.energy_import_tariff[0], 10, "kWh"),
            kilo("1-0:1.8.2", reading.energy_import_tariff[1], 10, "kWh"),
            kilo("1-0:2.8.1", reading.energy_export_tariff[0], 10, "kWh"),
            kilo("1-0:2.8.2", reading.energy_export_tariff[1], 10, "kWh"),
            f"0-0:96.14.0({reading.tariff:04d})",
            kilo("1-0:1.7.0", reading.power_import, 6, "kW"),
            kilo("1-0:2.7.0", reading.power_export, 6, "kW"),
            "0-0:96.7.21(00004)",
            "0-0:96.7.9(00002)",
            "1-0:99.97.0(0)(0-0:96.7.19)",
            "1-0:32.32.0(00000)",
            "1-0:52.32.0(00000)",
            "1-0:72.32.0(00000)",
            "1-0:32.36.0(00000)",
            "1-0:52.36.0(00000)",
            "1-0:72.36.0(00000)",
            "0-0:96.13.0()",
            *phase_lines,
            "0-1:24.1.0(003)",
            f"0-1:96.1.0({GAS_SERIAL.encode('ascii').hex().upper()})",
            f"0-1:24.2.1({_dsmr_time(reading.gas_time)})({gas}*m3)",
        ]
        return "ISK5\\2M550E-1012", lines, values

    def _p1_telegram(self, reading: MeterReading, key: bytes | None) -> EncodedTelegram:
        header, lines, values = self._p1_lines(reading)
        text = enc.dsmr_telegram(header, lines)
        if self.format is MeterFormat.DSMR:
            return EncodedTelegram([text], values, reading)
        assert key is not None  # smarty always encrypts (checked in __init__)
        apdu, counter = self._cipher(text, key)  # SC 0x30 with the Smarty auth key
        return EncodedTelegram([apdu], values, reading, counter)

    # --- faults -------------------------------------------------------------------

    def _faults_for_next(self) -> set[Fault]:
        faults = set(self._faults)
        self._faults.clear()
        faults.update(fault for fault, rate in self.rates.items() if self._rng.random() < rate)
        return faults

    def _garbage(self) -> bytes:
        """Line noise: any bytes, false frame starts included, as a real line has."""
        return self._rng.randbytes(self._rng.randint(1, 48))

    def _corrupt(self, frames: list[bytes]) -> list[bytes]:
        """Flip one bit inside the payload, never in the bytes that delimit frames."""
        frame = bytearray(frames[0])
        if self.format is MeterFormat.DSMR:
            end = frame.find(b"!")  # the CRC after it stays as sent
            digits = [i for i, b in enumerate(frame[:end]) if 0x30 <= b <= 0x39]
            index = self._rng.choice(digits)
            frame[index] = 0x30 + (frame[index] - 0x30 + self._rng.randint(1, 9)) % 10
        else:
            start = {MeterFormat.MBUS: 9, MeterFormat.HDLC: 12, MeterFormat.SMARTY: 20}
            index = self._rng.randrange(start[self.format], len(frame) - 3)
            frame[index] ^= 1 << self._rng.randrange(8)
        return [bytes(frame), *frames[1:]]

    def _wrong_key(self) -> bytes:
        assert self.key is not None
        return bytes(b ^ 0x5A for b in self.key)

    # --- streaming ----------------------------------------------------------------

    async def _wait_for_next_push(self) -> None:
        """Sleep until the next push on the meter's schedule (aligned to the interval)."""
        now = self.clock().timestamp()
        due = (math.floor(now / self.interval) + 1) * self.interval
        await asyncio.sleep(max(0.0, (due - now) / self.speed))

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Push telegrams to one connection until it closes (or a DROP fault cuts it)."""
        self.stats.connections += 1
        is_socket = writer.get_extra_info("peername") is not None
        # drain() then waits until the kernel has the bytes: a telegram counted as good
        # cannot be lost in our buffer when the connection is cut afterwards.
        writer.transport.set_write_buffer_limits(high=0)
        while not writer.is_closing():
            await self._wait_for_next_push()
            faults = self._faults_for_next()
            if Fault.DROP in faults and not is_socket:
                faults.discard(Fault.DROP)  # a serial line has no connection to cut
            encrypted = self.key is not None
            wrong_key = Fault.WRONG_KEY in faults and encrypted
            telegram = self.telegram(key=self._wrong_key() if wrong_key else None)
            frames = telegram.frames
            if Fault.CORRUPT in faults:
                frames = self._corrupt(frames)
            data = b"".join(frames)
            if Fault.GARBAGE in faults:
                noise = self._garbage()
                self.stats.garbage_bursts += 1
                self.stats.garbage_bytes += len(noise)
                data = noise + data
            if Fault.DROP in faults:
                writer.write(data[: len(data) // 2])
                await writer.drain()
                self.stats.telegrams_sent += 1
                self.stats.drops += 1
                writer.transport.abort()
                return
            writer.write(data)
            await writer.drain()
            self.stats.telegrams_sent += 1
            if Fault.CORRUPT in faults:
                self.stats.corrupt_telegrams += 1
            elif wrong_key:
                self.stats.wrong_key_telegrams += 1
            else:
                self.stats.good_telegrams += 1
