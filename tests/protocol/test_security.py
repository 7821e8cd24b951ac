"""General-glo-ciphering: header forms, security suites, keys, tags."""

from __future__ import annotations

import pytest

from custom_components.localgrid.protocol.decoder import MeterDecoder
from custom_components.localgrid.protocol.model import (
    DecodeFailure,
    FailureKind,
    Framing,
    Telegram,
)
from custom_components.localgrid.protocol.security import (
    CipherError,
    Decryptor,
    maker_from_system_title,
    parse_ciphered,
)

from .corpus import plaintext
from .frames import TITLE, cipher, hdlc_frames, mbus_frames

KEY = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
AUTH_KEY = bytes.fromhex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")
PLAIN = plaintext("at07_kaifa_ma309_salzburgnetz_rawapdu_plain")


@pytest.mark.parametrize("size", [20, 200, 700])  # BER length 1 byte, 81 xx, 82 xx xx
@pytest.mark.parametrize("control", [0x20, 0x21, 0x30, 0x31, 0x10])
@pytest.mark.parametrize("auth_key", [AUTH_KEY, None])
def test_round_trip(size: int, control: int, auth_key: bytes | None) -> None:
    data = bytes(range(256)) * 3
    apdu = cipher(data[:size], KEY, control=control, auth_key=AUTH_KEY, counter=0x01020304)
    ciphered = parse_ciphered(apdu)
    assert (ciphered.system_title, ciphered.frame_counter) == (TITLE, 0x01020304)
    assert ciphered.security_control == control
    assert ciphered.end == len(apdu)
    assert len(ciphered.tag) == (12 if control & 0x10 else 0)
    result = Decryptor(KEY, auth_key).decrypt(ciphered)
    assert result == (data[:size], bool(control & 0x10 and auth_key))


def test_tampered_ciphertext_or_tag_fails_authentication() -> None:
    apdu = bytearray(cipher(PLAIN, KEY, control=0x30, auth_key=AUTH_KEY))
    for index in (30, len(apdu) - 1):
        apdu[index] ^= 0x01
        with pytest.raises(CipherError) as err:
            Decryptor(KEY, AUTH_KEY).decrypt(parse_ciphered(apdu))
        assert err.value.kind is FailureKind.WRONG_KEY
        apdu[index] ^= 0x01


def test_authentication_only_needs_no_encryption_key() -> None:
    apdu = cipher(PLAIN, KEY, control=0x10, auth_key=AUTH_KEY)
    assert Decryptor(None, None).decrypt(parse_ciphered(apdu)) == (PLAIN, False)
    with pytest.raises(CipherError):
        Decryptor(bytes(16), AUTH_KEY).decrypt(parse_ciphered(apdu))


def test_missing_key_and_unsupported_compression() -> None:
    with pytest.raises(CipherError) as err:
        Decryptor(None, None).decrypt(parse_ciphered(cipher(PLAIN, KEY)))
    assert err.value.kind is FailureKind.MISSING_KEY
    assert "Kaifa" in str(err.value)
    with pytest.raises(CipherError) as err:
        Decryptor(KEY, None).decrypt(parse_ciphered(cipher(PLAIN, KEY, control=0xA0)))
    assert err.value.kind is FailureKind.UNSUPPORTED


@pytest.mark.parametrize(
    ("title", "maker"),
    [(b"KFM\x10\x20\x00\x78\x40", "from a Kaifa meter"), (b"ELSep\x00\x00\x01", "from an Elster")],
)
def test_missing_key_names_the_maker(title: bytes, maker: str) -> None:
    """Salzburg Netz's Honeywell sample (system title ELSep...): "an Elster", not "a"."""
    with pytest.raises(CipherError) as err:
        Decryptor(None, None).decrypt(parse_ciphered(cipher(PLAIN, KEY, title=title)))
    assert maker in str(err.value)


def test_malformed_headers() -> None:
    apdu = cipher(PLAIN, KEY)
    for broken in (apdu[:5], apdu[:11], apdu[:-1], b"\xdb\x07" + apdu[2:], apdu[:12] + b"\x85"):
        with pytest.raises(ValueError):  # noqa: PT011 (each names its own problem)
            parse_ciphered(broken)


@pytest.mark.parametrize(
    ("title", "maker"),
    [
        (b"KFMgP\0\0\t", "Kaifa"),
        (b"SAGY\x05\xe8\x94\xb6", "Sagemcom"),
        (b"LGZgr\xa9\xa1\x11", "Landis+Gyr"),
        (b"ISK\0\0\0\0\1", "Iskraemeco"),
        (b"ELS\0\0\0\0\1", "Elster/Honeywell"),
        (b"KAM\0\0\0\0\1", "Kamstrup"),
        (b"SMS\0\0\0\0\1", "Siemens"),
        (b"QQQ\0\0\0\0\1", None),
        (b"\xff\xfe\xfd\0\0\0\0\1", None),
    ],
)
def test_maker_from_system_title(title: bytes, maker: str | None) -> None:
    assert maker_from_system_title(title) == maker


# Through the decoder: every framing, every suite, wrong keys told apart.


@pytest.mark.parametrize("control", [0x20, 0x21, 0x30])
@pytest.mark.parametrize("framing", [Framing.MBUS, Framing.HDLC])
def test_decoder_decrypts_each_suite_in_each_framing(control: int, framing: Framing) -> None:
    apdu = cipher(PLAIN, KEY, control=control, auth_key=AUTH_KEY)
    data = mbus_frames(apdu) if framing is Framing.MBUS else hdlc_frames(apdu, 120)
    (telegram,) = MeterDecoder(KEY, AUTH_KEY).feed(data)
    assert isinstance(telegram, Telegram)
    assert telegram.framing is framing
    assert telegram.authenticated is bool(control & 0x10)
    assert telegram.payload.meter_id == "1KFM0200234804"
    assert telegram.raw == data


@pytest.mark.parametrize(
    ("control", "key", "auth_key", "kind"),
    [
        (0x21, bytes(16), None, FailureKind.WRONG_KEY),  # noise is not an APDU
        (0x30, bytes(16), AUTH_KEY, FailureKind.WRONG_KEY),  # tag
        (0x30, KEY, bytes(16), FailureKind.WRONG_KEY),  # tag, wrong AK only
        (0x30, bytes(16), None, FailureKind.WRONG_KEY),  # no AK: plaintext check
        (0x20, None, None, FailureKind.MISSING_KEY),
    ],
)
def test_decoder_key_failures(
    control: int, key: bytes | None, auth_key: bytes | None, kind: FailureKind
) -> None:
    data = mbus_frames(cipher(PLAIN, KEY, control=control, auth_key=AUTH_KEY))
    decoder = MeterDecoder(key, auth_key)
    (failure,) = decoder.feed(data)
    assert isinstance(failure, DecodeFailure)
    assert (failure.kind, failure.framing, failure.raw) == (kind, Framing.MBUS, data)
    assert decoder.stats.rejected[kind] == 1
    assert decoder.stats.last_failure is failure


def test_decoder_corrupt_is_not_wrong_key() -> None:
    data = bytearray(mbus_frames(cipher(PLAIN, KEY)))
    data[40] ^= 0x10
    results = MeterDecoder(KEY).feed(bytes(data))
    # the first frame fails its checksum; its second segment goes with it, uncounted
    assert [(type(r), getattr(r, "kind", None)) for r in results] == [
        (DecodeFailure, FailureKind.CORRUPT),
    ]


def test_bare_ciphered_apdu_carrying_dlms() -> None:
    apdu = cipher(PLAIN, KEY, control=0x30, auth_key=AUTH_KEY)
    decoder = MeterDecoder(KEY, AUTH_KEY)
    (telegram,) = decoder.feed(b"\x00\xff" + apdu)
    assert isinstance(telegram, Telegram)
    assert (telegram.framing, telegram.raw, telegram.authenticated) == (Framing.RAW, apdu, True)


def test_bare_ciphered_telegram_that_lost_bytes_does_not_swallow_the_next() -> None:
    first = cipher(PLAIN, KEY, control=0x30, auth_key=AUTH_KEY, counter=1)
    second = cipher(PLAIN, KEY, control=0x30, auth_key=AUTH_KEY, counter=2)
    decoder = MeterDecoder(KEY, AUTH_KEY)
    results = decoder.feed(first[:100] + first[120:] + second)
    assert [type(r) for r in results] == [DecodeFailure, Telegram]
    assert isinstance(results[0], DecodeFailure)
    assert results[0].kind is FailureKind.CORRUPT
    assert isinstance(results[1], Telegram)
    assert results[1].frame_counter == 2


def test_bare_ciphered_apdu_ending_in_bytes_like_an_hdlc_start() -> None:
    """A 7E Ax pair near the end of the ciphertext is no frame (its header never comes)."""
    keystream = parse_ciphered(cipher(bytes(len(PLAIN)), KEY)).body
    chosen = bytearray(PLAIN)
    for offset, wanted in ((-9, 0x7E), (-8, 0xA5)):  # inside the last register's value
        chosen[offset] = keystream[offset] ^ wanted
    apdu = cipher(bytes(chosen), KEY)
    assert apdu[-9:-7] == b"\x7e\xa5"
    (telegram,) = MeterDecoder(KEY).feed(apdu)
    assert isinstance(telegram, Telegram)
    assert telegram.raw == apdu
