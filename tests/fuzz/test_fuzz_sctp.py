"""Fuzzing the SCTP codec (``parse_packet``, ``parse_chunks``, the parameter and error-cause
parsers): a value or ``SctpParseError``, nothing else; what parses re-encodes to a packet
that parses the same (:func:`tests.fuzz.oracles.check_sctp`).

Inputs: random bytes, well-framed chunks of every type with random bodies, mutations of
packets holding every chunk type and of the packets two associations really exchange
(with the CRC32c recomputed two times in three), and encoder output.
"""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from rtcpeer.sctp import Chunk, ChunkType, Packet, encode_packet, parse_packet
from tests.fuzz.mutations import fuzz_settings, mutants
from tests.fuzz.oracles import check_sctp
from tests.sctp.test_codec_properties import chunks as chunk_strategy


@fuzz_settings(150)
@given(st.binary(max_size=200))
def test_random_bytes(data: bytes) -> None:
    check_sctp(data)


_chunk_types = st.one_of(st.sampled_from(sorted(int(t) for t in ChunkType)), st.integers(0, 255))
_bodies = st.one_of(
    st.binary(max_size=48),
    # Parameter / error-cause lists: TLVs with random types and (sometimes wrong) lengths.
    st.lists(
        st.tuples(st.integers(0, 0xFFFF), st.integers(0, 24), st.binary(max_size=20)),
        max_size=4,
    ).map(lambda tlvs: b"".join(struct.pack("!HH", t, n) + v for t, n, v in tlvs)),
)


@st.composite
def framed_packets(draw: st.DrawFn) -> bytes:
    """A checksummed packet of well-framed chunks with random types, flags and bodies."""
    raw_chunks = []
    for ctype, flags, body in draw(
        st.lists(st.tuples(_chunk_types, st.integers(0, 255), _bodies), min_size=1, max_size=4)
    ):
        prefix = b""
        if ctype in (ChunkType.INIT, ChunkType.INIT_ACK):
            prefix = draw(st.binary(min_size=16, max_size=16))
        elif ctype in (ChunkType.DATA, ChunkType.SACK):
            prefix = draw(st.binary(min_size=12, max_size=12))
        body = prefix + body
        length = 4 + len(body)
        raw_chunks.append(
            struct.pack("!BBH", ctype, flags, length) + body + b"\x00" * (-length % 4)
        )
    return encode_packet(5000, 5000, draw(st.integers(0, 2**32 - 1)), raw_chunks)


@fuzz_settings(200)
@given(framed_packets())
def test_well_framed_chunks_with_random_bodies(data: bytes) -> None:
    check_sctp(data)


@fuzz_settings(300)
@given(mutants("sctp"))
def test_mutated_real_packets(data: bytes) -> None:
    check_sctp(data)


@fuzz_settings(100)
@given(st.lists(chunk_strategy, min_size=1, max_size=4), st.integers(0, 2**32 - 1))
def test_encode_then_parse_round_trips(chunks: list[Chunk], vtag: int) -> None:
    packet = Packet(5000, 5000, vtag, chunks)
    encoded = packet.encode()
    assert parse_packet(encoded) == packet
    assert check_sctp(encoded) == packet


@fuzz_settings(15)
@given(
    st.sampled_from([0, 1, 2, 4, 5, 6, 9, 10, 130, 0x3F, 0xC1]),
    st.integers(0xFF00, 0xFFFF),
    st.integers(0, 7),
)
def test_chunks_near_64k(ctype: int, length: int, tlv_slack: int) -> None:
    """The largest chunks, their last TLV's padding omitted (RFC 9260 §3.2 allows it)."""
    prefix = bytes(16) if ctype in (1, 2) else bytes(12) if ctype == 0 else b""
    tlv_length = length - 4 - len(prefix) - tlv_slack
    body = prefix + struct.pack("!HH", 1, tlv_length) + b"\xab" * (tlv_length - 4)
    chunk = struct.pack("!BBH", ctype, 0, 4 + len(body)) + body
    check_sctp(encode_packet(5000, 5000, 1, [chunk]))
