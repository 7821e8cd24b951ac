"""Helpers shared by the meter tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.localgrid.const import (
    CONF_DEVICE_KIND,
    CONF_ENCRYPTION_KEY,
    CONF_PORT,
    DEVICE_KIND_METER,
    DOMAIN,
)
from custom_components.localgrid.meter_coordinator import MeterCoordinator
from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.model import Telegram
from simulator.meter import DEMO_KEY, DEMO_SERIAL

KEY_HEX = DEMO_KEY.hex().upper()


async def wait_for(predicate: Callable[[], bool], seconds: float = 3.0) -> None:
    """Poll until `predicate()` holds; fail the test after `seconds`."""
    async with asyncio.timeout(seconds):
        while not predicate():  # noqa: ASYNC110  (the conditions are plain attributes)
            await asyncio.sleep(0.02)


def meter_entry(
    port: str,
    *,
    options: dict[str, Any] | None = None,
    unique_id: str = DEMO_SERIAL,
    **data: Any,
) -> MockConfigEntry:
    """An entry as the config flow creates it for the demo meter."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"Kaifa {DEMO_SERIAL}",
        unique_id=unique_id,
        data={CONF_DEVICE_KIND: DEVICE_KIND_METER, CONF_PORT: port, CONF_ENCRYPTION_KEY: KEY_HEX}
        | data,
        options=options or {},
    )


async def setup_meter(hass: HomeAssistant, entry: MockConfigEntry) -> MeterCoordinator:
    """Set the entry up (again, after an unload) and wait until the first telegram has
    been published."""
    if hass.config_entries.async_get_entry(entry.entry_id) is None:
        entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    coordinator: MeterCoordinator = entry.runtime_data
    await wait_for(lambda: coordinator.data is not None)
    await hass.async_block_till_done()
    return coordinator


def entity_id(hass: HomeAssistant, key: str) -> str:
    """The entity id of the demo meter's sensor with this key."""
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{DEMO_SERIAL}_{key}")
    assert found is not None, key
    return found


FIXTURES = Path(__file__).parent.parent / "fixtures"
SAMPLES: dict[str, dict[str, Any]] = {
    path.stem: json.loads(path.read_text())
    for path in sorted([*FIXTURES.glob("meters/*.json"), *FIXTURES.glob("meters_extra/*.json")])
}
"""Every public telegram of the fixtures, by id."""


def sample_telegram(sample: dict[str, Any]) -> Telegram:
    """The last telegram the decoder reads from a fixture's bytes, its clock read in Home
    Assistant's time zone as the integration reads it; skips one published without its key."""
    keys = [
        bytes.fromhex(text) if text else None
        for text in (sample["key_hex"], sample["auth_key_hex"])
    ]
    decoder = MeterDecoder(*keys, dt_util.get_default_time_zone())
    results = decoder.feed(bytes.fromhex(sample["hex"])) + decoder.flush()
    telegrams = [item for item in results if isinstance(item, Telegram)]
    if not telegrams:
        pytest.skip("published without its key")
    return telegrams[-1]
