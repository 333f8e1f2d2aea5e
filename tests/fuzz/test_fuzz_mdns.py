"""Fuzzing the mDNS / DNS codec: ``parse_message`` (tolerant and strict) returns a message
or raises ``DnsError``; a strict parse agrees with the tolerant one; what parses rebuilds
to itself (:func:`tests.fuzz.oracles.check_mdns`).

Inputs: random bytes, headers followed by fragments rich in labels and compression
pointers, mutations of real queries and of Chromium's responses (an NSEC record whose
Next Domain Name is a pointer), and encoder output.
"""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from rtcpeer.mdns import TYPE_A, TYPE_NSEC, Question, Record, build_response, parse_message
from tests.fuzz.mutations import fuzz_settings, mutants
from tests.fuzz.oracles import check_mdns


@fuzz_settings(150)
@given(st.binary(max_size=120))
def test_random_bytes(data: bytes) -> None:
    check_mdns(data)


_fragments = st.one_of(
    st.sampled_from(
        [
            b"\x00",
            b"\xc0\x0c",
            b"\xc0\x00",
            b"\xff\xff",
            b"\x40",
            b"\x80",
            b"\x05local",
            b"\x01.",
            b"\x01\\",
            b"\x02\xc3\x28",
            b"\x3f",
            struct.pack("!2HIH", 1, 1, 120, 4),
            struct.pack("!2HIH", 28, 0x8001, 0, 16),
            struct.pack("!2H", 255, 0x8001),
        ]
    ),
    st.binary(min_size=1, max_size=10),
)


@fuzz_settings(200)
@given(
    st.tuples(*[st.integers(0, 3)] * 4),
    st.integers(0, 0xFFFF),
    st.lists(_fragments, max_size=24),
)
def test_labels_and_pointers_behind_a_header(
    counts: tuple[int, int, int, int], flags: int, fragments: list[bytes]
) -> None:
    check_mdns(struct.pack("!6H", 0, flags, *counts) + b"".join(fragments))


@fuzz_settings(300)
@given(mutants("mdns"))
def test_mutated_real_messages(data: bytes) -> None:
    check_mdns(data)


_labels = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x2FF, exclude_characters=".\\"),
    min_size=1,
    max_size=10,
)
_names = st.lists(_labels, min_size=1, max_size=4).map(".".join)
_records = st.one_of(
    st.builds(
        Record.address_record,
        _names,
        st.ip_addresses().map(str),
        ttl=st.integers(0, 2**32 - 1),
        cache_flush=st.booleans(),
    ),
    st.builds(
        Record,
        _names,
        st.sampled_from([TYPE_NSEC, 16, 12, 33, 0xFFFF]),
        st.integers(0, 0xFFFF),
        st.integers(0, 2**32 - 1),
        st.binary(max_size=16),
    ),
)


@fuzz_settings(100)
@given(
    st.lists(_records, max_size=4),
    st.lists(_records, max_size=3),
    st.lists(_records, max_size=3),
    st.lists(st.builds(Question, _names, st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))),
    st.booleans(),
)
def test_build_then_parse_round_trips(
    answers: list[Record],
    additionals: list[Record],
    authorities: list[Record],
    questions: list[Question],
    compress: bool,
) -> None:
    data = build_response(
        answers, additionals, authorities=authorities, questions=questions, compress=compress
    )
    message = parse_message(data, strict=True)
    assert message.answers == tuple(answers)
    assert message.additionals == tuple(additionals)
    assert message.authorities == tuple(authorities)
    assert message.questions == tuple(questions)
    assert check_mdns(data) == message
    assert all(r.address is not None for r in message.answers if r.rtype == TYPE_A)
