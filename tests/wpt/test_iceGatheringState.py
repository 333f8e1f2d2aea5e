"""Port of webrtc/RTCPeerConnection-iceGatheringState.html.

Receive-only audio transceivers become data channels (one m=application section, one
ICE transport). ``pc.sctp.transport.iceTransport`` is ``pc.iceTransport`` in rtcpeer.
The "no state change" checks wait 500 ms, as the WPT cases do.
"""

from __future__ import annotations

from tests.wpt.helper import (
    EventLog,
    NoEventsExpected,
    exchange_answer,
    exchange_ice_candidates,
    ice_gathering_state_transitions,
    initial_offer_answer_with_ice_gathering_state_transitions,
    next_event,
    no_event_within,
    within,
)

#: The WPT cases' "no further change" window.
QUIET_WINDOW = 0.5


def test_initial_ice_gathering_state_should_be_new(make_pc):
    """Initial iceGatheringState should be new

    Checklist: 21, 23.
    """
    pc = make_pc()
    assert pc.iceGatheringState == "new"


async def test_ice_gathering_state_should_eventually_become_complete_after_sld(make_pc):
    """iceGatheringState should eventually become complete after setLocalDescription

    Checklist: 21, 22, 32, 33.
    """
    pc = make_pc()
    assert pc.listeners("icegatheringstatechange") == [], (
        "Expect connection to have icegatheringstatechange event"
    )
    assert pc.iceGatheringState == "new"
    log = EventLog()
    log.watch(pc, "icegatheringstatechange", lambda: pc.iceGatheringState)
    complete = next_event(pc, "icegatheringstatechange", lambda: pc.iceGatheringState == "complete")
    pc.createDataChannel("test")
    await pc.setLocalDescription(await pc.createOffer())
    await within(complete, "iceGatheringState complete")
    states = log.values("icegatheringstatechange")
    assert "gathering" in states, "iceGatheringState should reach gathering before complete"
    assert states.index("gathering") < states.index("complete")


async def test_sld_reoffer_with_no_new_transports_should_not_change_gathering_state(make_pc):
    """setLocalDescription(reoffer) with no new transports should not cause iceGatheringState to change

    The initial exchange listens for gathering -> complete only after each sLD resolved,
    as the WPT helper does. Checklist: 22, 32, 98.
    """  # noqa: E501
    pc1, pc2 = make_pc(), make_pc()
    pc1.createDataChannel("test")
    await initial_offer_answer_with_ice_gathering_state_transitions(pc1, pc2)
    unexpected1 = NoEventsExpected(pc1, "icegatheringstatechange")
    unexpected2 = NoEventsExpected(pc2, "icegatheringstatechange")
    await pc1.setLocalDescription(await pc1.createOffer())
    await pc2.setLocalDescription(await pc2.createOffer())
    await no_event_within(pc1, "icegatheringstatechange", QUIET_WINDOW)
    unexpected1.assert_none()
    unexpected2.assert_none()


async def test_sld_with_no_transports_should_not_change_gathering_state(make_pc):
    """setLocalDescription() with no transports should not cause iceGatheringState to change

    Checklist: 21, 98.
    """
    pc1 = make_pc()
    unexpected = NoEventsExpected(pc1, "icegatheringstatechange")
    await pc1.setLocalDescription(await pc1.createOffer())
    await no_event_within(pc1, "icegatheringstatechange", QUIET_WINDOW)
    unexpected.assert_none()


async def test_sld_reoffer_with_a_new_transport_goes_gathering_then_complete(make_pc):
    """setLocalDescription(reoffer) with a new transport should cause iceGatheringState to go to "checking" and then "complete"

    (Title verbatim: the body expects "gathering", then "complete".) The re-offer is an
    ICE restart. Checklist: 22, 32, 72.
    """  # noqa: E501
    pc1, pc2 = make_pc(), make_pc()
    pc1.createDataChannel("test")
    await initial_offer_answer_with_ice_gathering_state_transitions(pc1, pc2)
    await pc1.setLocalDescription(await pc1.createOffer(iceRestart=True))
    await ice_gathering_state_transitions(pc1, "gathering", "complete")


async def test_srd_does_not_cause_ice_gathering_state_changes(make_pc):
    """sRD does not cause ICE gathering state changes

    Checklist: 98.
    """
    pc1, pc2 = make_pc(), make_pc()
    unexpected = NoEventsExpected(pc2, "icegatheringstatechange")
    pc1.createDataChannel("test")
    offer = await pc1.createOffer()
    await pc2.setRemoteDescription(offer)
    await pc2.setRemoteDescription(offer)
    await pc2.setRemoteDescription({"type": "rollback"})
    await pc2.setRemoteDescription(offer)
    unexpected.assert_none()
    assert pc2.iceGatheringState == "new"


async def test_one_data_channel_gathering_states_match_the_transport(make_pc):
    """connection with one data channel should eventually have connected connection state

    (Title verbatim; the case is about gathering.) pc1's transport must still be "new"
    right after its sLD resolved; pc2's transport gatheringState equals the aggregate at
    each of pc2's icegatheringstatechange events. Checklist: 21, 32.
    """
    pc1, pc2 = make_pc(), make_pc()
    log = EventLog()
    log.watch(
        pc2,
        "icegatheringstatechange",
        lambda: (pc2.iceGatheringState, pc2.iceTransport.gatheringState),
    )
    complete = next_event(
        pc2, "icegatheringstatechange", lambda: pc2.iceGatheringState == "complete"
    )
    pc1.createDataChannel("test")
    exchange_ice_candidates(pc1, pc2)
    await pc1.setLocalDescription()
    gathering_after_sld = pc1.iceTransport.gatheringState
    assert pc1.localDescription is not None
    await pc2.setRemoteDescription(pc1.localDescription)
    await exchange_answer(pc1, pc2)
    await within(complete, "pc2 iceGatheringState complete")
    for aggregate, transport in log.values("icegatheringstatechange"):
        assert aggregate == transport, (
            f"Expect ICE transport to be in {aggregate} gatheringState when "
            f"iceGatheringState is {aggregate} (it was {transport})"
        )
    assert gathering_after_sld == "new"
