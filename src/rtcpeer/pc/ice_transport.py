"""RTCIceTransport (webrtc-pc §5.7): the W3C view of the ICE connection.

One object for the life of the connection (a restart changes its state, never the object:
checklist item 14). The RTCPeerConnection feeds it the agent's events in the order §5.7
prescribes and fires its events.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyee.asyncio import AsyncIOEventEmitter

from rtcpeer.aio import IceConnection
from rtcpeer.ice import Candidate, IceGatheringState, IceRole, IceTransportState

S = IceTransportState


@dataclass(frozen=True)
class RTCIceParameters:
    """RTCIceParameters (webrtc-pc §5.7.4)."""

    usernameFragment: str | None = None
    password: str | None = None
    iceLite: bool = False


@dataclass(frozen=True)
class RTCIceCandidatePair:
    """RTCIceCandidatePair (webrtc-pc §5.7.5): the local and remote candidates."""

    local: Candidate
    remote: Candidate


class RTCIceTransport(AsyncIOEventEmitter):
    """Events: ``statechange``, ``gatheringstatechange``, ``selectedcandidatepairchange``."""

    def __init__(self, connection: IceConnection) -> None:
        super().__init__()
        self._connection = connection
        self._state = S.NEW
        self._gathering_state = IceGatheringState.NEW
        self._selected: RTCIceCandidatePair | None = None
        self._remote_parameters: RTCIceParameters | None = None
        self._role: IceRole = IceRole.UNKNOWN

    @property
    def connection(self) -> IceConnection:
        """The asyncio ICE connection underneath (rtcpeer's own API)."""
        return self._connection

    @property
    def role(self) -> str:
        return str(self._role)

    @property
    def component(self) -> str:
        return "rtp"

    @property
    def state(self) -> str:
        return str(self._state)

    @property
    def gatheringState(self) -> str:
        return str(self._gathering_state)

    def getLocalCandidates(self) -> list[Candidate]:
        return self._connection.local_candidates

    def getRemoteCandidates(self) -> list[Candidate]:
        """Signalled remote candidates; peer-reflexive ones are not listed (item 94)."""
        return [c for c in self._connection.agent.remote_candidates if str(c.type) != "prflx"]

    def getSelectedCandidatePair(self) -> RTCIceCandidatePair | None:
        """None while new or closed (item 25)."""
        if self._state in (S.NEW, S.CLOSED):
            return None
        return self._selected

    def getLocalParameters(self) -> RTCIceParameters | None:
        ufrag, pwd = self._connection.local_parameters
        return RTCIceParameters(ufrag, pwd)

    def getRemoteParameters(self) -> RTCIceParameters | None:
        return self._remote_parameters

    # -- updates from the peer connection (no events here: it fires them in order) --------

    def _set_state(self, state: IceTransportState) -> bool:
        changed = state is not self._state
        self._state = state
        return changed

    def _set_gathering_state(self, state: IceGatheringState) -> bool:
        changed = state is not self._gathering_state
        self._gathering_state = state
        return changed

    def _set_selected(self, local: Candidate | None, remote: Candidate | None) -> bool:
        pair = RTCIceCandidatePair(local, remote) if local and remote else None
        changed = pair != self._selected
        self._selected = pair
        return changed
