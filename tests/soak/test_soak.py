"""Soak: the simulated meter at 100x speed through real TCP into the real integration.

Run by `scripts/soak [SECONDS]`, never by the default test run. The simulator pushes an
encrypted M-Bus telegram every 50 ms (a 5 s meter at 100x) over a TCP socket, prefixes
random telegrams with line noise and cuts the connection mid-telegram at random, as a
flaky serial-over-TCP bridge does. Home Assistant's test harness runs the real config
entry: serialx transport, decoder, push coordinator with its reconnects, sensors and
the state machine. Fails on a lost good telegram, an error or exception in the log, or
memory that keeps growing.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from pathlib import Path
import random
import time
import tracemalloc

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.localgrid.const import DOMAIN
from simulator.meter import MeterSimulator
from simulator.transport import TcpEndpoint
from tests.integration.meter_common import meter_entry, setup_meter

SECONDS = float(os.environ.get("LOCALGRID_SOAK_SECONDS", "60"))
SPEED = 100.0
GARBAGE_RATE = 0.05
"""Chance per telegram of line noise in front of it."""
DROP_RATE = 0.01
"""Chance per telegram that the bridge drops the connection mid-telegram."""
WARM_UP = max(20.0, SECONDS / 4)
"""Seconds before the memory baseline: the coordinator's cancelled 15 s stale timers
stay in the event loop until they fall due, so memory reaches its level after 15 s."""
MEMORY_GROWTH_LIMIT = 512 * 1024
"""Bytes of traced Python memory the steady state may grow by over the run."""


def rss_bytes() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def traced_bytes() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load LocalGrid from custom_components."""


async def test_soak(
    hass: HomeAssistant, socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    seed = int(os.environ.get("LOCALGRID_SOAK_SEED", random.randrange(1 << 32)))
    meter = MeterSimulator(
        "mbus", speed=SPEED, seed=seed, garbage_rate=GARBAGE_RATE, drop_rate=DROP_RATE
    )
    endpoint = await TcpEndpoint(meter.handle).start()
    try:
        coordinator = await setup_meter(hass, meter_entry(endpoint.url))
        meter_entities = {
            entry.entity_id
            for entry in er.async_get(hass).entities.values()
            if entry.platform == DOMAIN
        }
        states_written = 0
        publishes = 0

        @callback
        def count_state(event: Event) -> None:
            nonlocal states_written
            if event.data["entity_id"] in meter_entities:
                states_written += 1

        @callback
        def count_publish() -> None:
            nonlocal publishes
            publishes += 1

        unsub_states = hass.bus.async_listen(EVENT_STATE_CHANGED, count_state)
        unsub_publish = coordinator.async_add_listener(count_publish)

        tracemalloc.start()
        await asyncio.sleep(WARM_UP)
        rss_before, traced_before = rss_bytes(), traced_bytes()
        baseline = tracemalloc.take_snapshot()
        started = time.monotonic()
        await asyncio.sleep(max(SECONDS - WARM_UP, 10.0))
        elapsed = time.monotonic() - started
        traced_after, rss_after = traced_bytes(), rss_bytes()
        top_growth = [
            str(stat) for stat in tracemalloc.take_snapshot().compare_to(baseline, "lineno")[:5]
        ]
        tracemalloc.stop()

        # Stop the meter, then give the last telegram time to arrive and be decoded.
        await endpoint.stop()
        await asyncio.sleep(0.5)
        await hass.async_block_till_done()
        unsub_states()
        unsub_publish()
    finally:
        await endpoint.stop()

    stats = meter.stats
    reconnects = stats.connections - 1
    lost = stats.good_telegrams - coordinator.telegrams_decoded
    growth = traced_after - traced_before
    problems = [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR or record.exc_info is not None
    ]
    print(
        f"\nsoak: {WARM_UP + elapsed:.0f} s at {SPEED:g}x, seed {seed}\n"
        f"  telegrams sent      {stats.telegrams_sent}"
        f" (good {stats.good_telegrams}, cut by drops {stats.drops})\n"
        f"  decoded             {coordinator.telegrams_decoded} (lost good: {lost})\n"
        f"  rejected frames     {coordinator.frames_rejected}"
        f" (garbage bursts {stats.garbage_bursts}, {stats.garbage_bytes} bytes)\n"
        f"  reconnects          {reconnects}\n"
        f"  coordinator updates {publishes}, entity states written {states_written}\n"
        f"  traced memory       {traced_before / 1024:.0f} KiB -> {traced_after / 1024:.0f} KiB"
        f" over the last {elapsed:.0f} s ({growth / 1024:+.0f} KiB)\n"
        f"  RSS                 {rss_before / 2**20:.1f} MiB -> {rss_after / 2**20:.1f} MiB\n"
        f"  log errors          {len(problems)}"
    )
    assert stats.good_telegrams > SECONDS * 5, "the simulator sent too few telegrams"
    assert reconnects > 0 or DROP_RATE == 0, "no connection was dropped: the soak tested less"
    assert lost == 0, f"{lost} good telegrams were not decoded"
    assert not problems, "errors in the log:\n" + "\n".join(r.getMessage() for r in problems)
    assert growth < MEMORY_GROWTH_LIMIT, f"memory grew by {growth} bytes:\n" + "\n".join(top_growth)
