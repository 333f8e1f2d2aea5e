"""ICE candidates: the ``candidate`` attribute, candidate priorities and foundations.

This module is sans-IO: it never opens a socket, resolves a name or reads a clock.

What it implements, and where each rule comes from:

* :class:`Candidate` is one ICE candidate (RFC 8445 §5.1) as carried by the SDP
  ``a=candidate`` attribute (RFC 8839 §5.1) or by W3C ``RTCIceCandidate.candidate``.
  :meth:`Candidate.to_sdp` writes it, :meth:`Candidate.from_sdp` reads it.
* :func:`candidate_priority` is the RFC 8445 §5.1.2.1 priority formula with the
  RFC 8445 §5.1.2.2 recommended type preferences (:data:`TYPE_PREFERENCE`).
* :func:`compute_foundation` derives a foundation obeying RFC 8445 §5.1.1.3.
* :func:`address_kind` and :func:`canonical_address` classify and normalise a
  connection address (IPv4, IPv6, mDNS ``.local`` name, other host name).
* :func:`host_address_exclusion` applies the RFC 8445 §5.1.1.1 rules for which interface
  addresses may become host candidates.

Grammar (RFC 8839 §5.1; ``token`` is RFC 3261's, ``ice-char`` is ALPHA / DIGIT / "+" / "/")::

    candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP
                          priority SP connection-address SP port SP cand-type
                          [SP rel-addr] [SP rel-port] *(SP cand-extension)
    foundation     = 1*32ice-char
    component-id   = 1*3DIGIT                   ; 1..256
    transport      = "UDP" / transport-extension
    priority       = 1*10DIGIT                  ; 1..2^31-1
    cand-type      = "typ" SP candidate-types   ; host / srflx / prflx / relay / token
    rel-addr       = "raddr" SP connection-address
    rel-port       = "rport" SP port
    cand-extension = extension-att-name SP extension-att-value   ; token SP *VCHAR

Decisions (documented here once; the parser and the constructor enforce the same rules, so
``Candidate.from_sdp(c.to_sdp()) == c`` for every ``Candidate`` that can be constructed):

* **Input forms.** ``from_sdp`` accepts ``a=candidate:...``, ``candidate:...`` (W3C
  ``RTCIceCandidate.candidate``) and the bare ``<foundation> <component> ...`` form (aiortc's
  ``candidate_from_sdp``). Leading and trailing whitespace (``str.strip``, so CRLF too) is
  removed; ``a=`` is case-sensitive (an SDP line type), ``candidate:`` is not. ``to_sdp``
  writes ``candidate:...`` without ``a=``.
* **Characters and separators.** Only printable US-ASCII (VCHAR) plus SP/HTAB may appear. Fields
  are separated by one or more SP/HTAB (the grammar says one SP; a run is accepted and written
  back as one SP). Hence an extension value is ``1*VCHAR``: an empty value cannot be expressed.
* **Case.** ABNF literals are case-insensitive (RFC 5234 §2.3), so ``candidate:``, ``typ``,
  ``raddr``, ``rport``, the candidate type, the transport, ``tcptype`` and its value, and the
  known extension names below are matched case-insensitively and written in lower case.
  Unknown extension names and all values are kept exactly as given.
* **Numbers** are ASCII digits only; leading zeros are accepted and dropped on output.
  ``component-id`` 1..256 in at most 3 digits, ``priority`` 1..2^31-1 in at most 10 digits,
  ports 0..65535 in at most 5 digits.
* **Transport.** Only ``udp`` and ``tcp`` (RFC 6544) are supported; any other well-formed
  ``transport-extension`` raises :class:`UnsupportedCandidateError` (a
  :class:`CandidateParseError`), so an agent can ignore that one candidate.
* **Candidate type.** ``host``/``srflx``/``prflx``/``relay``; an unknown ``token`` raises
  :class:`UnsupportedCandidateError`.
* **Connection and related addresses** are an IPv4 address, an IPv6 address (no brackets) or
  a host name (RFC 8839 §5.1 allows an FQDN; a name whose last label is ``local`` is an mDNS
  name, draft-ietf-mmusic-mdns-ice-candidates / RFC 6762). IPv6 addresses are stored in
  RFC 5952 canonical text (lower case, longest zero run compressed, IPv4-mapped addresses in
  dotted ``::ffff:a.b.c.d`` form, which is also what the OS reports for a dual-stack socket);
  IPv4 addresses and names are kept as given.
* **IPv6 zone identifiers** (RFC 4007 §11 ``fe80::1%eth0``) are accepted, by the constructor
  *and* the parser, and kept as given. RFC 4566's ``IP6-address`` has no zone, so other
  implementations will not understand one, but a :class:`Candidate` must be able to hold every
  transport address an agent sees (a link-local host candidate, or a peer-reflexive candidate
  learnt from a link-local peer, is not routable without its zone), and ``to_sdp``/``from_sdp``
  must round-trip. The zone must be printable ASCII other than ``%`` and ``/``. Whether to
  signal such candidates is the agent's policy (see :func:`host_address_exclusion`).
* **raddr/rport** must come together (one without the other is an error). They may appear
  anywhere among the name/value pairs after the type; they are written right after the type.
  They are not required for srflx/prflx/relay nor rejected for host: RFC 8839 §5.1's MUST is a
  sender rule and deployed agents (e.g. with mDNS privacy, ``raddr 0.0.0.0 rport 0``) vary.
* **tcptype** (RFC 6544 §4.5) is only allowed on ``tcp`` candidates and must be ``active``,
  ``passive`` or ``so``. It is optional on ``tcp`` candidates.
* **Known extensions** ``generation``, ``network-id`` and ``network-cost`` (emitted by
  libwebrtc) must be non-negative integers of at most 10 digits that fit in 32 bits;
  ``ufrag`` must be an RFC 8839 §5.4 ``ice-ufrag`` (4..256 ice-chars).
* **Duplicates.** A known key (``typ``, ``raddr``, ``rport``, ``tcptype``, ``generation``,
  ``ufrag``, ``network-id``, ``network-cost``) given twice is an error. Unknown extensions may
  repeat; they are kept, in order, and written back after the known ones.
* **Extension pairs.** After ``typ <type>`` an odd number of fields is an error (the last
  name has no value). Extension names must be RFC 3261 tokens.
* **Errors.** Every malformed text raises :class:`CandidateParseError` (a ``ValueError``) with
  a message naming the offending field. Passing a non-``str`` text raises ``TypeError``.
  Constructing a :class:`Candidate` with invalid values raises the same exceptions.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

__all__ = [
    "MAX_PRIORITY",
    "TCP_TYPES",
    "TRANSPORTS",
    "TYPE_PREFERENCE",
    "AddressKind",
    "Candidate",
    "CandidateParseError",
    "CandidateType",
    "UnsupportedCandidateError",
    "address_kind",
    "candidate_priority",
    "canonical_address",
    "compute_foundation",
    "host_address_exclusion",
]


class CandidateType(StrEnum):
    """Candidate types, RFC 8445 §5.1.1 (``candidate-types`` in RFC 8839 §5.1)."""

    HOST = "host"
    SRFLX = "srflx"
    PRFLX = "prflx"
    RELAY = "relay"


class AddressKind(StrEnum):
    """What a candidate's connection address is (RFC 8839 §5.1 ``connection-address``)."""

    IPV4 = "ipv4"
    IPV6 = "ipv6"
    MDNS = "mdns"  # a ``.local`` name: draft-ietf-mmusic-mdns-ice-candidates, RFC 6762
    FQDN = "fqdn"  # any other host name


class CandidateParseError(ValueError):
    """A candidate (text or field value) is malformed; the message names what is wrong."""


class UnsupportedCandidateError(CandidateParseError):
    """A well-formed candidate uses a transport or candidate type this library does not implement.

    RFC 8839 §5.1 lets ``transport`` and ``candidate-types`` be any token; an agent should
    ignore such a candidate rather than fail the whole description.
    """


#: RFC 8445 §5.1.2.2 recommended type preferences (host 126, prflx 110, srflx 100, relay 0).
TYPE_PREFERENCE: Final[dict[CandidateType, int]] = {
    CandidateType.HOST: 126,
    CandidateType.PRFLX: 110,
    CandidateType.SRFLX: 100,
    CandidateType.RELAY: 0,
}

#: RFC 8445 §5.1.2.1: a priority is an integer in 1..2^31-1.
MAX_PRIORITY: Final = 2**31 - 1
#: Transports this library supports: UDP (RFC 8445) and TCP (RFC 6544).
TRANSPORTS: Final = frozenset({"udp", "tcp"})
#: RFC 6544 §4.5 ``tcp-type``.
TCP_TYPES: Final = frozenset({"active", "passive", "so"})

_MAX_COMPONENT: Final = 256  # RFC 8445 §5.1.2.1 / RFC 8839 §5.1: component ID 1..256
_MAX_PORT: Final = 65535
_MAX_UINT32: Final = 2**32 - 1
_MAX_HOSTNAME: Final = 253  # RFC 1035 §2.3.4, in text form without a trailing dot

# Keys with a meaning of their own; matched case-insensitively and never kept as extensions.
_KNOWN_KEYS: Final = frozenset(
    {"typ", "raddr", "rport", "tcptype", "generation", "ufrag", "network-id", "network-cost"}
)

_ICE_CHARS = re.compile(r"[A-Za-z0-9+/]+")  # RFC 8839 §5.1 ice-char
_TOKEN = re.compile(r"[A-Za-z0-9.!%*_+`'~-]+")  # RFC 3261 §25.1 token
_DIGITS = re.compile(r"[0-9]+")
_BAD_CHAR = re.compile(r"[^\x21-\x7e \t]")  # anything but VCHAR / SP / HTAB
_SEPARATOR = re.compile(r"[ \t]+")
_VCHARS = re.compile(r"[\x21-\x7e]+")
_DOTTED_NUMERIC = re.compile(r"[0-9.]+")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")

_PREFIX = "candidate:"
_FIELD_NAMES: Final = (
    "foundation",
    "component ID",
    "transport",
    "priority",
    "connection address",
    "port",
    "'typ'",
    "candidate type",
)


def _show(text: str, limit: int = 40) -> str:
    """``repr`` of (a prefix of) user input, for error messages."""
    if len(text) > limit:
        return repr(text[:limit]) + "..."
    return repr(text)


# --------------------------------------------------------------------------------------------
# Addresses
# --------------------------------------------------------------------------------------------


def _ipv6_text(ip: ipaddress.IPv6Address) -> str:
    """RFC 5952 text form; IPv4-mapped addresses in mixed notation (RFC 5952 §5).

    Done by hand because ``str()`` of an IPv4-mapped address differs between Python versions.
    """
    mapped = ip.ipv4_mapped
    if mapped is None:
        return ip.compressed
    text = f"::ffff:{mapped}"
    if ip.scope_id:
        text += f"%{ip.scope_id}"
    return text


def _classify(address: str) -> tuple[AddressKind, str]:
    """Return the kind of ``address`` and its canonical text; raise if it is neither."""
    if not isinstance(address, str):
        raise TypeError(f"an address must be a str, not {type(address).__name__}")
    if not address:
        raise CandidateParseError("empty address")
    if address.startswith("["):
        raise CandidateParseError(
            f"{_show(address)}: IPv6 addresses are written without brackets in SDP"
        )
    if ":" in address:
        try:
            ip6 = ipaddress.IPv6Address(address)
        except ValueError as exc:
            reason = f": {exc}" if len(address) <= 64 else ""
            raise CandidateParseError(f"invalid IPv6 address {_show(address)}{reason}") from None
        return AddressKind.IPV6, _ipv6_text(ip6)
    if _DOTTED_NUMERIC.fullmatch(address):
        try:
            ip4 = ipaddress.IPv4Address(address)
        except ValueError as exc:
            reason = f": {exc}" if len(address) <= 64 else ""
            raise CandidateParseError(f"invalid IPv4 address {_show(address)}{reason}") from None
        return AddressKind.IPV4, str(ip4)
    if len(address) > _MAX_HOSTNAME or not _HOSTNAME.fullmatch(address):
        raise CandidateParseError(
            f"{_show(address)} is not an IPv4 address, IPv6 address or host name"
        )
    labels = address.split(".")
    if labels[-1].isdigit():
        raise CandidateParseError(
            f"{_show(address)} is not a valid host name (all-numeric last label)"
        )
    if len(labels) >= 2 and labels[-1].lower() == "local":
        return AddressKind.MDNS, address
    return AddressKind.FQDN, address


def address_kind(address: str) -> AddressKind:
    """Classify a connection address (RFC 8839 §5.1 ``connection-address``).

    * ``IPV4``: dotted-quad IPv4 (no leading zeros).
    * ``IPV6``: any IPv6 text form, including IPv4-mapped (``::ffff:1.2.3.4``: it is written
      and used as an IPv6 address) and scoped addresses with an RFC 4007 §11 zone identifier
      (``fe80::1%eth0``).
    * ``MDNS``: a host name whose last label is ``local`` (case-insensitive) with at least one
      label before it (draft-ietf-mmusic-mdns-ice-candidates, RFC 6762).
    * ``FQDN``: any other syntactically valid host name (RFC 1123 labels, at most 253
      characters, last label not all-numeric).

    Raises :class:`CandidateParseError` (a ``ValueError``) for anything else, including
    bracketed IPv6 (``[::1]``) and malformed IPv4 (``1.2.3.256``, ``01.2.3.4``).
    """
    return _classify(address)[0]


def canonical_address(address: str) -> str:
    """The text form a :class:`Candidate` stores for ``address``.

    IPv6 becomes RFC 5952 canonical text (IPv4-mapped in ``::ffff:a.b.c.d`` form, a zone kept);
    IPv4 addresses and host names are returned unchanged. Raises like :func:`address_kind`.
    """
    return _classify(address)[1]


_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # RFC 4291 §2.5.5.1 (deprecated)


def host_address_exclusion(
    address: str, *, ipv6_only: bool = False, temporary_ipv6: bool = False
) -> str | None:
    """Why an interface address must not be gathered as a host candidate, or ``None`` if it may.

    RFC 8445 §5.1.1.1 ("the host candidates are gathered from all IP addresses with the
    following exceptions"):

    * loopback addresses MUST NOT be included;
    * deprecated IPv4-compatible IPv6 addresses (``::a.b.c.d``, RFC 4291) and IPv6 site-local
      addresses (``fec0::/10``, RFC 3879) MUST NOT be included;
    * IPv4-mapped IPv6 addresses SHOULD NOT be included unless the application is IPv6-only
      (``ipv6_only=True``; the embedded IPv4 address is then checked like any IPv4 address);
    * when temporary (privacy, RFC 7721) IPv6 addresses are gathered (``temporary_ipv6=True``),
      IPv6 link-local addresses MUST NOT be. (The companion rule, dropping permanent addresses
      of the same prefix and interface, needs interface data this function does not have.)

    Unspecified (``0.0.0.0``, ``::``) and multicast addresses are refused too: they are not
    unicast interface addresses. A zone identifier (``fe80::1%eth0``) is accepted. The base of a
    host candidate is the candidate itself (RFC 8445 §5.1.1.1).

    Raises :class:`CandidateParseError` if ``address`` is not an IP address.
    """
    kind = address_kind(address)
    if kind not in (AddressKind.IPV4, AddressKind.IPV6):
        raise CandidateParseError(f"{_show(address)} is not an IP address")
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        if not ipv6_only:
            return (
                "IPv4-mapped IPv6 address: SHOULD NOT be a host candidate unless the "
                "application is IPv6-only (RFC 8445 §5.1.1.1)"
            )
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "unspecified address: not an interface address"
    if ip.is_multicast:
        return "multicast address: not a unicast interface address"
    if ip.is_loopback:
        return "loopback address: MUST NOT be a host candidate (RFC 8445 §5.1.1.1)"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _IPV4_COMPATIBLE:
            return (
                "deprecated IPv4-compatible IPv6 address: MUST NOT be a host candidate "
                "(RFC 8445 §5.1.1.1)"
            )
        if ip.is_site_local:
            return (
                "IPv6 site-local address (RFC 3879): MUST NOT be a host candidate "
                "(RFC 8445 §5.1.1.1)"
            )
        if temporary_ipv6 and ip.is_link_local:
            return (
                "IPv6 link-local address while temporary IPv6 addresses are gathered: "
                "MUST NOT be a host candidate (RFC 8445 §5.1.1.1)"
            )
    return None


def _candidate_address(value: object, what: str) -> str:
    """Validate and canonicalise a candidate's connection or related address."""
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    try:
        kind, text = _classify(value)
    except CandidateParseError as exc:
        raise CandidateParseError(f"invalid {what}: {exc}") from None
    if kind is AddressKind.IPV6 and "%" in text:
        zone = text.partition("%")[2]
        if not _VCHARS.fullmatch(zone):
            raise CandidateParseError(
                f"invalid {what} {_show(value)}: the IPv6 zone identifier must be printable "
                "ASCII without spaces"
            )
    return text


# --------------------------------------------------------------------------------------------
# Priority and foundation
# --------------------------------------------------------------------------------------------


def _check_int(value: object, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not low <= value <= high:
        raise CandidateParseError(f"{what} {value} is out of range {low}..{high}")
    return value


def _coerce_type(value: object) -> CandidateType:
    if isinstance(value, CandidateType):
        return value
    if not isinstance(value, str):
        raise TypeError(f"candidate type must be a CandidateType, not {type(value).__name__}")
    try:
        return CandidateType(value.lower())
    except ValueError:
        pass
    if _TOKEN.fullmatch(value):
        raise UnsupportedCandidateError(
            f"unknown candidate type {_show(value)} (expected host, srflx, prflx or relay)"
        )
    raise CandidateParseError(f"invalid candidate type {_show(value)}")


def _coerce_transport(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"transport must be a str, not {type(value).__name__}")
    if not _TOKEN.fullmatch(value):
        raise CandidateParseError(f"invalid transport {_show(value)}")
    lowered = value.lower()
    if lowered not in TRANSPORTS:
        raise UnsupportedCandidateError(
            f"unsupported transport {_show(value)} (only udp and tcp are supported)"
        )
    return lowered


def candidate_priority(
    candidate_type: CandidateType, local_preference: int = 65535, component: int = 1
) -> int:
    """Priority of a candidate, RFC 8445 §5.1.2.1::

        priority = 2^24 * type preference + 2^8 * local preference + (256 - component ID)

    The type preference is :data:`TYPE_PREFERENCE` (RFC 8445 §5.1.2.2). ``local_preference``
    must be in 0..65535 (RFC 8445 §5.1.2.1) and ``component`` in 1..256. The one combination
    whose result would be 0 (relay, local preference 0, component 256) raises, because a
    priority must be in 1..2^31-1 (RFC 8445 §5.1.2.1).

    Raises ``ValueError`` (:class:`CandidateParseError`) for out-of-range values.
    """
    ctype = _coerce_type(candidate_type)
    _check_int(local_preference, "local preference", 0, 65535)
    _check_int(component, "component ID", 1, _MAX_COMPONENT)
    priority = (TYPE_PREFERENCE[ctype] << 24) + (local_preference << 8) + (256 - component)
    if priority == 0:
        raise CandidateParseError(
            "relay candidate with local preference 0 and component 256 has priority 0; "
            "a priority must be at least 1 (RFC 8445 §5.1.2.1)"
        )
    return priority


def _foundation_address(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    try:
        kind, text = _classify(value)
    except CandidateParseError as exc:
        raise CandidateParseError(f"invalid {what}: {exc}") from None
    if kind in (AddressKind.MDNS, AddressKind.FQDN):
        text = text.lower()  # DNS names compare case-insensitively (RFC 4343)
    return text


def compute_foundation(
    candidate_type: CandidateType,
    base_address: str,
    transport: str = "udp",
    server: str | None = None,
) -> str:
    """Foundation of a local candidate, RFC 8445 §5.1.1.3.

    Two candidates get the same foundation exactly when they have the same type, their bases
    have the same IP address (ports do not matter), they were obtained from the same STUN/TURN
    server IP address (for server-reflexive and relayed candidates) and use the same transport.

    * ``base_address`` is the candidate's base: for a host candidate the candidate itself
      (RFC 8445 §5.1.1.1), for a server-reflexive one the host candidate it was obtained from
      (RFC 8445 §5.1.1.2), for a relayed one the relayed address itself. It is compared in
      canonical form (so ``2001:DB8::1`` equals ``2001:db8::1``);
      a zone identifier is part of the address (different interfaces, different bases).
    * ``server`` is the IP address (without port) the agent used to reach the STUN/TURN
      server. It only counts for ``srflx`` and ``relay``; for ``host`` and ``prflx`` it is
      ignored (RFC 8445 §5.1.1.3 mentions servers only "for reflexive and relayed candidates";
      a local peer-reflexive candidate is learnt from a connectivity check, not a server).
      A host name is accepted (compared case-insensitively), but §5.1.1.3 is about the IP
      address, so pass the address the request was actually sent to.
    * ``transport`` is ``udp`` or ``tcp`` (case-insensitive).

    The result is the first 16 hex digits of a SHA-256 over the normalised tuple: only
    ice-chars, 16 characters (RFC 8839 §5.1 allows up to 32), deterministic across runs
    and processes (Python's randomised ``hash()`` is not used). Distinct tuples collide with
    probability about 2^-64.
    """
    ctype = _coerce_type(candidate_type)
    base = _foundation_address(base_address, "base address")
    proto = _coerce_transport(transport)
    srv = ""
    if server is not None and ctype in (CandidateType.SRFLX, CandidateType.RELAY):
        srv = _foundation_address(server, "server address")
    material = "\x00".join(("rtcpeer-foundation-1", ctype.value, base, proto, srv))
    return hashlib.sha256(material.encode("ascii", "backslashreplace")).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Candidate
# --------------------------------------------------------------------------------------------


def _parse_uint(token: str, what: str, max_digits: int, low: int, high: int) -> int:
    if not _DIGITS.fullmatch(token):
        raise CandidateParseError(f"{what} must be a decimal number, got {_show(token)}")
    if len(token) > max_digits:
        raise CandidateParseError(
            f"{what} {_show(token)} is too long (at most {max_digits} digits)"
        )
    value = int(token)
    if not low <= value <= high:
        raise CandidateParseError(f"{what} {value} is out of range {low}..{high}")
    return value


def _check_foundation(value: object) -> str:
    """RFC 8839 §5.1: ``foundation = 1*32ice-char``."""
    if not isinstance(value, str):
        raise TypeError(f"foundation must be a str, not {type(value).__name__}")
    if not _ICE_CHARS.fullmatch(value) or len(value) > 32:
        raise CandidateParseError(f"invalid foundation {_show(value)} (1 to 32 of A-Z a-z 0-9 + /)")
    return value


def _optional_uint32(value: object, what: str) -> None:
    if value is not None:
        _check_int(value, what, 0, _MAX_UINT32)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ICE candidate (RFC 8445 §5.1) as signalled in SDP (RFC 8839 §5.1).

    Construction validates every field with the same rules as :meth:`from_sdp` (see the module
    docstring) and normalises: ``transport``, ``tcptype`` lower case, ``type`` a
    :class:`CandidateType`, IPv6 addresses in RFC 5952 canonical text, ``extensions`` a tuple of
    pairs. Invalid values raise :class:`CandidateParseError`; wrong Python types ``TypeError``.
    """

    foundation: str
    component: int
    transport: str
    priority: int
    address: str
    port: int
    type: CandidateType
    related_address: str | None = None
    related_port: int | None = None
    tcptype: str | None = None
    generation: int | None = None
    ufrag: str | None = None
    network_id: int | None = None
    network_cost: int | None = None
    extensions: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _check_foundation(self.foundation)
        # RFC 8445 §5.1.2.1 / RFC 8839 §5.1: component ID 1..256, priority 1..2^31-1.
        _check_int(self.component, "component ID", 1, _MAX_COMPONENT)
        _check_int(self.priority, "priority", 1, MAX_PRIORITY)
        transport = _coerce_transport(self.transport)
        object.__setattr__(self, "transport", transport)
        object.__setattr__(self, "type", _coerce_type(self.type))
        object.__setattr__(self, "address", _candidate_address(self.address, "connection address"))
        _check_int(self.port, "port", 0, _MAX_PORT)

        # RFC 8839 §5.1 rel-addr / rel-port: both or neither.
        if (self.related_address is None) != (self.related_port is None):
            missing = "rport" if self.related_port is None else "raddr"
            raise CandidateParseError(
                f"raddr and rport must be given together; {missing} is missing"
            )
        if self.related_address is not None:
            object.__setattr__(
                self,
                "related_address",
                _candidate_address(self.related_address, "related address (raddr)"),
            )
            _check_int(self.related_port, "related port (rport)", 0, _MAX_PORT)

        # RFC 6544 §4.5: tcptype is active / passive / so, and only for TCP candidates.
        if self.tcptype is not None:
            if not isinstance(self.tcptype, str):
                raise TypeError(f"tcptype must be a str, not {type(self.tcptype).__name__}")
            tcptype = self.tcptype.lower()
            if tcptype not in TCP_TYPES:
                raise CandidateParseError(
                    f"invalid tcptype {_show(self.tcptype)} (expected active, passive or so)"
                )
            if transport != "tcp":
                raise CandidateParseError(
                    f"tcptype is only allowed on tcp candidates, not {transport} (RFC 6544 §4.5)"
                )
            object.__setattr__(self, "tcptype", tcptype)

        _optional_uint32(self.generation, "generation")
        _optional_uint32(self.network_id, "network-id")
        _optional_uint32(self.network_cost, "network-cost")

        # RFC 8839 §5.4: ice-ufrag = 4*256ice-char.
        if self.ufrag is not None:
            if not isinstance(self.ufrag, str):
                raise TypeError(f"ufrag must be a str, not {type(self.ufrag).__name__}")
            if not _ICE_CHARS.fullmatch(self.ufrag) or not 4 <= len(self.ufrag) <= 256:
                raise CandidateParseError(
                    f"invalid ufrag {_show(self.ufrag)} (4 to 256 of A-Z a-z 0-9 + /)"
                )

        object.__setattr__(self, "extensions", _check_extensions(self.extensions))

    # -- derived views ---------------------------------------------------------------------

    @property
    def kind(self) -> AddressKind:
        """The kind of :attr:`address` (see :func:`address_kind`)."""
        return address_kind(self.address)

    @property
    def is_mdns(self) -> bool:
        """Whether :attr:`address` is an mDNS ``.local`` name (case-insensitive)."""
        return self.kind is AddressKind.MDNS

    @property
    def transport_address(self) -> tuple[str, int]:
        """``(address, port)``: the candidate's transport address (RFC 8445 §5.1)."""
        return (self.address, self.port)

    @property
    def related_transport_address(self) -> tuple[str, int] | None:
        """``(raddr, rport)``, or ``None`` when the candidate has none."""
        if self.related_address is None or self.related_port is None:
            return None
        return (self.related_address, self.related_port)

    # -- SDP -------------------------------------------------------------------------------

    def to_sdp(self) -> str:
        """The ``candidate-attribute`` text (RFC 8839 §5.1), without ``a=``.

        Order: the eight mandatory fields, ``raddr``/``rport``, ``tcptype``, ``generation``,
        ``ufrag``, ``network-id``, ``network-cost`` (the order libwebrtc writes), then the
        other extensions in their original order.
        """
        parts = [
            f"{_PREFIX}{self.foundation}",
            str(self.component),
            self.transport,
            str(self.priority),
            self.address,
            str(self.port),
            "typ",
            self.type.value,
        ]
        if self.related_address is not None:
            parts += ["raddr", self.related_address, "rport", str(self.related_port)]
        if self.tcptype is not None:
            parts += ["tcptype", self.tcptype]
        if self.generation is not None:
            parts += ["generation", str(self.generation)]
        if self.ufrag is not None:
            parts += ["ufrag", self.ufrag]
        if self.network_id is not None:
            parts += ["network-id", str(self.network_id)]
        if self.network_cost is not None:
            parts += ["network-cost", str(self.network_cost)]
        for name, value in self.extensions:
            parts += [name, value]
        return " ".join(parts)

    @classmethod
    def from_sdp(cls, text: str) -> Candidate:
        """Parse a candidate attribute (RFC 8839 §5.1; ``tcptype`` RFC 6544 §4.5).

        Accepts ``a=candidate:...``, ``candidate:...`` or the bare ``<foundation> ...`` form,
        with surrounding whitespace/CRLF. Raises :class:`CandidateParseError` (or its subclass
        :class:`UnsupportedCandidateError` for an unknown transport or candidate type) for any
        malformed input; ``TypeError`` if ``text`` is not a ``str``.
        """
        if not isinstance(text, str):
            raise TypeError(f"candidate text must be a str, not {type(text).__name__}")
        body = text.strip()
        if body.startswith("a="):
            body = body[2:]
            if body[: len(_PREFIX)].lower() != _PREFIX:
                raise CandidateParseError(f"expected 'candidate:' after 'a=', got {_show(body)}")
        if body[: len(_PREFIX)].lower() == _PREFIX:
            body = body[len(_PREFIX) :]
        if not body:
            raise CandidateParseError("empty candidate")
        bad = _BAD_CHAR.search(body)
        if bad is not None:
            raise CandidateParseError(
                f"invalid character {bad.group()!r} at offset {bad.start()} "
                "(only printable ASCII fields separated by spaces are allowed)"
            )
        if body[0] in " \t":
            raise CandidateParseError("unexpected whitespace before the foundation")

        tokens = _SEPARATOR.split(body)
        if len(tokens) < len(_FIELD_NAMES):
            raise CandidateParseError(
                f"truncated candidate: missing {_FIELD_NAMES[len(tokens)]} "
                f"(got {len(tokens)} of at least {len(_FIELD_NAMES)} fields)"
            )
        # The mandatory fields, checked in order so the first bad one is the one reported.
        foundation = _check_foundation(tokens[0])
        component = _parse_uint(tokens[1], "component ID", 3, 1, _MAX_COMPONENT)
        transport = _coerce_transport(tokens[2])
        priority = _parse_uint(tokens[3], "priority", 10, 1, MAX_PRIORITY)
        address = _candidate_address(tokens[4], "connection address")
        port = _parse_uint(tokens[5], "port", 5, 0, _MAX_PORT)
        if tokens[6].lower() != "typ":
            raise CandidateParseError(f"expected 'typ' after the port, got {_show(tokens[6])}")
        cand_type = _coerce_type(tokens[7])

        rest = tokens[8:]
        if len(rest) % 2:
            raise CandidateParseError(
                f"extension {_show(rest[-1])} has no value "
                "(odd number of fields after the candidate type)"
            )
        known: dict[str, str] = {}
        extensions: list[tuple[str, str]] = []
        for name, value in zip(rest[::2], rest[1::2], strict=True):
            key = name.lower()
            if key in _KNOWN_KEYS:
                if key in known or key == "typ":
                    raise CandidateParseError(f"duplicate {key!r}")
                known[key] = value
            elif _TOKEN.fullmatch(name):
                extensions.append((name, value))
            else:
                raise CandidateParseError(f"invalid extension name {_show(name)}")

        if ("raddr" in known) != ("rport" in known):
            present, absent = ("raddr", "rport") if "raddr" in known else ("rport", "raddr")
            raise CandidateParseError(f"{present} without {absent}")
        related_port = (
            _parse_uint(known["rport"], "related port (rport)", 5, 0, _MAX_PORT)
            if "rport" in known
            else None
        )

        def uint32(key: str) -> int | None:
            if key not in known:
                return None
            return _parse_uint(known[key], key, 10, 0, _MAX_UINT32)

        return cls(
            foundation=foundation,
            component=component,
            transport=transport,
            priority=priority,
            address=address,
            port=port,
            type=cand_type,
            related_address=known.get("raddr"),
            related_port=related_port,
            tcptype=known.get("tcptype"),
            generation=uint32("generation"),
            ufrag=known.get("ufrag"),
            network_id=uint32("network-id"),
            network_cost=uint32("network-cost"),
            extensions=tuple(extensions),
        )


def _check_extensions(extensions: object) -> tuple[tuple[str, str], ...]:
    """Validate extension pairs (RFC 8839 §5.1 ``cand-extension``): token name, 1*VCHAR value."""
    if not isinstance(extensions, tuple | list):
        raise TypeError(f"extensions must be a tuple of pairs, not {type(extensions).__name__}")
    checked: list[tuple[str, str]] = []
    for pair in extensions:
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise TypeError(f"each extension must be a (name, value) pair, not {pair!r}")
        name, value = pair
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"extension name and value must be str, not {pair!r}")
        if not _TOKEN.fullmatch(name):
            raise CandidateParseError(f"invalid extension name {_show(name)} (must be a token)")
        if name.lower() in _KNOWN_KEYS:
            raise CandidateParseError(
                f"{name!r} has a field of its own and cannot be given as an extension"
            )
        if not _VCHARS.fullmatch(value):
            raise CandidateParseError(
                f"invalid value {_show(value)} for extension {name!r} "
                "(1 or more printable ASCII characters, no spaces)"
            )
        checked.append((name, value))
    return tuple(checked)
