"""Events the DTLS endpoint reports through ``DtlsEndpoint.next_event()``.

As with the ICE agent, every state change carries a human-readable ``reason``; a change to
``failed`` also carries the typed ``failure``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtcpeer.dtls.certificate import RTCDtlsFingerprint
from rtcpeer.dtls.states import DtlsFailure, DtlsState


@dataclass(frozen=True, slots=True)
class DtlsEvent:
    """Base class of every DTLS endpoint event."""


@dataclass(frozen=True, slots=True)
class StateChanged(DtlsEvent):
    """RTCDtlsTransportState changed (webrtc-pc §5.5); ``reason`` says why, for people."""

    old: DtlsState
    new: DtlsState
    reason: str
    #: Set exactly when ``new`` is ``failed``.
    failure: DtlsFailure | None = None


@dataclass(frozen=True, slots=True)
class ApplicationData(DtlsEvent):
    """The payload of one received, authenticated application-data record.

    For WebRTC data channels that is exactly one SCTP packet (RFC 8261 §3). Never reported
    before the peer's certificate has been verified against its signalled fingerprint.
    """

    data: bytes


@dataclass(frozen=True, slots=True)
class RemoteCertificate(DtlsEvent):
    """The peer's certificate (DER), verified against the signalled ``fingerprint``
    (RFC 8122 §5). Reported once, just before the change to ``connected``."""

    der: bytes
    fingerprint: RTCDtlsFingerprint
