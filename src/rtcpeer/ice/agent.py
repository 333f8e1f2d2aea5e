"""The sans-IO ICE agent (RFC 8445, RFC 8838 trickle, RFC 7675 consent, RFC 8863 PAC).

Shaped like aioquic's connection: the caller feeds datagrams and timer expiries in with the
current time, and takes datagrams, a timer deadline and events out::

    agent.handle_datagram(now, data, local, remote)  # -> application bytes or None
    agent.handle_timer(now)
    agent.get_timer()                                # -> absolute deadline or None
    agent.datagrams_to_send(now)                     # -> [(data, local, remote), ...]
    agent.next_event()                               # -> IceEvent or None

It never opens a socket, never reads a clock and never sleeps; randomness comes from the
injected ``random.Random``. One component (RTP/RTCP mux and BUNDLE, as WebRTC uses) and UDP.

Relayed candidates (TURN, RFC 8656) are gathered per TURN server given to :meth:`gather`;
their allocations live in :mod:`rtcpeer.ice.relay` (see there). TCP/TLS connections to
TURN servers are the caller's: ``TurnConnectionRequested`` events and the
``turn_stream_*`` methods.
"""

from __future__ import annotations

import random
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass

from rtcpeer.ice.candidate import (
    AddressKind,
    Candidate,
    CandidateType,
    candidate_priority,
    compute_foundation,
)
from rtcpeer.ice.checklist import CheckList
from rtcpeer.ice.config import IceConfig
from rtcpeer.ice.consent import ConsentTimer
from rtcpeer.ice.events import (
    CandidateGatheringError,
    IceEvent,
    RoleChanged,
    SelectedPairChanged,
    StateChanged,
)
from rtcpeer.ice.gathering import Gatherer
from rtcpeer.ice.generation import Generation, random_credentials
from rtcpeer.ice.pair import CandidatePair, PairState
from rtcpeer.ice.relay import Allocation, RelayManager, TurnServer
from rtcpeer.ice.states import (
    IceGatheringState,
    IceRole,
    IceTransportState,
    is_allowed_transition,
)
from rtcpeer.stun import (
    AttrType,
    ClientTransaction,
    ErrorCode,
    MessageClass,
    Method,
    StunError,
    StunMessage,
    TransactionTimer,
    is_stun,
    parse_message,
)
from rtcpeer.turn import (
    AllocationClosed,
    AllocationFailed,
    AllocationLost,
    AllocationSucceeded,
    ChannelBindFailed,
    DataReceived,
    PermissionFailed,
    TurnConfig,
    TurnState,
)

Address = tuple[str, int]
Datagram = tuple[bytes, Address, Address]
S = IceTransportState

#: Outstanding consent requests remembered for matching responses (older ones are forgotten).
_CONSENT_MEMORY = 64
#: Replaced pairs whose late datagrams are still accepted.
_RETIRED_MEMORY = 16
#: The OS generator, shared: SystemRandom keeps no state of its own (each call reads
#: os.urandom), but every instance carries an unused Mersenne Twister state of ~2.5 KiB.
_SYSTEM_RANDOM = random.SystemRandom()


def _turn_config(config: IceConfig) -> TurnConfig:
    """TURN transactions on the gathering schedule (``IceConfig.gather_*``), so a TURN
    server that never answers is reported (701) as soon as a STUN server would be."""
    rto, count, factor = (
        config.gather_rto,
        config.gather_transmissions,
        config.gather_final_wait_factor,
    )
    return TurnConfig(
        rto=rto,
        max_transmissions=count,
        final_wait_factor=factor,
        stream_timeout=rto * (2 ** (count - 1) - 1) + rto * factor,
    )


def _is_binding_response(data: bytes) -> bool:
    """A STUN Binding success or error response (0x0101, 0x0111): for the gatherer even
    when it comes from a TURN server that is also used as a STUN server."""
    return len(data) >= 2 and data[0] == 0x01 and data[1] in (0x01, 0x11)


def _prflx_priority(base: Candidate) -> int:
    """RFC 8445 §7.1.1: the priority of a peer-reflexive candidate learned from ``base``:
    the prflx type preference with the base's local preference and component."""
    return candidate_priority(CandidateType.PRFLX, (base.priority >> 8) & 0xFFFF, base.component)


@dataclass(slots=True)
class _Check:
    """A connectivity check in flight (RFC 8445 §7.2.4)."""

    pair: CandidatePair
    generation: Generation
    transaction: ClientTransaction
    use_candidate: bool
    controlling: bool
    #: RFC 8445 §7.3.1.4: a cancelled check is not retransmitted and its timeout is no failure.
    cancelled: bool = False


class IceAgent:
    """A full ICE agent for one component, with restarts, trickle and consent.

    ``controlling`` is the initial role (webrtc-pc §4.4.1.4: the offerer controls); a role
    conflict may change it. ``tie_breaker`` defaults to 64 random bits (RFC 8445 §7.1.3).
    """

    def __init__(
        self,
        *,
        controlling: bool,
        rng: random.Random | None = None,
        config: IceConfig | None = None,
        tie_breaker: int | None = None,
    ) -> None:
        # Credentials and transaction ids are secrets: the OS generator unless a test injects
        # a seeded one.
        self._rng = rng if rng is not None else _SYSTEM_RANDOM
        self.config = config if config is not None else IceConfig()
        self.tie_breaker = tie_breaker if tie_breaker is not None else self._rng.getrandbits(64)
        self._controlling = controlling
        self._events: deque[IceEvent] = deque()
        self._outbox: list[Datagram] = []
        self._generations: list[Generation] = []
        self._gatherers: dict[str, Gatherer] = {}
        self._checks: dict[bytes, _Check] = {}
        #: Consent requests in flight: transaction id -> (pair, when it was sent).
        self._consent_requests: OrderedDict[bytes, tuple[CandidatePair, float]] = OrderedDict()
        #: Pairs replaced by a restart: (local, remote) -> until when their data is accepted.
        self._retired: dict[tuple[Address, Address], float] = {}
        self._selected: CandidatePair | None = None
        #: Whether a pair was ever selected by nomination.
        self._ever_selected = False
        #: Until then, the first valid pair carries data (RFC 8445 §12.1) and is reported as
        #: the selected pair, as browsers do; nomination then confirms or replaces it.
        self._early: CandidatePair | None = None
        self._early_generation: Generation | None = None
        self._selected_generation: Generation | None = None
        self._consent: ConsentTimer | None = None
        self._state = S.NEW
        self._failed = False
        self._closed = False
        self._next_tick: float | None = None
        self._hosts: list[Address] = []
        #: The latest time seen on any input.
        self._now = 0.0
        #: When the last connectivity check was sent (Ta pacing).
        self._last_check_at = -1e9
        #: Remote ufrags of superseded generations: their late candidates are stale.
        self._old_remote_ufrags: set[str] = set()
        self._stun_servers: list[Address] = []
        #: TURN servers (RFC 8656) and the allocations made on them (ice/relay.py).
        self._turn_servers: list[TurnServer] = []
        #: iceTransportPolicy "relay" (webrtc-pc §4.2.1): only relayed candidates.
        self._relay_only = False
        self._relays = RelayManager(self._rng, self.config.turn or _turn_config(self.config))
        #: Counters of what was dropped and why (surface in getStats, never silent).
        self.stats: dict[str, int] = {}
        ufrag, pwd = random_credentials(self._rng)
        self._generations.append(
            Generation(0, ufrag, pwd, controlling=controlling, max_pairs=self.config.max_pairs)
        )

    # ------------------------------------------------------------------ properties

    @property
    def state(self) -> IceTransportState:
        """RTCIceTransportState (webrtc-pc §5.7.6)."""
        return self._state

    @property
    def role(self) -> IceRole:
        return IceRole.CONTROLLING if self._controlling else IceRole.CONTROLLED

    @property
    def local_ufrag(self) -> str:
        """The ufrag of the newest generation (the one the next description carries)."""
        return self._current.local_ufrag

    @property
    def local_pwd(self) -> str:
        return self._current.local_pwd

    @property
    def remote_ufrag(self) -> str | None:
        return self._current.remote_ufrag

    @property
    def gathering_state(self) -> IceGatheringState:
        return self._current.gathering_state

    @property
    def local_candidates(self) -> list[Candidate]:
        return list(self._current.local_candidates)

    @property
    def local_peer_reflexive_candidates(self) -> list[Candidate]:
        """Local candidates learned from check responses (RFC 8445 §7.2.5.3.1); never
        signalled."""
        return list(self._current.local_prflx)

    @property
    def remote_candidates(self) -> list[Candidate]:
        """Remote candidates of the newest generation, peer-reflexive ones included."""
        return list(self._current.remote_candidates)

    @property
    def selected_pair(self) -> tuple[Candidate, Candidate] | None:
        pair = self._selected if self._selected is not None else self._early
        return None if pair is None else (pair.reported_local, pair.remote)

    @property
    def pairs(self) -> list[CandidatePair]:
        """The newest generation's check list, highest priority first (for stats and tests)."""
        return list(self._current.checklist)

    @property
    def live_generations(self) -> list[Generation]:
        """The generations still alive, oldest first: during a restart, the one whose pair
        carries data and the new one (for statistics; read them, never change them)."""
        return list(self._generations)

    @property
    def data_pair(self) -> CandidatePair | None:
        """The pair that carries application data: the selected pair, or before nomination
        the valid pair in use (RFC 8445 §12.1); what :attr:`selected_pair` describes."""
        return self._selected if self._selected is not None else self._early

    @property
    def generation_count(self) -> int:
        """How many generations this agent has started (1 + the number of restarts)."""
        return self._current.index + 1

    @property
    def _current(self) -> Generation:
        return self._generations[-1]

    def _count(self, name: str) -> None:
        self.stats[name] = self.stats.get(name, 0) + 1

    # ------------------------------------------------------------------ inputs: signalling

    def gather(
        self,
        now: float,
        host_addresses: Sequence[Address],
        stun_servers: Sequence[Address] = (),
        *,
        unresolved_servers: int = 0,
        turn_servers: Sequence[TurnServer] = (),
        relay_only: bool = False,
    ) -> None:
        """Start gathering for the current generation (RFC 8445 §5.1.1, RFC 8838 §4).

        ``turn_servers`` (resolved; names still being resolved count in
        ``unresolved_servers`` and are reported through :meth:`turn_server_resolved`) give
        relayed candidates; ``relay_only`` gathers nothing else (iceTransportPolicy
        "relay").

        ``host_addresses`` are the bound local sockets; the addresses are kept for the
        gathering of later generations. ``unresolved_servers`` more STUN servers are still
        being resolved by the caller, who reports each through :meth:`stun_server_resolved`;
        host candidates never wait for them, but end-of-candidates does.
        """
        self._now = max(self._now, now)
        self._hosts = list(host_addresses)
        self._stun_servers = list(stun_servers)
        self._turn_servers = list(turn_servers)
        self._relay_only = relay_only
        gen = self._current
        if gen.gathering_state is not IceGatheringState.NEW or self._closed:
            return
        self._start_gathering(now, gen, unresolved_servers)
        self._update_state(now, "local candidates gathered")

    def stun_server_resolved(self, now: float, server: Address | None) -> None:
        """A STUN server announced to :meth:`gather` as unresolved resolved to ``server``
        (None: resolution failed). Later generations use it too."""
        self._now = max(self._now, now)
        if self._closed:
            return
        if server is not None and server not in self._stun_servers:
            self._stun_servers.append(server)
        gatherer = self._gatherers.get(self._current.local_ufrag)
        if gatherer is not None:
            gatherer.server_resolved(now, server)
        self._update_state(now, "STUN server resolved")

    def _start_gathering(self, now: float, gen: Generation, unresolved_servers: int = 0) -> None:
        gatherer = Gatherer(gen, self.config, self._rng, self._events.append, self._outbox.append)
        self._gatherers[gen.local_ufrag] = gatherer
        relays = self._relay_requests(self._turn_servers)
        gatherer.expect_relays(len(relays))
        gatherer.start(
            now,
            self._hosts,
            self._stun_servers,
            unresolved_servers,
            relay_only=self._relay_only,
        )
        self._request_relays(now, gen, gatherer, relays)
        # Remote candidates that arrived before our bases existed can be paired now.
        for remote in gen.remote_candidates:
            self._pair_remote(now, gen, remote)

    def set_remote_credentials(
        self,
        now: float,
        ufrag: str,
        pwd: str,
        *,
        ice_lite: bool = False,
        offer: bool = True,
    ) -> bool:
        """Apply the remote ice-ufrag/ice-pwd of a description (RFC 8839 §5.4).

        ``ice_lite``: the peer is an ICE-lite agent (``a=ice-lite``), which is always
        controlled, so this agent takes the controlling role (RFC 8445 §6.1.1).

        ``offer``: they come from a remote offer. New credentials in an offer while the
        current generation already has some are a remote ICE restart (RFC 8839
        §4.4.1.1.1): the agent restarts too, as the answerer must (JSEP §5.3.1), and True
        is returned (the local credentials changed). Credentials from an answer never
        restart: they belong to our newest generation; if it had adopted others (an answer
        to an earlier offer that crossed a newer one) they replace them, unless that
        generation already carries data.
        """
        self._now = max(self._now, now)
        if self._closed:
            return False
        gen = self._current
        restarted = False
        if gen.remote_ufrag is not None:
            if (gen.remote_ufrag, gen.remote_pwd) == (ufrag, pwd):
                return False
            if offer:
                self.restart(now)
                gen = self._current
                restarted = True
            elif gen is self._selected_generation:
                self._count("stale_answer_ignored")
                return False
            else:
                self._forget_remote(gen)
        gen.remote_ufrag, gen.remote_pwd = ufrag, pwd
        if ice_lite and not self._controlling:
            self._switch_role(True, "the peer is ICE-lite (RFC 8445 §6.1.1)")
        gen.pac_started_at = now
        self._schedule_tick(now)
        self._update_state(now, "remote credentials")
        return restarted

    def _forget_remote(self, gen: Generation) -> None:
        """Drop what a generation learned from remote credentials that turned out stale."""
        assert gen.remote_ufrag is not None
        self._old_remote_ufrags.add(gen.remote_ufrag)
        self._stop_checks(gen)
        gen.remote_candidates.clear()
        gen.remote_end_of_candidates = False
        gen.checklist = CheckList(controlling=self._controlling, max_pairs=self.config.max_pairs)
        gen.first_valid_at = None
        gen.nominated = False

    def add_remote_candidate(
        self, now: float, candidate: Candidate | None, ufrag: str | None = None
    ) -> bool:
        """Add a trickled remote candidate, or end-of-candidates when ``candidate`` is None.

        ``ufrag`` (or the candidate's own ``ufrag``) selects the generation; candidates of a
        superseded generation are discarded (RFC 8838 §11) and False is returned.
        """
        self._now = max(self._now, now)
        if self._closed:
            return False
        ufrag = ufrag if ufrag is not None else (candidate.ufrag if candidate else None)
        gen = self._current
        stale = ufrag is not None and (
            (gen.remote_ufrag is not None and ufrag != gen.remote_ufrag)
            or ufrag in self._old_remote_ufrags
        )
        if stale:
            self._count("remote_candidates_stale")
            return False
        if candidate is None:
            gen.remote_end_of_candidates = True
            self._update_state(now, "remote end-of-candidates")
            return True
        if candidate.component != 1 or candidate.transport != "udp":
            self._count("remote_candidates_unsupported")
            return True  # valid but unusable here: kept out of the check list
        if gen.remote_by_address(candidate.transport_address) is not None:
            return True
        if len(gen.remote_candidates) >= self.config.max_remote_candidates:
            self._count("remote_candidates_over_limit")
            return False
        gen.remote_candidates.append(candidate)
        self._pair_remote(now, gen, candidate)
        self._update_state(now, "remote candidate")
        return True

    def restart(
        self,
        now: float,
        *,
        host_addresses: Sequence[Address] | None = None,
        stun_servers: Sequence[Address] | None = None,
        credentials: tuple[str, str] | None = None,
        turn_servers: Sequence[TurnServer] | None = None,
        relay_only: bool | None = None,
    ) -> None:
        """Start a new generation with new credentials (RFC 8445 §9, webrtc-pc restartIce).

        ``turn_servers`` and ``relay_only`` replace the configured ones (webrtc-pc
        setConfiguration: new ICE servers take effect at the next gathering). Healthy TURN
        allocations are kept and give the new generation its relayed candidates at once;
        those no longer needed are released once no live generation uses them.

        The selected pair of the old generation keeps carrying data (and keeps its consent)
        until the new generation selects a pair. Gathering starts again at once when the
        previous generation had gathered; new host addresses (a network change) may be given.
        ``credentials`` (ufrag, pwd) are the new ones when the caller chose them (JSEP: the
        offer that carries them was created first); otherwise they are random.
        """
        self._now = max(self._now, now)
        if self._closed:
            return
        if host_addresses is not None:
            self._hosts = list(host_addresses)
        if stun_servers is not None:
            self._stun_servers = list(stun_servers)
        if turn_servers is not None:
            self._turn_servers = list(turn_servers)
        if relay_only is not None:
            self._relay_only = relay_only
        old = self._current
        old.checks_stopped = True
        if old.remote_ufrag is not None:
            self._old_remote_ufrags.add(old.remote_ufrag)
        self._stop_checks(old)
        gatherer = self._gatherers.pop(old.local_ufrag, None)
        if gatherer is not None:
            gatherer.stop()
        # Keep only the generation whose pair carries data.
        self._generations = [
            g
            for g in self._generations
            if g is self._selected_generation or g is self._early_generation
        ]
        ufrag, pwd = credentials if credentials is not None else random_credentials(self._rng)
        gen = Generation(
            old.index + 1,
            ufrag,
            pwd,
            controlling=self._controlling,
            max_pairs=self.config.max_pairs,
        )
        gen.after_activity = self._state is not S.NEW
        self._generations.append(gen)
        self._failed = False
        if old.gathering_state is not IceGatheringState.NEW:
            self._start_gathering(now, gen)
        self._collect_relays(now)
        self._update_state(now, "ICE restart")

    def rollback_restart(self, now: float) -> bool:
        """Undo the newest restart while nobody has answered it (JSEP rollback).

        The previous generation comes back when it still exists (it carries data); True
        then. Otherwise the new generation stays: its credentials are what the next
        description must carry.
        """
        self._now = max(self._now, now)
        if self._closed or len(self._generations) < 2:
            return False
        current, previous = self._generations[-1], self._generations[-2]
        self._stop_checks(current)
        gatherer = self._gatherers.pop(current.local_ufrag, None)
        if gatherer is not None:
            gatherer.stop()
        self._generations.pop()
        if self._early_generation is current:
            # Its valid pair carried data because the old pair had gone silent: the old
            # generation's own valid pair takes over again (see _carry_data_on_restart).
            self._early = self._early_generation = self._consent = None
            self._events.append(SelectedPairChanged(None, None, "ICE restart rolled back", now))
        if previous.remote_ufrag is not None:
            self._old_remote_ufrags.discard(previous.remote_ufrag)
        if self._selected_generation is not previous:
            # Its pair carried data before nomination (RFC 8445 §12.1): checking and
            # nomination resume where the restart stopped them.
            previous.checks_stopped = False
            self._schedule_tick(now)
        self._update_state(now, "ICE restart rolled back")
        return True

    def set_role(self, controlling: bool) -> None:
        """Set the role from signalling (webrtc-pc §4.4.1.4: offerer controls)."""
        self._set_role(controlling)

    def _set_role(self, controlling: bool) -> None:
        if controlling == self._controlling:
            return
        self._controlling = controlling
        for gen in self._generations:
            gen.checklist.set_role(controlling)
            if not controlling and not gen.connected_once:
                # A nomination in flight belongs to the role we left (RFC 8445 §7.2.5.1).
                gen.nominated = False
                for pair in gen.checklist:
                    pair.nominating = False

    def close(self, now: float) -> None:
        """Stop everything; the state becomes closed (webrtc-pc §5.7.6). No more output."""
        self._now = max(self._now, now)
        if self._closed:
            return
        self._closed = True
        for gatherer in self._gatherers.values():
            gatherer.stop()
        self._gatherers.clear()
        self._checks.clear()
        self._consent_requests.clear()
        self._outbox.clear()
        self._selected = None
        self._early = self._early_generation = None
        self._consent = None
        self._next_tick = None
        # RFC 8656 §8: release every allocation (Refresh with LIFETIME 0); the caller keeps
        # feeding the servers' answers while relays_closing.
        for allocation in self._relays:
            self._relays.release(now, allocation)
        self._process_relays(now)
        self._set_state(now, S.CLOSED, "closed")

    # ------------------------------------------------------------------ outputs

    def next_event(self) -> IceEvent | None:
        return self._events.popleft() if self._events else None

    def datagrams_to_send(self, now: float) -> list[Datagram]:
        if self._relays:
            self._route_relayed(now)
        out = self._outbox.copy()
        self._outbox.clear()  # the same list: the gatherers hold its append
        return out

    def get_timer(self) -> float | None:
        """The next absolute time at which ``handle_timer`` must be called, or None."""
        relay_deadline = self._relays.deadline() if self._relays else None
        if self._closed:
            return relay_deadline
        deadlines: list[float] = []
        if relay_deadline is not None:
            deadlines.append(relay_deadline)
        if self._next_tick is not None:
            deadlines.append(self._next_tick)
        for check in self._checks.values():
            deadline = check.transaction.deadline
            if deadline is not None:
                deadlines.append(deadline)
        for gatherer in self._gatherers.values():
            deadline = gatherer.deadline()
            if deadline is not None:
                deadlines.append(deadline)
        consent = self._consent
        # Deadlines that only re-evaluate the state count while they lie ahead.
        evaluations: list[float] = []
        if consent is not None:
            deadlines.append(consent.next_request_at())
            deadlines.append(consent.expires_at())
            evaluations.append(consent.silent_at())
        gen = self._current
        if gen.first_valid_at is not None and not gen.nominated and self._controlling:
            evaluations.append(gen.first_valid_at + self.config.nomination_timeout)
        if gen.pac_started_at is not None:
            evaluations.append(gen.pac_started_at + self.config.pac_timeout)
        deadlines.extend(t for t in evaluations if t > self._now)
        return min(deadlines) if deadlines else None

    # ------------------------------------------------------------------ application data

    def send(self, now: float, data: bytes, route: tuple[Address, Address] | None = None) -> bool:
        """Queue application data on the selected pair; False (counted) when there is none.

        After consent expires nothing is sent (RFC 7675 §5.1): the pair is deselected then.
        ``route``: what :meth:`send_route` returned for this very datagram (which counted
        it), for an adapter that asked first.
        """
        if route is None:
            route = self.send_route(now, len(data))
            if route is None:
                return False
        self._outbox.append((data, route[0], route[1]))
        return True

    def send_route(self, now: float, size: int | None = None) -> tuple[Address, Address] | None:
        """(local, remote) to send application data on now, or None (counted) when no pair
        may carry data. The fast path of an adapter: it sends the bytes itself, with no
        queueing or allocation here. ``size``: the datagram's length, counted on the pair
        for statistics (the adapter must then send it)."""
        pair = self._selected if self._selected is not None else self._early
        if pair is None or self._consent is None:
            self._count("data_dropped_no_pair")
            return None
        if now >= self._consent.expires_at():
            self._count("data_dropped_no_consent")
            return None
        if size is not None:
            pair.packets_sent += 1
            pair.bytes_sent += size
            pair.last_sent_at = now
        return pair.key

    # ------------------------------------------------------------------ inputs: network

    def handle_datagram(
        self, now: float, data: bytes, local: Address, remote: Address
    ) -> bytes | None:
        """Process one received datagram; return it when it is application data to deliver.

        Datagrams from a TURN server over UDP go to its allocation; what the server relays
        from a peer is then processed as if it had arrived at the relayed address from the
        peer (application data from it is returned).
        """
        routes = self._relays.routes
        if routes:
            allocation = routes.get((local, remote))
            if allocation is not None and not _is_binding_response(data):
                self._now = max(self._now, now)
                allocation.client.handle_datagram(now, data)
                received = self._process_relays(now)
                if not self._closed:
                    self._update_state(now, "TURN")
                return received[0] if received else None
        return self._handle_datagram(now, data, local, remote)

    def _handle_datagram(
        self, now: float, data: bytes, local: Address, remote: Address
    ) -> bytes | None:
        """Process one datagram that arrived at ``local`` (a base) from ``remote``.

        STUN is consumed here. Other datagrams are returned only when they come over a pair
        the peer has authenticated (RFC 8445 §12.2): the selected pair, a pair of a live
        generation that succeeded or on which an authenticated check arrived (the peer may
        send on a pair it nominated before our own check of it is answered), or the pair a
        restart replaced, for a short grace period while its last datagrams are in flight.
        """
        self._now = max(self._now, now)
        if self._closed:
            return None
        if not is_stun(data):
            selected = self._selected
            if selected is not None and selected.key == (local, remote):
                selected.packets_received += 1
                selected.bytes_received += len(data)
                selected.last_received_at = now
                return data
            for gen in self._generations:
                pair = gen.checklist.find(local, remote)
                if pair is not None and (pair.state is PairState.SUCCEEDED or pair.authenticated):
                    pair.packets_received += 1
                    pair.bytes_received += len(data)
                    pair.last_received_at = now
                    return data
            retired_until = self._retired.get((local, remote))
            if retired_until is not None and now < retired_until:
                return data
            self._count("data_dropped_unknown_source")
            return None
        try:
            message = parse_message(data)
        except StunError:
            self._count("stun_malformed")
            return None
        if message.method != Method.BINDING:
            self._count("stun_unexpected_method")
            return None
        if message.message_class is MessageClass.REQUEST:
            self._handle_request(now, message, local, remote)
        elif message.message_class in (MessageClass.SUCCESS, MessageClass.ERROR):
            self._handle_response(now, message, local, remote)
        # Binding indications are keepalives (RFC 8445 §11): nothing to do.
        self._update_state(now, "STUN")
        return None

    def handle_timer(self, now: float) -> None:
        """Run everything that is due at ``now``."""
        self._now = max(self._now, now)
        if self._relays:
            self._relays.handle_timer(now)
            self._process_relays(now)
        if self._closed:
            return
        for gatherer in list(self._gatherers.values()):
            gatherer.handle_timer(now)
        self._run_check_timers(now)
        self._run_consent(now)
        self._carry_data_on_restart(now)
        if self._next_tick is not None and now >= self._next_tick:
            self._tick(now)
        self._maybe_nominate(now)
        self._update_state(now, "timer")

    # ------------------------------------------------------------------ pairing and checks

    def _pair_remote(self, now: float, gen: Generation, remote: Candidate) -> None:
        """Pair a remote candidate with every base (RFC 8445 §6.1.2.2, RFC 8838 §10)."""
        if remote.kind not in (AddressKind.IPV4, AddressKind.IPV6):
            self._count("remote_candidates_unresolved")  # mDNS/FQDN: the adapter resolves
            return
        if gen.checks_stopped:
            return
        for base in gen.bases.values():
            evicted = gen.checklist.evicted
            gen.checklist.add(base, remote)
            if gen.checklist.evicted != evicted:
                self._count("pairs_over_limit")  # §6.1.2.5: the lowest pending pair went
            if base.type is CandidateType.RELAY and (":" in base.address) == (
                ":" in remote.address
            ):
                # Ask for the permission now, so the peer's checks pass the TURN server
                # (RFC 8656 §9) before our first check to it does.
                allocation = self._relays.for_relayed(base.transport_address)
                if allocation is not None:
                    allocation.client.create_permission(now, remote.address)
        self._schedule_tick(now)

    def _schedule_tick(self, now: float) -> None:
        """Arm the Ta timer: the next check goes out no sooner than Ta after the previous
        one (RFC 8445 §6.1.4.2, §14.2), triggered checks included."""
        gen = self._current
        if self._next_tick is None and gen.has_remote_parameters and gen.checklist.has_work():
            self._next_tick = max(now, self._last_check_at + self.config.ta)

    def _tick(self, now: float) -> None:
        """One Ta tick: send at most one check (RFC 8445 §6.1.4.2, §14.2)."""
        gen = self._current
        self._next_tick = None
        if not gen.has_remote_parameters or self._failed:
            return
        if len(self._checks) >= self.config.max_transactions:
            self._count("checks_deferred_transaction_limit")
            self._next_tick = now + self.config.ta
            return
        pair = gen.checklist.next_check()
        if pair is not None:
            self._send_check(now, gen, pair)
            self._last_check_at = now
        if gen.checklist.has_work():
            self._next_tick = now + self.config.ta

    def _rto(self) -> float:
        """RFC 8445 §14.3: RTO = MAX(500 ms, Ta * (Waiting + In-Progress pairs))."""
        active = sum(g.checklist.active_count() for g in self._generations)
        return max(self.config.min_rto, self.config.ta * active)

    def _request(
        self, gen: Generation, pair: CandidatePair, tid: bytes, *, use_candidate: bool
    ) -> bytes:
        """A connectivity-check Binding request (RFC 8445 §7.2.2)."""
        assert gen.remote_ufrag is not None and gen.remote_pwd is not None
        attributes: dict[int, object] = {
            AttrType.USERNAME: f"{gen.remote_ufrag}:{gen.local_ufrag}",
            # §7.1.1: the priority a peer-reflexive candidate learned from this check gets.
            AttrType.PRIORITY: _prflx_priority(pair.local),
        }
        if self._controlling:
            attributes[AttrType.ICE_CONTROLLING] = self.tie_breaker
        else:
            attributes[AttrType.ICE_CONTROLLED] = self.tie_breaker
        if use_candidate:
            attributes[AttrType.USE_CANDIDATE] = None
        return StunMessage(
            method=Method.BINDING,
            message_class=MessageClass.REQUEST,
            transaction_id=tid,
            attributes=attributes,
        ).encode(gen.remote_pwd.encode(), fingerprint=True)

    def _send_check(self, now: float, gen: Generation, pair: CandidatePair) -> None:
        use_candidate = pair.nominating
        if pair.state is not PairState.SUCCEEDED:
            pair.state = PairState.IN_PROGRESS
        tid = self._rng.randbytes(12)
        request = self._request(gen, pair, tid, use_candidate=use_candidate)
        if pair.transaction_id is not None and pair.transaction_id in self._checks:
            self._checks[pair.transaction_id].cancelled = True
        pair.transaction_id = tid
        pair.requests_sent += 1
        self._checks[tid] = _Check(
            pair,
            gen,
            ClientTransaction(
                tid,
                request,
                now,
                rto=self._rto(),
                max_transmissions=self.config.check_transmissions,
                final_wait_factor=self.config.check_final_wait_factor,
            ),
            use_candidate,
            self._controlling,
        )
        self._outbox.append((request, pair.local.transport_address, pair.remote.transport_address))

    def _run_check_timers(self, now: float) -> None:
        for tid, check in list(self._checks.items()):
            result = check.transaction.handle_timer(now)
            if result is None:
                continue
            if result is TransactionTimer.RETRANSMIT and not check.cancelled:
                pair = check.pair
                self._outbox.append(
                    (
                        check.transaction.request,
                        pair.local.transport_address,
                        pair.remote.transport_address,
                    )
                )
            elif result is TransactionTimer.TIMEOUT:
                del self._checks[tid]
                if not check.cancelled and check.pair.transaction_id == tid:
                    self._check_failed(now, check, "no response (RFC 8489 §6.2.1 timeout)")

    def _stop_checks(self, gen: Generation) -> None:
        """Forget the checks of a generation that no longer checks."""
        for tid, check in list(self._checks.items()):
            if check.generation is gen:
                del self._checks[tid]

    def _use_early(self, now: float, pair: CandidatePair | None, reason: str) -> None:
        """Carry data on a valid pair before any nomination (RFC 8445 §12.1), with consent
        and liveness as for a selected pair (RFC 7675: its check was the first consent)."""
        self._early = pair
        self._early_generation = self._current if pair is not None else None
        self._consent_requests.clear()
        if pair is not None:
            self._current.connected_once = True
            self._consent = ConsentTimer(now, self.config, self._rng)
        else:
            self._consent = None
        local, remote = (pair.reported_local, pair.remote) if pair is not None else (None, None)
        self._events.append(SelectedPairChanged(local, remote, reason, now))

    def _carry_data_on_restart(self, now: float) -> None:
        """During an ICE restart whose old pair has gone silent (or lost consent), the new
        generation's first valid pair carries the data at once, as the first valid pair of
        a session does (RFC 8445 §12.1), instead of leaving the application without a path
        until the new generation nominates. While the old pair still answers, it carries the
        data until then (make before break)."""
        gen = self._current
        if not self._ever_selected or self._early is not None or self._selected_generation is gen:
            return
        selected, consent = self._selected, self._consent
        if selected is not None and (consent is None or not consent.is_silent(now)):
            return
        valid = gen.checklist.succeeded()
        if not valid:
            return
        if selected is not None:
            self._retire(now, selected)
            self._selected = self._selected_generation = None
        reason = "the restart's first valid pair carries data: the old pair is silent"
        self._use_early(now, valid[0], reason)

    def _check_failed(self, now: float, check: _Check, reason: str) -> None:
        pair = check.pair
        pair.nominating = False
        if pair.state is not PairState.SUCCEEDED or check.use_candidate:
            pair.state = PairState.FAILED
            pair.failed_reason = reason
            if pair is self._early:
                valid = self._current.checklist.succeeded()
                self._use_early(now, valid[0] if valid else None, f"early pair failed: {reason}")
        if check.use_candidate and check.generation is self._current:
            check.generation.nominated = False  # the nomination failed: another may be tried

    # ------------------------------------------------------------------ STUN requests

    def _generation_for_username(self, username: str | None) -> Generation | None:
        """RFC 8445 §7.3: USERNAME is "ourUfrag:theirUfrag"; ours picks the generation."""
        if username is None or ":" not in username:
            return None
        local_ufrag = username.split(":", 1)[0]
        for gen in reversed(self._generations):
            if gen.local_ufrag == local_ufrag:
                return gen
        return None

    def _handle_request(
        self, now: float, message: StunMessage, local: Address, remote: Address
    ) -> None:
        gen = self._answer_request(now, message, local, remote)
        if gen is not None:
            pair = gen.checklist.find(local, remote)
            if pair is not None:
                pair.requests_received += 1
                pair.responses_sent += 1

    def _answer_request(
        self, now: float, message: StunMessage, local: Address, remote: Address
    ) -> Generation | None:
        """Answer an authenticated request (and act on it); its generation, or None when it
        was dropped unanswered."""
        gen = self._generation_for_username(message.username)
        if gen is None or local not in gen.bases:
            self._count("stun_request_unknown_username")
            return None  # no response to an unauthenticated source: no amplification
        if not message.has_fingerprint or not message.verify_integrity(gen.local_pwd.encode()):
            self._count("stun_request_bad_integrity")
            return None
        key = gen.local_pwd.encode()
        if message.unknown_comprehension_required:
            # RFC 8489 §6.3.1.1: 420 with UNKNOWN-ATTRIBUTES.
            self._respond_error(
                message,
                key,
                local,
                remote,
                420,
                "Unknown Attribute",
                {AttrType.UNKNOWN_ATTRIBUTES: tuple(message.unknown_comprehension_required)},
            )
            return gen
        if self._role_conflict(now, message, key, local, remote):
            return gen
        response = StunMessage(
            method=Method.BINDING,
            message_class=MessageClass.SUCCESS,
            transaction_id=message.transaction_id,
            attributes={AttrType.XOR_MAPPED_ADDRESS: remote},
        ).encode(key, fingerprint=True)
        self._outbox.append((response, local, remote))
        renomination = gen is self._current and message.use_candidate and not self._controlling
        if self._failed:
            return gen  # §5.7.6: failed is terminal until a restart; answer, start nothing
        if gen.checks_stopped and not renomination:
            # An older generation (answer its consent checks, start nothing new), or checks
            # already concluded by a nomination.
            return gen
        self._triggered_check(now, gen, message, local, remote)
        return gen

    def _role_conflict(
        self, now: float, message: StunMessage, key: bytes, local: Address, remote: Address
    ) -> bool:
        """RFC 8445 §7.3.1.1; True when a 487 was sent and the request is done."""
        theirs_controlling = message.ice_controlling
        theirs_controlled = message.ice_controlled
        if self._controlling and theirs_controlling is not None:
            if self.tie_breaker >= theirs_controlling:
                self._respond_error(message, key, local, remote, 487, "Role Conflict")
                return True
            self._switch_role(False, "role conflict: peer is controlling with a larger tie-breaker")
        elif not self._controlling and theirs_controlled is not None:
            if self.tie_breaker >= theirs_controlled:
                self._switch_role(
                    True, "role conflict: peer is controlled with a smaller tie-breaker"
                )
            else:
                self._respond_error(message, key, local, remote, 487, "Role Conflict")
                return True
        return False

    def _switch_role(self, controlling: bool, reason: str) -> None:
        self._set_role(controlling)
        self._events.append(RoleChanged(self.role, reason))

    def _respond_error(
        self,
        request: StunMessage,
        key: bytes,
        local: Address,
        remote: Address,
        code: int,
        reason: str,
        extra: dict[int, object] | None = None,
    ) -> None:
        attributes: dict[int, object] = {AttrType.ERROR_CODE: ErrorCode(code, reason)}
        if extra:
            attributes.update(extra)
        response = StunMessage(
            method=Method.BINDING,
            message_class=MessageClass.ERROR,
            transaction_id=request.transaction_id,
            attributes=attributes,
        ).encode(key, fingerprint=True)
        self._outbox.append((response, local, remote))

    def _triggered_check(
        self, now: float, gen: Generation, message: StunMessage, local: Address, remote: Address
    ) -> None:
        """RFC 8445 §7.3.1.3 (peer-reflexive remote), §7.3.1.4 (triggered), §7.3.1.5."""
        remote_candidate = gen.remote_by_address(remote)
        if remote_candidate is None:
            if len(gen.remote_candidates) >= self.config.max_remote_candidates:
                self._count("remote_candidates_over_limit")
                return
            priority = message.priority
            if priority is None or not 1 <= priority < 2**31:
                priority = candidate_priority(CandidateType.PRFLX)
            remote_candidate = Candidate(
                foundation=f"prflx{len(gen.remote_candidates)}",
                component=1,
                transport="udp",
                priority=priority,
                address=remote[0],
                port=remote[1],
                type=CandidateType.PRFLX,
            )
            gen.remote_candidates.append(remote_candidate)
        pair = gen.checklist.find(local, remote)
        if pair is None:
            evicted = gen.checklist.evicted
            pair = gen.checklist.add(gen.bases[local], remote_candidate)
            if gen.checklist.evicted != evicted:
                self._count("pairs_over_limit")
            if pair is None:
                return
            gen.checklist.trigger(pair)
        elif pair.state is PairState.IN_PROGRESS:
            # §7.3.1.4: cancel the in-progress check and trigger a new one.
            if pair.transaction_id is not None and pair.transaction_id in self._checks:
                self._checks[pair.transaction_id].cancelled = True
            gen.checklist.trigger(pair)
        elif pair.state in (PairState.FROZEN, PairState.WAITING, PairState.FAILED):
            gen.checklist.trigger(pair)
        elif pair.nominating and pair.transaction_id in self._checks:
            # The peer's request shows the path works now: rather than wait for the next
            # exponential retransmission of our USE-CANDIDATE check, send it again at once as a
            # triggered check (§7.3.1.4's rule for in-progress checks). A response to the
            # earlier transaction still counts.
            self._checks[pair.transaction_id].cancelled = True
            gen.checklist.trigger_nomination(pair)
        pair.authenticated = True
        if message.use_candidate and not self._controlling:
            pair.remote_nominated = True
            if pair.state is PairState.SUCCEEDED:
                self._nominated(now, gen, pair, "peer nominated a valid pair (USE-CANDIDATE)")
        self._schedule_tick(now)

    # ------------------------------------------------------------------ STUN responses

    def _handle_response(
        self, now: float, message: StunMessage, local: Address, remote: Address
    ) -> None:
        tid = message.transaction_id
        for gatherer in self._gatherers.values():
            if gatherer.owns(tid):
                gatherer.handle_response(now, message, local, remote)
                return
        check = self._checks.get(tid)
        if check is not None:
            self._handle_check_response(now, check, message, local, remote)
            return
        consent = self._consent_requests.get(tid)
        if consent is not None:
            self._handle_consent_response(now, consent, message, local, remote)
            return
        self._count("stun_response_unknown_transaction")

    def _handle_check_response(
        self, now: float, check: _Check, message: StunMessage, local: Address, remote: Address
    ) -> None:
        gen, pair = check.generation, check.pair
        assert gen.remote_pwd is not None
        if not message.verify_integrity(gen.remote_pwd.encode()):
            self._count("stun_response_bad_integrity")
            return  # RFC 8445 §7.2.5.1: not authenticated, ignore it
        del self._checks[message.transaction_id]
        rtt = check.transaction.complete(now)
        if rtt is not None:
            pair.rtt = rtt
        pair.responses_received += 1
        # For totalRoundTripTime: after a retransmission (Karn: no RTT sample) the response
        # most likely answers the last transmission.
        pair.total_rtt += rtt if rtt is not None else now - check.transaction.last_transmission_at
        if pair.key != (local, remote):
            # RFC 8445 §7.2.5.2.1: non-symmetric transport addresses fail the check.
            self._check_failed(now, check, "response from a non-symmetric address")
            return
        if message.message_class is MessageClass.ERROR:
            error = message.error_code
            if error is not None and error.code == 487:
                # §7.2.5.1: switch to the role opposite the one of the request, and retry.
                if check.controlling == self._controlling:
                    self._switch_role(not check.controlling, "role conflict: 487 from peer")
                pair.nominating = False
                gen.checklist.trigger(pair)
                self._schedule_tick(now)
                return
            code = error.code if error else 0
            self._check_failed(now, check, f"error response {code}")
            return
        # §7.2.5.3: success.
        if check.generation.checks_stopped and gen is not self._selected_generation:
            return
        pair.state = PairState.SUCCEEDED
        pair.mapped = message.xor_mapped_address
        if pair.mapped is not None:
            pair.valid_local = self._learn_local_prflx(gen, pair, pair.mapped)
        if gen.first_valid_at is None:
            gen.first_valid_at = now
        gen.checklist.unfreeze_foundation(pair.foundation)
        if self._early is None and not self._ever_selected and gen is self._current:
            self._use_early(
                now, pair, "a valid pair carries data before nomination (RFC 8445 §12.1)"
            )
        self._carry_data_on_restart(now)
        if (pair is self._selected or pair is self._early) and self._consent is not None:
            self._consent.on_response(now)
        if check.use_candidate:
            pair.nominating = False
            self._nominated(now, gen, pair, "nomination succeeded (USE-CANDIDATE)")
        elif not self._controlling and pair.remote_nominated:
            self._nominated(now, gen, pair, "check succeeded on a pair the peer nominated")
        self._maybe_nominate(now)
        self._schedule_tick(now)

    def _learn_local_prflx(
        self, gen: Generation, pair: CandidatePair, mapped: Address
    ) -> Candidate | None:
        """The local candidate of the valid pair (RFC 8445 §7.2.5.3.2) for ``mapped``.

        §7.2.5.3.1: a mapped address that is no local candidate is a peer-reflexive local
        candidate, with the priority our request carried. It is not signalled (webrtc-pc
        never surfaces prflx candidates) but is reported with the pair and in statistics.
        """
        for known in (*gen.local_candidates, *gen.local_prflx):
            if known.transport_address == mapped:
                return known
        if len(gen.local_prflx) >= self.config.max_remote_candidates:
            self._count("local_prflx_over_limit")
            return None
        base = pair.local
        candidate = Candidate(
            foundation=compute_foundation(CandidateType.PRFLX, base.address, "udp"),
            component=base.component,
            transport="udp",
            priority=_prflx_priority(base),
            address=mapped[0],
            port=mapped[1],
            type=CandidateType.PRFLX,
            related_address=base.address,
            related_port=base.port,
            ufrag=gen.local_ufrag,
        )
        gen.local_prflx.append(candidate)
        return candidate

    def _handle_consent_response(
        self,
        now: float,
        request: tuple[CandidatePair, float],
        message: StunMessage,
        local: Address,
        remote: Address,
    ) -> None:
        pair, sent_at = request
        gen = self._selected_generation
        if gen is None or pair is not self._selected or gen.remote_pwd is None:
            return
        if not message.verify_integrity(gen.remote_pwd.encode()) or pair.key != (local, remote):
            self._count("stun_response_bad_integrity")
            return
        del self._consent_requests[message.transaction_id]
        pair.responses_received += 1
        pair.rtt = now - sent_at
        pair.total_rtt += pair.rtt
        if message.message_class is MessageClass.SUCCESS and self._consent is not None:
            self._consent.on_response(now)

    # ------------------------------------------------------------------ nomination

    def _maybe_nominate(self, now: float) -> None:
        """Regular nomination by the controlling agent (RFC 8445 §8.1.1)."""
        gen = self._current
        if not self._controlling or gen.nominated or gen.checks_stopped:
            return
        valid = gen.checklist.succeeded()
        if not valid:
            return
        best = valid[0]
        best_priority = best.priority(True)
        timed_out = (
            gen.first_valid_at is not None
            and now >= gen.first_valid_at + self.config.nomination_timeout
        )
        if gen.checklist.pending_above(best_priority) and not timed_out:
            return
        gen.nominated = True
        best.nominating = True
        gen.checklist.trigger_nomination(best)
        self._schedule_tick(now)

    def _nominated(self, now: float, gen: Generation, pair: CandidatePair, reason: str) -> None:
        """A pair is nominated: select it (RFC 8445 §8.1.1, §8.2, §8.3)."""
        pair.nominated = True
        if gen is not self._current or self._failed:
            return
        current = self._selected
        if current is pair:
            return
        if (
            current is not None
            and self._selected_generation is gen
            and self._consent is not None
            and not self._consent.is_silent(now)
            and current.priority(self._controlling) >= pair.priority(self._controlling)
        ):
            # A second nomination in the same generation: RFC 5245 aggressive nomination
            # keeps the highest-priority nominated pair; a peer that renominates (as
            # libwebrtc does when its pair fails) is followed once the current pair is silent.
            return
        previous_generation = self._selected_generation
        if current is not None:
            self._retire(now, current)
        early, self._early, self._early_generation = self._early, None, None
        self._selected = pair
        self._ever_selected = True
        self._selected_generation = gen
        self._consent = ConsentTimer(now, self.config, self._rng)
        self._consent_requests.clear()
        if previous_generation is not gen:
            # The generation that carried data before (selected, or the early pair's after
            # a restart) is done: only the new one remains.
            self._generations = [g for g in self._generations if g is gen]
        gen.checks_stopped = True
        gen.connected_once = True
        gen.checklist.clear_triggered()
        self._conclude_checks(gen, pair)
        self._collect_relays(now)
        if early is not pair:  # the early pair, when nominated, was reported already
            self._events.append(SelectedPairChanged(pair.reported_local, pair.remote, reason, now))

    def _retire(self, now: float, pair: CandidatePair) -> None:
        """Keep accepting data from a replaced pair for a moment (datagrams in flight)."""
        self._retired = {k: t for k, t in self._retired.items() if t > now}
        if len(self._retired) < _RETIRED_MEMORY:
            self._retired[pair.key] = now + self.config.retired_pair_grace

    def _conclude_checks(self, gen: Generation, selected: CandidatePair) -> None:
        """RFC 8445 §8.1.2: once a pair is nominated, the remaining pairs are not checked.

        Waiting and Frozen pairs are removed from consideration and in-progress checks stop
        retransmitting. RFC 8445 lets in-progress checks of *higher* priority run on, but only
        one pair may ever be nominated per session (§8.1.1), so their outcome cannot change
        the selection; they are abandoned too, which lets the state reach "completed".
        """
        for pair in gen.checklist:
            if pair is selected or pair.state in (PairState.SUCCEEDED, PairState.FAILED):
                continue
            if pair.state is PairState.IN_PROGRESS:
                pair.failed_reason = "check abandoned: another pair was nominated"
                if pair.transaction_id is not None and pair.transaction_id in self._checks:
                    self._checks[pair.transaction_id].cancelled = True
            else:
                pair.failed_reason = "not checked: another pair was nominated"
            pair.state = PairState.FAILED

    # ------------------------------------------------------------------ consent

    def _run_consent(self, now: float) -> None:
        pair, consent, gen = self._selected, self._consent, self._selected_generation
        if pair is None:
            pair, gen = self._early, self._early_generation
        if pair is None or consent is None or gen is None:
            return
        if consent.is_expired(now):
            self._lose_consent(now, gen, pair)
            return
        if now >= consent.next_request_at() and gen.remote_pwd is not None:
            tid = self._rng.randbytes(12)
            request = self._request(gen, pair, tid, use_candidate=False)
            self._consent_requests[tid] = (pair, now)
            pair.requests_sent += 1
            pair.consent_requests_sent += 1
            while len(self._consent_requests) > _CONSENT_MEMORY:
                self._consent_requests.popitem(last=False)
            consent.on_request_sent(now)
            self._outbox.append(
                (request, pair.local.transport_address, pair.remote.transport_address)
            )

    def _lose_consent(self, now: float, gen: Generation, pair: CandidatePair) -> None:
        """RFC 7675 §5.1: consent expired; stop sending on the pair and deselect it."""
        self._selected = None
        self._selected_generation = None
        self._early = self._early_generation = None
        self._consent = None
        self._consent_requests.clear()
        for other in gen.checklist.succeeded():
            other.state = PairState.FAILED
            other.failed_reason = "consent expired (RFC 7675)"
        if gen is not self._current:
            self._generations = [g for g in self._generations if g is not gen]
        else:
            # The generation checks again: candidates trickled from now on are paired, and
            # a pair that succeeds may be nominated (webrtc-pc §5.7.6 "disconnected ...
            # waiting for additional remote candidates").
            gen.checks_stopped = False
            gen.nominated = False
            gen.first_valid_at = None
        self._events.append(SelectedPairChanged(None, None, "consent expired (RFC 7675 §5.1)", now))
        self._update_state(now, "consent expired (RFC 7675 §5.1)")

    # ------------------------------------------------------------------ TURN relays

    @property
    def relays_closing(self) -> bool:
        """After :meth:`close`: some TURN allocation still waits for its Refresh 0 answer."""
        return self._relays.closing

    @property
    def allocations(self) -> list[Allocation]:
        """The TURN allocations (for statistics and tests)."""
        return list(self._relays)

    def turn_server_resolved(self, now: float, server: TurnServer | None) -> None:
        """A TURN server announced to :meth:`gather` as unresolved (counted in its
        ``unresolved_servers``) resolved to ``server`` (None: it did not)."""
        self._now = max(self._now, now)
        if self._closed:
            return
        gatherer = self._gatherers.get(self._current.local_ufrag)
        if server is not None and server not in self._turn_servers:
            self._turn_servers.append(server)
            if (
                gatherer is not None
                and self._current.gathering_state is IceGatheringState.GATHERING
            ):
                relays = self._relay_requests([server])
                gatherer.expect_relays(len(relays))
                self._request_relays(now, self._current, gatherer, relays)
        if gatherer is not None:
            gatherer.server_resolved(now, None)
        self._update_state(now, "TURN server resolved")

    def turn_stream_connected(self, now: float, stream_id: int) -> None:
        """The TCP/TLS connection of a :class:`TurnConnectionRequested` is up."""
        self._now = max(self._now, now)
        allocation = self._relays.for_stream(stream_id)
        if allocation is None or allocation.client.state is not TurnState.NEW:
            return
        allocation.client.allocate(now)
        self._process_relays(now)

    def handle_turn_stream_data(self, now: float, stream_id: int, data: bytes) -> list[bytes]:
        """Bytes from a TURN server's TCP/TLS connection; returns the application data
        relayed from peers in them."""
        self._now = max(self._now, now)
        allocation = self._relays.for_stream(stream_id)
        if allocation is None:
            self._count("turn_stream_data_unknown_stream")
            return []
        allocation.client.handle_stream_data(now, data)
        received = self._process_relays(now)
        if not self._closed:
            self._update_state(now, "TURN")
        return received

    def turn_stream_closed(self, now: float, stream_id: int, reason: str) -> None:
        """A TURN server's TCP/TLS connection failed or closed (its allocation is gone)."""
        self._now = max(self._now, now)
        allocation = self._relays.for_stream(stream_id)
        if allocation is None:
            return
        allocation.client.connection_lost(now, reason)
        self._process_relays(now)
        if not self._closed:
            self._update_state(now, "TURN")

    def turn_stream_data_to_send(self) -> list[tuple[int, bytes]]:
        """Bytes for the TURN servers' TCP/TLS connections: (stream id, bytes). Take them
        after :meth:`datagrams_to_send`."""
        out, self._relays.stream_out = self._relays.stream_out, []
        return out

    def _relay_requests(
        self, servers: Sequence[TurnServer]
    ) -> list[tuple[Address, int, TurnServer]]:
        """(host base, server index, server) for each relayed candidate to gather: one
        per TURN server and host address of the same family (RFC 8445 §5.1.1.2)."""
        requests: list[tuple[Address, int, TurnServer]] = []
        seen: set[tuple[Address, Address, str]] = set()
        for server in self._turn_servers:
            # One allocation per 5-tuple: the same server listed twice (another URL form,
            # other credentials) would collide with the first on the same socket.
            for base in self._hosts:
                if (":" in base[0]) == (":" in server.host):
                    route = (base, server.address, server.transport)
                    if route in seen:
                        continue
                    seen.add(route)
                    if server in servers:
                        requests.append((base, self._turn_servers.index(server), server))
        return requests

    def _request_relays(
        self,
        now: float,
        gen: Generation,
        gatherer: Gatherer,
        requests: list[tuple[Address, int, TurnServer]],
    ) -> None:
        for base, index, server in requests:
            allocation = self._relays.request(now, base, server, index, gen.local_ufrag)
            if allocation.relayed is not None:  # kept from an earlier generation
                self._add_relay(now, gen, allocation)
                gatherer.relay_done()
        self._process_relays(now)

    def _add_relay(self, now: float, gen: Generation, allocation: Allocation) -> None:
        gatherer = self._gatherers.get(gen.local_ufrag)
        if gatherer is None or gen is not self._current:
            return
        host_index = self._hosts.index(allocation.base) if allocation.base in self._hosts else 0
        gatherer.add_relay(allocation.candidate(gen.local_ufrag, host_index))
        for remote in gen.remote_candidates:
            self._pair_remote(now, gen, remote)

    def _route_relayed(self, now: float) -> None:
        """Hand datagrams "sent from" relayed addresses to their TURN clients."""
        by_relayed = {a.client.relayed_address: a for a in self._relays if a.client.relayed_address}
        if by_relayed:
            kept: list[Datagram] = []
            for item in self._outbox:
                allocation = by_relayed.get(item[1])
                if allocation is None:
                    kept.append(item)
                elif not allocation.client.send(now, item[2], item[0]):
                    self._count("relay_send_dropped")
            self._outbox[:] = kept
        self._process_relays(now)

    def _process_relays(self, now: float) -> list[bytes]:
        """Collect the allocations' output and act on their events; returns application
        data relayed from peers."""
        datagrams, events = self._relays.drain()
        self._outbox.extend(datagrams)
        received: list[bytes] = []
        for allocation, event in events:
            if isinstance(event, DataReceived):
                relayed = allocation.client.relayed_address
                if relayed is not None:
                    data = self._handle_datagram(now, event.data, relayed, event.peer)
                    if data is not None:
                        received.append(data)
            elif isinstance(event, AllocationSucceeded):
                self._relay_outcome(now, allocation, added=True)
            elif isinstance(event, AllocationFailed | AllocationLost):
                self._count("turn_allocation_failures")
                self._relay_error(allocation, event.error_code, event.error_text)
                self._relay_outcome(now, allocation, added=False)
                self._relays.remove(allocation)
            elif isinstance(event, AllocationClosed):
                self._relays.remove(allocation)
            elif isinstance(event, PermissionFailed):
                self._count("turn_permission_failures")
                self._relay_error(allocation, event.error_code, event.error_text)
            elif isinstance(event, ChannelBindFailed):
                self._count("turn_channel_bind_failures")
                self._relay_error(allocation, event.error_code, event.error_text)
        if self._relays.requests:
            self._events.extend(self._relays.requests)
            self._relays.requests.clear()
        return received

    def _relay_outcome(self, now: float, allocation: Allocation, *, added: bool) -> None:
        """An allocation some generations waited for succeeded (or failed)."""
        waiting, allocation.waiting = allocation.waiting, []
        for ufrag in waiting:
            gatherer = self._gatherers.get(ufrag)
            if gatherer is None:
                continue
            if added and ufrag == self._current.local_ufrag:
                self._add_relay(now, self._current, allocation)
            gatherer.relay_done()

    def _relay_error(self, allocation: Allocation, code: int, text: str) -> None:
        """Every TURN failure is an icecandidateerror (webrtc-pc §4.8.2), never silence."""
        if self._closed:
            return
        self._events.append(
            CandidateGatheringError(
                allocation.error_base, allocation.server.address, code, text, allocation.server.url
            )
        )

    def _collect_relays(self, now: float) -> None:
        """Release allocations that neither the current generation asks for nor any live
        generation uses as a base (ICE restart keeps the healthy ones, RFC 8445 §9)."""
        if not self._relays:
            return
        gen = self._current
        wanted: set[tuple[Address, TurnServer]] = set()
        if gen.gathering_state is not IceGatheringState.NEW:
            wanted = {
                (base, server) for base, _, server in self._relay_requests(self._turn_servers)
            }
        for allocation in self._relays:
            if allocation.key in wanted or allocation.client.state is TurnState.CLOSING:
                continue
            relayed = allocation.client.relayed_address
            if relayed is not None and any(relayed in g.bases for g in self._generations):
                continue
            self._relays.release(now, allocation)
        self._process_relays(now)

    # ------------------------------------------------------------------ state

    def _compute_state(self, now: float) -> tuple[IceTransportState, str]:
        """RTCIceTransportState from the agent's facts (webrtc-pc §5.7.6)."""
        if self._closed:
            return S.CLOSED, "closed"
        if self._failed:
            return S.FAILED, "failed"
        gen = self._current
        cfg = self.config
        consent, selected_gen = self._consent, self._selected_generation
        if consent is not None and selected_gen is not None:
            silent = consent.is_silent(now)
            if selected_gen is not gen:
                # A restart is under way and the old pair still carries data; a restart
                # "forgets" a loss of connectivity (§5.7.6 examples: disconnected -> checking).
                if silent:
                    return S.CHECKING, "restart: previous pair silent, checking new pairs"
                return S.CONNECTED, "restart: previous pair carries data"
            if silent:
                return S.DISCONNECTED, "no response on the selected pair"
            if (
                gen.remote_end_of_candidates
                and gen.gathering_complete
                and not gen.checklist.pending()
            ):
                return S.COMPLETED, "all checks done, end-of-candidates both ways"
            return S.CONNECTED, "a pair is selected"
        ended = gen.gathering_complete and gen.remote_end_of_candidates
        give_up = ended and (not gen.local_candidates or gen.pac_expired(now, cfg.pac_timeout))
        if self._early is not None:
            # webrtc-pc §5.7.6 "found a usable connection": RFC 8445 §12.1 lets data use a
            # valid pair before nomination, and this agent does (see send_route).
            if consent is not None and consent.is_silent(now):
                return S.DISCONNECTED, "no response on the pair in use (not yet nominated)"
            return S.CONNECTED, "a valid pair carries data; waiting for nomination"
        if gen.checklist.pending():
            return S.CHECKING, "checking pairs"
        if gen.checklist.succeeded():
            return S.CHECKING, "a pair succeeded; waiting for nomination"
        if len(gen.checklist) == 0:
            if give_up:
                return S.FAILED, "no candidate pairs"
            if (gen.remote_candidates and gen.local_candidates) or gen.after_activity:
                return S.CHECKING, "waiting for usable candidates"
            return S.NEW, "waiting for remote candidates"
        # Every pair has been checked and none carries data.
        if give_up:
            return S.FAILED, "all pairs failed or lost consent (PAC timer expired)"
        if ended and not gen.connected_once:
            return S.CHECKING, "all pairs failed; waiting for the PAC timer (RFC 8863)"
        if ended:
            return S.DISCONNECTED, "consent lost; waiting for the PAC timer (RFC 8863)"
        return S.DISCONNECTED, "all pairs failed; waiting for more candidates"

    def _update_state(self, now: float, trigger: str) -> None:
        """Re-derive the state; a change is reported with what the state means now and,
        unless it is a routine timer or packet, what triggered it."""
        new, why = self._compute_state(now)
        if new is not self._state:
            reason = why if trigger in ("timer", "STUN") else f"{why}; {trigger}"
            self._set_state(now, new, reason)

    def _set_state(self, now: float, new: IceTransportState, reason: str) -> None:
        old = self._state
        if not is_allowed_transition(old, new) and is_allowed_transition(old, S.CHECKING):
            # e.g. new -> connected within one input: pass through checking, as §5.7.6 orders.
            self._state = S.CHECKING
            self._events.append(StateChanged(old, S.CHECKING, reason, now))
            old = S.CHECKING
        self._state = new
        if new is S.FAILED:
            self._failed = True
        self._events.append(StateChanged(old, new, reason, now))
