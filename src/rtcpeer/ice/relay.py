"""Relayed candidates: the ICE agent's TURN allocations (RFC 8445 §5.1.1.2, RFC 8656).

The agent gathers one relayed candidate per (host base, TURN server) of a matching
address family. Each is a :class:`~rtcpeer.turn.TurnClient` owned by
:class:`RelayManager`; the candidate's base is the relayed address itself (RFC 8445
§5.1.1.2), so checks and data "from" it are handed to the TURN client, which relays them
to the peer (ChannelData once a channel is bound), and what the server relays back is fed
to the agent as if it had arrived at the relayed address from the peer.

Allocations outlive generations: an ICE restart reuses every healthy one (the new
generation gets the same relayed address as a candidate with its new ufrag) and asks
again only for those that failed or whose server is new; allocations that neither the
current generation nor the selected pair use any more are released (Refresh with
LIFETIME 0).

Over UDP the TURN client shares the host socket: its datagrams go out as
``(data, host base, server)`` like any other. Over TCP and TLS the caller owns the
connection: the agent asks for it with :class:`TurnConnectionRequested`, gets its bytes
through ``turn_stream_*`` methods and releases it with :class:`TurnConnectionReleased`.
This module stays sans-IO.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from rtcpeer.ice.candidate import Candidate, CandidateType, candidate_priority, compute_foundation
from rtcpeer.ice.events import IceEvent
from rtcpeer.turn import TurnClient, TurnConfig, TurnEvent, TurnState

Address = tuple[str, int]
Datagram = tuple[bytes, Address, Address]
TurnTransportName = Literal["udp", "tcp", "tls"]

#: Local preference of relayed candidates by client-server transport: UDP first, then
#: TCP, then TLS (what libwebrtc does: fewer layers, less delay).
_TRANSPORT_PREFERENCE: dict[str, int] = {"udp": 2, "tcp": 1, "tls": 0}


@dataclass(frozen=True, slots=True)
class TurnServer:
    """A TURN server as the agent uses it: an IP address, a transport and credentials.

    ``host`` must be an IP literal (the caller resolves names). ``url`` is the URL as
    configured, reported in errors; ``server_name`` is the name a TLS certificate must
    match (the URL's host). The credentials are kept out of ``repr``.
    """

    host: str
    port: int
    transport: TurnTransportName
    username: str = field(repr=False)
    password: str = field(repr=False)
    url: str = ""
    server_name: str | None = None

    @property
    def address(self) -> Address:
        return self.host, self.port


@dataclass(frozen=True, slots=True)
class TurnConnectionRequested(IceEvent):
    """The agent needs a TCP or TLS connection to ``server`` from ``local_host``: make it,
    then call ``turn_stream_connected`` (or ``turn_stream_closed`` when it fails)."""

    stream_id: int
    server: TurnServer
    local_host: str


@dataclass(frozen=True, slots=True)
class TurnConnectionReleased(IceEvent):
    """The allocation on this TCP/TLS connection is gone: close the connection."""

    stream_id: int


class Allocation:
    """One TURN allocation of the agent, for one (host base, server)."""

    __slots__ = ("base", "client", "server", "server_index", "stream_id", "waiting")

    def __init__(
        self,
        base: Address,
        server: TurnServer,
        server_index: int,
        client: TurnClient,
        stream_id: int | None,
    ) -> None:
        #: The host socket (UDP) or the local address the connection is made from.
        self.base = base
        self.server = server
        self.server_index = server_index
        self.client = client
        self.stream_id = stream_id
        #: ufrags of the generations waiting for this allocation's outcome.
        self.waiting: list[str] = []

    @property
    def key(self) -> tuple[Address, TurnServer]:
        return self.base, self.server

    @property
    def relayed(self) -> Address | None:
        return self.client.relayed_address if self.client.state is TurnState.ALLOCATED else None

    @property
    def error_base(self) -> Address:
        """The local address reported in icecandidateerror (webrtc-pc §4.8.2)."""
        return self.base

    def candidate(self, ufrag: str, host_index: int) -> Candidate:
        """The relayed candidate of this allocation for a generation (RFC 8445 §5.1.1.2).

        Related address: the client's server-reflexive address, as RFC 8839 §5.1 asks.
        """
        relayed = self.client.relayed_address
        assert relayed is not None
        mapped = self.client.mapped_address or self.base
        preference = _TRANSPORT_PREFERENCE[self.server.transport] * 0x2000 + 0x1FFF
        preference -= min(0x1FFF, self.server_index * 16 + host_index)
        return Candidate(
            # RFC 8445 §5.1.1.3: same base IP, server IP and transport used to obtain it
            # (UDP, or TCP for both turn:?transport=tcp and turns:).
            foundation=compute_foundation(
                CandidateType.RELAY,
                relayed[0],
                "udp" if self.server.transport == "udp" else "tcp",
                self.server.host,
            ),
            component=1,
            transport="udp",
            priority=candidate_priority(CandidateType.RELAY, preference, 1),
            address=relayed[0],
            port=relayed[1],
            type=CandidateType.RELAY,
            related_address=mapped[0],
            related_port=mapped[1],
            ufrag=ufrag,
        )

    def __repr__(self) -> str:
        return f"<Allocation {self.server.url or self.server.address} {self.client.state}>"


class RelayManager:
    """The agent's TURN allocations, their routes and their output (sans-IO)."""

    def __init__(self, rng: random.Random, config: TurnConfig | None = None) -> None:
        self._rng = rng
        self.config = config if config is not None else TurnConfig()
        self._allocations: dict[tuple[Address, TurnServer], Allocation] = {}
        #: UDP: (host base, server address) -> allocation, to demultiplex received datagrams.
        self.routes: dict[tuple[Address, Address], Allocation] = {}
        self._streams: dict[int, Allocation] = {}
        self._next_stream = 1
        #: Connection requests and releases for the caller.
        self.requests: list[IceEvent] = []
        #: Bytes for TCP/TLS connections: (stream id, bytes).
        self.stream_out: list[tuple[int, bytes]] = []

    def __iter__(self) -> Iterator[Allocation]:
        return iter(list(self._allocations.values()))

    def __bool__(self) -> bool:
        return bool(self._allocations)

    @property
    def closing(self) -> bool:
        """Some allocation is still being released (its Refresh 0 is unanswered)."""
        return any(a.client.state is TurnState.CLOSING for a in self._allocations.values())

    def for_relayed(self, relayed: Address) -> Allocation | None:
        for allocation in self._allocations.values():
            if allocation.client.relayed_address == relayed:
                return allocation
        return None

    def for_stream(self, stream_id: int) -> Allocation | None:
        return self._streams.get(stream_id)

    def request(
        self, now: float, base: Address, server: TurnServer, server_index: int, ufrag: str
    ) -> Allocation:
        """The allocation for (base, server): the existing one unless it failed or is
        being released, else a new one (Allocate sent, or its connection requested).
        ``ufrag``'s generation waits for it unless it is already allocated."""
        existing = self._allocations.get((base, server))
        if existing is not None and existing.client.state in (
            TurnState.NEW,
            TurnState.ALLOCATING,
            TurnState.ALLOCATED,
        ):
            if existing.client.state is not TurnState.ALLOCATED:
                existing.waiting.append(ufrag)
            return existing
        if existing is not None:
            self.remove(existing)
        client = TurnClient(
            server.address,
            server.username,
            server.password,
            transport=server.transport,
            config=self.config,
            rng=self._rng,
        )
        stream_id: int | None = None
        if server.transport != "udp":
            stream_id = self._next_stream
            self._next_stream += 1
        allocation = Allocation(base, server, server_index, client, stream_id)
        allocation.waiting.append(ufrag)
        self._allocations[allocation.key] = allocation
        if stream_id is None:
            self.routes[(base, server.address)] = allocation
            client.allocate(now)
        else:
            self._streams[stream_id] = allocation
            self.requests.append(TurnConnectionRequested(stream_id, server, base[0]))
        return allocation

    def remove(self, allocation: Allocation) -> None:
        """Forget an allocation (failed, lost or closed)."""
        if self._allocations.get(allocation.key) is allocation:
            del self._allocations[allocation.key]
        route = (allocation.base, allocation.server.address)
        if self.routes.get(route) is allocation:
            del self.routes[route]
        if allocation.stream_id is not None and allocation.stream_id in self._streams:
            del self._streams[allocation.stream_id]
            self.requests.append(TurnConnectionReleased(allocation.stream_id))

    def release(self, now: float, allocation: Allocation) -> None:
        """Close an allocation (Refresh with LIFETIME 0); it is removed once closed."""
        allocation.waiting.clear()
        allocation.client.close(now)

    def deadline(self) -> float | None:
        times = [t for a in self._allocations.values() if (t := a.client.get_timer()) is not None]
        return min(times, default=None)

    def handle_timer(self, now: float) -> None:
        for allocation in list(self._allocations.values()):
            deadline = allocation.client.get_timer()
            if deadline is not None and now >= deadline:
                allocation.client.handle_timer(now)

    def drain(self) -> tuple[list[Datagram], list[tuple[Allocation, TurnEvent]]]:
        """Every allocation's output: UDP datagrams (data, host base, server) for the
        agent's outbox (TCP/TLS bytes go to :attr:`stream_out`), and its events."""
        datagrams: list[Datagram] = []
        events: list[tuple[Allocation, TurnEvent]] = []
        for allocation in list(self._allocations.values()):
            client = allocation.client
            if allocation.stream_id is None:
                for data in client.datagrams_to_send():
                    datagrams.append((data, allocation.base, allocation.server.address))
            else:
                data = client.data_to_send()
                if data:
                    self.stream_out.append((allocation.stream_id, data))
            while (event := client.next_event()) is not None:
                events.append((allocation, event))
        return datagrams, events
