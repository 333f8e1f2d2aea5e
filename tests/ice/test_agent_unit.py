"""Unit tests of the ICE agent driven by hand: the checks it sends, how it answers, role
conflicts, symmetric responses, candidates of each generation, and when it may fail.

Checklist items: 1-3, 6, 12-15, 21, 22, 24, 25, 33, 70, 72, 75, 99, 100, 110-121, 124.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtcpeer.ice import (
    CandidateType,
    IceConfig,
    IceGatheringState,
    IceRole,
    IceTransportState,
    LocalCandidateGathered,
    PairState,
    RoleChanged,
    is_allowed_transition,
)
from rtcpeer.stun import AttrType, MessageClass, parse_message
from tests.ice.agent_helpers import (
    LOCAL,
    REMOTE,
    REMOTE_PWD,
    REMOTE_UFRAG,
    Driver,
    Peer,
    Sent,
    connect_controlled,
    fingerprint_ok,
    host_candidate,
    integrity_ok,
    make_agent,
    pair_state,
    state_of,
)

S = IceTransportState
LOCAL2 = ("10.0.9.1", 5000)
ELSEWHERE = ("10.0.0.3", 6000)


def first_check(driver: Driver, to: tuple[str, int] = REMOTE) -> Sent:
    driver.advance(driver.now)
    checks = [s for s in driver.requests() if s.remote == to]
    assert checks, driver.sent
    return checks[0]


def responses(out: list[Sent]) -> list[Sent]:
    return [s for s in out if s.is_stun and s.message.message_class is not MessageClass.REQUEST]


def assert_chain(driver: Driver) -> None:
    previous = S.NEW
    for _, event in driver.state_changes():
        assert event.old is previous and is_allowed_transition(event.old, event.new), event
        previous = event.new


# ------------------------------------------------------------------------------ initial slots


def test_initial_slots() -> None:
    """Items 1, 2, 24, 25: a fresh agent is new, not gathering, has no selected pair."""
    agent = make_agent(remote_credentials=False, remotes=(), hosts=())
    assert [s.value for s in S] == [
        "new",
        "checking",
        "connected",
        "completed",
        "disconnected",
        "failed",
        "closed",
    ]
    from rtcpeer.ice import IceAgent

    fresh = IceAgent(controlling=True)
    assert fresh.state is S.NEW
    assert fresh.gathering_state is IceGatheringState.NEW
    assert fresh.selected_pair is None
    assert fresh.next_event() is None
    assert agent.selected_pair is None


# ------------------------------------------------------------------------------ the checks


@pytest.mark.parametrize("controlling", [True, False])
def test_check_request_carries_what_rfc8445_7_2_2_requires(controlling: bool) -> None:
    """Items 110, 111, 114: USERNAME "remoteUfrag:localUfrag"; PRIORITY of a peer-reflexive
    candidate with the base's local preference and component; ICE-CONTROLLING or
    ICE-CONTROLLED with the tie-breaker; MESSAGE-INTEGRITY keyed by the *remote* pwd;
    FINGERPRINT last. Checked on the raw bytes, independently of the codec."""
    agent = make_agent(controlling=controlling, tie_breaker=0xDEAD_BEEF_0000_0001)
    driver = Driver(agent)
    check = first_check(driver)
    assert check.local == LOCAL
    message = check.message
    assert message.method == 0x001 and message.message_class is MessageClass.REQUEST
    assert message.username == f"{REMOTE_UFRAG}:{agent.local_ufrag}"
    [host] = agent.local_candidates
    assert host.type is CandidateType.HOST and host.priority >> 24 == 126
    local_pref = (host.priority >> 8) & 0xFFFF
    assert message.priority == 110 * 2**24 + local_pref * 2**8 + (256 - 1)
    if controlling:
        assert message.ice_controlling == 0xDEAD_BEEF_0000_0001
        assert AttrType.ICE_CONTROLLED not in message.attributes
    else:
        assert message.ice_controlled == 0xDEAD_BEEF_0000_0001
        assert AttrType.ICE_CONTROLLING not in message.attributes
    assert not message.use_candidate
    assert integrity_ok(check.data, REMOTE_PWD.encode())
    assert not integrity_ok(check.data, agent.local_pwd.encode())
    assert fingerprint_ok(check.data)
    assert check.data[4:8] == bytes.fromhex("2112A442")  # item 110: magic cookie


def _first_retransmission_delay(n_remotes: int, ta: float) -> float:
    remotes = [("10.0.1.1", 6000 + i) for i in range(n_remotes)]
    agent = make_agent(controlling=True, remotes=remotes, config=IceConfig(ta=ta))
    driver = Driver(agent)
    driver.advance(0.0)
    first = driver.requests()[0]
    tid = first.message.transaction_id
    driver.advance(60.0)
    again = [s.at for s in driver.requests() if s.message.transaction_id == tid]
    assert len(again) >= 2
    return again[1] - again[0]


@settings(max_examples=25, deadline=None, database=None)
@given(n=st.integers(1, 40), ta=st.sampled_from([0.02, 0.05, 0.1]))
def test_check_rto_is_max_500ms_or_ta_times_active_pairs(n: int, ta: float) -> None:
    """Item 113 (RFC 8445 §14.3): RTO = MAX(500 ms, Ta x (Waiting + In-Progress pairs)),
    taken when the check starts (all ``n`` pairs are Waiting or In-Progress then)."""
    assert _first_retransmission_delay(n, ta) == pytest.approx(max(0.5, ta * n))


def test_check_retransmission_schedule_and_timeout() -> None:
    """Item 113 (RFC 8489 §6.2.1): Rc = 7 transmissions doubling from the RTO, then Rm x RTO
    (16 x 0.5 s); the pair fails at 39.5 s."""
    agent = make_agent(controlling=True)
    driver = Driver(agent)
    driver.advance(60.0)
    tid = driver.requests()[0].message.transaction_id
    times = [s.at for s in driver.requests() if s.message.transaction_id == tid]
    assert times == pytest.approx([0.0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5])
    [pair] = agent.pairs
    assert pair.state is PairState.FAILED


def test_new_checks_are_paced_at_least_ta_apart() -> None:
    """Item 117: one new check per Ta, triggered ones included.
    Regression: a triggered check used to go out at once when the Ta timer was idle."""
    agent = make_agent(controlling=False)
    driver = Driver(agent)
    peer = Peer(agent)
    driver.advance(0.0)  # the ordinary check of the only pair goes at 0.0
    driver.now = 0.01
    driver.deliver(peer.request(controlling=True), source=ELSEWHERE)  # peer-reflexive
    driver.advance(1.0)
    starts: dict[bytes, float] = {}
    for s in driver.requests():
        starts.setdefault(s.message.transaction_id, s.at)
    times = sorted(starts.values())
    assert len(times) >= 2
    assert all(b - a >= agent.config.ta - 1e-9 for a, b in itertools.pairwise(times))


# ------------------------------------------------------------------------------ answering


def test_valid_request_gets_a_success_with_the_source_as_xor_mapped_address() -> None:
    """Items 111, 118 (RFC 8445 §7.3.1, RFC 8489 §6.3): the answer goes back from the
    receiving base to the source, same transaction id, XOR-MAPPED-ADDRESS = source,
    MESSAGE-INTEGRITY with the *local* pwd, FINGERPRINT."""
    agent = make_agent(controlling=True)
    driver = Driver(agent)
    peer = Peer(agent)
    request = peer.request()
    driver.deliver(request, source=ELSEWHERE)
    [answer] = responses(driver.sent)
    assert (answer.local, answer.remote) == (LOCAL, ELSEWHERE)
    message = answer.message
    assert message.message_class is MessageClass.SUCCESS
    assert message.transaction_id == parse_message(request).transaction_id
    assert message.xor_mapped_address == ELSEWHERE
    assert integrity_ok(answer.data, agent.local_pwd.encode())
    assert not integrity_ok(answer.data, REMOTE_PWD.encode())
    assert fingerprint_ok(answer.data)


def test_request_from_an_unknown_source_makes_a_prflx_candidate_and_a_triggered_check() -> None:
    """Item 119 (RFC 8445 §7.3.1.3-4): a peer-reflexive remote candidate with the request's
    PRIORITY, and a triggered check to it."""
    agent = make_agent(controlling=True)
    driver = Driver(agent)
    driver.advance(0.3)
    peer = Peer(agent)
    driver.deliver(peer.request(priority=0x6E12_34FF), source=ELSEWHERE)
    prflx = [c for c in agent.remote_candidates if c.transport_address == ELSEWHERE]
    assert len(prflx) == 1
    assert prflx[0].type is CandidateType.PRFLX and prflx[0].priority == 0x6E12_34FF
    driver.advance(0.5)
    assert [s for s in driver.requests() if s.remote == ELSEWHERE]


@pytest.mark.parametrize("priority", [None, 0, 2**31, 2**32 - 1])
def test_prflx_candidate_with_missing_or_invalid_priority_gets_a_valid_one(
    priority: int | None,
) -> None:
    """Item 119: PRIORITY 0, above 2^31-1 or absent never makes an invalid candidate."""
    agent = make_agent(controlling=True)
    driver = Driver(agent)
    driver.deliver(Peer(agent).request(priority=priority), source=ELSEWHERE)
    [prflx] = [c for c in agent.remote_candidates if c.transport_address == ELSEWHERE]
    assert 1 <= prflx.priority < 2**31


def test_unknown_comprehension_required_attribute_gets_420() -> None:
    """Item 112 (RFC 8489 §6.3.1): 420 listing the unknown attributes; an unknown
    comprehension-optional attribute is ignored."""
    agent = make_agent(controlling=True)
    driver = Driver(agent)
    peer = Peer(agent)
    driver.deliver(peer.request(extra={0x0031: b"??", 0x0777: b"x"}))
    [answer] = responses(driver.sent)
    message = answer.message
    assert message.message_class is MessageClass.ERROR
    assert message.error_code is not None and message.error_code.code == 420
    assert set(message.unknown_attributes or ()) == {0x0031, 0x0777}
    assert integrity_ok(answer.data, agent.local_pwd.encode())
    driver.sent.clear()
    driver.deliver(peer.request(extra={0xC0DE: b"optional"}))
    [ok] = responses(driver.sent)
    assert ok.message.message_class is MessageClass.SUCCESS


@pytest.mark.parametrize(
    ("agent_controlling", "agent_tb", "peer_controlling", "peer_tb", "expect"),
    [
        # §7.3.1.1: both controlling; ours >= theirs -> 487; ours < theirs -> we yield.
        (True, 100, True, 50, "487"),
        (True, 100, True, 100, "487"),
        (True, 50, True, 100, "switch"),
        # both controlled; ours >= theirs -> we take control; ours < theirs -> 487.
        (False, 100, False, 50, "switch"),
        (False, 100, False, 100, "switch"),
        (False, 50, False, 100, "487"),
        # no conflict
        (True, 50, False, 100, "ok"),
        (False, 50, True, 100, "ok"),
    ],
)
def test_role_conflict_on_an_incoming_request(
    agent_controlling: bool, agent_tb: int, peer_controlling: bool, peer_tb: int, expect: str
) -> None:
    """Item 120 (RFC 8445 §7.3.1.1), all four combinations and equal tie-breakers."""
    agent = make_agent(controlling=agent_controlling, tie_breaker=agent_tb, remotes=())
    driver = Driver(agent)
    peer = Peer(agent)
    driver.deliver(peer.request(controlling=peer_controlling, tie_breaker=peer_tb))
    [answer] = responses(driver.sent)
    roles = [e for _, e in driver.events if isinstance(e, RoleChanged)]
    if expect == "487":
        assert answer.message.message_class is MessageClass.ERROR
        error = answer.message.error_code
        assert error is not None and error.code == 487
        assert integrity_ok(answer.data, agent.local_pwd.encode())
        assert agent.role == (IceRole.CONTROLLING if agent_controlling else IceRole.CONTROLLED)
        assert roles == []
        assert agent.remote_candidates == []  # the request was not processed further
    else:
        assert answer.message.message_class is MessageClass.SUCCESS
        if expect == "switch":
            new_role = IceRole.CONTROLLED if agent_controlling else IceRole.CONTROLLING
            assert agent.role == new_role
            assert [r.role for r in roles] == [new_role]
            assert agent.tie_breaker == agent_tb  # the tie-breaker is kept
        else:
            assert roles == []


def test_role_switch_recomputes_pair_priorities() -> None:
    """Item 120 (RFC 8445 §7.3.1.1): after switching, pairs are ordered for the new role."""
    remotes = [("10.0.1.1", 6000 + i) for i in range(5)]
    agent = make_agent(controlling=True, tie_breaker=1, remotes=remotes, hosts=[LOCAL, LOCAL2])
    driver = Driver(agent)
    driver.deliver(Peer(agent).request(controlling=True, tie_breaker=2))
    assert agent.role == IceRole.CONTROLLED
    values = [p.priority(False) for p in agent.pairs]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("controlling", [True, False])
def test_487_response_switches_role_and_retries_the_pair(controlling: bool) -> None:
    """Item 120 (RFC 8445 §7.2.5.1): switch to the role opposite the request's, re-queue the
    pair as a triggered check, which carries the new role."""
    agent = make_agent(controlling=controlling)
    driver = Driver(agent)
    peer = Peer(agent)
    check = first_check(driver)
    driver.deliver(peer.error(check.data, 487))
    assert agent.role == (IceRole.CONTROLLED if controlling else IceRole.CONTROLLING)
    [pair] = agent.pairs
    assert pair.state in (PairState.WAITING, PairState.IN_PROGRESS)
    driver.advance(driver.now + 0.1)
    retry = [
        s for s in driver.requests() if s.message.transaction_id != check.message.transaction_id
    ]
    assert retry
    message = retry[0].message
    if controlling:
        assert message.ice_controlled == agent.tie_breaker
    else:
        assert message.ice_controlling == agent.tie_breaker


def test_stale_487_does_not_switch_back() -> None:
    """Item 120: a 487 to a check sent in the role the agent already left changes nothing."""
    agent = make_agent(controlling=True, tie_breaker=10)
    driver = Driver(agent)
    peer = Peer(agent)
    check = first_check(driver)
    driver.deliver(peer.request(controlling=True, tie_breaker=20))  # we yield: controlled
    assert agent.role == IceRole.CONTROLLED
    driver.deliver(peer.error(check.data, 487))
    assert agent.role == IceRole.CONTROLLED
    assert len([e for _, e in driver.events if isinstance(e, RoleChanged)]) == 1


# ------------------------------------------------------------------------------ responses


@pytest.mark.parametrize(
    ("source", "to"),
    [(ELSEWHERE, LOCAL), (REMOTE, LOCAL2)],
    ids=["other-remote-address", "other-local-base"],
)
def test_response_from_a_non_symmetric_address_fails_the_pair(
    source: tuple[str, int], to: tuple[str, int]
) -> None:
    """Item 118 (RFC 8445 §7.2.5.2.1): source and destination of the response must be the
    destination and source of the request, else the check fails."""
    agent = make_agent(controlling=True, hosts=[LOCAL, LOCAL2])
    driver = Driver(agent)
    peer = Peer(agent)
    driver.advance(0.1)  # both bases have checked REMOTE
    check = next(s for s in driver.requests() if s.local == LOCAL and s.remote == REMOTE)
    driver.deliver(peer.success(check.data), source=source, to=to)
    pair = next(p for p in agent.pairs if p.key == (LOCAL, REMOTE))
    assert pair.state is PairState.FAILED
    assert "symmetric" in pair.failed_reason
    assert agent.selected_pair is None


def test_success_response_makes_the_pair_valid_and_unknown_ids_are_counted() -> None:
    """Items 118, 121: a symmetric authenticated success makes the pair Succeeded; the
    controlling agent then nominates it with USE-CANDIDATE and selects it on success.
    Responses with a bad MESSAGE-INTEGRITY or unknown transaction id are ignored (counted)."""
    agent = make_agent(controlling=True)
    driver = Driver(agent)
    peer = Peer(agent)
    check = first_check(driver)
    driver.deliver(peer.success(check.data, key=b"bad"))
    assert agent.stats["stun_response_bad_integrity"] == 1
    [pair] = agent.pairs
    assert pair.state is PairState.IN_PROGRESS
    unknown = peer.success(peer.request())  # a response to a transaction we never started
    driver.deliver(unknown)
    assert agent.stats["stun_response_unknown_transaction"] == 1
    driver.deliver(peer.success(check.data, mapped=LOCAL))
    assert pair_state(pair) is PairState.SUCCEEDED and pair.mapped == LOCAL
    driver.advance(driver.now + 0.1)
    nominations = [s for s in driver.requests() if s.message.use_candidate]
    assert len(nominations) == 1
    assert nominations[0].message.ice_controlling == agent.tie_breaker
    driver.deliver(peer.success(nominations[0].data))
    assert agent.selected_pair is not None
    assert state_of(agent) is S.CONNECTED
    # §8.1.1: only one nomination per generation.
    driver.advance(driver.now + 20.0)
    assert len([s for s in driver.requests() if s.message.use_candidate]) == 1


def test_new_mapped_address_becomes_a_prflx_local_candidate() -> None:
    """Item 118 (RFC 8445 §7.2.5.3.1): the mapped address of a success response that is not
    a local candidate is a peer-reflexive local candidate, and §7.2.5.3.2 builds the valid
    pair from it (webrtc-pc's selected pair then shows a "prflx" local candidate). Its
    priority is the PRIORITY our check carried; it is never signalled.
    Regression: the agent used to keep only pair.mapped and report the host base."""
    agent = make_agent(controlling=False)
    driver = Driver(agent)
    peer = Peer(agent)
    driver.deliver(peer.request(use_candidate=True, controlling=True))
    check = first_check(driver)
    mapped = ("203.0.113.9", 40000)
    driver.deliver(peer.success(check.data, mapped=mapped))
    selected = agent.selected_pair
    assert selected is not None
    local = selected[0]
    assert local.type is CandidateType.PRFLX
    assert local.transport_address == mapped
    assert local.priority == check.message.priority
    assert local.related_transport_address == LOCAL
    assert agent.local_peer_reflexive_candidates == [local]
    assert local not in agent.local_candidates
    gathered = [e for _, e in driver.events if isinstance(e, LocalCandidateGathered)]
    assert all(e.candidate.type is CandidateType.HOST for e in gathered)
    [(_, change)] = driver.selections()
    assert change.local == local


# ------------------------------------------------------------------------------ candidates


def test_end_of_candidates_and_unusable_candidates() -> None:
    """Items 12, 99: end-of-candidates is recorded for the current generation; a TCP or
    component-2 candidate is accepted but never paired; an mDNS one waits for resolution."""
    agent = make_agent(controlling=True, remotes=())
    from rtcpeer.ice import Candidate

    tcp = Candidate(
        foundation="t", component=1, transport="tcp", priority=5, address="10.0.1.1",
        port=9, type=CandidateType.HOST, tcptype="active",
    )  # fmt: skip
    rtcp = Candidate(
        foundation="c", component=2, transport="udp", priority=5, address="10.0.1.1",
        port=10, type=CandidateType.HOST,
    )  # fmt: skip
    mdns = Candidate(
        foundation="m", component=1, transport="udp", priority=5,
        address="0a1b2c3d-0000-4000-8000-000000000000.local", port=11, type=CandidateType.HOST,
    )  # fmt: skip
    assert agent.add_remote_candidate(0.0, tcp)
    assert agent.add_remote_candidate(0.0, rtcp)
    assert agent.add_remote_candidate(0.0, mdns)
    assert agent.pairs == []
    assert agent.stats["remote_candidates_unsupported"] == 2
    assert agent.stats["remote_candidates_unresolved"] == 1
    assert agent.add_remote_candidate(0.0, None, REMOTE_UFRAG)
    assert agent._current.remote_end_of_candidates


def test_candidates_of_a_superseded_remote_generation_are_discarded() -> None:
    """Items 75, 99 (RFC 8838 §11): after the peer restarted (new remote credentials), a
    candidate or end-of-candidates carrying the old ufrag is refused and counted."""
    agent = make_agent(controlling=True, remotes=())
    driver = Driver(agent)
    assert agent.add_remote_candidate(0.0, host_candidate(REMOTE, ufrag=REMOTE_UFRAG))
    assert agent.set_remote_credentials(1.0, "NEWU", "new-remote-password-0123")
    driver.collect()
    assert agent.generation_count == 2
    assert agent.remote_candidates == []
    assert not agent.add_remote_candidate(1.1, host_candidate(ELSEWHERE, ufrag=REMOTE_UFRAG))
    assert not agent.add_remote_candidate(1.1, host_candidate(ELSEWHERE), ufrag=REMOTE_UFRAG)
    assert not agent.add_remote_candidate(1.1, None, ufrag=REMOTE_UFRAG)
    assert agent.stats["remote_candidates_stale"] == 3
    assert agent.remote_candidates == []
    assert not agent._current.remote_end_of_candidates
    # The new generation's own candidates (by the ufrag, or without one) are taken.
    assert agent.add_remote_candidate(1.2, host_candidate(ELSEWHERE, ufrag="NEWU"))
    assert agent.add_remote_candidate(1.2, host_candidate(REMOTE))
    assert {c.transport_address for c in agent.remote_candidates} == {ELSEWHERE, REMOTE}


def test_old_generation_candidates_after_a_local_restart_do_not_reach_the_new_one() -> None:
    """Items 75, 99: the ufrag picks the generation. While our restart offer is out, the
    peer's late candidates and end-of-candidates of the old generation must not become the
    new generation's (its end-of-candidates would let it complete or fail too early).
    Regression: they used to land in the new generation (its remote ufrag was unknown)."""
    agent = make_agent(controlling=True, remotes=())
    agent.restart(1.0)
    assert agent.remote_ufrag is None
    accepted = agent.add_remote_candidate(1.1, host_candidate(REMOTE), ufrag=REMOTE_UFRAG)
    eoc = agent.add_remote_candidate(1.1, None, ufrag=REMOTE_UFRAG)
    assert not agent._current.remote_end_of_candidates
    assert agent.remote_candidates == []
    assert not accepted and not eoc


def test_remote_restart_is_a_change_of_either_credential() -> None:
    """Items 70, 72: new remote credentials differing in ufrag or in pwd are a remote ICE
    restart (the agent restarts too); the same credentials again change nothing."""
    agent = make_agent(controlling=False)
    assert not agent.set_remote_credentials(1.0, REMOTE_UFRAG, REMOTE_PWD)
    assert agent.generation_count == 1
    assert agent.set_remote_credentials(2.0, "OTHER", REMOTE_PWD)
    assert agent.generation_count == 2
    assert agent.set_remote_credentials(3.0, "OTHER", "another-password-4567890")
    assert agent.generation_count == 3
    assert agent.remote_ufrag == "OTHER"


def test_answer_credentials_never_restart() -> None:
    """Items 13, 72, 75: credentials from an *answer* belong to our newest generation and never
    restart it. An answer to an older offer that crossed our restart is replaced by the real
    answer, and what the generation learned from the stale one (candidates,
    end-of-candidates) is dropped; its ufrag is stale from then on."""
    agent = make_agent(controlling=True, remotes=())
    agent.restart(1.0)
    assert not agent.set_remote_credentials(1.1, "OLDA", "old-answer-password-0123", offer=False)
    assert agent.add_remote_candidate(1.1, host_candidate(REMOTE, ufrag="OLDA"))
    assert agent.add_remote_candidate(1.1, None, ufrag="OLDA")
    assert not agent.set_remote_credentials(1.2, "NEWA", "new-answer-password-0123", offer=False)
    assert agent.generation_count == 2
    assert agent.remote_ufrag == "NEWA"
    assert agent.remote_candidates == []
    assert not agent._current.remote_end_of_candidates
    assert not agent.add_remote_candidate(1.3, host_candidate(ELSEWHERE, ufrag="OLDA"))
    assert agent.add_remote_candidate(1.3, host_candidate(ELSEWHERE, ufrag="NEWA"))
    # New credentials in an *offer* are a remote restart.
    assert agent.set_remote_credentials(2.0, "OFFR", "offer-password-012345678", offer=True)
    assert agent.generation_count == 3


def test_answer_cannot_replace_the_credentials_of_a_pair_carrying_data() -> None:
    """Item 73: a stray answer with other credentials never tears down the generation whose
    pair carries data; it is ignored and counted."""
    agent = make_agent(controlling=False)
    driver = Driver(agent)
    connect_controlled(driver, Peer(agent))
    selected = agent.selected_pair
    assert not agent.set_remote_credentials(1.0, "STRAY", "stray-password-012345678", offer=False)
    assert agent.generation_count == 1
    assert agent.remote_ufrag == REMOTE_UFRAG
    assert agent.selected_pair == selected
    assert agent.stats["stale_answer_ignored"] == 1


def test_new_until_a_remote_candidate_then_checking_also_for_peer_reflexive() -> None:
    """Items 2, 3, 119: with remote credentials but no remote candidate the transport is
    new; an authenticated check from the peer (a peer-reflexive candidate) makes it
    checking."""
    agent = make_agent(controlling=True, remotes=())
    driver = Driver(agent)
    driver.advance(5.0)
    assert state_of(agent) is S.NEW and driver.state_changes() == []
    driver.deliver(Peer(agent).request(), source=ELSEWHERE)
    assert state_of(agent) is S.CHECKING
    [(_, change)] = driver.state_changes()
    assert (change.old, change.new) == (S.NEW, S.CHECKING)


# ------------------------------------------------------------------------------ failure, PAC


def test_zero_local_candidates_fail_without_waiting_for_pac() -> None:
    """Items 6, 12, 100: no local candidate, gathering done and end-of-candidates received:
    failed at once (new -> failed); without end-of-candidates it waits (item 12)."""
    agent = make_agent(controlling=True, hosts=(), remotes=())
    driver = Driver(agent)
    driver.advance(50.0)
    assert state_of(agent) is S.NEW  # no end-of-candidates yet: never failed
    driver.now = 51.0
    agent.add_remote_candidate(51.0, host_candidate(REMOTE))
    driver.collect()
    agent.add_remote_candidate(51.0, None)
    driver.collect()
    assert state_of(agent) is S.FAILED
    [(t, _)] = driver.state_changes()[-1:]
    assert t == 51.0
    assert_chain(driver)


@settings(max_examples=30, deadline=None, database=None)
@given(
    t_credentials=st.floats(0.0, 20.0),
    t_eoc=st.floats(0.0, 60.0),
    n_remotes=st.integers(0, 3),
    answer=st.sampled_from(["error", "none", "non-symmetric"]),
)
def test_never_failed_before_the_pac_timer(
    t_credentials: float, t_eoc: float, n_remotes: int, answer: str
) -> None:
    """Items 6, 100 (RFC 8863 §4): with local candidates, failed never comes earlier than
    39.5 s after the remote credentials, however fast the pairs fail (error responses,
    non-symmetric responses, no pairs at all); it does come once the PAC timer ran out,
    everything was checked and end-of-candidates arrived."""
    agent = make_agent(controlling=True, remote_credentials=False, remotes=())
    driver = Driver(agent)
    peer = Peer(agent)
    answered: set[bytes] = set()
    pending = {"credentials": t_credentials, "eoc": t_eoc}
    end = t_credentials + 120.0
    t = 0.0
    while t < end:
        t = min(t + 0.25, *pending.values(), end)
        driver.advance(t)
        if "credentials" in pending and pending["credentials"] <= t:
            del pending["credentials"]
            agent.set_remote_credentials(t, REMOTE_UFRAG, REMOTE_PWD)
            for i in range(n_remotes):
                remote = host_candidate(("10.0.1.1", 6000 + i), foundation=f"r{i}")
                agent.add_remote_candidate(t, remote)
        if "eoc" in pending and pending["eoc"] <= t:
            del pending["eoc"]
            agent.add_remote_candidate(t, None)
        driver.advance(t)
        for s in driver.requests(since=t - 0.3):
            tid = s.message.transaction_id
            if tid in answered or answer == "none":
                continue
            answered.add(tid)
            if answer == "error":
                driver.deliver(peer.error(s.data, 400), source=s.remote)
            else:
                driver.deliver(peer.success(s.data), source=ELSEWHERE)
    failed_at = [t for t, e in driver.state_changes() if e.new is S.FAILED]
    assert failed_at, driver.states()
    assert failed_at[0] >= t_credentials + 39.5 - 1e-9
    assert failed_at[0] <= max(t_credentials + 39.5 + 0.2, t_eoc + 0.25)
    assert_chain(driver)


def test_consent_loss_soon_after_connecting_does_not_fail_before_pac() -> None:
    """Items 6, 10, 100: the transport connected at 0.05 s and the path died at once;
    consent expires at ~30 s, but failed still needs the PAC timer (0 + 39.5 s).
    Regression: PAC used to count as expired once a pair had been selected."""
    agent = make_agent(controlling=False)
    driver = Driver(agent)
    peer = Peer(agent)
    connect_controlled(driver, peer)
    agent.add_remote_candidate(driver.now, None)
    driver.collect()
    assert state_of(agent) is S.COMPLETED
    driver.advance(60.0)
    failed_at = [t for t, e in driver.state_changes() if e.new is S.FAILED]
    assert failed_at and failed_at[0] >= 39.5


def test_failed_transport_starts_no_checks_and_selects_no_pair() -> None:
    """Items 6, 124: once failed (every pair failed, end-of-candidates, PAC expired), a late
    check from the peer may be answered, but the agent starts no new check, selects no pair
    and sends no application data until an ICE restart.
    Regression: a late USE-CANDIDATE used to start a check and select a pair in failed."""
    agent = make_agent(controlling=False)
    driver = Driver(agent)
    peer = Peer(agent)
    driver.advance(0.0)
    for s in driver.requests():
        driver.deliver(peer.error(s.data, 400))
    agent.add_remote_candidate(0.0, None)
    driver.advance(45.0)
    assert state_of(agent) is S.FAILED
    n = len(driver.sent)
    driver.deliver(peer.request(use_candidate=True, controlling=True))
    driver.advance(45.2)
    for s in driver.requests(since=45.0):
        driver.deliver(peer.success(s.data))
    late_checks = [
        s for s in driver.sent[n:] if s.is_stun and s.message.message_class is MessageClass.REQUEST
    ]
    assert late_checks == []
    assert agent.selected_pair is None
    assert not agent.send(driver.now, b"\x80data")
    assert state_of(agent) is S.FAILED


def test_gathering_runs_once_per_generation() -> None:
    """Items 21, 22, 33: new -> gathering -> complete; end-of-candidates comes before the
    gatherer's complete; a second gather() does nothing; a restart gathers again under the new
    ufrag."""
    from rtcpeer.ice import EndOfLocalCandidates, GatheringStateChanged, IceAgent

    agent = IceAgent(controlling=True)
    driver = Driver(agent)
    agent.gather(0.0, [LOCAL])
    agent.gather(0.1, [LOCAL, LOCAL2])
    driver.collect()
    gathering = [
        e for _, e in driver.events if isinstance(e, GatheringStateChanged | EndOfLocalCandidates)
    ]
    ufrag = agent.local_ufrag
    assert gathering == [
        GatheringStateChanged(IceGatheringState.GATHERING, ufrag),
        EndOfLocalCandidates(ufrag),
        GatheringStateChanged(IceGatheringState.COMPLETE, ufrag),
    ]
    assert [c.transport_address for c in agent.local_candidates] == [LOCAL]
    driver.events.clear()
    agent.restart(1.0)
    driver.collect()
    new_ufrag = agent.local_ufrag
    assert new_ufrag != ufrag
    states = [e for _, e in driver.events if isinstance(e, GatheringStateChanged)]
    assert [(e.state, e.ufrag) for e in states] == [
        (IceGatheringState.GATHERING, new_ufrag),
        (IceGatheringState.COMPLETE, new_ufrag),
    ]
    assert all(c.ufrag == new_ufrag for c in agent.local_candidates)


# ------------------------------------------------------------------------------ restart, close


def test_restart_from_completed_goes_to_connected_and_from_failed_to_checking() -> None:
    """Items 13, 14, 72: completed -> connected on a restart (the old pair still carries
    data); failed -> checking; the agent object stays the same, the generation changes."""
    agent = make_agent(controlling=False)
    driver = Driver(agent)
    peer = Peer(agent)
    connect_controlled(driver, peer)
    agent.add_remote_candidate(driver.now, None)
    driver.collect()
    assert state_of(agent) is S.COMPLETED
    old_ufrag = agent.local_ufrag
    agent.restart(driver.now)
    driver.collect()
    assert state_of(agent) is S.CONNECTED and agent.local_ufrag != old_ufrag
    assert agent.selected_pair is not None and agent.generation_count == 2

    lonely = make_agent(controlling=True, hosts=(), remotes=())
    d2 = Driver(lonely)
    lonely.add_remote_candidate(0.0, None)
    d2.collect()
    assert state_of(lonely) is S.FAILED
    lonely.restart(1.0, host_addresses=[LOCAL])
    d2.collect()
    assert state_of(lonely) is S.CHECKING
    assert_chain(d2)
    assert_chain(driver)


def test_close_is_terminal_and_silent() -> None:
    """Item 15: closed from any state, no answer to STUN afterwards, no timers, no data."""
    agent = make_agent(controlling=True)
    driver = Driver(agent)
    driver.advance(0.2)
    agent.close(0.2)
    driver.collect()
    assert state_of(agent) is S.CLOSED
    n = len(driver.sent)
    assert driver.deliver(Peer(agent).request()) is None
    assert driver.deliver(b"\x80data") is None
    assert not agent.send(0.3, b"\x80x")
    assert agent.get_timer() is None
    agent.restart(0.4)
    agent.set_remote_credentials(0.4, "X234", "y" * 22)
    assert agent.add_remote_candidate(0.4, host_candidate(ELSEWHERE)) is False
    driver.collect()
    assert driver.sent[n:] == []
    assert driver.state_changes()[-1][1].new is S.CLOSED
    assert_chain(driver)
