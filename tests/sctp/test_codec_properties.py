"""Property tests: the codec only ever raises SctpParseError, and encode/parse round-trip."""

from __future__ import annotations

import contextlib
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtcpeer.sctp import (
    AbortChunk,
    Chunk,
    DataChunk,
    ErrorCause,
    ErrorChunk,
    ForwardTsnChunk,
    HeartbeatChunk,
    IDataChunk,
    IForwardTsnChunk,
    InitAckChunk,
    InitChunk,
    OutgoingResetRequest,
    Packet,
    Param,
    ReconfigChunk,
    ReconfigResponse,
    SackChunk,
    SctpParseError,
    ShutdownChunk,
    UnknownChunk,
    parse_chunks,
    parse_packet,
)

_SCALE = int(os.environ.get("RTCPEER_SCTP_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=_SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
small = st.binary(max_size=40)
params = st.tuples(*[st.builds(Param, st.integers(1, 0xFFFF), small)] * 1).map(tuple) | st.just(())

chunks = st.one_of(
    st.builds(
        DataChunk, u32, u16, u16, u32, st.binary(min_size=1, max_size=64), st.integers(0, 15)
    ),
    st.builds(
        lambda tsn, sid, mid, fsn, ppid, data, begin, flags: IDataChunk(
            tsn,
            sid,
            mid,
            0 if begin else fsn,
            ppid if begin else 0,
            data,
            (flags & ~0x02) | (0x02 if begin else 0),
        ),
        u32,
        u16,
        u32,
        u32,
        u32,
        small,
        st.booleans(),
        st.integers(0, 15),
    ),
    st.builds(InitChunk, u32, u32, u16, u16, u32, params),
    st.builds(InitAckChunk, u32, u32, u16, u16, u32, params),
    st.builds(
        SackChunk,
        u32,
        u32,
        st.lists(st.tuples(u16, u16), max_size=5).map(tuple),
        st.lists(u32, max_size=5).map(tuple),
    ),
    st.builds(HeartbeatChunk, small),
    st.builds(
        AbortChunk,
        st.lists(st.builds(ErrorCause, u16, small), max_size=3).map(tuple),
        st.booleans(),
    ),
    st.builds(ErrorChunk, st.lists(st.builds(ErrorCause, u16, small), max_size=3).map(tuple)),
    st.builds(ShutdownChunk, u32),
    st.builds(ForwardTsnChunk, u32, st.lists(st.tuples(u16, u16), max_size=5).map(tuple)),
    st.builds(
        IForwardTsnChunk, u32, st.lists(st.tuples(u16, st.booleans(), u32), max_size=5).map(tuple)
    ),
    st.builds(
        ReconfigChunk,
        st.one_of(
            st.builds(
                OutgoingResetRequest, u32, u32, u32, st.lists(u16, max_size=5).map(tuple)
            ).map(lambda p: (p,)),
            st.builds(ReconfigResponse, u32, u32).map(lambda p: (p,)),
        ),
    ),
    st.builds(
        UnknownChunk,
        u8.filter(lambda t: t not in {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 64, 130, 192, 194}),
        u8,
        small,
    ),
)


@FUZZ
@given(st.lists(chunks, min_size=1, max_size=6), u16, u16, u32)
def test_packet_round_trip(cs: list[Chunk], sport: int, dport: int, vtag: int) -> None:
    packet = Packet(sport, dport, vtag, cs)
    assert parse_packet(packet.encode()) == packet


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_parse_error(data: bytes) -> None:
    with contextlib.suppress(SctpParseError):
        parse_chunks(data)
    with contextlib.suppress(SctpParseError):
        parse_packet(data, verify_checksum=False)


@FUZZ
@given(st.lists(chunks, min_size=1, max_size=4), st.data())
def test_mutated_packets_only_raise_parse_error(cs: list[Chunk], data: st.DataObject) -> None:
    raw = bytearray(Packet(5000, 5000, 1, cs).encode())
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(u8)
    cut = data.draw(st.integers(0, len(raw)))
    for candidate in (bytes(raw), bytes(raw[:cut])):
        with contextlib.suppress(SctpParseError):
            parse_packet(candidate, verify_checksum=False)
