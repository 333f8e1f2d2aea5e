"""Pair priority and the check list: ordering, pruning, limits, freezing and scheduling.

RFC 8445 §6.1.2.3 (pair priority), §6.1.2.4-5 (pruning, limit), §6.1.2.6 (initial states),
§6.1.4.2 (which check each Ta tick sends), §7.2.5.3.3 (unfreezing), §7.3.1.4 (triggered
queue); RFC 8838 §10 (pairs added while checks run).

Checklist items: 99, 114, 115, 116, 117.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtcpeer.ice import Candidate, CandidatePair, CandidateType, PairState, pair_priority
from rtcpeer.ice.checklist import CheckList

MAX_PRIORITY = 2**31 - 1


def cand(
    address: str,
    port: int,
    priority: int,
    *,
    foundation: str = "f1",
    ctype: CandidateType = CandidateType.HOST,
    component: int = 1,
    transport: str = "udp",
) -> Candidate:
    return Candidate(
        foundation=foundation,
        component=component,
        transport=transport,
        priority=priority,
        address=address,
        port=port,
        type=ctype,
    )


BASE = cand("10.0.0.1", 5000, 2130706431, foundation="L1")


def remote(i: int, priority: int | None = None, foundation: str | None = None) -> Candidate:
    return cand(
        "10.0.1.1",
        6000 + i,
        priority if priority is not None else 1000 + i,
        foundation=foundation or f"R{i}",
    )


# ------------------------------------------------------------------------------ priority


def test_pair_priority_known_values_and_tie_bit() -> None:
    """Item 115: 2^32*MIN(G,D) + 2*MAX(G,D) + (G>D?1:0), RFC 8445 §6.1.2.3."""
    host, srflx = 2130706431, 1694498815  # RFC 8445 §5.1.2.1 with 126/100, lp 65535, comp 1
    assert pair_priority(host, srflx) == 7277816997797167103
    assert pair_priority(srflx, host) == 7277816997797167102
    assert pair_priority(host, host) == (host << 32) + 2 * host  # G == D: no tie bit
    assert pair_priority(1, 1) == (1 << 32) + 2
    assert pair_priority(2, 1) - pair_priority(1, 2) == 1
    assert pair_priority(MAX_PRIORITY, MAX_PRIORITY) < 2**64  # fits the 64-bit of §6.1.2.3


@settings(max_examples=300, deadline=None, database=None)
@given(
    g=st.integers(1, MAX_PRIORITY),
    d=st.integers(1, MAX_PRIORITY),
    g2=st.integers(1, MAX_PRIORITY),
    d2=st.integers(1, MAX_PRIORITY),
)
def test_pair_priority_formula_and_order(g: int, d: int, g2: int, d2: int) -> None:
    """Item 115: the formula, and its consequence that MIN(G,D) dominates the order."""
    assert pair_priority(g, d) == 2**32 * min(g, d) + 2 * max(g, d) + (1 if g > d else 0)
    assert pair_priority(g, d) - pair_priority(d, g) == (g > d) - (d > g)
    if min(g, d) > min(g2, d2):
        assert pair_priority(g, d) > pair_priority(g2, d2)


def test_pair_priority_depends_on_the_role() -> None:
    """Item 115: G is the controlling agent's candidate, so each side computes the same
    number for the same pair."""
    local = cand("10.0.0.1", 5000, 500)
    far = cand("10.0.0.2", 6000, 900)
    pair = CandidatePair(local, far)
    assert pair.priority(controlling=True) == pair_priority(500, 900)
    assert pair.priority(controlling=False) == pair_priority(900, 500)
    mirror = CandidatePair(far, local)  # the same pair as the peer sees it
    assert mirror.priority(controlling=False) == pair.priority(controlling=True)


# ------------------------------------------------------------------------------ forming


@settings(max_examples=150, deadline=None, database=None)
@given(
    priorities=st.lists(st.integers(1, MAX_PRIORITY), min_size=1, max_size=30),
    base_priorities=st.lists(st.integers(1, MAX_PRIORITY), min_size=1, max_size=3),
    controlling=st.booleans(),
)
def test_pairs_are_ordered_by_priority_in_either_role(
    priorities: list[int], base_priorities: list[int], controlling: bool
) -> None:
    """Items 99, 115: pairs inserted in any order (trickle, RFC 8838 §10) are kept highest
    priority first, and re-sorted when the role changes (RFC 8445 §7.2.5.1)."""
    checklist = CheckList(controlling=controlling, max_pairs=1000)
    bases = [
        cand(f"10.0.0.{i + 1}", 5000, p, foundation=f"L{i}") for i, p in enumerate(base_priorities)
    ]
    for i, priority in enumerate(priorities):
        for base in bases:
            checklist.add(base, remote(i, priority))
    assert len(checklist) == len(priorities) * len(bases)
    for role in (controlling, not controlling):
        checklist.set_role(role)
        values = [p.priority(role) for p in checklist]
        assert values == sorted(values, reverse=True)


def test_redundant_pairs_are_pruned() -> None:
    """Item 116 (RFC 8445 §6.1.2.4): a pair with the same base and remote address as an
    existing one is redundant; the first is kept."""
    checklist = CheckList(controlling=True, max_pairs=100)
    first = checklist.add(BASE, remote(1, 100))
    assert first is not None
    prflx_twin = cand("10.0.1.1", 6001, 5000, foundation="P1", ctype=CandidateType.PRFLX)
    assert checklist.add(BASE, prflx_twin) is None
    assert checklist.add(BASE, remote(1, 100)) is None
    assert list(checklist) == [first]
    assert checklist.find(BASE.transport_address, ("10.0.1.1", 6001)) is first


def test_server_reflexive_locals_are_paired_through_their_base() -> None:
    """Item 116 (RFC 8445 §6.1.2.4): srflx locals are replaced by their base."""
    checklist = CheckList(controlling=True, max_pairs=100)
    srflx = cand("203.0.113.1", 5000, 1694498815, ctype=CandidateType.SRFLX)
    with pytest.raises(ValueError):
        checklist.add(srflx, remote(1))


def test_pairs_need_the_same_family_component_and_transport() -> None:
    """Item 116 (RFC 8445 §6.1.2.2): only candidates of one component, transport and address
    family are paired."""
    checklist = CheckList(controlling=True, max_pairs=100)
    assert checklist.add(BASE, cand("2001:db8::1", 6000, 10)) is None
    assert checklist.add(BASE, cand("10.0.1.1", 6000, 10, component=2)) is None
    assert checklist.add(BASE, cand("10.0.1.1", 6000, 10, transport="tcp")) is None
    assert len(checklist) == 0


@settings(max_examples=200, deadline=None, database=None)
@given(
    max_pairs=st.integers(1, 8),
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("add"), st.integers(1, MAX_PRIORITY)),
            st.tuples(
                st.just("state"),
                st.integers(0, 50),
                st.sampled_from(list(PairState)),
            ),
        ),
        max_size=40,
    ),
)
def test_max_pairs_evicts_the_lowest_pending_pair_never_a_succeeded_one(
    max_pairs: int, steps: list[tuple[str, int, PairState] | tuple[str, int]]
) -> None:
    """Item 116 (RFC 8445 §6.1.2.5): the list never exceeds ``max_pairs``; what is dropped is
    the lowest-priority Frozen/Waiting/Failed pair; a Succeeded pair is never dropped."""
    checklist = CheckList(controlling=True, max_pairs=max_pairs)
    succeeded: set[tuple[tuple[str, int], tuple[str, int]]] = set()
    for i, step in enumerate(steps):
        if step[0] == "add":
            before = list(checklist)
            added = checklist.add(BASE, remote(i, step[1]))
            after = list(checklist)
            assert len(after) <= max_pairs
            gone = [p for p in before if p not in after]
            assert len(gone) <= 1
            if gone:
                evictable = [
                    p
                    for p in [*before, *([added] if added else [])]
                    if p.state in (PairState.FROZEN, PairState.WAITING, PairState.FAILED)
                ]
                lowest = min(p.priority(True) for p in evictable)
                assert gone[0].priority(True) == lowest
            if added is None:
                assert len(before) == max_pairs  # only dropped for lack of room
        else:
            pairs = list(checklist)
            if pairs:
                index, state = step[1], step[-1]
                assert isinstance(index, int) and isinstance(state, PairState)
                pair = pairs[index % len(pairs)]
                pair.state = state
                if state is PairState.SUCCEEDED:
                    succeeded.add(pair.key)
                else:
                    succeeded.discard(pair.key)
        keys = {p.key for p in checklist}
        assert succeeded <= keys


# ------------------------------------------------------------------------------ states


def test_initial_states_follow_the_foundations() -> None:
    """Item 117 (RFC 8445 §6.1.2.6, RFC 8838 §10): the first pair of a foundation waits, the
    others of that foundation stay frozen while it is being checked."""
    checklist = CheckList(controlling=True, max_pairs=100)
    a = checklist.add(BASE, remote(1, 900, foundation="RF"))
    b = checklist.add(BASE, remote(2, 800, foundation="RF"))
    c = checklist.add(BASE, remote(3, 700, foundation="OTHER"))
    assert a is not None and b is not None and c is not None
    assert (a.state, b.state, c.state) == (PairState.WAITING, PairState.FROZEN, PairState.WAITING)
    # Once no pair of the foundation is waiting or in progress, a new one waits at once.
    a.state = PairState.SUCCEEDED
    b.state = PairState.FAILED
    d = checklist.add(BASE, remote(4, 600, foundation="RF"))
    assert d is not None and d.state is PairState.WAITING


def test_success_unfreezes_only_its_own_foundation() -> None:
    """Item 117 (RFC 8445 §7.2.5.3.3)."""
    checklist = CheckList(controlling=True, max_pairs=100)
    pairs = [checklist.add(BASE, remote(i, 900 - i, foundation=f"F{i % 2}")) for i in range(6)]
    assert all(p is not None for p in pairs)
    frozen_f0 = [
        p for p in checklist if p.state is PairState.FROZEN and p.remote.foundation == "F0"
    ]
    frozen_f1 = [
        p for p in checklist if p.state is PairState.FROZEN and p.remote.foundation == "F1"
    ]
    assert frozen_f0 and frozen_f1
    checklist.unfreeze_foundation((BASE.foundation, "F0"))
    assert all(p.state is PairState.WAITING for p in frozen_f0)
    assert all(p.state is PairState.FROZEN for p in frozen_f1)


# ------------------------------------------------------------------------------ scheduling


def _list_with(states: list[tuple[int, str, PairState]]) -> tuple[CheckList, list[CandidatePair]]:
    """A check list with pairs of the given (priority, foundation, state), in that order."""
    checklist = CheckList(controlling=True, max_pairs=100)
    pairs = []
    for i, (priority, foundation, state) in enumerate(states):
        pair = checklist.add(BASE, remote(i, priority, foundation=foundation))
        assert pair is not None
        pair.state = state
        pairs.append(pair)
    return checklist, pairs


def test_next_check_takes_the_highest_priority_waiting_pair() -> None:
    """Item 117 (RFC 8445 §6.1.4.2 step 3)."""
    checklist, (low, high, frozen) = _list_with(
        [(100, "A", PairState.WAITING), (900, "B", PairState.WAITING), (950, "C", PairState.FROZEN)]
    )
    assert checklist.next_check() is high
    high.state = PairState.IN_PROGRESS
    assert checklist.next_check() is low
    assert frozen.state is PairState.FROZEN  # not touched while a pair waits


def test_next_check_unfreezes_a_frozen_pair_when_none_waits() -> None:
    """Item 117 (RFC 8445 §6.1.4.2 step 2): no Waiting pair, a Frozen one whose foundation
    has nothing Waiting or In-Progress becomes Waiting and is checked."""
    checklist, (_, low, high) = _list_with(
        [
            (999, "A", PairState.SUCCEEDED),
            (100, "B", PairState.FROZEN),
            (500, "C", PairState.FROZEN),
        ]
    )
    assert checklist.next_check() is high
    assert high.state is PairState.WAITING
    high.state = PairState.IN_PROGRESS
    assert checklist.next_check() is low
    low.state = PairState.FAILED
    assert checklist.next_check() is None
    assert not checklist.has_work()


def test_next_check_keeps_a_foundation_frozen_while_it_is_in_progress() -> None:
    """Item 117: RFC 8445 §6.1.4.2 step 2 — "For a given foundation, if there is no pair ...
    in the Waiting or In-Progress state, the agent puts the candidate pair state to
    Waiting". A Frozen pair of a foundation that is being checked waits for that result
    (§7.2.5.3.3 then unfreezes it); a Frozen pair of an idle foundation is checked instead.
    Regression: the highest-priority Frozen pair used to be unfrozen regardless."""
    checklist, (probing, same_foundation, other) = _list_with(
        [
            (999, "A", PairState.IN_PROGRESS),
            (900, "A", PairState.FROZEN),
            (100, "B", PairState.FROZEN),
        ]
    )
    assert checklist.next_check() is other
    assert same_foundation.state is PairState.FROZEN
    assert probing.state is PairState.IN_PROGRESS


def test_triggered_checks_go_first_in_fifo_order() -> None:
    """Item 117 (RFC 8445 §6.1.4.2 step 1, §7.3.1.4): the triggered queue is FIFO, is served
    before any ordinary check, and a pair is queued once."""
    checklist, (a, b, c) = _list_with(
        [(900, "A", PairState.WAITING), (500, "B", PairState.FAILED), (100, "C", PairState.FROZEN)]
    )
    checklist.trigger(c)
    checklist.trigger(b)
    checklist.trigger(c)  # already queued
    assert (b.state, c.state) == (PairState.WAITING, PairState.WAITING)
    assert checklist.next_check() is c
    c.state = PairState.IN_PROGRESS
    assert checklist.next_check() is b
    b.state = PairState.IN_PROGRESS
    assert checklist.next_check() is a


def test_triggered_pair_that_finished_meanwhile_is_skipped() -> None:
    """Items 117, 121: a queued pair whose check already succeeded is not checked again,
    unless it is being nominated (RFC 8445 §8.1.1: the USE-CANDIDATE check of a valid pair
    jumps the queue)."""
    checklist, (a, b) = _list_with([(900, "A", PairState.WAITING), (100, "B", PairState.WAITING)])
    checklist.trigger(b)
    b.state = PairState.SUCCEEDED
    assert checklist.next_check() is a
    b.nominating = True
    checklist.trigger(a)
    checklist.trigger_nomination(b)
    assert checklist.next_check() is b  # nomination at the front of the queue
    assert checklist.next_check() is a


def test_removed_pair_leaves_the_triggered_queue() -> None:
    """Items 116, 117: a pair dropped from the list (§6.1.2.5) is not checked from the queue."""
    checklist, (a, b) = _list_with([(900, "A", PairState.WAITING), (100, "B", PairState.FROZEN)])
    checklist.trigger(b)
    checklist.remove(b)
    assert checklist.find(*b.key) is None
    assert checklist.next_check() is a


def test_summaries() -> None:
    """Item 113: Waiting + In-Progress is the N of the RTO formula (RFC 8445 §14.3)."""
    checklist, pairs = _list_with(
        [
            (900, "A", PairState.SUCCEEDED),
            (800, "B", PairState.IN_PROGRESS),
            (700, "C", PairState.WAITING),
            (600, "D", PairState.FROZEN),
            (500, "E", PairState.FAILED),
            (400, "F", PairState.SUCCEEDED),
        ]
    )
    assert checklist.active_count() == 2
    assert checklist.pending()
    assert checklist.succeeded() == [pairs[0], pairs[5]]
    assert checklist.pending_above(pairs[5].priority(True))
    assert not checklist.pending_above(pairs[1].priority(True))
    for pair in pairs[1:4]:
        pair.state = PairState.FAILED
    assert not checklist.pending() and not checklist.has_work()
