"""Consent freshness (RFC 7675) and liveness of the selected pair.

The ConsentTimer on its own (schedule, silence, expiry), then the agent: what its consent
requests carry, what refreshes consent and what does not, and that nothing but STUN leaves
after consent expired.

Checklist items: 8, 9, 10, 111, 113, 123, 124, 125.
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtcpeer.ice import IceConfig, IceTransportState, SelectedPairChanged
from rtcpeer.ice.consent import ConsentTimer
from rtcpeer.stun import AttrType, MessageClass, parse_message
from tests.ice.agent_helpers import (
    LOCAL,
    REMOTE,
    REMOTE_PWD,
    REMOTE_UFRAG,
    Driver,
    Peer,
    connect_controlled,
    fingerprint_ok,
    integrity_ok,
    make_agent,
    state_of,
)

S = IceTransportState
CFG = IceConfig()


def schedule(
    timer: ConsentTimer, until: float, *, answer_within: float | None = None
) -> list[float]:
    """Request times a driver of ``timer`` produces until ``until``; each request is answered
    ``answer_within`` seconds later, or never."""
    times: list[float] = []
    now = timer.last_request
    while True:
        now = timer.next_request_at()
        if now > until or timer.is_expired(now):
            return times
        timer.on_request_sent(now)
        times.append(now)
        if answer_within is not None:
            timer.on_response(now + answer_within)


# ------------------------------------------------------------------------------ the timer


@settings(max_examples=200, deadline=None, database=None)
@given(seed=st.integers(0, 2**32), start=st.floats(0, 1000))
def test_regular_interval_is_randomised_between_4_and_6_seconds(seed: int, start: float) -> None:
    """Item 123 (RFC 7675 §5.1): each consent check is 0.8-1.2 x 5 s after the previous one
    (liveness probing switched off here to see the regular schedule alone)."""
    config = IceConfig(liveness_idle=1e9, disconnected_timeout=1e9)
    timer = ConsentTimer(start, config, random.Random(seed))
    previous = start
    for _ in range(5):
        due = timer.next_request_at()
        assert 4.0 - 1e-9 <= due - previous <= 6.0 + 1e-9
        timer.on_request_sent(due)
        timer.on_response(due + 0.01)
        previous = due


def test_regular_interval_is_spread_over_the_whole_range() -> None:
    """Item 123: the randomisation is not a constant (it avoids synchronised checks)."""
    config = IceConfig(liveness_idle=1e9, disconnected_timeout=1e9)
    rng = random.Random(1)
    gaps = []
    for _ in range(300):
        timer = ConsentTimer(0.0, config, rng)
        gaps.append(timer.next_request_at())
    assert min(gaps) < 4.1 and max(gaps) > 5.9
    assert all(4.0 <= g <= 6.0 for g in gaps)


def test_silence_schedule_liveness_probes_then_slow_probes_until_expiry() -> None:
    """Items 8, 123: with no response at all, the first probe goes 1.5 s after the last
    response, then every 0.125 s until 2.5 s of silence, then every 0.5 s; consent expires
    30 s after the last response."""
    timer = ConsentTimer(10.0, CFG, random.Random(3))
    times = schedule(timer, 100.0)
    assert times[0] == pytest.approx(11.5)
    fast = [t for t in times if t < 12.5]
    assert [round(b - a, 6) for a, b in itertools.pairwise(fast)] == [0.125] * (len(fast) - 1)
    assert len(fast) == 8  # 11.5 .. 12.375
    slow = [t for t in times if t >= 12.5]
    assert slow[0] == pytest.approx(12.5)
    assert {round(b - a, 6) for a, b in itertools.pairwise(slow)} == {0.5}
    assert timer.silent_at() == pytest.approx(12.5)
    assert not timer.is_silent(12.499) and timer.is_silent(12.5)
    assert timer.expires_at() == pytest.approx(40.0)
    assert not timer.is_expired(39.999) and timer.is_expired(40.0)
    assert max(times) < 40.0


def test_healthy_path_probes_about_every_one_and_a_half_seconds() -> None:
    """Items 8, 125: liveness on an idle path answered in 20 ms sends a request 1.5 s after
    each response (so a loss is seen within 2.5 s, and keepalives are far inside 15 s)."""
    timer = ConsentTimer(0.0, CFG, random.Random(5))
    times = schedule(timer, 30.0, answer_within=0.02)
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(times)}
    assert gaps == {1.52}
    assert not timer.is_silent(30.0)


def test_response_time_only_moves_forward() -> None:
    """Item 123: a late (reordered) response never moves consent expiry backwards."""
    timer = ConsentTimer(0.0, CFG, random.Random(1))
    timer.on_response(8.0)
    timer.on_response(3.0)  # a late, reordered response
    assert timer.last_response == 8.0
    assert timer.expires_at() == pytest.approx(38.0)


# ------------------------------------------------------------------------------ the agent


def connected(config: IceConfig | None = None) -> tuple[Driver, Peer]:
    agent = make_agent(controlling=False, config=config)
    driver = Driver(agent)
    peer = Peer(agent)
    connect_controlled(driver, peer)
    return driver, peer


def consent_requests(driver: Driver, since: float) -> list:  # type: ignore[type-arg]
    return [s for s in driver.requests(since=since) if s.remote == REMOTE]


def test_consent_requests_are_authenticated_binding_requests_with_fresh_ids() -> None:
    """Items 111, 123: consent checks are Binding requests on the selected pair with the
    check credentials (USERNAME remote:local, integrity with the remote pwd, FINGERPRINT),
    no USE-CANDIDATE, and a new transaction id each (RFC 7675 §5.1: no retransmission)."""
    driver, _ = connected()
    t0 = driver.now
    driver.advance(t0 + 20.0)
    sent = consent_requests(driver, t0 + 0.001)
    assert len(sent) > 10
    ids = [s.message.transaction_id for s in sent]
    assert len(set(ids)) == len(ids)
    agent = driver.agent
    for s in sent:
        message = s.message
        assert s.local == LOCAL
        assert message.username == f"{REMOTE_UFRAG}:{agent.local_ufrag}"
        assert integrity_ok(s.data, REMOTE_PWD.encode())
        assert fingerprint_ok(s.data)
        assert not message.use_candidate
        assert message.ice_controlled == agent.tie_breaker
    assert driver.agent.stats.get("data_dropped_no_pair", 0) == 0


def test_expiry_thirty_seconds_after_the_last_response_then_silence() -> None:
    """Items 8, 10, 123, 124: silent -> disconnected 2.5 s after the last response; consent
    expires 30 s after it: the pair is deselected (reason given), send() refuses and is
    counted, and from then on the agent sends nothing at all."""
    driver, peer = connected()
    agent = driver.agent
    t_sel = driver.now
    driver.advance(t_sel + 4.0)
    # Answer one probe, then nothing more.
    probe = consent_requests(driver, t_sel + 0.001)[0]
    driver.deliver(peer.success(probe.data))
    t_last = driver.now
    assert agent.send(driver.now, b"\x80data")
    driver.collect()
    driver.advance(t_last + 2.49)
    assert state_of(agent) is not S.DISCONNECTED
    driver.advance(t_last + 2.5)
    assert state_of(agent) is S.DISCONNECTED
    driver.advance(t_last + 29.99)
    assert agent.selected_pair is not None
    assert agent.send(driver.now, b"\x80still consented")
    driver.advance(t_last + 30.0)
    assert agent.selected_pair is None
    [(t_lost, lost)] = [(t, e) for t, e in driver.selections() if e.local is None]
    assert t_lost == pytest.approx(t_last + 30.0)
    assert "consent" in lost.reason
    n_sent = len(driver.sent)
    assert not agent.send(driver.now, b"\x80too late")
    assert agent.stats["data_dropped_no_pair"] == 1
    driver.advance(t_last + 200.0)
    assert driver.sent[n_sent:] == []
    app = [s for s in driver.sent if not s.is_stun]
    assert [s.data for s in app] == [b"\x80data", b"\x80still consented"]
    assert all(s.at < t_last + 30.0 for s in app)


def test_only_authenticated_symmetric_success_responses_refresh_consent() -> None:
    """Item 123 (RFC 7675 §5.1): consent is refreshed only by an authenticated success
    response to our own request from the pair's remote address; the peer's requests, its
    application data, unauthenticated or error responses and responses from elsewhere do
    not refresh it."""
    driver, peer = connected()
    agent = driver.agent
    t0 = driver.now
    step = 1.0
    while driver.now < t0 + 40.0:
        driver.advance(driver.now + step)
        probes = consent_requests(driver, driver.now - step + 1e-9)
        # The peer keeps checking us and sending data (authenticated, answered) ...
        driver.deliver(peer.request(controlling=True))
        assert driver.deliver(b"\x80peer data") == b"\x80peer data" or agent.selected_pair is None
        for probe in probes:
            # ... but answers our probes only in ways that do not count.
            driver.deliver(peer.success(probe.data, key=b"wrong key"))
            driver.deliver(peer.error(probe.data, 400))
            driver.deliver(peer.success(probe.data), source=("10.0.0.3", 6000))
    lost = [t for t, e in driver.selections() if e.local is None]
    assert lost and lost[0] == pytest.approx(t0 + 30.0, abs=1e-6)
    assert agent.stats.get("stun_response_bad_integrity", 0) > 0


def test_a_response_after_silence_brings_the_pair_back() -> None:
    """Item 8: disconnected is transient: a response while consent still holds returns the
    transport to its previous connected state, same pair, no restart."""
    driver, peer = connected()
    agent = driver.agent
    t0 = driver.now
    driver.advance(t0 + 10.0)
    assert state_of(agent) is S.DISCONNECTED
    probe = consent_requests(driver, t0 + 9.0)[-1]
    driver.deliver(peer.success(probe.data))
    assert state_of(agent) is S.CONNECTED
    assert [e.new for _, e in driver.state_changes()] == [
        S.CHECKING,
        S.CONNECTED,
        S.DISCONNECTED,
        S.CONNECTED,
    ]
    assert len(driver.selections()) == 1


def test_idle_healthy_pair_is_kept_alive_well_within_15_seconds() -> None:
    """Item 125 (RFC 8445 §11): with no application data, the consent/liveness checks
    (answered promptly) keep a packet leaving at least every 15 s; here about every 1.5 s."""
    driver, peer = connected()
    t0 = driver.now
    while driver.now < t0 + 60.0:
        driver.advance(driver.now + 0.25)
        for probe in consent_requests(driver, driver.now - 0.25 + 1e-9):
            driver.deliver(peer.success(probe.data))
    times = [s.at for s in driver.sent if s.at >= t0]
    gaps = [b - a for a, b in itertools.pairwise([t0, *times])]
    assert max(gaps) <= 15.0
    assert 30 <= len(times) <= 45
    assert state_of(driver.agent) is S.CONNECTED


def test_remembered_consent_requests_are_bounded() -> None:
    """Item 123, memory bound: however long the silence and however fast the probing, at most 64
    outstanding consent transaction ids are remembered; an answer to the newest still
    counts."""
    config = IceConfig(disconnected_probe_interval=0.01, liveness_probe_interval=0.01)
    driver, peer = connected(config)
    agent = driver.agent
    t0 = driver.now
    driver.advance(t0 + 20.0)
    probes = consent_requests(driver, t0 + 0.001)
    assert len(probes) > 500
    assert len(agent._consent_requests) <= 64
    driver.deliver(peer.success(probes[-1].data))
    assert state_of(agent) is S.CONNECTED
    driver.advance(driver.now + 29.0)
    assert agent.selected_pair is not None  # refreshed by that last answer


def test_application_data_goes_only_to_the_selected_pair() -> None:
    """Item 123: data is sent on the selected pair while consent holds (and only then)."""
    agent = make_agent(controlling=False)
    driver = Driver(agent)
    assert not agent.send(0.0, b"\x80early")
    peer = Peer(agent)
    connect_controlled(driver, peer)
    assert agent.send(driver.now, b"\x80ok")
    [data] = [s for s in driver.collect() if not s.is_stun]
    assert (data.local, data.remote, data.data) == (LOCAL, REMOTE, b"\x80ok")
    assert agent.stats["data_dropped_no_pair"] == 1


def test_consent_loss_of_the_old_pair_during_a_restart() -> None:
    """Items 9, 13, 124: the old pair carries data while a restart checks; when its consent
    expires it is deselected and the transport keeps checking the new generation."""
    driver, _ = connected()
    agent = driver.agent
    driver.advance(driver.now + 1.0)
    agent.restart(driver.now)
    driver.collect()
    assert agent.selected_pair is not None  # make-before-break
    assert state_of(agent) is S.CONNECTED
    driver.advance(driver.now + 40.0)
    assert agent.selected_pair is None
    assert state_of(agent) in (S.CHECKING, S.DISCONNECTED)
    assert len(agent._generations) == 1
    lost = [e for _, e in driver.selections() if e.local is None]
    assert len(lost) == 1 and isinstance(lost[0], SelectedPairChanged)
    assert not agent.send(driver.now, b"\x80x")


def test_consent_requests_stop_after_close() -> None:
    """Item 15: a closed transport sends nothing and answers nothing."""
    driver, peer = connected()
    agent = driver.agent
    agent.close(driver.now)
    driver.collect()
    n = len(driver.sent)
    driver.advance(driver.now + 60.0)
    driver.deliver(peer.request(controlling=True))
    assert driver.sent[n:] == []
    assert agent.get_timer() is None
    assert state_of(agent) is S.CLOSED and agent.selected_pair is None


def test_liveness_probe_carries_the_current_role_after_a_role_change() -> None:
    """Item 120: a consent check after a role switch carries the new role attribute."""
    driver, peer = connected()
    agent = driver.agent
    # Both controlled, the agent's tie-breaker is larger: it becomes controlling (§7.3.1.1).
    driver.deliver(peer.request(controlling=False, tie_breaker=1))
    assert agent.role == "controlling"
    t = driver.now
    driver.advance(t + 3.0)
    probes = consent_requests(driver, t + 1e-9)
    assert probes
    for probe in probes:
        message = parse_message(probe.data)
        assert message.ice_controlling == agent.tie_breaker
        assert AttrType.ICE_CONTROLLED not in message.attributes
        assert message.message_class is MessageClass.REQUEST
