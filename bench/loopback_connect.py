"""Time to connected of a host-only ICE connection on 127.0.0.1: rtcpeer and aioice.

Each run makes two fresh connections (controlling and controlled), gathers host candidates
on 127.0.0.1 only, exchanges credentials and candidates (with end-of-candidates) in-process,
and measures, for each side, the time from the start of gathering to that side reporting
connectivity: rtcpeer's state becoming connected/completed, aioice's ``connect()`` returning.
The same scenario runs with two aioice Connections (``aioice.ice.get_host_addresses``
patched to 127.0.0.1, as aioice never gathers loopback) and the ratio of the medians is
printed.

    .venv/bin/python bench/loopback_connect.py [--runs 50]

No traffic leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable, Sequence

import aioice
import aioice.ice

from rtcpeer.aio import IceConnection
from rtcpeer.ice import Candidate, IceTransportState

LOOPBACK = "127.0.0.1"
UP = (IceTransportState.CONNECTED, IceTransportState.COMPLETED)


def loopback_only(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    return [LOOPBACK]


async def rtcpeer_run() -> tuple[float, float]:
    """(controlling, controlled) seconds from the start of gathering to connected."""
    a = IceConnection(controlling=True, addresses=[LOOPBACK])
    b = IceConnection(controlling=False, addresses=[LOOPBACK])
    loop = asyncio.get_running_loop()
    done: dict[str, float] = {}

    def trickle(dst: IceConnection) -> Callable[[Candidate | None, str], None]:
        def on_candidate(candidate: Candidate | None, ufrag: str) -> None:
            text = None if candidate is None else candidate.to_sdp()
            loop.call_soon(
                lambda: dst.add_remote_candidate(
                    None if text is None else Candidate.from_sdp(text), ufrag
                )
            )

        return on_candidate

    def record(name: str) -> Callable[[IceTransportState], None]:
        def on_state(state: IceTransportState) -> None:
            if state in UP and name not in done:
                done[name] = time.perf_counter()

        return on_state

    a.on_candidate, b.on_candidate = trickle(b), trickle(a)
    a.on_state, b.on_state = record("a"), record("b")
    start = time.perf_counter()
    try:
        await a.gather()
        await b.gather()
        a.set_remote_parameters(*b.local_parameters)
        b.set_remote_parameters(*a.local_parameters)
        await asyncio.gather(a.connect(timeout=10.0), b.connect(timeout=10.0))
    finally:
        await a.close()
        await b.close()
    return done["a"] - start, done["b"] - start


async def aioice_run() -> tuple[float, float]:
    """(controlling, controlled) seconds from the start of gathering to connect() returning."""
    a = aioice.Connection(ice_controlling=True, use_ipv6=False)
    b = aioice.Connection(ice_controlling=False, use_ipv6=False)
    done: dict[str, float] = {}

    async def connect(name: str, conn: aioice.Connection) -> None:
        await conn.connect()
        done[name] = time.perf_counter()

    start = time.perf_counter()
    try:
        await a.gather_candidates()
        await b.gather_candidates()
        for src, dst in ((a, b), (b, a)):
            dst.remote_username, dst.remote_password = src.local_username, src.local_password
            for candidate in src.local_candidates:
                await dst.add_remote_candidate(candidate)
            await dst.add_remote_candidate(None)
        await asyncio.wait_for(asyncio.gather(connect("a", a), connect("b", b)), 10.0)
    finally:
        await a.close()
        await b.close()
    return done["a"] - start, done["b"] - start


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def report(name: str, runs: Sequence[tuple[float, float]]) -> float:
    """Print median/p90 per side; return the median over both sides."""
    for index, side in enumerate(("controlling", "controlled")):
        times = [run[index] * 1000 for run in runs]
        print(
            f"{name:8} {side:11}  median {statistics.median(times):7.2f} ms"
            f"  p90 {percentile(times, 0.9):7.2f} ms"
            f"  min {min(times):7.2f} ms  max {max(times):7.2f} ms"
        )
    return statistics.median([t for run in runs for t in run])


async def main(runs: int) -> None:
    aioice.ice.get_host_addresses = loopback_only
    rtcpeer_runs: list[tuple[float, float]] = []
    aioice_runs: list[tuple[float, float]] = []
    await rtcpeer_run()  # warm-up (imports, first socket)
    await aioice_run()
    for _ in range(runs):  # interleaved, so both see the same machine load
        rtcpeer_runs.append(await rtcpeer_run())
        aioice_runs.append(await aioice_run())
    print(f"host-only connect on {LOOPBACK}, {runs} runs each, from gathering to connected")
    ours = report("rtcpeer", rtcpeer_runs)
    theirs = report("aioice", aioice_runs)
    print(f"median over both sides: rtcpeer {ours * 1000:.2f} ms, aioice {theirs * 1000:.2f} ms")
    print(f"ratio aioice / rtcpeer: {theirs / ours:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="runs per library (>= 20)")
    arguments = parser.parse_args()
    if arguments.runs < 20:
        parser.error("--runs must be at least 20")
    asyncio.run(main(arguments.runs))
