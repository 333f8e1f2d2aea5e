"""Events an association reports through ``Association.next_event()``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SctpEvent:
    """Base class of every association event."""


@dataclass(frozen=True, slots=True)
class Connected(SctpEvent):
    """The association reached ESTABLISHED (RFC 9260 §5.1 "Communication Up")."""

    outbound_streams: int
    inbound_streams: int
    #: Whether the peer offered PR-SCTP (RFC 3758) and stream reset (RFC 6525).
    partial_reliability: bool
    stream_reset: bool


@dataclass(frozen=True, slots=True)
class MessageReceived(SctpEvent):
    """A whole user message arrived (§10.1 RECEIVE). ``ppid`` is the user's (RFC 8831 §8:
    50 DCEP, 51 string, 53 binary, 56/57 empty string/binary)."""

    stream_id: int
    ppid: int
    data: bytes
    ordered: bool


@dataclass(frozen=True, slots=True)
class StreamReset(SctpEvent):
    """The peer reset these incoming streams (RFC 6525 §5.2.2; RFC 8831 §6.7: the peer
    closed the data channels, and ours should reset the outgoing side too)."""

    stream_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class OutgoingStreamsReset(SctpEvent):
    """The peer performed our request to reset these outgoing streams (RFC 6525 §5.1.2):
    their sequence numbers start again from 0."""

    stream_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Closed(SctpEvent):
    """The association ended (graceful shutdown §9.2, too many retransmissions §8.1, a
    handshake that never completed §5.1). ``reason`` says why, for people."""

    reason: str


@dataclass(frozen=True, slots=True)
class Aborted(Closed):
    """The association ended with an ABORT (§9.1): sent by the peer when ``by_peer``,
    otherwise by us (``abort()`` or a protocol violation)."""

    by_peer: bool = False
