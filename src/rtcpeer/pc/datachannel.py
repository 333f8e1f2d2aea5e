"""RTCDataChannel (webrtc-pc §6.2) over an RTCSctpTransport (RFC 8831, DCEP RFC 8832).

Events use aiortc's names: ``open``, ``message`` (a ``str`` or ``bytes``), ``closing``,
``close``, ``error``, ``bufferedamountlow``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from pyee.asyncio import AsyncIOEventEmitter

from rtcpeer.pc.errors import InvalidStateError

if TYPE_CHECKING:
    from rtcpeer.pc.sctp_transport import RTCSctpTransport

logger = logging.getLogger("rtcpeer.datachannel")


class RTCDataChannel(AsyncIOEventEmitter):
    """A data channel; created by ``RTCPeerConnection.createDataChannel`` or announced by
    the ``datachannel`` event."""

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
        self.bufferedAmountLowThreshold = 0
        self.binaryType = "bytes"
        self._transport: RTCSctpTransport | None = None
        self._last_buffered = 0
        # webrtc-stats RTCDataChannelStats (counted by the SCTP transport): messages and
        # their payload bytes each way, and whether the channel ever opened.
        self._messages_sent = 0
        self._bytes_sent = 0
        self._messages_received = 0
        self._bytes_received = 0
        self._opened = False
        #: Messages that arrived before the open event had been fired and handled (see
        #: ``_deliver``); None when there are none.
        self._held: list[bytes | str] | None = None

    @property
    def bufferedAmount(self) -> int:
        """Bytes queued by send() and not yet handed to the network."""
        if self._transport is None or self.id is None:
            return 0
        return self._transport._buffered(self.id)

    @property
    def transport(self) -> RTCSctpTransport | None:
        return self._transport

    def send(self, data: bytes | str) -> None:
        """webrtc-pc §6.2: InvalidStateError unless open; TypeError above the peer's
        maximum message size."""
        if self.readyState != "open" or self._transport is None:
            raise InvalidStateError(f"RTCDataChannel is {self.readyState}")
        if not isinstance(data, bytes | bytearray | memoryview | str):
            raise TypeError(f"cannot send {type(data).__name__}")
        self._transport._send(self, data)
        # The rise is remembered now: the transport may send it all before it next looks,
        # and the fall below the threshold must still fire bufferedamountlow (§6.2).
        self._last_buffered = self.bufferedAmount

    def close(self) -> None:
        """webrtc-pc §6.2 "closing procedure": closing, then closed when the SCTP stream
        reset completes (RFC 8831 §6.7)."""
        if self.readyState in ("closing", "closed"):
            return
        if self._transport is None or self.id is None or self.readyState == "connecting":
            self._set_closed()
            return
        self.readyState = "closing"
        self.emit("closing")
        self._transport._close_channel(self)

    # -- driven by the transport ----------------------------------------------------------

    def _fire(self, event: str, *args: Any) -> None:
        """Fire an event; a handler's exception is logged (as a browser reports it) and
        never reaches the SCTP stack that delivered the message."""
        try:
            self.emit(event, *args)
        except Exception:
            logger.exception("RTCDataChannel %r: %s handler raised", self.label, event)

    def _set_open(self) -> None:
        if self.readyState == "connecting":
            self.readyState = "open"
            self._opened = True
            logger.debug("RTCDataChannel %r (id %s) open", self.label, self.id)
            self._fire("open")
            if self._held is not None:
                # After the open event's handlers, coroutine ones included (their first
                # step was scheduled before this): they attach the message listeners.
                asyncio.get_running_loop().call_soon(self._release_held)

    def _deliver(self, message: bytes | str) -> None:
        """webrtc-pc §6.2: a message event is a task queued after those of the datachannel
        and open events, so their handlers see every message. The peer may send right after
        its DATA_CHANNEL_OPEN (RFC 8832 §6.5), and both can arrive in one batch of packets:
        messages for a channel that is not open yet are held, not dropped."""
        if self._held is not None or self.readyState == "connecting":
            if self._held is None:
                self._held = []
            self._held.append(message)
        elif self.readyState == "open":
            self._fire("message", message)

    def _release_held(self) -> None:
        held, self._held = self._held, None
        for message in held or ():
            if self.readyState != "open":
                return  # closed meanwhile: like a browser, no message after close
            self._fire("message", message)

    def _set_closed(self) -> None:
        self._held = None
        if self.readyState != "closed":
            self.readyState = "closed"
            self._fire("close")

    def _close_abruptly(self) -> None:
        """RTCPeerConnection.close(): closed with no closing procedure and no event."""
        self.readyState = "closed"

    def _check_buffered_low(self) -> bool:
        """Fire bufferedamountlow if bufferedAmount fell to the threshold or below since the
        last look (webrtc-pc §6.2); whether data is still buffered (to look again)."""
        now = self.bufferedAmount
        if self._last_buffered > self.bufferedAmountLowThreshold >= now:
            self._fire("bufferedamountlow")
        self._last_buffered = now
        return now > 0
