"""The check list of one generation: forming, pruning, ordering and scheduling checks.

RFC 8445 §6.1.2 (forming the list), §6.1.4.2 (which check to send on each Ta tick), §7.2.5.3.3
(unfreezing on success), §7.3.1.4 (the triggered-check queue), RFC 8838 §10 (pairs arriving
while checks run).
"""

from __future__ import annotations

from collections.abc import Iterator

from rtcpeer.ice.candidate import Candidate, CandidateType
from rtcpeer.ice.pair import CandidatePair, PairState

Address = tuple[str, int]

_ACTIVE = (PairState.WAITING, PairState.IN_PROGRESS)
_PENDING = (PairState.FROZEN, PairState.WAITING, PairState.IN_PROGRESS)


class CheckList:
    """Pairs of one generation (one component, one data stream), highest priority first."""

    def __init__(self, *, controlling: bool, max_pairs: int) -> None:
        self._controlling = controlling
        self._max_pairs = max_pairs
        self._pairs: list[CandidatePair] = []
        self._by_key: dict[tuple[Address, Address], CandidatePair] = {}
        #: The triggered-check queue: a list, not a deque (a few pairs at most, and an empty
        #: deque costs ~600 B for the generation's whole life).
        self._triggered: list[CandidatePair] = []
        #: Pairs dropped because the list was full (RFC 8445 §6.1.2.5), for the agent's stats.
        self.evicted = 0

    # -- forming -------------------------------------------------------------------------

    def __iter__(self) -> Iterator[CandidatePair]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def find(self, local: Address, remote: Address) -> CandidatePair | None:
        return self._by_key.get((local, remote))

    def add(self, local: Candidate, remote: Candidate) -> CandidatePair | None:
        """Add a pair, pruning as RFC 8445 §6.1.2.4 says; return it, or ``None`` if pruned.

        A server-reflexive local candidate is replaced by its base (the caller passes bases
        only), and a pair whose (base, remote) already exists is redundant: the existing pair
        is kept (it has the higher priority or was first). Past ``max_pairs`` the lowest
        priority pending pair is dropped (§6.1.2.5), never one that succeeded.
        """
        if local.type is CandidateType.SRFLX:
            raise ValueError("server-reflexive candidates are paired through their base")
        if local.transport != remote.transport or local.component != remote.component:
            return None
        if _family(local.address) != _family(remote.address):
            return None
        pair = CandidatePair(local, remote)
        if pair.key in self._by_key:
            return None
        # RFC 8838 §10 / RFC 8445 §6.1.2.6: a new pair whose foundation is not already being
        # checked starts Waiting; otherwise it waits Frozen for its foundation to succeed.
        if not any(p.foundation == pair.foundation and p.state in _ACTIVE for p in self._pairs):
            pair.state = PairState.WAITING
        self._insert(pair)
        if len(self._pairs) > self._max_pairs:
            self._evict_lowest()
        return pair if pair.key in self._by_key else None

    def _insert(self, pair: CandidatePair) -> None:
        prio = pair.priority(self._controlling)
        index = len(self._pairs)
        for i, other in enumerate(self._pairs):
            if other.priority(self._controlling) < prio:
                index = i
                break
        self._pairs.insert(index, pair)
        self._by_key[pair.key] = pair

    def _evict_lowest(self) -> None:
        for pair in reversed(self._pairs):
            if pair.state in (PairState.FROZEN, PairState.WAITING, PairState.FAILED):
                self.remove(pair)
                self.evicted += 1
                return

    def remove(self, pair: CandidatePair) -> None:
        self._pairs.remove(pair)
        del self._by_key[pair.key]
        if pair in self._triggered:
            self._triggered.remove(pair)

    def set_role(self, controlling: bool) -> None:
        """Recompute pair priorities after a role change (RFC 8445 §7.2.5.1)."""
        self._controlling = controlling
        self._pairs.sort(key=lambda p: p.priority(controlling), reverse=True)

    # -- scheduling ----------------------------------------------------------------------

    def trigger(self, pair: CandidatePair) -> None:
        """Queue a triggered check (RFC 8445 §7.3.1.4); the pair becomes Waiting."""
        pair.state = PairState.WAITING
        if pair not in self._triggered:
            self._triggered.append(pair)

    def trigger_nomination(self, pair: CandidatePair) -> None:
        """Queue the USE-CANDIDATE check of a valid pair (RFC 8445 §8.1.1); state unchanged."""
        self._triggered.insert(0, pair)

    def clear_triggered(self) -> None:
        self._triggered.clear()

    def next_check(self) -> CandidatePair | None:
        """The pair to check on this Ta tick, RFC 8445 §6.1.4.2.

        Triggered checks first; then the highest-priority Waiting pair; then the
        highest-priority Frozen pair whose foundation has no Waiting or In-Progress pair is
        unfrozen and checked (step 2: a foundation being checked keeps its others frozen).
        """
        while self._triggered:
            pair = self._triggered.pop(0)
            if pair.state is PairState.WAITING or pair.nominating:
                return pair
        for pair in self._pairs:
            if pair.state is PairState.WAITING:
                return pair
        busy = {p.foundation for p in self._pairs if p.state in _ACTIVE}
        for pair in self._pairs:
            if pair.state is PairState.FROZEN and pair.foundation not in busy:
                pair.state = PairState.WAITING
                return pair
        return None

    def has_work(self) -> bool:
        """Whether any check could be sent on a Ta tick."""
        return bool(self._triggered) or any(
            p.state in (PairState.WAITING, PairState.FROZEN) for p in self._pairs
        )

    def unfreeze_foundation(self, foundation: tuple[str, str]) -> None:
        """RFC 8445 §7.2.5.3.3: a success unfreezes every Frozen pair of its foundation."""
        for pair in self._pairs:
            if pair.state is PairState.FROZEN and pair.foundation == foundation:
                pair.state = PairState.WAITING

    # -- summary -------------------------------------------------------------------------

    def active_count(self) -> int:
        """Waiting plus In-Progress pairs: N in the RTO formula of RFC 8445 §14.3."""
        return sum(1 for p in self._pairs if p.state in _ACTIVE)

    def pending(self) -> bool:
        """Whether any pair is still to be checked or being checked."""
        return any(p.state in _PENDING for p in self._pairs) or bool(self._triggered)

    def succeeded(self) -> list[CandidatePair]:
        """The valid list (RFC 8445 §7.2.5.3.2), highest priority first."""
        return [p for p in self._pairs if p.state is PairState.SUCCEEDED]

    def pending_above(self, priority: int) -> bool:
        """Whether a pair of higher priority than ``priority`` may still succeed."""
        return any(
            p.state in _PENDING and p.priority(self._controlling) > priority for p in self._pairs
        )


def _family(address: str) -> int:
    return 6 if ":" in address else 4
