"""TURN relaying through a real coturn on 127.0.0.1 (issue 6).

- two rtcpeer RTCPeerConnections with iceTransportPolicy "relay" over turn: (UDP),
  turn:?transport=tcp and turns: (TLS) exchange data-channel messages;
- rtcpeer with policy "relay" against aiortc (aiortc on its host candidate, or relayed too);
- policy "all" with TURN configured on both sides;
- a wrong password (401), an untrusted certificate (701) and an unreachable server (701)
  each produce the right icecandidateerror, and the connection uses what else works;
- an ICE restart keeps the allocation; setConfiguration's new servers apply at the restart;
- close() releases the allocations (Refresh with LIFETIME 0, seen in coturn's log).

Host candidates are restricted to 127.0.0.1 (RTCPEER_ICE_ADDRESSES; aioice patched).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from typing import Any

import aioice.ice
import aiortc
import pytest

from rtcpeer import (
    RTCConfiguration,
    RTCIceCandidate,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from rtcpeer.ice import CandidateType, IceConfig
from rtcpeer.pc.objects import RTCPeerConnectionIceErrorEvent

from .coturn import Coturn, CoturnUnavailable, running_coturn

pytestmark = pytest.mark.interop
TIMEOUT = 15.0
#: (scheme, transport query) of each way to reach coturn.
KINDS = {"udp": ("turn", None), "tcp": ("turn", "tcp"), "tls": ("turns", None)}


@pytest.fixture(scope="module")
def coturn() -> Iterator[Coturn]:
    try:
        with running_coturn() as server:
            yield server
    except CoturnUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: ["127.0.0.1"])


def turn_server(coturn: Coturn, kind: str, *, password: str | None = None) -> RTCIceServer:
    scheme, transport = KINDS[kind]
    return RTCIceServer(
        urls=coturn.url(scheme, transport),
        username=coturn.username,
        credential=coturn.password if password is None else password,
    )


def configuration(
    coturn: Coturn, *servers: RTCIceServer, policy: str = "relay", ca: str | None = None
) -> RTCConfiguration:
    return RTCConfiguration(
        iceServers=list(servers),
        iceTransportPolicy=policy,  # type: ignore[arg-type]
        tlsCaFile=coturn.ca_file if ca is None else ca,
    )


class Peer:
    """An rtcpeer RTCPeerConnection with its gathered candidates and errors recorded."""

    def __init__(self, config: RTCConfiguration, ice_config: IceConfig | None = None) -> None:
        self.pc = RTCPeerConnection(config, ice_config=ice_config)
        self.candidates: list[RTCIceCandidate] = []
        self.errors: list[RTCPeerConnectionIceErrorEvent] = []
        self._error_seen = asyncio.Event()
        self.pc.on("icecandidate", self._candidate)
        self.pc.on("icecandidateerror", self._error)

    def _candidate(self, candidate: RTCIceCandidate | None) -> None:
        if candidate is not None and candidate.candidate:
            self.candidates.append(candidate)

    def _error(self, event: RTCPeerConnectionIceErrorEvent) -> None:
        self.errors.append(event)
        self._error_seen.set()

    def candidate_types(self) -> set[str]:
        return {str(c.parsed.type) for c in self.candidates if c.parsed is not None}

    async def wait_error(self, code: int) -> RTCPeerConnectionIceErrorEvent:
        async def wait() -> RTCPeerConnectionIceErrorEvent:
            while True:
                for error in self.errors:
                    if error.errorCode == code:
                        return error
                self._error_seen.clear()
                await self._error_seen.wait()

        return await asyncio.wait_for(wait(), TIMEOUT)

    def selected_local_type(self) -> CandidateType | None:
        pair = self.pc.iceTransport.getSelectedCandidatePair()
        return None if pair is None else pair.local.type


_pending: set[asyncio.Future[None]] = set()


def set_when(event: asyncio.Event, condition: Callable[[], bool]) -> Callable[[], None]:
    """An event handler that sets ``event`` once ``condition()`` holds."""

    def handler() -> None:
        if condition():
            event.set()

    return handler


def first_result(future: asyncio.Future[Any]) -> Callable[[Any], None]:
    """An event handler that resolves ``future`` with its first argument, once."""

    def handler(value: Any) -> None:
        if not future.done():
            future.set_result(value)

    return handler


def trickle(src: Peer, dst: Peer) -> None:
    @src.pc.on("icecandidate")
    def forward(candidate: RTCIceCandidate | None) -> None:
        if candidate is not None:
            task = asyncio.ensure_future(dst.pc.addIceCandidate(candidate))
            _pending.add(task)
            task.add_done_callback(_pending.discard)


async def negotiate(offerer: RTCPeerConnection, answerer: RTCPeerConnection) -> None:
    await offerer.setLocalDescription()
    assert offerer.localDescription is not None
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription()
    assert answerer.localDescription is not None
    await offerer.setRemoteDescription(answerer.localDescription)


async def open_channels(a: Peer, b: Peer) -> tuple[Any, Any]:
    """Trickle both ways, negotiate, and wait until a's channel is open at both ends."""
    trickle(a, b)
    trickle(b, a)
    channel = a.pc.createDataChannel("relay")
    opened = asyncio.Event()
    channel.on("open", opened.set)
    remote: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    b.pc.on("datachannel", first_result(remote))
    await negotiate(a.pc, b.pc)
    await asyncio.wait_for(opened.wait(), TIMEOUT)
    return channel, await asyncio.wait_for(remote, TIMEOUT)


async def exchange(one: Any, other: Any, count: int = 10, tag: str = "") -> None:
    """``count`` messages of growing size each way, all received intact and in order."""
    for sender, receiver in ((one, other), (other, one)):
        got: list[Any] = []
        done = asyncio.Event()

        def on_message(message: Any, got: list[Any] = got, done: asyncio.Event = done) -> None:
            got.append(message)
            if len(got) == count:
                done.set()

        receiver.remove_all_listeners("message")
        receiver.on("message", on_message)
        sent = [f"{tag}{i}:" + "x" * (i * 301) for i in range(count)]
        for message in sent:
            sender.send(message)
        await asyncio.wait_for(done.wait(), TIMEOUT)
        assert got == sent


def releases(coturn: Coturn) -> int:
    """Allocations coturn saw released by a Refresh with LIFETIME 0."""
    return sum(
        1 for line in coturn.log().splitlines() if "refreshed" in line and "lifetime=0" in line
    )


def allocations(coturn: Coturn) -> int:
    return sum(1 for line in coturn.log().splitlines() if "ALLOCATE processed, success" in line)


# ------------------------------------------------------------------------------ rtcpeer x2


@pytest.mark.parametrize("kind", list(KINDS))
async def test_two_rtcpeers_relay_only(coturn: Coturn, kind: str) -> None:
    a = Peer(configuration(coturn, turn_server(coturn, kind)))
    b = Peer(configuration(coturn, turn_server(coturn, kind)))
    released_before = releases(coturn)
    channel, peer_channel = await open_channels(a, b)
    await exchange(channel, peer_channel, tag=kind)
    # Only relayed candidates were gathered and used (iceTransportPolicy "relay").
    assert a.candidate_types() == {"relay"} and b.candidate_types() == {"relay"}
    assert a.selected_local_type() is CandidateType.RELAY
    assert b.selected_local_type() is CandidateType.RELAY
    assert a.errors == [] and b.errors == []
    await a.pc.close()
    await b.pc.close()
    # close() released both allocations (RFC 8656 §8: Refresh with LIFETIME 0).
    assert releases(coturn) - released_before == 2


# ------------------------------------------------------------------------------ aiortc


async def aiortc_answers(ours: Peer, theirs: aiortc.RTCPeerConnection) -> tuple[Any, Any]:
    """rtcpeer offers (after gathering: aiortc does not trickle), aiortc answers."""
    channel = ours.pc.createDataChannel("to-aiortc")
    opened = asyncio.Event()
    channel.on("open", opened.set)
    remote: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    theirs.on("datachannel", first_result(remote))
    gathered = asyncio.Event()
    ours.pc.on(
        "icegatheringstatechange",
        set_when(gathered, lambda: ours.pc.iceGatheringState == "complete"),
    )
    await ours.pc.setLocalDescription()
    await asyncio.wait_for(gathered.wait(), TIMEOUT)
    assert ours.pc.localDescription is not None
    await theirs.setRemoteDescription(
        aiortc.RTCSessionDescription(sdp=ours.pc.localDescription.sdp, type="offer")
    )
    await theirs.setLocalDescription(await theirs.createAnswer())
    await ours.pc.setRemoteDescription(
        RTCSessionDescription(sdp=theirs.localDescription.sdp, type="answer")
    )
    await asyncio.wait_for(opened.wait(), TIMEOUT)
    return channel, await asyncio.wait_for(remote, TIMEOUT)


@pytest.mark.parametrize("kind", list(KINDS))
async def test_rtcpeer_relay_only_with_aiortc(coturn: Coturn, kind: str) -> None:
    ours = Peer(configuration(coturn, turn_server(coturn, kind)))
    theirs = aiortc.RTCPeerConnection()
    channel, peer_channel = await aiortc_answers(ours, theirs)
    await exchange(channel, peer_channel, tag=kind)
    assert ours.candidate_types() == {"relay"}
    assert ours.selected_local_type() is CandidateType.RELAY
    assert ours.errors == []
    await ours.pc.close()
    await theirs.close()


async def test_rtcpeer_and_aiortc_both_relay_only(coturn: Coturn) -> None:
    ours = Peer(configuration(coturn, turn_server(coturn, "udp")))
    theirs = aiortc.RTCPeerConnection(
        aiortc.RTCConfiguration(
            iceServers=[
                aiortc.RTCIceServer(
                    urls=coturn.url("turn"), username=coturn.username, credential=coturn.password
                )
            ],
            iceTransportPolicy=aiortc.RTCIceTransportPolicy.RELAY,
        )
    )
    channel, peer_channel = await aiortc_answers(ours, theirs)
    await exchange(channel, peer_channel, tag="both")
    pair = ours.pc.iceTransport.getSelectedCandidatePair()
    assert pair is not None
    assert pair.local.type is CandidateType.RELAY and pair.remote.type is CandidateType.RELAY
    await ours.pc.close()
    await theirs.close()


# ------------------------------------------------------------------------------ policy "all"


@pytest.mark.parametrize("kind", list(KINDS))
async def test_policy_all_with_turn_on_both_sides(coturn: Coturn, kind: str) -> None:
    a = Peer(configuration(coturn, turn_server(coturn, kind), policy="all"))
    b = Peer(configuration(coturn, turn_server(coturn, kind), policy="all"))
    channel, peer_channel = await open_channels(a, b)
    await exchange(channel, peer_channel, tag=kind)
    gathered = asyncio.Event()
    if a.pc.iceGatheringState != "complete":
        a.pc.on(
            "icegatheringstatechange",
            set_when(gathered, lambda: a.pc.iceGatheringState == "complete"),
        )
        await asyncio.wait_for(gathered.wait(), TIMEOUT)
    assert {"host", "relay"} <= a.candidate_types()
    assert a.errors == [] and b.errors == []
    await a.pc.close()
    await b.pc.close()


# ------------------------------------------------------------------------------ failures


async def test_wrong_password_is_401_and_the_other_server_is_used(coturn: Coturn) -> None:
    bad = turn_server(coturn, "tcp", password="wrong password")
    a = Peer(configuration(coturn, bad, turn_server(coturn, "udp")))
    b = Peer(configuration(coturn, turn_server(coturn, "udp")))
    channel, peer_channel = await open_channels(a, b)
    error = await a.wait_error(401)
    assert error.url == coturn.url("turn", "tcp")
    assert error.address == "127.0.0.1"
    assert error.errorText == "Unauthorized"  # coturn's reason phrase (webrtc-pc §4.8.2)
    await exchange(channel, peer_channel)
    assert a.selected_local_type() is CandidateType.RELAY
    await a.pc.close()
    await b.pc.close()


async def test_untrusted_certificate_is_701_and_the_other_server_is_used(coturn: Coturn) -> None:
    a = Peer(
        configuration(
            coturn, turn_server(coturn, "tls"), turn_server(coturn, "udp"), ca=coturn.other_ca_file
        )
    )
    b = Peer(configuration(coturn, turn_server(coturn, "udp")))
    channel, peer_channel = await open_channels(a, b)
    error = await a.wait_error(701)
    assert error.url == coturn.url("turns")
    assert "certificate verification failed" in error.errorText
    await exchange(channel, peer_channel)
    assert a.candidate_types() == {"relay"}
    await a.pc.close()
    await b.pc.close()


async def test_system_trust_store_rejects_the_test_certificate(coturn: Coturn) -> None:
    """Without tlsCaFile the system's store is used; it does not know the test CA."""
    config = RTCConfiguration(iceServers=[turn_server(coturn, "tls")], iceTransportPolicy="relay")
    a = Peer(config)
    a.pc.createDataChannel("x")
    await a.pc.setLocalDescription()
    error = await a.wait_error(701)
    assert "certificate verification failed" in error.errorText
    assert a.candidate_types() == set()
    await a.pc.close()


@pytest.mark.parametrize("kind", ["udp", "tcp"])
async def test_unreachable_server_is_701_and_host_candidates_still_work(
    coturn: Coturn, kind: str
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as nobody:
        nobody.bind(("127.0.0.1", 0))  # UDP: bound, never answers; TCP: refused
        port = nobody.getsockname()[1]
        url = f"turn:127.0.0.1:{port}" + ("?transport=tcp" if kind == "tcp" else "")
        dead = RTCIceServer(urls=url, username="test", credential="test")
        fast = IceConfig(gather_rto=0.05)  # give up a silent server within a second
        a = Peer(configuration(coturn, dead, policy="all"), ice_config=fast)
        b = Peer(configuration(coturn, policy="all"))
        channel, peer_channel = await open_channels(a, b)
        error = await a.wait_error(701)
    assert error.url == url and error.address == "127.0.0.1"
    await exchange(channel, peer_channel)
    assert a.selected_local_type() is CandidateType.HOST
    await a.pc.close()
    await b.pc.close()


# ------------------------------------------------------------------------------ restarts


async def wait_connected(peer: Peer) -> None:
    if peer.pc.iceConnectionState in ("connected", "completed"):
        return
    done = asyncio.Event()
    peer.pc.on(
        "iceconnectionstatechange",
        set_when(done, lambda: peer.pc.iceConnectionState in ("connected", "completed")),
    )
    await asyncio.wait_for(done.wait(), TIMEOUT)


async def wait_selected(peer: Peer) -> None:
    """Until the selected pair belongs to the newest generation."""
    transport = peer.pc.iceTransport

    def current() -> bool:
        pair = transport.getSelectedCandidatePair()
        parameters = transport.getLocalParameters()
        return (
            pair is not None
            and parameters is not None
            and pair.local.ufrag == parameters.usernameFragment
        )

    if current():
        return
    done = asyncio.Event()
    transport.on("selectedcandidatepairchange", set_when(done, current))
    await asyncio.wait_for(done.wait(), TIMEOUT)


async def restart(a: Peer, b: Peer) -> None:
    needed = asyncio.Event()
    a.pc.on("negotiationneeded", needed.set)
    ufrag = a.pc.iceTransport.getLocalParameters()
    a.pc.restartIce()
    await asyncio.wait_for(needed.wait(), TIMEOUT)
    await negotiate(a.pc, b.pc)
    assert a.pc.iceTransport.getLocalParameters() != ufrag


async def test_ice_restart_keeps_the_allocation(coturn: Coturn) -> None:
    a = Peer(configuration(coturn, turn_server(coturn, "udp")))
    b = Peer(configuration(coturn, turn_server(coturn, "udp")))
    allocated_before = allocations(coturn)
    channel, peer_channel = await open_channels(a, b)
    relayed = {(c.parsed.address, c.parsed.port) for c in a.candidates if c.parsed}
    await restart(a, b)
    await wait_connected(a)
    await exchange(channel, peer_channel, tag="after restart")
    # The new generation got the same relayed address; no new allocation was made.
    assert {(c.parsed.address, c.parsed.port) for c in a.candidates if c.parsed} == relayed
    assert len({c.usernameFragment for c in a.candidates}) == 2
    assert allocations(coturn) - allocated_before == 2
    await a.pc.close()
    await b.pc.close()


async def test_set_configuration_takes_effect_at_the_next_restart(coturn: Coturn) -> None:
    a = Peer(configuration(coturn, turn_server(coturn, "udp")))
    b = Peer(configuration(coturn, turn_server(coturn, "udp")))
    channel, peer_channel = await open_channels(a, b)
    agent = a.pc.iceTransport.connection.agent
    assert [al.server.transport for al in agent.allocations] == ["udp"]
    a.pc.setConfiguration(configuration(coturn, turn_server(coturn, "tls")))
    assert [al.server.transport for al in agent.allocations] == ["udp"]  # not yet
    await restart(a, b)
    await wait_selected(a)
    await exchange(channel, peer_channel, tag="tls now")
    assert a.selected_local_type() is CandidateType.RELAY
    # The new generation relays over TLS; the UDP allocation, unused now, is released.
    live = [al.server.transport for al in agent.allocations if al.client.state == "allocated"]
    assert live == ["tls"]
    await a.pc.close()
    await b.pc.close()
