"""The meter at run time: setup, entities, reconnects, availability, repairs, unload."""

from __future__ import annotations

from collections.abc import Generator
import dataclasses
from decimal import Decimal
import logging

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorExtraStoredData,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_CLASS, ATTR_UNIT_OF_MEASUREMENT, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
    restore_state,
)
from homeassistant.util import dt as dt_util
import pytest

from custom_components.localgrid import meter_connection, meter_coordinator
from custom_components.localgrid.const import (
    CONF_BAUDRATE,
    CONF_BYTE_SIZE,
    CONF_ENCRYPTION_KEY,
    CONF_PARITY,
    DOMAIN,
)
from custom_components.localgrid.meter_coordinator import MeterCoordinator
from custom_components.localgrid.protocol.model import Reading
from simulator.meter import DEMO_SERIAL, Fault
from simulator.transport import TcpEndpoint

from .conftest import MeterFactory
from .meter_common import entity_id, meter_entry, setup_meter, wait_for


@pytest.fixture(autouse=True)
def fast_timing() -> Generator[None]:
    """Reconnect and give up on a silent meter within tenths of a second."""
    with (
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(meter_coordinator, "RECONNECT_MIN", 0.05)
        patch.setattr(meter_coordinator, "RECONNECT_MAX", 0.2)
        patch.setattr(meter_coordinator, "STALE_MIN", 0.4)
        patch.setattr(meter_connection, "CONNECT_TIMEOUT", 1.0)
        yield


async def test_sensors_for_what_the_meter_sends(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """Encrypted M-Bus: energy-dashboard sensors, a device, nothing the meter does not send."""
    _, endpoint = await meter_tcp("mbus")
    entry = meter_entry(endpoint.url)
    coordinator = await setup_meter(hass, entry)
    registry = er.async_get(hass)
    assert entry.state is ConfigEntryState.LOADED

    energy = hass.states.get(entity_id(hass, "energy_import"))
    assert energy is not None
    assert Decimal(energy.state) == coordinator.data.values["energy_import"]
    assert energy.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.ENERGY
    assert energy.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
    assert energy.attributes[ATTR_UNIT_OF_MEASUREMENT] == "kWh"
    assert energy.name == f"Kaifa {DEMO_SERIAL} Energy import"

    power = hass.states.get(entity_id(hass, "power_import_l1"))
    assert power is not None
    assert power.attributes[ATTR_UNIT_OF_MEASUREMENT] == "W"
    assert power.attributes["state_class"] == SensorStateClass.MEASUREMENT
    assert power.name == f"Kaifa {DEMO_SERIAL} Power import phase 1"
    voltage = hass.states.get(entity_id(hass, "voltage_l2"))
    assert voltage is not None
    assert voltage.attributes[ATTR_UNIT_OF_MEASUREMENT] == "V"
    factor = hass.states.get(entity_id(hass, "power_factor"))
    assert factor is not None
    assert 0 < float(factor.state) <= 1
    assert ATTR_UNIT_OF_MEASUREMENT not in factor.attributes
    assert_net_power(hass, coordinator)

    # The translation keys are a contract; reactive and diagnostic figures start disabled.
    for key in ("energy_export_tariff_2", "frequency", "meter_timestamp", "current_l3"):
        assert registry.async_get(entity_id(hass, key)).translation_key == key
    for key in ("reactive_energy_import", "reactive_power_export", "power_export_l1"):
        assert (
            registry.async_get(entity_id(hass, key)).disabled_by
            is er.RegistryEntryDisabler.INTEGRATION
        )
    for key in ("frame_counter", "telegrams_decoded", "frames_rejected", "last_error"):
        stat = registry.async_get(entity_id(hass, key))
        assert stat.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert stat.entity_category is er.EntityCategory.DIAGNOSTIC
    assert registry.async_get_entity_id("sensor", DOMAIN, f"{DEMO_SERIAL}_gas_consumption") is None

    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, DEMO_SERIAL), entry.entry_id
    )
    assert device is not None
    assert device.manufacturer == "Kaifa"
    assert device.serial_number == DEMO_SERIAL

    # New telegrams keep coming and are published.
    decoded = coordinator.telegrams_decoded
    await wait_for(lambda: coordinator.telegrams_decoded >= decoded + 2)
    assert coordinator.frames_rejected == 0


def assert_net_power(hass: HomeAssistant, coordinator: MeterCoordinator) -> None:
    """Net power is import minus export, in W, a power measurement, named by its contract key."""
    values = coordinator.data.values
    net = hass.states.get(entity_id(hass, "power_net"))
    assert net is not None
    assert Decimal(net.state) == values["power_import"] - values["power_export"]
    assert net.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.POWER
    assert net.attributes["state_class"] == SensorStateClass.MEASUREMENT
    assert net.attributes[ATTR_UNIT_OF_MEASUREMENT] == "W"
    assert net.name == f"Kaifa {DEMO_SERIAL} Net power"
    registry_entry = er.async_get(hass).async_get(net.entity_id)
    assert registry_entry is not None
    assert registry_entry.translation_key == "power_net"


async def test_dsmr_meter_on_a_serial_port(hass: HomeAssistant, meter_pty: MeterFactory) -> None:
    """A P1 meter on a (pseudo) serial port: gas, tariffs and the model from the header."""
    _, endpoint = await meter_pty("dsmr")
    entry = meter_entry(
        endpoint.device_path,
        encryption_key=None,
        **{CONF_BAUDRATE: 115200, CONF_BYTE_SIZE: 8, CONF_PARITY: "N"},
    )
    coordinator = await setup_meter(hass, entry)
    gas = hass.states.get(entity_id(hass, "gas_consumption"))
    assert gas is not None
    assert gas.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.GAS
    assert gas.attributes[ATTR_UNIT_OF_MEASUREMENT] == "m³"
    assert Decimal(gas.state) == coordinator.data.values["gas_consumption"]
    assert hass.states.get(entity_id(hass, "energy_import_tariff_1")) is not None
    assert_net_power(hass, coordinator)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, DEMO_SERIAL), entry.entry_id
    )
    assert device is not None
    assert (device.manufacturer, device.model) == ("Iskraemeco", "M550E-1012")
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_port_that_cannot_be_opened_retries_setup(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """ConfigEntryNotReady: Home Assistant retries later."""
    entry = meter_entry("socket://127.0.0.1:1")
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_reconnects_after_the_bridge_drops(
    hass: HomeAssistant, meter_tcp: MeterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A rebooting bridge cuts the connection; the coordinator comes back by itself."""
    simulator, endpoint = await meter_tcp("mbus")
    coordinator = await setup_meter(hass, meter_entry(endpoint.url))
    caplog.set_level(logging.INFO, logger="custom_components.localgrid")
    endpoint.drop_clients()
    await wait_for(lambda: simulator.stats.connections >= 2)
    decoded = coordinator.telegrams_decoded
    await wait_for(lambda: coordinator.telegrams_decoded > decoded + 1)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert sum("lost" in m for m in messages) == 1
    assert sum("Reconnected" in m for m in messages) == 1


async def test_unavailable_while_silent_and_back(
    hass: HomeAssistant, meter_tcp: MeterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """No telegram for a few periods: unavailable, logged once; back with the next telegram."""
    simulator, endpoint = await meter_tcp("mbus")
    coordinator = await setup_meter(hass, meter_entry(endpoint.url))
    caplog.set_level(logging.INFO, logger="custom_components.localgrid")
    energy = entity_id(hass, "energy_import")
    frames = entity_id(hass, "telegrams_decoded")
    er.async_get(hass).async_update_entity(frames, disabled_by=None)
    port = endpoint.port
    await endpoint.stop()  # The bridge is gone: reconnects fail until it returns.
    await wait_for(lambda: hass.states.get(energy).state == STATE_UNAVAILABLE)
    await wait_for(lambda: coordinator.last_update_success is False)
    async with TcpEndpoint(simulator.handle, port=port):
        await wait_for(lambda: hass.states.get(energy).state != STATE_UNAVAILABLE)
        assert Decimal(hass.states.get(energy).state) == coordinator.data.values["energy_import"]
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert sum("unavailable" in m for m in infos) == 1
    assert sum("sending telegrams again" in m for m in infos) == 1


async def test_corrupt_frames_and_garbage_are_counted_and_skipped(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """Bad frames never reach the entities; good telegrams after them do."""
    simulator, endpoint = await meter_tcp("hdlc")
    registry = er.async_get(hass)
    for key in ("frames_rejected", "last_error", "frame_counter"):  # Enabled by the user.
        registry.async_get_or_create("sensor", DOMAIN, f"{DEMO_SERIAL}_{key}")
    coordinator = await setup_meter(hass, meter_entry(endpoint.url))
    simulator.inject(Fault.CORRUPT, Fault.GARBAGE)  # both on the next telegram
    await wait_for(lambda: coordinator.frames_rejected >= 1)
    decoded = coordinator.telegrams_decoded
    await wait_for(lambda: coordinator.telegrams_decoded > decoded)
    # One bad frame of the segmented telegram counts once; the garbage is skipped.
    assert coordinator.frames_rejected == 1
    assert coordinator.last_error is not None
    assert coordinator.last_error.startswith("corrupt:")
    assert hass.states.get(entity_id(hass, "energy_import")).state != STATE_UNAVAILABLE
    await hass.async_block_till_done()
    rejected = hass.states.get(entity_id(hass, "frames_rejected"))
    assert int(rejected.state) == coordinator.frames_rejected
    assert hass.states.get(entity_id(hass, "last_error")).state == coordinator.last_error
    counter = int(hass.states.get(entity_id(hass, "frame_counter")).state)
    assert counter == coordinator.data.telegram.frame_counter


async def test_a_bad_frame_kind_is_warned_about_once_per_connection(
    hass: HomeAssistant, meter_tcp: MeterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A noisy line warns once, not on every corrupt frame; a frame cut off by a drop
    is counted without a warning; a new connection may warn again."""
    simulator, endpoint = await meter_tcp("hdlc")
    coordinator = await setup_meter(hass, meter_entry(endpoint.url))
    caplog.set_level(logging.DEBUG, logger="custom_components.localgrid")

    def warnings() -> int:
        return sum(
            r.levelno == logging.WARNING and "frame rejected" in r.getMessage()
            for r in caplog.records
        )

    for round_ in (1, 2):
        decoded = coordinator.telegrams_decoded
        simulator.inject(Fault.CORRUPT)
        await wait_for(lambda round_=round_: coordinator.frames_rejected >= round_)
        await wait_for(lambda decoded=decoded: coordinator.telegrams_decoded > decoded + 1)
    assert warnings() == 1

    rejected = coordinator.frames_rejected
    simulator.inject(Fault.DROP)
    await wait_for(lambda: simulator.stats.connections >= 2)
    await wait_for(lambda: coordinator.frames_rejected > rejected)
    decoded = coordinator.telegrams_decoded
    await wait_for(lambda: coordinator.telegrams_decoded > decoded)  # the new connection
    assert warnings() == 1  # the cut-off frame is counted, at debug level

    rejected = coordinator.frames_rejected
    simulator.inject(Fault.CORRUPT)
    await wait_for(lambda: coordinator.frames_rejected > rejected)
    assert warnings() == 2


async def test_totals_never_go_backwards_or_jump(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """A decoded telegram with an implausible total keeps the previous value, counted."""
    _, endpoint = await meter_tcp("mbus")
    coordinator = await setup_meter(hass, meter_entry(endpoint.url))
    await hass.config_entries.async_unload(coordinator.config_entry.entry_id)  # Freeze the stream.
    good = coordinator.latest.telegram
    total = coordinator.latest.values["energy_import"]

    def with_import(value: Decimal) -> object:
        values = dict(good.payload.values) | {"1-0:1.8.0": Reading(value, "kWh")}
        return dataclasses.replace(good, payload=dataclasses.replace(good.payload, values=values))

    for bad in (total - 1, total + 100000):
        coordinator._handle([with_import(bad)])
        assert coordinator.latest.values["energy_import"] == total
    assert coordinator._guard.rejections == 2
    coordinator._handle([with_import(total + Decimal("0.5"))])
    assert coordinator.latest.values["energy_import"] == total + Decimal("0.5")
    assert "sw_version" not in coordinator.device_info
    firmware = dict(good.payload.values) | {
        "1-0:0.2.0": Reading("V9.1"),
        "1-0:128.8.0": Reading(Decimal(1), "kWh"),  # A manufacturer register: no sensor.
    }
    coordinator._handle(
        [dataclasses.replace(good, payload=dataclasses.replace(good.payload, values=firmware))]
    )
    assert coordinator.device_info["sw_version"] == "V9.1"
    assert set(coordinator.latest.values) == set(coordinator.data.values)
    await coordinator.async_stop()


async def test_totals_start_from_their_value_before_a_restart(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """After a restart a first telegram below the total shown before cannot move it back."""
    _, endpoint = await meter_tcp("mbus")
    entry = meter_entry(endpoint.url)
    coordinator = await setup_meter(hass, entry)
    energy = entity_id(hass, "energy_import")
    restore = restore_state.async_get(hass)
    assert energy in restore.entities  # stored when Home Assistant stops
    assert entity_id(hass, "power_import") not in restore.entities  # not a total
    total = coordinator.latest.values["energy_import"]
    await hass.config_entries.async_unload(entry.entry_id)

    before = total + 50  # as if the meter had been read higher before the restart
    extra = SensorExtraStoredData(before, "kWh")
    restore.last_states[energy] = restore_state.StoredState(
        State(energy, str(before)), extra, dt_util.utcnow()
    )
    coordinator = await setup_meter(hass, entry)
    assert coordinator._guard.rejections >= 1
    assert Decimal(hass.states.get(energy).state) == before
    await hass.config_entries.async_unload(entry.entry_id)


async def test_a_number_in_another_unit_than_its_sensor_is_left_out(
    hass: HomeAssistant, meter_tcp: MeterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """A Smarty sends `1-0:3.7.0(00.007)` without its kvar: not shown as 0.007 var."""
    _, endpoint = await meter_tcp("mbus")
    coordinator = await setup_meter(hass, meter_entry(endpoint.url))
    await hass.config_entries.async_unload(coordinator.config_entry.entry_id)  # Freeze the stream.
    good = coordinator.latest.telegram
    values = dict(good.payload.values) | {
        "1-0:3.7.0": Reading(Decimal("0.007"), ""),
        "0-0:17.0.0": Reading(Decimal(16), "A"),
        "1-0:4.7.0": Reading(Decimal(7), "var"),
    }
    odd = dataclasses.replace(good, payload=dataclasses.replace(good.payload, values=values))
    caplog.set_level(logging.DEBUG, logger="custom_components.localgrid")
    for _ in range(2):
        coordinator._handle([odd])
    published = coordinator.latest.values
    assert "reactive_power_import" not in published
    assert "power_limit" not in published
    assert published["reactive_power_export"] == Decimal(7)
    assert published["energy_import"] == coordinator.data.values["energy_import"]
    assert caplog.text.count("1-0:3.7.0 from") == 1  # logged once, not per telegram
    await coordinator.async_stop()


async def test_wrong_key_raises_a_repair_issue_fixed_by_reconfigure(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """The grid operator changed the key: nothing is published, the user is told to reconfigure."""
    _, endpoint = await meter_tcp("mbus")
    entry = meter_entry(endpoint.url, **{CONF_ENCRYPTION_KEY: "0F1E2D3C4B5A69788796A5B4C3D2E1F0"})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    coordinator = entry.runtime_data
    issues = ir.async_get(hass)
    issue_id = f"meter_decryption_failed_{entry.entry_id}"
    await wait_for(lambda: issues.async_get_issue(DOMAIN, issue_id) is not None)
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue.translation_key == "meter_decryption_failed"
    assert issue.severity is ir.IssueSeverity.ERROR
    assert coordinator.data is None  # Never published.
    assert coordinator.telegrams_decoded == 0
    assert coordinator.last_error.startswith("wrong_key")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(meter_connection, "PROBE_TIMEOUT", 0.6)
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": "reconfigure", "entry_id": entry.entry_id}
        )
        assert result["step_id"] == "reconfigure_meter"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"port": endpoint.url, CONF_ENCRYPTION_KEY: meter_entry("").data[CONF_ENCRYPTION_KEY]},
        )
        await hass.async_block_till_done()
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] == "abort"
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    coordinator = entry.runtime_data
    await wait_for(lambda: coordinator.data is not None)
    # A fresh coordinator has not seen failures; the issue goes with the first good telegram.
    assert issues.async_get_issue(DOMAIN, issue_id) is None or coordinator.telegrams_decoded > 0


async def test_unload_closes_the_connection(hass: HomeAssistant, meter_tcp: MeterFactory) -> None:
    """Unloading stops the coordinator and lets go of the bridge."""
    _, endpoint = await meter_tcp("mbus")
    entry = meter_entry(endpoint.url)
    await setup_meter(hass, entry)
    assert endpoint.client_count == 1
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    await wait_for(lambda: endpoint.client_count == 0)


async def test_keys_failing_for_a_while_raise_and_clear_the_repair(
    hass: HomeAssistant, meter_tcp: MeterFactory
) -> None:
    """Telegrams that keep failing decryption raise the issue; good ones clear it again."""
    simulator, endpoint = await meter_tcp("mbus")
    entry = meter_entry(endpoint.url)
    coordinator = await setup_meter(hass, entry)
    issues = ir.async_get(hass)
    issue_id = f"meter_decryption_failed_{entry.entry_id}"
    published = coordinator.data
    simulator.rates[Fault.WRONG_KEY] = 1.0  # The grid operator switched keys.
    await wait_for(lambda: issues.async_get_issue(DOMAIN, issue_id) is not None)
    assert coordinator.data is published  # The failed telegrams were not published.
    simulator.rates[Fault.WRONG_KEY] = 0.0
    await wait_for(lambda: issues.async_get_issue(DOMAIN, issue_id) is None)
    assert coordinator.data is not published


async def test_serial_adapter_pulled_out(
    hass: HomeAssistant, meter_pty: MeterFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The device disappears: a read error, one log line, retries in the background."""
    _, endpoint = await meter_pty("mbus")
    settings = {CONF_BAUDRATE: 2400, CONF_BYTE_SIZE: 8, CONF_PARITY: "E"}
    entry = meter_entry(endpoint.device_path, **settings)
    coordinator = await setup_meter(hass, entry)
    caplog.set_level(logging.INFO, logger="custom_components.localgrid")
    await endpoint.stop()
    await wait_for(lambda: any("lost" in r.getMessage() for r in caplog.records))
    await wait_for(lambda: coordinator.last_update_success is False)
    assert sum("lost" in r.getMessage() for r in caplog.records) == 1
    assert entry.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(entry.entry_id)
