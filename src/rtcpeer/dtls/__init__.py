"""DTLS for WebRTC: certificates, fingerprints and the sans-IO DTLS 1.2 endpoint."""

from rtcpeer.dtls.certificate import RTCCertificate, RTCDtlsFingerprint
from rtcpeer.dtls.endpoint import (
    DtlsEndpoint,
    DtlsError,
    DtlsMessageTooLargeError,
    DtlsNotConnectedError,
    DtlsStateError,
)
from rtcpeer.dtls.events import ApplicationData, DtlsEvent, RemoteCertificate, StateChanged
from rtcpeer.dtls.fingerprint import certificate_fingerprint
from rtcpeer.dtls.states import DtlsFailure, DtlsRole, DtlsState

__all__ = [
    "ApplicationData",
    "DtlsEndpoint",
    "DtlsError",
    "DtlsEvent",
    "DtlsFailure",
    "DtlsMessageTooLargeError",
    "DtlsNotConnectedError",
    "DtlsRole",
    "DtlsState",
    "DtlsStateError",
    "RTCCertificate",
    "RTCDtlsFingerprint",
    "RemoteCertificate",
    "StateChanged",
    "certificate_fingerprint",
]
