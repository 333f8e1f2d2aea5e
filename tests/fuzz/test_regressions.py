"""Every bug the fuzzers found, as a minimal reproducer.

Each was first kept as ``xfail(strict=True)`` while the bug was open in ``src/``; all six
are fixed now, and these tests keep them fixed.

Slow-input bugs (hangs) are checked against a CPU-time budget (``ITIMER_PROF``, so neither
a loaded machine nor pytest-timeout's wall-clock alarm interferes) that the fixed code
meets with a wide margin.
"""

from __future__ import annotations

import random
import signal
import struct
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType

import pytest

from rtcpeer.mdns import DnsError
from rtcpeer.mdns import parse_message as parse_dns
from rtcpeer.sctp import (
    Association,
    InitChunk,
    Param,
    SctpParseError,
    encode_packet,
    parse_packet,
)
from rtcpeer.sdp import SdpError, SdpSyntaxError, parse_sdp, validate_description
from tests.sctp.pump import Pump


class CpuBudgetExceeded(Exception):
    pass


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`CpuBudgetExceeded` once the process has used ``seconds`` of CPU."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise CpuBudgetExceeded(f"more than {seconds} s of CPU")

    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


# ---------------------------------------------------------------------------------- SDP


def test_sdp_lone_cr_at_the_end_is_refused() -> None:
    # sdp/parser.py: "Empty lines are errors, and so is a CR anywhere but before an LF". A
    # CR inside the text is refused; at the very end it is dropped and the rest accepted.
    with pytest.raises(SdpSyntaxError):
        parse_sdp("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r")


def _many_sections_and_session_attributes(sections: int, attributes: int) -> str:
    return (
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
        "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789012345678901\r\n"
        + "a=x\r\n" * attributes
        + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" * sections
    )


def test_sdp_validation_is_not_quadratic() -> None:
    # 200 KB: 2000 m= sections, 20000 session attributes. ~4 s of CPU today, ~0.1 s linear.
    description = parse_sdp(_many_sections_and_session_attributes(2000, 20000))
    with cpu_budget(1.0), suppress(SdpError):
        validate_description(description, require_fingerprint=False)


# --------------------------------------------------------------------------------- SCTP


def _heartbeat_64k(vtag: int) -> bytes:
    """A HEARTBEAT whose Heartbeat Info TLV (65529 bytes) omits its padding, as RFC 9260
    §3.2 allows for the last TLV of a chunk: chunk length 65533."""
    info = b"x" * 65525
    tlv = struct.pack("!HH", 1, 4 + len(info)) + info
    chunk = struct.pack("!BBH", 4, 0, 4 + len(tlv)) + tlv
    return encode_packet(5000, 5000, vtag, [chunk])


def test_sctp_64k_heartbeat_is_not_raised() -> None:
    p = Pump()
    p.connect()
    b = p.b.assoc
    before = sum(b.stats.values())
    b.handle_packet(p.now, _heartbeat_64k(b._local_tag))  # SctpEncodeError today
    assert all(len(packet) <= b.config.mtu for packet in b.packets_to_send(p.now))
    assert sum(b.stats.values()) > before  # the unanswerable HEARTBEAT is counted
    assert b.is_established


def test_sctp_parsed_64k_heartbeat_re_encodes() -> None:
    data = _heartbeat_64k(1)
    try:
        packet = parse_packet(data)
    except SctpParseError:
        return  # refusing it at parse time is a fix too
    assert parse_packet(packet.encode()) == packet  # SctpEncodeError today


def test_sctp_init_with_64k_of_unrecognized_parameters_is_not_raised() -> None:
    listener = Association(rng=random.Random(1))
    init = InitChunk(1234, 100000, 10, 10, 1, tuple(Param(0xC001, b"") for _ in range(8200)))
    before = sum(listener.stats.values())
    listener.handle_packet(0.0, encode_packet(5000, 5000, 0, [init.encode()]))  # raises today
    assert sum(listener.stats.values()) > before
    assert all(len(p) <= listener.config.mtu for p in listener.packets_to_send(0.0))


# --------------------------------------------------------------------------------- mDNS


def _pointer_chain_response(size: int = 65507) -> bytes:
    """One UDP datagram: an answer whose RDATA is a chain of ~8000 compression pointers,
    each to the one before (every jump points backwards, as RFC 1035 §4.1.4 asks), then
    ~4000 additional records whose owner name points at the end of the chain."""
    chain_start = 12 + 1 + 10
    chain = bytearray()
    previous = 12  # the answer's owner name: the root, one zero byte
    while chain_start + len(chain) + 2 <= 0x3FFF:
        chain += struct.pack("!H", 0xC000 | previous)
        previous = chain_start + len(chain) - 2
    body = b"\x00" + struct.pack("!2HIH", 99, 1, 0, len(chain)) + bytes(chain)
    record = struct.pack("!H", 0xC000 | previous) + struct.pack("!2HIH", 99, 1, 0, 0)
    count = (size - 12 - len(body)) // len(record)
    return struct.pack("!6H", 0, 0x8400, 0, 1, 0, count) + body + record * count


def test_mdns_pointer_chains_do_not_stall_the_parser() -> None:
    data = _pointer_chain_response()
    assert len(data) <= 65507  # fits one UDP datagram
    with cpu_budget(1.0), suppress(DnsError):
        parse_dns(data)
