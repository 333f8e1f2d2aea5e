"""Port of webrtc/RTCPeerConnection-setLocalDescription-parameterless.https.html.

The index this port was written from has no copy of this file; the titles below come from
a current (2026) WPT test list. Each case is reconstructed from its title and the spec
text it names (webrtc-pc §4.4.2.2 setLocalDescription, checklist item 46), so the bodies
are this suite's, not WPT's. A data channel gives the offers an m-section.
"""

from __future__ import annotations

import re

import pytest

from rtcpeer import RTCSessionDescription
from tests.wpt.helper import (
    assert_never_settles,
    assert_rejects_dom,
    start,
    yield_to_loop,
)


def _without_candidates(sdp: str) -> str:
    """The SDP without the candidate lines a connection adds while it gathers."""
    return re.sub(r"a=(candidate:[^\r]*|end-of-candidates)\r\n", "", sdp)


async def test_parameterless_sld_in_stable_goes_to_have_local_offer(make_pc):
    """Parameterless SLD() in 'stable' goes to 'have-local-offer'

    Checklist: 46.
    """
    pc = make_pc()
    pc.createDataChannel("test")
    await pc.setLocalDescription()
    assert pc.signalingState == "have-local-offer"


async def test_parameterless_sld_in_stable_sets_pending_local_description(make_pc):
    """Parameterless SLD() in 'stable' sets pendingLocalDescription

    Checklist: 46, 52.
    """
    pc = make_pc()
    pc.createDataChannel("test")
    await pc.setLocalDescription()
    assert pc.pendingLocalDescription is not None
    assert pc.pendingLocalDescription.type == "offer"
    assert pc.pendingLocalDescription is pc.localDescription or (
        pc.pendingLocalDescription == pc.localDescription
    )
    assert pc.currentLocalDescription is None


async def test_parameterless_sld_in_have_remote_offer_goes_to_stable(make_pc):
    """Parameterless SLD() in 'have-remote-offer' goes to 'stable'

    Checklist: 46, 43.
    """
    offerer, pc = make_pc(), make_pc()
    offerer.createDataChannel("test")
    await pc.setRemoteDescription(await offerer.createOffer())
    await pc.setLocalDescription()
    assert pc.signalingState == "stable"


async def test_parameterless_sld_in_have_remote_offer_sets_current_local_description(make_pc):
    """Parameterless SLD() in 'have-remote-offer' sets currentLocalDescription

    Checklist: 46, 43, 52.
    """
    offerer, pc = make_pc(), make_pc()
    offerer.createDataChannel("test")
    await pc.setRemoteDescription(await offerer.createOffer())
    await pc.setLocalDescription()
    assert pc.currentLocalDescription is not None
    assert pc.currentLocalDescription.type == "answer"
    assert pc.pendingLocalDescription is None


async def test_parameterless_sld_uses_last_created_offer_if_still_valid(make_pc):
    """Parameterless SLD() uses [[LastCreatedOffer]] if it is still valid

    Candidate lines are ignored in the comparison (a connection adds them to its local
    description as it gathers). Checklist: 46.
    """
    pc = make_pc()
    pc.createDataChannel("test")
    offer = await pc.createOffer()
    await pc.setLocalDescription()
    assert pc.localDescription is not None
    assert _without_candidates(pc.localDescription.sdp) == _without_candidates(offer.sdp)


async def test_parameterless_sld_uses_last_created_answer_if_still_valid(make_pc):
    """Parameterless SLD() uses [[LastCreatedAnswer]] if it is still valid

    Checklist: 46.
    """
    offerer, pc = make_pc(), make_pc()
    offerer.createDataChannel("test")
    await pc.setRemoteDescription(await offerer.createOffer())
    answer = await pc.createAnswer()
    await pc.setLocalDescription()
    assert pc.localDescription is not None
    assert _without_candidates(pc.localDescription.sdp) == _without_candidates(answer.sdp)


async def test_parameterless_sld_rejects_with_invalid_state_error_if_already_closed(make_pc):
    """Parameterless SLD() rejects with InvalidStateError if already closed

    Checklist: 46, 51, 109.
    """
    pc = make_pc()
    await pc.close()
    await assert_rejects_dom("InvalidStateError", pc.setLocalDescription())


async def test_parameterless_sld_never_settles_if_closed_while_pending(make_pc):
    """Parameterless SLD() never settles if closed while pending

    Checklist: 42, 51.
    """
    pc = make_pc()
    pc.createDataChannel("test")
    sld = start(pc.setLocalDescription())
    await yield_to_loop()  # the call has chained its operation, as a JS call has on return
    await pc.close()
    await assert_never_settles(sld)


async def test_parameterless_sld_in_a_full_offer_answer_exchange_succeeds(make_pc):
    """Parameterless SLD() in a full O/A exchange succeeds

    Checklist: 46, 37, 43.
    """
    pc1, pc2 = make_pc(), make_pc()
    pc1.createDataChannel("test")
    await pc1.setLocalDescription()
    assert pc1.localDescription is not None
    await pc2.setRemoteDescription(pc1.localDescription)
    await pc2.setLocalDescription()
    assert pc2.localDescription is not None
    await pc1.setRemoteDescription(pc2.localDescription)
    assert pc1.signalingState == "stable"
    assert pc2.signalingState == "stable"
    assert pc1.currentLocalDescription is not None
    assert pc1.currentLocalDescription.type == "offer"
    assert pc2.currentLocalDescription is not None
    assert pc2.currentLocalDescription.type == "answer"


async def test_parameterless_srd_rejects_with_type_error(make_pc):
    """Parameterless SRD() rejects with TypeError.

    setRemoteDescription's description is a required argument (WebIDL TypeError); a
    dictionary without the required ``type`` member is a TypeError too. Checklist: 46.
    """
    pc = make_pc()
    with pytest.raises(TypeError):
        await pc.setRemoteDescription()
    with pytest.raises(TypeError):
        await pc.setRemoteDescription({"sdp": ""})
    assert pc.signalingState == "stable"


def test_rtc_session_description_constructed_without_type_throws_type_error():
    """RTCSessionDescription constructed without type throws TypeError

    Checklist: 46.
    """
    with pytest.raises(TypeError):
        RTCSessionDescription(sdp="")  # type: ignore[call-arg]
