"""``rtcpeer demo``: two real RTCPeerConnections on 127.0.0.1 lose their path and recover.

No server, no browser, no root; about 13 s. The story:

1. Alice and Bob, two :class:`~rtcpeer.RTCPeerConnection` objects in this process, gather
   host candidates on 127.0.0.1 only, signal through in-memory queues with MDN's "perfect
   negotiation" (Alice impolite, Bob polite), trickle their candidates and open a data
   channel. Each streams 100 numbered messages a second to the other.
2. Alice calls ``restartIce()`` while the messages flow: both sides get new ufrags, ICE
   never leaves ``connected``, nothing is lost.
3. Alice's path goes silent: :class:`~rtcpeer.cli.faults.SilentPath` drops every datagram
   her ICE sockets send or receive. Within 3 s both peers report ``disconnected``, and each
   application does what MDN's ``restartIce()`` example does (restart ICE on
   ``disconnected``/``failed``, renegotiate on ``negotiationneeded``); perfect negotiation
   settles the two offers that collide.
4. The path carries again: the new ICE generation connects, SCTP delivers what it held,
   the streams go on; then they stop, the demo waits for every message and proves, message
   by message, that none was lost, duplicated or reordered.

On a terminal the timeline is live (rich); otherwise it is printed as plain lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sys
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TextIO

from rtcpeer import (
    RTCDataChannel,
    RTCIceCandidate,
    RTCPeerConnection,
    RTCSessionDescription,
)
from rtcpeer.aio.addresses import ENVIRONMENT_VARIABLE
from rtcpeer.cli.faults import SilentPath

#: Messages a second, each way.
RATE = 100
#: Offsets from the moment the channel opens (seconds).
RESTART_AFTER = 2.5
SILENCE_AFTER = 5.5
SILENCE_FOR = 4.0
#: How long the streams go on once both peers are connected again.
TAIL = 2.0
#: Limits of each wait: the demo never hangs.
CONNECT_TIMEOUT = 10.0
RECOVERY_TIMEOUT = 15.0
DRAIN_TIMEOUT = 10.0
#: Buckets of the rate history (the sparkline).
BUCKET = 0.25
UP = ("connected", "completed")


@dataclass
class TimelineEntry:
    t: float
    who: str
    what: str
    kind: str = "info"  # info, state, signal, app, net, error


@dataclass
class Direction:
    """One direction's messages, counted from the receiver's sequence numbers."""

    sender: str
    receiver: str
    sent: int
    received: int
    lost: int
    duplicates: int
    reordered: int
    sent_while_down: int


@dataclass
class Summary:
    directions: list[Direction]
    duration: float
    restart_at: float | None
    restart_disturbed: list[str]
    silence_at: float | None
    heal_at: float | None
    disconnected_after: dict[str, float | None]
    app_restarts: dict[str, int]
    recovered_after: float | None
    outage: float | None
    dropped_in: int
    dropped_out: int
    ufrags: dict[str, list[str]]
    final_states: dict[str, tuple[str, str]]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Peer:
    """One side: its RTCPeerConnection, perfect-negotiation signalling and its stream."""

    def __init__(self, name: str, polite: bool, demo: LiveDemo) -> None:
        self.name = name
        self.polite = polite
        self.demo = demo
        self.pc = RTCPeerConnection()
        self.other: Peer | None = None
        self.channel: RTCDataChannel | None = None
        self.inbox: asyncio.Queue[RTCSessionDescription | RTCIceCandidate] = asyncio.Queue()
        self.making_offer = False
        self.ignore_offer = False
        self.restarted_for_outage = False
        self.app_restarts = 0
        self.sent = 0
        self.sent_times: list[float] = []
        self.received: list[int] = []
        self.arrivals: deque[float] = deque()
        self.buckets: list[int] = []
        self.ice_states: list[tuple[float, str]] = []
        #: The ufrag of each ICE generation this side signalled ("(rolled back)" marks an
        #: offer that lost a collision).
        self.ufrags: list[str] = []
        self._last_ufrag: str | None = None
        self._signalled_ufrags: set[str] = set()
        self._held: dict[str, list[RTCIceCandidate]] = {}
        pc = self.pc
        pc.on("negotiationneeded", lambda: demo.spawn(self._negotiate()))
        pc.on("icecandidate", self._on_candidate)
        pc.on("iceconnectionstatechange", self._on_ice_state)
        pc.on("connectionstatechange", self._on_connection_state)
        pc.iceTransport.on("selectedcandidatepairchange", self._on_pair)
        pc.on("datachannel", self.adopt)

    # ------------------------------------------------------------------ signalling

    def log(self, what: str, kind: str = "info") -> None:
        self.demo.log(self.name, what, kind)

    def _signal(self, message: RTCSessionDescription | RTCIceCandidate) -> None:
        assert self.other is not None
        self.other.inbox.put_nowait(message)

    async def _negotiate(self) -> None:
        """MDN perfect negotiation: negotiationneeded -> implicit offer."""
        try:
            self.making_offer = True
            await self.pc.setLocalDescription()
            self._send_description()
        finally:
            self.making_offer = False

    def _send_description(self) -> None:
        description = self.pc.localDescription
        assert description is not None
        ufrag = _ufrag(description.sdp)
        restart = self._last_ufrag is not None and ufrag != self._last_ufrag
        if ufrag and ufrag != self._last_ufrag:
            self.ufrags.append(ufrag)
            self._last_ufrag = ufrag
        note = f" (ICE restart: ufrag {ufrag})" if restart else f" (ufrag {ufrag})"
        self.log(f"sends {description.type}{note}", "signal")
        self._signal(description)
        if ufrag:
            self._signalled_ufrags.add(ufrag)
            for candidate in self._held.pop(ufrag, []):
                self._signal(candidate)

    def _on_candidate(self, candidate: RTCIceCandidate | None) -> None:
        if candidate is None:
            return  # the legacy end-of-gathering signal; "" already ended the generation
        ufrag = candidate.usernameFragment
        if ufrag is not None and ufrag not in self._signalled_ufrags:
            self._held.setdefault(ufrag, []).append(candidate)  # never before its description
            return
        self._signal(candidate)

    async def consume(self) -> None:
        """Apply what the other side signalled, in order (MDN perfect negotiation)."""
        pc = self.pc
        while True:
            message = await self.inbox.get()
            try:
                if isinstance(message, RTCSessionDescription):
                    collision = message.type == "offer" and (
                        self.making_offer or pc.signalingState != "stable"
                    )
                    self.ignore_offer = not self.polite and collision
                    if self.ignore_offer:
                        self.log("ignores the colliding offer (impolite peer)", "signal")
                        continue
                    if collision:
                        self.log("rolls back its own offer, takes the other (polite)", "signal")
                        if self.ufrags and self.pc.signalingState == "have-local-offer":
                            self.ufrags[-1] += " (rolled back)"
                    await pc.setRemoteDescription(message)
                    if message.type == "offer":
                        await pc.setLocalDescription()
                        self._send_description()
                else:
                    try:
                        await pc.addIceCandidate(message)
                    except Exception:
                        if not self.ignore_offer:
                            raise
            except Exception as exc:
                self.log(f"signalling error: {exc!r}", "error")

    # ------------------------------------------------------------------ states

    def _on_ice_state(self) -> None:
        state = self.pc.iceConnectionState
        self.ice_states.append((self.demo.now(), state))
        self.log(f"iceConnectionState {state}", "state")
        if state in UP:
            self.restarted_for_outage = False
        # MDN's recipe (restartIce() on failure), also on "disconnected", which rtcpeer
        # reports within 3 s of silence: once per outage, then again only on "failed".
        if state == "failed" or (state == "disconnected" and not self.restarted_for_outage):
            self.restarted_for_outage = True
            self.app_restarts += 1
            self.log(f'app: iceConnectionState is "{state}" -> pc.restartIce()', "app")
            self.pc.restartIce()

    def _on_connection_state(self) -> None:
        self.log(f"connectionState {self.pc.connectionState}", "state")

    def _on_pair(self) -> None:
        pair = self.pc.iceTransport.getSelectedCandidatePair()
        if pair is not None:
            local, remote = pair.local, pair.remote
            self.log(
                f"selected pair {local.address}:{local.port} {local.type} <-> "
                f"{remote.address}:{remote.port} {remote.type} (ufrag {local.usernameFragment})"
            )

    @property
    def selected_pair(self) -> str:
        pair = self.pc.iceTransport.getSelectedCandidatePair()
        if pair is None:
            return "-"
        return f"{pair.local.port} {pair.local.type} <-> {pair.remote.port} {pair.remote.type}"

    @property
    def ufrag(self) -> str:
        parameters = self.pc.iceTransport.getLocalParameters()
        return (parameters.usernameFragment if parameters else None) or "-"

    # ------------------------------------------------------------------ messages

    def adopt(self, channel: RTCDataChannel) -> None:
        self.channel = channel
        channel.on("open", self.demo.changed.set)
        channel.on("message", self._on_message)
        if channel.readyState == "open":
            self.demo.changed.set()

    def _on_message(self, message: str | bytes) -> None:
        text = message.decode() if isinstance(message, bytes) else message
        self.received.append(int(text.rsplit(":", 1)[1]))
        self.arrivals.append(self.demo.now())
        self.demo.changed.set()

    def rate(self, now: float) -> int:
        """Messages received in the last second."""
        while self.arrivals and self.arrivals[0] < now - 1.0:
            self.arrivals.popleft()
        return len(self.arrivals)

    def send_due(self, due: int) -> None:
        channel = self.channel
        if channel is None or channel.readyState != "open":
            return
        now = self.demo.now()
        while self.sent < due:
            channel.send(f"{self.name}:{self.sent}")
            self.sent_times.append(now)
            self.sent += 1

    @property
    def is_up(self) -> bool:
        return self.pc.iceConnectionState in UP and self.pc.connectionState == "connected"


class LiveDemo:
    """The script and its bookkeeping; a view shows it (rich or plain lines)."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.start = self.loop.time()
        self.timeline: list[TimelineEntry] = []
        self.listeners: list[Callable[[TimelineEntry], None]] = []
        self.changed = asyncio.Event()
        self.phase = "connecting"
        self.restart_at: float | None = None
        self.silence_at: float | None = None
        self.heal_at: float | None = None
        self.recovered_at: float | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.alice = Peer("alice", polite=False, demo=self)
        self.bob = Peer("bob", polite=True, demo=self)
        self.alice.other, self.bob.other = self.bob, self.alice
        self.path = SilentPath(self.alice.pc)

    @property
    def peers(self) -> tuple[Peer, Peer]:
        return self.alice, self.bob

    def now(self) -> float:
        return self.loop.time() - self.start

    def log(self, who: str, what: str, kind: str = "info") -> None:
        entry = TimelineEntry(self.now(), who, what, kind)
        self.timeline.append(entry)
        for listener in self.listeners:
            listener(entry)
        self.changed.set()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.log("demo", f"task failed: {task.exception()!r}", "error")

    async def until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``condition()`` holds (re-checked on every change); False on timeout."""
        deadline = self.loop.time() + timeout
        while not condition():
            self.changed.clear()
            remaining = deadline - self.loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), min(remaining, 0.1))
        return True

    async def sleep_until(self, t: float) -> None:
        await asyncio.sleep(max(0.0, t - self.now()))

    # ------------------------------------------------------------------ the script

    async def run(self) -> Summary:
        alice, bob = self.alice, self.bob
        for peer in self.peers:
            self.spawn(peer.consume())
        self.spawn(self._sample())
        self.log("demo", "two RTCPeerConnections on 127.0.0.1; alice opens a data channel", "net")
        alice.adopt(alice.pc.createDataChannel("stream"))
        problems: list[str] = []
        opened = await self.until(
            lambda: all(
                p.channel is not None and p.channel.readyState == "open" for p in self.peers
            ),
            CONNECT_TIMEOUT,
        )
        if not opened:
            problems.append("the data channel did not open")
            return await self._finish(problems)
        t_open = self.now()
        self.phase = f"streaming {RATE} msg/s each way"
        self.log("demo", f"channel open at both ends: streaming {RATE} msg/s each way", "net")
        sender = self.spawn(self._stream(t_open))

        await self.sleep_until(t_open + RESTART_AFTER)
        self.restart_at = self.now()
        self.phase = "restartIce() while streaming"
        self.log("alice", "app: pc.restartIce() while the messages flow", "app")
        alice.pc.restartIce()

        await self.sleep_until(t_open + SILENCE_AFTER)
        self.silence_at = self.now()
        self.phase = "path silent: alice's ICE sockets drop every datagram"
        self.log("demo", "alice's path goes silent (every datagram dropped, both ways)", "net")
        self.path.silent = True

        await self.sleep_until(t_open + SILENCE_AFTER + SILENCE_FOR)
        self.heal_at = self.now()
        self.phase = "path carries again: recovering"
        self.path.silent = False
        self.log("demo", "alice's path carries datagrams again", "net")

        if await self.until(lambda: alice.is_up and bob.is_up, RECOVERY_TIMEOUT):
            self.recovered_at = self.now()
            self.phase = "recovered: streaming"
            self.log("demo", "both peers connected again", "net")
        else:
            problems.append("the peers did not reconnect")
        await asyncio.sleep(TAIL)
        sender.cancel()
        self.phase = "streams stopped: waiting for every message"
        self.log(
            "demo", f"streams stop: {alice.sent} + {bob.sent} sent; waiting for the last", "net"
        )
        drained = await self.until(
            lambda: len(bob.received) >= alice.sent and len(alice.received) >= bob.sent,
            DRAIN_TIMEOUT,
        )
        if not drained:
            problems.append("not every message arrived")
        return await self._finish(problems)

    async def _stream(self, t_open: float) -> None:
        while True:
            due = int((self.now() - t_open) * RATE) + 1
            for peer in self.peers:
                peer.send_due(due)
            await asyncio.sleep(1.0 / RATE)

    async def _sample(self) -> None:
        """The rate history: messages received per BUCKET seconds."""
        counts = {p.name: 0 for p in self.peers}
        while True:
            await asyncio.sleep(BUCKET)
            for peer in self.peers:
                peer.buckets.append(len(peer.received) - counts[peer.name])
                counts[peer.name] = len(peer.received)

    async def _finish(self, problems: list[str]) -> Summary:
        self.phase = "done"
        summary = self._summary(problems)
        for task in list(self._tasks):
            task.cancel()
        return summary

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for peer in self.peers:
            await peer.pc.close()

    def _summary(self, problems: list[str]) -> Summary:
        alice, bob = self.alice, self.bob
        directions = []
        down_from = self.silence_at
        down_until = self.recovered_at or self.now()
        for sender, receiver in ((alice, bob), (bob, alice)):
            got = receiver.received
            unique = set(got)
            lost = len(set(range(sender.sent)) - unique)
            reordered = sum(1 for a, b in itertools.pairwise(got) if b < a)
            while_down = (
                sum(1 for t in sender.sent_times if down_from <= t < down_until)
                if down_from is not None
                else 0
            )
            direction = Direction(
                sender.name,
                receiver.name,
                sender.sent,
                len(got),
                lost,
                len(got) - len(unique),
                reordered,
                while_down,
            )
            directions.append(direction)
            if direction.lost or direction.duplicates or direction.reordered:
                problems.append(f"{sender.name} -> {receiver.name}: messages lost or out of order")
            if direction.sent == 0:
                problems.append(f"{sender.name} sent nothing")
        disturbed: list[str] = []
        if self.restart_at is not None:
            end = self.silence_at if self.silence_at is not None else self.now()
            for peer in self.peers:
                bad = [s for t, s in peer.ice_states if self.restart_at <= t < end and s not in UP]
                if bad:
                    disturbed.append(f"{peer.name}: {', '.join(bad)}")
                if len(peer.ufrags) < 2:
                    problems.append(f"{peer.name}: restartIce() gave no new ufrag")
            if disturbed:
                problems.append("restartIce() while connected interrupted ICE")
        disconnected_after: dict[str, float | None] = {}
        for peer in self.peers:
            first = next(
                (
                    t
                    for t, s in peer.ice_states
                    if self.silence_at is not None and t >= self.silence_at and s == "disconnected"
                ),
                None,
            )
            disconnected_after[peer.name] = (
                None if first is None or self.silence_at is None else first - self.silence_at
            )
            if self.silence_at is not None and first is None:
                problems.append(f"{peer.name} never reported disconnected")
            elif first is not None and self.silence_at is not None and first - self.silence_at > 3:
                problems.append(f"{peer.name} took more than 3 s to report disconnected")
            if self.silence_at is not None and peer.app_restarts == 0:
                problems.append(f"{peer.name}'s app never restarted ICE")
        firsts = [v for v in disconnected_after.values() if v is not None]
        outage = None
        if firsts and self.recovered_at is not None and self.silence_at is not None:
            outage = self.recovered_at - (self.silence_at + min(firsts))
        for peer in self.peers:
            if not peer.is_up:
                problems.append(f"{peer.name} ends {peer.pc.iceConnectionState}")
        return Summary(
            directions=directions,
            duration=self.now(),
            restart_at=self.restart_at,
            restart_disturbed=disturbed,
            silence_at=self.silence_at,
            heal_at=self.heal_at,
            disconnected_after=disconnected_after,
            app_restarts={p.name: p.app_restarts for p in self.peers},
            recovered_after=(
                None
                if self.recovered_at is None or self.heal_at is None
                else self.recovered_at - self.heal_at
            ),
            outage=outage,
            dropped_in=self.path.dropped_in,
            dropped_out=self.path.dropped_out,
            ufrags={p.name: list(p.ufrags) for p in self.peers},
            final_states={
                p.name: (p.pc.iceConnectionState, p.pc.connectionState) for p in self.peers
            },
            problems=problems,
        )


def _ufrag(sdp: str) -> str | None:
    for line in sdp.splitlines():
        if line.startswith("a=ice-ufrag:"):
            return line.split(":", 1)[1].strip()
    return None


# --------------------------------------------------------------------------------------------
# The summary as text
# --------------------------------------------------------------------------------------------


def summary_lines(summary: Summary) -> list[str]:
    """The summary, one fact a line (the plain output, and the test's evidence)."""
    lines = [f"summary ({summary.duration:.1f} s)"]
    for d in summary.directions:
        lines.append(
            f"  {d.sender} -> {d.receiver}: {d.sent} sent, {d.received} received, "
            f"lost {d.lost}, duplicates {d.duplicates}, reordered {d.reordered}"
        )
    if summary.restart_at is not None:
        changes = ", ".join(
            f"{name} {' -> '.join(ufrags[:2])}" for name, ufrags in summary.ufrags.items()
        )
        calm = (
            "ICE stayed connected"
            if not summary.restart_disturbed
            else f"ICE left connected ({'; '.join(summary.restart_disturbed)})"
        )
        lines.append(
            f"  restartIce() while streaming at {summary.restart_at:.2f} s: {calm}; "
            f"new ufrags: {changes}"
        )
    if summary.silence_at is not None and summary.heal_at is not None:
        lines.append(
            f"  path silent at {summary.silence_at:.2f} s for "
            f"{summary.heal_at - summary.silence_at:.1f} s: {summary.dropped_in} datagrams "
            f"dropped arriving, {summary.dropped_out} leaving"
        )
        times = ", ".join(
            f"{name} {'never' if t is None else f'{t:.2f} s'}"
            for name, t in summary.disconnected_after.items()
        )
        lines.append(f"  time to disconnected (after the path went silent): {times}")
        restarts = ", ".join(f"{name} {n}" for name, n in summary.app_restarts.items())
        lines.append(f"  restartIce() calls by MDN's recipe: {restarts}")
        if summary.recovered_after is not None:
            outage = "" if summary.outage is None else f" ({summary.outage:.2f} s after the "
            outage += "" if summary.outage is None else "first disconnected)"
            lines.append(
                f"  time to recover: both connected {summary.recovered_after:.2f} s after the "
                f"path came back{outage}"
            )
        else:
            lines.append("  time to recover: never")
        held = ", ".join(
            f"{d.sender} -> {d.receiver} {d.sent_while_down}" for d in summary.directions
        )
        lines.append(f"  sent while the path was down, held by SCTP and delivered late: {held}")
    generations = "; ".join(
        f"{name} {' -> '.join(ufrags)}" for name, ufrags in summary.ufrags.items()
    )
    lines.append(f"  ICE generations (ufrags): {generations}")
    finals = ", ".join(f"{name} {ice}/{conn}" for name, (ice, conn) in summary.final_states.items())
    lines.append(f"  final iceConnectionState/connectionState: {finals}")
    if summary.ok:
        lost = sum(d.lost for d in summary.directions)
        lines.append(f"  result: nothing was lost (lost = {lost}, duplicates = 0, reordered = 0)")
    else:
        lines.append("  result: SOMETHING WENT WRONG: " + "; ".join(summary.problems))
    return lines


# --------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------


class PlainView:
    """Timeline lines as they happen, a rate line every second, then the summary."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def entry(self, entry: TimelineEntry) -> None:
        self.out.write(f"  {entry.t:7.3f}s  {entry.who:<5}  {entry.what}\n")
        self.out.flush()

    async def run(self, demo: LiveDemo) -> None:
        self.out.write("rtcpeer demo: two RTCPeerConnections on 127.0.0.1 (plain output)\n\n")
        for entry in demo.timeline:  # what happened before this task started
            self.entry(entry)
        demo.listeners.append(self.entry)
        next_line = 1.0
        while True:
            await asyncio.sleep(max(0.0, next_line - demo.now()))
            now = demo.now()
            self.out.write(
                f"  {now:7.3f}s  rate   alice -> bob {demo.bob.rate(now)} msg/s, "
                f"bob -> alice {demo.alice.rate(now)} msg/s\n"
            )
            next_line += 1.0

    def finish(self, demo: LiveDemo, summary: Summary) -> None:
        self.out.write("\n" + "\n".join(summary_lines(summary)) + "\n")
        self.out.flush()


STATE_STYLES = {
    "new": "dim",
    "checking": "yellow",
    "connecting": "yellow",
    "connected": "green",
    "completed": "bold green",
    "disconnected": "bold red",
    "failed": "bold white on red",
    "closed": "dim",
}
KIND_STYLES = {
    "state": "",
    "signal": "cyan",
    "app": "bold magenta",
    "net": "bold blue",
    "error": "bold red",
    "info": "dim",
}


class RichView:
    """A live table of both peers, their message rates and the timeline (rich)."""

    def __init__(self, out: TextIO, *, force_terminal: bool | None = None) -> None:
        from rich.console import Console

        self.console = Console(file=out, force_terminal=force_terminal)
        self.spark = (
            "▁▂▃▄▅▆▇█" if (self.console.encoding or "").lower().startswith("utf") else " .:-=+*#"
        )
        self._live: Any = None

    def _spark(self, buckets: list[int], width: int = 56) -> str:
        nominal = RATE * BUCKET
        chars = []
        for count in buckets[-width:]:
            if count == 0:
                chars.append(" ")
            elif count > nominal * 1.5:
                chars.append(self.spark[-1])  # a burst: what SCTP held, delivered at once
            else:
                level = min(len(self.spark) - 2, round(count / nominal * (len(self.spark) - 2)))
                chars.append(self.spark[max(level, 0)])
        return "".join(chars)

    def render(self, demo: LiveDemo) -> Any:
        from rich.console import Group
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        now = demo.now()
        peers = Table(expand=True, box=None, padding=(0, 1))
        for column in ("peer", "iceConnectionState", "connectionState", "signaling", "ufrag"):
            peers.add_column(column, no_wrap=True)
        peers.add_column("selected pair (local <-> remote port)", no_wrap=True)
        peers.add_column("sent", justify="right")
        peers.add_column("received", justify="right")
        peers.add_column("in msg/s", justify="right")
        for peer in demo.peers:
            pc = peer.pc
            peers.add_row(
                Text(peer.name, style="bold"),
                Text(pc.iceConnectionState, style=STATE_STYLES.get(pc.iceConnectionState, "")),
                Text(pc.connectionState, style=STATE_STYLES.get(pc.connectionState, "")),
                pc.signalingState,
                peer.ufrag,
                peer.selected_pair,
                str(peer.sent),
                str(len(peer.received)),
                Text(str(peer.rate(now)), style="bold" if peer.rate(now) else "bold red"),
            )
        rates = Table(box=None, padding=(0, 1), show_header=False)
        rates.add_column(no_wrap=True)
        rates.add_column(no_wrap=True)
        rates.add_row("alice -> bob", Text(self._spark(demo.bob.buckets), style="green"))
        rates.add_row("bob -> alice", Text(self._spark(demo.alice.buckets), style="cyan"))
        timeline = Table(box=None, padding=(0, 1), show_header=False, expand=True)
        timeline.add_column(justify="right", style="dim", no_wrap=True)
        timeline.add_column(no_wrap=True)
        timeline.add_column()
        for entry in demo.timeline[-18:]:
            style = KIND_STYLES.get(entry.kind, "")
            if entry.kind == "state":
                state = entry.what.rsplit(" ", 1)[-1]
                style = STATE_STYLES.get(state, "")
            timeline.add_row(
                f"{entry.t:6.3f}s", Text(entry.who, style="bold"), Text(entry.what, style=style)
            )
        header = Text.assemble(
            ("rtcpeer demo", "bold"),
            "  two RTCPeerConnections on 127.0.0.1   ",
            (f"t = {now:5.1f} s", "bold"),
            "   ",
            (demo.phase, "bold yellow"),
        )
        return Group(
            header,
            Panel(peers, title="peers", title_align="left"),
            Panel(rates, title=f"messages received per {BUCKET} s", title_align="left"),
            Panel(timeline, title="timeline", title_align="left"),
        )

    async def run(self, demo: LiveDemo) -> None:
        from rich.live import Live

        with Live(
            self.render(demo), console=self.console, auto_refresh=False, transient=False
        ) as live:
            self._live = live
            try:
                while True:
                    live.update(self.render(demo), refresh=True)
                    await asyncio.sleep(0.1)
            finally:
                live.update(self.render(demo), refresh=True)

    def finish(self, demo: LiveDemo, summary: Summary) -> None:
        from rich.table import Table
        from rich.text import Text

        table = Table(title="summary", title_justify="left", expand=False)
        for column in ("direction", "sent", "received", "lost", "duplicates", "reordered"):
            table.add_column(column, justify="right" if column != "direction" else "left")
        for d in summary.directions:
            table.add_row(
                f"{d.sender} -> {d.receiver}",
                str(d.sent),
                str(d.received),
                *(Text(str(v), style="bold green" if v == 0 else "bold red") for v in
                  (d.lost, d.duplicates, d.reordered)),
            )  # fmt: skip
        self.console.print(table)
        for line in summary_lines(summary)[len(summary.directions) + 1 :]:
            style = "bold green" if "nothing was lost" in line else ""
            style = "bold red" if "WRONG" in line else style
            self.console.print(Text(line, style=style))


# --------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------


async def live_demo(view: PlainView | RichView | None = None) -> Summary:
    """Run the story once; return its summary (``view`` shows it as it happens).

    Host candidates are gathered on 127.0.0.1 only: ``RTCPEER_ICE_ADDRESSES`` is set for
    the run (the peers read it at every gathering) and restored afterwards."""
    saved = os.environ.get(ENVIRONMENT_VARIABLE)
    os.environ[ENVIRONMENT_VARIABLE] = "127.0.0.1"
    shower = None
    demo: LiveDemo | None = None
    try:
        demo = LiveDemo()
        shower = None if view is None else asyncio.ensure_future(view.run(demo))
        summary = await demo.run()
    finally:
        if shower is not None:
            shower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await shower
        if demo is not None:
            await demo.close()
        if saved is None:
            os.environ.pop(ENVIRONMENT_VARIABLE, None)
        else:
            os.environ[ENVIRONMENT_VARIABLE] = saved
    if view is not None:
        view.finish(demo, summary)
    return summary


def run_demo(out: TextIO = sys.stdout, *, plain: bool | None = None) -> bool:
    """``rtcpeer demo``: True when nothing was lost and every step happened. ``plain``
    forces plain lines (default: when ``out`` is not a terminal)."""
    if plain is None:
        plain = not out.isatty()
    view: PlainView | RichView = PlainView(out) if plain else RichView(out)
    summary = asyncio.run(live_demo(view))
    return summary.ok
