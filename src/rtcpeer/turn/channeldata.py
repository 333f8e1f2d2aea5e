"""The ChannelData message (RFC 8656 §12.4, §12.5).

::

     0                   1                   2                   3
    |         Channel Number        |            Length             |
    /                       Application Data                        /
    /                                                               /
    |                               +-------------------------------+

Channel numbers 0x4000-0x4FFF are valid (§12); the first two bits 0b01 tell ChannelData
apart from STUN (0b00) on the same transport (RFC 7983 §7: first byte 64-79). Over UDP the
message need not be padded and a receiver ignores bytes beyond Length (§12.5); over TCP and
TLS it "MUST be padded to a multiple of four bytes" (§12.5), since the framing relies on it.
"""

from __future__ import annotations

import struct

MIN_CHANNEL = 0x4000
"""RFC 8656 §12: the lowest channel number a client may bind."""

MAX_CHANNEL = 0x4FFF
"""RFC 8656 §12: the highest channel number a client may bind (0x5000-0x7FFF reserved)."""

HEADER_LENGTH = 4
"""RFC 8656 §12.4: channel number and length, 16 bits each."""

MAX_DATA = 0xFFFF
"""The Length field is 16 bits."""

_HEADER = struct.Struct("!HH")


class ChannelDataError(ValueError):
    """Bytes that are not a valid ChannelData message."""


def is_valid_channel(number: int) -> bool:
    """RFC 8656 §12: 0x4000 through 0x4FFF."""
    return MIN_CHANNEL <= number <= MAX_CHANNEL


def looks_like_channel_data(data: bytes | bytearray | memoryview) -> bool:
    """Demultiplexing test: first two bits 0b01 (RFC 8656 §12.4, RFC 7983 §7)."""
    return len(data) > 0 and data[0] & 0xC0 == 0x40


def padded_length(length: int) -> int:
    """Length of a ChannelData message of ``length`` data bytes padded to 4 (§12.5)."""
    return HEADER_LENGTH + ((length + 3) & ~3)


def encode_channel_data(channel: int, data: bytes, *, pad: bool = False) -> bytes:
    """A ChannelData message; ``pad`` for TCP/TLS (RFC 8656 §12.5: padded with zeros)."""
    if not is_valid_channel(channel):
        raise ChannelDataError(f"channel number {channel:#06x} outside 0x4000-0x4FFF")
    if len(data) > MAX_DATA:
        raise ChannelDataError(f"{len(data)} bytes exceed the 16-bit Length field")
    message = _HEADER.pack(channel, len(data)) + bytes(data)
    if pad:
        message += bytes(-len(data) % 4)
    return message


def decode_channel_data(data: bytes | bytearray | memoryview) -> tuple[int, bytes]:
    """(channel, application data) of a ChannelData message (RFC 8656 §12.5, §12.6).

    Raises :class:`ChannelDataError` when the message is shorter than its Length field
    claims (§12.6: "silently discarded") or the channel number is outside 0x4000-0x4FFF.
    Bytes beyond the Length (padding) are ignored.
    """
    if len(data) < HEADER_LENGTH:
        raise ChannelDataError(f"{len(data)} bytes: too short for a ChannelData header")
    channel, length = _HEADER.unpack_from(data, 0)
    if not is_valid_channel(channel):
        raise ChannelDataError(f"channel number {channel:#06x} outside 0x4000-0x4FFF")
    if len(data) < HEADER_LENGTH + length:
        raise ChannelDataError(
            f"ChannelData claims {length} bytes but only {len(data) - HEADER_LENGTH} follow"
        )
    return channel, bytes(data[HEADER_LENGTH : HEADER_LENGTH + length])
