"""Message-level rules: framing, FINGERPRINT, integrity coverage, ignored and unknown attributes,
repeated attributes, and encoder options."""

from __future__ import annotations

import hashlib
import hmac
import struct

import pytest

from rtcpeer.stun import (
    AttrType,
    ErrorCode,
    MessageClass,
    Method,
    StunAttributeError,
    StunEncodeError,
    StunError,
    StunFingerprintError,
    StunMessage,
    StunParseError,
    new_transaction_id,
    parse_message,
    short_term_key,
)
from tests.stun.helpers import TID, message, tlv, with_fingerprint
from tests.stun.vectors import RFC5769_PASSWORD, RFC5769_SAMPLE_REQUEST

KEY = short_term_key("pass")


def _sha1_integrity(data: bytes, key: bytes = KEY) -> bytes:
    """Append MESSAGE-INTEGRITY computed independently of the codec (RFC 8489 §14.5)."""
    adjusted = data[:2] + struct.pack("!H", len(data) - 20 + 24) + data[4:]
    return adjusted + tlv(0x0008, hmac.new(key, adjusted, hashlib.sha1).digest())


def _sha256_integrity(data: bytes, key: bytes = KEY, size: int = 32) -> bytes:
    """Append MESSAGE-INTEGRITY-SHA256 (possibly truncated) independently (RFC 8489 §14.6)."""
    adjusted = data[:2] + struct.pack("!H", len(data) - 20 + 4 + size) + data[4:]
    return adjusted + tlv(0x001C, hmac.new(key, adjusted, hashlib.sha256).digest()[:size])


# --- framing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("declared", [5, 8, 9, 0xFFFF])
def test_attribute_overrunning_the_message(declared: int) -> None:
    body = struct.pack("!HH", AttrType.SOFTWARE, declared) + b"abcd"
    with pytest.raises(StunParseError, match="overruns"):
        parse_message(message(body))


def test_attribute_padding_must_be_inside_the_message() -> None:
    # A 5-byte value needs 3 bytes of padding; here only the value is present, so the message
    # length is not a multiple of 4 and the header check fires first.
    body = struct.pack("!HH", AttrType.SOFTWARE, 5) + b"abcde"
    with pytest.raises(StunParseError):
        parse_message(message(body))


def test_padding_content_is_ignored() -> None:
    parsed = parse_message(message(tlv(AttrType.SOFTWARE, b"abcde", pad=b"\xff")))
    assert parsed.software == "abcde"


def test_accepts_bytearray_and_memoryview() -> None:
    for data in (bytearray(RFC5769_SAMPLE_REQUEST), memoryview(RFC5769_SAMPLE_REQUEST)):
        parsed = parse_message(data)
        assert parsed.verify_integrity(short_term_key(RFC5769_PASSWORD))
        assert parsed.raw == RFC5769_SAMPLE_REQUEST


# --- FINGERPRINT ------------------------------------------------------------------------------


def test_fingerprint_is_verified() -> None:
    data = with_fingerprint(message(tlv(AttrType.SOFTWARE, b"abcd")))
    parsed = parse_message(data)
    assert parsed.has_fingerprint
    assert parsed.get(AttrType.FINGERPRINT) == int.from_bytes(data[-4:], "big")


@pytest.mark.parametrize("index", [3, 6, 10, 20, 25, -1, -4])
def test_corruption_is_caught_by_the_fingerprint(index: int) -> None:
    data = bytearray(with_fingerprint(message(tlv(AttrType.SOFTWARE, b"abcd"))))
    data[index] ^= 0x01
    with pytest.raises(StunError):
        parse_message(bytes(data))
    if index in (10, 25, -1, -4):  # inside the transaction ID / value / the CRC itself
        with pytest.raises(StunFingerprintError):
            parse_message(bytes(data))


def test_attribute_after_fingerprint() -> None:
    data = with_fingerprint(message(tlv(AttrType.SOFTWARE, b"abcd")))
    data = data + tlv(AttrType.PRIORITY, bytes(4))
    data = data[:2] + struct.pack("!H", len(data) - 20) + data[4:]
    with pytest.raises(StunParseError, match="FINGERPRINT"):
        parse_message(data)


def test_two_fingerprints() -> None:
    data = with_fingerprint(with_fingerprint(message()))
    with pytest.raises(StunParseError, match="FINGERPRINT"):
        parse_message(data)


def test_fingerprint_error_is_not_a_parse_error_subclass() -> None:
    assert issubclass(StunFingerprintError, StunError)
    assert issubclass(StunParseError, StunError)
    assert issubclass(StunAttributeError, StunParseError)
    assert issubclass(StunError, ValueError)


# --- integrity --------------------------------------------------------------------------------


def test_integrity_covers_everything_before_it_with_adjusted_length() -> None:
    base = message(tlv(AttrType.USERNAME, b"a:b"), tlv(AttrType.PRIORITY, b"\x00\x00\x00\x01"))
    signed = _sha1_integrity(base)
    parsed = parse_message(with_fingerprint(signed))
    assert parsed.verify_integrity(KEY)
    assert not parsed.verify_integrity(short_term_key("other"))
    # Flip each bit-6 of every byte before MESSAGE-INTEGRITY, keep the original HMAC, refresh
    # FINGERPRINT so that parsing succeeds: integrity must fail every time it parses.
    mi_attribute = signed[len(base) :]
    checked = 0
    for index in range(len(base)):
        if 2 <= index < 4:
            continue  # the Length field, which the HMAC input rewrites anyway
        tampered = bytearray(base + mi_attribute)
        tampered[index] ^= 0x40
        try:
            reparsed = parse_message(with_fingerprint(bytes(tampered)))
        except StunError:
            continue
        checked += 1
        assert not reparsed.verify_integrity(KEY), index
    assert checked > 20


def test_attributes_after_message_integrity_are_ignored() -> None:
    # RFC 8489 §9: everything after MESSAGE-INTEGRITY except MESSAGE-INTEGRITY-SHA256 and
    # FINGERPRINT is ignored: dropped from the model, not decoded, not reported as unknown.
    base = _sha1_integrity(message(tlv(AttrType.USERNAME, b"a:b")))
    trailing = (
        tlv(AttrType.SOFTWARE, b"injected")
        + tlv(AttrType.PRIORITY, b"\x01\x02\x03")  # malformed, but never decoded
        + tlv(0x0003, b"xxxx")  # unknown comprehension-required, but ignored
        + tlv(AttrType.XOR_MAPPED_ADDRESS, b"\x00\x09")  # malformed too
    )
    data = base + trailing
    data = with_fingerprint(data[:2] + struct.pack("!H", len(data) - 20) + data[4:])
    parsed = parse_message(data)
    assert list(parsed.attributes) == [
        AttrType.USERNAME,
        AttrType.MESSAGE_INTEGRITY,
        AttrType.FINGERPRINT,
    ]
    assert parsed.unknown_comprehension_required == ()
    assert parsed.verify_integrity(KEY)


def test_sha256_after_sha1_is_accepted_and_preferred() -> None:
    data = _sha256_integrity(_sha1_integrity(message(tlv(AttrType.USERNAME, b"a:b"))))
    parsed = parse_message(with_fingerprint(data))
    assert AttrType.MESSAGE_INTEGRITY in parsed.attributes
    assert AttrType.MESSAGE_INTEGRITY_SHA256 in parsed.attributes
    assert parsed.verify_integrity(KEY)
    # Break only the SHA-256 value: verify_integrity must now fail although SHA-1 is fine.
    broken = bytearray(data)
    broken[-1] ^= 1
    assert not parse_message(bytes(broken)).verify_integrity(KEY)


def test_after_sha256_only_fingerprint_counts() -> None:
    base = _sha256_integrity(message(tlv(AttrType.USERNAME, b"a:b")))
    data = base + tlv(AttrType.MESSAGE_INTEGRITY, bytes(20)) + tlv(AttrType.SOFTWARE, b"x")
    data = with_fingerprint(data[:2] + struct.pack("!H", len(data) - 20) + data[4:])
    parsed = parse_message(data)
    assert list(parsed.attributes) == [
        AttrType.USERNAME,
        AttrType.MESSAGE_INTEGRITY_SHA256,
        AttrType.FINGERPRINT,
    ]
    assert parsed.verify_integrity(KEY)


def test_second_message_integrity_is_ignored() -> None:
    base = _sha1_integrity(message(tlv(AttrType.USERNAME, b"a:b")))
    data = base + tlv(AttrType.MESSAGE_INTEGRITY, bytes(20))
    data = data[:2] + struct.pack("!H", len(data) - 20) + data[4:]
    parsed = parse_message(data)
    assert parsed.repeated_attributes == []
    # The first MESSAGE-INTEGRITY's input ends before it, so the extra bytes do not matter.
    assert parsed.verify_integrity(KEY)


@pytest.mark.parametrize("size", [16, 20, 24, 28])
def test_truncated_sha256_integrity(size: int) -> None:
    parsed = parse_message(_sha256_integrity(message(tlv(AttrType.USERNAME, b"u")), size=size))
    assert parsed.verify_integrity(KEY)
    assert not parsed.verify_integrity(b"nope")


def test_verify_integrity_false_without_integrity_or_raw_bytes() -> None:
    assert not parse_message(message(tlv(AttrType.USERNAME, b"u"))).verify_integrity(KEY)
    built = StunMessage(Method.BINDING, MessageClass.REQUEST, TID, {AttrType.USERNAME: "u"})
    assert not built.verify_integrity(KEY)
    assert built.raw is None


# --- encoder ----------------------------------------------------------------------------------


def _request() -> StunMessage:
    return StunMessage(
        Method.BINDING,
        MessageClass.REQUEST,
        TID,
        {AttrType.USERNAME: "a:b", AttrType.PRIORITY: 1, AttrType.USE_CANDIDATE: None},
    )


def test_encode_matches_independent_construction() -> None:
    plain = message(
        tlv(AttrType.USERNAME, b"a:b"),
        tlv(AttrType.PRIORITY, b"\x00\x00\x00\x01"),
        tlv(AttrType.USE_CANDIDATE, b""),
    )
    request = _request()
    assert request.encode() == plain
    assert request.encode(KEY) == _sha1_integrity(plain)
    assert request.encode(KEY, integrity_sha256=True) == _sha256_integrity(plain)
    assert request.encode(KEY, fingerprint=True) == with_fingerprint(_sha1_integrity(plain))
    assert request.encode(fingerprint=True) == with_fingerprint(plain)
    both = request.encode(KEY, both_integrities=True, fingerprint=True)
    assert both == with_fingerprint(_sha256_integrity(_sha1_integrity(plain)))


def test_encode_skips_trailer_entries_of_the_model() -> None:
    parsed = parse_message(_request().encode(KEY, fingerprint=True))
    assert parsed.has_integrity and parsed.has_fingerprint
    assert parsed.encode() == _request().encode()
    assert parsed.encode(KEY, fingerprint=True) == _request().encode(KEY, fingerprint=True)


def test_round_trip_equality_ignores_trailers_only() -> None:
    request = _request()
    parsed = parse_message(request.encode())
    assert parsed == request
    assert parsed.use_candidate
    assert parsed.priority == 1


def test_unknown_comprehension_required_attributes_are_reported() -> None:
    data = message(
        tlv(0x0003, b"\x00\x00\x00\x04"),
        tlv(AttrType.USERNAME, b"u"),
        tlv(0x7FFF, b""),
        tlv(0x0003, b"dup!"),
        tlv(0xC057, b"\x00\x01\x00\x0a"),
        tlv(0x8FFF, b"zz"),
    )
    parsed = parse_message(data)
    assert parsed.unknown_comprehension_required == (0x0003, 0x7FFF)
    assert parsed.get(0xC057) == b"\x00\x01\x00\x0a"  # unknown optional: kept, as bytes
    assert parsed.get(0x8FFF) == b"zz"  # padding stripped
    assert parsed.get(0x0003) == b"\x00\x00\x00\x04"
    assert parsed.repeated_attributes == [(0x0003, b"dup!")]
    # Unknown attributes survive a re-encode (repeats are written after the first occurrences).
    assert parse_message(parsed.encode()) == parsed


def test_repeated_attributes() -> None:
    peers = [("192.0.2.1", 1000), ("2001:db8::2", 2000), ("198.51.100.3", 3000)]
    msg = StunMessage(
        Method.CREATE_PERMISSION,
        MessageClass.REQUEST,
        TID,
        {AttrType.XOR_PEER_ADDRESS: peers[0], AttrType.LIFETIME: 5},
        [(AttrType.XOR_PEER_ADDRESS, peers[1]), (AttrType.XOR_PEER_ADDRESS, peers[2])],
    )
    parsed = parse_message(msg.encode())
    assert parsed == msg
    assert parsed.xor_peer_address == peers[0]
    assert parsed.get_all(AttrType.XOR_PEER_ADDRESS) == tuple(peers)
    assert parsed.get_all(AttrType.LIFETIME) == (5,)
    assert parsed.get_all(AttrType.SOFTWARE) == ()


def test_repeated_attribute_needs_a_first_occurrence() -> None:
    msg = StunMessage(
        Method.ALLOCATE,
        MessageClass.SUCCESS,
        TID,
        {},
        [(AttrType.XOR_RELAYED_ADDRESS, ("192.0.2.1", 1))],
    )
    with pytest.raises(StunEncodeError):
        msg.encode()


@pytest.mark.parametrize("tid", [b"", bytes(11), bytes(13)])
def test_transaction_id_must_be_12_bytes(tid: bytes) -> None:
    with pytest.raises(StunEncodeError):
        StunMessage(Method.BINDING, MessageClass.REQUEST, tid)


def test_constructor_normalises_method_class_and_id() -> None:
    msg = StunMessage(1, 2, bytearray(TID))  # type: ignore[arg-type]
    assert msg.method is Method.BINDING
    assert msg.message_class is MessageClass.SUCCESS
    assert msg.transaction_id == TID and isinstance(msg.transaction_id, bytes)
    with pytest.raises(StunEncodeError):
        StunMessage(1, 4, TID)  # type: ignore[arg-type]


def test_unknown_method_encodes_and_too_large_does_not() -> None:
    msg = StunMessage(0x0ABC, MessageClass.REQUEST, TID)
    assert parse_message(msg.encode()) == msg
    with pytest.raises(StunEncodeError):
        StunMessage(0x1000, MessageClass.REQUEST, TID).encode()


@pytest.mark.parametrize("attr_type", [-1, 0x10000, "USERNAME"])
def test_bad_attribute_keys(attr_type: object) -> None:
    msg = StunMessage(Method.BINDING, MessageClass.REQUEST, TID, {attr_type: b""})  # type: ignore[dict-item]
    with pytest.raises(StunEncodeError):
        msg.encode()


def test_message_too_large() -> None:
    msg = StunMessage(
        Method.SEND,
        MessageClass.INDICATION,
        TID,
        {AttrType.DATA: bytes(0xFFFF), AttrType.SOFTWARE: "x"},
    )
    with pytest.raises(StunEncodeError):
        msg.encode()


def test_typed_getters() -> None:
    msg = StunMessage(
        Method.BINDING,
        MessageClass.ERROR,
        TID,
        {
            AttrType.ERROR_CODE: ErrorCode(487, "Role Conflict"),
            AttrType.UNKNOWN_ATTRIBUTES: (3,),
            AttrType.REALM: "r",
            AttrType.NONCE: "n",
            AttrType.LIFETIME: 1,
            AttrType.CHANNEL_NUMBER: 0x4000,
            AttrType.REQUESTED_TRANSPORT: 17,
            AttrType.ICE_CONTROLLING: 7,
            AttrType.MAPPED_ADDRESS: ("192.0.2.1", 1),
            AttrType.XOR_RELAYED_ADDRESS: ("192.0.2.2", 2),
            AttrType.ALTERNATE_SERVER: ("192.0.2.3", 3),
            AttrType.DATA: b"d",
            AttrType.USERHASH: bytes(32),
        },
    )
    parsed = parse_message(msg.encode())
    assert parsed.error_code == ErrorCode(487, "Role Conflict")
    assert parsed.unknown_attributes == (3,)
    assert (parsed.realm, parsed.nonce, parsed.lifetime) == ("r", "n", 1)
    assert (parsed.channel_number, parsed.requested_transport) == (0x4000, 17)
    assert (parsed.ice_controlling, parsed.ice_controlled) == (7, None)
    assert parsed.mapped_address == ("192.0.2.1", 1)
    assert parsed.xor_relayed_address == ("192.0.2.2", 2)
    assert parsed.alternate_server == ("192.0.2.3", 3)
    assert parsed.xor_mapped_address is None and parsed.xor_peer_address is None
    assert (parsed.data, parsed.userhash) == (b"d", bytes(32))
    assert parsed.username is None and parsed.software is None and parsed.priority is None
    assert not parsed.use_candidate and not parsed.has_integrity and not parsed.has_fingerprint


def test_typed_getter_rejects_wrong_model_type() -> None:
    msg = StunMessage(Method.BINDING, MessageClass.REQUEST, TID, {AttrType.USERNAME: 5})
    with pytest.raises(TypeError):
        _ = msg.username


def test_new_transaction_id_uses_the_injected_source() -> None:
    assert new_transaction_id(lambda n: bytes(range(n))) == bytes(range(12))
    with pytest.raises(StunEncodeError):
        new_transaction_id(lambda n: bytes(n - 1))


@pytest.mark.parametrize("method", ["x", 1.0, True, None])
def test_encode_rejects_non_int_method(method: object) -> None:
    msg = StunMessage(method, MessageClass.REQUEST, TID)  # type: ignore[arg-type]
    with pytest.raises(StunEncodeError):
        msg.encode()


@pytest.mark.parametrize("message_class", [1.0, True, "0", None])
def test_constructor_rejects_non_int_class(message_class: object) -> None:
    with pytest.raises(StunEncodeError):
        StunMessage(Method.BINDING, message_class, TID)  # type: ignore[arg-type]
