"""RTCSctpTransport (webrtc-pc §6.1.1): data channels over an SCTP association over DTLS.

The asyncio driver of the sans-IO :class:`~rtcpeer.sctp.Association` (RFC 8261: SCTP
packets are DTLS application data), with DCEP (RFC 8832) to open channels and stream
resets (RFC 8831 §6.7) to close them. Stream ids: the DTLS client uses even ones, the
server odd ones (RFC 8832 §6).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from pyee.asyncio import AsyncIOEventEmitter

from rtcpeer.aio.timer import DeadlineTimer
from rtcpeer.pc.datachannel import RTCDataChannel
from rtcpeer.pc.dcep import (
    PPID_BINARY,
    PPID_BINARY_EMPTY,
    PPID_DCEP,
    PPID_STRING,
    PPID_STRING_EMPTY,
    DataChannelOpen,
    DcepError,
    encode_ack,
    parse_dcep,
)
from rtcpeer.pc.dtls_transport import RTCDtlsTransport
from rtcpeer.pc.errors import OperationError
from rtcpeer.sctp import Association, SctpConfig
from rtcpeer.sctp.events import (
    Closed,
    Connected,
    MessageReceived,
    OutgoingStreamsReset,
    StreamReset,
)
from rtcpeer.sdp import MediaDescription

logger = logging.getLogger("rtcpeer.sctp")

#: SCTP packets must fit in one DTLS record of a 1200-byte datagram (AES-GCM: 1163 bytes).
SCTP_MTU = 1160
#: PLPMTUD (RFC 8899, RFC 8261 §5) raises that when probes cross the path and the peer:
#: up to 1432 bytes with any peer (aiortc reads DTLS records into 1500 bytes and libwebrtc
#: into 2048, so a larger probe would garble their next reads), and up to a full DTLS record,
#: 2^14 bytes of plaintext (RFC 6347 §4.1), with a peer that says it reads such records.
SCTP_SAFE_MTU = 1432
SCTP_MAX_MTU = 2**14
#: The SDP attribute (rtcpeer's own; other stacks ignore it) saying "I read DTLS records
#: of up to this many bytes of plaintext".
RECORD_SIZE_ATTRIBUTE = "x-rtcpeer-record-size"
#: The DTLS datagram limit that lets one record carry SCTP_MAX_MTU (AEAD or CBC overhead).
DTLS_MAX_MTU = SCTP_MAX_MTU + 128
MAX_CHANNELS = 65535


class RTCSctpTransport(AsyncIOEventEmitter):
    """Events: ``statechange``."""

    def __init__(
        self,
        dtls: RTCDtlsTransport,
        *,
        on_datachannel: Callable[[RTCDataChannel], None],
        local_max_message_size: int,
    ) -> None:
        super().__init__()
        self._dtls = dtls
        self._on_datachannel = on_datachannel
        self._association: Association | None = None
        self._state = "connecting"
        self._client = False
        self._channels: dict[int, RTCDataChannel] = {}
        self._unopened: list[RTCDataChannel] = []
        self._local_max_message_size = local_max_message_size
        self._remote_max_message_size = 65536  # RFC 8841 §6.1 default when not signalled
        #: The peer's RECORD_SIZE_ATTRIBUTE (0: not signalled, any stack).
        self._remote_record_size = 0
        self._closing: set[int] = set()
        #: Channels with data buffered (bufferedamountlow may be due): only these are
        #: looked at after each pump, not every channel of the connection.
        self._draining: set[RTCDataChannel] = set()
        self._timer = DeadlineTimer(self._on_timer)
        self._pump_scheduled = False
        #: Why the state last changed (rtcpeer's own).
        self.state_reason = ""

    # -- W3C attributes -------------------------------------------------------------------

    @property
    def transport(self) -> RTCDtlsTransport:
        return self._dtls

    @property
    def state(self) -> str:
        return self._state

    @property
    def maxMessageSize(self) -> int:
        """webrtc-pc §6.1.1.1: the smaller of ours and the peer's a=max-message-size (0 =
        unlimited)."""
        sizes = [s for s in (self._local_max_message_size, self._remote_max_message_size) if s]
        return min(sizes) if sizes else 0

    @property
    def maxChannels(self) -> int | None:
        if self._association is None or not self._association.is_established:
            return None
        return min(self._association.outbound_streams, self._association.inbound_streams)

    # -- set-up ---------------------------------------------------------------------------

    def _set_remote_record_size(self, size: int) -> None:
        self._remote_record_size = size

    def _set_remote_max_message_size(self, size: int | None) -> None:
        self._remote_max_message_size = 65536 if size is None else size

    def _start(self, client: bool) -> None:
        """DTLS is connected: the association starts; the DTLS client sends INIT."""
        if self._association is not None:
            return
        self._client = client
        max_mtu = SCTP_MTU
        endpoint = self._dtls.endpoint
        if endpoint is not None:
            endpoint.set_mtu(DTLS_MAX_MTU)
            room = endpoint.max_application_data
            limit = max(SCTP_SAFE_MTU, min(self._remote_record_size, SCTP_MAX_MTU))
            max_mtu = max(SCTP_MTU, min(limit, room if room is not None else 0))
        config = SctpConfig(
            mtu=SCTP_MTU,
            max_mtu=max_mtu,
            max_message_size=max(self._local_max_message_size, 1),
            # RFC 8260 I-DATA when the peer offers it too, so one large message does not
            # hold up the other channels (aiortc and today's browsers use DATA).
            interleaving=True,
        )
        self._association = Association(config=config)
        if client:
            self._association.associate(self._now())
        self._pump()

    def _path_changed(self) -> None:
        """ICE selected another pair: the packet size is probed again (RFC 8899 §5.2)."""
        if self._association is not None:
            self._association.restart_path_mtu(self._now())
            self._pump()

    def _register(self, channel: RTCDataChannel) -> None:
        channel._transport = self
        if self._association is not None and self._association.is_established:
            self._open(channel)
        else:
            self._unopened.append(channel)

    def _id_in_use(self, stream_id: int) -> bool:
        """Whether a live channel (opened, announced or waiting to open) has this id."""
        if stream_id in self._channels:
            return True
        return any(c.id == stream_id and c.readyState != "closed" for c in self._unopened)

    def _allocate_id(self) -> int:
        start = 0 if self._client else 1
        for stream_id in range(start, MAX_CHANNELS, 2):
            if stream_id not in self._channels:
                return stream_id
        raise OperationError("no stream id left")  # webrtc-pc §6.1 step: OperationError

    def _open(self, channel: RTCDataChannel) -> None:
        assert self._association is not None
        if channel.id is None:
            channel.id = self._allocate_id()
        self._channels[channel.id] = channel
        if not channel.negotiated:
            message = DataChannelOpen(
                label=channel.label,
                protocol=channel.protocol,
                ordered=channel.ordered,
                max_retransmits=channel.maxRetransmits,
                max_packet_lifetime=channel.maxPacketLifeTime,
            )
            self._association.send(self._now(), channel.id, PPID_DCEP, message.encode())
        channel._set_open()
        self._pump()

    # -- data -----------------------------------------------------------------------------

    def _send(self, channel: RTCDataChannel, data: bytes | bytearray | memoryview | str) -> None:
        assert self._association is not None and channel.id is not None
        if isinstance(data, str):
            payload = data.encode()
            ppid = PPID_STRING if payload else PPID_STRING_EMPTY
        else:
            payload = bytes(data)
            ppid = PPID_BINARY if payload else PPID_BINARY_EMPTY
        if self.maxMessageSize and len(payload) > self.maxMessageSize:
            raise TypeError(f"message of {len(payload)} bytes exceeds {self.maxMessageSize}")
        lifetime = (
            channel.maxPacketLifeTime / 1000.0 if channel.maxPacketLifeTime is not None else None
        )
        channel._messages_sent += 1
        channel._bytes_sent += len(payload)
        self._draining.add(channel)
        self._association.send(
            self._now(),
            channel.id,
            ppid,
            payload or b"\x00",  # RFC 8831 §6.6: an empty message is one byte, PPID 56/57
            ordered=channel.ordered,
            max_retransmits=channel.maxRetransmits,
            lifetime=lifetime,
        )
        self._schedule_pump()

    def _buffered(self, stream_id: int) -> int:
        if self._association is None:
            return 0
        return self._association.stream_buffered_amount(stream_id)

    def _close_channel(self, channel: RTCDataChannel) -> None:
        """RFC 8831 §6.7: reset our outgoing stream; the peer resets its own in turn."""
        if self._association is None or channel.id is None:
            channel._set_closed()
            return
        self._closing.add(channel.id)
        self._association.reset_streams(self._now(), [channel.id])
        self._pump()

    def _packet(self, data: bytes) -> None:
        if self._association is None:
            return
        self._association.handle_packet(self._now(), data)
        self._schedule_pump()

    def _schedule_pump(self) -> None:
        """Pump once after everything that is ready now has been handled: datagrams read
        in one loop iteration are answered by one SACK, and messages sent in one go share
        packets (RFC 9260 §6.10 bundling)."""
        if not self._pump_scheduled:
            self._pump_scheduled = True
            asyncio.get_running_loop().call_soon(self._scheduled_pump)

    def _scheduled_pump(self) -> None:
        self._pump_scheduled = False
        self._pump()

    def _abort(self) -> None:
        """RTCPeerConnection.close(): ABORT, closed with no event (webrtc-pc §4.4.2.2)."""
        if self._association is not None:
            self._association.abort(self._now(), "RTCPeerConnection closed")
            self._flush()
        for channel in self._channels.values():
            channel._close_abruptly()
        for channel in self._unopened:
            channel._close_abruptly()
        self._timer.cancel()
        self._state = "closed"

    # -- driving the association ----------------------------------------------------------

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _flush(self) -> None:
        assert self._association is not None
        packets = self._association.packets_to_send(self._now())
        if packets:
            # Those DTLS cannot send (not connected any more) are retransmitted by SCTP.
            self._dtls._send_packets(packets)

    def _on_timer(self, now: float) -> None:
        if self._association is not None:
            self._association.handle_timer(now)
        self._pump()

    def _pump(self) -> None:
        association = self._association
        if association is None:
            return
        self._flush()
        while (event := association.next_event()) is not None:
            self._handle_event(event)
        self._flush()
        draining = self._draining
        if draining:
            for channel in list(draining):
                if not channel._check_buffered_low():
                    draining.discard(channel)
        self._timer.arm(association.get_timer())

    def _handle_event(self, event: object) -> None:
        if isinstance(event, Connected):
            self._set_state("connected", "association established")
            self.emit("statechange")
            unopened, self._unopened = self._unopened, []
            for channel in unopened:
                if channel.readyState == "connecting":
                    self._open(channel)
        elif isinstance(event, MessageReceived):
            self._message(event)
        elif isinstance(event, StreamReset):
            assert self._association is not None
            for stream_id in event.stream_ids:
                closed = self._channels.get(stream_id)
                if closed is None:
                    continue
                if stream_id not in self._closing:
                    # The peer closed it: reset our side too (RFC 8831 §6.7).
                    self._closing.add(stream_id)
                    closed.readyState = "closing"
                    closed.emit("closing")
                    self._association.reset_streams(self._now(), [stream_id])
                else:
                    self._finish_close(stream_id)
        elif isinstance(event, OutgoingStreamsReset):
            for stream_id in event.stream_ids:
                if stream_id in self._closing:
                    self._finish_close(stream_id)
        elif isinstance(event, Closed):
            self._set_state("closed", event.reason)
            self.emit("statechange")
            for channel in list(self._channels.values()):
                channel._set_closed()

    def _set_state(self, state: str, reason: str) -> None:
        logger.info("SCTP %s -> %s: %s", self._state, state, reason)
        self._state = state
        self.state_reason = reason

    def _finish_close(self, stream_id: int) -> None:
        self._closing.discard(stream_id)
        channel = self._channels.pop(stream_id, None)
        if channel is not None:
            self._draining.discard(channel)
            channel._set_closed()

    def _message(self, event: MessageReceived) -> None:
        channel = self._channels.get(event.stream_id)
        if event.ppid == PPID_DCEP:
            try:
                opened = parse_dcep(event.data)
            except DcepError as exc:
                logger.info("malformed DCEP message on stream %d: %s", event.stream_id, exc)
                return
            if opened is None:
                return  # DATA_CHANNEL_ACK: the channel is already open on our side
            if channel is not None:
                return  # a second OPEN for a live stream: ignore
            announced = RTCDataChannel(
                opened.label,
                ordered=opened.ordered,
                maxRetransmits=opened.max_retransmits,
                maxPacketLifeTime=opened.max_packet_lifetime,
                protocol=opened.protocol,
                id=event.stream_id,
            )
            announced._transport = self
            self._channels[event.stream_id] = announced
            assert self._association is not None
            self._association.send(self._now(), event.stream_id, PPID_DCEP, encode_ack())
            # webrtc-pc §6.2 "announce": the datachannel event first, then open (a handler
            # attached in the datachannel event sees it).
            self._on_datachannel(announced)  # queues the datachannel event ...
            asyncio.get_running_loop().call_soon(announced._set_open)  # ... then open
            return
        if channel is None:
            logger.info("message on stream %d with no channel dropped", event.stream_id)
            return
        if event.ppid in (PPID_STRING, PPID_BINARY):
            channel._messages_received += 1
            channel._bytes_received += len(event.data)
        elif event.ppid in (PPID_STRING_EMPTY, PPID_BINARY_EMPTY):
            channel._messages_received += 1
        if event.ppid == PPID_STRING:
            channel._deliver(event.data.decode(errors="replace"))
        elif event.ppid == PPID_STRING_EMPTY:
            channel._deliver("")
        elif event.ppid == PPID_BINARY:
            channel._deliver(event.data)
        elif event.ppid == PPID_BINARY_EMPTY:
            channel._deliver(b"")


def record_size(media: MediaDescription) -> int:
    """The peer's RECORD_SIZE_ATTRIBUTE, or 0 when absent or unreadable."""
    attribute = media.get_attribute(RECORD_SIZE_ATTRIBUTE)
    if attribute is None or attribute.value is None or not attribute.value.isdigit():
        return 0
    return min(int(attribute.value), SCTP_MAX_MTU)
