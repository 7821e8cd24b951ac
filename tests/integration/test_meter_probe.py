"""Serial setting detection, meter identity and the total guard, without Home Assistant I/O."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from unittest.mock import AsyncMock, MagicMock, patch

import pytest

from custom_components.localgrid import meter_connection
from custom_components.localgrid.meter_connection import (
    SERIAL_CANDIDATES,
    DamagedFrames,
    MeterProbeError,
    NoTelegram,
    SerialSettings,
    async_probe,
)
from custom_components.localgrid.meter_coordinator import mask_serial
from custom_components.localgrid.meter_device import (
    meter_firmware,
    meter_model,
    meter_serial,
    serial_matches,
)
from custom_components.localgrid.meter_guard import TotalGuard
from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.model import Reading, Telegram
from simulator.meter import DEMO_KEY, DEMO_SERIAL, MeterSimulator

M_BUS = SerialSettings(2400, 8, "E")


def _line(settings_to_bytes: dict[SerialSettings | None, bytes], opened: list) -> AsyncMock:
    """A fake port: at each setting it yields the given bytes, then the line ends."""

    async def fake_open(port: str, settings: SerialSettings | None) -> tuple:
        opened.append(settings)
        reader = asyncio.StreamReader()
        reader.feed_data(settings_to_bytes.get(settings, b""))
        reader.feed_eof()
        writer = MagicMock()
        writer.wait_closed = AsyncMock()
        return reader, writer

    return AsyncMock(side_effect=fake_open)


async def test_probe_tries_settings_until_a_telegram_decodes() -> None:
    """Wrong rates give noise; the M-Bus setting gives a telegram and is the one kept."""
    telegram = MeterSimulator("mbus", seed=2).telegram().data
    noise = bytes(range(1, 100)) * 3
    opened: list = []
    line = dict.fromkeys(SERIAL_CANDIDATES, noise) | {M_BUS: telegram}
    with patch.object(meter_connection, "async_open", _line(line, opened)):
        result = await async_probe("/dev/ttyUSB0", DEMO_KEY, None)
    assert result.settings == M_BUS
    assert str(result.settings) == "2400 8E1"
    assert opened == [SERIAL_CANDIDATES[0], M_BUS]
    assert meter_serial(result.telegram) == DEMO_SERIAL


async def test_probe_of_a_silent_line_stops_early() -> None:
    """A line that sends nothing at all is silent at every rate: no point trying them all."""
    opened: list = []
    with (
        patch.object(meter_connection, "async_open", _line({}, opened)),
        pytest.raises(NoTelegram),
    ):
        await async_probe("/dev/ttyUSB0", None, None)
    assert opened == [SERIAL_CANDIDATES[0]]


async def _probe_error(
    line: dict[SerialSettings | None, bytes], port: str, key: bytes | None
) -> MeterProbeError:
    """What a probe that finds no telegram on `line` raises, once it tried every setting."""
    opened: list = []
    with (
        patch.object(meter_connection, "async_open", _line(line, opened)),
        pytest.raises(MeterProbeError) as err,
    ):
        await async_probe(port, key, None)
    assert opened == list(SERIAL_CANDIDATES)
    return err.value


async def test_probe_of_noise_at_every_rate() -> None:
    """Bytes but never a telegram: every setting is tried, then no_telegram."""
    line = dict.fromkeys(SERIAL_CANDIDATES, b"\x00\xff" * 50)
    error = await _probe_error(line, "rfc2217://bridge:2217", None)
    assert isinstance(error, NoTelegram)
    assert error.error == "no_telegram"


async def test_probe_of_frames_that_all_fail_their_checks() -> None:
    """Frames at some rate, none intact (here a byte gained in each): every setting is
    tried, then damaged_frames, not no_telegram and not a wrong key."""
    telegram = MeterSimulator("mbus", seed=2).telegram().data
    damaged = telegram[:30] + b"\x00" + telegram[30:]
    line = dict.fromkeys(SERIAL_CANDIDATES, b"\x00\xff" * 50) | {M_BUS: damaged * 2}
    error = await _probe_error(line, "/dev/ttyUSB0", DEMO_KEY)
    assert isinstance(error, DamagedFrames)
    assert error.error == "damaged_frames"
    # Intact frames at a later setting still win.
    line[SERIAL_CANDIDATES[-1]] = telegram
    with patch.object(meter_connection, "async_open", _line(line, [])):
        result = await async_probe("/dev/ttyUSB0", DEMO_KEY, None)
    assert result.settings == SERIAL_CANDIDATES[-1]


def _decoded(fmt: str) -> Telegram:
    simulator = MeterSimulator(fmt, seed=3)
    result = MeterDecoder(simulator.key, simulator.auth_key).feed(simulator.telegram().data)
    assert isinstance(result[0], Telegram)
    return result[0]


def test_identity_of_meters() -> None:
    """Serials, models and firmware come from what each meter family sends."""
    mbus = _decoded("mbus")
    assert serial_matches(mbus, DEMO_SERIAL.lower())
    assert serial_matches(mbus, "0123-4567-89")
    assert not serial_matches(mbus, "4711")
    assert meter_model(mbus) is None
    assert meter_firmware(mbus) is None
    # A meter that sends no id is known by its system title, which still identifies it.
    anonymous = dataclasses.replace(mbus, payload=dataclasses.replace(mbus.payload, meter_id=None))
    assert meter_serial(anonymous) == mbus.system_title.hex().upper()
    assert serial_matches(anonymous, mbus.system_title[3:].hex())
    assert not serial_matches(anonymous, "4711")
    values = dict(mbus.payload.values) | {
        "1-0:0.2.0": Reading("V1.2.3"),
        "0-0:96.1.7": Reading("MA309M"),
    }
    typed = dataclasses.replace(mbus, payload=dataclasses.replace(mbus.payload, values=values))
    assert (meter_model(typed), meter_firmware(typed)) == ("MA309M", "V1.2.3")
    # Smarty puts a serial, not a model, into its header.
    assert meter_model(_decoded("smarty")) is None
    assert meter_model(_decoded("dsmr")) == "M550E-1012"
    no_identity = dataclasses.replace(
        anonymous, system_title=None, payload=dataclasses.replace(mbus.payload, meter_id=None)
    )
    assert meter_serial(no_identity) is None
    assert serial_matches(no_identity, "anything")  # Nothing to contradict the user.


def test_total_guard() -> None:
    """Backwards and impossible jumps are refused; a new level seen three times is trusted."""
    guard = TotalGuard()
    assert guard.accept("energy_import", Decimal(100), "kWh", 0.0)
    assert guard.accept("energy_import", Decimal("100.5"), "kWh", 1.0)
    assert not guard.accept("energy_import", Decimal(99), "kWh", 2.0)
    assert not guard.accept("energy_import", Decimal(5000), "kWh", 3.0)
    assert guard.accept("energy_import", Decimal(150), "kWh", 360.0)  # 50 kWh in 6 min: plausible
    assert guard.rejections == 2
    for _ in range(2):
        assert not guard.accept("energy_import", Decimal(3), "kWh", 400.0)
    assert guard.accept("energy_import", Decimal(3), "kWh", 401.0)  # A replaced meter.
    assert guard.accept("gas_consumption", Decimal(1), "m³", 0.0)
    assert TotalGuard.is_total("kvarh")
    assert not TotalGuard.is_total("W")


def test_mask_serial() -> None:
    """All but the last four characters are hidden."""
    assert mask_serial("12345678") == "****5678"
    assert mask_serial("123") == "123"
