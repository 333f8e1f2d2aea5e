"""SCTP association throughput in memory: two associations, one process, no network.

The sender keeps ``--window`` bytes queued; every round moves all packets each way. Virtual
time advances 0.1 ms per round (and jumps to the next timer when nothing moves), so the
figure is the CPU cost of both ends together: encode, CRC32c, parse, SACK, reassemble.

    .venv/bin/python bench/sctp_throughput.py [--total-mb 100] [--size 65536] [--unordered]
"""

from __future__ import annotations

import argparse
import random
import time

from rtcpeer.sctp import Association, MessageReceived, SctpConfig


def run(
    total: int, size: int, ordered: bool, window: int, profile: bool, per_packet: bool
) -> float:
    config = SctpConfig(heartbeat_interval=None)
    a = Association(config=config, rng=random.Random(1))
    b = Association(config=config, rng=random.Random(2))
    now = 0.0
    a.associate(now)
    while not (a.is_established and b.is_established):
        for p in a.packets_to_send(now):
            b.handle_packet(now, p)
        for p in b.packets_to_send(now):
            a.handle_packet(now, p)
        while a.next_event() or b.next_event():
            pass
    payload = random.Random(3).randbytes(size)
    sent = received = 0
    rounds = 0
    start = time.perf_counter()
    while received < total:
        while sent < total and a.buffered_amount < window:
            a.send(now, 1, 53, payload, ordered=ordered)
            sent += size
        moved = False
        for p in a.packets_to_send(now):
            b.handle_packet(now, p)
            moved = True
            if per_packet:
                # An adapter that flushes after every datagram: SACKs go as soon as due.
                for q in b.packets_to_send(now):
                    a.handle_packet(now, q)
        while (event := b.next_event()) is not None:
            if type(event) is MessageReceived:
                received += len(event.data)
        for p in b.packets_to_send(now):
            a.handle_packet(now, p)
            moved = True
        rounds += 1
        now += 0.0001
        if not moved:
            deadline = min(t for t in (a.get_timer(), b.get_timer()) if t is not None)
            now = max(now, deadline)
            a.handle_timer(now)
            b.handle_timer(now)
    elapsed = time.perf_counter() - start
    if profile:
        print(f"rounds {rounds}, virtual time {now:.2f} s")
        print("sender", a.stats)
        print("receiver", b.stats)
    return received / elapsed / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total-mb", type=float, default=100.0)
    parser.add_argument("--size", type=int, default=65536, help="message size in bytes")
    parser.add_argument("--unordered", action="store_true")
    parser.add_argument("--window", type=int, default=1 << 20, help="bytes kept queued")
    parser.add_argument(
        "--per-packet", action="store_true", help="ask the receiver for packets after each one"
    )
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    total = int(args.total_mb * 1e6)
    rate = run(total, args.size, not args.unordered, args.window, args.verbose, args.per_packet)
    kind = "unordered" if args.unordered else "ordered"
    mode = ", receiver flushed per packet" if args.per_packet else ""
    print(f"{args.total_mb:g} MB in {args.size}-byte {kind} messages{mode}: {rate:.1f} MB/s")


if __name__ == "__main__":
    main()
