"""ICE states: transport, gathering, role, and the transitions webrtc-pc allows.

``IceTransportState`` is RTCIceTransportState (W3C webrtc-pc §5.7.6); the values are listed in
IDL order. ``ALLOWED_TRANSITIONS`` is the set of transitions the spec's state descriptions and
examples permit; the agent never makes any other (checked by the property tests).
"""

from __future__ import annotations

from enum import StrEnum


class IceTransportState(StrEnum):
    """RTCIceTransportState, webrtc-pc §5.7.6."""

    NEW = "new"
    CHECKING = "checking"
    CONNECTED = "connected"
    COMPLETED = "completed"
    DISCONNECTED = "disconnected"
    FAILED = "failed"
    CLOSED = "closed"


class IceGatheringState(StrEnum):
    """RTCIceGathererState, webrtc-pc §5.7.5: new -> gathering -> complete, per generation."""

    NEW = "new"
    GATHERING = "gathering"
    COMPLETE = "complete"


class IceRole(StrEnum):
    """RTCIceRole, webrtc-pc §5.7.3; RFC 8445 §6.1.1."""

    UNKNOWN = "unknown"
    CONTROLLING = "controlling"
    CONTROLLED = "controlled"


S = IceTransportState

#: Transitions permitted by webrtc-pc §5.7.6 (state descriptions and the examples that follow
#: them). ``closed`` is reachable from everywhere and is terminal. ``failed`` leaves only through
#: an ICE restart (to ``checking``). A restart takes ``completed`` to ``connected`` and
#: ``disconnected`` to ``checking``; new candidates after ``completed`` are only possible after
#: a restart, so ``completed -> checking`` does not occur.
ALLOWED_TRANSITIONS: frozenset[tuple[IceTransportState, IceTransportState]] = frozenset(
    {
        (S.NEW, S.CHECKING),
        (S.NEW, S.FAILED),  # zero local candidates and end-of-candidates both ways
        (S.CHECKING, S.CONNECTED),
        (S.CHECKING, S.COMPLETED),  # §5.7.6: the last pair checked succeeds
        (S.CHECKING, S.DISCONNECTED),  # all pairs checked, still waiting for candidates
        (S.CHECKING, S.FAILED),
        (S.CONNECTED, S.COMPLETED),
        (S.CONNECTED, S.DISCONNECTED),
        (S.CONNECTED, S.CHECKING),  # consent lost on the pair in use, pairs remain to check
        (S.CONNECTED, S.FAILED),
        (S.COMPLETED, S.CONNECTED),  # ICE restart
        (S.COMPLETED, S.DISCONNECTED),  # lost connectivity
        (S.COMPLETED, S.FAILED),  # consent lost on every pair that had succeeded
        (S.DISCONNECTED, S.CONNECTED),  # traffic returned
        (S.DISCONNECTED, S.COMPLETED),
        # ICE restart ("forgetting" the loss), new candidates, or end-of-candidates arriving
        # after every pair failed (checking until the PAC timer runs out).
        (S.DISCONNECTED, S.CHECKING),
        (S.DISCONNECTED, S.FAILED),
        (S.FAILED, S.CHECKING),  # ICE restart
    }
    | {(state, S.CLOSED) for state in IceTransportState if state is not S.CLOSED}
)


def is_allowed_transition(old: IceTransportState, new: IceTransportState) -> bool:
    """Whether ``old -> new`` is a transition webrtc-pc §5.7.6 permits."""
    return (old, new) in ALLOWED_TRANSITIONS
