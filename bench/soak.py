"""Chaos soak (issue 8): many connected pairs under loss, partitions and restartIce, reliable
channels checked end to end; then connect/close cycles with resources back to where they were.

Three parts, each with its own checks (exit status 1 if any fails), then one table:

``sim``
    ``--sim-pairs`` pairs (default 50) in the deterministic simulator, each side behind its
    own NAT (full-cone, restricted, port-restricted or symmetric; no pair that needs TURN),
    every access link losing 5-10 % each way, partitions of 1-4 s every 10-25 s, and
    restartIce() by a random side every 3-8 s, for ``--sim-seconds`` of virtual time. Each
    side runs the sans-IO ICE agent (rtcpeer.testing.IceEndpoint) *and* an SCTP association
    over it (no DTLS: the simulator carries SCTP packets as the ICE agent's application
    data), with one reliable ordered stream carrying numbered messages each way (20 a
    second, 10-3000 bytes). Checked: every message arrives exactly once and in order; every
    ICE state change is a webrtc-pc §5.7.6 transition; every pair ends connected.

``loopback``
    ``--loop-pairs`` real RTCPeerConnection pairs (default 10) on 127.0.0.1
    (RTCPEER_ICE_ADDRESSES), each with a reliable ordered data channel streaming numbered
    messages both ways, for ``--loop-seconds``. Loss is injected by wrapping each
    IceConnection's ``_datagram_received`` (every datagram a socket hands in: STUN, DTLS,
    SCTP) with a 1-5 % drop and, every 4-8 s on a random pair, a 0.5-3 s blackout; a random
    side of a random pair calls restartIce() and renegotiates every 2-5 s. Checked: no
    message lost, duplicated or reordered on any channel; every pair connected at the end;
    no exception reached the event loop.

``cycles``
    ``--cycles`` (default 1,000) connect/close cycles of one pair (a channel opened, one
    message each way, both closed) after ``--warmup`` (20) cycles. Before and after, with garbage
    collected and free heap trimmed: resident memory (VmRSS), the Python heap (tracemalloc),
    asyncio tasks, open file descriptors and sockets (/proc/self/fd). Checked: tasks, fds and
    sockets exactly back; heap within ``--heap-tolerance`` and RSS within ``--rss-tolerance``.

    .venv/bin/python bench/soak.py            # a few minutes (make soak)
    .venv/bin/python bench/soak.py --quick    # a smoke run of each part, well under a minute
    .venv/bin/python bench/soak.py --parts sim --sim-pairs 5

Only loopback traffic: host candidates on 127.0.0.1, no STUN/TURN server.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from common import machine_note, open_fds, raise_fd_limit, rss_bytes, trim_heap

from rtcpeer.ice import IceEvent, IceTransportState, StateChanged, is_allowed_transition
from rtcpeer.sctp import Association, Closed, MessageReceived, SctpConfig
from rtcpeer.testing import (
    Host,
    IceEndpoint,
    LinkProfile,
    NatType,
    Signalling,
    SimNetwork,
    StunServer,
    TimerHandle,
)

S = IceTransportState
UP = (S.CONNECTED, S.COMPLETED)
Address = tuple[str, int]


# ============================================================================================
# Shared: one direction of a reliable channel, checked message by message
# ============================================================================================


@dataclass
class Flow:
    """Numbered messages one way: what was sent and the numbers as they arrived."""

    name: str
    sent: int = 0
    received: list[int] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.received) >= self.sent

    def verdict(self) -> tuple[int, int, int]:
        """(lost, duplicated, reordered): reordered counts arrivals smaller than one before."""
        distinct = set(self.received)
        duplicated = len(self.received) - len(distinct)
        lost = len(set(range(self.sent)) - distinct)
        reordered = sum(1 for x, y in zip(self.received, self.received[1:], strict=False) if y < x)
        return lost, duplicated, reordered


def flows_summary(flows: list[Flow]) -> dict[str, int]:
    lost = duplicated = reordered = 0
    for flow in flows:
        lo, du, re_ = flow.verdict()
        lost, duplicated, reordered = lost + lo, duplicated + du, reordered + re_
    return {
        "sent": sum(f.sent for f in flows),
        "received": sum(len(f.received) for f in flows),
        "lost": lost,
        "duplicated": duplicated,
        "reordered": reordered,
    }


def numbered(seq: int, size: int) -> bytes:
    return seq.to_bytes(4, "big") + bytes(max(0, size - 4))


# ============================================================================================
# Part 1: the simulator (ICE agent + SCTP association per side)
# ============================================================================================


class SoakEndpoint(IceEndpoint):
    """An IceEndpoint whose application datagrams go to ``on_app`` instead of a list (an
    SCTP association takes them; keeping every packet would only cost memory)."""

    on_app: Callable[[bytes], None] | None = None

    def _on_datagram(self, data: bytes, local: Address, remote: Address) -> None:
        now = self.network.now
        app = self.agent.handle_datagram(now, data, local, remote)
        self._pump()
        if app is not None and self.on_app is not None:
            self.on_app(app)


class SimSide:
    """One side: an ICE endpoint and the SCTP association it carries."""

    def __init__(
        self, net: SimNetwork, host: Host, *, controlling: bool, stun: Address, seed: int
    ) -> None:
        self.net = net
        self.ice = SoakEndpoint(
            net, host, controlling=controlling, stun_servers=[stun], seed=seed, name=host.name
        )
        self.ice.on_app = self._on_packet
        self.ice.listeners.append(self._on_ice_event)
        self.assoc = Association(
            config=SctpConfig(rto_min=0.2, rto_initial=0.5, max_retransmissions=None),
            rng=random.Random(seed + 1),
        )
        self.client = controlling
        self.started = False
        self.closed: Closed | None = None
        self.flow_in: Flow | None = None
        self.flow_out = Flow(f"{host.name}->")
        self.violations: list[str] = []
        self._timer: TimerHandle | None = None
        self._timer_at: float | None = None
        self._last_state = S.NEW

    def _on_ice_event(self, event: IceEvent) -> None:
        if isinstance(event, StateChanged):
            if event.old is not self._last_state or not is_allowed_transition(event.old, event.new):
                self.violations.append(f"{self.ice.name}: {event.old} -> {event.new}")
            self._last_state = event.new
            if event.new in UP and not self.started:
                self.started = True
                if self.client:
                    self.net.call_later(0.0, self._associate)

    def _associate(self) -> None:
        self.assoc.associate(self.net.now)
        self.pump()

    def _on_packet(self, data: bytes) -> None:
        self.assoc.handle_packet(self.net.now, data)
        self.pump()

    def _on_timer(self) -> None:
        self._timer = self._timer_at = None
        self.assoc.handle_timer(self.net.now)
        self.pump()

    def _flush(self) -> None:
        now = self.net.now
        packets = self.assoc.packets_to_send(now)
        for packet in packets:
            self.ice.agent.send(now, packet)  # no pair: dropped, SCTP retransmits
        if packets:
            self.ice.pump()

    def pump(self) -> None:
        self._flush()
        while (event := self.assoc.next_event()) is not None:
            if isinstance(event, MessageReceived):
                assert self.flow_in is not None
                self.flow_in.received.append(int.from_bytes(event.data[:4], "big"))
            elif isinstance(event, Closed):
                self.closed = event
        self._flush()
        deadline = self.assoc.get_timer()
        if deadline == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = (
            None
            if deadline is None
            else self.net.call_at(max(deadline, self.net.now), self._on_timer)
        )

    def send_next(self, rng: random.Random) -> None:
        """One more numbered message, unless SCTP still holds a lot (the application's
        backpressure, as with bufferedAmount)."""
        if not self.assoc.is_established or self.assoc.buffered_amount > 256 * 1024:
            return
        size = rng.choice([8, 50, 200, 1200, 2500])
        self.assoc.send(self.net.now, 1, 53, numbered(self.flow_out.sent, size))
        self.flow_out.sent += 1
        self.pump()


@dataclass
class SimPair:
    index: int
    alice: SimSide
    bob: SimSide
    signalling: Signalling
    alice_host: Host
    bob_host: Host
    kinds: tuple[NatType, NatType]
    partitions: int = 0
    restarts: int = 0


NATS = [
    NatType.FULL_CONE,
    NatType.RESTRICTED_CONE,
    NatType.PORT_RESTRICTED_CONE,
    NatType.SYMMETRIC,
]


#: NAT pairs that need TURN (RFC 4787, RFC 8445 §2.2): a symmetric NAT's per-destination
#: ports pass neither another symmetric NAT nor a port-restricted filter.
NEEDS_TURN = {
    frozenset({NatType.SYMMETRIC}),
    frozenset({NatType.SYMMETRIC, NatType.PORT_RESTRICTED_CONE}),
}
#: Every other pair of kinds, the same kind on both sides included.
NAT_PAIRS = [(x, y) for x in NATS for y in NATS if frozenset((x, y)) not in NEEDS_TURN]


def build_sim_pairs(net: SimNetwork, count: int, rng: random.Random) -> list[SimPair]:
    stun_host = net.add_host("stun")
    stun_host.add_interface(net.internet, "198.51.100.100", LinkProfile(delay=0.01))
    stun = StunServer(net, stun_host)
    pairs: list[SimPair] = []
    for i in range(count):
        kinds = rng.choice(NAT_PAIRS)
        hosts = []
        for side, kind in zip(("a", "b"), kinds, strict=True):
            nat = net.add_nat(f"nat{i}{side}", kind, subnet=f"10.{i}.{ord(side)}.0/24")
            host = net.add_host(f"{side}{i}")
            link = LinkProfile(
                delay=rng.uniform(0.005, 0.05),
                jitter=rng.uniform(0.0, 0.01),
                loss=rng.uniform(0.05, 0.10),
            )
            host.add_interface(nat.inside, link=link)
            hosts.append(host)
        alice = SimSide(
            net, hosts[0], controlling=True, stun=stun.address, seed=rng.getrandbits(32)
        )
        bob = SimSide(net, hosts[1], controlling=False, stun=stun.address, seed=rng.getrandbits(32))
        alice.flow_in, bob.flow_in = bob.flow_out, alice.flow_out
        signalling = Signalling(alice.ice, bob.ice, delay=rng.uniform(0.02, 0.2))
        pairs.append(SimPair(i, alice, bob, signalling, hosts[0], hosts[1], kinds))
    return pairs


def run_sim(pair_count: int, seconds: float, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    net = SimNetwork(seed, trace=False)
    pairs = build_sim_pairs(net, pair_count, rng)
    started = time.perf_counter()
    chaos = True

    def every(pair: SimPair, action: Callable[[], None], low: float, high: float) -> None:
        def fire() -> None:
            if chaos:
                action()
                net.call_later(rng.uniform(low, high), fire)

        net.call_later(rng.uniform(low, high), fire)

    def sender(side: SimSide) -> Callable[[], None]:
        def tick() -> None:
            if chaos:
                side.send_next(rng)
                net.call_later(0.05, tick)

        return tick

    for pair in pairs:
        pair.signalling.connect()

        def restart(pair: SimPair = pair) -> None:
            pair.restarts += 1
            pair.signalling.restart(rng.choice([pair.alice.ice, pair.bob.ice]))

        def partition(pair: SimPair = pair) -> None:
            pair.partitions += 1
            net.partition(pair.alice_host, pair.bob_host)
            net.call_later(rng.uniform(1.0, 4.0), lambda: net.heal(pair.alice_host, pair.bob_host))

        every(pair, restart, 3.0, 8.0)
        every(pair, partition, 10.0, 25.0)
        for side in (pair.alice, pair.bob):
            net.call_later(rng.uniform(0.0, 0.05), sender(side))
    net.run_until(seconds)
    chaos = False
    for pair in pairs:
        net.heal(pair.alice_host, pair.bob_host)
    flows = [f for p in pairs for f in (p.alice.flow_out, p.bob.flow_out)]
    net.run_until_true(lambda: all(f.complete for f in flows), 120.0)
    net.run(2.0)  # the last SACKs
    problems: list[str] = []
    for pair in pairs:
        for side in (pair.alice, pair.bob):
            problems += side.violations
            if side.ice.state not in UP:
                nats = "/".join(k.value for k in pair.kinds)
                name, state = side.ice.name, side.ice.state
                problems.append(f"pair {pair.index} ({nats}): {name} ends {state}")
            if side.closed is not None:
                problems.append(f"pair {pair.index}: SCTP closed: {side.closed.reason}")
    summary = flows_summary(flows)
    for flow in flows:
        lost, duplicated, reordered = flow.verdict()
        if lost or duplicated or reordered:
            problems.append(f"{flow.name}: lost {lost}, dup {duplicated}, reordered {reordered}")
    sides = [s for p in pairs for s in (p.alice, p.bob)]
    return {
        "pairs": len(pairs),
        "virtual_seconds": seconds,
        "wall_seconds": time.perf_counter() - started,
        "restarts_asked": sum(p.restarts for p in pairs),
        "generations": sum(s.ice.agent.generation_count - 1 for s in sides),
        "partitions": sum(p.partitions for p in pairs),
        "disconnected_reports": sum(s.ice.states.count(S.DISCONNECTED) for s in sides),
        "sctp_t3_expiries": sum(s.assoc.stats.get("t3_expiries", 0) for s in sides),
        "datagrams_lost_by_links": net.stats.dropped.get("loss", 0),
        "datagrams_lost_to_partitions": net.stats.dropped.get("partition", 0),
        **summary,
        "problems": problems,
    }


# ============================================================================================
# Part 2: real RTCPeerConnections on 127.0.0.1
# ============================================================================================

_pending: set[asyncio.Future[None]] = set()


def trickle(src: Any, dst: Any) -> None:
    def on_candidate(candidate: Any) -> None:
        if candidate is not None:
            task = asyncio.ensure_future(dst.addIceCandidate(candidate))
            _pending.add(task)
            task.add_done_callback(_pending.discard)

    src.on("icecandidate", on_candidate)


async def negotiate(offerer: Any, answerer: Any) -> None:
    await offerer.setLocalDescription()
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription()
    await offerer.setRemoteDescription(answerer.localDescription)


class Impairment:
    """Drops datagrams as they come out of an IceConnection's sockets (before the ICE agent
    sees them): random loss, and a total blackout until ``blackout_until``."""

    def __init__(self, rng: random.Random, loss: float) -> None:
        self.rng = rng
        self.loss = loss
        self.blackout_until = 0.0
        self.dropped = 0
        self.passed = 0

    def wrap(self, connection: Any) -> None:
        original = connection._datagram_received
        loop = asyncio.get_running_loop()

        def received(data: bytes, local: Address, remote: Address) -> None:
            if loop.time() < self.blackout_until or self.rng.random() < self.loss:
                self.dropped += 1
                return
            self.passed += 1
            original(data, local, remote)

        connection._datagram_received = received


@dataclass
class LoopbackPair:
    index: int
    a: Any
    b: Any
    channel_a: Any
    channel_b: Any
    a_to_b: Flow
    b_to_a: Flow
    impairments: list[Impairment]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    restarts: int = 0
    blackouts: int = 0
    disconnected: int = 0
    send_errors: list[str] = field(default_factory=list)


async def connect_loopback_pair(index: int, rng: random.Random) -> LoopbackPair:
    from rtcpeer import RTCPeerConnection

    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    channel_a = a.createDataChannel(f"soak{index}", ordered=True)
    a_to_b, b_to_a = Flow(f"loop{index} a->b"), Flow(f"loop{index} b->a")
    opened = asyncio.Event()
    channel_a.on("open", opened.set)
    remote: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def on_datachannel(incoming: Any) -> None:
        incoming.on("message", lambda m: a_to_b.received.append(int(m[:8])))
        if not remote.done():
            remote.set_result(incoming)

    b.on("datachannel", on_datachannel)
    channel_a.on("message", lambda m: b_to_a.received.append(int(m[:8])))
    await negotiate(a, b)
    await asyncio.wait_for(opened.wait(), 20.0)
    channel_b = await asyncio.wait_for(remote, 20.0)
    if channel_b.readyState != "open":
        ready = asyncio.Event()
        channel_b.on("open", ready.set)
        await asyncio.wait_for(ready.wait(), 20.0)
    loss = rng.uniform(0.01, 0.05)
    impairments = [Impairment(rng, loss), Impairment(rng, loss)]
    impairments[0].wrap(a._ice)
    impairments[1].wrap(b._ice)
    pair = LoopbackPair(index, a, b, channel_a, channel_b, a_to_b, b_to_a, impairments)
    for pc in (a, b):

        def on_ice_state(pc: Any = pc) -> None:
            if pc.iceConnectionState == "disconnected":
                pair.disconnected += 1

        pc.on("iceconnectionstatechange", on_ice_state)
    return pair


async def stream(pair: LoopbackPair, channel: Any, flow: Flow, stop: asyncio.Event) -> None:
    """Numbered messages at about 50 a second, held back while 256 KiB are buffered."""
    rng = random.Random(pair.index * 2 + (flow is pair.b_to_a))
    while not stop.is_set():
        if channel.bufferedAmount > 256 * 1024:
            await asyncio.sleep(0.02)
            continue
        size = rng.choice([10, 100, 1000, 1500, 4000])
        try:
            channel.send(f"{flow.sent:08d}".ljust(size, "."))
        except Exception as error:  # InvalidStateError would be a bug: record and stop
            pair.send_errors.append(f"{flow.name}: {type(error).__name__}: {error}")
            return
        flow.sent += 1
        await asyncio.sleep(0.02)


async def run_loopback(pair_count: int, seconds: float, seed: int) -> dict[str, Any]:
    os.environ["RTCPEER_ICE_ADDRESSES"] = "127.0.0.1"
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    loop_errors: list[str] = []

    def on_loop_error(_: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        loop_errors.append(str(context.get("exception") or context.get("message")))

    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(on_loop_error)
    started = time.perf_counter()
    pairs = list(await asyncio.gather(*(connect_loopback_pair(i, rng) for i in range(pair_count))))
    connect_seconds = time.perf_counter() - started
    stop = asyncio.Event()
    senders = [
        asyncio.ensure_future(stream(p, ch, flow, stop))
        for p in pairs
        for ch, flow in ((p.channel_a, p.a_to_b), (p.channel_b, p.b_to_a))
    ]
    restart_failures: list[str] = []

    async def restarter() -> None:
        while not stop.is_set():
            await asyncio.sleep(rng.uniform(2.0, 5.0))
            if stop.is_set():
                return
            pair = rng.choice(pairs)
            if pair.lock.locked():
                continue
            async with pair.lock:
                offerer, answerer = (pair.a, pair.b) if rng.random() < 0.5 else (pair.b, pair.a)
                pair.restarts += 1
                offerer.restartIce()
                try:
                    await asyncio.wait_for(negotiate(offerer, answerer), 20.0)
                except Exception as error:
                    restart_failures.append(f"pair {pair.index}: {type(error).__name__} {error}")

    async def blackouts() -> None:
        while not stop.is_set():
            await asyncio.sleep(rng.uniform(4.0, 8.0))
            pair = rng.choice(pairs)
            pair.blackouts += 1
            until = loop.time() + rng.uniform(0.5, 3.0)
            for impairment in pair.impairments:
                impairment.blackout_until = until

    chaos = [asyncio.ensure_future(restarter()), asyncio.ensure_future(blackouts())]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.gather(*senders)
    for task in chaos:
        task.cancel()
    await asyncio.gather(*chaos, return_exceptions=True)
    for pair in pairs:  # let it drain: no more loss
        async with pair.lock:
            for impairment in pair.impairments:
                impairment.loss = 0.0
                impairment.blackout_until = 0.0
    flows = [f for p in pairs for f in (p.a_to_b, p.b_to_a)]
    drain_end = loop.time() + 90.0
    while not all(f.complete for f in flows) and loop.time() < drain_end:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)
    problems: list[str] = list(restart_failures)
    for pair in pairs:
        problems += pair.send_errors
        for pc in (pair.a, pair.b):
            if pc.connectionState != "connected":
                problems.append(f"pair {pair.index}: connectionState {pc.connectionState}")
    for flow in flows:
        lost, duplicated, reordered = flow.verdict()
        if lost or duplicated or reordered:
            problems.append(f"{flow.name}: lost {lost}, dup {duplicated}, reordered {reordered}")
    generations = sum(pc._ice.agent.generation_count - 1 for p in pairs for pc in (p.a, p.b))
    for pair in pairs:
        await pair.a.close()
        await pair.b.close()
    await asyncio.sleep(0.2)
    loop.set_exception_handler(previous_handler)
    problems += [f"event loop: {text}" for text in loop_errors]
    return {
        "pairs": len(pairs),
        "seconds": seconds,
        "connect_seconds": connect_seconds,
        "wall_seconds": time.perf_counter() - started,
        "restarts_asked": sum(p.restarts for p in pairs),
        "generations": generations,
        "blackouts": sum(p.blackouts for p in pairs),
        "disconnected_reports": sum(p.disconnected for p in pairs),
        "datagrams_dropped": sum(i.dropped for p in pairs for i in p.impairments),
        "datagrams_passed": sum(i.passed for p in pairs for i in p.impairments),
        "loop_exceptions": len(loop_errors),
        **flows_summary(flows),
        "problems": problems,
    }


# ============================================================================================
# Part 3: connect/close cycles
# ============================================================================================


def open_sockets() -> int:
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


async def one_cycle(index: int) -> None:
    from rtcpeer import RTCPeerConnection

    a, b = RTCPeerConnection(), RTCPeerConnection()
    try:
        trickle(a, b)
        trickle(b, a)
        channel = a.createDataChannel("cycle")
        opened = asyncio.Event()
        channel.on("open", opened.set)
        loop = asyncio.get_running_loop()
        remote: asyncio.Future[Any] = loop.create_future()
        got_a: asyncio.Future[Any] = loop.create_future()
        got_b: asyncio.Future[Any] = loop.create_future()

        def on_datachannel(incoming: Any) -> None:
            def on_message(message: Any) -> None:
                if not got_b.done():
                    got_b.set_result(message)
                    incoming.send(f"pong {index}")

            incoming.on("message", on_message)
            if not remote.done():
                remote.set_result(incoming)

        b.on("datachannel", on_datachannel)

        def on_pong(message: Any) -> None:
            if not got_a.done():
                got_a.set_result(message)

        channel.on("message", on_pong)
        await negotiate(a, b)
        await opened.wait()
        channel.send(f"ping {index}")
        assert await got_b == f"ping {index}"
        assert await got_a == f"pong {index}"
    finally:
        await a.close()
        await b.close()


@dataclass
class Resources:
    rss: int
    heap: int
    tasks: int
    fds: int
    sockets: int


async def measure(traced: bool) -> Resources:
    await asyncio.sleep(0.3)  # callbacks queued by the last close() run
    trim_heap()
    return Resources(
        rss=rss_bytes(),
        heap=tracemalloc.get_traced_memory()[0] if traced else 0,
        tasks=len(asyncio.all_tasks()),
        fds=open_fds(),
        sockets=open_sockets(),
    )


async def run_cycles(
    cycles: int, warmup: int, traced: bool, heap_tolerance: int, rss_tolerance: int
) -> dict[str, Any]:
    os.environ["RTCPEER_ICE_ADDRESSES"] = "127.0.0.1"
    started = time.perf_counter()
    if traced:
        tracemalloc.start()  # the warm-up's caches count in "before", not as growth
    for i in range(warmup):  # imports, caches, first allocations
        await asyncio.wait_for(one_cycle(-i), 30.0)
    before = await measure(traced)
    failures: list[str] = []
    trend: list[int] = []
    for i in range(cycles):
        try:
            await asyncio.wait_for(one_cycle(i), 30.0)
        except Exception as error:
            failures.append(f"cycle {i}: {type(error).__name__}: {error}")
        if (i + 1) % max(1, cycles // 4) == 0:
            gc.collect()
            trend.append(rss_bytes())
    after = await measure(traced)
    if traced:
        tracemalloc.stop()
    problems = failures[:10]
    if len(failures) > 10:
        problems.append(f"... {len(failures)} failed cycles in all")
    for name in ("tasks", "fds", "sockets"):
        if getattr(after, name) != getattr(before, name):
            problems.append(f"{name}: {getattr(before, name)} before, {getattr(after, name)} after")
    if traced and after.heap - before.heap > heap_tolerance:
        problems.append(f"Python heap grew {after.heap - before.heap} bytes (> {heap_tolerance})")
    if after.rss - before.rss > rss_tolerance:
        problems.append(f"RSS grew {after.rss - before.rss} bytes (> {rss_tolerance})")
    return {
        "cycles": cycles,
        "failures": len(failures),
        "wall_seconds": time.perf_counter() - started,
        "before": before,
        "after": after,
        "rss_trend": trend,
        "traced": traced,
        "problems": problems,
    }


# ============================================================================================
# Report
# ============================================================================================


def mib(value: int) -> str:
    return f"{value / 2**20:.1f} MiB"


def print_table(results: dict[str, dict[str, Any]]) -> None:
    rows: list[tuple[str, str]] = []
    sim = results.get("sim")
    if sim is not None:
        rows += [
            ("sim: pairs (ICE + SCTP, NATs)", str(sim["pairs"])),
            (
                "sim: virtual time / wall time",
                f"{sim['virtual_seconds']:.0f} s / {sim['wall_seconds']:.0f} s",
            ),
            (
                "sim: restartIce asked / generations started",
                f"{sim['restarts_asked']} / {sim['generations']}",
            ),
            ("sim: partitions", str(sim["partitions"])),
            ("sim: 'disconnected' reports", str(sim["disconnected_reports"])),
            (
                "sim: datagrams lost: link loss / partitions",
                f"{sim['datagrams_lost_by_links']} / {sim['datagrams_lost_to_partitions']}",
            ),
            ("sim: SCTP T3 retransmission timeouts", str(sim["sctp_t3_expiries"])),
            ("sim: messages sent / received", f"{sim['sent']} / {sim['received']}"),
            (
                "sim: lost / duplicated / reordered",
                f"{sim['lost']} / {sim['duplicated']} / {sim['reordered']}",
            ),
        ]
    loop = results.get("loopback")
    if loop is not None:
        rows += [
            ("loopback: pairs (RTCPeerConnection)", str(loop["pairs"])),
            (
                "loopback: chaos time / wall time",
                f"{loop['seconds']:.0f} s / {loop['wall_seconds']:.0f} s",
            ),
            (
                "loopback: restartIce + renegotiation / generations",
                f"{loop['restarts_asked']} / {loop['generations']}",
            ),
            (
                "loopback: blackouts / 'disconnected' reports",
                f"{loop['blackouts']} / {loop['disconnected_reports']}",
            ),
            (
                "loopback: datagrams dropped / passed",
                f"{loop['datagrams_dropped']} / {loop['datagrams_passed']}",
            ),
            ("loopback: messages sent / received", f"{loop['sent']} / {loop['received']}"),
            (
                "loopback: lost / duplicated / reordered",
                f"{loop['lost']} / {loop['duplicated']} / {loop['reordered']}",
            ),
            ("loopback: exceptions reaching the loop", str(loop["loop_exceptions"])),
        ]
    cycles = results.get("cycles")
    if cycles is not None:
        before, after = cycles["before"], cycles["after"]
        rows += [
            (
                "cycles: connect/close cycles (failed)",
                f"{cycles['cycles']} ({cycles['failures']}) in {cycles['wall_seconds']:.0f} s",
            ),
            (
                "cycles: RSS before -> after",
                f"{mib(before.rss)} -> {mib(after.rss)} "
                f"({(after.rss - before.rss) / 1024:+.0f} KiB)",
            ),
            ("cycles: RSS along the run", " ".join(mib(x) for x in cycles["rss_trend"])),
        ]
        if cycles["traced"]:
            rows.append(
                (
                    "cycles: Python heap (tracemalloc) before -> after",
                    f"{mib(before.heap)} -> {mib(after.heap)} "
                    f"({(after.heap - before.heap) / 1024:+.0f} KiB)",
                )
            )
        rows += [
            ("cycles: asyncio tasks before -> after", f"{before.tasks} -> {after.tasks}"),
            ("cycles: open fds before -> after", f"{before.fds} -> {after.fds}"),
            ("cycles: sockets before -> after", f"{before.sockets} -> {after.sockets}"),
        ]
    width = max(len(label) for label, _ in rows)
    print()
    print(f"Chaos soak ({machine_note()})")
    for label, value in rows:
        print(f"  {label.ljust(width)}  {value}")
    for part, result in results.items():
        verdict = "PASS" if not result["problems"] else f"FAIL ({len(result['problems'])})"
        print(f"  {part}: {verdict}")
        for problem in result["problems"][:20]:
            print(f"    - {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of every part")
    parser.add_argument("--parts", default="sim,loopback,cycles")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--sim-pairs", type=int, default=50)
    parser.add_argument("--sim-seconds", type=float, default=120.0)
    parser.add_argument("--loop-pairs", type=int, default=10)
    parser.add_argument("--loop-seconds", type=float, default=60.0)
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=20, help="cycles before measuring")
    parser.add_argument("--no-tracemalloc", action="store_true")
    parser.add_argument("--heap-tolerance", type=int, default=1 << 20, help="bytes")
    parser.add_argument("--rss-tolerance", type=int, default=16 << 20, help="bytes")
    args = parser.parse_args()
    if args.quick:
        args.sim_pairs, args.sim_seconds = min(args.sim_pairs, 4), min(args.sim_seconds, 30.0)
        args.loop_pairs, args.loop_seconds = min(args.loop_pairs, 3), min(args.loop_seconds, 10.0)
        args.cycles, args.warmup = min(args.cycles, 30), min(args.warmup, 5)
    raise_fd_limit(4096)
    parts = set(args.parts.split(","))
    results: dict[str, dict[str, Any]] = {}
    if "sim" in parts:
        print(f"sim: {args.sim_pairs} pairs, {args.sim_seconds:.0f} s virtual ...", flush=True)
        results["sim"] = run_sim(args.sim_pairs, args.sim_seconds, args.seed)
    if "loopback" in parts:
        print(f"loopback: {args.loop_pairs} pairs, {args.loop_seconds:.0f} s ...", flush=True)
        results["loopback"] = asyncio.run(
            run_loopback(args.loop_pairs, args.loop_seconds, args.seed)
        )
    if "cycles" in parts:
        print(f"cycles: {args.cycles} connect/close cycles ...", flush=True)
        results["cycles"] = asyncio.run(
            run_cycles(
                args.cycles,
                args.warmup,
                not args.no_tracemalloc,
                args.heap_tolerance,
                args.rss_tolerance,
            )
        )
    print_table(results)
    return 1 if any(r["problems"] for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
