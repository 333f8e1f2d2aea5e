"""The sans-IO ICE agent (RFC 8445, RFC 8838, RFC 7675, RFC 8863) and its parts."""

from rtcpeer.ice.agent import IceAgent
from rtcpeer.ice.candidate import (
    AddressKind,
    Candidate,
    CandidateParseError,
    CandidateType,
    address_kind,
    candidate_priority,
    compute_foundation,
)
from rtcpeer.ice.config import IceConfig
from rtcpeer.ice.events import (
    CandidateGatheringError,
    EndOfLocalCandidates,
    GatheringStateChanged,
    IceEvent,
    LocalCandidateGathered,
    RoleChanged,
    SelectedPairChanged,
    StateChanged,
)
from rtcpeer.ice.pair import CandidatePair, PairState, pair_priority
from rtcpeer.ice.relay import TurnConnectionReleased, TurnConnectionRequested, TurnServer
from rtcpeer.ice.states import (
    ALLOWED_TRANSITIONS,
    IceGatheringState,
    IceRole,
    IceTransportState,
    is_allowed_transition,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "AddressKind",
    "Candidate",
    "CandidateGatheringError",
    "CandidatePair",
    "CandidateParseError",
    "CandidateType",
    "EndOfLocalCandidates",
    "GatheringStateChanged",
    "IceAgent",
    "IceConfig",
    "IceEvent",
    "IceGatheringState",
    "IceRole",
    "IceTransportState",
    "LocalCandidateGathered",
    "PairState",
    "RoleChanged",
    "SelectedPairChanged",
    "StateChanged",
    "TurnConnectionReleased",
    "TurnConnectionRequested",
    "TurnServer",
    "address_kind",
    "candidate_priority",
    "compute_foundation",
    "is_allowed_transition",
    "pair_priority",
]
