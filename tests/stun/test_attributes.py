"""Every attribute type: round trips, exact wire forms, and malformed values."""

from __future__ import annotations

import ipaddress

import pytest

from rtcpeer.stun import (
    KNOWN_ATTRIBUTES,
    AttrType,
    ErrorCode,
    MessageClass,
    Method,
    PasswordAlgorithm,
    StunAttributeError,
    StunEncodeError,
    StunMessage,
    parse_message,
)
from tests.stun.helpers import TID, message, tlv

ROUND_TRIPS: list[tuple[int, object]] = [
    (AttrType.MAPPED_ADDRESS, ("192.0.2.1", 32853)),
    (AttrType.MAPPED_ADDRESS, ("2001:db8::1", 1)),
    (AttrType.XOR_MAPPED_ADDRESS, ("203.0.113.9", 65535)),
    (AttrType.XOR_MAPPED_ADDRESS, ("2001:db8:1234:5678:11:2233:4455:6677", 0)),
    (AttrType.XOR_PEER_ADDRESS, ("198.51.100.7", 5000)),
    (AttrType.XOR_PEER_ADDRESS, ("fe80::1", 5000)),
    (AttrType.XOR_RELAYED_ADDRESS, ("0.0.0.0", 49152)),
    (AttrType.XOR_RELAYED_ADDRESS, ("::", 49153)),
    (AttrType.ALTERNATE_SERVER, ("192.0.2.254", 3478)),
    (AttrType.ALTERNATE_SERVER, (str(ipaddress.IPv6Address("::ffff:192.0.2.254")), 3478)),
    (AttrType.USERNAME, "evtj:h6vY"),
    (AttrType.USERNAME, "\u30de\u30c8\u30ea\u30c3\u30af\u30b9"),
    (AttrType.USERNAME, ""),
    (AttrType.REALM, "example.org"),
    (AttrType.NONCE, "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA"),
    (AttrType.SOFTWARE, "rtcpeer 0.1 \u2603"),
    (AttrType.ALTERNATE_DOMAIN, "stun.example.net"),
    (AttrType.USERHASH, bytes(range(32))),
    (AttrType.DATA, b""),
    (AttrType.DATA, b"\x00\x01\x02"),
    (AttrType.DATA, bytes(1200)),
    (AttrType.RESERVATION_TOKEN, b"12345678"),
    (AttrType.PRIORITY, 0x6E0001FF),
    (AttrType.PRIORITY, 0),
    (AttrType.LIFETIME, 600),
    (AttrType.LIFETIME, 0xFFFFFFFF),
    (AttrType.CHANNEL_NUMBER, 0x4000),
    (AttrType.CHANNEL_NUMBER, 0x4FFF),
    (AttrType.REQUESTED_TRANSPORT, 17),
    (AttrType.REQUESTED_TRANSPORT, 6),
    (AttrType.REQUESTED_ADDRESS_FAMILY, 1),
    (AttrType.REQUESTED_ADDRESS_FAMILY, 2),
    (AttrType.ADDITIONAL_ADDRESS_FAMILY, 2),
    (AttrType.CONNECTION_ID, 0xDEADBEEF),
    (AttrType.ICE_CONTROLLING, 0xFFFFFFFFFFFFFFFF),
    (AttrType.ICE_CONTROLLED, 0x932FF9B151263B36),
    (AttrType.USE_CANDIDATE, None),
    (AttrType.DONT_FRAGMENT, None),
    (AttrType.EVEN_PORT, True),
    (AttrType.EVEN_PORT, False),
    (AttrType.ERROR_CODE, ErrorCode(420, "Unknown Attribute")),
    (AttrType.ERROR_CODE, ErrorCode(300, "")),
    (AttrType.ERROR_CODE, ErrorCode(699, "\u00e9chec")),
    (AttrType.ADDRESS_ERROR_CODE, (1, ErrorCode(440, "Address Family not Supported"))),
    (AttrType.ADDRESS_ERROR_CODE, (2, ErrorCode(508, "Insufficient Capacity"))),
    (AttrType.UNKNOWN_ATTRIBUTES, (0x0003,)),
    (AttrType.UNKNOWN_ATTRIBUTES, (0x0003, 0x7FFF, 0x0002)),
    (AttrType.UNKNOWN_ATTRIBUTES, ()),
    (AttrType.PASSWORD_ALGORITHM, PasswordAlgorithm(1)),
    (AttrType.PASSWORD_ALGORITHM, PasswordAlgorithm(2, b"\x01\x02\x03")),
    (AttrType.PASSWORD_ALGORITHMS, (PasswordAlgorithm(2), PasswordAlgorithm(1))),
    (AttrType.PASSWORD_ALGORITHMS, (PasswordAlgorithm(9, b"xyz"), PasswordAlgorithm(2))),
    (AttrType.ICMP, (3, 4, 1400)),
    (AttrType.ICMP, (127, 511, 0)),
    (AttrType.FINGERPRINT, 0x12345678),  # only as a model value: encode() computes its own
    (AttrType.MESSAGE_INTEGRITY, bytes(20)),
    (AttrType.MESSAGE_INTEGRITY_SHA256, bytes(32)),
    (0xC057, b"\x00\x01\x00\x0a"),  # unknown comprehension-optional: raw bytes
    (0x7F00, b"abc"),  # unknown comprehension-required: raw bytes
]

_TRAILERS = {AttrType.FINGERPRINT, AttrType.MESSAGE_INTEGRITY, AttrType.MESSAGE_INTEGRITY_SHA256}


def test_every_known_attribute_has_a_round_trip_case() -> None:
    assert {int(t) for t, _ in ROUND_TRIPS} >= KNOWN_ATTRIBUTES
    assert {int(t) for t in AttrType} == KNOWN_ATTRIBUTES


@pytest.mark.parametrize(
    ("attr_type", "value"),
    ROUND_TRIPS,
    ids=[f"{t:#06x}-{i}" for i, (t, _) in enumerate(ROUND_TRIPS)],
)
def test_round_trip(attr_type: int, value: object) -> None:
    original = StunMessage(Method.BINDING, MessageClass.SUCCESS, TID, {attr_type: value})
    encoded = original.encode()
    assert len(encoded) % 4 == 0
    if attr_type in _TRAILERS:
        # The encoder never copies trailer attributes from the model (RFC 8489 §14.5-§14.7).
        assert encoded == message(msg_type=0x0101)
        return
    parsed = parse_message(encoded)
    assert parsed == original
    assert parsed.get(attr_type) == value
    assert type(parsed.get(attr_type)) is type(value)


@pytest.mark.parametrize(
    ("attr_type", "value", "wire"),
    [
        (AttrType.PRIORITY, 0x6E0001FF, "6e0001ff"),
        (AttrType.CHANNEL_NUMBER, 0x4001, "40010000"),
        (AttrType.REQUESTED_TRANSPORT, 17, "11000000"),
        (AttrType.REQUESTED_ADDRESS_FAMILY, 2, "02000000"),
        (AttrType.EVEN_PORT, True, "80"),
        (AttrType.EVEN_PORT, False, "00"),
        (AttrType.USE_CANDIDATE, None, ""),
        (AttrType.ICE_CONTROLLING, 1, "0000000000000001"),
        (AttrType.ERROR_CODE, ErrorCode(487, "Role Conflict"), "00000457" + b"Role Conflict".hex()),
        (AttrType.ADDRESS_ERROR_CODE, (2, ErrorCode(440, "")), "02000428"),
        (AttrType.UNKNOWN_ATTRIBUTES, (0x0003, 0x7FFF, 0x0002), "00037fff0002"),
        (AttrType.PASSWORD_ALGORITHM, PasswordAlgorithm(2), "00020000"),
        (AttrType.PASSWORD_ALGORITHM, PasswordAlgorithm(7, b"\xaa"), "00070001aa000000"),
        (
            AttrType.PASSWORD_ALGORITHMS,
            (PasswordAlgorithm(2), PasswordAlgorithm(1)),
            "0002000000010000",
        ),
        (AttrType.ICMP, (3, 4, 1400), "0000060400000578"),
        (AttrType.MAPPED_ADDRESS, ("192.0.2.1", 32853), "00018055c0000201"),
        (AttrType.XOR_MAPPED_ADDRESS, ("192.0.2.1", 32853), "0001a147e112a643"),
    ],
)
def test_wire_form(attr_type: int, value: object, wire: str) -> None:
    raw = bytes.fromhex(wire)
    encoded = StunMessage(Method.BINDING, MessageClass.REQUEST, TID, {attr_type: value}).encode()
    assert encoded[20:] == tlv(attr_type, raw)


@pytest.mark.parametrize(
    ("attr_type", "raw", "expected"),
    [
        (AttrType.CHANNEL_NUMBER, "4000ffff", 0x4000),  # RFFU ignored (RFC 8656 §18.1)
        (AttrType.REQUESTED_TRANSPORT, "11abcdef", 17),  # RFFU ignored (§18.8)
        (AttrType.REQUESTED_ADDRESS_FAMILY, "01ffffff", 1),  # reserved ignored (§18.6)
        (AttrType.EVEN_PORT, "ff", True),  # RFFU ignored (§18.7)
        (AttrType.EVEN_PORT, "7f", False),
        (AttrType.ERROR_CODE, "fffffc01", ErrorCode(401, "")),  # reserved ignored (§14.8)
        (AttrType.MAPPED_ADDRESS, "ff018055c0000201", ("192.0.2.1", 32853)),  # first byte ignored
        (AttrType.ICMP, "ffff060400000000", (3, 4, 0)),  # reserved ignored (§18.13)
        (AttrType.PASSWORD_ALGORITHM, "00070001aa", PasswordAlgorithm(7, b"\xaa")),  # unpadded
        (
            AttrType.PASSWORD_ALGORITHMS,
            "00010000" + "00070001aa",
            (PasswordAlgorithm(1), PasswordAlgorithm(7, b"\xaa")),
        ),
    ],
)
def test_reserved_bits_are_ignored_on_receipt(attr_type: int, raw: str, expected: object) -> None:
    parsed = parse_message(message(tlv(attr_type, bytes.fromhex(raw))))
    assert parsed.get(attr_type) == expected


FIXED_LENGTHS = {
    AttrType.MESSAGE_INTEGRITY: 20,
    AttrType.USERHASH: 32,
    AttrType.RESERVATION_TOKEN: 8,
    AttrType.PRIORITY: 4,
    AttrType.LIFETIME: 4,
    AttrType.CHANNEL_NUMBER: 4,
    AttrType.REQUESTED_TRANSPORT: 4,
    AttrType.REQUESTED_ADDRESS_FAMILY: 4,
    AttrType.ADDITIONAL_ADDRESS_FAMILY: 4,
    AttrType.CONNECTION_ID: 4,
    AttrType.ICE_CONTROLLING: 8,
    AttrType.ICE_CONTROLLED: 8,
    AttrType.USE_CANDIDATE: 0,
    AttrType.DONT_FRAGMENT: 0,
    AttrType.EVEN_PORT: 1,
    AttrType.ICMP: 8,
}


@pytest.mark.parametrize(
    ("attr_type", "size"),
    [
        (attr_type, size)
        for attr_type, good in FIXED_LENGTHS.items()
        for size in sorted({0, 1, good - 1, good + 1, good + 4} - {good, -1})
    ],
)
def test_fixed_size_attribute_with_wrong_length(attr_type: int, size: int) -> None:
    with pytest.raises(StunAttributeError) as info:
        parse_message(message(tlv(attr_type, bytes(size))))
    assert info.value.attr_type == attr_type


def test_fingerprint_with_wrong_length() -> None:
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(AttrType.FINGERPRINT, bytes(8))))


@pytest.mark.parametrize("size", [0, 4, 12, 14, 15, 18, 29, 36, 64])
def test_message_integrity_sha256_length(size: int) -> None:
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(AttrType.MESSAGE_INTEGRITY_SHA256, bytes(size))))


@pytest.mark.parametrize("size", [16, 20, 24, 28, 32])
def test_message_integrity_sha256_truncations_accepted(size: int) -> None:
    parsed = parse_message(message(tlv(AttrType.MESSAGE_INTEGRITY_SHA256, bytes(size))))
    assert parsed.get(AttrType.MESSAGE_INTEGRITY_SHA256) == bytes(size)


TEXT_ATTRIBUTES = [
    AttrType.USERNAME,
    AttrType.REALM,
    AttrType.NONCE,
    AttrType.SOFTWARE,
    AttrType.ALTERNATE_DOMAIN,
]


@pytest.mark.parametrize("attr_type", TEXT_ATTRIBUTES)
@pytest.mark.parametrize(
    "raw",
    [b"\xff", b"abc\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"],
    ids=["ff", "truncated", "overlong", "surrogate", "above-max"],
)
def test_invalid_utf8(attr_type: int, raw: bytes) -> None:
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(attr_type, raw)))


@pytest.mark.parametrize("attr_type", [AttrType.ERROR_CODE, AttrType.ADDRESS_ERROR_CODE])
def test_invalid_utf8_reason_phrase(attr_type: int) -> None:
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(attr_type, bytes.fromhex("01000414ff"))))


def test_text_length_limits() -> None:
    parsed = parse_message(message(tlv(AttrType.SOFTWARE, b"a" * 763)))
    assert parsed.software == "a" * 763
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(AttrType.SOFTWARE, b"a" * 764)))
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(AttrType.ALTERNATE_DOMAIN, b"a" * 256)))
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(AttrType.ALTERNATE_DOMAIN, "\u00e9".encode())))


ADDRESS_ATTRIBUTES = [
    AttrType.MAPPED_ADDRESS,
    AttrType.XOR_MAPPED_ADDRESS,
    AttrType.XOR_PEER_ADDRESS,
    AttrType.XOR_RELAYED_ADDRESS,
    AttrType.ALTERNATE_SERVER,
]


@pytest.mark.parametrize("attr_type", ADDRESS_ATTRIBUTES)
@pytest.mark.parametrize(
    "raw",
    [
        "",
        "0001",
        "00011234",  # IPv4 without its address
        "000112340a0000",  # 3-byte IPv4 address
        "000112340a0000010a",  # 5-byte IPv4 address
        "00011234" + "00" * 16,  # IPv4 family, IPv6-sized address
        "00021234c0000201",  # IPv6 family, IPv4-sized address
        "00031234c0000201",  # unknown family
        "00001234c0000201",
        "00031234" + "00" * 16,
    ],
)
def test_bad_address(attr_type: int, raw: str) -> None:
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(attr_type, bytes.fromhex(raw))))


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "000004",
        "00000214",  # class 2
        "00000714",  # class 7
        "00000064",  # class 0
        "00000464",  # number 100
        "000004ff",  # number 255
    ],
)
def test_bad_error_code(raw: str) -> None:
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(AttrType.ERROR_CODE, bytes.fromhex(raw))))


@pytest.mark.parametrize("raw", ["000004", "00000414", "03000414", "02000714"])
def test_bad_address_error_code(raw: str) -> None:
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(AttrType.ADDRESS_ERROR_CODE, bytes.fromhex(raw))))


@pytest.mark.parametrize(
    ("attr_type", "raw"),
    [
        (AttrType.UNKNOWN_ATTRIBUTES, "000300"),
        (AttrType.PASSWORD_ALGORITHM, ""),
        (AttrType.PASSWORD_ALGORITHM, "000100"),
        (AttrType.PASSWORD_ALGORITHM, "00010004aabb"),  # parameters overrun the value
        (AttrType.PASSWORD_ALGORITHM, "00010000" + "00020000"),  # trailing entry
        (AttrType.PASSWORD_ALGORITHM, "00010001aa00"),  # partial padding
        (AttrType.PASSWORD_ALGORITHMS, "000100"),
        (AttrType.PASSWORD_ALGORITHMS, "00010000" + "0002"),
        (AttrType.PASSWORD_ALGORITHMS, "00010002aabb" + "0002000000"),  # padding missing mid-list
    ],
)
def test_bad_lists(attr_type: int, raw: str) -> None:
    with pytest.raises(StunAttributeError):
        parse_message(message(tlv(attr_type, bytes.fromhex(raw))))


@pytest.mark.parametrize(
    ("attr_type", "value"),
    [
        (AttrType.PRIORITY, -1),
        (AttrType.PRIORITY, 1 << 32),
        (AttrType.PRIORITY, "1"),
        (AttrType.PRIORITY, True),
        (AttrType.ICE_CONTROLLING, 1 << 64),
        (AttrType.CHANNEL_NUMBER, 0x10000),
        (AttrType.REQUESTED_TRANSPORT, 256),
        (AttrType.USERNAME, b"bytes"),
        (AttrType.USERNAME, "x" * 764),
        (AttrType.USERNAME, "\ud800"),
        (AttrType.ALTERNATE_DOMAIN, "\u00e9.example"),
        (AttrType.USERHASH, bytes(31)),
        (AttrType.RESERVATION_TOKEN, "12345678"),
        (AttrType.DATA, "text"),
        (AttrType.DATA, bytes(0x10000)),
        (AttrType.USE_CANDIDATE, True),
        (AttrType.EVEN_PORT, 1),
        (AttrType.ERROR_CODE, 420),
        (AttrType.ERROR_CODE, ErrorCode(299, "")),
        (AttrType.ERROR_CODE, ErrorCode(700, "")),
        (AttrType.ADDRESS_ERROR_CODE, (3, ErrorCode(440, ""))),
        (AttrType.ADDRESS_ERROR_CODE, ErrorCode(440, "")),
        (AttrType.UNKNOWN_ATTRIBUTES, 3),
        (AttrType.UNKNOWN_ATTRIBUTES, (0x10000,)),
        (AttrType.PASSWORD_ALGORITHM, 1),
        (AttrType.PASSWORD_ALGORITHM, PasswordAlgorithm(0x10000)),
        (AttrType.PASSWORD_ALGORITHMS, PasswordAlgorithm(1)),
        (AttrType.ICMP, (128, 0, 0)),
        (AttrType.ICMP, (0, 512, 0)),
        (AttrType.ICMP, (0, 0)),
        (AttrType.XOR_MAPPED_ADDRESS, ("not-an-ip", 1)),
        (AttrType.XOR_MAPPED_ADDRESS, ("192.0.2.1", 65536)),
        (AttrType.XOR_MAPPED_ADDRESS, ("192.0.2.1",)),
        (AttrType.MAPPED_ADDRESS, "192.0.2.1:80"),
        (0x7F00, "unknown needs bytes"),
    ],
)
def test_encode_rejects_bad_values(attr_type: int, value: object) -> None:
    msg = StunMessage(Method.BINDING, MessageClass.REQUEST, TID, {attr_type: value})
    with pytest.raises(StunEncodeError):
        msg.encode()
