"""The public meter telegrams of tests/fixtures/meters and their plaintext APDUs.

The plaintexts are derived here with a minimal frame strip and AES-GCM, independent
of the product's framing code, so the application-layer tests stand on their own.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from custom_components.localgrid.protocol.model import Reading
from custom_components.localgrid.protocol.obis import normalised

FIXTURES = Path(__file__).parent.parent / "fixtures" / "meters"
DLMS_IDS = (
    "at01_kaifa_ma309m_netznoe_mbus_enc",
    "at03_lg_e450_netzburgenland_hdlc_enc_auth_1",
    "at07_kaifa_ma309_salzburgnetz_rawapdu_plain",
    "ch01_lg_e450_vse2026_gbt_hdlc_plain",
    "no01_aidon_1phase_hdlc_plain",
    "no04_kaifa_ma304h3e_hdlc_plain",
    "xx01_iskra_am550_hdlc_seg_plain",
    "xx02_lg_e450_gbt_hdlc_enc_auth_a",
)


@cache
def sample(sample_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{sample_id}.json").read_text())
    return data


def _mbus_data(raw: bytes) -> bytes:
    out, pos = b"", 0
    while pos < len(raw):
        length = raw[pos + 1]
        out += raw[pos + 4 + 5 : pos + 4 + length]  # skip C A CI STSAP DTSAP
        pos += length + 6
    return out


def _hdlc_info(raw: bytes) -> bytes:
    out, pos = b"", 0
    while pos < len(raw):
        if raw[pos] != 0x7E:
            pos += 1
            continue
        length = ((raw[pos + 1] & 0x07) << 8) | raw[pos + 2]
        frame = raw[pos + 1 : pos + 1 + length]
        pos += length + 2
        i = 2
        for _address in range(2):
            while not frame[i] & 1:
                i += 1
            i += 1
        info = frame[i + 3 : -2]  # control, HCS ... FCS
        out += info[3:] if info[:3] == b"\xe6\xe7\x00" else info
    return out


def _gbt_data(raw: bytes) -> bytes:
    out, pos = b"", 0
    while pos < len(raw) and raw[pos] == 0xE0:
        length = raw[pos + 6]
        out += raw[pos + 7 : pos + 7 + length]
        pos += 7 + length
    return out or raw


def _decrypt(raw: bytes, key: bytes, auth_key: bytes | None) -> bytes:
    title, pos = raw[2:10], 10
    length = raw[pos]
    if length == 0x81:
        length, pos = raw[pos + 1], pos + 2
    elif length == 0x82:
        length, pos = int.from_bytes(raw[pos + 1 : pos + 3]), pos + 3
    else:
        pos += 1
    security = raw[pos]
    counter = raw[pos + 1 : pos + 5]
    body = raw[pos + 5 : pos + length]
    if security & 0x10 and auth_key is not None:  # verify the tag too
        mode = modes.GCM(title + counter, body[-12:], min_tag_length=12)
        decryptor = Cipher(algorithms.AES(key), mode).decryptor()
        decryptor.authenticate_additional_data(bytes((security,)) + auth_key)
        return decryptor.update(body[:-12]) + decryptor.finalize()
    if security & 0x10:
        body = body[:-12]
    counter_mode = modes.CTR(title + counter + b"\0\0\0\2")
    ctr = Cipher(algorithms.AES(key), counter_mode).decryptor()
    return ctr.update(body) + ctr.finalize()


@cache
def plaintext(sample_id: str) -> bytes:
    """The plaintext APDU (or P1 text) carried by a sample."""
    data = sample(sample_id)
    raw = bytes.fromhex(data["hex"])
    framing = data["framing"]
    if framing == "mbus":
        raw = _mbus_data(raw)
    elif framing == "hdlc":
        raw = _gbt_data(_hdlc_info(raw))
    if raw[0] == 0xDB:
        auth = bytes.fromhex(data["auth_key_hex"]) if data["auth_key_hex"] else None
        raw = _decrypt(raw, bytes.fromhex(data["key_hex"]), auth)
    return raw


def dashed(code: str) -> str:
    """`1.0.1.8.0.255` -> `1-0:1.8.0`; `A-B:C.D.E` unchanged."""
    if "-" in code:
        return code
    a, b, c, d, e, _f = code.split(".")
    return f"{a}-{b}:{c}.{d}.{e}"


def expected_reading(value: object, unit: str | None) -> Reading:
    """The source's asserted value in this project's normalised units."""
    if unit is None or not isinstance(value, int | float | str):
        return Reading(str(value))
    number = Decimal(str(value))
    return normalised(number, unit)
