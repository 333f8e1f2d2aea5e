"""Issue 8, security: a DTLS certificate that does not match the signalled fingerprint fails
the connection.

The DTLS endpoint's own checks (mismatch at either side, fingerprints that arrive late,
changed fingerprints after connecting, no usable hash function, data held until verified)
are in tests/dtls/test_endpoint.py under "fingerprint verification". Here the whole
RTCPeerConnection: a man in the middle of the signalling replaces the fingerprint in one
description (as if it substituted its own certificate); ICE connects, DTLS must not, the
connection state becomes "failed" on both sides, no data channel opens and no byte of
application data crosses.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from rtcpeer import RTCCertificate, RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from tests.pc.test_loopback import trickle

FINGERPRINT = re.compile(r"^a=fingerprint:(\S+) (\S+)\r?$", re.MULTILINE)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


def _substitute(description: RTCSessionDescription, how: str) -> RTCSessionDescription:
    """The description with its fingerprint replaced: by another certificate's, or by the
    right one with one hex digit changed."""
    match = FINGERPRINT.search(description.sdp)
    assert match is not None, description.sdp
    algorithm, value = match.group(1), match.group(2)
    if how == "other-certificate":
        stranger = RTCCertificate.generateCertificate().getFingerprints()[0]
        algorithm, new = stranger.algorithm, stranger.value
    else:
        new = ("0" if value[0] != "0" else "1") + value[1:]
    assert new != value
    sdp = description.sdp.replace(match.group(0), f"a=fingerprint:{algorithm} {new}")
    return RTCSessionDescription(sdp, description.type)


async def _poll_state(pc: RTCPeerConnection, state: str, timeout: float) -> None:
    """Wait for ``connectionState`` by polling it, not by its event (see the xfail test
    below: the event is lost today)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while pc.connectionState != state:
        assert loop.time() < end, f"connectionState {pc.connectionState}, not {state}"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("tampered", ["offer", "answer"])
@pytest.mark.parametrize("how", ["other-certificate", "one-digit-changed"])
async def test_a_certificate_that_does_not_match_the_fingerprint_fails_the_connection(
    tampered: str, how: str
) -> None:
    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    channel = a.createDataChannel("secret")
    opened: list[str] = []
    channel.on("open", lambda: opened.append("a"))
    received: list[object] = []

    @b.on("datachannel")
    def on_datachannel(incoming: RTCDataChannel) -> None:
        opened.append("b")
        incoming.on("message", received.append)

    ice_states: list[str] = []
    a.on("iceconnectionstatechange", lambda: ice_states.append(a.iceConnectionState))
    await a.setLocalDescription()
    assert a.localDescription is not None
    offer = a.localDescription
    await b.setRemoteDescription(_substitute(offer, how) if tampered == "offer" else offer)
    await b.setLocalDescription()
    assert b.localDescription is not None
    answer = b.localDescription
    await a.setRemoteDescription(_substitute(answer, how) if tampered == "answer" else answer)
    await asyncio.gather(_poll_state(a, "failed", 15.0), _poll_state(b, "failed", 15.0))
    # ICE itself connected: it is the certificate check that failed the connection.
    assert "connected" in ice_states or "completed" in ice_states
    # The side that was lied to detected the mismatch; the other learnt it by the alert.
    victim = b if tampered == "offer" else a
    assert victim.sctp is not None and victim.sctp.transport.state == "failed"
    assert victim.sctp.transport.getRemoteCertificates() == []
    assert opened == [] and received == []
    assert channel.readyState != "open"
    with pytest.raises(Exception):  # noqa: B017 - InvalidStateError: nothing may be sent
        channel.send("never")
    await a.close()
    await b.close()


async def test_the_failure_is_announced_by_connectionstatechange() -> None:
    a, b = RTCPeerConnection(), RTCPeerConnection()
    trickle(a, b)
    trickle(b, a)
    a.createDataChannel("secret")
    announced: list[str] = []
    a.on("connectionstatechange", lambda: announced.append(a.connectionState))
    await a.setLocalDescription()
    assert a.localDescription is not None
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription()
    assert b.localDescription is not None
    await a.setRemoteDescription(_substitute(b.localDescription, "other-certificate"))
    try:
        await _poll_state(a, "failed", 15.0)
        await asyncio.sleep(0.2)
        assert announced[-1:] == ["failed"], announced
    finally:
        await a.close()
        await b.close()
