"""Telegrams a bridge sends again and again over TCP: every public fixture, and meters or
bugs that must not stop the stream."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
import logging

from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest

from custom_components.localgrid import meter_coordinator
from custom_components.localgrid.const import (
    CONF_AUTHENTICATION_KEY,
    CONF_ENCRYPTION_KEY,
    DOMAIN,
)
from custom_components.localgrid.meter_coordinator import MeterValue
from custom_components.localgrid.meter_sensors import READING_SENSORS
from custom_components.localgrid.protocol.crc import crc16_arc
from custom_components.localgrid.protocol.obis import lookup

from .conftest import Replay
from .meter_common import (
    SAMPLES,
    meter_entry,
    sample_telegram,
    setup_meter,
    wait_for,
)


def _p1(*lines: str) -> bytes:
    text = ("\r\n".join(("/ISK5\\2M550T-1012", "", *lines)) + "\r\n!").encode()
    return text + f"{crc16_arc(text):04X}\r\n".encode()


async def test_a_register_that_is_not_a_number_is_left_out(
    hass: HomeAssistant, replay: Replay, caplog: pytest.LogCaptureFixture
) -> None:
    """A meter that writes text where a number belongs (`ERROR`, dashes): that sensor is
    unavailable, said once in the log; the others go on."""
    telegram = _p1(
        "0-0:1.0.0(ABC)",
        "0-0:96.1.1(4530303339303330)",
        "1-0:1.8.1(000123.456*kWh)",
        "1-0:1.8.2(ERROR*kWh)",
        "1-0:1.7.0(--.---*kW)",
        "1-0:32.7.0(230.1*V)",
    )
    endpoint = await replay(telegram)
    entry = meter_entry(endpoint.url, encryption_key=None)
    caplog.set_level(logging.INFO)
    coordinator = await setup_meter(hass, entry)
    await wait_for(lambda: coordinator.telegrams_decoded >= 3)
    await hass.async_block_till_done()
    registry = er.async_get(hass)

    def state(key: str) -> str | None:
        found = registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_{key}")
        if found is None:
            return None
        current = hass.states.get(found)
        return None if current is None else current.state

    assert state("energy_import_tariff_1") == "123.456"
    assert state("voltage_l1") == "230.1"
    for key in ("energy_import_tariff_2", "power_import", "meter_timestamp"):
        assert state(key) in (None, STATE_UNAVAILABLE), key
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, errors
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for code, value in (
        ("1-0:1.8.2", "ERROR*kWh"),
        ("1-0:1.7.0", "--.---*kW"),
        ("0-0:1.0.0", "ABC"),
    ):
        assert sum(message.startswith(f"{code} from ") for message in warned) == 1, warned
        assert any(repr(value) in message for message in warned), value
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.parametrize("sample_id", SAMPLES)
async def test_real_telegram_in_home_assistant(
    hass: HomeAssistant, replay: Replay, caplog: pytest.LogCaptureFixture, sample_id: str
) -> None:
    """Every public telegram of the fixtures, sent by a bridge: each quantity the decoder
    reads as a number in its unit (or as a time) is a sensor showing that value, with
    the sensor's unit; nothing is logged as an error."""
    sample = SAMPLES[sample_id]
    raw = bytes.fromhex(sample["hex"])
    key, auth_key = sample["key_hex"], sample["auth_key_hex"]
    payload = sample_telegram(sample).payload
    readings = payload.values
    expected: dict[str, MeterValue | None] = {}  # None: sent, but not shown
    for code, reading in readings.items():
        quantity = lookup(code, readings)
        if quantity is None or quantity.key in expected:
            continue
        fits = (
            isinstance(reading.value, datetime)
            if quantity.kind == "timestamp"
            else isinstance(reading.value, Decimal) and reading.unit == quantity.unit
        )
        expected[quantity.key] = reading.value if fits else None
    if expected.get("meter_timestamp") is None and payload.timestamp:
        expected["meter_timestamp"] = payload.timestamp  # the notification's own time
    endpoint = await replay(raw)
    entry = meter_entry(
        endpoint.url, **{CONF_ENCRYPTION_KEY: key, CONF_AUTHENTICATION_KEY: auth_key}
    )
    coordinator = await setup_meter(hass, entry)
    await wait_for(lambda: coordinator.telegrams_decoded >= 2)
    await hass.async_block_till_done()
    registry = er.async_get(hass)
    shown = 0
    for key, description in READING_SENSORS.items():
        found = registry.async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_{key}")
        value = expected.get(key)
        if found is None:
            assert value is None or key == "power_net", key
            continue
        if key == "power_net" or not description.entity_registry_enabled_default:
            continue  # the one the coordinator adds; the ones a user enables
        state = hass.states.get(found)
        assert state is not None, key
        assert state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) == (
            description.native_unit_of_measurement
        ), key
        if isinstance(value, datetime):
            assert dt_util.parse_datetime(state.state) == value.replace(microsecond=0), key
        elif isinstance(value, Decimal):
            assert Decimal(state.state) == value, key
        else:
            assert state.state == STATE_UNAVAILABLE, key
        shown += 1
    assert shown, "no sensor shows a reading"
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert not errors, errors
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_an_error_while_handling_telegrams_does_not_stop_the_stream(
    hass: HomeAssistant,
    replay: Replay,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug behind the decoder (here the OBIS look-up failing on every telegram) is
    logged once with its traceback; the stream is read on, and shown once it is fixed."""
    endpoint = await replay(_p1("1-0:1.8.1(000123.456*kWh)", "1-0:32.7.0(230.1*V)"))
    entry = meter_entry(endpoint.url, encryption_key=None)
    coordinator = await setup_meter(hass, entry)
    first = coordinator.data

    def broken_lookup(*_args: object) -> None:
        raise RuntimeError("look-up bug")

    with monkeypatch.context() as patch:
        patch.setattr(meter_coordinator, "lookup", broken_lookup)
        decoded = coordinator.telegrams_decoded
        await wait_for(lambda: coordinator.telegrams_decoded >= decoded + 5)
    failures = [record for record in caplog.records if "look-up bug" in str(record.exc_info)]
    assert len(failures) == 1, failures
    await wait_for(lambda: coordinator.data is not first)  # the next telegram is shown
    assert coordinator.data.values["energy_import_tariff_1"] == Decimal("123.456")
    assert await hass.config_entries.async_unload(entry.entry_id)
