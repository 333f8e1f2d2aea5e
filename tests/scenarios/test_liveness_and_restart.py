"""Losing and regaining a path, consent expiry, and ICE restarts with data flowing.

Checklist items: 7-10, 13, 14, 72-74, 123-125 (SPEC-CHECKLIST.md).
"""

from __future__ import annotations

from rtcpeer.ice import Candidate, IceTransportState, SelectedPairChanged
from rtcpeer.testing import NatType
from rtcpeer.testing.ice_endpoint import IceEndpoint
from tests.scenarios.topology import Scenario, connected_at, make_scenario

S = IceTransportState
N = NatType


def _connected_pair(**kwargs: object) -> Scenario:
    sc = make_scenario(alice_nat=N.PORT_RESTRICTED_CONE, bob_nat=N.FULL_CONE, **kwargs)  # type: ignore[arg-type]
    sc.run_until_connected(5.0)
    sc.net.run_until(10.0)
    assert sc.alice.state is S.COMPLETED and sc.bob.state is S.COMPLETED
    return sc


def _stream(
    sc: Scenario, sender: IceEndpoint, start: float, stop: float, every: float
) -> list[bytes]:
    """Schedule ``sender`` to send a numbered datagram every ``every`` s; return them."""
    sent: list[bytes] = []
    count = round((stop - start) / every)
    for i in range(count):
        payload = f"{sender.name}-{i:05d}".encode()

        def send(payload: bytes = payload) -> None:
            if sender.send(payload):
                sent.append(payload)

        sc.net.call_at(start + i * every, send)
    return sent


def _app_received(ep: IceEndpoint) -> list[bytes]:
    return [r.data for r in ep.received]


def test_ten_second_partition_disconnects_within_3s_and_recovers_without_restart() -> None:
    sc = _connected_pair()
    t_cut = 10.0
    sc.net.partition(sc.alice_host, sc.bob_host)
    sc.net.run_until(t_cut + 10.0)
    for ep in (sc.alice, sc.bob):
        t_disc = ep.first_time(S.DISCONNECTED, after=t_cut)
        assert t_disc is not None, ep.state_history
        # webrtc-pc §5.7.6 "disconnected": noticed within 3 s of the silence beginning.
        assert t_cut < t_disc <= t_cut + 3.0
        assert ep.state is S.DISCONNECTED
    t_heal = sc.net.now
    sc.net.heal(sc.alice_host, sc.bob_host)
    sc.net.run_until(t_heal + 5.0)
    for ep in (sc.alice, sc.bob):
        t_back = connected_at(ep, after=t_heal)
        # Probes every 0.5 s while silent: back within one probe interval and a round trip.
        assert t_back is not None and t_back - t_heal < 0.6, ep.state_history
        assert ep.states == [S.CHECKING, S.CONNECTED, S.COMPLETED, S.DISCONNECTED, S.COMPLETED]
        assert ep.agent.generation_count == 1  # no restart
        assert len(ep.selected_pairs) == 1  # the same pair all along


def test_forty_second_partition_fails_at_consent_expiry_and_stops_sending() -> None:
    sc = _connected_pair()
    t_cut = 10.0
    sc.net.partition(sc.alice_host, sc.bob_host)
    sc.net.run_until(t_cut + 40.0)
    for ep in (sc.alice, sc.bob):
        assert ep.states == [S.CHECKING, S.CONNECTED, S.COMPLETED, S.DISCONNECTED, S.FAILED], (
            ep.state_history
        )
        t_failed = ep.first_time(S.FAILED)
        assert t_failed is not None
        # RFC 7675 §5.1: consent expires 30 s after the last authenticated response, which
        # came at most one liveness interval (1.5 s) and a round trip before the cut.
        assert t_cut + 30.0 - 1.6 <= t_failed <= t_cut + 30.0
        last_deselect = ep.selected_pairs[-1][1]
        assert last_deselect.local is None and "consent" in last_deselect.reason
        # No application data may be sent once consent is gone.
        assert ep.send(b"after expiry") is False
    # Nothing at all leaves either agent after failing (no checks, no data, no consent).
    t_fail = max(ep.first_time(S.FAILED) or 0.0 for ep in (sc.alice, sc.bob))
    senders = {sc.alice_host.name, sc.bob_host.name}
    late = [
        ev
        for ev in sc.net.trace
        if ev.time > t_fail and ev.kind == "send" and ev.where.split("/")[0] in senders
    ]
    assert late == []
    # Healing does not revive a failed transport: failed is terminal until a restart.
    sc.net.heal(sc.alice_host, sc.bob_host)
    sc.net.run_until(sc.net.now + 10.0)
    assert sc.alice.state is S.FAILED and sc.bob.state is S.FAILED


def test_restart_after_failure_reconnects_with_new_credentials() -> None:
    sc = _connected_pair()
    sc.net.partition(sc.alice_host, sc.bob_host)
    sc.net.run_until(50.0)
    old = (sc.alice.agent.local_ufrag, sc.bob.agent.local_ufrag)
    sc.net.heal(sc.alice_host, sc.bob_host)
    t_restart = sc.net.now
    sc.signalling.restart(sc.alice)
    assert sc.net.run_until_true(
        lambda: all(connected_at(ep, after=t_restart) for ep in (sc.alice, sc.bob)), 5.0
    )
    for ep in (sc.alice, sc.bob):
        # §5.7.6 examples: failed -> checking on a restart, then connectivity again.
        tail = [s for t, s in ep.state_history if t >= t_restart]
        assert tail[0] is S.CHECKING and tail[-1] in (S.CONNECTED, S.COMPLETED), ep.state_history
        assert ep.agent.generation_count == 2
    assert (sc.alice.agent.local_ufrag, sc.bob.agent.local_ufrag) != old
    assert sc.alice.agent.local_ufrag != old[0] and sc.bob.agent.local_ufrag != old[1]
    assert sc.alice.send(b"hello again")
    sc.net.run_until(sc.net.now + 1.0)
    assert _app_received(sc.bob)[-1] == b"hello again"


def test_restart_while_connected_loses_no_datagram_and_stays_connected() -> None:
    """MDN restartIce(): existing transmissions continue while ICE restarts (item 73)."""
    sc = _connected_pair()
    a_sent = _stream(sc, sc.alice, 10.0, 20.0, 0.02)
    b_sent = _stream(sc, sc.bob, 10.0, 20.0, 0.02)
    sc.net.call_at(15.0, lambda: sc.signalling.restart(sc.alice))
    sc.net.run_until(21.0)
    assert len(a_sent) == len(b_sent) == 500  # every send found a pair
    assert _app_received(sc.bob) == a_sent  # all of them, in order
    assert _app_received(sc.alice) == b_sent
    for ep in (sc.alice, sc.bob):
        # completed -> connected on the restart (§5.7.6), completed again once the new
        # generation is done; never checking, disconnected or failed.
        assert ep.states == [S.CHECKING, S.CONNECTED, S.COMPLETED, S.CONNECTED, S.COMPLETED], (
            ep.state_history
        )
        assert ep.agent.generation_count == 2
        changes = [e for _, e in ep.selected_pairs]
        assert len(changes) == 2 and all(isinstance(c, SelectedPairChanged) for c in changes)
        assert changes[1].local is not None and changes[1].local.ufrag == ep.agent.local_ufrag
        assert changes[1].remote is not None and changes[1].remote.ufrag != changes[0].remote.ufrag  # type: ignore[union-attr]


def test_address_change_then_restart_moves_to_a_new_pair() -> None:
    """A host moves to another network (its address changes): ICE reports disconnected;
    restartIce() gathers on the new address and a new pair carries the data."""
    sc = _connected_pair()
    old_pair = sc.alice.agent.selected_pair
    assert old_pair is not None
    other = sc.net.add_nat("cellular", N.PORT_RESTRICTED_CONE, "203.0.113.50", subnet="10.9.0.0/24")
    sc.alice_host.interfaces[0].move_to(other.inside)
    t_move = sc.net.now
    sc.net.run_until(t_move + 3.0)
    assert sc.alice.first_time(S.DISCONNECTED, after=t_move) is not None
    assert sc.bob.first_time(S.DISCONNECTED, after=t_move) is not None
    sc.signalling.restart(sc.alice, rebind=True)
    sc.run_until_connected(5.0)
    sc.net.run_until(sc.net.now + 2.0)
    new_pair = sc.alice.agent.selected_pair
    assert new_pair is not None
    # The valid pair's local candidate is what the peer sees (RFC 8445 §7.2.5.3.2): the new
    # NAT's address, based on the new interface address.
    assert new_pair[0].address == "203.0.113.50"
    assert new_pair[0].related_address is not None
    assert new_pair[0].related_address.startswith("10.9.0.")
    bob_pair = sc.bob.agent.selected_pair
    assert bob_pair is not None and bob_pair[1].address == "203.0.113.50"
    for ep in (sc.alice, sc.bob):
        tail = [s for t, s in ep.state_history if t >= t_move]
        # disconnected, then the restart "forgets" it (checking), then connectivity.
        assert tail[:2] == [S.DISCONNECTED, S.CHECKING], ep.state_history
        assert tail[-1] in (S.CONNECTED, S.COMPLETED)
    assert sc.alice.send(b"from the new network")
    sc.net.run_until(sc.net.now + 1.0)
    assert _app_received(sc.bob)[-1] == b"from the new network"


def test_make_before_break_restart_delivers_everything() -> None:
    """The host gains a second network, restarts onto it while the first still works, then
    the first goes away: every datagram sent all along arrives (item 73)."""
    sc = _connected_pair()
    cellular = sc.net.add_nat("cellular", N.FULL_CONE, "203.0.113.60", subnet="10.8.0.0/24")
    sent = _stream(sc, sc.alice, 10.0, 20.0, 0.02)
    sc.net.call_at(12.0, lambda: sc.alice_host.add_interface(cellular.inside))
    wifi = sc.alice_host.interfaces[0]

    # The application restarts onto the new network only; the old path carries the data
    # until the new generation has selected its pair.
    sc.net.call_at(13.0, lambda: sc.signalling.restart(sc.alice, interfaces=["eth1"]))
    sc.net.call_at(16.0, wifi.set_down)
    sc.net.run_until(21.0)
    assert len(sent) == 500
    assert _app_received(sc.bob) == sent
    pair = sc.alice.agent.selected_pair
    assert pair is not None and pair[0].address == "203.0.113.60"
    assert pair[0].related_address is not None and pair[0].related_address.startswith("10.8.0.")


def test_after_a_dead_path_the_restarts_first_valid_pair_carries_data_at_once() -> None:
    """The old pair is silent (the host moved) when restartIce() runs: the new generation's
    first valid pair carries data before nomination (RFC 8445 §12.1), as at the start of a
    session; the states go checking -> connected -> completed (item 73)."""
    sc = _connected_pair()
    other = sc.net.add_nat("cellular", N.PORT_RESTRICTED_CONE, "203.0.113.50", subnet="10.9.0.0/24")
    sent = _stream(sc, sc.alice, 10.0, 20.0, 0.01)
    sc.net.call_at(10.5, lambda: sc.alice_host.interfaces[0].move_to(other.inside))
    sc.net.run_until(13.5)  # disconnected by now
    sc.signalling.restart(sc.alice, rebind=True)
    sc.net.run_until(21.0)
    gen = sc.alice.agent._current
    assert gen.first_valid_at is not None and gen.first_valid_at < 13.5 + 0.3
    resumed = min(r.at for r in sc.bob.received if r.at > 13.5)
    assert resumed - gen.first_valid_at < 0.05  # not at nomination, ~0.5 s later
    completed = sc.alice.first_time(S.COMPLETED, after=13.5)
    assert completed is not None and completed - resumed > 0.3
    for ep in (sc.alice, sc.bob):
        tail = [s for t, s in ep.state_history if t >= 13.5]
        assert tail == [S.CHECKING, S.CONNECTED, S.COMPLETED], ep.state_history
    # Everything sent on the new path arrived, in order.
    after = [d for d in sent if d in set(_app_received(sc.bob)[-len(sent) :])]
    assert _app_received(sc.bob)[-len(after) :] == after
    assert sent[-1] == _app_received(sc.bob)[-1]


def test_a_working_old_pair_keeps_the_data_until_the_restart_nominates() -> None:
    """Make before break: while the old pair still answers, the restart's valid pairs do not
    take the data before nomination (one switch, to the nominated pair)."""
    sc = _connected_pair()
    old = sc.alice.agent.selected_pair
    changes: list[float] = []
    sc.net.run_until(12.0)
    sc.signalling.restart(sc.alice)
    start = sc.net.now
    while sc.net.now < start + 3.0:
        sc.net.run_until(sc.net.now + 0.01)
        if sc.alice.agent.selected_pair != old and not changes:
            changes.append(sc.net.now)
    first_valid = sc.alice.agent._current.first_valid_at
    nominated = sc.alice.first_time(S.COMPLETED, after=start)
    assert first_valid is not None and nominated is not None and changes
    assert changes[0] >= nominated - 0.011 > first_valid


def test_idle_connection_traffic_is_small() -> None:
    """Liveness costs about one request per side every 1.5 s on an idle healthy path."""
    sc = _connected_pair()
    sc.net.clear_trace()
    sc.net.run_until(70.0)
    sends = [ev for ev in sc.net.trace if ev.kind == "send" and ev.where.startswith("alice")]
    requests = [ev for ev in sends if ev.size > 80]  # responses are 64 bytes
    assert 30 <= len(requests) <= 45  # 60 s / ~1.5 s


def test_after_consent_loss_a_new_trickled_candidate_reconnects() -> None:
    """webrtc-pc §5.7.6 disconnected: consent lost, still waiting for remote candidates; a
    candidate trickled later is checked and nominated, with no restart (items 8, 9)."""
    sc = make_scenario(alice_nat=None, bob_nat=None, start=False)
    second = sc.bob_host.add_interface(sc.net.internet, "198.51.100.77")
    held: list[tuple[str, str]] = []

    def hold_second(ep: IceEndpoint, candidate: Candidate) -> bool:
        if candidate.address == second.ip:
            held.append((candidate.to_sdp(), ep.agent.local_ufrag))
            return True
        return False

    sc.signalling.drop_candidates = hold_second
    sc.signalling.hold_end_of_candidates = {"bob"}
    # Alice must not learn the second address from bob's checks either.
    sc.net.partition(sc.alice_host, second)
    sc.signalling.connect()
    sc.run_until_connected(5.0)
    sc.net.run_until(10.0)
    sc.bob_host.interfaces[0].set_down()  # the path in use dies ...
    sc.net.run_until(45.0)
    # ... consent expires (30 s), but alice never got bob's end-of-candidates: disconnected,
    # not failed, and no pair.
    assert sc.alice.state is S.DISCONNECTED, sc.alice.state_history
    assert sc.alice.agent.selected_pair is None
    # The late candidate arrives: alice checks it and connects again, no restart.
    [(text, ufrag)] = held
    sc.net.heal(sc.alice_host, second)
    t = sc.net.now
    sc.alice.add_remote_candidate(Candidate.from_sdp(text), ufrag)
    assert sc.net.run_until_true(lambda: connected_at(sc.alice, after=t) is not None, 3.0)
    pair = sc.alice.agent.selected_pair
    assert pair is not None and pair[1].address == second.ip
    assert sc.alice.agent.generation_count == 1
    # Bob had alice's end-of-candidates and finished gathering: his side failed at the PAC
    # timer and stays failed (terminal until a restart), while still answering checks.
    assert sc.bob.state is S.FAILED
