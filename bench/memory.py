"""Memory per connected pair, rtcpeer against aiortc (issue 5), and 1,000 pairs in one process.

Each measurement runs in a fresh subprocess of its own (one stack, one pair count, one
loop), so the stacks never share an allocator. The child restricts host candidates to
127.0.0.1, connects two warm-up pairs and closes them (imports, certificates, caches),
collects garbage, hands free heap pages back with glibc's ``malloc_trim`` (else the first
pairs would reuse what the warm-up freed) and reads its resident set size (VmRSS); then it
connects N pairs (both peer connections in the process, one data channel open on each
side, ``--concurrency`` connects at a time), lets them settle for a second, collects and
trims again and reads VmRSS: (after - before) / N is the memory each connected pair
retains, Python objects, OpenSSL's DTLS state and buffers included (kernel socket buffers
are not part of RSS). Then every pair exchanges a message each way to
prove it is still connected. With ``--heap`` a second child per point does the same
under tracemalloc (which inflates RSS, hence the separate run) for the Python heap alone.

The 1,000-pair run (rtcpeer; aiortc too with ``--thousand-aiortc``) also reports the time
to connect them all, open file descriptors, the event loop's worst lag while the 1,000
pairs idle for ``--hold`` seconds (consent checks and heartbeats running), and that every
pair still answers afterwards. The soft RLIMIT_NOFILE is raised if it is too low.

    .venv/bin/python bench/memory.py [--pairs 10,100,500] [--thousand 1000] [--loop all]
        [--heap] [--thousand-aiortc] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc
from typing import Any

from common import (
    LOOPBACK,
    STACKS,
    Pair,
    Table,
    Target,
    Value,
    add_loop_argument,
    check_candidates,
    close_all,
    connect_pair,
    loop_names,
    machine_note,
    open_fds,
    raise_fd_limit,
    restrict_host_addresses,
    rss_bytes,
    run_on,
    stack_module,
    trim_heap,
)

MEMORY_TARGET = Target("<=", 0.5)
FDS_PER_PAIR = 8  # generous: two UDP sockets per pair today


# ------------------------------------------------------------------------------ the child


async def exchange(pairs: list[Pair], timeout: float) -> int:
    """One message each way on every pair; how many pairs answered both ways."""
    arrived: dict[int, int] = {}
    done = asyncio.Event()

    def counter(index: int) -> Any:
        def on_message(message: bytes) -> None:
            arrived[index] = arrived.get(index, 0) + 1
            if len(arrived) == len(pairs) and all(v >= 2 for v in arrived.values()):
                done.set()

        return on_message

    for index, pair in enumerate(pairs):
        pair.channel.remove_all_listeners("message")
        pair.incoming.remove_all_listeners("message")
        pair.channel.on("message", counter(index))
        pair.incoming.on("message", counter(index))
    for pair in pairs:
        try:
            pair.channel.send(b"ping")
            pair.incoming.send(b"pong")
        except Exception as error:
            print(f"send failed: {type(error).__name__}: {error}", file=sys.stderr)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout)
    return sum(1 for v in arrived.values() if v >= 2)


async def loop_lag() -> float:
    """How late a zero-delay callback runs now."""
    loop = asyncio.get_running_loop()
    before = loop.time()
    await asyncio.sleep(0)
    return loop.time() - before


async def hold(seconds: float) -> float:
    """Idle for ``seconds`` while measuring the loop's worst lag (50 ms ticks)."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    end = loop.time() + seconds
    while loop.time() < end:
        before = loop.time()
        await asyncio.sleep(0.05)
        worst = max(worst, loop.time() - before - 0.05)
    return worst


async def child(args: argparse.Namespace) -> dict[str, Any]:
    restrict_host_addresses(LOOPBACK)
    limits = raise_fd_limit(args.pairs * FDS_PER_PAIR + 256)
    module = stack_module(args.stack)
    for _ in range(2):
        pair = await connect_pair(module)
        check_candidates([pair.a, pair.b], LOOPBACK)
        await pair.close()
    gc.collect()
    await asyncio.sleep(0.5)
    trim_heap()
    fds0 = open_fds()
    rss0 = rss_bytes()
    if args.tracemalloc:
        tracemalloc.start()
    heap0 = tracemalloc.get_traced_memory()[0] if args.tracemalloc else 0
    semaphore = asyncio.Semaphore(args.concurrency)
    pairs: list[Pair] = []
    failures: list[str] = []

    async def one(index: int) -> None:
        async with semaphore:
            try:
                pairs.append(await asyncio.wait_for(connect_pair(module, f"p{index}"), 60))
            except Exception as error:
                failures.append(f"{type(error).__name__}: {error}")

    async def progress() -> None:  # on stderr, shown if the child times out
        while True:
            await asyncio.sleep(10.0)
            print(
                f"{time.perf_counter() - start:.0f} s: {len(pairs)} connected, "
                f"{len(failures)} failed {failures[-1:]}, loop lag {await loop_lag():.3f} s",
                file=sys.stderr,
                flush=True,
            )

    start = time.perf_counter()
    reporter = asyncio.ensure_future(progress())
    await asyncio.gather(*(one(index) for index in range(args.pairs)))
    connect_seconds = time.perf_counter() - start
    reporter.cancel()
    await asyncio.sleep(1.0)
    trim_heap()
    rss1 = rss_bytes()
    heap1 = tracemalloc.get_traced_memory()[0] if args.tracemalloc else 0
    fds1 = open_fds()
    lag = await hold(args.hold)
    opened = sum(
        1 for p in pairs if p.channel.readyState == "open" and p.incoming.readyState == "open"
    )
    answered = await exchange(pairs, 30.0)
    result = {
        "stack": args.stack,
        "pairs": args.pairs,
        "connected": len(pairs),
        "failures": failures[:3],
        "open_after_hold": opened,
        "answered": answered,
        "connect_seconds": connect_seconds,
        "rss_before": rss0,
        "rss_delta": rss1 - rss0,
        "heap_delta": heap1 - heap0,
        "fds": fds1 - fds0,
        "fd_limit": limits[0],
        "hold_seconds": args.hold,
        "worst_lag": lag,
    }
    if args.close:
        start = time.perf_counter()
        await close_all([pc for p in pairs for pc in (p.a, p.b)], 5.0)
        result["close_seconds"] = time.perf_counter() - start
    return result


# ------------------------------------------------------------------------------ the parent


def measure(
    stack: str, pairs: int, loop: str, args: argparse.Namespace, **extra: Any
) -> dict[str, Any] | str:
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        "--stack",
        stack,
        "--count",
        str(pairs),
        "--loop",
        loop,
        "--concurrency",
        str(args.concurrency),
        "--hold",
        str(extra.get("hold", 0.0)),
    ]
    if extra.get("tracemalloc"):
        command.append("--tracemalloc")
    if extra.get("close"):
        command.append("--close")
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=args.timeout, check=False
        )
    except subprocess.TimeoutExpired as expired:
        print(f"{stack} x {pairs} on {loop}: timed out after {args.timeout:g} s", file=sys.stderr)
        errors = expired.stderr or b""
        text = errors.decode(errors="replace") if isinstance(errors, bytes) else errors
        for line in text.strip().splitlines()[-6:]:
            print(f"  {line}", file=sys.stderr)
        return f"timeout {args.timeout:g}s"
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-5:]
        print(f"{stack} x {pairs} on {loop}: exit {done.returncode}", *tail, file=sys.stderr)
        return f"error (exit {done.returncode})"
    result: dict[str, Any] = json.loads(lines[-1])
    if result["connected"] != pairs:
        print(f"{stack} x {pairs}: only {result['connected']} connected", file=sys.stderr)
    return result


def per_pair(result: dict[str, Any] | str, key: str) -> Value:
    if isinstance(result, str):
        return result
    if result["connected"] != result["pairs"]:
        return f"{result['connected']}/{result['pairs']} connected"
    return float(result[key]) / int(result["pairs"]) / 1024


def thousand_lines(result: dict[str, Any] | str, count: int) -> list[str]:
    if isinstance(result, str):
        return [f"{count:,} pairs: {result}"]
    ok = (
        result["connected"] == count
        and result["open_after_hold"] == count
        and result["answered"] == count
    )
    verdict = "PASS" if ok else "MISS"
    lines = [
        f"{result['connected']:,}/{count:,} connected in {result['connect_seconds']:.1f} s "
        f"({result['connected'] / result['connect_seconds']:.0f} pairs/s), "
        f"RSS +{result['rss_delta'] / 2**20:.0f} MiB "
        f"({result['rss_delta'] / max(1, result['connected']) / 1024:.0f} KiB/pair), "
        f"{result['fds']} fds (soft limit {result['fd_limit']})",
        f"after {result['hold_seconds']:g} s idle (worst loop lag "
        f"{result['worst_lag'] * 1000:.0f} ms): {result['open_after_hold']:,} open, "
        f"{result['answered']:,} answered a message each way  [{verdict}]",
    ]
    if "close_seconds" in result:
        lines.append(f"closed all in {result['close_seconds']:.1f} s")
    if result["failures"]:
        lines.append(f"failures, first ones: {result['failures']}")
    return lines


def parent(args: argparse.Namespace) -> None:
    counts = [int(part) for part in args.pairs.split(",") if part]
    for loop in loop_names(args.loop):
        table = Table(f"memory per connected pair on {LOOPBACK}, {loop} loop (fresh process each)")
        for count in counts:
            results = {stack: measure(stack, count, loop, args) for stack in STACKS}
            table.add(
                f"RSS per pair, {count} pairs",
                per_pair(results["rtcpeer"], "rss_delta"),
                per_pair(results["aiortc"], "rss_delta"),
                "KiB",
                "{:.0f}",
                MEMORY_TARGET,
            )
            if args.heap:
                heaps = {
                    stack: measure(stack, count, loop, args, tracemalloc=True) for stack in STACKS
                }
                table.add(
                    "  Python heap per pair (tracemalloc)",
                    per_pair(heaps["rtcpeer"], "heap_delta"),
                    per_pair(heaps["aiortc"], "heap_delta"),
                    "KiB",
                    "{:.0f}",
                )
            for stack in STACKS:
                result = results[stack]
                if not isinstance(result, str):
                    table.notes.append(
                        f"{stack} x {count}: connected in {result['connect_seconds']:.2f} s, "
                        f"{result['answered']}/{count} answered, {result['fds']} fds"
                    )
        table.notes.append(f"at the end: {machine_note()}")
        table.print()
        if args.thousand:
            stacks = STACKS if args.thousand_aiortc else ("rtcpeer",)
            for stack in stacks:
                result = measure(stack, args.thousand, loop, args, hold=args.hold, close=True)
                print(f"== {args.thousand:,} connected pairs in one process, {stack}, {loop} ==")
                for line in thousand_lines(result, args.thousand):
                    print(f"  {line}")
                print(flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_loop_argument(parser)
    parser.add_argument("--pairs", default="10,100,500", help="pair counts, comma-separated")
    parser.add_argument("--thousand", type=int, default=1000, help="pairs in one process; 0: skip")
    parser.add_argument("--thousand-aiortc", action="store_true", help="aiortc's too")
    parser.add_argument("--heap", action="store_true", help="also the tracemalloc Python heap")
    parser.add_argument("--concurrency", type=int, default=10, help="connects at a time")
    parser.add_argument("--hold", type=float, default=10.0, help="idle seconds, 1,000 pairs")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per child")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10,50 pairs, 100")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stack", choices=STACKS, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--tracemalloc", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--close", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.pairs = args.count
        result = run_on(args.loop, lambda: child(args))
        print(json.dumps(result), flush=True)
        os._exit(0)  # skip tearing down hundreds of connections
    if args.quick:
        args.pairs, args.thousand, args.hold = "10,50", 100, 2.0
    parent(args)


if __name__ == "__main__":
    main()
