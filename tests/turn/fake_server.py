"""A small, deterministic TURN server for the client's unit tests (RFC 8656, in memory).

It does what coturn does with ``--lt-cred-mech``, for one client: 401 with REALM/NONCE for
requests without (or with wrong) credentials, 438 when told to rotate its nonce, Allocate,
Refresh (LIFETIME 0 deletes), CreatePermission, ChannelBind, Send indications and
ChannelData from the client (kept in :attr:`FakeTurnServer.relayed`), and Data indications
or ChannelData towards the client for :meth:`FakeTurnServer.from_peer`. Every request is
logged with the time it arrived, so tests can check the client's timing. Time is virtual:
whatever ``now`` the test passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rtcpeer.stun import (
    AttrType,
    ErrorCode,
    MessageClass,
    Method,
    StunError,
    StunMessage,
    long_term_key,
    parse_message,
)
from rtcpeer.turn import FrameKind, StreamFramer, decode_channel_data, encode_channel_data

Address = tuple[str, int]


@dataclass
class LoggedRequest:
    at: float
    method: int
    attributes: dict[int, object]
    authenticated: bool


@dataclass
class FakeTurnServer:
    users: dict[str, str] = field(default_factory=lambda: {"alice": "secret"})
    realm: str = "lab.test"
    relayed: Address = ("203.0.113.5", 50000)
    client_address: Address = ("192.0.2.10", 40000)
    max_lifetime: int = 3600
    stream: bool = False
    #: Answer the next N authenticated requests with 438 and a new nonce.
    stale_next: int = 0
    #: Methods answered with an error: method -> (code, reason).
    errors: dict[int, tuple[int, str]] = field(default_factory=dict)
    #: Swallow every request (an unreachable server).
    silent: bool = False
    #: Answer with a broken MESSAGE-INTEGRITY (wrong key).
    corrupt_integrity: bool = False

    def __post_init__(self) -> None:
        self.nonce_counter = 1
        self.log: list[LoggedRequest] = []
        self.allocated = False
        self.lifetime = 0
        self.permissions: dict[str, float] = {}
        self.channels: dict[int, Address] = {}
        #: What the client relayed: (peer, data, "send" | "channel").
        self.sent_to_peers: list[tuple[Address, bytes, str]] = []
        #: Send indications / ChannelData the server dropped (no permission / no channel).
        self.dropped = 0
        self.framer = StreamFramer()

    @property
    def nonce(self) -> str:
        return f"nonce-{self.nonce_counter}"

    def requests(self, method: int) -> list[LoggedRequest]:
        return [r for r in self.log if r.method == method]

    # ------------------------------------------------------------------ from the client

    def receive(self, now: float, data: bytes) -> list[bytes]:
        """One datagram (or stream chunk) from the client; returns what the server sends."""
        out: list[bytes] = []
        if self.stream:
            for kind, frame in self.framer.feed(data):
                if kind is FrameKind.CHANNEL_DATA:
                    self._channel_data(frame)
                else:
                    out.extend(self._stun(now, frame))
        elif data and data[0] >> 6 == 1:
            self._channel_data(data)
        else:
            out.extend(self._stun(now, data))
        return out

    def _channel_data(self, data: bytes) -> None:
        number, payload = decode_channel_data(data)
        peer = self.channels.get(number)
        if peer is None:
            self.dropped += 1
            return
        self.sent_to_peers.append((peer, payload, "channel"))

    def _stun(self, now: float, data: bytes) -> list[bytes]:
        try:
            message = parse_message(data)
        except StunError:
            return []
        if message.message_class is MessageClass.INDICATION:
            if message.method == Method.SEND:
                peer = message.xor_peer_address
                payload = message.data
                if peer is None or payload is None or peer[0] not in self.permissions:
                    self.dropped += 1
                else:
                    self.sent_to_peers.append((peer, payload, "send"))
            return []
        if message.message_class is not MessageClass.REQUEST:
            return []
        key = self._key(message)
        authenticated = key is not None and message.verify_integrity(key)
        self.log.append(LoggedRequest(now, message.method, dict(message.attributes), authenticated))
        if self.silent:
            return []
        if not authenticated:
            return [
                self._error(message, 401, "Unauthenticated", None, {AttrType.REALM: self.realm})
            ]
        assert key is not None
        if message.nonce != self.nonce or self.stale_next > 0:
            if self.stale_next > 0:
                self.stale_next -= 1
                self.nonce_counter += 1
            return [self._error(message, 438, "Stale Nonce", None, {AttrType.REALM: self.realm})]
        if message.method in self.errors:
            code, reason = self.errors[message.method]
            return [self._error(message, code, reason, key)]
        handler = {
            Method.ALLOCATE: self._allocate,
            Method.REFRESH: self._refresh,
            Method.CREATE_PERMISSION: self._create_permission,
            Method.CHANNEL_BIND: self._channel_bind,
        }.get(Method(message.method))
        if handler is None:
            return [self._error(message, 400, "Bad Request", key)]
        return [handler(now, message, key)]

    def _key(self, message: StunMessage) -> bytes | None:
        username = message.username
        if username is None or username not in self.users or message.realm != self.realm:
            return None
        return long_term_key(username, self.realm, self.users[username])

    def _allocate(self, now: float, message: StunMessage, key: bytes) -> bytes:
        if self.allocated:
            return self._error(message, 437, "Allocation Mismatch", key)
        if message.requested_transport != 17:
            return self._error(message, 442, "Unsupported Transport Protocol", key)
        self.allocated = True
        self.lifetime = min(message.lifetime or 600, self.max_lifetime)
        return self._success(
            message,
            key,
            {
                AttrType.XOR_RELAYED_ADDRESS: self.relayed,
                AttrType.LIFETIME: self.lifetime,
                AttrType.XOR_MAPPED_ADDRESS: self.client_address,
            },
        )

    def _refresh(self, now: float, message: StunMessage, key: bytes) -> bytes:
        if not self.allocated:
            return self._error(message, 437, "Allocation Mismatch", key)
        requested = message.lifetime if message.lifetime is not None else 600
        if requested == 0:
            self.allocated = False
            self.lifetime = 0
        else:
            self.lifetime = min(requested, self.max_lifetime)
        return self._success(message, key, {AttrType.LIFETIME: self.lifetime})

    def _create_permission(self, now: float, message: StunMessage, key: bytes) -> bytes:
        if not self.allocated:
            return self._error(message, 437, "Allocation Mismatch", key)
        for peer in message.get_all(AttrType.XOR_PEER_ADDRESS):
            assert isinstance(peer, tuple)
            self.permissions[str(peer[0])] = now + 300
        return self._success(message, key, {})

    def _channel_bind(self, now: float, message: StunMessage, key: bytes) -> bytes:
        number, peer = message.channel_number, message.xor_peer_address
        if not self.allocated or number is None or peer is None:
            return self._error(message, 400, "Bad Request", key)
        existing = self.channels.get(number)
        if existing is not None and existing != peer:
            return self._error(message, 400, "Bad Request", key)
        self.channels[number] = peer
        self.permissions[peer[0]] = now + 300
        return self._success(message, key, {})

    def _success(self, request: StunMessage, key: bytes, attributes: dict[int, object]) -> bytes:
        encoded = StunMessage(
            request.method, MessageClass.SUCCESS, request.transaction_id, attributes
        ).encode(b"wrong key" if self.corrupt_integrity else key, fingerprint=True)
        return encoded

    def _error(
        self,
        request: StunMessage,
        code: int,
        reason: str,
        key: bytes | None,
        extra: dict[int, object] | None = None,
    ) -> bytes:
        attributes: dict[int, object] = {AttrType.ERROR_CODE: ErrorCode(code, reason)}
        if code in (401, 438):
            attributes[AttrType.NONCE] = self.nonce
        if extra:
            attributes.update(extra)
        return StunMessage(
            request.method, MessageClass.ERROR, request.transaction_id, attributes
        ).encode(key, fingerprint=True)

    # ------------------------------------------------------------------ towards the client

    def from_peer(self, peer: Address, data: bytes) -> bytes | None:
        """What the server sends the client when ``peer`` sends ``data`` to the relayed
        address: ChannelData if a channel is bound, a Data indication if a permission
        exists, nothing otherwise (RFC 8656 §10.3, §12.6)."""
        for number, bound in self.channels.items():
            if bound == peer:
                return encode_channel_data(number, data, pad=self.stream)
        if peer[0] not in self.permissions:
            return None
        return StunMessage(
            Method.DATA,
            MessageClass.INDICATION,
            bytes(12),
            {AttrType.XOR_PEER_ADDRESS: peer, AttrType.DATA: data},
        ).encode()
