"""Framing over TCP/TLS (RFC 8656 §12.5): any split of the stream gives the same frames."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from rtcpeer.stun import AttrType, MessageClass, Method, StunMessage
from rtcpeer.turn import FrameKind, StreamFramer, encode_channel_data


def stun(size: int) -> bytes:
    return StunMessage(
        Method.DATA,
        MessageClass.INDICATION,
        bytes(range(12)),
        {AttrType.XOR_PEER_ADDRESS: ("192.0.2.1", 9), AttrType.DATA: bytes(size)},
    ).encode(fingerprint=True)


FRAMES: list[tuple[FrameKind, bytes]] = [
    (FrameKind.STUN, stun(0)),
    (FrameKind.CHANNEL_DATA, encode_channel_data(0x4000, b"", pad=True)),
    (FrameKind.CHANNEL_DATA, encode_channel_data(0x4001, b"x", pad=True)),
    (FrameKind.STUN, stun(5)),
    (FrameKind.CHANNEL_DATA, encode_channel_data(0x4FFF, b"abcd", pad=True)),
    (FrameKind.CHANNEL_DATA, encode_channel_data(0x4002, b"abcdefg", pad=True)),
]
STREAM = b"".join(frame for _, frame in FRAMES)


def feed_all(chunks: list[bytes]) -> tuple[list[tuple[FrameKind, bytes]], StreamFramer]:
    framer = StreamFramer()
    out: list[tuple[FrameKind, bytes]] = []
    for chunk in chunks:
        out.extend(framer.feed(chunk))
    return out, framer


def test_split_at_every_byte_boundary() -> None:
    for cut in range(len(STREAM) + 1):
        frames, framer = feed_all([STREAM[:cut], STREAM[cut:]])
        assert frames == FRAMES, cut
        assert framer.junk_bytes == 0 and framer.buffered == 0


def test_one_byte_at_a_time() -> None:
    frames, _ = feed_all([STREAM[i : i + 1] for i in range(len(STREAM))])
    assert frames == FRAMES


@settings(max_examples=300)
@given(st.lists(st.integers(0, len(STREAM)), max_size=12))
def test_arbitrary_chunking(cuts: list[int]) -> None:
    points = sorted({0, len(STREAM), *cuts})
    chunks = [STREAM[a:b] for a, b in itertools.pairwise(points)]
    frames, framer = feed_all(chunks)
    assert frames == FRAMES
    assert framer.buffered == 0


def test_junk_is_skipped_and_counted() -> None:
    junk = b"\xff\xfe\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00"  # bad first bytes, no cookie
    frames, framer = feed_all([junk + STREAM])
    assert frames == FRAMES
    assert framer.junk_bytes == len(junk)


def test_reserved_channel_numbers_are_junk() -> None:
    frames, framer = feed_all([b"\x50\x00\x00\x00" + STREAM])
    assert frames == FRAMES
    assert framer.junk_bytes == 4


@given(st.binary(max_size=300), st.integers(1, 17))
def test_random_bytes_never_raise(data: bytes, step: int) -> None:
    framer = StreamFramer()
    for i in range(0, len(data), step):
        framer.feed(data[i : i + step])
    assert framer.buffered <= len(data)
