"""DLMS general-glo-ciphering (0xDB): header parsing and AES-GCM decryption.

`DB 08 <system title> <BER length> <SC> <FC u32> <ciphertext> [<12-byte tag>]`,
IV = system title || frame counter. Security control (SC): bits 0-3 suite,
0x10 authenticated, 0x20 encrypted, 0x40 broadcast key, 0x80 compressed.
"""

from __future__ import annotations

from dataclasses import dataclass
import hmac

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .model import FailureKind

GENERAL_GLO_CIPHERING = 0xDB
GENERAL_DED_CIPHERING = 0xDC
CIPHERED_TAGS = frozenset((GENERAL_GLO_CIPHERING, GENERAL_DED_CIPHERING))

SC_AUTHENTICATED = 0x10
SC_ENCRYPTED = 0x20
SC_COMPRESSED = 0x80
TAG_LENGTH = 12
_GCM_TAG_LENGTH = 16
SYSTEM_TITLE_LENGTH = 8

_MAKERS = {
    "KFM": "Kaifa",
    "SAG": "Sagemcom",
    "LGZ": "Landis+Gyr",
    "ISK": "Iskraemeco",
    "ELS": "Elster/Honeywell",
    "KAM": "Kamstrup",
    "SMS": "Siemens",
    "AID": "Aidon",
    "ADN": "Aidon",
    "EMH": "EMH metering",
    "ITR": "Itron",
    "ZPA": "ZPA Smart Energy",
    "SIE": "Siemens",
    "NUR": "Nuri Telecom",
    "EFR": "EFR",
    "DZG": "DZG Metering",
    "EBZ": "EBZ",
    "SAT": "Sanxing",
    "HXE": "Hexing",
    "XMX": "Xemex",
    "ENR": "Enerdis",
}


class CipherError(ValueError):
    """The ciphered APDU cannot be turned into plaintext; `kind` says why."""

    def __init__(self, kind: FailureKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class IncompleteError(ValueError):
    """More bytes are needed to read the header."""


@dataclass(slots=True)  # not frozen, as model.Reading: one per frame
class Ciphered:
    """The parts of one general-glo/ded-ciphering APDU."""

    system_title: bytes
    security_control: int
    frame_counter: int
    body: bytes
    """Ciphertext (or authenticated plaintext) without the tag."""
    tag: bytes
    """The GCM tag, b"" when the SC says the APDU is not authenticated."""
    end: int
    """Index just after the APDU in the buffer it was read from."""


def maker_from_system_title(system_title: bytes) -> str | None:
    """The manufacturer named by the system title's three-letter FLAG prefix."""
    try:
        flag = system_title[:3].decode("ascii").upper()
    except UnicodeDecodeError:
        return None
    return _MAKERS.get(flag)


def read_ber_length(buf: bytes | bytearray, pos: int) -> tuple[int, int]:
    """A BER length (1 byte, 81 xx, 82 xx xx, ...) at `pos`: (length, index after it)."""
    if pos >= len(buf):
        raise IncompleteError
    first = buf[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > 3:
        raise ValueError(f"unsupported BER length form 0x{first:02X}")
    if pos + 1 + count > len(buf):
        raise IncompleteError
    return int.from_bytes(buf[pos + 1 : pos + 1 + count]), pos + 1 + count


def ciphered_extent(buf: bytes | bytearray, start: int) -> int:
    """Index just after the ciphered APDU starting at `start` (IncompleteError if unknown)."""
    title_end = start + 2 + SYSTEM_TITLE_LENGTH
    if len(buf) < title_end:
        raise IncompleteError
    if buf[start] not in CIPHERED_TAGS or buf[start + 1] != SYSTEM_TITLE_LENGTH:
        raise ValueError("not a general-ciphering APDU with an 8-byte system title")
    length, content = read_ber_length(buf, title_end)
    if length < 5:
        raise ValueError("ciphered content shorter than its security header")
    return content + length


def parse_ciphered(buf: bytes | bytearray, start: int = 0) -> Ciphered:
    """Split the ciphered APDU at `start`; ValueError if malformed or truncated."""
    try:
        end = ciphered_extent(buf, start)
    except IncompleteError:
        raise ValueError("ciphered APDU truncated in its header") from None
    if end > len(buf):
        raise ValueError(f"ciphered APDU truncated: {len(buf) - start} of {end - start} bytes")
    title = bytes(buf[start + 2 : start + 2 + SYSTEM_TITLE_LENGTH])
    _, content = read_ber_length(buf, start + 2 + SYSTEM_TITLE_LENGTH)
    control = buf[content]
    counter = int.from_bytes(buf[content + 1 : content + 5])
    body_end = end
    tag = b""
    if control & SC_AUTHENTICATED:
        body_end -= TAG_LENGTH
        if body_end < content + 5:
            raise ValueError("authenticated APDU too short for its tag")
        tag = bytes(buf[body_end:end])
    return Ciphered(title, control, counter, bytes(buf[content + 5 : body_end]), tag, end)


class Decryptor:
    """AES-GCM for one key pair; built once per meter so the key schedule is reused."""

    __slots__ = ("_aad_key", "_aesgcm", "has_auth_key", "has_key")

    def __init__(self, key: bytes | None, auth_key: bytes | None) -> None:
        self._aesgcm = AESGCM(key) if key else None
        self._aad_key = auth_key or b""
        self.has_key = bool(key)
        self.has_auth_key = bool(auth_key)

    def decrypt(self, ciphered: Ciphered) -> tuple[bytes, bool]:
        """Plaintext and whether the GCM tag was verified; CipherError when impossible."""
        control = ciphered.security_control
        if control & SC_COMPRESSED:
            raise CipherError(FailureKind.UNSUPPORTED, "compressed ciphered APDUs not supported")
        encrypted = bool(control & SC_ENCRYPTED)
        authenticated = bool(control & SC_AUTHENTICATED)
        if not encrypted and not authenticated:
            return ciphered.body, False
        aesgcm = self._aesgcm
        if aesgcm is None:
            if not encrypted:
                return ciphered.body, False
            raise CipherError(FailureKind.MISSING_KEY, _missing_key_message(ciphered))
        iv = ciphered.system_title + ciphered.frame_counter.to_bytes(4)
        if encrypted:
            # GCM encryption is AES-CTR from counter 2, and CTR is its own inverse: encrypting
            # the ciphertext yields the plaintext (plus a 16-byte tag we drop). AESGCM cannot
            # decrypt DLMS' 12-byte truncated tags itself, and this is its fastest path.
            plaintext = aesgcm.encrypt(iv, ciphered.body, None)[:-_GCM_TAG_LENGTH]
        else:
            plaintext = ciphered.body
        if not authenticated or not self.has_auth_key:
            return plaintext, False
        aad = bytes((control,)) + self._aad_key
        if encrypted:
            # Re-encrypting the plaintext reproduces the received ciphertext, so this tag
            # is the one the meter computed if, and only if, both keys are right.
            expected = aesgcm.encrypt(iv, plaintext, aad)[-_GCM_TAG_LENGTH:]
        else:
            expected = aesgcm.encrypt(iv, b"", aad + plaintext)
        if not hmac.compare_digest(expected[:TAG_LENGTH], ciphered.tag):
            raise CipherError(
                FailureKind.WRONG_KEY,
                "authentication failed: wrong encryption or authentication key",
            )
        return plaintext, True


def _missing_key_message(ciphered: Ciphered) -> str:
    maker = maker_from_system_title(ciphered.system_title)
    article = "an" if maker and maker[0] in "AEIOU" else "a"
    source = f" from {article} {maker} meter" if maker else ""
    return (
        f"encrypted telegram{source} (system title {ciphered.system_title.hex().upper()}) "
        "but no encryption key configured"
    )
