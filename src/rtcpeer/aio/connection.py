"""The asyncio ICE transport: real UDP sockets and timers around the sans-IO agent.

:class:`IceConnection` owns one UDP socket per local address, arms ``loop.call_at`` from the
agent's ``get_timer()``, sends what the agent queues, and turns the agent's events into
callbacks and awaitables. It holds no protocol logic: everything ICE decides is decided by
:class:`~rtcpeer.ice.IceAgent`, exactly as in the simulator.

Application data takes a short path both ways: a received datagram that is not STUN goes
from the socket to ``on_data`` with no copy and no queueing, and :meth:`IceConnection.send`
asks the agent for the route and writes to the socket directly.

TURN (RFC 8656): over UDP the agent's TURN clients share the host sockets; TCP and TLS
connections to TURN servers are :class:`~rtcpeer.aio.turn_streams.TurnStream` objects,
opened when the agent asks (``TurnConnectionRequested``). A pair whose local candidate is
relayed sends through the agent (which hands the data to its TURN client).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from rtcpeer.aio.addresses import host_addresses
from rtcpeer.aio.mdns import MdnsResolver
from rtcpeer.aio.stun_servers import literal_address, parse_stun_server, resolve
from rtcpeer.aio.timer import DeadlineTimer
from rtcpeer.aio.turn_streams import TurnStream
from rtcpeer.aio.udp import DatagramSocket, open_udp_socket
from rtcpeer.ice import (
    Candidate,
    CandidateGatheringError,
    IceAgent,
    IceConfig,
    IceEvent,
    IceTransportState,
    StateChanged,
    TurnConnectionReleased,
    TurnConnectionRequested,
    TurnServer,
)

logger = logging.getLogger("rtcpeer.ice")
Address = tuple[str, int]
S = IceTransportState


class IceConnection:
    """An ICE transport over real UDP sockets, driven by asyncio.

    ``addresses`` restricts the host addresses (see :func:`~rtcpeer.aio.host_addresses`;
    default: ``RTCPEER_ICE_ADDRESSES`` or every usable interface). ``stun_servers`` are
    ``stun:`` URLs, ``host:port`` strings or (host, port) tuples; names resolve in the
    background and never delay the host candidates.

    ``turn_servers`` are :class:`~rtcpeer.ice.TurnServer` entries whose host may be a name
    (resolved in the background, like STUN servers); ``relay_only`` is iceTransportPolicy
    "relay"; ``tls_ca_file`` verifies ``turns:`` servers against that CA bundle instead of
    the system's trust store.

    Callbacks (all optional): ``on_candidate(candidate, ufrag)`` for each local candidate
    and ``(None, ufrag)`` at the end of a generation's gathering; ``on_state(state)``;
    ``on_event(event)`` for every agent event; ``on_data(data)`` for application data
    (without it, data waits for :meth:`recv`).
    """

    def __init__(
        self,
        *,
        controlling: bool,
        stun_servers: Sequence[str | Address] = (),
        addresses: Sequence[str] | None = None,
        config: IceConfig | None = None,
        rng: random.Random | None = None,
        port: int = 0,
        turn_servers: Sequence[TurnServer] = (),
        relay_only: bool = False,
        tls_ca_file: str | None = None,
    ) -> None:
        self.agent = IceAgent(controlling=controlling, rng=rng, config=config)
        self._stun_servers = [parse_stun_server(s) for s in stun_servers]
        self._turn_servers = list(turn_servers)
        self._relay_only = relay_only
        self._tls_ca_file = tls_ca_file
        #: Servers and policy set by :meth:`set_ice_servers`, applied at the next restart.
        self._next_servers: tuple[list[tuple[str, int]], list[TurnServer], bool] | None = None
        self._turn_streams: dict[int, TurnStream] = {}
        self._relays_closed: asyncio.Future[None] | None = None
        self._addresses = addresses
        self._port = port
        self._sockets: dict[Address, DatagramSocket] = {}
        self._timer = DeadlineTimer(self._on_timer)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._state_waiters: list[tuple[frozenset[S], asyncio.Future[S]]] = []
        #: Application data for :meth:`recv`, created on first use: a peer connection sets
        #: ``on_data`` and never needs it (an asyncio.Queue is ~3 KiB: four deques, an Event).
        self._received: asyncio.Queue[bytes] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.on_candidate: Callable[[Candidate | None, str], None] | None = None
        self.on_state: Callable[[IceTransportState], None] | None = None
        self.on_event: Callable[[IceEvent], None] | None = None
        self.on_data: Callable[[bytes], None] | None = None
        #: Resolved STUN server address -> the (host, port) it was configured as.
        self.server_names: dict[Address, tuple[str, int]] = {}
        #: How long a remote ``.local`` name may take to resolve.
        self.mdns_timeout = 2.0
        #: How long close() waits for TURN servers to confirm the release of allocations.
        self.relay_close_timeout = 1.0
        self._mdns: MdnsResolver | None = None
        #: (remote ufrag, candidates) signalled for that remote generation, as given to
        #: add_remote_candidate (webrtc-pc getRemoteCandidates).
        self._signalled: tuple[str | None, list[Candidate]] = (None, [])
        self._resolving = 0
        self._held_end_of_candidates: list[str | None] = []

    # ------------------------------------------------------------------ properties

    @property
    def state(self) -> IceTransportState:
        return self.agent.state

    @property
    def socket_errors(self) -> int:
        """Errors the open sockets reported (ICMP errors, failed sends), and datagrams they
        dropped because the kernel's send buffer stayed full."""
        return sum(sock.errors + sock.dropped for sock in self._sockets.values())

    @property
    def local_parameters(self) -> tuple[str, str]:
        """(ufrag, pwd) of the newest generation."""
        return self.agent.local_ufrag, self.agent.local_pwd

    @property
    def local_candidates(self) -> list[Candidate]:
        return self.agent.local_candidates

    @property
    def signalled_remote_candidates(self) -> list[Candidate]:
        """The remote candidates of the current remote generation as they were signalled
        (the agent may know one as peer-reflexive already, or by its resolved address)."""
        ufrag, candidates = self._signalled
        return list(candidates) if ufrag == self.agent.remote_ufrag else []

    @property
    def local_addresses(self) -> list[Address]:
        """The bound socket addresses (the bases of the host candidates)."""
        return list(self._sockets)

    # ------------------------------------------------------------------ lifecycle

    async def gather(self) -> None:
        """Bind the sockets and start gathering. Returns once the host candidates have been
        reported; server-reflexive ones follow through ``on_candidate``."""
        self._loop = asyncio.get_running_loop()
        hosts = await self._bind(host_addresses(self._addresses))
        literal: list[Address] = []
        names: list[tuple[str, int]] = []
        for host, port in self._stun_servers:
            address = literal_address(host, port)
            if address is not None:
                literal.append(address)
            else:
                names.append((host, port))
        turn_literal = [t for t in self._turn_servers if literal_address(t.host, t.port)]
        turn_names = [t for t in self._turn_servers if not literal_address(t.host, t.port)]
        self.agent.gather(
            self._now(),
            hosts,
            literal,
            unresolved_servers=len(names) + len(turn_names),
            turn_servers=turn_literal,
            relay_only=self._relay_only,
        )
        self._pump()
        for host, port in names:
            self._spawn(self._resolve_stun(host, port))
        for server in turn_names:
            self._spawn(self._resolve_turn(server))

    async def _resolve_turn(self, server: TurnServer) -> None:
        resolved = await _resolved_turn_server(server)
        if resolved is None:
            logger.info("TURN server %s did not resolve", server.url or server.host)
            if self.on_event is not None:
                self.on_event(
                    CandidateGatheringError(
                        ("0.0.0.0", 0),
                        (server.host, server.port),
                        701,
                        "no DNS answer",
                        server.url or None,
                    )
                )
        self.agent.turn_server_resolved(self._now(), resolved)
        self._pump()

    def set_ice_servers(
        self,
        stun_servers: Sequence[str | Address],
        turn_servers: Sequence[TurnServer],
        relay_only: bool,
        *,
        tls_ca_file: str | None = None,
    ) -> None:
        """New STUN/TURN servers and policy (webrtc-pc setConfiguration): they take effect
        at the next :meth:`restart` (JSEP §4.1.18: "no action until the next gathering")."""
        self._tls_ca_file = tls_ca_file
        self._next_servers = (
            [parse_stun_server(s) for s in stun_servers],
            list(turn_servers),
            relay_only,
        )

    async def _bind(self, addresses: Sequence[str]) -> list[Address]:
        assert self._loop is not None
        bound: list[Address] = []
        for address in addresses:
            existing = [a for a in self._sockets if a[0] == address]
            if existing:
                bound.append(existing[0])
                continue
            try:
                # Looked up per datagram: fault injectors (cli/faults.py) shadow the method.
                sock = await open_udp_socket(
                    address, self._port, lambda *d: self._datagram_received(*d)
                )
            except OSError as exc:
                logger.warning("cannot bind %s: %s", address, exc)
                continue
            self._sockets[sock.local] = sock
            bound.append(sock.local)
        return bound

    async def _resolve_stun(self, host: str, port: int) -> None:
        address = await resolve(host, port)
        if address is None:
            logger.info("STUN server %s:%d did not resolve", host, port)
            if self.on_event is not None:
                # webrtc-pc §4.8.2: a server that cannot be reached is error 701.
                self.on_event(
                    CandidateGatheringError(("0.0.0.0", 0), (host, port), 701, "no DNS answer")
                )
        else:
            self.server_names[address] = (host, port)
        self.agent.stun_server_resolved(self._now(), address)
        self._pump()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def set_remote_parameters(
        self, ufrag: str, pwd: str, *, ice_lite: bool = False, offer: bool = True
    ) -> bool:
        """Apply the peer's ufrag/pwd (``offer``: from its offer, else from its answer);
        True when it was a remote restart that made the local credentials change too
        (answer with :attr:`local_parameters`)."""
        restarted = self.agent.set_remote_credentials(
            self._now(), ufrag, pwd, ice_lite=ice_lite, offer=offer
        )
        self._pump()
        return restarted

    def add_remote_candidate(self, candidate: Candidate | None, ufrag: str | None = None) -> bool:
        """A trickled remote candidate, or end-of-candidates (None).

        A ``.local`` (mDNS) candidate is resolved in the background (RFC 6762 one-shot
        query) and paired once its address is known; end-of-candidates waits for those
        resolutions, so the agent never gives up on a candidate still being resolved."""
        if candidate is None and self._resolving:
            self._held_end_of_candidates.append(ufrag)
            return True
        accepted = self.agent.add_remote_candidate(self._now(), candidate, ufrag)
        if accepted and candidate is not None:
            generation = ufrag or candidate.ufrag or self.agent.remote_ufrag
            if generation != self._signalled[0]:
                self._signalled = (generation, [])
            signalled = self._signalled[1]
            if (
                candidate not in signalled
                and len(signalled) < self.agent.config.max_remote_candidates
            ):
                signalled.append(candidate)
        self._pump()
        if accepted and candidate is not None and candidate.is_mdns:
            self._resolving += 1
            self._spawn(self._resolve_mdns(candidate, ufrag))
        return accepted

    async def _resolve_mdns(self, candidate: Candidate, ufrag: str | None) -> None:
        try:
            if self._mdns is None:
                self._mdns = MdnsResolver()
            address = await self._mdns.resolve(candidate.address, timeout=self.mdns_timeout)
        except (OSError, ValueError, RuntimeError) as exc:
            logger.info("mDNS resolution of %s failed: %s", candidate.address, exc)
            address = None
        finally:
            self._resolving -= 1
        if address is None:
            logger.info("mDNS: %s did not resolve", candidate.address)
        elif self.agent.state is not S.CLOSED:
            resolved = dataclasses.replace(candidate, address=address)
            self.agent.add_remote_candidate(self._now(), resolved, ufrag)
        if not self._resolving:
            held, self._held_end_of_candidates = self._held_end_of_candidates, []
            for held_ufrag in held:
                self.agent.add_remote_candidate(self._now(), None, held_ufrag)
        self._pump()

    async def restart(
        self,
        addresses: Sequence[str] | None = None,
        *,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        """restartIce(): new credentials (``credentials``, or random ones) and a new
        gathering; the current pair keeps carrying data meanwhile. ``addresses`` re-reads
        (or sets) the host addresses first."""
        hosts: list[Address] | None = None
        if addresses is not None or self._addresses is None:
            hosts = await self._bind(host_addresses(addresses or self._addresses))
        if self._next_servers is None:
            self.agent.restart(self._now(), host_addresses=hosts, credentials=credentials)
        else:
            stun, turn, relay_only = self._next_servers
            self._next_servers = None
            self._stun_servers, self._turn_servers, self._relay_only = stun, turn, relay_only
            stun_resolved = [a for h, p in stun if (a := await _resolved_stun(h, p))]
            turn_resolved = [r for t in turn if (r := await _resolved_turn_server(t))]
            self.agent.restart(
                self._now(),
                host_addresses=hosts,
                credentials=credentials,
                stun_servers=stun_resolved,
                turn_servers=turn_resolved,
                relay_only=relay_only,
            )
        self._pump()

    def rollback_restart(self) -> bool:
        """Undo an unanswered restart (JSEP rollback); see IceAgent.rollback_restart."""
        restored = self.agent.rollback_restart(self._now())
        self._pump()
        return restored

    async def close(self) -> None:
        """Close the agent and the sockets; the state becomes closed.

        TURN allocations are released first (Refresh with LIFETIME 0, RFC 8656 §8): the
        sockets stay open until the servers answered, for at most ``relay_close_timeout``.
        """
        self.agent.close(self._now())
        self._pump()
        if self.agent.relays_closing:
            self._relays_closed = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait_for(
                    asyncio.shield(self._relays_closed), self.relay_close_timeout
                )
            except TimeoutError:
                logger.info("TURN allocations not confirmed released; closing anyway")
            self._relays_closed = None
        for stream in self._turn_streams.values():
            stream.close()
        self._turn_streams.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._mdns is not None:
            self._mdns.close()
            self._mdns = None
        for sock in self._sockets.values():
            sock.close()
        self._sockets.clear()
        self._timer.cancel()

    # ------------------------------------------------------------------ data

    def send(self, data: bytes) -> bool:
        """Send application data on the selected pair; False when none may carry it."""
        now = self._now()
        route = self.agent.send_route(now, len(data))  # counted on the pair (getStats)
        if route is None:
            return False
        sock = self._sockets.get(route[0])
        if sock is None:
            # A relayed local candidate: the agent hands the data to its TURN client.
            sent = self.agent.send(now, data, route)
            self._pump()
            return sent
        sock.sendto(data, route[1])
        return True

    async def recv(self) -> bytes:
        """The next application datagram (when no ``on_data`` callback is set)."""
        return await self._received_queue().get()

    def _received_queue(self) -> asyncio.Queue[bytes]:
        if self._received is None:
            self._received = asyncio.Queue()
        return self._received

    # ------------------------------------------------------------------ waiting

    async def wait_for_state(self, *states: IceTransportState, timeout: float | None = None) -> S:
        """Wait until the state is one of ``states``; return it."""
        if self.state in states:
            return self.state
        future: asyncio.Future[S] = asyncio.get_running_loop().create_future()
        entry = (frozenset(states), future)
        self._state_waiters.append(entry)
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            if entry in self._state_waiters:
                self._state_waiters.remove(entry)

    async def connect(self, timeout: float | None = None) -> None:
        """Wait for connectivity (connected or completed); ConnectionError when it fails."""
        state = await self.wait_for_state(
            S.CONNECTED, S.COMPLETED, S.FAILED, S.CLOSED, timeout=timeout
        )
        if state in (S.FAILED, S.CLOSED):
            raise ConnectionError(f"ICE {state}")

    # ------------------------------------------------------------------ driving the agent

    def _now(self) -> float:
        loop = self._loop if self._loop is not None else asyncio.get_running_loop()
        self._loop = loop
        return loop.time()

    def _datagram_received(self, data: bytes, local: Address, remote: Address) -> None:
        app = self.agent.handle_datagram(self._now(), data, local, remote)
        if app is not None:
            if self.on_data is not None:
                self.on_data(app)
            else:
                self._received_queue().put_nowait(app)
            return  # application data produces no output: nothing to pump
        self._pump()

    def _on_timer(self, now: float) -> None:
        self.agent.handle_timer(now)
        self._pump()

    def _pump(self) -> None:
        """Send what the agent queued, deliver its events, and re-arm its timer."""
        agent = self.agent
        for data, local, remote in agent.datagrams_to_send(self._now()):
            sock = self._sockets.get(local)
            if sock is not None:
                sock.sendto(data, remote)
        for stream_id, data in agent.turn_stream_data_to_send():
            stream = self._turn_streams.get(stream_id)
            if stream is not None:
                stream.write(data)
        while (event := agent.next_event()) is not None:
            self._dispatch(event)
        self._timer.arm(agent.get_timer())
        waiter = self._relays_closed
        if waiter is not None and not waiter.done() and not agent.relays_closing:
            waiter.set_result(None)

    def _deliver(self, data: bytes) -> None:
        if self.on_data is not None:
            self.on_data(data)
        else:
            self._received_queue().put_nowait(data)

    # ------------------------------------------------------------------ TURN over TCP/TLS

    def _open_turn_stream(self, request: TurnConnectionRequested) -> None:
        stream_id = request.stream_id

        def connected() -> None:
            self.agent.turn_stream_connected(self._now(), stream_id)
            self._pump()

        def received(data: bytes) -> None:
            for app in self.agent.handle_turn_stream_data(self._now(), stream_id, data):
                self._deliver(app)
            self._pump()

        def closed(reason: str) -> None:
            self._turn_streams.pop(stream_id, None)
            self.agent.turn_stream_closed(self._now(), stream_id, reason)
            self._pump()

        stream = TurnStream(
            request,
            ca_file=self._tls_ca_file,
            on_connected=connected,
            on_data=received,
            on_closed=closed,
        )
        self._turn_streams[stream_id] = stream
        stream.start()

    def _dispatch(self, event: IceEvent) -> None:
        from rtcpeer.ice import (
            EndOfLocalCandidates,
            GatheringStateChanged,
            LocalCandidateGathered,
            RoleChanged,
            SelectedPairChanged,
        )

        if isinstance(event, TurnConnectionRequested):
            self._open_turn_stream(event)
        elif isinstance(event, TurnConnectionReleased):
            stream = self._turn_streams.pop(event.stream_id, None)
            if stream is not None:
                stream.close()

        if isinstance(event, StateChanged):
            logger.info("ICE %s -> %s: %s", event.old, event.new, event.reason)
            for states, future in list(self._state_waiters):
                if event.new in states and not future.done():
                    future.set_result(event.new)
            if self.on_state is not None:
                self.on_state(event.new)
        elif isinstance(event, SelectedPairChanged):
            if event.local is not None and event.remote is not None:
                logger.info(
                    "ICE selected pair %s -> %s: %s",
                    _describe(event.local),
                    _describe(event.remote),
                    event.reason,
                )
            else:
                logger.info("ICE no selected pair: %s", event.reason)
        elif isinstance(event, GatheringStateChanged):
            logger.info("ICE gathering %s", event.state)
        elif isinstance(event, RoleChanged):
            logger.info("ICE role %s: %s", event.role, event.reason)
        elif isinstance(event, LocalCandidateGathered):
            if self.on_candidate is not None:
                self.on_candidate(event.candidate, event.ufrag)
        elif isinstance(event, EndOfLocalCandidates) and self.on_candidate is not None:
            self.on_candidate(None, event.ufrag)
        if self.on_event is not None:
            self.on_event(event)


def _describe(candidate: Candidate) -> str:
    """``address:port (type)`` for logs."""
    address = f"[{candidate.address}]" if ":" in candidate.address else candidate.address
    return f"{address}:{candidate.port} ({candidate.type})"


async def _resolved_stun(host: str, port: int) -> Address | None:
    return literal_address(host, port) or await resolve(host, port)


async def _resolved_turn_server(server: TurnServer) -> TurnServer | None:
    """``server`` with its host resolved to an address (the name kept for TLS)."""
    if literal_address(server.host, server.port) is not None:
        return server
    address = await resolve(server.host, server.port)
    if address is None:
        return None
    return dataclasses.replace(
        server, host=address[0], server_name=server.server_name or server.host
    )
