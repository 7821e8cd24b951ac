"""Command line: `python -m custom_components.localgrid.protocol decode|otgw ...`."""

from __future__ import annotations

import argparse
import os
import sys


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.localgrid.protocol",
        description="Decode smart-meter telegrams or OpenTherm Gateway output locally.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    decode = commands.add_parser(
        "decode", help="decode meter telegrams (M-Bus, HDLC, DSMR P1) to JSON lines"
    )
    decode.add_argument("--key", help="encryption key (GUEK), 32 hex digits")
    decode.add_argument("--auth-key", help="authentication key, 32 hex digits")
    decode.add_argument("--hex", action="store_true", help="input is hex text (whitespace ignored)")
    decode.add_argument(
        "--timezone",
        help="IANA zone of the meter's clock for times sent without their offset to UTC, "
        "e.g. Europe/Helsinki (default: Central European time)",
    )
    decode.add_argument("file", nargs="?", help="input file (default: stdin)")
    otgw = commands.add_parser("otgw", help="decode OpenTherm Gateway lines to JSON lines")
    otgw.add_argument("file", nargs="?", help="input file (default: stdin)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; exit code 0 when something was decoded, 1 when nothing, 2 usage."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "decode":
            from .decode_cli import run_decode

            return run_decode(args)
        from .otgw_cli import run_otgw

        return run_otgw(args)
    except BrokenPipeError:
        # The reader left (`| head`): stop quietly; pointing stdout at devnull keeps the
        # interpreter's final flush from raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
