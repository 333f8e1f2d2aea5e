"""STUN server addresses from configuration: ``stun:`` URLs, ``host:port`` or tuples.

Names are resolved asynchronously with a bounded time, so a slow or broken resolver never
holds up gathering for long (RFC 8838: host candidates never wait at all).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

Address = tuple[str, int]
DEFAULT_PORT = 3478
#: How long a STUN server's name may take to resolve before it is given up.
RESOLVE_TIMEOUT = 2.0


def parse_stun_server(server: str | Address) -> tuple[str, int]:
    """(host, port) of ``stun:host[:port]``, ``host[:port]``, ``[v6]:port`` or a tuple."""
    if isinstance(server, tuple):
        return server[0], server[1]
    text = server.strip()
    if text.startswith("stun:"):
        text = text[5:]
    if "?" in text or "/" in text or "@" in text:
        raise ValueError(f"not a STUN server address: {server!r}")
    port = DEFAULT_PORT
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep:
            raise ValueError(f"not a STUN server address: {server!r}")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"not a STUN server address: {server!r}")
            port = int(rest[1:])
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
        port = int(port_text)
    else:
        host = text
    if not host or not 0 < port < 65536:
        raise ValueError(f"not a STUN server address: {server!r}")
    return host, port


def literal_address(host: str, port: int) -> Address | None:
    """The address itself when ``host`` is an IP literal, else None (a name to resolve)."""
    try:
        return str(ipaddress.ip_address(host)), port
    except ValueError:
        return None


async def resolve(host: str, port: int, *, timeout: float = RESOLVE_TIMEOUT) -> Address | None:
    """Resolve a STUN server name to one UDP address (IPv4 preferred); None on failure."""
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM), timeout=timeout
        )
    except (TimeoutError, OSError):
        return None
    infos.sort(key=lambda info: 0 if info[0] == socket.AF_INET else 1)
    for info in infos:
        address = info[4]
        return str(address[0]), int(address[1])
    return None
