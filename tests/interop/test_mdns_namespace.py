"""MdnsResolver against a Chromium-like mDNS responder, inside a private network namespace.

Multicast must never reach this machine's real interfaces, so every network test runs in a
child process (this module, run as ``python -m tests.interop.test_mdns_namespace SCENARIO``)
that first moves itself into a fresh, unnamed network namespace with ``unshare(CLONE_NEWNET)``
(through ctypes on Python 3.11), checks that the namespace holds nothing but ``lo``, brings
``lo`` up and, for most scenarios, routes 224.0.0.0/4 to it. The pytest process never changes
namespace; the namespace vanishes with the child. The child prints one JSON line of
observations and the test here asserts on them. Without root, Linux or iproute2 the tests
skip (a failure with ``RTCPEER_REQUIRE_INTEROP=1``).

The responder is the test's own: a socket joined to 224.0.0.251:5353 that accepts queries
the way Chromium's ``net::DnsQuery::Parse`` does (QR clear, exactly one question, an
uncompressed name, class exactly IN) and answers the way Chromium's
``MdnsResponderManager`` does (``services/network/mdns_responder.cc``): always multicast to
224.0.0.251:5353, whatever the query's source port, ID 0, no question, an A record with the
cache-flush bit and TTL 120, and an additional NSEC record whose Next Domain Name is a
compression pointer. Other modes answer with an unparseable additional record, with an
RFC 6762 §6.7 legacy unicast response, for another name, or not at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import pytest

from rtcpeer.aio.mdns import MdnsResolver, retransmit_schedule
from rtcpeer.mdns import DnsError, parse_message

ROOT = Path(__file__).resolve().parents[2]
MODULE = "tests.interop.test_mdns_namespace"
CLONE_NEWNET = 0x40000000
GROUP = "224.0.0.251"
PORT = 5353
NAME = "6a1f3a5e-2b7c-4d8e-9f01-23456789abcd.local"
OTHER = "0b9c8d7e-6f50-4a3b-8c2d-1e0f9a8b7c6d.local"
ADDRESS = "10.20.30.40"
ADDRESS6 = "fd00::1:2:3"
TYPE_A, TYPE_AAAA, TYPE_NSEC = 1, 28, 47
SKIP_EXIT = 77


# --------------------------------------------------------------------------------------------
# The child: namespace set-up
# --------------------------------------------------------------------------------------------


def enter_namespace(*, multicast_route: bool) -> str | None:
    """Move this process into a new network namespace with only ``lo``; None when done,
    else why it is impossible (a reason to skip). Exits with an error if the new namespace
    is not isolated, so no test traffic can ever reach a real interface."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces need Linux, not {sys.platform}"
    if os.geteuid() != 0:
        return "creating a network namespace needs root (CAP_SYS_ADMIN)"
    ip = shutil.which("ip") or next(
        (p for p in ("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip") if os.path.exists(p)), None
    )
    if ip is None:
        return "iproute2 ('ip') is not installed"
    before = os.readlink("/proc/self/ns/net")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        return f"unshare(CLONE_NEWNET) failed: {os.strerror(errno)}"
    after = os.readlink("/proc/self/ns/net")
    interfaces = sorted(name for _, name in socket.if_nameindex())
    if after == before or interfaces != ["lo"]:
        raise SystemExit(f"not isolated (netns {before} -> {after}, interfaces {interfaces})")
    commands = [["link", "set", "lo", "up"], ["link", "set", "lo", "multicast", "on"]]
    if multicast_route:
        commands.append(["route", "add", "224.0.0.0/4", "dev", "lo", "src", "127.0.0.1"])
    for command in commands:
        subprocess.run([ip, *command], check=True, capture_output=True)
    return None


# --------------------------------------------------------------------------------------------
# The child: a responder that behaves like Chromium's
# --------------------------------------------------------------------------------------------


def wire_name(name: str) -> bytes:
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def rr(owner: bytes, rtype: int, rclass: int, ttl: int, rdata: bytes) -> bytes:
    return owner + struct.pack("!2HIH", rtype, rclass, ttl, len(rdata)) + rdata


def chromium_parse_query(data: bytes) -> tuple[str, int, int] | None:
    """(name, qtype, qclass) if ``net::DnsQuery::Parse`` would accept ``data``, else None."""
    if len(data) < 12:
        return None
    flags, qdcount = struct.unpack_from("!2H", data, 2)
    if flags & 0x8000 or qdcount != 1:
        return None
    position, labels = 12, []
    while True:
        if position >= len(data):
            return None
        length = data[position]
        if length == 0:
            position += 1
            break
        if position + 1 + length > len(data):
            return None  # (a compression pointer reads as a too-long label)
        labels.append(data[position + 1 : position + 1 + length].decode("utf-8", "replace"))
        position += 1 + length
    if position + 4 > len(data):
        return None
    qtype, qclass = struct.unpack_from("!2H", data, position)
    if qclass != 1:
        return None
    return ".".join(labels), qtype, qclass


def chromium_response(name: str, address: str, ttl: int = 120, *, broken: bool = False) -> bytes:
    """``mdns_helper::CreateResolutionResponse``; ``broken`` makes the additional record's
    owner name a forward compression pointer, which no parser can follow."""
    packed = socket.inet_pton(socket.AF_INET6 if ":" in address else socket.AF_INET, address)
    rtype = TYPE_AAAA if len(packed) == 16 else TYPE_A
    answer = rr(wire_name(name), rtype, 0x8001, ttl, packed)
    if ttl == 0:  # a goodbye carries no NSEC record
        return struct.pack("!6H", 0, 0x8400, 0, 1, 0, 0) + answer
    nsec_at = 12 + len(answer)
    bitmap = b"\x00\x01\x40" if rtype == TYPE_A else b"\x00\x04\x00\x00\x00\x08"
    rdata = struct.pack("!H", 0xC000 | nsec_at) + bitmap
    owner = struct.pack("!H", 0xC000 | (nsec_at + 40)) if broken else wire_name(name)
    nsec = rr(owner, TYPE_NSEC, 0x8001, ttl, rdata)
    return struct.pack("!6H", 0, 0x8400, 0, 1, 0, 1) + answer + nsec


def chromium_negative_response(name: str, address6: str) -> bytes:
    """``mdns_helper::CreateNegativeResponse`` for an A query on an IPv6-mapped name: the NSEC
    record answers, the AAAA record is additional."""
    nsec = rr(wire_name(name), TYPE_NSEC, 0x8001, 120, b"\xc0\x0c\x00\x04\x00\x00\x00\x08")
    aaaa = rr(wire_name(name), TYPE_AAAA, 0x8001, 120, socket.inet_pton(socket.AF_INET6, address6))
    return struct.pack("!6H", 0, 0x8400, 0, 1, 0, 1) + nsec + aaaa


def legacy_response(query: bytes, name: str, address: str, ttl: int) -> bytes:
    """RFC 6762 §6.7: the query's ID and question, no cache-flush bit, TTL at most 10."""
    (message_id,) = struct.unpack_from("!H", query)
    question = wire_name(name) + struct.pack("!2H", TYPE_A, 1)
    answer = rr(b"\xc0\x0c", TYPE_A, 1, min(ttl, 10), socket.inet_aton(address))
    return struct.pack("!6H", message_id, 0x8400, 1, 1, 0, 0) + question + answer


def mdns_socket(interface: str | None, port: int = PORT) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    if interface is not None:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface))
    sock.bind(("0.0.0.0", port))
    if port == PORT:
        membership = socket.inet_aton(GROUP) + socket.inet_aton(interface or "0.0.0.0")
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
    sock.setblocking(False)
    return sock


class Responder(asyncio.DatagramProtocol):
    """Answers queries for ``names`` (exact case, as Chromium does) in one of these modes:
    ``chromium``, ``broken`` (unparseable additional record), ``negative`` (the name maps to
    IPv6: NSEC answer and AAAA additional), ``legacy`` (unicast, RFC 6762 §6.7), ``wrong``
    (answers for another name, and a right answer from a port other than 5353), ``silent``."""

    def __init__(
        self,
        names: dict[str, str],
        mode: str = "chromium",
        *,
        ttl: int = 120,
        drop: int = 0,
        delay: float = 0.0,
        interface: str | None = None,
    ) -> None:
        self.names, self.mode, self.ttl = names, mode, ttl
        self.drop, self.delay, self.interface = drop, delay, interface
        self.queries: list[dict[str, Any]] = []
        self.rejected = 0
        self.transport: asyncio.DatagramTransport | None = None
        self.spoofer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if interface is not None:
            self.spoofer.setsockopt(
                socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface)
            )

    async def start(self) -> Responder:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, sock=mdns_socket(self.interface))
        return self

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.spoofer.close()

    def multicast(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.sendto(data, (GROUP, PORT))

    def datagram_received(self, data: bytes, addr: tuple[str | Any, ...]) -> None:
        if len(data) >= 4 and data[2] & 0x80:
            return  # a response (ours, looped back)
        query = chromium_parse_query(data)
        if query is None:
            self.rejected += 1
            return
        name, qtype, qclass = query
        now = asyncio.get_running_loop().time()
        self.queries.append({"name": name, "qtype": qtype, "qclass": qclass, "t": now})
        self.queries[-1]["source_port"] = int(addr[1])
        if len(self.queries) <= self.drop or self.mode == "silent" or name not in self.names:
            return
        address = self.names[name]
        source = (str(addr[0]), int(addr[1]))
        asyncio.get_running_loop().call_later(self.delay, self.answer, data, name, address, source)

    def answer(self, query: bytes, name: str, address: str, source: tuple[str, int]) -> None:
        assert self.transport is not None
        if self.mode == "chromium":
            self.multicast(chromium_response(name, address, self.ttl))
        elif self.mode == "broken":
            self.multicast(chromium_response(name, address, self.ttl, broken=True))
        elif self.mode == "negative":
            self.multicast(chromium_negative_response(name, address))
        elif self.mode == "legacy":
            self.transport.sendto(legacy_response(query, name, address, self.ttl), source)
        elif self.mode == "wrong":
            self.multicast(chromium_response(OTHER, "10.99.99.99", self.ttl))
            self.spoofer.sendto(chromium_response(name, "10.66.66.66"), (GROUP, PORT))


# --------------------------------------------------------------------------------------------
# The child: scenarios (each returns its observations)
# --------------------------------------------------------------------------------------------


async def timed(coroutine: Awaitable[str | None]) -> tuple[str | None, float]:
    start = time.monotonic()
    result = await coroutine
    return result, time.monotonic() - start


async def scenario_chromium() -> dict[str, Any]:
    responder = await Responder({NAME: ADDRESS}).start()
    async with MdnsResolver() as resolver:
        address, elapsed = await timed(resolver.resolve(NAME))
        listening = resolver.listening
        sent = resolver.queries_sent
    responder.close()
    response = chromium_response(NAME, ADDRESS)
    return {
        "address": address,
        "elapsed": elapsed,
        "listening": listening,
        "queries_sent": sent,
        "queries": responder.queries,
        "rejected": responder.rejected,
        "strict_parse": [r.address for r in parse_message(response, strict=True).answers],
    }


async def scenario_broken() -> dict[str, Any]:
    responder = await Responder({NAME: ADDRESS}, "broken").start()
    async with MdnsResolver() as resolver:
        address, elapsed = await timed(resolver.resolve(NAME))
    responder.close()
    response = chromium_response(NAME, ADDRESS, broken=True)
    try:
        parse_message(response, strict=True)
        strict_error = None
    except DnsError as exc:
        strict_error = type(exc).__name__
    return {"address": address, "elapsed": elapsed, "strict_error": strict_error}


async def scenario_negative() -> dict[str, Any]:
    responder = await Responder({NAME: ADDRESS6}, "negative").start()
    async with MdnsResolver(query_aaaa=True) as resolver:
        address, elapsed = await timed(resolver.resolve(NAME))
        sent = resolver.queries_sent
    responder.close()
    qtypes = [q["qtype"] for q in responder.queries]
    return {"address": address, "elapsed": elapsed, "queries_sent": sent, "qtypes": qtypes}


async def scenario_legacy() -> dict[str, Any]:
    responder = await Responder({NAME: ADDRESS}, "legacy", ttl=120).start()
    async with MdnsResolver(listen_multicast=False) as resolver:
        address, elapsed = await timed(resolver.resolve(NAME))
        listening = resolver.listening
        cached = resolver.cached(NAME)
        expires = resolver._cache[NAME][1] - asyncio.get_running_loop().time()
    responder.close()
    return {
        "address": address,
        "elapsed": elapsed,
        "listening": listening,
        "cached": cached,
        "expires_in": expires,
        "source_ports": [q["source_port"] for q in responder.queries],
    }


async def scenario_interface() -> dict[str, Any]:
    """No multicast route: only a resolver told to use lo's address can reach the group."""
    responder = await Responder({NAME: ADDRESS}, interface="127.0.0.1").start()
    async with MdnsResolver(interface="127.0.0.1") as resolver:
        address, elapsed = await timed(resolver.resolve(NAME))
    async with MdnsResolver() as default:
        unrouted, unrouted_elapsed = await timed(default.resolve(OTHER, timeout=0.3))
        default_errors = default.socket_errors
        default_listening = default.listening
    responder.close()
    return {
        "address": address,
        "elapsed": elapsed,
        "unrouted": unrouted,
        "unrouted_elapsed": unrouted_elapsed,
        "default_errors": default_errors,
        "default_listening": default_listening,
    }


async def scenario_timeout() -> dict[str, Any]:
    responder = await Responder({}, "silent").start()
    async with MdnsResolver() as resolver:
        address, elapsed = await timed(resolver.resolve(NAME, timeout=0.6))
        sent = resolver.queries_sent
    responder.close()
    times = [q["t"] - responder.queries[0]["t"] for q in responder.queries]
    return {"address": address, "elapsed": elapsed, "queries_sent": sent, "times": times}


async def scenario_retransmit() -> dict[str, Any]:
    responder = await Responder({NAME: ADDRESS}, drop=1).start()
    async with MdnsResolver() as resolver:
        address, elapsed = await timed(resolver.resolve(NAME, timeout=1.5))
        sent = resolver.queries_sent
    responder.close()
    return {"address": address, "elapsed": elapsed, "queries_sent": sent}


async def scenario_cache() -> dict[str, Any]:
    responder = await Responder({NAME: ADDRESS}, ttl=1).start()
    async with MdnsResolver() as resolver:
        first = await resolver.resolve(NAME)
        second, second_elapsed = await timed(
            resolver.resolve(NAME.upper().replace("LOCAL", "local"))
        )
        after_second = (resolver.queries_sent, len(responder.queries))
        await asyncio.sleep(1.1)  # the TTL of 1 s runs out
        expired_cached = resolver.cached(NAME)
        third = await resolver.resolve(NAME)
        after_third = (resolver.queries_sent, len(responder.queries))
        responder.multicast(chromium_response(NAME, ADDRESS, ttl=0))  # RFC 6762 §10.1
        await asyncio.sleep(0.1)
        after_goodbye = resolver.cached(NAME)
    responder.close()
    return {
        "first": first,
        "second": second,
        "second_elapsed": second_elapsed,
        "after_second": after_second,
        "expired_cached": expired_cached,
        "third": third,
        "after_third": after_third,
        "after_goodbye": after_goodbye,
    }


async def scenario_concurrent() -> dict[str, Any]:
    responder = await Responder({NAME: ADDRESS}, delay=0.2).start()
    async with MdnsResolver() as resolver:
        results = await asyncio.gather(*(resolver.resolve(NAME) for _ in range(5)))
        sent = resolver.queries_sent
    responder.close()
    return {"results": results, "queries_sent": sent, "queries_seen": len(responder.queries)}


async def scenario_wrong_name() -> dict[str, Any]:
    responder = await Responder({NAME: ADDRESS}, "wrong").start()
    async with MdnsResolver() as resolver:
        address, elapsed = await timed(resolver.resolve(NAME, timeout=0.6))
        other_cached = resolver.cached(OTHER)
        responses = resolver.responses_received
    responder.close()
    return {
        "address": address,
        "elapsed": elapsed,
        "other_cached": other_cached,
        "responses_received": responses,
        "queries_seen": len(responder.queries),
    }


async def scenario_ice_connection() -> dict[str, Any]:
    """Two IceConnections on 127.0.0.1; bob hides his host candidate behind a .local name
    (as browsers do) that the responder maps to 127.0.0.1: alice resolves it and connects."""
    from rtcpeer.aio import IceConnection
    from rtcpeer.ice import Candidate

    hidden = "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c.local"
    responder = await Responder({hidden: "127.0.0.1"}).start()
    alice = IceConnection(controlling=True, addresses=["127.0.0.1"])
    bob = IceConnection(controlling=False, addresses=["127.0.0.1"])
    signalled: list[str] = []

    def to_bob(candidate: Candidate | None, ufrag: str) -> None:
        bob.add_remote_candidate(candidate, ufrag)

    def to_alice(candidate: Candidate | None, ufrag: str) -> None:
        if candidate is not None:
            candidate = Candidate.from_sdp(candidate.to_sdp().replace(" 127.0.0.1 ", f" {hidden} "))
            signalled.append(candidate.to_sdp())
        alice.add_remote_candidate(candidate, ufrag)

    alice.on_candidate, bob.on_candidate = to_bob, to_alice
    await alice.gather()
    await bob.gather()
    alice.set_remote_parameters(*bob.local_parameters, ice_lite=False)
    bob.set_remote_parameters(*alice.local_parameters)
    await asyncio.wait_for(asyncio.gather(alice.connect(), bob.connect()), 10)
    alice.send(b"over the resolved name")
    data = await asyncio.wait_for(bob.recv(), 5)
    pair = alice.agent.selected_pair
    result = {
        "signalled": signalled,
        "data": data.decode(),
        "remote": None if pair is None else list(pair[1].transport_address),
        "queries": len(responder.queries),
        "unresolved": alice.agent.stats.get("remote_candidates_unresolved", 0),
    }
    await alice.close()
    await bob.close()
    responder.close()
    return result


SCENARIOS: dict[str, tuple[bool, Callable[[], Awaitable[dict[str, Any]]]]] = {
    "ice_connection": (True, scenario_ice_connection),
    # name: (route 224.0.0.0/4 to lo, scenario)
    "chromium": (True, scenario_chromium),
    "broken": (True, scenario_broken),
    "negative": (True, scenario_negative),
    "legacy": (True, scenario_legacy),
    "interface": (False, scenario_interface),
    "timeout": (True, scenario_timeout),
    "retransmit": (True, scenario_retransmit),
    "cache": (True, scenario_cache),
    "concurrent": (True, scenario_concurrent),
    "wrong_name": (True, scenario_wrong_name),
}


async def run_scenario(scenario: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """Run ``scenario``; an exception in any callback (responder, resolver) fails the test."""
    errors: list[str] = []

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        errors.append(f"{context.get('message')}: {context.get('exception')!r}")
        loop.default_exception_handler(context)

    asyncio.get_running_loop().set_exception_handler(handler)
    result = await asyncio.wait_for(scenario(), 30)
    result["callback_errors"] = errors
    return result


def child_main(argv: list[str]) -> int:
    route, scenario = SCENARIOS[argv[0]]
    reason = enter_namespace(multicast_route=route)
    if reason is not None:
        print(json.dumps({"skip": reason}))
        return 0
    result = asyncio.run(run_scenario(scenario))
    print(json.dumps(result))
    return 0


# --------------------------------------------------------------------------------------------
# The tests (pytest process: never changes namespace)
# --------------------------------------------------------------------------------------------


def run_in_namespace(scenario: str) -> dict[str, Any]:
    if not sys.platform.startswith("linux"):
        pytest.skip(f"network namespaces need Linux, not {sys.platform}")
    proc = subprocess.run(
        [sys.executable, "-m", MODULE, scenario],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        pytest.fail(f"scenario {scenario} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    if "skip" in result:
        pytest.skip(f"no private network namespace: {result['skip']}")
    assert result["callback_errors"] == [], proc.stderr[-3000:]
    return result


@pytest.mark.interop
def test_resolves_a_chromium_answer_multicast_to_the_group() -> None:
    r = run_in_namespace("chromium")
    assert r["address"] == ADDRESS and r["elapsed"] < 0.5
    assert r["listening"] and r["queries_sent"] == 1 and r["rejected"] == 0
    # The query is one Chromium accepts: one question, class exactly IN (QU bit off), type A,
    # the name as given, from an ephemeral port (RFC 6762 §5.1), not 5353.
    (query,) = r["queries"]
    assert (query["name"], query["qtype"], query["qclass"]) == (NAME, TYPE_A, 1)
    assert query["source_port"] != PORT
    assert r["strict_parse"] == [ADDRESS]


@pytest.mark.interop
def test_an_unparseable_additional_record_does_not_hide_the_answer() -> None:
    r = run_in_namespace("broken")
    assert r["strict_error"] == "DnsNameError"  # a strict parser rejects the message
    assert r["address"] == ADDRESS and r["elapsed"] < 0.5


@pytest.mark.interop
def test_chromium_negative_response_yields_the_additional_aaaa() -> None:
    r = run_in_namespace("negative")
    assert r["address"] == ADDRESS6 and r["elapsed"] < 0.5
    # query_aaaa: A and AAAA questions, in two messages (Chromium parses one question only).
    assert r["queries_sent"] == 2 and r["qtypes"] == [TYPE_A, TYPE_AAAA]


@pytest.mark.interop
def test_legacy_unicast_response_reaches_the_ephemeral_port() -> None:
    r = run_in_namespace("legacy")
    assert not r["listening"]  # no 5353 listener: the answer came to the query socket
    assert r["address"] == ADDRESS and r["cached"] == ADDRESS
    assert 9 < r["expires_in"] <= 10  # RFC 6762 §6.7: legacy TTL at most 10 s
    assert all(port != PORT for port in r["source_ports"])


@pytest.mark.interop
def test_interface_selection_with_ip_multicast_if() -> None:
    r = run_in_namespace("interface")
    assert r["address"] == ADDRESS and r["elapsed"] < 0.5
    # Without a multicast route the default resolver cannot send (ENETUNREACH) nor join.
    assert r["unrouted"] is None and r["unrouted_elapsed"] < 0.6
    assert r["default_errors"] >= 1 and not r["default_listening"]


@pytest.mark.interop
def test_timeout_returns_none_in_bounded_time_after_two_retransmissions() -> None:
    r = run_in_namespace("timeout")
    assert r["address"] is None
    assert 0.55 <= r["elapsed"] < 1.5
    assert r["queries_sent"] == 3  # sent at 0, 1/3 and 2/3 of the timeout
    assert r["times"] == pytest.approx([0.0, 0.2, 0.4], abs=0.1)


@pytest.mark.interop
def test_a_lost_query_is_retransmitted() -> None:
    r = run_in_namespace("retransmit")
    assert r["address"] == ADDRESS
    assert 0.45 <= r["elapsed"] < 1.2  # answered after the retransmission at 0.5 s
    assert r["queries_sent"] == 2


@pytest.mark.interop
def test_cache_answers_without_sending_until_the_ttl_runs_out() -> None:
    r = run_in_namespace("cache")
    assert r["first"] == r["second"] == r["third"] == ADDRESS
    assert r["second_elapsed"] < 0.05
    assert r["after_second"] == [1, 1]  # nothing sent for the second (case-folded) name
    assert r["expired_cached"] is None
    assert r["after_third"] == [2, 2]
    assert r["after_goodbye"] is None  # a TTL 0 record removes the entry (RFC 6762 §10.1)


@pytest.mark.interop
def test_concurrent_requests_share_one_query() -> None:
    r = run_in_namespace("concurrent")
    assert r["results"] == [ADDRESS] * 5
    assert r["queries_sent"] == 1 and r["queries_seen"] == 1


@pytest.mark.interop
def test_answers_for_another_name_or_from_another_port_are_ignored() -> None:
    r = run_in_namespace("wrong_name")
    assert r["address"] is None and r["elapsed"] < 1.5
    assert r["responses_received"] >= 1  # answers arrived and were parsed ...
    assert r["other_cached"] is None  # ... but nothing about an unasked name was kept


def test_retransmit_schedule() -> None:
    assert retransmit_schedule(2.0) == pytest.approx([0.0, 2 / 3, 4 / 3])
    assert retransmit_schedule(0.6) == pytest.approx([0.0, 0.2, 0.4])
    # Never closer than 100 ms to the previous send.
    assert retransmit_schedule(0.2) == pytest.approx([0.0, 0.4 / 3])
    assert retransmit_schedule(0.1) == [0.0]


async def test_only_local_names_are_accepted_and_nothing_is_opened() -> None:
    resolver = MdnsResolver()
    for name in ("example.com", "local", ".local", "a.local.example", "a..local", ""):
        with pytest.raises(ValueError):
            await resolver.resolve(name)
    assert resolver.queries_sent == 0 and not resolver.listening
    assert resolver._sender is None  # no socket was opened for a rejected name
    with pytest.raises(ValueError):
        MdnsResolver(interface="not-an-address")
    resolver.close()
    with pytest.raises(RuntimeError):
        await resolver.resolve(NAME)


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(child_main(sys.argv[1:]))


@pytest.mark.interop
def test_ice_connection_resolves_a_hidden_host_candidate_and_connects() -> None:
    """Issue 3: a remote `.local` host candidate is resolved over mDNS and carries data."""
    r = run_in_namespace("ice_connection")
    assert r["signalled"] and all(".local " in c for c in r["signalled"])
    assert r["data"] == "over the resolved name"
    assert r["remote"][0] == "127.0.0.1"
    assert r["queries"] >= 1 and r["unresolved"] >= 1
