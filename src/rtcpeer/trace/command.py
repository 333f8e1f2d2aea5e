"""``rtcpeer trace FILE.jsonl [--html OUT.html]``: render a recorded trace."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO


def add_trace_command(commands: Any) -> None:
    """Register the ``trace`` subcommand on the CLI's subparsers."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "trace",
        help="render a connection trace (recorded with rtcpeer.trace.record) as a timeline",
        description="Print a recorded connection trace (JSON lines from "
        "rtcpeer.trace.record(pc, FILE)) as a timeline; with --html also write a "
        "self-contained page with the states and a plot of RTT and throughput.",
    )
    parser.add_argument("file", help="the trace, a JSON lines file")
    parser.add_argument("--html", metavar="OUT", help="also write the timeline as HTML here")
    parser.add_argument(
        "--stats-every",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="a stats line at most this often in the terminal timeline (0: none)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no terminal timeline (with --html: only the page)"
    )


def run_trace_command(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``rtcpeer trace`` with parsed arguments; the exit status."""
    from rtcpeer.trace.render import load, render_html, render_text

    out = out if out is not None else sys.stdout
    try:
        trace = load(args.file)
    except OSError as exc:
        print(f"rtcpeer trace: {exc}", file=sys.stderr)
        return 1
    if not trace.records:
        print(f"rtcpeer trace: {args.file}: no trace lines", file=sys.stderr)
        return 1
    if not args.quiet:
        out.write(render_text(trace, stats_every=args.stats_every))
    if args.html:
        Path(args.html).write_text(render_html(trace), encoding="utf-8")
        if not args.quiet:
            out.write(f"HTML timeline written to {args.html}\n")
    return 0
