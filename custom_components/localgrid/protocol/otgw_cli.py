"""`python -m custom_components.localgrid.protocol otgw [FILE]`: gateway lines to JSON.

Reads gateway output (FILE or stdin; CR, LF or CRLF; data before an EOT dropped; the
UTF-8 byte-order mark of a saved log dropped) and prints one JSON object per non-empty
line (`line` is the line without surrounding blanks):

- report line: `{"line", "source", "msg_type", "data_id", "value"}`; `value` is a number
  for f8.8 (rounded to 2 decimals as the gateway prints it), u16 and s16 ids and
  `[high byte, low byte]` for every two-byte id (flags, u8/u8, s8/s8 signed, special, and
  ids missing from the table);
- `E` line: the same fields plus `"kind": "error"` (the frame of a line error, not data);
- report line with bad parity or non-zero spare bits: the same fields plus
  `"kind": "invalid"` and `"parity_ok"` / `"spare_bits"` (corrupted on the way, not data);
- command reply `XX: value` or bare `SE`/`OE`: `{"line", "kind": "reply", "code", "value"}`
  plus `"error"` when the value is an error code; a `PS=1` summary line:
  `{"line", "kind": "reply", "summary": {data_id: value}}`;
- `Error 0x`: `{"line", "kind": "error", "error": "0x"}`;
- banner, thermostat (dis)connected, power level, `WDT reset!`:
  `{"line", "kind": "message", "message": kind}` (plus `"version"` for the banner); the
  boot banner of the PIC's diagnostics or interface firmware is a banner too, with
  `"firmware": "diagnostics" | "interface"` (the PIC runs no gateway then);
- anything else: `{"line", "kind": "invalid", "reason"}`.

Exit code 0 when at least one line decoded (anything but invalid), else 1.
"""

from __future__ import annotations

import argparse
import codecs
import json
import sys
from typing import Any

from .opentherm import (
    Encoding,
    Frame,
    Invalid,
    Message,
    MessageKind,
    Reply,
    Source,
    Summary,
    Value,
    classify,
    split_lines,
)


def _json_value(frame_id: int, value: Value, encoding: Encoding) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if encoding is Encoding.F88:
        hundredths = int(abs(value) * 100 + 0.5)
        return (-hundredths if value < 0 else hundredths) / 100
    return value


def _frame_json(text: str, frame: Frame) -> dict[str, Any]:
    result: dict[str, Any] = {
        "line": text,
        "source": frame.source.value,
        "msg_type": frame.msg_type.label,
        "data_id": frame.data_id,
        "value": _json_value(frame.data_id, frame.value, frame.info.encoding),
    }
    if frame.source is Source.ERROR:
        result["kind"] = "error"
        result["parity_ok"] = frame.parity_ok
    elif not frame.parity_ok or frame.spare_bits:
        result["kind"] = "invalid"
        result["parity_ok"] = frame.parity_ok
        result["spare_bits"] = frame.spare_bits
    return result


def line_json(raw: str) -> dict[str, Any]:
    """The JSON object for one line (see the module docstring).

    `line` is the gateway's line without the blanks around it (spaces, tabs or a stray CR
    a bridge adds are transport noise, not part of what the gateway printed).
    """
    line = classify(raw)
    text = raw.strip() or raw
    if isinstance(line, Frame):
        return _frame_json(text, line)
    if isinstance(line, Reply):
        reply: dict[str, Any] = {"line": text, "kind": "reply", "code": line.code}
        reply["value"] = line.value
        if line.error is not None:
            reply["error"] = line.error.value
        return reply
    if isinstance(line, Summary):
        summary = {
            str(data_id): list(value) if isinstance(value, tuple) else value
            for data_id, value in line.values.items()
        }
        return {"line": text, "kind": "reply", "summary": summary}
    if isinstance(line, Message):
        if line.kind is MessageKind.LINE_ERROR:
            return {"line": text, "kind": "error", "error": line.detail}
        message: dict[str, Any] = {"line": text, "kind": "message", "message": line.kind.value}
        if line.kind in (MessageKind.BANNER, MessageKind.OTHER_FIRMWARE):
            message["message"] = MessageKind.BANNER.value
            message["version"] = line.detail
            if line.firmware:
                message["firmware"] = line.firmware
        elif line.detail:
            message["level"] = line.detail
        return message
    assert isinstance(line, Invalid)
    return {"line": text, "kind": "invalid", "reason": line.reason}


def _without_bom(data: bytes) -> bytes:
    """The capture's bytes without the UTF-8 byte-order mark an editor saved it with.

    (No UTF-16 guessing: `FF FE` at the start is as likely line noise as a mark.)
    """
    return data.removeprefix(codecs.BOM_UTF8)


def run_otgw(args: argparse.Namespace) -> int:
    """Decode the lines of args.file (or stdin); 0 when one or more decoded, else 1."""
    file = getattr(args, "file", None)
    if file:
        with open(file, "rb") as stream:
            data = stream.read()
    else:
        data = sys.stdin.buffer.read()
    data = _without_bom(data)
    decoded = 0
    out = sys.stdout
    for text in split_lines(data):
        if not text.strip():
            continue
        result = line_json(text)
        if result.get("kind") != "invalid":
            decoded += 1
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return 0 if decoded else 1
