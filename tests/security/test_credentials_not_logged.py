"""Issue 8, security: TURN and ICE credentials never appear in logs.

Two RTCPeerConnections on 127.0.0.1 with every logger at DEBUG, each configured with a
TURN server (a small in-memory TURN server, tests/turn/fake_server.py, behind a real UDP
socket on 127.0.0.1) that accepts its credentials, and ``a`` with a second one that
rejects them (401: the failure paths log too). They connect, exchange data, restart ICE
and close. No log record, formatted or raw, carries an ICE password (of any generation,
either side), a TURN password or a TURN username; nor do the icecandidateerror events or
the reprs of the configuration objects an application would log.

(ICE ufrags are not secrets: they travel in clear in every check, RFC 8445 §7.2.2.)
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from rtcpeer import RTCConfiguration, RTCIceServer, RTCPeerConnection
from rtcpeer.pc.configuration import agent_servers, parse_ice_server_url
from rtcpeer.pc.objects import RTCPeerConnectionIceErrorEvent
from tests.pc.test_loopback import negotiate, trickle, wait_ice
from tests.turn.fake_server import FakeTurnServer

TURN_USER = "turn-user-5f2b9c"
TURN_PASSWORD = "turn-password-8d41e07a"
WRONG_PASSWORD = "wrong-password-c3a9f1"
ICE_PWD = re.compile(r"^a=ice-pwd:(\S+)\r?$", re.MULTILINE)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


@dataclass
class UdpTurnServer(asyncio.DatagramProtocol):
    """FakeTurnServer (one allocation per client address) on a real UDP socket. Relayed
    addresses are on 127.0.0.2, where nothing listens: the connection itself goes over
    the host candidates; the point is the credentials' whole life cycle."""

    transport: asyncio.DatagramTransport | None = None
    clients: dict[tuple[str, int], FakeTurnServer] = field(default_factory=dict)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str | Any, ...]) -> None:
        client = (str(addr[0]), int(addr[1]))
        server = self.clients.get(client)
        if server is None:
            relayed = ("127.0.0.2", 40000 + len(self.clients))
            server = FakeTurnServer(
                users={TURN_USER: TURN_PASSWORD}, relayed=relayed, client_address=client
            )
            self.clients[client] = server
        assert self.transport is not None
        for out in server.receive(asyncio.get_running_loop().time(), data):
            self.transport.sendto(out, client)

    @property
    def address(self) -> tuple[str, int]:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return str(host), int(port)


async def _turn_server() -> UdpTurnServer:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_datagram_endpoint(UdpTurnServer, local_addr=("127.0.0.1", 0))
    return protocol


def _ice_pwds(pc: RTCPeerConnection) -> set[str]:
    found: set[str] = set()
    for description in (pc.localDescription, pc.remoteDescription):
        if description is not None:
            found.update(ICE_PWD.findall(description.sdp))
    return found


async def test_no_credential_in_any_log_record(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # the root logger: every rtcpeer.* logger propagates
    good, bad = await _turn_server(), await _turn_server()
    url = f"turn:127.0.0.1:{good.address[1]}"
    bad_url = f"turn:127.0.0.1:{bad.address[1]}"
    config_a = RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=url, username=TURN_USER, credential=TURN_PASSWORD),
            RTCIceServer(urls=bad_url, username=TURN_USER, credential=WRONG_PASSWORD),
        ]
    )
    config_b = RTCConfiguration(
        iceServers=[RTCIceServer(urls=url, username=TURN_USER, credential=TURN_PASSWORD)]
    )
    a, b = RTCPeerConnection(config_a), RTCPeerConnection(config_b)
    errors: list[RTCPeerConnectionIceErrorEvent] = []
    a.on("icecandidateerror", errors.append)
    trickle(a, b)
    trickle(b, a)
    channel = a.createDataChannel("chat")
    got: asyncio.Queue[object] = asyncio.Queue()
    b.on("datachannel", lambda incoming: incoming.on("message", got.put_nowait))
    opened = asyncio.Event()
    channel.on("open", opened.set)
    await negotiate(a, b)
    await asyncio.wait_for(opened.wait(), 10.0)
    channel.send("hello")
    assert await asyncio.wait_for(got.get(), 10.0) == "hello"
    secrets = _ice_pwds(a) | _ice_pwds(b)
    # A restart: new ICE passwords, the TURN credentials used again.
    a.restartIce()
    await negotiate(a, b)
    await asyncio.gather(
        wait_ice(a, "connected", "completed"), wait_ice(b, "connected", "completed")
    )
    channel.send("after restart")
    assert await asyncio.wait_for(got.get(), 10.0) == "after restart"
    secrets |= _ice_pwds(a) | _ice_pwds(b)
    await asyncio.sleep(1.0)  # the 401 from the bad server and the retries run their course
    await a.close()
    await b.close()
    for server in (good, bad):
        assert server.transport is not None
        server.transport.close()

    # The scenario really exercised the credentials: allocations made and rejected.
    assert any(s.allocated or s.log for s in good.clients.values())
    assert any(not r.authenticated for s in bad.clients.values() for r in s.log)
    assert len(secrets) >= 4  # two generations of passwords on each side
    assert len(caplog.records) > 20, "too little was logged: the test would prove nothing"
    assert [e.errorCode for e in errors] and all(e.errorCode == 401 for e in errors)
    secrets |= {TURN_PASSWORD, WRONG_PASSWORD, TURN_USER}
    texts = [caplog.text]
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        if record.exc_info is not None:
            texts.append(logging.Formatter().formatException(record.exc_info))
    texts.extend(repr(vars(event)) for event in errors)
    for secret in secrets:
        for text in texts:
            assert secret not in text, f"credential {secret!r} leaked: {text[:300]}"


def test_configuration_objects_do_not_show_credentials() -> None:
    """What an application may log: the configuration and the agent's server entries."""
    server = RTCIceServer(urls="turn:127.0.0.1:3478", username=TURN_USER, credential=TURN_PASSWORD)
    configuration = RTCConfiguration(iceServers=[server])
    for text in (repr(server), repr(configuration), str(configuration)):
        assert TURN_PASSWORD not in text
    for turn in agent_servers(configuration).turn:
        assert TURN_PASSWORD not in repr(turn) and TURN_USER not in repr(turn)


def test_a_rejected_url_with_user_info_does_not_echo_the_password() -> None:
    with pytest.raises(Exception) as info:
        parse_ice_server_url(f"turn:{TURN_USER}:{TURN_PASSWORD}@127.0.0.1:3478")
    assert TURN_PASSWORD not in str(info.value)
