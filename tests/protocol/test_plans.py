"""Shape plans (dsmr_text._Plan, cosem._ScanPlan) read exactly what the full parsers read.

A plan is remembered from one telegram and reused for the next ones of the same shape:
values that change every telegram must come out as the full parser reads them, and any
other change must fall back to the full parser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import contextlib
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.localgrid.protocol import cosem, dsmr_text
from custom_components.localgrid.protocol.model import Reading

from .corpus import DLMS_IDS, plaintext, sample
from .test_dsmr_text import BELGIAN

CET = timezone(timedelta(hours=1))


@contextlib.contextmanager
def _no_plans(plans: dict[object, object]) -> Iterator[None]:
    """Run the full parser: no plan known (those it makes are forgotten afterwards)."""
    saved = dict(plans)
    plans.clear()
    try:
        yield
    finally:
        plans.clear()
        plans.update(saved)


def _outcome(parse: Callable[[], object]) -> str:
    try:
        return repr(parse())
    except ValueError as err:
        return f"{type(err).__name__}: {err}"


# ---- DSMR P1 text -------------------------------------------------------------------------


def _dsmr_text(sample_id: str) -> bytes:
    data = sample(sample_id)
    if data.get("text"):
        return bytes.fromhex(data["hex"])
    return str(data["expected"]["other"]["plaintext_text"]).encode()


DSMR_TEXTS = (
    _dsmr_text("nl01_iskra_dsmr50_text_plain"),
    _dsmr_text("at12_sagemcom_t210d_dsmr_text_plain"),
    _dsmr_text("lu01_sagemcom_smarty_dsmr_enc_auth"),
    BELGIAN,
)


def _planned(text: bytes) -> bool:
    """Whether a plan reads `text` (rather than the line parser)."""
    header_end = text.index(b"\n")
    body = text[header_end : text.rindex(b"!")]
    plans = dsmr_text._PLANS.get(text[1:header_end].strip(), [])
    return any(plan.read(body) is not None for plan in plans)


def test_dsmr_changed_values_read_through_the_plan() -> None:
    first = _dsmr_text("nl01_iskra_dsmr50_text_plain")
    dsmr_text.parse_telegram(first)  # makes the plan
    later = (
        first.replace(b"1-0:1.8.1(000004.426*kWh)", b"1-0:1.8.1(123456.789*kWh)")
        .replace(b"1-0:1.7.0(00.244*kW)", b"1-0:1.7.0(01.532*kW)")
        .replace(b"1-0:32.7.0(0230.0*V)", b"1-0:32.7.0(0231.7*V)")
        .replace(b"0-0:1.0.0(170102192002W)", b"0-0:1.0.0(170102192012W)")
        .replace(b"(170102161005W)(00000.107*m3)", b"(170102170000W)(00012.345*m3)")
        .replace(b"0-0:96.14.0(0002)", b"0-0:96.14.0(0001)")
    )
    assert later != first
    assert _planned(later)
    payload = dsmr_text.parse_telegram(later)
    values = payload.values
    assert values["1-0:1.8.1"] == Reading(Decimal("123456.789"), "kWh")
    assert values["1-0:1.7.0"] == Reading(Decimal(1532), "W")
    assert str(values["1-0:1.7.0"].value) == "1532"
    assert values["1-0:32.7.0"] == Reading(Decimal("231.7"), "V")
    assert values["0-1:24.2.1"] == Reading(Decimal("12.345"), "m³")
    assert values["0-0:96.14.0"] == Reading("0001")
    assert payload.timestamp == datetime(2017, 1, 2, 19, 20, 12, tzinfo=CET)
    with _no_plans(dsmr_text._PLANS):
        assert repr(dsmr_text.parse_telegram(later)) == repr(payload)


def test_dsmr_other_shape_falls_back_to_the_line_parser() -> None:
    first = _dsmr_text("nl01_iskra_dsmr50_text_plain")
    dsmr_text._PLANS.clear()
    dsmr_text.parse_telegram(first)
    # A value that is no longer a number, an added line, a number with other decimals.
    for old, new in (
        (b"1-0:1.8.1(000004.426*kWh)", b"1-0:1.8.1(ERROR*kWh)"),
        (b"0-0:96.14.0(0002)\r\n", b"0-0:96.14.0(0002)\r\n1-0:1.8.0(000007.000*kWh)\r\n"),
        (b"1-0:1.7.0(00.244*kW)", b"1-0:1.7.0(00.2441*kW)"),
        (b"0-0:1.0.0(170102192002W)", b"0-0:1.0.0(170102192002)"),
    ):
        changed = first.replace(old, new)
        assert not _planned(changed)
        planned = _outcome(lambda text=changed: dsmr_text.parse_telegram(text))
        with _no_plans(dsmr_text._PLANS):
            assert _outcome(lambda text=changed: dsmr_text.parse_telegram(text)) == planned


def test_dsmr_shapes_of_one_meter_are_all_remembered() -> None:
    first = _dsmr_text("nl01_iskra_dsmr50_text_plain")
    other = first.replace(b"1-0:2.8.2(000000.000*kWh)\r\n", b"")
    dsmr_text._PLANS.clear()
    for text in (first, other):
        dsmr_text.parse_telegram(text)
    assert _planned(first)
    assert _planned(other)
    assert "1-0:2.8.2" in dsmr_text.parse_telegram(first).values
    assert "1-0:2.8.2" not in dsmr_text.parse_telegram(other).values


_DSMR_BYTES = st.sampled_from(b"0123456789.*()-:WS \r\nABCkWh!/")


@settings(max_examples=300, deadline=None)
@given(
    text=st.sampled_from(DSMR_TEXTS),
    changes=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), _DSMR_BYTES), max_size=4),
    digits_only=st.booleans(),
)
def test_dsmr_plan_reads_as_the_line_parser(
    text: bytes, changes: list[tuple[float, int]], digits_only: bool
) -> None:
    dsmr_text.parse_telegram(text)  # the plan of the unchanged telegram
    changed = bytearray(text)
    for where, byte in changes:
        at = int(where * len(changed))
        if not digits_only:
            changed[at] = byte
        elif chr(changed[at]).isdigit():
            changed[at] = ord("0") + byte % 10
    planned = _outcome(lambda: dsmr_text.parse_telegram(bytes(changed)))
    with _no_plans(dsmr_text._PLANS):
        assert _outcome(lambda: dsmr_text.parse_telegram(bytes(changed))) == planned


# ---- DLMS notification bodies ---------------------------------------------------------------


def _decode(apdu: bytes, sample_id: str) -> object:
    title = None
    raw = bytes.fromhex(sample(sample_id)["hex"])
    at = raw.find(b"\xdb\x08")
    if at >= 0:
        title = raw[at + 2 : at + 10]
    return cosem.decode_apdu(apdu, system_title=title, local_zone=UTC)


def test_dlms_changed_values_read_through_the_plan() -> None:
    sample_id = "no01_aidon_1phase_hdlc_plain"
    first = plaintext(sample_id)
    _decode(first, sample_id)  # makes the plan
    power_code = bytes((1, 0, 1, 7, 0, 255))
    at = first.index(b"\x09\x06" + power_code) + 8
    assert first[at] == 0x06  # double-long-unsigned
    later = first[: at + 1] + (123_456).to_bytes(4) + first[at + 5 :]
    plan = cosem._SCAN_PLANS[len(later) - 6 - (first[5] == 0x09)]
    assert plan.scan(later, len(later) - plan._size, len(later)) is not None
    assert plan._direct is not None  # every value scaled or text: read without the scan
    payload = _decode(later, sample_id)
    assert isinstance(payload, cosem.Payload)
    assert payload.values["1-0:1.7.0"] == Reading(Decimal(123_456), "W")
    with _no_plans(cosem._SCAN_PLANS):
        assert repr(_decode(later, sample_id)) == repr(payload)


@pytest.mark.parametrize("sample_id", DLMS_IDS)
@settings(max_examples=60, deadline=None)
@given(changes=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255))))
def test_dlms_plan_reads_as_the_scan(sample_id: str, changes: list[tuple[float, int]]) -> None:
    apdu = plaintext(sample_id)
    if apdu[:1] != b"\x0f":
        pytest.skip("not a plaintext notification")
    with contextlib.suppress(ValueError):
        _decode(apdu, sample_id)  # the plan of the unchanged body
    changed = bytearray(apdu)
    for where, byte in changes:
        changed[6 + int(where * (len(changed) - 6))] = byte  # body, header kept
    planned = _outcome(lambda: _decode(bytes(changed), sample_id))
    with _no_plans(cosem._SCAN_PLANS):
        assert _outcome(lambda: _decode(bytes(changed), sample_id)) == planned


def test_dsmr_profile_naming_a_register_read_through_the_plan() -> None:
    """A DSMR 2.2 gas profile on one line names the register it carries: the plan gives
    its value under that code too, and never over a value the telegram sent before it."""
    profile = "(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)(00001.001)"
    for lines in (
        (f"0-1:24.3.0{profile}", "1-0:1.8.0(000001.000*kWh)"),
        ("0-1:24.2.1(161107190000W)(00002.000*m3)", f"0-1:24.3.0{profile}"),
    ):
        text = ("\r\n".join(("/XXX5 test", "", *lines, "!")) + "\r\n").encode()
        dsmr_text._PLANS.clear()
        full = dsmr_text.parse_telegram(text)
        for _ in range(2):  # the plan, with what it remembered, then from what it remembers
            assert _planned(text)
            assert repr(dsmr_text.parse_telegram(text)) == repr(full)
        gas = full.values["0-1:24.2.1"].value
        assert gas == Decimal("1.001" if lines[0].startswith("0-1:24.3.0") else "2.000")


def test_dlms_identifiers_of_many_meters() -> None:
    """Ids are decoded once per meter and remembered; with many meters the memory stays
    bounded and every body still reads its own. Binary ids (hex text) and date-times
    sent as octet strings are never taken for remembered text."""
    sample_id = "no01_aidon_1phase_hdlc_plain"
    first = plaintext(sample_id)
    sent_id = b"7359992890941742"
    assert first.count(sent_id) == 1
    for number in range(600):
        meter_id = f"{number:016d}"
        body = first.replace(sent_id, meter_id.encode())
        for _ in range(2):  # the scan or the plan, then the plan with what it remembered
            payload = _decode(body, sample_id)
            assert isinstance(payload, cosem.Payload)
            assert payload.meter_id == meter_id
    assert len(cosem._SAME_TEXTS) <= cosem._MAX_SAME_TEXTS
    # The same bytes, not printable, from two meters: hex text from an octet string, text
    # from a visible string (the second meter's list version is one letter longer).
    field = bytes.fromhex("07E8061C050A2B2B00FF888001020304")
    octets = first.replace(b"\x0a\x10" + sent_id, b"\x09\x10" + field)
    visible = first.replace(b"\x0a\x10" + sent_id, b"\x0a\x10" + field).replace(
        b"\x0a\x0bAIDON_V0001", b"\x0a\x0cAIDON_V0001X"
    )
    for body, expected in (
        (octets, field.hex().upper()),
        (octets, field.hex().upper()),
        (visible, field.decode("latin-1")),
        (visible, field.decode("latin-1")),
        (octets, field.hex().upper()),
    ):
        payload = _decode(body, sample_id)
        assert isinstance(payload, cosem.Payload)
        assert payload.values["0-0:96.1.0"] == Reading(expected)
