"""An rtcpeer ICE peer in its own process, signalled over stdin/stdout as JSON lines.

Run by ``tests/interop/test_two_processes.py`` as ``python peer_process.py [--controlling]``.
Host candidates are restricted to 127.0.0.1. Every datagram it receives over ICE is sent
back prefixed with ``echo:``.

Messages (one JSON object per line; the same in both directions unless noted):

- ``{"type": "parameters", "ufrag": ..., "pwd": ..., "restart": bool}``: ICE credentials.
  Received: applied with ``set_remote_parameters``; when that restarted this agent too, the
  new local parameters are sent back with ``"restart": true``.
- ``{"type": "candidate", "candidate": "candidate:...", "ufrag": ...}``: a trickled candidate.
- ``{"type": "end-of-candidates", "ufrag": ...}``.
- ``{"type": "state", "state": ..., "generation_count": n}`` (sent only): every state change.
- ``{"type": "info"}`` (received) -> ``{"type": "info", "state", "ufrag", "remote_ufrag",
  "generation_count", "selected"}``.
- ``{"type": "close"}`` (received): close the connection and exit.

A candidate is never sent before the parameters of its generation, so the peer can always
tell which generation it belongs to.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from rtcpeer.aio import IceConnection
from rtcpeer.ice import Candidate, IceTransportState


class Peer:
    def __init__(self, controlling: bool) -> None:
        self.conn = IceConnection(controlling=controlling, addresses=["127.0.0.1"])
        self.conn.on_candidate = self._on_candidate
        self.conn.on_state = self._on_state
        self.conn.on_data = self._on_data
        #: ufrags whose parameters were signalled; candidates of others wait in ``pending``.
        self.signalled: set[str] = set()
        self.pending: dict[str, list[dict[str, Any]]] = {}
        self.done = asyncio.Event()

    # ------------------------------------------------------------------ output

    def write(self, message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    def send_parameters(self, *, restart: bool) -> None:
        ufrag, pwd = self.conn.local_parameters
        self.write({"type": "parameters", "ufrag": ufrag, "pwd": pwd, "restart": restart})
        self.signalled.add(ufrag)
        for message in self.pending.pop(ufrag, []):
            self.write(message)

    def _on_candidate(self, candidate: Candidate | None, ufrag: str) -> None:
        if candidate is None:
            message: dict[str, Any] = {"type": "end-of-candidates", "ufrag": ufrag}
        else:
            message = {"type": "candidate", "candidate": candidate.to_sdp(), "ufrag": ufrag}
        if ufrag in self.signalled:
            self.write(message)
        else:
            self.pending.setdefault(ufrag, []).append(message)

    def _on_state(self, state: IceTransportState) -> None:
        self.write(
            {
                "type": "state",
                "state": str(state),
                "generation_count": self.conn.agent.generation_count,
            }
        )

    def _on_data(self, data: bytes) -> None:
        self.conn.send(b"echo:" + data)

    # ------------------------------------------------------------------ input

    def handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        conn = self.conn
        if kind == "parameters":
            if conn.set_remote_parameters(message["ufrag"], message["pwd"]):
                self.send_parameters(restart=True)
        elif kind == "candidate":
            conn.add_remote_candidate(Candidate.from_sdp(message["candidate"]), message["ufrag"])
        elif kind == "end-of-candidates":
            conn.add_remote_candidate(None, message["ufrag"])
        elif kind == "info":
            selected = conn.agent.selected_pair
            self.write(
                {
                    "type": "info",
                    "state": str(conn.state),
                    "ufrag": conn.local_parameters[0],
                    "remote_ufrag": conn.agent.remote_ufrag,
                    "generation_count": conn.agent.generation_count,
                    "selected": None
                    if selected is None
                    else [list(selected[0].transport_address), list(selected[1].transport_address)],
                }
            )
        elif kind == "close":
            self.done.set()
        else:
            raise ValueError(f"unknown message {message!r}")

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        await self.conn.gather()
        self.send_parameters(restart=False)

        async def read() -> None:
            while line := await reader.readline():
                self.handle(json.loads(line))
            self.done.set()  # the parent went away

        task = asyncio.ensure_future(read())
        try:
            await self.done.wait()
        finally:
            task.cancel()
            await self.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--controlling", action="store_true")
    args = parser.parse_args()
    asyncio.run(Peer(args.controlling).run())


if __name__ == "__main__":
    main()
