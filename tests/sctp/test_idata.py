"""User message interleaving (RFC 8260): negotiation, I-DATA both ways under loss, the
interleaving scheduler, PR-SCTP with I-FORWARD-TSN, stream reset, and crafted input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtcpeer.sctp import (
    Aborted,
    Association,
    ChunkType,
    Connected,
    DataChunk,
    ErrorChunk,
    IDataChunk,
    IForwardTsnChunk,
    InitChunk,
    MessageReceived,
    OutgoingStreamsReset,
    SctpConfig,
    StreamReset,
    encode_packet,
    parse_packet,
)
from rtcpeer.sctp.constants import CauseCode
from rtcpeer.sctp.streams import InterleavedReassembly
from tests.sctp.pump import Pump

B, E, U = 0x02, 0x01, 0x04
ON = SctpConfig(interleaving=True)
OFF = SctpConfig(interleaving=False)
#: I-DATA payload of a full packet: 1200 - 12 common header - 20 chunk header.
FULL = 1168


def chunks_of(packets: list[bytes]) -> list[object]:
    return [c for packet in packets for c in parse_packet(packet).chunks]


def types_sent(packets: list[bytes]) -> set[int]:
    return {int(type(c).TYPE) for c in chunks_of(packets)}  # type: ignore[attr-defined]


def payload(stream: int, index: int, size: int) -> bytes:
    head = f"{stream}:{index}:".encode()
    return (head * (size // len(head) + 1))[:size]


# ------------------------------------------------------------------------ negotiation


def test_both_offer_interleaving_and_use_idata() -> None:
    p = Pump(config=ON)
    p.connect()
    init = parse_packet(p.a.sent[0]).chunks[0]
    assert isinstance(init, InitChunk)
    assert {ChunkType.I_DATA, ChunkType.I_FORWARD_TSN} <= init.supported_extensions
    assert p.a.assoc.interleaving and p.b.assoc.interleaving
    assert p.a.of(Connected) == [Connected(65535, 65535, True, True)]
    p.a.assoc.send(p.now, 1, 53, b"x" * 5000)
    p.b.assoc.send(p.now, 2, 51, b"hello")
    p.settle()
    assert [m.data for m in p.b.messages] == [b"x" * 5000]
    assert [m.data for m in p.a.messages] == [b"hello"]
    sent = types_sent(p.a.sent) | types_sent(p.b.sent)
    assert ChunkType.I_DATA in sent and ChunkType.DATA not in sent


def test_one_side_without_interleaving_uses_data() -> None:
    for config, config_b in ((OFF, ON), (ON, OFF)):
        p = Pump(config=config, config_b=config_b)
        p.connect()
        assert not p.a.assoc.interleaving and not p.b.assoc.interleaving
        p.a.assoc.send(p.now, 1, 53, b"y" * 3000)
        p.b.assoc.send(p.now, 1, 53, b"z" * 3000)
        p.settle()
        assert [m.data for m in p.b.messages] == [b"y" * 3000]
        assert [m.data for m in p.a.messages] == [b"z" * 3000]
        sent = types_sent(p.a.sent) | types_sent(p.b.sent)
        assert ChunkType.DATA in sent and ChunkType.I_DATA not in sent
    # The side that does not offer it lists neither I-DATA nor I-FORWARD-TSN.
    p = Pump(config=OFF, config_b=ON)
    p.connect()
    init = parse_packet(p.a.sent[0]).chunks[0]
    assert isinstance(init, InitChunk)
    assert ChunkType.I_DATA not in init.supported_extensions
    assert ChunkType.I_FORWARD_TSN not in init.supported_extensions


def test_idata_without_forward_tsn_has_no_partial_reliability() -> None:
    p = Pump(config=ON, config_b=SctpConfig(interleaving=True, forward_tsn=False))
    p.connect()
    assert p.a.assoc.interleaving
    assert p.a.of(Connected) == [Connected(65535, 65535, False, True)]
    init = parse_packet(p.b.sent[0]).chunks[0]
    assert ChunkType.I_FORWARD_TSN not in init.supported_extensions  # type: ignore[union-attr]


# ------------------------------------------------------------------ delivery property

_SIZES = st.one_of(
    st.sampled_from([1, 2, FULL - 1, FULL, FULL + 1, 2 * FULL, 2 * FULL + 1, 20000]),
    st.integers(1, 9000),
)
_MESSAGES = st.lists(
    st.tuples(st.integers(0, 3), _SIZES, st.booleans(), st.booleans()), min_size=1, max_size=14
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    messages=_MESSAGES,
    seed=st.integers(1, 10_000),
    loss=st.sampled_from([0.0, 0.05, 0.15]),
    duplicate=st.sampled_from([0.0, 0.1]),
)
def test_every_message_arrives_once_and_in_order(
    messages: list[tuple[int, int, bool, bool]], seed: int, loss: float, duplicate: float
) -> None:
    p = Pump(config=ON, seed=seed, loss=loss, jitter=0.02, duplicate=duplicate)
    p.connect()
    p.loss = loss
    expected: dict[tuple[str, int, bool], list[bytes]] = {}
    for i, (stream, size, ordered, a_to_b) in enumerate(messages):
        sender = p.a if a_to_b else p.b
        data = payload(stream, i, size)
        sender.assoc.send(p.now, stream, 53, data, ordered=ordered)
        expected.setdefault(("ab" if a_to_b else "ba", stream, ordered), []).append(data)
    p.settle()
    got: dict[tuple[str, int, bool], list[bytes]] = {}
    for direction, side in (("ab", p.b), ("ba", p.a)):
        for m in side.messages:
            got.setdefault((direction, m.stream_id, m.ordered), []).append(m.data)
        assert side.assoc.receive_buffer_used == 0
    assert got.keys() == expected.keys()
    for key, sent in expected.items():
        if key[2]:
            assert got[key] == sent  # ordered: exactly once, in order
        else:
            assert sorted(got[key]) == sorted(sent)  # unordered: exactly once
    assert ChunkType.DATA not in types_sent(p.a.sent) | types_sent(p.b.sent)


def test_largest_messages_both_ways_under_loss_reorder_and_duplication() -> None:
    p = Pump(config=ON, seed=7, loss=0.05, jitter=0.03, duplicate=0.05)
    p.connect()
    big = [payload(s, s, 256 * 1024) for s in range(3)]
    for s in range(3):
        p.a.assoc.send(p.now, s, 53, big[s], ordered=s != 1)
        p.b.assoc.send(p.now, s + 4, 53, big[s])
    p.a.assoc.send(p.now, 9, 51, b"tiny")
    p.settle()
    assert sorted(m.data for m in p.b.messages) == sorted([*big, b"tiny"])
    assert sorted(m.data for m in p.a.messages) == sorted(big)
    assert p.a.assoc.stats.get("retransmissions", 0) > 0
    assert p.b.assoc.stats.get("data_duplicates", 0) > 0


# ------------------------------------------------------------------- interleaving


def _arrivals(p: Pump, want: int) -> list[tuple[int, float]]:
    """Step until ``want`` messages reached b: [(stream, arrival time), ...] in order."""
    out: list[tuple[int, float]] = []
    while len(out) < want:
        assert p.step(), "the pump went idle"
        assert p.now < 600
        for m in p.b.messages[len(out) :]:
            out.append((m.stream_id, p.now))
    return out


def _big_then_small(config: SctpConfig) -> tuple[list[tuple[int, float]], float]:
    p = Pump(config=config, latency=0.02)
    p.connect()
    p.a.assoc.send(p.now, 1, 53, bytes(256 * 1024))
    # Let the large message get going (several packets in flight), then the small one.
    while p.a.assoc.flight_size == 0:
        p.step()
    p.advance(0.05)
    assert p.a.assoc.buffered_amount > 200 * 1024
    sent_small = p.now
    p.a.assoc.send(p.now, 3, 51, b"0123456789")
    return _arrivals(p, 2), sent_small


def test_small_message_overtakes_a_large_one_on_another_stream() -> None:
    (first, second), sent_small = _big_then_small(ON)
    assert first[0] == 3 and second[0] == 1
    rtt = 0.04
    # It goes with the next packets and arrives about a round trip later ...
    assert first[1] - sent_small <= 2 * rtt
    # ... long before the large message completes.
    assert second[1] - first[1] > 5 * rtt


def test_without_interleaving_the_small_message_waits() -> None:
    (first, second), _ = _big_then_small(OFF)
    assert first[0] == 1 and second[0] == 3


def test_fragments_alternate_between_streams() -> None:
    p = Pump(config=ON)
    p.connect()
    for s in (1, 2, 3):
        p.a.assoc.send(p.now, s, 53, bytes(10 * FULL))
    p.settle()
    streams = [c.stream_id for c in chunks_of(p.a.sent) if isinstance(c, IDataChunk)]
    assert streams[:9] == [1, 2, 3] * 3
    assert len(p.b.messages) == 3


# ------------------------------------------------------------- PR-SCTP, I-FORWARD-TSN


def test_partial_reliability_with_iforward_tsn_under_loss() -> None:
    p = Pump(config=ON, seed=3, loss=0.2, jitter=0.01)
    p.connect()
    reliable = [payload(3, i, 1500 + 97 * i) for i in range(30)]
    pr_ordered = [payload(1, i, 300 + 450 * i) for i in range(30)]
    pr_unordered = [payload(2, i, 2500 + 131 * i) for i in range(30)]
    for i in range(30):
        p.a.assoc.send(p.now, 1, 53, pr_ordered[i], max_retransmits=0)
        p.a.assoc.send(p.now, 2, 53, pr_unordered[i], ordered=False, lifetime=0.05)
        p.a.assoc.send(p.now, 3, 53, reliable[i])
    p.settle()
    got = {s: [m.data for m in p.b.messages if m.stream_id == s] for s in (1, 2, 3)}
    assert got[3] == reliable
    # Partially reliable: each at most once, ordered ones in order.
    assert len(set(got[1])) == len(got[1]) and set(got[1]) <= set(pr_ordered)
    assert got[1] == [m for m in pr_ordered if m in got[1]]
    assert len(set(got[2])) == len(got[2]) and set(got[2]) <= set(pr_unordered)
    assert len(got[1]) < 30 or len(got[2]) < 30
    sent = types_sent(p.a.sent)
    assert ChunkType.I_FORWARD_TSN in sent and ChunkType.FORWARD_TSN not in sent
    assert p.b.assoc.stats["forward_tsn_received"] > 0
    # Nothing of the skipped messages stays behind, and the streams keep flowing.
    assert p.b.assoc.receive_buffer_used == 0
    p.loss = 0.0
    p.a.assoc.send(p.now, 1, 53, b"after-1", max_retransmits=0)
    p.a.assoc.send(p.now, 2, 53, b"after-2", ordered=False, max_retransmits=0)
    p.settle()
    assert [m.data for m in p.b.messages[-2:]] == [b"after-1", b"after-2"]


# ------------------------------------------------------------------- stream reset


def test_stream_reset_restarts_mids() -> None:
    p = Pump(config=ON, seed=5, loss=0.05)
    p.connect()
    for i in range(3):
        p.a.assoc.send(p.now, 1, 53, payload(1, i, 3000))
        p.a.assoc.send(p.now, 1, 53, payload(1, 10 + i, 10), ordered=False)
    p.a.assoc.reset_streams(p.now, [1])
    p.a.assoc.send(p.now, 1, 53, b"after-0")
    p.a.assoc.send(p.now, 1, 53, b"after-1")
    p.a.assoc.send(p.now, 1, 53, b"after-u", ordered=False)
    p.settle()
    assert p.a.of(OutgoingStreamsReset) == [OutgoingStreamsReset((1,))]
    assert p.b.of(StreamReset) == [StreamReset((1,))]
    ordered = [m.data for m in p.b.messages if m.ordered]
    assert ordered == [payload(1, i, 3000) for i in range(3)] + [b"after-0", b"after-1"]
    assert sorted(m.data for m in p.b.messages if not m.ordered) == sorted(
        [payload(1, 10 + i, 10) for i in range(3)] + [b"after-u"]
    )
    mids = {
        bytes(c.user_data): (c.mid, c.unordered)
        for c in chunks_of(p.a.sent)
        if isinstance(c, IDataChunk) and c.user_data.startswith(b"after")
    }
    assert mids == {b"after-0": (0, False), b"after-1": (1, False), b"after-u": (0, True)}


# ------------------------------------------------------------------- crafted input


def established(config_b: SctpConfig = ON) -> tuple[Pump, Association, int, int]:
    p = Pump(config=ON, config_b=config_b)
    p.connect()
    b = p.b.assoc
    return p, b, b._local_tag, b._received.cumulative


def feed(b: Association, now: float, tag: int, *chunks: object) -> list[MessageReceived]:
    encoded = [c.encode() for c in chunks]  # type: ignore[attr-defined]
    b.handle_packet(now, encode_packet(5000, 5000, tag, encoded))
    out = []
    while (e := b.next_event()) is not None:
        assert isinstance(e, MessageReceived)
        out.append(e)
    return out


def reasm(b: Association) -> InterleavedReassembly:
    r = b._reassembly
    assert isinstance(r, InterleavedReassembly)
    return r


def test_fragments_reassemble_by_fsn_in_any_order_and_interleaved() -> None:
    p, b, tag, cum = established()
    t = [(cum + i) & 0xFFFFFFFF for i in range(1, 7)]
    a0 = IDataChunk(t[0], 1, 0, 0, 51, b"a0", B)
    b0 = IDataChunk(t[1], 2, 0, 0, 53, b"b0", B | U)
    a1 = IDataChunk(t[2], 1, 0, 1, 0, b"a1", 0)
    b1 = IDataChunk(t[3], 2, 0, 1, 0, b"b1", E | U)
    a2 = IDataChunk(t[4], 1, 0, 2, 0, b"a2", E)
    assert feed(b, p.now, tag, a2, b1) == []
    assert feed(b, p.now, tag, b0) == [MessageReceived(2, 53, b"b0b1", False)]
    assert feed(b, p.now, tag, a1, a0) == [MessageReceived(1, 51, b"a0a1a2", True)]
    assert b.receive_buffer_used == 0 and reasm(b).partial_count == 0


def test_ordered_delivery_by_mid() -> None:
    p, b, tag, cum = established()
    t = [(cum + i) & 0xFFFFFFFF for i in range(1, 5)]
    assert feed(b, p.now, tag, IDataChunk(t[1], 4, 1, 0, 51, b"m1", B | E)) == []
    assert feed(b, p.now, tag, IDataChunk(t[2], 4, 2, 0, 51, b"m2", B | E)) == []
    got = feed(b, p.now, tag, IDataChunk(t[0], 4, 0, 0, 51, b"m0", B | E))
    assert [m.data for m in got] == [b"m0", b"m1", b"m2"]
    # A stale MID (already delivered) under a new TSN is dropped.
    assert feed(b, p.now, tag, IDataChunk(t[3], 4, 1, 0, 51, b"old", B | E)) == []
    assert b.receive_buffer_used == 0


def test_bad_fragments_are_dropped_and_counted() -> None:
    p, b, tag, cum = established()
    r = reasm(b)
    t = [(cum + i) & 0xFFFFFFFF for i in range(1, 10)]
    # A duplicate FSN under another TSN, then a second E: the message is no message.
    feed(b, p.now, tag, IDataChunk(t[0], 1, 0, 0, 51, b"x", B | U))
    feed(b, p.now, tag, IDataChunk(t[1], 1, 0, 2, 0, b"y", U))
    before = r.dropped
    feed(b, p.now, tag, IDataChunk(t[2], 1, 0, 2, 0, b"y", U))
    assert r.dropped == before + 1
    assert feed(b, p.now, tag, IDataChunk(t[3], 1, 0, 1, 0, b"e", E | U)) == []
    assert r.partial_count == 0 and b.receive_buffer_used == 0
    # A non-first fragment claiming FSN 0.
    assert feed(b, p.now, tag, IDataChunk(t[4], 1, 7, 0, 0, b"z", E)) == []
    assert r.partial_count == 0
    assert b.is_established


def test_oversized_message_is_dropped_and_the_stream_flows_on() -> None:
    config = SctpConfig(interleaving=True, max_message_size=4096, receive_buffer=64 * 1024)
    p, b, tag, cum = established(config)
    r = reasm(b)
    t = [(cum + i) & 0xFFFFFFFF for i in range(1, 6)]
    feed(b, p.now, tag, IDataChunk(t[0], 1, 0, 0, 51, bytes(2000), B))
    feed(b, p.now, tag, IDataChunk(t[1], 1, 0, 1, 0, bytes(2000), 0))
    feed(b, p.now, tag, IDataChunk(t[2], 1, 0, 2, 0, bytes(2000), 0))
    assert r.oversized == 1 and r.partial_count == 0
    # Its late end is recognised, and MID 1 is delivered without waiting for MID 0.
    assert feed(b, p.now, tag, IDataChunk(t[3], 1, 0, 3, 0, b"end", E)) == []
    got = feed(b, p.now, tag, IDataChunk(t[4], 1, 1, 0, 51, b"next", B | E))
    assert [m.data for m in got] == [b"next"]
    assert b.receive_buffer_used == 0


def test_iforward_tsn_skips_partial_and_ordered_messages() -> None:
    p, b, tag, cum = established()
    t = [(cum + i) & 0xFFFFFFFF for i in range(1, 8)]
    # Unordered MID 5 on stream 2: its first fragment (t0) is lost, its second held.
    feed(b, p.now, tag, IDataChunk(t[1], 2, 5, 1, 0, b"u1", U))
    # Ordered MID 0 on stream 1 (t2) lost; MID 1 complete and waiting.
    assert feed(b, p.now, tag, IDataChunk(t[3], 1, 1, 0, 51, b"o1", B | E)) == []
    assert reasm(b).partial_count == 1
    fwd = IForwardTsnChunk(t[2], ((2, True, 5), (1, False, 0)))
    got = feed(b, p.now, tag, fwd)
    assert [m.data for m in got] == [b"o1"]
    assert reasm(b).partial_count == 0 and b.receive_buffer_used == 0
    assert b._received.cumulative & 0xFFFFFFFF == t[3]
    # A late fragment of the skipped unordered message is dropped, not held.
    assert feed(b, p.now, tag, IDataChunk(t[4], 2, 5, 2, 0, b"u2", E | U)) == []
    assert reasm(b).partial_count == 0
    # The next unordered message on that stream is taken.
    got = feed(b, p.now, tag, IDataChunk(t[5], 2, 6, 0, 53, b"u6", B | E | U))
    assert [m.data for m in got] == [b"u6"]


def test_data_chunk_after_negotiating_idata_aborts() -> None:
    p, b, tag, cum = established()
    data = DataChunk((cum + 1) & 0xFFFFFFFF, 0, 0, 51, b"x").encode()
    b.handle_packet(p.now, encode_packet(5000, 5000, tag, [data]))
    event = b.next_event()
    assert isinstance(event, Aborted) and "I-DATA" in event.reason


def test_idata_without_user_data_aborts() -> None:
    p, b, tag, cum = established()
    empty = IDataChunk((cum + 1) & 0xFFFFFFFF, 0, 0, 0, 51, b"", B | E).encode()
    b.handle_packet(p.now, encode_packet(5000, 5000, tag, [empty]))
    event = b.next_event()
    assert isinstance(event, Aborted) and "user data" in event.reason


def test_idata_when_not_negotiated_is_an_unrecognized_chunk() -> None:
    p = Pump(config=OFF, config_b=ON)
    p.connect()
    b = p.b.assoc
    cum = b._received.cumulative
    chunk = IDataChunk((cum + 1) & 0xFFFFFFFF, 0, 0, 0, 51, b"x", B | E).encode()
    b.handle_packet(p.now, encode_packet(5000, 5000, b._local_tag, [chunk]))
    assert b.next_event() is None
    out = chunks_of(b.packets_to_send(p.now))
    assert any(
        isinstance(c, ErrorChunk) and c.causes[0].code == CauseCode.UNRECOGNIZED_CHUNK_TYPE
        for c in out
    )
    assert b.stats["chunks_unrecognized"] == 1


def test_fast_retransmit_with_idata() -> None:
    dropped: list[bytes] = []
    count = [0]

    def drop_third(direction: str, packet: bytes) -> bool:
        if direction == "ab" and ChunkType.I_DATA in types_sent([packet]):
            count[0] += 1
            if count[0] == 3:
                dropped.append(packet)
                return False
        return True

    p = Pump(config=ON, filter=drop_third)
    p.connect()
    data = bytes(range(256)) * 200
    p.a.assoc.send(p.now, 0, 53, data)
    start = p.now
    p.run(lambda: bool(p.b.messages))
    assert p.b.messages[0].data == data and dropped
    assert p.a.assoc.stats["fast_retransmits"] == 1
    assert p.now - start < 0.5


_RANDOM_IDATA = st.lists(
    st.tuples(
        st.integers(1, 40),  # TSN offset above the cumulative ack
        st.integers(0, 2),  # stream
        st.integers(0, 3),  # MID
        st.integers(0, 4),  # FSN (or PPID with B)
        st.integers(0, 15),  # flags
        st.integers(1, 700),  # payload size
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(chunks=_RANDOM_IDATA, forward=st.booleans())
def test_random_idata_never_raises_and_memory_adds_up(
    chunks: list[tuple[int, int, int, int, int, int]], forward: bool
) -> None:
    config = SctpConfig(interleaving=True, max_message_size=2048, receive_buffer=16 * 1024)
    p, b, tag, cum = established(config)
    r = reasm(b)
    for off, sid, mid, fsn, flags, size in chunks:
        chunk = IDataChunk(
            (cum + off) & 0xFFFFFFFF, sid, mid, 0 if flags & B else fsn, fsn, bytes(size), flags
        )
        b.handle_packet(p.now, encode_packet(5000, 5000, tag, [chunk.encode()]))
        assert b.is_established
    if forward:
        entries = tuple((sid, u, mid) for sid in range(3) for u in (False, True) for mid in (3,))
        b.handle_packet(
            p.now,
            encode_packet(
                5000, 5000, tag, [IForwardTsnChunk((cum + 40) & 0xFFFFFFFF, entries).encode()]
            ),
        )
    held = sum(q.size + 64 * len(q.parts) for q in r._partials.values()) + sum(
        64 + (len(w[1]) if w is not None else 0) for ws in r._mwaiting.values() for w in ws.values()
    )
    assert r.held == held
    if forward:
        assert r.held == 0
    while b.next_event() is not None:
        pass
    assert r.undelivered == 0
    assert b.receive_buffer_used <= 16 * 1024 + 2048 + FULL
