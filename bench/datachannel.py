"""Data-channel connect time and throughput: rtcpeer and aiortc in the same run (issue 5).

Both stacks: two peer connections in one process on 127.0.0.1, host candidates only.
- connect: from the start of the offer to the channel open on both sides (median of N);
- throughput: TOTAL bytes in MESSAGE-byte messages on a reliable ordered channel, with
  bufferedAmount back-pressure (pause above 1 MiB, resume at bufferedamountlow).

    .venv/bin/python bench/datachannel.py [--runs 10] [--total-mb 20] [--message-kib 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

import aioice.ice
import aiortc

import rtcpeer

os.environ.setdefault("RTCPEER_ICE_ADDRESSES", "127.0.0.1")
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"]
HIGH_WATER = 1 << 20


async def _gathered(pc: Any) -> None:
    if isinstance(pc, aiortc.RTCPeerConnection) or pc.iceGatheringState == "complete":
        return
    done = asyncio.Event()

    def on_change() -> None:
        if pc.iceGatheringState == "complete":
            done.set()

    pc.on("icegatheringstatechange", on_change)
    await done.wait()


async def connect(module: Any) -> tuple[Any, Any, Any, Any, float]:
    a, b = module.RTCPeerConnection(), module.RTCPeerConnection()
    start = time.perf_counter()
    channel = a.createDataChannel("bench")
    opened = asyncio.Event()
    channel.on("open", opened.set)
    remote: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    remote_open = asyncio.Event()

    def on_datachannel(ch: Any) -> None:
        remote.set_result(ch)
        if ch.readyState == "open":
            remote_open.set()
        ch.on("open", remote_open.set)

    b.on("datachannel", on_datachannel)
    await a.setLocalDescription(await a.createOffer())
    await _gathered(a)
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription(await b.createAnswer())
    await _gathered(b)
    await a.setRemoteDescription(b.localDescription)
    await opened.wait()
    incoming = await remote
    await remote_open.wait()
    return a, b, channel, incoming, time.perf_counter() - start


async def throughput(module: Any, total: int, size: int) -> tuple[float, float]:
    a, b, channel, incoming, _ = await connect(module)
    received = 0
    done = asyncio.Event()

    def on_message(message: bytes) -> None:
        nonlocal received
        received += len(message)
        if received >= total:
            done.set()

    incoming.on("message", on_message)
    low = asyncio.Event()
    channel.bufferedAmountLowThreshold = HIGH_WATER // 2
    channel.on("bufferedamountlow", low.set)
    payload = b"x" * size
    cpu0, wall0 = time.process_time(), time.perf_counter()
    sent = 0
    while sent < total:
        if channel.bufferedAmount > HIGH_WATER:
            low.clear()
            await low.wait()
        channel.send(payload)
        sent += size
        if sent % (size * 64) == 0:
            await asyncio.sleep(0)
    await done.wait()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    await a.close()
    await b.close()
    return total / wall / 1e6, cpu


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--total-mb", type=int, default=20)
    parser.add_argument("--message-kib", type=int, default=16)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for name, module in (("rtcpeer", rtcpeer), ("aiortc", aiortc)):
        times = []
        for _ in range(args.runs):
            a, b, _, _, elapsed = await connect(module)
            times.append(elapsed)
            await a.close()
            await b.close()
        rate, cpu = await throughput(module, args.total_mb * 1_000_000, args.message_kib * 1024)
        results[name] = {"connect": statistics.median(times), "rate": rate, "cpu": cpu}
        print(
            f"{name:8} connect median {statistics.median(times) * 1000:7.1f} ms "
            f"(min {min(times) * 1000:.1f}); throughput {rate:6.2f} MB/s "
            f"({args.total_mb} MB in {args.message_kib} KiB messages, {cpu:.2f} CPU s)"
        )
    ours, theirs = results["rtcpeer"], results["aiortc"]
    print(
        f"ratios rtcpeer/aiortc: connect {ours['connect'] / theirs['connect']:.2f}x, "
        f"throughput {ours['rate'] / theirs['rate']:.2f}x"
    )


if __name__ == "__main__":
    asyncio.run(main())
