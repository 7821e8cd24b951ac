"""What network bridges do to a meter's bytes on the way, and how to read them back.

A bridge passing the serial stream in text mode writes each 0x0A as CR LF; one speaking
telnet doubles each 0xFF. The framing readers undo either when the frame's own checks
then hold.
"""

from __future__ import annotations

TEXT_MODE = (b"\r\n", b"\n")
"""How a bridge in text mode passes a 0x0A, and the byte the meter sent."""
TELNET = (b"\xff\xff", b"\xff")
"""How a bridge in telnet mode passes a 0xFF, and the byte the meter sent."""


def end_as_received(buf: bytes | bytearray, start: int, end: int, received_as: bytes) -> int:
    """Where the bytes the meter sent as `start`..`end` end in `buf`, when a bridge wrote
    one of them as the two bytes `received_as`: each such pair moves the end by one (a
    pair may end just at the old end)."""
    received_end = end
    while True:
        moved = end + buf.count(received_as, start, received_end + 1)
        if moved == received_end:
            return received_end
        received_end = moved
