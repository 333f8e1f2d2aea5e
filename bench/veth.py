"""Data-channel throughput over a veth pair with MTU 1500 (issue 5), rtcpeer against aiortc.

Loopback's 64 KiB MTU flatters a stack that sends big datagrams; here every packet crosses a
real 1500-byte link. As root, the benchmark creates two network namespaces joined by a veth
pair (10.199.0.1/24 and 10.199.0.2/24, MTU 1500, nothing else in them), and runs one peer
in each: a subprocess started with ``ip netns exec``, host candidates restricted to its veth
address (``RTCPEER_ICE_ADDRESSES`` for rtcpeer, ``aioice.ice.get_host_addresses`` for
aiortc, no STUN server), the offer and answer relayed by this process over the children's
stdin/stdout. The offerer sends ``--total-mb`` MB in 16 KiB and in 64 KiB messages with the
bufferedAmount back-pressure of bench/datachannel.py; MB/s runs from its first send to the
receiver's last byte (CLOCK_MONOTONIC, shared by the namespaces), CPU seconds add up both
processes.

The ceiling in the same run: raw asyncio UDP between the two namespaces, 1200-byte
datagrams, one process in each like the peers, at most ``--window`` datagrams in flight,
held by an 8-byte cumulative count the receiver returns every 16 datagrams (and on a poll
when the sender hears nothing for 20 ms, which also counts what was dropped). Each
throughput is printed as a fraction of it.

The namespaces are deleted in ``finally``. Without root (or iproute2) the benchmark prints
why and exits 0.

    sudo .venv/bin/python bench/veth.py [--loop all] [--total-mb 100] [--timeout 180] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from types import ModuleType
from typing import Any, cast

from common import (
    MISSED_EVENT_WAIT,
    STACKS,
    Table,
    Target,
    Value,
    add_loop_argument,
    check_candidates,
    close_all,
    cpu_seconds,
    gathered,
    loop_names,
    machine_note,
    new_peer_connection,
    restrict_host_addresses,
    run_on,
    send_with_backpressure,
    snmp_counters,
    stack_module,
)

SUFFIX = str(os.getpid())
NAMESPACES = (f"rtcb{SUFFIX}a", f"rtcb{SUFFIX}b")
DEVICES = (f"rtcb{SUFFIX}a", f"rtcb{SUFFIX}b")  # at most 15 characters
ADDRESSES = ("10.199.0.1", "10.199.0.2")
MTU = 1500
HIGH_WATER = 1 << 20
LOW_WATER = 256 << 10
SIZES_KIB = (16, 64)
UDP_SIZE = 1200
ACK_EVERY = 16
THROUGHPUT_TARGET = Target(">=", 5)


# ------------------------------------------------------------------------------ children


class Parent:
    """JSON lines to and from the orchestrating process (stdin/stdout)."""

    def __init__(self) -> None:
        self.reader: asyncio.StreamReader | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self.reader = asyncio.StreamReader()
        protocol = asyncio.StreamReaderProtocol(self.reader)
        await loop.connect_read_pipe(lambda: protocol, sys.stdin)

    async def receive(self, expected: str) -> dict[str, Any]:
        assert self.reader is not None
        line = await self.reader.readline()
        if not line:
            raise SystemExit("parent went away")
        message: dict[str, Any] = json.loads(line)
        if message.get("type") != expected:
            raise SystemExit(f"expected {expected!r}, got {message!r}")
        return message

    @staticmethod
    def send(kind: str, **fields: Any) -> None:
        print(json.dumps({"type": kind, **fields}), flush=True)


async def offerer(args: argparse.Namespace, module: ModuleType, parent: Parent) -> None:
    pc = new_peer_connection(module)
    try:
        channel = pc.createDataChannel("bench")
        opened = asyncio.Event()
        channel.on("open", opened.set)
        await pc.setLocalDescription(await pc.createOffer())
        await gathered(pc)
        check_candidates([pc], args.address)
        parent.send("offer", sdp=pc.localDescription.sdp)
        answer = await parent.receive("answer")
        await pc.setRemoteDescription(
            module.RTCSessionDescription(sdp=answer["sdp"], type="answer")
        )
        await opened.wait()
        parent.send("open")
        await parent.receive("go")
        t0, cpu0 = time.monotonic(), cpu_seconds()
        payload = b"x" * args.size
        sending = asyncio.ensure_future(
            send_with_backpressure(channel, payload, args.count, HIGH_WATER, LOW_WATER)
        )
        while not sending.done():  # progress on stderr, shown if the run times out
            await asyncio.wait([sending], timeout=1.0)
            print(
                f"offerer: bufferedAmount {channel.bufferedAmount}, {channel.readyState}",
                file=sys.stderr,
                flush=True,
            )
        parent.send("sent", t0=t0, missed=sending.result())
        await parent.receive("stop")
        parent.send("cpu", cpu=cpu_seconds() - cpu0)
    finally:
        await close_all([pc], 5.0)


async def answerer(args: argparse.Namespace, module: ModuleType, parent: Parent) -> None:
    offer = await parent.receive("offer")
    pc = new_peer_connection(module)
    try:
        loop = asyncio.get_running_loop()
        remote: asyncio.Future[Any] = loop.create_future()
        remote_open = asyncio.Event()
        done = asyncio.Event()
        received = 0
        goal = args.size * args.count

        def on_message(message: bytes) -> None:
            nonlocal received
            received += len(message)
            if received >= goal:
                done.set()

        def on_datachannel(incoming: Any) -> None:
            incoming.on("message", on_message)
            if not remote.done():
                remote.set_result(incoming)
            if incoming.readyState == "open":
                remote_open.set()
            incoming.on("open", remote_open.set)

        pc.on("datachannel", on_datachannel)
        await pc.setRemoteDescription(module.RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        await gathered(pc)
        check_candidates([pc], args.address)
        parent.send("answer", sdp=pc.localDescription.sdp)
        await remote
        await remote_open.wait()
        parent.send("open")
        await parent.receive("go")
        cpu0 = cpu_seconds()
        while not done.is_set():  # progress on stderr, shown if the run times out
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 1.0)
            print(f"answerer: {received} of {goal} bytes", file=sys.stderr, flush=True)
        parent.send("done", t1=time.monotonic(), cpu=cpu_seconds() - cpu0, bytes=received)
        await parent.receive("stop")
    finally:
        await close_all([pc], 5.0)


class _UdpReceiver(asyncio.DatagramProtocol):
    def __init__(self, count: int) -> None:
        self.expected = count
        self.count = 0
        self.received = 0
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        assert self.transport is not None
        if len(data) == 1:  # a poll: the count now, marked
            self.transport.sendto(b"P" + struct.pack("!Q", self.count), addr)
            return
        self.count += 1
        self.received += len(data)
        if self.count % ACK_EVERY == 0 or self.count == self.expected:
            self.transport.sendto(struct.pack("!Q", self.count), addr)


class _UdpSender(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.acked = 0
        self.poll_reply: int | None = None
        self.progress = asyncio.Event()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if data[:1] == b"P":
            self.poll_reply = struct.unpack("!Q", data[1:])[0]
        else:
            self.acked = max(self.acked, struct.unpack("!Q", data)[0])
        self.progress.set()


def _udp_socket(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((address, 0))
    sock.setblocking(False)
    return sock


async def udp_receiver(args: argparse.Namespace, parent: Parent) -> None:
    loop = asyncio.get_running_loop()
    sock = _udp_socket(args.address)
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: _UdpReceiver(args.count), sock=sock
    )
    parent.send("ready", port=sock.getsockname()[1])
    await parent.receive("go")
    cpu0 = cpu_seconds()
    await parent.receive("stop")
    parent.send("done", cpu=cpu_seconds() - cpu0, count=protocol.count, bytes=protocol.received)
    transport.close()


async def udp_sender(args: argparse.Namespace, parent: Parent) -> None:
    loop = asyncio.get_running_loop()
    sock = _udp_socket(args.address)
    sock.connect((args.peer, args.port))
    transport, protocol = await loop.create_datagram_endpoint(_UdpSender, sock=sock)
    payload = bytes(args.size)
    count, window = args.count, args.window
    sent = lost = 0
    await parent.receive("go")
    t0, cpu0 = time.monotonic(), cpu_seconds()
    while protocol.acked + lost < count:
        burst = min(window - (sent - lost - protocol.acked), count - sent)
        for _ in range(burst):
            transport.sendto(payload)
        sent += max(0, burst)
        protocol.progress.clear()
        try:
            await asyncio.wait_for(protocol.progress.wait(), 0.02)
        except TimeoutError:
            # Nothing heard: ask for the count; what was sent before the poll and has not
            # arrived by the time the poll does is lost.
            at_poll, protocol.poll_reply = sent, None
            deadline = loop.time() + 1.0
            while protocol.poll_reply is None and loop.time() < deadline:
                transport.sendto(b"?")
                protocol.progress.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(protocol.progress.wait(), 0.1)
            if protocol.poll_reply is None:
                raise SystemExit("raw UDP over veth: the receiver does not answer") from None
            protocol.acked = max(protocol.acked, protocol.poll_reply)
            lost = at_poll - protocol.poll_reply
    seconds, cpu = time.monotonic() - t0, cpu_seconds() - cpu0
    parent.send("sent", seconds=seconds, cpu=cpu, acked=protocol.acked, lost=lost)
    await parent.receive("stop")
    transport.close()


async def child(args: argparse.Namespace) -> None:
    parent = Parent()
    await parent.open()
    if args.role == "udp-recv":
        await udp_receiver(args, parent)
    elif args.role == "udp-send":
        await udp_sender(args, parent)
    else:
        restrict_host_addresses(args.address)
        module = stack_module(args.stack)
        await (offerer if args.role == "offer" else answerer)(args, module, parent)


# ------------------------------------------------------------------------------ the parent


def ip(*arguments: str) -> str:
    done = subprocess.run(["ip", *arguments], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(arguments)}: {done.stderr.strip()}")
    return done.stdout


def create_namespaces() -> str:
    """Two namespaces joined by a veth pair; returns the link as the kernel shows it."""
    for namespace in NAMESPACES:
        ip("netns", "add", namespace)
    ip("link", "add", DEVICES[0], "type", "veth", "peer", "name", DEVICES[1])
    for namespace, device, address in zip(NAMESPACES, DEVICES, ADDRESSES, strict=True):
        ip("link", "set", device, "netns", namespace)
        ip("-n", namespace, "addr", "add", f"{address}/24", "dev", device)
        ip("-n", namespace, "link", "set", device, "mtu", str(MTU), "up")
        ip("-n", namespace, "link", "set", "lo", "up")
    shown = ip("-n", NAMESPACES[0], "-o", "link", "show", "dev", DEVICES[0])
    if f"mtu {MTU} " not in shown:
        raise RuntimeError(f"veth MTU is not {MTU}: {shown}")
    return shown.split("\\")[0].strip()


COUNTERS = ("Udp.OutDatagrams", "Udp.RcvbufErrors", "Ip.FragCreates", "Ip.ReasmFails")


def namespace_counters() -> dict[str, int]:
    """Both namespaces' UDP and IP counters added up (see COUNTERS), and the bytes both veth
    ends transmitted (``tx_bytes``: frames on the wire, Ethernet headers included)."""
    total = dict.fromkeys((*COUNTERS, "tx_bytes"), 0)
    for namespace, device in zip(NAMESPACES, DEVICES, strict=True):
        snmp = subprocess.run(
            ["ip", "netns", "exec", namespace, "cat", "/proc/net/snmp"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        counters = snmp_counters(snmp)
        for name in COUNTERS:
            total[name] += counters.get(name, 0)
        shown = json.loads(ip("-n", namespace, "-s", "-j", "link", "show", "dev", device))
        total["tx_bytes"] += int(shown[0]["stats64"]["tx"]["bytes"])
    return total


def allow_fragments(allow: bool) -> None:
    """Let IP reassemble fragments in both namespaces (the kernel's defaults), or drop every
    fragment (``ipfrag_high_thresh`` 0), as a path that passes no fragment would: then a
    stack can only use datagrams that fit the 1500-byte MTU."""
    low, high = ("3145728", "4194304") if allow else ("0", "0")
    for namespace in NAMESPACES:
        order = (("high", high), ("low", low)) if allow else (("low", low), ("high", high))
        for name, value in order:
            subprocess.run(
                [
                    "ip",
                    "netns",
                    "exec",
                    namespace,
                    "sysctl",
                    "-qw",
                    f"net.ipv4.ipfrag_{name}_thresh={value}",
                ],
                capture_output=True,
                check=True,
            )


def delete_namespaces() -> None:
    for namespace in NAMESPACES:
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, check=False)


class Child:
    """A child in one namespace, spoken to in JSON lines; stderr goes to a temporary file."""

    def __init__(self, process: asyncio.subprocess.Process, log: Any, name: str) -> None:
        self.process = process
        self.log = log
        self.name = name

    @classmethod
    async def start(cls, side: int, name: str, *arguments: str) -> Child:
        log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by finish())
        environment = dict(os.environ, RTCPEER_ICE_ADDRESSES=ADDRESSES[side])
        process = await asyncio.create_subprocess_exec(
            "ip",
            "netns",
            "exec",
            NAMESPACES[side],
            sys.executable,
            os.path.abspath(__file__),
            "--child",
            "--address",
            ADDRESSES[side],
            *arguments,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            env=environment,
        )
        return cls(process, log, name)

    def send(self, kind: str, **fields: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"type": kind, **fields}).encode() + b"\n")

    async def receive(self, expected: str) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            await self.process.wait()
            raise RuntimeError(f"{self.name} exited ({self.process.returncode}): {self.errors()}")
        message: dict[str, Any] = json.loads(line)
        if message.get("type") != expected:
            raise RuntimeError(f"{self.name}: expected {expected!r}, got {message!r}")
        return message

    def errors(self) -> str:
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").strip().splitlines()
        return " | ".join(lines[-3:])

    async def finish(self) -> None:
        if self.process.returncode is None:
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self.log.close()


async def transfer(stack: str, loop: str, size: int, count: int) -> dict[str, float]:
    common = ["--stack", stack, "--loop", loop, "--size", str(size), "--count", str(count)]
    offer = await Child.start(0, f"{stack} offerer", "--role", "offer", *common)
    answer = await Child.start(1, f"{stack} answerer", "--role", "answer", *common)
    completed = False
    try:
        answer.send("offer", sdp=(await offer.receive("offer"))["sdp"])
        offer.send("answer", sdp=(await answer.receive("answer"))["sdp"])
        await offer.receive("open")
        await answer.receive("open")
        before = namespace_counters()
        answer.send("go")
        offer.send("go")
        sent = await offer.receive("sent")
        done = await answer.receive("done")
        after = namespace_counters()
        offer.send("stop")
        cpu = (await offer.receive("cpu"))["cpu"] + done["cpu"]
        answer.send("stop")
        seconds = done["t1"] - sent["t0"]
        completed = True
        delta = {name: after[name] - before[name] for name in after}
        datagrams = max(1, delta["Udp.OutDatagrams"])
        return {
            "mb_per_s": done["bytes"] / seconds / 1e6,
            "cpu": cpu,
            "seconds": seconds,
            "drops": delta["Udp.RcvbufErrors"],
            "datagrams": delta["Udp.OutDatagrams"],
            "wire_per_datagram": delta["tx_bytes"] / datagrams,
            "fragments": delta["Ip.FragCreates"],
            "reassembly_failures": delta["Ip.ReasmFails"],
            "missed": sent["missed"],
        }
    finally:
        if not completed:
            for each in (offer, answer):
                print(f"  {each.name}: {each.errors()}", file=sys.stderr)
            with contextlib.suppress(Exception):
                print(f"  counters now: {namespace_counters()}", file=sys.stderr)
        for each in (offer, answer):
            if each.process.returncode is None and each.process.stdin is not None:
                each.process.stdin.close()
        await asyncio.gather(offer.finish(), answer.finish())


async def udp_ceiling(loop: str, total: int, window: int) -> dict[str, float]:
    count = total // UDP_SIZE
    common = ["--loop", loop, "--size", str(UDP_SIZE), "--count", str(count)]
    receiver = await Child.start(1, "UDP receiver", "--role", "udp-recv", *common)
    sender: Child | None = None
    try:
        port = (await receiver.receive("ready"))["port"]
        sender = await Child.start(
            0,
            "UDP sender",
            "--role",
            "udp-send",
            "--peer",
            ADDRESSES[1],
            "--port",
            str(port),
            "--window",
            str(window),
            *common,
        )
        receiver.send("go")
        sender.send("go")
        sent = await sender.receive("sent")
        receiver.send("stop")
        done = await receiver.receive("done")
        sender.send("stop")
        return {
            "mb_per_s": done["bytes"] / sent["seconds"] / 1e6,
            "cpu": sent["cpu"] + done["cpu"],
            "seconds": sent["seconds"],
            "datagrams": done["count"],
            "lost": sent["lost"],
        }
    finally:
        for each in (receiver, sender):
            if each is not None:
                if each.process.returncode is None and each.process.stdin is not None:
                    each.process.stdin.close()
                await each.finish()


async def bounded_run(label: str, coro: Any, timeout: float) -> dict[str, float] | str:
    try:
        result: dict[str, float] = await asyncio.wait_for(coro, timeout)
        return result
    except TimeoutError:
        print(f"{label}: timed out after {timeout:g} s", file=sys.stderr)
        return f"timeout {timeout:g}s"
    except Exception as error:
        print(f"{label}: {type(error).__name__}: {error}", file=sys.stderr)
        return f"error: {type(error).__name__}"


def pick(result: dict[str, float] | str, key: str, scale: float = 1.0) -> Value:
    return result if isinstance(result, str) else result[key] * scale


async def parent(args: argparse.Namespace, link: str) -> None:
    total = int(args.total_mb * 1e6)
    for loop in loop_names(args.loop):
        ceilings = [
            await bounded_run(
                f"raw UDP on {loop}",
                udp_ceiling(loop, int(args.udp_mb * 1e6), args.window),
                args.timeout,
            )
            for _ in range(args.ceiling_runs)
        ]
        measured = [result for result in ceilings if not isinstance(result, str)]
        ceiling = max(measured, key=lambda r: r["mb_per_s"]) if measured else ceilings[0]
        table = Table(f"data channels over veth, MTU {MTU}, one peer per namespace, {loop} loop")
        if isinstance(ceiling, str):
            table.notes.append(f"raw-UDP ceiling: {ceiling}")
        else:
            table.notes.append(
                f"raw-UDP ceiling on this loop, one process per namespace, best of "
                f"{len(measured)}: "
                f"{ceiling['mb_per_s']:.1f} MB/s ({int(ceiling['datagrams'])} datagrams of "
                f"{UDP_SIZE} B in {ceiling['seconds']:.2f} s, {ceiling['cpu']:.2f} CPU s, "
                f"{int(ceiling['lost'])} lost)"
            )
        table.notes.append(f"at the start: {machine_note()}")
        for kib in SIZES_KIB:
            size = kib * 1024
            count = -(-total // size)
            label = f"{args.total_mb:g} MB in {kib} KiB messages"
            allow_fragments(False)
            results = {
                stack: await bounded_run(
                    f"veth {label} ({stack}, {loop})",
                    transfer(stack, loop, size, count),
                    args.timeout,
                )
                for stack in STACKS
            }
            ours, theirs = results["rtcpeer"], results["aiortc"]
            table.add(
                f"throughput, {label}",
                pick(ours, "mb_per_s"),
                pick(theirs, "mb_per_s"),
                "MB/s",
                "{:.1f}",
                THROUGHPUT_TARGET,
            )
            table.add("  CPU seconds (both processes)", pick(ours, "cpu"), pick(theirs, "cpu"), "s")
            table.add(
                "  UDP datagrams sent (both ways)",
                pick(ours, "datagrams"),
                pick(theirs, "datagrams"),
                fmt="{:,.0f}",
                ratio=False,
            )
            table.add(
                "  mean wire bytes per datagram",
                pick(ours, "wire_per_datagram"),
                pick(theirs, "wire_per_datagram"),
                fmt="{:.0f}",
                ratio=False,
            )
            table.add(
                "  UDP receive-buffer drops",
                pick(ours, "drops"),
                pick(theirs, "drops"),
                fmt="{:.0f}",
                ratio=False,
            )
            if not isinstance(ceiling, str):
                scale = 1 / ceiling["mb_per_s"]
                table.add(
                    "  fraction of raw-UDP ceiling",
                    pick(ours, "mb_per_s", scale),
                    pick(theirs, "mb_per_s", scale),
                    fmt="{:.3f}",
                    ratio=False,
                )
            for stack, result in results.items():
                if not isinstance(result, str) and result["missed"]:
                    table.notes.append(
                        f"{stack}, {label}: bufferedamountlow never came "
                        f"{int(result['missed'])} time(s) though bufferedAmount had fallen "
                        f"to the threshold ({MISSED_EVENT_WAIT:g} s lost each)"
                    )
            if args.fragments:
                allow_fragments(True)
                frag = await bounded_run(
                    f"veth {label} (rtcpeer, {loop}, fragments allowed)",
                    transfer("rtcpeer", loop, size, count),
                    args.timeout,
                )
                allow_fragments(False)
                table.add(
                    "  rtcpeer if IP fragments pass",
                    pick(frag, "mb_per_s"),
                    None,
                    "MB/s",
                    "{:.1f}",
                    ratio=False,
                )
                if not isinstance(frag, str):
                    table.notes.append(
                        f"rtcpeer, {label}, IP fragments passing: "
                        f"{int(frag['datagrams']):,} datagrams, "
                        f"{frag['wire_per_datagram']:.0f} wire bytes each, "
                        f"{int(frag['fragments']):,} IP fragments, "
                        f"{int(frag['reassembly_failures'])} reassembly failures, "
                        f"{frag['cpu']:.2f} CPU s, bufferedamountlow missed "
                        f"{int(frag['missed'])} time(s)"
                    )
        table.notes.append(
            "IP fragments are dropped in both namespaces (ipfrag_high_thresh 0) unless said, "
            f"so every datagram must fit the {MTU}-byte MTU; link: {link}"
        )
        table.print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_loop_argument(parser)
    parser.add_argument("--total-mb", type=float, default=100.0, help="throughput volume")
    parser.add_argument("--udp-mb", type=float, default=100.0, help="raw-UDP ceiling volume")
    parser.add_argument("--window", type=int, default=128, help="raw UDP datagrams in flight")
    parser.add_argument("--ceiling-runs", type=int, default=3, help="raw-UDP runs (best)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per scenario")
    parser.add_argument(
        "--fragments",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run rtcpeer with IP fragmentation allowed (default: %(default)s)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 MB, 20 MB of UDP")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--role", choices=("offer", "answer", "udp-send", "udp-recv"), help=argparse.SUPPRESS
    )
    parser.add_argument("--stack", choices=STACKS, help=argparse.SUPPRESS)
    parser.add_argument("--address", help=argparse.SUPPRESS)
    parser.add_argument("--peer", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_on(args.loop, lambda: child(args))
        return
    if args.quick:
        args.total_mb, args.udp_mb = 5.0, 20.0
        args.timeout = min(args.timeout, 60.0)
    if not sys.platform.startswith("linux"):
        print(f"veth benchmark skipped: network namespaces need Linux, not {sys.platform}")
        return
    if os.geteuid() != 0:
        print("veth benchmark skipped: creating network namespaces needs root")
        return
    if shutil.which("ip") is None:
        print("veth benchmark skipped: iproute2 ('ip') is not installed")
        return
    try:
        link = create_namespaces()
        asyncio.run(parent(args, link))
    except RuntimeError as error:
        print(f"veth benchmark failed to set up: {error}")
    finally:
        delete_namespaces()


if __name__ == "__main__":
    main()
