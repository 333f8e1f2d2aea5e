"""Data before nomination (RFC 8445 §12.1): the first valid pair carries it at once.

An agent MAY send data on any valid pair before a pair is selected. rtcpeer does, as
browsers do: the first valid pair is reported as the selected pair and the transport is
``connected`` ("found a usable connection", webrtc-pc §5.7.6) while nomination runs; the
pair has consent and liveness like a selected one (RFC 7675). Checklist items 11, 121, 123.
"""

from __future__ import annotations

import pytest

from rtcpeer.ice import IceTransportState
from rtcpeer.testing import NatType
from tests.scenarios.topology import make_scenario

S = IceTransportState


def test_data_flows_on_the_first_valid_pair_before_nomination() -> None:
    # Both behind NATs: the srflx pair succeeds at about 0.14 s, nomination waits for the
    # host pairs that never answer (nomination timeout 0.5 s) and ends at about 0.68 s.
    sc = make_scenario(alice_nat=NatType.FULL_CONE, bob_nat=NatType.FULL_CONE)
    t_connected = sc.run_until_state(sc.alice, S.CONNECTED, 2.0)
    assert sc.alice.agent.selected_pair is not None
    assert sc.alice.first_time(S.COMPLETED) is None  # not nominated yet
    assert sc.alice.send(b"\x80early")
    sc.net.run_until(t_connected + 0.1)
    assert [r.data for r in sc.bob.received] == [b"\x80early"]
    assert sc.bob.first_time(S.COMPLETED) is None  # bob accepted it before nomination too
    sc.net.run_until(5.0)
    for ep in (sc.alice, sc.bob):
        assert ep.states == [S.CHECKING, S.CONNECTED, S.COMPLETED], ep.state_history
        # The nominated pair is the pair already in use: one selectedcandidatepairchange.
        [(t_selected, change)] = ep.selected_pairs
        assert t_selected == pytest.approx(ep.first_time(S.CONNECTED))
        assert change.remote is not None and change.remote.address.startswith("203.0.113.")
    assert sc.bob.send(b"\x80after")
    sc.net.run_until(5.2)
    assert [r.data for r in sc.alice.received] == [b"\x80after"]


def test_a_pair_in_use_before_nomination_has_liveness_and_consent() -> None:
    """The path goes dark after the first valid pair and before the nomination: the pair in
    use is probed like a selected one, so the loss is reported (disconnected within 3 s),
    and once consent expires (30 s) nothing more is sent on it (RFC 7675 §5.1)."""
    sc = make_scenario(alice_nat=NatType.FULL_CONE, bob_nat=NatType.FULL_CONE)
    t_connected = sc.run_until_state(sc.alice, S.CONNECTED, 2.0)
    sc.net.partition(sc.alice_host, sc.bob_host)
    sc.net.run_until(t_connected + 3.0)
    assert S.DISCONNECTED in sc.alice.states, sc.alice.state_history
    t_disconnected = sc.alice.first_time(S.DISCONNECTED)
    assert t_disconnected is not None and t_disconnected - t_connected < 3.0
    sc.net.run_until(t_connected + 31.0)
    assert sc.alice.agent.selected_pair is None
    assert not sc.alice.send(b"\x80too late")
    assert sc.alice.agent.stats["data_dropped_no_pair"] >= 1
