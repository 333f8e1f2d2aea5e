"""Port of webrtc/RTCPeerConnection-setLocalDescription-answer.html.

The receive-only video offers of the WPT file become data-channel offers (created by the
same connection and applied to it as the remote offer, as the WPT file does).
"""

from __future__ import annotations

from tests.wpt.helper import (
    EventLog,
    StateRecorder,
    assert_rejects_dom,
    assert_session_desc_similar,
    generate_answer,
    generate_data_channel_offer,
    next_event,
    start,
    within,
)


async def test_set_local_description_with_valid_answer_should_succeed(make_pc):
    """setLocalDescription() with valid answer should succeed

    Checklist: 37, 43, 52.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await generate_data_channel_offer(pc)
    await pc.setRemoteDescription(offer)
    answer = await pc.createAnswer()
    await pc.setLocalDescription(answer)
    assert pc.signalingState == "stable"
    assert_session_desc_similar(pc.localDescription, answer)
    assert_session_desc_similar(pc.remoteDescription, offer)
    assert_session_desc_similar(pc.currentLocalDescription, answer)
    assert_session_desc_similar(pc.currentRemoteDescription, offer)
    assert pc.pendingLocalDescription is None
    assert pc.pendingRemoteDescription is None
    assert states.states == ["have-remote-offer", "stable"]


async def test_type_answer_and_null_sdp_should_use_last_answer(make_pc):
    """setLocalDescription() with type answer and null sdp should use lastAnswer generated from createAnswer

    Checklist: 46, 47, 43.
    """  # noqa: E501
    pc = make_pc()
    offer = await generate_data_channel_offer(pc)
    await pc.setRemoteDescription(offer)
    answer = await pc.createAnswer()
    await pc.setLocalDescription({"type": "answer"})
    assert pc.signalingState == "stable"
    assert_session_desc_similar(pc.localDescription, answer)
    assert_session_desc_similar(pc.remoteDescription, offer)
    assert_session_desc_similar(pc.currentLocalDescription, answer)
    assert_session_desc_similar(pc.currentRemoteDescription, offer)
    assert pc.pendingLocalDescription is None
    assert pc.pendingRemoteDescription is None


async def test_answer_not_created_by_own_create_answer_rejects(make_pc):
    """setLocalDescription() with answer not created by own createAnswer() should reject with InvalidModificationError

    Checklist: 47.
    """  # noqa: E501
    pc = make_pc()
    offer = await generate_data_channel_offer(pc)
    await pc.setRemoteDescription(offer)
    answer = await generate_answer(offer)
    await assert_rejects_dom("InvalidModificationError", pc.setLocalDescription(answer))


async def test_sld_answer_from_stable_rejects_with_invalid_modification_error(make_pc):
    """Calling setLocalDescription(answer) from stable state should reject with InvalidModificationError

    (A 2026 WPT inclusion list names this case "...should reject with InvalidStateError";
    the body read here expects InvalidModificationError, which is what webrtc-pc §4.4.2.2
    setLocalDescription gives: a non-empty sdp that is not [[LastCreatedAnswer]] is
    rejected before the state is looked at.) Checklist: 47.
    """  # noqa: E501
    pc = make_pc()
    offer = await pc.createOffer()
    await assert_rejects_dom(
        "InvalidModificationError", pc.setLocalDescription({"type": "answer", "sdp": offer.sdp})
    )


async def test_sld_answer_from_have_local_offer_rejects(make_pc):
    """Calling setLocalDescription(answer) from have-local-offer state should reject with InvalidModificationError

    Checklist: 47.
    """  # noqa: E501
    pc = make_pc()
    offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    answer = await generate_answer(offer)
    await assert_rejects_dom("InvalidModificationError", pc.setLocalDescription(answer))


async def test_setting_previously_generated_answer_after_create_offer_should_work(make_pc):
    """Setting previously generated answer after a call to createOffer should work

    pc2's own change between the two is a data channel (the WPT case adds a video
    transceiver). Checklist: 40, 47.
    """
    pc1, pc2 = make_pc(), make_pc()
    offer = await generate_data_channel_offer(pc1)
    await pc2.setRemoteDescription(offer)
    answer = await pc2.createAnswer()  # [[LastCreatedAnswer]] slot set
    await pc2.setRemoteDescription({"type": "rollback"})
    pc2.createDataChannel("own")
    await pc2.createOffer()  # [[LastCreatedOffer]] slot set
    await pc2.setRemoteDescription(offer)
    await pc2.setLocalDescription(answer)  # checked against [[LastCreatedAnswer]]


async def test_sld_answer_updates_internal_state_with_a_queued_task_in_order(make_pc):
    """setLocalDescription(answer) should update internal state with a queued task, in the right order

    Checklist: 43, 45, 52.
    """  # noqa: E501
    pc1, pc2 = make_pc(), make_pc()
    await pc2.setRemoteDescription(await generate_data_channel_offer(pc1))
    answer = await pc2.createAnswer()
    log = EventLog()
    log.watch(
        pc2,
        "signalingstatechange",
        lambda: (
            pc2.signalingState,
            pc2.pendingLocalDescription,
            pc2.pendingRemoteDescription,
            pc2.currentLocalDescription,
            pc2.currentRemoteDescription,
            pc2.localDescription,
            pc2.remoteDescription,
        ),
    )
    changed = next_event(pc2, "signalingstatechange")
    sld = start(pc2.setLocalDescription(answer))
    assert pc2.signalingState == "have-remote-offer", (
        "signalingState should not be set synchronously after a call to sLD"
    )
    assert pc2.pendingLocalDescription is None
    assert pc2.pendingRemoteDescription is not None
    assert pc2.pendingRemoteDescription.type == "offer"
    assert pc2.remoteDescription is not None
    assert pc2.remoteDescription.sdp == pc2.pendingRemoteDescription.sdp
    assert pc2.currentLocalDescription is None
    assert pc2.currentRemoteDescription is None
    await within(changed, "signalingstatechange")
    log.mark("sLD resolved" if sld.done() else "sLD pending")
    await within(sld, "setLocalDescription")
    assert log.names() == ["signalingstatechange", "sLD pending"], (
        "signalingstatechange event should fire before sLD resolves"
    )
    state, pending_local, pending_remote, current_local, current_remote, local, remote = (
        log.entries[0][1]
    )
    assert state == "stable"
    assert pending_local is None, "pendingLocalDescription should never be set by sLD(answer)"
    assert pending_remote is None, (
        "pendingRemoteDescription should be updated before the signalingstatechange event"
    )
    assert current_local is not None and current_local.type == "answer"
    assert local is not None and current_local.sdp == local.sdp
    assert current_remote is not None and current_remote.type == "offer"
    assert remote is not None and current_remote.sdp == remote.sdp
