"""State write throttling and the diagnostics download of a meter entry."""

from __future__ import annotations

from collections.abc import Generator
from decimal import Decimal
import json

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.localgrid import meter_coordinator
from custom_components.localgrid.const import CONF_SERIAL_NUMBER, CONF_STATE_INTERVAL
from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.model import FailureKind, Telegram
from simulator.meter import DEMO_KEY, DEMO_SERIAL, GAS_SERIAL

from .conftest import MeterFactory
from .meter_common import KEY_HEX, entity_id, meter_entry, setup_meter, wait_for


@pytest.fixture(autouse=True)
def fast_timing() -> Generator[None]:
    """Quick reconnects."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(meter_coordinator, "RECONNECT_MIN", 0.05)
        yield


async def test_throttled_states_end_on_the_exact_total(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """At most one write per interval, and the last telegram's total is always written."""
    simulator, endpoint = await meter_tcp("mbus")
    entry = meter_entry(endpoint.url, options={CONF_STATE_INTERVAL: 1})
    coordinator = await setup_meter(hass, entry)
    energy = entity_id(hass, "energy_import")
    publishes: list[Decimal] = []
    unsub = coordinator.async_add_listener(
        lambda: publishes.append(coordinator.data.values["energy_import"])
    )
    decoded = coordinator.telegrams_decoded
    await wait_for(lambda: coordinator.telegrams_decoded >= decoded + 12)
    await endpoint.stop()  # The meter falls silent; the pending write must still happen.
    last_total = coordinator.latest.values["energy_import"]
    await wait_for(lambda: coordinator._unsub_publish is None, seconds=2)
    await hass.async_block_till_done()
    unsub()
    assert Decimal(hass.states.get(energy).state) == last_total
    assert 1 <= len(publishes) <= 3  # ~1.3 s of telegrams every 0.1 s, written once a second.
    assert publishes[-1] == last_total
    assert coordinator.telegrams_decoded - decoded >= 12
    assert simulator.stats.good_telegrams >= 12


async def test_diagnostics_redact_keys_and_mask_the_serial(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, meter_tcp: MeterFactory
) -> None:
    """Keys never leave; the serial is masked; raw frames (still encrypted) are included."""
    assert await async_setup_component(hass, "diagnostics", {})
    _, endpoint = await meter_tcp("mbus")
    entry = meter_entry(endpoint.url, **{CONF_SERIAL_NUMBER: DEMO_SERIAL})
    coordinator = await setup_meter(hass, entry)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert KEY_HEX not in text
    assert KEY_HEX.lower() not in text
    assert DEMO_SERIAL not in text
    assert diagnostics["entry"]["data"]["encryption_key"] == "**REDACTED**"
    assert diagnostics["entry"]["data"][CONF_SERIAL_NUMBER] == "*" * 10 + DEMO_SERIAL[-4:]
    assert diagnostics["entry"]["unique_id"].endswith(DEMO_SERIAL[-4:])
    assert diagnostics["statistics"]["telegrams_decoded"] >= 1
    assert diagnostics["statistics"]["decoder"]["telegrams"] >= 1
    assert diagnostics["connection"]["available"] is True
    assert diagnostics["last_telegram"]["manufacturer"] == "Kaifa"
    assert diagnostics["last_telegram"]["values"]["1-0:1.8.0"].endswith(" kWh")
    raw = diagnostics["raw_frames"]
    assert raw
    assert all(bytes.fromhex(frame)[0] == 0x68 for frame in raw)  # M-Bus frames, as received.
    for frame in raw:  # Still encrypted: useless without the key, a telegram with it.
        assert MeterDecoder().feed(bytes.fromhex(frame))[0].kind is FailureKind.MISSING_KEY
        assert isinstance(MeterDecoder(DEMO_KEY).feed(bytes.fromhex(frame))[0], Telegram)
    assert coordinator.telegrams_decoded >= len(raw)


async def test_home_assistant_stop_closes_the_port(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """The port is released when Home Assistant shuts down."""
    _, endpoint = await meter_tcp("mbus")
    await setup_meter(hass, meter_entry(endpoint.url))
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await wait_for(lambda: endpoint.client_count == 0)


@pytest.mark.parametrize("fmt", ["dsmr", "smarty"])
async def test_diagnostics_mask_ids_in_plain_text(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, meter_tcp: MeterFactory, fmt: str
) -> None:
    """Plain P1 frames and headers carry meter and gas meter ids: masked there too."""
    assert await async_setup_component(hass, "diagnostics", {})
    simulator, endpoint = await meter_tcp(fmt)
    data = {"authentication_key": simulator.auth_key.hex()} if simulator.auth_key else {}
    if fmt == "dsmr":
        data["encryption_key"] = None
    entry = meter_entry(endpoint.url, **data)
    await setup_meter(hass, entry)
    text = json.dumps(await get_diagnostics_for_config_entry(hass, hass_client, entry))
    for secret in (DEMO_SERIAL, GAS_SERIAL, DEMO_SERIAL[-9:]):
        assert secret not in text
        assert secret.encode().hex() not in text
        assert secret.encode().hex().upper().encode().hex() not in text  # DSMR writes ids in hex.
    if simulator.auth_key:
        assert simulator.auth_key.hex() not in text.lower()
