"""Fuzzing ``rtcpeer.stun.parse_message``: a message or a ``StunError``, nothing else.

The oracle (:func:`tests.fuzz.oracles.check_stun`) also reads every typed getter of what
parsed and re-encodes it. The inputs: random bytes, random attributes behind a valid
header (with a correct FINGERPRINT half the time, so the attribute decoders are reached),
mutations of the RFC 5769 / RFC 8489 vectors and of messages holding every attribute, and
encoder output (``parse(encode(m)) == m``).
"""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from rtcpeer.stun import (
    KNOWN_ATTRIBUTES,
    AttrType,
    MessageClass,
    StunMessage,
    message_type,
    parse_message,
)
from tests.fuzz.mutations import fuzz_settings, mutants
from tests.fuzz.oracles import check_stun, fix_stun
from tests.stun.test_properties import stun_messages

_TRAILERS = {AttrType.MESSAGE_INTEGRITY, AttrType.MESSAGE_INTEGRITY_SHA256, AttrType.FINGERPRINT}


@fuzz_settings(150)
@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    check_stun(data)


@fuzz_settings(100)
@given(st.binary(min_size=1, max_size=120))
def test_random_bytes_behind_a_valid_header(body: bytes) -> None:
    header = struct.pack("!HHI", 0x0001, len(body), 0x2112A442) + bytes(12)
    check_stun(header + body)
    check_stun(fix_stun(header + body + b"\x80\x28\x00\x04\x00\x00\x00\x00"))


attribute_types = st.one_of(
    st.sampled_from(sorted(KNOWN_ATTRIBUTES)), st.integers(0, 0xFFFF), st.integers(0, 0x30)
)
attribute_values = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"", b"\x00\x01", b"\x00\x02", b"\x00\x01\x00\x00\x7f\x00\x00\x01"]),
    st.binary(min_size=4, max_size=4),
    st.binary(min_size=8, max_size=8),
    st.binary(min_size=20, max_size=20),
    st.binary(min_size=32, max_size=32),
)


@st.composite
def framed_messages(draw: st.DrawFn) -> bytes:
    """Well-framed messages whose attribute values are random: what reaches the decoders."""
    method = draw(st.integers(0, 0xFFF))
    cls = draw(st.sampled_from(list(MessageClass)))
    body = b""
    for attr_type, value in draw(st.lists(st.tuples(attribute_types, attribute_values))):
        padding = draw(st.sampled_from([b"\x00", b" ", b"\xff"])) * (-len(value) % 4)
        body += struct.pack("!HH", attr_type, len(value)) + value + padding
    data = (
        struct.pack("!HHI", message_type(method, cls), len(body), 0x2112A442)
        + draw(st.binary(min_size=12, max_size=12))
        + body
    )
    if draw(st.booleans()):
        data = fix_stun(data + b"\x80\x28\x00\x04\x00\x00\x00\x00")
    return data


@fuzz_settings(200)
@given(framed_messages())
def test_random_attribute_values_in_well_framed_messages(data: bytes) -> None:
    check_stun(data)


@fuzz_settings(300)
@given(mutants("stun"))
def test_mutated_valid_messages(data: bytes) -> None:
    check_stun(data)


@fuzz_settings(100)
@given(stun_messages(), st.sampled_from([None, b"key"]), st.booleans())
def test_encode_then_parse_round_trips(
    message: StunMessage, key: bytes | None, fingerprint: bool
) -> None:
    encoded = message.encode(key, fingerprint=fingerprint)
    parsed = parse_message(encoded)
    expected = {k: v for k, v in message.attributes.items() if k not in _TRAILERS}
    assert {k: v for k, v in parsed.attributes.items() if k not in _TRAILERS} == expected
    assert parsed.repeated_attributes == message.repeated_attributes
    assert (parsed.method, parsed.message_class, parsed.transaction_id) == (
        message.method,
        message.message_class,
        message.transaction_id,
    )
    if key is not None:
        assert parsed.verify_integrity(key)
    assert check_stun(encoded) is not None


@fuzz_settings(15)
@given(
    st.sampled_from([*sorted(KNOWN_ATTRIBUTES), 0x7FFF, 0xFFFF]),
    st.integers(0xFE00, 0xFFEC),
    st.booleans(),
)
def test_messages_near_64k(attr_type: int, size: int, fingerprint: bool) -> None:
    """The largest messages: one attribute of ``size`` bytes, and maybe a FINGERPRINT."""
    value = b"\x01" * size
    body = struct.pack("!HH", attr_type, len(value)) + value + b"\x00" * (-len(value) % 4)
    data = struct.pack("!HHI", 0x0001, len(body), 0x2112A442) + bytes(12) + body
    check_stun(fix_stun(data + b"\x80\x28\x00\x04\x00\x00\x00\x00") if fingerprint else data)
