"""ICE agents on simulated hosts, with simulated signalling between them.

:class:`IceEndpoint` owns an :class:`~rtcpeer.ice.IceAgent` on a simulated
:class:`~rtcpeer.testing.Host`: it binds one socket per interface, arms the agent's timer on
the network's virtual clock, sends what the agent wants sent, and records every event with
its time. :class:`Signalling` carries credentials, trickled candidates, end-of-candidates and
restarts between two endpoints with a configurable delay, as an application's signalling
channel would.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rtcpeer.ice import (
    Candidate,
    EndOfLocalCandidates,
    IceAgent,
    IceConfig,
    IceEvent,
    IceTransportState,
    LocalCandidateGathered,
    SelectedPairChanged,
    StateChanged,
)
from rtcpeer.testing.host import Host, SimSocket
from rtcpeer.testing.network import SimNetwork, TimerHandle

Address = tuple[str, int]


@dataclass
class Received:
    """One application datagram delivered to an endpoint."""

    at: float
    data: bytes
    remote: Address


class IceEndpoint:
    """An ICE agent on a simulated host, driven by the simulated network's clock."""

    def __init__(
        self,
        network: SimNetwork,
        host: Host,
        *,
        controlling: bool,
        name: str | None = None,
        config: IceConfig | None = None,
        stun_servers: Sequence[Address] = (),
        port: int = 0,
        seed: int | None = None,
    ) -> None:
        self.network = network
        self.host = host
        self.name = name or host.name
        rng = random.Random(seed if seed is not None else network.rng.getrandbits(64))
        self.agent = IceAgent(controlling=controlling, rng=rng, config=config)
        self.stun_servers = list(stun_servers)
        self.port = port
        self.sockets: dict[Address, SimSocket] = {}
        #: Every event with the time it was reported.
        self.events: list[tuple[float, IceEvent]] = []
        self.received: list[Received] = []
        self.listeners: list[Callable[[IceEvent], None]] = []
        self._timer: TimerHandle | None = None
        self._timer_at: float | None = None

    # -- facts for tests ----------------------------------------------------------------

    @property
    def state(self) -> IceTransportState:
        return self.agent.state

    @property
    def state_history(self) -> list[tuple[float, IceTransportState]]:
        """(time, new state) for every transport state change."""
        return [(t, e.new) for t, e in self.events if isinstance(e, StateChanged)]

    @property
    def states(self) -> list[IceTransportState]:
        return [s for _, s in self.state_history]

    def first_time(self, state: IceTransportState, after: float = 0.0) -> float | None:
        for t, s in self.state_history:
            if s is state and t >= after:
                return t
        return None

    @property
    def selected_pairs(self) -> list[tuple[float, SelectedPairChanged]]:
        return [(t, e) for t, e in self.events if isinstance(e, SelectedPairChanged)]

    # -- driving ------------------------------------------------------------------------

    def start(self) -> None:
        """Bind a socket on every interface of the host and start gathering."""
        now = self.network.now
        addresses = self._bind_all()
        self.agent.gather(now, addresses, self.stun_servers)
        self._pump()

    def _bind_all(self, only: Sequence[str] | None = None) -> list[Address]:
        addresses: list[Address] = []
        for interface in self.host.interfaces:
            if not interface.up or (only is not None and interface.name not in only):
                continue
            existing = [a for a in self.sockets if a[0] == interface.ip]
            if existing:
                addresses.append(existing[0])
                continue
            sock = self.host.bind((interface.ip, self.port), self._on_datagram)
            self.sockets[sock.local_address] = sock
            addresses.append(sock.local_address)
        return addresses

    def restart(
        self, *, rebind: bool = False, interfaces: Sequence[str] | None = None, pump: bool = True
    ) -> None:
        """restartIce(): a new generation. ``rebind`` re-reads the host's addresses first
        (after the host moved to another network); ``interfaces`` (names) limits gathering
        to those. With ``pump`` False the agent's output waits for :meth:`pump` (so
        signalling can send the new credentials first). Sockets of the old generation stay
        open while their addresses exist, so its pair keeps carrying data."""
        now = self.network.now
        hosts: list[Address] | None = None
        if rebind or interfaces is not None:
            for address, sock in list(self.sockets.items()):
                if sock.closed or not any(i.ip == address[0] for i in self.host.interfaces):
                    sock.close()
                    del self.sockets[address]
            hosts = self._bind_all(interfaces)
        self.agent.restart(now, host_addresses=hosts)
        if pump:
            self._pump()

    def send(self, data: bytes) -> bool:
        ok = self.agent.send(self.network.now, data)
        self._pump()
        return ok

    def close(self) -> None:
        self.agent.close(self.network.now)
        self._pump()
        for sock in self.sockets.values():
            sock.close()

    def set_remote_credentials(
        self, ufrag: str, pwd: str, *, offer: bool = True, pump: bool = True
    ) -> bool:
        restarted = self.agent.set_remote_credentials(self.network.now, ufrag, pwd, offer=offer)
        if pump:
            self._pump()
        return restarted

    def pump(self) -> None:
        self._pump()

    def add_remote_candidate(self, candidate: Candidate | None, ufrag: str | None) -> None:
        self.agent.add_remote_candidate(self.network.now, candidate, ufrag)
        self._pump()

    def _on_datagram(self, data: bytes, local: Address, remote: Address) -> None:
        now = self.network.now
        app = self.agent.handle_datagram(now, data, local, remote)
        if app is not None:
            self.received.append(Received(now, app, remote))
        self._pump()

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        self.agent.handle_timer(self.network.now)
        self._pump()

    def _pump(self) -> None:
        """Send what the agent queued, deliver its events, and re-arm its timer."""
        now = self.network.now
        for data, local, remote in self.agent.datagrams_to_send(now):
            sock = self.sockets.get(local)
            if sock is not None and not sock.closed:
                sock.send(data, remote)
        while (event := self.agent.next_event()) is not None:
            self.events.append((now, event))
            for listener in list(self.listeners):
                listener(event)
        deadline = self.agent.get_timer()
        if deadline == self._timer_at:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_at = deadline
        if deadline is not None:
            self._timer = self.network.call_at(max(deadline, now), self._on_timer)


@dataclass
class Signalling:
    """Carries ICE parameters and trickled candidates between two endpoints.

    ``delay`` is the one-way signalling latency. Candidates pass through their SDP text
    (``Candidate.to_sdp`` / ``from_sdp``), as they would over a real signalling channel.
    """

    a: IceEndpoint
    b: IceEndpoint
    delay: float = 0.05
    #: A predicate: True drops that endpoint's candidate (a lost or late signalling message).
    drop_candidates: Callable[[IceEndpoint, Candidate], bool] | None = None
    #: Names of endpoints whose end-of-candidates is never signalled.
    hold_end_of_candidates: set[str] = field(default_factory=set)
    #: Endpoints whose offer has not been answered yet (JSEP: one exchange at a time).
    _awaiting_answer: set[str] = field(default_factory=set)
    #: Restarts asked for while the endpoint's previous offer was unanswered.
    _deferred: dict[str, tuple[bool, Sequence[str] | None]] = field(default_factory=dict)
    messages: int = 0

    def __post_init__(self) -> None:
        self.a.listeners.append(lambda e: self._on_event(self.a, self.b, e))
        self.b.listeners.append(lambda e: self._on_event(self.b, self.a, e))

    def connect(self) -> None:
        """Start both endpoints and exchange their credentials: ``a`` offers, ``b``
        answers (sent at once rather than on receipt, to keep scenarios short)."""
        self.a.start()
        self.b.start()
        self._send_credentials(self.a, self.b, offer=True)
        self._send_credentials(self.b, self.a, offer=False)

    def restart(
        self,
        endpoint: IceEndpoint,
        *,
        rebind: bool = False,
        interfaces: Sequence[str] | None = None,
    ) -> None:
        """``endpoint`` restarts ICE and signals its new credentials (a restarting offer);
        the peer restarts on receipt and answers with its own. As in JSEP, an endpoint
        whose previous offer is unanswered makes its new offer when the answer arrives."""
        if endpoint.name in self._awaiting_answer:
            self._deferred[endpoint.name] = (rebind, interfaces)
            return
        # The restarting offer goes out before the candidates of the new generation.
        endpoint.restart(rebind=rebind, interfaces=interfaces, pump=False)
        self._send_credentials(endpoint, self.b if endpoint is self.a else self.a, offer=True)
        endpoint.pump()

    def _send_credentials(self, src: IceEndpoint, dst: IceEndpoint, *, offer: bool) -> None:
        ufrag, pwd = src.agent.local_ufrag, src.agent.local_pwd
        if offer:
            self._awaiting_answer.add(src.name)

        def deliver() -> None:
            if dst.set_remote_credentials(ufrag, pwd, offer=offer, pump=False):
                # dst restarted because of our restart: its answer carries new credentials,
                # and goes out before its new candidates.
                self._send_credentials(dst, src, offer=False)
            dst.pump()
            # An answer (or, in glare, the peer's own offer) ends dst's exchange.
            self._awaiting_answer.discard(dst.name)
            deferred = self._deferred.pop(dst.name, None)
            if deferred is not None:
                self.restart(dst, rebind=deferred[0], interfaces=deferred[1])

        self._later(deliver)

    def _on_event(self, src: IceEndpoint, dst: IceEndpoint, event: IceEvent) -> None:
        if isinstance(event, LocalCandidateGathered):
            if self.drop_candidates is not None and self.drop_candidates(src, event.candidate):
                return
            text, ufrag = event.candidate.to_sdp(), event.ufrag
            self._later(lambda: dst.add_remote_candidate(Candidate.from_sdp(text), ufrag))
        elif isinstance(event, EndOfLocalCandidates):
            if src.name in self.hold_end_of_candidates:
                return
            ufrag = event.ufrag
            self._later(lambda: dst.add_remote_candidate(None, ufrag))

    def _later(self, action: Callable[[], None]) -> None:
        self.messages += 1
        self.a.network.call_later(self.delay, action)
