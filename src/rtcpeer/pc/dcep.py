"""The Data Channel Establishment Protocol (RFC 8832), sans-IO: the two messages.

DATA_CHANNEL_OPEN (§5.1) carries the channel type, priority, reliability parameter, label
and protocol; DATA_CHANNEL_ACK (§5.2) is one byte. Both travel on the channel's own stream
with PPID 50 (§8.1). Malformed messages raise :class:`DcepError`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PPID_DCEP = 50
PPID_STRING = 51
PPID_BINARY = 53
PPID_STRING_EMPTY = 56
PPID_BINARY_EMPTY = 57

MESSAGE_OPEN = 0x03
MESSAGE_ACK = 0x02

#: Channel types (RFC 8832 §5.1); the 0x80 bit means unordered.
RELIABLE = 0x00
PARTIAL_RELIABLE_REXMIT = 0x01
PARTIAL_RELIABLE_TIMED = 0x02
UNORDERED = 0x80

_OPEN_HEADER = struct.Struct("!BBHIHH")


class DcepError(ValueError):
    """A malformed DCEP message."""


@dataclass(frozen=True, slots=True)
class DataChannelOpen:
    """DATA_CHANNEL_OPEN (RFC 8832 §5.1)."""

    label: str
    protocol: str = ""
    ordered: bool = True
    max_retransmits: int | None = None
    max_packet_lifetime: int | None = None  # milliseconds
    priority: int = 256

    def encode(self) -> bytes:
        if self.max_retransmits is not None:
            kind, reliability = PARTIAL_RELIABLE_REXMIT, self.max_retransmits
        elif self.max_packet_lifetime is not None:
            kind, reliability = PARTIAL_RELIABLE_TIMED, self.max_packet_lifetime
        else:
            kind, reliability = RELIABLE, 0
        if not self.ordered:
            kind |= UNORDERED
        label, protocol = self.label.encode(), self.protocol.encode()
        return (
            _OPEN_HEADER.pack(
                MESSAGE_OPEN, kind, self.priority, reliability, len(label), len(protocol)
            )
            + label
            + protocol
        )


def encode_ack() -> bytes:
    """DATA_CHANNEL_ACK (RFC 8832 §5.2)."""
    return bytes([MESSAGE_ACK])


def parse_dcep(data: bytes) -> DataChannelOpen | None:
    """A DATA_CHANNEL_OPEN, or None for a DATA_CHANNEL_ACK; DcepError otherwise."""
    if not data:
        raise DcepError("empty DCEP message")
    if data[0] == MESSAGE_ACK:
        if len(data) != 1:
            raise DcepError("DATA_CHANNEL_ACK is one byte")
        return None
    if data[0] != MESSAGE_OPEN:
        raise DcepError(f"unknown DCEP message type {data[0]}")
    if len(data) < _OPEN_HEADER.size:
        raise DcepError("DATA_CHANNEL_OPEN is truncated")
    _, kind, priority, reliability, label_length, protocol_length = _OPEN_HEADER.unpack_from(data)
    end = _OPEN_HEADER.size + label_length + protocol_length
    if len(data) != end:
        raise DcepError("DATA_CHANNEL_OPEN lengths do not match its size")
    base = kind & ~UNORDERED
    if base not in (RELIABLE, PARTIAL_RELIABLE_REXMIT, PARTIAL_RELIABLE_TIMED):
        raise DcepError(f"unknown channel type {kind:#x}")
    try:
        label = data[_OPEN_HEADER.size : _OPEN_HEADER.size + label_length].decode()
        protocol = data[_OPEN_HEADER.size + label_length : end].decode()
    except UnicodeDecodeError as exc:
        raise DcepError("label or protocol is not UTF-8") from exc
    return DataChannelOpen(
        label=label,
        protocol=protocol,
        ordered=not kind & UNORDERED,
        max_retransmits=reliability if base == PARTIAL_RELIABLE_REXMIT else None,
        max_packet_lifetime=reliability if base == PARTIAL_RELIABLE_TIMED else None,
        priority=priority,
    )
