"""Pure aggregation of transport states into RTCPeerConnection's states.

Each function takes the states of the transports in the connection's set (webrtc-pc §4.3:
the transports of the current transceivers plus the SCTP transport's) and returns the
aggregate; the rules are evaluated top to bottom and the first match wins, as the spec
writes them.
"""

from __future__ import annotations

from collections.abc import Sequence

from rtcpeer.ice.states import IceGatheringState, IceTransportState
from rtcpeer.pc.states import (
    DtlsTransportState,
    RTCIceConnectionState,
    RTCIceGatheringState,
    RTCPeerConnectionState,
)

T = IceTransportState
D = DtlsTransportState
C = RTCIceConnectionState
P = RTCPeerConnectionState
G = IceGatheringState


def ice_connection_state(is_closed: bool, transports: Sequence[IceTransportState]) -> C:
    """[[IceConnectionState]], webrtc-pc §4.3.4 (checklist items 16-17)."""
    if is_closed:
        return C.CLOSED
    if any(t is T.FAILED for t in transports):
        return C.FAILED
    if any(t is T.DISCONNECTED for t in transports):
        return C.DISCONNECTED
    if all(t in (T.NEW, T.CLOSED) for t in transports):
        return C.NEW  # also when there are no transports
    if any(t in (T.NEW, T.CHECKING) for t in transports):
        return C.CHECKING
    if all(t in (T.COMPLETED, T.CLOSED) for t in transports):
        return C.COMPLETED
    return C.CONNECTED  # all connected, completed or closed


def connection_state(
    is_closed: bool,
    ice: RTCIceConnectionState,
    dtls: Sequence[DtlsTransportState],
    *,
    completed_counts_as_connected: bool = True,
) -> P:
    """[[ConnectionState]], webrtc-pc §4.3.3 (checklist items 19-20).

    The spec's "connected" rule asks for ICE "connected" literally, so ICE "completed" would
    fall through to "connecting" — a known erratum: browsers and the WPT treat "completed"
    as connected. rtcpeer does the same (``completed_counts_as_connected``); pass False for
    the literal reading.
    """
    if is_closed or ice is C.CLOSED:
        return P.CLOSED
    if ice is C.FAILED or any(d is D.FAILED for d in dtls):
        return P.FAILED
    if ice is C.DISCONNECTED:
        return P.DISCONNECTED
    if ice is C.NEW and all(d in (D.NEW, D.CLOSED) for d in dtls):
        return P.NEW
    ice_ok = ice is C.CONNECTED or (completed_counts_as_connected and ice is C.COMPLETED)
    if ice_ok and all(d in (D.CONNECTED, D.CLOSED) for d in dtls):
        return P.CONNECTED
    return P.CONNECTING


def ice_gathering_state(transports: Sequence[IceGatheringState]) -> RTCIceGatheringState:
    """[[IceGatheringState]], webrtc-pc §4.3.2 (checklist item 21)."""
    if any(t is G.GATHERING for t in transports):
        return RTCIceGatheringState.GATHERING
    if transports and all(t is G.COMPLETE for t in transports):
        return RTCIceGatheringState.COMPLETE
    return RTCIceGatheringState.NEW
