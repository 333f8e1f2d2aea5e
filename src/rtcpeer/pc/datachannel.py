"""RTCDataChannel (webrtc-pc §6.2): the object and its negotiation role.

Creating one makes the connection negotiate an ``m=application`` section (checklist item 81).
Carrying data needs DTLS and SCTP, which come with the data-channel issue; until then a
channel stays ``connecting`` and :meth:`send` raises InvalidStateError, as the spec does for
a channel that is not open.
"""

from __future__ import annotations

from pyee.asyncio import AsyncIOEventEmitter

from rtcpeer.pc.errors import InvalidStateError


class RTCDataChannel(AsyncIOEventEmitter):
    """Events (aiortc's names): ``open``, ``message``, ``close``, ``error``,
    ``bufferedamountlow``."""

    def __init__(
        self,
        label: str,
        *,
        ordered: bool = True,
        maxPacketLifeTime: int | None = None,
        maxRetransmits: int | None = None,
        protocol: str = "",
        negotiated: bool = False,
        id: int | None = None,
    ) -> None:
        super().__init__()
        if maxPacketLifeTime is not None and maxRetransmits is not None:
            raise TypeError("maxPacketLifeTime and maxRetransmits are mutually exclusive")
        if len(label.encode()) > 65535 or len(protocol.encode()) > 65535:
            raise TypeError("label and protocol are limited to 65535 bytes")
        if negotiated and id is None:
            raise TypeError("a negotiated channel needs an id")
        if id is not None and not 0 <= id <= 65534:
            raise TypeError("id must be 0-65534")
        self.label = label
        self.ordered = ordered
        self.maxPacketLifeTime = maxPacketLifeTime
        self.maxRetransmits = maxRetransmits
        self.protocol = protocol
        self.negotiated = negotiated
        self.id = id
        self.readyState = "connecting"
        self.bufferedAmount = 0
        self.bufferedAmountLowThreshold = 0
        self.binaryType = "bytes"

    def send(self, data: bytes | str) -> None:
        if self.readyState != "open":
            raise InvalidStateError(f"RTCDataChannel is {self.readyState}")
        raise InvalidStateError("data transfer needs DTLS/SCTP (not implemented yet)")

    def close(self) -> None:
        if self.readyState in ("closing", "closed"):
            return
        self.readyState = "closed"
        self.emit("close")

    def _close_abruptly(self) -> None:
        """RTCPeerConnection.close(): closed with no closing procedure and no event."""
        self.readyState = "closed"
