"""Port of webrtc/RTCPeerConnection-setRemoteDescription-rollback.html.

Most cases of the file are about transceivers, tracks and streams (see the README); the
ones ported here need only an m-section, given by a data channel.
"""

from __future__ import annotations

from tests.wpt.helper import (
    NegotiationWatcher,
    StateRecorder,
    assert_rejects_dom,
    generate_data_channel_offer,
    next_event,
    within,
)


async def test_srd_rollback_in_have_remote_offer_should_revert_to_stable(make_pc):
    """setRemoteDescription(rollback) in have-remote-offer state should revert to stable state

    Checklist: 38, 40.
    """
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await generate_data_channel_offer(pc)
    await pc.setRemoteDescription(offer)
    assert pc.signalingState == "have-remote-offer"
    assert pc.remoteDescription is not None
    assert pc.pendingRemoteDescription is not None
    assert pc.currentRemoteDescription is None
    await pc.setRemoteDescription({"type": "rollback"})
    assert pc.signalingState == "stable"
    assert pc.remoteDescription is None
    assert pc.pendingRemoteDescription is None
    assert pc.currentRemoteDescription is None
    assert states.states == ["have-remote-offer", "stable"]


async def test_srd_rollback_from_stable_should_reject(make_pc):
    """setRemoteDescription(rollback) from stable state should reject with InvalidStateError

    Checklist: 38.
    """
    pc = make_pc()
    await assert_rejects_dom("InvalidStateError", pc.setRemoteDescription({"type": "rollback"}))


async def test_srd_rollback_should_ignore_invalid_sdp_content_and_succeed(make_pc):
    """setRemoteDescription(rollback) should ignore invalid sdp content and succeed

    Checklist: 39.
    """
    pc = make_pc()
    offer = await generate_data_channel_offer(pc)
    await pc.setRemoteDescription(offer)
    await pc.setRemoteDescription({"type": "rollback", "sdp": "!<Invalid SDP Content>;"})
    assert pc.signalingState == "stable"


async def test_local_offer_created_before_srd_then_rollback_should_still_be_usable(make_pc):
    """local offer created before setRemoteDescription(remote offer) then rollback should still be usable

    Checklist: 40, 47.
    """  # noqa: E501
    pc1, pc2 = make_pc(), make_pc()
    offer1 = await generate_data_channel_offer(pc1)  # not used right away
    offer2 = await generate_data_channel_offer(pc2)
    await pc1.setRemoteDescription(offer2)
    await pc1.setRemoteDescription({"type": "rollback"})
    await pc1.setLocalDescription(offer1)
    assert pc1.signalingState == "have-local-offer"


async def test_rollback_local_offer_explicitly(make_pc):
    """rollback local offer explicitly

    The WPT case also checks the video transceiver (still one, mid null after the
    rollback). Here: a local offer rolled back with sRD(rollback) and then applied again.
    Checklist: 38, 40, 47.
    """
    pc = make_pc()
    pc.createDataChannel("test")
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    await pc.setRemoteDescription({"type": "rollback"})
    assert pc.pendingLocalDescription is None
    changed = next_event(pc, "signalingstatechange")
    await pc.setLocalDescription(offer)
    await within(changed, "signalingstatechange")
    assert states.states == ["have-local-offer", "stable", "have-local-offer"]


async def test_rollback_local_offer_implicitly_then_fire_negotiationneeded(make_pc):
    """rollback local offer implicitly visiting stable state in between. At the end fire negotiationneeded due to rollback

    pc1's pending change is its data channel; pc2's offer has no m-section (the WPT case:
    pc1 adds audio, pc2 offers video), so after pc1's offer is implicitly rolled back and
    pc2's offer answered, pc1 still needs to negotiate its data channel.
    Checklist: 44, 48, 79, 81.
    """  # noqa: E501
    pc1, pc2 = make_pc(), make_pc()
    states = StateRecorder(pc1, "signalingstatechange", "signalingState")
    pc1.createDataChannel("test")
    await pc1.setLocalDescription(await pc1.createOffer())
    watcher = NegotiationWatcher(pc1)
    needed = watcher.next()
    await pc1.setRemoteDescription(await pc2.createOffer())
    await pc1.setLocalDescription(await pc1.createAnswer())
    await within(needed, "negotiationneeded")
    assert watcher.count == 1
    assert states.states == ["have-local-offer", "stable", "have-remote-offer", "stable"]
