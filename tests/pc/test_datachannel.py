"""Data channels between two RTCPeerConnections on loopback (issue 5): DCEP open, strings
and binary both ways, large messages, closing by stream reset."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from rtcpeer import RTCDataChannel, RTCPeerConnection
from rtcpeer.pc import errors as rtcpeer_errors
from tests.pc.test_loopback import negotiate, trickle


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


async def connected_pair() -> tuple[
    RTCPeerConnection, RTCPeerConnection, RTCDataChannel, RTCDataChannel
]:
    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    channel = a.createDataChannel("chat", protocol="p1")
    opened = asyncio.Event()
    channel.on("open", opened.set)
    remote: asyncio.Future[RTCDataChannel] = asyncio.get_running_loop().create_future()

    @b.on("datachannel")
    def on_datachannel(incoming: RTCDataChannel) -> None:
        if not remote.done():
            remote.set_result(incoming)

    await negotiate(a, b)
    await asyncio.wait_for(opened.wait(), 10.0)
    incoming = await asyncio.wait_for(remote, 10.0)
    return a, b, channel, incoming


async def test_open_and_echo_strings_and_binary_both_ways() -> None:
    a, b, channel, incoming = await connected_pair()
    assert (incoming.label, incoming.protocol, incoming.id) == ("chat", "p1", channel.id)
    assert a.connectionState == "connected" and a.sctp is not None
    assert a.sctp.state == "connected" and a.sctp.maxMessageSize == 262144
    got_b: list[object] = []
    got_a: list[object] = []
    done = asyncio.Event()
    messages: list[str | bytes] = ["hello", "", b"\x00\x01binary", b"", "ünïcødé", b"x" * 100_000]

    def on_b(message: str | bytes) -> None:
        got_b.append(message)
        incoming.send(message)

    def on_a(message: object) -> None:
        got_a.append(message)
        if len(got_a) == len(messages):
            done.set()

    incoming.on("message", on_b)
    channel.on("message", on_a)
    for message in messages:
        channel.send(message)
    await asyncio.wait_for(done.wait(), 10.0)
    assert got_b == messages and got_a == messages
    await a.close()
    await b.close()


async def test_channels_from_both_sides_and_closing() -> None:
    a, b, channel, incoming = await connected_pair()
    # b opens one of its own, after the first negotiation: no renegotiation is needed.
    from_b = b.createDataChannel("back")
    announced: asyncio.Future[RTCDataChannel] = asyncio.get_running_loop().create_future()
    a.on("datachannel", lambda ch: announced.set_result(ch))
    other = await asyncio.wait_for(announced, 10.0)
    assert other.label == "back" and other.id is not None and other.id % 2 != channel.id % 2  # type: ignore[operator]
    closed = asyncio.Event()
    incoming.on("close", closed.set)
    channel.close()
    await asyncio.wait_for(closed.wait(), 10.0)
    assert channel.readyState in ("closing", "closed") and incoming.readyState == "closed"
    assert from_b.readyState == "open"
    await a.close()
    await b.close()
    assert from_b.readyState == "closed"


async def test_restart_under_load_loses_nothing() -> None:
    """Issue 5: 1,000 messages sent while restartIce() runs all arrive, in order."""
    a, b, channel, incoming = await connected_pair()
    count = 1000
    got: list[str | bytes] = []
    done = asyncio.Event()

    def on_message(message: str | bytes) -> None:
        got.append(message)
        if len(got) == count:
            done.set()

    incoming.on("message", on_message)
    old = a.iceTransport.getLocalParameters()
    for i in range(count):
        channel.send(f"m{i}")
        if i == 100:
            a.restartIce()
            task = asyncio.ensure_future(negotiate(a, b))
        if i % 50 == 0:
            await asyncio.sleep(0.01)  # the sender's pace, not synchronisation
    await asyncio.wait_for(task, 10.0)
    await asyncio.wait_for(done.wait(), 20.0)
    assert got == [f"m{i}" for i in range(count)]
    new = a.iceTransport.getLocalParameters()
    assert old is not None and new is not None and new.usernameFragment != old.usernameFragment
    assert a.connectionState == "connected"
    await a.close()
    await b.close()


async def test_negotiated_channels_and_partial_reliability() -> None:
    """In-band (DCEP) and negotiated channels side by side; unordered and partially reliable
    options travel in DATA_CHANNEL_OPEN (RFC 8832 §5.1)."""
    a, b, _, _ = await connected_pair()
    # Negotiated: both sides create it with the same id; no DCEP, no datachannel event.
    left = a.createDataChannel("n", negotiated=True, id=42)
    right = b.createDataChannel("n", negotiated=True, id=42)
    assert left.readyState == "open" and right.readyState == "open"
    got: asyncio.Future[str | bytes] = asyncio.get_running_loop().create_future()

    def first(future: asyncio.Future[Any]) -> Callable[[Any], None]:
        def handler(value: Any) -> None:
            if not future.done():
                future.set_result(value)

        return handler

    right.on("message", first(got))
    left.send("negotiated")
    assert await asyncio.wait_for(got, 5.0) == "negotiated"
    # Partially reliable and unordered options arrive with the channel.
    announced: asyncio.Future[RTCDataChannel] = asyncio.get_running_loop().create_future()
    b.on("datachannel", first(announced))
    a.createDataChannel("lossy", ordered=False, maxPacketLifeTime=150)
    lossy = await asyncio.wait_for(announced, 5.0)
    assert (lossy.ordered, lossy.maxPacketLifeTime, lossy.maxRetransmits) == (False, 150, None)
    await a.close()
    await b.close()


async def test_buffered_amount_low_and_too_large_messages() -> None:
    a, b, channel, _ = await connected_pair()
    assert a.sctp is not None
    low = asyncio.Event()
    channel.bufferedAmountLowThreshold = 1000
    channel.on("bufferedamountlow", low.set)
    for _ in range(20):
        channel.send(b"y" * 60_000)
    assert channel.bufferedAmount > 1000
    await asyncio.wait_for(low.wait(), 10.0)
    assert channel.bufferedAmount <= 1000
    with pytest.raises(TypeError):
        channel.send(b"z" * (a.sctp.maxMessageSize + 1))
    await a.close()
    await b.close()
    with pytest.raises(rtcpeer_errors.InvalidStateError):
        channel.send("after close")


async def test_buffered_amount_low_fires_when_one_pump_drains_everything() -> None:
    """webrtc-pc §6.2: a rise above the threshold and the fall back within one step of the
    transport (a small burst that is sent at once) still fires bufferedamountlow."""
    a, b, channel, _ = await connected_pair()
    low = asyncio.Event()
    channel.bufferedAmountLowThreshold = 1000
    channel.on("bufferedamountlow", low.set)
    channel.send(b"x" * 600)
    channel.send(b"x" * 600)  # 1,200 bytes queued, all of it sent by the next pump
    assert channel.bufferedAmount > 1000
    await asyncio.wait_for(low.wait(), 5.0)
    assert channel.bufferedAmount <= 1000
    await a.close()
    await b.close()


async def test_a_raising_message_handler_breaks_nothing() -> None:
    a, b, channel, incoming = await connected_pair()
    seen: list[str | bytes] = []
    done = asyncio.Event()

    def bad(message: str | bytes) -> None:
        seen.append(message)
        if len(seen) == 3:
            done.set()
        raise RuntimeError("application bug")

    incoming.on("message", bad)
    for text in ("one", "two", "three"):
        channel.send(text)
    await asyncio.wait_for(done.wait(), 5.0)
    assert seen == ["one", "two", "three"] and a.connectionState == "connected"
    await a.close()
    await b.close()
