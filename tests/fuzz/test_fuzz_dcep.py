"""Fuzzing DCEP (RFC 8832): ``parse_dcep`` returns an OPEN, ``None`` for an ACK, or raises
``DcepError``; an OPEN re-encodes to bytes that parse to the same OPEN
(:func:`tests.fuzz.oracles.check_dcep`).

Inputs: random bytes, OPEN headers with random fields and random (often not UTF-8) label
and protocol bytes, mutations of real OPEN and ACK messages, and encoder output.
"""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from rtcpeer.pc.dcep import DataChannelOpen, parse_dcep
from tests.fuzz.mutations import fuzz_settings, mutants
from tests.fuzz.oracles import check_dcep


@fuzz_settings(150)
@given(st.binary(max_size=64))
def test_random_bytes(data: bytes) -> None:
    check_dcep(data)


@fuzz_settings(150)
@given(
    st.sampled_from([0x03, 0x02, 0x00, 0xFF]),
    st.one_of(st.sampled_from([0x00, 0x01, 0x02, 0x80, 0x81, 0x82]), st.integers(0, 255)),
    st.integers(0, 0xFFFF),
    st.integers(0, 2**32 - 1),
    st.binary(max_size=24),
    st.binary(max_size=24),
    st.integers(-2, 2),
)
def test_open_headers_with_random_fields(
    message: int,
    kind: int,
    priority: int,
    reliability: int,
    label: bytes,
    protocol: bytes,
    skew: int,
) -> None:
    label_length = max(len(label) + skew, 0)
    head = struct.pack("!BBHIHH", message, kind, priority, reliability, label_length, len(protocol))
    check_dcep(head + label + protocol)


@fuzz_settings(200)
@given(mutants("dcep"))
def test_mutated_real_messages(data: bytes) -> None:
    check_dcep(data)


_text = st.text(
    st.characters(exclude_categories=["Cs"]), max_size=20
)  # no lone surrogates: those cannot be UTF-8


@fuzz_settings(100)
@given(
    _text,
    _text,
    st.booleans(),
    st.sampled_from(["reliable", "rexmit", "timed"]),
    st.integers(0, 2**32 - 1),
    st.integers(0, 0xFFFF),
)
def test_encode_then_parse_round_trips(
    label: str, protocol: str, ordered: bool, kind: str, reliability: int, priority: int
) -> None:
    opened = DataChannelOpen(
        label,
        protocol,
        ordered=ordered,
        max_retransmits=reliability if kind == "rexmit" else None,
        max_packet_lifetime=reliability if kind == "timed" else None,
        priority=priority,
    )
    encoded = opened.encode()
    assert parse_dcep(encoded) == opened
    assert check_dcep(encoded) == opened
