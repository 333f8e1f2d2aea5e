"""rtcpeer's RTCPeerConnection against aiortc's (a real, independent WebRTC stack), on
127.0.0.1: each side offers in turn, a data channel opens, messages of every size pass
both ways (issue 5). aiortc does not trickle, so each side hands over its complete
description once gathering is done."""

from __future__ import annotations

import asyncio
from typing import Any

import aioice.ice
import aiortc
import pytest

import rtcpeer

pytestmark = pytest.mark.interop

SIZES = [0, 1, 1000, 1200, 16 * 1024, 64 * 1024, 200 * 1024]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


async def gathered(pc: rtcpeer.RTCPeerConnection) -> None:
    done = asyncio.Event()

    @pc.on("icegatheringstatechange")
    def on_change() -> None:
        if pc.iceGatheringState == "complete":
            done.set()

    if pc.iceGatheringState != "complete":
        await asyncio.wait_for(done.wait(), 10.0)


def messages() -> list[str | bytes]:
    out: list[str | bytes] = []
    for size in SIZES:
        out.append(bytes(i % 251 for i in range(size)))
        out.append("é" * (size // 2))
    return out


async def echo_through(channel: Any, peer_channel: Any) -> None:
    """Send every message on ``channel``; the peer echoes; all come back in order."""
    expected = messages()
    got: list[str | bytes] = []
    done = asyncio.Event()
    peer_channel.on("message", lambda m: peer_channel.send(m))

    def on_message(message: str | bytes) -> None:
        got.append(message)
        if len(got) == len(expected):
            done.set()

    channel.on("message", on_message)

    for message in expected:
        channel.send(message)
    await asyncio.wait_for(done.wait(), 20.0)
    assert got == expected


async def test_rtcpeer_offers_aiortc_answers() -> None:
    ours = rtcpeer.RTCPeerConnection()
    theirs = aiortc.RTCPeerConnection()
    channel = ours.createDataChannel("chat", protocol="proto")
    opened = asyncio.Event()
    channel.on("open", opened.set)
    remote: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    theirs.on("datachannel", lambda ch: remote.set_result(ch))
    await ours.setLocalDescription()
    await gathered(ours)
    assert ours.localDescription is not None
    await theirs.setRemoteDescription(
        aiortc.RTCSessionDescription(sdp=ours.localDescription.sdp, type="offer")
    )
    await theirs.setLocalDescription(await theirs.createAnswer())
    await ours.setRemoteDescription(
        rtcpeer.RTCSessionDescription(sdp=theirs.localDescription.sdp, type="answer")
    )
    await asyncio.wait_for(opened.wait(), 15.0)
    their_channel = await asyncio.wait_for(remote, 15.0)
    assert (their_channel.label, their_channel.protocol) == ("chat", "proto")
    assert ours.connectionState == "connected"
    await echo_through(channel, their_channel)
    # Closing from rtcpeer's side closes aiortc's channel too.
    closed = asyncio.Event()
    their_channel.on("close", closed.set)
    channel.close()
    await asyncio.wait_for(closed.wait(), 10.0)
    await ours.close()
    await theirs.close()


async def test_aiortc_offers_rtcpeer_answers() -> None:
    theirs = aiortc.RTCPeerConnection()
    ours = rtcpeer.RTCPeerConnection()
    their_channel = theirs.createDataChannel("from-aiortc", ordered=False, maxRetransmits=3)
    opened = asyncio.Event()
    their_channel.on("open", opened.set)
    remote: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    ours.on("datachannel", lambda ch: remote.set_result(ch))
    await theirs.setLocalDescription(await theirs.createOffer())
    await ours.setRemoteDescription(
        rtcpeer.RTCSessionDescription(sdp=theirs.localDescription.sdp, type="offer")
    )
    await ours.setLocalDescription()
    await gathered(ours)
    assert ours.localDescription is not None
    await theirs.setRemoteDescription(
        aiortc.RTCSessionDescription(sdp=ours.localDescription.sdp, type="answer")
    )
    await asyncio.wait_for(opened.wait(), 15.0)
    channel = await asyncio.wait_for(remote, 15.0)
    assert channel.label == "from-aiortc" and channel.ordered is False
    assert channel.maxRetransmits == 3
    # Reliable echo over a reliable channel of ours in the other direction.
    ours_reliable = ours.createDataChannel("reliable")
    announced: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    theirs.on("datachannel", lambda ch: announced.set_result(ch))
    peer = await asyncio.wait_for(announced, 15.0)
    await echo_through(ours_reliable, peer)
    await ours.close()
    await theirs.close()


CHANNEL_KINDS: list[dict[str, Any]] = [
    {},
    {"ordered": False},
    {"maxRetransmits": 0},
    {"ordered": False, "maxRetransmits": 5},
    {"maxPacketLifeTime": 500},
    {"ordered": False, "maxPacketLifeTime": 500},
]


@pytest.mark.parametrize(
    "options", CHANNEL_KINDS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "reliable"
)
@pytest.mark.parametrize("traffic", [True, False], ids=["traffic", "idle"])
async def test_every_channel_kind_both_ways_and_close_from_aiortc(
    options: dict[str, Any], traffic: bool
) -> None:
    """Channels of every kind opened by rtcpeer arrive at aiortc with their options; on
    reliable ones a 256 KiB message (the negotiated maximum) goes there and back intact;
    aiortc closing the channel closes ours (RFC 8831 §6.7)."""
    ours = rtcpeer.RTCPeerConnection()
    theirs = aiortc.RTCPeerConnection()
    channel = ours.createDataChannel("kind", **options)
    opened = asyncio.Event()
    channel.on("open", opened.set)
    remote: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    theirs.on("datachannel", lambda ch: remote.set_result(ch))
    await ours.setLocalDescription()
    await gathered(ours)
    assert ours.localDescription is not None
    await theirs.setRemoteDescription(
        aiortc.RTCSessionDescription(sdp=ours.localDescription.sdp, type="offer")
    )
    await theirs.setLocalDescription(await theirs.createAnswer())
    await ours.setRemoteDescription(
        rtcpeer.RTCSessionDescription(sdp=theirs.localDescription.sdp, type="answer")
    )
    await asyncio.wait_for(opened.wait(), 15.0)
    peer = await asyncio.wait_for(remote, 15.0)
    assert peer.ordered == options.get("ordered", True)
    assert peer.maxRetransmits == options.get("maxRetransmits")
    assert peer.maxPacketLifeTime == options.get("maxPacketLifeTime")
    reliable = "maxRetransmits" not in options and "maxPacketLifeTime" not in options
    if traffic:
        # Echo only while open: aiortc's send() raises on a closing channel, and raised
        # from inside its receive path that exception closes aiortc's whole DTLS transport.
        peer.on("message", lambda m: peer.send(m) if peer.readyState == "open" else None)
        if reliable:
            # 256 KiB, the negotiated maximum, echoed back intact.
            big = bytes(range(256)) * 1024
            back: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

            def first(message: Any) -> None:
                if not back.done():
                    back.set_result(message)

            channel.on("message", first)
            channel.send(big)
            assert await asyncio.wait_for(back, 15.0) == big
        else:
            # Partially reliable: a burst may lose datagrams in the sockets' buffers and then
            # messages are abandoned, as the channel asked. What arrives is intact, and in
            # order when the channel is ordered.
            sent = [f"{i:04d}".encode() * 250 for i in range(20)]
            got: list[bytes] = []
            some = asyncio.Event()

            def collect(message: bytes) -> None:
                got.append(message)
                some.set()

            channel.on("message", collect)
            for message in sent:
                channel.send(message)
            await asyncio.wait_for(some.wait(), 15.0)
            assert all(m in sent for m in got)
            if options.get("ordered", True):
                assert got == sorted(got)
    closed = asyncio.Event()
    channel.on("close", closed.set)
    peer.close()
    await asyncio.wait_for(closed.wait(), 10.0)
    assert channel.readyState == "closed"
    await ours.close()
    await theirs.close()
