"""The simulated network: topology, routing, NAT traversal, partitions, trace and stats.

How a datagram travels (each step happens at the virtual time the datagram gets there):

1. ``SimSocket.send`` on host A: the datagram leaves through the socket's interface,
   crossing that interface's :class:`LinkProfile` (egress).
2. It enters the interface's realm. If an interface in the realm has the destination IP
   it crosses that interface's link (ingress) and is handed to the socket bound on the
   destination port. If a NAT's public address in the realm is the destination, it
   crosses the NAT's WAN link and is translated inward (RFC 4787 §5 filtering). If the
   destination is outside the realm's subnet and the realm is a NAT's inside, the NAT
   translates it outward (RFC 4787 §4 mapping), it crosses the WAN link and enters the
   parent realm, where step 2 repeats. Anything else is dropped (``"no-route"``).
3. A datagram from inside a NAT to the NAT's own public address is hairpinned (RFC 4787
   §6) without crossing the WAN link.

Every random decision is drawn from :attr:`SimNetwork.rng` (one ``random.Random(seed)``)
in event order, so the same seed and the same calls give the same run, event for event.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from functools import partial
from types import MappingProxyType

from .address import Address, check_address, ip_version, udp_overhead
from .clock import Clock, TimerHandle
from .host import Host, Interface, SimSocket
from .link import LinkChannel, LinkProfile
from .nat import Nat, NatBehavior, NatType
from .partition import PartitionTable
from .realm import INTERNET_POOLS, Realm
from .trace import DropReason, NetworkStats, TraceEvent, TraceKind

__all__ = ["MAX_HOPS", "SimNetwork", "TimerHandle"]

MAX_HOPS = 64
"""Realms a datagram may enter before it is dropped (``"ttl"``)."""


class _Packet:
    """A datagram in flight. ``src``/``dst`` change as NATs translate it."""

    __slots__ = ("data", "dst", "hops", "id", "overhead", "path", "src")

    def __init__(self, packet_id: int, src: Address, dst: Address, data: bytes) -> None:
        self.id = packet_id
        self.src = src
        self.dst = dst
        self.data = data
        self.overhead = udp_overhead(src[0])
        self.hops = 0
        self.path: list[tuple[Interface | Nat, int]] = []
        """Nodes passed so far, each with the partition-table version when it was passed."""

    def copy(self) -> _Packet:
        twin = _Packet.__new__(_Packet)
        twin.id, twin.src, twin.dst, twin.data = self.id, self.src, self.dst, self.data
        twin.overhead, twin.hops, twin.path = self.overhead, self.hops, list(self.path)
        return twin


class SimNetwork:
    """A deterministic discrete-event network simulator.

    ``SimNetwork(seed)`` owns the virtual clock (:attr:`now`, starting at 0.0), the single
    RNG every random decision comes from (:attr:`rng`), the public realm
    (:attr:`internet`), the :attr:`trace` and the :attr:`stats`.

    ``trace=True`` (the default) records every send, translation, duplication, delivery
    and drop as a :class:`TraceEvent`; set :attr:`trace_enabled` to ``False`` for long
    runs that only need :attr:`stats`.
    """

    def __init__(self, seed: int = 0, *, trace: bool = True) -> None:
        self.seed = seed
        """The seed :attr:`rng` was created with."""
        self.rng = random.Random(seed)
        """The only source of randomness in the simulation. Applications under test may
        draw from it too (keeping the whole run reproducible)."""
        self.clock = Clock()
        """The virtual clock (its methods are also available on the network itself)."""
        self.internet = Realm("internet", pools=INTERNET_POOLS)
        """The public address realm. Auto-assigned addresses come from 198.51.100.0/24,
        then 203.0.113.0/24, then 192.0.2.0/24; any address may be given explicitly."""
        self.stats = NetworkStats()
        """Counters of sent, delivered, duplicated and dropped (by reason) datagrams."""
        self.trace_enabled = trace
        """Whether :attr:`trace` records events (may be toggled at any time)."""
        self.in_flight = 0
        """Datagrams (including duplicates) sent but neither delivered nor dropped yet."""
        self._trace: list[TraceEvent] = []
        self._partitions = PartitionTable()
        self._hosts: dict[str, Host] = {}
        self._nats: dict[str, Nat] = {}
        self._next_packet_id = 0

    # -- time -------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """Current virtual time in seconds (starts at 0.0)."""
        return self.clock.now

    def call_at(self, when: float, callback: Callable[[], object]) -> TimerHandle:
        """Run ``callback()`` at virtual time ``when``; callbacks due at the same time run
        in the order they were scheduled."""
        return self.clock.call_at(when, callback)

    def call_later(self, delay: float, callback: Callable[[], object]) -> TimerHandle:
        """Run ``callback()`` ``delay`` seconds from now."""
        return self.clock.call_later(delay, callback)

    def run_until(self, t: float) -> None:
        """Process every event due at or before ``t``, then set :attr:`now` to ``t``."""
        self.clock.run_until(t)

    def run(self, duration: float) -> None:
        """Process events for ``duration`` seconds of virtual time."""
        self.clock.run(duration)

    def run_until_true(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Step event by event until ``predicate()`` holds (True) or ``timeout`` seconds of
        virtual time pass (the predicate's final value, normally False)."""
        return self.clock.run_until_true(predicate, timeout)

    def step(self) -> bool:
        """Process the next event; False if there is none."""
        return self.clock.step()

    # -- topology ---------------------------------------------------------------------------

    @property
    def hosts(self) -> Mapping[str, Host]:
        """Hosts by name (read-only view)."""
        return MappingProxyType(self._hosts)

    @property
    def nats(self) -> Mapping[str, Nat]:
        """NATs by name (read-only view)."""
        return MappingProxyType(self._nats)

    def add_host(self, name: str) -> Host:
        """Create a host with no interfaces; attach it with :meth:`Host.add_interface`."""
        self._check_name(name)
        host = Host(self, name)
        self._hosts[name] = host
        return host

    def add_nat(
        self,
        name: str,
        behavior: NatBehavior | NatType,
        public_ip: str | None = None,
        *,
        parent: Realm | None = None,
        subnet: str = "192.168.1.0/24",
        link: LinkProfile | None = None,
    ) -> Nat:
        """Create a NAT whose public address ``public_ip`` is in ``parent`` (default: the
        internet; pass another NAT's ``inside`` to nest, e.g. behind a carrier-grade NAT)
        and whose private realm ``nat.inside`` has ``subnet``. ``public_ip=None`` takes
        the next free address of ``parent``. ``link`` is the WAN side's
        :class:`LinkProfile`. ``behavior`` may be a :class:`NatType` preset."""
        self._check_name(name)
        if isinstance(behavior, NatType):
            behavior = NatBehavior.of(behavior)
        parent = self.internet if parent is None else parent
        if public_ip is None:
            public_ip = parent.allocate()
        nat = Nat(
            self,
            name,
            behavior,
            public_ip,
            parent,
            subnet,
            link if link is not None else LinkProfile(),
        )
        self._nats[name] = nat
        return nat

    def _check_name(self, name: str) -> None:
        if name in self._hosts or name in self._nats:
            raise ValueError(f"a host or NAT named {name!r} already exists")

    # -- partitions -------------------------------------------------------------------------

    def partition(self, a: Host | Interface | Nat, b: Host | Interface | Nat) -> None:
        """Drop everything between ``a`` and ``b``, both ways, until :meth:`heal`. Datagrams
        in flight across the cut are dropped when they arrive (see
        :mod:`rtcpeer.testing.partition`)."""
        if a is b:
            raise ValueError("cannot partition a node from itself")
        self._partitions.partition(a, b)

    def heal(self, a: Host | Interface | Nat, b: Host | Interface | Nat) -> None:
        """End the partition between ``a`` and ``b`` (no-op if there is none)."""
        self._partitions.heal(a, b)

    def is_partitioned(self, a: Host | Interface | Nat, b: Host | Interface | Nat) -> bool:
        """Whether :meth:`partition` ``(a, b)`` is in force."""
        return self._partitions.is_partitioned(a, b)

    # -- trace ------------------------------------------------------------------------------

    @property
    def trace(self) -> list[TraceEvent]:
        """Recorded events, oldest first (the live list, not a copy)."""
        return self._trace

    def clear_trace(self) -> None:
        """Forget recorded events (counters in :attr:`stats` are kept)."""
        self._trace.clear()

    def _record(
        self, kind: TraceKind, packet: _Packet, where: str, reason: DropReason | None = None
    ) -> None:
        self._trace.append(
            TraceEvent(
                self.clock.now,
                kind,
                packet.id,
                packet.src,
                packet.dst,
                len(packet.data),
                where,
                reason,
            )
        )

    # -- forwarding -------------------------------------------------------------------------

    def _send(self, sock: SimSocket, data: bytes, remote: Address) -> None:
        remote = check_address(remote)
        self._next_packet_id += 1
        packet = _Packet(self._next_packet_id, sock.local_address, remote, data)
        iface = sock.interface
        self.stats.sent += 1
        self.in_flight += 1
        if self.trace_enabled:
            self._record("send", packet, iface.label)
        if sock.closed:
            self._drop(packet, DropReason.CLOSED, iface.label)
            return
        if not iface.up:
            self._drop(packet, DropReason.DOWN, iface.label)
            return
        if ip_version(remote[0]) != ip_version(packet.src[0]):
            self._drop(packet, DropReason.NO_ROUTE, iface.label)
            return
        packet.path.append((iface, self._partitions.version))
        realm = iface.realm
        self._cross(
            packet,
            iface.link,
            iface.egress,
            iface.label,
            lambda p: self._route(p, realm),
        )

    def _cross(
        self,
        packet: _Packet,
        profile: LinkProfile,
        channel: LinkChannel,
        where: str,
        then: Callable[[_Packet], None],
    ) -> None:
        """Put ``packet`` on a link; ``then(packet)`` runs when (if) it comes out."""
        result = channel.transit(
            profile, len(packet.data), packet.overhead, self.clock.now_ns, self.rng
        )
        if isinstance(result, DropReason):
            self._drop(packet, result, where)
            return
        clock = self.clock
        clock.call_at_ns(result[0], partial(then, packet))
        for arrival in result[1:]:
            twin = packet.copy()
            self.stats.duplicated += 1
            self.in_flight += 1
            if self.trace_enabled:
                self._record("duplicate", twin, where)
            clock.call_at_ns(arrival, partial(then, twin))

    def _route(self, packet: _Packet, realm: Realm) -> None:
        """``packet`` has entered ``realm``: hand it to the owner of its destination IP,
        or up to the realm's NAT."""
        packet.hops += 1
        if packet.hops > MAX_HOPS:
            self._drop(packet, DropReason.TTL, realm.name)
            return
        ip = packet.dst[0]
        owner = realm.owner(ip)
        if owner is None:
            nat = realm.nat
            if nat is not None and not realm.is_on_link(ip):
                self._nat_outbound(packet, nat)
            else:
                self._drop(packet, DropReason.NO_ROUTE, realm.name)
        elif isinstance(owner, Interface):
            iface = owner
            self._cross(
                packet,
                iface.link,
                iface.ingress,
                iface.label,
                lambda p: self._arrive(p, iface, realm),
            )
        else:
            nat = owner
            self._cross(
                packet, nat.link, nat.ingress, nat.name, lambda p: self._nat_inbound(p, nat)
            )

    def _reach(self, packet: _Packet, node: Interface | Nat, where: str) -> bool:
        """Record that ``packet`` reached ``node``; False (and dropped) if it crossed a
        partition on the way."""
        partitions = self._partitions
        if partitions:
            for earlier, since in packet.path:
                if partitions.blocked(earlier, node, since):
                    self._drop(packet, DropReason.PARTITION, where)
                    return False
        packet.path.append((node, partitions.version))
        return True

    def _nat_outbound(self, packet: _Packet, nat: Nat) -> None:
        if not self._reach(packet, nat, nat.name):
            return
        mapping = nat.translate_outbound(packet.src, packet.dst)
        if mapping is None:
            self._drop(packet, DropReason.NAT_EXHAUSTED, nat.name)
            return
        packet.src = mapping.external
        if self.trace_enabled:
            self._record("translate", packet, nat.name)
        if packet.dst[0] == nat.public_ip:
            if not nat.behavior.hairpinning:
                self._drop(packet, DropReason.HAIRPIN, nat.name)
                return
            self._nat_translate_inbound(packet, nat)
            return
        parent = nat.parent
        self._cross(packet, nat.link, nat.egress, nat.name, lambda p: self._route(p, parent))

    def _nat_inbound(self, packet: _Packet, nat: Nat) -> None:
        if not self._reach(packet, nat, nat.name):
            return
        if packet.dst[0] != nat.public_ip:  # renumbered while the datagram was in flight
            self._drop(packet, DropReason.NO_ROUTE, nat.name)
            return
        self._nat_translate_inbound(packet, nat)

    def _nat_translate_inbound(self, packet: _Packet, nat: Nat) -> None:
        result = nat.translate_inbound(packet.src, packet.dst[1])
        if isinstance(result, DropReason):
            self._drop(packet, result, nat.name)
            return
        packet.dst = result.internal
        if self.trace_enabled:
            self._record("translate", packet, nat.name)
        self._route(packet, nat.inside)

    def _arrive(self, packet: _Packet, iface: Interface, realm: Realm) -> None:
        label = iface.label
        if not self._reach(packet, iface, label):
            return
        if not iface.up:
            self._drop(packet, DropReason.DOWN, label)
            return
        if iface.realm is not realm or iface.ip != packet.dst[0]:
            self._drop(packet, DropReason.NO_ROUTE, label)
            return
        sock = iface._sockets.get(packet.dst[1])
        if sock is None:
            self._drop(packet, DropReason.NO_SOCKET, label)
            return
        self.in_flight -= 1
        self.stats.delivered += 1
        if self.trace_enabled:
            self._record("deliver", packet, label)
        sock.on_datagram(packet.data, sock.local_address, packet.src)

    def _drop(self, packet: _Packet, reason: DropReason, where: str) -> None:
        self.in_flight -= 1
        self.stats.dropped[reason] += 1
        if self.trace_enabled:
            self._record("drop", packet, where, reason)

    def __repr__(self) -> str:
        return (
            f"<SimNetwork seed={self.seed} now={self.now} hosts={len(self._hosts)} "
            f"nats={len(self._nats)}>"
        )
