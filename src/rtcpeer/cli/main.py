"""The ``rtcpeer`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rtcpeer import __version__


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rtcpeer", description=__doc__)
    parser.add_argument("--version", action="version", version=f"rtcpeer {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo",
        help="two RTCPeerConnections on 127.0.0.1 stream, restart ICE, lose the path, recover",
    )
    demo.add_argument("--plain", action="store_true", help="plain lines instead of the live view")
    demo.add_argument(
        "--simulated",
        action="store_true",
        help="the earlier story instead: two ICE agents in the deterministic network simulator",
    )
    demo.add_argument(
        "--seed", type=int, default=7, help="random seed of the simulation (with --simulated)"
    )

    serve = commands.add_parser(
        "serve", help="serve a page that opens a data channel from any browser to Python"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (0: any)")
    serve.add_argument(
        "--ice-addresses",
        default=None,
        help="host candidates of the Python side: comma-separated addresses or interface "
        "names (default: RTCPEER_ICE_ADDRESSES, else every usable interface)",
    )

    from rtcpeer.trace.command import add_trace_command, run_trace_command

    add_trace_command(commands)

    args = parser.parse_args(argv)
    if args.command == "trace":
        return run_trace_command(args)
    if args.command == "demo":
        if args.simulated:
            from rtcpeer.cli.simulated import run_simulated_demo

            return 0 if run_simulated_demo(sys.stdout, seed=args.seed) else 1
        from rtcpeer.cli.demo import run_demo

        return 0 if run_demo(sys.stdout, plain=True if args.plain else None) else 1
    if args.command == "serve":
        from rtcpeer.cli.serve import run_serve

        return run_serve(args.host, args.port, ice_addresses=args.ice_addresses)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
