"""Recording a connection's story to a JSON lines file.

One line in any application (with a running event loop, e.g. right after creating the
peer connection)::

    rtcpeer.trace.record(pc, "call.jsonl")

From then on every state change (ICE, DTLS, SCTP, the peer connection's aggregates,
signalling, gathering) is written with its reason, as are selected-pair changes, ICE
restarts (either side: a new ufrag), local candidates and candidate errors, data channels
opening and closing, and a compact ``getStats()`` sample every ``interval`` seconds (the
selected pair's RTT and counters, the transport's bytes and drop counters, the channels).
The file is flushed line by line, so a crash leaves a readable trace, and it is closed
when the connection is (or by :meth:`Recorder.close`). ``rtcpeer trace call.jsonl
[--html call.html]`` renders it.

Nothing secret is written: no ICE password, no TURN credential (candidates, ufrags and
addresses are, as in webrtc-internals).

Each line is one JSON object with ``t`` (milliseconds since the UNIX epoch) and ``kind``:
``header``, ``state`` (``layer``, ``state``, ``reason``), ``pair`` (``local``/``remote``
or null, ``reason``), ``restart`` (``side``, ``ufrag``, ``previous``), ``candidate``,
``candidate-error``, ``datachannel`` (``label``, ``id``, ``state``), ``negotiation``,
``note`` (:meth:`Recorder.note`), ``stats`` (``pair``, ``transport``, ``channels``) and
``end``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from rtcpeer.pc.stats import EXTENSION_PREFIXES, W3C_FIELDS, RTCStats, RTCStatsReport

if TYPE_CHECKING:
    from rtcpeer.pc.datachannel import RTCDataChannel
    from rtcpeer.pc.objects import RTCIceCandidate, RTCPeerConnectionIceErrorEvent
    from rtcpeer.pc.peerconnection import RTCPeerConnection

FORMAT_VERSION = 1
#: Selected-pair fields a stats sample keeps.
PAIR_FIELDS = (
    "state",
    "nominated",
    "bytesSent",
    "bytesReceived",
    "packetsSent",
    "packetsReceived",
    "currentRoundTripTime",
    "totalRoundTripTime",
    "requestsSent",
    "requestsReceived",
    "responsesSent",
    "responsesReceived",
    "consentRequestsSent",
    "availableOutgoingBitrate",
    "lastPacketSentTimestamp",
    "lastPacketReceivedTimestamp",
)
TRANSPORT_FIELDS = (
    "bytesSent",
    "bytesReceived",
    "packetsSent",
    "packetsReceived",
    "iceState",
    "dtlsState",
    "selectedCandidatePairChanges",
)
CHANNEL_FIELDS = (
    "label",
    "state",
    "messagesSent",
    "messagesReceived",
    "bytesSent",
    "bytesReceived",
)


def record(
    pc: RTCPeerConnection,
    path: str | Path,
    *,
    interval: float = 0.5,
    label: str = "",
    full_stats: bool = False,
) -> Recorder:
    """Record ``pc`` to ``path`` (JSON lines); see the module docstring. ``full_stats``
    writes every sample's whole report instead of the compact summary."""
    return Recorder(pc, path, interval=interval, label=label, full_stats=full_stats)


class Recorder:
    """Writes one peer connection's events and stats samples to a JSON lines file."""

    def __init__(
        self,
        pc: RTCPeerConnection,
        path: str | Path,
        *,
        interval: float = 0.5,
        label: str = "",
        full_stats: bool = False,
    ) -> None:
        self.pc = pc
        self.path = Path(path)
        self.interval = interval
        self.full_stats = full_stats
        self._file: IO[str] | None = self.path.open("w", encoding="utf-8")
        self._task: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        self._listeners: list[tuple[Any, str, Callable[..., None]]] = []
        self._channels: set[int] = set()
        ice = pc.iceTransport
        local = ice.getLocalParameters()
        remote = ice.getRemoteParameters()
        self._ufrags: dict[str, str | None] = {
            "local": local.usernameFragment if local else None,
            "remote": remote.usernameFragment if remote else None,
        }
        from rtcpeer import __version__

        self._write(
            {
                "kind": "header",
                "version": FORMAT_VERSION,
                "rtcpeer": __version__,
                "label": label,
                "interval": interval,
                "states": {
                    "signaling": pc.signalingState,
                    "ice": ice.state,
                    "gathering": ice.gatheringState,
                    "dtls": pc.dtlsTransport.state,
                    "sctp": pc._sctp.state,
                    "iceConnection": pc.iceConnectionState,
                    "connection": pc.connectionState,
                },
                "ufrag": self._ufrags["local"],
            }
        )
        self._subscribe()
        self._start_sampling()

    # -- public --------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._file is None

    def note(self, text: str, **fields: Any) -> None:
        """An application's own line in the timeline ("user switched to cellular")."""
        self._write({"kind": "note", "text": text, **fields})

    async def sample(self) -> None:
        """Write one stats sample now."""
        self._poll()
        report = await self.pc.getStats()
        self._write(self._sample(report))

    async def close(self) -> None:
        """A last stats sample, an ``end`` line, and the file is closed."""
        if self._file is None:
            return
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            await self.sample()
        self._finish()

    # -- writing ---------------------------------------------------------------------------

    def _write(self, entry: dict[str, Any]) -> None:
        if self._file is None:
            return
        line = {"t": round(time.time() * 1000.0, 3), **entry}
        self._file.write(json.dumps(line, separators=(",", ":"), default=str) + "\n")
        self._file.flush()

    def _finish(self) -> None:
        self._write({"kind": "end", "states": {"connection": self.pc.connectionState}})
        for emitter, event, handler in self._listeners:
            with contextlib.suppress(Exception):
                emitter.remove_listener(event, handler)
        self._listeners.clear()
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- events ----------------------------------------------------------------------------

    def _on(self, emitter: Any, event: str, handler: Callable[..., None]) -> None:
        def guarded(*args: Any) -> None:
            if self._file is None:
                return
            try:
                handler(*args)
            except Exception as exc:  # a trace must never break the application
                self._write({"kind": "note", "text": f"recorder error: {exc!r}"})
            self._start_sampling()

        emitter.on(event, guarded)
        self._listeners.append((emitter, event, guarded))

    def _subscribe(self) -> None:
        pc = self.pc
        ice = pc.iceTransport
        dtls = pc.dtlsTransport
        sctp = pc._sctp
        self._on(ice, "statechange", lambda: self._state("ice", ice.state, ice.state_reason))
        self._on(
            ice,
            "gatheringstatechange",
            lambda: self._state("gathering", ice.gatheringState, ""),
        )
        self._on(ice, "selectedcandidatepairchange", self._pair)
        self._on(dtls, "statechange", lambda: self._state("dtls", dtls.state, dtls.state_reason))
        self._on(sctp, "statechange", lambda: self._state("sctp", sctp.state, sctp.state_reason))
        self._on(pc, "signalingstatechange", self._signaling)
        self._on(
            pc,
            "iceconnectionstatechange",
            lambda: self._state("iceConnection", pc.iceConnectionState, ""),
        )
        self._on(
            pc,
            "connectionstatechange",
            lambda: self._state("connection", pc.connectionState, ""),
        )
        self._on(pc, "icecandidate", self._candidate)
        self._on(pc, "icecandidateerror", self._candidate_error)
        self._on(pc, "negotiationneeded", lambda: self._write({"kind": "negotiation"}))
        self._on(pc, "datachannel", self._watch_channel)
        self._poll()

    def _state(self, layer: str, state: str, reason: str) -> None:
        self._write({"kind": "state", "layer": layer, "state": state, "reason": reason})
        self._check_restart()
        if layer == "connection" and state == "closed":
            self._closing()

    def _signaling(self) -> None:
        self._state("signaling", self.pc.signalingState, "")

    def _pair(self) -> None:
        ice = self.pc.iceTransport
        pair = ice.getSelectedCandidatePair()
        self._write(
            {
                "kind": "pair",
                "local": _candidate(pair.local) if pair else None,
                "remote": _candidate(pair.remote) if pair else None,
                "reason": ice.selected_pair_reason,
            }
        )
        self._check_restart()

    def _candidate(self, candidate: RTCIceCandidate | None) -> None:
        if candidate is None:
            self._write({"kind": "candidate", "end": True})
        elif not candidate.candidate:
            self._write({"kind": "candidate", "end": True, "ufrag": candidate.usernameFragment})
        else:
            self._write({"kind": "candidate", **_candidate(candidate)})
        self._check_restart()

    def _candidate_error(self, event: RTCPeerConnectionIceErrorEvent) -> None:
        self._write(
            {
                "kind": "candidate-error",
                "url": event.url,
                "address": event.address,
                "port": event.port,
                "errorCode": event.errorCode,
                "errorText": event.errorText,
            }
        )

    def _check_restart(self) -> None:
        """A new ufrag on either side is an ICE restart (RFC 8445 §9)."""
        ice = self.pc.iceTransport
        local = ice.getLocalParameters()
        remote = ice.getRemoteParameters()
        for side, parameters in (("local", local), ("remote", remote)):
            ufrag = parameters.usernameFragment if parameters is not None else None
            previous = self._ufrags[side]
            if ufrag is not None and ufrag != previous:
                self._ufrags[side] = ufrag
                if previous is not None:
                    self._write(
                        {"kind": "restart", "side": side, "ufrag": ufrag, "previous": previous}
                    )

    def _poll(self) -> None:
        """Watch channels created since the last look (createDataChannel fires nothing)."""
        for channel in list(self.pc._data_channels):
            self._watch_channel(channel)

    def _watch_channel(self, channel: RTCDataChannel) -> None:
        if id(channel) in self._channels:
            return
        self._channels.add(id(channel))

        def changed(state: str) -> Callable[[], None]:
            return lambda: self._write(
                {"kind": "datachannel", "label": channel.label, "id": channel.id, "state": state}
            )

        for event in ("open", "closing", "close"):
            self._on(channel, event, changed("closed" if event == "close" else event))
        if channel.readyState != "connecting":
            changed(channel.readyState)()

    # -- sampling --------------------------------------------------------------------------

    def _start_sampling(self) -> None:
        if self._task is not None or self._file is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # started by the first event, which runs in the loop
        self._task = loop.create_task(self._run())

    async def _run(self) -> None:
        while self._file is not None:
            if self.pc.connectionState == "closed":
                self._closing()
                return
            with contextlib.suppress(Exception):
                await self.sample()
            await asyncio.sleep(self.interval)

    def _closing(self) -> None:
        """The connection closed: one last sample, then the file is closed."""
        if self._file is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._finish()
            return
        self._closer = loop.create_task(self.close())

    def _sample(self, report: RTCStatsReport) -> dict[str, Any]:
        if self.full_stats:
            return {"kind": "stats", "report": report}
        transport = report.get("T01", RTCStats())
        entry: dict[str, Any] = {"kind": "stats"}
        pair_id = transport.get("selectedCandidatePairId")
        pair = report.get(pair_id) if pair_id else None
        if pair is not None:
            compact = {name: pair[name] for name in PAIR_FIELDS if name in pair}
            compact["id"] = pair_id
            for side in ("local", "remote"):
                candidate = report.get(pair[f"{side}CandidateId"])
                if candidate is not None:
                    compact[side] = _stats_candidate(candidate)
            entry["pair"] = compact
        counters = {
            name: value
            for name, value in transport.items()
            if value and name not in W3C_FIELDS["transport"] and _is_extension(name)
        }
        entry["transport"] = {
            **{name: transport[name] for name in TRANSPORT_FIELDS if name in transport},
            **({"dropped": counters} if counters else {}),
        }
        entry["channels"] = [
            {name: stats[name] for name in CHANNEL_FIELDS if name in stats}
            for stats in report.of_type("data-channel")
        ]
        return entry


def _is_extension(name: str) -> bool:
    """rtcpeer's own counters: a layer prefix, then a capital (see rtcpeer.pc.stats)."""
    return any(
        name.startswith(prefix) and name[len(prefix) : len(prefix) + 1].isupper()
        for prefix in EXTENSION_PREFIXES
    )


def _candidate(candidate: RTCIceCandidate) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "address": candidate.address,
        "port": candidate.port,
        "type": str(candidate.type) if candidate.type is not None else None,
        "protocol": candidate.protocol,
        "ufrag": candidate.usernameFragment,
    }
    if candidate.url:
        entry["url"] = candidate.url
    if candidate.relayProtocol:
        entry["relayProtocol"] = candidate.relayProtocol
    return entry


def _stats_candidate(stats: RTCStats) -> dict[str, Any]:
    return {
        "address": stats.get("address"),
        "port": stats.get("port"),
        "type": stats.get("candidateType"),
        "ufrag": stats.get("usernameFragment"),
    }
