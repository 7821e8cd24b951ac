"""Config, reconfigure and options flows of the thermostat (OpenTherm Gateway) branch."""

from __future__ import annotations

import asyncio
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.localgrid.const import (
    CONF_DEVICE_KIND,
    CONF_OVERRIDE_MODE,
    CONF_PORT,
    DEVICE_KIND_THERMOSTAT,
    DOMAIN,
    OVERRIDE_CONSTANT,
)
from simulator.transport import TcpEndpoint

from .otgw_fixtures import GatewayFactory, setup_gateway_entry, wait_until


async def _thermostat_form(hass: HomeAssistant) -> str:
    """Open the flow, pick the thermostat in the menu; return the flow id at its form."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert "thermostat" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "thermostat"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "thermostat"
    assert result["errors"] == {}
    return result["flow_id"]


async def _closed_port_url() -> str:
    """A loopback URL where nothing listens."""
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    return f"socket://127.0.0.1:{port}"


async def test_user_flow_over_tcp(hass: HomeAssistant, gateway_tcp: GatewayFactory) -> None:
    """The flow connects, reads the firmware and creates the entry, keyed on the port."""
    simulator, endpoint = await gateway_tcp()
    flow_id = await _thermostat_form(hass)

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PORT: endpoint.url})

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "OpenTherm Gateway 6.6"
    assert result["data"] == {CONF_DEVICE_KIND: DEVICE_KIND_THERMOSTAT, CONF_PORT: endpoint.url}
    assert result["result"].unique_id == endpoint.url
    # Start-up is short: PS=0 then the banner (PR=A), not a scripted sequence.
    assert simulator.commands_received[:2] == ["PS=0", "PR=A"]
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_user_flow_over_pty(hass: HomeAssistant, gateway_pty: GatewayFactory) -> None:
    """A serial device path works the same (9600 8N1 through serialx)."""
    _, endpoint = await gateway_pty()
    flow_id = await _thermostat_form(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PORT: endpoint.device_path}
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == endpoint.device_path
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)


async def test_cannot_connect_then_recover(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """A port that cannot be opened shows cannot_connect; the form can be sent again."""
    _, endpoint = await gateway_tcp()
    flow_id = await _thermostat_form(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PORT: await _closed_port_url()}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PORT: endpoint.url})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(result["result"].entry_id)


@pytest.mark.parametrize("port", ["/dev/serial/by-id/no-such-otgw", "nosuchscheme://gateway:25238"])
async def test_cannot_connect_to_a_missing_device(
    hass: HomeAssistant, gateway_tcp: GatewayFactory, port: str
) -> None:
    """A device path that does not exist, or a URL nobody can open, is cannot_connect."""
    flow_id = await _thermostat_form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PORT: port})
    assert result["errors"] == {"base": "cannot_connect"}


async def test_cannot_connect_when_opening_hangs(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """A port that never finishes opening is cannot_connect too, after the timeout."""
    flow_id = await _thermostat_form(hass)

    async def never_opens(*args: object, **kwargs: object) -> None:
        await asyncio.sleep(3600)

    with (
        patch("custom_components.localgrid.gateway_coordinator.CONNECT_TIMEOUT", 0.2),
        patch(
            "custom_components.localgrid.gateway_coordinator.serialx.open_serial_connection",
            never_opens,
        ),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_PORT: "/dev/ttyUSB-hanging"}
        )
    assert result["errors"] == {"base": "cannot_connect"}


async def _serve(handler_lines: dict[bytes, bytes] | None) -> TcpEndpoint:
    """A TCP device that answers commands from a table (or never answers)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.readuntil(b"\r"):
            if handler_lines is not None and (reply := handler_lines.get(data.strip())):
                writer.write(reply)

    return await TcpEndpoint(handle).start()


@pytest.mark.parametrize(
    "replies",
    [
        pytest.param(None, id="silent device"),
        pytest.param(
            {b"PS=0": b"PS: 0\r\n", b"PR=A": b"PR: A=Some other box 1.0\r\n"},
            id="foreign banner",
        ),
        pytest.param({b"PS=0": b"PS: NG\r\n"}, id="refuses commands"),
    ],
)
async def test_not_a_gateway(
    hass: HomeAssistant, gateway_tcp: GatewayFactory, replies: dict[bytes, bytes] | None
) -> None:
    """Something that opens but does not answer like an OTGW is not_a_gateway."""
    endpoint = await _serve(replies)
    try:
        flow_id = await _thermostat_form(hass)
        result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PORT: endpoint.url})
    finally:
        await endpoint.stop()
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "not_a_gateway"}


async def test_not_a_gateway_when_answers_stall(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """Opened, but the start-up outlasts the overall timeout: not_a_gateway."""
    endpoint = await _serve(None)
    try:
        flow_id = await _thermostat_form(hass)
        with patch("custom_components.localgrid.gateway_coordinator.CONNECT_TIMEOUT", 0.2):
            result = await hass.config_entries.flow.async_configure(
                flow_id, {CONF_PORT: endpoint.url}
            )
    finally:
        await endpoint.stop()
    assert result["errors"] == {"base": "not_a_gateway"}


async def test_same_port_twice_aborts(hass: HomeAssistant, gateway_tcp: GatewayFactory) -> None:
    """A port already configured is refused before anything is opened."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    commands_before = len(simulator.commands_received)
    flow_id = await _thermostat_form(hass)

    result = await hass.config_entries.flow.async_configure(flow_id, {CONF_PORT: endpoint.url})

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(simulator.commands_received) == commands_before
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_to_another_port(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """Reconfigure tests the new port, stores it and reloads the entry on it."""
    _, first = await gateway_tcp()
    second_simulator, second = await gateway_tcp()
    entry = await setup_gateway_entry(hass, first.url)

    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure_thermostat"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: await _closed_port_url()}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    # The running entry got its port back after the failed test.
    await wait_until(hass, lambda: entry.runtime_data.online)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: second.url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_PORT] == second.url
    assert entry.unique_id == second.url
    assert entry.state is ConfigEntryState.LOADED
    assert "PR=A" in second_simulator.commands_received
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_same_port_of_a_stopped_entry(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """An entry that could not start can be pointed at a working gateway."""
    _, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, await _closed_port_url())
    assert entry.state is ConfigEntryState.SETUP_RETRY

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: endpoint.url}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_keeping_the_port(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """Sending the same port again is allowed (not 'already configured' by itself)."""
    _, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: endpoint.url}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reconfigure_to_a_port_of_another_entry(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """Two entries cannot share a port."""
    _, first = await gateway_tcp()
    _, second = await gateway_tcp()
    entry = await setup_gateway_entry(hass, first.url)
    other = await setup_gateway_entry(hass, second.url)

    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: second.url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    for item in (entry, other):
        await hass.config_entries.async_unload(item.entry_id)


async def test_options_choose_constant_override(
    hass: HomeAssistant, gateway_tcp: GatewayFactory
) -> None:
    """The options flow stores the override mode and reloads; TC is used afterwards."""
    simulator, endpoint = await gateway_tcp()
    entry = await setup_gateway_entry(hass, endpoint.url)
    assert entry.runtime_data.constant_override is False

    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "thermostat"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_OVERRIDE_MODE: OVERRIDE_CONSTANT}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options == {CONF_OVERRIDE_MODE: OVERRIDE_CONSTANT}
    await wait_until(hass, lambda: entry.state is ConfigEntryState.LOADED)
    assert entry.runtime_data.constant_override is True

    await entry.runtime_data.async_set_room_setpoint(21.0)
    assert simulator.commands_received[-1] == "TC=21.00"
    await hass.config_entries.async_unload(entry.entry_id)
