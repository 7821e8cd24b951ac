"""Streams users pasted into public issue threads that no checked values come with.

Each is decoded through the streaming decoder in several chunk sizes: no exception, the
framing it was sent in, no failure reported, and only what the thread itself shows.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from custom_components.localgrid.protocol.crc import crc16_arc
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


# arendst/Tasmota issue #8790 (comment by GEAG, 2024-03-31; public issue, no licence): an
# Iskraemeco AM550 of a Swiss operator, unencrypted, whose one DATA-NOTIFICATION the
# meter splits over three HDLC frames (format A8 twice, then A0), captured by Tasmota's
# serial bridge. The thread shows no readings; only the meter numbers spelled out in
# ASCII are checked, and that all three segments make one telegram.
CH_AM550_SEGMENTED = bytes.fromhex(
    "7EA8A4CF0223039996E6E7000F0004022C0C07E50B020215330000FFC4000210020209060000600100FF"
    "09083738333434353337020209060000600101FF0906313331333034020309060101010700FF0600000000"
    "02020F00161B020309060101020700FF060000000002020F00161B020309060101010800FF060000E3A4"
    "02020F00161E020309060101020800FF0600000BDE02020F00161E02030906010020070002C87E"
    "7EA8A4CF0223039996FF12092002020FFF1623020309060100340700FF12000002020FFF16230203090601"
    "00480700FF12000002020FFF16230203090601001F0700FF12000002020FFE1621020309060100330700FF"
    "12000002020FFE1621020309060100470700FF12000002020FFE1621020309060101010801FF0600008481"
    "02020F00161E020309060101010802FF0600005F2302020F00161E02030906010102E7517E"
    "7EA02DCF022313717C0801FF060000000002020F00161E020309060101020802FF0600000BDE02020F0016"
    "1EE3F67E"
)


@pytest.mark.parametrize("chunk", [1, 5, 64, len(CH_AM550_SEGMENTED)])
def test_iskra_notification_over_three_hdlc_segments(chunk: int) -> None:
    (telegram,) = _decode(CH_AM550_SEGMENTED, chunk)
    assert telegram.framing is Framing.HDLC
    values = telegram.payload.values
    assert values["0-0:96.1.0"].value == "78344537"
    assert values["0-0:96.1.1"].value == "131304"
    assert telegram.payload.meter_id == "78344537"
    # Registers from every segment: the first, the second and the closing A0 frame.
    assert {"1-1:1.8.0", "1-0:32.7.0", "1-1:1.8.2", "1-1:2.8.2"} <= set(values)


# zuidwijk/dsmr pull request #31 and esphome-libs/dsmr_parser pull request #17 (geduxas,
# 2023; public threads, no licence): the P1 text of an ESO (Lithuania) meter in its trial
# period, which wrote voltages in kV, currents in kA and the frequency in kHz. The
# identification line is redacted, so no CRC can verify: only the text parser is run, on
# the lines the threads quote in full.
LT_ESO_KILO_UNITS = (
    b"/ESO5\\XxXxXxXxXxX\r\n\r\n"
    b"0-0:1.0.0(230808113811S)\r\n"
    b"1-0:1.8.0(00009548.086*kWh)\r\n"
    b"1-0:3.8.0(00000026.348*kvarh)\r\n"
    b"1-0:4.8.0(00005851.642*kvarh)\r\n"
    b"1-0:2.8.1(00007251.697*kWh)\r\n"
    b"1-0:32.7.0(0000.242*kV)\r\n"
    b"1-0:32.24.0(0000.237*kV)\r\n"
    b"1-0:31.7.0(0000.005*kA)\r\n"
    b"1-0:31.4.0(0000.003*kA)\r\n"
    b"1-0:52.7.0(0000.228*kV)\r\n"
    b"1-0:51.7.0(0000.004*kA)\r\n"
    b"1-0:90.7.0(0000.014*kA)\r\n"
    b"1-0:14.7.0(0000.049*kHz)\r\n"
    b"1-0:15.7.0(00000003.262*kW)\r\n"
    b"1-0:22.7.0(00000001.186*kW)\r\n"
    b"1-0:23.7.0(00000000.000*kvar)\r\n"
    b"!"
)


def test_lithuanian_kilo_volts_amps_and_hertz() -> None:
    for _ in range(2):  # the line parser, then the plan it made
        values = parse_telegram(LT_ESO_KILO_UNITS).values
        read = {code: (reading.value, reading.unit) for code, reading in values.items()}
        assert read["1-0:32.7.0"] == (Decimal(242), "V")
        assert read["1-0:32.24.0"] == (Decimal(237), "V")
        assert read["1-0:31.7.0"] == (Decimal(5), "A")
        assert read["1-0:31.4.0"] == (Decimal(3), "A")
        assert read["1-0:90.7.0"] == (Decimal(14), "A")
        assert read["1-0:14.7.0"] == (Decimal(49), "Hz")
        assert read["1-0:15.7.0"] == (Decimal(3262), "W")
        assert read["1-0:4.8.0"] == (Decimal("5851.642"), "kvarh")


# esphome-libs/dsmr_parser issue #53 (vcc-sanya, 2026-05-22; public issue, no licence): a
# Wasion meter of E.ON Hungary writing the tariff as text, `0-0:96.14.0(TARIFF 1)`, the
# breaker state as `(ON)` and its logical device name in plain ASCII. The telegram was
# "reformatted from logs" and is quoted without its CRC: the text parser only.
HU_WASION_TEXT_TARIFF = (
    b"/WSE5Wasion--Meter---\r\n\r\n"
    b"0-0:1.0.0(260522084220S)\r\n"
    b"0-0:42.0.0(WSE1012403352978)\r\n"
    b"0-0:96.1.0(9903352978)\r\n"
    b"0-0:96.14.0(TARIFF 1)\r\n"
    b"0-0:96.3.10(ON)\r\n"
    b"0-0:17.0.0(24000*W)\r\n"
    b"1-0:1.8.0(000138.583*kWh)\r\n"
    b"1-0:1.8.1(000037.047*kWh)\r\n"
    b"1-0:2.8.0(000240.689*kWh)\r\n"
    b"1-0:15.8.0(000379.272*kWh)\r\n"
    b"1-0:3.8.0(000002.293*kvarh)\r\n"
    b"1-0:5.8.0(000000.449*kvarh)\r\n"
    b"!"
)


def test_hungarian_tariff_written_as_text() -> None:
    for _ in range(2):
        payload = parse_telegram(HU_WASION_TEXT_TARIFF)
        values = payload.values
        assert values["0-0:96.14.0"].value == "TARIFF 1"
        assert values["0-0:96.3.10"].value == "ON"
        assert values["0-0:42.0.0"].value == "WSE1012403352978"
        assert payload.meter_id == "WSE1012403352978"
        assert (values["0-0:17.0.0"].value, values["0-0:17.0.0"].unit) == (Decimal(24000), "W")
        assert (values["1-0:2.8.0"].value, values["1-0:2.8.0"].unit) == (
            Decimal("240.689"),
            "kWh",
        )
        assert payload.timestamp is not None
        assert payload.timestamp.isoformat() == "2026-05-22T08:42:20+02:00"


# Netbeheer Nederland, "Dutch Smart Meter Requirements (DSMR) 5.0.2 P1 Companion
# Standard" (final, 2016-02-26; public document), the example telegram of its P1 chapter,
# as quoted in nielsbasjes/dsmr-tools (Apache-2.0), TestDsmrParserOnSpecification50.java,
# which states that the printed CRC EF2F does not verify (CRC-16/ARC over the lines with
# CRLF is E47C). A telegram that fails its own check: reported as corrupt, never raised
# and never decoded, whether it arrives with CRLF or with the document's bare LF.
DSMR50_SPEC_LINES = (
    "/ISk5\\2MT382-1000",
    "",
    "1-3:0.2.8(50)",
    "0-0:1.0.0(101209113020W)",
    "0-0:96.1.1(4B384547303034303436333935353037)",
    "1-0:1.8.1(123456.789*kWh)",
    "1-0:1.8.2(123456.789*kWh)",
    "1-0:2.8.1(123456.789*kWh)",
    "1-0:2.8.2(123456.789*kWh)",
    "0-0:96.14.0(0002)",
    "1-0:1.7.0(01.193*kW)",
    "1-0:2.7.0(00.000*kW)",
    "0-0:96.7.21(00004)",
    "0-0:96.7.9(00002)",
    "1-0:99.97.0(2)(0-0:96.7.19)(101208152415W)(0000000240*s)(101208151004W)(0000000301*s)",
    "1-0:32.32.0(00002)",
    "1-0:52.32.0(00001)",
    "1-0:72.32.0(00000)",
    "1-0:32.36.0(00000)",
    "1-0:52.36.0(00003)",
    "1-0:72.36.0(00000)",
    "0-0:96.13.0(" + "303132333435363738393A3B3C3D3E3F" * 5 + ")",
    "1-0:32.7.0(220.1*V)",
    "1-0:52.7.0(220.2*V)",
    "1-0:72.7.0(220.3*V)",
    "1-0:31.7.0(001*A)",
    "1-0:51.7.0(002*A)",
    "1-0:71.7.0(003*A)",
    "1-0:21.7.0(01.111*kW)",
    "1-0:41.7.0(02.222*kW)",
    "1-0:61.7.0(03.333*kW)",
    "1-0:22.7.0(04.444*kW)",
    "1-0:42.7.0(05.555*kW)",
    "1-0:62.7.0(06.666*kW)",
    "0-1:24.1.0(003)",
    "0-1:96.1.0(3232323241424344313233343536373839)",
    "0-1:24.2.1(101209112500W)(12785.123*m3)",
    "!EF2F",
)


@pytest.mark.parametrize("line_end", ["\r\n", "\n"], ids=["crlf", "lf"])
@pytest.mark.parametrize("chunk", [1, 64, 4096])
def test_dsmr50_specification_example_with_its_wrong_crc(line_end: str, chunk: int) -> None:
    spec = (line_end.join(DSMR50_SPEC_LINES) + line_end).encode()
    after = b"/ABC5 test\r\n\r\n1-0:1.8.1(000001.000*kWh)\r\n!"  # the stream goes on
    after += f"{crc16_arc(after):04X}\r\n".encode()
    data = spec + after
    decoder = MeterDecoder(None, None)
    results = []
    for start in range(0, len(data), chunk):
        results += decoder.feed(data[start : start + chunk])
    results += decoder.flush()
    failures = [r for r in results if isinstance(r, DecodeFailure)]
    telegrams = [r for r in results if isinstance(r, Telegram)]
    assert [f.kind for f in failures] == [FailureKind.CORRUPT]
    assert [t.payload.values["1-0:1.8.1"].value for t in telegrams] == [Decimal(1)]
