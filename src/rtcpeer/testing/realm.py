"""Address realms: the public internet, or the private side of a NAT.

A realm is an address space in which an IP identifies at most one owner: a host's
:class:`~rtcpeer.testing.Interface`, or a :class:`~rtcpeer.testing.Nat` whose public
address lives there. Realms nest: the inside of a carrier-grade NAT is the parent realm
of the home NATs behind it.

Routing inside a realm (see :class:`~rtcpeer.testing.SimNetwork`): a datagram for an IP
with an owner in the realm goes straight to it; a datagram for an IP outside the realm's
subnet goes up to the realm's NAT (if it has one); anything else is dropped
(``"no-route"``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from .address import canonical_ip

if TYPE_CHECKING:
    from .host import Interface
    from .nat import Nat

__all__ = ["INTERNET_POOLS", "Realm"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

INTERNET_POOLS = ("198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24")
"""Where the internet realm auto-assigns addresses from (the RFC 5737 documentation
ranges); any other address may still be given explicitly."""


class Realm:
    """An address space. Create them through :class:`~rtcpeer.testing.SimNetwork`
    (``net.internet``, ``net.add_nat(...).inside``), not directly."""

    def __init__(
        self,
        name: str,
        *,
        subnet: str | None = None,
        pools: Sequence[str] = (),
        nat: Nat | None = None,
    ) -> None:
        self.name = name
        """Human-readable name used in traces (``"internet"``, ``"<nat>.inside"``)."""
        self.subnet: IPNetwork | None = (
            ipaddress.ip_network(subnet, strict=False) if subnet is not None else None
        )
        """The realm's subnet; every address in it must lie inside it. ``None`` for the
        internet, which accepts any address."""
        self.nat = nat
        """The NAT this realm is the inside of (``None`` for the internet)."""
        self._pools: list[IPNetwork] = [ipaddress.ip_network(p) for p in pools]
        if self.subnet is not None:
            self._pools.insert(0, self.subnet)
        self._owners: dict[str, Interface | Nat] = {}
        self._reserved: set[str] = set()
        self._contains_cache: dict[str, bool] = {}

    @property
    def parent(self) -> Realm | None:
        """The realm this one's NAT forwards to (``None`` for the internet)."""
        return self.nat.parent if self.nat is not None else None

    @property
    def depth(self) -> int:
        """0 for the internet, 1 behind one NAT, 2 behind a NAT behind a NAT, ..."""
        parent = self.parent
        return 0 if parent is None else parent.depth + 1

    def owner(self, ip: str) -> Interface | Nat | None:
        """Who has ``ip`` (canonical form) in this realm, if anyone."""
        return self._owners.get(ip)

    @property
    def addresses(self) -> dict[str, Interface | Nat]:
        """A copy of the ip -> owner table."""
        return dict(self._owners)

    def contains(self, ip: str) -> bool:
        """Whether ``ip`` belongs to this realm's subnet (always true for the internet)."""
        if self.subnet is None:
            return True
        cached = self._contains_cache.get(ip)
        if cached is None:
            address = ipaddress.ip_address(ip)
            cached = address.version == self.subnet.version and address in self.subnet
            if len(self._contains_cache) < 4096:
                self._contains_cache[ip] = cached
        return cached

    def is_on_link(self, ip: str) -> bool:
        """Whether a datagram for ``ip`` stays in this realm rather than going up to its NAT.

        Same as :meth:`contains`: a NAT's inside delivers its own subnet locally and sends
        everything else to the NAT; the internet has nowhere further to send anything.
        """
        return self.contains(ip)

    # -- address management (used by Host/Interface/Nat) ---------------------------------

    def allocate(self, version: int = 4) -> str:
        """The first free address of the realm's subnet (or the internet's pools)."""
        for ip in self._candidates(version):
            if ip not in self._owners and ip not in self._reserved:
                return ip
        raise ValueError(f"realm {self.name!r} has no free IPv{version} address to assign")

    def _candidates(self, version: int) -> Iterator[str]:
        for pool in self._pools:
            if pool.version != version:
                continue
            for address in pool.hosts():
                yield address.compressed

    def claim(self, ip: str, owner: Interface | Nat) -> str:
        """Register ``owner`` at ``ip`` (validated, canonicalised); returns the IP."""
        ip = canonical_ip(ip)
        if not self.contains(ip):
            raise ValueError(f"{ip} is not in realm {self.name!r} (subnet {self.subnet})")
        if ip in self._reserved:
            raise ValueError(f"{ip} is reserved in realm {self.name!r}")
        current = self._owners.get(ip)
        if current is not None and current is not owner:
            raise ValueError(f"{ip} is already in use in realm {self.name!r} by {current!r}")
        self._owners[ip] = owner
        return ip

    def release(self, ip: str, owner: Interface | Nat) -> None:
        """Forget ``owner`` at ``ip`` (no-op if someone else holds it)."""
        if self._owners.get(ip) is owner:
            del self._owners[ip]

    def reserve(self, ip: str) -> None:
        """Keep ``ip`` from being assigned (e.g. the NAT's own LAN-side address)."""
        self._reserved.add(canonical_ip(ip))

    def __repr__(self) -> str:
        subnet = f" {self.subnet}" if self.subnet is not None else ""
        return f"<Realm {self.name}{subnet}>"
