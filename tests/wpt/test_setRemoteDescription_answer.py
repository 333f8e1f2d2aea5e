"""Port of webrtc/RTCPeerConnection-setRemoteDescription-answer.html.

The receive-only video offer of the WPT file becomes a data-channel offer.
"""

from __future__ import annotations

from tests.wpt.helper import (
    StateRecorder,
    assert_rejects_dom,
    assert_session_desc_similar,
    generate_answer,
    generate_data_channel_offer,
)


async def test_srd_with_valid_state_and_answer_should_succeed(make_pc):
    """setRemoteDescription() with valid state and answer should succeed

    Checklist: 37, 43, 52.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await generate_data_channel_offer(pc)
    await pc.setLocalDescription(offer)
    answer = await generate_answer(offer)
    await pc.setRemoteDescription(answer)
    assert pc.signalingState == "stable"
    assert_session_desc_similar(pc.localDescription, offer)
    assert_session_desc_similar(pc.remoteDescription, answer)
    assert_session_desc_similar(pc.currentLocalDescription, offer)
    assert_session_desc_similar(pc.currentRemoteDescription, answer)
    assert pc.pendingLocalDescription is None
    assert pc.pendingRemoteDescription is None
    assert states.states == ["have-local-offer", "stable"]


async def test_srd_answer_from_stable_should_reject(make_pc):
    """Calling setRemoteDescription(answer) from stable state should reject with InvalidStateError

    Checklist: 37, 41.
    """
    pc = make_pc()
    offer = await pc.createOffer()
    await assert_rejects_dom(
        "InvalidStateError", pc.setRemoteDescription({"type": "answer", "sdp": offer.sdp})
    )


async def test_srd_answer_from_have_remote_offer_should_reject(make_pc):
    """Calling setRemoteDescription(answer) from have-remote-offer state should reject with InvalidStateError

    Checklist: 37, 41.
    """  # noqa: E501
    pc = make_pc()
    offer = await pc.createOffer()
    await pc.setRemoteDescription(offer)
    answer = await generate_answer(offer)
    await assert_rejects_dom("InvalidStateError", pc.setRemoteDescription(answer))
