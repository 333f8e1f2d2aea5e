"""What the simulated network records: trace events, drop reasons and counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from .address import Address

__all__ = ["DropReason", "NetworkStats", "TraceEvent", "TraceKind"]


class DropReason(StrEnum):
    """Why a datagram was dropped. Members compare and hash equal to their string values,
    so ``stats.dropped["loss"]`` and ``stats.dropped[DropReason.LOSS]`` are the same."""

    LOSS = "loss"
    """Random loss on a link (``LinkProfile.loss`` or the Gilbert-Elliott bad state)."""
    MTU = "mtu"
    """Larger than a link's ``mtu`` minus the IP+UDP headers."""
    PARTITION = "partition"
    """Crossed a :meth:`SimNetwork.partition` while it was in force."""
    NO_ROUTE = "no-route"
    """No interface or NAT has the destination IP in the realm the packet reached (also an
    address that changed while the packet was in flight, or an address family mismatch)."""
    NO_SOCKET = "no-socket"
    """Reached the destination interface but no socket is bound to the port."""
    NAT_FILTER = "nat-filter"
    """Refused by a NAT's filtering behaviour (RFC 4787 §5)."""
    NAT_NO_MAPPING = "nat-no-mapping"
    """Inbound at a NAT's public address for which no live mapping exists (never created,
    or expired per RFC 4787 §4.3)."""
    NAT_EXHAUSTED = "nat-exhausted"
    """The NAT had no free external port for a new mapping."""
    HAIRPIN = "hairpin"
    """Sent from inside a NAT to its own public address while hairpinning (RFC 4787 §6) is
    disabled."""
    DOWN = "down"
    """The sending or receiving interface is down."""
    CLOSED = "closed"
    """Sent on a closed socket (sending on a closed socket never raises)."""
    TTL = "ttl"
    """Forwarded too many times (a routing loop; should not happen in a sane topology)."""


TraceKind = Literal["send", "deliver", "drop", "translate", "duplicate"]


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One thing that happened to a datagram.

    ``kind`` is one of:

    * ``"send"``: a socket sent it; ``src`` is the socket's address.
    * ``"translate"``: a NAT rewrote it; ``src``/``dst`` are the addresses *after*
      translation and ``where`` is the NAT's name.
    * ``"duplicate"``: a link made a second copy (same ``packet_id``).
    * ``"deliver"``: handed to a socket's callback; ``dst`` is the socket's address.
    * ``"drop"``: lost; ``reason`` says why and ``where`` names the link, NAT, realm or
      interface where it happened.
    """

    time: float
    kind: TraceKind
    packet_id: int
    src: Address
    dst: Address
    size: int
    where: str
    reason: DropReason | None = None

    def __str__(self) -> str:
        """One readable line for printing a trace when a test fails, e.g.
        ``0.020000 drop      #3 198.51.100.2:9 -> 203.0.113.1:5000 (4 B) at nat: nat-filter``.
        """
        why = f": {self.reason}" if self.reason is not None else ""
        return (
            f"{self.time:.6f} {self.kind:<9} #{self.packet_id} {_fmt(self.src)} -> "
            f"{_fmt(self.dst)} ({self.size} B) at {self.where}{why}"
        )


def _fmt(address: Address) -> str:
    ip, port = address
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


@dataclass
class NetworkStats:
    """Counters kept by :class:`~rtcpeer.testing.SimNetwork` (always, even with tracing off).

    Every datagram ever sent is accounted for:
    ``sent + duplicated == delivered + sum(dropped.values()) + in_flight``.
    """

    sent: int = 0
    delivered: int = 0
    duplicated: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    """Drops by reason; the keys are :class:`DropReason` members (which are strs)."""

    @property
    def total_dropped(self) -> int:
        """Sum of :attr:`dropped` over all reasons."""
        return sum(self.dropped.values())

    def reset(self) -> None:
        """Zero every counter."""
        self.sent = 0
        self.delivered = 0
        self.duplicated = 0
        self.dropped.clear()
