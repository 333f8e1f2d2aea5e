"""Candidate pairs: priority, state and nomination flags (RFC 8445 §6.1.2)."""

from __future__ import annotations

from enum import StrEnum

from rtcpeer.ice.candidate import Candidate

Address = tuple[str, int]


class PairState(StrEnum):
    """Candidate pair states, RFC 8445 §6.1.2.6."""

    FROZEN = "frozen"
    WAITING = "waiting"
    IN_PROGRESS = "in-progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def pair_priority(controlling: int, controlled: int) -> int:
    """Pair priority, RFC 8445 §6.1.2.3: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0).

    ``controlling`` is G, the priority of the controlling agent's candidate; ``controlled`` is D.
    """
    g, d = controlling, controlled
    return (1 << 32) * min(g, d) + 2 * max(g, d) + (1 if g > d else 0)


class CandidatePair:
    """A (local, remote) pair of one component in one check list.

    ``local`` is the *base* the checks are sent from (RFC 8445 §6.1.2.4: server-reflexive
    locals are replaced by their base); ``mapped`` records the address the peer saw in the
    last successful check (a new one becomes a peer-reflexive local candidate, §7.2.5.3.1).
    The pair that was checked is also the valid pair: its local base and remote address are
    what application data uses, which is what §7.2.5.3.2 ends up selecting for every case in
    which the base does not change.
    """

    __slots__ = (
        "authenticated",
        "failed_reason",
        "key",
        "local",
        "mapped",
        "nominated",
        "nominating",
        "remote",
        "remote_nominated",
        "rtt",
        "state",
        "transaction_id",
        "valid_local",
    )

    def __init__(self, local: Candidate, remote: Candidate) -> None:
        self.local = local
        self.remote = remote
        #: (local base address, remote address): the identity of the pair on the wire
        #: (computed once: the data path compares it for every datagram).
        self.key: tuple[Address, Address] = (local.transport_address, remote.transport_address)
        self.state = PairState.FROZEN
        #: RFC 8445 §8.1.1: a check with USE-CANDIDATE succeeded (controlling), or the peer's
        #: USE-CANDIDATE was received and our own check succeeded (controlled).
        self.nominated = False
        #: Controlling side: a USE-CANDIDATE check is in flight for this pair.
        self.nominating = False
        #: Controlled side: the peer sent USE-CANDIDATE on this pair (§7.3.1.5).
        self.remote_nominated = False
        self.transaction_id: bytes | None = None
        self.mapped: Address | None = None
        self.rtt: float | None = None
        self.failed_reason = ""
        #: The local candidate of the valid pair (RFC 8445 §7.2.5.3.2): the candidate whose
        #: address the peer saw (srflx or prflx) when it differs from the base.
        self.valid_local: Candidate | None = None
        #: An authenticated check arrived on this pair: the peer may send data on it.
        self.authenticated = False

    @property
    def reported_local(self) -> Candidate:
        """The local candidate webrtc-pc reports for this pair (valid pair's, else base)."""
        return self.valid_local if self.valid_local is not None else self.local

    @property
    def foundation(self) -> tuple[str, str]:
        """The pair foundation, RFC 8445 §6.1.2.6: local and remote foundations together."""
        return self.local.foundation, self.remote.foundation

    def priority(self, controlling: bool) -> int:
        """This pair's priority for an agent in the given role (RFC 8445 §6.1.2.3)."""
        if controlling:
            return pair_priority(self.local.priority, self.remote.priority)
        return pair_priority(self.remote.priority, self.local.priority)

    def __repr__(self) -> str:
        (la, lp), (ra, rp) = self.key
        flags = " nominated" if self.nominated else ""
        return f"<CandidatePair {la}:{lp} -> {ra}:{rp} {self.state}{flags}>"
