"""``rtcpeer serve``: a page any browser can open to get a data channel to Python.

An aiohttp application serves the page (:mod:`rtcpeer.cli.page`, self-contained) at ``/``
and its signalling at ``/ws``. Every websocket gets its own rtcpeer
:class:`~rtcpeer.RTCPeerConnection`, which

- follows MDN's "perfect negotiation" as the polite peer (the page is impolite), so the
  page may offer whenever it likes (its first offer, its "Restart ICE" button) and Python
  may too (the "Restart ICE from Python" button, or ICE ``failed``);
- trickles its candidates (never one before the description of its ICE generation);
- echoes every message on every data channel the page opens;
- reports its own iceConnectionState, connectionState, signalingState, ufrag and selected
  candidate pair to the page, which shows them beside the browser's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from itertools import count
from typing import Any, TextIO

from aiohttp import WSMsgType, web

from rtcpeer import RTCDataChannel, RTCIceCandidate, RTCPeerConnection, RTCSessionDescription
from rtcpeer.aio.addresses import ENVIRONMENT_VARIABLE
from rtcpeer.cli.page import PAGE

_sessions = count(1)


class BrowserSession:
    """The Python end of one page: an RTCPeerConnection signalled over its websocket."""

    def __init__(self, ws: web.WebSocketResponse, log: TextIO) -> None:
        self.ws = ws
        self.number = next(_sessions)
        self._log = log
        self.pc = RTCPeerConnection()
        self.making_offer = False
        self.ignore_offer = False
        self._outgoing: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._signalled_ufrags: set[str] = set()
        self._held: dict[str, list[dict[str, Any] | None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        pc = self.pc
        pc.on("negotiationneeded", lambda: self._spawn(self._negotiate()))
        pc.on("icecandidate", self._on_candidate)
        pc.on("iceconnectionstatechange", self._on_ice_state)
        pc.on(
            "connectionstatechange",
            lambda: self._report(f"connectionState {pc.connectionState}", pc.connectionState),
        )
        pc.on("signalingstatechange", lambda: self._report(None))
        pc.iceTransport.on("selectedcandidatepairchange", self._on_pair)
        pc.on("datachannel", self._adopt)

    def log(self, text: str) -> None:
        self._log.write(f"[page {self.number}] {text}\n")
        self._log.flush()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ to the page

    def _send(self, message: dict[str, Any]) -> None:
        self._outgoing.put_nowait(message)

    async def _write(self) -> None:
        while (message := await self._outgoing.get()) is not None:
            if self.ws.closed:
                return
            await self.ws.send_json(message)

    def _state(self) -> dict[str, Any]:
        pc = self.pc
        parameters = pc.iceTransport.getLocalParameters()
        pair = pc.iceTransport.getSelectedCandidatePair()
        return {
            "ice": pc.iceConnectionState,
            "connection": pc.connectionState,
            "signaling": pc.signalingState,
            "ufrag": parameters.usernameFragment if parameters else None,
            "pair": None
            if pair is None
            else {
                "local": f"{pair.local.address}:{pair.local.port} {pair.local.type} "
                f"{pair.local.protocol}",
                "remote": f"{pair.remote.address}:{pair.remote.port} {pair.remote.type} "
                f"{pair.remote.protocol}",
            },
        }

    def _report(self, event: str | None, state: str | None = None) -> None:
        """Python's state (and an event for the page's timeline) to the page."""
        if event is not None:
            self.log(event)
        self._send({"kind": "python", "state": self._state(), "event": event, "eventState": state})

    # ------------------------------------------------------------------ signalling

    async def _negotiate(self) -> None:
        try:
            self.making_offer = True
            await self.pc.setLocalDescription()
            self._send_description()
        except Exception as exc:
            self._report(f"negotiation failed: {exc!r}", "failed")
        finally:
            self.making_offer = False

    def _send_description(self) -> None:
        description = self.pc.localDescription
        assert description is not None
        self._send({"kind": "description", "description": description.toJSON()})
        ufrag = _ufrag(description.sdp)
        self._report(f"sends {description.type} (ufrag {ufrag})")
        if ufrag is not None:
            self._signalled_ufrags.add(ufrag)
            for init in self._held.pop(ufrag, []):
                self._send({"kind": "candidate", "candidate": init})

    def _on_candidate(self, candidate: RTCIceCandidate | None) -> None:
        init = None if candidate is None else candidate.toJSON()
        ufrag = None if candidate is None else candidate.usernameFragment
        if ufrag is not None and ufrag not in self._signalled_ufrags:
            self._held.setdefault(ufrag, []).append(init)
            return
        self._send({"kind": "candidate", "candidate": init})

    async def _apply(self, message: dict[str, Any]) -> None:
        pc = self.pc
        kind = message.get("kind")
        if kind == "description":
            init = message["description"]
            description = RTCSessionDescription(sdp=init["sdp"], type=init["type"])
            collision = description.type == "offer" and (
                self.making_offer or pc.signalingState != "stable"
            )
            self.ignore_offer = False  # Python is the polite peer: it never ignores
            if collision:
                self._report("rolls back its own offer, takes the page's (polite peer)")
            await pc.setRemoteDescription(description)
            self._report(f"applies the page's {description.type} (ufrag {_ufrag(init['sdp'])})")
            if description.type == "offer":
                await pc.setLocalDescription()
                self._send_description()
        elif kind == "candidate":
            try:
                await pc.addIceCandidate(message["candidate"])
            except Exception:
                if not self.ignore_offer:
                    raise
        elif kind == "restart":
            self._report("the page asks for an ICE restart: pc.restartIce()")
            pc.restartIce()

    # ------------------------------------------------------------------ events

    def _on_ice_state(self) -> None:
        state = self.pc.iceConnectionState
        self._report(f"iceConnectionState {state}", state)
        if state == "failed":  # MDN's recipe
            self._report("pc.restartIce() (iceConnectionState failed)")
            self.pc.restartIce()

    def _on_pair(self) -> None:
        state = self._state()
        if state["pair"] is not None:
            pair = state["pair"]
            self._report(f"selected pair {pair['local']} <-> {pair['remote']}")

    def _adopt(self, channel: RTCDataChannel) -> None:
        self._report(f"data channel {channel.label!r} from the page: echoing")

        def echo(message: str | bytes) -> None:
            if channel.readyState == "open":
                channel.send(message)

        channel.on("message", echo)

    # ------------------------------------------------------------------ life

    async def run(self) -> None:
        writer = asyncio.ensure_future(self._write())
        self._report("signalling websocket open")
        try:
            async for raw in self.ws:
                if raw.type != WSMsgType.TEXT:
                    continue
                message = json.loads(raw.data)
                try:
                    await self._apply(message)
                except Exception as exc:
                    self._report(f"error applying {message.get('kind')}: {exc!r}", "failed")
        finally:
            self.log("websocket closed: closing the peer connection")
            for task in list(self._tasks):
                task.cancel()
            await self.pc.close()
            self._outgoing.put_nowait(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer, 1.0)
            writer.cancel()


def _ufrag(sdp: str | None) -> str | None:
    for line in (sdp or "").splitlines():
        if line.startswith("a=ice-ufrag:"):
            return line.split(":", 1)[1].strip()
    return None


def make_app(log: TextIO = sys.stdout) -> web.Application:
    """The aiohttp application: ``/`` the page, ``/ws`` its signalling."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def no_icon(request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20.0)
        await ws.prepare(request)
        await BrowserSession(ws, log).run()
        return ws

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/favicon.ico", no_icon)
    app.router.add_get("/ws", websocket)
    return app


async def serve(host: str, port: int, log: TextIO = sys.stdout) -> None:
    """Serve until SIGINT/SIGTERM; print the page's URL first."""
    runner = web.AppRunner(make_app(log), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    bound = port
    if isinstance(server, asyncio.Server) and server.sockets:
        bound = int(server.sockets[0].getsockname()[1])
    shown = f"[{host}]" if ":" in host else host
    log.write(f"rtcpeer serve: open http://{shown}:{bound}/ in a browser (Ctrl-C stops)\n")
    log.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def run_serve(host: str, port: int, *, ice_addresses: str | None = None) -> int:
    """``rtcpeer serve``: 0 after a clean stop."""
    if ice_addresses is not None:
        os.environ[ENVIRONMENT_VARIABLE] = ice_addresses
    asyncio.run(serve(host, port))
    return 0
