"""Resolve remote ``.local`` ICE candidates with one-shot Multicast DNS queries (asyncio).

Browsers signal host candidates as ``<uuid>.local`` (draft-ietf-mmusic-mdns-ice-candidates);
:class:`MdnsResolver` turns such a name into an address with the one-shot query of
RFC 6762 §5.1: send a query to 224.0.0.251:5353 from an ephemeral port, take the first
answer, give up after a timeout. All DNS encoding and parsing is the sans-IO
:mod:`rtcpeer.mdns.message`; this module only owns the sockets, the timers and the cache.

How answers come back:

* An RFC 6762 responder answers a query from a port other than 5353 with a **legacy unicast
  response** to the query's source address and port (§6.7). The query socket receives it.
* **Chromium does not.** Its responder (``services/network/mdns_responder.cc``) always
  multicasts its answers to 224.0.0.251:5353, whatever the query's source port. So the
  resolver also listens on 224.0.0.251:5353 (``SO_REUSEADDR``/``SO_REUSEPORT``, sharing the
  port with Avahi or another stack) and takes multicast answers for the names it is asking
  about. It never *sends* from port 5353: that would claim to be a fully compliant
  querier (§5.1, §5.2). If port 5353 cannot be shared, it logs a warning and works with
  legacy unicast answers only.

Rules applied to what is received: only responses (QR set), with opcode and rcode 0
(§18.2, §18.3, §18.11), from source port 5353 (§6: responses from other ports MUST be
silently ignored). A and AAAA records of class IN are taken from the answer and the
additional sections (Chromium's negative response to an A query for a name it maps to an
IPv6 address carries the AAAA record as an additional record). Records for names nobody
asked about are ignored. A record with TTL 0 is a goodbye (§10.1); it removes the name from
the cache at once (without §10.1's one-second grace). The parse is tolerant
(see :func:`rtcpeer.mdns.parse_message`): Chromium's additional NSEC record does not stop
its answer from being used.

Queries: one question per message, ID 0, QU bit off (§5.1, §18.1, §18.12); the name is sent
exactly as given (Chromium compares it case-sensitively). Retransmission: like any
conventional resolver over UDP (RFC 1035 §4.2.1), the one-shot querier repeats an unanswered
query; :func:`retransmit_schedule` repeats it twice, at one and two thirds of the timeout
(never closer than 100 ms apart). Multicast TTL 255 (§11).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from dataclasses import dataclass, field
from typing import Any, Final

from rtcpeer.mdns import (
    CLASS_IN,
    MDNS_IPV4_GROUP,
    MDNS_PORT,
    TYPE_A,
    TYPE_AAAA,
    DnsError,
    Record,
    build_query,
    canonical_name,
    encode_name,
    parse_message,
)

__all__ = ["DEFAULT_TIMEOUT", "MAX_CACHE_TTL", "MdnsResolver", "retransmit_schedule"]

logger = logging.getLogger("rtcpeer.mdns")

#: RFC 6762 §5.1: "the timeout would also be shortened to two or three seconds".
DEFAULT_TIMEOUT: Final = 2.0
#: Cached answers live for their TTL, but never longer than this (seconds).
MAX_CACHE_TTL: Final = 3600
#: Retransmissions are at least this far apart (seconds).
MIN_RETRANSMIT_INTERVAL: Final = 0.1
#: RFC 6762 §11: mDNS packets are sent with IP TTL 255.
MULTICAST_TTL: Final = 255


def retransmit_schedule(timeout: float) -> list[float]:
    """When to send (seconds after the start): at once, then at 1/3 and 2/3 of ``timeout``,
    dropping retransmissions that would be closer than 100 ms to the previous send."""
    times = [0.0]
    for fraction in (1 / 3, 2 / 3):
        at = timeout * fraction
        if at - times[-1] >= MIN_RETRANSMIT_INTERVAL:
            times.append(at)
    return times


@dataclass
class _Query:
    """One outstanding question, shared by every concurrent caller asking for the name."""

    name: str
    future: asyncio.Future[str | None]
    waiters: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, resolver: MdnsResolver) -> None:
        self.resolver = resolver

    def datagram_received(self, data: bytes, addr: tuple[str | Any, ...]) -> None:
        self.resolver._datagram_received(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        self.resolver.socket_errors += 1
        logger.debug("mDNS socket error: %s", exc)


class MdnsResolver:
    """Resolve ``.local`` names with one-shot mDNS queries (RFC 6762 §5.1), with a TTL cache.

    ``interface`` is the local IPv4 address whose interface sends the queries
    (``IP_MULTICAST_IF``) and joins the group; ``None`` lets the routing table choose.
    ``query_aaaa`` also asks for AAAA records (a second message; over IPv4 multicast).
    ``listen_multicast=False`` skips the 224.0.0.251:5353 listener (legacy unicast answers
    only, which Chromium never sends). The sockets open on the first :meth:`resolve`.

    Counters for tests and diagnostics: ``queries_sent`` (query messages sent),
    ``responses_received`` (mDNS responses parsed), ``socket_errors``.
    """

    def __init__(
        self,
        *,
        interface: str | None = None,
        query_aaaa: bool = False,
        listen_multicast: bool = True,
        cache_size: int = 256,
    ) -> None:
        if interface is not None:
            interface = str(ipaddress.IPv4Address(interface))
        if cache_size < 1:
            raise ValueError("cache_size must be at least 1")
        self.interface = interface
        self.query_aaaa = query_aaaa
        self.listen_multicast = listen_multicast
        self.cache_size = cache_size
        self.queries_sent = 0
        self.responses_received = 0
        self.socket_errors = 0
        self._cache: dict[str, tuple[str, float]] = {}
        self._queries: dict[str, _Query] = {}
        self._sender: asyncio.DatagramTransport | None = None
        self._listener: asyncio.DatagramTransport | None = None
        self._open_lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    # ------------------------------------------------------------------ public API

    @property
    def listening(self) -> bool:
        """Whether the 224.0.0.251:5353 listener is open (multicast answers are received)."""
        return self._listener is not None

    def cached(self, name: str) -> str | None:
        """The cached, unexpired address of ``name``, without any network traffic."""
        entry = self._cache.get(canonical_name(name))
        if entry is None or self._loop is None:
            return None
        address, expires = entry
        return address if self._loop.time() < expires else None

    async def resolve(self, name: str, timeout: float = DEFAULT_TIMEOUT) -> str | None:
        """The address (IPv4 or IPv6 text) of the mDNS name ``name``; ``None`` if nobody
        answered within ``timeout`` seconds (or the resolver was closed meanwhile).

        Answered from the cache while the answer's TTL lasts. Concurrent calls for the same
        name (ASCII case-insensitive) share one query. Raises ``ValueError`` if ``name`` does
        not end in ``.local`` or is not a valid name, ``RuntimeError`` after :meth:`close`,
        and ``OSError`` if the query socket cannot be opened.
        """
        if self._closed:
            raise RuntimeError("MdnsResolver is closed")
        if name.endswith(".") and name != ".":
            name = name[:-1]
        key = canonical_name(name)
        if not key.endswith(".local") or key == ".local":
            raise ValueError(f"{name[:80]!r} is not a .local name (RFC 6762 §3)")
        encode_name(name)  # DnsNameError (a ValueError) for a name that cannot be sent
        loop = asyncio.get_running_loop()
        self._loop = loop
        address = self.cached(key)
        if address is not None:
            return address
        await self._open()
        if self._closed:
            return None
        query = self._queries.get(key)
        if query is None:
            query = _Query(name, loop.create_future())
            self._queries[key] = query
        if query.task is None or query.task.done():
            # A new query, or a late caller joining one whose retransmissions are over.
            query.task = loop.create_task(self._transmit(query, timeout))
        query.waiters += 1
        try:
            return await asyncio.wait_for(asyncio.shield(query.future), timeout)
        except TimeoutError:
            return None
        finally:
            query.waiters -= 1
            if query.waiters == 0 and self._queries.get(key) is query:
                del self._queries[key]
                if query.task is not None:
                    query.task.cancel()

    def close(self) -> None:
        """Close the sockets; pending :meth:`resolve` calls return ``None``."""
        self._closed = True
        for query in self._queries.values():
            if query.task is not None:
                query.task.cancel()
            if not query.future.done():
                query.future.set_result(None)
        self._queries.clear()
        for transport in (self._sender, self._listener):
            if transport is not None:
                transport.close()
        self._sender = self._listener = None

    async def __aenter__(self) -> MdnsResolver:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------------ sockets

    async def _open(self) -> None:
        async with self._open_lock:
            if self._sender is not None or self._closed:
                return
            loop = asyncio.get_running_loop()
            sender = self._sender_socket()
            transport, _ = await loop.create_datagram_endpoint(lambda: _Endpoint(self), sock=sender)
            self._sender = transport
            if self.listen_multicast:
                try:
                    listener = self._listener_socket()
                except OSError as exc:
                    logger.warning(
                        "mDNS: cannot listen on %s:%d (%s); only legacy unicast answers "
                        "(RFC 6762 §6.7) will be received",
                        MDNS_IPV4_GROUP,
                        MDNS_PORT,
                        exc,
                    )
                    return
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: _Endpoint(self), sock=listener
                )
                self._listener = transport

    def _sender_socket(self) -> socket.socket:
        """The query socket: an ephemeral port (RFC 6762 §5.1 forbids 5353 for one-shot)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, MULTICAST_TTL)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
            if self.interface is not None:
                sock.setsockopt(
                    socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(self.interface)
                )
            sock.bind(("0.0.0.0", 0))
        except OSError:
            sock.close()
            raise
        return sock

    def _listener_socket(self) -> socket.socket:
        """A socket on 224.0.0.251:5353 (shared with other mDNS stacks) for answers that are
        multicast instead of unicast back (Chromium)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
        try:
            sock.setblocking(False)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if hasattr(socket, "SO_REUSEPORT"):
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            try:
                # Linux: binding to the group receives only datagrams sent to the group.
                sock.bind((MDNS_IPV4_GROUP, MDNS_PORT))
            except OSError:
                sock.bind(("0.0.0.0", MDNS_PORT))
            interface = socket.inet_aton(self.interface or "0.0.0.0")
            membership = socket.inet_aton(MDNS_IPV4_GROUP) + interface
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
        except OSError:
            sock.close()
            raise
        return sock

    # ------------------------------------------------------------------ sending

    async def _transmit(self, query: _Query, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for at in retransmit_schedule(timeout):
            delay = start + at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if query.future.done() or self._sender is None:
                return
            for qtype in (TYPE_A, TYPE_AAAA) if self.query_aaaa else (TYPE_A,):
                self._sender.sendto(build_query(query.name, qtype), (MDNS_IPV4_GROUP, MDNS_PORT))
                self.queries_sent += 1

    # ------------------------------------------------------------------ receiving

    def _datagram_received(self, data: bytes, source: tuple[str, int]) -> None:
        if source[1] != MDNS_PORT:
            return  # RFC 6762 §6: responses not from port 5353 MUST be silently ignored
        try:
            message = parse_message(data)
        except DnsError as exc:
            logger.debug("mDNS: ignoring a malformed message from %s: %s", source[0], exc)
            return
        header = message.header
        if not header.is_response or header.opcode or header.rcode:
            return  # queries (ours, others'); RFC 6762 §18.3, §18.11
        self.responses_received += 1
        records = [*message.answers, *message.additionals]
        # An A answer is preferred to an AAAA one arriving in the same message.
        records.sort(key=lambda record: record.rtype != TYPE_A)
        for record in records:
            self._take(record)

    def _take(self, record: Record) -> None:
        if record.record_class != CLASS_IN or record.rtype not in (TYPE_A, TYPE_AAAA):
            return
        address = record.address
        if address is None:
            return
        key = canonical_name(record.name)
        query = self._queries.get(key)
        if query is None and key not in self._cache:
            return  # nobody asked for this name
        if record.ttl == 0:
            self._cache.pop(key, None)  # RFC 6762 §10.1 goodbye
            return
        assert self._loop is not None
        now = self._loop.time()
        if key not in self._cache and len(self._cache) >= self.cache_size:
            self._evict(now)
        self._cache[key] = (address, now + min(record.ttl, MAX_CACHE_TTL))
        if query is not None and not query.future.done():
            query.future.set_result(address)

    def _evict(self, now: float) -> None:
        for key in [key for key, (_, expires) in self._cache.items() if expires <= now]:
            del self._cache[key]
        while len(self._cache) >= self.cache_size:
            del self._cache[min(self._cache, key=lambda key: self._cache[key][1])]
