"""Reconfiguring a meter entry: new port or keys, checked against the meter first."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.localgrid import meter_connection, meter_coordinator
from custom_components.localgrid.const import (
    CONF_AUTHENTICATION_KEY,
    CONF_ENCRYPTION_KEY,
    CONF_PORT,
    CONF_SERIAL_NUMBER,
    DOMAIN,
)

from .conftest import MeterFactory
from .meter_common import KEY_HEX, meter_entry, setup_meter, wait_for


@pytest.fixture(autouse=True)
def fast_timing() -> Generator[None]:
    """Short probes and reconnects."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(meter_connection, "PROBE_TIMEOUT", 0.6)
        patch.setattr(meter_coordinator, "RECONNECT_MIN", 0.05)
        yield


async def _reconfigure(hass: HomeAssistant, entry_id: str, user_input: dict[str, Any]) -> Any:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": "reconfigure", "entry_id": entry_id}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure_meter"
    assert [str(key) for key in result["data_schema"].schema] == [
        CONF_PORT,
        CONF_ENCRYPTION_KEY,
        CONF_AUTHENTICATION_KEY,
    ]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    if result["type"] is FlowResultType.SHOW_PROGRESS:
        await hass.async_block_till_done()
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
    return result


async def test_move_the_running_meter_to_another_port(
    hass: HomeAssistant, meter_tcp: MeterFactory, meter_pty: MeterFactory
) -> None:
    """The running entry lets go of its port for the probe and reloads on the new one."""
    _, old = await meter_tcp("mbus")
    _, new = await meter_pty("mbus")
    entry = meter_entry(old.url, **{CONF_SERIAL_NUMBER: "0123456789"})
    await setup_meter(hass, entry)
    result = await _reconfigure(
        hass, entry.entry_id, {CONF_PORT: new.device_path, CONF_ENCRYPTION_KEY: KEY_HEX}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == new.device_path
    assert entry.data[CONF_SERIAL_NUMBER] == "0123456789"  # Kept from the original entry.
    assert entry.data["baudrate"] == 115200
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data
    await wait_for(lambda: coordinator.data is not None)
    await wait_for(lambda: old.client_count == 0)
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_another_meter_on_the_new_port_aborts(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """Reconfigure cannot turn an entry into another meter."""
    _, other = await meter_tcp("mbus", serial_number="9OTHER000001")
    entry = meter_entry("socket://127.0.0.1:1")  # Not loaded: nothing to release.
    entry.add_to_hass(hass)
    result = await _reconfigure(
        hass, entry.entry_id, {CONF_PORT: other.url, CONF_ENCRYPTION_KEY: KEY_HEX}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_meter"
    assert entry.data[CONF_PORT] == "socket://127.0.0.1:1"


async def test_entry_named_by_the_system_title_keeps_its_meter(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """An entry set up when no meter id was read (its unique id is the system title) is
    still this meter's once a newer decoder reads the id from its telegrams."""
    simulator, endpoint = await meter_tcp("mbus")
    entry = meter_entry("socket://127.0.0.1:1", unique_id=simulator.system_title.hex().upper())
    entry.add_to_hass(hass)
    result = await _reconfigure(
        hass, entry.entry_id, {CONF_PORT: endpoint.url, CONF_ENCRYPTION_KEY: KEY_HEX}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.unique_id == simulator.system_title.hex().upper()
    assert entry.data[CONF_PORT] == endpoint.url
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_errors_keep_the_form(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """A malformed key, then a missing one: the form comes back with the error each time."""
    _, endpoint = await meter_tcp("mbus")
    entry = meter_entry("socket://127.0.0.1:1")
    entry.add_to_hass(hass)
    result = await _reconfigure(
        hass, entry.entry_id, {CONF_PORT: endpoint.url, CONF_ENCRYPTION_KEY: "xyz"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ENCRYPTION_KEY: "invalid_key_format"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: endpoint.url}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    await hass.async_block_till_done()
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure_meter"
    assert result["errors"] == {"base": "missing_key"}
