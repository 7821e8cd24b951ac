"""Run the simulated smart meter and OpenTherm Gateway: `python -m simulator --help`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from typing import Any

from .meter import DEMO_KEY, DEMO_SERIAL, MeterFormat, MeterSimulator
from .transport import Handler, PtyEndpoint, TcpEndpoint

_FORMAT_HELP = {
    MeterFormat.MBUS: "Austrian-style encrypted M-Bus push (Kaifa/Sagemcom), 2400 8E1",
    MeterFormat.HDLC: "HDLC push (Iskra/Kaifa style), encrypted unless --no-encryption",
    MeterFormat.DSMR: "DSMR 5 P1 text telegram every second, 115200 8N1",
    MeterFormat.SMARTY: "Luxembourg Smarty encrypted P1, 115200 8N1",
}


def _key(text: str) -> str:
    """A 16-byte key as 32 hex digits."""
    try:
        if len(bytes.fromhex(text)) == 16:
            return text.upper()
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"not 32 hex digits: {text!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description=(
            "Simulated smart meter and OpenTherm Gateway for trying LocalGrid without "
            "hardware. Serves the real wire formats on TCP ports (socket://host:port, "
            "enter that as the port in Home Assistant) and optionally on pseudo-terminals."
        ),
        epilog=f"Runs until Ctrl-C. Demo key: {DEMO_KEY.hex().upper()} ('LOCALGRID-DEMO-1').",
    )
    parser.add_argument("--no-meter", dest="meter", action="store_false", help="no smart meter")
    parser.add_argument("--no-otgw", dest="otgw", action="store_false", help="no OpenTherm Gateway")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s)"
    )
    parser.add_argument(
        "--meter-port",
        type=int,
        default=6001,
        help="meter TCP port, 0 = any free (default %(default)s)",
    )
    parser.add_argument(
        "--otgw-port",
        type=int,
        default=6002,
        help="gateway TCP port, 0 = any free (default %(default)s)",
    )
    parser.add_argument(
        "--pty",
        action="store_true",
        help="also serve each device on a pseudo-terminal and print its path",
    )
    parser.add_argument(
        "--format",
        choices=[str(f) for f in MeterFormat],
        default=str(MeterFormat.MBUS),
        help="meter format: "
        + "; ".join(f"{name}: {text}" for name, text in _FORMAT_HELP.items())
        + " (default %(default)s)",
    )
    parser.add_argument(
        "--key",
        type=_key,
        default=DEMO_KEY.hex().upper(),
        help="encryption key (GUEK), 32 hex digits (default: the demo key)",
    )
    parser.add_argument(
        "--auth-key",
        type=_key,
        default=None,
        help="authentication key (GAK), 32 hex digits: adds a GCM tag (mbus, hdlc)",
    )
    parser.add_argument("--no-encryption", action="store_true", help="plain telegrams (mbus, hdlc)")
    parser.add_argument(
        "--serial", default=DEMO_SERIAL, help="meter serial number (default %(default)s)"
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=None,
        help="seconds between telegrams (default: the format's own)",
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="time acceleration, e.g. 100 (default %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed for a reproducible day")
    parser.add_argument(
        "--garbage-rate",
        type=float,
        default=0.0,
        help="chance per telegram of line noise before it",
    )
    parser.add_argument(
        "--corrupt-rate", type=float, default=0.0, help="chance per telegram of a flipped bit"
    )
    parser.add_argument(
        "--wrong-key-rate",
        type=float,
        default=0.0,
        help="chance per telegram of encryption with a wrong key",
    )
    parser.add_argument(
        "--drop-rate",
        type=float,
        default=0.0,
        help="chance per telegram that the TCP connection is cut mid-telegram",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the endpoints as one JSON line (for scripts)"
    )
    return parser  # fmt: skip


def _meter(args: argparse.Namespace) -> MeterSimulator:
    key = None if args.no_encryption and args.format != MeterFormat.SMARTY else args.key
    return MeterSimulator(
        args.format,
        key=key,
        auth_key=args.auth_key,
        serial_number=args.serial,
        interval=args.interval,
        speed=args.speed,
        seed=args.seed,
        garbage_rate=args.garbage_rate,
        corrupt_rate=args.corrupt_rate,
        wrong_key_rate=args.wrong_key_rate,
        drop_rate=args.drop_rate,
    )


async def _serve(
    handler: Handler,
    args: argparse.Namespace,
    port: int,
    stack: contextlib.AsyncExitStack,
) -> list[str]:
    tcp = await stack.enter_async_context(TcpEndpoint(handler, args.host, port))
    ports = [tcp.url]
    if args.pty:
        pty = await stack.enter_async_context(PtyEndpoint(handler))
        ports.append(pty.device_path)
    return ports


def _describe(meter: MeterSimulator | None, ports: dict[str, list[str]]) -> str:
    lines = ["LocalGrid simulator running.", ""]
    lines.append("In Home Assistant: Settings > Devices & services > Add integration > LocalGrid")
    if meter is not None:
        lines += [
            "",
            f"Smart meter ({meter.format}: {_FORMAT_HELP[meter.format]}), "
            f"a telegram every {meter.interval:g} s at {meter.speed:g}x speed",
            f"  Port:               {'  or  '.join(ports['meter'])}",
            f"  Serial number:      {meter.serial_number}",
            f"  Encryption key:     {meter.key.hex().upper() if meter.key else '(leave empty)'}",
            f"  Authentication key: "
            f"{meter.auth_key.hex().upper() if meter.auth_key else '(leave empty)'}",
        ]
    if "otgw" in ports:
        lines += [
            "",
            "OpenTherm Gateway (boiler and room)",
            f"  Port: {'  or  '.join(ports['otgw'])}",
        ]
    lines += ["", "Press Ctrl-C to stop."]
    return "\n".join(lines)


async def run(args: argparse.Namespace, stop: asyncio.Event | None = None) -> None:
    """Serve until `stop` is set (default: until SIGINT or SIGTERM)."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    ports: dict[str, list[str]] = {}
    meter = None
    async with contextlib.AsyncExitStack() as stack:
        if args.meter:
            meter = _meter(args)
            ports["meter"] = await _serve(meter.handle, args, args.meter_port, stack)
        if args.otgw:
            from .otgw import GatewaySimulator

            gateway = GatewaySimulator(speed=args.speed, seed=args.seed)
            ports["otgw"] = await _serve(gateway.handle, args, args.otgw_port, stack)
        if args.json:
            info: dict[str, Any] = {"ports": ports}
            if meter is not None:
                info |= {
                    "format": str(meter.format),
                    "serial_number": meter.serial_number,
                    "key": meter.key.hex().upper() if meter.key else None,
                    "auth_key": meter.auth_key.hex().upper() if meter.auth_key else None,
                }
            print(json.dumps(info), flush=True)
        else:
            print(_describe(meter, ports), flush=True)
        await stop.wait()
    if meter is not None:
        print(f"Meter: {meter.stats}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.meter or args.otgw):
        parser.error("nothing to run: both --no-meter and --no-otgw given")
    try:
        asyncio.run(run(args))
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
