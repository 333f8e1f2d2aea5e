"""Certificate fingerprints as signalled in SDP (RFC 8122 §5) and their verification.

WebRTC authenticates the DTLS peer by fingerprint, not by a certificate chain: the
certificates are self-signed, and the ``a=fingerprint`` lines exchanged over the (trusted)
signalling channel say which certificate the peer will present (RFC 5763 §5).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from rtcpeer.dtls.certificate import RTCDtlsFingerprint
from rtcpeer.dtls.states import DtlsFailure

#: Hash functions from the RFC 4572 / RFC 8122 registry that we verify with, keyed by their
#: SDP names. md2 and md5 are deliberately absent (RFC 8122 §5 forbids them).
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha-1": hashes.SHA1,
    "sha-224": hashes.SHA224,
    "sha-256": hashes.SHA256,
    "sha-384": hashes.SHA384,
    "sha-512": hashes.SHA512,
}

#: Our preference among them, strongest first (RFC 8122 §5: "its most preferred hash function").
PREFERRED_HASHES: tuple[str, ...] = ("sha-512", "sha-384", "sha-256", "sha-224", "sha-1")

SUPPORTED_HASHES: frozenset[str] = frozenset(_HASHES)

_HEX = frozenset("0123456789ABCDEF")

FingerprintLike = tuple[str, str] | RTCDtlsFingerprint


def certificate_fingerprint(certificate: x509.Certificate, algorithm: str) -> str:
    """The fingerprint of ``certificate`` with ``algorithm`` (``"sha-256"``, ...) in SDP form:
    upper-case hex pairs separated by colons (RFC 8122 §5)."""
    try:
        hash_type = _HASHES[algorithm.lower()]
    except KeyError:
        raise ValueError(f"unsupported fingerprint hash function {algorithm!r}") from None
    return ":".join(f"{b:02X}" for b in certificate.fingerprint(hash_type()))


def normalize_fingerprint(fingerprint: FingerprintLike) -> RTCDtlsFingerprint:
    """``fingerprint`` with a lower-case algorithm and an upper-case value.

    A value for a supported hash function must be well formed (``2UHEX *(":" 2UHEX)``,
    RFC 8122 §5, with the hash's digest length), else ``ValueError``: the signalling layer
    should reject such an SDP rather than let the handshake fail later. Values for hash
    functions we do not know are kept as they are and ignored when verifying.
    """
    if isinstance(fingerprint, RTCDtlsFingerprint):
        algorithm, value = fingerprint.algorithm, fingerprint.value
    else:
        algorithm, value = fingerprint
    algorithm = algorithm.strip().lower()
    value = value.strip().upper()
    if not algorithm:
        raise ValueError("empty fingerprint hash function")
    hash_type = _HASHES.get(algorithm)
    if hash_type is not None:
        pairs = value.split(":")
        if len(pairs) != hash_type().digest_size or any(
            len(pair) != 2 or not _HEX.issuperset(pair) for pair in pairs
        ):
            raise ValueError(f"malformed {algorithm} fingerprint {value!r}")
    return RTCDtlsFingerprint(algorithm, value)


def normalize_fingerprints(
    fingerprints: Iterable[FingerprintLike],
) -> tuple[RTCDtlsFingerprint, ...]:
    """Every fingerprint normalized (see ``normalize_fingerprint``)."""
    return tuple(normalize_fingerprint(f) for f in fingerprints)


@dataclass(frozen=True, slots=True)
class FingerprintCheck:
    """The outcome of checking a certificate against the signalled fingerprints."""

    #: The signalled fingerprint the certificate matched, or ``None`` on failure.
    matched: RTCDtlsFingerprint | None
    failure: DtlsFailure | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.matched is not None


def check_certificate(
    certificate: x509.Certificate, fingerprints: Iterable[RTCDtlsFingerprint]
) -> FingerprintCheck:
    """Verify ``certificate`` against normalized ``fingerprints`` as RFC 8122 §5 asks.

    "An endpoint MUST select the set of fingerprints that use its most preferred hash
    function (out of those offered by the peer) and verify that each certificate used
    matches one fingerprint out of that set." So: take the strongest supported hash
    function the peer used; the certificate must match one fingerprint of that hash
    (several are allowed: one per certificate the peer might use). Fingerprints with
    weaker or unknown hash functions are not consulted: a wrong sha-1 next to a right
    sha-256 is accepted, a right sha-256 next to a wrong sha-512 is not.
    """
    usable = [f for f in fingerprints if f.algorithm in _HASHES]
    if not usable:
        return FingerprintCheck(
            None,
            DtlsFailure.NO_USABLE_FINGERPRINT,
            "no signalled fingerprint uses a supported hash function "
            f"({', '.join(PREFERRED_HASHES)})",
        )
    algorithm = next(a for a in PREFERRED_HASHES if any(f.algorithm == a for f in usable))
    actual = certificate_fingerprint(certificate, algorithm)
    for fingerprint in usable:
        if fingerprint.algorithm == algorithm and fingerprint.value == actual:
            return FingerprintCheck(fingerprint, None, f"certificate matches {algorithm} {actual}")
    signalled = sum(1 for f in usable if f.algorithm == algorithm)
    return FingerprintCheck(
        None,
        DtlsFailure.FINGERPRINT_MISMATCH,
        f"remote certificate {algorithm} fingerprint {actual} matches none of the "
        f"{signalled} signalled {algorithm} fingerprint(s)",
    )
