"""RTCCertificate: the self-signed DTLS certificate and its fingerprints (webrtc-pc §4.9).

ECDSA P-256 by default (as browsers use), valid for 30 days from one day ago. The
fingerprint goes into SDP as ``a=fingerprint:sha-256 AB:CD:...`` (RFC 8122 §5).
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class RTCDtlsFingerprint:
    """RTCDtlsFingerprint (webrtc-pc §4.9.2)."""

    algorithm: str
    value: str


class RTCCertificate:
    """A certificate and its private key (webrtc-pc §4.9.1)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
        self._key = key
        self._cert = cert

    @classmethod
    def generateCertificate(cls) -> RTCCertificate:
        """A fresh ECDSA P-256 self-signed certificate (RTCPeerConnection.generateCertificate)."""
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, secrets.token_hex(8))])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    @property
    def expires(self) -> float:
        """Expiry as milliseconds since the epoch (W3C ``expires``)."""
        return self._cert.not_valid_after_utc.timestamp() * 1000.0

    def getFingerprints(self) -> list[RTCDtlsFingerprint]:
        """The certificate's SHA-256 fingerprint (RFC 8122 §5: upper-case hex pairs)."""
        digest = self._cert.fingerprint(hashes.SHA256())
        return [RTCDtlsFingerprint("sha-256", ":".join(f"{b:02X}" for b in digest))]

    @property
    def certificate(self) -> x509.Certificate:
        return self._cert

    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey:
        return self._key
