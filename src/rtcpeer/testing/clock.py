"""Virtual time: a discrete-event scheduler that never reads the wall clock.

Time is kept internally as an integer number of **nanoseconds**, so sums of delays are
exact (``0.01 + 0.02`` seconds of link delay arrive at exactly ``now == 0.03``) and the
order of events never depends on floating-point rounding. The public API speaks float
seconds; a time given in seconds is rounded to the nearest nanosecond.

Events scheduled for the same instant run in the order they were scheduled (FIFO), which,
together with the network's single seeded :class:`random.Random`, makes every simulation
exactly repeatable.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable

__all__ = ["NS_PER_SECOND", "Clock", "TimerHandle", "seconds_to_ns"]

NS_PER_SECOND = 1_000_000_000


def seconds_to_ns(seconds: float) -> int:
    """Convert float seconds to integer nanoseconds (round half to even).

    Raises :class:`ValueError` for NaN or infinity: virtual time must stay finite.
    """
    if not math.isfinite(seconds):
        raise ValueError(f"time must be finite, got {seconds!r}")
    return round(seconds * NS_PER_SECOND)


class TimerHandle:
    """A scheduled callback; returned by :meth:`Clock.call_at` and :meth:`Clock.call_later`.

    Mirrors :class:`asyncio.TimerHandle`: :meth:`cancel`, :meth:`cancelled`, :meth:`when`.
    """

    __slots__ = ("_callback", "_cancelled", "_when_ns")

    def __init__(self, when_ns: int, callback: Callable[[], object]) -> None:
        self._when_ns = when_ns
        self._callback: Callable[[], object] | None = callback
        self._cancelled = False

    def cancel(self) -> None:
        """Prevent the callback from running. Cancelling twice, or after it ran, is a no-op."""
        self._cancelled = True
        self._callback = None

    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled

    def when(self) -> float:
        """The virtual time (seconds) the callback is scheduled for."""
        return self._when_ns / NS_PER_SECOND

    def __repr__(self) -> str:
        state = " cancelled" if self._cancelled else ""
        return f"<TimerHandle when={self.when()!r}{state}>"


class Clock:
    """A virtual-time event queue.

    ``now`` starts at ``0.0`` and only moves when events are processed by :meth:`step`,
    :meth:`run_until`, :meth:`run` or :meth:`run_until_true`. Callbacks may schedule more
    callbacks but must not call the ``run*`` methods themselves (:class:`RuntimeError`).
    An exception raised by a callback propagates out of the ``run*`` call that ran it; the
    clock stays usable.
    """

    def __init__(self) -> None:
        self._now_ns = 0
        self._seq = 0
        self._queue: list[tuple[int, int, TimerHandle]] = []
        self._running = False

    # -- time ---------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Current virtual time in seconds."""
        return self._now_ns / NS_PER_SECOND

    @property
    def now_ns(self) -> int:
        """Current virtual time in integer nanoseconds."""
        return self._now_ns

    # -- scheduling ---------------------------------------------------------------------

    def call_at(self, when: float, callback: Callable[[], object]) -> TimerHandle:
        """Run ``callback()`` at virtual time ``when`` (seconds).

        A time in the past runs at the current time, after everything already due then.
        """
        # Never earlier than asked: a caller that re-checks ``now >= when`` (as every sans-IO
        # timer does) must find its deadline reached, or it would re-arm the same timer
        # forever. Nearest nanosecond, plus one when that lands before ``when``.
        when_ns = seconds_to_ns(when)
        if when_ns / NS_PER_SECOND < when:
            when_ns += 1
        return self.call_at_ns(when_ns, callback)

    def call_later(self, delay: float, callback: Callable[[], object]) -> TimerHandle:
        """Run ``callback()`` ``delay`` seconds from now (a negative delay counts as 0)."""
        return self.call_at_ns(self._now_ns + seconds_to_ns(delay), callback)

    def call_at_ns(self, when_ns: int, callback: Callable[[], object]) -> TimerHandle:
        """Like :meth:`call_at` with an integer nanosecond time."""
        if when_ns < self._now_ns:
            when_ns = self._now_ns
        handle = TimerHandle(when_ns, callback)
        self._seq += 1
        heapq.heappush(self._queue, (when_ns, self._seq, handle))
        return handle

    # -- running ------------------------------------------------------------------------

    def next_event_time(self) -> float | None:
        """Time of the next pending (not cancelled) event, or ``None`` if there is none."""
        self._discard_cancelled()
        return self._queue[0][0] / NS_PER_SECOND if self._queue else None

    @property
    def pending(self) -> int:
        """Number of scheduled events, including cancelled ones not yet discarded."""
        return len(self._queue)

    def step(self) -> bool:
        """Run the single next event (advancing ``now`` to its time). False if none is left."""
        with _Running(self):
            return self._step(None)

    def run_until(self, t: float) -> None:
        """Run every event due at or before ``t``, then set ``now`` to ``t``."""
        deadline = seconds_to_ns(t)
        if deadline < self._now_ns:
            raise ValueError(f"cannot run backwards: now={self.now!r}, t={t!r}")
        with _Running(self):
            while self._step(deadline):
                pass
            self._now_ns = deadline

    def run(self, duration: float) -> None:
        """Run for ``duration`` seconds of virtual time: ``run_until(now + duration)``."""
        if duration < 0:
            raise ValueError(f"duration must be >= 0, got {duration!r}")
        self.run_until((self._now_ns + seconds_to_ns(duration)) / NS_PER_SECOND)

    def run_until_true(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Run event by event until ``predicate()`` is true or ``timeout`` seconds pass.

        The predicate is checked first, then after every event. Returns True as soon as it
        holds (``now`` is then the time of the event that made it true); otherwise ``now``
        ends at the deadline and the predicate's final value is returned.
        """
        if timeout < 0:
            raise ValueError(f"timeout must be >= 0, got {timeout!r}")
        deadline = self._now_ns + seconds_to_ns(timeout)
        with _Running(self):
            if predicate():
                return True
            while self._step(deadline):
                if predicate():
                    return True
            self._now_ns = deadline
        return predicate()

    # -- internals ----------------------------------------------------------------------

    def _discard_cancelled(self) -> None:
        queue = self._queue
        while queue and queue[0][2]._cancelled:
            heapq.heappop(queue)

    def _step(self, deadline_ns: int | None) -> bool:
        self._discard_cancelled()
        queue = self._queue
        if not queue:
            return False
        when_ns, _, handle = queue[0]
        if deadline_ns is not None and when_ns > deadline_ns:
            return False
        heapq.heappop(queue)
        self._now_ns = when_ns
        callback = handle._callback
        handle._callback = None
        if callback is not None:
            callback()
        return True


class _Running:
    """Guards against re-entering the clock from inside a callback."""

    __slots__ = ("_clock",)

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def __enter__(self) -> None:
        if self._clock._running:
            raise RuntimeError("the simulation clock is already running (called from a callback?)")
        self._clock._running = True

    def __exit__(self, *exc: object) -> None:
        self._clock._running = False
