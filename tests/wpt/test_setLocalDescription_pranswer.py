"""Port of webrtc/RTCPeerConnection-setLocalDescription-pranswer.html.

The receive-only video offers of the WPT file become data-channel offers.
"""

from __future__ import annotations

from rtcpeer import DOMException
from tests.wpt.helper import (
    StateRecorder,
    assert_session_desc_similar,
    generate_data_channel_offer,
    within,
)


async def test_sld_pranswer_from_stable_state_should_reject(make_pc):
    """setLocalDescription(pranswer) from stable state should reject with InvalidStateError

    The sdp passed is an offer's, so it is not [[LastCreatedAnswer]] either. webrtc-pc
    §4.4.2.2 setLocalDescription checks that first and rejects with
    InvalidModificationError, while the WPT case expects InvalidStateError (the answer file
    expects InvalidModificationError for the same situation). The port accepts either
    name: the point of the case is that a pranswer is refused in stable.
    Checklist: 37, 41, 47.
    """
    pc = make_pc()
    offer = await pc.createOffer()
    try:
        await within(pc.setLocalDescription({"type": "pranswer", "sdp": offer.sdp}), "a rejection")
    except DOMException as error:
        assert error.name in ("InvalidStateError", "InvalidModificationError"), error.name
    else:
        raise AssertionError("setLocalDescription(pranswer) in stable did not reject")
    assert pc.signalingState == "stable"


async def test_sld_pranswer_should_succeed(make_pc):
    """setLocalDescription(pranswer) should succeed

    Checklist: 37, 52.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await generate_data_channel_offer(pc)
    await pc.setRemoteDescription(offer)
    answer = await pc.createAnswer()
    pranswer = {"type": "pranswer", "sdp": answer.sdp}
    await pc.setLocalDescription(pranswer)
    assert pc.signalingState == "have-local-pranswer"
    assert_session_desc_similar(pc.remoteDescription, offer)
    assert_session_desc_similar(pc.pendingRemoteDescription, offer)
    assert pc.currentRemoteDescription is None
    assert_session_desc_similar(pc.localDescription, pranswer)
    assert_session_desc_similar(pc.pendingLocalDescription, pranswer)
    assert pc.currentLocalDescription is None
    assert states.states == ["have-remote-offer", "have-local-pranswer"]


async def test_sld_pranswer_can_be_applied_multiple_times(make_pc):
    """setLocalDescription(pranswer) can be applied multiple times while still in have-local-pranswer

    Checklist: 37.
    """  # noqa: E501
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await generate_data_channel_offer(pc)
    await pc.setRemoteDescription(offer)
    answer = await pc.createAnswer()
    pranswer = {"type": "pranswer", "sdp": answer.sdp}
    await pc.setLocalDescription(pranswer)
    await pc.setLocalDescription(pranswer)
    assert states.states == ["have-remote-offer", "have-local-pranswer"]


async def test_sld_answer_from_have_local_pranswer_should_succeed(make_pc):
    """setLocalDescription(answer) from have-local-pranswer state should succeed

    Checklist: 37, 43, 52.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await generate_data_channel_offer(pc)
    await pc.setRemoteDescription(offer)
    answer = await pc.createAnswer()
    pranswer = {"type": "pranswer", "sdp": answer.sdp}
    await pc.setLocalDescription(pranswer)
    await pc.setLocalDescription(answer)
    assert pc.signalingState == "stable"
    assert_session_desc_similar(pc.localDescription, answer)
    assert_session_desc_similar(pc.remoteDescription, offer)
    assert_session_desc_similar(pc.currentLocalDescription, answer)
    assert_session_desc_similar(pc.currentRemoteDescription, offer)
    assert pc.pendingLocalDescription is None
    assert pc.pendingRemoteDescription is None
    assert states.states == ["have-remote-offer", "have-local-pranswer", "stable"]
