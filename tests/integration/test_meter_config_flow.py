"""The meter branch of the config flow, against simulated meters on real transports."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.localgrid import meter_connection
from custom_components.localgrid.config_flow import normalize_key
from custom_components.localgrid.const import (
    CONF_AUTHENTICATION_KEY,
    CONF_BAUDRATE,
    CONF_DEVICE_KIND,
    CONF_ENCRYPTION_KEY,
    CONF_PORT,
    CONF_SERIAL_NUMBER,
    CONF_STATE_INTERVAL,
    DEVICE_KIND_METER,
    DOMAIN,
)
from simulator.meter import DEMO_KEY, DEMO_SERIAL
from simulator.transport import TcpEndpoint

from .conftest import MeterFactory, Replay
from .meter_common import SAMPLES, sample_telegram

KEY_HEX = DEMO_KEY.hex().upper()
OTHER_KEY_HEX = "0F1E2D3C4B5A69788796A5B4C3D2E1F0"


@pytest.fixture(autouse=True)
def short_probe() -> Generator[None]:
    """A simulated meter pushes every 0.1 s: a probe needs only a moment per setting."""
    with patch.object(meter_connection, "PROBE_TIMEOUT", 0.6):
        yield


@pytest.fixture
def mock_setup() -> Generator[AsyncMock]:
    """Keep the created entry from connecting: these tests are about the flow."""
    with (
        patch("custom_components.localgrid.async_setup_entry", return_value=True) as mock,
        patch("custom_components.localgrid.async_unload_entry", return_value=True),
    ):
        yield mock


async def _meter_form(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["meter", "thermostat"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "meter"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter"
    return result


async def _submit(hass: HomeAssistant, flow_id: str, user_input: dict[str, Any]) -> dict[str, Any]:
    """Submit a meter form and, when it probes, wait for the probe to finish."""
    result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    if result["type"] is FlowResultType.SHOW_PROGRESS:
        assert result["progress_action"] == "wait_for_telegram"
        await hass.async_block_till_done()
        result = await hass.config_entries.flow.async_configure(flow_id)
    return result


async def test_form_has_exactly_the_documented_fields(hass: HomeAssistant) -> None:
    """port, serial_number, encryption_key, authentication_key; only the port is required."""
    result = await _meter_form(hass)
    schema = result["data_schema"].schema
    assert [str(key) for key in schema] == [
        CONF_PORT,
        CONF_SERIAL_NUMBER,
        CONF_ENCRYPTION_KEY,
        CONF_AUTHENTICATION_KEY,
    ]
    required = [str(key) for key in schema if type(key).__name__ == "Required"]
    assert required == [CONF_PORT]


async def test_encrypted_mbus_meter_over_tcp(
    hass: HomeAssistant, meter_tcp: MeterFactory, mock_setup: AsyncMock
) -> None:
    """A bridge URL, the right key and serial: the entry is the meter, keyed by its serial."""
    _, endpoint = await meter_tcp("mbus")
    result = await _meter_form(hass)
    result = await _submit(
        hass,
        result["flow_id"],
        {
            CONF_PORT: endpoint.url,
            CONF_SERIAL_NUMBER: DEMO_SERIAL[-10:].lower(),
            CONF_ENCRYPTION_KEY: " ".join(KEY_HEX[i : i + 2] for i in range(0, 32, 2)).lower(),
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Kaifa {DEMO_SERIAL}"
    assert result["result"].unique_id == DEMO_SERIAL
    assert result["data"] == {
        CONF_DEVICE_KIND: DEVICE_KIND_METER,
        CONF_PORT: endpoint.url,
        CONF_SERIAL_NUMBER: DEMO_SERIAL[-10:].lower(),
        CONF_ENCRYPTION_KEY: KEY_HEX,
    }  # No serial settings: a socket:// bridge has none.
    assert len(mock_setup.mock_calls) == 1


async def test_authenticated_smarty_meter_over_pty(
    hass: HomeAssistant, meter_pty: MeterFactory, mock_setup: AsyncMock
) -> None:
    """A serial device: the serial settings that worked are stored with the entry."""
    simulator, endpoint = await meter_pty("smarty")
    assert simulator.auth_key is not None
    result = await _meter_form(hass)
    result = await _submit(
        hass,
        result["flow_id"],
        {
            CONF_PORT: endpoint.device_path,
            CONF_ENCRYPTION_KEY: KEY_HEX,
            CONF_AUTHENTICATION_KEY: "0x" + simulator.auth_key.hex(),
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Sagemcom {DEMO_SERIAL}"
    assert result["data"][CONF_AUTHENTICATION_KEY] == simulator.auth_key.hex().upper()
    assert result["data"][CONF_BAUDRATE] == 115200


async def test_plain_dsmr_meter_needs_no_key(
    hass: HomeAssistant, meter_tcp: MeterFactory, mock_setup: AsyncMock
) -> None:
    """A plain P1 meter is added with the port alone; the maker comes from the header."""
    _, endpoint = await meter_tcp("dsmr")
    result = await _meter_form(hass)
    result = await _submit(hass, result["flow_id"], {CONF_PORT: endpoint.url})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Iskraemeco {DEMO_SERIAL}"
    assert result["data"] == {CONF_DEVICE_KIND: DEVICE_KIND_METER, CONF_PORT: endpoint.url}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (CONF_ENCRYPTION_KEY, "1234"),
        (CONF_ENCRYPTION_KEY, "Z" * 32),
        (CONF_AUTHENTICATION_KEY, KEY_HEX + "00"),
    ],
)
async def test_invalid_key_format(
    hass: HomeAssistant, meter_tcp: MeterFactory, mock_setup: AsyncMock, field: str, value: str
) -> None:
    """A malformed key is refused before the port is touched; fixing it completes the flow."""
    simulator, endpoint = await meter_tcp("mbus")
    result = await _meter_form(hass)
    user_input = {CONF_PORT: endpoint.url, CONF_ENCRYPTION_KEY: KEY_HEX, field: value}
    result = await _submit(hass, result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: "invalid_key_format"}
    assert simulator.stats.connections == 0
    if field == CONF_AUTHENTICATION_KEY:
        del user_input[field]  # The meter does not authenticate.
    else:
        user_input[field] = KEY_HEX
    result = await _submit(hass, result["flow_id"], user_input)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("fmt", "user_input", "error"),
    [
        ("mbus", {}, "missing_key"),
        ("mbus", {CONF_ENCRYPTION_KEY: OTHER_KEY_HEX}, "invalid_key"),
        (
            "smarty",
            {CONF_ENCRYPTION_KEY: KEY_HEX, CONF_AUTHENTICATION_KEY: OTHER_KEY_HEX},
            "invalid_key",
        ),
    ],
)
async def test_key_errors_then_recovery(  # noqa: PLR0917
    hass: HomeAssistant,
    meter_tcp: MeterFactory,
    mock_setup: AsyncMock,
    fmt: str,
    user_input: dict[str, str],
    error: str,
) -> None:
    """Missing or wrong keys are told apart; the form keeps the port and accepts a fix."""
    simulator, endpoint = await meter_tcp(fmt)
    result = await _meter_form(hass)
    result = await _submit(hass, result["flow_id"], {CONF_PORT: endpoint.url, **user_input})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter"
    assert result["errors"] == {"base": error}
    good = {CONF_PORT: endpoint.url, CONF_ENCRYPTION_KEY: KEY_HEX}
    if simulator.auth_key:
        good[CONF_AUTHENTICATION_KEY] = simulator.auth_key.hex()
    result = await _submit(hass, result["flow_id"], good)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_serial_mismatch(
    hass: HomeAssistant, meter_tcp: MeterFactory, mock_setup: AsyncMock
) -> None:
    """A meter that identifies as another number is not added under the wrong name."""
    _, endpoint = await meter_tcp("hdlc")
    result = await _meter_form(hass)
    user_input = {CONF_PORT: endpoint.url, CONF_ENCRYPTION_KEY: KEY_HEX}
    result = await _submit(hass, result["flow_id"], {**user_input, CONF_SERIAL_NUMBER: "99887766"})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_SERIAL_NUMBER: "serial_mismatch"}
    result = await _submit(hass, result["flow_id"], user_input)  # Serial left empty.
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Iskraemeco {DEMO_SERIAL}"


async def test_cannot_connect(hass: HomeAssistant, socket_enabled: None) -> None:
    """Nothing listens on the port, or the device does not exist."""
    result = await _meter_form(hass)
    for port in ("socket://127.0.0.1:1", "/dev/does-not-exist"):
        result = await _submit(hass, result["flow_id"], {CONF_PORT: port})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "cannot_connect"}


async def test_no_telegram_from_a_silent_bridge(hass: HomeAssistant, socket_enabled: None) -> None:
    """A bridge that accepts but never sends a telegram."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)

    async with TcpEndpoint(silent) as endpoint:
        result = await _meter_form(hass)
        result = await _submit(hass, result["flow_id"], {CONF_PORT: endpoint.url})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_telegram"}


async def test_damaged_frames_from_a_bridge(hass: HomeAssistant, meter_tcp: MeterFactory) -> None:
    """Frames arrive, but every one fails its check (a bridge that changes bytes): the
    form says so rather than that nothing arrived."""
    _, endpoint = await meter_tcp("mbus", corrupt_rate=1.0)
    result = await _meter_form(hass)
    result = await _submit(
        hass, result["flow_id"], {CONF_PORT: endpoint.url, CONF_ENCRYPTION_KEY: KEY_HEX}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "damaged_frames"}


async def test_already_configured_meter(
    hass: HomeAssistant, meter_tcp: MeterFactory, mock_setup: AsyncMock
) -> None:
    """The same meter behind a second port, or the same port again, is refused."""
    _, endpoint = await meter_tcp("dsmr")
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEMO_SERIAL,
        data={CONF_DEVICE_KIND: DEVICE_KIND_METER, CONF_PORT: "/dev/ttyUSB0"},
    ).add_to_hass(hass)
    result = await _meter_form(hass)
    result = await _submit(hass, result["flow_id"], {CONF_PORT: endpoint.url})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"

    result = await _meter_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PORT: "/dev/ttyUSB0"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


def test_normalize_key() -> None:
    """Keys are accepted as users copy them from letters and portals."""
    assert normalize_key(None) is None
    assert normalize_key("  ") is None
    assert normalize_key("0X" + KEY_HEX.lower()) == KEY_HEX
    assert normalize_key(":".join(KEY_HEX[i : i + 2] for i in range(0, 32, 2))) == KEY_HEX
    with pytest.raises(ValueError, match="32 hex"):
        normalize_key(KEY_HEX[:-1])


async def test_options_state_interval(hass: HomeAssistant, socket_enabled: None) -> None:
    """The options flow stores the interval; OptionsFlowWithReload reloads the entry."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=DEMO_SERIAL,
        data={CONF_DEVICE_KIND: DEVICE_KIND_METER, CONF_PORT: "socket://127.0.0.1:1"},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_STATE_INTERVAL: 30}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_STATE_INTERVAL: 30}
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY  # Reloaded: nothing listens on port 1.


@pytest.mark.parametrize("sample_id", SAMPLES)
async def test_wizard_adds_every_public_meter(
    hass: HomeAssistant, replay: Replay, mock_setup: AsyncMock, sample_id: str
) -> None:
    """The wizard, given only the bridge and the keys, adds each meter of the fixtures:
    named after the identity the meter sends (its meter number or system title)."""
    sample = SAMPLES[sample_id]
    telegram = sample_telegram(sample)
    endpoint = await replay(bytes.fromhex(sample["hex"]))
    keys = {
        CONF_ENCRYPTION_KEY: sample["key_hex"] or "",
        CONF_AUTHENTICATION_KEY: sample["auth_key_hex"] or "",
    }
    result = await _meter_form(hass)
    result = await _submit(hass, result["flow_id"], {CONF_PORT: endpoint.url, **keys})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result.get("errors")
    identity = (telegram.payload.meter_id or "").strip() or (
        telegram.system_title.hex().upper() if telegram.system_title else None
    )
    if identity is not None:
        assert result["result"].unique_id == identity
        assert result["title"].endswith(f" {identity}")
    assert result["data"][CONF_PORT] == endpoint.url
    assert result["data"].get(CONF_ENCRYPTION_KEY) == sample["key_hex"]
