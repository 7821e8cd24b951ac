"""Fixtures for the simulator tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """The simulator serves on 127.0.0.1; the HA test plugin blocks sockets by default."""
