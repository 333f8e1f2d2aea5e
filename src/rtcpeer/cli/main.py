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
        "demo", help="two ICE agents connect, restart and survive a network change (simulated)"
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed of the simulation")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from rtcpeer.cli.demo import run_demo

        return 0 if run_demo(sys.stdout, seed=args.seed) else 1
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
