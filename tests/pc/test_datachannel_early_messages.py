"""Messages that arrive in the same batch of packets as the DATA_CHANNEL_OPEN that announces
their channel (RFC 8832 §6.5 lets the peer send at once) reach a listener attached in the
datachannel event, sync or async, in order (webrtc-pc §6.2: the message events are queued
after the datachannel and open events). They used to be dropped: found by the Chromium
``rtcpeer serve`` test once UDP reads were batched."""

from __future__ import annotations

import asyncio

import pytest

from rtcpeer import RTCDataChannel
from rtcpeer.pc.dcep import PPID_BINARY, PPID_DCEP, PPID_STRING, DataChannelOpen
from rtcpeer.sctp.events import MessageReceived
from tests.pc.test_datachannel import connected_pair


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


@pytest.mark.parametrize("handler", ["sync", "async"])
async def test_messages_in_the_batch_of_the_open_are_delivered_in_order(handler: str) -> None:
    a, b, _, _ = await connected_pair()
    got: list[bytes | str] = []
    events: list[str] = []
    done = asyncio.Event()

    def attach(channel: RTCDataChannel) -> None:
        events.append(f"datachannel {channel.label}")
        channel.on("open", lambda: events.append("open"))

        def on_message(message: bytes | str) -> None:
            got.append(message)
            if len(got) == 3:
                done.set()

        channel.on("message", on_message)

    if handler == "sync":
        b.on("datachannel", attach)
    else:

        async def attach_later(channel: RTCDataChannel) -> None:
            attach(channel)

        b.on("datachannel", attach_later)
    # One pump's worth of events, as the association hands them over after a batch: the
    # OPEN of stream 100 (even: the DTLS client's side would open it) and three messages.
    sid = 100 if b._sctp._client is False else 101
    sctp = b._sctp
    sctp._message(MessageReceived(sid, PPID_DCEP, DataChannelOpen("late").encode(), True))
    sctp._message(MessageReceived(sid, PPID_STRING, b"one", True))
    sctp._message(MessageReceived(sid, PPID_BINARY, b"two", True))
    await asyncio.sleep(0)  # a message after the datachannel event, before the held ones
    sctp._message(MessageReceived(sid, PPID_STRING, b"three", True))
    await asyncio.wait_for(done.wait(), 5.0)
    assert got == ["one", b"two", "three"]
    # A coroutine handler's first step runs after the open event (pyee schedules it as a
    # task, as aiortc's does): it still gets every message, but not "open".
    assert events == (["datachannel late", "open"] if handler == "sync" else ["datachannel late"])
    await a.close()
    await b.close()


async def test_held_messages_are_dropped_if_the_channel_closes_first() -> None:
    channel = RTCDataChannel("x", id=3)
    seen: list[bytes | str] = []
    channel.on("message", seen.append)
    channel._deliver("early")
    channel._set_closed()
    channel._set_open()  # no effect once closed
    await asyncio.sleep(0)
    assert seen == []
    assert channel._held is None


async def test_only_channels_with_buffered_data_are_watched_for_bufferedamountlow() -> None:
    """webrtc-pc §6.2 bufferedamountlow, checked after each transport step only for the
    channels that have data buffered: a connection with many idle channels pays nothing."""
    a, b, channel, _ = await connected_pair()
    idle = [a.createDataChannel(f"idle{n}") for n in range(50)]
    low = asyncio.Event()
    channel.bufferedAmountLowThreshold = 1000
    channel.on("bufferedamountlow", low.set)
    assert a._sctp._draining == set()
    for _ in range(20):
        channel.send(bytes(16384))
    assert a._sctp._draining == {channel}
    await asyncio.wait_for(low.wait(), 10.0)

    async def drained() -> None:
        while a._sctp._draining:  # left at the first step that finds nothing buffered
            await asyncio.sleep(0.01)

    await asyncio.wait_for(drained(), 10.0)
    assert channel.bufferedAmount == 0
    assert all(c.readyState == "open" for c in idle)
    await a.close()
    await b.close()
