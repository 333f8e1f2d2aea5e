"""The STUN header: message-type interleaving, the demux test and header validation."""

from __future__ import annotations

import pytest

from rtcpeer.stun import (
    MessageClass,
    Method,
    StunEncodeError,
    StunParseError,
    is_stun,
    message_type,
    parse_message,
    split_message_type,
)
from tests.stun.helpers import message, tlv
from tests.stun.vectors import RFC5769_IPV4_RESPONSE, RFC5769_SAMPLE_REQUEST


@pytest.mark.parametrize(
    ("method", "message_class", "expected"),
    [
        (Method.BINDING, MessageClass.REQUEST, 0x0001),
        (Method.BINDING, MessageClass.INDICATION, 0x0011),
        (Method.BINDING, MessageClass.SUCCESS, 0x0101),
        (Method.BINDING, MessageClass.ERROR, 0x0111),
        (Method.ALLOCATE, MessageClass.REQUEST, 0x0003),
        (Method.ALLOCATE, MessageClass.SUCCESS, 0x0103),
        (Method.ALLOCATE, MessageClass.ERROR, 0x0113),
        (Method.REFRESH, MessageClass.REQUEST, 0x0004),
        (Method.SEND, MessageClass.INDICATION, 0x0016),
        (Method.DATA, MessageClass.INDICATION, 0x0017),
        (Method.CREATE_PERMISSION, MessageClass.REQUEST, 0x0008),
        (Method.CHANNEL_BIND, MessageClass.REQUEST, 0x0009),
        (Method.CONNECTION_ATTEMPT, MessageClass.INDICATION, 0x001C),
        (0x0FFF, MessageClass.ERROR, 0x3FFF),
        (0x0080, MessageClass.REQUEST, 0x0200),
    ],
)
def test_message_type_encoding(method: int, message_class: int, expected: int) -> None:
    assert message_type(method, message_class) == expected
    assert split_message_type(expected) == (method, message_class)


def test_split_is_the_inverse_for_every_14_bit_type() -> None:
    for msg_type in range(0x4000):
        method, message_class = split_message_type(msg_type)
        assert message_type(method, message_class) == msg_type


@pytest.mark.parametrize(("method", "message_class"), [(0x1000, 0), (-1, 0), (1, 4), (1, -1)])
def test_message_type_rejects_out_of_range(method: int, message_class: int) -> None:
    with pytest.raises(StunEncodeError):
        message_type(method, message_class)


def test_split_rejects_more_than_14_bits() -> None:
    with pytest.raises(StunParseError):
        split_message_type(0x4000)


def test_is_stun_accepts_vectors_in_any_buffer_type() -> None:
    for data in (RFC5769_SAMPLE_REQUEST, RFC5769_IPV4_RESPONSE):
        assert is_stun(data)
        assert is_stun(bytearray(data))
        assert is_stun(memoryview(data))
    assert is_stun(message())


@pytest.mark.parametrize(
    "data",
    [
        b"",
        message()[:19],
        message(msg_type=0x4001),  # top bits set
        message(msg_type=0x8001),
        message(cookie=0x2112A443),
        message(tlv(0x8022, b"abcd"), length=4),  # length says less than what follows
        message(tlv(0x8022, b"abcd"), length=12),  # length says more
        message(b"\x00\x00", length=2),  # length not a multiple of 4
        bytes.fromhex("80c8000600000001") + bytes(16),  # an RTCP sender report
        bytes.fromhex("16fefd0000000000000000") + bytes(16),  # a DTLS record
    ],
)
def test_is_stun_rejects(data: bytes) -> None:
    assert not is_stun(data)


@pytest.mark.parametrize("size", range(20))
def test_truncated_header(size: int) -> None:
    with pytest.raises(StunParseError, match="truncated"):
        parse_message(message()[:size])


@pytest.mark.parametrize("msg_type", [0x4001, 0x8001, 0xC001])
def test_top_bits_must_be_zero(msg_type: int) -> None:
    with pytest.raises(StunParseError, match="most significant"):
        parse_message(message(msg_type=msg_type))


def test_bad_magic_cookie() -> None:
    with pytest.raises(StunParseError, match="cookie"):
        parse_message(message(cookie=0xDEADBEEF))


def test_length_not_multiple_of_four() -> None:
    with pytest.raises(StunParseError, match="multiple of 4"):
        parse_message(message(b"\x80\x22\x00\x02\x61\x62", length=6))


@pytest.mark.parametrize("declared", [0, 4, 12, 16])
def test_length_must_match_the_datagram(declared: int) -> None:
    with pytest.raises(StunParseError, match="length"):
        parse_message(message(tlv(0x8022, b"abcd"), length=declared))


def test_empty_message_parses() -> None:
    parsed = parse_message(message(msg_type=0x0011))
    assert parsed.method is Method.BINDING
    assert parsed.message_class is MessageClass.INDICATION
    assert parsed.attributes == {}


def test_unknown_method_is_kept_as_int() -> None:
    parsed = parse_message(message(msg_type=message_type(0x0ABC, MessageClass.SUCCESS)))
    assert parsed.method == 0x0ABC
    assert not isinstance(parsed.method, Method)
    assert parsed.message_class is MessageClass.SUCCESS
