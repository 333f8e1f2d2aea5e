"""A STUN Binding server node (RFC 8489) for the simulated network.

It answers each Binding request with a success response carrying XOR-MAPPED-ADDRESS (the
request's source transport address as the server sees it, i.e. after every NAT on the
way: the client's server-reflexive address, RFC 8489 §14.2), SOFTWARE (§14.14) and
FINGERPRINT (§14.7). It uses no authentication (RFC 8489 §9: a Binding server for NAT
discovery need not).

Requests carrying comprehension-required attributes it does not understand get a 420
(Unknown Attribute) error response listing them (RFC 8489 §6.3.1.1). Everything else is
silently discarded and counted (RFC 8489 §6.3): datagrams that are not STUN or do not
parse (:attr:`StunServer.malformed`), and well-formed messages that are not Binding
requests (:attr:`StunServer.ignored`). The server never raises on its input.
"""

from __future__ import annotations

from collections import Counter

from rtcpeer.stun import (
    AttrType,
    ErrorCode,
    MessageClass,
    Method,
    StunMessage,
    is_stun,
    parse_message,
)

from .address import Address
from .host import Host
from .network import SimNetwork

__all__ = ["DEFAULT_SOFTWARE", "StunServer"]

DEFAULT_SOFTWARE = "rtcpeer.testing STUN server"


class StunServer:
    """A STUN Binding server listening on ``(ip, port)`` of ``host``.

    ``ip`` defaults to the host's first interface address. The server's socket is
    :attr:`socket`; :meth:`close` stops it.
    """

    def __init__(
        self,
        network: SimNetwork,
        host: Host,
        port: int = 3478,
        *,
        ip: str | None = None,
        software: str | None = DEFAULT_SOFTWARE,
    ) -> None:
        if host.network is not network:
            raise ValueError(f"host {host.name!r} belongs to another SimNetwork")
        self.network = network
        self.host = host
        self.software = software
        """SOFTWARE attribute value for responses (``None`` leaves it out)."""
        self.socket = host.bind((host.ip if ip is None else ip, port), self._on_datagram)
        self.address: Address = self.socket.local_address
        """Where clients send their Binding requests."""
        self.requests = 0
        """Binding requests received and answered (including 420 error responses)."""
        self.malformed = 0
        """Datagrams dropped because they are not STUN or do not parse."""
        self.ignored = 0
        """Well-formed STUN messages dropped because they are not Binding requests."""
        self.sources: Counter[Address] = Counter()
        """Binding requests per source address (the reflexive addresses handed out)."""

    def close(self) -> None:
        """Close the server's socket."""
        self.socket.close()

    def _on_datagram(self, data: bytes, local: Address, remote: Address) -> None:
        if not is_stun(data):
            self.malformed += 1
            return
        try:
            request = parse_message(data)
        except Exception:  # the parser raises StunError; anything else is dropped too
            self.malformed += 1
            return
        if request.method != Method.BINDING or request.message_class != MessageClass.REQUEST:
            self.ignored += 1
            return
        self.requests += 1
        self.sources[remote] += 1
        attributes: dict[int, object]
        unknown = request.unknown_comprehension_required
        if unknown:
            message_class = MessageClass.ERROR
            attributes = {
                AttrType.ERROR_CODE: ErrorCode(420, "Unknown Attribute"),
                AttrType.UNKNOWN_ATTRIBUTES: unknown,
            }
        else:
            message_class = MessageClass.SUCCESS
            attributes = {AttrType.XOR_MAPPED_ADDRESS: remote}
        if self.software is not None:
            attributes[AttrType.SOFTWARE] = self.software
        response = StunMessage(
            method=Method.BINDING,
            message_class=message_class,
            transaction_id=request.transaction_id,
            attributes=attributes,
        )
        self.socket.send(response.encode(fingerprint=True), remote)

    def __repr__(self) -> str:
        ip, port = self.address
        return f"<StunServer {ip}:{port} requests={self.requests}>"
