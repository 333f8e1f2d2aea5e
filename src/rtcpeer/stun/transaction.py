"""Client transaction retransmission over UDP (RFC 8489 §6.2.1), sans-IO.

RFC 8489 §6.2.1: the request is retransmitted "starting with an interval of RTO ..., doubling
after each retransmission", until "a total of Rc requests have been sent" (default 7). "If,
after the last request, a duration equal to Rm times the RTO has passed without a response",
the transaction has failed (Rm defaults to 16). With RTO = 500 ms: requests at 0, 0.5, 1.5,
3.5, 7.5, 15.5 and 31.5 s, timeout at 39.5 s. The final wait is Rm times the *initial* RTO
(16 x 0.5 s = 8 s), not Rm times the last, doubled interval.

Karn's algorithm (§6.2.1, "RECOMMENDED"): an RTT sample is only taken from a transaction
whose request was sent once.

ICE computes its own RTO (RFC 8445 §14.3) and passes it in as ``rto``.
"""

from __future__ import annotations

from enum import Enum


class TransactionTimer(Enum):
    """What :meth:`ClientTransaction.handle_timer` asks the caller to do."""

    RETRANSMIT = "retransmit"
    """Send :attr:`ClientTransaction.request` again, now."""

    TIMEOUT = "timeout"
    """The transaction failed: no response within the schedule."""


class ClientTransaction:
    """One request/response transaction over an unreliable transport.

    The caller sends ``request`` at ``now`` when creating the object, then calls
    :meth:`handle_timer` whenever :attr:`deadline` is reached and :meth:`complete` when a
    response matching ``transaction_id`` arrives. ``max_rto``, when given, caps each
    retransmission interval (not the final wait).
    """

    def __init__(
        self,
        transaction_id: bytes,
        request: bytes,
        now: float,
        *,
        rto: float = 0.5,
        max_transmissions: int = 7,
        final_wait_factor: int = 16,
        max_rto: float | None = None,
    ) -> None:
        if rto <= 0:
            raise ValueError("rto must be positive")
        if max_transmissions < 1:
            raise ValueError("max_transmissions (Rc) must be at least 1")
        if final_wait_factor <= 0:
            raise ValueError("final_wait_factor (Rm) must be positive")
        if max_rto is not None and max_rto <= 0:
            raise ValueError("max_rto must be positive")
        self.transaction_id = transaction_id
        self.request = request
        self.started_at = now
        self.rto = rto
        self.max_transmissions = max_transmissions
        self.final_wait_factor = final_wait_factor
        self.max_rto = max_rto
        self.transmissions = 1
        self.last_transmission_at = now
        self.timed_out = False
        self._interval = self._capped(rto)
        self._deadline: float | None = now + self._wait_after_transmission()

    def _capped(self, interval: float) -> float:
        return interval if self.max_rto is None else min(interval, self.max_rto)

    def _wait_after_transmission(self) -> float:
        """Time to wait after the latest transmission before acting again (RFC 8489 §6.2.1)."""
        if self.transmissions >= self.max_transmissions:
            return self.final_wait_factor * self.rto
        return self._interval

    @property
    def deadline(self) -> float | None:
        """When :meth:`handle_timer` must next be called; None once finished."""
        return self._deadline

    @property
    def finished(self) -> bool:
        """True after completion, timeout or cancellation."""
        return self._deadline is None

    def handle_timer(self, now: float) -> TransactionTimer | None:
        """Advance the schedule; RETRANSMIT means "send the request again now"."""
        if self._deadline is None or now < self._deadline:
            return None
        if self.transmissions >= self.max_transmissions:
            self._deadline = None
            self.timed_out = True
            return TransactionTimer.TIMEOUT
        self.transmissions += 1
        self.last_transmission_at = now
        self._interval = self._capped(self._interval * 2)
        self._deadline = now + self._wait_after_transmission()
        return TransactionTimer.RETRANSMIT

    def complete(self, now: float) -> float | None:
        """Mark the transaction answered at ``now``.

        Returns the round-trip time measured from the last transmission if, and only if, the
        request was transmitted exactly once (Karn's algorithm, RFC 8489 §6.2.1); else None.
        Also None if the transaction had already finished.
        """
        if self._deadline is None:
            return None
        self._deadline = None
        if self.transmissions == 1:
            return now - self.last_transmission_at
        return None

    def cancel(self) -> None:
        """Stop the transaction without a result (e.g. a hard ICMP error, RFC 8489 §6.2.1)."""
        self._deadline = None
