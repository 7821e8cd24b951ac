"""Public telegrams outside the shared corpus, decoded through the CLI contract.

Each fixture in tests/fixtures/meters_extra holds the bytes exactly as published and the
values its source asserts (see each file's `source_*` and `notes`). These are the "same
families, not seen before" the decoder must handle: other operators, makers, list
layouts, HDLC addresses, security byte 0x21 and DSMR versions.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.localgrid.protocol.__main__ import main
from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.model import DecodeFailure, Telegram
from custom_components.localgrid.protocol.obis import lookup, normalised

EXTRA = Path(__file__).parent.parent / "fixtures" / "meters_extra"
SAMPLES = {path.stem: json.loads(path.read_text()) for path in sorted(EXTRA.glob("*.json"))}
CONTRACT_UNITS = {"kWh", "kvarh", "kVAh", "W", "var", "VA", "V", "A", "Hz", "m³", "GJ", "", "s"}
CONTRACT_UNITS |= {"°"}  # phase angles (D0 text `deg`, DLMS unit 8)


def decode(
    sample: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    """The one JSON object the CLI prints for the sample's bytes (fed as hex text)."""
    path = tmp_path / "telegram.hex"
    path.write_text(sample["hex"])
    argv = ["decode", "--hex", str(path)]
    if sample["key_hex"]:
        argv += ["--key", sample["key_hex"]]
    if sample["auth_key_hex"]:
        argv += ["--auth-key", sample["auth_key_hex"]]
    if "timezone" in sample:  # where the meter's clock runs, as the user configures it
        argv += ["--timezone", sample["timezone"]]
    code = main(argv)
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 1, lines
    telegram: dict[str, Any] = lines[0]
    return telegram


def _hex_text(text: str) -> str:
    """`3153414733...` -> `1SAG3...`: DSMR ids are hex-encoded ASCII."""
    try:
        return bytes.fromhex(text).decode("ascii")
    except ValueError:
        return text


def test_enough_varied_samples() -> None:
    assert len(SAMPLES) >= 15
    assert len({sample["framing"] for sample in SAMPLES.values()}) >= 4
    assert len({sample["country"][:2] for sample in SAMPLES.values()}) >= 8


@pytest.mark.parametrize("sample_id", SAMPLES)
def test_decodes_to_the_asserted_values(
    sample_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = SAMPLES[sample_id]
    expected = sample["expected"]
    telegram = decode(sample, tmp_path, capsys)
    values = telegram["values"]
    tolerance = Decimal(str(expected["tolerance"]))
    for code, want in expected["obis"].items():
        assert code in values, f"{code} missing; decoded {sorted(values)}"
        got = values[code]
        if isinstance(want["value"], str):
            # Identifiers: as sent, or the hex-encoded ASCII the meter sent, decoded.
            text = want["value"]
            assert got["value"] in (text, _hex_text(text)), (code, got)
            continue
        reading = normalised(Decimal(str(want["value"])), want["unit"] or "")
        assert got["unit"] == reading.unit, (code, got)
        assert isinstance(got["value"], int | float), (code, got)
        number = Decimal(json.dumps(got["value"]))  # the exact decimal text printed
        assert abs(number - Decimal(reading.value)) <= tolerance, (code, got, reading)  # type: ignore[arg-type]
    other = expected["other"]
    if "meter_id" in other:
        assert telegram["meter_id"] == other["meter_id"]
    if "system_title" in other:
        assert telegram["system_title"] == other["system_title"]
        assert telegram["authenticated"] is (sample["auth_key_hex"] is not None)
        assert isinstance(telegram["frame_counter"], int)
    for code in other.get("present", ()):
        assert code in values, f"{code} missing"
    for code, raw in other.get("raw_registers", {}).items():
        # The source asserts the register as sent; the decoded value is that number
        # scaled by a power of ten (the plausibility test below checks which one).
        number = Decimal(json.dumps(values[code]["value"]))
        assert any(number == Decimal(raw).scaleb(shift) for shift in range(-3, 4)), (code, raw)
    if "timestamp" in other:
        assert telegram["timestamp"] == other["timestamp"]
    if "timestamp_utc" in other:
        moment = datetime.fromisoformat(telegram["timestamp"])
        assert moment == datetime.fromisoformat(other["timestamp_utc"])


@pytest.mark.parametrize("sample_id", SAMPLES)
def test_readings_are_physically_plausible(
    sample_id: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Units of the contract, and no register read with the wrong power of ten.

    Catches a layout decoded with a wrong implicit scaler even where the source asserts
    nothing (encrypted samples) or asserts the raw register (amsreader's Swedish Kaifa).
    """
    telegram = decode(SAMPLES[sample_id], tmp_path, capsys)
    assert telegram["values"], "no readings"
    for code, reading in telegram["values"].items():
        value, unit = reading["value"], reading["unit"]
        assert unit in CONTRACT_UNITS, (code, reading)
        quantity = lookup(code)
        if quantity is None or not isinstance(value, int | float):
            continue
        if quantity.kind == "voltage":
            assert value == 0 or 180 <= value <= 260, (code, reading)
        elif quantity.kind == "current" and quantity.key.startswith("current"):
            assert abs(value) < 100, (code, reading)  # Aidon 6525 signs its currents
        elif quantity.kind == "power_factor":
            assert -1 <= value <= 1, (code, reading)
        elif quantity.kind in ("power", "reactive_power") and quantity.key != "power_limit":
            assert abs(value) < 100_000, (code, reading)


def _decoded(sample: dict[str, Any], chunk: int) -> list[Telegram | DecodeFailure]:
    key, auth_key = sample["key_hex"], sample["auth_key_hex"]
    decoder = MeterDecoder(
        bytes.fromhex(key) if key else None, bytes.fromhex(auth_key) if auth_key else None
    )
    data = bytes.fromhex(sample["hex"])
    results: list[Telegram | DecodeFailure] = []
    for start in range(0, len(data), chunk):
        results += decoder.feed(data[start : start + chunk])
    return results + decoder.flush()


@pytest.mark.parametrize("sample_id", SAMPLES)
def test_byte_by_byte_gives_the_same_telegram(sample_id: str) -> None:
    """A serial port delivers these in small pieces: the result must not depend on it."""
    sample = SAMPLES[sample_id]
    (whole,) = _decoded(sample, len(sample["hex"]))
    assert isinstance(whole, Telegram)
    for chunk in (1, 7):
        (piecewise,) = _decoded(sample, chunk)
        assert isinstance(piecewise, Telegram), piecewise
        assert piecewise.payload == whole.payload
