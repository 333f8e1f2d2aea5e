"""Port of webrtc/RTCPeerConnection-setLocalDescription.html.

Where the WPT case uses receive-only audio/video offers only to get offers with different
m-line counts, an offer without m-sections and one with a data channel (m=application)
are used instead.
"""

from __future__ import annotations

from tests.wpt.helper import (
    EventLog,
    StateRecorder,
    assert_session_desc_not_similar,
    assert_session_desc_similar,
    generate_answer,
    next_event,
    within,
)


async def test_create_offer_and_sld_again_after_one_round_should_succeed(make_pc):
    """Calling createOffer() and setLocalDescription() again after one round of local-offer/remote-answer should succeed

    Checklist: 37, 43, 52.
    """  # noqa: E501
    pc = make_pc()
    states = StateRecorder(pc, "signalingstatechange", "signalingState")
    offer1 = await pc.createOffer()
    await pc.setLocalDescription(offer1)
    await pc.setRemoteDescription(await generate_answer(offer1))
    pc.createDataChannel("test")
    offer2 = await pc.createOffer()
    await pc.setLocalDescription(offer2)
    assert pc.signalingState == "have-local-offer"
    assert_session_desc_not_similar(offer1, offer2)
    assert_session_desc_similar(pc.localDescription, offer2)
    assert_session_desc_similar(pc.currentLocalDescription, offer1)
    assert_session_desc_similar(pc.pendingLocalDescription, offer2)
    assert states.states == ["have-local-offer", "stable", "have-local-offer"]


async def test_switching_role_from_answerer_to_offerer_after_stable_should_succeed(make_pc):
    """Switching role from answerer to offerer after going back to stable state should succeed

    (The WPT title says answerer-to-offerer; the body makes pc1 the offerer first and the
    answerer of pc2's re-offer second.) pc2's re-offer is a plain re-offer here; the WPT
    case adds an audio track to it. Checklist: 37, 43, 52.
    """
    pc1, pc2 = make_pc(), make_pc()
    assert pc1.localDescription is None
    assert pc1.currentLocalDescription is None
    assert pc1.pendingLocalDescription is None

    pc1.createDataChannel("test")
    offer = await pc1.createOffer()
    assert pc1.localDescription is None
    assert pc1.currentLocalDescription is None
    assert pc1.pendingLocalDescription is None

    await pc1.setLocalDescription(offer)
    assert_session_desc_similar(pc1.localDescription, offer)
    assert pc1.currentLocalDescription is None
    assert_session_desc_similar(pc1.pendingLocalDescription, offer)

    await pc2.setRemoteDescription(offer)
    answer = await pc2.createAnswer()
    await pc2.setLocalDescription(answer)
    await pc1.setRemoteDescription(answer)
    assert pc1.signalingState == "stable"
    assert_session_desc_similar(pc1.localDescription, offer)
    assert_session_desc_similar(pc1.currentLocalDescription, offer)
    assert pc1.pendingLocalDescription is None

    reoffer = await pc2.createOffer()
    await pc2.setLocalDescription(reoffer)
    await pc1.setRemoteDescription(reoffer)
    reanswer = await pc1.createAnswer()
    await pc1.setLocalDescription(reanswer)
    assert_session_desc_similar(pc1.localDescription, reanswer)
    assert_session_desc_similar(pc1.currentLocalDescription, reanswer)
    assert pc1.pendingLocalDescription is None


async def test_onsignalingstatechange_fires_before_set_local_description_resolves(make_pc):
    """onsignalingstatechange fires before setLocalDescription resolves

    Checklist: 45.
    """
    pc = make_pc()
    offer = await pc.createOffer()
    log = EventLog()
    log.watch(pc, "signalingstatechange", label="onsignalingstatechange")
    changed = next_event(pc, "signalingstatechange")
    await pc.setLocalDescription(offer)
    log.mark("setLocalDescription")
    await within(changed, "signalingstatechange")
    assert log.names() == ["onsignalingstatechange", "setLocalDescription"]
