"""Issue 8, security: limits on remote candidates, candidate pairs, data channels, message
size and reassembly buffers, each enforced and tested.

Already covered elsewhere (referenced, not repeated):

- tests/ice/test_agent_properties.py: 10,000 authenticated checks from distinct ports make
  at most ``max_remote_candidates`` peer-reflexive candidates and ``max_pairs`` pairs
  (``test_flood_of_authenticated_requests_from_distinct_ports_stays_bounded``), and with two
  bases the pair limit binds (``test_flood_with_small_limits_and_two_bases``);
- tests/ice/test_checklist.py: past ``max_pairs`` the lowest pending pair is dropped, never
  a succeeded one;
- tests/sctp/test_association_fuzz.py: hostile packets keep the receive buffer bounded;
  first fragments above a hole that is never filled are bounded
  (``test_never_completed_fragments_are_bounded``);
- tests/sctp/test_association.py: ``send`` above ``max_message_size`` raises; an
  application that stops reading closes the window and bounds memory;
- tests/pc/test_datachannel.py: ``send`` of ``maxMessageSize + 1`` bytes raises TypeError.

Here: each limit at its edge (N accepted, N+1 refused and counted), through the layer an
attacker reaches (signalled candidates, addIceCandidate, DCEP, SCTP DATA chunks).
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import pytest

from rtcpeer import RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from rtcpeer.ice import Candidate, IceConfig, PairState
from rtcpeer.pc.errors import OperationError
from rtcpeer.sctp import (
    Aborted,
    Association,
    Closed,
    DataChunk,
    IDataChunk,
    MessageReceived,
    SctpConfig,
    State,
    encode_packet,
)
from rtcpeer.sctp.constants import FLAG_BEGIN, FLAG_UNORDERED
from rtcpeer.sctp.streams import ENTRY_OVERHEAD
from tests.ice.agent_helpers import LOCAL, Driver, host_candidate, make_agent
from tests.pc.test_loopback import negotiate, trickle
from tests.sctp.pump import Pump

# ============================================================================================
# ICE: remote candidates and candidate pairs
# ============================================================================================


def _remote(i: int) -> Candidate:
    return host_candidate((f"10.9.{i // 250}.{i % 250 + 1}", 7000), foundation=f"r{i}")


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_signalled_remote_candidates_stop_at_the_limit_and_are_counted(limit: int) -> None:
    config = IceConfig(max_remote_candidates=limit)
    agent = make_agent(controlling=True, remotes=(), config=config)
    accepted = [agent.add_remote_candidate(0.0, _remote(i)) for i in range(3 * limit)]
    assert accepted == [True] * limit + [False] * (2 * limit)
    assert len(agent.remote_candidates) == limit
    assert agent.stats["remote_candidates_over_limit"] == 2 * limit
    # A duplicate of a kept candidate is no new candidate (and not counted as one).
    assert agent.add_remote_candidate(0.0, _remote(0))
    assert agent.stats["remote_candidates_over_limit"] == 2 * limit
    # A restart gives the new generation its own, full allowance.
    agent.restart(0.0)
    agent.set_remote_credentials(0.0, "NEWR", "new-remote-password-0123")
    assert agent.add_remote_candidate(0.0, _remote(10_000), "NEWR")
    assert len(agent.remote_candidates) == 1


@pytest.mark.parametrize("max_pairs", [1, 5, 40])
def test_pairs_stop_at_the_limit_and_the_dropped_ones_are_counted(max_pairs: int) -> None:
    """Three bases times many remote candidates: the check list never holds more than
    ``max_pairs``; every pair it had to drop (RFC 8445 §6.1.2.5) is counted."""
    bases = [LOCAL, ("10.0.1.1", 5000), ("10.0.2.1", 5000)]
    config = IceConfig(max_pairs=max_pairs, max_remote_candidates=60)
    agent = make_agent(controlling=True, hosts=bases, remotes=(), config=config)
    driver = Driver(agent)
    for i in range(60):
        agent.add_remote_candidate(driver.now, _remote(i))
        assert len(agent.pairs) <= max_pairs
        driver.advance(driver.now + 0.02)  # checks go out meanwhile: pairs in progress
    assert len(agent.pairs) == max_pairs
    assert agent.stats["pairs_over_limit"] == 60 * len(bases) - max_pairs
    # Only pending pairs were dropped: every pair that got a check is still in the list
    # (none has timed out yet), in progress.
    checked = {(s.local, s.remote) for s in driver.requests()}
    assert checked <= {p.key for p in agent.pairs}
    pending = (PairState.IN_PROGRESS, PairState.WAITING, PairState.FROZEN)
    assert all(p.state in pending for p in agent.pairs)


def test_local_peer_reflexive_candidates_stop_at_the_limit_and_are_counted() -> None:
    """Each check response may name a new mapped address (a peer-reflexive local candidate,
    RFC 8445 §7.2.5.3.1): a peer answering every check with another address makes at most
    ``max_remote_candidates`` of them; the rest are counted."""
    from tests.ice.agent_helpers import Peer

    bases = [LOCAL, ("10.0.1.1", 5000)]
    config = IceConfig(max_remote_candidates=3)
    remotes = [("10.0.0.2", 6000 + i) for i in range(3)]
    agent = make_agent(controlling=False, hosts=bases, remotes=remotes, config=config)
    driver = Driver(agent)
    peer = Peer(agent)
    driver.advance(1.0)
    first = {s.message.transaction_id: s for s in reversed(driver.requests())}  # no resends
    checks = [s for tid, s in first.items() if tid in agent._checks]
    assert len(checks) == len(bases) * len(remotes)
    for i, check in enumerate(checks):
        mapped = (f"198.51.100.{i + 1}", 40000 + i)
        driver.deliver(peer.success(check.data, mapped=mapped), source=check.remote, to=check.local)
    assert len(agent.local_peer_reflexive_candidates) == 3
    assert agent.stats["local_prflx_over_limit"] == len(checks) - 3


def test_a_succeeded_pair_is_never_evicted_by_a_flood_of_candidates() -> None:
    """The attacker's goal in flooding the check list: push out the working pair. It
    cannot: only pending pairs are dropped, and the selected pair keeps carrying data."""
    from tests.ice.agent_helpers import Peer, connect_controlled

    config = IceConfig(max_pairs=3, max_remote_candidates=500)
    agent = make_agent(controlling=False, config=config)
    driver = Driver(agent)
    peer = Peer(agent)
    connect_controlled(driver, peer)
    selected = agent.selected_pair
    assert selected is not None
    for i in range(400):
        agent.add_remote_candidate(driver.now, _remote(i))
    driver.advance(driver.now + 5.0)
    assert agent.selected_pair == selected
    assert len(agent.pairs) <= 3
    assert agent.send(driver.now, b"still here")


# ============================================================================================
# RTCPeerConnection: addIceCandidate, data channels, message size
# ============================================================================================


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


@pytest.fixture
async def pair() -> AsyncIterator[
    tuple[RTCPeerConnection, RTCPeerConnection, RTCDataChannel, RTCDataChannel]
]:
    from tests.pc.test_datachannel import connected_pair

    a, b, channel, incoming = await connected_pair()
    yield a, b, channel, incoming
    await a.close()
    await b.close()


def _loopback_candidate(i: int) -> dict[str, object]:
    """A trickled candidate on 127.0.0.0/8 where nothing listens (test traffic stays on
    loopback even if a check is sent)."""
    address = f"127.{100 + i // 60000}.{(i // 250) % 240}.{i % 250 + 1}"
    port = 20000 + i % 40000
    return {
        "candidate": f"candidate:x{i} 1 udp 2122260223 {address} {port} typ host",
        "sdpMid": "0",
    }


async def test_add_ice_candidate_beyond_the_limit_is_bounded_in_the_agent() -> None:
    """A peer trickling candidates without end: the agent keeps ``max_remote_candidates``
    and counts the rest; the connection is not disturbed."""
    config = IceConfig(max_remote_candidates=20)
    a, b = RTCPeerConnection(), RTCPeerConnection(ice_config=config)
    trickle(a, b)
    a.createDataChannel("x")
    await negotiate(a, b)
    for i in range(120):
        await b.addIceCandidate(_loopback_candidate(i))
    agent = b._ice.agent
    assert len(agent.remote_candidates) <= 20
    assert agent.stats["remote_candidates_over_limit"] >= 100
    await a.close()
    await b.close()


async def test_add_ice_candidate_beyond_the_limit_is_bounded_in_the_description() -> None:
    config = IceConfig(max_remote_candidates=20)
    a, b = RTCPeerConnection(), RTCPeerConnection(ice_config=config)
    a.createDataChannel("x")
    await negotiate(a, b)
    try:
        for i in range(200):
            await b.addIceCandidate(_loopback_candidate(i))
        assert b.remoteDescription is not None
        assert b.remoteDescription.sdp.count("a=candidate:") <= 20 + 2
    finally:
        await a.close()
        await b.close()


async def test_data_channel_ids_are_limited_to_65534(
    pair: tuple[RTCPeerConnection, RTCPeerConnection, RTCDataChannel, RTCDataChannel],
) -> None:
    """webrtc-pc §6.1 createDataChannel: an id of 65535 (or outside an unsigned short) is a
    TypeError; the transport offers the maximum number of streams (RFC 8831 §6.2)."""
    a, _, _, _ = pair
    assert a.sctp is not None and a.sctp.maxChannels == 65535
    for bad in (65535, 65536, -1):
        with pytest.raises(TypeError):
            a.createDataChannel("x", negotiated=True, id=bad)
    assert a.createDataChannel("edge", negotiated=True, id=65534).readyState == "open"


async def test_when_every_stream_id_is_taken_create_data_channel_raises(
    pair: tuple[RTCPeerConnection, RTCPeerConnection, RTCDataChannel, RTCDataChannel],
) -> None:
    """webrtc-pc §6.1: no id left → OperationError. (The 32,767 other channels are stand-ins
    put straight into the transport's table: opening that many for real would only be
    slower.)"""
    a, _, channel, _ = pair
    transport = a.sctp
    assert transport is not None
    parity = channel.id % 2 if channel.id is not None else 0
    for stream_id in range(parity, 65535, 2):
        if stream_id not in transport._channels:
            transport._channels[stream_id] = RTCDataChannel("filler", negotiated=True, id=stream_id)
    with pytest.raises(OperationError):
        a.createDataChannel("one too many")
    # The channels already open still work.
    assert channel.readyState == "open"
    channel.send("still open")
    for stream_id in list(transport._channels):
        if transport._channels[stream_id].label == "filler":
            del transport._channels[stream_id]


async def test_a_negotiated_id_already_in_use_is_refused(
    pair: tuple[RTCPeerConnection, RTCPeerConnection, RTCDataChannel, RTCDataChannel],
) -> None:
    a, _, channel, _ = pair
    with pytest.raises(OperationError):
        a.createDataChannel("hijack", negotiated=True, id=channel.id)


def _with_max_message_size(description: RTCSessionDescription, size: int) -> RTCSessionDescription:
    sdp = re.sub(r"a=max-message-size:\d+", f"a=max-message-size:{size}", description.sdp)
    assert f"a=max-message-size:{size}" in sdp
    return RTCSessionDescription(sdp, description.type)


@pytest.mark.parametrize("remote_max", [1000, 65536, 262144, 1 << 30, 0])
async def test_send_above_max_message_size_is_a_type_error(remote_max: int) -> None:
    """webrtc-pc §6.2 send(): TypeError above RTCSctpTransport.maxMessageSize, the smaller
    of ours (256 KiB) and the peer's a=max-message-size (0: unlimited, RFC 8841 §6.1).
    The size is in bytes (a str is measured UTF-8 encoded). The channel stays open."""
    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    channel = a.createDataChannel("x")
    opened = asyncio.Event()
    channel.on("open", opened.set)
    got: asyncio.Queue[object] = asyncio.Queue()
    b.on("datachannel", lambda incoming: incoming.on("message", got.put_nowait))
    await a.setLocalDescription()
    assert a.localDescription is not None
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription()
    assert b.localDescription is not None
    await a.setRemoteDescription(_with_max_message_size(b.localDescription, remote_max))
    await asyncio.wait_for(opened.wait(), 10.0)
    assert a.sctp is not None
    limit = min(remote_max, 262144) if remote_max else 262144
    assert a.sctp.maxMessageSize == limit
    with pytest.raises(TypeError):
        channel.send(b"x" * (limit + 1))
    with pytest.raises(TypeError):
        channel.send("é" * (limit // 2 + 1))  # limit + 2 bytes in UTF-8
    assert channel.readyState == "open" and channel.bufferedAmount == 0
    channel.send(b"y" * limit)
    message = await asyncio.wait_for(got.get(), 10.0)
    assert message == b"y" * limit
    await a.close()
    await b.close()


# ============================================================================================
# SCTP: incoming messages over the local maximum, and the reassembly buffer
# ============================================================================================
#
# Both ways of carrying user messages: plain DATA (RFC 9260; what aiortc and browsers use)
# and I-DATA (RFC 8260, when both sides offer interleaving).

SMALL = SctpConfig(receive_buffer=64 * 1024, max_message_size=16 * 1024)
#: What a receiver with SMALL may hold at most: its buffer, one largest message and one
#: packet beyond it (so a hole right after the cumulative TSN can still be filled), and
#: the bookkeeping of each entry.
SMALL_BOUND = SMALL.receive_buffer + SMALL.max_message_size + SMALL.mtu + 64 * ENTRY_OVERHEAD
MODES = pytest.mark.parametrize("interleaving", [False, True], ids=["DATA", "I-DATA"])


def _established(interleaving: bool) -> tuple[Pump, Association, int, int]:
    """An association whose sender has no limit of its own, to a SMALL receiver."""
    sender = SctpConfig(receive_buffer=4 << 20, max_message_size=4 << 20, interleaving=interleaving)
    p = Pump(config=sender, config_b=replace(SMALL, interleaving=interleaving))
    p.connect()
    b = p.b.assoc
    assert b.interleaving is interleaving
    return p, b, b._local_tag, b._received.cumulative


def _fragments(
    interleaving: bool, cum: int, sid: int, count: int, *, unordered: bool = False
) -> Iterator[bytes]:
    """``count`` fragments of one message (TSNs from cum + 1) that never ends."""
    for i in range(count):
        flags = (FLAG_BEGIN if i == 0 else 0) | (FLAG_UNORDERED if unordered else 0)
        payload = bytes([i % 256]) * 1100
        tsn = (cum + 1 + i) & 0xFFFFFFFF
        if interleaving:
            yield IDataChunk(tsn, sid, 0, i, 53, payload, flags).encode()
        else:
            yield DataChunk(tsn, sid, 0, 53, payload, flags).encode()


def _counted_drops(b: Association) -> int:
    """Chunks or messages the receiver dropped for lack of room or for their size."""
    reasm = b._reassembly
    return (
        b.stats.get("data_dropped_buffer_full", 0)
        + sum(v for k, v in b.stats.items() if "large" in k or "oversize" in k)
        + getattr(reasm, "oversized", 0)
        + reasm.dropped
    )


@MODES
def test_a_never_ending_message_in_order_does_not_grow_memory(interleaving: bool) -> None:
    """A hostile peer sends fragments of one message in TSN order (each right after the
    cumulative TSN, the case the buffer must let through to avoid deadlock) and never ends
    it, ignoring the window: 20 MB sent, the receiver holds a bounded amount and drops the
    rest (counted) or, once not even the next chunk in sequence fits (only a message beyond
    max-message-size does that), aborts the association; it never raises."""
    _, b, tag, cum = _established(interleaving)
    now = 1.0
    sent = peak = 0
    for chunk in _fragments(interleaving, cum, 1, 18_200):
        b.handle_packet(now, encode_packet(5000, 5000, tag, [chunk]))
        sent += len(chunk)
        peak = max(peak, b.receive_buffer_used)
        b.packets_to_send(now)
        while b.next_event() is not None:
            pass
    assert sent > 20_000_000
    assert peak <= SMALL_BOUND
    assert b._reassembly.fragment_count <= SMALL_BOUND // 1100 + 1
    assert _counted_drops(b) > 17_000 or b.state is State.CLOSED


@MODES
def test_never_ending_messages_on_many_streams_do_not_grow_memory(interleaving: bool) -> None:
    """The same spread over 1,000 streams, interleaved, unordered and ordered."""
    _, b, tag, cum = _established(interleaving)
    rng = random.Random(5)
    tsn = cum
    peak = 0
    for round_ in range(20):
        for sid in range(1000):
            tsn += 1
            flags = (FLAG_BEGIN if round_ == 0 else 0) | (FLAG_UNORDERED if sid % 2 else 0)
            payload = rng.randbytes(900)
            chunk = (
                IDataChunk(tsn & 0xFFFFFFFF, sid, 0, round_, 53, payload, flags)
                if interleaving
                else DataChunk(tsn & 0xFFFFFFFF, sid, 0, 53, payload, flags)
            )
            b.handle_packet(2.0, encode_packet(5000, 5000, tag, [chunk.encode()]))
            peak = max(peak, b.receive_buffer_used)
        b.packets_to_send(2.0)
    assert peak <= SMALL_BOUND
    assert b.stats.get("data_dropped_buffer_full", 0) > 0


@MODES
def test_a_message_above_the_receive_buffer_is_never_delivered_and_memory_stays_bounded(
    interleaving: bool,
) -> None:
    """A peer that ignores our a=max-message-size sends a 300 KB message to a receiver
    with a 64 KiB buffer: memory stays bounded and the message is not delivered. (What
    happens to the association then: see ``..._does_not_stall_the_association``.)"""
    p, b, _, _ = _established(interleaving)
    p.a.assoc.send(p.now, 1, 53, bytes(300_000))
    peak = 0
    end = p.now + 60.0
    while p.now < end and p.step(horizon=end):
        peak = max(peak, b.receive_buffer_used)
    assert peak <= SMALL_BOUND
    assert [m for m in p.b.messages if len(m.data) == 300_000] == []
    assert _counted_drops(b) > 0


@pytest.mark.parametrize(
    "interleaving",
    [False, True],
    ids=["DATA", "I-DATA"],
)
def test_an_incoming_message_above_max_message_size_is_refused(interleaving: bool) -> None:
    """RFC 8841 §6.1: the peer must not send more than our a=max-message-size. One that
    does (40 KB to a 16 KiB maximum, within the 64 KiB buffer) is not delivered: dropped
    and counted, or the association is aborted; either way the application never gets it."""
    p, b, _, _ = _established(interleaving)
    p.a.assoc.send(p.now, 1, 53, bytes(40_000))
    p.a.assoc.send(p.now, 2, 53, b"next")
    p.run(lambda: bool(p.b.messages) or bool(p.b.of(Closed)), max_time=60.0)
    p.advance(2.0)
    assert [m for m in p.b.messages if len(m.data) == 40_000] == []
    assert p.b.of(Aborted) or _counted_drops(b) > 0


@pytest.mark.parametrize(
    "interleaving",
    [False, True],
    ids=["DATA", "I-DATA"],
)
def test_a_message_that_cannot_fit_does_not_stall_the_association(interleaving: bool) -> None:
    """After a 300 KB message to a 64 KiB receiver, a small message on another stream must
    still arrive, or the association must end (so the application learns of it)."""
    p, _, _, _ = _established(interleaving)
    p.a.assoc.send(p.now, 1, 53, bytes(300_000))
    p.a.assoc.send(p.now, 2, 53, b"after")
    p.run(
        lambda: (
            any(m.data == b"after" for m in p.b.messages) or bool(p.b.of(Closed) or p.a.of(Closed))
        ),
        max_time=120.0,
    )


def test_data_on_a_stream_beyond_the_negotiated_count_is_dropped_and_counted() -> None:
    """The number of channels a peer can open is bounded by the inbound streams we accept
    (RFC 8831 §6.2; a DCEP OPEN on a stream beyond them never creates a channel): DATA on
    such a stream is acknowledged, dropped, reported (§3.3.10.1) and counted."""
    config = replace(SMALL, inbound_streams=8, interleaving=False)
    p = Pump(config=SctpConfig(interleaving=False), config_b=config)
    p.connect()
    b = p.b.assoc
    assert b.inbound_streams == 8
    tag, cum = b._local_tag, b._received.cumulative
    for i, sid in enumerate([8, 100, 65534]):
        chunk = DataChunk((cum + 1 + i) & 0xFFFFFFFF, sid, 0, 50, b"\x03" + bytes(11))
        b.handle_packet(p.now, encode_packet(5000, 5000, tag, [chunk.encode()]))
    assert b.stats["data_invalid_stream"] == 3
    assert not [e for e in iter(b.next_event, None) if isinstance(e, MessageReceived)]
