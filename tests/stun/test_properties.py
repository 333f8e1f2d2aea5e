"""Property tests: the parser only ever raises StunError, and encode/parse round-trip."""

from __future__ import annotations

import os
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtcpeer.stun import (
    KNOWN_ATTRIBUTES,
    MAGIC_COOKIE,
    AttrType,
    ErrorCode,
    MessageClass,
    Method,
    PasswordAlgorithm,
    StunError,
    StunMessage,
    is_stun,
    parse_message,
)
from tests.stun.helpers import tlv, with_fingerprint
from tests.stun.vectors import (
    RFC5769_IPV6_RESPONSE,
    RFC5769_LONG_TERM_REQUEST,
    RFC5769_SAMPLE_REQUEST,
    RFC8489_B1_ERRATUM_6268,
)

# RTCPEER_STUN_FUZZ_EXAMPLES raises the example counts for a longer local fuzzing run.
_SCALE = int(os.environ.get("RTCPEER_STUN_FUZZ_EXAMPLES", "400"))
FUZZ = settings(max_examples=_SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(max_examples=max(_SCALE // 2, 1), deadline=None)

TRAILERS = frozenset(
    {AttrType.MESSAGE_INTEGRITY, AttrType.MESSAGE_INTEGRITY_SHA256, AttrType.FINGERPRINT}
)

ports = st.integers(0, 0xFFFF)
addresses = st.tuples(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str), ports)
text = st.text(max_size=40)
u32 = st.integers(0, 2**32 - 1)
error_codes = st.builds(ErrorCode, st.integers(300, 699), text)
password_algorithms = st.builds(PasswordAlgorithm, st.integers(0, 0xFFFF), st.binary(max_size=10))

VALUES: dict[int, st.SearchStrategy[object]] = {
    AttrType.MAPPED_ADDRESS: addresses,
    AttrType.XOR_MAPPED_ADDRESS: addresses,
    AttrType.XOR_PEER_ADDRESS: addresses,
    AttrType.XOR_RELAYED_ADDRESS: addresses,
    AttrType.ALTERNATE_SERVER: addresses,
    AttrType.USERNAME: text,
    AttrType.REALM: text,
    AttrType.NONCE: text,
    AttrType.SOFTWARE: text,
    AttrType.ALTERNATE_DOMAIN: st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40
    ),
    AttrType.USERHASH: st.binary(min_size=32, max_size=32),
    AttrType.DATA: st.binary(max_size=64),
    AttrType.RESERVATION_TOKEN: st.binary(min_size=8, max_size=8),
    AttrType.PRIORITY: u32,
    AttrType.LIFETIME: u32,
    AttrType.CONNECTION_ID: u32,
    AttrType.CHANNEL_NUMBER: ports,
    AttrType.REQUESTED_TRANSPORT: st.integers(0, 255),
    AttrType.REQUESTED_ADDRESS_FAMILY: st.integers(0, 255),
    AttrType.ADDITIONAL_ADDRESS_FAMILY: st.integers(0, 255),
    AttrType.ICE_CONTROLLING: st.integers(0, 2**64 - 1),
    AttrType.ICE_CONTROLLED: st.integers(0, 2**64 - 1),
    AttrType.USE_CANDIDATE: st.none(),
    AttrType.DONT_FRAGMENT: st.none(),
    AttrType.EVEN_PORT: st.booleans(),
    AttrType.ERROR_CODE: error_codes,
    AttrType.ADDRESS_ERROR_CODE: st.tuples(st.sampled_from([1, 2]), error_codes),
    AttrType.UNKNOWN_ATTRIBUTES: st.lists(ports, max_size=6).map(tuple),
    AttrType.PASSWORD_ALGORITHM: password_algorithms,
    AttrType.PASSWORD_ALGORITHMS: st.lists(password_algorithms, max_size=4).map(tuple),
    AttrType.ICMP: st.tuples(st.integers(0, 127), st.integers(0, 511), u32),
}
assert set(VALUES) == set(KNOWN_ATTRIBUTES) - TRAILERS

unknown_types = st.integers(0, 0xFFFF).filter(lambda t: t not in KNOWN_ATTRIBUTES)
known_entry = st.sampled_from(sorted(VALUES)).flatmap(
    lambda t: st.tuples(st.just(AttrType(t)), VALUES[t])
)
unknown_entry = st.tuples(unknown_types, st.binary(max_size=24))
entries = st.lists(st.one_of(known_entry, unknown_entry), max_size=10)

methods = st.one_of(st.sampled_from(list(Method)), st.integers(0, 0xFFF))
transaction_ids = st.binary(min_size=12, max_size=12)


@st.composite
def stun_messages(draw: st.DrawFn) -> StunMessage:
    attributes: dict[int, object] = {}
    repeated: list[tuple[int, object]] = []
    for attr_type, value in draw(entries):
        if attr_type in attributes:
            repeated.append((attr_type, value))
        else:
            attributes[attr_type] = value
    return StunMessage(
        draw(methods),
        draw(st.sampled_from(list(MessageClass))),
        draw(transaction_ids),
        attributes,
        repeated,
    )


def _without_trailers(message: StunMessage) -> StunMessage:
    return StunMessage(
        message.method,
        message.message_class,
        message.transaction_id,
        {k: v for k, v in message.attributes.items() if k not in TRAILERS},
        list(message.repeated_attributes),
    )


def _parse_or_stun_error(data: bytes) -> StunMessage | None:
    """Parse; only StunError may escape. A message that parses must also re-encode."""
    try:
        parsed = parse_message(data)
    except StunError:
        return None
    assert is_stun(data)
    reencoded = parsed.encode()
    assert parse_message(reencoded) == _without_trailers(parsed)
    return parsed


# --- round trips ------------------------------------------------------------------------------


@ROUND_TRIP
@given(stun_messages())
def test_parse_encode_round_trip(message: StunMessage) -> None:
    encoded = message.encode()
    assert is_stun(encoded)
    assert parse_message(encoded) == message


@ROUND_TRIP
@given(
    stun_messages(),
    st.binary(min_size=1, max_size=40),
    st.sampled_from(["sha1", "sha256", "both"]),
    st.booleans(),
)
def test_round_trip_with_integrity_and_fingerprint(
    message: StunMessage, key: bytes, integrity: str, fingerprint: bool
) -> None:
    encoded = message.encode(
        key,
        integrity_sha256=integrity == "sha256",
        both_integrities=integrity == "both",
        fingerprint=fingerprint,
    )
    parsed = parse_message(encoded)
    assert parsed.verify_integrity(key)
    assert not parsed.verify_integrity(key + b"x")
    assert parsed.has_fingerprint is fingerprint
    assert (AttrType.MESSAGE_INTEGRITY in parsed.attributes) is (integrity != "sha256")
    assert (AttrType.MESSAGE_INTEGRITY_SHA256 in parsed.attributes) is (integrity != "sha1")
    assert _without_trailers(parsed) == message
    assert (
        parsed.encode(
            key,
            integrity_sha256=integrity == "sha256",
            both_integrities=integrity == "both",
            fingerprint=fingerprint,
        )
        == encoded
    )


# --- fuzzing: only StunError may come out -----------------------------------------------------


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    _parse_or_stun_error(data)


@FUZZ
@given(
    st.binary(max_size=8).map(lambda prefix: prefix.ljust(2, b"\x00")[:2]),
    st.binary(min_size=12, max_size=12),
    st.binary(max_size=160),
)
def test_random_bodies_behind_a_valid_header(msg_type: bytes, tid: bytes, body: bytes) -> None:
    body = body[: len(body) - len(body) % 4]
    header = bytes([msg_type[0] & 0x3F, msg_type[1]]) + struct.pack("!HI", len(body), MAGIC_COOKIE)
    _parse_or_stun_error(header + tid + body)


attribute_types = st.one_of(st.sampled_from(sorted(KNOWN_ATTRIBUTES)), st.integers(0, 0xFFFF))


@FUZZ
@given(
    st.lists(st.tuples(attribute_types, st.binary(max_size=40)), max_size=8),
    transaction_ids,
    st.booleans(),
)
def test_random_attribute_values(
    attrs: list[tuple[int, bytes]], tid: bytes, add_fingerprint: bool
) -> None:
    """Well-framed TLVs with arbitrary values: exercises every value decoder."""
    body = b"".join(tlv(attr_type, value) for attr_type, value in attrs)
    data = struct.pack("!HHI", 0x0101, len(body), MAGIC_COOKIE) + tid + body
    if add_fingerprint:
        data = with_fingerprint(data)
    _parse_or_stun_error(data)


SEEDS = [
    RFC5769_SAMPLE_REQUEST,
    RFC5769_IPV6_RESPONSE,
    RFC5769_LONG_TERM_REQUEST,
    RFC8489_B1_ERRATUM_6268,
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "truncate", "extend", "splice", "length"]))
        if kind == "flip" and data:
            index = draw(st.integers(0, len(data) - 1))
            data[index] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            index = draw(st.integers(0, len(data) - 1))
            data[index] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del data[draw(st.integers(0, len(data))) :]
        elif kind == "extend":
            data += draw(st.binary(min_size=1, max_size=12))
        elif kind == "splice" and data:
            start = draw(st.integers(0, len(data) - 1))
            data[start : start + draw(st.integers(0, 8))] = draw(st.binary(max_size=8))
        elif kind == "length" and len(data) >= 4:
            # Keep the header consistent so that the attribute walk is what gets tested.
            data[2:4] = struct.pack("!H", max(len(data) - 20, 0) & 0xFFFF)
    return bytes(data)


@FUZZ
@given(mutated())
def test_mutated_vectors(data: bytes) -> None:
    _parse_or_stun_error(data)


@FUZZ
@given(mutated())
def test_mutated_vectors_with_fresh_fingerprint(data: bytes) -> None:
    """Re-sealing with a correct FINGERPRINT gets mutations past the CRC check."""
    if len(data) >= 28 and data[-8:-4] == b"\x80\x28\x00\x04":
        data = with_fingerprint(data[:-8])
    _parse_or_stun_error(data)


@FUZZ
@given(stun_messages(), st.data())
def test_mutated_generated_messages(message: StunMessage, data: st.DataObject) -> None:
    encoded = bytearray(message.encode(b"key", fingerprint=True))
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(20, len(encoded) - 1))
        encoded[index] = data.draw(st.integers(0, 255))
    _parse_or_stun_error(with_fingerprint(bytes(encoded[:-8])))
