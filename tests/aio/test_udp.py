"""UdpSocket: batched reads on loopback, a bounded send queue, and the fallback transport."""

from __future__ import annotations

import asyncio
import socket

import pytest

from rtcpeer.aio import udp
from rtcpeer.aio.udp import UdpSocket, open_udp_socket

Address = tuple[str, int]


async def test_a_burst_is_read_in_few_wake_ups_and_in_order() -> None:
    received: list[bytes] = []
    wake_ups = 0
    got_all = asyncio.Event()

    def receive(data: bytes, local: Address, remote: Address) -> None:
        received.append(data)
        if len(received) == 200:
            got_all.set()

    sock = await open_udp_socket("127.0.0.1", 0, receive)
    assert isinstance(sock, UdpSocket)
    read_ready = sock._read_ready

    def counting() -> None:
        nonlocal wake_ups
        wake_ups += 1
        read_ready()

    loop = asyncio.get_running_loop()
    loop.remove_reader(sock._sock.fileno())
    loop.add_reader(sock._sock.fileno(), counting)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for n in range(200):  # all queued in the kernel before the loop runs again
            sender.sendto(n.to_bytes(2, "big"), sock.local)
        await asyncio.wait_for(got_all.wait(), 5.0)
    finally:
        sender.close()
        sock.close()
    assert received == [n.to_bytes(2, "big") for n in range(200)]
    assert wake_ups <= 200 // udp.READ_BATCH + 2


async def test_sendto_and_the_local_and_remote_addresses() -> None:
    arrived: asyncio.Future[tuple[bytes, Address, Address]] = (
        asyncio.get_running_loop().create_future()
    )

    def receive(data: bytes, local: Address, remote: Address) -> None:
        if not arrived.done():
            arrived.set_result((data, local, remote))

    a = await open_udp_socket("127.0.0.1", 0, lambda *_: None)
    b = await open_udp_socket("127.0.0.1", 0, receive)
    try:
        a.sendto(b"hello", b.local)
        data, local, remote = await asyncio.wait_for(arrived, 5.0)
    finally:
        a.close()
        b.close()
    assert (data, local, remote) == (b"hello", b.local, a.local)
    a.close()  # idempotent


class _FullSocket:
    """A socket whose send buffer is full until ``drain`` is set."""

    def __init__(self, real: socket.socket) -> None:
        self.real = real
        self.drain = False
        self.sent: list[bytes] = []

    def sendto(self, data: bytes, remote: Address) -> int:
        if not self.drain:
            raise BlockingIOError
        self.sent.append(data)
        return len(data)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


async def test_a_full_send_buffer_queues_in_order_then_drops_and_counts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(udp, "MAX_QUEUED_BYTES", 1000)
    sock = await open_udp_socket("127.0.0.1", 0, lambda *_: None)
    assert isinstance(sock, UdpSocket)
    full = _FullSocket(sock._sock)
    sock._sock = full  # type: ignore[assignment]
    for n in range(15):  # 100 bytes each: ten fit the queue
        sock.sendto(bytes([n]) * 100, ("127.0.0.1", 9))
    assert sock.dropped == 5
    full.drain = True
    sock._write_ready()  # what the loop calls once the socket is writable
    assert full.sent == [bytes([n]) * 100 for n in range(10)]
    sock.sendto(b"next", ("127.0.0.1", 9))  # the queue is empty: straight out
    assert full.sent[-1] == b"next"
    sock._sock = full.real
    sock.close()


async def test_a_loop_without_add_reader_gets_the_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()

    def unsupported(*_: object) -> None:
        raise NotImplementedError

    monkeypatch.setattr(loop, "add_reader", unsupported)
    arrived = asyncio.Event()
    b = await open_udp_socket("127.0.0.1", 0, lambda *_: arrived.set())
    monkeypatch.undo()
    a = await open_udp_socket("127.0.0.1", 0, lambda *_: None)
    try:
        assert not isinstance(b, UdpSocket)
        a.sendto(b"x", b.local)
        await asyncio.wait_for(arrived.wait(), 5.0)
    finally:
        a.close()
        b.close()
