"""Hostile input into an established association: it never raises and its memory stays
bounded, whatever (checksummed, correctly tagged) packets arrive."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtcpeer.sctp import (
    AbortChunk,
    CookieEchoChunk,
    DataChunk,
    ErrorCause,
    ErrorChunk,
    ForwardTsnChunk,
    HeartbeatAckChunk,
    HeartbeatChunk,
    InitAckChunk,
    InitChunk,
    OutgoingResetRequest,
    ReconfigChunk,
    ReconfigResponse,
    SackChunk,
    SctpConfig,
    ShutdownChunk,
    UnknownChunk,
    encode_packet,
)
from rtcpeer.sctp.streams import ENTRY_OVERHEAD
from tests.sctp.pump import Pump

_SCALE = int(os.environ.get("RTCPEER_SCTP_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=max(_SCALE // 3, 10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CONFIG = SctpConfig(receive_buffer=64 * 1024, max_message_size=16 * 1024, inbound_streams=8)

u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)


def _established() -> tuple[Pump, int, int]:
    p = Pump(config=CONFIG)
    p.connect()
    p.a.assoc.send(p.now, 1, 51, b"warm-up" * 500)
    p.b.assoc.send(p.now, 1, 51, b"warm-up" * 500)
    p.settle()
    tag_b = p.b.assoc._local_tag
    return p, tag_b, p.b.assoc._received.cumulative


def _chunk(data: st.DataObject, peer_cum: int, our_tsn: int) -> bytes:
    """One chunk, mostly plausible: TSNs near the receiver's window, SACKs near ours."""
    kind = data.draw(st.integers(0, 13))
    near = st.integers(-5, 70).map(lambda d: (peer_cum + d) & 0xFFFFFFFF)
    if kind <= 4:
        return DataChunk(
            data.draw(near),
            data.draw(st.integers(0, 10)),
            data.draw(st.integers(0, 5)),
            data.draw(st.integers(50, 57)),
            data.draw(st.binary(min_size=1, max_size=1100)),
            data.draw(st.integers(0, 15)),
        ).encode()
    if kind == 5:
        return SackChunk(
            (our_tsn + data.draw(st.integers(-3, 3))) & 0xFFFFFFFF,
            data.draw(u32),
            tuple(data.draw(st.lists(st.tuples(u16, u16), max_size=4))),
            tuple(data.draw(st.lists(u32, max_size=3))),
        ).encode()
    if kind == 6:
        return ForwardTsnChunk(
            data.draw(st.one_of(near, u32)),
            tuple(data.draw(st.lists(st.tuples(st.integers(0, 10), u16), max_size=3))),
        ).encode()
    if kind == 7:
        return ReconfigChunk(
            (
                data.draw(
                    st.one_of(
                        st.builds(
                            OutgoingResetRequest,
                            u32,
                            u32,
                            near,
                            st.lists(st.integers(0, 10), max_size=3).map(tuple),
                        ),
                        st.builds(ReconfigResponse, u32, st.integers(0, 7)),
                    )
                ),
            )
        ).encode()
    if kind == 8:
        return data.draw(
            st.sampled_from(
                [
                    HeartbeatChunk(b"hb").encode(),
                    HeartbeatAckChunk(b"\x00" * 16).encode(),
                    ErrorChunk((ErrorCause(3, b"\x00\x00\x00\x01"),)).encode(),
                    CookieEchoChunk(b"\x00" * 76).encode(),
                    InitAckChunk(1, 2, 3, 4, 5).encode(),
                ]
            )
        )
    if kind == 9:
        return InitChunk(data.draw(u32), 1000, 5, 5, 1).encode()
    if kind == 10:
        return UnknownChunk(
            data.draw(st.integers(0, 255)), 0, data.draw(st.binary(max_size=8))
        ).encode()
    if kind == 11:
        # Endings, rarely: ABORT, SHUTDOWN, an empty DATA (a protocol violation).
        return data.draw(
            st.sampled_from(
                [
                    AbortChunk().encode(),
                    ShutdownChunk(peer_cum & 0xFFFFFFFF).encode(),
                    b"\x00\x03\x00\x10" + bytes(12),
                ]
                + [b""] * 30
            )
        )
    if kind == 12:
        # DATA exactly at the window edge, to fill holes.
        return DataChunk(
            (peer_cum + 1) & 0xFFFFFFFF,
            data.draw(st.integers(0, 3)),
            0,
            51,
            data.draw(st.binary(min_size=1, max_size=1100)),
            data.draw(st.integers(0, 7)),
        ).encode()
    return data.draw(st.binary(min_size=4, max_size=40))


@FUZZ
@given(st.data())
def test_hostile_packets_never_raise_and_memory_stays_bounded(data: st.DataObject) -> None:
    p, tag, _ = _established()
    b = p.b.assoc
    now = p.now
    read_events = data.draw(st.booleans())
    for _ in range(data.draw(st.integers(1, 60))):
        now += data.draw(st.floats(0, 0.5))
        chunks = [
            c
            for c in (
                _chunk(data, b._received.cumulative, b._cum_ack)
                for _ in range(data.draw(st.integers(1, 4)))
            )
            if c
        ]
        vtag = tag if data.draw(st.integers(0, 9)) else data.draw(u32)
        packet = encode_packet(5000, 5000, vtag, chunks) if chunks else b""
        if data.draw(st.integers(0, 9)) == 0:
            packet = data.draw(st.binary(max_size=64))
        b.handle_packet(now, packet)
        if data.draw(st.booleans()):
            b.handle_timer(now)
        out = b.packets_to_send(now)
        assert all(len(x) <= CONFIG.mtu for x in out)
        if read_events:
            while b.next_event() is not None:
                pass
        # Bounded memory: the receive buffer, plus one largest message and a packet, plus
        # per-entry overhead; and bounded bookkeeping.
        limit = CONFIG.receive_buffer + CONFIG.max_message_size + 1200 + ENTRY_OVERHEAD
        assert b.receive_buffer_used <= limit
        assert b._reassembly.fragment_count <= limit // ENTRY_OVERHEAD
        assert b._received.gap_count <= 0x8000
        assert len(b._control) <= 64
        assert b.flight_size >= 0
        get = b.get_timer()
        assert get is None or get >= 0


@FUZZ
@given(st.data())
def test_hostile_packets_to_a_listening_endpoint(data: st.DataObject) -> None:
    p = Pump(config=CONFIG)
    b = p.b.assoc
    for i in range(data.draw(st.integers(1, 20))):
        chunks = [_chunk(data, 0, 0) for _ in range(data.draw(st.integers(1, 3)))]
        chunks = [c for c in chunks if c]
        if not chunks:
            continue
        vtag = data.draw(st.sampled_from([0, b._local_tag, 12345]))
        b.handle_packet(float(i), encode_packet(5000, 5000, vtag, chunks))
        b.handle_timer(float(i))
        assert all(len(x) <= CONFIG.mtu for x in b.packets_to_send(float(i)))
        assert len(b._control) <= 64


def test_never_completed_fragments_are_bounded() -> None:
    """A peer sends first fragments that never end, above a hole it never fills."""
    p, tag, cum = _established()
    b = p.b.assoc
    for i in range(2, 3000):
        chunk = DataChunk((cum + i) & 0xFFFFFFFF, 1, 0, 53, b"\xaa" * 1100, flags=0x02)
        b.handle_packet(p.now, encode_packet(5000, 5000, tag, [chunk.encode()]))
        b.packets_to_send(p.now)
    assert b.stats["data_dropped_buffer_full"] > 0
    assert b.receive_buffer_used <= CONFIG.receive_buffer
    # The window above the cumulative TSN is bounded too.
    far = DataChunk((cum + 0x20000) & 0xFFFFFFFF, 1, 0, 53, b"x").encode()
    b.handle_packet(p.now, encode_packet(5000, 5000, tag, [far]))
    assert b.stats["data_outside_window"] == 1
    # The hole can still be filled: a whole message right after the cumulative TSN.
    fill = DataChunk((cum + 1) & 0xFFFFFFFF, 2, 0, 51, b"fits").encode()
    b.handle_packet(p.now, encode_packet(5000, 5000, tag, [fill]))
    events = []
    while (e := b.next_event()) is not None:
        events.append(e)
    assert any(getattr(e, "data", None) == b"fits" for e in events)
