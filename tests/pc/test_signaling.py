"""The signaling state table (SPEC-CHECKLIST items 37, 38, 41)."""

from __future__ import annotations

import itertools

import pytest

from rtcpeer.pc.errors import InvalidStateError
from rtcpeer.pc.signaling import next_signaling_state
from rtcpeer.pc.states import RTCSignalingState

S = RTCSignalingState

ALLOWED = {
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
    (S.HAVE_LOCAL_OFFER, True, "rollback"): S.STABLE,
    (S.HAVE_LOCAL_OFFER, False, "rollback"): S.STABLE,
    (S.HAVE_REMOTE_OFFER, True, "rollback"): S.STABLE,
    (S.HAVE_REMOTE_OFFER, False, "rollback"): S.STABLE,
}


@pytest.mark.parametrize(
    ("state", "local", "sdp_type"),
    list(itertools.product(list(S), [True, False], ["offer", "pranswer", "answer", "rollback"])),
)
def test_every_state_side_and_type(state: S, local: bool, sdp_type: str) -> None:
    expected = ALLOWED.get((state, local, sdp_type))
    if expected is None:
        with pytest.raises(InvalidStateError) as info:
            next_signaling_state(state, local, sdp_type)
        assert info.value.name == "InvalidStateError"
    else:
        assert next_signaling_state(state, local, sdp_type) is expected


def test_the_two_full_paths_of_item_37() -> None:
    state = S.STABLE
    for local, kind in [(True, "offer"), (False, "pranswer"), (False, "answer")]:
        state = next_signaling_state(state, local, kind)
    assert state is S.STABLE
    trail = [S.STABLE]
    for local, kind in [(False, "offer"), (True, "pranswer"), (True, "answer")]:
        trail.append(next_signaling_state(trail[-1], local, kind))
    assert trail == [S.STABLE, S.HAVE_REMOTE_OFFER, S.HAVE_LOCAL_PRANSWER, S.STABLE]


@pytest.mark.parametrize("state", [S.STABLE, S.HAVE_LOCAL_PRANSWER, S.HAVE_REMOTE_PRANSWER])
def test_rollback_is_invalid_without_a_pending_offer(state: S) -> None:
    """Item 38."""
    for local in (True, False):
        with pytest.raises(InvalidStateError):
            next_signaling_state(state, local, "rollback")
