"""Fuzzing the TURN framing (RFC 8656 §12.4, §12.5): ``decode_channel_data`` returns
``(channel, data)`` or raises ``ChannelDataError``; ``StreamFramer.feed`` never raises,
accounts for every byte (frame, junk or still buffered) and gives the same frames however
the stream is split; ``TurnClient.handle_datagram`` / ``handle_stream_data`` never raise
and count what they drop (:func:`tests.fuzz.oracles.check_turn`).

Also: a client with an allocation, a permission and a channel, fed garbage and replays
from the server's address, keeps its allocation and carries data both ways.
"""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from rtcpeer.turn import (
    DataReceived,
    FrameKind,
    StreamFramer,
    TurnState,
    decode_channel_data,
    encode_channel_data,
)
from tests.fuzz.mutations import DrawChooser, fuzz_settings, mutants, mutate
from tests.fuzz.oracles import TURN_PEER, check_framer, check_turn
from tests.fuzz.seeds import seeds
from tests.turn.harness import Harness


@fuzz_settings(100)
@given(st.binary(max_size=120))
def test_random_bytes(data: bytes) -> None:
    check_turn(data)


_channels = st.one_of(
    st.sampled_from([0x0000, 0x3FFF, 0x4000, 0x4001, 0x4FFF, 0x5000, 0x7FFF, 0x8000]),
    st.integers(0, 0xFFFF),
)


@fuzz_settings(100)
@given(_channels, st.binary(max_size=40), st.integers(-3, 3), st.binary(max_size=3))
def test_channel_data_headers(channel: int, payload: bytes, skew: int, tail: bytes) -> None:
    length = max(len(payload) + skew, 0)
    check_turn(struct.pack("!HH", channel, length) + payload + tail)


_frames = st.one_of(
    st.sampled_from(seeds("turn")),
    st.builds(
        lambda channel, data, pad: encode_channel_data(channel, data, pad=pad),
        st.integers(0x4000, 0x4FFF),
        st.binary(max_size=30),
        st.booleans(),
    ),
    st.binary(max_size=8),  # junk
)


@fuzz_settings(150)
@given(st.lists(_frames, max_size=6).map(b"".join), st.data())
def test_streams_split_anywhere(stream: bytes, data: st.DataObject) -> None:
    frames = check_framer(stream)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    framer = StreamFramer()
    got = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        got += framer.feed(stream[start:end])
    assert got == frames
    for kind, frame in frames:
        if kind is FrameKind.CHANNEL_DATA:
            decode_channel_data(frame)


@fuzz_settings(200)
@given(mutants("turn"))
def test_mutated_real_messages_and_streams(data: bytes) -> None:
    check_turn(data)


@fuzz_settings(100)
@given(st.integers(0x4000, 0x4FFF), st.binary(max_size=100), st.booleans())
def test_channel_data_round_trips(channel: int, payload: bytes, pad: bool) -> None:
    assert decode_channel_data(encode_channel_data(channel, payload, pad=pad)) == (channel, payload)


# --------------------------------------------------------------------- connection survives


def _allocated() -> Harness:
    h = Harness.create()
    h.allocate()
    h.client.create_permission(h.now, TURN_PEER[0])
    h.client.bind_channel(h.now, TURN_PEER)
    h.pump()
    assert h.client.state is TurnState.ALLOCATED
    return h


def _exchange(h: Harness, label: bytes) -> None:
    h.client.send(h.now, TURN_PEER, b"out " + label)
    h.pump()
    assert h.server.sent_to_peers[-1] == (TURN_PEER, b"out " + label, "channel")
    reply = h.server.from_peer(TURN_PEER, b"in " + label)
    assert reply is not None
    h.deliver(reply)
    assert DataReceived(TURN_PEER, b"in " + label, 0x4000) in h.collect()


@fuzz_settings(30)
@given(st.data())
def test_allocation_survives_garbage_from_the_servers_address(data: st.DataObject) -> None:
    h = _allocated()
    _exchange(h, b"before")
    wire = [*seeds("turn"), *seeds("stun")]
    for _ in range(data.draw(st.integers(1, 15))):
        datagram = data.draw(
            st.one_of(
                st.binary(max_size=60),
                st.sampled_from(wire),
                st.builds(lambda: mutate(DrawChooser(data.draw), "turn")),
            )
        )
        before = sum(h.client.stats.values())
        h.client.handle_datagram(h.now, datagram)
        events = h.collect()
        # Dropped and counted, or data from the peer (Data indications and ChannelData are
        # not authenticated in TURN, RFC 8656 §10.4, §12.6: the server is trusted).
        assert sum(h.client.stats.values()) > before or all(
            isinstance(e, DataReceived) for e in events
        )
        assert h.client.state is TurnState.ALLOCATED
        h.run_until(h.now + data.draw(st.sampled_from([0.0, 1.0, 100.0])))
    h.run_until(h.now + 700.0)  # past a refresh, a permission and a channel refresh
    assert h.client.state is TurnState.ALLOCATED
    _exchange(h, b"after")
