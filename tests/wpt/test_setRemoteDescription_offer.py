"""Port of webrtc/RTCPeerConnection-setRemoteDescription-offer.html.

Offers with audio/video transceivers become data-channel offers; offers that the WPT
file creates on an empty connection stay offers without m-sections.
"""

from __future__ import annotations

import asyncio

from rtcpeer import RTCError
from tests.wpt.helper import (
    EventLog,
    StateRecorder,
    assert_rejects_dom,
    assert_session_desc_not_similar,
    assert_session_desc_similar,
    exchange_offer_answer,
    generate_data_channel_offer,
    next_event,
    start,
    wait_for_ice_gathering_state,
    wait_for_ice_state_change,
    within,
)


async def test_srd_with_valid_offer_should_succeed(make_pc):
    """setRemoteDescription with valid offer should succeed

    Checklist: 37, 52.
    """
    pc1, pc2 = make_pc(), make_pc()
    pc1.createDataChannel("datachannel")
    states = StateRecorder(pc2, "signalingstatechange", "signalingState")
    offer = await pc1.createOffer()
    await pc2.setRemoteDescription(offer)
    assert pc2.signalingState == "have-remote-offer"
    assert_session_desc_similar(pc2.remoteDescription, offer)
    assert_session_desc_similar(pc2.pendingRemoteDescription, offer)
    assert pc2.currentRemoteDescription is None
    assert states.states == ["have-remote-offer"]


async def test_srd_multiple_times_should_succeed(make_pc):
    """setRemoteDescription multiple times should succeed

    Checklist: 37, 49.
    """
    pc1, pc2 = make_pc(), make_pc()
    pc1.createDataChannel("datachannel")
    states = StateRecorder(pc2, "signalingstatechange", "signalingState")
    offer = await pc1.createOffer()
    await pc2.setRemoteDescription(offer)
    await pc2.setRemoteDescription(offer)
    assert pc2.signalingState == "have-remote-offer"
    assert_session_desc_similar(pc2.remoteDescription, offer)
    assert_session_desc_similar(pc2.pendingRemoteDescription, offer)
    assert pc2.currentRemoteDescription is None
    assert states.states == ["have-remote-offer"]


async def test_srd_multiple_times_with_different_offer_should_succeed(make_pc):
    """setRemoteDescription multiple times with different offer should succeed

    The second offer is an offer without m-sections (the WPT case: data channel, then
    data channel plus audio). Checklist: 37, 49.
    """
    pc1, pc2, pc3 = make_pc(), make_pc(), make_pc()
    pc1.createDataChannel("datachannel")
    states = StateRecorder(pc2, "signalingstatechange", "signalingState")
    offer1 = await pc1.createOffer()
    await pc1.setLocalDescription(offer1)
    offer2 = await pc3.createOffer()
    assert_session_desc_not_similar(offer1, offer2)
    await pc2.setRemoteDescription(offer1)
    await pc2.setRemoteDescription(offer2)
    assert pc2.signalingState == "have-remote-offer"
    assert_session_desc_similar(pc2.remoteDescription, offer2)
    assert_session_desc_similar(pc2.pendingRemoteDescription, offer2)
    assert pc2.currentRemoteDescription is None
    assert states.states == ["have-remote-offer"]


async def test_srd_offer_with_invalid_sdp_should_reject_with_rtc_error(make_pc):
    """setRemoteDescription(offer) with invalid SDP should reject with RTCError

    Checklist: 41.
    """
    pc = make_pc()
    try:
        await within(pc.setRemoteDescription({"type": "offer", "sdp": "Invalid SDP"}), "sRD")
    except RTCError as error:
        assert error.errorDetail == "sdp-syntax-error", (
            "Expect error detail field to set to sdp-syntax-error"
        )
    else:
        raise AssertionError("Expect promise to be rejected")


async def test_srd_offer_from_have_local_offer_should_roll_back_and_succeed(make_pc):
    """setRemoteDescription(offer) from have-local-offer should roll back and succeed

    Checklist: 48.
    """
    pc1, pc2 = make_pc(), make_pc()
    await pc1.setLocalDescription(await pc1.createOffer())
    await pc1.setRemoteDescription(await pc2.createOffer())
    assert pc1.signalingState == "have-remote-offer"


async def test_srd_offer_from_have_local_offer_fires_signalingstatechange_twice(make_pc):
    """setRemoteDescription(offer) from have-local-offer fires signalingstatechange twice

    Checklist: 48, 45.
    """
    pc1, pc2 = make_pc(), make_pc()
    await pc1.setLocalDescription(await pc1.createOffer())
    log = EventLog()
    log.watch(
        pc1,
        "signalingstatechange",
        lambda: (pc1.signalingState, pc1.pendingLocalDescription, pc1.pendingRemoteDescription),
    )
    offer = await pc2.createOffer()
    second = next_event(pc1, "signalingstatechange", lambda: len(log.entries) >= 2)
    srd = start(pc1.setRemoteDescription(offer))
    await within(second, "two signalingstatechange events")
    await within(srd, "setRemoteDescription")
    (state1, local1, remote1), (state2, local2, remote2) = log.values("signalingstatechange")
    assert (state1, local1, remote1) == ("stable", None, None)
    assert state2 == "have-remote-offer"
    assert local2 is None
    assert remote2 is not None and remote2.type == "offer"


async def test_srd_offer_in_stable_updates_internal_state_with_a_queued_task(make_pc):
    """setRemoteDescription(offer) in stable should update internal state with a queued task, in the right order

    Checklist: 45, 52.
    """  # noqa: E501
    pc1, pc2 = make_pc(), make_pc()
    offer = await generate_data_channel_offer(pc1)
    log = EventLog()
    log.watch(
        pc2,
        "signalingstatechange",
        lambda: (
            pc2.signalingState,
            pc2.pendingRemoteDescription,
            pc2.currentRemoteDescription,
            pc2.remoteDescription,
        ),
    )
    changed = next_event(pc2, "signalingstatechange")
    srd = start(pc2.setRemoteDescription(offer))
    assert pc2.signalingState == "stable", (
        "signalingState should not be set synchronously after a call to sRD"
    )
    assert pc2.pendingRemoteDescription is None
    assert pc2.currentRemoteDescription is None
    await within(changed, "signalingstatechange")
    log.mark("sRD resolved" if srd.done() else "sRD pending")
    await within(srd, "setRemoteDescription")
    assert log.names() == ["signalingstatechange", "sRD pending"], (
        "signalingstatechange event should fire before sRD resolves"
    )
    state, pending_remote, current_remote, remote = log.entries[0][1]
    assert state == "have-remote-offer"
    assert pending_remote is not None and pending_remote.type == "offer"
    assert remote is not None and pending_remote.sdp == remote.sdp
    assert current_remote is None


async def test_srd_offer_in_have_local_offer_updates_state_with_a_queued_task(make_pc):
    """setRemoteDescription(offer) in have-local-offer should update internal state with a queued task, in the right order

    Checklist: 45, 48, 52.
    """  # noqa: E501
    pc1, pc2 = make_pc(), make_pc()
    await pc2.setLocalDescription(await generate_data_channel_offer(pc2))
    # Implicit rollback!
    offer = await generate_data_channel_offer(pc1)
    log = EventLog()
    log.watch(
        pc2,
        "signalingstatechange",
        lambda: (
            pc2.signalingState,
            pc2.pendingLocalDescription,
            pc2.pendingRemoteDescription,
            pc2.remoteDescription,
        ),
    )
    second = next_event(pc2, "signalingstatechange", lambda: len(log.entries) >= 2)
    srd = start(pc2.setRemoteDescription(offer))
    assert pc2.signalingState == "have-local-offer", (
        "signalingState should not be set synchronously after a call to sRD"
    )
    assert pc2.pendingRemoteDescription is None
    assert pc2.pendingLocalDescription is not None
    assert pc2.pendingLocalDescription.type == "offer"
    await within(second, "two signalingstatechange events")
    log.mark("sRD resolved" if srd.done() else "sRD pending")
    await within(srd, "setRemoteDescription")
    assert log.names() == ["signalingstatechange", "signalingstatechange", "sRD pending"], (
        "signalingstatechange events should fire before sRD resolves"
    )
    (state1, local1, remote1, _), (state2, local2, remote2, remote) = log.values(
        "signalingstatechange"
    )
    assert (state1, local1, remote1) == ("stable", None, None)
    assert state2 == "have-remote-offer"
    assert remote2 is not None and remote2.type == "offer"
    assert remote is not None and remote2.sdp == remote.sdp
    assert local2 is None


async def test_naive_rollback_approach_is_not_glare_proof_control(make_pc):
    """Naive rollback approach is not glare-proof (control)

    What the JS test does right after the signalingstatechange event (in the microtask
    that follows its dispatch) is done in the event handler here.
    Checklist: 51, 85, 91.
    """
    pc1, pc2 = make_pc(), make_pc()
    await pc1.setLocalDescription(await pc1.createOffer())
    offer = await pc2.createOffer()
    seen: list[str] = []
    calls: list[asyncio.Future[None]] = []

    def on_change() -> None:
        if not seen:
            seen.append(pc1.signalingState)
            calls.append(start(pc1.addIceCandidate()))
            calls.append(start(pc1.setRemoteDescription(offer)))

    pc1.on("signalingstatechange", on_change)
    changed = next_event(pc1, "signalingstatechange")
    p1 = start(pc1.setLocalDescription({"type": "rollback"}))
    await within(changed, "signalingstatechange")
    assert seen == ["stable"]
    p2, p3 = calls
    await assert_rejects_dom("InvalidStateError", p2)
    await within(p1, "rollback")
    await within(p3, "setRemoteDescription")
    assert pc1.signalingState == "have-remote-offer"


async def test_srd_offer_from_have_local_offer_is_glare_proof(make_pc):
    """setRemoteDescription(offer) from have-local-offer is glare-proof

    The JS test, woken by the first signalingstatechange (the implicit rollback), sees
    "stable" and calls addIceCandidate(), which is chained behind the pending sRD and so
    succeeds. That continuation runs in the event handler here.
    Checklist: 48, 51, 91.
    """
    pc1, pc2 = make_pc(), make_pc()
    await pc1.setLocalDescription(await pc1.createOffer())
    offer = await pc2.createOffer()
    seen: list[str] = []
    calls: list[asyncio.Future[None]] = []

    def on_change() -> None:
        if not seen:
            seen.append(pc1.signalingState)
            calls.append(start(pc1.addIceCandidate()))

    pc1.on("signalingstatechange", on_change)
    changed = next_event(pc1, "signalingstatechange")
    srd = start(pc1.setRemoteDescription(offer))
    await within(changed, "signalingstatechange")
    assert seen == ["stable"]
    await within(calls[0], "addIceCandidate()")
    await within(srd, "setRemoteDescription")
    assert pc1.signalingState == "have-remote-offer"


async def test_srd_invalid_offer_from_have_local_offer_does_not_undo_rollback(make_pc):
    """setRemoteDescription(invalidOffer) from have-local-offer does not undo rollback

    Checklist: 41, 48.
    """
    pc1 = make_pc()
    await pc1.setLocalDescription(await pc1.createOffer())
    changed = next_event(pc1, "signalingstatechange")
    srd = start(pc1.setRemoteDescription({"type": "offer", "sdp": "Invalid SDP"}))
    await within(changed, "signalingstatechange (State should have changed)", timeout=1.0)
    assert pc1.signalingState == "stable"
    assert pc1.pendingLocalDescription is None
    assert pc1.pendingRemoteDescription is None
    try:
        await within(srd, "setRemoteDescription")
    except RTCError:
        pass
    else:
        raise AssertionError("Expect the invalid offer to be rejected with an RTCError")
    assert pc1.signalingState == "stable"


async def test_repeated_srd_offer_works(make_pc):
    """repeated sRD(offer) works

    The WPT case also checks that the second sRD creates no second transceiver.
    Checklist: 37, 49.
    """
    pc1, pc2 = make_pc(), make_pc()
    offer = await generate_data_channel_offer(pc1)
    await pc2.setRemoteDescription(offer)
    await pc2.setRemoteDescription(offer)
    await pc1.setLocalDescription(offer)
    answer = await pc2.createAnswer()
    await pc2.setLocalDescription(answer)
    await pc1.setRemoteDescription(answer)
    assert pc1.signalingState == pc2.signalingState == "stable"


async def test_srd_reoffer_with_candidates_and_without_trickle_works(make_pc):
    """sRD(reoffer) with candidates and without trickle works

    No candidate is trickled: pc2 learns pc1's candidates from the re-offer, created after
    pc1's gathering completed. Checklist: 34, 37, 92.
    """
    pc1, pc2 = make_pc(), make_pc()
    pc1.createDataChannel("test")
    await exchange_offer_answer(pc1, pc2)
    await wait_for_ice_gathering_state(pc1, ["complete"])
    await exchange_offer_answer(pc1, pc2)
    assert pc2.remoteDescription is not None
    assert "a=candidate:" in pc2.remoteDescription.sdp
    await wait_for_ice_state_change(pc2, ["connected", "completed"])
