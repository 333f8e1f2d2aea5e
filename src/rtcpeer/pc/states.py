"""The W3C state enums of RTCPeerConnection and the DTLS transport (webrtc-pc §4.3, §5.5)."""

from __future__ import annotations

from enum import StrEnum

from rtcpeer.ice.states import IceGatheringState, IceTransportState

__all__ = [
    "DtlsTransportState",
    "IceGatheringState",
    "IceTransportState",
    "RTCIceConnectionState",
    "RTCIceGatheringState",
    "RTCPeerConnectionState",
    "RTCSignalingState",
]


class RTCSignalingState(StrEnum):
    """webrtc-pc §4.3.1."""

    STABLE = "stable"
    HAVE_LOCAL_OFFER = "have-local-offer"
    HAVE_REMOTE_OFFER = "have-remote-offer"
    HAVE_LOCAL_PRANSWER = "have-local-pranswer"
    HAVE_REMOTE_PRANSWER = "have-remote-pranswer"
    CLOSED = "closed"


class RTCIceGatheringState(StrEnum):
    """webrtc-pc §4.3.2."""

    NEW = "new"
    GATHERING = "gathering"
    COMPLETE = "complete"


class RTCIceConnectionState(StrEnum):
    """webrtc-pc §4.3.4 (the same values as RTCIceTransportState)."""

    CLOSED = "closed"
    FAILED = "failed"
    DISCONNECTED = "disconnected"
    NEW = "new"
    CHECKING = "checking"
    COMPLETED = "completed"
    CONNECTED = "connected"


class RTCPeerConnectionState(StrEnum):
    """webrtc-pc §4.3.3."""

    CLOSED = "closed"
    FAILED = "failed"
    DISCONNECTED = "disconnected"
    NEW = "new"
    CONNECTING = "connecting"
    CONNECTED = "connected"


class DtlsTransportState(StrEnum):
    """RTCDtlsTransportState, webrtc-pc §5.5."""

    NEW = "new"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    CLOSED = "closed"
    FAILED = "failed"
