"""Framing of STUN messages and ChannelData over a TCP or TLS stream (RFC 8656 §12.5).

Over a stream nothing marks where one message ends and the next begins, so the receiver
reads each message's own length: a STUN message (first two bits 0b00) is its 20-byte
header plus the header's Length (RFC 8489 §5, always a multiple of 4), a ChannelData
message (first two bits 0b01) is 4 bytes plus its Length padded to a multiple of 4
(RFC 8656 §12.5: "over TCP and TLS-over-TCP, the ChannelData message MUST be padded to a
multiple of four bytes").

Bytes that cannot start either (a first byte of 0x80 or more, a STUN header without the
magic cookie, a ChannelData header with a reserved channel number) are junk: the framer
drops them one byte at a time, counting them in :attr:`StreamFramer.junk_bytes`, until
something that looks like a message begins again. It never raises.
"""

from __future__ import annotations

import struct
from enum import Enum

from rtcpeer.stun import HEADER_LENGTH, MAGIC_COOKIE
from rtcpeer.turn.channeldata import HEADER_LENGTH as CHANNEL_HEADER_LENGTH
from rtcpeer.turn.channeldata import is_valid_channel

_TYPE_LENGTH = struct.Struct("!HH")
_COOKIE = struct.Struct("!I")
_COMPACT_AT = 65536
"""Consumed bytes are cut off the buffer's front once this many have accumulated."""


class FrameKind(Enum):
    """What a complete frame holds."""

    STUN = "stun"
    CHANNEL_DATA = "channel-data"


class StreamFramer:
    """Splits a byte stream from a TURN server (or client) into whole messages.

    :meth:`feed` takes any chunk of the stream and returns the frames it completed, each as
    ``(kind, bytes)``. A ChannelData frame's bytes include its padding; a STUN frame is
    exactly one message.
    """

    __slots__ = ("_buffer", "_offset", "frames", "junk_bytes")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._offset = 0
        #: Whole frames produced so far.
        self.frames = 0
        #: Bytes dropped because no message could start there.
        self.junk_bytes = 0

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buffer) - self._offset

    def feed(self, data: bytes | bytearray | memoryview) -> list[tuple[FrameKind, bytes]]:
        """Add ``data`` to the stream; return every frame it completes, in order."""
        self._buffer += data
        frames: list[tuple[FrameKind, bytes]] = []
        while True:
            frame = self._next_frame()
            if frame is None:
                break
            frames.append(frame)
        if self._offset >= _COMPACT_AT or self._offset == len(self._buffer):
            del self._buffer[: self._offset]
            self._offset = 0
        return frames

    def _next_frame(self) -> tuple[FrameKind, bytes] | None:
        buffer = self._buffer
        while True:
            available = len(buffer) - self._offset
            if available < 4:
                return None
            start = self._offset
            msg_type, length = _TYPE_LENGTH.unpack_from(buffer, start)
            top = msg_type >> 14
            if top == 0b00 and length % 4 == 0:
                if available < 8:
                    return None
                if _COOKIE.unpack_from(buffer, start + 4)[0] != MAGIC_COOKIE:
                    self._skip_junk()
                    continue
                total = HEADER_LENGTH + length
                kind = FrameKind.STUN
            elif top == 0b01 and is_valid_channel(msg_type):
                total = CHANNEL_HEADER_LENGTH + ((length + 3) & ~3)
                kind = FrameKind.CHANNEL_DATA
            else:
                self._skip_junk()
                continue
            if available < total:
                return None
            self._offset = start + total
            self.frames += 1
            return kind, bytes(buffer[start : start + total])

    def _skip_junk(self) -> None:
        self._offset += 1
        self.junk_bytes += 1
