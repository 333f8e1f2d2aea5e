"""Port of webrtc/RTCPeerConnection-canTrickleIceCandidates.html.

The remote offer is SDP only (an audio m-section; no media is involved), written anew.
"""

from __future__ import annotations

from rtcpeer import RTCSessionDescription

SDP = "\r\n".join(
    [
        "v=0",
        "o=- 7351284927374811208 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=ice-options:trickle",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:someufrag",
        "a=ice-pwd:somelongpwdwithenoughrandomness",
        "a=fingerprint:sha-256 8C:71:B3:8D:A5:38:FD:8F:A4:2E:A2:65:6C:86:52:BC:"
        "E0:6E:94:F2:9F:7C:4D:B5:DF:AF:AA:6F:44:90:8D:F4",
        "a=setup:actpass",
        "a=rtcp-mux",
        "a=mid:mid1",
        "a=sendonly",
        "a=msid:stream1 track1",
        "a=ssrc:1001 cname:some",
        "a=rtpmap:111 opus/48000/2",
        "",
    ]
)


def test_can_trickle_ice_candidates_is_null_prior_to_srd(make_pc):
    """canTrickleIceCandidates property is null prior to setRemoteDescription

    Checklist: 95.
    """
    pc = make_pc()
    assert pc.canTrickleIceCandidates is None, "canTrickleIceCandidates property is null"


async def test_can_trickle_ice_candidates_is_true_with_ice_options_trickle(make_pc):
    """canTrickleIceCandidates property is true after setRemoteDescription with a=ice-options:trickle

    Checklist: 95.
    """  # noqa: E501
    pc = make_pc()
    await pc.setRemoteDescription(RTCSessionDescription(type="offer", sdp=SDP))
    assert pc.canTrickleIceCandidates is True


async def test_can_trickle_ice_candidates_is_false_without_ice_options_trickle(make_pc):
    """canTrickleIceCandidates property is false after setRemoteDescription without a=ice-options:trickle

    Checklist: 95.
    """  # noqa: E501
    pc = make_pc()
    sdp = SDP.replace("a=ice-options:trickle\r\n", "")
    await pc.setRemoteDescription(RTCSessionDescription(type="offer", sdp=sdp))
    assert pc.canTrickleIceCandidates is False
