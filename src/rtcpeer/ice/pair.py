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
        "bytes_received",
        "bytes_sent",
        "consent_requests_sent",
        "failed_reason",
        "key",
        "last_received_at",
        "last_sent_at",
        "local",
        "mapped",
        "nominated",
        "nominating",
        "packets_received",
        "packets_sent",
        "remote",
        "remote_nominated",
        "requests_received",
        "requests_sent",
        "responses_received",
        "responses_sent",
        "rtt",
        "state",
        "total_rtt",
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
        # Counters for webrtc-stats' RTCIceCandidatePairStats (the agent keeps them; times
        # are the agent's clock, None until the first packet).
        #: Application datagrams (not STUN) and their payload bytes, each way.
        self.packets_sent = 0
        self.bytes_sent = 0
        self.packets_received = 0
        self.bytes_received = 0
        self.last_sent_at: float | None = None
        self.last_received_at: float | None = None
        #: STUN Binding requests sent (checks and consent, retransmissions not counted) and
        #: received, and the responses to them, on this pair.
        self.requests_sent = 0
        self.requests_received = 0
        self.responses_sent = 0
        self.responses_received = 0
        #: Of requests_sent, those sent for consent freshness (RFC 7675).
        self.consent_requests_sent = 0
        #: Sum of the round-trip times of the responses received (seconds); ``rtt`` is the
        #: latest.
        self.total_rtt = 0.0

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
