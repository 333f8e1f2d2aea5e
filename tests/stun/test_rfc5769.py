"""RFC 5769 test vectors: parse, check every attribute, verify integrity and fingerprint, and
re-encode.

RFC 5769 pads with 0x20 (spaces) in §2.1 (USERNAME) and §2.2/§2.3 (SOFTWARE); RFC 5389 let
padding be any value, RFC 8489 §14 makes it "MUST be set to zero on sending". Because
MESSAGE-INTEGRITY and FINGERPRINT cover the padding bytes, our zero-padded encoding of those
three vectors necessarily differs from the RFC in the padding *and* in the two trailer values.
The tests therefore check both:

- the public ``encode()`` output differs from the vector only at the padding bytes and inside
  the MESSAGE-INTEGRITY / FINGERPRINT values, and it verifies with the RFC's password;
- the encoder run with space padding (a test-only knob) reproduces the vector exactly,
  trailers included, which proves the length-adjustment rules of RFC 8489 §14.5/§14.7.

§2.4 pads with zeros and is reproduced byte for byte by the public ``encode()``.
"""

from __future__ import annotations

import pytest

from rtcpeer.stun import (
    AttrType,
    MessageClass,
    Method,
    StunMessage,
    long_term_key,
    parse_message,
    saslprep,
    short_term_key,
)
from tests.stun.vectors import (
    RFC5769_IPV4_RESPONSE,
    RFC5769_IPV6_RESPONSE,
    RFC5769_LONG_TERM_REQUEST,
    RFC5769_LT_NONCE,
    RFC5769_LT_PASSWORD_RAW,
    RFC5769_LT_REALM,
    RFC5769_LT_USERNAME,
    RFC5769_PASSWORD,
    RFC5769_RESPONSE_PADDING,
    RFC5769_SAMPLE_REQUEST,
    RFC5769_SAMPLE_REQUEST_PADDING,
    RFC5769_TRANSACTION_ID,
)

KEY = short_term_key(RFC5769_PASSWORD)


def _encode_space_padded(message: StunMessage, key: bytes, *, fingerprint: bool) -> bytes:
    return message._encode(
        key,
        integrity_sha256=False,
        fingerprint=fingerprint,
        both_integrities=False,
        padding=0x20,
    )


def _differences(a: bytes, b: bytes) -> set[int]:
    assert len(a) == len(b)
    return {i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y}


def _trailer_offsets(vector: bytes) -> set[int]:
    """Offsets of the MESSAGE-INTEGRITY and FINGERPRINT values (the last 24 + 4 value bytes)."""
    fingerprint_value = set(range(len(vector) - 4, len(vector)))
    integrity_value = set(range(len(vector) - 8 - 20, len(vector) - 8))
    return fingerprint_value | integrity_value


# --- §2.1 ------------------------------------------------------------------------------------


def test_sample_request_attributes() -> None:
    message = parse_message(RFC5769_SAMPLE_REQUEST)
    assert message.method is Method.BINDING
    assert message.message_class is MessageClass.REQUEST
    assert message.transaction_id == RFC5769_TRANSACTION_ID
    assert list(message.attributes) == [
        AttrType.SOFTWARE,
        AttrType.PRIORITY,
        AttrType.ICE_CONTROLLED,
        AttrType.USERNAME,
        AttrType.MESSAGE_INTEGRITY,
        AttrType.FINGERPRINT,
    ]
    assert message.software == "STUN test client"
    assert message.priority == 0x6E0001FF
    assert message.ice_controlled == 0x932FF9B151263B36
    assert message.ice_controlling is None
    assert message.username == "evtj:h6vY"
    assert message.attributes[AttrType.MESSAGE_INTEGRITY] == bytes.fromhex(
        "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
    )
    assert message.attributes[AttrType.FINGERPRINT] == 0xE57A3BCF
    assert message.has_fingerprint
    assert message.has_integrity
    assert message.unknown_comprehension_required == ()
    assert message.raw == RFC5769_SAMPLE_REQUEST


def test_sample_request_integrity() -> None:
    message = parse_message(RFC5769_SAMPLE_REQUEST)
    assert message.verify_integrity(KEY)
    assert not message.verify_integrity(short_term_key("wrong password"))


def test_sample_request_reencodes_exactly_with_the_vectors_space_padding() -> None:
    message = parse_message(RFC5769_SAMPLE_REQUEST)
    assert _encode_space_padded(message, KEY, fingerprint=True) == RFC5769_SAMPLE_REQUEST


def test_sample_request_zero_padded_encoding_differs_only_where_it_must() -> None:
    message = parse_message(RFC5769_SAMPLE_REQUEST)
    encoded = message.encode(KEY, fingerprint=True)
    allowed = set(RFC5769_SAMPLE_REQUEST_PADDING) | _trailer_offsets(RFC5769_SAMPLE_REQUEST)
    assert _differences(encoded, RFC5769_SAMPLE_REQUEST) <= allowed
    assert all(encoded[i] == 0 for i in RFC5769_SAMPLE_REQUEST_PADDING)
    again = parse_message(encoded)
    assert again.verify_integrity(KEY)
    assert again.attributes.keys() == message.attributes.keys()
    assert again.username == message.username


# --- §2.2 and §2.3 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vector", "address"),
    [
        (RFC5769_IPV4_RESPONSE, ("192.0.2.1", 32853)),
        (RFC5769_IPV6_RESPONSE, ("2001:db8:1234:5678:11:2233:4455:6677", 32853)),
    ],
    ids=["ipv4", "ipv6"],
)
def test_sample_responses(vector: bytes, address: tuple[str, int]) -> None:
    message = parse_message(vector)
    assert message.method is Method.BINDING
    assert message.message_class is MessageClass.SUCCESS
    assert message.transaction_id == RFC5769_TRANSACTION_ID
    assert list(message.attributes) == [
        AttrType.SOFTWARE,
        AttrType.XOR_MAPPED_ADDRESS,
        AttrType.MESSAGE_INTEGRITY,
        AttrType.FINGERPRINT,
    ]
    assert message.software == "test vector"
    assert message.xor_mapped_address == address
    assert message.verify_integrity(KEY)
    assert not message.verify_integrity(b"")
    assert message.has_fingerprint

    assert _encode_space_padded(message, KEY, fingerprint=True) == vector

    encoded = message.encode(KEY, fingerprint=True)
    allowed = set(RFC5769_RESPONSE_PADDING) | _trailer_offsets(vector)
    assert _differences(encoded, vector) <= allowed
    assert parse_message(encoded).xor_mapped_address == address


# --- §2.4 ------------------------------------------------------------------------------------


def test_long_term_request_attributes() -> None:
    message = parse_message(RFC5769_LONG_TERM_REQUEST)
    assert message.method is Method.BINDING
    assert message.message_class is MessageClass.REQUEST
    assert message.transaction_id == bytes.fromhex("78ad3433c6ad72c029da412e")
    assert list(message.attributes) == [
        AttrType.USERNAME,
        AttrType.NONCE,
        AttrType.REALM,
        AttrType.MESSAGE_INTEGRITY,
    ]
    assert message.username == RFC5769_LT_USERNAME
    assert message.nonce == RFC5769_LT_NONCE
    assert message.realm == RFC5769_LT_REALM
    assert not message.has_fingerprint


def test_long_term_request_integrity_with_saslprepped_password() -> None:
    # RFC 5769 §2.4 states the password before SASLprep; SASLprep turns it into "TheMatrIX"
    # (soft hyphen dropped, NFKC maps U+00AA to "a" and U+2168 to "IX").
    password = saslprep(RFC5769_LT_PASSWORD_RAW)
    assert password == "TheMatrIX"
    message = parse_message(RFC5769_LONG_TERM_REQUEST)
    key = long_term_key(RFC5769_LT_USERNAME, RFC5769_LT_REALM, password)
    assert message.verify_integrity(key)
    assert not message.verify_integrity(
        long_term_key(RFC5769_LT_USERNAME, RFC5769_LT_REALM, "thematrix")
    )


def test_long_term_request_reencodes_byte_for_byte() -> None:
    message = parse_message(RFC5769_LONG_TERM_REQUEST)
    key = long_term_key(RFC5769_LT_USERNAME, RFC5769_LT_REALM, "TheMatrIX")
    assert message.encode(key) == RFC5769_LONG_TERM_REQUEST


def test_long_term_request_built_from_scratch() -> None:
    message = StunMessage(
        Method.BINDING,
        MessageClass.REQUEST,
        bytes.fromhex("78ad3433c6ad72c029da412e"),
        {
            AttrType.USERNAME: RFC5769_LT_USERNAME,
            AttrType.NONCE: RFC5769_LT_NONCE,
            AttrType.REALM: RFC5769_LT_REALM,
        },
    )
    key = long_term_key(RFC5769_LT_USERNAME, RFC5769_LT_REALM, "TheMatrIX")
    assert message.encode(key) == RFC5769_LONG_TERM_REQUEST
