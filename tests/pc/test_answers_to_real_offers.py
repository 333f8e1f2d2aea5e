"""Answering the offers browsers and other stacks send (issue 4): data sections accepted,
media sections rejected (port 0, a=mid kept), BUNDLE limited to what was accepted."""

from __future__ import annotations

import pytest

from rtcpeer import RTCPeerConnection, RTCSessionDescription
from rtcpeer.sdp import parse_sdp
from tests.sdp.util import load_sample

OFFERS = [
    "aiortc_datachannel_offer.sdp",
    "aiortc_legacy_datachannel_offer.sdp",
    "chrome_datachannel_offer_candidates.sdp",
    "chrome_offer_audio_video_data.sdp",
    "firefox_datachannel_offer_candidates.sdp",
    "firefox_offer_audio_video_data.sdp",
    "pion_datachannel_offer.sdp",
    "safari_offer_audio_video_data.sdp",
]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


@pytest.mark.parametrize("name", OFFERS)
async def test_answer_accepts_data_and_rejects_media(name: str) -> None:
    offer = parse_sdp(load_sample(name))
    pc = RTCPeerConnection()
    await pc.setRemoteDescription(RTCSessionDescription(sdp=offer.serialize(), type="offer"))
    assert pc.signalingState == "have-remote-offer"
    assert pc.canTrickleIceCandidates is (
        "trickle" in (offer.ice_options or [])
        or any("trickle" in (offer.media_ice_options(i) or []) for i in range(len(offer.media)))
    )
    answer = await pc.createAnswer()
    await pc.setLocalDescription(answer)
    assert pc.signalingState == "stable"
    parsed = parse_sdp(answer.sdp)
    assert [m.kind for m in parsed.media] == [m.kind for m in offer.media]
    assert [m.mid for m in parsed.media] == [m.mid for m in offer.media]
    accepted = []
    for offered, answered in zip(offer.media, parsed.media, strict=True):
        if offered.kind == "application" and not offered.rejected:
            assert answered.port != 0 and answered.proto == offered.proto
            assert answered.setup == "active"
            assert (answered.sctpmap is not None) == (offered.sctpmap is not None)
            accepted.append(answered.mid)
        else:
            assert answered.port == 0 and answered.rejected
    assert parsed.bundle_groups == ([accepted] if accepted else [])
    local = pc.iceTransport.getLocalParameters()
    assert local is not None
    data_index = [m.kind for m in parsed.media].index("application")
    credentials = parsed.ice_credentials(data_index)
    assert credentials is not None and credentials[0] == local.usernameFragment
    await pc.close()


async def test_bad_sdp_is_an_rtcerror_with_the_line_number() -> None:
    """webrtc-pc §4.4.1.4 (item 41): syntax errors are RTCError sdp-syntax-error."""
    from rtcpeer import RTCError

    pc = RTCPeerConnection()
    text = (
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
        "m=application notaport UDP/DTLS/SCTP x\r\n"
    )
    with pytest.raises(RTCError) as info:
        await pc.setRemoteDescription({"type": "offer", "sdp": text})
    assert info.value.errorDetail == "sdp-syntax-error"
    assert info.value.sdpLineNumber == 5
    assert pc.signalingState == "stable"
    await pc.close()
