"""The signaling state machine (webrtc-pc §4.3.1, §4.4.1.4; JSEP RFC 8829 §3.2).

:func:`next_signaling_state` is the whole transition table: which description types may be
applied, locally or remotely, in which state, and where they lead. Anything else is an
InvalidStateError (checklist items 37, 38, 41).
"""

from __future__ import annotations

from typing import Literal

from rtcpeer.pc.errors import InvalidStateError
from rtcpeer.pc.states import RTCSignalingState

SdpType = Literal["offer", "pranswer", "answer", "rollback"]
S = RTCSignalingState

#: (state, local?, type) -> new state.
_TRANSITIONS: dict[tuple[S, bool, str], S] = {
    (S.STABLE, True, "offer"): S.HAVE_LOCAL_OFFER,
    (S.STABLE, False, "offer"): S.HAVE_REMOTE_OFFER,
    (S.HAVE_LOCAL_OFFER, True, "offer"): S.HAVE_LOCAL_OFFER,
    (S.HAVE_LOCAL_OFFER, False, "pranswer"): S.HAVE_REMOTE_PRANSWER,
    (S.HAVE_LOCAL_OFFER, False, "answer"): S.STABLE,
    (S.HAVE_REMOTE_OFFER, False, "offer"): S.HAVE_REMOTE_OFFER,
    (S.HAVE_REMOTE_OFFER, True, "pranswer"): S.HAVE_LOCAL_PRANSWER,
    (S.HAVE_REMOTE_OFFER, True, "answer"): S.STABLE,
    (S.HAVE_LOCAL_PRANSWER, True, "pranswer"): S.HAVE_LOCAL_PRANSWER,
    (S.HAVE_LOCAL_PRANSWER, True, "answer"): S.STABLE,
    (S.HAVE_REMOTE_PRANSWER, False, "pranswer"): S.HAVE_REMOTE_PRANSWER,
    (S.HAVE_REMOTE_PRANSWER, False, "answer"): S.STABLE,
    # §4.4.1.4 step 2 rejects a rollback only in stable and the pranswer states, from either
    # side: with an offer pending (ours or theirs) a rollback of either kind returns to stable.
    (S.HAVE_LOCAL_OFFER, True, "rollback"): S.STABLE,
    (S.HAVE_LOCAL_OFFER, False, "rollback"): S.STABLE,
    (S.HAVE_REMOTE_OFFER, True, "rollback"): S.STABLE,
    (S.HAVE_REMOTE_OFFER, False, "rollback"): S.STABLE,
}


def next_signaling_state(state: RTCSignalingState, local: bool, sdp_type: str) -> S:
    """The state after applying a ``sdp_type`` description (``local``: setLocalDescription).

    Raises InvalidStateError when the type is not allowed in ``state`` (webrtc-pc §4.4.1.4,
    JSEP §5.5/§5.6), including a rollback in stable or a pranswer state (item 38).
    """
    if state is S.CLOSED:
        raise InvalidStateError("the RTCPeerConnection is closed")
    new = _TRANSITIONS.get((state, local, sdp_type))
    if new is None:
        side = "local" if local else "remote"
        raise InvalidStateError(f"cannot apply a {side} {sdp_type} in signaling state {state}")
    return new
