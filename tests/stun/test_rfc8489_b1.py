"""RFC 8489 Appendix B.1: long-term credentials with MESSAGE-INTEGRITY-SHA256 and USERHASH.

The vector as published is erroneous (RFC 8489 erratum 6268):

- its Length field, 0x9c, counts the 20-byte header; the attributes are 0x88 bytes long;
- its HMAC is reproducible only by keeping that wrong Length in the HMAC input (shown below),
  and it uses the SHA-256 password algorithm without carrying PASSWORD-ALGORITHM.

A strict parser must reject it. Erratum 6268 proposes a corrected message (Length 0x90,
PASSWORD-ALGORITHM = SHA-256 added, HMAC recomputed), which we parse and verify exactly.
"""

from __future__ import annotations

import hashlib
import hmac

import pytest

from rtcpeer.stun import (
    PASSWORD_ALGORITHM_SHA256,
    AttrType,
    MessageClass,
    Method,
    PasswordAlgorithm,
    StunMessage,
    StunParseError,
    long_term_key,
    parse_message,
    userhash,
)
from tests.stun.vectors import (
    RFC5769_LT_REALM,
    RFC5769_LT_USERNAME,
    RFC8489_B1_ERRATUM_6268,
    RFC8489_B1_NONCE,
    RFC8489_B1_PUBLISHED,
    RFC8489_B1_USERHASH,
)

SHA256_KEY = long_term_key(
    RFC5769_LT_USERNAME, RFC5769_LT_REALM, "TheMatrIX", PASSWORD_ALGORITHM_SHA256
)


def test_userhash_matches_the_vector() -> None:
    assert userhash(RFC5769_LT_USERNAME, RFC5769_LT_REALM) == RFC8489_B1_USERHASH


def test_published_vector_is_rejected_for_its_length_field() -> None:
    with pytest.raises(StunParseError, match="length"):
        parse_message(RFC8489_B1_PUBLISHED)


def test_published_hmac_only_matches_with_the_wrong_length() -> None:
    body = RFC8489_B1_PUBLISHED[20:-36]
    published_mac = RFC8489_B1_PUBLISHED[-32:]
    for length, expected in ((0x9C, True), (0x88, False)):
        hmac_input = RFC8489_B1_PUBLISHED[:2] + length.to_bytes(2, "big")
        hmac_input += RFC8489_B1_PUBLISHED[4:20] + body
        mac = hmac.new(SHA256_KEY, hmac_input, hashlib.sha256).digest()
        assert (mac == published_mac) is expected


def test_published_vector_with_length_repaired_does_not_verify() -> None:
    repaired = RFC8489_B1_PUBLISHED[:2] + b"\x00\x88" + RFC8489_B1_PUBLISHED[4:]
    message = parse_message(repaired)
    assert message.userhash == RFC8489_B1_USERHASH
    assert not message.verify_integrity(SHA256_KEY)


def test_erratum_6268_vector() -> None:
    message = parse_message(RFC8489_B1_ERRATUM_6268)
    assert message.method is Method.BINDING
    assert message.message_class is MessageClass.REQUEST
    assert list(message.attributes) == [
        AttrType.USERHASH,
        AttrType.NONCE,
        AttrType.REALM,
        AttrType.PASSWORD_ALGORITHM,
        AttrType.MESSAGE_INTEGRITY_SHA256,
    ]
    assert message.userhash == RFC8489_B1_USERHASH
    assert message.nonce == RFC8489_B1_NONCE
    assert message.realm == RFC5769_LT_REALM
    assert message.attributes[AttrType.PASSWORD_ALGORITHM] == PasswordAlgorithm(2)
    assert message.has_integrity
    assert message.verify_integrity(SHA256_KEY)
    md5_key = long_term_key(RFC5769_LT_USERNAME, RFC5769_LT_REALM, "TheMatrIX")
    assert not message.verify_integrity(md5_key)


def test_erratum_6268_vector_reencodes_byte_for_byte() -> None:
    message = StunMessage(
        Method.BINDING,
        MessageClass.REQUEST,
        bytes.fromhex("78ad3433c6ad72c029da412e"),
        {
            AttrType.USERHASH: userhash(RFC5769_LT_USERNAME, RFC5769_LT_REALM),
            AttrType.NONCE: RFC8489_B1_NONCE,
            AttrType.REALM: RFC5769_LT_REALM,
            AttrType.PASSWORD_ALGORITHM: PasswordAlgorithm(PASSWORD_ALGORITHM_SHA256),
        },
    )
    assert message.encode(SHA256_KEY, integrity_sha256=True) == RFC8489_B1_ERRATUM_6268
