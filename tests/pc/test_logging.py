"""Logging (issue 9): one INFO line per state change with its reason, under ``rtcpeer.*``,
and never an ICE password or a TURN credential."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator

import pytest

from rtcpeer import RTCConfiguration, RTCIceServer, RTCPeerConnection
from tests.interop.coturn import Coturn, CoturnUnavailable, running_coturn
from tests.pc.test_loopback import negotiate, trickle, wait_ice

#: A TURN credential distinctive enough that finding it anywhere means it leaked.
TURN_USER = "issue9user"
TURN_SECRET = "Zq8-turn-credential-never-logged-7Kx"


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


def set_when(event: asyncio.Event, condition: Callable[[], bool]) -> Callable[[], None]:
    def handler() -> None:
        if condition():
            event.set()

    return handler


def texts(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every captured line as a handler would format it (message, arguments, exception)."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return [formatter.format(record) for record in caplog.records]


def assert_secret_free(lines: list[str], secrets: set[str]) -> None:
    assert all(len(secret) >= 8 for secret in secrets)
    for line in lines:
        for secret in secrets:
            assert secret not in line, f"a secret in the log: {line}"


async def test_state_changes_are_logged_with_reasons_and_no_ice_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="rtcpeer")
    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    ice_states: list[str] = []
    a.iceTransport.on("statechange", lambda: ice_states.append(a.iceTransport.state))
    a.createDataChannel("chat")
    opened = asyncio.Event()
    a.on("connectionstatechange", set_when(opened, lambda: a.connectionState == "connected"))
    await negotiate(a, b)
    await asyncio.wait_for(opened.wait(), 10.0)
    await wait_ice(a, "completed")
    secrets = set()
    for pc in (a, b):
        parameters = pc.iceTransport.getLocalParameters()
        assert parameters is not None and parameters.password is not None
        secrets.add(parameters.password)
    # A restart: new passwords on both sides, which must not be logged either.
    needed = asyncio.Event()
    a.on("negotiationneeded", needed.set)
    a.restartIce()
    await asyncio.wait_for(needed.wait(), 5.0)
    await negotiate(a, b)
    await asyncio.sleep(0.3)
    for pc in (a, b):
        parameters = pc.iceTransport.getLocalParameters()
        assert parameters is not None and parameters.password is not None
        secrets.add(parameters.password)
    await a.close()
    await b.close()
    assert len(secrets) == 4

    lines = texts(caplog)
    assert_secret_free(lines, secrets)
    names = {record.name for record in caplog.records}
    assert names <= {
        "rtcpeer.ice",
        "rtcpeer.pc",
        "rtcpeer.dtls",
        "rtcpeer.sctp",
        "rtcpeer.datachannel",
    }, names
    info = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    # Each transition of a's ICE transport is one line "ICE old -> new: reason".
    previous = "new"
    for state in ice_states:
        pattern = re.compile(rf"^ICE {previous} -> {state}: \S")
        assert any(pattern.match(m) for m in info), (previous, state, info)
        previous = state
    for expected in (
        r"^ICE gathering complete$",
        r"^ICE selected pair 127\.0\.0\.1:\d+ \(host\) -> 127\.0\.0\.1:\d+ \((host|prflx)\): \S",
        r"^DTLS new -> connecting: \S",
        r"^DTLS connecting -> connected: \S",
        r"^SCTP connecting -> connected: association established$",
        r"^signalingState stable -> have-local-offer$",
        r"^iceConnectionState new -> checking \(ICE: \S",
        r"^connectionState connecting -> connected \(DTLS: \S",
        r"^connectionState connected -> closed \(close\(\)\)$",
    ):
        assert any(re.match(expected, m) for m in info), (expected, info)


@pytest.fixture(scope="module")
def coturn() -> Iterator[Coturn]:
    try:
        with running_coturn([f"--user={TURN_USER}:{TURN_SECRET}"]) as server:
            yield server
    except CoturnUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.interop
async def test_turn_credentials_never_appear_in_the_log(
    coturn: Coturn, caplog: pytest.LogCaptureFixture
) -> None:
    """A relayed connection through coturn, logged at DEBUG: the TURN credential appears
    nowhere; the relayed candidate reports its server's URL and protocol (getStats and
    RTCIceCandidate.url/relayProtocol)."""
    caplog.set_level(logging.DEBUG, logger="rtcpeer")
    url = coturn.url("turn")
    config = RTCConfiguration(
        iceServers=[RTCIceServer(urls=url, username=TURN_USER, credential=TURN_SECRET)],
        iceTransportPolicy="relay",
    )
    a, b = RTCPeerConnection(config), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    a.createDataChannel("chat")
    connected = asyncio.Event()
    a.on("connectionstatechange", set_when(connected, lambda: a.connectionState == "connected"))
    await negotiate(a, b)
    await asyncio.wait_for(connected.wait(), 15.0)
    pair = a.iceTransport.getSelectedCandidatePair()
    assert pair is not None and pair.local.type == "relay"
    assert (pair.local.url, pair.local.relayProtocol) == (url, "udp")
    report = await a.getStats()
    selected = report[report["T01"]["selectedCandidatePairId"]]
    local = report[selected["localCandidateId"]]
    assert (local["candidateType"], local["url"], local["relayProtocol"]) == ("relay", url, "udp")
    parameters = a.iceTransport.getLocalParameters()
    assert parameters is not None and parameters.password is not None
    await a.close()
    await b.close()
    lines = texts(caplog)
    assert any("TURN" in line or "relay" in line for line in lines)
    assert_secret_free(lines, {TURN_SECRET, parameters.password})
