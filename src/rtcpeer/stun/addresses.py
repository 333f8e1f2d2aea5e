"""Codecs for the transport-address attributes (RFC 8489 §14.1, §14.2; RFC 8656 §18.3, §18.5).

MAPPED-ADDRESS and ALTERNATE-SERVER carry the address in the clear; XOR-MAPPED-ADDRESS,
XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS obfuscate it with the magic cookie (and, for IPv6, the
transaction ID)::

    |0 0 0 0 0 0 0 0|    Family     |         (X-)Port              |
    |                 (X-)Address (32 bits or 128 bits)             |
"""

from __future__ import annotations

import ipaddress
import struct

from .constants import MAGIC_COOKIE
from .errors import StunAttributeError, StunEncodeError
from .values import Address

FAMILY_IPV4 = 0x01
"""RFC 8489 §14.1: address family value for IPv4."""

FAMILY_IPV6 = 0x02
"""RFC 8489 §14.1: address family value for IPv6."""

_FAMILY_PORT = struct.Struct("!xBH")
_COOKIE_BYTES = MAGIC_COOKIE.to_bytes(4, "big")
_ADDRESS_LENGTHS = {FAMILY_IPV4: 4, FAMILY_IPV6: 16}


def _xor(data: bytes, key: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, key, strict=True))


def decode_address(value: bytes, attr_type: int, xor_key: bytes | None = None) -> Address:
    """Decode an address attribute value; ``xor_key`` is cookie+transaction ID for XOR forms.

    RFC 8489 §14.1: the first byte MUST be ignored by receivers; the family decides whether the
    address is 32 or 128 bits, and the value must be exactly that long.
    """
    if len(value) < 4:
        raise StunAttributeError(f"address attribute of {len(value)} bytes", attr_type)
    family, port = _FAMILY_PORT.unpack_from(value, 0)
    expected = _ADDRESS_LENGTHS.get(family)
    if expected is None:
        raise StunAttributeError(f"unknown address family {family:#04x}", attr_type)
    raw = value[4:]
    if len(raw) != expected:
        raise StunAttributeError(
            f"family {family} address is {len(raw)} bytes, expected {expected}", attr_type
        )
    if xor_key is not None:
        # RFC 8489 §14.2: X-Port is XOR'ed with the cookie's top 16 bits; X-Address with the
        # cookie (IPv4) or the cookie followed by the transaction ID (IPv6).
        port ^= MAGIC_COOKIE >> 16
        raw = _xor(raw, xor_key[: len(raw)])
    if family == FAMILY_IPV4:
        return str(ipaddress.IPv4Address(raw)), port
    return str(ipaddress.IPv6Address(raw)), port


def encode_address(value: object, attr_type: int, xor_key: bytes | None = None) -> bytes:
    """Encode ``(host, port)`` as an address attribute value (RFC 8489 §14.1, §14.2)."""
    if not (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], int)
        and not isinstance(value[1], bool)
    ):
        raise StunEncodeError(f"attribute {attr_type:#06x} needs a (host, port) tuple")
    host, port = value
    if not 0 <= port <= 0xFFFF:
        raise StunEncodeError(f"port {port} out of range")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError as exc:
        raise StunEncodeError(f"{host!r} is not an IP address") from exc
    family = FAMILY_IPV4 if ip.version == 4 else FAMILY_IPV6
    raw = ip.packed
    if xor_key is not None:
        port ^= MAGIC_COOKIE >> 16
        raw = _xor(raw, xor_key[: len(raw)])
    return _FAMILY_PORT.pack(family, port) + raw


def xor_key(transaction_id: bytes) -> bytes:
    """The 16-byte XOR mask of RFC 8489 §14.2: magic cookie followed by the transaction ID."""
    return _COOKIE_BYTES + transaction_id
