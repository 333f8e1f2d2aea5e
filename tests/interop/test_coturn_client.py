"""The sans-IO TURN client against a real coturn on 127.0.0.1, over UDP, TCP and TLS.

A small asyncio driver (in this file, on purpose: the library's own adapter is tested by
``test_turn_relay.py``) moves the client's bytes over a socket and its timers onto the
loop. Two allocations relay data to each other, an allocation talks to a plain UDP
socket, and the failures (wrong password, untrusted certificate, nobody listening)
come out as events with the right error codes.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from typing import Any

import pytest

from rtcpeer.turn import (
    AllocationClosed,
    AllocationFailed,
    AllocationSucceeded,
    ChannelBound,
    DataReceived,
    PermissionCreated,
    TurnClient,
    TurnConfig,
    TurnEvent,
    TurnState,
)

from .coturn import Coturn, CoturnUnavailable, running_coturn

pytestmark = pytest.mark.interop
TRANSPORTS = ["udp", "tcp", "tls"]
TIMEOUT = 10.0


@pytest.fixture(scope="module")
def coturn() -> Iterator[Coturn]:
    try:
        with running_coturn() as server:
            yield server
    except CoturnUnavailable as exc:
        pytest.skip(str(exc))


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, driver: Driver) -> None:
        self.driver = driver

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.driver.client.handle_datagram(self.driver.now(), data)
        self.driver.pump()


class Driver:
    """Runs one TurnClient over a real socket on the running loop."""

    def __init__(
        self, server: Coturn, transport: str, *, password: str | None = None, ca: str | None = None
    ) -> None:
        port = server.tls_port if transport == "tls" else server.port
        self.client = TurnClient(
            (server.host, port),
            server.username,
            password if password is not None else server.password,
            transport=transport,
            config=TurnConfig(rto=0.1, max_transmissions=4, final_wait_factor=4, stream_timeout=3),
        )
        self.ca = ca if ca is not None else server.ca_file
        self.loop = asyncio.get_running_loop()
        self.events: list[TurnEvent] = []
        self._changed = asyncio.Event()
        self._udp: asyncio.DatagramTransport | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def now(self) -> float:
        return self.loop.time()

    async def start(self) -> None:
        client = self.client
        if client.transport == "udp":
            transport, _ = await self.loop.create_datagram_endpoint(
                lambda: _Udp(self), local_addr=("127.0.0.1", 0), remote_addr=client.server
            )
            self._udp = transport
        else:
            context: ssl.SSLContext | None = None
            if client.transport == "tls":
                context = ssl.create_default_context(cafile=self.ca or None)
            try:
                reader, writer = await asyncio.open_connection(*client.server, ssl=context)
            except (OSError, ssl.SSLError) as exc:
                client.connection_lost(self.now(), f"cannot connect: {exc}")
                self.pump()
                return
            self._writer = writer
            self._reader_task = asyncio.ensure_future(self._read(reader))
        client.allocate(self.now())
        self.pump()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while data := await reader.read(65536):
            self.client.handle_stream_data(self.now(), data)
            self.pump()
        self.client.connection_lost(self.now(), "connection closed")
        self.pump()

    def pump(self) -> None:
        client = self.client
        if self._udp is not None:
            for datagram in client.datagrams_to_send():
                self._udp.sendto(datagram)
        elif self._writer is not None:
            data = client.data_to_send()
            if data:
                self._writer.write(data)
        while (event := client.next_event()) is not None:
            self.events.append(event)
            self._changed.set()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = client.get_timer()
        if deadline is not None:
            self._timer = self.loop.call_at(deadline, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self.client.handle_timer(self.now())
        self.pump()

    async def wait_for(self, kind: type[TurnEvent], timeout: float = TIMEOUT) -> Any:
        async def wait() -> Any:
            while True:
                for event in self.events:
                    if isinstance(event, kind):
                        self.events.remove(event)
                        return event
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(wait(), timeout)

    async def close(self) -> None:
        self.client.close(self.now())
        self.pump()
        if self.client.state is not TurnState.CLOSED:
            await self.wait_for(AllocationClosed, 5.0)
        if self._timer is not None:
            self._timer.cancel()
        if self._udp is not None:
            self._udp.close()
        if self._writer is not None:
            self._writer.close()
        if self._reader_task is not None:
            self._reader_task.cancel()


async def allocate(server: Coturn, transport: str) -> tuple[Driver, AllocationSucceeded]:
    driver = Driver(server, transport)
    await driver.start()
    event = await driver.wait_for(AllocationSucceeded)
    return driver, event


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_two_allocations_relay_to_each_other(coturn: Coturn, transport: str) -> None:
    a, allocation_a = await allocate(coturn, transport)
    b, allocation_b = await allocate(coturn, "udp")
    assert allocation_a.relayed[0] == "127.0.0.1" and allocation_a.lifetime > 0
    assert allocation_a.relayed != allocation_b.relayed
    # Each side needs a permission for the other's relayed address before data passes.
    b.client.create_permission(b.now(), allocation_a.relayed[0])
    b.pump()
    await b.wait_for(PermissionCreated)
    a.client.send(a.now(), allocation_b.relayed, b"ping")
    a.pump()
    got = await b.wait_for(DataReceived)
    assert (got.peer, got.data) == (allocation_a.relayed, b"ping")
    b.client.send(b.now(), allocation_a.relayed, b"pong")
    b.pump()
    got = await a.wait_for(DataReceived)
    assert (got.peer, got.data) == (allocation_b.relayed, b"pong")
    # Both sides bound channels on their first send: data now goes as ChannelData.
    bound = await a.wait_for(ChannelBound)
    assert bound.peer == allocation_b.relayed
    await b.wait_for(ChannelBound)
    for i in range(20):
        size = 1 + 97 * i  # odd sizes exercise ChannelData padding over TCP/TLS
        a.client.send(a.now(), allocation_b.relayed, bytes([i]) * size)
        a.pump()
        got = await b.wait_for(DataReceived)
        assert got.data == bytes([i]) * size and got.channel is not None
    await a.close()
    await b.close()
    assert a.client.state is TurnState.CLOSED and b.client.state is TurnState.CLOSED
    for driver in (a, b):
        assert not {k for k in driver.client.stats if "malformed" in k or "junk" in k}


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_allocation_and_a_plain_udp_socket(coturn: Coturn, transport: str) -> None:
    a, allocation = await allocate(coturn, transport)
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.setblocking(False)
    peer_address = peer.getsockname()
    loop = asyncio.get_running_loop()
    try:
        a.client.send(a.now(), peer_address, b"to the peer")
        a.pump()
        data, source = await asyncio.wait_for(loop.sock_recvfrom(peer, 2048), TIMEOUT)
        assert (data, source) == (b"to the peer", allocation.relayed)
        await loop.sock_sendto(peer, b"back through the relay", allocation.relayed)
        got = await a.wait_for(DataReceived)
        assert (got.peer, got.data) == (peer_address, b"back through the relay")
    finally:
        peer.close()
    await a.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_wrong_password_is_401(coturn: Coturn, transport: str) -> None:
    driver = Driver(coturn, transport, password="not the password")
    await driver.start()
    failed = await driver.wait_for(AllocationFailed)
    assert failed.error_code == 401
    await driver.close()


async def test_untrusted_certificate_is_701(coturn: Coturn) -> None:
    driver = Driver(coturn, "tls", ca=coturn.other_ca_file)
    await driver.start()
    failed = await driver.wait_for(AllocationFailed)
    assert failed.error_code == 701
    assert "certificate verify failed" in failed.error_text.lower()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_nobody_listening_is_701(transport: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        dead = Coturn("127.0.0.1", port, port, "", "", "")
        driver = Driver(dead, transport, ca="")
        await driver.start()
        failed = await driver.wait_for(AllocationFailed)
    assert failed.error_code == 701
