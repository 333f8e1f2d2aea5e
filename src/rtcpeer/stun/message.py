"""STUN messages: the :class:`StunMessage` model, its encoder, and the strict parser.

Parsing rules (RFC 8489 §5, §6.3, §9, §14):

- the header must be valid and the datagram must hold exactly one message;
- every attribute must fit, with its padding, inside the message length;
- FINGERPRINT, when present, must be the last attribute and must match (else
  :class:`StunFingerprintError`);
- attributes that RFC 8489 §9 says to ignore are dropped: everything after MESSAGE-INTEGRITY
  except MESSAGE-INTEGRITY-SHA256 and FINGERPRINT, and everything after
  MESSAGE-INTEGRITY-SHA256 except FINGERPRINT. They must still be well framed, but their values
  are not decoded and they are not reported as unknown. :meth:`StunMessage.verify_integrity`
  never covers them either, since the HMACs stop at their own attribute (§14.5, §14.6).
- a repeated attribute type keeps its first occurrence in :attr:`StunMessage.attributes`
  (RFC 8489 §14: "only the first occurrence needs to be processed"); later ones are decoded too
  and kept, in order, in :attr:`StunMessage.repeated_attributes` (TURN's XOR-PEER-ADDRESS and
  XOR-RELAYED-ADDRESS legitimately repeat, RFC 8656 §7.3, §9.1).
"""

from __future__ import annotations

import hmac
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, cast

from .attributes import KNOWN_ATTRIBUTES, attr_key, decode_attribute, encode_attribute
from .constants import (
    HEADER_LENGTH,
    TRANSACTION_ID_LENGTH,
    AttrType,
    MessageClass,
    Method,
    is_comprehension_required,
)
from .errors import StunAttributeError, StunEncodeError, StunFingerprintError, StunParseError
from .header import is_stun, message_type, pack_header, parse_header, split_message_type
from .integrity import (
    SHA1_LENGTH,
    SHA256_LENGTH,
    fingerprint,
    hmac_sha1,
    hmac_sha256,
    integrity_input,
    with_length,
)
from .values import Address, ErrorCode

__all__ = [
    "StunMessage",
    "is_stun",
    "message_type",
    "new_transaction_id",
    "parse_message",
    "split_message_type",
]

_TL = struct.Struct("!HH")
_T = TypeVar("_T")

_TRAILER_TYPES = frozenset(
    {AttrType.MESSAGE_INTEGRITY, AttrType.MESSAGE_INTEGRITY_SHA256, AttrType.FINGERPRINT}
)
"""Attributes the encoder computes itself and therefore never copies from the model."""

_KNOWN_METHODS = frozenset(int(m) for m in Method)


def _pad4(length: int) -> int:
    return (length + 3) & ~3


def _plain_int(value: object) -> bool:
    """An int that is neither a bool nor already an enum member."""
    return type(value) is int


@dataclass
class StunMessage:
    """One STUN message (RFC 8489 §5).

    ``attributes`` maps attribute type to decoded value in wire order; keys are
    :class:`AttrType` members for known types and plain ints otherwise. See
    :mod:`rtcpeer.stun.attributes` for the Python type of each attribute's value.
    """

    method: Method | int
    message_class: MessageClass
    transaction_id: bytes
    attributes: dict[int, object] = field(default_factory=dict)
    repeated_attributes: list[tuple[int, object]] = field(default_factory=list)
    """Second and later occurrences of a type already in ``attributes``, in wire order."""

    _raw: bytes | None = field(default=None, init=False, repr=False, compare=False)
    _integrity_offsets: dict[int, int] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if isinstance(self.transaction_id, bytearray | memoryview):
            self.transaction_id = bytes(self.transaction_id)
        if not isinstance(self.transaction_id, bytes) or len(self.transaction_id) != 12:
            raise StunEncodeError("a STUN transaction ID is exactly 12 bytes (RFC 8489 §5)")
        if _plain_int(self.method) and self.method in _KNOWN_METHODS:
            self.method = Method(self.method)
        if not isinstance(self.message_class, MessageClass):
            if not _plain_int(self.message_class) or self.message_class not in (0, 1, 2, 3):
                raise StunEncodeError(f"message class {self.message_class!r} is not 0-3")
            self.message_class = MessageClass(self.message_class)

    # --- generic access -------------------------------------------------------------------

    def get(self, attr: int) -> object | None:
        """The (first) value of attribute ``attr``, or None when absent."""
        return self.attributes.get(attr)

    def get_all(self, attr: int) -> tuple[object, ...]:
        """Every occurrence of ``attr`` in wire order (first one from ``attributes``)."""
        if attr not in self.attributes:
            return ()
        rest = tuple(value for key, value in self.repeated_attributes if key == attr)
        return (self.attributes[attr], *rest)

    def _typed(self, attr: int, kind: type[_T]) -> _T | None:
        value = self.attributes.get(attr)
        if value is None:
            return None
        if not isinstance(value, kind):
            raise TypeError(f"attribute {attr:#06x} holds {value!r}, not {kind.__name__}")
        return value

    def _address(self, attr: int) -> Address | None:
        return cast("Address | None", self._typed(attr, tuple))

    @property
    def raw(self) -> bytes | None:
        """The exact bytes this message was parsed from (None if built in code)."""
        return self._raw

    @property
    def unknown_comprehension_required(self) -> tuple[int, ...]:
        """Attribute types below 0x8000 that this codec does not know, in wire order.

        RFC 8489 §6.3.1: a server answers a request carrying any with 420 (Unknown Attribute)
        listing them in UNKNOWN-ATTRIBUTES; §6.3.3/§6.3.4: a response carrying any is a failed
        transaction. Attributes ignored because they follow MESSAGE-INTEGRITY are not counted.
        """
        keys = [*self.attributes, *(key for key, _ in self.repeated_attributes)]
        return tuple(
            dict.fromkeys(
                int(k)
                for k in keys
                if is_comprehension_required(k) and int(k) not in KNOWN_ATTRIBUTES
            )
        )

    # --- typed getters --------------------------------------------------------------------

    @property
    def username(self) -> str | None:
        """USERNAME (RFC 8489 §14.3)."""
        return self._typed(AttrType.USERNAME, str)

    @property
    def realm(self) -> str | None:
        """REALM (RFC 8489 §14.9)."""
        return self._typed(AttrType.REALM, str)

    @property
    def nonce(self) -> str | None:
        """NONCE (RFC 8489 §14.10)."""
        return self._typed(AttrType.NONCE, str)

    @property
    def software(self) -> str | None:
        """SOFTWARE (RFC 8489 §14.14)."""
        return self._typed(AttrType.SOFTWARE, str)

    @property
    def userhash(self) -> bytes | None:
        """USERHASH (RFC 8489 §14.4)."""
        return self._typed(AttrType.USERHASH, bytes)

    @property
    def priority(self) -> int | None:
        """PRIORITY (RFC 8445 §16.1)."""
        return self._typed(AttrType.PRIORITY, int)

    @property
    def lifetime(self) -> int | None:
        """LIFETIME in seconds (RFC 8656 §18.2)."""
        return self._typed(AttrType.LIFETIME, int)

    @property
    def channel_number(self) -> int | None:
        """CHANNEL-NUMBER (RFC 8656 §18.1)."""
        return self._typed(AttrType.CHANNEL_NUMBER, int)

    @property
    def requested_transport(self) -> int | None:
        """REQUESTED-TRANSPORT protocol number (RFC 8656 §18.8; 17 = UDP)."""
        return self._typed(AttrType.REQUESTED_TRANSPORT, int)

    @property
    def ice_controlling(self) -> int | None:
        """ICE-CONTROLLING tie-breaker (RFC 8445 §16.1)."""
        return self._typed(AttrType.ICE_CONTROLLING, int)

    @property
    def ice_controlled(self) -> int | None:
        """ICE-CONTROLLED tie-breaker (RFC 8445 §16.1)."""
        return self._typed(AttrType.ICE_CONTROLLED, int)

    @property
    def use_candidate(self) -> bool:
        """Whether the USE-CANDIDATE flag is present (RFC 8445 §16.1)."""
        return AttrType.USE_CANDIDATE in self.attributes

    @property
    def xor_mapped_address(self) -> Address | None:
        """XOR-MAPPED-ADDRESS (RFC 8489 §14.2)."""
        return self._address(AttrType.XOR_MAPPED_ADDRESS)

    @property
    def mapped_address(self) -> Address | None:
        """MAPPED-ADDRESS (RFC 8489 §14.1)."""
        return self._address(AttrType.MAPPED_ADDRESS)

    @property
    def xor_peer_address(self) -> Address | None:
        """The first XOR-PEER-ADDRESS (RFC 8656 §18.3); see also :meth:`get_all`."""
        return self._address(AttrType.XOR_PEER_ADDRESS)

    @property
    def xor_relayed_address(self) -> Address | None:
        """The first XOR-RELAYED-ADDRESS (RFC 8656 §18.5); see also :meth:`get_all`."""
        return self._address(AttrType.XOR_RELAYED_ADDRESS)

    @property
    def alternate_server(self) -> Address | None:
        """ALTERNATE-SERVER (RFC 8489 §14.15)."""
        return self._address(AttrType.ALTERNATE_SERVER)

    @property
    def error_code(self) -> ErrorCode | None:
        """ERROR-CODE (RFC 8489 §14.8)."""
        return self._typed(AttrType.ERROR_CODE, ErrorCode)

    @property
    def data(self) -> bytes | None:
        """DATA (RFC 8656 §18.4)."""
        return self._typed(AttrType.DATA, bytes)

    @property
    def unknown_attributes(self) -> tuple[int, ...] | None:
        """UNKNOWN-ATTRIBUTES (RFC 8489 §14.13)."""
        return cast("tuple[int, ...] | None", self._typed(AttrType.UNKNOWN_ATTRIBUTES, tuple))

    @property
    def has_integrity(self) -> bool:
        """Whether MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 is present."""
        return (
            AttrType.MESSAGE_INTEGRITY in self.attributes
            or AttrType.MESSAGE_INTEGRITY_SHA256 in self.attributes
        )

    @property
    def has_fingerprint(self) -> bool:
        """Whether FINGERPRINT is present (a parsed one has been verified by the parser)."""
        return AttrType.FINGERPRINT in self.attributes

    # --- integrity ------------------------------------------------------------------------

    def verify_integrity(self, key: bytes) -> bool:
        """Check the message integrity against the bytes this message was parsed from.

        Uses MESSAGE-INTEGRITY-SHA256 when present, otherwise MESSAGE-INTEGRITY (RFC 8489
        §9.1.3). The HMAC input is the message up to the attribute preceding the integrity
        attribute with the Length field pointing at the integrity attribute's end (§14.5,
        §14.6). A truncated MESSAGE-INTEGRITY-SHA256 (16-28 bytes) is compared on its length.
        Returns False when the message was not parsed or carries neither attribute.
        """
        raw = self._raw
        if raw is None:
            return False
        checks: tuple[tuple[int, Callable[[bytes, bytes], bytes]], ...] = (
            (AttrType.MESSAGE_INTEGRITY_SHA256, hmac_sha256),
            (AttrType.MESSAGE_INTEGRITY, hmac_sha1),
        )
        for attr_type, mac in checks:
            offset = self._integrity_offsets.get(attr_type)
            if offset is None:
                continue
            _, length = _TL.unpack_from(raw, offset)
            value = raw[offset + 4 : offset + 4 + length]
            expected = mac(key, integrity_input(raw[:offset], length))
            return hmac.compare_digest(expected[:length], value)
        return False

    # --- encoding -------------------------------------------------------------------------

    def encode(
        self,
        integrity_key: bytes | None = None,
        *,
        integrity_sha256: bool = False,
        fingerprint: bool = False,
        both_integrities: bool = False,
    ) -> bytes:
        """Serialise the message.

        The attributes are written in order (then ``repeated_attributes``), skipping any
        MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT entries. With
        ``integrity_key``, MESSAGE-INTEGRITY is appended (RFC 8489 §14.5), or
        MESSAGE-INTEGRITY-SHA256 when ``integrity_sha256`` (§14.6), or both in that order when
        ``both_integrities`` (as §9.1.2 asks of a short-term request when the peer's support is
        unknown). With ``fingerprint``, FINGERPRINT comes last (§14.7). Padding is zeros.
        """
        return self._encode(
            integrity_key,
            integrity_sha256=integrity_sha256,
            fingerprint=fingerprint,
            both_integrities=both_integrities,
        )

    def _encode(
        self,
        integrity_key: bytes | None,
        *,
        integrity_sha256: bool,
        fingerprint: bool,
        both_integrities: bool,
        padding: int = 0,
    ) -> bytes:
        # ``padding`` exists only so the tests can reproduce RFC 5769's vectors, which pad
        # with spaces; RFC 8489 §14 says padding MUST be zero on sending.
        tid = self.transaction_id
        if not isinstance(self.method, int) or isinstance(self.method, bool):
            raise StunEncodeError(f"message method {self.method!r} is not an int")
        pad_byte = bytes((padding,))
        chunks: list[bytes] = []
        for attr_type, value in self._wire_attributes():
            raw = encode_attribute(attr_type, value, tid)
            if len(raw) > 0xFFFF:
                raise StunEncodeError(f"attribute {attr_type:#06x} value exceeds 65535 bytes")
            pad = pad_byte * (_pad4(len(raw)) - len(raw))
            chunks.append(_TL.pack(attr_type, len(raw)) + raw + pad)
        body = b"".join(chunks)
        message = pack_header(int(self.method), int(self.message_class), len(body), tid) + body
        if integrity_key is not None:
            macs: tuple[Callable[[bytes, bytes], bytes], ...]
            if both_integrities:
                macs = (hmac_sha1, hmac_sha256)
            else:
                macs = (hmac_sha256,) if integrity_sha256 else (hmac_sha1,)
            for mac in macs:
                message = _append_integrity(message, integrity_key, mac)
        if fingerprint:
            message = _append_fingerprint(message)
        if len(message) - HEADER_LENGTH > 0xFFFF:
            raise StunEncodeError("message exceeds the 16-bit length field")
        return message

    def _wire_attributes(self) -> list[tuple[int, object]]:
        items: list[tuple[int, object]] = []
        for attr_type, value in [*self.attributes.items(), *self.repeated_attributes]:
            if not isinstance(attr_type, int) or not 0 <= attr_type <= 0xFFFF:
                raise StunEncodeError(f"attribute type {attr_type!r} is not a 16-bit int")
            if attr_type not in _TRAILER_TYPES:
                items.append((attr_type, value))
        for attr_type, _ in self.repeated_attributes:
            if attr_type not in self.attributes:
                raise StunEncodeError(
                    f"repeated attribute {attr_type:#06x} has no first occurrence in attributes"
                )
        return items


def _append_integrity(message: bytes, key: bytes, mac: Callable[[bytes, bytes], bytes]) -> bytes:
    """Append MESSAGE-INTEGRITY(-SHA256) per RFC 8489 §14.5/§14.6."""
    is_sha1 = mac is hmac_sha1
    length = SHA1_LENGTH if is_sha1 else SHA256_LENGTH
    attr_type = AttrType.MESSAGE_INTEGRITY if is_sha1 else AttrType.MESSAGE_INTEGRITY_SHA256
    hmac_input = integrity_input(message, length)
    # The adjusted length is also the final one at this point; later trailers update it again.
    return hmac_input + _TL.pack(attr_type, length) + mac(key, hmac_input)


def _append_fingerprint(message: bytes) -> bytes:
    """Append FINGERPRINT per RFC 8489 §14.7 (Length first made to include it)."""
    prefix = with_length(message, len(message) - HEADER_LENGTH + 8)
    return prefix + _TL.pack(AttrType.FINGERPRINT, 4) + fingerprint(prefix).to_bytes(4, "big")


def parse_message(data: bytes | bytearray | memoryview) -> StunMessage:
    """Strictly parse one STUN message from a datagram (RFC 8489 §5, §6.3, §9, §14).

    Raises a :class:`~rtcpeer.stun.StunError` subclass on any malformed input:
    :class:`StunParseError` (header, framing, ordering), :class:`StunAttributeError` (a value),
    :class:`StunFingerprintError` (a FINGERPRINT mismatch). The raw bytes are kept for
    :meth:`StunMessage.verify_integrity`.
    """
    raw = bytes(data)
    header = parse_header(raw)
    tid = header.transaction_id
    attributes: dict[int, object] = {}
    repeated: list[tuple[int, object]] = []
    offsets: dict[int, int] = {}
    closed_by: int | None = None  # the integrity attribute after which (almost) all is ignored
    seen_fingerprint = False
    offset = HEADER_LENGTH
    end = len(raw)
    while offset < end:
        if end - offset < 4:
            raise StunParseError("truncated attribute header")
        attr_type, length = _TL.unpack_from(raw, offset)
        start = offset + 4
        next_offset = start + _pad4(length)
        if next_offset > end:
            raise StunParseError(f"attribute {attr_type:#06x} overruns the message")
        if seen_fingerprint:
            raise StunParseError("an attribute follows FINGERPRINT (RFC 8489 §14.7)")
        value = raw[start : start + length]
        if attr_type == AttrType.FINGERPRINT:
            attributes[AttrType.FINGERPRINT] = _check_fingerprint(raw, offset, next_offset, value)
            seen_fingerprint = True
        elif _accepted(attr_type, closed_by):
            decoded = decode_attribute(attr_type, value, tid)
            key = attr_key(attr_type)
            if key in attributes:
                repeated.append((key, decoded))
            else:
                attributes[key] = decoded
            if attr_type in (AttrType.MESSAGE_INTEGRITY, AttrType.MESSAGE_INTEGRITY_SHA256):
                offsets[attr_type] = offset
                closed_by = attr_type
        offset = next_offset
    message = StunMessage(header.method, header.message_class, tid, attributes, repeated)
    message._raw = raw
    message._integrity_offsets = offsets
    return message


def _accepted(attr_type: int, closed_by: int | None) -> bool:
    """RFC 8489 §9: "agents MUST ignore all attributes that follow MESSAGE-INTEGRITY, with the
    exception of the MESSAGE-INTEGRITY-SHA256 and FINGERPRINT attributes. Similarly, agents MUST
    ignore all attributes that follow the MESSAGE-INTEGRITY-SHA256 attribute if the
    MESSAGE-INTEGRITY attribute is not present, with the exception of the FINGERPRINT
    attribute." (FINGERPRINT is handled by the caller.)"""
    if closed_by is None:
        return True
    return (
        closed_by == AttrType.MESSAGE_INTEGRITY and attr_type == AttrType.MESSAGE_INTEGRITY_SHA256
    )


def _check_fingerprint(raw: bytes, offset: int, next_offset: int, value: bytes) -> int:
    """RFC 8489 §14.7: FINGERPRINT is last and equals CRC-32(message before it) ^ 0x5354554E."""
    if len(value) != 4:
        raise StunAttributeError(
            f"FINGERPRINT is {len(value)} bytes, expected 4", AttrType.FINGERPRINT
        )
    if next_offset != len(raw):
        raise StunParseError("FINGERPRINT must be the last attribute (RFC 8489 §14.7)")
    received = int.from_bytes(value, "big")
    # FINGERPRINT is last, so the header's Length already includes it, as §14.7 requires.
    if fingerprint(raw[:offset]) != received:
        raise StunFingerprintError("FINGERPRINT does not match the message")
    return received


def new_transaction_id(random_bytes: Callable[[int], bytes]) -> bytes:
    """A transaction ID from an injected randomness source, e.g. ``secrets.token_bytes``.

    RFC 8489 §6: the ID "MUST be uniformly and randomly chosen from the interval 0 .. 2**96-1,
    and MUST be cryptographically random".
    """
    tid = random_bytes(TRANSACTION_ID_LENGTH)
    if len(tid) != TRANSACTION_ID_LENGTH:
        raise StunEncodeError("the randomness source returned the wrong number of bytes")
    return tid
