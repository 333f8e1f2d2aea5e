"""Shared pieces of the issue-5 benchmarks (bench/datachannel.py, memory.py, veth.py, raw_udp.py).

- ``restrict_host_addresses``: host candidates on one address only, for both stacks, so no
  benchmark traffic ever goes to a real interface (rtcpeer: ``RTCPEER_ICE_ADDRESSES``;
  aiortc: ``aioice.ice.get_host_addresses`` patched; aiortc gets no default STUN server).
- ``loop_names`` / ``run_on``: ``--loop asyncio|uvloop|all``; uvloop comes with the
  ``rtcpeer[fast]`` extra and is skipped with a note when it is not installed.
- ``connect_pair``: two peer connections of one stack in this process, one data channel,
  from the start of the offer to the channel open on both sides.
- ``cpu_seconds``, ``rss_bytes``: process CPU time (all threads) and resident memory.
- ``Table``: rtcpeer, aiortc, the ratio rtcpeer/aiortc, the issue's target and PASS/MISS.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import importlib.util
import itertools
import os
import re
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, TypeVar

LOOPBACK = "127.0.0.1"
LOOPS = ("asyncio", "uvloop")
STACKS = ("rtcpeer", "aiortc")
T = TypeVar("T")
#: How long send_with_backpressure waits for a bufferedamountlow that should have come.
MISSED_EVENT_WAIT = 0.2


# ------------------------------------------------------------------------------ addresses


def restrict_host_addresses(address: str) -> None:
    """Gather host candidates on ``address`` only, in both stacks (before any gathering)."""
    os.environ["RTCPEER_ICE_ADDRESSES"] = address
    import aioice.ice

    def only(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [address]

    aioice.ice.get_host_addresses = only


_CANDIDATE = re.compile(r"^a=candidate:\S+ \d+ \S+ \d+ (\S+) ", re.MULTILINE)


def candidate_addresses(sdp: str) -> set[str]:
    """The connection addresses of every a=candidate line in an SDP blob."""
    return set(_CANDIDATE.findall(sdp))


def check_candidates(pcs: Sequence[Any], address: str) -> None:
    """Fail loudly if a local description offers any address but ``address``."""
    for pc in pcs:
        found = candidate_addresses(pc.localDescription.sdp)
        if found != {address}:
            raise SystemExit(f"host candidates {sorted(found)} are not only {address}: aborting")


def stack_module(name: str) -> ModuleType:
    if name == "rtcpeer":
        import rtcpeer

        return rtcpeer
    import aiortc

    return aiortc


def new_peer_connection(module: ModuleType) -> Any:
    """A peer connection with no ICE server: host candidates only (aiortc would otherwise
    add stun.l.google.com)."""
    return module.RTCPeerConnection(module.RTCConfiguration(iceServers=[]))


# ------------------------------------------------------------------------------ event loops


def uvloop_available() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def loop_names(choice: str) -> list[str]:
    """``asyncio``, ``uvloop`` or ``all`` (every loop that is installed)."""
    if choice == "all":
        if not uvloop_available():
            print("note: uvloop is not installed (pip install 'rtcpeer[fast]'): asyncio only")
            return ["asyncio"]
        return list(LOOPS)
    if choice == "uvloop" and not uvloop_available():
        raise SystemExit("uvloop is not installed: pip install 'rtcpeer[fast]'")
    return [choice]


def add_loop_argument(parser: Any, default: str = "all") -> None:
    parser.add_argument(
        "--loop",
        choices=[*LOOPS, "all"],
        default=default,
        help="event loop to run on (default: %(default)s installed loops)",
    )


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def run_on(loop_name: str, main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``main()`` to completion on a fresh loop of the given kind."""
    with asyncio.Runner(loop_factory=loop_factory(loop_name)) as runner:
        return runner.run(main())


# ------------------------------------------------------------------------------ resources


def cpu_seconds() -> float:
    """CPU time of this process (user + system, all threads)."""
    return time.process_time()


def trim_heap() -> None:
    """Collect garbage and hand free C-heap pages back to the OS (glibc ``malloc_trim``), so
    an RSS difference counts what is retained, not what an earlier phase left free."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def rss_bytes() -> int:
    """Current resident set size (VmRSS), in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def snmp_counters(snmp: str | None = None) -> dict[str, int]:
    """The Ip: and Udp: counters of /proc/net/snmp (the whole network namespace), as
    ``"Udp.RcvbufErrors"`` etc., from ``snmp`` or this namespace's file."""
    if snmp is None:
        with open("/proc/net/snmp") as file:
            snmp = file.read()
    counters: dict[str, int] = {}
    lines = snmp.splitlines()
    for header, values in itertools.pairwise(lines):
        kind = header.split(":", 1)[0]
        if kind not in ("Ip", "Udp") or not values.startswith(f"{kind}:"):
            continue
        names, numbers = header.split()[1:], values.split()[1:]
        if names and not names[0].isdigit() and numbers and numbers[0].lstrip("-").isdigit():
            counters.update((f"{kind}.{n}", int(v)) for n, v in zip(names, numbers, strict=False))
    return counters


def loopback_tx_bytes() -> int:
    """Bytes sent on ``lo`` so far (this namespace)."""
    with open("/sys/class/net/lo/statistics/tx_bytes") as file:
        return int(file.read())


def udp_receive_drops(snmp: str | None = None) -> int:
    """UDP datagrams the kernel dropped for want of receive-buffer space (RcvbufErrors in
    /proc/net/snmp, for the whole network namespace)."""
    return snmp_counters(snmp).get("Udp.RcvbufErrors", 0)


def machine_note() -> str:
    """The machine's load when a table is made: the other workers' share shows here."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} CPUs"


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def raise_fd_limit(needed: int) -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE to at least ``needed`` (up to the hard limit);
    returns the (soft, hard) limits now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        new = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


# ------------------------------------------------------------------------------ peers


@dataclass
class Pair:
    """Two connected peer connections and the channel's two ends."""

    a: Any
    b: Any
    channel: Any
    incoming: Any
    elapsed: float

    async def close(self) -> None:
        await close_all([self.a, self.b])


async def close_all(pcs: Sequence[Any], timeout: float = 10.0) -> None:
    """Close peer connections, bounded in time, ignoring errors (a stalled stack must not
    hang the benchmark)."""
    for pc in pcs:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(pc.close(), timeout)


async def gathered(pc: Any) -> None:
    """Wait for ICE gathering to complete (aiortc completes it inside
    setLocalDescription)."""
    if pc.iceGatheringState == "complete":
        return
    done = asyncio.Event()

    def on_change() -> None:
        if pc.iceGatheringState == "complete":
            done.set()

    pc.on("icegatheringstatechange", on_change)
    if pc.iceGatheringState != "complete":
        await done.wait()


async def connect_pair(module: ModuleType, label: str = "bench") -> Pair:
    """Offer start to channel open on both sides, both peers in this process, the whole
    description exchanged once gathering is complete (aiortc cannot trickle)."""
    a, b = new_peer_connection(module), new_peer_connection(module)
    try:
        start = time.perf_counter()
        channel = a.createDataChannel(label)
        opened = asyncio.Event()
        channel.on("open", opened.set)
        remote: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        remote_open = asyncio.Event()

        def on_datachannel(incoming: Any) -> None:
            if not remote.done():
                remote.set_result(incoming)
            if incoming.readyState == "open":
                remote_open.set()
            incoming.on("open", remote_open.set)

        b.on("datachannel", on_datachannel)
        await a.setLocalDescription(await a.createOffer())
        await gathered(a)
        await b.setRemoteDescription(a.localDescription)
        await b.setLocalDescription(await b.createAnswer())
        await gathered(b)
        await a.setRemoteDescription(b.localDescription)
        await opened.wait()
        incoming = await remote
        await remote_open.wait()
        return Pair(a, b, channel, incoming, time.perf_counter() - start)
    except BaseException:
        await close_all([a, b])
        raise


async def send_with_backpressure(
    channel: Any, payload: bytes, count: int, high_water: int, low_water: int
) -> int:
    """Send ``payload`` ``count`` times: pause while bufferedAmount > high_water, resume on
    ``bufferedamountlow`` (bufferedAmountLowThreshold = low_water); yield to the loop every
    high_water bytes so the stack can run even if it never buffers.

    Returns how often the event was missed: bufferedAmount had fallen to the threshold and
    no event came within MISSED_EVENT_WAIT seconds (an application waiting for the event
    would hang there; the benchmark goes on, that much late, and reports it)."""
    low = asyncio.Event()
    channel.bufferedAmountLowThreshold = low_water
    channel.on("bufferedamountlow", low.set)
    size = len(payload)
    per_yield = max(1, high_water // size)
    send = channel.send
    missed = 0
    for index in range(count):
        if channel.bufferedAmount > high_water:
            low.clear()
            while not low.is_set():
                try:
                    await asyncio.wait_for(low.wait(), MISSED_EVENT_WAIT)
                except TimeoutError:
                    if low.is_set():  # it came while wait_for was cancelling the wait
                        break
                    if channel.bufferedAmount <= low_water:
                        missed += 1
                        break
        send(payload)
        if index % per_yield == per_yield - 1:
            await asyncio.sleep(0)
    return missed


async def bounded(label: str, coro: Awaitable[T], timeout: float) -> T | str:
    """``await coro`` within ``timeout`` seconds; on timeout or error, a short text to print
    in place of the figure (and a line on stderr)."""
    try:
        return await asyncio.wait_for(coro, timeout)
    except TimeoutError:
        print(f"{label}: timed out after {timeout:g} s", file=sys.stderr)
        return f"timeout {timeout:g}s"
    except Exception as error:
        print(f"{label}: {type(error).__name__}: {error}", file=sys.stderr)
        return f"error: {type(error).__name__}"


# ------------------------------------------------------------------------------ table


@dataclass(frozen=True)
class Target:
    """The issue's target for rtcpeer/aiortc: ``<=`` or ``>=`` a ratio."""

    op: str
    ratio: float

    def met(self, ratio: float) -> bool:
        return ratio <= self.ratio if self.op == "<=" else ratio >= self.ratio

    def __str__(self) -> str:
        return f"{self.op} {self.ratio:g}x"


Value = float | str | None


@dataclass
class Row:
    label: str
    ours: Value
    theirs: Value
    unit: str = ""
    fmt: str = "{:.2f}"
    target: Target | None = None
    ratio: bool = True


@dataclass
class Table:
    """Rows of (rtcpeer, aiortc, rtcpeer/aiortc, target, PASS/MISS)."""

    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        label: str,
        ours: Value,
        theirs: Value,
        unit: str = "",
        fmt: str = "{:.2f}",
        target: Target | None = None,
        ratio: bool = True,
    ) -> None:
        self.rows.append(Row(label, ours, theirs, unit, fmt, target, ratio))

    @staticmethod
    def _cell(value: Value, row: Row) -> str:
        if value is None:
            return "-"
        if isinstance(value, str):
            return value
        text = row.fmt.format(value)
        return f"{text} {row.unit}" if row.unit else text

    def render(self) -> str:
        header = ("figure", "rtcpeer", "aiortc", "rtcpeer/aiortc", "target", "")
        lines: list[tuple[str, ...]] = [header]
        for row in self.rows:
            ratio_text = target_text = verdict = ""
            if (
                row.ratio
                and isinstance(row.ours, float | int)
                and isinstance(row.theirs, float | int)
                and row.theirs
            ):
                ratio = row.ours / row.theirs
                ratio_text = f"{ratio:.2f}x"
                if row.target is not None:
                    verdict = "PASS" if row.target.met(ratio) else "MISS"
            elif row.target is not None:
                verdict = "MISS" if isinstance(row.ours, str) else "n/a"
            if row.target is not None:
                target_text = str(row.target)
            lines.append(
                (
                    row.label,
                    self._cell(row.ours, row),
                    self._cell(row.theirs, row),
                    ratio_text,
                    target_text,
                    verdict,
                )
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        out = [f"== {self.title} =="]
        for number, line in enumerate(lines):
            cells = [line[0].ljust(widths[0])]
            cells += [line[i].rjust(widths[i]) for i in range(1, 4)]
            cells += [line[4].ljust(widths[4]), line[5]]
            out.append("  ".join(cells).rstrip())
            if number == 0:
                out.append("-" * len(out[-1]))
        out.extend(f"  {note}" for note in self.notes)
        return "\n".join(out)

    def print(self) -> None:
        print(self.render(), flush=True)
        print(flush=True)
