"""Events the TURN client reports through :meth:`~rtcpeer.turn.TurnClient.next_event`.

Failures carry a STUN error code (RFC 8489 §14.8, RFC 8656 §19) or 701 when the server
could not be reached (webrtc-pc §4.8.2), and a text for people: they map one-to-one onto
the W3C ``icecandidateerror`` fields ``errorCode`` and ``errorText``.
"""

from __future__ import annotations

from dataclasses import dataclass

Address = tuple[str, int]


@dataclass(frozen=True, slots=True)
class TurnEvent:
    """Base class of every TURN client event."""


@dataclass(frozen=True, slots=True)
class AllocationSucceeded(TurnEvent):
    """Allocate succeeded (RFC 8656 §7.3): the relayed transport address exists.

    ``mapped`` is the client's server-reflexive address (XOR-MAPPED-ADDRESS), when given.
    """

    relayed: Address
    mapped: Address | None
    lifetime: int


@dataclass(frozen=True, slots=True)
class AllocationFailed(TurnEvent):
    """No allocation could be made (RFC 8656 §7.3): error response, or 701 unreachable."""

    error_code: int
    error_text: str


@dataclass(frozen=True, slots=True)
class AllocationRefreshed(TurnEvent):
    """A Refresh succeeded (RFC 8656 §8.3); the allocation now lives ``lifetime`` seconds."""

    lifetime: int


@dataclass(frozen=True, slots=True)
class AllocationLost(TurnEvent):
    """An allocation that existed is gone: a refresh failed, it expired, or the TCP/TLS
    connection to the server closed (RFC 8656 §8.3, §3.1)."""

    error_code: int
    error_text: str


@dataclass(frozen=True, slots=True)
class AllocationClosed(TurnEvent):
    """The allocation was released by :meth:`~rtcpeer.turn.TurnClient.close` (a Refresh
    with LIFETIME 0, RFC 8656 §8), or the close gave up waiting for the server."""


@dataclass(frozen=True, slots=True)
class PermissionCreated(TurnEvent):
    """A permission for ``peer_ip`` was installed or refreshed (RFC 8656 §9.3)."""

    peer_ip: str


@dataclass(frozen=True, slots=True)
class PermissionFailed(TurnEvent):
    """CreatePermission for ``peer_ip`` failed (RFC 8656 §9.3); data to it is dropped."""

    peer_ip: str
    error_code: int
    error_text: str


@dataclass(frozen=True, slots=True)
class ChannelBound(TurnEvent):
    """``channel`` is bound to ``peer`` (RFC 8656 §11.3); data now goes as ChannelData."""

    peer: Address
    channel: int


@dataclass(frozen=True, slots=True)
class ChannelBindFailed(TurnEvent):
    """ChannelBind for ``peer`` failed (RFC 8656 §11.3); Send indications carry its data."""

    peer: Address
    error_code: int
    error_text: str


@dataclass(frozen=True, slots=True)
class DataReceived(TurnEvent):
    """Data from ``peer`` relayed by the server: a Data indication (RFC 8656 §10.4) or
    ChannelData (§12.6, ``channel`` set)."""

    peer: Address
    data: bytes
    channel: int | None = None
