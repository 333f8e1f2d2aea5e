"""W3C value objects: RTCSessionDescription and RTCIceCandidate (webrtc-pc §4.8)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rtcpeer.ice.candidate import Candidate, CandidateParseError, CandidateType


@dataclass
class RTCSessionDescription:
    """RTCSessionDescription (webrtc-pc §4.6.1): ``type`` is offer, pranswer, answer or
    rollback."""

    sdp: str
    type: str

    def __post_init__(self) -> None:
        if self.type not in ("offer", "pranswer", "answer", "rollback"):
            raise TypeError(f"invalid RTCSdpType {self.type!r}")

    def toJSON(self) -> dict[str, str]:
        return {"type": self.type, "sdp": self.sdp}


@dataclass(frozen=True)
class RTCPeerConnectionIceErrorEvent:
    """The ``icecandidateerror`` event (webrtc-pc §4.8.2): ``errorCode`` is the STUN/TURN
    error code, or 701 when the server could not be reached at all."""

    address: str | None
    port: int | None
    url: str
    errorCode: int
    errorText: str


class RTCIceCandidate:
    """RTCIceCandidate (webrtc-pc §4.8.1) with aiortc's fields too.

    Built either from W3C RTCIceCandidateInit fields (``candidate``, ``sdpMid``,
    ``sdpMLineIndex``, ``usernameFragment``) or aiortc-style from the candidate's parts.
    ``candidate == ""`` marks end-of-candidates.
    """

    def __init__(
        self,
        component: int | None = None,
        foundation: str | None = None,
        ip: str | None = None,
        port: int | None = None,
        priority: int | None = None,
        protocol: str | None = None,
        type: str | None = None,
        relatedAddress: str | None = None,
        relatedPort: int | None = None,
        sdpMid: str | None = None,
        sdpMLineIndex: int | None = None,
        tcpType: str | None = None,
        *,
        candidate: str | None = None,
        usernameFragment: str | None = None,
    ) -> None:
        self.sdpMid = sdpMid
        self.sdpMLineIndex = sdpMLineIndex
        self.usernameFragment = usernameFragment
        #: webrtc-pc §4.8.1.1: for a local srflx or relay candidate, the URL of the ICE
        #: server it came from, and for a relay candidate the client-server protocol
        #: ("udp", "tcp" or "tls"); None otherwise.
        self.url: str | None = None
        self.relayProtocol: str | None = None
        self._parsed: Candidate | None = None
        if candidate is None:
            if ip is None:
                candidate = ""
            else:
                parsed = Candidate(
                    foundation=foundation or "1",
                    component=component or 1,
                    transport=(protocol or "udp").lower(),
                    priority=priority or 1,
                    address=ip,
                    port=port or 0,
                    type=type or "host",  # type: ignore[arg-type]
                    related_address=relatedAddress,
                    related_port=relatedPort,
                    tcptype=tcpType,
                )
                self._parsed = parsed
                candidate = parsed.to_sdp()
        self.candidate: str = candidate
        if self._parsed is None and candidate:
            try:
                self._parsed = Candidate.from_sdp(candidate)
            except CandidateParseError:
                self._parsed = None  # addIceCandidate reports it (OperationError)

    @classmethod
    def from_init(cls, init: RTCIceCandidate | Mapping[str, Any] | None) -> RTCIceCandidate:
        """An RTCIceCandidate from an RTCIceCandidateInit dictionary (or itself)."""
        if isinstance(init, RTCIceCandidate):
            return init
        init = dict(init or {})  # WebIDL: members the dictionary does not define are ignored
        candidate = init.get("candidate", "")
        if not isinstance(candidate, str):
            raise TypeError("candidate must be a string")
        return cls(
            candidate=candidate,
            sdpMid=init.get("sdpMid"),
            sdpMLineIndex=init.get("sdpMLineIndex"),
            usernameFragment=init.get("usernameFragment"),
        )

    @classmethod
    def from_candidate(
        cls, candidate: Candidate, *, sdpMid: str | None, sdpMLineIndex: int | None
    ) -> RTCIceCandidate:
        made = cls(
            candidate=candidate.to_sdp(),
            sdpMid=sdpMid,
            sdpMLineIndex=sdpMLineIndex,
            usernameFragment=candidate.ufrag,
        )
        made._parsed = candidate
        return made

    @property
    def parsed(self) -> Candidate | None:
        """The parsed candidate, or None when the string is empty or malformed."""
        return self._parsed

    # W3C read-only attributes derived from the candidate string (webrtc-pc §4.8.1.1)
    @property
    def foundation(self) -> str | None:
        return self._parsed.foundation if self._parsed else None

    @property
    def component(self) -> int | None:
        return self._parsed.component if self._parsed else None

    @property
    def priority(self) -> int | None:
        return self._parsed.priority if self._parsed else None

    @property
    def address(self) -> str | None:
        return self._parsed.address if self._parsed else None

    ip = address

    @property
    def protocol(self) -> str | None:
        return self._parsed.transport if self._parsed else None

    @property
    def port(self) -> int | None:
        return self._parsed.port if self._parsed else None

    @property
    def type(self) -> CandidateType | None:
        """The candidate type: host, srflx, prflx or relay (a str enum)."""
        return self._parsed.type if self._parsed else None

    @property
    def tcpType(self) -> str | None:
        return self._parsed.tcptype if self._parsed else None

    @property
    def relatedAddress(self) -> str | None:
        return self._parsed.related_address if self._parsed else None

    @property
    def relatedPort(self) -> int | None:
        return self._parsed.related_port if self._parsed else None

    @property
    def ufrag(self) -> str | None:
        """The candidate's ufrag (rtcpeer's :class:`~rtcpeer.ice.Candidate` name, kept for
        code written when RTCIceTransport returned those); W3C: ``usernameFragment``."""
        if self._parsed is not None and self._parsed.ufrag is not None:
            return self._parsed.ufrag
        return self.usernameFragment

    def toJSON(self) -> dict[str, Any]:
        return {
            "candidate": self.candidate,
            "sdpMid": self.sdpMid,
            "sdpMLineIndex": self.sdpMLineIndex,
            "usernameFragment": self.usernameFragment,
        }

    def __repr__(self) -> str:
        return f"RTCIceCandidate({self.candidate!r}, sdpMid={self.sdpMid!r})"
