"""NAT behaviour per RFC 4787 ("NAT Behavioral Requirements for Unicast UDP").

A :class:`Nat` joins a private :class:`~rtcpeer.testing.Realm` (``nat.inside``) to its
parent realm (the internet, or the inside of another NAT). It keeps a table of
:class:`NatMapping` entries, each binding an internal transport address to an external
one on the NAT's public IP, and applies:

* **mapping behaviour** (RFC 4787 §4.1): whether an existing mapping is reused for a new
  destination: ``"endpoint-independent"`` (one mapping per internal address, REQ-1),
  ``"address-dependent"`` (one per destination IP) or ``"address-and-port-dependent"``
  (one per destination IP and port, the "symmetric NAT").
* **port assignment** (§4.2.1): with ``port_preservation`` the external port equals the
  internal port when it is free; otherwise (or when ``port_preservation`` is off) the port
  is drawn from the network's RNG. Internal ports 0-1023 map into 1-1023 and others into
  :attr:`NatBehavior.external_ports` (REQ-3, port-range preservation). Port overloading
  (§4.2.2) is never done: every mapping owns its external port (REQ-4).
* **mapping refresh** (§4.3): a mapping expires ``mapping_timeout`` seconds after the last
  outbound datagram that used it (REQ-5 asks for >= 120 s; tests may use less). Outbound
  traffic always refreshes (REQ-6); inbound traffic refreshes only with
  ``inbound_refresh`` (the RFC leaves it to the NAT).
* **filtering behaviour** (§5): which external sources may send through an existing
  mapping: ``"endpoint-independent"`` (anyone), ``"address-dependent"`` (any port of an IP
  the mapping has sent to) or ``"address-and-port-dependent"`` (exactly the ip:ports it
  has sent to). Inbound datagrams with no live mapping are dropped (``"nat-no-mapping"``),
  those refused by the filter too (``"nat-filter"``).
* **hairpinning** (§6): a datagram from inside to one of the NAT's own external mappings
  is turned back inside, with its source translated to the sender's external mapping
  (REQ-9a) and the target mapping's filter applied as for any inbound datagram. Disabled,
  such datagrams are dropped (``"hairpin"``).

The classic STUN (RFC 3489) names map to behaviours through :class:`NatType` /
:meth:`NatBehavior.of`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Literal, get_args

from .address import Address, canonical_ip
from .clock import NS_PER_SECOND, seconds_to_ns
from .link import LinkChannel, LinkProfile
from .realm import Realm
from .trace import DropReason

if TYPE_CHECKING:
    from .network import SimNetwork

__all__ = [
    "Behavior",
    "Nat",
    "NatBehavior",
    "NatMapping",
    "NatType",
]

Behavior = Literal["endpoint-independent", "address-dependent", "address-and-port-dependent"]
"""A mapping (RFC 4787 §4.1) or filtering (§5) behaviour."""

EIM: Behavior = "endpoint-independent"
ADM: Behavior = "address-dependent"
APDM: Behavior = "address-and-port-dependent"
_BEHAVIORS = get_args(Behavior)


class NatType(Enum):
    """The classic NAT names, as presets for :meth:`NatBehavior.of`."""

    FULL_CONE = "full-cone"
    """Endpoint-independent mapping and filtering, port preserving."""
    RESTRICTED_CONE = "restricted-cone"
    """Endpoint-independent mapping, address-dependent filtering, port preserving."""
    PORT_RESTRICTED_CONE = "port-restricted-cone"
    """Endpoint-independent mapping, address-and-port-dependent filtering, port
    preserving."""
    SYMMETRIC = "symmetric"
    """Address-and-port-dependent mapping and filtering, random external ports."""


@dataclass(frozen=True)
class NatBehavior:
    """How a :class:`Nat` maps and filters (RFC 4787). Immutable; derive variants with
    :func:`dataclasses.replace`, e.g. ``replace(NatBehavior.of(NatType.SYMMETRIC),
    mapping_timeout=30)``."""

    mapping: Behavior = EIM
    """Mapping behaviour, RFC 4787 §4.1."""
    filtering: Behavior = EIM
    """Filtering behaviour, RFC 4787 §5."""
    port_preservation: bool = True
    """Try to keep the internal port as the external port, RFC 4787 §4.2.1."""
    mapping_timeout: float = 120.0
    """Seconds of outbound silence after which a mapping expires, RFC 4787 §4.3."""
    hairpinning: bool = True
    """Loop datagrams for the NAT's own public address back inside, RFC 4787 §6."""
    inbound_refresh: bool = False
    """Whether inbound datagrams also refresh a mapping's timer (RFC 4787 §4.3 leaves
    this open; REQ-6 only requires outbound refresh)."""
    external_ports: tuple[int, int] = (1024, 65535)
    """Inclusive range external ports are assigned from for internal ports >= 1024
    (internal ports below 1024 map into 1-1023, RFC 4787 §4.2.1 REQ-3). Narrow it to
    test port exhaustion or collisions."""

    def __post_init__(self) -> None:
        if self.mapping not in _BEHAVIORS:
            raise ValueError(f"mapping must be one of {_BEHAVIORS}, got {self.mapping!r}")
        if self.filtering not in _BEHAVIORS:
            raise ValueError(f"filtering must be one of {_BEHAVIORS}, got {self.filtering!r}")
        if not self.mapping_timeout > 0:
            raise ValueError(f"mapping_timeout must be > 0, got {self.mapping_timeout!r}")
        low, high = self.external_ports
        if not 1024 <= low <= high <= 65535:
            raise ValueError(f"external_ports must lie within 1024..65535, got {(low, high)}")

    @classmethod
    def of(cls, nat_type: NatType) -> NatBehavior:
        """The preset behaviour for a classic NAT type.

        ============================  ==================  ==================  ===========
        type                          mapping (§4.1)      filtering (§5)      ports
        ============================  ==================  ==================  ===========
        ``FULL_CONE``                 endpoint-indep.     endpoint-indep.     preserved
        ``RESTRICTED_CONE``           endpoint-indep.     address-dep.        preserved
        ``PORT_RESTRICTED_CONE``      endpoint-indep.     address+port-dep.   preserved
        ``SYMMETRIC``                 address+port-dep.   address+port-dep.   random
        ============================  ==================  ==================  ===========
        """
        if nat_type is NatType.FULL_CONE:
            return cls(mapping=EIM, filtering=EIM)
        if nat_type is NatType.RESTRICTED_CONE:
            return cls(mapping=EIM, filtering=ADM)
        if nat_type is NatType.PORT_RESTRICTED_CONE:
            return cls(mapping=EIM, filtering=APDM)
        if nat_type is NatType.SYMMETRIC:
            return cls(mapping=APDM, filtering=APDM, port_preservation=False)
        raise ValueError(f"unknown NAT type {nat_type!r}")


@dataclass(eq=False)
class NatMapping:
    """One entry of a NAT's table (RFC 4787 §4). Inspect only; the NAT updates it."""

    internal: Address
    """The inside host's transport address."""
    external: Address
    """The address the rest of the world sees: ``(nat.public_ip, port)``."""
    remote_ip: str | None
    """The destination IP this mapping is for (address-dependent and
    address-and-port-dependent mapping), else ``None``."""
    remote_port: int | None
    """The destination port this mapping is for (address-and-port-dependent mapping
    only), else ``None``."""
    created_ns: int
    expires_ns: int
    _contacted: dict[Address, None] = field(default_factory=dict, repr=False)
    _contacted_ips: dict[str, None] = field(default_factory=dict, repr=False)

    @property
    def created_at(self) -> float:
        """Virtual time the mapping was created."""
        return self.created_ns / NS_PER_SECOND

    @property
    def expires_at(self) -> float:
        """Virtual time the mapping expires unless refreshed."""
        return self.expires_ns / NS_PER_SECOND

    @property
    def contacted(self) -> tuple[Address, ...]:
        """Every remote address an outbound datagram was sent to through this mapping,
        in first-contact order (this is the filter's permission list, RFC 4787 §5)."""
        return tuple(self._contacted)

    def permits(self, source: Address, filtering: Behavior) -> bool:
        """Whether an inbound datagram from ``source`` passes ``filtering`` (§5)."""
        if filtering == EIM:
            return True
        if filtering == ADM:
            return source[0] in self._contacted_ips
        return source in self._contacted


class Nat:
    """A NAT box. Create with :meth:`SimNetwork.add_nat`.

    ``nat.inside`` is the private realm behind it (add hosts' interfaces there, or further
    NATs with ``parent=nat.inside``); ``nat.public_ip`` is its address in ``nat.parent``;
    ``nat.link`` is the WAN-side :class:`LinkProfile` (mutable).
    """

    def __init__(
        self,
        network: SimNetwork,
        name: str,
        behavior: NatBehavior,
        public_ip: str,
        parent: Realm,
        subnet: str,
        link: LinkProfile,
    ) -> None:
        self.network = network
        self.name = name
        self.behavior = behavior
        """The :class:`NatBehavior` in force; may be replaced mid-run (existing mappings
        are kept and looked up under the new rules from then on)."""
        self.parent = parent
        """The realm the NAT's public address is in."""
        self.inside = Realm(f"{name}.inside", subnet=subnet, nat=self)
        """The private realm behind the NAT."""
        assert self.inside.subnet is not None
        first = next(iter(self.inside.subnet.hosts()), None)
        self.inside_ip: str | None = first.compressed if first is not None else None
        """The NAT's own LAN-side address (the subnet's first host address), reserved so
        no interface is assigned it."""
        if self.inside_ip is not None:
            self.inside.reserve(self.inside_ip)
        self.link = link
        """WAN-side link impairments, applied to datagrams to and from ``parent``."""
        self.egress = LinkChannel()
        self.ingress = LinkChannel()
        self.public_ip = parent.claim(public_ip, self)
        """The NAT's address in its parent realm."""
        self._by_key: dict[tuple[str, int, str | None, int | None], NatMapping] = {}
        self._by_port: dict[int, NatMapping] = {}

    # -- inspection ---------------------------------------------------------------------

    @property
    def mappings(self) -> list[NatMapping]:
        """The live (unexpired) mappings, oldest first."""
        self._purge_expired()
        return list(self._by_key.values())

    def find_mappings(self, internal: Address) -> list[NatMapping]:
        """Live mappings for one internal transport address."""
        internal = (canonical_ip(internal[0]), internal[1])
        return [m for m in self.mappings if m.internal == internal]

    # -- management -----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every mapping, as a NAT reboot would."""
        self._by_key.clear()
        self._by_port.clear()

    def change_public_ip(self, new_ip: str) -> None:
        """Renumber the NAT's public address (e.g. a new DHCP lease from the ISP). All
        mappings are lost; datagrams in flight to the old address are dropped."""
        new_ip = canonical_ip(new_ip)
        if new_ip == self.public_ip:
            return
        self.parent.claim(new_ip, self)
        self.parent.release(self.public_ip, self)
        self.public_ip = new_ip
        self.reset()

    # -- translation (called by the network) ----------------------------------------------

    def translate_outbound(self, src: Address, dst: Address) -> NatMapping | None:
        """Find or create the mapping for a datagram ``src -> dst`` leaving the inside,
        refresh it and record ``dst`` in its filter. ``None`` when no port is free."""
        now = self.network.clock.now_ns
        behavior = self.behavior
        if behavior.mapping == EIM:
            key: tuple[str, int, str | None, int | None] = (src[0], src[1], None, None)
        elif behavior.mapping == ADM:
            key = (src[0], src[1], dst[0], None)
        else:
            key = (src[0], src[1], dst[0], dst[1])
        mapping = self._by_key.get(key)
        if mapping is not None and mapping.expires_ns <= now:
            self._remove(mapping)
            mapping = None
        if mapping is None:
            port = self._allocate_port(src[1], now)
            if port is None:
                return None
            mapping = NatMapping(
                internal=src,
                external=(self.public_ip, port),
                remote_ip=key[2],
                remote_port=key[3],
                created_ns=now,
                expires_ns=now,
            )
            self._by_key[key] = mapping
            self._by_port[port] = mapping
        mapping.expires_ns = now + seconds_to_ns(behavior.mapping_timeout)
        mapping._contacted[dst] = None
        mapping._contacted_ips[dst[0]] = None
        return mapping

    def translate_inbound(self, src: Address, dst_port: int) -> NatMapping | DropReason:
        """Look up the mapping for a datagram from ``src`` to ``(public_ip, dst_port)`` and
        apply the filter; returns the mapping or why the datagram is dropped."""
        now = self.network.clock.now_ns
        mapping = self._by_port.get(dst_port)
        if mapping is None:
            return DropReason.NAT_NO_MAPPING
        if mapping.expires_ns <= now:
            self._remove(mapping)
            return DropReason.NAT_NO_MAPPING
        if not mapping.permits(src, self.behavior.filtering):
            return DropReason.NAT_FILTER
        if self.behavior.inbound_refresh:
            mapping.expires_ns = now + seconds_to_ns(self.behavior.mapping_timeout)
        return mapping

    # -- internals ------------------------------------------------------------------------

    def _remove(self, mapping: NatMapping) -> None:
        key = (mapping.internal[0], mapping.internal[1], mapping.remote_ip, mapping.remote_port)
        if self._by_key.get(key) is mapping:
            del self._by_key[key]
        if self._by_port.get(mapping.external[1]) is mapping:
            del self._by_port[mapping.external[1]]

    def _purge_expired(self) -> None:
        now = self.network.clock.now_ns
        for mapping in [m for m in self._by_key.values() if m.expires_ns <= now]:
            self._remove(mapping)

    def _port_free(self, port: int, now: int) -> bool:
        holder = self._by_port.get(port)
        if holder is None:
            return True
        if holder.expires_ns <= now:
            self._remove(holder)
            return True
        return False

    def _allocate_port(self, internal_port: int, now: int) -> int | None:
        low, high = (1, 1023) if internal_port < 1024 else self.behavior.external_ports
        if (
            self.behavior.port_preservation
            and low <= internal_port <= high
            and self._port_free(internal_port, now)
        ):
            return internal_port
        rng = self.network.rng
        for _ in range(32):
            port = rng.randint(low, high)
            if self._port_free(port, now):
                return port
        # The range is nearly full: scan it once from a random starting point.
        span = high - low + 1
        start = rng.randrange(span)
        for offset in range(span):
            port = low + (start + offset) % span
            if self._port_free(port, now):
                return port
        return None

    def __repr__(self) -> str:
        behavior = self.behavior
        return f"<Nat {self.name} {self.public_ip} {behavior.mapping}/{behavior.filtering}>"
