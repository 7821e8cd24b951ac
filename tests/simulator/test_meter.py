"""The simulated household and meter: physical invariants, faults, and streaming."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import itertools

import pytest

from simulator.household import HouseholdModel, tariff_at
from simulator.meter import DEMO_KEY, Fault, MeterFormat, MeterSimulator
from simulator.transport import TcpEndpoint

SUMMER_MIDNIGHT = datetime(2026, 6, 15, 22, 0, tzinfo=UTC)  # 00:00 in Vienna (CEST)


def _day(seed: int, step_minutes: int = 5) -> list:
    meter = MeterSimulator("mbus", seed=seed, start=SUMMER_MIDNIGHT)
    return [
        meter.reading_at(SUMMER_MIDNIGHT + timedelta(minutes=m))
        for m in range(0, 24 * 60 + 1, step_minutes)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counters_never_decrease_over_a_day(seed: int) -> None:
    readings = _day(seed)
    for before, after in itertools.pairwise(readings):
        for attr in ("energy_import_tariff", "energy_export_tariff"):
            assert all(
                b <= a for b, a in zip(getattr(before, attr), getattr(after, attr), strict=True)
            )
        assert before.reactive_energy_import <= after.reactive_energy_import
        assert before.reactive_energy_export <= after.reactive_energy_export
        assert before.gas <= after.gas
    first, last = readings[0], readings[-1]
    # A household uses a few kWh a day and the PV exports some.
    assert 2_000 < last.energy_import - first.energy_import < 30_000
    assert last.energy_export > first.energy_export
    assert last.gas > first.gas


def test_pv_exports_around_noon_and_imports_in_the_evening() -> None:
    readings = _day(seed=7)
    noon = [r for r in readings if 11 <= r.time.hour < 13]
    evening = [r for r in readings if 19 <= r.time.hour < 21]
    night = [r for r in readings if 1 <= r.time.hour < 4]
    exported = noon[-1].energy_export - noon[0].energy_export
    imported = noon[-1].energy_import - noon[0].energy_import
    assert exported > 1_000 > imported
    assert sum(r.power_export > 0 for r in noon) > 0.8 * len(noon)
    assert all(r.power_import > 0 for r in evening)
    assert all(r.power_export == 0 for r in night)


def test_phases_sum_to_the_total_and_physics_is_plausible() -> None:
    for reading in _day(seed=3, step_minutes=15):
        net = sum(p.power_import - p.power_export for p in reading.phases)
        assert reading.power_import - reading.power_export == net
        assert min(reading.power_import, reading.power_export) == 0
        for phase in reading.phases:
            assert 215 < phase.voltage < 245
            assert min(phase.power_import, phase.power_export) == 0
            watts = phase.power_import + phase.power_export
            # I >= |P|/U (reactive power only adds), and not absurdly more
            assert (
                watts / phase.voltage - 0.05 <= phase.current <= watts / phase.voltage * 1.5 + 0.5
            )
        assert 0 <= reading.power_factor <= 1
        assert 49.9 < reading.frequency < 50.1


def test_tariffs_follow_time_of_day_and_weekends() -> None:
    weekday = datetime(2026, 6, 17, 12, 0, tzinfo=UTC)  # Wednesday
    assert tariff_at(weekday) == 2
    assert tariff_at(weekday.replace(hour=23)) == 1
    assert tariff_at(weekday + timedelta(days=3)) == 1  # Saturday


def test_same_seed_same_day_and_naive_start_rejected() -> None:
    assert _day(5, 60) == _day(5, 60)
    with pytest.raises(ValueError, match="timezone-aware"):
        HouseholdModel(datetime(2026, 1, 1))


def test_registers_carry_the_reading() -> None:
    meter = MeterSimulator("hdlc", seed=1, start=SUMMER_MIDNIGHT, key=None)
    telegram = meter.telegram(meter.reading_at(SUMMER_MIDNIGHT + timedelta(hours=12)))
    reading = telegram.reading
    assert telegram.frame_counter is None  # plain
    assert telegram.values["1-0:1.8.0"][0] == int(reading.energy_import)
    assert telegram.values["1-0:2.7.0"] == (reading.power_export, "W")
    assert abs(float(telegram.values["1-0:32.7.0"][0]) - reading.phases[0].voltage) <= 0.05
    assert telegram.values["1-0:14.7.0"][1] == "Hz"
    assert len(telegram.frames) > 1  # long pushes are segmented
    assert all(frame[0] == frame[-1] == 0x7E for frame in telegram.frames)


@pytest.mark.parametrize("fmt", list(MeterFormat))
def test_each_format_encodes_and_counts_frames(fmt: MeterFormat) -> None:
    meter = MeterSimulator(fmt, seed=1, start=SUMMER_MIDNIGHT, frame_counter=41)
    first = meter.telegram()
    second = meter.telegram()
    assert first.data != second.data
    if fmt is MeterFormat.DSMR:
        assert first.frame_counter is None
        assert first.data.startswith(b"/ISK5\\")
        assert "0-1:24.2.1" in first.values
    else:
        assert (first.frame_counter, second.frame_counter) == (41, 42)
        ciphered = first.data if fmt is MeterFormat.SMARTY else None
        if ciphered is not None:
            assert ciphered[0] == 0xDB
            assert ciphered[2:5] == b"SAG"


def test_smarty_needs_a_key() -> None:
    with pytest.raises(ValueError, match="key"):
        MeterSimulator("smarty", key=None)


def _fake_clock(start: datetime):
    """A clock that jumps one push interval per call: no real waiting."""
    state = {"now": start}

    def clock() -> datetime:
        state["now"] += timedelta(seconds=0.5)
        return state["now"]

    return clock


async def test_streams_over_tcp_with_faults_and_continues_after_reconnect() -> None:
    meter = MeterSimulator("dsmr", seed=2, interval=1.0, speed=200.0, start=SUMMER_MIDNIGHT)
    meter.inject(Fault.GARBAGE)  # applies to the first telegram
    async with TcpEndpoint(meter.handle) as endpoint:
        reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
        received = b""
        while received.count(b"/ISK5") < 2:
            received += await asyncio.wait_for(reader.read(4096), 5)
        noise, _, rest = received.partition(b"/ISK5")
        first = b"/ISK5" + rest
        assert meter.stats.garbage_bursts == 1
        assert len(noise) == meter.stats.garbage_bytes > 0
        meter.inject(Fault.DROP)
        while await asyncio.wait_for(reader.read(4096), 5):
            pass  # until the cut
        writer.close()
        assert meter.stats.drops == 1

        reader, writer = await asyncio.open_connection("127.0.0.1", endpoint.port)
        again = b""
        while again.count(b"!") < 2:
            again += await asyncio.wait_for(reader.read(4096), 5)
        writer.close()

    def energy(telegram: bytes) -> bytes:
        line = next(li for li in telegram.split(b"\r\n") if li.startswith(b"1-0:1.8.1"))
        return line.split(b"(")[1]

    assert energy(first) <= energy(again)
    assert meter.stats.connections == 2
    assert meter.stats.telegrams_sent >= meter.stats.good_telegrams + 1


def test_corrupt_and_wrong_key_faults_change_the_bytes() -> None:
    meter = MeterSimulator("mbus", seed=3, start=SUMMER_MIDNIGHT)
    reading = meter.reading_at(SUMMER_MIDNIGHT)
    good = meter.telegram(reading)
    meter.frame_counter -= 1
    wrong = meter.telegram(reading, key=bytes(16))
    assert good.frame_counter == wrong.frame_counter
    assert good.data[:20] == wrong.data[:20]  # same header: only the ciphertext differs
    assert good.data != wrong.data
    corrupt = meter._corrupt(good.frames)
    assert sum(a != b for a, b in zip(corrupt[0], good.frames[0], strict=True)) == 1
    assert corrupt[1:] == good.frames[1:]
    dsmr = MeterSimulator("dsmr", seed=3, start=SUMMER_MIDNIGHT)
    text = dsmr.telegram().frames
    bad = dsmr._corrupt(text)[0]
    assert bad != text[0]
    assert bad.count(b"/") == 1
    assert bad.count(b"!") == 1


def test_demo_key_is_documented_ascii() -> None:
    assert DEMO_KEY == b"LOCALGRID-DEMO-1"
