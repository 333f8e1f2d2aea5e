"""Two RTCPeerConnections on loopback with trickle: connect, then restartIce() (issue 4)."""

from __future__ import annotations

import asyncio

import pytest

from rtcpeer import RTCIceCandidate, RTCPeerConnection
from rtcpeer.pc.objects import RTCPeerConnectionIceErrorEvent


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


_pending: set[asyncio.Future[None]] = set()


def trickle(src: RTCPeerConnection, dst: RTCPeerConnection) -> None:
    @src.on("icecandidate")
    def on_candidate(candidate: RTCIceCandidate | None) -> None:
        if candidate is not None:
            task = asyncio.ensure_future(dst.addIceCandidate(candidate))
            _pending.add(task)
            task.add_done_callback(_pending.discard)


async def negotiate(offerer: RTCPeerConnection, answerer: RTCPeerConnection) -> None:
    await offerer.setLocalDescription()
    assert offerer.localDescription is not None
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription()
    assert answerer.localDescription is not None
    await offerer.setRemoteDescription(answerer.localDescription)


async def wait_ice(pc: RTCPeerConnection, *states: str) -> None:
    if pc.iceConnectionState in states:
        return
    done = asyncio.get_running_loop().create_future()

    @pc.on("iceconnectionstatechange")
    def changed() -> None:
        if pc.iceConnectionState in states and not done.done():
            done.set_result(None)

    await asyncio.wait_for(done, 10.0)


async def test_connect_with_trickle_then_restart_ice() -> None:
    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    needed = asyncio.Event()
    a.on("negotiationneeded", needed.set)
    a.createDataChannel("chat")
    await asyncio.wait_for(needed.wait(), 2.0)
    await negotiate(a, b)
    await asyncio.gather(
        wait_ice(a, "connected", "completed"), wait_ice(b, "connected", "completed")
    )
    old = (a.iceTransport.getLocalParameters(), b.iceTransport.getLocalParameters())

    history: list[str] = []
    a.on("iceconnectionstatechange", lambda: history.append(a.iceConnectionState))
    needed.clear()
    a.restartIce()
    await asyncio.wait_for(needed.wait(), 2.0)
    await negotiate(a, b)
    new = (a.iceTransport.getLocalParameters(), b.iceTransport.getLocalParameters())
    assert (
        new[0] is not None
        and old[0] is not None
        and new[0].usernameFragment != old[0].usernameFragment
    )
    assert (
        new[1] is not None
        and old[1] is not None
        and new[1].usernameFragment != old[1].usernameFragment
    )
    await wait_ice(a, "completed")
    assert "failed" not in history and "disconnected" not in history
    pair = a.iceTransport.getSelectedCandidatePair()
    assert pair is not None and pair.local.ufrag == new[0].usernameFragment
    await a.close()
    await b.close()
    assert a.iceConnectionState == "closed" and a.signalingState == "closed"


async def test_unreachable_stun_server_is_an_icecandidateerror_701() -> None:
    """webrtc-pc §4.8.2: a server that never answers surfaces as icecandidateerror with
    errorCode 701 and its URL; gathering still completes and host candidates come first."""
    import socket

    from rtcpeer import RTCConfiguration, RTCIceServer
    from rtcpeer.ice import IceConfig

    dead = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    config = RTCConfiguration(iceServers=[RTCIceServer(urls=f"stun:127.0.0.1:{port}")])
    pc = RTCPeerConnection(config, ice_config=IceConfig(gather_rto=0.05))
    order: list[str] = []
    errors: list[object] = []
    done = asyncio.Event()
    pc.on("icecandidate", lambda c: order.append("end" if c is None else "candidate"))

    @pc.on("icecandidateerror")
    def on_error(event: object) -> None:
        errors.append(event)
        order.append("error")

    @pc.on("icegatheringstatechange")
    def on_gathering() -> None:
        if pc.iceGatheringState == "complete":
            done.set()

    pc.createDataChannel("x")
    await pc.setLocalDescription()
    await asyncio.wait_for(done.wait(), 5.0)
    [error] = errors
    assert isinstance(error, RTCPeerConnectionIceErrorEvent)
    assert error.errorCode == 701 and error.url == f"stun:127.0.0.1:{port}"
    assert error.address == "127.0.0.1" and error.port is not None
    assert order[0] == "candidate" and order.index("error") < order.index("end")
    assert pc.localDescription is not None and "a=end-of-candidates" in pc.localDescription.sdp
    await pc.close()
    dead.close()


async def test_get_stats_names_the_selected_pair() -> None:
    """The API contract: getStats() is async and returns webrtc-stats dictionaries; the
    transport's selected pair points at existing candidate entries."""
    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    a.createDataChannel("chat")
    await negotiate(a, b)
    # "completed": the pair is nominated (at "connected" data may still flow over a valid
    # pair not nominated yet, RFC 8445 §12.1, which getStats reports as nominated: false).
    await asyncio.gather(wait_ice(a, "completed"), wait_ice(b, "connected", "completed"))
    report = await a.getStats()
    transport = next(s for s in report.values() if s["type"] == "transport")
    pair = report[transport["selectedCandidatePairId"]]
    assert pair["type"] == "candidate-pair" and pair["nominated"] is True
    local = report[pair["localCandidateId"]]
    assert local["type"] == "local-candidate" and local["address"] == "127.0.0.1"
    assert report[pair["remoteCandidateId"]]["type"] == "remote-candidate"
    assert transport["iceState"] in ("connected", "completed")
    await a.close()
    await b.close()


async def test_dtls_connects_and_connection_state_reaches_connected() -> None:
    """webrtc-pc §4.3.3: connected needs ICE connected/completed and DTLS connected; the
    DTLS roles follow a=setup (the answerer is active, RFC 8842 §5) and each side verified
    the other's certificate against its a=fingerprint."""
    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    states: list[str] = []
    connected = asyncio.Event()

    @a.on("connectionstatechange")
    def on_state() -> None:
        states.append(a.connectionState)
        if a.connectionState == "connected":
            connected.set()

    a.createDataChannel("chat")
    await negotiate(a, b)
    await asyncio.wait_for(connected.wait(), 10.0)
    assert states == ["connecting", "connected"]
    assert a.dtlsTransport.state == "connected"
    endpoint_a, endpoint_b = a.dtlsTransport.endpoint, b.dtlsTransport.endpoint
    assert endpoint_a is not None and endpoint_b is not None
    assert endpoint_a.role.name == "SERVER" and endpoint_b.role.name == "CLIENT"
    assert a.dtlsTransport.getRemoteCertificates()
    await a.close()
    await b.close()
