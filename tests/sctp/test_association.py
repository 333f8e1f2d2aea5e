"""Two associations through the in-memory pump: handshake, data, loss, PR-SCTP, resets."""

from __future__ import annotations

import random

import pytest

from rtcpeer.sctp import (
    Aborted,
    Association,
    ChunkType,
    Closed,
    Connected,
    CookieEchoChunk,
    DataChunk,
    InitChunk,
    MessageReceived,
    MessageTooLargeError,
    OutgoingStreamsReset,
    SctpConfig,
    SctpStateError,
    SctpUsageError,
    State,
    StreamReset,
    encode_packet,
    parse_packet,
)
from tests.sctp.pump import Pump


def chunk_types(packet: bytes) -> list[int]:
    return [type(c).TYPE if not hasattr(c, "type") else c.type for c in parse_packet(packet).chunks]


def per_stream(messages: list[MessageReceived]) -> dict[int, list[bytes]]:
    out: dict[int, list[bytes]] = {}
    for m in messages:
        out.setdefault(m.stream_id, []).append(m.data)
    return out


# ------------------------------------------------------------------------ handshake


def test_handshake() -> None:
    p = Pump()
    p.connect()
    for side in (p.a, p.b):
        assert side.assoc.state is State.ESTABLISHED
        (connected,) = side.of(Connected)
        assert connected == Connected(65535, 65535, True, True)
    # INIT, COOKIE ECHO from a; INIT ACK, COOKIE ACK from b: four packets.
    assert [chunk_types(x) for x in p.a.sent] == [[ChunkType.INIT], [ChunkType.COOKIE_ECHO]]
    assert [chunk_types(x) for x in p.b.sent] == [[ChunkType.INIT_ACK], [ChunkType.COOKIE_ACK]]
    init = parse_packet(p.a.sent[0])
    assert init.verification_tag == 0
    assert init.source_port == init.destination_port == 5000
    assert len(p.a.sent[0]) <= 1200


def test_handshake_negotiates_streams_and_features() -> None:
    p = Pump(
        config=SctpConfig(outbound_streams=10, inbound_streams=20),
        config_b=SctpConfig(outbound_streams=16, inbound_streams=5, forward_tsn=False),
    )
    p.connect()
    assert p.a.of(Connected) == [Connected(5, 16, False, True)]
    assert p.b.of(Connected) == [Connected(16, 5, False, True)]
    with pytest.raises(SctpUsageError):
        p.a.assoc.send(p.now, 5, 51, b"x")


def test_simultaneous_open() -> None:
    """§5.2.1 / §5.2.4: both sides send INIT (Chrome does); both still connect once."""
    p = Pump()
    p.a.assoc.associate(0.0)
    p.b.assoc.associate(0.0)
    p.run(lambda: p.a.assoc.is_established and p.b.assoc.is_established)
    p.advance(2.0)
    assert len(p.a.of(Connected)) == len(p.b.of(Connected)) == 1
    p.a.assoc.send(p.now, 0, 51, b"ping")
    p.b.assoc.send(p.now, 0, 51, b"pong")
    p.settle()
    assert [m.data for m in p.b.messages] == [b"ping"]
    assert [m.data for m in p.a.messages] == [b"pong"]


def test_handshake_under_loss() -> None:
    p = Pump(seed=11, loss=0.5)
    p.connect()
    p.a.assoc.send(p.now, 0, 51, b"after a lossy handshake")
    p.settle()
    assert p.b.messages[0].data == b"after a lossy handshake"


def test_handshake_gives_up() -> None:
    p = Pump(filter=lambda direction, packet: False)
    p.a.assoc.associate(0.0)
    p.run(lambda: bool(p.a.of(Closed)), max_time=1000)
    (closed,) = p.a.of(Closed)
    assert "Max.Init.Retransmits" in closed.reason
    # The first INIT and Max.Init.Retransmits (8) retransmissions.
    assert len(p.a.sent) == 9


def test_associate_twice_is_an_error() -> None:
    a = Association(rng=random.Random(1))
    a.associate(0.0)
    with pytest.raises(SctpStateError):
        a.associate(0.0)


def test_data_queued_before_established_is_sent() -> None:
    p = Pump()
    p.a.assoc.send(0.0, 3, 51, b"early")
    p.a.assoc.associate(0.0)
    p.settle()
    assert [(m.stream_id, m.data) for m in p.b.messages] == [(3, b"early")]


# ------------------------------------------------------------------------ cookies


def _cookie_echo_packet(p: Pump) -> tuple[bytes, bytes]:
    """Run a's INIT to b and b's INIT ACK back; return (a's COOKIE ECHO packet, cookie)."""
    p.a.assoc.associate(0.0)
    (init,) = p.a.assoc.packets_to_send(0.0)
    p.b.assoc.handle_packet(0.0, init)
    (init_ack,) = p.b.assoc.packets_to_send(0.0)
    p.a.assoc.handle_packet(0.0, init_ack)
    (echo,) = p.a.assoc.packets_to_send(0.0)
    chunk = parse_packet(echo).chunks[0]
    assert isinstance(chunk, CookieEchoChunk)
    return echo, chunk.cookie


def test_cookie_with_wrong_mac_is_rejected() -> None:
    p = Pump()
    echo, cookie = _cookie_echo_packet(p)
    forged = bytearray(cookie)
    forged[-1] ^= 1
    vtag = parse_packet(echo).verification_tag
    packet = encode_packet(5000, 5000, vtag, [CookieEchoChunk(bytes(forged)).encode()])
    p.b.assoc.handle_packet(0.01, packet)
    assert p.b.assoc.state is State.CLOSED
    assert p.b.assoc.stats["cookie_invalid"] == 1
    assert p.b.assoc.packets_to_send(0.01) == []
    # The genuine one still works.
    p.b.assoc.handle_packet(0.02, echo)
    assert p.b.assoc.is_established


def test_cookie_from_another_key_is_rejected() -> None:
    p = Pump()
    echo, _ = _cookie_echo_packet(p)
    other = Association(rng=random.Random(99))
    other.handle_packet(0.01, echo)
    assert other.state is State.CLOSED
    assert other.stats["cookie_invalid"] == 1


def test_expired_cookie_is_rejected() -> None:
    p = Pump(config_b=SctpConfig(cookie_lifetime=1.0))
    echo, _ = _cookie_echo_packet(p)
    p.b.assoc.handle_packet(5.0, echo)
    assert p.b.assoc.state is State.CLOSED
    assert p.b.assoc.stats["cookie_stale"] >= 1
    (error,) = p.b.assoc.packets_to_send(5.0)
    assert chunk_types(error) == [ChunkType.ERROR]
    # The client starts over with a new INIT (§5.2.6) and connects.
    p.a.assoc.handle_packet(5.0, error)
    assert p.a.assoc.state is State.COOKIE_WAIT
    p.now = 5.0
    p.run(lambda: p.a.assoc.is_established and p.b.assoc.is_established)


def test_stale_cookies_forever_close_the_client() -> None:
    p = Pump(latency=0.2, config_b=SctpConfig(cookie_lifetime=0.1))
    p.a.assoc.associate(0.0)
    p.run(lambda: bool(p.a.of(Closed)), max_time=1000)
    assert p.b.assoc.stats["cookie_stale"] >= 8
    assert "stale" in p.a.of(Closed)[0].reason


def test_cookie_preservative_rescues_a_slow_path() -> None:
    """§5.2.6: after a Stale Cookie error the INIT asks for a longer cookie lifetime."""
    p = Pump(latency=0.6, config_b=SctpConfig(cookie_lifetime=1.0))
    p.connect()
    assert p.b.assoc.stats["cookie_stale"] >= 1


def test_init_with_bundled_chunks_or_nonzero_tag_is_dropped() -> None:
    b = Association(rng=random.Random(2))
    init = InitChunk(1234, 100000, 10, 10, 1).encode()
    b.handle_packet(0.0, encode_packet(5000, 5000, 0, [init, init]))
    b.handle_packet(0.0, encode_packet(5000, 5000, 7, [init]))
    assert b.packets_to_send(0.0) == []
    assert b.stats["packets_bad_tag"] == 2


# ------------------------------------------------------------------------ data


@pytest.mark.parametrize("ordered", [True, False])
def test_messages_of_many_sizes_both_ways(ordered: bool) -> None:
    p = Pump(seed=2)
    p.connect()
    rng = random.Random(7)
    sizes = [1, 2, 3, 4, 5, 100, 1171, 1172, 1173, 1200, 2345, 10_000, 65_536, 200_000]
    sent: dict[str, dict[int, list[bytes]]] = {"a": {}, "b": {}}
    for i, size in enumerate(sizes * 2):
        for name, side in (("a", p.a), ("b", p.b)):
            sid = rng.randrange(40)
            data = rng.randbytes(size)
            side.assoc.send(p.now, sid, 51 + i % 2 * 2, data, ordered=ordered)
            sent[name].setdefault(sid, []).append(data)
    p.settle()
    for name, receiver in (("a", p.b), ("b", p.a)):
        got = per_stream(receiver.messages)
        assert all(m.ordered is ordered for m in receiver.messages)
        if ordered:
            assert got == sent[name]
        else:
            assert {k: sorted(v) for k, v in got.items()} == {
                k: sorted(v) for k, v in sent[name].items()
            }


def test_packets_never_exceed_the_mtu() -> None:
    p = Pump()
    p.connect()
    for size in (1, 50, 1172, 1173, 5000, 70_000):
        p.a.assoc.send(p.now, 0, 53, bytes(size))
        p.a.assoc.send(p.now, 1, 53, bytes(size), ordered=False)
    p.settle()
    assert max(len(x) for x in p.a.sent) == 1200
    assert all(len(x) <= 1200 for x in p.a.sent + p.b.sent)


def test_small_messages_are_bundled() -> None:
    p = Pump()
    p.connect()
    before = len(p.a.sent)
    for i in range(100):
        p.a.assoc.send(p.now, i % 5, 51, b"tiny")
    p.settle()
    data_packets = [x for x in p.a.sent[before:] if ChunkType.DATA in chunk_types(x)]
    assert len(data_packets) <= 5
    assert len(p.b.messages) == 100


def test_ppids_and_flags_reach_the_receiver() -> None:
    p = Pump()
    p.connect()
    for ppid in (50, 51, 53, 54, 56, 57, 0xFFFFFFFF):
        p.a.assoc.send(p.now, 7, ppid, b"\x00")
    p.settle()
    assert [m.ppid for m in p.b.messages] == [50, 51, 53, 54, 56, 57, 0xFFFFFFFF]


def test_send_validation() -> None:
    p = Pump()
    p.connect()
    with pytest.raises(MessageTooLargeError) as info:
        p.a.assoc.send(p.now, 0, 53, bytes(256 * 1024 + 1))
    assert info.value.limit == 256 * 1024
    p.a.assoc.send(p.now, 0, 53, bytes(256 * 1024))
    with pytest.raises(SctpUsageError):
        p.a.assoc.send(p.now, 0, 53, b"")
    with pytest.raises(SctpUsageError):
        p.a.assoc.send(p.now, 65535, 53, b"x")
    with pytest.raises(SctpUsageError):
        p.a.assoc.send(p.now, 0, 1 << 32, b"x")
    with pytest.raises(SctpUsageError):
        p.a.assoc.send(p.now, 0, 1, b"x", max_retransmits=-1)
    small = Pump(config=SctpConfig(max_message_size=1000, receive_buffer=4000))
    with pytest.raises(MessageTooLargeError):
        small.a.assoc.send(0.0, 0, 53, bytes(1001))


def test_buffered_amount() -> None:
    p = Pump()
    p.connect()
    p.a.assoc.send(p.now, 2, 53, bytes(100_000))
    p.a.assoc.send(p.now, 3, 53, bytes(50))
    assert p.a.assoc.stream_buffered_amount(2) == 100_000
    assert p.a.assoc.buffered_amount == 100_050
    p.settle()
    assert p.a.assoc.buffered_amount == 0
    assert p.a.assoc.stream_buffered_amount(2) == 0


def test_delayed_sack_and_every_second_packet() -> None:
    p = Pump()
    p.connect()
    # One packet of data: the SACK waits for the 200 ms delay.
    p.a.assoc.send(p.now, 0, 51, b"one")
    start = p.now
    p.run(lambda: len(p.b.sent) > 2)
    assert ChunkType.SACK in chunk_types(p.b.sent[2])
    assert p.b.sent_at[2] - start == pytest.approx(0.21, abs=1e-6)
    # Two full packets: SACKed as soon as the second arrives.
    p.advance(1.0)
    mark = len(p.b.sent)
    p.a.assoc.send(p.now, 0, 51, bytes(2000))
    start = p.now
    p.run(lambda: len(p.b.sent) > mark)
    assert p.b.sent_at[mark] - start == pytest.approx(0.01, abs=1e-6)


# ------------------------------------------------------------------------ loss


@pytest.mark.parametrize("loss,seed", [(0.1, 1), (0.2, 2), (0.3, 3)])
def test_reliable_in_order_under_loss(loss: float, seed: int) -> None:
    p = Pump(seed=seed, loss=loss, config=SctpConfig(rto_min=0.2, rto_initial=0.5))
    p.connect()
    rng = random.Random(seed)
    sent: dict[int, list[bytes]] = {}
    for _ in range(150):
        sid = rng.randrange(6)
        data = rng.randbytes(rng.choice([1, 30, 1000, 3000, 20_000]))
        p.a.assoc.send(p.now, sid, 51, data, ordered=sid != 5)
        sent.setdefault(sid, []).append(data)
    p.settle(max_time=3000)
    got = per_stream(p.b.messages)
    assert sum(len(v) for v in got.values()) == 150  # nothing lost, nothing duplicated
    for sid, msgs in sent.items():
        assert (got[sid] if sid != 5 else sorted(got[sid])) == (msgs if sid != 5 else sorted(msgs))
    assert p.a.assoc.stats.get("retransmissions", 0) > 0


def test_reordering_and_duplication() -> None:
    p = Pump(seed=4, jitter=0.03, duplicate=0.1)
    p.connect()
    msgs = [bytes([i]) * (i * 97 % 5000 + 1) for i in range(200)]
    for m in msgs:
        p.a.assoc.send(p.now, 1, 53, m)
    p.settle()
    assert [m.data for m in p.b.messages] == msgs
    assert p.b.assoc.stats.get("data_duplicates", 0) > 0


def test_fast_retransmit() -> None:
    """Drop one DATA packet once: the gap reports bring it back within an RTT or two,
    long before T3-rtx (RTO 1 s) would."""
    dropped: list[bytes] = []

    def drop_third_data(direction: str, packet: bytes) -> bool:
        if direction == "ab" and ChunkType.DATA in chunk_types(packet):
            drop_third_data.count += 1  # type: ignore[attr-defined]
            if drop_third_data.count == 3:  # type: ignore[attr-defined]
                dropped.append(packet)
                return False
        return True

    drop_third_data.count = 0  # type: ignore[attr-defined]
    p = Pump(filter=drop_third_data)
    p.connect()
    data = bytes(range(256)) * 200
    p.a.assoc.send(p.now, 0, 53, data)
    start = p.now
    p.run(lambda: bool(p.b.messages))
    assert p.b.messages[0].data == data
    assert dropped
    assert p.a.assoc.stats["fast_retransmits"] == 1
    assert "t3_expiries" not in p.a.assoc.stats
    assert p.now - start < 0.5


def test_t3_retransmission_after_total_loss() -> None:
    blocked = [True]
    p = Pump(filter=lambda d, pkt: not (blocked[0] and d == "ab"))
    blocked[0] = False
    p.connect()
    blocked[0] = True
    p.a.assoc.send(p.now, 0, 51, b"lost at first")
    p.advance(2.5)
    assert p.a.assoc.stats["t3_expiries"] >= 1
    assert p.a.assoc.rto == pytest.approx(2.0)  # backed off from 1 s
    blocked[0] = False
    p.settle()
    assert [m.data for m in p.b.messages] == [b"lost at first"]


def test_peer_unreachable_closes() -> None:
    blocked = [False]
    p = Pump(filter=lambda d, pkt: not blocked[0])
    p.connect()
    blocked[0] = True
    p.a.assoc.send(p.now, 0, 51, b"into the void")
    p.run(lambda: bool(p.a.of(Closed)), max_time=10_000)
    (closed,) = p.a.of(Closed)
    assert "Association.Max.Retrans" in closed.reason
    assert p.a.assoc.state is State.CLOSED


def test_congestion_window_grows_and_shrinks() -> None:
    p = Pump()
    p.connect()
    initial = p.a.assoc.cwnd
    assert initial == 4380
    p.a.assoc.send(p.now, 0, 53, bytes(200_000))
    p.settle()
    assert p.a.assoc.cwnd > initial * 4
    assert p.a.assoc.srtt == pytest.approx(0.02, abs=0.02)


# ------------------------------------------------------------------------ PR-SCTP


def test_partial_reliability_max_retransmits_zero_under_loss() -> None:
    p = Pump(seed=5, loss=0.2, config=SctpConfig(rto_min=0.2, rto_initial=0.5))
    p.connect()
    for i in range(200):
        p.a.assoc.send(p.now, 1, 53, i.to_bytes(4, "big") * 300, max_retransmits=0)
    p.settle(max_time=3000)
    # Afterwards a reliable message on the same stream still arrives: FORWARD-TSN moved the
    # receiver past every abandoned message.
    p.a.assoc.send(p.now, 1, 51, b"reliable tail")
    p.settle(max_time=3000)
    got = [m.data for m in p.b.messages]
    assert got[-1] == b"reliable tail"
    numbers = [int.from_bytes(d[:4], "big") for d in got[:-1]]
    assert numbers == sorted(set(numbers))  # in order, no duplicates
    assert len(numbers) < 200  # some were lost...
    assert len(numbers) > 50  # ...but most arrived
    assert p.a.assoc.stats["messages_abandoned"] > 0
    assert p.a.assoc.stats["forward_tsn_sent"] > 0
    assert p.b.assoc.stats["forward_tsn_received"] > 0
    assert p.a.assoc.flight_size == 0


def test_partial_reliability_unordered_lifetime() -> None:
    p = Pump(seed=6, loss=0.3, config=SctpConfig(rto_min=0.2, rto_initial=0.5))
    p.connect()
    for i in range(100):
        p.a.assoc.send(p.now, 2, 53, bytes([i]) * 2000, ordered=False, lifetime=0.05)
    p.settle(max_time=3000)
    p.a.assoc.send(p.now, 2, 51, b"tail", ordered=False)
    p.settle(max_time=3000)
    got = [m.data for m in p.b.messages]
    assert b"tail" in got
    assert len(set(got)) == len(got)
    assert len(got) < 101
    assert p.a.assoc.stats["messages_abandoned"] > 0


def test_expired_before_sending_is_dropped_silently() -> None:
    p = Pump()
    p.connect()
    p.a.assoc.send(p.now, 0, 51, b"too late", lifetime=0.0)
    p.a.assoc.send(p.now, 0, 51, b"on time")
    p.settle()
    assert [m.data for m in p.b.messages] == [b"on time"]


def test_partial_reliability_needs_peer_support() -> None:
    p = Pump(seed=7, loss=0.3, config_b=SctpConfig(forward_tsn=False))
    p.connect()
    for i in range(30):
        p.a.assoc.send(p.now, 0, 51, bytes([i]) * 1000, max_retransmits=0)
    p.settle(max_time=3000)
    assert [m.data[0] for m in p.b.messages] == list(range(30))  # fully reliable instead


# ------------------------------------------------------------------------ stream reset


def test_stream_reset_both_ways() -> None:
    p = Pump()
    p.connect()
    p.a.assoc.send(p.now, 1, 51, b"before")
    p.a.assoc.reset_streams(p.now, [1])
    p.a.assoc.send(p.now, 1, 51, b"after")  # waits for the reset
    p.settle()
    assert p.b.of(StreamReset) == [StreamReset((1,))]
    assert p.a.of(OutgoingStreamsReset) == [OutgoingStreamsReset((1,))]
    assert [m.data for m in p.b.messages] == [b"before", b"after"]
    # RFC 8831 §6.7: the peer resets its outgoing stream in turn.
    p.b.assoc.reset_streams(p.now, [1])
    p.settle()
    assert p.a.of(StreamReset) == [StreamReset((1,))]
    assert p.b.of(OutgoingStreamsReset) == [OutgoingStreamsReset((1,))]
    # The stream is reusable from SSN 0 both ways.
    p.a.assoc.send(p.now, 1, 51, b"new channel")
    p.b.assoc.send(p.now, 1, 51, b"new channel too")
    p.settle()
    assert p.b.messages[-1].data == b"new channel"
    assert p.a.messages[-1].data == b"new channel too"


def test_stream_reset_waits_for_data_in_flight_under_loss() -> None:
    p = Pump(seed=8, loss=0.25, config=SctpConfig(rto_min=0.2, rto_initial=0.5))
    p.connect()
    for sid in (1, 2, 3):
        for i in range(20):
            p.a.assoc.send(p.now, sid, 53, bytes([sid, i]) * 700)
    p.a.assoc.reset_streams(p.now, [1, 2])
    p.a.assoc.reset_streams(p.now, [3])
    for sid in (1, 2, 3):
        p.a.assoc.send(p.now, sid, 53, b"second life")
    p.settle(max_time=3000)
    got = per_stream(p.b.messages)
    for sid in (1, 2, 3):
        assert got[sid][:20] == [bytes([sid, i]) * 700 for i in range(20)]
        assert got[sid][20:] == [b"second life"]
    reset = sorted(s for e in p.b.of(StreamReset) for s in e.stream_ids)
    assert reset == [1, 2, 3]
    done = sorted(s for e in p.a.of(OutgoingStreamsReset) for s in e.stream_ids)
    assert done == [1, 2, 3]


def test_reset_requires_established() -> None:
    a = Association(rng=random.Random(1))
    with pytest.raises(SctpStateError):
        a.reset_streams(0.0, [1])
    p = Pump(config_b=SctpConfig(reconfig=False))
    p.connect()
    with pytest.raises(SctpStateError):
        p.a.assoc.reset_streams(p.now, [1])


# ------------------------------------------------------------------------ endings


def test_abort() -> None:
    p = Pump()
    p.connect()
    p.a.assoc.abort(p.now, "bye now")
    p.settle()
    assert p.a.of(Aborted) == [Aborted("bye now", by_peer=False)]
    (aborted,) = p.b.of(Aborted)
    assert aborted.by_peer and "bye now" in aborted.reason
    assert p.a.assoc.state is p.b.assoc.state is State.CLOSED
    with pytest.raises(SctpStateError):
        p.a.assoc.send(p.now, 0, 51, b"x")


def test_graceful_shutdown_after_data() -> None:
    p = Pump(seed=9, loss=0.1, config=SctpConfig(rto_min=0.2, rto_initial=0.5))
    p.connect()
    for i in range(50):
        p.a.assoc.send(p.now, 0, 53, bytes([i]) * 3000)
    p.a.assoc.shutdown(p.now)
    with pytest.raises(SctpStateError):
        p.a.assoc.send(p.now, 0, 53, b"x")
    p.run(lambda: bool(p.a.of(Closed)) and bool(p.b.of(Closed)), max_time=3000)
    assert len(p.b.messages) == 50
    assert p.a.of(Closed) == [Closed("shutdown complete")]
    assert p.b.of(Closed) == [Closed("shutdown complete")]


def test_heartbeat_measures_rtt_when_idle() -> None:
    p = Pump(latency=0.05)
    p.connect()
    assert p.a.assoc.srtt is None
    p.advance(40.0)
    assert p.a.assoc.srtt == pytest.approx(0.1)
    assert p.a.assoc.is_established


# ------------------------------------------------------------------------ robustness


def test_crc_errors_are_dropped_and_counted() -> None:
    corrupted = [0]

    def corrupt(direction: str, packet: bytes) -> bool:
        return True

    p = Pump(filter=corrupt)
    p.connect()
    p.a.assoc.send(p.now, 0, 51, b"payload")
    (packet,) = p.a.assoc.packets_to_send(p.now)
    bad = bytearray(packet)
    bad[-5] ^= 0x40
    p.b.assoc.handle_packet(p.now, bytes(bad))
    corrupted[0] += 1
    assert p.b.assoc.stats["packets_bad_checksum"] == 1
    assert p.b.messages == [] and p.b.assoc.next_event() is None
    p.b.assoc.handle_packet(p.now, packet)
    assert p.b.assoc.next_event() == MessageReceived(0, 51, b"payload", True)


def test_wrong_tag_and_port_are_dropped() -> None:
    p = Pump()
    p.connect()
    data = DataChunk(1, 0, 0, 51, b"x").encode()
    p.b.assoc.handle_packet(p.now, encode_packet(5000, 5000, 12345, [data]))
    p.b.assoc.handle_packet(p.now, encode_packet(5001, 5000, 12345, [data]))
    p.b.assoc.handle_packet(p.now, b"\x00" * 10)
    stats = p.b.assoc.stats
    assert stats["packets_bad_tag"] == 1
    assert stats["packets_wrong_port"] == 1
    assert stats["packets_malformed"] == 1


def test_empty_data_chunk_aborts() -> None:
    p = Pump()
    p.connect()
    tag = parse_packet(p.a.sent[-1]).verification_tag
    empty = b"\x00\x03\x00\x10" + bytes(12)
    p.b.assoc.handle_packet(p.now, encode_packet(5000, 5000, tag, [empty]))
    event = p.b.assoc.next_event()
    assert isinstance(event, Aborted) and "user data" in event.reason
    (packet,) = p.b.assoc.packets_to_send(p.now)
    assert chunk_types(packet) == [ChunkType.ABORT]


def test_receive_buffer_bounds_memory_when_app_does_not_read() -> None:
    """The application stops taking events: the window closes, memory stays bounded, and
    everything arrives once it reads again."""
    config = SctpConfig(receive_buffer=128 * 1024, max_message_size=16 * 1024)
    p = Pump(config=config)
    p.connect()
    msgs = [bytes([i % 256]) * 4000 for i in range(300)]
    for m in msgs:
        p.a.assoc.send(p.now, 0, 53, m)
    b = p.b.assoc
    peak = 0
    drain = p._drain

    def no_drain_for_b() -> None:
        while (event := p.a.assoc.next_event()) is not None:
            p.a.events.append(event)

    p._drain = no_drain_for_b  # type: ignore[method-assign]
    end = p.now + 30
    while p.now < end:
        p.step(horizon=end)
        peak = max(peak, b.receive_buffer_used)
    assert peak <= 128 * 1024 + 16 * 1024 + 2000
    assert p.a.assoc.buffered_amount > 0  # the sender is held back
    p._drain = drain  # type: ignore[method-assign]
    p.settle(max_time=600)
    assert [m.data for m in p.b.messages] == msgs


@pytest.mark.parametrize("seed", [0, 1, 5, 9, 13, 35, 59])
def test_mixed_reliability_soak(seed: int) -> None:
    """Reliable streams stay exact while partially reliable messages on other streams are
    abandoned, streams are reset, and the path loses, reorders and duplicates packets."""
    rng = random.Random(seed)
    p = Pump(
        seed=seed,
        loss=rng.choice([0.0, 0.05, 0.15, 0.3]),
        jitter=rng.choice([0, 0.01, 0.05]),
        duplicate=rng.choice([0, 0.05]),
        config=SctpConfig(rto_min=0.2, rto_initial=0.5),
    )
    p.connect()
    sent: dict[int, list[bytes]] = {}
    for _ in range(rng.randrange(20, 120)):
        sid = rng.randrange(5)
        kind = rng.randrange(4)
        data = rng.randbytes(rng.choice([1, 20, 1172, 1173, 4000, 30000]))
        ordered = rng.random() < 0.5
        if kind == 0:
            p.a.assoc.send(
                p.now, sid, 51, data, max_retransmits=rng.choice([0, 1, 2]), ordered=ordered
            )
        elif kind == 1:
            p.a.assoc.send(
                p.now, sid, 51, data, lifetime=rng.choice([0.01, 0.1, 1.0]), ordered=ordered
            )
        else:
            p.a.assoc.send(p.now, sid + 10, 51, data)
            sent.setdefault(sid + 10, []).append(data)
        if rng.random() < 0.02:
            p.a.assoc.reset_streams(p.now, [sid + 10])
        if rng.random() < 0.1:
            p.advance(rng.random())
    p.settle(max_time=5000)
    got = per_stream([m for m in p.b.messages if m.stream_id >= 10])
    assert got == sent
