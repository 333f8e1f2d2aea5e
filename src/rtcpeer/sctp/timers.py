"""Retransmission timeout calculation (RFC 9260 §6.3.1) and a deadline holder.

The association never reads a clock: a :class:`Timer` is an absolute deadline on the
caller's clock, and expiry is noticed when ``handle_timer(now)`` runs at or after it.
"""

from __future__ import annotations


class RtoEstimator:
    """SRTT, RTTVAR and RTO per §6.3.1 rules C1-C3, with §6.3.3 E2 back-off."""

    __slots__ = ("_alpha", "_beta", "_max", "_min", "rto", "rttvar", "srtt")

    def __init__(
        self,
        *,
        initial: float = 1.0,
        minimum: float = 1.0,
        maximum: float = 60.0,
        alpha: float = 0.125,
        beta: float = 0.25,
    ) -> None:
        self.rto = initial
        self.srtt: float | None = None
        self.rttvar = 0.0
        self._min = minimum
        self._max = maximum
        self._alpha = alpha
        self._beta = beta

    def observe(self, rtt: float) -> None:
        """Feed one RTT measurement R' (C1 for the first, C2 afterwards, then C3)."""
        rtt = max(rtt, 0.0)
        if self.srtt is None:
            self.srtt = rtt
            self.rttvar = rtt / 2
        else:
            self.rttvar = (1 - self._beta) * self.rttvar + self._beta * abs(self.srtt - rtt)
            self.srtt = (1 - self._alpha) * self.srtt + self._alpha * rtt
        # G (clock granularity) is zero here: time comes in as floats.
        self.rto = min(max(self.srtt + 4 * self.rttvar, self._min), self._max)

    def back_off(self) -> None:
        """E2: RTO = RTO * 2, capped at RTO.Max."""
        self.rto = min(self.rto * 2, self._max)


class Timer:
    """One protocol timer: an absolute deadline, or ``None`` when stopped."""

    __slots__ = ("deadline", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.deadline: float | None = None

    @property
    def running(self) -> bool:
        return self.deadline is not None

    def start(self, now: float, duration: float) -> None:
        self.deadline = now + duration

    def start_if_stopped(self, now: float, duration: float) -> None:
        if self.deadline is None:
            self.deadline = now + duration

    def stop(self) -> None:
        self.deadline = None

    def expired(self, now: float) -> bool:
        """Whether the timer is running and its deadline has come (it is then stopped)."""
        if self.deadline is not None and now >= self.deadline:
            self.deadline = None
            return True
        return False
