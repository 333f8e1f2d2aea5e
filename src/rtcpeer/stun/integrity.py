"""MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT computations.

All three cover the message "up to" their own attribute, with the header's Length field
rewritten first (RFC 8489 §14.5, §14.6, §14.7):

- the HMACs are taken over the bytes preceding the integrity attribute, with the Length field
  pointing at the *end of the integrity attribute itself* (so anything after it, such as
  FINGERPRINT, is excluded from the length as well as from the input);
- the CRC-32 is taken over the bytes preceding FINGERPRINT, with the Length field already
  counting FINGERPRINT (it is the last attribute, so that is the message's true length).
"""

from __future__ import annotations

import hashlib
import hmac
import zlib

from .constants import FINGERPRINT_XOR, HEADER_LENGTH

SHA1_LENGTH = 20
"""RFC 8489 §14.5: HMAC-SHA1 is 20 bytes."""

SHA256_LENGTH = 32
"""RFC 8489 §14.6: HMAC-SHA256 is at most 32 bytes (at least 16 if a usage allows truncation)."""


def with_length(prefix: bytes, body_length: int) -> bytes:
    """``prefix`` (starting at the header) with its Length field replaced by ``body_length``."""
    return prefix[:2] + body_length.to_bytes(2, "big") + prefix[4:]


def integrity_input(prefix: bytes, value_length: int) -> bytes:
    """The HMAC input for an integrity attribute that starts right after ``prefix``.

    RFC 8489 §14.5/§14.6: the message up to and including the attribute preceding the integrity
    attribute, with the Length field adjusted to point to the end of the integrity attribute
    (4-byte attribute header plus ``value_length``; SHA-1 and SHA-256 values need no padding).
    """
    return with_length(prefix, len(prefix) - HEADER_LENGTH + 4 + value_length)


def hmac_sha1(key: bytes, data: bytes) -> bytes:
    """RFC 8489 §14.5: HMAC-SHA1 (RFC 2104)."""
    return hmac.new(key, data, hashlib.sha1).digest()


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """RFC 8489 §14.6: HMAC-SHA256 (RFC 2104)."""
    return hmac.new(key, data, hashlib.sha256).digest()


def fingerprint(prefix: bytes) -> int:
    """RFC 8489 §14.7: CRC-32 (ITU V.42, as zlib's) of ``prefix`` XOR 0x5354554E.

    ``prefix`` is the message up to (excluding) FINGERPRINT, whose Length field must already
    include the 8-byte FINGERPRINT attribute.
    """
    return (zlib.crc32(prefix) ^ FINGERPRINT_XOR) & 0xFFFFFFFF
