"""Memory a connected pair gives back: OpenSSL's memory BIOs grow to the largest record
that passed (16 KiB with an rtcpeer peer, RFC 8261 §5); the DTLS transport replaces them
once large records stop."""

from __future__ import annotations

import asyncio

import pytest

from rtcpeer.pc.dtls_transport import _BIO_RELEASE_DELAY
from tests.pc.test_datachannel import connected_pair


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


async def test_memory_bios_are_replaced_once_large_records_stop() -> None:
    a, b, channel, incoming = await connected_pair()
    assert a.sctp is not None
    transport = a.sctp.transport
    endpoint = transport.endpoint
    assert endpoint is not None
    first = endpoint._bio_in
    received: list[bytes] = []
    arrived = asyncio.Event()

    def on_message(message: bytes) -> None:
        received.append(message)
        arrived.set()

    incoming.on("message", on_message)
    channel.send(b"x" * 200_000)  # large records once PLPMTUD confirmed them, or its probes
    await asyncio.wait_for(arrived.wait(), 10.0)
    await asyncio.sleep(_BIO_RELEASE_DELAY * 4)
    assert endpoint._bio_in != first
    assert transport._release is None  # nothing pending once quiet
    arrived.clear()
    channel.send(b"still connected")
    await asyncio.wait_for(arrived.wait(), 10.0)
    assert received == [b"x" * 200_000, b"still connected"]
    await a.close()
    await b.close()
