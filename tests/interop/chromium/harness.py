"""rtcpeer against Debian's Chromium, driven by Playwright for Python (issue 7).

One test's world:

- the ``netns`` fixture (conftest.py) moves the pytest process's main thread into a fresh
  network namespace that holds only ``lo`` (:func:`private_namespace`,
  ``unshare(CLONE_NEWNET)``); everything it starts afterwards (the Playwright driver and
  Chromium, coturn, ``ip``) inherits it, nothing the test sends can reach the machine's
  real interfaces, and the thread moves back (``setns``) when the test ends;
- for the tests that need a network between the peers, :class:`Topology` adds named
  namespaces (Chromium's, a NAT router's) joined to the test's by veth pairs; Chromium is
  then started through ``ip netns exec`` (a wrapper script given to Playwright as the
  executable);
- :func:`session` starts an aiohttp server (:class:`SignalingServer`) serving
  ``page.html`` and a websocket at ``/ws``; the page's RTCPeerConnection and the test's
  rtcpeer RTCPeerConnection (:class:`RtcpeerPeer`) exchange descriptions and trickled
  candidates through it, each side renegotiating on ``negotiationneeded`` and answering
  every offer;
- Playwright launches ``/usr/bin/chromium`` in a persistent context (never
  ``playwright install``) with the flags of ``/work/shared/LAB.md``; the test drives the
  page's ``window.rtc`` functions through :class:`BrowserPeer` (``page.evaluate``).

Nothing sleeps to synchronise: every step waits for the state or message it needs, with
a timeout; a failing test prints both sides' states, events and errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

from rtcpeer import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceCandidate,
    RTCPeerConnection,
    RTCSessionDescription,
)

try:
    from aiohttp import WSMsgType, web
    from playwright.async_api import Page, async_playwright

    HAVE_DRIVERS = True
except ImportError:  # pragma: no cover - the test extra installs both
    HAVE_DRIVERS = False

CHROMIUM = "/usr/bin/chromium"
PAGE = Path(__file__).with_name("page.html")
CLONE_NEWNET = 0x40000000
TIMEOUT = 15.0
#: LAB.md's flags for headless Chromium on this machine (Playwright adds --headless).
BASE_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: On a loopback-only host Chromium connects only with both of these (LAB.md).
LOOPBACK_FLAGS = [
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]

#: A media permission (granted at once by this flag) makes Chromium enumerate the host's
#: interfaces and signal its 127.0.0.1 candidate; without it, it signals none on loopback
#: and rtcpeer learns it as peer-reflexive.
MEDIA_PERMISSION_FLAGS = ["--use-fake-ui-for-media-stream"]

logger = logging.getLogger("tests.interop.chromium")
_serial = count(1)

Message = str | bytes


# --------------------------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------------------------


def tool(name: str) -> str | None:
    found = shutil.which(name)
    if found is None:
        for directory in ("/usr/sbin", "/sbin", "/usr/bin", "/bin"):
            if os.path.exists(os.path.join(directory, name)):
                return os.path.join(directory, name)
    return found


def missing() -> str | None:
    """Why these tests cannot run here (a reason to skip), or None."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces need Linux, not {sys.platform}"
    if os.geteuid() != 0:
        return "network namespaces need root"
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    if not HAVE_DRIVERS:
        return "playwright and aiohttp are not installed (pip install -e '.[test]')"
    return None


def _run(*args: str, check: bool = True) -> str:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result.stdout


def ip(*args: str) -> str:
    binary = tool("ip")
    if binary is None:
        raise RuntimeError("iproute2 ('ip') is not installed")
    return _run(binary, *args)


# --------------------------------------------------------------------------------------------
# Network namespaces
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def private_namespace() -> Iterator[None]:
    """Move the calling thread (the pytest main thread) into a new network namespace with
    only ``lo`` (up, IPv6 off) for the duration of the block, then back."""
    libc = ctypes.CDLL(None, use_errno=True)
    original = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        before = os.readlink("/proc/thread-self/ns/net")
        if libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
        try:
            interfaces = sorted(name for _, name in socket.if_nameindex())
            after = os.readlink("/proc/thread-self/ns/net")
            if after == before or interfaces != ["lo"]:
                raise RuntimeError(f"not isolated: {before} -> {after}, {interfaces}")
            ip("link", "set", "lo", "up")
            _run("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
            yield
        finally:
            if libc.setns(original, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back to the original namespace failed")
    finally:
        os.close(original)


PREFIX = "rtcpeer-chr-"


def sweep_stale_namespaces() -> None:
    """Delete the namespaces of earlier runs whose pytest process is gone."""
    binary = tool("ip")
    if binary is None:
        return
    for line in _run(binary, "netns", "list", check=False).splitlines():
        name = line.split()[0] if line.split() else ""
        pid = name.removeprefix(PREFIX).split("-")[0]
        if name.startswith(PREFIX) and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            _run(binary, "netns", "del", name, check=False)


@dataclass
class Topology:
    """Named namespaces around the test's private one (``here``), deleted by close()."""

    namespaces: list[str] = field(default_factory=list)
    serial: int = field(default_factory=lambda: next(_serial))

    def namespace(self, role: str) -> str:
        name = f"{PREFIX}{os.getpid()}-{self.serial}-{role}"
        ip("netns", "add", name)
        self.namespaces.append(name)
        ip("-n", name, "link", "set", "lo", "up")
        self.run(name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        self.run(name, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        return name

    def run(self, namespace: str | None, *command: str) -> str:
        """Run ``command`` in ``namespace`` (None: here)."""
        if namespace is None:
            return _run(*command)
        return ip("netns", "exec", namespace, *command)

    def ipn(self, namespace: str | None, *args: str) -> None:
        if namespace is None:
            ip(*args)
        else:
            ip("-n", namespace, *args)

    def link(
        self,
        one: str | None,
        one_name: str,
        one_address: str,
        other: str,
        other_name: str,
        other_address: str,
    ) -> None:
        """A veth pair from ``one`` (None: here) to ``other`` with /24 addresses, up."""
        self.ipn(one, "link", "add", one_name, "type", "veth", "peer", "name", other_name,
                 "netns", other)  # fmt: skip
        self.ipn(one, "addr", "add", f"{one_address}/24", "dev", one_name)
        self.ipn(other, "addr", "add", f"{other_address}/24", "dev", other_name)
        self.ipn(one, "link", "set", one_name, "up")
        self.ipn(other, "link", "set", other_name, "up")
        self.wait_operational(one, one_name)
        self.wait_operational(other, other_name)

    def wait_operational(self, namespace: str | None, name: str, timeout: float = 5.0) -> None:
        """Block until ``name`` reports operstate UP. Chromium started before that finds no
        multicast-capable interface, its mDNS responder fails to start ("mDNS responder
        manager failed to start") and, hiding local IPs, it then gathers nothing."""
        deadline = time.monotonic() + timeout
        while True:
            args = ("-o", "link", "show", "dev", name)
            shown = ip("-n", namespace, *args) if namespace is not None else ip(*args)
            if "state UP" in shown:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} is not up after {timeout} s: {shown.strip()}")
            time.sleep(0.01)  # polling the kernel's link state, not standing in for an event

    def iptables(self, namespace: str | None, *args: str) -> str:
        binary = tool("iptables")
        if binary is None:
            raise RuntimeError("iptables is not installed")
        return self.run(namespace, binary, "-w", *args)

    async def iptables_async(self, namespace: str, *args: str) -> None:
        """iptables in ``namespace`` without blocking the event loop (rtcpeer's timers)."""
        binary, ip_binary = tool("iptables"), tool("ip")
        if binary is None or ip_binary is None:
            raise RuntimeError("iptables and iproute2 are needed")
        process = await asyncio.create_subprocess_exec(
            ip_binary, "netns", "exec", namespace, binary, "-w", *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, stderr = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"iptables {' '.join(args)} failed: {stderr.decode()}")

    def close(self) -> None:
        for name in reversed(self.namespaces):
            binary = tool("ip")
            if binary is not None:
                _run(binary, "netns", "del", name, check=False)
        self.namespaces.clear()


# --------------------------------------------------------------------------------------------
# Waiting
# --------------------------------------------------------------------------------------------


class Changes:
    """Something to wait on: notify() after every change, until() re-checks a condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()

    async def until(self, condition: Callable[[], bool], timeout: float, what: str) -> float:
        """Wait until ``condition()`` holds; the seconds it took. AssertionError on timeout."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        deadline = start + timeout
        while not condition():
            self._event.clear()
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)
        return loop.time() - start


# --------------------------------------------------------------------------------------------
# Signalling: the aiohttp server
# --------------------------------------------------------------------------------------------


class SignalingServer:
    """Serves page.html at / and one page's websocket at /ws."""

    def __init__(self) -> None:
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.connected = asyncio.Event()
        self.url = ""
        self._ws: web.WebSocketResponse | None = None
        self._runner: web.AppRunner | None = None
        self._outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    async def start(self, host: str) -> str:
        app = web.Application()
        app.router.add_get("/", self._page)
        app.router.add_get("/favicon.ico", self._nothing)
        app.router.add_get("/ws", self._websocket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server)
        port = server.sockets[0].getsockname()[1]
        self.url = f"http://{host}:{port}/"
        self._writer = asyncio.ensure_future(self._write())
        return self.url

    async def _page(self, request: web.Request) -> web.Response:
        return web.Response(text=PAGE.read_text(), content_type="text/html")

    async def _nothing(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        self.connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.incoming.put_nowait(json.loads(message.data))
        return ws

    def send(self, message: dict[str, Any]) -> None:
        """Queue ``message`` for the page; messages leave in order."""
        self._outgoing.put_nowait(message)

    async def _write(self) -> None:
        await self.connected.wait()
        while True:
            message = await self._outgoing.get()
            assert self._ws is not None
            await self._ws.send_json(message)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()


# --------------------------------------------------------------------------------------------
# The rtcpeer side
# --------------------------------------------------------------------------------------------


def ufrag_of(sdp: str | None) -> str | None:
    for line in (sdp or "").splitlines():
        if line.startswith("a=ice-ufrag:"):
            return line.split(":", 1)[1].strip()
    return None


class RtcpeerPeer:
    """The test's rtcpeer RTCPeerConnection, signalled through the server.

    It renegotiates on ``negotiationneeded``, answers every offer, trickles its candidates
    (never one before the description of its generation was sent) and applies the page's
    in order. Channels (its own and announced ones) are kept by label; what arrives on them
    is kept in :attr:`inbox`; a channel in :attr:`echoing` sends every message back.
    """

    def __init__(self, pc: RTCPeerConnection, server: SignalingServer) -> None:
        self.pc = pc
        self.server = server
        self.changes = Changes()
        self.states: list[tuple[float, str, str]] = []
        self.errors: list[str] = []
        self.sent_candidates: list[dict[str, Any] | None] = []
        self.received_candidates: list[dict[str, Any] | None] = []
        self.descriptions_sent: list[dict[str, str]] = []
        self.channels: dict[str, RTCDataChannel] = {}
        self.inbox: dict[str, list[Message]] = {}
        self.echoing: set[str] = set()
        #: When set, no candidate is signalled (only end-of-candidates): Chromium can then
        #: learn rtcpeer's address only from rtcpeer's own checks.
        self.withhold_candidates = False
        self._signalled_ufrags: set[str] = set()
        self._held: dict[str, list[dict[str, Any] | None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop = asyncio.get_running_loop()
        pc.on("icecandidate", self._on_candidate)
        pc.on("negotiationneeded", lambda: self._spawn(self._negotiate()))
        pc.on("iceconnectionstatechange", lambda: self._state("ice", pc.iceConnectionState))
        pc.on("connectionstatechange", lambda: self._state("connection", pc.connectionState))
        pc.on("datachannel", self.adopt)
        self._consumer = asyncio.ensure_future(self._consume())

    # ------------------------------------------------------------------ events

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _state(self, kind: str, state: str) -> None:
        self.states.append((self._loop.time(), kind, state))
        logger.debug("rtcpeer %s state %s", kind, state)
        self.changes.notify()

    def _on_candidate(self, candidate: RTCIceCandidate | None) -> None:
        init = None if candidate is None else candidate.toJSON()
        ufrag = None if candidate is None else candidate.usernameFragment
        if ufrag is not None and ufrag not in self._signalled_ufrags:
            self._held.setdefault(ufrag, []).append(init)
            return
        self._send_candidate(init)

    def _send_candidate(self, init: dict[str, Any] | None) -> None:
        if self.withhold_candidates and init is not None and init["candidate"]:
            return
        self.sent_candidates.append(init)
        self.server.send({"kind": "candidate", "candidate": init})

    def _send_description(self) -> None:
        description = self.pc.localDescription
        assert description is not None
        self.descriptions_sent.append(description.toJSON())
        self.server.send({"kind": "description", "description": description.toJSON()})
        ufrag = ufrag_of(description.sdp)
        if ufrag is not None:
            self._signalled_ufrags.add(ufrag)
            for init in self._held.pop(ufrag, []):
                self._send_candidate(init)

    async def _negotiate(self) -> None:
        try:
            await self.pc.setLocalDescription()
            self._send_description()
        except Exception as exc:
            self.errors.append(f"negotiationneeded: {exc!r}")
            self.changes.notify()

    async def _consume(self) -> None:
        while True:
            message = await self.server.incoming.get()
            try:
                if message["kind"] == "description":
                    description = message["description"]
                    await self.pc.setRemoteDescription(
                        RTCSessionDescription(sdp=description["sdp"], type=description["type"])
                    )
                    if description["type"] == "offer":
                        await self.pc.setLocalDescription()
                        self._send_description()
                elif message["kind"] == "candidate":
                    self.received_candidates.append(message["candidate"])
                    await self.pc.addIceCandidate(message["candidate"])
            except Exception as exc:
                logger.exception("applying %s", message)
                self.errors.append(f"{message['kind']}: {exc!r}")
            self.changes.notify()

    # ------------------------------------------------------------------ channels

    def adopt(self, channel: RTCDataChannel) -> RTCDataChannel:
        label = channel.label
        self.channels[label] = channel
        inbox = self.inbox.setdefault(label, [])

        def on_message(message: Message) -> None:
            if label in self.echoing:
                channel.send(message)
            inbox.append(message)
            self.changes.notify()

        channel.on("message", on_message)
        channel.on("open", self.changes.notify)
        channel.on("close", self.changes.notify)
        self.changes.notify()
        return channel

    def create_channel(self, label: str, **options: Any) -> RTCDataChannel:
        return self.adopt(self.pc.createDataChannel(label, **options))

    # ------------------------------------------------------------------ queries

    def is_up(self) -> bool:
        return self.pc.connectionState == "connected" and self.pc.iceConnectionState in (
            "connected",
            "completed",
        )

    def ufrags(self) -> tuple[str | None, str | None]:
        local = self.pc.localDescription
        remote = self.pc.remoteDescription
        return ufrag_of(local.sdp if local else None), ufrag_of(remote.sdp if remote else None)

    async def until(
        self, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT
    ) -> float:
        return await self.changes.until(condition, timeout, f"rtcpeer: {what}")

    def describe(self) -> str:
        return (
            f"rtcpeer: ice={self.pc.iceConnectionState} connection={self.pc.connectionState} "
            f"signaling={self.pc.signalingState} states={self.states} errors={self.errors}"
        )

    async def close(self) -> None:
        self._consumer.cancel()
        for task in list(self._tasks):
            task.cancel()
        await self.pc.close()


# --------------------------------------------------------------------------------------------
# The browser side
# --------------------------------------------------------------------------------------------


def to_page(message: Message) -> list[str]:
    return ["s", message] if isinstance(message, str) else ["b", message.hex()]


def from_page(message: Sequence[str]) -> Message:
    kind, value = message
    return value if kind == "s" else bytes.fromhex(value)


class BrowserPeer:
    """Chromium's RTCPeerConnection, through the page's ``window.rtc``."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(m.text))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    async def call(self, function: str, *args: Any) -> Any:
        return await self.page.evaluate(f"(args) => window.rtc.{function}(...args)", list(args))

    async def start(self, configuration: dict[str, Any] | None = None) -> None:
        await self.call("start", configuration or {})

    async def create_channel(self, label: str, **options: Any) -> None:
        await self.call("createChannel", label, options)

    async def echo(self, label: str, on: bool = True) -> None:
        await self.call("echo", label, on)

    async def send(self, label: str, messages: Sequence[Message]) -> None:
        await self.call("send", label, [to_page(m) for m in messages])

    async def received(self, label: str) -> list[Message]:
        return [from_page(m) for m in await self.call("received", label)]

    async def snapshot(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.call("snapshot")
        return result

    async def selected_pair(self) -> dict[str, Any] | None:
        result: dict[str, Any] | None = await self.call("selectedPair")
        return result

    async def until(self, expression: str, what: str, timeout: float = TIMEOUT) -> float:
        """Wait until the JS ``expression`` (``rtc`` in scope) is truthy; seconds taken."""
        start = time.monotonic()
        try:
            await self.page.wait_for_function(
                f"() => {{ const rtc = window.rtc; return {expression}; }}",
                timeout=timeout * 1000,
                polling=50,
            )
        except Exception as exc:
            raise AssertionError(
                f"Chromium: timed out after {timeout} s waiting for {what}: {exc}"
            ) from None
        return time.monotonic() - start

    async def until_up(self, timeout: float = TIMEOUT) -> float:
        return await self.until(
            "rtc.snapshot().connectionState === 'connected'", "connectionState connected", timeout
        )

    async def describe(self) -> str:
        try:
            snapshot = await self.snapshot()
        except Exception as exc:
            return f"Chromium: no snapshot ({exc})"
        keys = ("iceConnectionState", "connectionState", "signalingState", "events", "errors")
        brief = {k: snapshot.get(k) for k in keys}
        return f"Chromium: {json.dumps(brief)} console={self.console[-20:]}"


# --------------------------------------------------------------------------------------------
# One test's session
# --------------------------------------------------------------------------------------------


@dataclass
class Session:
    browser: BrowserPeer
    ours: RtcpeerPeer
    server: SignalingServer
    topology: Topology

    async def describe(self) -> str:
        return f"{self.ours.describe()}\n{await self.browser.describe()}"


#: Set to a file name to get Chromium's WebRTC log there (a debugging aid).
LOG_VARIABLE = "RTCPEER_CHROMIUM_LOG"
LOG_FLAGS = "--enable-logging=stderr --v=0 --vmodule=*/webrtc/*=1,*/p2p/*=1,*/pc/*=1,*dcsctp*=1"


def chromium_executable(namespace: str | None, directory: Path) -> str:
    """Chromium, or a script that starts it inside ``namespace`` and/or with its WebRTC
    log going to ``$RTCPEER_CHROMIUM_LOG`` (Playwright runs it as the executable)."""
    log = os.environ.get(LOG_VARIABLE)
    if namespace is None and not log:
        return CHROMIUM
    command = CHROMIUM
    if namespace is not None:
        binary = tool("ip")
        assert binary is not None
        command = f"{binary} netns exec {namespace} {CHROMIUM}"
    if log:
        command += f' {LOG_FLAGS} "$@" 2>>{log}'
    else:
        command += ' "$@"'
    script = directory / "chromium"
    script.write_text(f"#!/bin/sh\nexec {command}\n")
    script.chmod(0o755)
    return str(script)


@contextlib.asynccontextmanager
async def session(
    directory: Path,
    *,
    topology: Topology,
    host: str,
    chromium_namespace: str | None = None,
    flags: Sequence[str] = (),
    browser_configuration: dict[str, Any] | None = None,
    rtcpeer_configuration: RTCConfiguration | None = None,
) -> AsyncIterator[Session]:
    """The signalling server on ``host`` (an address here), an rtcpeer peer, and Chromium
    (in ``chromium_namespace``, else here) with the page loaded and started."""
    server = SignalingServer()
    ours: RtcpeerPeer | None = None
    args = [*BASE_FLAGS, f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {host}", *flags]
    try:
        url = await server.start(host)
        ours = RtcpeerPeer(RTCPeerConnection(rtcpeer_configuration), server)
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                str(directory / "profile"),
                executable_path=chromium_executable(chromium_namespace, directory),
                headless=True,
                args=args,
                timeout=60_000,
            )
            try:
                page = context.pages[0] if context.pages else await context.new_page()
                browser = BrowserPeer(page)
                await page.goto(url)
                await browser.start(browser_configuration)
                await asyncio.wait_for(server.connected.wait(), TIMEOUT)
                yield Session(browser, ours, server, topology)
            finally:
                await context.close()
    finally:
        if ours is not None:
            await ours.close()
        await server.close()


# --------------------------------------------------------------------------------------------
# What the tests do over the channels
# --------------------------------------------------------------------------------------------

SIZES = [0, 1, 1000, 1200, 16 * 1024, 64 * 1024, 200 * 1024]


def messages(tag: str) -> list[Message]:
    """Strings and binary messages of every size, each distinct (a tag and an index)."""
    out: list[Message] = []
    for i, size in enumerate(SIZES):
        prefix = f"{tag}{i}:"
        out.append((prefix.encode() + bytes(n % 251 for n in range(size)))[:size])
        out.append((prefix + "é" * size)[: size // 2])
    return out


def sort_key(message: Message) -> tuple[bool, bytes]:
    return isinstance(message, str), message.encode() if isinstance(message, str) else message


async def channels_open(s: Session, labels: Sequence[str]) -> None:
    """Wait until every channel in ``labels`` is open at both ends."""
    ours = s.ours
    await ours.until(
        lambda: all(
            label in ours.channels and ours.channels[label].readyState == "open" for label in labels
        ),
        f"channels {list(labels)} open",
    )
    condition = " && ".join(
        f"rtc.channel({json.dumps(label)})?.readyState === 'open'" for label in labels
    )
    await s.browser.until(condition, f"channels {list(labels)} open")


async def echo_both_ways(s: Session, label: str, *, ordered: bool) -> None:
    """rtcpeer sends every kind of message and Chromium echoes them; then Chromium sends
    and rtcpeer echoes. All come back intact (in order when ``ordered``)."""
    ours, browser = s.ours, s.browser
    # rtcpeer -> Chromium -> rtcpeer
    sent = messages(f"{label}/py")
    inbox = ours.inbox.setdefault(label, [])
    inbox.clear()
    await browser.echo(label, True)
    channel = ours.channels[label]
    for message in sent:
        channel.send(message)
    await ours.until(lambda: len(inbox) >= len(sent), f"{len(sent)} echoes on {label}")
    await browser.echo(label, False)
    got = list(inbox)
    if ordered:
        assert got == sent
    else:
        assert sorted(got, key=sort_key) == sorted(sent, key=sort_key)
    # Chromium -> rtcpeer -> Chromium
    sent = messages(f"{label}/js")
    ours.echoing.add(label)
    before = len(await browser.received(label))
    await browser.send(label, sent)
    await browser.until(
        f"rtc.channel({json.dumps(label)}).received >= {before + len(sent)}",
        f"{len(sent)} echoes on {label} in Chromium",
    )
    ours.echoing.discard(label)
    got = (await browser.received(label))[before:]
    if ordered:
        assert got == sent
    else:
        assert sorted(got, key=sort_key) == sorted(sent, key=sort_key)


class Stream:
    """rtcpeer sends "0", "1", "2" ... on ``channel``, one every ``interval`` seconds."""

    def __init__(self, channel: RTCDataChannel, interval: float = 0.02) -> None:
        self.channel = channel
        self.sent = 0
        self._task = asyncio.ensure_future(self._run(interval))

    async def _run(self, interval: float) -> None:
        while True:
            if self.channel.readyState == "open":
                self.channel.send(str(self.sent))
                self.sent += 1
            await asyncio.sleep(interval)  # the pace of the traffic, not a synchronisation

    async def stop(self) -> int:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return self.sent


def js(value: Any) -> str:
    """``value`` as a JavaScript literal."""
    return json.dumps(value)


@dataclass
class StreamResult:
    from_chromium: int
    from_rtcpeer: int


async def stream_both_ways(
    s: Session, label: str
) -> tuple[Stream, Callable[[], Awaitable[StreamResult]]]:
    """Start a stream of numbered messages each way on ``label`` and wait until both
    flow; returns the rtcpeer stream and a coroutine function that stops both streams,
    waits for every message and checks none was lost, duplicated or reordered."""
    ours, browser = s.ours, s.browser
    inbox = ours.inbox[label]
    stream = Stream(ours.channels[label])
    await browser.call("startStream", label, 20)
    await ours.until(lambda: len(inbox) >= 10, "the stream from Chromium")
    await browser.until(f"rtc.channel({js(label)}).received >= 10", "the stream from rtcpeer")

    async def finish() -> StreamResult:
        sent_by_us = await stream.stop()
        sent_by_chromium = await browser.call("stopStream", label)
        await ours.until(lambda: len(inbox) >= sent_by_chromium, "every message from Chromium")
        await browser.until(
            f"rtc.channel({js(label)}).received >= {sent_by_us}", "every message from rtcpeer"
        )
        assert inbox == [str(i) for i in range(sent_by_chromium)]
        assert await browser.received(label) == [str(i) for i in range(sent_by_us)]
        return StreamResult(sent_by_chromium, sent_by_us)

    return stream, finish


async def more_messages(s: Session, label: str, count: int = 10) -> None:
    """Wait until ``count`` more messages of the streams arrived on each side."""
    inbox = s.ours.inbox[label]
    ours_now = len(inbox)
    theirs_now = (await s.browser.call("channel", label))["received"]
    await s.ours.until(lambda: len(inbox) >= ours_now + count, "more of Chromium's stream")
    await s.browser.until(
        f"rtc.channel({js(label)}).received >= {theirs_now + count}", "more of rtcpeer's stream"
    )
