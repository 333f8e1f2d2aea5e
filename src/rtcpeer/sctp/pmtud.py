"""Packetization Layer Path MTU Discovery for SCTP over DTLS (RFC 8899, RFC 8261 §5).

SCTP starts with packets of the base size (1200 bytes of DTLS datagram, RFC 8831 §5) and
probes larger sizes: a probe is a HEARTBEAT chunk padded with a PAD chunk (RFC 4820) to the
size under test (RFC 8899 §6.2.1.2). Its HEARTBEAT ACK confirms that a packet of that size
crossed the whole path *and* the peer's stack; a probe that goes unanswered ``max_probes``
times ends the search (the sizes are tried in ascending order, so no larger size is tried).

The search is sans-IO like the rest of the package: ``due_probe(now)`` says which probe to
send, ``on_ack`` and ``on_timer`` take what happened, ``deadline()`` is the next timer.
When the path may have changed (an ICE restart selects a new pair) ``restart`` goes back
to the base size and searches again (RFC 8899 §5.2 "black hole" handling, done by the
layer that knows the path changed).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

#: Sizes worth trying (SCTP packet bytes, common header included), smallest first: an
#: Ethernet path (1500 - IPv6 40 - UDP 8 - DTLS 37 = 1415; IPv4 1435; multiples of 4 below
#: them, since chunks are padded to 4 bytes), a jumbo-frame path,
#: and the largest a DTLS record carries (2^14 bytes of plaintext, RFC 6347 §4.1).
DEFAULT_PROBE_SIZES = (1412, 1432, 4096, 8192, 8932, 16384)


@dataclass(slots=True)
class _Probe:
    nonce: int
    size: int
    deadline: float


class PathMtuSearch:
    """The probing state of one association (RFC 8899 §5.2: BASE → SEARCHING → COMPLETE)."""

    def __init__(
        self,
        base: int,
        maximum: int,
        *,
        sizes: Sequence[int] = DEFAULT_PROBE_SIZES,
        probe_timeout: float = 0.5,
        max_probes: int = 2,
        raise_interval: float = 600.0,
        rng: random.Random | None = None,
    ) -> None:
        self.base = base
        self.maximum = maximum
        self._sizes = sorted({s for s in sizes if base < s <= maximum})
        self._probe_timeout = probe_timeout
        self._max_probes = max_probes
        self._raise_interval = raise_interval
        self._rng = rng if rng is not None else random.SystemRandom()
        #: The confirmed packet size (PLPMTU).
        self.plpmtu = base
        self._candidates: list[int] = []
        self._probe: _Probe | None = None
        self._attempts = 0
        self._next_at: float | None = None
        self.probes_sent = 0
        self.probes_lost = 0

    @property
    def searching(self) -> bool:
        return bool(self._candidates)

    def start(self, now: float) -> None:
        """Begin (or begin again) the search above the current size."""
        self._candidates = [s for s in self._sizes if s > self.plpmtu]
        self._probe = None
        self._attempts = 0
        self._next_at = now if self._candidates else None

    def restart(self, now: float) -> None:
        """The path changed: back to the base size, then search again."""
        self.plpmtu = self.base
        self.start(now)

    def deadline(self) -> float | None:
        if self._probe is not None:
            return self._probe.deadline
        return self._next_at

    def due_probe(self, now: float) -> tuple[int, int] | None:
        """(nonce, size) of a probe to send now, or None."""
        if self._probe is not None or self._next_at is None or now < self._next_at:
            return None
        if not self._candidates:
            self._next_at = None
            return None
        size = self._candidates[0]
        nonce = self._rng.getrandbits(64)
        self._probe = _Probe(nonce, size, now + self._probe_timeout)
        self._next_at = None
        self.probes_sent += 1
        return nonce, size

    def on_ack(self, now: float, nonce: int) -> int | None:
        """A HEARTBEAT ACK for a probe: the new PLPMTU when it confirms one."""
        probe = self._probe
        if probe is None or probe.nonce != nonce:
            return None
        self._probe = None
        self._attempts = 0
        self.plpmtu = probe.size
        self._candidates = [s for s in self._candidates if s > probe.size]
        self._next_at = now if self._candidates else now + self._raise_interval
        return probe.size

    def on_timer(self, now: float) -> None:
        probe = self._probe
        if probe is None:
            if self._next_at is not None and now >= self._next_at and not self._candidates:
                self.start(now)  # RFC 8899 §5.1.1 PMTU_RAISE_TIMER: look for more again
            return
        if now < probe.deadline:
            return
        self._probe = None
        self.probes_lost += 1
        self._attempts += 1
        if self._attempts < self._max_probes:
            self._next_at = now  # the same size again
            return
        # MAX_PROBES lost: this size (and so every larger one) does not get through.
        self._attempts = 0
        self._candidates = []
        self._next_at = now + self._raise_interval
