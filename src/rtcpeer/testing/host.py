"""Simulated hosts, their network interfaces and their UDP sockets."""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TYPE_CHECKING

from .address import Address, canonical_ip, check_address, ip_version
from .link import LinkChannel, LinkProfile
from .realm import Realm

if TYPE_CHECKING:
    from .network import SimNetwork

__all__ = ["EPHEMERAL_PORTS", "DatagramHandler", "Host", "Interface", "SimSocket"]

DatagramHandler = Callable[[bytes, Address, Address], object]
"""``on_datagram(data, local_address, remote_address)``."""

EPHEMERAL_PORTS = (49152, 65535)
"""The range ``bind((ip, 0), ...)`` picks from: the lowest free port at or after the
previous pick on that interface, wrapping around (deterministic, RNG-free)."""


class SimSocket:
    """A bound UDP socket on a simulated host. Create with :meth:`Host.bind`.

    :meth:`send` never raises for network conditions: a datagram that cannot be delivered
    (unknown destination, link down, loss, NAT filtering, ...) is dropped and counted in
    :attr:`SimNetwork.stats` with its reason. Sending on a closed socket is dropped too
    (reason ``"closed"``), because an application typically learns about an address
    change from ``on_closed`` and may have a send already queued. Only malformed
    arguments raise (:class:`ValueError`).
    """

    def __init__(
        self,
        interface: Interface,
        port: int,
        on_datagram: DatagramHandler,
        on_closed: Callable[[], object] | None,
    ) -> None:
        self.interface = interface
        """The interface the socket is bound on (the one its datagrams leave through)."""
        self.local_address: Address = (interface.ip, port)
        """The bound ``(ip, port)``."""
        self.on_datagram = on_datagram
        """Called as ``on_datagram(data, local_address, remote_address)`` for each
        datagram delivered; may be replaced at any time."""
        self.on_closed = on_closed
        """Called with no arguments when the *network* closes the socket (its interface
        changed address or moved realm). Not called by :meth:`close`."""
        self.closed = False

    @property
    def host(self) -> Host:
        """The host the socket belongs to."""
        return self.interface.host

    def send(self, data: bytes | bytearray | memoryview, remote: Address) -> None:
        """Send one datagram to ``remote`` (``(ip, port)``). See the class docstring for
        what happens when it cannot be delivered."""
        self.interface.host.network._send(self, bytes(data), remote)

    sendto = send
    """Alias of :meth:`send` (the :class:`asyncio.DatagramTransport` spelling)."""

    def close(self) -> None:
        """Unbind the socket. Idempotent; later datagrams for its port are dropped
        (``"no-socket"``)."""
        if not self.closed:
            self.closed = True
            self.interface._unbind(self)

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        ip, port = self.local_address
        return f"<SimSocket {self.interface.host.name} {ip}:{port}{state}>"


class Interface:
    """A host's attachment to a :class:`~rtcpeer.testing.Realm`. Create with
    :meth:`Host.add_interface`.

    ``link`` (a :class:`LinkProfile`) applies to everything the interface sends and
    receives and may be changed or replaced mid-run; ``up`` may be set directly or with
    :meth:`set_down`/:meth:`set_up` (a down interface drops what it sends and what
    reaches it, reason ``"down"``, but keeps its sockets).
    """

    def __init__(
        self, host: Host, realm: Realm, ip: str | None, link: LinkProfile, name: str
    ) -> None:
        self.host = host
        self.name = name
        self.link = link
        self.up = True
        self.egress = LinkChannel()
        """State of the link direction leaving the interface."""
        self.ingress = LinkChannel()
        """State of the link direction arriving at the interface."""
        self.realm = realm
        self.ip = self._claim(realm, ip, version=4)
        self._sockets: dict[int, SimSocket] = {}
        self._next_ephemeral = EPHEMERAL_PORTS[0]

    @property
    def label(self) -> str:
        """``"host/interface"``, as used in traces."""
        return f"{self.host.name}/{self.name}"

    @property
    def sockets(self) -> list[SimSocket]:
        """Open sockets bound on this interface, in bind order."""
        return list(self._sockets.values())

    def set_down(self) -> None:
        """Take the interface down (cable pulled / radio off)."""
        self.up = False

    def set_up(self) -> None:
        """Bring the interface back up."""
        self.up = True

    def change_address(self, new_ip: str) -> None:
        """Renumber the interface within its realm (e.g. a new DHCP lease).

        Every socket bound on it is closed (``on_closed`` fires for each, after all are
        closed); datagrams to the old address, including those in flight, are dropped
        (``"no-route"``). Changing to the current address is a no-op.
        """
        new_ip = canonical_ip(new_ip)
        if new_ip == self.ip:
            return
        old_ip = self.ip
        self.ip = self._claim(self.realm, new_ip, version=ip_version(old_ip))
        self.realm.release(old_ip, self)
        self._close_all()

    def move_to(self, realm: Realm, ip: str | None = None) -> None:
        """Move the interface to another realm, e.g. from a Wi-Fi NAT to a cellular NAT.
        ``ip=None`` picks the next free address there. Sockets are closed as for
        :meth:`change_address`."""
        old_realm, old_ip = self.realm, self.ip
        new_ip = self._claim(realm, ip, version=ip_version(old_ip))
        old_realm.release(old_ip, self)
        self.realm, self.ip = realm, new_ip
        self._close_all()

    # -- internals ------------------------------------------------------------------------

    def _claim(self, realm: Realm, ip: str | None, *, version: int) -> str:
        if ip is None:
            ip = realm.allocate(version)
        ip = canonical_ip(ip)
        for other in self.host.interfaces:
            if other is not self and other.ip == ip:
                raise ValueError(f"host {self.host.name!r} already has an interface with {ip}")
        return realm.claim(ip, self)

    def _bind(
        self,
        port: int,
        on_datagram: DatagramHandler,
        on_closed: Callable[[], object] | None,
    ) -> SimSocket:
        if port == 0:
            port = self._ephemeral_port()
        elif port in self._sockets:
            raise OSError(errno.EADDRINUSE, f"address already in use: {self.ip}:{port}")
        sock = SimSocket(self, port, on_datagram, on_closed)
        self._sockets[port] = sock
        return sock

    def _ephemeral_port(self) -> int:
        low, high = EPHEMERAL_PORTS
        span = high - low + 1
        start = self._next_ephemeral - low
        for offset in range(span):
            port = low + (start + offset) % span
            if port not in self._sockets:
                self._next_ephemeral = low + (port - low + 1) % span
                return port
        raise OSError(errno.EADDRINUSE, f"no free ephemeral port on {self.ip}")

    def _unbind(self, sock: SimSocket) -> None:
        port = sock.local_address[1]
        if self._sockets.get(port) is sock:
            del self._sockets[port]

    def _close_all(self) -> None:
        sockets = list(self._sockets.values())
        self._sockets.clear()
        for sock in sockets:
            sock.closed = True
        for sock in sockets:
            if sock.on_closed is not None:
                sock.on_closed()

    def __repr__(self) -> str:
        state = "" if self.up else " down"
        return f"<Interface {self.label} {self.ip} in {self.realm.name}{state}>"


class Host:
    """A simulated machine. Create with :meth:`SimNetwork.add_host`."""

    def __init__(self, network: SimNetwork, name: str) -> None:
        self.network = network
        self.name = name
        self.interfaces: list[Interface] = []
        """The host's interfaces, in creation order."""

    @property
    def ip(self) -> str:
        """The first interface's address (convenience for single-homed hosts)."""
        if not self.interfaces:
            raise ValueError(f"host {self.name!r} has no interface")
        return self.interfaces[0].ip

    def add_interface(
        self,
        realm: Realm,
        ip: str | None = None,
        link: LinkProfile | None = None,
        name: str | None = None,
    ) -> Interface:
        """Attach the host to ``realm`` (e.g. ``net.internet`` or ``nat.inside``).

        ``ip=None`` assigns the next free address of the realm's subnet (IPv4); ``link``
        defaults to a fresh, impairment-free :class:`LinkProfile`; ``name`` defaults to
        ``"eth0"``, ``"eth1"``, ...
        """
        if name is None:
            name = f"eth{len(self.interfaces)}"
        if any(i.name == name for i in self.interfaces):
            raise ValueError(f"host {self.name!r} already has an interface named {name!r}")
        iface = Interface(self, realm, ip, link if link is not None else LinkProfile(), name)
        self.interfaces.append(iface)
        return iface

    def interface(self, name: str) -> Interface:
        """The interface called ``name`` (:class:`KeyError` if none)."""
        for iface in self.interfaces:
            if iface.name == name:
                return iface
        raise KeyError(name)

    def bind(
        self,
        address: Address,
        on_datagram: DatagramHandler,
        *,
        on_closed: Callable[[], object] | None = None,
    ) -> SimSocket:
        """Open a UDP socket on ``address`` = ``(ip, port)``.

        ``ip`` must be one of the host's interface addresses (there is no wildcard bind:
        a socket belongs to exactly one interface). ``port=0`` picks a free ephemeral port
        deterministically (see :data:`EPHEMERAL_PORTS`). Raises :class:`OSError`
        (``EADDRNOTAVAIL`` / ``EADDRINUSE``) like a real socket would.
        """
        ip, port = check_address(address, allow_port_zero=True)
        for iface in self.interfaces:
            if iface.ip == ip:
                return iface._bind(port, on_datagram, on_closed)
        raise OSError(errno.EADDRNOTAVAIL, f"host {self.name!r} has no interface with {ip}")

    @property
    def sockets(self) -> list[SimSocket]:
        """Open sockets on all interfaces."""
        return [s for iface in self.interfaces for s in iface.sockets]

    def set_down(self) -> None:
        """Take every interface down."""
        for iface in self.interfaces:
            iface.set_down()

    def set_up(self) -> None:
        """Bring every interface up."""
        for iface in self.interfaces:
            iface.set_up()

    def __repr__(self) -> str:
        return f"<Host {self.name}>"
