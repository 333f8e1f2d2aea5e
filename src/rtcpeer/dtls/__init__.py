"""DTLS for WebRTC: certificates now; the handshake over memory BIOs comes next."""

from rtcpeer.dtls.certificate import RTCCertificate, RTCDtlsFingerprint

__all__ = ["RTCCertificate", "RTCDtlsFingerprint"]
