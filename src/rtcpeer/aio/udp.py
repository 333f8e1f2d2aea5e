"""One bound UDP socket on the event loop, read in batches.

asyncio's datagram transport reads one datagram each time the selector reports the socket
readable, so a burst of N packets costs N trips through the event loop, and everything a
packet causes upstream (an SCTP SACK, a send of the next packets) runs N times. A
:class:`UdpSocket` registers the socket with ``loop.add_reader`` itself and, on each
wake-up, reads until the kernel has nothing more (at most :data:`READ_BATCH` datagrams, so
other sockets and timers still get their turn). What the datagrams cause is then done once
for the batch: the layers above defer their output with ``call_soon``, which runs after
this reader returns.

Sending writes straight to the socket. When the kernel's send buffer is full, datagrams
wait in a queue and go out when the socket is writable again, as asyncio's transport does;
the queue is bounded (:data:`MAX_QUEUED_BYTES`) and what does not fit is dropped and
counted, as a router would drop it (SCTP and ICE retransmit).

Loops without ``add_reader`` (Windows' proactor loop) get asyncio's own datagram transport
behind the same interface (:func:`open_udp_socket`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import socket
from collections.abc import Callable
from typing import Any, Protocol, cast

Address = tuple[str, int]

#: Datagrams read per wake-up at most (a window of SCTP packets is a few hundred).
READ_BATCH = 64
#: Largest datagram read (UDP's limit; a DTLS record is at most 2^14 + overhead).
RECV_SIZE = 65536
#: Socket buffer size asked for (Linux doubles it for its own bookkeeping; the kernel caps
#: it at net.core.rmem_max / wmem_max). A window of SCTP packets (up to the 1 MiB receive
#: window) arrives as one burst: the default 208 KiB would drop most of it.
SOCKET_BUFFER = 2 * 1024 * 1024
#: Bytes that may wait for a full send buffer to drain before datagrams are dropped.
MAX_QUEUED_BYTES = 1024 * 1024

#: ``receive(data, local, remote)``: one datagram that arrived at ``local`` from ``remote``.
Receiver = Callable[[bytes, Address, Address], None]


class DatagramSocket(Protocol):
    """What :class:`~rtcpeer.aio.IceConnection` needs of a bound socket."""

    local: Address
    #: Errors the socket reported (ICMP unreachable and the like), and datagrams dropped
    #: because the send queue was full.
    errors: int
    dropped: int

    def sendto(self, data: bytes, remote: Address) -> None: ...

    def close(self) -> None: ...


class UdpSocket:
    """A non-blocking UDP socket read with ``add_reader`` (see the module docstring)."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, sock: socket.socket, receive: Receiver
    ) -> None:
        sock.setblocking(False)
        name = sock.getsockname()
        self.local: Address = (str(name[0]), int(name[1]))
        self.errors = 0
        self.dropped = 0
        self._loop = loop
        self._sock = sock
        self._receive = receive
        self._queue: collections.deque[tuple[bytes, Address]] = collections.deque()
        self._queued = 0
        loop.add_reader(sock.fileno(), self._read_ready)

    def _read_ready(self) -> None:
        recvfrom = self._sock.recvfrom
        receive = self._receive
        local = self.local
        for _ in range(READ_BATCH):
            try:
                data, remote = recvfrom(RECV_SIZE)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # An error queued on the socket (ICMP port unreachable on Linux): ICE learns
                # of dead paths by its own timeouts; the error is only counted.
                self.errors += 1
                continue
            receive(data, local, (remote[0], remote[1]))

    def sendto(self, data: bytes, remote: Address) -> None:
        if self._queue:
            self._enqueue(data, remote)
            return
        try:
            self._sock.sendto(data, remote)
        except (BlockingIOError, InterruptedError):
            self._enqueue(data, remote)
            self._loop.add_writer(self._sock.fileno(), self._write_ready)
        except OSError:
            self.errors += 1  # no route, message too long ...: the datagram is lost

    def _enqueue(self, data: bytes, remote: Address) -> None:
        if self._queued + len(data) > MAX_QUEUED_BYTES:
            self.dropped += 1
            return
        self._queue.append((data, remote))
        self._queued += len(data)

    def _write_ready(self) -> None:
        queue = self._queue
        while queue:
            data, remote = queue[0]
            try:
                self._sock.sendto(data, remote)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.errors += 1
            queue.popleft()
            self._queued -= len(data)
        self._loop.remove_writer(self._sock.fileno())

    def close(self) -> None:
        if self._sock.fileno() < 0:
            return
        self._loop.remove_reader(self._sock.fileno())
        if self._queue:
            self._loop.remove_writer(self._sock.fileno())
            self._queue.clear()
            self._queued = 0
        self._sock.close()


class _TransportSocket(asyncio.DatagramProtocol):
    """The same interface over asyncio's datagram transport (loops without add_reader)."""

    def __init__(self, receive: Receiver) -> None:
        self._receive = receive
        self.transport: asyncio.DatagramTransport | None = None
        self.local: Address = ("", 0)
        self.errors = 0
        self.dropped = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)
        name = transport.get_extra_info("sockname")
        self.local = (str(name[0]), int(name[1]))

    def datagram_received(self, data: bytes, addr: tuple[str | Any, ...]) -> None:
        self._receive(data, self.local, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        self.errors += 1

    def sendto(self, data: bytes, remote: Address) -> None:
        if self.transport is not None:
            self.transport.sendto(data, remote)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def _bound_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


async def open_udp_socket(host: str, port: int, receive: Receiver) -> DatagramSocket:
    """A UDP socket bound to (host, port) that calls ``receive`` for each datagram.
    Raises OSError when the address cannot be bound."""
    loop = asyncio.get_running_loop()
    sock = _bound_socket(host, port)
    try:
        return UdpSocket(loop, sock, receive)
    except NotImplementedError:
        pass  # the proactor loop has no add_reader
    sock.close()
    _, protocol = await loop.create_datagram_endpoint(
        lambda: _TransportSocket(receive), local_addr=(host, port)
    )
    return protocol
