"""Fixtures and helpers for the thermostat tests: a simulated OpenTherm Gateway behind the
real transports (TCP `socket://` and a pseudo-terminal), fast timing, entity lookup."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Coroutine, Generator
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.localgrid.const import (
    CONF_DEVICE_KIND,
    CONF_PORT,
    DEVICE_KIND_THERMOSTAT,
    DOMAIN,
)
from simulator.otgw import GatewaySimulator
from simulator.transport import PtyEndpoint, TcpEndpoint

SIMULATOR_SPEED = 50.0
"""Simulated seconds per real second: one report pair every 20 ms."""

FAST_TIMING = {
    "CONNECT_TIMEOUT": 3.0,
    "COMMAND_TIMEOUT": 0.5,
    "SILENCE_TIMEOUT": 1.0,
    "RECONNECT_MIN": 0.05,
    "RECONNECT_MAX": 0.2,
    "OVERRIDE_CHECK_INTERVAL": 0.3,
}

type GatewayFactory = Callable[..., Coroutine[Any, Any, tuple[GatewaySimulator, Any]]]


@pytest.fixture
def fast_gateway() -> Generator[None]:
    """Shorten the coordinator's timeouts and backoff so each test takes a second or two."""
    with patch.multiple("custom_components.localgrid.gateway_coordinator", **FAST_TIMING):
        yield


@pytest.fixture
async def gateway_tcp(socket_enabled: None, fast_gateway: None) -> AsyncGenerator[GatewayFactory]:
    """Start simulated gateways on TCP ports; returns (simulator, endpoint with .url)."""
    endpoints: list[TcpEndpoint] = []

    async def start(**kwargs: Any) -> tuple[GatewaySimulator, TcpEndpoint]:
        kwargs.setdefault("speed", SIMULATOR_SPEED)
        kwargs.setdefault("seed", 1)
        simulator = GatewaySimulator(**kwargs)
        endpoint = await TcpEndpoint(simulator.handle).start()
        endpoints.append(endpoint)
        return simulator, endpoint

    yield start
    for endpoint in endpoints:
        await endpoint.stop()


@pytest.fixture
async def gateway_pty(fast_gateway: None) -> AsyncGenerator[GatewayFactory]:
    """Start simulated gateways on pseudo-terminals; returns (simulator, endpoint)."""
    endpoints: list[PtyEndpoint] = []

    async def start(**kwargs: Any) -> tuple[GatewaySimulator, PtyEndpoint]:
        kwargs.setdefault("speed", SIMULATOR_SPEED)
        kwargs.setdefault("seed", 1)
        simulator = GatewaySimulator(**kwargs)
        endpoint = await PtyEndpoint(simulator.handle).start()
        endpoints.append(endpoint)
        return simulator, endpoint

    yield start
    for endpoint in endpoints:
        await endpoint.stop()


async def wait_until(
    hass: HomeAssistant, predicate: Callable[[], object], seconds: float = 5.0
) -> None:
    """Let real time pass (the simulator talks over real sockets) until `predicate()`."""
    async with asyncio.timeout(seconds):
        while not predicate():
            await asyncio.sleep(0.02)
            await hass.async_block_till_done()


async def setup_gateway_entry(
    hass: HomeAssistant, port: str, options: dict[str, Any] | None = None
) -> MockConfigEntry:
    """Add a thermostat entry for `port`, set it up and wait for the first boiler values."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="OpenTherm Gateway 6.6",
        unique_id=port,
        data={CONF_DEVICE_KIND: DEVICE_KIND_THERMOSTAT, CONF_PORT: port},
        options=options or {},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    if entry.state is ConfigEntryState.LOADED:
        state = entry.runtime_data.data
        await wait_until(
            hass, lambda: state.flow_temperature is not None and state.dhw_present is not None
        )
    return entry


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    """The entity id of one of the entry's entities, by its key."""
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{entry.entry_id}_{key}")
    assert found is not None, f"no {platform} entity {key}"
    return found
