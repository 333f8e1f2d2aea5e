"""RTCIceTransport as webrtc-pc §5.7 defines it (issue 9): attributes, methods and events,
reachable from the SCTP transport as in browsers (and aiortc's ``.transport`` alias)."""

from __future__ import annotations

import asyncio

import pytest

from rtcpeer import RTCIceCandidate, RTCIceCandidatePair, RTCIceParameters, RTCPeerConnection
from rtcpeer.ice import CandidateType
from tests.pc.test_loopback import negotiate, trickle, wait_ice


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


async def test_reachable_from_the_sctp_transport() -> None:
    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    assert a.sctp is None  # null until a data m-section is negotiated (webrtc-pc §4.4.1.4)
    a.createDataChannel("chat")
    await negotiate(a, b)
    assert a.sctp is not None
    assert a.sctp.transport.iceTransport is a.iceTransport
    assert a.sctp.transport.transport is a.iceTransport  # aiortc's name
    assert a.sctp.transport is a.dtlsTransport
    await a.close()
    await b.close()


async def test_attributes_methods_and_events_through_a_connection() -> None:
    a, b = RTCPeerConnection(), RTCPeerConnection()
    transport = a.iceTransport
    # Before any description: new, no role, nothing selected, no remote parameters.
    assert (transport.state, transport.gatheringState, transport.role) == ("new", "new", "unknown")
    assert transport.component == "rtp"
    assert transport.getSelectedCandidatePair() is None
    assert transport.getRemoteParameters() is None
    assert transport.getLocalCandidates() == [] and transport.getRemoteCandidates() == []

    events: list[tuple[str, str]] = []
    transport.on("statechange", lambda: events.append(("state", transport.state)))
    transport.on(
        "gatheringstatechange", lambda: events.append(("gathering", transport.gatheringState))
    )
    transport.on(
        "selectedcandidatepairchange",
        lambda: events.append(("pair", repr(transport.getSelectedCandidatePair()))),
    )
    surfaced: list[RTCIceCandidate] = []

    @a.on("icecandidate")
    def on_candidate(candidate: RTCIceCandidate | None) -> None:
        if candidate is not None and candidate.candidate:
            surfaced.append(candidate)

    trickle(a, b)
    trickle(b, a)
    a.createDataChannel("chat")
    await negotiate(a, b)
    await wait_ice(a, "completed")
    await wait_ice(b, "connected", "completed")

    assert transport.role == "controlling" and b.iceTransport.role == "controlled"
    assert ("gathering", "gathering") in events and ("gathering", "complete") in events
    states = [value for kind, value in events if kind == "state"]
    assert states[0] == "checking" and states[-1] == "completed"
    assert any(kind == "pair" for kind, _ in events)
    assert events.index(("gathering", "gathering")) < events.index(("gathering", "complete"))
    assert transport.state_reason  # rtcpeer's own: why the state changed

    # Local candidates: W3C RTCIceCandidate objects, the ones icecandidate surfaced.
    local = transport.getLocalCandidates()
    assert local and all(isinstance(c, RTCIceCandidate) for c in local)
    assert [c.candidate for c in local] == [c.candidate for c in surfaced]
    parameters = transport.getLocalParameters()
    assert isinstance(parameters, RTCIceParameters) and parameters.password
    for candidate in local:
        assert (candidate.address, candidate.protocol, candidate.type) == (
            "127.0.0.1",
            "udp",
            "host",
        )
        assert candidate.usernameFragment == parameters.usernameFragment
        assert candidate.sdpMid == "0" and candidate.sdpMLineIndex == 0
        assert candidate.url is None and candidate.relayProtocol is None
    # Remote candidates: what b trickled, with b's ufrag.
    remote = transport.getRemoteCandidates()
    b_parameters = b.iceTransport.getLocalParameters()
    assert b_parameters is not None
    assert {c.candidate for c in remote} == {
        c.candidate for c in b.iceTransport.getLocalCandidates()
    }
    assert all(c.usernameFragment == b_parameters.usernameFragment for c in remote)
    # Parameters: each side's remote parameters are the other's local ones.
    theirs = transport.getRemoteParameters()
    assert theirs is not None
    assert (theirs.usernameFragment, theirs.password) == (
        b_parameters.usernameFragment,
        b_parameters.password,
    )
    assert parameters.password not in repr(parameters)  # a secret: never in logs

    # The selected pair: one of our candidates and one of theirs; the same object each time.
    pair = transport.getSelectedCandidatePair()
    assert isinstance(pair, RTCIceCandidatePair)
    assert pair is transport.getSelectedCandidatePair()
    assert pair.local.candidate in {c.candidate for c in local}
    # The remote side by address: the agent may have learned it as peer-reflexive from the
    # peer's check before the trickled candidate arrived (and keeps it so).
    assert (pair.remote.address, pair.remote.port) in {(c.address, c.port) for c in remote}
    assert pair.local.type is CandidateType.HOST and pair.local.ufrag == parameters.usernameFragment
    assert transport.selected_pair_changes >= 1 and transport.selected_pair_reason

    await a.close()
    assert transport.state == "closed" and transport.getSelectedCandidatePair() is None
    await b.close()


async def test_restart_changes_parameters_candidates_and_the_selected_pair() -> None:
    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    a.createDataChannel("chat")
    await negotiate(a, b)
    await wait_ice(a, "completed")
    transport = a.iceTransport
    old_pair = transport.getSelectedCandidatePair()
    old_parameters = transport.getLocalParameters()
    old_remote = transport.getRemoteParameters()
    assert old_pair is not None and old_parameters is not None and old_remote is not None
    pair_events: list[RTCIceCandidatePair | None] = []
    transport.on(
        "selectedcandidatepairchange",
        lambda: pair_events.append(transport.getSelectedCandidatePair()),
    )
    changed = asyncio.Event()

    def on_pair() -> None:
        pair = transport.getSelectedCandidatePair()
        if pair is not None and pair.local.usernameFragment != old_parameters.usernameFragment:
            changed.set()

    transport.on("selectedcandidatepairchange", on_pair)
    needed = asyncio.Event()
    a.on("negotiationneeded", needed.set)
    a.restartIce()
    await asyncio.wait_for(needed.wait(), 5.0)
    await negotiate(a, b)
    await asyncio.wait_for(changed.wait(), 10.0)
    new_parameters = transport.getLocalParameters()
    new_remote = transport.getRemoteParameters()
    assert new_parameters is not None and new_remote is not None
    assert new_parameters.usernameFragment != old_parameters.usernameFragment
    assert new_remote.usernameFragment != old_remote.usernameFragment
    new_pair = transport.getSelectedCandidatePair()
    assert new_pair is not None and new_pair is not old_pair and new_pair in pair_events
    assert new_pair.local.usernameFragment == new_parameters.usernameFragment
    assert new_pair.remote.usernameFragment == new_remote.usernameFragment
    assert {c.usernameFragment for c in transport.getLocalCandidates()} == {
        new_parameters.usernameFragment
    }
    assert transport.state in ("connected", "completed")  # the transport object survived
    await a.close()
    await b.close()
