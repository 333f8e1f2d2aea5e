"""Valid inputs for every parser: the starting points of the structure-aware mutations (in
the hypothesis tests) and the seed corpora of the atheris targets (``fuzz/run.py``).

Between them they hold every STUN attribute the codec knows, every SCTP chunk type, real
SDP from browsers and SFUs, candidates as Chrome, Firefox and libwebrtc write them, both
DCEP messages and the mDNS responses Chromium sends.
"""

from __future__ import annotations

import random
import struct
from functools import cache

from rtcpeer.ice.candidate import Candidate, CandidateType
from rtcpeer.mdns import (
    CACHE_FLUSH,
    CLASS_IN,
    TYPE_A,
    TYPE_AAAA,
    TYPE_NSEC,
    Question,
    Record,
    build_query,
    build_response,
)
from rtcpeer.pc.dcep import DataChannelOpen, encode_ack
from rtcpeer.sctp import (
    AbortChunk,
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
    Param,
    ReconfigChunk,
    ReconfigResponse,
    SackChunk,
    ShutdownAckChunk,
    ShutdownChunk,
    ShutdownCompleteChunk,
    TsnResetRequest,
    UnknownChunk,
    encode_packet,
)
from rtcpeer.sctp.params import AddStreamsRequest
from rtcpeer.stun import (
    AttrType,
    ErrorCode,
    MessageClass,
    Method,
    PasswordAlgorithm,
    StunMessage,
)
from tests.sdp.util import SAMPLE_NAMES, load_sample
from tests.stun import vectors

__all__ = ["SEEDS", "seeds"]

_TID = bytes(range(1, 13))


# --------------------------------------------------------------------------------- STUN


def _stun() -> list[bytes]:
    out = [
        vectors.RFC5769_SAMPLE_REQUEST,
        vectors.RFC5769_IPV4_RESPONSE,
        vectors.RFC5769_IPV6_RESPONSE,
        vectors.RFC5769_LONG_TERM_REQUEST,
        vectors.RFC8489_B1_PUBLISHED,
        vectors.RFC8489_B1_ERRATUM_6268,
    ]
    A = AttrType
    check = StunMessage(
        Method.BINDING,
        MessageClass.REQUEST,
        _TID,
        {
            A.USERNAME: "abcd:efgh",
            A.PRIORITY: 0x6E00_1EFF,
            A.ICE_CONTROLLING: 0x0123_4567_89AB_CDEF,
            A.USE_CANDIDATE: None,
        },
    )
    out.append(check.encode(b"password-password-pass", fingerprint=True))
    out.append(check.encode(b"k", both_integrities=True, fingerprint=True))
    for address in (("192.0.2.1", 32853), ("2001:db8::1", 1), ("::ffff:198.51.100.7", 65535)):
        response = StunMessage(
            Method.BINDING,
            MessageClass.SUCCESS,
            _TID,
            {A.XOR_MAPPED_ADDRESS: address, A.MAPPED_ADDRESS: address, A.SOFTWARE: "rtcpeer"},
        )
        out.append(response.encode(b"key", fingerprint=True))
    error = StunMessage(
        Method.BINDING,
        MessageClass.ERROR,
        _TID,
        {
            A.ERROR_CODE: ErrorCode(420, "Unknown Attribute"),
            A.UNKNOWN_ATTRIBUTES: (0x0031, 0x7FFF, 0x0001),
            A.ALTERNATE_SERVER: ("203.0.113.9", 3478),
            A.ALTERNATE_DOMAIN: "turn.example.org",
        },
    )
    out.append(error.encode(fingerprint=True))
    allocate = StunMessage(
        Method.ALLOCATE,
        MessageClass.REQUEST,
        _TID,
        {
            A.USERNAME: "user",
            A.REALM: "example.org",
            A.NONCE: "obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA",
            A.REQUESTED_TRANSPORT: 17,
            A.LIFETIME: 600,
            A.DONT_FRAGMENT: None,
            A.EVEN_PORT: True,
            A.REQUESTED_ADDRESS_FAMILY: 2,
            A.ADDITIONAL_ADDRESS_FAMILY: 2,
            A.PASSWORD_ALGORITHMS: (PasswordAlgorithm(2), PasswordAlgorithm(1, b"\x01\x02\x03")),
            A.PASSWORD_ALGORITHM: PasswordAlgorithm(2),
            A.USERHASH: bytes(range(32)),
            0x7F31: b"unknown-required",
            0xC001: b"unknown-optional",
        },
    )
    out.append(allocate.encode(b"long-term-key", integrity_sha256=True, fingerprint=True))
    turn = StunMessage(
        Method.SEND,
        MessageClass.INDICATION,
        _TID,
        {
            A.XOR_PEER_ADDRESS: ("192.0.2.15", 9000),
            A.DATA: b"\x00\x01payload",
            A.CHANNEL_NUMBER: 0x4001,
            A.RESERVATION_TOKEN: b"12345678",
            A.CONNECTION_ID: 77,
            A.ICMP: (3, 3, 0xDEADBEEF),
            A.ADDRESS_ERROR_CODE: (2, ErrorCode(440, "Address Family not Supported")),
            A.XOR_RELAYED_ADDRESS: ("2001:db8::7", 50000),
            A.ICE_CONTROLLED: 1,
        },
        [(A.XOR_PEER_ADDRESS, ("2001:db8::2", 9001))],
    )
    out.append(turn.encode())
    out.append(turn.encode(b"key"))
    return out


# ---------------------------------------------------------------------------- candidates


def _candidates() -> list[bytes]:
    texts = [
        "candidate:842163049 1 udp 1677729535 203.0.113.7 40000 typ srflx raddr 192.168.1.5 "
        "rport 40000 generation 0 ufrag EsAw network-id 1 network-cost 10",
        "candidate:1 1 UDP 2122252543 8f2a2a4c-0d0f-4b0e-8f6e-7d5b6a2e3f1a.local 54321 typ host "
        "generation 0",
        "candidate:3 1 tcp 1518280447 192.168.1.5 9 typ host tcptype active",
        "a=candidate:0 1 UDP 2122187007 2001:db8::1 55555 typ host",
        "candidate:2 2 udp 41885439 198.51.100.4 3478 typ relay raddr 0.0.0.0 rport 0",
        "1 1 udp 2130706431 fe80::1%eth0 5000 typ host",
        "candidate:4 1 udp 1845501695 ::ffff:192.0.2.1 5000 typ prflx raddr 10.0.0.1 rport 1 "
        "x-custom value x-custom other",
        "  candidate:a+/Z 256 TCP 1 turn.example.org 443 TYP RELAY tcptype so\r\n",
    ]
    built = Candidate(
        foundation="f00",
        component=1,
        transport="udp",
        priority=1,
        address="2001:db8::9",
        port=9,
        type=CandidateType.SRFLX,
        related_address="192.0.2.3",
        related_port=7,
        generation=4294967295,
        ufrag="abcd",
        network_id=3,
        network_cost=999,
        extensions=(("svc", "x"),),
    )
    texts.append(built.to_sdp())
    return [t.encode() for t in texts]


# ---------------------------------------------------------------------------------- SDP


def _sdp() -> list[bytes]:
    out = [load_sample(name).encode() for name in SAMPLE_NAMES]
    out.append(
        b"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\ni=info\r\nu=http://x\r\ne=a@b\r\np=+1\r\n"
        b"c=IN IP4 0.0.0.0\r\nb=AS:30\r\nt=3034423619 3042462419\r\nr=7d 1h 0 25h\r\n"
        b"z=2882844526 -1h 2898848070 0\r\nk=prompt\r\na=ice-lite\r\n"
        b"m=application 9 DTLS/SCTP 5000\r\na=sctpmap:5000 webrtc-datachannel 1024\r\n"
    )
    return out


# --------------------------------------------------------------------------------- SCTP


def _sctp() -> list[bytes]:
    def packet(*chunks: object, vtag: int = 0x1234ABCD) -> bytes:
        return encode_packet(5000, 5000, vtag, [c.encode() for c in chunks])  # type: ignore[attr-defined]

    cookie = bytes(range(64))
    params = (
        Param(0x8008, bytes([0xC0, 0x82, 0x40])),  # supported extensions
        Param(0xC000, b""),  # forward TSN supported
        Param(0x8002, b"\x00\x01\x02"),  # unrecognised, odd length
    )
    out = [
        packet(InitChunk(0xCAFE, 131072, 65535, 65535, 1000, params), vtag=0),
        packet(InitAckChunk(0xBEEF, 131072, 1024, 1024, 7, (Param(7, cookie), *params))),
        packet(CookieEchoChunk(cookie), DataChunk(1000, 0, 0, 50, b"\x03\x00" + bytes(10))),
        packet(CookieAckChunk(), SackChunk(7, 131072, ((2, 3), (5, 9)), (4, 4))),
        packet(
            DataChunk(1001, 1, 0, 51, b"hello", flags=0x03),
            DataChunk(1002, 1, 1, 53, b"\x00" * 40, flags=0x02),
            DataChunk(1003, 1, 1, 53, b"\xff" * 3, flags=0x05),
        ),
        packet(IDataChunk(9, 2, 1, 0, 51, b"first", 0x02), IDataChunk(10, 2, 1, 1, 0, b"next", 0)),
        packet(HeartbeatChunk(b"\x00" * 12), HeartbeatAckChunk(b"info")),
        packet(
            AbortChunk((ErrorCause(12, b"user abort"), ErrorCause(1, b"\x00\x05\x00\x00"))),
            vtag=0,
        ),
        packet(AbortChunk(reflected=True), ShutdownCompleteChunk(reflected=True)),
        packet(
            ErrorChunk((ErrorCause(3, b"\x00\x00\x00\x10"), ErrorCause(6, b"\x80\x00\x00\x04")))
        ),
        packet(ShutdownChunk(1003), ShutdownAckChunk()),
        packet(ForwardTsnChunk(1010, ((1, 4), (2, 0)))),
        packet(IForwardTsnChunk(1010, ((1, True, 4), (2, False, 9)))),
        packet(ReconfigChunk((OutgoingResetRequest(1, 2, 1003, (1, 2, 3)),))),
        packet(ReconfigChunk((IncomingResetRequest(5, (7,)), TsnResetRequest(6)))),
        packet(ReconfigChunk((ReconfigResponse(1, 1), ReconfigResponse(2, 0, 5, 6)))),
        packet(ReconfigChunk((AddStreamsRequest(3, 10), AddStreamsRequest(4, 2, True)))),
        packet(
            UnknownChunk(0x83, 0xFF, b"\x01\x02\x03"),
            UnknownChunk(0x3F, 0, b""),
            UnknownChunk(0xC1, 1, b"x"),
        ),
    ]
    out.extend(_sctp_captured())
    return out


def _sctp_captured() -> list[bytes]:
    """Packets two associations really exchange: handshake, data, SACKs, a stream reset."""
    from rtcpeer.sctp import Association

    rng = random.Random(5)
    a, b = Association(rng=random.Random(1)), Association(rng=random.Random(2))
    captured: list[bytes] = []
    now = 0.0
    a.associate(now)

    def pump() -> None:
        for _ in range(20):
            moved = False
            for src, dst in ((a, b), (b, a)):
                for packet in src.packets_to_send(now):
                    moved = True
                    captured.append(packet)
                    dst.handle_packet(now, packet)
            if not moved:
                return

    pump()
    for i in range(3):
        a.send(now, 1, 51, f"message {i}".encode())
        b.send(now, 2, 53, rng.randbytes(1500))
        pump()
        now += 0.3
        a.handle_timer(now)
        b.handle_timer(now)
        pump()
    a.reset_streams(now, [1])
    pump()
    return captured


# --------------------------------------------------------------------------------- DCEP


def _dcep() -> list[bytes]:
    opens = [
        DataChannelOpen("chat"),
        DataChannelOpen("", "", ordered=False),
        DataChannelOpen("label ✓", "proto", max_retransmits=3, priority=512),
        DataChannelOpen("timed", "x", ordered=False, max_packet_lifetime=1500, priority=0),
    ]
    return [o.encode() for o in opens] + [encode_ack()]


# --------------------------------------------------------------------------------- mDNS


def _labels(name: str) -> bytes:
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def _chromium_response(name: str, address: bytes) -> bytes:
    """Chromium's mDNS answer: an A/AAAA answer and an NSEC additional record whose Next
    Domain Name is a compression pointer (services/network/mdns_responder.cc)."""
    rtype = TYPE_A if len(address) == 4 else TYPE_AAAA
    answer = (
        _labels(name) + struct.pack("!2HIH", rtype, CLASS_IN | CACHE_FLUSH, 120, len(address))
    ) + address
    bitmap = b"\x00\x01\x40" if rtype == TYPE_A else b"\x00\x04\x00\x00\x00\x08"
    rdata = struct.pack("!H", 0xC000 | (12 + len(answer))) + bitmap
    nsec = _labels(name) + struct.pack("!2HIH", TYPE_NSEC, 0x8001, 120, len(rdata)) + rdata
    return struct.pack("!6H", 0, 0x8400, 0, 1, 0, 1) + answer + nsec


def _mdns() -> list[bytes]:
    name = "8f2a2a4c-0d0f-4b0e-8f6e-7d5b6a2e3f1a.local"
    return [
        build_query(name),
        build_query(name, TYPE_AAAA, unicast_response=True),
        _chromium_response(name, bytes([192, 168, 1, 5])),
        _chromium_response(name, bytes(15) + b"\x01"),
        build_response(
            [Record.address_record(name, "192.0.2.1"), Record.address_record(name, "2001:db8::1")],
            [Record("other." + name, 16, 1, 10, b"\x03txt")],
            authorities=[Record("x.local", TYPE_NSEC, 0x8001, 0, b"\x00\x01\x40")],
            questions=[Question(name, TYPE_A)],
            message_id=7,
        ),
    ]


# --------------------------------------------------------------------------------- TURN


def _turn() -> list[bytes]:
    """ChannelData (padded or not), what a TURN server sends, and TCP streams of both."""
    from rtcpeer.turn import encode_channel_data
    from tests.fuzz.oracles import TURN_PEER
    from tests.turn.fake_server import FakeTurnServer

    server = FakeTurnServer(stream=True)
    server.permissions[TURN_PEER[0]] = 1e9
    indication = server.from_peer(TURN_PEER, b"from the peer")
    channel_data = [
        encode_channel_data(0x4000, b""),
        encode_channel_data(0x4001, b"abc"),
        encode_channel_data(0x4FFF, bytes(range(37)), pad=True),
        encode_channel_data(0x4000, b"\x16\xfe\xfd" + bytes(40), pad=True),
    ]
    messages = [m for m in (indication, *channel_data) if m is not None]
    stun = [m for m in seeds("stun") if len(m) < 200]
    return [
        *messages,
        *stun[:6],
        b"".join(messages),
        channel_data[2] + stun[0] + channel_data[3],
        b"\xff\x00junk" + channel_data[1] + bytes(1) + messages[0],
    ]


# -------------------------------------------------------------------------------- table

_BUILDERS = {
    "stun": _stun,
    "candidate": _candidates,
    "sdp": _sdp,
    "sctp": _sctp,
    "dcep": _dcep,
    "mdns": _mdns,
    "turn": _turn,
}


@cache
def seeds(target: str) -> tuple[bytes, ...]:
    """The valid inputs of ``target`` (a key of :data:`tests.fuzz.oracles.TARGETS`)."""
    return tuple(_BUILDERS[target]())


SEEDS = tuple(_BUILDERS)
"""The targets that have seeds."""
