"""Transport addresses: ``(ip, port)`` tuples with IPs in canonical text form."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

__all__ = [
    "IPV4_UDP_OVERHEAD",
    "IPV6_UDP_OVERHEAD",
    "Address",
    "canonical_ip",
    "check_address",
    "ip_version",
    "udp_overhead",
]

Address = tuple[str, int]
"""A UDP transport address: ``(ip, port)``, e.g. ``("203.0.113.5", 3478)``."""

IPV4_UDP_OVERHEAD = 28
"""IPv4 header (20) + UDP header (8) bytes: a datagram fits an MTU if ``len + 28 <= mtu``."""

IPV6_UDP_OVERHEAD = 48
"""IPv6 header (40) + UDP header (8) bytes."""


@lru_cache(maxsize=4096)
def _parse(ip: str) -> tuple[str, int]:
    parsed = ipaddress.ip_address(ip)
    return parsed.compressed, parsed.version


def canonical_ip(ip: str) -> str:
    """Return ``ip`` in canonical form (``"2001:DB8::01"`` -> ``"2001:db8::1"``).

    Raises :class:`ValueError` if ``ip`` is not an IPv4 or IPv6 address.
    """
    if not isinstance(ip, str):
        raise ValueError(f"IP address must be a str, got {ip!r}")
    return _parse(ip)[0]


def ip_version(ip: str) -> int:
    """4 or 6."""
    return _parse(ip)[1]


def udp_overhead(ip: str) -> int:
    """IP + UDP header bytes for a datagram whose addresses are of ``ip``'s family."""
    return IPV4_UDP_OVERHEAD if _parse(ip)[1] == 4 else IPV6_UDP_OVERHEAD


def check_address(address: Address, *, allow_port_zero: bool = False) -> Address:
    """Validate ``(ip, port)`` and return it with the IP canonicalised.

    Raises :class:`ValueError` for anything that is not a 2-tuple of an IP string and a
    port in ``1..65535`` (``0..65535`` when ``allow_port_zero``).
    """
    try:
        ip, port = address
    except (TypeError, ValueError):
        raise ValueError(f"address must be an (ip, port) tuple, got {address!r}") from None
    if not isinstance(port, int) or isinstance(port, bool):
        raise ValueError(f"port must be an int, got {port!r}")
    low = 0 if allow_port_zero else 1
    if not low <= port <= 65535:
        raise ValueError(f"port out of range: {port!r}")
    return canonical_ip(ip), port
