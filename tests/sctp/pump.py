"""Two associations wired through an in-memory link with a fake clock.

The link can drop, delay, reorder and duplicate packets, all from a seeded RNG, so every run
is reproducible. Time only moves when nothing is in flight now: then the clock jumps to the
next delivery or timer deadline.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from rtcpeer.sctp import Association, MessageReceived, SctpConfig, SctpEvent

E = TypeVar("E", bound=SctpEvent)


@dataclass
class Side:
    assoc: Association
    events: list[SctpEvent] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)

    @property
    def messages(self) -> list[MessageReceived]:
        return [e for e in self.events if isinstance(e, MessageReceived)]

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]


class Pump:
    """Drive ``a`` and ``b``; ``a`` is the client that sends INIT."""

    def __init__(
        self,
        *,
        seed: int = 1,
        config: SctpConfig | None = None,
        config_b: SctpConfig | None = None,
        latency: float = 0.01,
        loss: float = 0.0,
        jitter: float = 0.0,
        duplicate: float = 0.0,
        filter: Callable[[str, bytes], bool] | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.now = 0.0
        self.a = Side(Association(config=config, rng=random.Random(seed * 7 + 1)))
        self.b = Side(Association(config=config_b or config, rng=random.Random(seed * 7 + 2)))
        self.latency = latency
        self.loss = loss
        self.jitter = jitter
        self.duplicate = duplicate
        #: ``filter(direction, packet)`` returning False drops it ("ab" or "ba").
        self.filter = filter
        self._heap: list[tuple[float, int, str, bytes]] = []
        self._seq = 0
        self.delivered = 0
        self.dropped = 0

    def _collect(self) -> bool:
        moved = False
        for side, direction in ((self.a, "ab"), (self.b, "ba")):
            for packet in side.assoc.packets_to_send(self.now):
                moved = True
                side.sent.append(packet)
                side.sent_at.append(self.now)
                if self.filter is not None and not self.filter(direction, packet):
                    self.dropped += 1
                    continue
                if self.loss and self.rng.random() < self.loss:
                    self.dropped += 1
                    continue
                copies = 2 if self.duplicate and self.rng.random() < self.duplicate else 1
                for _ in range(copies):
                    at = self.now + self.latency + (self.rng.random() * self.jitter)
                    self._seq += 1
                    heapq.heappush(self._heap, (at, self._seq, direction, packet))
        return moved

    def _drain(self) -> None:
        for side in (self.a, self.b):
            while (event := side.assoc.next_event()) is not None:
                side.events.append(event)

    def step(self, horizon: float | None = None) -> bool:
        """One round: collect, deliver what is due, else advance the clock (never past
        ``horizon``). ``False`` when nothing is left to happen."""
        self._drain()
        self._collect()
        if self._heap and self._heap[0][0] <= self.now:
            while self._heap and self._heap[0][0] <= self.now:
                _, _, direction, packet = heapq.heappop(self._heap)
                target = self.b if direction == "ab" else self.a
                target.assoc.handle_packet(self.now, packet)
                self.delivered += 1
            self._drain()
            return True
        deadlines = [d for d in (self.a.assoc.get_timer(), self.b.assoc.get_timer()) if d]
        if self._heap:
            deadlines.append(self._heap[0][0])
        if not deadlines:
            return False
        when = min(deadlines)
        if horizon is not None and when > horizon:
            self.now = max(self.now, horizon)
            return True
        self.now = max(self.now, when)
        for side in (self.a, self.b):
            t = side.assoc.get_timer()
            if t is not None and t <= self.now:
                side.assoc.handle_timer(self.now)
        return True

    def run(self, until: Callable[[], bool] | None = None, *, max_time: float = 600.0) -> None:
        """Step until ``until()`` holds (or nothing happens any more) within ``max_time``."""
        limit = self.now + max_time
        while self.now < limit:
            if until is not None and until():
                return
            if not self.step(horizon=limit):
                return
        if until is not None and until():
            return
        raise AssertionError(f"still running at t={self.now:.3f}")

    def connect(self) -> None:
        self.a.assoc.associate(self.now)
        self.run(lambda: self.a.assoc.is_established and self.b.assoc.is_established)
        assert self.a.assoc.is_established and self.b.assoc.is_established

    def settle(self, max_time: float = 600.0) -> None:
        """Run until both sides have nothing outstanding or queued."""

        def idle() -> bool:
            return all(
                not s.assoc.flight_size and not s.assoc.buffered_amount and not s.assoc._outstanding
                for s in (self.a, self.b)
            )

        self.run(idle, max_time=max_time)
        # Let the last SACKs and deliveries land.
        self.advance(1.0)

    def advance(self, duration: float) -> None:
        """Run for ``duration`` seconds of fake time."""
        end = self.now + duration
        while self.now < end or (self._heap and self._heap[0][0] <= self.now):
            if not self.step(horizon=end):
                self.now = end
                return
