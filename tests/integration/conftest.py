"""Fixtures for the Home Assistant tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from typing import Any

import pytest

from simulator.meter import MeterSimulator
from simulator.transport import PtyEndpoint, TcpEndpoint

from .otgw_fixtures import fast_gateway, gateway_pty, gateway_tcp  # noqa: F401  (thermostat tests)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load integrations from custom_components in every test."""


# --- Smart meter: a simulated meter behind the real transports -----------------------

METER_PUSH_INTERVAL = 0.1
"""Seconds between telegrams of the simulated meters: fast, so tests stay short."""

type MeterFactory = Callable[..., Coroutine[Any, Any, tuple[MeterSimulator, Any]]]


@pytest.fixture
async def meter_tcp(socket_enabled: None) -> AsyncGenerator[MeterFactory]:
    """Start simulated meters on TCP ports; returns (simulator, endpoint with .url)."""
    endpoints: list[TcpEndpoint] = []

    async def start(fmt: str = "mbus", **kwargs: Any) -> tuple[MeterSimulator, TcpEndpoint]:
        kwargs.setdefault("interval", METER_PUSH_INTERVAL)
        simulator = MeterSimulator(fmt, seed=1, **kwargs)
        endpoint = await TcpEndpoint(simulator.handle).start()
        endpoints.append(endpoint)
        return simulator, endpoint

    yield start
    for endpoint in endpoints:
        await endpoint.stop()


@pytest.fixture
async def meter_pty() -> AsyncGenerator[MeterFactory]:
    """Start simulated meters on pseudo-terminals; returns (simulator, endpoint)."""
    endpoints: list[PtyEndpoint] = []

    async def start(fmt: str = "mbus", **kwargs: Any) -> tuple[MeterSimulator, PtyEndpoint]:
        kwargs.setdefault("interval", METER_PUSH_INTERVAL)
        simulator = MeterSimulator(fmt, seed=1, **kwargs)
        endpoint = await PtyEndpoint(simulator.handle).start()
        endpoints.append(endpoint)
        return simulator, endpoint

    yield start
    for endpoint in endpoints:
        await endpoint.stop()


type Replay = Callable[[bytes], Awaitable[TcpEndpoint]]


@pytest.fixture
async def replay(socket_enabled: None) -> AsyncGenerator[Replay]:
    """A bridge that sends the same bytes every tenth of a second."""
    endpoints: list[TcpEndpoint] = []

    async def start(data: bytes) -> TcpEndpoint:
        async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while True:
                writer.write(data)
                await writer.drain()
                await asyncio.sleep(0.1)

        endpoint = await TcpEndpoint(handle).start()
        endpoints.append(endpoint)
        return endpoint

    yield start
    for endpoint in endpoints:
        await endpoint.stop()
