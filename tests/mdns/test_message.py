"""The sans-IO mDNS message codec: queries, responses, compression, hostile input."""

from __future__ import annotations

import os
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtcpeer.mdns import (
    CACHE_FLUSH,
    CLASS_IN,
    TYPE_A,
    TYPE_AAAA,
    TYPE_NSEC,
    DnsError,
    DnsHeaderError,
    DnsNameError,
    DnsRecordError,
    Header,
    Message,
    Question,
    Record,
    build_query,
    build_response,
    canonical_name,
    encode_name,
    parse_message,
    read_name,
)

NAME = "5f1b2a4c-8d3e-4f60-9a7b-0c1d2e3f4a5b.local"

_SCALE = int(os.environ.get("RTCPEER_MDNS_FUZZ_EXAMPLES", "400"))
# A regression to an unbounded pointer walk must fail fast, not at the suite's 300 s limit.
pytestmark = pytest.mark.timeout(120)

FUZZ = settings(max_examples=_SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def labels(name: str) -> bytes:
    """Uncompressed wire name, written independently of the codec."""
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def header(flags: int = 0x8400, qd: int = 0, an: int = 0, ns: int = 0, ar: int = 0) -> bytes:
    return struct.pack("!6H", 0, flags, qd, an, ns, ar)


def rr(owner: bytes, rtype: int, rclass: int, ttl: int, rdata: bytes) -> bytes:
    return owner + struct.pack("!2HIH", rtype, rclass, ttl, len(rdata)) + rdata


def chromium_resolution_response(name: str, address: bytes) -> bytes:
    """What Chromium's ``mdns_helper::CreateResolutionResponse`` sends for one name
    (services/network/mdns_responder.cc): ID 0, QR|AA, no question, an A (or AAAA) answer
    with the cache-flush bit and TTL 120, and an additional NSEC record whose RDATA starts
    with a compression pointer to the NSEC record's own owner name."""
    rtype = TYPE_A if len(address) == 4 else TYPE_AAAA
    answer = rr(labels(name), rtype, CLASS_IN | CACHE_FLUSH, 120, address)
    nsec_offset = 12 + len(answer)
    bitmap = b"\x00\x01\x40" if rtype == TYPE_A else b"\x00\x04\x00\x00\x00\x08"
    nsec_rdata = struct.pack("!H", 0xC000 | nsec_offset) + bitmap
    nsec = rr(labels(name), TYPE_NSEC, CLASS_IN | CACHE_FLUSH, 120, nsec_rdata)
    return header(an=1, ar=1) + answer + nsec


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------


def test_one_shot_query_is_id_0_one_question_class_in_without_qu_bit() -> None:
    query = build_query(NAME)
    assert query == header(flags=0, qd=1) + labels(NAME) + struct.pack("!2H", TYPE_A, 1)
    message = parse_message(query, strict=True)
    assert message.header == Header(0, 0, 1, 0, 0, 0)
    assert not message.header.is_response
    assert message.questions == (Question(NAME, TYPE_A, CLASS_IN),)
    assert not message.questions[0].unicast_response


def test_query_variants() -> None:
    aaaa = parse_message(build_query(NAME, TYPE_AAAA)).questions[0]
    assert aaaa.qtype == TYPE_AAAA
    qu = parse_message(build_query(NAME, unicast_response=True)).questions[0]
    assert qu.unicast_response and qu.question_class == CLASS_IN and qu.qclass == 0x8001
    # A trailing dot is the same name; the case is kept (Chromium compares it exactly).
    assert build_query(NAME + ".") == build_query(NAME)
    assert parse_message(build_query("Host.Local")).questions[0].name == "Host.Local"
    with pytest.raises(ValueError):
        build_query(NAME, 70000)


@pytest.mark.parametrize(
    "name",
    ["a..local", ".local", "x" * 64 + ".local", ".".join(["abcdefgh"] * 29) + ".local", "\udc80"],
)
def test_names_that_cannot_be_encoded(name: str) -> None:
    with pytest.raises(DnsNameError):
        build_query(name)


def test_name_limits_and_types() -> None:
    assert encode_name("x" * 63 + ".local") == bytes([63]) + b"x" * 63 + b"\x05local\x00"
    longest = ".".join(["a" * 63] * 3 + ["b" * 61])  # 4*64 - 2 + 1 = 255 octets
    assert len(encode_name(longest)) == 255
    with pytest.raises(DnsNameError):
        encode_name(longest + "b")
    assert encode_name(".") == b"\x00"
    with pytest.raises(TypeError):
        encode_name(b"a.local")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_message("not bytes")  # type: ignore[arg-type]


def test_canonical_name_folds_ascii_only() -> None:
    assert canonical_name("ABC.Local.") == "abc.local"
    assert canonical_name("ÉCOLE.Local") == "École.local"  # non-ASCII letters are kept
    assert canonical_name(".") == "."


# --------------------------------------------------------------------------------------------
# Chromium's answers
# --------------------------------------------------------------------------------------------


def test_chromium_answer_with_compressed_nsec_additional_parses_strictly() -> None:
    data = chromium_resolution_response(NAME, bytes([192, 168, 1, 20]))
    for strict in (False, True):
        message = parse_message(data, strict=strict)
        assert message.complete
        assert message.header.is_response and message.header.authoritative
        assert message.header.opcode == 0 and message.header.rcode == 0
        (answer,) = message.answers
        assert answer.name == NAME and answer.rtype == TYPE_A
        assert answer.address == "192.168.1.20"
        assert answer.ttl == 120 and answer.cache_flush and answer.record_class == CLASS_IN
        (nsec,) = message.additionals
        assert nsec.rtype == TYPE_NSEC and nsec.name == NAME and nsec.address is None
    # The NSEC Next Domain Name is a pointer to the NSEC owner name (RFC 6762 §18.14 allows
    # compression there, RFC 4034 §4.1.1 does not): it reads back as the owner name.
    rdata_at = data.index(nsec.rdata)
    assert read_name(data, rdata_at) == (NAME, rdata_at + 2)


def test_chromium_negative_response_carries_the_address_as_additional() -> None:
    """Asked for A of a name it maps to IPv6, Chromium answers NSEC and adds the AAAA."""
    address = bytes.fromhex("fd00000000000000000000000000abcd")
    nsec = rr(labels(NAME), TYPE_NSEC, 0x8001, 120, b"\xc0\x0c\x00\x04\x00\x00\x00\x08")
    additional = rr(labels(NAME), TYPE_AAAA, 0x8001, 120, address)
    message = parse_message(header(an=1, ar=1) + nsec + additional, strict=True)
    assert message.answers[0].address is None
    assert message.additionals[0].address == "fd00::abcd"


@pytest.mark.parametrize(
    "awkward",
    [
        b"\xc0\xff" + struct.pack("!2HIH", TYPE_NSEC, 0x8001, 120, 0),  # forward pointer
        b"\xc0",  # truncated pointer
        labels(NAME) + struct.pack("!2HIH", TYPE_NSEC, 0x8001, 120, 50) + b"\x00",  # RDATA
        labels(NAME) + struct.pack("!2H", TYPE_NSEC, 0x8001),  # truncated fixed fields
        b"\x40abc",  # extended label type
        labels(NAME) + struct.pack("!2HIH", TYPE_A, 1, 120, 3) + b"\x01\x02\x03",  # short A
    ],
)
def test_unparseable_additional_record_keeps_the_answer(awkward: bytes) -> None:
    good = chromium_resolution_response(NAME, bytes([10, 0, 0, 7]))
    data = good[:4] + struct.pack("!4H", 0, 1, 0, 2) + good[12:] + awkward
    message = parse_message(data)
    assert not message.complete
    assert [r.address for r in message.answers] == ["10.0.0.7"]
    assert [r.rtype for r in message.additionals] == [TYPE_NSEC]  # the good one, then stop
    with pytest.raises(DnsError):
        parse_message(data, strict=True)


def test_unparseable_authority_record_stops_before_the_additionals() -> None:
    answer = rr(labels(NAME), TYPE_A, 0x8001, 120, b"\x0a\x00\x00\x01")
    extra = rr(b"\xc0\x0c", TYPE_A, 0x8001, 120, b"\x0a\x00\x00\x02")
    data = header(an=1, ns=1, ar=1) + answer + b"\xc0\x80" + extra
    message = parse_message(data)
    assert not message.complete and message.authorities == () and message.additionals == ()
    assert message.answers[0].address == "10.0.0.1"


def test_malformed_header_or_answer_is_an_error_even_when_tolerant() -> None:
    with pytest.raises(DnsHeaderError):
        parse_message(b"\x00" * 11)
    answer = rr(labels(NAME), TYPE_A, 0x8001, 120, b"\x0a\x00\x00\x01")
    with pytest.raises(DnsNameError):
        parse_message(header(an=2) + answer)  # the second answer is missing
    with pytest.raises(DnsRecordError):
        parse_message(header(an=1) + rr(labels(NAME), TYPE_A, 1, 120, b"\x0a\x00\x00\x01\x02"))
    with pytest.raises(DnsRecordError):
        parse_message(header(an=1) + rr(labels(NAME), TYPE_AAAA, 1, 120, b"\x00" * 4))
    with pytest.raises(DnsNameError):
        parse_message(header(an=1) + b"\xc0\x0c" + answer[len(labels(NAME)) :])
    with pytest.raises(DnsRecordError):
        parse_message(header(qd=1) + labels(NAME) + b"\x00\x01")  # no QCLASS


def test_trailing_bytes_are_ignored_unless_strict() -> None:
    data = chromium_resolution_response(NAME, b"\x0a\x00\x00\x01") + b"\x00\x00"
    assert parse_message(data).complete
    with pytest.raises(DnsRecordError):
        parse_message(data, strict=True)


def test_a_record_of_another_class_is_kept_opaque() -> None:
    """RDATA length rules apply to class IN only; other classes have other formats."""
    record = rr(labels(NAME), TYPE_A, 3, 120, b"\x01\x02")  # CH class
    message = parse_message(header(an=1) + record, strict=True)
    assert message.answers[0].rdata == b"\x01\x02" and message.answers[0].address is None


# --------------------------------------------------------------------------------------------
# Compression
# --------------------------------------------------------------------------------------------


def test_compression_pointers_suffixes_and_chains() -> None:
    # Question "a.b.local" at 12; answer owner "x" + pointer to "b.local" (offset 14);
    # second answer: pointer to the first answer's owner (itself a label + pointer).
    question = labels("a.b.local") + struct.pack("!2H", TYPE_A, 1)
    owner1_at = 12 + len(question)
    owner1 = b"\x01x\xc0\x0e"
    answer1 = rr(owner1, TYPE_A, 1, 10, b"\x01\x02\x03\x04")
    answer2 = rr(struct.pack("!H", 0xC000 | owner1_at), TYPE_A, 1, 10, b"\x05\x06\x07\x08")
    data = header(qd=1, an=2) + question + answer1 + answer2
    message = parse_message(data, strict=True)
    assert message.questions[0].name == "a.b.local"
    assert [(r.name, r.address) for r in message.answers] == [
        ("x.b.local", "1.2.3.4"),
        ("x.b.local", "5.6.7.8"),
    ]


def test_build_response_compresses_and_round_trips() -> None:
    answers = [Record.address_record(NAME, "192.0.2.1"), Record.address_record(NAME, "2001:db8::1")]
    nsec = Record(NAME, TYPE_NSEC, 0x8001, 120, b"\x00\x01\x40")
    compressed = build_response(answers, [nsec])
    plain = build_response(answers, [nsec], compress=False)
    assert len(compressed) == len(plain) - 2 * (len(labels(NAME)) - 2)
    for data in (compressed, plain):
        message = parse_message(data, strict=True)
        assert message.answers == tuple(answers) and message.additionals == (nsec,)
        assert [r.address for r in message.answers] == ["192.0.2.1", "2001:db8::1"]
    # A legacy unicast response (RFC 6762 §6.7) repeats the ID and the question.
    legacy = build_response(
        answers[:1], questions=[Question(NAME, TYPE_A)], message_id=0x1234, compress=True
    )
    message = parse_message(legacy, strict=True)
    assert message.header.id == 0x1234 and message.questions == (Question(NAME, TYPE_A),)
    assert len(legacy) == 12 + len(labels(NAME)) + 4 + 2 + 10 + 4  # owner is a pointer


def test_record_helpers() -> None:
    record = Record.address_record("h.local", "10.1.2.3", ttl=10, cache_flush=False)
    assert (record.rtype, record.rclass, record.ttl, record.rdata) == (
        TYPE_A,
        1,
        10,
        b"\n\x01\x02\x03",
    )
    assert not record.cache_flush
    assert Record("h.local", TYPE_A, 1, 1, b"\x00").address is None  # wrong length


# --------------------------------------------------------------------------------------------
# Hostile input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name_bytes",
    [
        b"\xc0\x0c",  # points at itself
        b"\x01a\xc0\x0c",  # label, then back to its own start
        b"\xc0\x0e\xc0\x0c",  # first pointer points forward to the second
        b"\x01a\xc0\x0d",  # into its own label
        b"\x80",  # reserved label type
        b"\x05ab",  # label past the end
        b"\x01a",  # no terminating zero
        b"",  # nothing at all
    ],
)
def test_hostile_names_raise_dns_name_error(name_bytes: bytes) -> None:
    data = header(flags=0, qd=1) + name_bytes
    with pytest.raises(DnsNameError):
        parse_message(data)


def test_pointer_loop_through_two_pointers_is_rejected() -> None:
    # 12: label "a", then (14) a pointer to 16; 16: a pointer back to 12.
    data = header(flags=0, qd=1) + b"\x01a\xc0\x10\xc0\x0c" + b"\x00\x01\x00\x01"
    with pytest.raises(DnsNameError):
        read_name(data, 12)  # 14 -> 16 points forward
    with pytest.raises(DnsNameError):
        read_name(data, 16)  # 16 -> 12 -> "a" -> 14 -> 16: not before 12 any more
    with pytest.raises(DnsNameError):
        parse_message(data)


def test_name_growing_past_255_octets_through_pointers_is_rejected() -> None:
    # Each name is one 63-octet label plus a pointer to the previous name: the fifth is
    # 5 * 64 + 1 octets long when expanded.
    data = bytearray(header(flags=0, qd=1))
    starts = []
    for index in range(5):
        starts.append(len(data))
        data += bytes([63]) + b"x" * 63
        data += struct.pack("!H", 0xC000 | starts[index - 1]) if index else b"\x00"
    for start in starts[:3]:
        read_name(bytes(data), start)
    with pytest.raises(DnsNameError, match="255"):
        read_name(bytes(data), starts[4])


def test_long_pointer_chain_is_bounded_and_terminates() -> None:
    # 4000 pointers, each to the one before it: valid (strictly backwards) and linear.
    data = bytearray(header(flags=0, qd=1)) + b"\x05local\x00"
    previous = 12
    for _ in range(4000):
        here = len(data)
        data += struct.pack("!H", 0xC000 | previous)
        previous = here
    assert read_name(bytes(data), previous) == ("local", previous + 2)


def test_huge_counts_with_no_data() -> None:
    with pytest.raises(DnsError):
        parse_message(struct.pack("!6H", 0, 0x8400, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF))
    message = parse_message(struct.pack("!6H", 0, 0x8400, 0, 0, 0xFFFF, 0xFFFF))
    assert not message.complete and message.answers == ()


def test_odd_labels_get_distinct_escaped_texts() -> None:
    data = header(an=2)
    data += rr(b"\x03a.b\x05local\x00", TYPE_A, 1, 1, b"\x00\x00\x00\x00")
    data += rr(b"\x02\xff\\\x05local\x00", TYPE_A, 1, 1, b"\x00\x00\x00\x00")
    names = [r.name for r in parse_message(data, strict=True).answers]
    assert names == ["a\\.b.local", "\\255\\092.local"]
    utf8 = "été.local"
    message = parse_message(build_response([Record.address_record(utf8, "10.0.0.1")]))
    assert message.answers[0].name == utf8


def test_header_properties() -> None:
    h = Header(0, 0x8000 | (2 << 11) | 0x0400 | 0x0200 | 3, 0, 0, 0, 0)
    assert h.is_response and h.opcode == 2 and h.authoritative and h.truncated and h.rcode == 3


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


def _parse_or_error(data: bytes, strict: bool) -> None:
    try:
        message = parse_message(data, strict=strict)
    except DnsError:
        return
    assert isinstance(message, Message)


@FUZZ
@given(st.binary(max_size=600), st.booleans())
def test_random_bytes_only_ever_raise_dns_error(data: bytes, strict: bool) -> None:
    _parse_or_error(data, strict)


@FUZZ
@given(
    st.binary(min_size=12, max_size=12).map(
        lambda h: h[:4] + bytes([0, h[4] & 3, 0, h[6] & 3, 0, h[8] & 3, 0, h[10] & 3])
    ),
    st.lists(
        st.one_of(
            st.sampled_from([b"\x00", b"\xc0\x0c", b"\xc0\x10", b"\x05local", b"\x01a", b"\x3f"]),
            st.binary(min_size=1, max_size=12),
            st.just(struct.pack("!2HIH", 1, 1, 120, 4)),
        ),
        max_size=30,
    ),
    st.booleans(),
)
def test_structured_garbage_only_ever_raises_dns_error(
    head: bytes, chunks: list[bytes], strict: bool
) -> None:
    _parse_or_error(head + b"".join(chunks), strict)


_label = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x2FF, exclude_characters=".\\"),
    min_size=1,
    max_size=12,
).filter(lambda label: len(label.encode()) <= 63)
_names = st.lists(_label, min_size=1, max_size=4).map(lambda parts: ".".join([*parts, "local"]))
_records = st.builds(
    Record,
    _names,
    st.sampled_from([TYPE_NSEC, 16, 12, 33]),
    st.integers(0, 0xFFFF),
    st.integers(0, 2**32 - 1),
    st.binary(max_size=20),
) | st.builds(
    Record.address_record,
    _names,
    st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)).map(str),
    ttl=st.integers(0, 2**32 - 1),
    cache_flush=st.booleans(),
)


@FUZZ
@given(
    st.lists(_records, max_size=5),
    st.lists(_records, max_size=5),
    st.booleans(),
    st.integers(0, 0xFFFF),
)
def test_build_then_parse_round_trips(
    answers: list[Record], additionals: list[Record], compress: bool, message_id: int
) -> None:
    data = build_response(answers, additionals, message_id=message_id, compress=compress)
    message = parse_message(data, strict=True)
    assert message.complete and message.header.id == message_id
    assert message.answers == tuple(answers) and message.additionals == tuple(additionals)


@FUZZ
@given(
    st.lists(_records, min_size=1, max_size=3),
    st.lists(_records, max_size=3),
    st.data(),
)
def test_damaging_the_additional_section_never_loses_the_answers(
    answers: list[Record], additionals: list[Record], data: st.DataObject
) -> None:
    good = build_response(answers, additionals)
    ends = [len(build_response(answers, additionals[:i])) for i in range(len(additionals) + 1)]
    cut = data.draw(st.integers(ends[0], len(good)), label="cut")
    tail = data.draw(st.binary(max_size=20), label="tail")
    damaged = good[:cut] + tail
    damaged = damaged[:10] + struct.pack("!H", len(additionals) + 1) + damaged[12:]
    message = parse_message(damaged)
    assert message.answers == tuple(answers)
    intact = max(i for i, end in enumerate(ends) if end <= cut)
    assert message.additionals[:intact] == tuple(additionals[:intact])
    _parse_or_error(damaged, strict=True)


@FUZZ
@given(st.integers(0, 299), st.integers(0, 255))
def test_changing_a_byte_of_a_chromium_answer_only_raises_dns_error(
    position: int, value: int
) -> None:
    data = bytearray(chromium_resolution_response(NAME, b"\x0a\x00\x00\x01"))
    data[position % len(data)] = value
    for strict in (False, True):
        _parse_or_error(bytes(data), strict)
