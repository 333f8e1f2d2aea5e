"""Events the ICE agent reports through ``IceAgent.next_event()``.

Every state change and selected-pair change carries its reason, so the layers above (and
logs, traces and tests) can say *why* something happened, not only that it did.
"""

from __future__ import annotations

from dataclasses import dataclass

from rtcpeer.ice.candidate import Candidate
from rtcpeer.ice.states import IceGatheringState, IceRole, IceTransportState

Address = tuple[str, int]


@dataclass(frozen=True, slots=True)
class IceEvent:
    """Base class of every ICE agent event."""


@dataclass(frozen=True, slots=True)
class LocalCandidateGathered(IceEvent):
    """A new local candidate of ``ufrag``'s generation (webrtc-pc §5.7 "surface the candidate")."""

    candidate: Candidate
    ufrag: str


@dataclass(frozen=True, slots=True)
class GatheringStateChanged(IceEvent):
    """The gatherer changed state (webrtc-pc §5.7.5). ``ufrag`` names the generation."""

    state: IceGatheringState
    ufrag: str


@dataclass(frozen=True, slots=True)
class EndOfLocalCandidates(IceEvent):
    """Gathering finished for the generation ``ufrag`` (webrtc-pc §5.7, RFC 8838 §4.5)."""

    ufrag: str


@dataclass(frozen=True, slots=True)
class CandidateGatheringError(IceEvent):
    """A STUN or TURN server could not be used (becomes ``icecandidateerror``, webrtc-pc
    §4.8.2).

    ``error_code`` is the STUN/TURN error code, or 701 when no response arrived at all (or
    a TCP/TLS connection to a TURN server could not be made). ``url`` is the server's URL
    as configured, when the agent knows it (TURN servers).
    """

    base: Address
    server: Address
    error_code: int
    error_text: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class StateChanged(IceEvent):
    """RTCIceTransportState changed (webrtc-pc §5.7.6); ``reason`` says why, for people."""

    old: IceTransportState
    new: IceTransportState
    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class SelectedPairChanged(IceEvent):
    """The pair carrying application data changed (webrtc-pc §5.7 selectedcandidatepairchange).

    ``local``/``remote`` are ``None`` when no pair is selected any more.
    """

    local: Candidate | None
    remote: Candidate | None
    reason: str
    at: float


@dataclass(frozen=True, slots=True)
class RoleChanged(IceEvent):
    """The ICE role changed after a role conflict (RFC 8445 §7.3.1.1, webrtc-pc §5.7)."""

    role: IceRole
    reason: str
