"""Issue 8, security: STUN requests and responses with a wrong MESSAGE-INTEGRITY or a wrong
USERNAME are dropped, change nothing, and are counted in the agent's ``stats`` (which
``getStats`` surfaces).

Already covered elsewhere, and not repeated here:

- tests/ice/test_agent_properties.py ``test_hostile_datagrams_never_raise_nor_answer_an_
  unauthenticated_sender``: random mixes of mutated STUN (bad integrity, wrong username,
  other methods) never raise, are never answered and are each counted;
- tests/ice/test_agent_unit.py ``test_success_response_makes_the_pair_valid_and_unknown_ids_
  are_counted``: one check response with a wrong key is counted as bad integrity;
- tests/ice/test_consent.py ``test_only_authenticated_symmetric_success_responses_refresh_
  consent``: consent expires on time while every probe is answered with a wrong key.

This file checks each kind of fault one by one, with the exact counter each one moves and
the proof that nothing changed (no datagram out, no pair state, no candidate, no state),
and then the same over real sockets: a stranger on 127.0.0.1 sends forged requests to a
connected RTCPeerConnection.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from typing import Any

import pytest

from rtcpeer import RTCPeerConnection
from rtcpeer.ice import IceAgent, IceTransportState, PairState
from rtcpeer.stun import AttrType, ErrorCode, MessageClass, Method, StunMessage, parse_message
from rtcpeer.stun.integrity import fingerprint as stun_fingerprint
from tests.ice.agent_helpers import (
    REMOTE,
    REMOTE_PWD,
    REMOTE_UFRAG,
    Driver,
    Peer,
    connect_controlled,
    make_agent,
)

S = IceTransportState
STRANGER = ("10.0.0.66", 6666)


def _snapshot(agent: IceAgent) -> tuple[object, ...]:
    """Everything an accepted datagram could change."""
    return (
        agent.state,
        agent.role,
        agent.selected_pair,
        [(p.key, p.state, p.authenticated, p.remote_nominated) for p in agent.pairs],
        [c.transport_address for c in agent.remote_candidates],
        [c.transport_address for c in agent.local_peer_reflexive_candidates],
    )


def _fresh(controlling: bool) -> tuple[IceAgent, Driver, Peer]:
    agent = make_agent(controlling=controlling)
    driver = Driver(agent)
    driver.advance(0.2)  # the first checks are in flight
    return agent, driver, Peer(agent)


# ------------------------------------------------------------------------------ requests

#: name -> (username given the agent's ufrag, key given the agent's pwd, fingerprint,
#:          the counter that must move)
REQUEST_FAULTS: dict[str, tuple[Any, Any, bool, str]] = {
    "unknown-local-ufrag": (
        lambda ufrag: f"XXXX{ufrag}:{REMOTE_UFRAG}",
        lambda pwd: pwd.encode(),
        True,
        "stun_request_unknown_username",
    ),
    "ufrags-swapped": (
        lambda ufrag: f"{REMOTE_UFRAG}:{ufrag}",
        lambda pwd: pwd.encode(),
        True,
        "stun_request_unknown_username",
    ),
    "no-colon": (
        lambda ufrag: ufrag,
        lambda pwd: pwd.encode(),
        True,
        "stun_request_unknown_username",
    ),
    "no-username": (
        lambda ufrag: None,
        lambda pwd: pwd.encode(),
        True,
        "stun_request_unknown_username",
    ),
    "wrong-key": (
        lambda ufrag: f"{ufrag}:{REMOTE_UFRAG}",
        lambda pwd: b"not-the-password-at-all",
        True,
        "stun_request_bad_integrity",
    ),
    "peer-key-not-ours": (
        lambda ufrag: f"{ufrag}:{REMOTE_UFRAG}",
        lambda pwd: REMOTE_PWD.encode(),
        True,
        "stun_request_bad_integrity",
    ),
    "no-message-integrity": (
        lambda ufrag: f"{ufrag}:{REMOTE_UFRAG}",
        lambda pwd: None,
        True,
        "stun_request_bad_integrity",
    ),
    "no-fingerprint": (
        lambda ufrag: f"{ufrag}:{REMOTE_UFRAG}",
        lambda pwd: pwd.encode(),
        False,
        "stun_request_bad_integrity",
    ),
}


@pytest.mark.parametrize("source", [REMOTE, STRANGER], ids=["from-the-peer", "from-a-stranger"])
@pytest.mark.parametrize("use_candidate", [False, True], ids=["check", "nomination"])
@pytest.mark.parametrize("controlling", [True, False], ids=["controlling", "controlled"])
@pytest.mark.parametrize("fault", sorted(REQUEST_FAULTS))
def test_requests_with_a_wrong_username_or_integrity_are_dropped_and_counted(
    fault: str, controlling: bool, use_candidate: bool, source: tuple[str, int]
) -> None:
    agent, driver, peer = _fresh(controlling)
    username, key, fingerprint, counter = REQUEST_FAULTS[fault]
    attributes: dict[int, object] = {
        AttrType.PRIORITY: 0x6E00_FFFF,
        # The role that would make the agent switch roles, were the request believed.
        AttrType.ICE_CONTROLLING if controlling else AttrType.ICE_CONTROLLED: 2**64 - 1,
    }
    name = username(agent.local_ufrag)
    if name is not None:
        attributes[AttrType.USERNAME] = name
    if use_candidate:
        attributes[AttrType.USE_CANDIDATE] = None
    request = StunMessage(
        method=Method.BINDING,
        message_class=MessageClass.REQUEST,
        transaction_id=peer.tid(),
        attributes=attributes,
    ).encode(key(agent.local_pwd), fingerprint=fingerprint)
    before = _snapshot(agent)
    counted = dict(agent.stats)
    assert driver.deliver(request, source=source) is None
    assert driver.collect() == []  # nothing at all goes out: no response, no triggered check
    assert _snapshot(agent) == before
    assert agent.stats.get(counter, 0) == counted.get(counter, 0) + 1
    assert sum(agent.stats.values()) == sum(counted.values()) + 1  # exactly one count
    # Time passes: the forged request left no trace (no triggered check, no role change).
    driver.advance(driver.now + 0.05)
    assert all(s.remote != source or source == REMOTE for s in driver.sent)
    assert agent.role == ("controlling" if controlling else "controlled")


def test_a_correct_request_is_answered_so_the_faults_above_are_the_only_difference() -> None:
    """The control case for the table above: the same request, correctly authenticated,
    is answered (so each forged one was dropped for its fault, not for something else)."""
    agent, driver, peer = _fresh(False)
    counted = dict(agent.stats)
    driver.deliver(peer.request(controlling=True), source=STRANGER)
    answers = [s for s in driver.sent if s.remote == STRANGER and s.is_stun]
    assert [s.message.message_class for s in answers][:1] == [MessageClass.SUCCESS]
    assert agent.stats == counted


# ------------------------------------------------------------------------------ responses


def _forged_responses(request: bytes, agent_pwd: str) -> dict[str, bytes]:
    """Answers to the agent's own ``request`` (same transaction id, from the peer's
    address) that must not be believed: none is keyed with the peer's password."""
    tid = parse_message(request).transaction_id

    def response(
        key: bytes | None, cls: MessageClass = MessageClass.SUCCESS, sha256: bool = False
    ) -> bytes:
        attributes: dict[int, object] = {AttrType.XOR_MAPPED_ADDRESS: STRANGER}
        if cls is MessageClass.ERROR:
            attributes = {AttrType.ERROR_CODE: ErrorCode(487, "Role Conflict")}
        return StunMessage(
            method=Method.BINDING, message_class=cls, transaction_id=tid, attributes=attributes
        ).encode(key, fingerprint=True, integrity_sha256=sha256)

    # The genuine response with one bit of its HMAC flipped, FINGERPRINT made valid again.
    tampered = bytearray(response(REMOTE_PWD.encode()))
    tampered[-9] ^= 0x01
    tampered[-4:] = stun_fingerprint(bytes(tampered[:-8])).to_bytes(4, "big")
    return {
        "wrong-key": response(b"guessed-password"),
        "our-own-key": response(agent_pwd.encode()),
        "no-message-integrity": response(None),
        "hmac-bit-flipped": bytes(tampered),
        "error-487-wrong-key": response(b"guessed-password", MessageClass.ERROR),
        "sha256-wrong-key": response(b"guessed-password", sha256=True),
    }


@pytest.mark.parametrize(
    "fault",
    [
        "wrong-key",
        "our-own-key",
        "no-message-integrity",
        "hmac-bit-flipped",
        "error-487-wrong-key",
        "sha256-wrong-key",
    ],
)
def test_check_responses_with_a_wrong_integrity_are_dropped_and_counted(fault: str) -> None:
    """A response to a check really in flight (the attacker saw its transaction id) but
    not keyed with the peer's password: the pair does not become valid, the role does not
    change (a forged 487), nothing is sent, and ``stun_response_bad_integrity`` counts it."""
    agent, driver, peer = _fresh(True)
    [check] = [s for s in driver.requests() if s.remote == REMOTE]
    before = _snapshot(agent)
    counted = dict(agent.stats)
    forged = _forged_responses(check.data, agent.local_pwd)[fault]
    driver.deliver(forged)
    assert driver.collect() == []
    assert _snapshot(agent) == before
    assert agent.stats.get("stun_response_bad_integrity", 0) == 1
    assert sum(agent.stats.values()) == sum(counted.values()) + 1
    # The genuine answer still works afterwards: the transaction was not consumed.
    driver.deliver(peer.success(check.data))
    [pair] = agent.pairs
    assert pair.state is PairState.SUCCEEDED


@pytest.mark.parametrize("fault", ["wrong-key", "no-message-integrity", "hmac-bit-flipped"])
def test_consent_responses_with_a_wrong_integrity_are_dropped_and_counted(fault: str) -> None:
    """The same for consent checks (RFC 7675 §5.1): a forged answer neither refreshes
    consent nor is silent (counted); consent still expires on time."""
    agent = make_agent(controlling=False)
    driver = Driver(agent)
    peer = Peer(agent)
    connect_controlled(driver, peer)
    t0 = driver.now
    forged = 0
    while driver.now < t0 + 31.0:
        since = driver.now
        driver.advance(driver.now + 1.0)
        for probe in driver.requests(since=since + 1e-9):
            if probe.remote == REMOTE:
                driver.deliver(_forged_responses(probe.data, agent.local_pwd)[fault])
                forged += 1
    assert forged > 10
    # Each is counted: as bad integrity while its request is outstanding, as an unknown
    # transaction once consent expiry forgot the requests (the very last probe).
    bad = agent.stats.get("stun_response_bad_integrity", 0)
    assert bad + agent.stats.get("stun_response_unknown_transaction", 0) == forged
    assert bad >= forged - 1
    assert agent.selected_pair is None  # consent expired despite the forged answers
    assert S.CONNECTED not in [agent.state]


# ------------------------------------------------------------------------------ real sockets


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


async def _connected_pcs() -> tuple[RTCPeerConnection, RTCPeerConnection]:
    from tests.pc.test_loopback import negotiate, trickle, wait_ice

    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    a.createDataChannel("chat")
    await negotiate(a, b)
    await asyncio.gather(
        wait_ice(a, "connected", "completed"), wait_ice(b, "connected", "completed")
    )
    return a, b


def _stats_counter(report: Mapping[str, Mapping[str, Any]], counter: str) -> int | None:
    """The agent counter ``counter`` as getStats reports it (on the ``transport`` entry,
    as ``ice`` + CamelCase, see rtcpeer.pc.stats), or None when it is not there."""
    name = "ice" + "".join(part.capitalize() for part in counter.split("_"))
    found = [entry[name] for entry in report.values() if name in entry]
    return sum(found) if found else None


@pytest.mark.usefixtures("loopback_only")
async def test_forged_requests_over_udp_are_never_answered_and_are_counted() -> None:
    """A stranger on 127.0.0.1 sends a connected peer connection Binding requests with a
    wrong USERNAME, a wrong MESSAGE-INTEGRITY, none at all, and a DTLS ClientHello-looking
    datagram: nothing comes back, the connection stays up, each is counted."""
    a, b = await _connected_pcs()
    agent = b._ice.agent
    ufrag, pwd = agent.local_ufrag, agent.local_pwd
    target = b._ice.local_addresses[0]
    forged = {
        "stun_request_unknown_username": [
            StunMessage(
                Method.BINDING,
                MessageClass.REQUEST,
                bytes([i]) * 12,
                {AttrType.USERNAME: f"nobody{i}:x", AttrType.PRIORITY: 1},
            ).encode(pwd.encode(), fingerprint=True)
            for i in range(5)
        ],
        "stun_request_bad_integrity": [
            StunMessage(
                Method.BINDING,
                MessageClass.REQUEST,
                bytes([100 + i]) * 12,
                {AttrType.USERNAME: f"{ufrag}:x", AttrType.PRIORITY: 1},
            ).encode(key, fingerprint=True)
            for i, key in enumerate([b"guess", b"another guess", None])
        ],
        "data_dropped_unknown_source": [b"\x16\xfe\xfd" + bytes(60)],  # DTLS-looking
    }
    before = dict(agent.stats)
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger.bind(("127.0.0.1", 0))
    stranger.setblocking(False)
    try:
        for datagrams in forged.values():
            for data in datagrams:
                stranger.sendto(data, target)
        await asyncio.sleep(0.5)
        with pytest.raises(BlockingIOError):
            stranger.recvfrom(2048)  # nothing was ever sent back
    finally:
        stranger.close()
    for counter, datagrams in forged.items():
        assert agent.stats.get(counter, 0) - before.get(counter, 0) == len(datagrams), counter
    assert b.iceConnectionState in ("connected", "completed")
    assert b.connectionState == "connected"
    # getStats surfaces each counter (on the transport entry: iceStunRequestBadIntegrity,
    # iceStunRequestUnknownUsername, iceDataDroppedUnknownSource).
    report = await b.getStats()
    for counter in forged:
        assert _stats_counter(report, counter) == agent.stats[counter], counter
    await a.close()
    await b.close()
