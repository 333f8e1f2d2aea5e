"""Port of webrtc/RTCPeerConnection-setLocalDescription-rollback.html."""

from __future__ import annotations

from tests.wpt.helper import (
    EventLog,
    StateRecorder,
    assert_rejects_dom,
    generate_data_channel_offer,
    next_event,
    start,
    within,
)


async def test_sld_rollback_from_have_local_offer_should_reset_to_stable(make_pc):
    """setLocalDescription(rollback) from have-local-offer state should reset back to stable state

    Checklist: 38, 40.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    assert pc.signalingState == "have-local-offer"
    assert pc.localDescription is not None
    assert pc.pendingLocalDescription is not None
    assert pc.currentLocalDescription is None
    await pc.setLocalDescription({"type": "rollback"})
    assert pc.signalingState == "stable"
    assert pc.localDescription is None
    assert pc.pendingLocalDescription is None
    assert pc.currentLocalDescription is None
    assert states.states == ["have-local-offer", "stable"]


async def test_sld_rollback_from_stable_should_reject(make_pc):
    """setLocalDescription(rollback) from stable state should reject with InvalidStateError

    Checklist: 38.
    """
    pc = make_pc()
    await assert_rejects_dom("InvalidStateError", pc.setLocalDescription({"type": "rollback"}))


async def test_sld_rollback_after_setting_answer_should_reject(make_pc):
    """setLocalDescription(rollback) after setting answer description should reject with InvalidStateError

    The connection's own data-channel offer is its remote offer (the WPT case uses a
    receive-only audio offer the same way). Checklist: 38.
    """  # noqa: E501
    pc = make_pc()
    offer = await generate_data_channel_offer(pc)
    await pc.setRemoteDescription(offer)
    answer = await pc.createAnswer()
    await pc.setLocalDescription(answer)
    await assert_rejects_dom("InvalidStateError", pc.setLocalDescription({"type": "rollback"}))


async def test_sld_rollback_should_ignore_invalid_sdp_content_and_succeed(make_pc):
    """setLocalDescription(rollback) should ignore invalid sdp content and succeed

    Checklist: 39.
    """
    pc = make_pc()
    offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    await pc.setLocalDescription({"type": "rollback", "sdp": "!<Invalid SDP Content>;"})
    assert pc.signalingState == "stable"


async def test_sld_rollback_updates_internal_state_with_a_queued_task_in_order(make_pc):
    """setLocalDescription(rollback) should update internal state with a queued tassk, in the right order

    (Title verbatim, typo included.) Checklist: 40, 45.
    """  # noqa: E501
    pc = make_pc()
    await pc.setLocalDescription(await generate_data_channel_offer(pc))
    log = EventLog()
    log.watch(
        pc,
        "signalingstatechange",
        lambda: (pc.signalingState, pc.pendingLocalDescription, pc.pendingRemoteDescription),
    )
    changed = next_event(pc, "signalingstatechange")
    sld = start(pc.setLocalDescription({"type": "rollback"}))
    assert pc.signalingState == "have-local-offer", (
        "signalingState should not be set synchronously after a call to sLD"
    )
    assert pc.pendingLocalDescription is not None, (
        "pendingLocalDescription should not be set synchronously after a call to sLD"
    )
    assert pc.pendingLocalDescription.type == "offer"
    assert pc.localDescription is not None
    assert pc.pendingLocalDescription.sdp == pc.localDescription.sdp
    assert pc.pendingRemoteDescription is None
    await within(changed, "signalingstatechange")
    log.mark("sLD resolved" if sld.done() else "sLD pending")
    await within(sld, "setLocalDescription(rollback)")
    assert log.names() == ["signalingstatechange", "sLD pending"], (
        "signalingstatechange event should fire before sLD resolves"
    )
    state, pending_local, pending_remote = log.entries[0][1]
    assert state == "stable"
    assert pending_local is None, (
        "pendingLocalDescription should be updated before the signalingstatechange event"
    )
    assert pending_remote is None
