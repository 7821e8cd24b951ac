"""The one-pass byte scan of layouts 1-3 agrees with the decoded-tree walk.

cosem.decode_apdu reads the common OBIS layouts straight from the bytes and hands
everything else to the A-XDR tree; both must give the same payload (or error) for any
APDU, so each case here is decoded both ways.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.localgrid.protocol import cosem

from .corpus import DLMS_IDS, plaintext

HEADER = b"\x0f\x00\x00\x00\x01\x00"  # DATA-NOTIFICATION, invoke id, no date-time
OBIS = (
    bytes((1, 0, 1, 8, 0, 255)),
    bytes((1, 0, 32, 7, 0, 255)),
    bytes((1, 0, 31, 7, 0, 255)),
    bytes((1, 0, 13, 7, 0, 255)),
    bytes((0, 0, 96, 1, 0, 255)),
    bytes((0, 0, 42, 0, 0, 255)),
    bytes((1, 1, 0, 2, 129, 255)),
    bytes((1, 0, 1, 8, 0, 1)),
    bytes((16, 0, 1, 8, 0, 255)),  # A > 15: not an OBIS code for the walk
)
VALUES = (
    b"\x06\x00\x00\x32\x89",
    b"\x12\x09\x21",
    b"\x10\xff\x9c",
    b"\x05\xff\xff\xff\x00",
    b"\x11\x07",
    b"\x16\x02",
    b"\x03\x01",
    b"\x00",
    b"\x17\x41\x20\x00\x00",
    b"\x09\x08KFM12345",
    b"\x09\x0c\x07\xe5\x09\x1b\x01\x09\x2f\x0f\x00\xff\x88\x80",
    b"\x0a\x0bAIDON_V0001",
    b"\x09\x00",
)
SCALER_UNITS = (
    b"\x02\x02\x0f\x00\x16\x1e",
    b"\x02\x02\x0f\xff\x16\x23",
    b"\x02\x02\x0f\xfe\x16\x21",
    b"\x02\x02\x0f\xfd\x16\xff",
    b"\x02\x02\x11\x01\x12\x00\x1e",  # other integer types: left to the tree walk
    b"\x01\x02\x0f\x00\x16\x1b",
)
obis = st.sampled_from(OBIS).map(lambda code: b"\x09\x06" + code)
value = st.sampled_from(VALUES)
scaler_unit = st.sampled_from(SCALER_UNITS)
flat = st.tuples(obis, value, st.sampled_from((b"",)) | scaler_unit).map(
    lambda parts: [parts[0], parts[1], parts[2]] if parts[2] else [parts[0], parts[1]]
)
nested = st.tuples(obis, value, st.sampled_from((b"",)) | scaler_unit).map(
    lambda parts: [bytes((2, 3 if parts[2] else 2)) + b"".join(parts)]
)
stray = value.map(lambda element: [element])


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    elements: list[bytes] = []
    for group in draw(st.lists(flat | nested | stray, min_size=1, max_size=20)):
        elements.extend(group)
    count = len(elements) + draw(st.sampled_from((0, 0, 0, 0, 1, -1)))
    tag = draw(st.sampled_from((1, 2)))
    return bytes((tag, max(count, 0))) + b"".join(elements) + draw(st.sampled_from((b"", b"\x00")))


def outcome(apdu: bytes, system_title: bytes | None) -> object:
    try:
        return cosem.decode_apdu(apdu, system_title=system_title)
    except ValueError as err:
        return type(err), str(err)


def both_ways(apdu: bytes, system_title: bytes | None) -> tuple[object, object]:
    with pytest.MonkeyPatch.context() as patch:
        scanned = outcome(apdu, system_title)
        patch.setattr(cosem, "_scan_obis", lambda *_args: None)
        walked = outcome(apdu, system_title)
    return scanned, walked


@pytest.mark.parametrize("sample_id", DLMS_IDS)
def test_corpus_scan_matches_tree_walk(sample_id: str) -> None:
    apdu = plaintext(sample_id)
    for title in (None, b"KFM12345", b"LGZ12345"):
        scanned, walked = both_ways(apdu, title)
        assert scanned == walked


def test_scan_reads_the_plain_layouts() -> None:
    """The scan takes the common shapes itself (else this file would test nothing)."""
    body = b"\x02\x04" + b"\x09\x06" + OBIS[0] + VALUES[0] + SCALER_UNITS[0] + VALUES[9]
    scan = cosem._scan_obis(HEADER + body, 6, 6 + len(body))
    assert scan is not None
    entries, strays, _first, count, implicit = scan
    assert entries == [("1-0:1.8.0", 0x3289, ("kWh", -3))]
    assert strays == [(3, b"KFM12345")]
    assert (count, implicit) == (4, False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies(), st.sampled_from((None, b"KFM12345", b"LGZ12345", b"KAM12345", b"ISK12345")))
def test_generated_scan_matches_tree_walk(body: bytes, system_title: bytes | None) -> None:
    scanned, walked = both_ways(HEADER + body, system_title)
    assert scanned == walked
