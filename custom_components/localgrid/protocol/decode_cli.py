"""`decode` command: meter bytes from a file or stdin to one JSON line per telegram."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from io import BufferedIOBase
import json
import re
import sys
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .decoder import MeterDecoder
from .model import DecodeFailure, Reading, Telegram

_KEY_LENGTHS = (16, 32)  # AES-128 (suites 0 and 1) and AES-256 (suite 2)
_HEX_SEPARATORS = re.compile(r"[\s,;:{}]+")
_READ_CHUNK = 65536


class UsageError(ValueError):
    """Bad command-line input (exit code 2)."""


def run_decode(args: argparse.Namespace) -> int:
    """Decode the input; 0 if a telegram was decoded, 1 if none, 2 for bad usage."""
    try:
        key = _parse_key(args.key, "--key")
        auth_key = _parse_key(args.auth_key, "--auth-key")
        zone = _parse_zone(getattr(args, "timezone", None))
        stream = _open(args.file)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    decoder = MeterDecoder(key, auth_key, zone)
    decoded = 0
    try:
        if args.hex:
            chunks: Iterable[bytes] = [_hex_bytes(stream.read())]
        else:
            # read1: print each telegram as it arrives when stdin is a live stream.
            chunks = iter(lambda: stream.read1(_READ_CHUNK), b"")
        for chunk in chunks:
            decoded += _print_results(decoder.feed(chunk))
        decoded += _print_results(decoder.flush())
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if not decoded:
        print("error: no telegram decoded from the input", file=sys.stderr)
    return 0 if decoded else 1


def _parse_zone(name: str | None) -> ZoneInfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except ValueError, ZoneInfoNotFoundError:
        raise UsageError(f"--timezone: unknown time zone {name!r}") from None


def _print_results(results: list[Telegram | DecodeFailure]) -> int:
    decoded = 0
    for result in results:
        if isinstance(result, Telegram):
            print(telegram_json(result), flush=True)
            decoded += 1
        else:
            print(f"error: {result.message}", file=sys.stderr)
    return decoded


def telegram_json(telegram: Telegram) -> str:
    """One telegram as the CLI's JSON object; numbers keep their exact decimal text."""
    payload = telegram.payload
    title = telegram.system_title
    head = {
        "framing": str(telegram.framing),
        "system_title": title.hex().upper() if title is not None else None,
        "meter_id": payload.meter_id,
        "timestamp": payload.timestamp.isoformat() if payload.timestamp else None,
        "frame_counter": telegram.frame_counter,
        "authenticated": telegram.authenticated,
    }
    values = ", ".join(
        f"{json.dumps(code)}: {_reading_json(reading)}" for code, reading in payload.values.items()
    )
    return json.dumps(head)[:-1] + f', "values": {{{values}}}}}'


def _reading_json(reading: Reading) -> str:
    value = reading.value
    if isinstance(value, Decimal):
        # str(Decimal) is valid JSON number text for every finite value (e.g. 12.937, 1E+3).
        text = str(value) if value.is_finite() else "null"
    elif isinstance(value, datetime):
        text = json.dumps(value.isoformat())
    else:
        text = json.dumps(value)
    return f'{{"value": {text}, "unit": {json.dumps(reading.unit)}}}'


def _parse_key(text: str | None, option: str) -> bytes | None:
    if text is None:
        return None
    try:
        key = bytes.fromhex(text.strip().removeprefix("0x"))
    except ValueError:
        raise UsageError(f"{option} is not hexadecimal") from None
    if len(key) not in _KEY_LENGTHS:
        raise UsageError(f"{option} must be 32 hex digits (16 bytes), got {len(key)} bytes")
    return key


def _open(path: str | None) -> BufferedIOBase:
    if path is None or path == "-":
        return cast("BufferedIOBase", sys.stdin.buffer)  # a BufferedReader at runtime
    try:
        return open(path, "rb")  # closed by run_decode
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from None


def _hex_bytes(data: bytes) -> bytes:
    """Hex text as dumped (`7EA0...`, `7E A0 ...`) or as documents print byte lists
    (`0x7E, 0xA0, ...`, `7E:A0:...`): separators and 0x prefixes are dropped."""
    tokens = _HEX_SEPARATORS.split(data.decode("ascii", "replace"))
    if any(token[:2] in ("0x", "0X") for token in tokens):
        tokens = [token[2:].zfill(2) if token[:2] in ("0x", "0X") else token for token in tokens]
    try:
        return bytes.fromhex("".join(tokens))
    except ValueError:
        raise UsageError("input is not hexadecimal text (--hex)") from None
