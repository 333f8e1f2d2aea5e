"""Network partitions: pairs of nodes that cannot reach each other for a while.

A partition between ``a`` and ``b`` (each a host, an interface or a NAT) drops every
datagram whose path, as it is forwarded, includes both: a datagram is checked each time
it reaches a node (a NAT or its destination interface) against every node it already
passed, and dropped if the two were partitioned *at any moment* between the datagram
leaving the earlier node and reaching this one. So datagrams already in flight when
:meth:`~rtcpeer.testing.SimNetwork.partition` is called are dropped when they arrive,
and so are datagrams sent during a partition that arrive after it healed. Calls at the
same virtual instant are ordered as made: a datagram sent right after ``heal()`` passes.

A host stands for all of its interfaces; a NAT stands for itself only, but since
everything to or from the hosts behind it passes through it, ``partition(nat_a, nat_b)``
separates everything behind ``nat_a`` from everything behind ``nat_b``, and
``partition(host, its_own_nat)`` cuts the host off from everything beyond the NAT.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .host import Host, Interface
    from .nat import Nat

__all__ = ["PartitionTable", "entities"]


def entities(node: Interface | Nat) -> tuple[object, ...]:
    """What a path node stands for in partitions: an interface is also its host."""
    host = getattr(node, "host", None)
    return (node,) if host is None else (node, host)


class PartitionTable:
    """History of partitions per pair, as ``[start, end | None]`` intervals of a logical
    clock (:attr:`version`) that ticks on every partition and heal.

    Using a counter rather than virtual time makes same-instant ordering exact: a datagram
    sent right after :meth:`heal` (even at the same virtual time) is not affected, one sent
    right before it is.
    """

    def __init__(self) -> None:
        self._intervals: dict[frozenset[object], list[list[int | None]]] = {}
        self.version = 0
        """Ticks on every change; datagrams remember it for each node they pass."""

    def __bool__(self) -> bool:
        return bool(self._intervals)

    def partition(self, a: Host | Interface | Nat, b: Host | Interface | Nat) -> None:
        """Start a partition (no-op if ``a`` and ``b`` are already partitioned)."""
        intervals = self._intervals.setdefault(frozenset((a, b)), [])
        if not intervals or intervals[-1][1] is not None:
            self.version += 1
            intervals.append([self.version, None])

    def heal(self, a: Host | Interface | Nat, b: Host | Interface | Nat) -> None:
        """End the partition (no-op if there is none)."""
        intervals = self._intervals.get(frozenset((a, b)))
        if intervals and intervals[-1][1] is None:
            self.version += 1
            intervals[-1][1] = self.version

    def is_partitioned(self, a: Host | Interface | Nat, b: Host | Interface | Nat) -> bool:
        """Whether a partition between exactly ``a`` and ``b`` is in force now."""
        intervals = self._intervals.get(frozenset((a, b)))
        return intervals is not None and bool(intervals) and intervals[-1][1] is None

    def blocked(self, earlier: Interface | Nat, later: Interface | Nat, since: int) -> bool:
        """Whether a datagram that left ``earlier`` when :attr:`version` was ``since`` and
        reaches ``later`` now crossed a partition between them."""
        for x in entities(earlier):
            for y in entities(later):
                intervals = self._intervals.get(frozenset((x, y)))
                if not intervals:
                    continue
                end = intervals[-1][1]
                # Intervals are chronological and all started before now, so the pair was
                # partitioned at some point of the flight iff the newest one is still open
                # or was healed after the datagram left.
                if end is None or end > since:
                    return True
        return False
