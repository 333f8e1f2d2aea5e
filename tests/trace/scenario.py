"""A connection that loses its path, restarts ICE and recovers, recorded with
``rtcpeer.trace.record`` (issue 9's acceptance trace).

Two RTCPeerConnections on 127.0.0.1 stream messages both ways (~40 a second, 1 kB each).
Then every datagram of Alice's ICE sockets is dropped (``rtcpeer.cli.faults.SilentPath``)
for ``SILENCE`` seconds; ICE reports ``disconnected``, Alice's application restarts ICE as
MDN's ``restartIce()`` example does, the new generation's checks go unanswered until the
path carries again, and then the new pair takes the data.

``python -m tests.trace.scenario DIR`` writes ``DIR/trace.jsonl`` and ``DIR/trace.html``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from rtcpeer import RTCDataChannel, RTCIceCandidate, RTCPeerConnection
from rtcpeer.cli.faults import SilentPath
from rtcpeer.trace import Recorder, record

#: When the path goes silent after the channel opened, and for how long (seconds).
SILENT_AFTER = 2.0
SILENCE = 4.0
#: Streaming after recovery.
TAIL = 2.0
RATE = 40
TIMEOUT = 20.0


_pending: set[asyncio.Future[None]] = set()


async def _signal(src: RTCPeerConnection, dst: RTCPeerConnection) -> None:
    """Trickle src's candidates to dst (in memory: signalling is not the path that dies)."""

    @src.on("icecandidate")
    def on_candidate(candidate: RTCIceCandidate | None) -> None:
        if candidate is not None:
            task = asyncio.ensure_future(dst.addIceCandidate(candidate))
            _pending.add(task)
            task.add_done_callback(_pending.discard)


async def _negotiate(offerer: RTCPeerConnection, answerer: RTCPeerConnection) -> None:
    await offerer.setLocalDescription()
    assert offerer.localDescription is not None
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription()
    assert answerer.localDescription is not None
    await offerer.setRemoteDescription(answerer.localDescription)


async def _until(condition: object, what: str, timeout: float = TIMEOUT) -> None:
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.02)


async def run_scenario(path: Path) -> tuple[Recorder, dict[str, object]]:
    """Run the story, recording Alice to ``path``; (the recorder, facts for the tests)."""
    previous = os.environ.get("RTCPEER_ICE_ADDRESSES")
    os.environ["RTCPEER_ICE_ADDRESSES"] = "127.0.0.1"
    try:
        alice, bob = RTCPeerConnection(), RTCPeerConnection()
        recorder = record(alice, path, label="alice: path lost, ICE restart, recovery")
        await _signal(alice, bob)
        await _signal(bob, alice)
        restarts = 0

        @alice.on("iceconnectionstatechange")
        def on_state() -> None:
            nonlocal restarts
            # MDN's recipe: restart when the connection is disconnected or failed.
            if alice.iceConnectionState in ("disconnected", "failed") and restarts == 0:
                restarts += 1
                recorder.note("application calls restartIce()")
                alice.restartIce()

        negotiations: list[asyncio.Future[None]] = []
        alice.on(
            "negotiationneeded",
            lambda: negotiations.append(asyncio.ensure_future(_negotiate(alice, bob))),
        )
        channel = alice.createDataChannel("stream")
        incoming: list[RTCDataChannel] = []
        bob.on("datachannel", incoming.append)
        await _until(lambda: channel.readyState == "open" and incoming, "channel open")
        received = {"alice": 0, "bob": 0}
        incoming[0].on("message", lambda m: received.__setitem__("bob", received["bob"] + 1))
        channel.on("message", lambda m: received.__setitem__("alice", received["alice"] + 1))
        sent = 0
        stop = asyncio.Event()

        async def stream() -> None:
            nonlocal sent
            while not stop.is_set():
                payload = sent.to_bytes(4, "big") * 256
                if channel.readyState == "open":
                    channel.send(payload)
                if incoming[0].readyState == "open":
                    incoming[0].send(payload)
                sent += 1
                await asyncio.sleep(1 / RATE)

        streaming = asyncio.ensure_future(stream())
        await asyncio.sleep(SILENT_AFTER)
        silent = SilentPath(alice)
        recorder.note("path goes silent (every datagram of alice's sockets dropped)")
        silent.silent = True
        await asyncio.sleep(SILENCE)
        silent.silent = False
        recorder.note("path carries again")
        parameters = alice.iceTransport.getLocalParameters()
        assert parameters is not None

        def recovered() -> bool:
            pair = alice.iceTransport.getSelectedCandidatePair()
            return (
                alice.iceConnectionState in ("connected", "completed")
                and pair is not None
                and pair.local.usernameFragment == parameters.usernameFragment
                and restarts == 1
            )

        await _until(recovered, "recovery on the new generation")
        await asyncio.sleep(TAIL)
        stop.set()
        await streaming
        await _until(lambda: received["bob"] >= sent - 2, "the stream drained")
        for negotiation in negotiations:
            await negotiation
        secrets = {
            p.password
            for pc in (alice, bob)
            for p in (pc.iceTransport.getLocalParameters(), pc.iceTransport.getRemoteParameters())
            if p is not None and p.password
        }
        facts: dict[str, object] = {
            "restarts": restarts,
            "dropped_in": silent.dropped_in,
            "dropped_out": silent.dropped_out,
            "sent": sent,
            "received": dict(received),
            "secrets": secrets,
        }
        await recorder.close()
        await alice.close()
        await bob.close()
        return recorder, facts
    finally:
        if previous is None:
            os.environ.pop("RTCPEER_ICE_ADDRESSES", None)
        else:
            os.environ["RTCPEER_ICE_ADDRESSES"] = previous


def main(directory: str) -> None:
    from rtcpeer.trace import load, render_html, render_text

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(run_scenario(out / "trace.jsonl"))
    trace = load(out / "trace.jsonl")
    (out / "trace.html").write_text(render_html(trace), encoding="utf-8")
    sys.stdout.write(render_text(trace))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
