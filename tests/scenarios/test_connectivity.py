"""ICE agents connecting in the simulator: LANs, every pair of NAT kinds, roles, trickle, loss.

Each scenario asserts the exact sequence of transport states (webrtc-pc §5.7.6) and their
times. Checklist items: 2-6, 11, 99, 100, 113-121 (SPEC-CHECKLIST.md).
"""

from __future__ import annotations

import itertools

import pytest

from rtcpeer.ice import (
    Candidate,
    CandidateGatheringError,
    CandidateType,
    IceConfig,
    IceRole,
    IceTransportState,
    RoleChanged,
)
from rtcpeer.testing import LinkProfile, NatType
from rtcpeer.testing.ice_endpoint import IceEndpoint
from tests.scenarios.topology import connected_at, make_scenario

S = IceTransportState
N = NatType


def test_same_lan_connects_over_host_candidates_and_stays_quiet() -> None:
    sc = make_scenario(same_lan=True)
    sc.net.run_until(5.0)
    # Timeline on a 10 ms link each way (20 ms host to host), signalling 50 ms:
    # 0.05 both get the remote candidates and check each other; 0.09 both have their answer
    # (the pair is valid both ways): connected, data may use it (RFC 8445 §12.1) and it is
    # reported as the selected pair; 0.10 alice (controlling) sends her USE-CANDIDATE check,
    # one Ta (50 ms) after her first check (RFC 8445 §6.1.4.2); 0.12 bob gets it for a pair
    # already valid: nominated; 0.14 alice has its answer: nominated. Gathering (STUN server
    # 40 ms away) and end-of-candidates (0.09) are both done by then, so each is completed
    # (webrtc-pc §5.7.6; checklist item 11). The nominated pair is the one already in use:
    # no second selectedcandidatepairchange.
    expected = {"alice": 0.14, "bob": 0.12}
    for ep in (sc.alice, sc.bob):
        assert ep.states == [S.CHECKING, S.CONNECTED, S.COMPLETED], ep.state_history
        (t_checking, _), (t_connected, _), (t_completed, _) = ep.state_history
        assert t_checking == pytest.approx(0.05)
        assert t_connected == pytest.approx(0.09)
        assert t_completed == pytest.approx(expected[ep.name])
        [(t_selected, change)] = ep.selected_pairs
        assert t_selected == pytest.approx(0.09)
        assert change.local is not None and change.remote is not None
        assert change.local.type is CandidateType.HOST
        assert change.remote.address.startswith("10.") or change.remote.address.startswith(
            "192.168."
        )
    # An idle, healthy connection does not flap: one minute, no state change at all.
    before = (len(sc.alice.state_history), len(sc.bob.state_history))
    sc.net.run_until(65.0)
    assert (len(sc.alice.state_history), len(sc.bob.state_history)) == before
    assert sc.alice.state is S.COMPLETED and sc.bob.state is S.COMPLETED


def _nat_connects(a: NatType, b: NatType) -> bool:
    """Without a relay, ICE fails only when a symmetric NAT faces a port-restricted or
    symmetric one (the peer can never learn the port the symmetric NAT picks for it)."""
    hard = {N.SYMMETRIC, N.PORT_RESTRICTED_CONE}
    return not ({a, b} <= hard and N.SYMMETRIC in (a, b))


NAT_KINDS = [N.FULL_CONE, N.RESTRICTED_CONE, N.PORT_RESTRICTED_CONE, N.SYMMETRIC]


@pytest.mark.parametrize(
    ("alice_nat", "bob_nat"),
    list(itertools.product(NAT_KINDS, NAT_KINDS)),
    ids=lambda k: k.name.lower(),
)
def test_every_pair_of_nat_kinds(alice_nat: NatType, bob_nat: NatType) -> None:
    sc = make_scenario(alice_nat=alice_nat, bob_nat=bob_nat)
    if _nat_connects(alice_nat, bob_nat):
        sc.net.run_until(10.0)
        for ep in (sc.alice, sc.bob):
            # Host pairs to the other side's private address never answer; the srflx (or
            # peer-reflexive) pair succeeds at once and carries data from then on (connected,
            # RFC 8445 §12.1), and is nominated after the nomination timeout (0.5 s), by
            # which time gathering and end-of-candidates are done (checklist item 11).
            assert ep.states == [S.CHECKING, S.CONNECTED, S.COMPLETED], ep.state_history
            t_connected = ep.first_time(S.CONNECTED)
            t_completed = ep.first_time(S.COMPLETED)
            assert t_connected is not None and 0.1 < t_connected < 0.25
            assert t_completed is not None and 0.55 < t_completed < 0.75
            [(_, change)] = ep.selected_pairs
            # The pair crosses the NATs: the remote end is a public (NAT) address.
            assert change.remote is not None and change.remote.address.startswith("203.0.113.")
    else:
        sc.net.run_until(60.0)
        for ep in (sc.alice, sc.bob):
            # An honest failure: checking until every check timed out, then failed, and
            # not before the PAC timer (RFC 8863) from when the remote parameters arrived.
            assert ep.states == [S.CHECKING, S.FAILED], ep.state_history
            t_failed = ep.first_time(S.FAILED)
            assert t_failed is not None and t_failed >= 0.05 + 39.5
            assert t_failed < 45.0
            assert ep.selected_pairs == []


@pytest.mark.parametrize(
    "both_controlling", [True, False], ids=["both-controlling", "both-controlled"]
)
def test_role_conflict_is_resolved(both_controlling: bool) -> None:
    sc = make_scenario(
        alice_nat=N.FULL_CONE,
        bob_nat=N.PORT_RESTRICTED_CONE,
        alice_controlling=both_controlling,
        bob_controlling=both_controlling,
    )
    sc.net.run_until(10.0)
    for ep in (sc.alice, sc.bob):
        assert ep.states == [S.CHECKING, S.CONNECTED, S.COMPLETED], ep.state_history
    roles = {sc.alice.agent.role, sc.bob.agent.role}
    assert roles == {IceRole.CONTROLLING, IceRole.CONTROLLED}
    # RFC 8445 §7.3.1.1: exactly one agent changed role (the one with the smaller tie-breaker
    # when both control, the larger when both are controlled).
    changes = [
        ep for ep in (sc.alice, sc.bob) if any(isinstance(e, RoleChanged) for _, e in ep.events)
    ]
    assert len(changes) == 1
    a, b = sc.alice.agent.tie_breaker, sc.bob.agent.tie_breaker
    switched = changes[0].agent
    if both_controlling:
        assert switched.tie_breaker == min(a, b)
    else:
        assert switched.tie_breaker == max(a, b)
    # Both selected the same pair, seen from each side.
    a_pair, b_pair = sc.alice.agent.selected_pair, sc.bob.agent.selected_pair
    assert a_pair is not None and b_pair is not None


def test_late_trickled_candidate_connects() -> None:
    """RFC 8838: no failure before end-of-candidates; a candidate trickled 8 s late connects."""
    held: list[tuple[str, str]] = []

    def hold_bobs(ep: IceEndpoint, candidate: Candidate) -> bool:
        if ep.name == "bob":
            held.append((candidate.to_sdp(), ep.agent.local_ufrag))
            return True
        return False

    sc = make_scenario(
        alice_nat=N.PORT_RESTRICTED_CONE, bob_nat=N.PORT_RESTRICTED_CONE, start=False
    )
    sc.signalling.drop_candidates = hold_bobs
    sc.signalling.hold_end_of_candidates = {"bob"}
    sc.signalling.connect()
    sc.net.run_until(8.0)
    assert sc.alice.states == []  # remote parameters but no candidate: still "new"
    assert sc.bob.states == [S.CHECKING]  # bob's checks to alice's NAT are filtered
    srflx = [c for c, _ in held if " typ srflx" in c]
    assert srflx
    for text, ufrag in held:
        if " typ srflx" in text:
            sc.alice.add_remote_candidate(Candidate.from_sdp(text), ufrag)
    sc.run_until_connected(2.0)
    t_alice, t_bob = connected_at(sc.alice), connected_at(sc.bob)
    assert t_alice is not None and t_bob is not None and min(t_alice, t_bob) > 8.0
    # Bob never sent end-of-candidates: alice stays "connected", never completed or failed;
    # bob has everything and completes.
    sc.net.run_until(60.0)
    assert sc.alice.states == [S.CHECKING, S.CONNECTED], sc.alice.state_history
    assert sc.bob.states == [S.CHECKING, S.CONNECTED, S.COMPLETED], sc.bob.state_history


def test_peer_reflexive_candidate_from_the_checks_alone() -> None:
    """RFC 8445 §7.3.1.3: a peer whose candidates never arrive is learned from its checks."""
    sc = make_scenario(alice_nat=N.FULL_CONE, bob_nat=None, start=False)
    sc.signalling.drop_candidates = lambda ep, c: ep.name == "bob"
    sc.signalling.connect()
    sc.net.run_until(5.0)
    assert sc.alice.states == [S.CHECKING, S.CONNECTED, S.COMPLETED]
    [(_, change)] = sc.alice.selected_pairs
    assert change.remote is not None and change.remote.type is CandidateType.PRFLX


@pytest.mark.parametrize("seed", range(10))
def test_thirty_percent_loss_still_connects(seed: int) -> None:
    """30 % loss each way on the path (alice's access link), STUN gathering included."""
    sc = make_scenario(
        seed=seed,
        alice_nat=N.PORT_RESTRICTED_CONE,
        bob_nat=N.FULL_CONE,
        link=LinkProfile(delay=0.02, loss=0.3),
        start=False,
    )
    sc.bob_host.interfaces[0].link = LinkProfile(delay=0.02)
    sc.signalling.connect()
    sc.run_until_connected(20.0)
    for ep in (sc.alice, sc.bob):
        assert ep.states[0] is S.CHECKING
        assert S.FAILED not in ep.states


def test_no_remote_candidates_fails_only_at_pac() -> None:
    """RFC 8863: end-of-candidates with zero remote candidates still waits for PAC."""
    sc = make_scenario(alice_nat=None, bob_nat=None, start=False)
    sc.signalling.drop_candidates = lambda ep, c: True
    sc.signalling.connect()
    sc.net.run_until(60.0)
    for ep in (sc.alice, sc.bob):
        assert ep.states == [S.FAILED], ep.state_history
        t = ep.first_time(S.FAILED)
        assert t is not None and t == pytest.approx(0.05 + 39.5)


def test_zero_local_candidates_fail_at_once() -> None:
    """webrtc-pc §5.7.6 failed: "zero local candidates were gathered" needs no PAC wait."""
    sc = make_scenario(alice_nat=None, bob_nat=None, stun=False, start=False)
    sc.alice_host.interfaces[0].set_down()
    sc.signalling.connect()
    sc.net.run_until(1.0)
    assert sc.alice.agent.local_candidates == []
    assert sc.alice.states == [S.FAILED]
    t = sc.alice.first_time(S.FAILED)
    assert t is not None and t < 0.2


def test_faster_pacing_is_configurable() -> None:
    config = IceConfig(ta=0.02)
    sc = make_scenario(alice_nat=N.FULL_CONE, bob_nat=N.FULL_CONE, config=config)
    sc.run_until_connected(2.0)
    # 20 ms pacing: the host pairs are checked sooner, so nomination comes sooner too.
    t_alice = connected_at(sc.alice)
    assert t_alice is not None and t_alice < 0.7


def test_local_peer_reflexive_candidate_is_learned_behind_a_symmetric_nat() -> None:
    """RFC 8445 §7.2.5.3.1: behind a symmetric NAT the address the peer sees differs from
    the srflx one the STUN server saw; the agent learns it as a local prflx candidate."""
    sc = make_scenario(alice_nat=N.SYMMETRIC, bob_nat=N.FULL_CONE)
    sc.run_until_connected(5.0)
    [prflx] = sc.alice.agent.local_peer_reflexive_candidates
    srflx = [c for c in sc.alice.agent.local_candidates if c.type is CandidateType.SRFLX]
    assert prflx.type is CandidateType.PRFLX and prflx.address == "203.0.113.1"
    assert prflx.transport_address != srflx[0].transport_address
    assert prflx.related_address == sc.alice_host.ip


def test_dead_stun_server_never_delays_host_candidates_or_the_connection() -> None:
    """Trickle (RFC 8838): host candidates at once; a server that never answers becomes a
    701 error and gathering completes in bounded time (IceConfig.gather_*: 9.5 s)."""
    sc = make_scenario(alice_nat=None, bob_nat=None, start=False)
    assert sc.stun is not None
    sc.stun.close()  # the server is gone: requests to it are dropped
    sc.signalling.connect()
    sc.run_until_connected(1.0)
    assert sc.net.now < 0.2  # host candidates connected at once
    sc.net.run_until(12.0)
    for ep in (sc.alice, sc.bob):
        kinds = [type(e).__name__ for _, e in ep.events]
        host_at = next(t for t, e in ep.events if type(e).__name__ == "LocalCandidateGathered")
        assert host_at == 0.0
        [(t_error, error)] = [
            (t, e) for t, e in ep.events if isinstance(e, CandidateGatheringError)
        ]
        assert error.error_code == 701 and error.server == sc.stun.address
        assert t_error == 9.5
        assert kinds.index("EndOfLocalCandidates") > kinds.index("CandidateGatheringError")
        # Completed only once gathering is done on both sides (webrtc-pc §5.7.6): the peer's
        # end-of-candidates, sent at 9.5 s, arrives over signalling 50 ms later.
        assert ep.states == [S.CHECKING, S.CONNECTED, S.COMPLETED], ep.state_history
        assert ep.first_time(S.COMPLETED) == pytest.approx(9.55)
