"""An rtcpeer RTCPeerConnection in its own process (inside a network namespace), driven
over stdin/stdout as JSON lines by ``tests/interop/test_nat_namespaces.py``.

Run as ``python nat_peer.py CONFIG_JSON``; CONFIG has ``name``, ``ice_servers`` (a list
of RTCIceServer dictionaries), ``policy`` (iceTransportPolicy), ``ice_config`` (IceConfig
fields, rtcpeer's extension), ``offerer`` (creates the data channel and so makes the first
offer) and ``restart_on`` (iceConnectionStates on which the peer calls ``restartIce()`` by
itself, MDN's recipe; empty: only when told).

Signalling is JSEP with trickle: whoever gets ``negotiationneeded`` makes an offer. Every
line the test receives from one peer of type ``description`` or ``candidate`` it forwards
to the other peer unchanged.

To the test (each with ``"t"``, ``time.monotonic()``: the clock is system-wide):

- ``{"type": "description", "description": {"type", "sdp"}}``
- ``{"type": "candidate", "candidate": RTCIceCandidateInit}`` (``candidate == ""``: the end
  of a generation)
- ``{"type": "state", "ice": iceConnectionState, "connection": connectionState}``
- ``{"type": "pair", "local": ..., "remote": ..., "current": bool}``: the selected pair
  changed; ``current`` when its local candidate belongs to the newest ICE generation
- ``{"type": "open"}``: the data channel is open
- ``{"type": "restarting", "state": ...}``: restartIce() called by the recipe
- ``{"type": "report", ...}``, ``{"type": "finished", "sent": n}``,
  ``{"type": "received", ...}``: answers to the commands below
- ``{"type": "error", "error": traceback}``

From the test: ``description`` and ``candidate`` (the other peer's), and the commands
``send`` (``interval``: start sending "1", "2", ... on the channel), ``finish`` (stop
sending; answers how many were sent), ``expect`` (``count``, ``timeout``: answers once that
many messages arrived, or at the timeout), ``restart`` (``restartIce()``), ``report``
(selected pair, candidate types from getStats, states) and ``close``.

Received messages are checked as they arrive: each must be the number after the previous
one (reliable, ordered channel: nothing lost, duplicated or reordered).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import traceback
from typing import Any

from rtcpeer import (
    RTCConfiguration,
    RTCIceCandidate,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from rtcpeer.ice import IceConfig


def describe(candidate: RTCIceCandidate) -> dict[str, Any]:
    return {
        "type": str(candidate.type),
        "address": candidate.address,
        "port": candidate.port,
        "ufrag": candidate.usernameFragment,
    }


class Peer:
    def __init__(self, config: dict[str, Any]) -> None:
        self.name: str = config["name"]
        servers = [RTCIceServer(**server) for server in config.get("ice_servers", [])]
        ice_config = IceConfig(**config["ice_config"]) if config.get("ice_config") else None
        self.pc = RTCPeerConnection(
            RTCConfiguration(iceServers=servers, iceTransportPolicy=config.get("policy", "all")),
            ice_config=ice_config,
        )
        self.offerer: bool = config.get("offerer", False)
        self.restart_on: set[str] = set(config.get("restart_on", []))
        self.channel: Any = None
        self.sent = 0
        self.received = 0
        self.anomalies: list[tuple[int, str]] = []
        self.max_gap = 0.0
        self.last_arrival: float | None = None
        self.sender: asyncio.Task[None] | None = None
        self.arrived = asyncio.Event()
        self.done = asyncio.Event()
        self.tasks: set[asyncio.Task[Any]] = set()
        pc = self.pc
        pc.on("negotiationneeded", self.on_negotiation_needed)
        pc.on("icecandidate", self.on_candidate)
        pc.on("iceconnectionstatechange", self.on_ice_state)
        pc.on("connectionstatechange", self.on_connection_state)
        pc.on("datachannel", self.use_channel)
        pc.on("icecandidateerror", self.on_candidate_error)
        pc.iceTransport.on("selectedcandidatepairchange", self.on_pair)

    # ------------------------------------------------------------------ output

    def write(self, message: dict[str, Any]) -> None:
        message["t"] = time.monotonic()
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.finished_task)

    def finished_task(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            self.write({"type": "error", "error": "".join(traceback.format_exception(error))})

    # ------------------------------------------------------------------ events

    def on_negotiation_needed(self) -> None:
        self.spawn(self.offer())

    async def offer(self) -> None:
        if self.pc.signalingState != "stable":
            return
        await self.pc.setLocalDescription()
        description = self.pc.localDescription
        assert description is not None
        self.write({"type": "description", "description": description.toJSON()})

    def on_candidate(self, candidate: RTCIceCandidate | None) -> None:
        if candidate is not None:
            self.write({"type": "candidate", "candidate": candidate.toJSON()})

    def on_candidate_error(self, event: Any) -> None:
        self.write(
            {
                "type": "candidate-error",
                "url": event.url,
                "code": event.errorCode,
                "text": event.errorText,
            }
        )

    def on_ice_state(self) -> None:
        state = self.pc.iceConnectionState
        self.write({"type": "state", "ice": state, "connection": self.pc.connectionState})
        if state in self.restart_on and self.pc.signalingState == "stable":
            self.write({"type": "restarting", "state": state})
            self.pc.restartIce()

    def on_connection_state(self) -> None:
        self.write(
            {
                "type": "state",
                "ice": self.pc.iceConnectionState,
                "connection": self.pc.connectionState,
            }
        )

    def on_pair(self) -> None:
        pair = self.pc.iceTransport.getSelectedCandidatePair()
        if pair is None:
            self.write({"type": "pair", "local": None, "remote": None, "current": False})
            return
        current = self.pc.iceTransport.getLocalParameters()
        self.write(
            {
                "type": "pair",
                "local": describe(pair.local),
                "remote": describe(pair.remote),
                "current": current is not None and pair.local.ufrag == current.usernameFragment,
            }
        )

    def use_channel(self, channel: Any) -> None:
        self.channel = channel
        channel.on("message", self.on_message)
        if channel.readyState == "open":
            self.write({"type": "open"})
        else:
            channel.on("open", lambda: self.write({"type": "open"}))

    def on_message(self, message: bytes | str) -> None:
        now = time.monotonic()
        if self.last_arrival is not None:
            self.max_gap = max(self.max_gap, now - self.last_arrival)
        self.last_arrival = now
        text = message.decode() if isinstance(message, bytes) else message
        if text != str(self.received + 1) and len(self.anomalies) < 20:
            self.anomalies.append((self.received + 1, text))
        self.received += 1
        self.arrived.set()

    # ------------------------------------------------------------------ commands

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        pc = self.pc
        if kind == "start":
            if self.offerer:
                self.use_channel(pc.createDataChannel("numbers", ordered=True))
        elif kind == "description":
            description = RTCSessionDescription(**message["description"])
            await pc.setRemoteDescription(description)
            if description.type == "offer":
                await pc.setLocalDescription()
                answer = pc.localDescription
                assert answer is not None
                self.write({"type": "description", "description": answer.toJSON()})
        elif kind == "candidate":
            await pc.addIceCandidate(message["candidate"])
        elif kind == "send":
            self.sender = asyncio.ensure_future(self.send_numbers(message["interval"]))
        elif kind == "finish":
            if self.sender is not None:
                self.sender.cancel()
                self.sender = None
            self.write({"type": "finished", "sent": self.sent})
        elif kind == "expect":
            self.spawn(self.expect(message["count"], message["timeout"]))
        elif kind == "restart":
            pc.restartIce()
        elif kind == "report":
            self.write(await self.report())
        elif kind == "close":
            self.done.set()
        else:
            raise ValueError(f"unknown command {message!r}")

    async def send_numbers(self, interval: float) -> None:
        while True:
            if self.channel is not None and self.channel.readyState == "open":
                self.sent += 1
                self.channel.send(str(self.sent))
            await asyncio.sleep(interval)

    async def expect(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.received < count and time.monotonic() < deadline:
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), deadline - time.monotonic())
            except TimeoutError:
                break
        self.write(
            {
                "type": "received",
                "received": self.received,
                "anomalies": self.anomalies,
                "max_gap": self.max_gap,
            }
        )

    async def report(self) -> dict[str, Any]:
        pc = self.pc
        pair = pc.iceTransport.getSelectedCandidatePair()
        stats = await pc.getStats()
        stats_types: dict[str, Any] = {}
        transport = stats.get("T01")
        pair_id = transport.get("selectedCandidatePairId", "") if transport else ""
        pair_stats = stats.get(pair_id)
        for side in ("local", "remote"):
            entry = stats.get(pair_stats[f"{side}CandidateId"]) if pair_stats else None
            stats_types[side] = None if entry is None else entry["candidateType"]
        local_types = sorted({str(c.type) for c in pc.iceTransport.getLocalCandidates()})
        parameters = pc.iceTransport.getLocalParameters()
        return {
            "type": "report",
            "ice": pc.iceConnectionState,
            "connection": pc.connectionState,
            "local": None if pair is None else describe(pair.local),
            "remote": None if pair is None else describe(pair.remote),
            "stats": stats_types,
            "local_candidate_types": local_types,
            "ufrag": None if parameters is None else parameters.usernameFragment,
            "buffered": 0 if self.channel is None else self.channel.bufferedAmount,
            "sent": self.sent,
            "received": self.received,
        }

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

        async def read() -> None:
            while line := await reader.readline():
                try:
                    await self.handle(json.loads(line))
                except Exception:
                    self.write({"type": "error", "error": traceback.format_exc()})
            self.done.set()  # the test went away

        task = asyncio.ensure_future(read())
        self.write({"type": "ready"})
        try:
            await self.done.wait()
        finally:
            task.cancel()
            if self.sender is not None:
                self.sender.cancel()
            await self.pc.close()


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("RTCPEER_NAT_PEER_LOG", "WARNING"),
        stream=sys.stderr,
        format="%(relativeCreated)d %(name)s %(message)s",
    )
    asyncio.run(Peer(json.loads(sys.argv[1])).run())


if __name__ == "__main__":
    main()
