"""Data channels, rtcpeer against aiortc in the same run (issue 5), on each event loop.

Both stacks: two peer connections in one process on 127.0.0.1, host candidates only (no
STUN server), a reliable ordered channel; every scenario runs for rtcpeer and then aiortc
on the same loop, first the standard asyncio loop, then uvloop when it is installed.

- connect: offer start to the channel open on both sides, median of ``--runs``;
- throughput: ``--total-mb`` MB in 16 KiB and in 64 KiB messages with bufferedAmount
  back-pressure (pause above 1 MiB, resume on ``bufferedamountlow`` at 256 KiB), MB/s from
  the first send to the last byte received, CPU seconds of the process (both ends), and
  the fraction of the raw-UDP ceiling (bench/raw_udp.py) measured on the same loop;
- message rate: ``--messages`` messages of 100 bytes, the same back-pressure, from the first
  send to the last arrival counted by the receiver.

Each scenario is bounded by ``--timeout`` seconds; a stack that stalls is reported, not
waited for.

    .venv/bin/python bench/datachannel.py [--loop all] [--runs 10] [--total-mb 100]
        [--messages 100000] [--udp-mb 100] [--timeout 180] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import raw_udp
from common import (
    LOOPBACK,
    MISSED_EVENT_WAIT,
    STACKS,
    Table,
    Target,
    Value,
    add_loop_argument,
    bounded,
    check_candidates,
    connect_pair,
    cpu_seconds,
    loop_names,
    loopback_tx_bytes,
    machine_note,
    restrict_host_addresses,
    run_on,
    send_with_backpressure,
    snmp_counters,
    stack_module,
)

HIGH_WATER = 1 << 20
LOW_WATER = 256 << 10
SIZES_KIB = (16, 64)
MESSAGE_BYTES = 100

CONNECT_TARGET = Target("<=", 0.25)
THROUGHPUT_TARGET = Target(">=", 5)
RATE_TARGET = Target(">=", 10)


@dataclass
class Transfer:
    seconds: float
    cpu: float
    amount: int  # bytes or messages
    drops: int  # UDP receive-buffer drops in this namespace meanwhile
    missed: int  # bufferedamountlow events that never came
    datagrams: int  # UDP datagrams sent in this namespace meanwhile
    wire_bytes: int  # bytes sent on lo meanwhile

    @property
    def per_datagram(self) -> float:
        return self.wire_bytes / max(1, self.datagrams)

    @property
    def per_second(self) -> float:
        return self.amount / self.seconds


async def transfer(module: ModuleType, size: int, count: int, by_message: bool) -> Transfer:
    """``count`` messages of ``size`` bytes over a fresh pair; timed from the first send to
    the last arrival on the receiver."""
    pair = await connect_pair(module)
    try:
        done = asyncio.Event()
        received = 0
        goal = count if by_message else count * size

        def on_message(message: bytes) -> None:
            nonlocal received
            received += 1 if by_message else len(message)
            if received >= goal:
                done.set()

        pair.incoming.on("message", on_message)
        gc.collect()
        payload = b"x" * size
        counters0, wire0 = snmp_counters(), loopback_tx_bytes()
        start, cpu0 = time.perf_counter(), cpu_seconds()
        missed = await send_with_backpressure(pair.channel, payload, count, HIGH_WATER, LOW_WATER)
        await done.wait()
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
        counters, wire = snmp_counters(), loopback_tx_bytes()
        return Transfer(
            seconds,
            cpu,
            received,
            counters["Udp.RcvbufErrors"] - counters0["Udp.RcvbufErrors"],
            missed,
            counters["Udp.OutDatagrams"] - counters0["Udp.OutDatagrams"],
            wire - wire0,
        )
    finally:
        await pair.close()


async def connect_times(runs: int) -> dict[str, list[float]]:
    """Interleaved runs (so both stacks see the same machine load), after a warm-up that
    also checks that only loopback candidates are offered."""
    times: dict[str, list[float]] = {name: [] for name in STACKS}
    for name in STACKS:
        pair = await connect_pair(stack_module(name))
        check_candidates([pair.a, pair.b], LOOPBACK)
        await pair.close()
    for _ in range(runs):
        for name in STACKS:
            pair = await connect_pair(stack_module(name))
            times[name].append(pair.elapsed)
            await pair.close()
    return times


def per_stack(
    label: str,
    timeout: float,
    make: Callable[[ModuleType], Coroutine[Any, Any, Transfer]],
) -> Callable[[], Coroutine[Any, Any, dict[str, Transfer | str]]]:
    async def run() -> dict[str, Transfer | str]:
        out: dict[str, Transfer | str] = {}
        for name in STACKS:
            out[name] = await bounded(f"{label} ({name})", make(stack_module(name)), timeout)
            gc.collect()
            await asyncio.sleep(0.2)
        return out

    return run


def note_missed(table: Table, label: str, results: dict[str, Transfer | str]) -> None:
    for name, result in results.items():
        if isinstance(result, Transfer) and result.missed:
            table.notes.append(
                f"{name}, {label}: bufferedamountlow never came {result.missed} time(s) though "
                f"bufferedAmount had fallen to the threshold ({MISSED_EVENT_WAIT:g} s lost each)"
            )


def figure(result: Transfer | str, value: Callable[[Transfer], float]) -> Value:
    return result if isinstance(result, str) else value(result)


def add_datagram_rows(table: Table, ours: Transfer | str, theirs: Transfer | str) -> None:
    table.add(
        "  UDP datagrams sent (both ways)",
        figure(ours, lambda r: r.datagrams),
        figure(theirs, lambda r: r.datagrams),
        fmt="{:,.0f}",
        ratio=False,
    )
    table.add(
        "  mean wire bytes per datagram",
        figure(ours, lambda r: r.per_datagram),
        figure(theirs, lambda r: r.per_datagram),
        fmt="{:.0f}",
        ratio=False,
    )
    table.add(
        "  UDP receive-buffer drops",
        figure(ours, lambda r: r.drops),
        figure(theirs, lambda r: r.drops),
        fmt="{:.0f}",
        ratio=False,
    )


async def bench_loop(args: argparse.Namespace, loop_name: str) -> None:
    total = int(args.total_mb * 1e6)
    await raw_udp.measure(int(args.udp_mb * 1e6) // 20)  # warm-up
    ceilings = [await raw_udp.measure(int(args.udp_mb * 1e6)) for _ in range(args.ceiling_runs)]
    ceiling = max(ceilings, key=lambda result: result.mb_per_s)
    times = await connect_times(args.runs)
    table = Table(f"data channels on {LOOPBACK}, {loop_name} loop")
    table.notes.append(
        f"raw-UDP ceiling on this loop, best of {len(ceilings)}: {ceiling.describe()}"
    )
    table.notes.append(f"at the start: {machine_note()}")
    medians = {name: statistics.median(times[name]) * 1000 for name in STACKS}
    table.add(
        f"connect, median of {args.runs}",
        medians["rtcpeer"],
        medians["aiortc"],
        "ms",
        "{:.1f}",
        CONNECT_TARGET,
    )
    table.add(
        "connect, min",
        min(times["rtcpeer"]) * 1000,
        min(times["aiortc"]) * 1000,
        "ms",
        "{:.1f}",
    )
    for kib in SIZES_KIB:
        size = kib * 1024
        count = -(-total // size)

        def make(module: ModuleType, size: int = size, count: int = count) -> Any:
            return transfer(module, size, count, by_message=False)

        label = f"{args.total_mb:g} MB in {kib} KiB messages"
        results = await per_stack(label, args.timeout, make)()
        note_missed(table, label, results)
        ours, theirs = results["rtcpeer"], results["aiortc"]
        table.add(
            f"throughput, {label}",
            figure(ours, lambda r: r.per_second / 1e6),
            figure(theirs, lambda r: r.per_second / 1e6),
            "MB/s",
            "{:.1f}",
            THROUGHPUT_TARGET,
        )
        table.add(
            "  CPU seconds (both ends)",
            figure(ours, lambda r: r.cpu),
            figure(theirs, lambda r: r.cpu),
            "s",
        )
        add_datagram_rows(table, ours, theirs)
        table.add(
            "  fraction of raw-UDP ceiling",
            figure(ours, lambda r: r.per_second / 1e6 / ceiling.mb_per_s),
            figure(theirs, lambda r: r.per_second / 1e6 / ceiling.mb_per_s),
            fmt="{:.3f}",
            ratio=False,
        )

    def make_rate(module: ModuleType) -> Any:
        return transfer(module, MESSAGE_BYTES, args.messages, by_message=True)

    label = f"{args.messages:,} x {MESSAGE_BYTES} B messages"
    results = await per_stack(label, args.timeout, make_rate)()
    note_missed(table, label, results)
    ours, theirs = results["rtcpeer"], results["aiortc"]
    table.add(
        f"message rate, {label}",
        figure(ours, lambda r: r.per_second),
        figure(theirs, lambda r: r.per_second),
        "msg/s",
        "{:,.0f}",
        RATE_TARGET,
    )
    table.add(
        "  CPU seconds (both ends)",
        figure(ours, lambda r: r.cpu),
        figure(theirs, lambda r: r.cpu),
        "s",
    )
    add_datagram_rows(table, ours, theirs)
    table.notes.append(
        "UDP datagrams, wire bytes (lo) and receive-buffer drops (RcvbufErrors) count the "
        "whole network namespace during the run: other processes' traffic included"
    )
    table.print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_loop_argument(parser)
    parser.add_argument("--runs", type=int, default=10, help="connects per stack (median)")
    parser.add_argument("--total-mb", type=float, default=100.0, help="throughput volume")
    parser.add_argument("--messages", type=int, default=100_000, help="100-byte messages")
    parser.add_argument("--udp-mb", type=float, default=100.0, help="raw-UDP ceiling volume")
    parser.add_argument("--ceiling-runs", type=int, default=3, help="raw-UDP runs (best)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per scenario")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 3 connects, 5 MB, 5,000 messages"
    )
    args = parser.parse_args()
    if args.quick:
        args.runs, args.total_mb, args.messages, args.udp_mb = 3, 5.0, 5_000, 20.0
        args.timeout = min(args.timeout, 60.0)
    restrict_host_addresses(LOOPBACK)
    for loop_name in loop_names(args.loop):

        def one(loop_name: str = loop_name) -> Coroutine[Any, Any, None]:
            return bench_loop(args, loop_name)

        run_on(loop_name, one)


if __name__ == "__main__":
    main()
