"""Which local addresses become host candidates (RFC 8445 §5.1.1.1).

By default every configured interface address except loopback and link-local ones (and
the other kinds RFC 8445 §5.1.1.1 excludes); loopback is used when it is all there is.
``RTCPEER_ICE_ADDRESSES`` (comma-separated addresses or interface names) or the
``addresses`` argument restrict the choice: this is how tests keep traffic on 127.0.0.1
or inside a network namespace, and how a server pins its public interface.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence

import ifaddr

from rtcpeer.ice.candidate import host_address_exclusion

ENVIRONMENT_VARIABLE = "RTCPEER_ICE_ADDRESSES"


def _interfaces() -> list[tuple[str, str]]:
    """(interface name, address) for every configured address, IPv6 without zone."""
    found: list[tuple[str, str]] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            address = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            found.append((adapter.name, address))
    return found


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def host_addresses(
    addresses: Sequence[str] | None = None, *, include_loopback: bool = False
) -> list[str]:
    """The local IP addresses to gather host candidates on.

    ``addresses`` (or, when it is None, ``RTCPEER_ICE_ADDRESSES``) lists addresses and/or
    interface names; every address it names is used as given (loopback included). Without
    it: every interface address that RFC 8445 §5.1.1.1 allows, plus loopback when
    ``include_loopback`` is set or when nothing else exists.
    """
    if addresses is None:
        spec = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
        addresses = [part.strip() for part in spec.split(",") if part.strip()] if spec else None
    literal = addresses is not None and all(_is_address(item) for item in addresses)
    # Listing the interfaces costs a millisecond per connection: only when names need it.
    interfaces = [] if literal else _interfaces()
    if addresses is not None:
        chosen: list[str] = []
        for item in addresses:
            if _is_address(item):
                matches = [str(ipaddress.ip_address(item))]
            else:
                matches = [address for name, address in interfaces if name == item]
                if not matches:
                    raise ValueError(f"{ENVIRONMENT_VARIABLE}: no interface or address {item!r}")
            chosen.extend(a for a in matches if a not in chosen)
        return chosen
    usable = [
        a
        for _, a in interfaces
        if host_address_exclusion(a) is None and not ipaddress.ip_address(a).is_link_local
    ]
    loopback = [a for _, a in interfaces if ipaddress.ip_address(a).is_loopback]
    if include_loopback or not usable:
        usable += [a for a in loopback if a not in usable]
    return list(dict.fromkeys(usable))
