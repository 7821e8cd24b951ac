"""The project's meter decoder reads every format the simulator sends, value for value.

Encoder and decoder were written independently from the standards; a mismatch here is a
bug on one side.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import serialx

from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.model import (
    DecodeFailure,
    FailureKind,
    Framing,
    Telegram,
)
from simulator.meter import DEMO_KEY, MeterFormat, MeterSimulator
from simulator.transport import PtyEndpoint, TcpEndpoint

START = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
AUTH_KEY = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
_TO_DECODER_UNITS = {
    "Wh": ("kWh", -3),
    "varh": ("kvarh", -3),
    "kW": ("W", 3),
    "kvar": ("var", 3),
    "m3": ("m³", 0),
}

CASES = {
    "mbus": ({"format": "mbus"}, Framing.MBUS),
    "mbus-auth": ({"format": "mbus", "auth_key": AUTH_KEY}, Framing.MBUS),
    "mbus-plain": ({"format": "mbus", "key": None}, Framing.MBUS),
    "hdlc": ({"format": "hdlc"}, Framing.HDLC),
    "hdlc-auth": ({"format": "hdlc", "auth_key": AUTH_KEY}, Framing.HDLC),
    "hdlc-plain": ({"format": "hdlc", "key": None}, Framing.HDLC),
    "dsmr": ({"format": "dsmr"}, Framing.DSMR),
    "smarty": ({"format": "smarty"}, Framing.DSMR),
}


def _normalised(value: Decimal, unit: str) -> tuple[Decimal, str]:
    unit, shift = _TO_DECODER_UNITS.get(unit, (unit, 0))
    return value.scaleb(shift), unit


def _decoder(meter: MeterSimulator) -> MeterDecoder:
    return MeterDecoder(key=meter.key, auth_key=meter.auth_key)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("hour", [0, 4, 10])
def test_decoder_reads_what_the_simulator_encoded(case: str, hour: int) -> None:
    kwargs, framing = CASES[case]
    meter = MeterSimulator(seed=hour, start=START, **kwargs)  # type: ignore[arg-type]
    telegram = meter.telegram(meter.reading_at(START + timedelta(hours=hour)))
    results = _decoder(meter).feed(telegram.data)
    assert len(results) == 1, results
    decoded = results[0]
    assert isinstance(decoded, Telegram), decoded
    assert decoded.framing is framing
    assert decoded.frame_counter == telegram.frame_counter
    if meter.key is not None:
        assert decoded.system_title == meter.system_title
        assert decoded.authenticated is (meter.auth_key is not None)
    assert decoded.payload.meter_id == meter.serial_number
    values = decoded.payload.values
    mismatches = {}
    for code, (value, unit) in telegram.values.items():
        expected = _normalised(value, unit)
        reading = values.get(code)
        got = None if reading is None else (reading.value, reading.unit)
        if got != expected:
            mismatches[code] = (expected, got)
    assert not mismatches
    assert decoded.payload.timestamp is not None
    assert decoded.payload.timestamp == telegram.reading.time.replace(microsecond=0)


def test_decoder_rejects_faulty_telegrams_and_keeps_good_ones() -> None:
    meter = MeterSimulator("mbus", seed=1, start=START)
    decoder = _decoder(meter)
    good = meter.telegram()
    wrong = meter.telegram(key=bytes(16))
    corrupt = meter._corrupt(meter.telegram().frames)
    results = decoder.feed(b"\x00\x01garbage" + wrong.data + b"".join(corrupt) + good.data)
    telegrams = [r for r in results if isinstance(r, Telegram)]
    failures = [r.kind for r in results if isinstance(r, DecodeFailure)]
    assert [t.frame_counter for t in telegrams] == [good.frame_counter]
    assert FailureKind.WRONG_KEY in failures
    assert FailureKind.CORRUPT in failures


@pytest.mark.parametrize("fmt", list(MeterFormat))
async def test_no_good_telegram_is_lost_over_tcp_with_faults(fmt: MeterFormat) -> None:
    """Garbage, flipped bits, wrong keys and dropped connections; every good one decodes."""
    meter = MeterSimulator(
        fmt,
        seed=11,
        start=START,
        interval=1.0,
        speed=2000.0,
        garbage_rate=0.3,
        corrupt_rate=0.1,
        wrong_key_rate=0.1,
        drop_rate=0.05,
    )
    decoded = 0
    stopped = False
    async with TcpEndpoint(meter.handle) as endpoint:
        while not stopped:
            decoder = _decoder(meter)
            reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
            try:
                while chunk := await asyncio.wait_for(reader.read(4096), 5):
                    decoded += sum(isinstance(r, Telegram) for r in decoder.feed(chunk))
                    if meter.stats.good_telegrams >= 40 and not stopped:
                        await endpoint.stop()  # nothing more is sent; read what is on its way
                        stopped = True
            finally:
                writer.close()
            decoded += sum(isinstance(r, Telegram) for r in decoder.flush())
    stats = meter.stats
    assert stats.corrupt_telegrams + stats.garbage_bursts > 0
    assert stats.connections == stats.drops + 1
    assert decoded == stats.good_telegrams


def test_demo_key_decodes() -> None:
    meter = MeterSimulator("mbus", seed=1, start=START)
    results = MeterDecoder(key=DEMO_KEY).feed(meter.telegram().data)
    assert isinstance(results[0], Telegram)


async def test_meter_on_a_pty_is_read_through_serialx() -> None:
    meter = MeterSimulator("mbus", seed=4, start=START, interval=1.0, speed=50.0)
    async with PtyEndpoint(meter.handle) as pty:
        reader, writer = await serialx.open_serial_connection(
            url=pty.device_path, baudrate=2400, parity=serialx.Parity.EVEN
        )
        decoder = _decoder(meter)
        telegrams: list[Telegram] = []
        try:
            while len(telegrams) < 2:
                chunk = await asyncio.wait_for(reader.read(1024), 5)
                telegrams += [r for r in decoder.feed(chunk) if isinstance(r, Telegram)]
        finally:
            writer.close()
            await writer.wait_closed()
    assert telegrams[1].frame_counter == telegrams[0].frame_counter + 1
    assert telegrams[0].payload.meter_id == meter.serial_number
