"""Streaming smart-meter decoder: bytes in any chunking in, verified telegrams out.

The format is found in the stream itself: M-Bus long frames, HDLC frames, DSMR P1 text,
a bare ciphered APDU on P1 (Luxembourg Smarty) or a bare plaintext DATA-NOTIFICATION.
Candidates that fail their own structure are skipped byte by byte (resynchronisation);
complete frames whose checksum, CRC or tag fails are reported, never decoded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
import logging
import re

from . import cosem, dsmr_text, hdlc, mbus, p1
from .axdr import CENTRAL_EUROPE
from .bridges import TELNET, end_as_received
from .cosem import DATA_NOTIFICATION
from .errors import ChecksumError, LengthMismatch, NotAFrame
from .gbt import GENERAL_BLOCK_TRANSFER, BlockTransfer
from .model import DecodeFailure, FailureKind, Framing, Payload, Telegram
from .reassembly import ReassemblyError
from .security import (
    CIPHERED_TAGS,
    SC_ENCRYPTED,
    Ciphered,
    CipherError,
    Decryptor,
    IncompleteError,
    ciphered_extent,
    parse_ciphered,
    read_ber_length,
)

_LOGGER = logging.getLogger(__name__)

_LETTERS_WITH_PARITY = bytes(
    map(p1.with_parity, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
)
_FRAME_STARTS = (
    rb"\x68([\x00-\xff])\1\x68"  # M-Bus long frame
    rb"|\x7e[\xa0-\xaf]"  # HDLC frame, format type 0xA
    rb"|/[A-Za-z]{3}"  # DSMR P1 identification line
    rb"|\xaf[" + _LETTERS_WITH_PARITY + rb"]{3}"  # the same, 7E1 read as 8N1
    rb"|\xdb\x08[A-Za-z]{3}"  # bare general-glo-ciphering APDU, FLAG-prefixed title
)
_FRAMED = re.compile(_FRAME_STARTS, re.DOTALL)
_CANDIDATE = re.compile(
    _FRAME_STARTS + rb"|\x0f[\x00-\xff]{4}(?:\x00|\x0c|\x09\x0c)",  # plaintext notification
    re.DOTALL,
)
_TAIL = 6
"""Bytes kept after a scan: a candidate's first bytes may end one chunk."""
MAX_BARE_APDU = 8192
MAX_PENDING = 16384
"""No candidate is waited for once this many bytes are buffered behind its start."""
_TITLE_HEADER = 2 + 8  # DB 08 <system title>
_HDLC_HEADER_MAX = 3 + 4 + 4 + 1 + 2  # flag, format, two 4-byte addresses, control, HCS
_GBT_TAG = bytes((GENERAL_BLOCK_TRANSFER,))
_LINE_ENDS = b"\r\n"
_DAMAGED = (
    "ciphered APDU inside a frame that does not end where its length says: bytes lost, "
    "added or changed on the way"
)


@dataclass(slots=True)
class DecoderStats:
    """Counters the integration shows as diagnostics."""

    bytes_received: int = 0
    bytes_discarded: int = 0
    """Bytes outside any telegram: noise, idle flags and line ends, skipped false starts."""
    telegrams: int = 0
    damaged_frames: int = 0
    """Frames that did not end where their length says (skipped; see LengthMismatch)."""
    rejected: dict[FailureKind, int] = field(default_factory=lambda: dict.fromkeys(FailureKind, 0))
    last_failure: DecodeFailure | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain values for a diagnostics dump."""
        last = self.last_failure
        return {
            "bytes_received": self.bytes_received,
            "bytes_discarded": self.bytes_discarded,
            "telegrams": self.telegrams,
            "damaged_frames": self.damaged_frames,
            "rejected": {str(kind): count for kind, count in self.rejected.items()},
            "last_failure": None if last is None else f"{last.kind}: {last.message}",
        }


type Result = Telegram | DecodeFailure
type _P1Reader = Callable[[bytearray, int], p1.P1Frame | None]


class MeterDecoder:
    """Turns a meter's byte stream into telegrams; one instance per meter connection."""

    def __init__(
        self, key: bytes | None = None, auth_key: bytes | None = None, zone: tzinfo | None = None
    ) -> None:
        """`zone`: where the meter's clock runs, for times it sends without their offset to
        UTC (DSMR W/S times, DLMS date-times with an unspecified deviation); default CET."""
        self._decryptor = Decryptor(key, auth_key)
        self._zone: tzinfo = zone or CENTRAL_EUROPE
        self._buf = bytearray()
        self._mbus = mbus.MbusMessages()
        self._hdlc = hdlc.HdlcMessages()
        self._gbt = BlockTransfer()
        self._rejected = 0
        """Bytes at the buffer's start inside a frame that failed its check: never decoded."""
        self._damaged_end = 0
        """Index after a frame that did not end where its length says (during a scan; the
        bytes at the buffer's start inside one between scans): an APDU read on its own
        there that fails was damaged with the frame, whatever the key."""
        self._undecodable: tuple[ValueError, bytes] | None = None
        """Why the buffered bytes, taken for a bare plaintext notification, did not decode.
        A bare notification has no length, so only the end of the input tells: flush()
        scans anew and says why when the input yielded no telegram (an APDU pasted into
        the decode command and cut in the wrong place, say)."""
        self.stats = DecoderStats()

    def feed(self, data: bytes | bytearray | memoryview) -> list[Result]:
        """Decode what `data` completes; never raises, keeps partial frames for later."""
        out: list[Result] = []
        if not data:
            return out
        self.stats.bytes_received += len(data)
        self._buf += data
        try:
            self._scan(out)
        except Exception as err:  # a decoder bug must not stop the meter's stream
            _LOGGER.exception("Meter decoder error; buffered bytes dropped")
            self._reset()
            out.append(self._fail(FailureKind.UNSUPPORTED, f"decoder error: {err!r}", None, b""))
        return out

    def flush(self) -> list[Result]:
        """End of input: decode what no longer needs to wait, report what was cut short
        (and why bytes taken for a plaintext APDU did not decode, if nothing did)."""
        out: list[Result] = []
        self._undecodable = None
        try:
            self._scan(out, final=True)
        except Exception as err:  # same guard as feed()
            _LOGGER.exception("Meter decoder error; buffered bytes dropped")
            out.append(self._fail(FailureKind.UNSUPPORTED, f"decoder error: {err!r}", None, b""))
        if self._undecodable is not None and not self.stats.telegrams:
            out.append(self._undecodable_failure(*self._undecodable))
        for assembler, framing in (
            (self._mbus, Framing.MBUS),
            (self._hdlc, Framing.HDLC),
            (self._gbt, None),
        ):
            raw = assembler.reset()
            if raw:
                message = "input ended inside a segmented message"
                out.append(self._fail(FailureKind.CORRUPT, message, framing, raw))
        self._buf.clear()
        self._rejected = self._damaged_end = 0
        return out

    def _undecodable_failure(self, err: ValueError, apdu: bytes) -> DecodeFailure:
        if isinstance(err, cosem.UnsupportedLayoutError):
            kind, message = FailureKind.UNSUPPORTED, f"APDU not understood: {err}"
        else:
            kind, message = FailureKind.CORRUPT, f"plaintext APDU does not decode: {err}"
        return self._fail(kind, message, Framing.RAW, apdu)

    @property
    def buffered(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buf)

    def _reset(self) -> None:
        self._buf.clear()
        self._rejected = self._damaged_end = 0
        self._mbus.reset()
        self._hdlc.reset()
        self._gbt.reset()

    def _scan(self, out: list[Result], final: bool = False) -> None:
        """Decode every frame in the buffer; `final`: no more bytes will come."""
        buf = self._buf
        stats = self.stats
        pos = 0
        cut_short = False
        bare_allowed = True
        rejected_end = self._rejected
        while True:
            # (A frame's closing flag often ends the input: no candidate fits in one byte.)
            match = _CANDIDATE.search(buf, pos) if len(buf) - pos > 1 else None
            if match is None:
                keep = max(pos, len(buf) - _TAIL)
                stats.bytes_discarded += keep - pos
                pos = keep
                break
            start = match.start()
            stats.bytes_discarded += start - pos
            pos = start
            first = buf[start]
            incomplete = False
            try:
                end = self._read(first, start, out, bare_allowed and start >= rejected_end)
                incomplete = end is None
            except LengthMismatch as err:
                stats.damaged_frames += 1
                self._damaged_end = max(self._damaged_end, err.end)
                end = None
            except NotAFrame:
                end = None
            except ChecksumError as err:
                raw = bytes(buf[start : err.end])
                framing = _FRAMING_BY_START.get(first)
                out.append(self._fail(FailureKind.CORRUPT, str(err), framing, raw))
                # Counted once: neither the rest of its message nor an APDU header seen
                # inside it while resynchronising is reported again.
                self._frame_lost(framing, raw)
                rejected_end = max(rejected_end, err.end)
                end = err.resume
                if end is not None:
                    stats.bytes_discarded += end - start
            if end is None:
                if incomplete and not final and len(buf) - start <= MAX_PENDING:
                    break  # wait for the rest
                if incomplete and final and first in _FRAMING_BY_START:
                    # The bytes after a frame cut short are its content, never a bare APDU
                    # of their own: their checksum is lost with the frame.
                    bare_allowed &= first in _P1_STARTS
                if incomplete and final and first != DATA_NOTIFICATION and not cut_short:
                    cut_short = True
                    message = "input ended inside an incomplete frame"
                    framing = _FRAMING_BY_START.get(first)
                    out.append(
                        self._fail(FailureKind.CORRUPT, message, framing, bytes(buf[start:]))
                    )
                # Not a frame after all (or a corrupt one): resynchronise at the next byte.
                end = start + 1
                stats.bytes_discarded += 1
            pos = end
        self._rejected = max(rejected_end - pos, 0)
        self._damaged_end = max(self._damaged_end - pos, 0)
        del buf[:pos]

    # Framing readers: index after the frame, None to wait for more bytes.

    def _read(self, first: int, start: int, out: list[Result], bare_allowed: bool) -> int | None:
        if first == mbus.START:
            return self._read_mbus(start, out)
        if first == hdlc.FLAG:
            return self._read_hdlc(start, out)
        if first == p1.START:
            return self._read_p1(start, out)
        if first == p1.START_WITH_PARITY:
            return self._read_p1(start, out, p1.read_telegram_with_parity)
        if not bare_allowed:
            raise NotAFrame("inside a frame cut short")
        if first in CIPHERED_TAGS:
            return self._read_bare_ciphered(start, out)
        return self._read_bare_notification(start, out)

    def _read_mbus(self, start: int, out: list[Result]) -> int | None:
        frame = mbus.read_frame(self._buf, start)
        if frame is None:
            return None
        raw = bytes(self._buf[start : frame.end])
        try:
            message = self._mbus.add(frame, raw)
        except ReassemblyError as err:
            out.append(self._fail(FailureKind.CORRUPT, str(err), Framing.MBUS, err.raw))
            return frame.end
        except ValueError as err:
            out.append(self._fail(FailureKind.UNSUPPORTED, str(err), Framing.MBUS, raw))
            return frame.end
        self._report_dropped(self._mbus.dropped, Framing.MBUS, out)
        if message is not None:
            self._message(message[0], message[1], Framing.MBUS, out)
        return frame.end

    def _read_hdlc(self, start: int, out: list[Result]) -> int | None:
        frame = hdlc.read_frame(self._buf, start)
        if frame is None:
            return None
        if not frame.info:  # supervisory frame, nothing to decode
            return frame.end
        try:
            message = self._hdlc.add(frame)
        except ReassemblyError as err:
            out.append(self._fail(FailureKind.CORRUPT, str(err), Framing.HDLC, err.raw))
            return frame.end
        self._report_dropped(self._hdlc.dropped, Framing.HDLC, out)
        if message is not None:
            self._message(message[0], message[1], Framing.HDLC, out)
        return frame.end

    def _read_p1(
        self, start: int, out: list[Result], read: _P1Reader = p1.read_telegram
    ) -> int | None:
        frame = read(self._buf, start)
        if frame is None:
            return None
        raw = frame.text[:-2]  # without the line end, which may not have arrived yet
        try:
            payload = dsmr_text.parse_telegram(frame.text, self._zone)
        except ValueError as err:
            out.append(
                self._fail(
                    FailureKind.UNSUPPORTED, f"P1 telegram not understood: {err}", Framing.DSMR, raw
                )
            )
            return frame.end
        out.append(self._telegram(Telegram(Framing.DSMR, payload, raw=raw)))
        return frame.end

    def _read_bare_ciphered(self, start: int, out: list[Result]) -> int | None:
        buf = self._buf
        try:
            end = ciphered_extent(buf, start)
            _, content = read_ber_length(buf, start + _TITLE_HEADER)
        except IncompleteError:
            return None
        except ValueError as err:
            raise NotAFrame(str(err)) from None
        if end - start > MAX_BARE_APDU:
            raise NotAFrame("ciphered APDU too long for P1")
        if content < len(buf):
            control = buf[content]
            if not control & 0x30 or control & 0x80:
                raise NotAFrame("implausible security control byte")
        # Without framing, a telegram that lost bytes would swallow the start of the next
        # one: the same meter's header inside it gives that away.
        header = bytes(buf[start : start + _TITLE_HEADER])
        next_header = buf.find(header, start + 1, end)
        if next_header >= 0:
            raise ChecksumError("ciphered P1 telegram truncated (bytes lost)", next_header)
        if end > len(buf):
            return None
        if _holds_frame(buf, start + 1, end):
            raise NotAFrame("a ciphering header inside M-Bus or HDLC frames")
        raw = bytes(buf[start:end])
        ciphered = parse_ciphered(raw)
        damaged = start < self._damaged_end
        try:
            decrypted = self._decryptor.decrypt(ciphered)
        except CipherError as err:
            if err.kind is FailureKind.WRONG_KEY and _telnet_escaped(raw):
                # A bridge in telnet mode doubles each 0xFF: the APDU as sent ends later.
                sent_end = end_as_received(buf, start, end, TELNET[0])
                if sent_end > len(buf):
                    return None
                sent = parse_ciphered(bytes(buf[start:sent_end]).replace(*TELNET))
                if self._authentic(sent):
                    out.append(self._decrypted(sent, Framing.RAW, bytes(buf[start:sent_end])))
                    return sent_end
            out.append(self._cipher_failure(err, Framing.RAW, raw, damaged))
            return start + 1
        result = self._decoded(ciphered, decrypted, Framing.RAW, raw, damaged)
        out.append(result)
        # Nothing but the tag vouches for the length: after a failure, look for the next
        # telegram inside the rejected bytes too.
        return end if isinstance(result, Telegram) else start + 1

    def _authentic(self, ciphered: Ciphered) -> bool:
        """Whether the APDU's GCM tag verifies (False without an authentication key)."""
        try:
            return self._decryptor.decrypt(ciphered)[1]
        except CipherError:
            return False

    def _read_bare_notification(self, start: int, out: list[Result]) -> int | None:
        # No length on the wire: only try it when no framed candidate follows, and only
        # accept what decodes completely to readings.
        buf = self._buf
        if _FRAMED.search(buf, start + 1) is not None:
            raise NotAFrame("framed data follows")
        apdu = bytes(buf[start:])
        try:
            payload = cosem.decode_apdu(apdu, local_zone=self._zone)
        except ValueError as err:
            if start == 0:
                self._undecodable = err, apdu  # read by flush() after its own scan
            return None  # the rest may still arrive, or these bytes are noise
        if not payload.values:
            raise NotAFrame("notification without readings")
        out.append(self._telegram(Telegram(Framing.RAW, payload, raw=apdu)))
        return len(buf)

    # Application messages: reassembled APDUs.

    def _message(self, apdu: bytes, raw: bytes, framing: Framing, out: list[Result]) -> None:
        if apdu[:1] == _GBT_TAG:
            try:
                transfer = self._gbt.add(apdu, raw)
            except ReassemblyError as err:
                out.append(self._fail(FailureKind.CORRUPT, str(err), framing, err.raw))
                return
            except ValueError as err:
                out.append(self._fail(FailureKind.CORRUPT, str(err), framing, raw))
                return
            self._report_dropped(self._gbt.dropped, framing, out)
            if transfer is None:
                return
            apdu, raw = transfer
        out.append(self._apdu(apdu, raw, framing))

    def _apdu(self, apdu: bytes, raw: bytes, framing: Framing) -> Result:
        tag = apdu[0] if apdu else -1
        if tag in CIPHERED_TAGS:
            try:
                ciphered = parse_ciphered(apdu)
            except ValueError as err:
                return self._fail(
                    FailureKind.CORRUPT, f"ciphered APDU malformed: {err}", framing, raw
                )
            return self._decrypted(ciphered, framing, raw)
        if tag == DATA_NOTIFICATION:
            try:
                payload = cosem.decode_apdu(apdu, local_zone=self._zone)
            except cosem.UnsupportedLayoutError as err:
                message = f"APDU not understood: {err}"
                return self._fail(FailureKind.UNSUPPORTED, message, framing, raw)
            except ValueError as err:
                # Every frame passed its check, so segments were lost (HDLC segments
                # carry no sequence numbers) or the meter sent a broken APDU.
                message = f"APDU malformed (segments lost?): {err}"
                return self._fail(FailureKind.CORRUPT, message, framing, raw)
            return self._telegram(Telegram(framing, payload, raw=raw))
        return self._fail(
            FailureKind.UNSUPPORTED, f"APDU type 0x{tag & 0xFF:02X} is not a push", framing, raw
        )

    def _decrypted(
        self, ciphered: Ciphered, framing: Framing, raw: bytes, damaged: bool = False
    ) -> Result:
        """`damaged`: read on its own from inside a frame that did not end where its length
        says, so a failure is put down to the frame, not to the key."""
        try:
            decrypted = self._decryptor.decrypt(ciphered)
        except CipherError as err:
            return self._cipher_failure(err, framing, raw, damaged)
        return self._decoded(ciphered, decrypted, framing, raw, damaged)

    def _cipher_failure(
        self, err: CipherError, framing: Framing, raw: bytes, damaged: bool
    ) -> DecodeFailure:
        if damaged and err.kind is FailureKind.WRONG_KEY:
            return self._fail(FailureKind.CORRUPT, _DAMAGED, framing, raw)
        return self._fail(err.kind, str(err), framing, raw)

    def _decoded(
        self,
        ciphered: Ciphered,
        decrypted: tuple[bytes, bool],
        framing: Framing,
        raw: bytes,
        damaged: bool,
    ) -> Result:
        """The telegram of an APDU decrypted to (plaintext, authenticated), or why it is
        none (see `_decrypted`)."""
        plaintext, authenticated = decrypted
        # A P1 text telegram; a Smarty simulator's opens with a line end.
        text = plaintext.lstrip(_LINE_ENDS)[:1] == b"/"
        payload: Payload
        try:
            if text:
                framing = Framing.DSMR
                payload = _decode_p1_plaintext(plaintext, self._zone)
            else:
                payload = cosem.decode_apdu(
                    plaintext, system_title=ciphered.system_title, local_zone=self._zone
                )
        except cosem.UnsupportedLayoutError as err:
            return self._fail(FailureKind.UNSUPPORTED, f"APDU not understood: {err}", framing, raw)
        except ValueError as err:
            if authenticated or not ciphered.security_control & SC_ENCRYPTED:
                message = f"authentic APDU not understood: {err}"
                return self._fail(FailureKind.UNSUPPORTED, message, framing, raw)
            if damaged:
                return self._fail(FailureKind.CORRUPT, _DAMAGED, framing, raw)
            # Decrypting with a wrong key gives noise, which is never a valid APDU.
            message = "decryption failed: wrong encryption key (plaintext is not a valid "
            message += "P1 telegram)" if text else "DLMS APDU)"
            return self._fail(FailureKind.WRONG_KEY, message, framing, raw)
        return self._telegram(
            Telegram(
                framing,
                payload,
                system_title=ciphered.system_title,
                frame_counter=ciphered.frame_counter,
                authenticated=authenticated,
                raw=raw,
            )
        )

    def _frame_lost(self, framing: Framing | None, raw: bytes) -> None:
        """Drop quietly the message a frame that failed its check belonged to."""
        if framing is Framing.MBUS:
            self._mbus.frame_lost()
        elif framing is Framing.HDLC:
            self._hdlc.frame_lost(raw)
        else:
            return
        self._gbt.frame_lost()  # the blocks it carried, if any

    def _report_dropped(self, raw: bytes, framing: Framing, out: list[Result]) -> None:
        if raw:
            message = "segmented message incomplete: frames lost"
            out.append(self._fail(FailureKind.CORRUPT, message, framing, raw))

    def _telegram(self, telegram: Telegram) -> Telegram:
        self.stats.telegrams += 1
        return telegram

    def _fail(
        self, kind: FailureKind, message: str, framing: Framing | None, raw: bytes
    ) -> DecodeFailure:
        failure = DecodeFailure(kind, message, framing, raw)
        self.stats.rejected[kind] += 1
        self.stats.last_failure = failure
        return failure


_FRAMING_BY_START = {
    mbus.START: Framing.MBUS,
    hdlc.FLAG: Framing.HDLC,
    p1.START: Framing.DSMR,
    p1.START_WITH_PARITY: Framing.DSMR,
}
_P1_STARTS = (p1.START, p1.START_WITH_PARITY)
_FRAME_READERS: dict[int, Callable[[bytearray, int], object]] = {
    mbus.START: mbus.read_frame,
    hdlc.FLAG: hdlc.read_frame,
}


def _holds_frame(buf: bytearray, start: int, end: int) -> bool:
    """Whether a complete, verified M-Bus or HDLC frame starts in buf[start:end].

    Joining a framed stream mid-frame exposes the 0xDB header of the APDU it carries;
    the frames after it (even one still arriving) show that it is not a bare P1 APDU.
    """
    for match in _FRAMED.finditer(buf, start, end):
        at = match.start()
        reader = _FRAME_READERS.get(buf[at])
        # An HDLC start is only judged once its header and HCS can have arrived.
        if reader is None or (reader is hdlc.read_frame and len(buf) - at < _HDLC_HEADER_MAX):
            continue
        try:
            reader(buf, at)  # complete or still arriving: a frame either way
        except ValueError:
            continue
        return True
    return False


def _telnet_escaped(raw: bytes) -> bool:
    """Whether every 0xFF in `raw` is doubled (and there is one), as a bridge in telnet
    mode passes them: random ciphertext has lone ones."""
    doubled, sent = TELNET
    return doubled in raw and sent not in raw.replace(doubled, b"")


def _decode_p1_plaintext(plaintext: bytes, zone: tzinfo) -> Payload:
    """A decrypted P1 telegram; its CRC is not enforced (Smarty meters send a wrong one)."""
    frame = p1.read_telegram(plaintext.lstrip(_LINE_ENDS), 0, lenient=True)
    if frame is None:
        raise ValueError("decrypted P1 telegram has no end")
    return dsmr_text.parse_telegram(frame.text, zone)
