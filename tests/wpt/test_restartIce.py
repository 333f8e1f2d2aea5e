"""Port of webrtc/RTCPeerConnection-restartIce.https.html.

The WPT file adds an audio transceiver to get an m-section; here a data channel does
(``createDataChannel`` makes negotiation needed and creates an m=application section),
which is all these cases need: they are about ICE credentials and negotiationneeded.
"""

from __future__ import annotations

from tests.wpt.helper import (
    assert_no_negotiation_needed,
    do_signaling_handshake_end_on_first,
    do_signaling_handshake_end_on_second,
    get_ufrags,
    next_event,
    no_event_within,
    within,
)


async def test_restart_ice_does_not_trigger_negotiation_ahead_of_initial_negotiation(make_pc):
    """restartIce() does not trigger negotiation ahead of initial negotiation

    Checklist: 54, 55, 57, 82.
    """
    pc1 = make_pc()
    pc1.restartIce()
    await assert_no_negotiation_needed(pc1)
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded after createDataChannel")
    await assert_no_negotiation_needed(pc1)


async def test_restart_ice_has_no_effect_on_initial_negotiation(make_pc):
    """restartIce() has no effect on initial negotiation

    Checklist: 55, 57, 60, 61, 62.
    """
    pc1, pc2 = make_pc(), make_pc()
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded")
    pc1.restartIce()
    await do_signaling_handshake_end_on_first(pc1, pc2)
    await assert_no_negotiation_needed(pc1)


async def test_restart_ice_fires_negotiationneeded_after_initial_negotiation(make_pc):
    """restartIce() fires negotiationneeded after initial negotiation

    Checklist: 55, 56, 81.
    """
    pc1, pc2 = make_pc(), make_pc()
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    fired = next_event(pc1, "negotiationneeded")
    pc1.restartIce()
    await within(fired, "negotiationneeded after restartIce()")


async def test_restart_ice_causes_fresh_ufrags(make_pc):
    """restartIce() causes fresh ufrags

    Checklist: 58, 59, 61, 62, 66, 71.
    """
    pc1, pc2 = make_pc(), make_pc()
    pc1.createDataChannel("data")
    await do_signaling_handshake_end_on_first(pc1, pc2)

    [old_ufrag1] = get_ufrags(pc1.localDescription)
    [old_ufrag2] = get_ufrags(pc2.localDescription)
    await do_signaling_handshake_end_on_first(pc1, pc2)
    assert get_ufrags(pc1.localDescription)[0] == old_ufrag1, "control 1"
    assert get_ufrags(pc2.localDescription)[0] == old_ufrag2, "control 2"

    fired = next_event(pc1, "negotiationneeded")
    pc1.restartIce()
    await within(fired, "negotiationneeded after restartIce()")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [new_ufrag1] = get_ufrags(pc1.localDescription)
    [new_ufrag2] = get_ufrags(pc2.localDescription)
    assert new_ufrag1 != old_ufrag1, "ufrag 1 changed"
    assert new_ufrag1 != old_ufrag2, "ufrag 2 changed"
    await assert_no_negotiation_needed(pc1)

    await do_signaling_handshake_end_on_first(pc1, pc2)
    assert get_ufrags(pc1.localDescription)[0] == new_ufrag1, "Unchanged 1"
    assert get_ufrags(pc2.localDescription)[0] == new_ufrag2, "Unchanged 2"


async def test_restart_ice_works_in_have_local_offer(make_pc):
    """restartIce() works in have-local-offer

    Checklist: 55, 61, 62, 64, 79, 83.
    """
    pc1, pc2 = make_pc(), make_pc()
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [old_ufrag1] = get_ufrags(pc1.localDescription)
    [old_ufrag2] = get_ufrags(pc2.localDescription)

    await pc1.setLocalDescription(await pc1.createOffer())
    pc1.restartIce()
    assert pc1.localDescription is not None
    await pc2.setRemoteDescription(pc1.localDescription)
    await pc2.setLocalDescription(await pc2.createAnswer())
    needed = next_event(pc1, "negotiationneeded")
    assert pc2.localDescription is not None
    await pc1.setRemoteDescription(pc2.localDescription)
    assert get_ufrags(pc1.localDescription)[0] == old_ufrag1, "Unchanged 1"
    assert get_ufrags(pc2.localDescription)[0] == old_ufrag2, "Unchanged 2"
    await within(needed, "negotiationneeded once back in stable")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [new_ufrag1] = get_ufrags(pc1.localDescription)
    assert new_ufrag1 != old_ufrag1, "ufrag 1 changed"
    assert new_ufrag1 != old_ufrag2, "ufrag 2 changed"
    await assert_no_negotiation_needed(pc1)


async def test_restart_ice_works_in_initial_have_local_offer(make_pc):
    """restartIce() works in initial have-local-offer

    Checklist: 55, 61, 62, 64, 68.
    """
    pc1, pc2 = make_pc(), make_pc()
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded")
    await pc1.setLocalDescription(await pc1.createOffer())
    pc1.restartIce()
    assert pc1.localDescription is not None
    await pc2.setRemoteDescription(pc1.localDescription)
    await pc2.setLocalDescription(await pc2.createAnswer())
    needed = next_event(pc1, "negotiationneeded")
    assert pc2.localDescription is not None
    await pc1.setRemoteDescription(pc2.localDescription)
    [old_ufrag1] = get_ufrags(pc1.localDescription)
    [old_ufrag2] = get_ufrags(pc2.localDescription)
    await within(needed, "negotiationneeded once back in stable")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [new_ufrag1] = get_ufrags(pc1.localDescription)
    assert new_ufrag1 != old_ufrag1, "ufrag 1 changed"
    assert new_ufrag1 != old_ufrag2, "ufrag 2 changed"
    await assert_no_negotiation_needed(pc1)


async def test_restart_ice_works_in_have_remote_offer(make_pc):
    """restartIce() works in have-remote-offer

    Checklist: 55, 61, 64, 65.
    """
    pc1, pc2 = make_pc(), make_pc()
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [old_ufrag1] = get_ufrags(pc1.localDescription)
    [old_ufrag2] = get_ufrags(pc2.localDescription)

    await pc2.setLocalDescription(await pc2.createOffer())
    assert pc2.localDescription is not None
    await pc1.setRemoteDescription(pc2.localDescription)
    pc1.restartIce()
    await pc2.setRemoteDescription(await pc1.createAnswer())
    needed = next_event(pc1, "negotiationneeded")
    assert pc2.remoteDescription is not None
    await pc1.setLocalDescription(pc2.remoteDescription)  # End on pc1. No race
    assert get_ufrags(pc1.localDescription)[0] == old_ufrag1, "Unchanged 1"
    assert get_ufrags(pc2.localDescription)[0] == old_ufrag2, "Unchanged 2"
    await within(needed, "negotiationneeded once back in stable")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [new_ufrag1] = get_ufrags(pc1.localDescription)
    assert new_ufrag1 != old_ufrag1, "ufrag 1 changed"
    assert new_ufrag1 != old_ufrag2, "ufrag 2 changed"
    await assert_no_negotiation_needed(pc1)


async def test_restart_ice_does_nothing_in_initial_have_remote_offer(make_pc):
    """restartIce() does nothing in initial have-remote-offer

    Checklist: 55, 69.
    """
    pc1, pc2 = make_pc(), make_pc()
    pc2.createDataChannel("data")
    await pc2.setLocalDescription(await pc2.createOffer())
    assert pc2.localDescription is not None
    await pc1.setRemoteDescription(pc2.localDescription)
    pc1.restartIce()
    await pc2.setRemoteDescription(await pc1.createAnswer())
    assert pc2.remoteDescription is not None
    await pc1.setLocalDescription(pc2.remoteDescription)  # End on pc1. No race
    await assert_no_negotiation_needed(pc1)


async def test_restart_ice_survives_remote_offer(make_pc):
    """restartIce() survives remote offer

    Checklist: 63, 64, 65, 58.
    """
    pc1, pc2 = make_pc(), make_pc()
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [old_ufrag1] = get_ufrags(pc1.localDescription)
    [old_ufrag2] = get_ufrags(pc2.localDescription)

    fired = next_event(pc1, "negotiationneeded")
    pc1.restartIce()
    await within(fired, "negotiationneeded after restartIce()")
    needed = next_event(pc1, "negotiationneeded")
    await do_signaling_handshake_end_on_second(pc2, pc1)
    assert get_ufrags(pc1.localDescription)[0] == old_ufrag1, "nothing yet 1"
    assert get_ufrags(pc2.localDescription)[0] == old_ufrag2, "nothing yet 2"
    await within(needed, "negotiationneeded again after the remote offer")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [new_ufrag1] = get_ufrags(pc1.localDescription)
    [new_ufrag2] = get_ufrags(pc2.localDescription)
    assert new_ufrag1 != old_ufrag1, "ufrag 1 changed"
    assert new_ufrag2 != old_ufrag2, "ufrag 2 changed"
    await assert_no_negotiation_needed(pc1)


async def test_restart_ice_is_satisfied_by_remote_ice_restart(make_pc):
    """restartIce() is satisfied by remote ICE restart

    Checklist: 66, 70, 71, 61.
    """
    pc1, pc2 = make_pc(), make_pc()
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [old_ufrag1] = get_ufrags(pc1.localDescription)
    [old_ufrag2] = get_ufrags(pc2.localDescription)

    fired = next_event(pc1, "negotiationneeded")
    pc1.restartIce()
    pc2.restartIce()
    await within(fired, "negotiationneeded after restartIce()")
    await do_signaling_handshake_end_on_second(pc2, pc1)
    [new_ufrag1] = get_ufrags(pc1.localDescription)
    [new_ufrag2] = get_ufrags(pc2.localDescription)
    assert new_ufrag1 != old_ufrag1, "ufrag 1 changed"
    assert new_ufrag1 != old_ufrag2, "ufrag 2 changed"
    await assert_no_negotiation_needed(pc1)

    await do_signaling_handshake_end_on_first(pc1, pc2)
    assert get_ufrags(pc1.localDescription)[0] == new_ufrag1, "Unchanged 1"
    assert get_ufrags(pc2.localDescription)[0] == new_ufrag2, "Unchanged 2"
    await assert_no_negotiation_needed(pc1)


async def test_restart_ice_trumps_ice_restart_false(make_pc):
    """restartIce() trumps {iceRestart: false}

    Checklist: 58, 61, 62.
    """
    pc1, pc2 = make_pc(), make_pc()
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [old_ufrag1] = get_ufrags(pc1.localDescription)
    [old_ufrag2] = get_ufrags(pc2.localDescription)

    fired = next_event(pc1, "negotiationneeded")
    pc1.restartIce()
    await within(fired, "negotiationneeded after restartIce()")
    await pc1.setLocalDescription(await pc1.createOffer(iceRestart=False))
    assert pc1.localDescription is not None
    await pc2.setRemoteDescription(pc1.localDescription)
    await pc2.setLocalDescription(await pc2.createAnswer())
    assert pc2.localDescription is not None
    await pc1.setRemoteDescription(pc2.localDescription)
    [new_ufrag1] = get_ufrags(pc1.localDescription)
    assert new_ufrag1 != old_ufrag1, "ufrag 1 changed"
    assert new_ufrag1 != old_ufrag2, "ufrag 2 changed"
    await assert_no_negotiation_needed(pc1)


async def test_restart_ice_survives_rollback(make_pc):
    """restartIce() survives rollback

    Checklist: 63, 40, 44.
    """
    pc1, pc2 = make_pc(), make_pc()
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [old_ufrag1] = get_ufrags(pc1.localDescription)
    [old_ufrag2] = get_ufrags(pc2.localDescription)

    fired = next_event(pc1, "negotiationneeded")
    pc1.restartIce()
    await within(fired, "negotiationneeded after restartIce()")
    await pc1.setLocalDescription(await pc1.createOffer())
    needed = next_event(pc1, "negotiationneeded")
    await pc1.setLocalDescription({"type": "rollback"})
    await within(needed, "negotiationneeded after the rollback")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    [new_ufrag1] = get_ufrags(pc1.localDescription)
    assert new_ufrag1 != old_ufrag1, "ufrag 1 changed"
    assert new_ufrag1 != old_ufrag2, "ufrag 2 changed"
    await assert_no_negotiation_needed(pc1)


async def test_restart_ice_has_no_effect_on_a_closed_peer_connection(make_pc):
    """restartIce() has no effect on a closed peer connection

    Reconstructed from the title only (the current WPT body was not available): after
    close(), restartIce() neither throws nor makes negotiation needed.
    Checklist: 54, 109.
    """
    pc1, pc2 = make_pc(), make_pc()
    fired = next_event(pc1, "negotiationneeded")
    pc1.createDataChannel("data")
    await within(fired, "negotiationneeded")
    await do_signaling_handshake_end_on_first(pc1, pc2)
    await pc1.close()
    pc1.restartIce()
    assert pc1.signalingState == "closed"
    assert await no_event_within(pc1, "negotiationneeded", 0.1) == []
