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


async def _pair(addresses: list[str]) -> tuple[IceConnection, IceConnection]:
    a = IceConnection(controlling=True, addresses=addresses)
    b = IceConnection(controlling=False, addresses=addresses)
    wire(a, b)
    await a.gather()
    await b.gather()
    a.set_remote_parameters(*b.local_parameters)
    b.set_remote_parameters(*a.local_parameters)
    await asyncio.wait_for(asyncio.gather(a.connect(), b.connect()), 5.0)
    return a, b


async def test_ipv6_loopback() -> None:
    a, b = await _pair(["::1"])
    pair = a.agent.selected_pair
    assert pair is not None and pair[0].address == "::1" and pair[1].address == "::1"
    assert a.send(b"six")
    assert await asyncio.wait_for(b.recv(), 2.0) == b"six"
    await a.close()
    await b.close()


async def test_restart_on_real_sockets_loses_no_datagram() -> None:
    """restartIce() while datagrams flow both ways: every one arrives (MDN; item 73)."""
    a, b = await _pair(["127.0.0.1"])
    count = 200
    got_a: list[bytes] = []
    got_b: list[bytes] = []
    all_in = asyncio.Event()

    def receiver(into: list[bytes]):
        def on_data(data: bytes) -> None:
            into.append(data)
            if len(got_a) == len(got_b) == count:
                all_in.set()

        return on_data

    a.on_data, b.on_data = receiver(got_a), receiver(got_b)
    states: list[S] = []
    a.on_state = states.append
    old = (a.local_parameters[0], b.local_parameters[0])
    sent = 0
    for i in range(count):
        assert a.send(f"a{i}".encode()) and b.send(f"b{i}".encode())
        sent += 1
        if i == 50:
            await a.restart()
            if b.set_remote_parameters(*a.local_parameters):
                a.set_remote_parameters(*b.local_parameters, offer=False)
        await asyncio.sleep(0.005)  # the stream's pace (200 datagrams/s), not synchronisation
    await asyncio.wait_for(all_in.wait(), 5.0)
    assert got_b == [f"a{i}".encode() for i in range(sent)]
    assert got_a == [f"b{i}".encode() for i in range(sent)]
    assert (a.local_parameters[0], b.local_parameters[0]) != old
    assert a.agent.generation_count == 2 and b.agent.generation_count == 2
    await asyncio.wait_for(a.wait_for_state(S.COMPLETED), 5.0)
    pair = a.agent.selected_pair
    assert pair is not None and pair[0].ufrag == a.local_parameters[0]  # the new generation
    assert S.DISCONNECTED not in states and S.FAILED not in states and S.CHECKING not in states
    await a.close()
    await b.close()
