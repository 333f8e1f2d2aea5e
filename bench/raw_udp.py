"""The raw-UDP ceiling (issue 5): asyncio UDP between two sockets of one process, no protocol.

Two ``DatagramProtocol`` endpoints on 127.0.0.1, the sender pushing ``--size``-byte
datagrams (1200, as a WebRTC stack sends) and keeping at most ``--window`` of them in
flight: it reads the receiver's count directly (same process, no acknowledgements) and
refills when half the window has arrived, so the receive buffer never overflows. What is
left is the event loop's cost per datagram: the ceiling any asyncio protocol over UDP
can reach here. bench/datachannel.py imports ``measure`` and divides each data-channel
throughput by the ceiling measured in the same run.

    .venv/bin/python bench/raw_udp.py [--total-mb 100] [--size 1200] [--loop all]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import time
from dataclasses import dataclass
from typing import Any

from common import LOOPBACK, add_loop_argument, cpu_seconds, loop_names, run_on

RECEIVE_BUFFER = 4 << 20
STALL = 0.25  # seconds without progress after which what is missing counts as dropped


@dataclass
class UdpResult:
    mb_per_s: float
    seconds: float
    cpu: float
    datagrams: int
    dropped: int

    def describe(self) -> str:
        drops = f", {self.dropped} dropped" if self.dropped else ", none dropped"
        return (
            f"{self.mb_per_s:.1f} MB/s ({self.datagrams} datagrams in {self.seconds:.2f} s, "
            f"{self.cpu:.2f} CPU s{drops})"
        )


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.count = 0
        self.received = 0
        self.wake_at = 0
        self.waiter: asyncio.Future[None] | None = None

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.count += 1
        self.received += len(data)
        if self.count >= self.wake_at and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


def _socket(host: str, receive_buffer: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if receive_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


async def measure(
    total_bytes: int = 100_000_000, size: int = 1200, window: int = 64, host: str = LOOPBACK
) -> UdpResult:
    """Send ``total_bytes`` in ``size``-byte datagrams between two sockets of this process
    on the running loop; MB/s counts the bytes that arrived."""
    loop = asyncio.get_running_loop()
    rx_sock = _socket(host, RECEIVE_BUFFER)
    rx_transport, receiver = await loop.create_datagram_endpoint(_Receiver, sock=rx_sock)
    tx_sock = _socket(host)
    tx_sock.connect(rx_sock.getsockname())
    tx_transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, sock=tx_sock)
    payload = bytes(size)
    count = max(1, total_bytes // size)
    sent = dropped = 0
    sendto = tx_transport.sendto
    try:
        start, cpu0 = time.perf_counter(), cpu_seconds()
        while True:
            burst = min(window - (sent - dropped - receiver.count), count - sent)
            for _ in range(burst):
                sendto(payload)
            sent += max(burst, 0)
            outstanding = sent - dropped - receiver.count
            if sent == count and outstanding == 0:
                break
            # Wait for half the window (or, at the end, everything) to arrive.
            receiver.wake_at = sent - dropped if sent == count else sent - dropped - window // 2
            receiver.waiter = loop.create_future()
            if receiver.count >= receiver.wake_at:
                continue
            try:
                await asyncio.wait_for(receiver.waiter, STALL)
            except TimeoutError:
                dropped += sent - dropped - receiver.count
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu0
    finally:
        tx_transport.close()
        rx_transport.close()
    return UdpResult(receiver.received / seconds / 1e6, seconds, cpu, receiver.count, dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-mb", type=float, default=100.0)
    parser.add_argument("--size", type=int, default=1200, help="datagram size in bytes")
    parser.add_argument("--window", type=int, default=64, help="datagrams in flight")
    add_loop_argument(parser)
    args = parser.parse_args()
    total = int(args.total_mb * 1e6)
    for name in loop_names(args.loop):

        async def one() -> UdpResult:
            await measure(total // 20, args.size, args.window)  # warm-up
            return await measure(total, args.size, args.window)

        result = run_on(name, one)
        print(
            f"raw UDP ceiling, {name:7} loop, {args.total_mb:g} MB in {args.size}-byte "
            f"datagrams on {LOOPBACK}: {result.describe()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
