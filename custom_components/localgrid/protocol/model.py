"""What the meter decoder produces: readings, telegrams and decode failures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


@dataclass(slots=True)
class Reading:
    """One decoded value with its normalised unit ("" when it has none).

    Numbers are exact Decimals (scalers applied without float drift); identifiers,
    versions and other text stay str; dates are aware datetimes.
    Readings, payloads and telegrams are not changed once made (the parsers share the
    readings of a meter's identifiers between its telegrams), yet not frozen: a frozen
    dataclass's __init__ takes twice as long, and a telegram makes dozens of readings
    (instructions per telegram without freezing: DSMR 5 -16%, plain HDLC -19%).
    """

    value: Decimal | str | datetime
    unit: str = ""


@dataclass(slots=True)
class Payload:
    """What the application layer yields from one plaintext APDU or P1 text telegram."""

    values: dict[str, Reading]
    """Readings by OBIS code written `A-B:C.D.E` as the meter names it."""
    timestamp: datetime | None = None
    meter_id: str | None = None
    header: str | None = None
    """DSMR identification line without the leading '/', e.g. `ISk5\\2MT382-1000`."""


class Framing(StrEnum):
    """How the telegram travelled on the wire."""

    MBUS = "mbus"
    HDLC = "hdlc"
    DSMR = "dsmr"
    RAW = "raw"


@dataclass(slots=True)
class Telegram:
    """One complete, verified and decoded telegram."""

    framing: Framing
    payload: Payload
    system_title: bytes | None = None
    frame_counter: int | None = None
    authenticated: bool | None = None
    """True: GCM tag verified; False: decrypted without an authentication key; None: plain."""
    raw: bytes = field(default=b"", repr=False)
    """The frame(s) exactly as received, still encrypted, for diagnostics."""


class FailureKind(StrEnum):
    """Why a frame or telegram was rejected."""

    CORRUPT = "corrupt"  # checksum, CRC or structure broken in transit
    MISSING_KEY = "missing_key"  # encrypted, but no encryption key configured
    WRONG_KEY = "wrong_key"  # GCM tag failed, or the plaintext is not a valid APDU
    UNSUPPORTED = "unsupported"  # well-formed but not a layout or APDU we understand


@dataclass(frozen=True, slots=True)
class DecodeFailure:
    """A rejected frame: reported, never raised, so the stream goes on."""

    kind: FailureKind
    message: str
    framing: Framing | None = None
    raw: bytes = field(default=b"", repr=False)
