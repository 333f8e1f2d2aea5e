"""Tests for rtcpeer.ice.candidate: SDP candidate parsing/writing, priority and foundation."""

from __future__ import annotations

import dataclasses
import re
import string

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rtcpeer.ice.candidate import (
    MAX_PRIORITY,
    TCP_TYPES,
    TYPE_PREFERENCE,
    AddressKind,
    Candidate,
    CandidateParseError,
    CandidateType,
    UnsupportedCandidateError,
    address_kind,
    candidate_priority,
    canonical_address,
    compute_foundation,
    host_address_exclusion,
)

HOST, SRFLX, PRFLX, RELAY = (
    CandidateType.HOST,
    CandidateType.SRFLX,
    CandidateType.PRFLX,
    CandidateType.RELAY,
)

CHROME_SRFLX = (
    "candidate:842163049 1 udp 1677729535 203.0.113.7 40000 typ srflx raddr 192.168.1.5 "
    "rport 40000 generation 0 ufrag EsAw network-id 1 network-cost 10"
)
CHROME_MDNS = (
    "candidate:1 1 UDP 2122252543 8f2a2a4c-0d0f-4b0e-8f6e-7d5b6a2e3f1a.local 54321 typ host "
    "generation 0"
)
CHROME_TCP = "candidate:3 1 tcp 1518280447 192.168.1.5 9 typ host tcptype active"


# ------------------------------------------------------------------------------------------
# Parsing real-world candidates
# ------------------------------------------------------------------------------------------


def test_chrome_srflx() -> None:
    c = Candidate.from_sdp(CHROME_SRFLX)
    assert c == Candidate(
        foundation="842163049",
        component=1,
        transport="udp",
        priority=1677729535,
        address="203.0.113.7",
        port=40000,
        type=SRFLX,
        related_address="192.168.1.5",
        related_port=40000,
        generation=0,
        ufrag="EsAw",
        network_id=1,
        network_cost=10,
    )
    assert c.type is CandidateType.SRFLX
    assert c.tcptype is None
    assert c.extensions == ()
    assert c.kind is AddressKind.IPV4
    assert not c.is_mdns
    assert c.transport_address == ("203.0.113.7", 40000)
    assert c.related_transport_address == ("192.168.1.5", 40000)
    assert c.to_sdp() == CHROME_SRFLX


def test_chrome_mdns_host() -> None:
    c = Candidate.from_sdp(CHROME_MDNS)
    assert c.foundation == "1"
    assert c.component == 1
    assert c.transport == "udp"  # "UDP" is lower-cased
    assert c.priority == 2122252543
    assert c.address == "8f2a2a4c-0d0f-4b0e-8f6e-7d5b6a2e3f1a.local"
    assert c.port == 54321
    assert c.type is HOST
    assert c.generation == 0
    assert c.related_address is None and c.related_port is None
    assert c.related_transport_address is None
    assert c.kind is AddressKind.MDNS
    assert c.is_mdns
    assert c.to_sdp() == CHROME_MDNS.replace(" UDP ", " udp ")


def test_chrome_tcp_active() -> None:
    c = Candidate.from_sdp(CHROME_TCP)
    assert (c.transport, c.tcptype, c.port, c.type) == ("tcp", "active", 9, HOST)
    assert c.priority == 1518280447
    assert c.to_sdp() == CHROME_TCP


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "candidate:0 1 UDP 2122252543 192.168.1.100 49203 typ host",
            dict(transport="udp", priority=2122252543, address="192.168.1.100", type=HOST),
        ),
        (
            "candidate:1 1 UDP 1686052863 203.0.113.7 49203 typ srflx raddr 192.168.1.100 "
            "rport 49203",
            dict(type=SRFLX, related_address="192.168.1.100", related_port=49203),
        ),
        (
            "candidate:2 1 TCP 2105524479 192.168.1.100 9 typ host tcptype active",
            dict(transport="tcp", tcptype="active", port=9),
        ),
        (
            "candidate:3 1 UDP 92217087 198.51.100.20 61234 typ relay raddr 203.0.113.7 "
            "rport 49203",
            dict(type=RELAY, address="198.51.100.20", related_address="203.0.113.7"),
        ),
        (
            "candidate:4 1 UDP 2122187007 2001:db8:85a3::8a2e:370:7334 51000 typ host",
            dict(address="2001:db8:85a3::8a2e:370:7334", port=51000),
        ),
        (
            "candidate:5 2 UDP 2122252542 fd00::1 51001 typ host",
            dict(component=2, address="fd00::1"),
        ),
    ],
)
def test_firefox_style(line: str, expected: dict[str, object]) -> None:
    c = Candidate.from_sdp(line)
    for name, value in expected.items():
        assert getattr(c, name) == value, name
    assert c.to_sdp() == line.replace(" UDP ", " udp ").replace(" TCP ", " tcp ")


def test_relay_with_zero_related_address() -> None:
    line = (
        "candidate:1610446390 1 udp 41885439 198.51.100.10 51234 typ relay raddr 0.0.0.0 "
        "rport 0 generation 0 ufrag EsAw network-id 1 network-cost 10"
    )
    c = Candidate.from_sdp(line)
    assert c.type is RELAY
    assert c.related_address == "0.0.0.0"
    assert c.related_port == 0
    assert c.to_sdp() == line


def test_ipv6_is_canonicalised() -> None:
    c = Candidate.from_sdp("candidate:7 1 udp 2122262783 2001:DB8:0:0:0:0:0:1 5000 typ host")
    assert c.address == "2001:db8::1"
    assert c.kind is AddressKind.IPV6
    assert c.to_sdp() == "candidate:7 1 udp 2122262783 2001:db8::1 5000 typ host"
    mapped = Candidate.from_sdp("candidate:7 1 udp 1 ::FFFF:0102:0304 5 typ host")
    assert mapped.address == "::ffff:1.2.3.4"  # RFC 5952 §5 mixed notation
    srflx = Candidate.from_sdp("candidate:8 1 udp 1 2001:db8::2 5 typ srflx raddr :: rport 0")
    assert srflx.related_address == "::"


def test_ipv6_zone_identifier_is_kept() -> None:
    # RFC 4007 §11 scoped address: accepted (and written back) so link-local transport
    # addresses seen on a real socket can be held and round-trip exactly.
    line = "candidate:1 1 udp 2122262783 fe80::1%eth0 5000 typ host"
    c = Candidate.from_sdp(line)
    assert c.address == "fe80::1%eth0"
    assert c.kind is AddressKind.IPV6
    assert c.to_sdp() == line
    upper = Candidate.from_sdp("candidate:1 1 udp 1 FE80:0::1%Wlan0 5 typ prflx")
    assert upper.address == "fe80::1%Wlan0"  # address canonical, zone as given


def test_prflx_and_fqdn() -> None:
    c = Candidate.from_sdp("candidate:9 1 udp 1853824767 turn.example.com 3478 typ prflx")
    assert c.type is PRFLX
    assert c.kind is AddressKind.FQDN
    assert not c.is_mdns


def test_mdns_case_insensitive_and_kept_as_given() -> None:
    c = Candidate.from_sdp("candidate:1 1 udp 1 Host-A.LOCAL 5 typ host")
    assert c.address == "Host-A.LOCAL"
    assert c.is_mdns


@pytest.mark.parametrize(
    "text",
    [
        "a=" + CHROME_SRFLX,
        CHROME_SRFLX,
        CHROME_SRFLX[len("candidate:") :],  # aiortc candidate_from_sdp form
        "  a=" + CHROME_SRFLX + "\r\n",
        "\t" + CHROME_SRFLX + "\n",
        "CANDIDATE:" + CHROME_SRFLX[len("candidate:") :],
    ],
)
def test_accepted_prefixes_and_whitespace(text: str) -> None:
    assert Candidate.from_sdp(text).to_sdp() == CHROME_SRFLX


def test_separator_runs_and_keyword_case_are_normalised() -> None:
    text = "candidate:1  1\tUDP 100 1.2.3.4 5 TYP HOST Generation 3 TcpType-x y"
    c = Candidate.from_sdp(text)
    assert c.type is HOST and c.generation == 3
    assert c.extensions == (("TcpType-x", "y"),)
    assert c.to_sdp() == "candidate:1 1 udp 100 1.2.3.4 5 typ host generation 3 TcpType-x y"


def test_tcptype_value_case_insensitive() -> None:
    c = Candidate.from_sdp("candidate:1 1 TCP 1 1.2.3.4 9 typ host TCPTYPE Passive")
    assert c.tcptype == "passive"
    assert c.to_sdp() == "candidate:1 1 tcp 1 1.2.3.4 9 typ host tcptype passive"


def test_tcp_without_tcptype_and_so() -> None:
    assert Candidate.from_sdp("candidate:1 1 tcp 1 1.2.3.4 9 typ host").tcptype is None
    assert Candidate.from_sdp("candidate:1 1 tcp 1 1.2.3.4 9 typ host tcptype so").tcptype == "so"


def test_unknown_extensions_kept_in_order() -> None:
    text = "candidate:1 1 udp 1 1.2.3.4 5 typ host zeta 1 generation 2 alpha x=y zeta 2 ufrag abcd"
    c = Candidate.from_sdp(text)
    assert c.extensions == (("zeta", "1"), ("alpha", "x=y"), ("zeta", "2"))
    assert c.generation == 2 and c.ufrag == "abcd"
    assert c.to_sdp() == (
        "candidate:1 1 udp 1 1.2.3.4 5 typ host generation 2 ufrag abcd zeta 1 alpha x=y zeta 2"
    )


def test_related_address_anywhere_after_type() -> None:
    text = "candidate:1 1 udp 1 1.2.3.4 5 typ srflx generation 0 rport 6 raddr 10.0.0.1"
    c = Candidate.from_sdp(text)
    assert c.related_transport_address == ("10.0.0.1", 6)
    assert (
        c.to_sdp() == "candidate:1 1 udp 1 1.2.3.4 5 typ srflx raddr 10.0.0.1 rport 6 generation 0"
    )


def test_leading_zeros_and_bounds() -> None:
    c = Candidate.from_sdp("candidate:+/aZ 001 udp 0000000001 1.2.3.4 00080 typ host")
    assert (c.foundation, c.component, c.priority, c.port) == ("+/aZ", 1, 1, 80)
    top = Candidate.from_sdp(f"candidate:{'f' * 32} 256 udp {MAX_PRIORITY} 1.2.3.4 65535 typ host")
    assert (top.component, top.priority, top.port) == (256, MAX_PRIORITY, 65535)
    zero = Candidate.from_sdp(
        "candidate:1 1 udp 1 1.2.3.4 0 typ host generation 4294967295 network-cost 0"
    )
    assert zero.port == 0 and zero.generation == 2**32 - 1 and zero.network_cost == 0


# ------------------------------------------------------------------------------------------
# Malformed input
# ------------------------------------------------------------------------------------------

GOOD = "candidate:1 1 udp 1 1.2.3.4 5 typ host"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty candidate"),
        ("   \r\n", "empty candidate"),
        ("candidate:", "empty candidate"),
        ("a=", "expected 'candidate:' after 'a='"),
        ("a=foo:1 1 udp 1 1.2.3.4 5 typ host", "expected 'candidate:' after 'a='"),
        ("candidate: 1 1 udp 1 1.2.3.4 5 typ host", "whitespace before the foundation"),
        ("candidate:1", "missing component ID"),
        ("candidate:1 1", "missing transport"),
        ("candidate:1 1 udp", "missing priority"),
        ("candidate:1 1 udp 1", "missing connection address"),
        ("candidate:1 1 udp 1 1.2.3.4", "missing port"),
        ("candidate:1 1 udp 1 1.2.3.4 5", "missing 'typ'"),
        ("candidate:1 1 udp 1 1.2.3.4 5 typ", "missing candidate type"),
        ("candidate:1 1 udp 1 1.2.3.4 5 host", "missing candidate type"),
        ("candidate:1 1 udp 1 1.2.3.4 5 type host", "expected 'typ' after the port"),
        ("candidate:f-o 1 udp 1 1.2.3.4 5 typ host", "invalid foundation"),
        (f"candidate:{'a' * 33} 1 udp 1 1.2.3.4 5 typ host", "invalid foundation"),
        ("candidate:1 0 udp 1 1.2.3.4 5 typ host", "component ID 0 is out of range 1..256"),
        ("candidate:1 257 udp 1 1.2.3.4 5 typ host", "component ID 257 is out of range"),
        ("candidate:1 0001 udp 1 1.2.3.4 5 typ host", "component ID '0001' is too long"),
        ("candidate:1 x udp 1 1.2.3.4 5 typ host", "component ID must be a decimal number"),
        ("candidate:1 1 u/p 1 1.2.3.4 5 typ host", "invalid transport"),
        ("candidate:1 1 udp 0 1.2.3.4 5 typ host", "priority 0 is out of range"),
        ("candidate:1 1 udp 2147483648 1.2.3.4 5 typ host", "priority 2147483648 is out of range"),
        ("candidate:1 1 udp 99999999999 1.2.3.4 5 typ host", "priority '99999999999' is too long"),
        ("candidate:1 1 udp -1 1.2.3.4 5 typ host", "priority must be a decimal number"),
        ("candidate:1 1 udp \u0661 1.2.3.4 5 typ host", "invalid character"),
        ("candidate:1 1 udp 1 1.2.3.256 5 typ host", "invalid IPv4 address"),
        ("candidate:1 1 udp 1 01.2.3.4 5 typ host", "invalid IPv4 address"),
        ("candidate:1 1 udp 1 1.2.3 5 typ host", "invalid IPv4 address"),
        ("candidate:1 1 udp 1 1::2::3 5 typ host", "invalid IPv6 address"),
        ("candidate:1 1 udp 1 [::1] 5 typ host", "without brackets"),
        ("candidate:1 1 udp 1 fe80::1% 5 typ host", "invalid IPv6 address"),
        ("candidate:1 1 udp 1 1.2.3.4%eth0 5 typ host", "not an IPv4 address"),
        ("candidate:1 1 udp 1 host_name.local 5 typ host", "not an IPv4 address"),
        ("candidate:1 1 udp 1 -bad.example 5 typ host", "not an IPv4 address"),
        ("candidate:1 1 udp 1 trailing.dot. 5 typ host", "not an IPv4 address"),
        ("candidate:1 1 udp 1 example.123 5 typ host", "all-numeric last label"),
        ("candidate:1 1 udp 1 1.2.3.4 65536 typ host", "port 65536 is out of range 0..65535"),
        ("candidate:1 1 udp 1 1.2.3.4 x typ host", "port must be a decimal number"),
        ("candidate:1 1 udp 1 1.2.3.4 5 typ h@st", "invalid candidate type"),
        (GOOD + " raddr 1.2.3.4", "raddr without rport"),
        (GOOD + " rport 5", "rport without raddr"),
        (GOOD + " raddr 1.2.3.4 rport 5 raddr 1.2.3.4", "duplicate 'raddr'"),
        (GOOD + " raddr 1.2.3.4 rport 5 RPORT 5", "duplicate 'rport'"),
        (GOOD + " raddr bad_name rport 5", "invalid related address"),
        (GOOD + " raddr 1.2.3.4 rport 70000", "related port (rport) 70000 is out of range"),
        (GOOD + " raddr 1.2.3.4 rport -1", "related port (rport) must be a decimal number"),
        (GOOD + " typ host", "duplicate 'typ'"),
        (GOOD + " generation 0 generation 0", "duplicate 'generation'"),
        (GOOD + " ufrag abcd UFRAG abcd", "duplicate 'ufrag'"),
        (GOOD + " network-id 1 network-id 2", "duplicate 'network-id'"),
        (GOOD + " network-cost 1 network-cost 1", "duplicate 'network-cost'"),
        (GOOD + " generation -1", "generation must be a decimal number"),
        (GOOD + " generation 4294967296", "generation 4294967296 is out of range"),
        (GOOD + " generation 1.5", "generation must be a decimal number"),
        (GOOD + " network-id x", "network-id must be a decimal number"),
        (GOOD + " network-cost -10", "network-cost must be a decimal number"),
        (GOOD + " ufrag abc", "invalid ufrag"),
        (GOOD + " ufrag ab-cd", "invalid ufrag"),
        (GOOD + " tcptype active", "tcptype is only allowed on tcp candidates"),
        ("candidate:1 1 tcp 1 1.2.3.4 9 typ host tcptype both", "invalid tcptype"),
        ("candidate:1 1 tcp 1 1.2.3.4 9 typ host tcptype so tcptype so", "duplicate 'tcptype'"),
        (GOOD + " generation", "extension 'generation' has no value"),
        (GOOD + " foo bar baz", "extension 'baz' has no value"),
        (GOOD + " fo(o bar", "invalid extension name"),
        (GOOD + " foo b\u00e4r", "invalid character"),
        (GOOD + " foo\x00 bar", "invalid character"),
        ("candidate:1 1 udp 1 1.2.3.4 5 typ host\nfoo bar", "invalid character"),
        ("candidate:1 1 udp 1 1.2.3.4 5\u00a0typ host", "invalid character"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(CandidateParseError, match=re.escape(message)):
        Candidate.from_sdp(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("candidate:1 1 sctp 1 1.2.3.4 5 typ host", "unsupported transport 'sctp'"),
        ("candidate:1 1 DTLS 1 1.2.3.4 5 typ host", "unsupported transport 'DTLS'"),
        ("candidate:1 1 udp 1 1.2.3.4 5 typ nat", "unknown candidate type 'nat'"),
    ],
)
def test_unsupported_is_a_parse_error(text: str, message: str) -> None:
    with pytest.raises(UnsupportedCandidateError, match=re.escape(message)) as info:
        Candidate.from_sdp(text)
    assert isinstance(info.value, CandidateParseError)
    assert isinstance(info.value, ValueError)


def test_non_str_is_type_error() -> None:
    with pytest.raises(TypeError):
        Candidate.from_sdp(b"candidate:1 1 udp 1 1.2.3.4 5 typ host")  # type: ignore[arg-type]


def test_long_garbage_message_is_truncated() -> None:
    with pytest.raises(CandidateParseError) as info:
        Candidate.from_sdp("candidate:1 1 udp 1 " + "a:" * 5000 + " 5 typ host")
    assert len(str(info.value)) < 200


# ------------------------------------------------------------------------------------------
# Constructor
# ------------------------------------------------------------------------------------------


def _host(**changes: object) -> Candidate:
    fields: dict[str, object] = dict(
        foundation="1",
        component=1,
        transport="udp",
        priority=1,
        address="1.2.3.4",
        port=5,
        type=HOST,
    )
    fields.update(changes)
    return Candidate(**fields)  # type: ignore[arg-type]


def test_constructor_normalises() -> None:
    c = _host(
        transport="TCP",
        type="host",
        address="2001:DB8::0:1",
        tcptype="SO",
        extensions=[("x", "1")],
        related_address="::FFFF:10.0.0.1",
        related_port=7,
    )
    assert c.transport == "tcp"
    assert c.type is HOST
    assert c.address == "2001:db8::1"
    assert c.tcptype == "so"
    assert c.extensions == (("x", "1"),)
    assert c.related_address == "::ffff:10.0.0.1"
    assert Candidate.from_sdp(c.to_sdp()) == c


def test_candidate_is_frozen_and_hashable() -> None:
    c = _host()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.port = 6  # type: ignore[misc]
    assert hash(c) == hash(Candidate.from_sdp(GOOD))
    assert {c, Candidate.from_sdp(GOOD)} == {c}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(foundation=""), "invalid foundation"),
        (dict(component=0), "component ID 0 is out of range"),
        (dict(priority=0), "priority 0 is out of range"),
        (dict(priority=2**31), "priority 2147483648 is out of range"),
        (dict(port=-1), "port -1 is out of range"),
        (dict(address="fe80::1%eth 0"), "zone identifier must be printable ASCII"),
        (dict(address="fe80::1%\u00e9"), "zone identifier must be printable ASCII"),
        (dict(address="not an address"), "invalid connection address"),
        (dict(related_address="1.2.3.4"), "rport is missing"),
        (dict(related_port=5), "raddr is missing"),
        (dict(related_address="1.2.3.4", related_port=65536), "related port (rport) 65536"),
        (dict(tcptype="active"), "tcptype is only allowed on tcp candidates"),
        (dict(transport="tcp", tcptype="sometimes"), "invalid tcptype"),
        (dict(generation=-1), "generation -1 is out of range"),
        (dict(network_id=2**32), "network-id 4294967296 is out of range"),
        (dict(network_cost=-1), "network-cost -1 is out of range"),
        (dict(ufrag="ab"), "invalid ufrag"),
        (dict(extensions=(("generation", "0"),)), "has a field of its own"),
        (dict(extensions=(("RADDR", "1.2.3.4"),)), "has a field of its own"),
        (dict(extensions=(("", "x"),)), "invalid extension name"),
        (dict(extensions=(("a b", "x"),)), "invalid extension name"),
        (dict(extensions=(("x", ""),)), "invalid value"),
        (dict(extensions=(("x", "a b"),)), "invalid value"),
    ],
)
def test_constructor_rejects(changes: dict[str, object], message: str) -> None:
    with pytest.raises(CandidateParseError, match=re.escape(message)):
        _host(**changes)


def test_constructor_unsupported() -> None:
    with pytest.raises(UnsupportedCandidateError):
        _host(transport="sctp")
    with pytest.raises(UnsupportedCandidateError):
        _host(type="nat")


@pytest.mark.parametrize(
    "changes",
    [
        dict(port="5"),
        dict(component=True),
        dict(foundation=1),
        dict(address=None),
        dict(extensions="ab"),
        dict(extensions=(("a", "b", "c"),)),
        dict(extensions=(("a", 1),)),
    ],
)
def test_constructor_wrong_python_types(changes: dict[str, object]) -> None:
    with pytest.raises(TypeError):
        _host(**changes)


# ------------------------------------------------------------------------------------------
# Priority, RFC 8445 §5.1.2
# ------------------------------------------------------------------------------------------


def test_type_preferences() -> None:
    assert TYPE_PREFERENCE == {HOST: 126, PRFLX: 110, SRFLX: 100, RELAY: 0}


@pytest.mark.parametrize(
    ("args", "priority"),
    [
        ((HOST,), 2130706431),  # 126*2^24 + 65535*2^8 + 255
        ((HOST, 65535, 2), 2130706430),
        ((PRFLX,), 1862270975),  # 110*2^24 + 65535*2^8 + 255
        ((SRFLX,), 1694498815),  # 100*2^24 + 65535*2^8 + 255
        ((RELAY,), 16777215),  # 0 + 65535*2^8 + 255
        ((RELAY, 0, 1), 255),
        ((RELAY, 0, 255), 1),
        ((HOST, 0, 256), 126 * 2**24),
        ((HOST, 32512, 1), 2122252543),  # a libwebrtc / Firefox host priority
        ((SRFLX, 30, 1), 1677729535),  # the libwebrtc srflx example above
        ((SRFLX, 32543, 1), 1686052863),  # a Firefox srflx priority
    ],
)
def test_candidate_priority(args: tuple[CandidateType, int, int], priority: int) -> None:
    assert candidate_priority(*args) == priority


def test_candidate_priority_formula() -> None:
    for ctype, pref in TYPE_PREFERENCE.items():
        for local in (0, 1, 255, 65535):
            for comp in (1, 2, 256):
                if pref == 0 and local == 0 and comp == 256:
                    continue
                expected = 2**24 * pref + 2**8 * local + (256 - comp)
                assert candidate_priority(ctype, local, comp) == expected
                assert 1 <= expected <= MAX_PRIORITY


def test_candidate_priority_keywords_and_str_type() -> None:
    assert candidate_priority(HOST, local_preference=65535, component=1) == 2130706431
    assert candidate_priority("srflx", 65535, 1) == 1694498815  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((HOST, -1, 1), ValueError),
        ((HOST, 65536, 1), ValueError),
        ((HOST, 65535, 0), ValueError),
        ((HOST, 65535, 257), ValueError),
        ((RELAY, 0, 256), ValueError),  # would be priority 0
        (("bogus", 1, 1), ValueError),
        ((HOST, 1.5, 1), TypeError),
        ((HOST, 1, True), TypeError),
    ],
)
def test_candidate_priority_rejects(args: tuple[object, ...], error: type[Exception]) -> None:
    with pytest.raises(error):
        candidate_priority(*args)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# Foundation, RFC 8445 §5.1.1.3
# ------------------------------------------------------------------------------------------


def test_foundation_format_and_stability() -> None:
    f = compute_foundation(HOST, "192.168.1.5")
    assert re.fullmatch(r"[0-9a-f]{16}", f)
    # Pinned: must never change between runs, processes or versions (no hash()).
    assert f == "c835073b70fd24b0"
    assert f == compute_foundation(HOST, "192.168.1.5", "udp", None)
    # It is a valid foundation in a candidate line.
    assert Candidate.from_sdp(f"candidate:{f} 1 udp 1 1.2.3.4 5 typ host").foundation == f


def test_foundation_same_when_all_equal() -> None:
    # Same type, base IP, server IP and transport -> same foundation (ports play no part).
    a = compute_foundation(SRFLX, "10.0.0.1", "udp", "198.51.100.1")
    b = compute_foundation(SRFLX, "10.0.0.1", "UDP", "198.51.100.1")
    assert a == b
    assert compute_foundation(RELAY, "2001:DB8::1", server="2001:db8:0::53") == compute_foundation(
        RELAY, "2001:db8::1", server="2001:DB8::53"
    )
    assert compute_foundation(HOST, "Host.Local") == compute_foundation(HOST, "host.local")


def test_foundation_differs_when_any_differs() -> None:
    base = compute_foundation(SRFLX, "10.0.0.1", "udp", "198.51.100.1")
    variants = [
        compute_foundation(RELAY, "10.0.0.1", "udp", "198.51.100.1"),  # type
        compute_foundation(HOST, "10.0.0.1", "udp"),  # type
        compute_foundation(PRFLX, "10.0.0.1", "udp"),  # type
        compute_foundation(SRFLX, "10.0.0.2", "udp", "198.51.100.1"),  # base IP
        compute_foundation(SRFLX, "10.0.0.1", "tcp", "198.51.100.1"),  # transport
        compute_foundation(SRFLX, "10.0.0.1", "udp", "198.51.100.2"),  # server IP
        compute_foundation(SRFLX, "10.0.0.1", "udp"),  # no server
    ]
    assert len({base, *variants}) == len(variants) + 1
    assert compute_foundation(HOST, "fe80::1%eth0") != compute_foundation(HOST, "fe80::1%eth1")
    assert compute_foundation(HOST, "fe80::1%eth0") != compute_foundation(HOST, "fe80::1")


def test_foundation_ignores_server_for_host_and_prflx() -> None:
    for ctype in (HOST, PRFLX):
        assert compute_foundation(ctype, "10.0.0.1", server="198.51.100.1") == compute_foundation(
            ctype, "10.0.0.1"
        )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((HOST, "not an address"), ValueError),
        ((HOST, "10.0.0.1", "sctp"), ValueError),
        ((SRFLX, "10.0.0.1", "udp", "198.51.100.1:3478"), ValueError),
        (("bogus", "10.0.0.1"), ValueError),
        ((HOST, 167772161), TypeError),
    ],
)
def test_foundation_rejects(args: tuple[object, ...], error: type[Exception]) -> None:
    with pytest.raises(error):
        compute_foundation(*args)  # type: ignore[arg-type]


@given(
    st.sampled_from(list(CandidateType)),
    st.ip_addresses().map(str),
    st.sampled_from(["udp", "tcp"]),
    st.none() | st.ip_addresses().map(str),
)
def test_foundation_always_valid(
    ctype: CandidateType, base: str, transport: str, server: str | None
) -> None:
    f = compute_foundation(ctype, base, transport, server)
    assert re.fullmatch(r"[A-Za-z0-9+/]{1,32}", f)
    assert f == compute_foundation(ctype, canonical_address(base), transport.upper(), server)


# ------------------------------------------------------------------------------------------
# Address kinds
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("192.0.2.1", AddressKind.IPV4),
        ("0.0.0.0", AddressKind.IPV4),
        ("255.255.255.255", AddressKind.IPV4),
        ("::", AddressKind.IPV6),
        ("::1", AddressKind.IPV6),
        ("2001:db8::1", AddressKind.IPV6),
        ("2001:DB8::1", AddressKind.IPV6),
        ("::ffff:1.2.3.4", AddressKind.IPV6),  # IPv4-mapped is written as IPv6 -> IPv6
        ("fe80::1%eth0", AddressKind.IPV6),  # RFC 4007 §11 zone identifier
        ("8f2a2a4c-0d0f-4b0e-8f6e-7d5b6a2e3f1a.local", AddressKind.MDNS),
        ("Host.LOCAL", AddressKind.MDNS),
        ("example.com", AddressKind.FQDN),
        ("turn-1.eu.example.net", AddressKind.FQDN),
        ("local.example.com", AddressKind.FQDN),
        ("localhost", AddressKind.FQDN),
        ("local", AddressKind.FQDN),  # no host label before "local"
    ],
)
def test_address_kind(address: str, kind: AddressKind) -> None:
    assert address_kind(address) is kind


@pytest.mark.parametrize(
    "address",
    ["", "[::1]", "1.2.3.256", "01.2.3.4", "1.2.3", "::1%", "a_b.local", "a..b", "-a.com", "x.1"],
)
def test_address_kind_rejects(address: str) -> None:
    with pytest.raises(CandidateParseError):
        address_kind(address)


@pytest.mark.parametrize(
    ("address", "canonical"),
    [
        ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  # no "::" for a single zero group
        ("::ffff:102:304", "::ffff:1.2.3.4"),
        ("FE80::1%eth0", "fe80::1%eth0"),
        ("192.0.2.1", "192.0.2.1"),
        ("Foo.Local", "Foo.Local"),
    ],
)
def test_canonical_address(address: str, canonical: str) -> None:
    assert canonical_address(address) == canonical


# ------------------------------------------------------------------------------------------
# Host candidate addresses, RFC 8445 §5.1.1.1
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["192.168.1.5", "203.0.113.7", "169.254.1.1", "2001:db8::1", "fd00::1", "fe80::1%eth0"],
)
def test_host_address_allowed(address: str) -> None:
    assert host_address_exclusion(address) is None


@pytest.mark.parametrize(
    ("address", "kwargs", "reason"),
    [
        ("127.0.0.1", {}, "loopback"),
        ("127.8.9.10", {}, "loopback"),
        ("::1", {}, "loopback"),
        ("::1.2.3.4", {}, "IPv4-compatible"),
        ("fec0::1", {}, "site-local"),
        ("::ffff:192.0.2.1", {}, "IPv4-mapped"),
        ("::ffff:127.0.0.1", {"ipv6_only": True}, "loopback"),
        ("fe80::1", {"temporary_ipv6": True}, "link-local"),
        ("fe80::1%eth0", {"temporary_ipv6": True}, "link-local"),
        ("0.0.0.0", {}, "unspecified"),
        ("::", {}, "unspecified"),
        ("224.0.0.1", {}, "multicast"),
        ("ff02::1", {}, "multicast"),
    ],
)
def test_host_address_excluded(address: str, kwargs: dict[str, bool], reason: str) -> None:
    result = host_address_exclusion(address, **kwargs)
    assert result is not None and reason in result


def test_host_address_ipv6_only_allows_mapped() -> None:
    assert host_address_exclusion("::ffff:192.0.2.1", ipv6_only=True) is None
    assert host_address_exclusion("fe80::1", temporary_ipv6=False) is None


@pytest.mark.parametrize("address", ["x.local", "example.com", "1.2.3.256"])
def test_host_address_requires_ip(address: str) -> None:
    with pytest.raises(CandidateParseError):
        host_address_exclusion(address)


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

ICE_CHARS = string.ascii_letters + string.digits + "+/"
TOKEN_CHARS = string.ascii_letters + string.digits + "-.!%*_+`'~"
VCHARS = "".join(chr(c) for c in range(0x21, 0x7F))
KNOWN = {"typ", "raddr", "rport", "tcptype", "generation", "ufrag", "network-id", "network-cost"}

_label = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?", fullmatch=True)
hostnames = (
    st.lists(_label, min_size=1, max_size=4)
    .map(".".join)
    .filter(lambda name: not name.rsplit(".", 1)[-1].isdigit())
)
addresses = st.one_of(
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(str),
    st.tuples(
        st.ip_addresses(v=6, network="fe80::/10"),
        st.text(VCHARS.replace("%", "").replace("/", ""), min_size=1, max_size=8),
    ).map(lambda t: f"{t[0]}%{t[1]}"),
    st.ip_addresses(v=6).map(lambda ip: ip.exploded.upper()),
    st.uuids().map(lambda u: f"{u}.local"),
    hostnames,
)
ports = st.integers(0, 65535)
uint32 = st.none() | st.integers(0, 2**32 - 1)
extension_pairs = st.tuples(
    st.text(TOKEN_CHARS, min_size=1, max_size=10).filter(lambda n: n.lower() not in KNOWN),
    st.text(VCHARS, min_size=1, max_size=10),
)


@st.composite
def candidates(draw: st.DrawFn) -> Candidate:
    transport = draw(st.sampled_from(["udp", "tcp", "UDP", "Tcp"]))
    related = draw(st.none() | st.tuples(addresses, ports))
    return Candidate(
        foundation=draw(st.text(ICE_CHARS, min_size=1, max_size=32)),
        component=draw(st.integers(1, 256)),
        transport=transport,
        priority=draw(st.integers(1, MAX_PRIORITY)),
        address=draw(addresses),
        port=draw(ports),
        type=draw(st.sampled_from(list(CandidateType))),
        related_address=None if related is None else related[0],
        related_port=None if related is None else related[1],
        tcptype=(
            draw(st.none() | st.sampled_from(sorted(TCP_TYPES)))
            if transport.lower() == "tcp"
            else None
        ),
        generation=draw(uint32),
        ufrag=draw(st.none() | st.text(ICE_CHARS, min_size=4, max_size=256)),
        network_id=draw(uint32),
        network_cost=draw(uint32),
        extensions=tuple(draw(st.lists(extension_pairs, max_size=4))),
    )


@settings(max_examples=300)
@given(candidates())
def test_generated_candidates_round_trip(c: Candidate) -> None:
    text = c.to_sdp()
    assert text.startswith("candidate:")
    assert Candidate.from_sdp(text) == c
    assert Candidate.from_sdp("a=" + text + "\r\n") == c
    assert Candidate.from_sdp(text[len("candidate:") :]) == c
    assert Candidate.from_sdp(text).to_sdp() == text


def _check_total(text: str) -> None:
    """Parsing either succeeds (and is then a fixed point of to_sdp) or raises the one error."""
    try:
        c = Candidate.from_sdp(text)
    except CandidateParseError as exc:
        assert str(exc)
        return
    again = Candidate.from_sdp(c.to_sdp())
    assert again == c
    assert again.to_sdp() == c.to_sdp()


@settings(max_examples=500)
@given(st.text())
@example("candidate:1 1 udp 1 1.2.3.4 5 typ host raddr")
@example("a=candidate")
@example("candidate:1 1 udp 1 ::%% 5 typ host")
def test_random_text_never_crashes(text: str) -> None:
    _check_total(text)


_vocabulary = st.sampled_from(
    [
        "candidate:1",
        "a=candidate:x",
        "1",
        "0",
        "256",
        "65535",
        "65536",
        "2130706431",
        "2147483648",
        "4294967296",
        "-1",
        "udp",
        "TCP",
        "sctp",
        "typ",
        "host",
        "srflx",
        "prflx",
        "relay",
        "raddr",
        "rport",
        "tcptype",
        "active",
        "so",
        "generation",
        "ufrag",
        "network-id",
        "network-cost",
        "1.2.3.4",
        "::1",
        "::ffff:1.2.3.4",
        "fe80::1%eth0",
        "[::1]",
        "x.local",
        "example.com",
        "abcd",
        "",
        "\t",
    ]
)


@settings(max_examples=500)
@given(st.lists(_vocabulary | st.text(max_size=6), max_size=20).map(" ".join))
def test_token_soup_never_crashes(text: str) -> None:
    _check_total(text)


@settings(max_examples=300)
@given(candidates(), st.data())
def test_mutated_candidates_never_crash(c: Candidate, data: st.DataObject) -> None:
    tokens = c.to_sdp().split(" ")
    index = data.draw(st.integers(0, len(tokens) - 1))
    action = data.draw(st.sampled_from(["delete", "replace", "insert", "duplicate"]))
    filler = data.draw(_vocabulary | st.text(max_size=6))
    if action == "delete":
        del tokens[index]
    elif action == "replace":
        tokens[index] = filler
    elif action == "insert":
        tokens.insert(index, filler)
    else:
        tokens.insert(index, tokens[index])
    _check_total(" ".join(tokens))
