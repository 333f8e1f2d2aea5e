"""A sans-IO TURN client: one allocation on one TURN server (RFC 8656).

Shaped like the ICE agent: the caller feeds bytes and timer expiries in with the current
time and takes bytes, a deadline and events out::

    client = TurnClient(("198.51.100.1", 3478), "user", "pass", transport="udp")
    client.allocate(now)
    client.handle_datagram(now, data)      # UDP: one datagram from the server
    client.handle_stream_data(now, data)   # TCP/TLS: any chunk of the stream
    client.handle_timer(now)               # when client.get_timer() is reached
    client.datagrams_to_send()             # UDP: [bytes, ...] to the server
    client.data_to_send()                  # TCP/TLS: bytes to write to the stream
    client.next_event()                    # AllocationSucceeded, DataReceived, ...
    client.send(now, peer, data)           # relay data to a peer
    client.close(now)                      # Refresh with LIFETIME 0 (RFC 8656 §8)

It never opens a socket, never reads a clock and never sleeps; transaction ids come from
the injected ``random.Random`` (by default :class:`random.SystemRandom`). For TCP and TLS
the caller makes the connection, calls :meth:`TurnClient.allocate` once it is up and
:meth:`TurnClient.connection_lost` when it fails or closes (RFC 8656 §3.1: the allocation
lives and dies with the connection).

What it does, section by section:

- Allocate with the long-term credential mechanism (§7.2, RFC 8489 §9.2): a first request
  without credentials, 401 with REALM and NONCE, then authenticated requests; 438 (Stale
  Nonce) is retried with the new nonce, a second 401 is a failure (wrong credentials).
- Refresh ahead of expiry (§8): :attr:`TurnConfig.refresh_margin` before the lifetime ends.
- CreatePermission (§9) when data is first sent to a peer IP (or on request), refreshed
  every :attr:`TurnConfig.permission_refresh` seconds while the allocation lives.
- ChannelBind (§11) for each peer data is sent to, once its permission exists, refreshed
  before its 10 minutes run out; ChannelData (§12) once bound, Send indications (§10)
  before; Data indications and ChannelData from the server become :class:`DataReceived`.
- Over TCP and TLS, messages are framed by their own lengths and ChannelData is padded to
  4 bytes (§12.5); requests are not retransmitted (RFC 8489 §6.2.2).
- :meth:`TurnClient.close` releases the allocation with a Refresh of LIFETIME 0 (§8).

Bad input never raises: malformed STUN or ChannelData, junk on the stream, responses
that fail MESSAGE-INTEGRITY, unknown transactions and channels are dropped and counted in
:attr:`TurnClient.stats`. Every failure of the server becomes an event with an error code
(701 when the server could not be reached), never silence. The password and the key
never appear in a ``repr`` or a log.
"""

from __future__ import annotations

import logging
import random
from collections import deque
from dataclasses import dataclass
from enum import Enum, StrEnum

from rtcpeer.stun import (
    AttrType,
    ClientTransaction,
    KnownErrorCode,
    MessageClass,
    Method,
    StunError,
    StunMessage,
    TransactionTimer,
    parse_message,
)
from rtcpeer.turn.auth import LongTermAuth, TurnCredentials
from rtcpeer.turn.channeldata import ChannelDataError, decode_channel_data, encode_channel_data
from rtcpeer.turn.channels import Channel, ChannelTable
from rtcpeer.turn.config import TurnConfig
from rtcpeer.turn.errors import (
    INVALID_RESPONSE,
    STALE_NONCE,
    UNAUTHENTICATED,
    UNREACHABLE,
    TurnStateError,
)
from rtcpeer.turn.events import (
    AllocationClosed,
    AllocationFailed,
    AllocationLost,
    AllocationRefreshed,
    AllocationSucceeded,
    ChannelBindFailed,
    ChannelBound,
    DataReceived,
    PermissionCreated,
    PermissionFailed,
    TurnEvent,
)
from rtcpeer.turn.framing import FrameKind, StreamFramer
from rtcpeer.turn.permissions import Permission, PermissionTable

logger = logging.getLogger("rtcpeer.turn")
Address = tuple[str, int]

#: RFC 8656 §18.8: REQUESTED-TRANSPORT carries the IANA protocol number; 17 is UDP.
_UDP = 17


class TurnTransport(StrEnum):
    """How the client reaches the server (RFC 8656 §3.1; ``turns:`` is TLS, RFC 7065)."""

    UDP = "udp"
    TCP = "tcp"
    TLS = "tls"

    @property
    def is_stream(self) -> bool:
        return self is not TurnTransport.UDP


class TurnState(StrEnum):
    """Where the allocation stands."""

    NEW = "new"
    ALLOCATING = "allocating"
    ALLOCATED = "allocated"
    CLOSING = "closing"
    CLOSED = "closed"
    FAILED = "failed"


class _Kind(Enum):
    ALLOCATE = "Allocate"
    REFRESH = "Refresh"
    CLOSE = "Refresh (LIFETIME 0)"
    PERMISSION = "CreatePermission"
    CHANNEL = "ChannelBind"


_METHODS = {
    _Kind.ALLOCATE: Method.ALLOCATE,
    _Kind.REFRESH: Method.REFRESH,
    _Kind.CLOSE: Method.REFRESH,
    _Kind.PERMISSION: Method.CREATE_PERMISSION,
    _Kind.CHANNEL: Method.CHANNEL_BIND,
}


@dataclass(slots=True)
class _Request:
    """A request in flight, with what is needed to send it again with new credentials."""

    kind: _Kind
    attributes: dict[int, object]
    transaction: ClientTransaction
    authenticated: bool
    #: A 401 was already followed once for this request (RFC 8489 §9.2.5).
    auth_retried: bool = False
    #: 438 responses followed so far.
    stale_retries: int = 0
    permission: Permission | None = None
    channel: Channel | None = None


class TurnClient:
    """One TURN allocation, sans-IO (RFC 8656). See the module docstring."""

    def __init__(
        self,
        server: Address,
        username: str,
        password: str,
        *,
        transport: TurnTransport | str = TurnTransport.UDP,
        config: TurnConfig | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.server = server
        self.transport = TurnTransport(transport)
        self.config = config if config is not None else TurnConfig()
        # Transaction ids must be unpredictable (RFC 8489 §6): the OS generator unless a
        # test injects a seeded one.
        self._rng = rng if rng is not None else random.SystemRandom()
        self._auth = LongTermAuth(TurnCredentials(username, password))
        self._state = TurnState.NEW
        self._requests: dict[bytes, _Request] = {}
        self._out: list[bytes] = []
        self._events: deque[TurnEvent] = deque()
        self._framer = StreamFramer() if self.transport.is_stream else None
        self._permissions = PermissionTable(self.config)
        self._channels = ChannelTable(self.config)
        #: XOR-RELAYED-ADDRESS of the allocation (RFC 8656 §7.3).
        self.relayed_address: Address | None = None
        #: XOR-MAPPED-ADDRESS: the client's address as the server saw it.
        self.mapped_address: Address | None = None
        #: The lifetime the server granted last, in seconds.
        self.lifetime: int | None = None
        self._expires_at: float | None = None
        self._refresh_at: float | None = None
        self._refresh_in_flight = False
        self._close_deadline: float | None = None
        #: Counters of what was dropped or retried, and why (never silent).
        self.stats: dict[str, int] = {}

    def __repr__(self) -> str:
        host, port = self.server
        relayed = (
            f" relayed={self.relayed_address[0]}:{self.relayed_address[1]}"
            if (self.relayed_address)
            else ""
        )
        return f"<TurnClient {self.transport}:{host}:{port} {self._state}{relayed}>"

    # ------------------------------------------------------------------ properties

    @property
    def state(self) -> TurnState:
        return self._state

    @property
    def expires_at(self) -> float | None:
        """When the allocation expires unless refreshed (None when there is none)."""
        return self._expires_at if self._state is TurnState.ALLOCATED else None

    @property
    def refresh_at(self) -> float | None:
        """When the next Refresh goes out (None when there is no allocation)."""
        return self._refresh_at if self._state is TurnState.ALLOCATED else None

    def has_permission(self, peer_ip: str, now: float) -> bool:
        """The server holds a permission for ``peer_ip`` (as far as the client knows)."""
        return self._permissions.is_installed(peer_ip, now)

    def channel_for(self, peer: Address, now: float) -> int | None:
        """The channel number bound to ``peer`` at ``now``, if any."""
        return self._channels.bound_number(peer, now)

    def _count(self, name: str, n: int = 1) -> None:
        self.stats[name] = self.stats.get(name, 0) + n

    # ------------------------------------------------------------------ commands

    def allocate(self, now: float) -> None:
        """Send the Allocate request (RFC 8656 §7.1). Over TCP/TLS: once connected."""
        if self._state is not TurnState.NEW:
            raise TurnStateError(f"allocate() in state {self._state}")
        self._state = TurnState.ALLOCATING
        self._send_request(
            now,
            _Kind.ALLOCATE,
            {AttrType.REQUESTED_TRANSPORT: _UDP, AttrType.LIFETIME: self.config.lifetime},
        )

    def create_permission(self, now: float, peer_ip: str) -> None:
        """Make sure a permission for ``peer_ip`` exists or is being created (§9.1).

        Does nothing before the allocation exists, or while a failed attempt for that IP
        is recent (:attr:`TurnConfig.permission_retry_after`).
        """
        if self._state is not TurnState.ALLOCATED:
            return
        permission = self._permissions.add(peer_ip)
        if permission.pending or self._permissions.is_installed(peer_ip, now):
            return
        if self._recently_failed(permission, now):
            return
        self._send_permission(now, permission)

    def bind_channel(self, now: float, peer: Address) -> int | None:
        """Bind a channel to ``peer`` (§11.1) unless one is bound or being bound; returns
        its number, or None when no number is left or there is no allocation."""
        if self._state is not TurnState.ALLOCATED:
            return None
        channel = self._channels.for_peer(peer)
        if channel is None:
            channel = self._channels.new(peer)
            if channel is None:
                self._count("channel_numbers_exhausted")
                return None
        if not channel.pending and not channel.failed and not self._channels.is_bound(channel, now):
            self._send_channel_bind(now, channel)
        return channel.number

    def send(self, now: float, peer: Address, data: bytes) -> bool:
        """Relay ``data`` to ``peer`` (RFC 8656 §10.1, §12.4).

        ChannelData when a channel is bound, a Send indication when a permission exists,
        otherwise the data waits (briefly, bounded) for the permission this creates.
        False, counted, when it was dropped.
        """
        if self._state is not TurnState.ALLOCATED:
            self._count("data_dropped_not_allocated")
            return False
        number = self._channels.bound_number(peer, now)
        if number is not None:
            self._out.append(encode_channel_data(number, data, pad=self._framer is not None))
            return True
        ip = peer[0]
        if self._permissions.is_installed(ip, now):
            self._send_indication(peer, data)
            if self.config.auto_channel:
                self.bind_channel(now, peer)
            return True
        permission = self._permissions.add(ip)
        if not permission.pending:
            if self._recently_failed(permission, now):
                self._count("data_dropped_permission_failed")
                return False
            self._send_permission(now, permission)
        if len(permission.queue) >= self.config.max_pending_per_peer:
            self._count("data_dropped_permission_queue_full")
            return False
        permission.queue.append((peer, bytes(data)))
        return True

    def close(self, now: float) -> None:
        """Release the allocation: Refresh with LIFETIME 0 (RFC 8656 §8).

        :class:`AllocationClosed` follows when the server answers, or after
        :attr:`TurnConfig.close_timeout`; without an allocation it follows at once.
        """
        if self._state in (TurnState.CLOSING, TurnState.CLOSED):
            return
        had_allocation = self._state is TurnState.ALLOCATED or (
            self._state is TurnState.ALLOCATING and self._auth.ready
        )
        self._requests.clear()
        self._drop_queues()
        if not had_allocation:
            self._closed()
            return
        self._state = TurnState.CLOSING
        self._close_deadline = now + self.config.close_timeout
        self._send_request(now, _Kind.CLOSE, {AttrType.LIFETIME: 0})

    def connection_lost(self, now: float, reason: str) -> None:
        """The TCP/TLS connection could not be made, or closed (RFC 8656 §3.1: the
        allocation goes with it). Also usable for UDP when the socket is gone."""
        if self._state in (TurnState.NEW, TurnState.ALLOCATING):
            self._fail(UNREACHABLE, reason)
        elif self._state is TurnState.ALLOCATED:
            self._lose(UNREACHABLE, reason)
        elif self._state is TurnState.CLOSING:
            self._closed()

    # ------------------------------------------------------------------ outputs

    def datagrams_to_send(self) -> list[bytes]:
        """Messages to send to the server, in order (UDP: one datagram each)."""
        out, self._out = self._out, []
        return out

    def data_to_send(self) -> bytes:
        """Bytes to write to the TCP/TLS stream (the messages, concatenated)."""
        return b"".join(self.datagrams_to_send())

    def next_event(self) -> TurnEvent | None:
        return self._events.popleft() if self._events else None

    def get_timer(self) -> float | None:
        """The next absolute time :meth:`handle_timer` must be called at, or None."""
        if self._state in (TurnState.CLOSED, TurnState.FAILED, TurnState.NEW):
            return None
        times = [d for r in self._requests.values() if (d := r.transaction.deadline) is not None]
        if self._state is TurnState.ALLOCATED:
            if self._expires_at is not None:
                times.append(self._expires_at)
            if self._refresh_at is not None and not self._refresh_in_flight:
                times.append(self._refresh_at)
            for deadline in (self._permissions.deadline(), self._channels.deadline()):
                if deadline is not None:
                    times.append(deadline)
        if self._state is TurnState.CLOSING and self._close_deadline is not None:
            times.append(self._close_deadline)
        return min(times, default=None)

    # ------------------------------------------------------------------ inputs

    def handle_datagram(self, now: float, data: bytes) -> None:
        """One datagram from the server (UDP)."""
        if self._framer is not None:
            self._count("datagram_on_stream_transport")
            return
        self._handle_message(now, data)

    def handle_stream_data(self, now: float, data: bytes) -> None:
        """Any chunk of the TCP/TLS stream from the server (RFC 8656 §12.5 framing)."""
        framer = self._framer
        if framer is None:
            self._count("stream_data_on_udp_transport")
            return
        junk_before = framer.junk_bytes
        frames = framer.feed(data)
        if framer.junk_bytes != junk_before:
            self._count("stream_junk_bytes", framer.junk_bytes - junk_before)
        for kind, frame in frames:
            if kind is FrameKind.CHANNEL_DATA:
                self._handle_channel_data(now, frame)
            else:
                self._handle_stun_bytes(now, frame)

    def handle_timer(self, now: float) -> None:
        """Run everything due at ``now``: retransmissions, timeouts and refreshes."""
        for tid, request in list(self._requests.items()):
            if tid not in self._requests:
                continue  # a timeout handled earlier in this loop cleared it
            result = request.transaction.handle_timer(now)
            if result is TransactionTimer.RETRANSMIT:
                self._out.append(request.transaction.request)
                self._count("retransmissions")
            elif result is TransactionTimer.TIMEOUT:
                del self._requests[tid]
                self._on_timeout(now, request)
        if self._state is TurnState.ALLOCATED:
            self._run_allocation_timers(now)
        if (
            self._state is TurnState.CLOSING
            and self._close_deadline is not None
            and now >= self._close_deadline
        ):
            self._count("close_unanswered")
            self._closed()

    def _run_allocation_timers(self, now: float) -> None:
        if self._expires_at is not None and now >= self._expires_at:
            self._lose(UNREACHABLE, "allocation expired: no Refresh succeeded in time")
            return
        if self._refresh_at is not None and now >= self._refresh_at and not self._refresh_in_flight:
            self._refresh(now)
        for permission in self._permissions.due_for_refresh(now):
            self._send_permission(now, permission)
        for permission in self._permissions.expired(now):
            self._count("permissions_expired")
            self._count("data_dropped_permission_expired", len(permission.queue))
        for channel in self._channels.due_for_refresh(now):
            self._send_channel_bind(now, channel)
        for _ in self._channels.expired(now):
            self._count("channels_expired")

    # ------------------------------------------------------------------ requests

    def _send_request(
        self,
        now: float,
        kind: _Kind,
        attributes: dict[int, object],
        *,
        previous: _Request | None = None,
        permission: Permission | None = None,
        channel: Channel | None = None,
    ) -> _Request:
        tid = self._rng.randbytes(12)
        message_attributes = dict(attributes)
        if self.config.software is not None:
            message_attributes[AttrType.SOFTWARE] = self.config.software
        key: bytes | None = None
        if self._auth.ready:
            message_attributes.update(self._auth.attributes())
            key = self._auth.key
        encoded = StunMessage(_METHODS[kind], MessageClass.REQUEST, tid, message_attributes).encode(
            key, fingerprint=True
        )
        config = self.config
        if self._framer is not None:
            # RFC 8489 §6.2.2: reliable transport, no retransmission, Ti = 39.5 s.
            transaction = ClientTransaction(
                tid,
                encoded,
                now,
                rto=config.stream_timeout,
                max_transmissions=1,
                final_wait_factor=1,
            )
        else:
            transaction = ClientTransaction(
                tid,
                encoded,
                now,
                rto=config.rto,
                max_transmissions=config.max_transmissions,
                final_wait_factor=config.final_wait_factor,
            )
        request = _Request(kind, attributes, transaction, key is not None)
        if previous is not None:
            request.auth_retried = previous.auth_retried
            request.stale_retries = previous.stale_retries
            request.permission = previous.permission
            request.channel = previous.channel
        if permission is not None:
            request.permission = permission
        if channel is not None:
            request.channel = channel
        self._requests[tid] = request
        self._out.append(encoded)
        return request

    def _refresh(self, now: float) -> None:
        self._refresh_in_flight = True
        self._send_request(now, _Kind.REFRESH, {AttrType.LIFETIME: self.config.lifetime})

    def _send_permission(self, now: float, permission: Permission) -> None:
        permission.pending = True
        self._send_request(
            now,
            _Kind.PERMISSION,
            {AttrType.XOR_PEER_ADDRESS: (permission.peer_ip, 0)},
            permission=permission,
        )

    def _send_channel_bind(self, now: float, channel: Channel) -> None:
        channel.pending = True
        self._send_request(
            now,
            _Kind.CHANNEL,
            {AttrType.CHANNEL_NUMBER: channel.number, AttrType.XOR_PEER_ADDRESS: channel.peer},
            channel=channel,
        )

    def _send_indication(self, peer: Address, data: bytes) -> None:
        """RFC 8656 §10.1: a Send indication with XOR-PEER-ADDRESS and DATA."""
        self._out.append(
            StunMessage(
                Method.SEND,
                MessageClass.INDICATION,
                self._rng.randbytes(12),
                {AttrType.XOR_PEER_ADDRESS: peer, AttrType.DATA: data},
            ).encode()
        )

    def _recently_failed(self, permission: Permission, now: float) -> bool:
        return (
            permission.failed_at is not None
            and now < permission.failed_at + self.config.permission_retry_after
        )

    # ------------------------------------------------------------------ received messages

    def _handle_message(self, now: float, data: bytes) -> None:
        if not data:
            self._count("empty_datagram")
            return
        top = data[0] >> 6
        if top == 0b01:
            self._handle_channel_data(now, data)
        elif top == 0b00:
            self._handle_stun_bytes(now, data)
        else:
            self._count("unknown_datagram")

    def _handle_stun_bytes(self, now: float, data: bytes) -> None:
        try:
            message = parse_message(data)
        except StunError:
            self._count("stun_malformed")
            return
        if message.message_class is MessageClass.INDICATION:
            if message.method == Method.DATA:
                self._handle_data_indication(message)
            else:
                self._count("stun_unexpected_indication")
        elif message.message_class is MessageClass.REQUEST:
            self._count("stun_unexpected_request")
        else:
            self._handle_response(now, message)

    def _handle_data_indication(self, message: StunMessage) -> None:
        """RFC 8656 §10.4: XOR-PEER-ADDRESS and DATA must both be present."""
        peer = message.get(AttrType.XOR_PEER_ADDRESS)
        payload = message.get(AttrType.DATA)
        if not isinstance(peer, tuple) or not isinstance(payload, bytes):
            self._count("data_indication_malformed")
            return
        if self._state is not TurnState.ALLOCATED:
            self._count("data_dropped_not_allocated")
            return
        self._events.append(DataReceived((str(peer[0]), int(peer[1])), payload))

    def _handle_channel_data(self, now: float, data: bytes) -> None:
        """RFC 8656 §12.6: ChannelData on a channel the client bound; else discarded."""
        try:
            number, payload = decode_channel_data(data)
        except ChannelDataError:
            self._count("channel_data_malformed")
            return
        channel = self._channels.for_number(number)
        if channel is None or channel.failed:
            self._count("channel_data_unknown_channel")
            return
        if self._state is not TurnState.ALLOCATED:
            self._count("data_dropped_not_allocated")
            return
        self._events.append(DataReceived(channel.peer, payload, number))

    def _handle_response(self, now: float, message: StunMessage) -> None:
        request = self._requests.get(message.transaction_id)
        if request is None:
            self._count("stun_response_unknown_transaction")
            return
        if request.authenticated and self._auth.key is not None:
            if message.has_integrity:
                if not message.verify_integrity(self._auth.key):
                    # RFC 8489 §9.2.5: a response that fails the check is discarded; the
                    # transaction goes on (the real answer may still come).
                    self._count("stun_response_bad_integrity")
                    return
            elif message.message_class is MessageClass.SUCCESS:
                self._count("stun_response_without_integrity")
                return
        del self._requests[message.transaction_id]
        request.transaction.complete(now)
        if message.message_class is MessageClass.SUCCESS:
            self._on_success(now, request, message)
            return
        error = message.error_code
        code = error.code if error is not None else INVALID_RESPONSE
        reason = error.reason if error is not None else "error response without ERROR-CODE"
        if code == UNAUTHENTICATED and not request.auth_retried and self._auth.challenge(message):
            # RFC 8489 §9.2.5: follow a 401 once, with the REALM and NONCE it carries.
            request.auth_retried = True
            self._count("auth_challenges")
            self._send_request(now, request.kind, request.attributes, previous=request)
            return
        if (
            code == STALE_NONCE
            and request.stale_retries < self.config.max_stale_nonce_retries
            and self._auth.challenge(message)
        ):
            request.stale_retries += 1
            self._count("stale_nonce_retries")
            self._send_request(now, request.kind, request.attributes, previous=request)
            return
        self._on_error(now, request, code, reason or _default_reason(code))

    # ------------------------------------------------------------------ outcomes

    def _on_success(self, now: float, request: _Request, message: StunMessage) -> None:
        kind = request.kind
        if kind is _Kind.ALLOCATE:
            if self._state is not TurnState.ALLOCATING:
                return
            relayed = message.get(AttrType.XOR_RELAYED_ADDRESS)
            if not isinstance(relayed, tuple):
                self._fail(INVALID_RESPONSE, "Allocate success without XOR-RELAYED-ADDRESS")
                return
            self.relayed_address = (str(relayed[0]), int(relayed[1]))
            mapped = message.get(AttrType.XOR_MAPPED_ADDRESS)
            self.mapped_address = (
                (str(mapped[0]), int(mapped[1])) if isinstance(mapped, tuple) else None
            )
            self._state = TurnState.ALLOCATED
            lifetime = self._set_lifetime(now, message.lifetime)
            logger.debug("TURN allocation %s on %s:%d", self.relayed_address, *self.server)
            self._events.append(
                AllocationSucceeded(self.relayed_address, self.mapped_address, lifetime)
            )
        elif kind is _Kind.REFRESH:
            self._refresh_in_flight = False
            if self._state is TurnState.ALLOCATED:
                lifetime = self._set_lifetime(now, message.lifetime)
                self._events.append(AllocationRefreshed(lifetime))
        elif kind is _Kind.CLOSE:
            self._closed()
        elif kind is _Kind.PERMISSION:
            permission = request.permission
            assert permission is not None
            permission.pending = False
            permission.failed_at = None
            entry = self._permissions.installed(permission.peer_ip, now)
            if entry is not permission:  # expired and replaced meanwhile: merge the queues
                entry.queue.extend(permission.queue)
                permission.queue.clear()
            self._events.append(PermissionCreated(entry.peer_ip))
            if not entry.pending:
                self._flush(now, entry)
        elif kind is _Kind.CHANNEL:
            channel = request.channel
            assert channel is not None
            channel.pending = False
            first = channel.bound_at is None
            channel.bound_at = now
            # RFC 8656 §12.2: a ChannelBind installs or refreshes the peer's permission.
            permission = self._permissions.installed(channel.peer[0], now)
            if first:
                self._events.append(ChannelBound(channel.peer, channel.number))
            if not permission.pending:
                self._flush(now, permission)

    def _on_error(self, now: float, request: _Request, code: int, text: str) -> None:
        """An error response: ``text`` is the server's reason phrase, which webrtc-pc
        §4.8.2 asks for as icecandidateerror's errorText."""
        kind = request.kind
        logger.info("TURN %s:%d: %s failed: %d %s", *self.server, kind.value, code, text)
        if kind is _Kind.ALLOCATE:
            self._fail(code, text)
        elif kind is _Kind.REFRESH:
            self._refresh_in_flight = False
            if self._state is TurnState.ALLOCATED:
                self._lose(code, text)
        elif kind is _Kind.CLOSE:
            self._closed()
        elif kind is _Kind.PERMISSION:
            self._permission_failed(now, request, code, text)
        elif kind is _Kind.CHANNEL:
            self._channel_failed(request, code, text)

    def _on_timeout(self, now: float, request: _Request) -> None:
        kind = request.kind
        text = f"{kind.value}: no response from the TURN server"
        if kind is _Kind.ALLOCATE:
            self._fail(UNREACHABLE, text)
        elif kind is _Kind.REFRESH:
            self._refresh_in_flight = False
            self._count("refresh_timeouts")
            if self._state is TurnState.ALLOCATED and (
                self._expires_at is None or now < self._expires_at
            ):
                self._refresh(now)  # try again while the allocation may still be alive
        elif kind is _Kind.CLOSE:
            self._count("close_unanswered")
            self._closed()
        elif kind is _Kind.PERMISSION:
            self._permission_failed(now, request, UNREACHABLE, text)
        elif kind is _Kind.CHANNEL:
            self._channel_failed(request, UNREACHABLE, text)

    def _permission_failed(self, now: float, request: _Request, code: int, text: str) -> None:
        permission = request.permission
        assert permission is not None
        permission.pending = False
        self._events.append(PermissionFailed(permission.peer_ip, code, text))
        if not self._permissions.is_installed(permission.peer_ip, now):
            permission.failed_at = now
            self._count("data_dropped_permission_failed", len(permission.queue))
            permission.queue.clear()

    def _channel_failed(self, request: _Request, code: int, text: str) -> None:
        channel = request.channel
        assert channel is not None
        channel.pending = False
        if channel.bound_at is None:
            channel.failed = True  # data keeps going as Send indications
        self._events.append(ChannelBindFailed(channel.peer, code, text))

    def _flush(self, now: float, permission: Permission) -> None:
        queue, permission.queue = permission.queue, []
        for peer, data in queue:
            self.send(now, peer, data)

    def _set_lifetime(self, now: float, granted: int | None) -> int:
        lifetime = granted if granted is not None else self.config.lifetime
        self.lifetime = lifetime
        self._expires_at = now + lifetime
        self._refresh_at = now + max(lifetime / 2, lifetime - self.config.refresh_margin)
        return lifetime

    def _drop_queues(self) -> None:
        for permission in self._permissions:
            if permission.queue:
                self._count("data_dropped_not_allocated", len(permission.queue))
                permission.queue.clear()

    def _fail(self, code: int, text: str) -> None:
        self._state = TurnState.FAILED
        self._requests.clear()
        self._drop_queues()
        logger.info("TURN %s:%d: allocation failed: %d %s", *self.server, code, text)
        self._events.append(AllocationFailed(code, text))

    def _lose(self, code: int, text: str) -> None:
        self._state = TurnState.FAILED
        self._requests.clear()
        self._drop_queues()
        logger.info("TURN %s:%d: allocation lost: %d %s", *self.server, code, text)
        self._events.append(AllocationLost(code, text))

    def _closed(self) -> None:
        self._state = TurnState.CLOSED
        self._requests.clear()
        self._close_deadline = None
        self._events.append(AllocationClosed())


def _default_reason(code: int) -> str:
    """The registered reason phrase when the server sent none (RFC 8489 §18.3)."""
    try:
        return KnownErrorCode(code).reason
    except ValueError:
        return "error response"
