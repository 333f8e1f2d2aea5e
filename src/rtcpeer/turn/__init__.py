"""TURN (RFC 8656), sans-IO: a client for one allocation, and the pieces it is made of.

- :class:`TurnClient` (:mod:`.client`): Allocate with long-term credentials, Refresh,
  CreatePermission, ChannelBind, Send/Data indications, ChannelData, close;
- :mod:`.auth`: the long-term credential mechanism (RFC 8489 §9.2);
- :mod:`.permissions`, :mod:`.channels`: the permission and channel tables (§9, §12);
- :mod:`.channeldata`: the ChannelData codec (§12.4);
- :mod:`.framing`: STUN/ChannelData framing over TCP and TLS streams (§12.5);
- :mod:`.events`, :mod:`.errors`, :mod:`.config`.

Nothing here opens a socket, reads a clock or sleeps: ``now`` is passed in, timers come
out as a deadline, bytes as lists to send and events from ``next_event()``.
"""

from rtcpeer.turn.auth import LongTermAuth, TurnCredentials
from rtcpeer.turn.channeldata import (
    MAX_CHANNEL,
    MIN_CHANNEL,
    ChannelDataError,
    decode_channel_data,
    encode_channel_data,
    is_valid_channel,
    looks_like_channel_data,
)
from rtcpeer.turn.client import TurnClient, TurnState, TurnTransport
from rtcpeer.turn.config import TurnConfig
from rtcpeer.turn.errors import UNREACHABLE, TurnError, TurnStateError
from rtcpeer.turn.events import (
    AllocationClosed,
    AllocationFailed,
    AllocationLost,
    AllocationRefreshed,
    AllocationSucceeded,
    ChannelBindFailed,
    ChannelBound,
    DataReceived,
    PermissionCreated,
    PermissionFailed,
    TurnEvent,
)
from rtcpeer.turn.framing import FrameKind, StreamFramer

__all__ = [
    "MAX_CHANNEL",
    "MIN_CHANNEL",
    "UNREACHABLE",
    "AllocationClosed",
    "AllocationFailed",
    "AllocationLost",
    "AllocationRefreshed",
    "AllocationSucceeded",
    "ChannelBindFailed",
    "ChannelBound",
    "ChannelDataError",
    "DataReceived",
    "FrameKind",
    "LongTermAuth",
    "PermissionCreated",
    "PermissionFailed",
    "StreamFramer",
    "TurnClient",
    "TurnConfig",
    "TurnCredentials",
    "TurnError",
    "TurnEvent",
    "TurnState",
    "TurnStateError",
    "TurnTransport",
    "decode_channel_data",
    "encode_channel_data",
    "is_valid_channel",
    "looks_like_channel_data",
]
