"""Fingerprint normalization and RFC 8122 §5 verification."""

from __future__ import annotations

import pytest

from rtcpeer.dtls import DtlsFailure, RTCDtlsFingerprint, certificate_fingerprint
from rtcpeer.dtls.fingerprint import check_certificate, normalize_fingerprint
from tests.dtls.helpers import certificate

ALGORITHMS = ["sha-1", "sha-224", "sha-256", "sha-384", "sha-512"]


def wrong(value: str) -> str:
    first = "00" if not value.startswith("00") else "11"
    return first + value[2:]


def test_sha256_matches_rtccertificate() -> None:
    cert = certificate("a")
    (fp,) = cert.getFingerprints()
    assert certificate_fingerprint(cert.certificate, "sha-256") == fp.value
    assert certificate_fingerprint(cert.certificate, "SHA-256") == fp.value


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_each_supported_hash_verifies(algorithm: str) -> None:
    cert = certificate("a").certificate
    value = certificate_fingerprint(cert, algorithm)
    fp = normalize_fingerprint((algorithm.upper(), value.lower()))
    assert fp == RTCDtlsFingerprint(algorithm, value)
    assert check_certificate(cert, [fp]).matched == fp
    bad = check_certificate(cert, [RTCDtlsFingerprint(algorithm, wrong(value))])
    assert bad.matched is None and bad.failure is DtlsFailure.FINGERPRINT_MISMATCH
    assert value in bad.reason


@pytest.mark.parametrize(
    ("algorithm", "value"),
    [
        ("sha-256", "AB:CD"),  # too short
        ("sha-256", "ZZ" + ":AB" * 31),  # not hex
        ("sha-256", "ABC" + ":AB" * 31),  # not pairs
        ("sha-1", ":".join(["AB"] * 21)),  # too long
        ("", "AB"),
    ],
)
def test_malformed_values_raise(algorithm: str, value: str) -> None:
    with pytest.raises(ValueError):
        normalize_fingerprint((algorithm, value))


def test_unknown_hash_functions_are_kept_but_unusable() -> None:
    cert = certificate("a").certificate
    fp = normalize_fingerprint(("md5", "whatever"))
    check = check_certificate(cert, [fp])
    assert check.matched is None and check.failure is DtlsFailure.NO_USABLE_FINGERPRINT
    assert check_certificate(cert, []).failure is DtlsFailure.NO_USABLE_FINGERPRINT


def test_rfc8122_only_the_most_preferred_hash_is_consulted() -> None:
    cert = certificate("a").certificate
    sha1 = RTCDtlsFingerprint("sha-1", certificate_fingerprint(cert, "sha-1"))
    sha256 = RTCDtlsFingerprint("sha-256", certificate_fingerprint(cert, "sha-256"))
    sha512 = RTCDtlsFingerprint("sha-512", certificate_fingerprint(cert, "sha-512"))
    # a wrong weaker fingerprint is not looked at
    assert check_certificate(cert, [RTCDtlsFingerprint("sha-1", wrong(sha1.value)), sha256]).ok
    # a wrong stronger one decides, even next to a right weaker one
    bad512 = RTCDtlsFingerprint("sha-512", wrong(sha512.value))
    assert not check_certificate(cert, [sha256, bad512]).ok
    # several fingerprints of the preferred hash (one per candidate certificate): any matches
    other = RTCDtlsFingerprint(
        "sha-256", certificate_fingerprint(certificate("b").certificate, "sha-256")
    )
    assert check_certificate(cert, [other, sha256]).matched == sha256
    assert not check_certificate(cert, [other]).ok
