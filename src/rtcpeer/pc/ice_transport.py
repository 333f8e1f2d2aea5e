"""RTCIceTransport (webrtc-pc §5.7): the W3C view of the ICE connection.

One object for the life of the connection (a restart changes its state, never the object:
checklist item 14). The RTCPeerConnection feeds it the agent's events in the order §5.7
prescribes and fires its events. It is reachable as ``pc.iceTransport``, and as in
browsers as ``pc.sctp.transport.iceTransport`` (aiortc: ``pc.sctp.transport.transport``).

Candidates are reported as W3C :class:`~rtcpeer.pc.objects.RTCIceCandidate` objects (the
rtcpeer :class:`~rtcpeer.ice.Candidate` underneath is their ``parsed``); local
server-reflexive and relayed ones carry the ``url`` of their ICE server and relayed ones
their ``relayProtocol``.

Beyond the W3C attributes (rtcpeer's own, snake_case): ``state_reason`` and
``selected_pair_reason`` say why the last change happened, ``selected_pair_changes``
counts them, and ``connection`` is the asyncio ICE connection underneath.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pyee.asyncio import AsyncIOEventEmitter

from rtcpeer.aio import IceConnection
from rtcpeer.ice import (
    Candidate,
    CandidateType,
    IceGatheringState,
    IceRole,
    IceTransportState,
)
from rtcpeer.pc.objects import RTCIceCandidate

S = IceTransportState


@dataclass(frozen=True)
class RTCIceParameters:
    """RTCIceParameters (webrtc-pc §5.7.4). The password is a secret: it is left out of
    ``repr`` (and so out of logs and tracebacks)."""

    usernameFragment: str | None = None
    password: str | None = field(default=None, repr=False)
    iceLite: bool = False


@dataclass(frozen=True, eq=False)
class RTCIceCandidatePair:
    """RTCIceCandidatePair (webrtc-pc §5.7.5): the local and remote candidates."""

    local: RTCIceCandidate
    remote: RTCIceCandidate

    def __repr__(self) -> str:
        return f"RTCIceCandidatePair({_describe(self.local)} -> {_describe(self.remote)})"


def _describe(candidate: RTCIceCandidate) -> str:
    return f"{candidate.address}:{candidate.port} {candidate.type}"


class RTCIceTransport(AsyncIOEventEmitter):
    """Events: ``statechange``, ``gatheringstatechange``, ``selectedcandidatepairchange``."""

    def __init__(self, connection: IceConnection) -> None:
        super().__init__()
        self._connection = connection
        self._state = S.NEW
        self._gathering_state = IceGatheringState.NEW
        self._selected_candidates: tuple[Candidate, Candidate] | None = None
        self._selected: RTCIceCandidatePair | None = None
        self._remote_parameters: RTCIceParameters | None = None
        self._role: IceRole = IceRole.UNKNOWN
        #: Where candidates are signalled: () -> (sdpMid, sdpMLineIndex); set by the peer
        #: connection (the first m-section of the BUNDLE group).
        self._mid: Callable[[], tuple[str | None, int]] | None = None
        #: Why the state last changed (the ICE agent's words).
        self.state_reason = ""
        #: Why the selected pair last changed.
        self.selected_pair_reason = ""
        #: How many times the selected pair changed (webrtc-stats
        #: ``selectedCandidatePairChanges``).
        self.selected_pair_changes = 0

    @property
    def connection(self) -> IceConnection:
        """The asyncio ICE connection underneath (rtcpeer's own API)."""
        return self._connection

    # -- W3C attributes and methods --------------------------------------------------------

    @property
    def role(self) -> str:
        """The ICE role: controlling, controlled, or unknown before the first description."""
        return str(self._role)

    @property
    def component(self) -> str:
        """Always "rtp" (RTCP is multiplexed, BUNDLE: one component)."""
        return "rtp"

    @property
    def state(self) -> str:
        return str(self._state)

    @property
    def gatheringState(self) -> str:
        return str(self._gathering_state)

    def getLocalCandidates(self) -> list[RTCIceCandidate]:
        """The local candidates of the current generation, as surfaced by ``icecandidate``."""
        return [self._w3c(c, local=True) for c in self._connection.local_candidates]

    def getRemoteCandidates(self) -> list[RTCIceCandidate]:
        """The remote candidates of the current remote generation as signalled (trickled or
        in the description); peer-reflexive ones are not listed (item 94)."""
        ufrag = self._connection.agent.remote_ufrag
        return [
            self._w3c(c, local=False, ufrag=ufrag)
            for c in self._connection.signalled_remote_candidates
            if c.type is not CandidateType.PRFLX
        ]

    def getSelectedCandidatePair(self) -> RTCIceCandidatePair | None:
        """The pair carrying data; None while new or closed (item 25). The same object until
        the selected pair changes."""
        if self._state in (S.NEW, S.CLOSED):
            return None
        return self._selected

    def getLocalParameters(self) -> RTCIceParameters | None:
        """The current local ufrag and password (the password is a secret: never log it)."""
        ufrag, pwd = self._connection.local_parameters
        return RTCIceParameters(ufrag, pwd)

    def getRemoteParameters(self) -> RTCIceParameters | None:
        """The peer's parameters from the last remote description, None before one."""
        return self._remote_parameters

    # -- candidates ------------------------------------------------------------------------

    def candidate_origin(self, candidate: Candidate) -> tuple[str | None, str | None]:
        """(url, relayProtocol) of a local candidate: the STUN server that reported a
        server-reflexive one, the TURN server (and the protocol to it) of a relayed one."""
        agent = self._connection.agent
        address = candidate.transport_address
        if candidate.type is CandidateType.SRFLX:
            for gen in agent.live_generations:
                server = gen.reflexive_servers.get(address)
                if server is not None:
                    host, port = self._connection.server_names.get(server, server)
                    return f"stun:{_host(host)}:{port}", None
        elif candidate.type is CandidateType.RELAY:
            for allocation in agent.allocations:
                if allocation.client.relayed_address == address:
                    turn = allocation.server
                    scheme = "turns" if turn.transport == "tls" else "turn"
                    url = turn.url or (
                        f"{scheme}:{_host(turn.host)}:{turn.port}?transport="
                        + ("tcp" if turn.transport == "tls" else turn.transport)
                    )
                    return url, turn.transport
        return None, None

    def _w3c(
        self, candidate: Candidate, *, local: bool, ufrag: str | None = None
    ) -> RTCIceCandidate:
        mid, index = self._mid() if self._mid is not None else (None, 0)
        made = RTCIceCandidate.from_candidate(candidate, sdpMid=mid, sdpMLineIndex=index)
        if local:
            made.url, made.relayProtocol = self.candidate_origin(candidate)
        elif made.usernameFragment is None:
            made.usernameFragment = ufrag or self._remote_ufrag(candidate)
        return made

    def _remote_ufrag(self, candidate: Candidate) -> str | None:
        """The ufrag of the (live) generation a remote candidate belongs to."""
        for gen in reversed(self._connection.agent.live_generations):
            if any(c is candidate or c == candidate for c in gen.remote_candidates):
                return gen.remote_ufrag
        return self._connection.agent.remote_ufrag

    # -- updates from the peer connection (no events here: it fires them in order) --------

    def _set_state(self, state: IceTransportState, reason: str = "") -> bool:
        changed = state is not self._state
        self._state = state
        if changed and reason:
            self.state_reason = reason
        return changed

    def _set_gathering_state(self, state: IceGatheringState) -> bool:
        changed = state is not self._gathering_state
        self._gathering_state = state
        return changed

    def _set_selected(
        self, local: Candidate | None, remote: Candidate | None, reason: str = ""
    ) -> bool:
        candidates = (local, remote) if local is not None and remote is not None else None
        if candidates == self._selected_candidates:
            return False
        self._selected_candidates = candidates
        self._selected = (
            RTCIceCandidatePair(
                self._w3c(candidates[0], local=True), self._w3c(candidates[1], local=False)
            )
            if candidates is not None
            else None
        )
        self.selected_pair_reason = reason
        self.selected_pair_changes += 1
        return True


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
