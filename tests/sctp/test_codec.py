"""The chunk and packet codec: layouts, round trips, the CRC32c byte order, strictness."""

from __future__ import annotations

import struct

import pytest

from rtcpeer.sctp import (
    AbortChunk,
    AddStreamsRequest,
    ChunkType,
    CookieAckChunk,
    CookieEchoChunk,
    DataChunk,
    ErrorCause,
    ErrorChunk,
    ForwardTsnChunk,
    HeartbeatAckChunk,
    HeartbeatChunk,
    IDataChunk,
    IForwardTsnChunk,
    IncomingResetRequest,
    InitAckChunk,
    InitChunk,
    OutgoingResetRequest,
    Packet,
    Param,
    ParamType,
    ReconfigChunk,
    ReconfigResponse,
    SackChunk,
    SctpChecksumError,
    SctpEncodeError,
    SctpParseError,
    ShutdownAckChunk,
    ShutdownChunk,
    ShutdownCompleteChunk,
    TsnResetRequest,
    UnknownChunk,
    encode_packet,
    parse_chunks,
    parse_packet,
)
from rtcpeer.sctp.chunks import supported_extensions_param
from rtcpeer.sctp.packet import checksum_ok, packet_checksum
from rtcpeer.sctp.params import describe_cause, stale_cookie_cause


def crc32c_reference(data: bytes) -> int:
    """Bit-at-a-time reflected CRC32c (Castagnoli, polynomial 0x82F63B78), RFC 9260 App. B."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def test_reference_crc_check_value() -> None:
    # The CRC-32C check value (CRC catalogue; also iSCSI, RFC 3720 B.4).
    assert crc32c_reference(b"123456789") == 0xE3069283


def test_checksum_is_crc32c_stored_little_endian() -> None:
    packet = encode_packet(5000, 5000, 0x01020304, [CookieAckChunk().encode()])
    zeroed = packet[:8] + b"\x00\x00\x00\x00" + packet[12:]
    crc = crc32c_reference(zeroed)
    # Appendix B: the reflected register goes out least significant byte first.
    assert packet[8:12] == struct.pack("<I", crc)
    assert packet_checksum(packet) == crc
    assert checksum_ok(packet)


def test_all_zero_checksum_init_vector() -> None:
    # A hand-built INIT: ports 5000/5000, tag 0, INIT chunk of 20 bytes.
    body = (
        bytes.fromhex("138813880000000000000000")
        + InitChunk(
            initiate_tag=1, a_rwnd=0x20000, outbound_streams=10, inbound_streams=10, initial_tsn=7
        ).encode()
    )
    crc = crc32c_reference(body)
    wire = body[:8] + struct.pack("<I", crc) + body[12:]
    pkt = parse_packet(wire)
    assert pkt.verification_tag == 0
    assert pkt.chunks == [InitChunk(1, 0x20000, 10, 10, 7)]


def test_bad_checksum_rejected() -> None:
    packet = bytearray(encode_packet(5000, 5000, 9, [CookieAckChunk().encode()]))
    packet[13] ^= 0xFF  # the chunk flags
    with pytest.raises(SctpChecksumError):
        parse_packet(bytes(packet))
    assert parse_packet(bytes(packet), verify_checksum=False).verification_tag == 9


EXAMPLES = [
    DataChunk(1, 2, 3, 51, b"hello"),
    DataChunk(0xFFFFFFFF, 65535, 65535, 0xFFFFFFFF, b"x" * 7, flags=0x0F),
    DataChunk(5, 0, 0, 53, b"abcd", flags=0x04),
    IDataChunk(9, 3, 100, 0, 51, b"first", flags=0x02),
    IDataChunk(10, 3, 100, 1, 0, b"second", flags=0x01),
    InitChunk(
        0xDEADBEEF,
        1 << 20,
        65535,
        65535,
        12345,
        (
            supported_extensions_param([ChunkType.RE_CONFIG, ChunkType.FORWARD_TSN]),
            Param(ParamType.FORWARD_TSN_SUPPORTED, b""),
        ),
    ),
    InitAckChunk(1, 2, 3, 4, 5, (Param(ParamType.STATE_COOKIE, b"cookie!"),)),
    SackChunk(100, 5000, ((2, 3), (5, 9)), (99, 98)),
    SackChunk(0, 0),
    HeartbeatChunk(b"\x01\x02\x03"),
    HeartbeatAckChunk(b"info-info"),
    AbortChunk((ErrorCause(12, b"bye"),), reflected=True),
    AbortChunk(),
    ShutdownChunk(77),
    ShutdownAckChunk(),
    ErrorChunk((stale_cookie_cause(0.25), ErrorCause(1, b"\x00\x05\x00\x00"))),
    CookieEchoChunk(b"\x00" * 33),
    CookieAckChunk(),
    ShutdownCompleteChunk(reflected=True),
    ForwardTsnChunk(1000, ((1, 2), (3, 4))),
    IForwardTsnChunk(1000, ((1, True, 2), (3, False, 4))),
    ReconfigChunk((OutgoingResetRequest(1, 2, 3, (4, 5, 6)),)),
    ReconfigChunk((OutgoingResetRequest(1, 2, 3), IncomingResetRequest(7, (1,)))),
    ReconfigChunk((ReconfigResponse(1, 1), ReconfigResponse(2, 6, 10, 20))),
    ReconfigChunk((TsnResetRequest(5),)),
    ReconfigChunk((AddStreamsRequest(5, 10), AddStreamsRequest(6, 1, incoming=True))),
    UnknownChunk(0xC1, 0x55, b"whatever"),
]


@pytest.mark.parametrize("chunk", EXAMPLES, ids=lambda c: type(c).__name__)
def test_round_trip(chunk: object) -> None:
    encoded = chunk.encode()  # type: ignore[attr-defined]
    assert len(encoded) % 4 == 0
    assert parse_chunks(encoded) == [chunk]
    packet = Packet(5000, 5000, 42, [chunk])  # type: ignore[list-item]
    assert parse_packet(packet.encode()) == packet


def test_data_layout() -> None:
    encoded = DataChunk(0x01020304, 0x0506, 0x0708, 0x090A0B0C, b"ab").encode()
    assert encoded == bytes.fromhex("000300120102030405060708090a0b0c61620000")


def test_sack_layout() -> None:
    encoded = SackChunk(1, 2, ((3, 4),), (5,)).encode()
    assert encoded == bytes.fromhex("0300001800000001000000020001000100030004")[
        :20
    ] + bytes.fromhex("00000005")


def test_many_chunks_in_one_packet() -> None:
    packet = Packet(5000, 5000, 1, list(EXAMPLES[:10]))  # type: ignore[arg-type]
    assert parse_packet(packet.encode()) == packet


def test_init_helpers() -> None:
    init = EXAMPLES[5]
    assert isinstance(init, InitChunk)
    assert init.forward_tsn_supported
    assert init.supported_extensions == {ChunkType.RE_CONFIG, ChunkType.FORWARD_TSN}
    ack = EXAMPLES[6]
    assert isinstance(ack, InitAckChunk)
    assert ack.state_cookie == b"cookie!"
    assert not ack.forward_tsn_supported


def test_last_padding_may_be_missing() -> None:
    encoded = DataChunk(1, 2, 3, 4, b"abc").encode()
    assert parse_chunks(encoded[:-1]) == [DataChunk(1, 2, 3, 4, b"abc")]


def test_describe_cause() -> None:
    assert describe_cause(ErrorCause(12, b"closing")) == "user initiated abort: closing"
    assert describe_cause(stale_cookie_cause(1.0)) == "stale cookie (1000000 us)"
    assert describe_cause(ErrorCause(1, b"\x00\x07\x00\x00")) == "invalid stream identifier 7"
    assert describe_cause(ErrorCause(999)) == "cause 999"


MALFORMED = [
    b"",  # no chunk at all
    b"\x00\x00\x00",  # truncated chunk header
    b"\x00\x00\x00\x03",  # length below 4
    b"\x00\x00\x00\x20abcd",  # runs past the end
    b"\x00\x03\x00\x08abcd",  # DATA shorter than its header
    b"\x03\x00\x00\x10" + bytes(12) + b"",  # SACK: fine... (replaced below)
    b"\x07\x00\x00\x06ab\x00\x00",  # SHUTDOWN of 2 bytes
    b"\x08\x00\x00\x08abcd",  # SHUTDOWN ACK with a body
    b"\x0b\x00\x00\x05a\x00\x00\x00",  # COOKIE ACK with a body
    b"\x0e\x00\x00\x05a\x00\x00\x00",  # SHUTDOWN COMPLETE with a body
    b"\xc0\x00\x00\x07abc\x00",  # FORWARD-TSN of 3 bytes
    b"\xc0\x00\x00\x0aabcdef\x00\x00",  # FORWARD-TSN not 4 + 4n
    b"\xc2\x00\x00\x0cabcdefgh",  # I-FORWARD-TSN not 4 + 8n
    b"\x40\x03\x00\x10" + bytes(12),  # I-DATA shorter than its header
    b"\x01\x00\x00\x08abcd",  # INIT shorter than its fixed part
    b"\x02\x00\x00\x18" + bytes(16) + b"\x00\x07\x00\x02",  # INIT ACK param length 2
    b"\x04\x00\x00\x08\x00\x02\x00\x04",  # HEARTBEAT without Heartbeat Info
    b"\x06\x00\x00\x08\x00\x0c\x00\x10",  # ABORT cause running past
    b"\x82\x00\x00\x04",  # RE-CONFIG without parameters
    b"\x82\x00\x00\x10\x00\x0d\x00\x0c" + bytes(4),  # Outgoing reset too short
    b"\x82\x00\x00\x14\x00\x0d\x00\x11" + bytes(12),  # odd stream list
    b"\x82\x00\x00\x10\x00\x10\x00\x0c" + bytes(4),  # Response of 8? no: 8 bytes value ok
    b"\x82\x00\x00\x10\x00\x10\x00\x0a" + bytes(4),  # Response of 6 bytes
    b"\x82\x00\x00\x0c\x00\x0f\x00\x06\x00\x00\x00\x00",  # TSN reset of 2 bytes
    b"\x82\x00\x00\x0c\x00\x11\x00\x08\x00\x00\x00\x00",  # Add streams of 4 bytes
]
MALFORMED[5] = b"\x03\x00\x00\x10" + bytes(4) + bytes(4) + b"\x00\x01\x00\x00"  # SACK count
MALFORMED[21] = (
    b"\x82\x00\x00\x18" + b"\x00\x10\x00\x0c" + bytes(8) + b"\x00\x10\x00\x0c" + bytes(4)
)  # second response runs past


@pytest.mark.parametrize("data", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_chunks_raise_parse_error(data: bytes) -> None:
    with pytest.raises(SctpParseError):
        parse_chunks(data)


def test_three_reconfig_params_rejected() -> None:
    body = b"".join(ReconfigResponse(i, 0).encode() for i in range(3))
    with pytest.raises(SctpParseError):
        parse_chunks(b"\x82\x00" + struct.pack("!H", 4 + len(body)) + body)


def test_short_packet_rejected() -> None:
    with pytest.raises(SctpParseError):
        parse_packet(b"\x13\x88\x13\x88")
    with pytest.raises(SctpParseError):
        parse_packet(encode_packet(1, 2, 3, []))


@pytest.mark.parametrize(
    "make",
    [
        lambda: DataChunk(1 << 32, 0, 0, 0, b"x").encode(),
        lambda: DataChunk(0, 1 << 16, 0, 0, b"x").encode(),
        lambda: DataChunk(0, 0, 0, 0, b"x" * 70000).encode(),
        lambda: SackChunk(0, -1).encode(),
        lambda: SackChunk(0, 0, ((0, 1 << 16),)).encode(),
        lambda: ForwardTsnChunk(0, ((1 << 16, 0),)).encode(),
        lambda: IDataChunk(0, 0, 0, 5, 0, b"x", flags=0x02).encode(),
        lambda: InitChunk(0, 0, 1 << 16, 0, 0).encode(),
        lambda: ReconfigChunk((OutgoingResetRequest(0, 0, 0, (70000,)),)).encode(),
        lambda: encode_packet(70000, 1, 1, []),
        lambda: encode_packet(1, 1, -1, []),
        lambda: UnknownChunk(300, 0, b"").encode(),
    ],
)
def test_encode_rejects_out_of_range(make: object) -> None:
    with pytest.raises(SctpEncodeError):
        make()  # type: ignore[operator]
