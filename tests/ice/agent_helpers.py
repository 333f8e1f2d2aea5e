"""Drive one :class:`~rtcpeer.ice.IceAgent` by hand: a scripted peer, a clock loop, and
independent checks of the wire format (RFC 8489 §14.5, §14.7) for the ICE unit tests."""

from __future__ import annotations

import hashlib
import hmac
import random
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from rtcpeer.ice import (
    Candidate,
    CandidatePair,
    CandidateType,
    IceAgent,
    IceConfig,
    IceEvent,
    IceTransportState,
    PairState,
    SelectedPairChanged,
    StateChanged,
    candidate_priority,
)
from rtcpeer.stun import AttrType, MessageClass, Method, StunMessage, is_stun, parse_message

Address = tuple[str, int]

LOCAL: Address = ("10.0.0.1", 5000)
REMOTE: Address = ("10.0.0.2", 6000)
REMOTE_UFRAG = "RUFR"
REMOTE_PWD = "remote-password-0123456"  # 22+ characters (RFC 8445 §5.3)
PEER_TIE_BREAKER = 0x5555_5555_5555_5555


def host_candidate(
    address: Address,
    *,
    foundation: str = "rhost1",
    local_pref: int = 65535,
    ctype: CandidateType = CandidateType.HOST,
    priority: int | None = None,
    ufrag: str | None = None,
) -> Candidate:
    """A remote candidate as the peer would signal it."""
    return Candidate(
        foundation=foundation,
        component=1,
        transport="udp",
        priority=priority if priority is not None else candidate_priority(ctype, local_pref, 1),
        address=address[0],
        port=address[1],
        type=ctype,
        ufrag=ufrag,
    )


def make_agent(
    *,
    controlling: bool = True,
    hosts: Iterable[Address] = (LOCAL,),
    remote_credentials: bool = True,
    remotes: Iterable[Address] = (REMOTE,),
    config: IceConfig | None = None,
    tie_breaker: int = 0x1234_5678_9ABC_DEF0,
    seed: int = 7,
    now: float = 0.0,
) -> IceAgent:
    """An agent that gathered ``hosts`` (no STUN server) and knows the peer's credentials and
    its host candidates ``remotes`` (each with its own foundation), all at ``now``."""
    agent = IceAgent(
        controlling=controlling, rng=random.Random(seed), config=config, tie_breaker=tie_breaker
    )
    agent.gather(now, list(hosts))
    if remote_credentials:
        agent.set_remote_credentials(now, REMOTE_UFRAG, REMOTE_PWD)
    for i, address in enumerate(remotes):
        agent.add_remote_candidate(
            now, host_candidate(address, foundation=f"rhost{i}", local_pref=65535 - i)
        )
    return agent


@dataclass
class Sent:
    """One datagram the agent asked to send, with the time it was taken out."""

    at: float
    data: bytes
    local: Address
    remote: Address

    @property
    def is_stun(self) -> bool:
        return is_stun(self.data)

    @property
    def message(self) -> StunMessage:
        return parse_message(self.data)


@dataclass
class Driver:
    """Runs an agent's timers in virtual time and records what it sends and reports."""

    agent: IceAgent
    now: float = 0.0
    sent: list[Sent] = field(default_factory=list)
    events: list[tuple[float, IceEvent]] = field(default_factory=list)

    def collect(self) -> list[Sent]:
        out = [Sent(self.now, d, lo, re) for d, lo, re in self.agent.datagrams_to_send(self.now)]
        self.sent.extend(out)
        while (event := self.agent.next_event()) is not None:
            self.events.append((self.now, event))
        return out

    def advance(self, until: float, *, max_steps: int = 200_000) -> None:
        """Fire every timer due up to ``until`` (inclusive), then set the clock to it."""
        self.collect()
        for _ in range(max_steps):
            deadline = self.agent.get_timer()
            if deadline is None or deadline > until:
                break
            self.now = max(self.now, deadline)
            self.agent.handle_timer(self.now)
            self.collect()
        else:  # pragma: no cover - a timer that never advances is itself a bug
            raise AssertionError(f"timer loop did not settle before {until}")
        self.now = max(self.now, until)

    def deliver(
        self, data: bytes, *, source: Address = REMOTE, to: Address = LOCAL
    ) -> bytes | None:
        app = self.agent.handle_datagram(self.now, data, to, source)
        self.collect()
        return app

    # -- views ------------------------------------------------------------------------------

    def requests(self, *, since: float = -1.0) -> list[Sent]:
        return [
            s
            for s in self.sent
            if s.at >= since and s.is_stun and s.message.message_class is MessageClass.REQUEST
        ]

    def to(self, address: Address) -> list[Sent]:
        return [s for s in self.sent if s.remote == address]

    def states(self) -> list[str]:
        return [e.new.value for _, e in self.events if isinstance(e, StateChanged)]

    def state_changes(self) -> list[tuple[float, StateChanged]]:
        return [(t, e) for t, e in self.events if isinstance(e, StateChanged)]

    def selections(self) -> list[tuple[float, SelectedPairChanged]]:
        return [(t, e) for t, e in self.events if isinstance(e, SelectedPairChanged)]


def state_of(agent: IceAgent) -> IceTransportState:
    """The agent's state, read afresh (keeps mypy from narrowing across calls)."""
    return agent.state


def pair_state(pair: CandidatePair) -> PairState:
    return pair.state


class Peer:
    """Builds the STUN messages the remote ICE agent would send (RFC 8445 §7.2.2, §7.3.1)."""

    def __init__(
        self,
        agent: IceAgent,
        *,
        ufrag: str = REMOTE_UFRAG,
        pwd: str = REMOTE_PWD,
        tie_breaker: int = PEER_TIE_BREAKER,
        seed: int = 99,
    ) -> None:
        self.agent = agent
        self.ufrag = ufrag
        self.pwd = pwd
        self.tie_breaker = tie_breaker
        self.rng = random.Random(seed)

    def tid(self) -> bytes:
        return self.rng.randbytes(12)

    def request(
        self,
        *,
        controlling: bool | None = None,
        tie_breaker: int | None = None,
        priority: int | None = 0x6E00_FFFF,
        use_candidate: bool = False,
        username: str | None = None,
        key: bytes | None = None,
        extra: dict[int, object] | None = None,
        fingerprint: bool = True,
        tid: bytes | None = None,
        method: int = Method.BINDING,
        message_class: MessageClass = MessageClass.REQUEST,
    ) -> bytes:
        """A connectivity check to the agent. ``controlling`` None: the opposite of the
        agent's current role (no conflict)."""
        if controlling is None:
            controlling = self.agent.role != "controlling"
        attributes: dict[int, object] = {
            AttrType.USERNAME: username
            if username is not None
            else f"{self.agent.local_ufrag}:{self.ufrag}",
        }
        if priority is not None:
            attributes[AttrType.PRIORITY] = priority
        tb = self.tie_breaker if tie_breaker is None else tie_breaker
        attributes[AttrType.ICE_CONTROLLING if controlling else AttrType.ICE_CONTROLLED] = tb
        if use_candidate:
            attributes[AttrType.USE_CANDIDATE] = None
        if extra:
            attributes.update(extra)
        return StunMessage(
            method=method,
            message_class=message_class,
            transaction_id=tid if tid is not None else self.tid(),
            attributes=attributes,
        ).encode(key if key is not None else self.agent.local_pwd.encode(), fingerprint=fingerprint)

    def success(
        self, request: bytes, mapped: Address = LOCAL, *, key: bytes | None = None
    ) -> bytes:
        """The peer's success response to the agent's ``request`` (keyed by the peer's pwd)."""
        tid = parse_message(request).transaction_id
        return StunMessage(
            method=Method.BINDING,
            message_class=MessageClass.SUCCESS,
            transaction_id=tid,
            attributes={AttrType.XOR_MAPPED_ADDRESS: mapped},
        ).encode(key if key is not None else self.pwd.encode(), fingerprint=True)

    def error(self, request: bytes, code: int, *, key: bytes | None = None) -> bytes:
        from rtcpeer.stun import ErrorCode

        tid = parse_message(request).transaction_id
        return StunMessage(
            method=Method.BINDING,
            message_class=MessageClass.ERROR,
            transaction_id=tid,
            attributes={AttrType.ERROR_CODE: ErrorCode(code, "error")},
        ).encode(key if key is not None else self.pwd.encode(), fingerprint=True)


# -- independent wire checks (not through the codec under test) ----------------------------


def integrity_ok(data: bytes, key: bytes) -> bool:
    """RFC 8489 §14.5 over a message that ends MESSAGE-INTEGRITY then FINGERPRINT."""
    if len(data) < 20 + 24 + 8:
        return False
    mi_at = len(data) - 8 - 24
    if struct.unpack_from("!HH", data, mi_at) != (0x0008, 20):
        return False
    head = data[:2] + struct.pack("!H", mi_at + 24 - 20) + data[4:mi_at]
    return hmac.compare_digest(
        hmac.new(key, head, hashlib.sha1).digest(), data[mi_at + 4 : mi_at + 24]
    )


def fingerprint_ok(data: bytes) -> bool:
    """RFC 8489 §14.7: the last attribute is FINGERPRINT = CRC-32 ^ 0x5354554E."""
    if len(data) < 28 or struct.unpack_from("!HH", data, len(data) - 8) != (0x8028, 4):
        return False
    value: int = struct.unpack_from("!I", data, len(data) - 4)[0]
    return value == (zlib.crc32(data[:-8]) ^ 0x5354554E) & 0xFFFFFFFF


def connect_controlled(driver: Driver, peer: Peer) -> None:
    """Take a controlled agent (``make_agent(controlling=False)``) to a selected pair on
    LOCAL -> REMOTE: the peer checks with USE-CANDIDATE, the agent's own check is answered."""
    agent = driver.agent
    assert agent.role == "controlled"
    driver.advance(driver.now)
    driver.deliver(peer.request(use_candidate=True, controlling=True))
    driver.advance(driver.now + 0.05)
    checks = [s for s in driver.requests() if s.remote == REMOTE]
    assert checks, "the agent sent no check to the peer"
    driver.deliver(peer.success(checks[-1].data))
    assert agent.selected_pair is not None
