"""rtcpeer: WebRTC's RTCPeerConnection for Python asyncio.

The names mirror aiortc's, so ``from rtcpeer import RTCPeerConnection, ...`` is the one line
a switching application changes. The sans-IO cores live in :mod:`rtcpeer.stun`,
:mod:`rtcpeer.ice` and :mod:`rtcpeer.sdp`; the deterministic network simulator that drives
them in tests is :mod:`rtcpeer.testing`.
"""

from rtcpeer.dtls import RTCCertificate, RTCDtlsFingerprint
from rtcpeer.pc.configuration import RTCConfiguration, RTCIceServer
from rtcpeer.pc.datachannel import RTCDataChannel
from rtcpeer.pc.errors import (
    DOMException,
    InvalidAccessError,
    InvalidModificationError,
    InvalidStateError,
    InvalidSyntaxError,
    NotSupportedError,
    OperationError,
    RTCError,
)
from rtcpeer.pc.ice_transport import RTCIceCandidatePair, RTCIceParameters, RTCIceTransport
from rtcpeer.pc.objects import RTCIceCandidate, RTCSessionDescription
from rtcpeer.pc.peerconnection import RTCPeerConnection
from rtcpeer.pc.stats import RTCStats, RTCStatsReport

__version__ = "0.1.0.dev0"

__all__ = [
    "DOMException",
    "InvalidAccessError",
    "InvalidModificationError",
    "InvalidStateError",
    "InvalidSyntaxError",
    "NotSupportedError",
    "OperationError",
    "RTCCertificate",
    "RTCConfiguration",
    "RTCDataChannel",
    "RTCDtlsFingerprint",
    "RTCError",
    "RTCIceCandidate",
    "RTCIceCandidatePair",
    "RTCIceParameters",
    "RTCIceServer",
    "RTCIceTransport",
    "RTCPeerConnection",
    "RTCSessionDescription",
    "RTCStats",
    "RTCStatsReport",
]
