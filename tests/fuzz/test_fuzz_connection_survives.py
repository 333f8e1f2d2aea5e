"""Hostile datagrams into live connections: the connection carrying them survives.

Two ICE agents connected in the simulator (``tests.scenarios.topology``) and two SCTP
associations connected in memory (``tests.sctp.pump``) are fed garbage: random bytes,
STUN- or SCTP-framed junk, and mutations of the very datagrams they exchanged (stale,
spoofed from the peer's address, re-checksummed). Every datagram must end as a counted drop
in ``stats`` (or, for ICE, be handed up as application data when it came over the selected
pair and is not STUN, which is the agent's contract: RFC 8445 §12.2; DTLS then judges it),
nothing may raise, and afterwards the connection still carries data both ways with no
state change: no ``disconnected``/``failed``, no abort.

Authenticated hostile traffic (a peer that knows the STUN password or the SCTP verification
tag) can legitimately end a connection and is out of scope here;
``tests/sctp/test_association_fuzz.py`` covers correctly tagged hostile SCTP packets.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from rtcpeer.ice import IceTransportState
from rtcpeer.sctp import Aborted, Closed, MessageReceived, SctpConfig, parse_packet
from rtcpeer.sctp.chunks import split_chunks
from rtcpeer.sctp.packet import checksum_ok
from rtcpeer.stun import MessageClass, Method, StunError, is_stun, parse_message
from rtcpeer.testing import IceEndpoint
from tests.fuzz.mutations import DrawChooser, fuzz_settings, mutate
from tests.fuzz.oracles import fix_sctp_checksum, fix_stun
from tests.scenarios.topology import Scenario, make_scenario
from tests.sctp.pump import Pump

S = IceTransportState
LIVE = (S.CONNECTED, S.COMPLETED)

# ----------------------------------------------------------------------------------- ICE


def _capture(endpoint: IceEndpoint, into: list[bytes]) -> None:
    """Record every datagram ``endpoint``'s agent sends."""
    original = endpoint.agent.datagrams_to_send

    def wrapped(now: float) -> list[tuple[bytes, tuple[str, int], tuple[str, int]]]:
        out = original(now)
        into.extend(data for data, _, _ in out)
        return out

    setattr(endpoint.agent, "datagrams_to_send", wrapped)  # noqa: B010


def _connected_ice() -> tuple[Scenario, list[bytes]]:
    scenario = make_scenario(seed=3, stun=False, start=False)
    wire: list[bytes] = []
    _capture(scenario.alice, wire)
    _capture(scenario.bob, wire)
    scenario.signalling.connect()
    scenario.run_until_connected(5.0)
    scenario.net.run_until(scenario.net.now + 6.0)  # past a consent check or two
    assert scenario.alice.state in LIVE and scenario.bob.state in LIVE
    return scenario, wire


@st.composite
def ice_garbage(draw: st.DrawFn, wire: list[bytes]) -> bytes:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(st.binary(max_size=80))
    if kind == 1:  # a STUN header with a random body (valid length and cookie)
        body = draw(st.binary(max_size=60))
        body = body[: len(body) - len(body) % 4]
        method = draw(st.sampled_from([0x0001, 0x0101, 0x0111, 0x0011, 0x0003, 0x0FFF]))
        data = struct.pack("!HHI", method, len(body), 0x2112A442) + draw(
            st.binary(min_size=12, max_size=12)
        )
        return data + body
    seed = draw(st.sampled_from(wire))
    if kind == 2:  # a replay of something really sent (a stale check or response)
        return seed
    mutated = mutate(DrawChooser(draw), "stun", seed)
    return fix_stun(mutated) if kind == 3 else mutated


def _authentic(data: bytes, keys: list[bytes]) -> bool:
    """Whether ``data`` is a STUN message the agent may legitimately act on without
    counting it: an indication (a keepalive), or one whose MESSAGE-INTEGRITY verifies."""
    try:
        message = parse_message(data)
    except StunError:
        return False
    if message.method != Method.BINDING:
        return False
    if message.message_class is MessageClass.INDICATION:
        return True
    return any(message.verify_integrity(key) for key in keys)


def _exchange(scenario: Scenario, label: bytes) -> None:
    """Data still flows both ways over the selected pair."""
    alice, bob = scenario.alice, scenario.bob
    before_a, before_b = len(alice.received), len(bob.received)
    assert alice.send(b"to bob " + label)
    assert bob.send(b"to alice " + label)
    scenario.net.run_until(scenario.net.now + 0.5)
    assert [r.data for r in bob.received[before_b:]] == [b"to bob " + label]
    assert [r.data for r in alice.received[before_a:]] == [b"to alice " + label]


@fuzz_settings(25)
@given(st.data())
def test_ice_agent_survives_garbage(data: st.DataObject) -> None:
    scenario, wire = _connected_ice()
    alice, bob = scenario.alice, scenario.bob
    agent = alice.agent
    pair = agent.selected_pair
    assert pair is not None
    local = pair[0].transport_address
    peer = pair[1].transport_address
    keys = [agent.local_pwd.encode(), bob.agent.local_pwd.encode()]
    started = scenario.net.now
    _exchange(scenario, b"before")
    garbage = data.draw(st.lists(ice_garbage(wire), min_size=1, max_size=25))
    for datagram in garbage:
        # From the peer's own address (spoofed) or from an unknown host.
        remote = data.draw(st.sampled_from([peer, ("203.0.113.66", 4444)]))
        before = sum(agent.stats.values())
        app = agent.handle_datagram(scenario.net.now, datagram, local, remote)
        alice.pump()
        counted = sum(agent.stats.values()) > before
        if not is_stun(datagram):
            assert counted or (app == datagram and remote == peer), (datagram, agent.stats)
        else:
            assert app is None
            assert counted or _authentic(datagram, keys), (datagram, agent.stats)
        scenario.net.run_until(scenario.net.now + data.draw(st.sampled_from([0.0, 0.01, 0.5])))
    # Consent freshness (RFC 7675) runs on: 35 s is past the 30 s consent timeout.
    scenario.net.run_until(scenario.net.now + 35.0)
    for endpoint in (alice, bob):
        assert endpoint.state in LIVE, endpoint.state_history
        assert all(state in LIVE for t, state in endpoint.state_history if t >= started)
    assert agent.selected_pair == pair
    _exchange(scenario, b"after")


# ---------------------------------------------------------------------------------- SCTP

CONFIG = SctpConfig(receive_buffer=64 * 1024, max_message_size=16 * 1024)


def _connected_sctp() -> Pump:
    p = Pump(config=CONFIG)
    p.connect()
    p.a.assoc.send(p.now, 1, 51, b"warm-up")
    p.b.assoc.send(p.now, 2, 53, b"\x00" * 3000)
    p.settle()
    return p


def _framing_broken(packet: bytes) -> bool:
    try:
        split_chunks(packet, 12)
    except Exception:
        return True
    return False


@st.composite
def sctp_garbage(draw: st.DrawFn, wire: list[bytes], tag: int) -> bytes:
    """Datagrams an attacker without the verification tag can produce."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(st.binary(max_size=80))
    seed = draw(st.sampled_from(wire))
    mutated = mutate(DrawChooser(draw), "sctp", seed)
    if kind == 1:  # mutated, checksum left as it is (almost always wrong now)
        return mutated
    if len(mutated) < 12:
        return mutated
    head = bytearray(mutated)
    if kind == 2:  # re-checksummed, with a tag that is not the receiver's
        wrong = draw(st.integers(1, 2**32 - 1).filter(lambda t: t != tag))
        struct.pack_into("!I", head, 4, wrong)
    elif kind == 3:  # re-checksummed, wrong ports
        struct.pack_into("!HH", head, 0, draw(st.integers(0, 4999)), 5000)
    else:  # right tag and checksum but broken chunk framing
        struct.pack_into("!I", head, 4, tag)
        if not _framing_broken(bytes(head)):  # then it has a whole first chunk header
            struct.pack_into("!H", head, 14, draw(st.integers(0, 3)))  # a length below 4
    packet = fix_sctp_checksum(bytes(head))
    assert kind != 4 or _framing_broken(packet)
    return packet


def _sctp_exchange(p: Pump, label: bytes) -> None:
    before_a, before_b = len(p.a.messages), len(p.b.messages)
    p.a.assoc.send(p.now, 3, 51, b"to b " + label)
    p.b.assoc.send(p.now, 3, 53, b"to a " + label)
    p.settle()
    assert [m.data for m in p.b.messages[before_b:]] == [b"to b " + label]
    assert [m.data for m in p.a.messages[before_a:]] == [b"to a " + label]


@fuzz_settings(40)
@given(st.data())
def test_sctp_association_survives_garbage(data: st.DataObject) -> None:
    p = _connected_sctp()
    wire = p.a.sent + p.b.sent
    b = p.b.assoc
    tag = b._local_tag
    for packet in data.draw(st.lists(sctp_garbage(wire, tag), min_size=1, max_size=20)):
        before = sum(b.stats.values())
        b.handle_packet(p.now, packet)
        # A packet with the right tag, checksum and framing is the peer's as far as SCTP can
        # tell (a no-op mutation is a replay): processed, not necessarily dropped.
        authentic = checksum_ok(packet) and packet[4:8] == struct.pack("!I", tag)
        authentic = authentic and not _framing_broken(packet)
        assert authentic or sum(b.stats.values()) > before, (packet, b.stats, _describe(packet))
        p.advance(data.draw(st.sampled_from([0.0, 0.05, 1.0])))
    assert p.a.assoc.is_established and b.is_established
    _sctp_exchange(p, b"after")
    for side in (p.a, p.b):
        assert not side.of(Aborted) and not side.of(Closed)
        assert all(isinstance(m, MessageReceived) for m in side.messages)


def _describe(packet: bytes) -> str:
    describe: Callable[[], object] = lambda: parse_packet(packet, verify_checksum=False)  # noqa: E731
    try:
        return f"checksum ok={checksum_ok(packet)}: {describe()!r}"[:300]
    except Exception as error:
        return f"unparseable: {error}"
