"""Streams users pasted into public issue threads that no checked values come with.

Each is decoded through the streaming decoder in several chunk sizes: no exception, the
framing it was sent in, no failure reported, and only what the thread itself shows.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.dsmr_text import parse_telegram
from custom_components.localgrid.protocol.model import (
    DecodeFailure,
    FailureKind,
    Framing,
    Telegram,
)

# toreamun/amshan-homeassistant issue #48 ("OSS-support not working properly", log by
# Dead2, 2023-01-04; public issue, no licence): an Aidon meter (Norway) read through an
# OSS HAN bridge. The bridge writes each 0x0A of the meter's HDLC frames as 0x0D 0x0A and
# sends 0x0D 0x0A after each frame, so the 267-byte list frame arrives as 270 bytes whose
# FCS only verifies once the inserted CRs are taken out. Bytes as logged by amshan.
OSS_SHORT = bytes.fromhex(
    "7ea02a410883130413e6e7000f40000000000101020309060100010700ff060000053602020f00161b483e7e"
)
OSS_LIST = bytes.fromhex(
    "7ea10b41088313fa7ce6e7000f4000000000010c020209060101000281ff0d0a0b41"
    "49"
    "444f4e5f5630303031020209060000600100ff0d0a1037333539393932383936333739303531020209060000"
    "600107ff0d0a0436353235020309060100010700ff060000053402020f00161b020309060100020700ff0600"
    "00000002020f00161b020309060100030700ff060000057902020f00161d020309060100040700ff06000000"
    "0002020f00161d0203090601001f0700ff10ffb602020fff1621020309060100470700ff10004002020fff16"
    "21020309060100200700ff12093e02020fff1623020309060100340700ff12093b02020fff16230203090601"
    "00480700ff12092802020fff1623f7867e"
)
OSS_STREAM = OSS_SHORT + b"\r\n" + OSS_LIST + b"\r\n" + OSS_SHORT + b"\r\n"


def _decode(data: bytes, chunk: int) -> list[Telegram]:
    decoder = MeterDecoder(None, None)
    results = []
    for start in range(0, len(data), chunk):
        results += decoder.feed(data[start : start + chunk])
    results += decoder.flush()
    assert decoder.stats.last_failure is None, decoder.stats.last_failure
    assert all(isinstance(result, Telegram) for result in results), results
    return results  # type: ignore[return-value]


@pytest.mark.parametrize("chunk", [1, 7, 64, len(OSS_STREAM)])
def test_hdlc_through_a_bridge_that_writes_lf_as_crlf(chunk: int) -> None:
    short, full, again = _decode(OSS_STREAM, chunk)
    assert {short.framing, full.framing, again.framing} == {Framing.HDLC}
    assert short.payload == again.payload
    assert "1-0:1.7.0" in short.payload.values
    # The list frame, which carries 0x0A bytes (its visible-string lengths), decodes whole:
    # the ids it spells out in ASCII come back as sent.
    values = full.payload.values
    assert values["1-1:0.2.129"].value == "AIDON_V0001"
    assert full.payload.meter_id == "7359992896379051"
    assert {"1-0:1.7.0", "1-0:32.7.0", "1-0:52.7.0", "1-0:72.7.0"} <= set(values)


# DomiStyle/esphome-dlms-meter issue #12 ("Netz NOE", ESPHome uart_debug log by
# deviant-aut, 2022-05-03; public issue, no licence): one encrypted push of a Sagemcom
# T210-D of Netz Niederoesterreich before its V0450 firmware. Its first M-Bus frame opens
# `68 01 01 68` for 0x0101 = 257 bytes (checksum A7 verifies over them), the second is a
# standard `68 0D 0D 68` frame. No key is published, so no reading can be checked.
EVN_T210D = bytes.fromhex(
    "6801016853ff000167db085341475905eadb8381f820000067c91c7a90cd08dcdf38ae052778d7cc44fdc94d"
    "083e8f5177ffea4d125a741bd86f7c2d77e8e9db14b51eefce3b33f57c656b4c3ad7d16160dad80e3719b521"
    "802114b6e25922f914a870446650adbcd7e6c88cf7bace27ad6009be9993fc21fcf5523b024c4d271e459dd0"
    "d51581371a3d902948a9a94add0c284a9dbd6974be20dda004350f71eb5f2ad7cbc2073b7b230b6459c5a378"
    "9699c6fb0b2be7e4c64eb69dd681c71ea9f6ac3829a1b19be12fac9a979509098beed4b17c4e4499361d5f03"
    "0fcd2048f03ba72bed97a050f643df9e2988c7ebcd438c8cdb529aa7d04c60b9b6bd16255068254826a71668"
    "0d0d6853ff110167eb687b59c597c4354716"
)


@pytest.mark.parametrize("chunk", [1, 7, len(EVN_T210D)])
def test_mbus_first_frame_with_a_16_bit_length(chunk: int) -> None:
    decoder = MeterDecoder(None, None)
    results = []
    for start in range(0, len(EVN_T210D), chunk):
        results += decoder.feed(EVN_T210D[start : start + chunk])
    results += decoder.flush()
    # Both frames joined into the one ciphered APDU, which then only lacks its key.
    (failure,) = results
    assert isinstance(failure, DecodeFailure)
    assert (failure.kind, failure.framing) == (FailureKind.MISSING_KEY, Framing.MBUS)
    assert "5341475905EADB83" in failure.message


# mhendriks/P1-Dongel-ESP32 issue #87 (logscl, 2026-01-04; public issue, no licence): a
# Belgian Iskra meter whose new firmware writes the month peak value first, then its
# time without the W/S flag: `1-0:1.6.0(08.796*kW)(260102010000)`, the line the dongle
# failed on. The thread redacts the equipment id, so its CRC cannot verify: only the
# text parser is run, on the lines the thread quotes in full (IT network: ~130 V).
BE_PEAK_VALUE_FIRST = (
    b"/ISk5\\2MIE5T-200\r\n\r\n"
    b"0-0:96.1.4(3231313130)\r\n"
    b"0-0:1.0.0(260104162515W)\r\n"
    b"1-0:1.8.1(007105.942*kWh)\r\n"
    b"1-0:1.8.2(014830.476*kWh)\r\n"
    b"1-0:2.8.1(007456.573*kWh)\r\n"
    b"1-0:2.8.2(002914.252*kWh)\r\n"
    b"0-0:96.14.0(0002)\r\n"
    b"1-0:1.4.0(03.336*kW)\r\n"
    b"1-0:1.6.0(08.796*kW)(260102010000)\r\n"
    b"1-0:1.7.0(04.800*kW)\r\n"
    b"1-0:32.7.0(133.8*V)\r\n"
    b"1-0:31.7.0(007.48*A)\r\n"
    b"!"
)


def test_p1_month_peak_sent_value_first() -> None:
    payload = parse_telegram(BE_PEAK_VALUE_FIRST)
    values = payload.values
    assert (values["1-0:1.6.0"].value, values["1-0:1.6.0"].unit) == (Decimal(8796), "W")
    assert (values["1-0:1.4.0"].value, values["1-0:1.4.0"].unit) == (Decimal(3336), "W")
    assert (values["1-0:1.8.1"].value, values["1-0:1.8.1"].unit) == (Decimal("7105.942"), "kWh")
    assert (values["1-0:32.7.0"].value, values["1-0:32.7.0"].unit) == (Decimal("133.8"), "V")
