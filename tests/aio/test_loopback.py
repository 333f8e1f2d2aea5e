"""Two IceConnections on 127.0.0.1, trickling to each other through callbacks."""

from __future__ import annotations

import asyncio

from rtcpeer.aio import IceConnection
from rtcpeer.ice import Candidate, IceTransportState

S = IceTransportState


def wire(a: IceConnection, b: IceConnection) -> None:
    """Signalling: each candidate goes to the other side through its SDP text."""

    def forward(dst: IceConnection):
        def on_candidate(candidate: Candidate | None, ufrag: str) -> None:
            text = candidate.to_sdp() if candidate is not None else None
            asyncio.get_running_loop().call_soon(
                lambda: dst.add_remote_candidate(
                    Candidate.from_sdp(text) if text is not None else None, ufrag
                )
            )

        return on_candidate

    a.on_candidate = forward(b)
    b.on_candidate = forward(a)


async def test_two_agents_connect_on_loopback_and_exchange_data() -> None:
    a = IceConnection(controlling=True, addresses=["127.0.0.1"])
    b = IceConnection(controlling=False, addresses=["127.0.0.1"])
    wire(a, b)
    await a.gather()
    await b.gather()
    a.set_remote_parameters(*b.local_parameters)
    b.set_remote_parameters(*a.local_parameters)
    await asyncio.wait_for(asyncio.gather(a.connect(), b.connect()), 5.0)
    assert a.send(b"ping")
    assert await asyncio.wait_for(b.recv(), 2.0) == b"ping"
    assert b.send(b"pong")
    assert await asyncio.wait_for(a.recv(), 2.0) == b"pong"
    await a.close()
    await b.close()
    assert a.state is S.CLOSED
