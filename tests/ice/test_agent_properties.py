"""Property tests: random operation sequences and hostile input keep the ICE agent's invariants.

Issue acceptance item: "random input sequences into the agent keep its invariants (only
webrtc-pc §5.7.6 transitions; nothing sent after consent expiry; memory bounded)".

Two agents run in the simulator (several NAT kinds, loss, role conflicts) while hypothesis
partitions and heals the path, changes loss, restarts either side through the signalling,
sends data, drops or holds candidates, moves an interface and closes. Every datagram an agent
hands out and every event it reports is checked as it happens, and its collections are
checked after every step. A second group feeds one agent random and mutated STUN.

Checklist items: 1-6, 8-10, 12-15, 24, 25, 72, 99, 100, 110-113, 116, 118-120, 123, 124.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st

from rtcpeer.ice import (
    IceAgent,
    IceConfig,
    IceEvent,
    IceTransportState,
    PairState,
    SelectedPairChanged,
    StateChanged,
    is_allowed_transition,
)
from rtcpeer.stun import AttrType, MessageClass, Method, StunMessage, is_stun, parse_message
from rtcpeer.testing import LinkProfile, NatType, Realm
from rtcpeer.testing.ice_endpoint import IceEndpoint
from tests.ice.agent_helpers import (
    LOCAL,
    REMOTE,
    REMOTE_PWD,
    REMOTE_UFRAG,
    Driver,
    Peer,
    make_agent,
)
from tests.scenarios.topology import Scenario, make_scenario

S = IceTransportState
Address = tuple[str, int]

#: Mirrors ``rtcpeer.ice.agent._CONSENT_MEMORY``: outstanding consent ids remembered at most.
CONSENT_MEMORY = 64


# ============================================================================================
# A monitored agent: checks every output datagram and event the moment it is taken out
# ============================================================================================


class MonitoredAgent(IceAgent):
    """An IceAgent whose outputs are checked against the invariants as the endpoint takes
    them. Violations are collected (not raised) so the endpoint's pump stays intact."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.violations: list[str] = []
        self.chain: list[tuple[S, S]] = []
        self.expected_old = S.NEW
        self.deselected_by_consent = False
        self.closed_seen = False
        self.app_datagrams = 0

    def _violate(self, text: str) -> None:
        self.violations.append(f"t={self._now:.3f} {text}")

    def _check_failure(self) -> None:
        """webrtc-pc §5.7.6 "failed" (items 6, 12, 100): gathering complete, end-of-candidates
        received, and zero local candidates or the PAC timer (RFC 8863) expired."""
        gen = self._current
        if not (gen.gathering_complete and gen.remote_end_of_candidates):
            self._violate("failed without gathering complete and end-of-candidates")
        if gen.local_candidates:
            started = gen.pac_started_at
            if started is None or self._now < started + self.config.pac_timeout - 1e-9:
                self._violate(f"failed before the PAC timer (started {started})")

    def datagrams_to_send(self, now: float) -> list[tuple[bytes, Address, Address]]:
        out = super().datagrams_to_send(now)
        if self._state is S.FAILED and self._selected is not None:
            self._violate("a selected pair while failed")
        if out and self.closed_seen:
            self._violate(f"{len(out)} datagrams after close")
        for data, local, remote in out:
            if is_stun(data):
                continue
            self.app_datagrams += 1
            # Application data only on the selected pair, only while consent holds
            # (RFC 7675 §5.1), never after consent expiry until a new pair is selected.
            # Before the first nomination, the valid pair in use (RFC 8445 §12.1).
            early = self._early
            if early is not None:
                if self._ever_selected or self._selected is not None:
                    self._violate("an early pair after a nomination")
                # Valid once (a 487 role-conflict retry may set a valid pair back to
                # Waiting, RFC 8445 §7.2.5.1; it stays in the valid list meanwhile).
                if early.state is not PairState.SUCCEEDED and early.mapped is None:
                    self._violate("application data on an early pair that was never valid")
                if early.key != (local, remote):
                    self._violate(f"application data on {(local, remote)}, not {early.key}")
                continue
            selected = self._selected
            if selected is None:
                self._violate("application data sent with no selected pair")
            elif selected.key != (local, remote):
                self._violate(f"application data on {(local, remote)}, not {selected.key}")
            if self._consent is None or self._consent.is_expired(now):
                self._violate("application data sent without consent")
            if self.deselected_by_consent:
                self._violate("application data sent after consent expiry, before a new pair")
        return out

    def next_event(self) -> IceEvent | None:
        event = super().next_event()
        if isinstance(event, StateChanged):
            if self.closed_seen:
                self._violate(f"state change after closed: {event}")
            if event.old is not self.expected_old:
                self._violate(f"chain broken: expected old={self.expected_old}, got {event}")
            if not is_allowed_transition(event.old, event.new):
                self._violate(f"transition {event.old} -> {event.new} not in §5.7.6 ({event})")
            self.chain.append((event.old, event.new))
            self.expected_old = event.new
            if event.new is S.CLOSED:
                self.closed_seen = True
            if event.new is S.FAILED:
                self._check_failure()
        elif isinstance(event, SelectedPairChanged):
            if event.local is None:
                if "consent" in event.reason:
                    self.deselected_by_consent = True
            else:
                self.deselected_by_consent = False
        return event


def check_bounds(agent: IceAgent) -> list[str]:
    """The agent's internal collections stay within the configured limits."""
    cfg = agent.config
    problems: list[str] = []
    if len(agent._checks) > cfg.max_transactions:
        problems.append(f"{len(agent._checks)} checks > {cfg.max_transactions}")
    if len(agent._consent_requests) > CONSENT_MEMORY:
        problems.append(f"{len(agent._consent_requests)} consent ids > {CONSENT_MEMORY}")
    if len(agent._generations) > 2:
        problems.append(f"{len(agent._generations)} generations alive")
    for gen in agent._generations:
        if len(gen.remote_candidates) > cfg.max_remote_candidates:
            problems.append(f"gen {gen.index}: {len(gen.remote_candidates)} remote candidates")
        if len(gen.checklist) > cfg.max_pairs:
            problems.append(f"gen {gen.index}: {len(gen.checklist)} pairs")
    if len(agent._gatherers) > 2:
        problems.append(f"{len(agent._gatherers)} gatherers alive")
    return problems


def check_endpoint(ep: IceEndpoint) -> list[str]:
    agent = ep.agent
    assert isinstance(agent, MonitoredAgent)
    problems = [f"{ep.name}: {v}" for v in agent.violations]
    problems += [f"{ep.name}: {p}" for p in check_bounds(agent)]
    # The recorded history is one consistent chain from "new" (webrtc-pc §5.7 initial slot).
    previous = S.NEW
    for _, event in ep.events:
        if isinstance(event, StateChanged):
            if event.old is not previous or event.old is event.new:
                problems.append(f"{ep.name}: history chain broken at {event}")
            previous = event.new
    if agent.state is not previous:
        problems.append(f"{ep.name}: state {agent.state} but history ends at {previous}")
    # W3C §5.7.2: no selected pair while new or closed (items 24, 25).
    if agent.state in (S.NEW, S.CLOSED) and agent.selected_pair is not None:
        problems.append(f"{ep.name}: selected pair while {agent.state}")
    return problems


# ============================================================================================
# The world: two endpoints in the simulator, and the operations hypothesis may apply
# ============================================================================================

NAT_KINDS: list[NatType | None] = [
    None,
    NatType.FULL_CONE,
    NatType.RESTRICTED_CONE,
    NatType.PORT_RESTRICTED_CONE,
    NatType.SYMMETRIC,
]


@dataclass
class World:
    sc: Scenario
    mobile: Realm
    home: dict[str, Realm] = field(default_factory=dict)
    restarts: int = 0

    def endpoint(self, side: str) -> IceEndpoint:
        return self.sc.alice if side == "alice" else self.sc.bob

    def endpoints(self) -> tuple[IceEndpoint, IceEndpoint]:
        return self.sc.alice, self.sc.bob


def build_world(
    seed: int,
    alice_nat: NatType | None,
    bob_nat: NatType | None,
    roles: tuple[bool, bool],
    stun: bool,
    loss: float,
) -> World:
    config = IceConfig()
    sc = make_scenario(
        seed=seed,
        alice_nat=alice_nat,
        bob_nat=bob_nat,
        stun=stun,
        link=LinkProfile(delay=0.01, loss=loss),
        alice_controlling=roles[0],
        bob_controlling=roles[1],
        config=config,
        start=False,
    )
    # Swap in monitored agents before anything runs (same role, config, seeded randomness).
    for ep, controlling in ((sc.alice, roles[0]), (sc.bob, roles[1])):
        ep.agent = MonitoredAgent(
            controlling=controlling, rng=random.Random(seed * 7 + controlling), config=config
        )
    mobile = sc.net.add_nat("mobile", NatType.PORT_RESTRICTED_CONE, subnet="10.77.0.0/24")
    world = World(sc, mobile.inside)
    world.home = {
        "alice": sc.alice_host.interfaces[0].realm,
        "bob": sc.bob_host.interfaces[0].realm,
    }
    sc.signalling.connect()
    return world


SIDES = st.sampled_from(["alice", "bob"])

_RUN = st.tuples(st.just("run"), st.sampled_from([0.02, 0.1, 0.6, 2.0, 3.0, 8.0, 31.0]))
_SEND = st.tuples(st.just("send"), SIDES, st.integers(1, 60))

#: Running and sending appear twice: they are what most steps should do.
OPERATIONS = st.one_of(
    _RUN,
    _RUN,
    _SEND,
    st.tuples(st.just("partition"), st.booleans()),
    st.tuples(st.just("loss"), SIDES, st.sampled_from([0.0, 0.2, 0.5, 1.0])),
    st.tuples(st.just("restart"), SIDES),
    st.tuples(st.just("restart-rebind"), SIDES),
    _SEND,
    st.tuples(st.just("drop-candidates"), st.sampled_from(["none", "alice", "bob", "srflx"])),
    st.tuples(st.just("hold-eoc"), st.sampled_from(["none", "alice", "bob", "both"])),
    st.tuples(st.just("move"), SIDES),
    st.tuples(st.just("iface"), SIDES, st.booleans()),
    st.tuples(st.just("close"), SIDES),
)


def apply(world: World, op: tuple[object, ...]) -> None:
    sc = world.sc
    net = sc.net
    kind = op[0]
    if kind == "run":
        assert isinstance(op[1], float)
        net.run(op[1])
    elif kind == "partition":
        if op[1]:
            net.partition(sc.alice_host, sc.bob_host)
        else:
            net.heal(sc.alice_host, sc.bob_host)
    elif kind == "loss":
        side, loss = op[1], op[2]
        assert isinstance(side, str) and isinstance(loss, float)
        host = sc.alice_host if side == "alice" else sc.bob_host
        for iface in host.interfaces:
            iface.link = LinkProfile(delay=0.01, loss=loss)
    elif kind in ("restart", "restart-rebind"):
        assert isinstance(op[1], str)
        sc.signalling.restart(world.endpoint(op[1]), rebind=kind == "restart-rebind")
        world.restarts += 1
    elif kind == "send":
        side, count = op[1], op[2]
        assert isinstance(side, str) and isinstance(count, int)
        ep = world.endpoint(side)
        for i in range(count):
            # A stream of datagrams, 0.1 s apart, interleaving with whatever comes next.
            net.call_later(0.1 * i, functools.partial(ep.send, b"\x80app-%d" % i))
    elif kind == "drop-candidates":
        which = op[1]
        if which == "none":
            sc.signalling.drop_candidates = None
        elif which == "srflx":
            sc.signalling.drop_candidates = lambda _ep, c: c.type.value == "srflx"
        else:
            sc.signalling.drop_candidates = lambda ep, _c, which=which: ep.name == which
    elif kind == "hold-eoc":
        which = op[1]
        held = {"none": set(), "alice": {"alice"}, "bob": {"bob"}, "both": {"alice", "bob"}}
        assert isinstance(which, str)
        sc.signalling.hold_end_of_candidates = held[which]
    elif kind == "move":
        side = op[1]
        assert isinstance(side, str)
        host = sc.alice_host if side == "alice" else sc.bob_host
        iface = host.interfaces[0]
        target = world.home[side] if iface.realm is world.mobile else world.mobile
        iface.move_to(target)
    elif kind == "iface":
        side, up = op[1], op[2]
        host = sc.alice_host if side == "alice" else sc.bob_host
        if up:
            host.set_up()
        else:
            host.set_down()
    elif kind == "close":
        assert isinstance(op[1], str)
        world.endpoint(op[1]).close()
    else:  # pragma: no cover
        raise AssertionError(op)


#: Weighted towards topologies that connect, so most runs exercise the connected states.
TOPOLOGY = st.tuples(
    st.integers(0, 2**16),
    st.sampled_from(NAT_KINDS),
    st.sampled_from([*NAT_KINDS[:4], NatType.PORT_RESTRICTED_CONE]),
    st.sampled_from([(True, False), (True, False), (False, True), (True, True), (False, False)]),
    st.sampled_from([True, True, True, False]),
    st.sampled_from([0.0, 0.0, 0.1, 0.3]),
)


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    topology=TOPOLOGY,
    warmup=st.sampled_from([0.0, 0.03, 0.3, 2.0, 2.0, 2.0]),
    ops=st.lists(OPERATIONS, min_size=3, max_size=20),
)
def test_random_operations_keep_the_agent_invariants(
    topology: tuple[int, NatType | None, NatType | None, tuple[bool, bool], bool, float],
    warmup: float,
    ops: list[tuple[object, ...]],
) -> None:
    """Items 1-6, 8-10, 12-15, 24, 25, 72, 99, 100, 123, 124. After every step:

    * every StateChanged is a webrtc-pc §5.7.6 transition and the events form one chain
      from "new"; nothing follows "closed", and nothing is sent after it;
    * "failed" only with gathering complete, end-of-candidates, and zero local candidates or
      the PAC timer (RFC 8863) expired; never with a selected pair; no selected pair while
      new or closed;
    * application data leaves only on the selected pair while consent holds, never between
      a consent-expiry deselection and the next selection (RFC 7675 §5.1);
    * checks, consent ids, remote candidates, pairs, gatherers and generations (<= 2 alive)
      stay bounded, and each restart makes at most one generation per side (no restart
      loops)."""
    world = build_world(*topology)
    for step, op in enumerate([("run", warmup), *ops, ("run", 45.0)]):
        apply(world, op)
        world.sc.net.run(0.05)
        problems = [p for ep in world.endpoints() for p in check_endpoint(ep)]
        # A restart makes one new generation on each side, no more (no restart loops).
        problems += [
            f"{ep.name}: {ep.agent.generation_count} generations after {world.restarts} restarts"
            for ep in world.endpoints()
            if ep.agent.generation_count > 1 + world.restarts
        ]
        assert not problems, f"after step {step} {op}: {problems}"
    for ep in world.endpoints():
        agent = ep.agent
        assert isinstance(agent, MonitoredAgent)
        note_event(f"{ep.name} final state {agent.state}")
        note_event(f"app data sent: {agent.app_datagrams > 0}")
        note_event(f"restarted: {agent.generation_count > 1}")
        note_event(f"consent expired: {any('consent' in e.reason for _, e in ep.selected_pairs)}")
        for old, new in agent.chain:
            note_event(f"{old}->{new}")


# ============================================================================================
# Hostile input on one agent
# ============================================================================================

ATTACKER: Address = ("10.6.6.6", 4444)

KNOWN_METHODS = [m.value for m in Method]


@st.composite
def stun_messages(draw: st.DrawFn, local_ufrag: str, local_pwd: str) -> tuple[bytes, bool]:
    """A STUN message built from random parts; returns it and whether it is a correctly
    authenticated Binding request (RFC 8445 §7.3: USERNAME ours, integrity with our pwd)."""
    method = draw(st.sampled_from([*KNOWN_METHODS, 0x002, 0x0FF, 0xFFF]))
    message_class = draw(st.sampled_from(list(MessageClass)))
    username = draw(
        st.sampled_from(
            [
                f"{local_ufrag}:{REMOTE_UFRAG}",
                f"{local_ufrag}:",
                f"{REMOTE_UFRAG}:{local_ufrag}",
                "nobody:home",
                local_ufrag,
                None,
            ]
        )
    )
    attributes: dict[int, object] = {}
    if username is not None:
        attributes[AttrType.USERNAME] = username
    priority = draw(st.sampled_from([None, 0, 1, 2**31 - 1, 2**31, 2**32 - 1, 0x6E00_FFFF]))
    if priority is not None:
        attributes[AttrType.PRIORITY] = priority
    role = draw(st.sampled_from([None, AttrType.ICE_CONTROLLING, AttrType.ICE_CONTROLLED]))
    if role is not None:
        attributes[role] = draw(st.integers(0, 2**64 - 1))
    if draw(st.booleans()):
        attributes[AttrType.USE_CANDIDATE] = None
    if draw(st.booleans()):
        attributes[AttrType.XOR_MAPPED_ADDRESS] = LOCAL
    for attr_type in draw(
        st.lists(
            st.sampled_from([0x0030, 0x0031, 0x7FFF, 0x8070, 0xC001, 0xFFFF]),
            max_size=3,
            unique=True,
        )
    ):
        attributes[attr_type] = draw(st.binary(max_size=12))
    key_choice = draw(st.sampled_from(["local", "remote", "wrong", "none"]))
    key = {
        "local": local_pwd.encode(),
        "remote": REMOTE_PWD.encode(),
        "wrong": b"not-the-password",
        "none": None,
    }[key_choice]
    fingerprint = draw(st.booleans())
    data = StunMessage(
        method=method,
        message_class=message_class,
        transaction_id=draw(st.binary(min_size=12, max_size=12)),
        attributes=attributes,
    ).encode(key, fingerprint=fingerprint)
    authenticated = (
        method == Method.BINDING
        and message_class is MessageClass.REQUEST
        and username is not None
        and username.split(":", 1)[0] == local_ufrag
        and ":" in username
        and key_choice == "local"
        and fingerprint
    )
    # Mutations of the wire bytes: a flipped byte, a truncation, a changed type.
    mutation = draw(st.sampled_from(["none", "none", "flip", "truncate", "type"]))
    if mutation == "flip" and data:
        index = draw(st.integers(0, len(data) - 1))
        data = data[:index] + bytes([data[index] ^ draw(st.integers(1, 255))]) + data[index + 1 :]
    elif mutation == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif mutation == "type":
        data = draw(st.binary(min_size=2, max_size=2)) + data[2:]
    if mutation != "none":
        # A mutated request may still parse and authenticate only if the mutation did
        # nothing; decide from the bytes themselves.
        authenticated = authenticated and _still_authenticated(data, local_ufrag, local_pwd)
    return data, authenticated


def _still_authenticated(data: bytes, ufrag: str, pwd: str) -> bool:
    if not is_stun(data):
        return False
    try:
        message = parse_message(data)
    except Exception:
        return False
    username = message.username
    return (
        message.method == Method.BINDING
        and message.message_class is MessageClass.REQUEST
        and username is not None
        and username.split(":", 1)[0] == ufrag
        and message.has_fingerprint
        and message.verify_integrity(pwd.encode())
    )


def _fresh_agent(controlling: bool) -> tuple[IceAgent, Driver]:
    agent = make_agent(controlling=controlling)
    driver = Driver(agent)
    driver.advance(0.2)  # the first checks go out
    return agent, driver


@settings(max_examples=150, deadline=None, database=None)
@given(
    controlling=st.booleans(),
    inputs=st.lists(
        st.one_of(
            st.binary(max_size=120).map(lambda b: ("bytes", b)),
            st.just(("stun", None)),
            st.just(("spoof", None)),
        ),
        min_size=1,
        max_size=12,
    ),
    data=st.data(),
)
def test_hostile_datagrams_never_raise_nor_answer_an_unauthenticated_sender(
    controlling: bool, inputs: list[tuple[str, bytes | None]], data: st.DataObject
) -> None:
    """Items 110-112, 118-120: random bytes and mutated STUN (bad integrity, wrong username,
    unknown attributes, PRIORITY 0 or huge, other methods and classes, responses to unknown
    transactions) never raise; an unauthenticated sender gets nothing back (no
    amplification) and changes nothing; every drop is counted in ``agent.stats``."""
    agent, driver = _fresh_agent(controlling)
    state = agent.state
    pair_states = [p.state for p in agent.pairs]
    for kind, raw in inputs:
        authenticated = False
        if kind == "stun":
            raw, authenticated = data.draw(stun_messages(agent.local_ufrag, agent.local_pwd))
        elif kind == "spoof":
            # A response to a check really in flight (the attacker guessed its id), but
            # without the peer's password.
            tid = data.draw(st.sampled_from(sorted(agent._checks)))
            key = data.draw(st.sampled_from([None, b"guess", agent.local_pwd.encode()]))
            raw = StunMessage(
                method=Method.BINDING,
                message_class=data.draw(
                    st.sampled_from([MessageClass.SUCCESS, MessageClass.ERROR])
                ),
                transaction_id=tid,
                attributes={AttrType.XOR_MAPPED_ADDRESS: ATTACKER},
            ).encode(key, fingerprint=True)
        assert raw is not None
        if authenticated:
            continue  # an authenticated request is a legitimate check; see the flood test
        counted_before = sum(agent.stats.values())
        app = agent.handle_datagram(driver.now, raw, LOCAL, ATTACKER)
        assert app is None  # not from an authenticated pair: never delivered
        out = driver.collect()
        assert [s for s in out if s.remote == ATTACKER] == []
        assert out == []  # nothing at all is triggered by it
        # Every dropped datagram is counted; a Binding indication is a keepalive
        # (RFC 8445 §11), consumed without a count.
        if not _is_binding_indication(raw):
            assert sum(agent.stats.values()) == counted_before + 1, agent.stats
    assert agent.state is state
    assert [e for _, e in driver.events if isinstance(e, StateChanged)][-1].new is state
    assert all(c.transport_address != ATTACKER for c in agent.remote_candidates)
    assert [p.state for p in agent.pairs] == pair_states  # no pair succeeded or failed


def _is_binding_indication(data: bytes) -> bool:
    if not is_stun(data):
        return False
    try:
        message = parse_message(data)
    except Exception:
        return False
    return message.method == Method.BINDING and message.message_class is MessageClass.INDICATION


@settings(max_examples=120, deadline=None, database=None)
@given(
    controlling=st.booleans(),
    data=st.data(),
    count=st.integers(1, 8),
)
def test_mutated_stun_from_the_peer_never_raises_and_keeps_the_agent_sane(
    controlling: bool, data: st.DataObject, count: int
) -> None:
    """Items 112, 119, 120: any mix of valid, mutated and authenticated STUN from the peer's
    own address never raises; only authenticated Binding requests are answered, each with
    exactly one response to its source; the state chain stays legal."""
    agent, driver = _fresh_agent(controlling)
    for _ in range(count):
        raw, authenticated = data.draw(stun_messages(agent.local_ufrag, agent.local_pwd))
        source = data.draw(st.sampled_from([REMOTE, ("10.0.0.9", 7000)]))
        trusted = any(
            p.key == (LOCAL, source) and (p.authenticated or p.state is PairState.SUCCEEDED)
            for p in agent.pairs
        )
        app = agent.handle_datagram(driver.now, raw, LOCAL, source)
        # STUN is always consumed; anything else is data only over a pair the peer
        # authenticated (RFC 8445 §12.2) — a mangled datagram from the peer is its data.
        if is_stun(raw) or not trusted:
            assert app is None
        else:
            assert app == raw
        out = driver.collect()
        responses = [
            s for s in out if s.is_stun and s.message.message_class is not MessageClass.REQUEST
        ]
        if authenticated:
            assert len(responses) == 1 and responses[0].remote == source
            message = responses[0].message
            assert message.transaction_id == parse_message(raw).transaction_id
            assert message.verify_integrity(agent.local_pwd.encode())
        else:
            assert [s for s in out if s.remote == source and s.remote != REMOTE] == []
            assert responses == []
        driver.advance(driver.now + data.draw(st.sampled_from([0.0, 0.05, 1.0])))
    previous = S.NEW
    for _, event in driver.state_changes():
        assert event.old is previous and is_allowed_transition(event.old, event.new)
        previous = event.new
    assert check_bounds(agent) == []
    for candidate in agent.remote_candidates:
        assert 1 <= candidate.priority < 2**31


def test_flood_of_authenticated_requests_from_distinct_ports_stays_bounded() -> None:
    """Items 116, 119: 10,000 authenticated checks, each from a new source port, make at
    most ``max_remote_candidates`` peer-reflexive candidates, at most ``max_pairs`` pairs and
    at most ``max_transactions`` checks; the rest are counted as dropped."""
    agent = make_agent(controlling=False)
    driver = Driver(agent)
    driver.advance(0.1)
    peer = Peer(agent)
    cfg = agent.config
    template = StunMessage(
        method=Method.BINDING,
        message_class=MessageClass.REQUEST,
        transaction_id=bytes(12),
        attributes={
            AttrType.USERNAME: f"{agent.local_ufrag}:{REMOTE_UFRAG}",
            AttrType.PRIORITY: 0x6E00_FFFF,
            AttrType.ICE_CONTROLLING: peer.tie_breaker,
        },
    )
    key = agent.local_pwd.encode()
    answered = 0
    for i in range(10_000):
        template.transaction_id = i.to_bytes(12, "big")
        source = ("10.0.0.2", 10_000 + i)
        agent.handle_datagram(driver.now, template.encode(key, fingerprint=True), LOCAL, source)
        out = agent.datagrams_to_send(driver.now)
        answered += sum(1 for _, _, remote in out if remote == source)
        if i % 50 == 0:
            driver.advance(driver.now + 0.05)
            assert check_bounds(agent) == []
    driver.advance(driver.now + 5.0)
    assert check_bounds(agent) == []
    assert len(agent.remote_candidates) <= cfg.max_remote_candidates
    assert len(agent.pairs) <= cfg.max_pairs
    assert len(agent._checks) <= cfg.max_transactions
    # Every authenticated request is answered (it is authenticated: no amplification), but
    # only the first max_remote_candidates sources became candidates; the others are counted.
    assert answered == 10_000
    dropped = agent.stats.get("remote_candidates_over_limit", 0)
    assert dropped == 10_000 - (cfg.max_remote_candidates - 1)  # REMOTE was signalled


@pytest.mark.parametrize("max_pairs", [3, 10])
def test_flood_with_small_limits_and_two_bases(max_pairs: int) -> None:
    """Item 116: with two local bases, the pair limit (not only the candidate limit) binds."""
    config = IceConfig(max_pairs=max_pairs, max_remote_candidates=50, max_transactions=20)
    agent = make_agent(controlling=False, hosts=[LOCAL, ("10.0.1.1", 5000)], config=config)
    driver = Driver(agent)
    key = agent.local_pwd.encode()
    for i in range(500):
        request = StunMessage(
            method=Method.BINDING,
            message_class=MessageClass.REQUEST,
            transaction_id=i.to_bytes(12, "big"),
            attributes={
                AttrType.USERNAME: f"{agent.local_ufrag}:{REMOTE_UFRAG}",
                AttrType.PRIORITY: 1 + i * 1000,
                AttrType.ICE_CONTROLLING: 1,
            },
        ).encode(key, fingerprint=True)
        base = LOCAL if i % 2 else ("10.0.1.1", 5000)
        agent.handle_datagram(driver.now, request, base, ("10.0.0.2", 20_000 + i))
        driver.advance(driver.now + 0.02)
        assert check_bounds(agent) == [], i
    assert len(agent.pairs) <= max_pairs
    assert (
        agent.stats.get("pairs_over_limit", 0) + agent.stats.get("remote_candidates_over_limit", 0)
        > 0
    )


# ============================================================================================
# Restarts that overlap in the signalling
# ============================================================================================


def _overlapping_restarts(case: str) -> Scenario:
    sc = make_scenario(
        alice_nat=NatType.FULL_CONE, bob_nat=NatType.PORT_RESTRICTED_CONE, start=False
    )
    sc.signalling.connect()
    if case == "before-first-answer":
        # restartIce() while the first credentials are still crossing the signalling.
        sc.net.run_until(0.03)
        sc.signalling.restart(sc.alice)
    else:
        sc.net.run_until(3.0)
        sc.signalling.restart(sc.alice)
        sc.net.run_until(3.02)
        sc.signalling.restart(sc.bob if case == "glare" else sc.alice)
    sc.net.run_until(10.0)
    return sc


def test_glare_restarts_converge() -> None:
    """Items 13, 72: both sides restart at once (glare); each makes one new generation and
    they connect on it."""
    sc = _overlapping_restarts("glare")
    for ep in (sc.alice, sc.bob):
        assert ep.agent.generation_count == 2
        assert ep.state in (S.CONNECTED, S.COMPLETED)


@pytest.mark.parametrize("case", ["double", "before-first-answer"])
def test_overlapping_restarts_converge(case: str) -> None:
    """Items 13, 72: restartIce() called again before the previous restart's answer came back
    must still end with a bounded number of generations and a connection on the newest.
    Regression: both agents used to restart each other every signalling round trip, the new
    generation adopting the peer's answer to the previous offer (fixed by answers that never
    restart, and Signalling serialising offers as JSEP does)."""
    sc = _overlapping_restarts(case)
    for ep in (sc.alice, sc.bob):
        assert ep.agent.generation_count <= 4, f"{ep.name}: {ep.agent.generation_count}"
        assert ep.state in (S.CONNECTED, S.COMPLETED)
