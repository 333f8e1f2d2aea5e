"""The ChannelData codec (RFC 8656 §12.4-§12.6)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtcpeer.turn import (
    MAX_CHANNEL,
    MIN_CHANNEL,
    ChannelDataError,
    decode_channel_data,
    encode_channel_data,
    looks_like_channel_data,
)


@given(st.integers(MIN_CHANNEL, MAX_CHANNEL), st.binary(max_size=2000), st.booleans())
def test_round_trip(channel: int, data: bytes, pad: bool) -> None:
    message = encode_channel_data(channel, data, pad=pad)
    assert looks_like_channel_data(message)
    assert decode_channel_data(message) == (channel, data)
    if pad:
        assert len(message) % 4 == 0


def test_layout() -> None:
    assert encode_channel_data(0x4001, b"abcde") == b"\x40\x01\x00\x05abcde"
    assert encode_channel_data(0x4001, b"abcde", pad=True) == b"\x40\x01\x00\x05abcde\0\0\0"


def test_udp_padding_is_ignored() -> None:
    assert decode_channel_data(b"\x40\x00\x00\x01x\0\0\0") == (0x4000, b"x")


@pytest.mark.parametrize(
    "data",
    [b"", b"\x40", b"\x40\x00\x00", b"\x40\x00\x00\x05abc", b"\x50\x00\x00\x00", b"\x3f\xff\0\0"],
)
def test_malformed(data: bytes) -> None:
    with pytest.raises(ChannelDataError):
        decode_channel_data(data)


def test_encode_rejects_bad_channel_and_size() -> None:
    with pytest.raises(ChannelDataError):
        encode_channel_data(0x5000, b"")
    with pytest.raises(ChannelDataError):
        encode_channel_data(0x4000, bytes(0x10000))


@given(st.binary(max_size=64))
def test_decode_never_raises_anything_else(data: bytes) -> None:
    with contextlib.suppress(ChannelDataError):
        decode_channel_data(data)
