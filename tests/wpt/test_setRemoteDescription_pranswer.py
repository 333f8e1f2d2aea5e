"""Port of webrtc/RTCPeerConnection-setRemoteDescription-pranswer.html.

The receive-only video offers of the WPT file become data-channel offers.
"""

from __future__ import annotations

from tests.wpt.helper import (
    StateRecorder,
    assert_rejects_dom,
    assert_session_desc_similar,
    generate_answer,
    generate_data_channel_offer,
)


async def test_srd_pranswer_from_stable_should_reject(make_pc):
    """setRemoteDescription(pranswer) from stable state should reject with InvalidStateError

    Checklist: 37, 41.
    """
    pc = make_pc()
    offer = await pc.createOffer()
    await assert_rejects_dom(
        "InvalidStateError", pc.setRemoteDescription({"type": "pranswer", "sdp": offer.sdp})
    )


async def test_srd_pranswer_from_have_local_offer_should_succeed(make_pc):
    """setRemoteDescription(pranswer) from have-local-offer state should succeed

    Checklist: 37, 52.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await generate_data_channel_offer(pc)
    await pc.setLocalDescription(offer)
    answer = await generate_answer(offer)
    pranswer = {"type": "pranswer", "sdp": answer.sdp}
    await pc.setRemoteDescription(pranswer)
    assert pc.signalingState == "have-remote-pranswer"
    assert_session_desc_similar(pc.localDescription, offer)
    assert_session_desc_similar(pc.pendingLocalDescription, offer)
    assert pc.currentLocalDescription is None
    assert_session_desc_similar(pc.remoteDescription, pranswer)
    assert_session_desc_similar(pc.pendingRemoteDescription, pranswer)
    assert pc.currentRemoteDescription is None
    assert states.states == ["have-local-offer", "have-remote-pranswer"]


async def test_srd_pranswer_multiple_times_should_succeed(make_pc):
    """setRemoteDescription(pranswer) multiple times should succeed

    Checklist: 37.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await generate_data_channel_offer(pc)
    await pc.setLocalDescription(offer)
    answer = await generate_answer(offer)
    pranswer = {"type": "pranswer", "sdp": answer.sdp}
    await pc.setRemoteDescription(pranswer)
    await pc.setRemoteDescription(pranswer)
    assert states.states == ["have-local-offer", "have-remote-pranswer"]


async def test_srd_answer_from_have_remote_pranswer_should_succeed(make_pc):
    """setRemoteDescription(answer) from have-remote-pranswer state should succeed

    Checklist: 37, 43, 52.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await generate_data_channel_offer(pc)
    await pc.setLocalDescription(offer)
    answer = await generate_answer(offer)
    pranswer = {"type": "pranswer", "sdp": answer.sdp}
    await pc.setRemoteDescription(pranswer)
    await pc.setRemoteDescription(answer)
    assert pc.signalingState == "stable"
    assert_session_desc_similar(pc.localDescription, offer)
    assert_session_desc_similar(pc.currentLocalDescription, offer)
    assert pc.pendingLocalDescription is None
    assert_session_desc_similar(pc.remoteDescription, answer)
    assert_session_desc_similar(pc.currentRemoteDescription, answer)
    assert pc.pendingRemoteDescription is None
    assert states.states == ["have-local-offer", "have-remote-pranswer", "stable"]
