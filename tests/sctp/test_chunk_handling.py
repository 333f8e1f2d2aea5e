"""How an established association answers individual control chunks (crafted packets)."""

from __future__ import annotations

import random

from rtcpeer.sctp import (
    Association,
    ChunkType,
    DataChunk,
    ErrorChunk,
    HeartbeatAckChunk,
    HeartbeatChunk,
    InitAckChunk,
    InitChunk,
    OutgoingResetRequest,
    Param,
    ReconfigChunk,
    ReconfigResponse,
    ReconfigResult,
    SctpConfig,
    StreamReset,
    UnknownChunk,
    encode_packet,
    parse_packet,
)
from rtcpeer.sctp.constants import CauseCode, ParamType
from tests.sctp.pump import Pump


def established() -> tuple[Pump, Association, int, int]:
    """(pump, b, tag b expects, a's initial TSN as b knows it - 1 = b's cumulative TSN)."""
    p = Pump()
    p.connect()
    b = p.b.assoc
    return p, b, b._local_tag, b._received.cumulative


def answer(b: Association, now: float, tag: int, *chunks: bytes) -> list[object]:
    b.handle_packet(now, encode_packet(5000, 5000, tag, list(chunks)))
    return [c for packet in b.packets_to_send(now) for c in parse_packet(packet).chunks]


def test_heartbeat_is_echoed() -> None:
    p, b, tag, _ = established()
    out = answer(b, p.now, tag, HeartbeatChunk(b"opaque info").encode())
    assert out == [HeartbeatAckChunk(b"opaque info")]


def test_unrecognized_chunks_follow_the_upper_two_bits() -> None:
    p, b, tag, cum = established()
    data = DataChunk((cum + 1) & 0xFFFFFFFF, 0, 0, 51, b"after").encode()
    # 00: stop processing the packet, say nothing.
    assert answer(b, p.now, tag, UnknownChunk(0x21, 0, b"").encode(), data) == []
    # 01: stop and report.
    out = answer(b, p.now, tag, UnknownChunk(0x41, 0, b"xy").encode(), data)
    assert len(out) == 1 and isinstance(out[0], ErrorChunk)
    assert out[0].causes[0].code == CauseCode.UNRECOGNIZED_CHUNK_TYPE
    assert out[0].causes[0].info[:1] == b"\x41"
    # 10: skip it and go on (the DATA behind it is taken).
    answer(b, p.now, tag, UnknownChunk(0x81, 0, b"").encode(), data)
    assert b.next_event() is not None
    # 11: skip, go on, and report.
    data2 = DataChunk((cum + 2) & 0xFFFFFFFF, 0, 1, 51, b"again").encode()
    out = answer(b, p.now + 1, tag, UnknownChunk(0xC1, 0, b"").encode(), data2)
    assert any(isinstance(c, ErrorChunk) for c in out)
    assert b.next_event() is not None
    assert b.stats["chunks_unrecognized"] == 4


def test_invalid_stream_is_reported_and_acknowledged() -> None:
    p = Pump(config_b=SctpConfig(inbound_streams=4))
    p.connect()
    b = p.b.assoc
    cum = b._received.cumulative
    out = answer(b, p.now, b._local_tag, DataChunk((cum + 1) & 0xFFFFFFFF, 9, 0, 51, b"x").encode())
    assert isinstance(out[0], ErrorChunk)
    assert out[0].causes[0].code == CauseCode.INVALID_STREAM_IDENTIFIER
    assert b._received.cumulative == cum + 1
    assert b.next_event() is None


def test_init_ack_reports_unrecognized_parameters() -> None:
    """§3.2.1: 10 skip, 11 skip and report, 01 report and stop (what follows is ignored)."""
    b = Association(rng=random.Random(3))
    params = (
        Param(0x8124, b""),
        Param(0xC125, b"cd"),
        Param(0x4123, b"ab"),
        Param(0xC126, b"never looked at"),
    )
    init = InitChunk(77, 100_000, 10, 10, 1, params)
    b.handle_packet(0.0, encode_packet(5000, 5000, 0, [init.encode()]))
    (packet,) = b.packets_to_send(0.0)
    decoded = parse_packet(packet)
    assert decoded.verification_tag == 77
    (ack,) = decoded.chunks
    assert isinstance(ack, InitAckChunk)
    reported = [p.value for p in ack.params if p.type == ParamType.UNRECOGNIZED_PARAMETER]
    assert reported == [params[1].encode(), params[2].encode()]
    assert ack.state_cookie is not None
    assert ack.forward_tsn_supported and ChunkType.RE_CONFIG in ack.supported_extensions


def test_reconfig_sequence_numbers() -> None:
    p, b, tag, cum = established()
    first = b._peer_reconfig_next & 0xFFFFFFFF
    req = OutgoingResetRequest(first, 0, cum & 0xFFFFFFFF, (3,))
    out = answer(b, p.now, tag, ReconfigChunk((req,)).encode())
    assert out == [ReconfigChunk((ReconfigResponse(first, ReconfigResult.SUCCESS_PERFORMED),))]
    assert b.next_event() == StreamReset((3,))
    # The same request again (our answer was lost): same answer, no second event.
    out = answer(b, p.now, tag, ReconfigChunk((req,)).encode())
    assert out == [ReconfigChunk((ReconfigResponse(first, ReconfigResult.SUCCESS_PERFORMED),))]
    assert b.next_event() is None
    # A number from nowhere.
    bogus = OutgoingResetRequest((first + 10) & 0xFFFFFFFF, 0, cum & 0xFFFFFFFF, (3,))
    out = answer(b, p.now, tag, ReconfigChunk((bogus,)).encode())
    assert out == [
        ReconfigChunk(
            (ReconfigResponse(bogus.request_seq, ReconfigResult.ERROR_BAD_SEQUENCE_NUMBER),)
        )
    ]


def test_reconfig_in_progress_then_performed() -> None:
    """RFC 6525 §5.2.2 E2: data the request covers has not all arrived yet."""
    p, b, tag, cum = established()
    seq = b._peer_reconfig_next & 0xFFFFFFFF
    req = OutgoingResetRequest(seq, 0, (cum + 2) & 0xFFFFFFFF, (1,))
    out = answer(b, p.now, tag, ReconfigChunk((req,)).encode())
    assert out == [ReconfigChunk((ReconfigResponse(seq, ReconfigResult.IN_PROGRESS),))]
    assert b.next_event() is None
    # The two DATA chunks arrive: the deferred reset is performed.
    for i in (1, 2):
        b.handle_packet(
            p.now,
            encode_packet(
                5000, 5000, tag, [DataChunk((cum + i) & 0xFFFFFFFF, 1, i - 1, 51, b"d").encode()]
            ),
        )
    events = [b.next_event() for _ in range(3)]
    assert events[2] == StreamReset((1,))
    # A retransmission of the request (usrsctp) now hears "performed"; a renumbered retry
    # (dcSCTP) too, and neither resets twice.
    out = answer(b, p.now, tag, ReconfigChunk((req,)).encode())
    assert ReconfigResponse(seq, ReconfigResult.SUCCESS_PERFORMED) in out[-1].params  # type: ignore[attr-defined]
    retry = OutgoingResetRequest((seq + 1) & 0xFFFFFFFF, 0, req.last_tsn, (1,))
    out = answer(b, p.now, tag, ReconfigChunk((retry,)).encode())
    assert ReconfigResponse(seq + 1, ReconfigResult.SUCCESS_PERFORMED) in out[-1].params  # type: ignore[attr-defined]
    assert b.next_event() is None


def test_abort_needs_the_right_tag_and_an_association() -> None:
    from rtcpeer.sctp import AbortChunk, Aborted, State

    listener = Association(rng=random.Random(4))
    listener.handle_packet(
        0.0, encode_packet(5000, 5000, listener._local_tag, [AbortChunk().encode()])
    )
    assert listener.state is State.CLOSED and listener.next_event() is None
    p, b, tag, _ = established()
    b.handle_packet(p.now, encode_packet(5000, 5000, tag ^ 1, [AbortChunk().encode()]))
    b.handle_packet(p.now, encode_packet(5000, 5000, tag, [AbortChunk(reflected=True).encode()]))
    assert b.is_established and b.stats["abort_ignored"] == 2
    b.handle_packet(
        p.now, encode_packet(5000, 5000, b._peer_tag, [AbortChunk(reflected=True).encode()])
    )
    assert isinstance(b.next_event(), Aborted)
