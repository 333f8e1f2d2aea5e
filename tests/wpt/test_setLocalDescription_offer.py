"""Port of webrtc/RTCPeerConnection-setLocalDescription-offer.html.

Receive-only audio/video offers become data-channel offers; where two offers with
different m-line counts are needed, the first has no m-section and the second has the
data channel's m=application section.
"""

from __future__ import annotations

from tests.wpt.helper import (
    EventLog,
    StateRecorder,
    assert_rejects_dom,
    assert_session_desc_not_similar,
    assert_session_desc_similar,
    count_lines,
    generate_data_channel_offer,
    next_event,
    start,
    within,
)


async def test_set_local_description_with_valid_offer_should_succeed(make_pc):
    """setLocalDescription with valid offer should succeed

    Checklist: 37, 52.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await generate_data_channel_offer(pc)
    await pc.setLocalDescription(offer)
    assert pc.signalingState == "have-local-offer"
    assert_session_desc_similar(pc.localDescription, offer)
    assert_session_desc_similar(pc.pendingLocalDescription, offer)
    assert pc.currentLocalDescription is None
    assert states.states == ["have-local-offer"]


async def test_type_offer_and_null_sdp_should_use_last_offer(make_pc):
    """setLocalDescription with type offer and null sdp should use lastOffer generated from createOffer

    Checklist: 46, 47.
    """  # noqa: E501
    pc = make_pc()
    offer = await generate_data_channel_offer(pc)
    await pc.setLocalDescription({"type": "offer"})
    assert pc.signalingState == "have-local-offer"
    assert_session_desc_similar(pc.localDescription, offer)
    assert_session_desc_similar(pc.pendingLocalDescription, offer)
    assert pc.currentLocalDescription is None


async def test_offer_not_created_by_own_create_offer_rejects(make_pc):
    """setLocalDescription() with offer not created by own createOffer() should reject with InvalidModificationError

    Checklist: 47.
    """  # noqa: E501
    pc, pc2 = make_pc(), make_pc()
    offer = await generate_data_channel_offer(pc)
    await assert_rejects_dom("InvalidModificationError", pc2.setLocalDescription(offer))


async def test_set_created_offer_other_than_last_offer_should_reject(make_pc):
    """Set created offer other than last offer should reject with InvalidModificationError

    Checklist: 47.
    """
    pc = make_pc()
    offer1 = await pc.createOffer()
    offer2 = await generate_data_channel_offer(pc)
    assert_session_desc_not_similar(offer1, offer2)
    await assert_rejects_dom("InvalidModificationError", pc.setLocalDescription(offer1))


async def test_creating_and_setting_offer_multiple_times_should_succeed(make_pc):
    """Creating and setting offer multiple times should succeed

    Checklist: 37, 52.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer1 = await pc.createOffer()
    await pc.setLocalDescription(offer1)
    offer2 = await generate_data_channel_offer(pc)
    await pc.setLocalDescription(offer2)
    assert_session_desc_not_similar(offer1, offer2)
    assert pc.signalingState == "have-local-offer"
    assert_session_desc_similar(pc.localDescription, offer2)
    assert_session_desc_similar(pc.pendingLocalDescription, offer2)
    assert pc.currentLocalDescription is None
    assert states.states == ["have-local-offer"]


async def test_setting_previously_generated_offer_after_create_answer_should_work(make_pc):
    """Setting previously generated offer after a call to createAnswer should work

    Checklist: 40, 47.
    """
    pc1, pc2 = make_pc(), make_pc()
    offer = await generate_data_channel_offer(pc1)  # [[LastCreatedOffer]] set
    offer2 = await generate_data_channel_offer(pc2)
    await pc1.setRemoteDescription(offer2)
    await pc1.createAnswer()  # [[LastCreatedAnswer]] set
    await pc1.setRemoteDescription({"type": "rollback"})
    await pc1.setLocalDescription(offer)


async def test_negotiation_works_after_repeated_set_local_description_offer(make_pc):
    """Negotiation works when there has been a repeated setLocalDescription(offer)

    The WPT case checks the audio transceivers; here both sides must end with the
    data m-section in their current descriptions. Checklist: 37, 43.
    """
    pc1, pc2 = make_pc(), make_pc()
    pc1.createDataChannel("test")
    await pc1.setLocalDescription(await pc1.createOffer())
    offer = await pc1.createOffer()
    await pc1.setLocalDescription(offer)
    await pc2.setRemoteDescription(offer)
    answer = await pc2.createAnswer()
    await pc2.setLocalDescription(answer)
    await pc1.setRemoteDescription(answer)
    for pc in (pc1, pc2):
        assert pc.signalingState == "stable"
        assert pc.currentLocalDescription is not None
        assert pc.currentRemoteDescription is not None
        assert count_lines(pc.currentLocalDescription.sdp, "application") == 1
        assert count_lines(pc.currentRemoteDescription.sdp, "application") == 1


async def test_sld_offer_updates_internal_state_with_a_queued_task_in_order(make_pc):
    """setLocalDescription(offer) should update internal state with a queued task, in the right order

    Checklist: 45, 52.
    """  # noqa: E501
    pc = make_pc()
    pc.createDataChannel("test")
    offer = await pc.createOffer()
    log = EventLog()
    log.watch(
        pc,
        "signalingstatechange",
        lambda: (
            pc.signalingState,
            pc.pendingRemoteDescription,
            pc.pendingLocalDescription,
            pc.currentLocalDescription,
            pc.currentRemoteDescription,
            pc.localDescription,
        ),
    )
    changed = next_event(pc, "signalingstatechange")
    sld = start(pc.setLocalDescription(offer))
    assert pc.signalingState == "stable", (
        "signalingState should not be set synchronously after a call to sLD"
    )
    assert pc.pendingLocalDescription is None
    assert pc.pendingRemoteDescription is None
    assert pc.currentLocalDescription is None
    assert pc.currentRemoteDescription is None
    await within(changed, "signalingstatechange")
    log.mark("sLD resolved" if sld.done() else "sLD pending")
    await within(sld, "setLocalDescription")
    assert log.names() == ["signalingstatechange", "sLD pending"], (
        "signalingstatechange event should fire before sLD resolves"
    )
    state, pending_remote, pending_local, current_local, current_remote, local = log.entries[0][1]
    assert state == "have-local-offer"
    assert pending_remote is None, "pendingRemoteDescription should never be set due to sLD"
    assert pending_local is not None, (
        "pendingLocalDescription should be updated before the signalingstatechange event"
    )
    assert pending_local.type == "offer"
    assert local is not None
    assert pending_local.sdp == local.sdp
    assert current_local is None, "currentLocalDescription should never be updated by sLD(offer)"
    assert current_remote is None


async def test_candidate_firing_should_only_happen_after_the_sld_promise_has_settled(make_pc):
    """Candidate firing should only happen after the SLD promise has settled

    From a newer revision of the file. A data channel gives the offer a transport to gather
    for. The WPT case fails if any icecandidate event fires before the sLD promise
    settles, then expects one afterwards. Checklist: 34, 35.
    """
    pc1 = make_pc()
    pc1.createDataChannel("test")
    log = EventLog()
    log.watch(pc1, "icecandidate", lambda c: None if c is None else c.candidate)
    await pc1.setLocalDescription(await pc1.createOffer())
    log.mark("sLD settled")
    candidate = next_event(pc1, "icecandidate")
    if "icecandidate" not in log.names():
        await within(candidate, "an icecandidate event after sLD")
    assert log.names()[0] == "sLD settled", (
        f"icecandidate fired before the setLocalDescription promise settled: {log.entries}"
    )
