"""Per-attribute value codecs: bytes of an attribute's Value field <-> Python objects.

Each codec sees only the unpadded Value (RFC 8489 §14: the Length field excludes padding); the
TLV framing and padding live in :mod:`rtcpeer.stun.message`. Decoders raise
:class:`StunAttributeError` on malformed values, encoders :class:`StunEncodeError` on values of
the wrong type or range. An attribute type without a codec is carried as raw ``bytes``.

Python types by attribute (see also :class:`rtcpeer.stun.StunMessage`):

- address attributes: ``(host, port)``;
- USERNAME, REALM, NONCE, SOFTWARE, ALTERNATE-DOMAIN: ``str``;
- USERHASH, DATA, MESSAGE-INTEGRITY(-SHA256), RESERVATION-TOKEN, unknown types: ``bytes``;
- PRIORITY, LIFETIME, FINGERPRINT, CHANNEL-NUMBER, REQUESTED-TRANSPORT,
  REQUESTED-/ADDITIONAL-ADDRESS-FAMILY, CONNECTION-ID, ICE-CONTROLLING/-CONTROLLED: ``int``;
- USE-CANDIDATE, DONT-FRAGMENT: ``None``; EVEN-PORT: ``bool``;
- ERROR-CODE: :class:`ErrorCode`; ADDRESS-ERROR-CODE: ``(family, ErrorCode)``;
- UNKNOWN-ATTRIBUTES: ``tuple[int, ...]``;
- PASSWORD-ALGORITHM: :class:`PasswordAlgorithm`; PASSWORD-ALGORITHMS: a tuple of them;
- ICMP: ``(icmp_type, icmp_code, error_data)``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

from .addresses import FAMILY_IPV4, FAMILY_IPV6, decode_address, encode_address, xor_key
from .constants import AttrType
from .errors import StunAttributeError, StunEncodeError
from .values import ErrorCode, PasswordAlgorithm

__all__ = [
    "KNOWN_ATTRIBUTES",
    "MAX_ALTERNATE_DOMAIN",
    "MAX_TEXT_BYTES",
    "ErrorCode",
    "PasswordAlgorithm",
    "attr_key",
    "decode_attribute",
    "encode_attribute",
]

MAX_TEXT_BYTES = 763
"""RFC 8489 §14.3, §14.8-§14.10, §14.14: receivers must accept UTF-8 values of up to 763 bytes.

The same bound is used when encoding, so that whatever this codec writes it can also read.
"""

MAX_ALTERNATE_DOMAIN = 255
"""RFC 8489 §14.16: ALTERNATE-DOMAIN is a DNS name of 255 or fewer ASCII characters."""

Decoder = Callable[[bytes, int, bytes], object]
"""``decode(value, attr_type, transaction_id)``."""

Encoder = Callable[[object, int, bytes], bytes]
"""``encode(python_value, attr_type, transaction_id)``."""


@dataclass(frozen=True)
class _Codec:
    decode: Decoder
    encode: Encoder


_FAMILIES = (FAMILY_IPV4, FAMILY_IPV6)
_U16 = struct.Struct("!H")
_U32 = struct.Struct("!I")
_U64 = struct.Struct("!Q")
_U16_PAIR = struct.Struct("!HH")


def _pad4(length: int) -> int:
    """RFC 8489 §14: values are padded to a multiple of 4 bytes."""
    return (length + 3) & ~3


def _check_int(value: object, attr_type: int, bits: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise StunEncodeError(f"attribute {attr_type:#06x} needs an int, got {value!r}")
    if not 0 <= value < (1 << bits):
        raise StunEncodeError(f"attribute {attr_type:#06x} value {value} exceeds {bits} bits")
    return value


def _check_length(value: bytes, attr_type: int, expected: int) -> None:
    if len(value) != expected:
        raise StunAttributeError(
            f"attribute {attr_type:#06x} is {len(value)} bytes, expected {expected}", attr_type
        )


def _decode_text(value: bytes, attr_type: int, limit: int = MAX_TEXT_BYTES) -> str:
    if len(value) > limit:
        raise StunAttributeError(
            f"text attribute {attr_type:#06x} exceeds {limit} bytes", attr_type
        )
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StunAttributeError(f"attribute {attr_type:#06x} is not UTF-8", attr_type) from exc


def _encode_text(value: object, attr_type: int, limit: int = MAX_TEXT_BYTES) -> bytes:
    if not isinstance(value, str):
        raise StunEncodeError(f"attribute {attr_type:#06x} needs a str, got {value!r}")
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise StunEncodeError(f"attribute {attr_type:#06x} is not encodable as UTF-8") from exc
    if len(raw) > limit:
        raise StunEncodeError(f"attribute {attr_type:#06x} exceeds {limit} bytes")
    return raw


# --- simple codecs --------------------------------------------------------------------------


def _text_codec() -> _Codec:
    """USERNAME §14.3, REALM §14.9, NONCE §14.10, SOFTWARE §14.14 (RFC 8489): UTF-8 text."""
    return _Codec(
        lambda value, attr_type, _tid: _decode_text(value, attr_type),
        lambda obj, attr_type, _tid: _encode_text(obj, attr_type),
    )


def _decode_domain(value: bytes, attr_type: int, _tid: bytes) -> str:
    """RFC 8489 §14.16: ALTERNATE-DOMAIN, 255 or fewer ASCII characters."""
    if len(value) > MAX_ALTERNATE_DOMAIN or not value.isascii():
        raise StunAttributeError("ALTERNATE-DOMAIN must be at most 255 ASCII bytes", attr_type)
    return value.decode("ascii")


def _encode_domain(obj: object, attr_type: int, _tid: bytes) -> bytes:
    raw = _encode_text(obj, attr_type, MAX_ALTERNATE_DOMAIN)
    if not raw.isascii():
        raise StunEncodeError("ALTERNATE-DOMAIN must be ASCII (A-labels)")
    return raw


def _opaque_codec(*, exact: int | None = None) -> _Codec:
    """Raw bytes; ``exact`` fixes the length (USERHASH §14.4 32, MESSAGE-INTEGRITY §14.5 20,
    RESERVATION-TOKEN RFC 8656 §18.10 8)."""

    def decode(value: bytes, attr_type: int, _tid: bytes) -> object:
        if exact is not None:
            _check_length(value, attr_type, exact)
        return bytes(value)

    def encode(obj: object, attr_type: int, _tid: bytes) -> bytes:
        if not isinstance(obj, bytes | bytearray | memoryview):
            raise StunEncodeError(f"attribute {attr_type:#06x} needs bytes, got {obj!r}")
        raw = bytes(obj)
        if exact is not None and len(raw) != exact:
            raise StunEncodeError(f"attribute {attr_type:#06x} must be {exact} bytes")
        return raw

    return _Codec(decode, encode)


def _decode_mi_sha256(value: bytes, attr_type: int, _tid: bytes) -> object:
    """RFC 8489 §14.6: at least 16 and at most 32 bytes, a multiple of 4."""
    if not 16 <= len(value) <= 32 or len(value) % 4:
        raise StunAttributeError(
            f"MESSAGE-INTEGRITY-SHA256 of {len(value)} bytes (need 16-32, multiple of 4)",
            attr_type,
        )
    return bytes(value)


def _encode_mi_sha256(obj: object, attr_type: int, tid: bytes) -> bytes:
    raw = _opaque_codec().encode(obj, attr_type, tid)
    if not 16 <= len(raw) <= 32 or len(raw) % 4:
        raise StunEncodeError("MESSAGE-INTEGRITY-SHA256 must be 16-32 bytes, a multiple of 4")
    return raw


def _uint_codec(struct_: struct.Struct) -> _Codec:
    """Big-endian unsigned integers: PRIORITY (RFC 8445 §16.1, 32 bits), LIFETIME (RFC 8656
    §18.2), FINGERPRINT (RFC 8489 §14.7), CONNECTION-ID (RFC 6062 §6.2.1), ICE-CONTROLLED and
    ICE-CONTROLLING (RFC 8445 §16.1, 64 bits)."""

    def decode(value: bytes, attr_type: int, _tid: bytes) -> object:
        _check_length(value, attr_type, struct_.size)
        result: int = struct_.unpack(value)[0]
        return result

    def encode(obj: object, attr_type: int, _tid: bytes) -> bytes:
        return struct_.pack(_check_int(obj, attr_type, struct_.size * 8))

    return _Codec(decode, encode)


def _leading_field_codec(bits: int) -> _Codec:
    """A 4-byte value whose first ``bits`` bits carry a number and the rest is reserved (MUST
    be 0 on sending, ignored on receipt): CHANNEL-NUMBER (RFC 8656 §18.1, 16 bits),
    REQUESTED-TRANSPORT §18.8, REQUESTED-ADDRESS-FAMILY §18.6, ADDITIONAL-ADDRESS-FAMILY §18.11
    (8 bits)."""
    shift = 32 - bits

    def decode(value: bytes, attr_type: int, _tid: bytes) -> object:
        _check_length(value, attr_type, 4)
        result: int = _U32.unpack(value)[0] >> shift
        return result

    def encode(obj: object, attr_type: int, _tid: bytes) -> bytes:
        return _U32.pack(_check_int(obj, attr_type, bits) << shift)

    return _Codec(decode, encode)


def _decode_flag(value: bytes, attr_type: int, _tid: bytes) -> object:
    """USE-CANDIDATE (RFC 8445 §16.1), DONT-FRAGMENT (RFC 8656 §18.9): empty value."""
    _check_length(value, attr_type, 0)
    return None


def _encode_flag(obj: object, attr_type: int, _tid: bytes) -> bytes:
    if obj is not None:
        raise StunEncodeError(f"flag attribute {attr_type:#06x} takes the value None")
    return b""


def _decode_even_port(value: bytes, attr_type: int, _tid: bytes) -> object:
    """RFC 8656 §18.7: one byte, the R bit first; the 7 RFFU bits are ignored."""
    _check_length(value, attr_type, 1)
    return bool(value[0] & 0x80)


def _encode_even_port(obj: object, attr_type: int, _tid: bytes) -> bytes:
    if not isinstance(obj, bool):
        raise StunEncodeError("EVEN-PORT takes a bool (the R bit)")
    return b"\x80" if obj else b"\x00"


# --- error codes ----------------------------------------------------------------------------


def _decode_error_word(value: bytes, attr_type: int) -> ErrorCode:
    """RFC 8489 §14.8: reserved bits ignored, Class 3-6, Number 0-99, then a UTF-8 reason."""
    if len(value) < 4:
        raise StunAttributeError(f"error code attribute of {len(value)} bytes", attr_type)
    word: int = _U32.unpack_from(value, 0)[0]
    error_class = (word >> 8) & 0x7
    number = word & 0xFF
    if not 3 <= error_class <= 6:
        raise StunAttributeError(f"error class {error_class} outside 3-6", attr_type)
    if number > 99:
        raise StunAttributeError(f"error number {number} outside 0-99", attr_type)
    return ErrorCode(error_class * 100 + number, _decode_text(value[4:], attr_type))


def _encode_error_word(obj: object, attr_type: int, high_byte: int = 0) -> bytes:
    if not isinstance(obj, ErrorCode):
        raise StunEncodeError(f"attribute {attr_type:#06x} needs an ErrorCode, got {obj!r}")
    code = obj.code
    if not isinstance(code, int) or isinstance(code, bool) or not 300 <= code <= 699:
        raise StunEncodeError(f"error code {code!r} outside 300-699 (RFC 8489 §14.8)")
    reason = _encode_text(obj.reason, attr_type)
    return _U32.pack((high_byte << 24) | ((code // 100) << 8) | (code % 100)) + reason


def _decode_error_code(value: bytes, attr_type: int, _tid: bytes) -> object:
    return _decode_error_word(value, attr_type)


def _encode_error_code(obj: object, attr_type: int, _tid: bytes) -> bytes:
    return _encode_error_word(obj, attr_type)


def _decode_address_error_code(value: bytes, attr_type: int, _tid: bytes) -> object:
    """RFC 8656 §18.12: Family (8 bits), 13 reserved bits, then Class/Number as ERROR-CODE."""
    error = _decode_error_word(value, attr_type)
    family = value[0]
    if family not in _FAMILIES:
        raise StunAttributeError(f"unknown address family {family:#04x}", attr_type)
    return family, error


def _encode_address_error_code(obj: object, attr_type: int, _tid: bytes) -> bytes:
    if not (isinstance(obj, tuple) and len(obj) == 2):
        raise StunEncodeError("ADDRESS-ERROR-CODE takes a (family, ErrorCode) tuple")
    family, error = obj
    if not isinstance(family, int) or isinstance(family, bool) or family not in _FAMILIES:
        raise StunEncodeError(f"ADDRESS-ERROR-CODE family {family!r} is not 1 or 2")
    return _encode_error_word(error, attr_type, family)


# --- lists ----------------------------------------------------------------------------------


def _decode_unknown_attributes(value: bytes, attr_type: int, _tid: bytes) -> object:
    """RFC 8489 §14.13: a list of 16-bit attribute types (normal padding, not RFC 3489's)."""
    if len(value) % 2:
        raise StunAttributeError("UNKNOWN-ATTRIBUTES length is odd", attr_type)
    return tuple(t for (t,) in _U16.iter_unpack(value))


def _encode_unknown_attributes(obj: object, attr_type: int, _tid: bytes) -> bytes:
    if not isinstance(obj, tuple | list):
        raise StunEncodeError("UNKNOWN-ATTRIBUTES takes a tuple of attribute types")
    return b"".join(_U16.pack(_check_int(t, attr_type, 16)) for t in obj)


def _read_password_algorithm(value: bytes, offset: int, attr_type: int) -> tuple[object, int]:
    """One entry of RFC 8489 §14.11/§14.12: Algorithm (16), Parameters Length (16), Parameters
    padded to 32 bits. Returns the entry and the offset after its padding. Padding at the very
    end of the value may be absent (the attribute's own padding then covers it)."""
    if len(value) - offset < 4:
        raise StunAttributeError("truncated password algorithm entry", attr_type)
    algorithm, length = _U16_PAIR.unpack_from(value, offset)
    start = offset + 4
    end = start + length
    if end > len(value):
        raise StunAttributeError("password algorithm parameters overrun the value", attr_type)
    padded = start + _pad4(length)
    if padded > len(value):
        if end != len(value):
            raise StunAttributeError("malformed password algorithm padding", attr_type)
        padded = end
    return PasswordAlgorithm(algorithm, bytes(value[start:end])), padded


def _write_password_algorithm(obj: object, attr_type: int) -> bytes:
    if not isinstance(obj, PasswordAlgorithm):
        raise StunEncodeError(f"attribute {attr_type:#06x} needs PasswordAlgorithm, got {obj!r}")
    params = obj.parameters
    if not isinstance(params, bytes) or len(params) > 0xFFFF:
        raise StunEncodeError("password algorithm parameters must be bytes under 64 KiB")
    head = _U16_PAIR.pack(_check_int(obj.algorithm, attr_type, 16), len(params))
    return head + params + bytes(_pad4(len(params)) - len(params))


def _decode_password_algorithm(value: bytes, attr_type: int, _tid: bytes) -> object:
    entry, end = _read_password_algorithm(value, 0, attr_type)
    if end != len(value):
        raise StunAttributeError("trailing bytes after PASSWORD-ALGORITHM", attr_type)
    return entry


def _encode_password_algorithm(obj: object, attr_type: int, _tid: bytes) -> bytes:
    return _write_password_algorithm(obj, attr_type)


def _decode_password_algorithms(value: bytes, attr_type: int, _tid: bytes) -> object:
    entries: list[object] = []
    offset = 0
    while offset < len(value):
        entry, offset = _read_password_algorithm(value, offset, attr_type)
        entries.append(entry)
    return tuple(entries)


def _encode_password_algorithms(obj: object, attr_type: int, _tid: bytes) -> bytes:
    if not isinstance(obj, tuple | list):
        raise StunEncodeError("PASSWORD-ALGORITHMS takes a tuple of PasswordAlgorithm")
    return b"".join(_write_password_algorithm(entry, attr_type) for entry in obj)


# --- ICMP -----------------------------------------------------------------------------------


def _decode_icmp(value: bytes, attr_type: int, _tid: bytes) -> object:
    """RFC 8656 §18.13: 16 reserved bits, ICMP Type (7 bits), ICMP Code (9 bits), Error Data
    (32 bits). The field widths are those of the RFC's figure."""
    _check_length(value, attr_type, 8)
    word, data = struct.unpack("!II", value)
    return (word >> 9) & 0x7F, word & 0x1FF, data


def _encode_icmp(obj: object, attr_type: int, _tid: bytes) -> bytes:
    if not (isinstance(obj, tuple) and len(obj) == 3):
        raise StunEncodeError("ICMP takes an (icmp_type, icmp_code, error_data) tuple")
    icmp_type = _check_int(obj[0], attr_type, 7)
    icmp_code = _check_int(obj[1], attr_type, 9)
    data = _check_int(obj[2], attr_type, 32)
    return struct.pack("!II", (icmp_type << 9) | icmp_code, data)


# --- addresses ------------------------------------------------------------------------------


def _plain_address_codec() -> _Codec:
    """MAPPED-ADDRESS (RFC 8489 §14.1), ALTERNATE-SERVER (§14.15)."""
    return _Codec(
        lambda value, attr_type, _tid: decode_address(value, attr_type),
        lambda obj, attr_type, _tid: encode_address(obj, attr_type),
    )


def _xor_address_codec() -> _Codec:
    """XOR-MAPPED-ADDRESS (RFC 8489 §14.2), XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS
    (RFC 8656 §18.3, §18.5)."""
    return _Codec(
        lambda value, attr_type, tid: decode_address(value, attr_type, xor_key(tid)),
        lambda obj, attr_type, tid: encode_address(obj, attr_type, xor_key(tid)),
    )


_CODECS: dict[int, _Codec] = {
    AttrType.MAPPED_ADDRESS: _plain_address_codec(),
    AttrType.USERNAME: _text_codec(),
    AttrType.MESSAGE_INTEGRITY: _opaque_codec(exact=20),
    AttrType.ERROR_CODE: _Codec(_decode_error_code, _encode_error_code),
    AttrType.UNKNOWN_ATTRIBUTES: _Codec(_decode_unknown_attributes, _encode_unknown_attributes),
    AttrType.CHANNEL_NUMBER: _leading_field_codec(16),
    AttrType.LIFETIME: _uint_codec(_U32),
    AttrType.XOR_PEER_ADDRESS: _xor_address_codec(),
    AttrType.DATA: _opaque_codec(),
    AttrType.REALM: _text_codec(),
    AttrType.NONCE: _text_codec(),
    AttrType.XOR_RELAYED_ADDRESS: _xor_address_codec(),
    AttrType.REQUESTED_ADDRESS_FAMILY: _leading_field_codec(8),
    AttrType.EVEN_PORT: _Codec(_decode_even_port, _encode_even_port),
    AttrType.REQUESTED_TRANSPORT: _leading_field_codec(8),
    AttrType.DONT_FRAGMENT: _Codec(_decode_flag, _encode_flag),
    AttrType.MESSAGE_INTEGRITY_SHA256: _Codec(_decode_mi_sha256, _encode_mi_sha256),
    AttrType.PASSWORD_ALGORITHM: _Codec(_decode_password_algorithm, _encode_password_algorithm),
    AttrType.USERHASH: _opaque_codec(exact=32),
    AttrType.XOR_MAPPED_ADDRESS: _xor_address_codec(),
    AttrType.RESERVATION_TOKEN: _opaque_codec(exact=8),
    AttrType.PRIORITY: _uint_codec(_U32),
    AttrType.USE_CANDIDATE: _Codec(_decode_flag, _encode_flag),
    AttrType.CONNECTION_ID: _uint_codec(_U32),
    AttrType.ADDITIONAL_ADDRESS_FAMILY: _leading_field_codec(8),
    AttrType.ADDRESS_ERROR_CODE: _Codec(_decode_address_error_code, _encode_address_error_code),
    AttrType.PASSWORD_ALGORITHMS: _Codec(_decode_password_algorithms, _encode_password_algorithms),
    AttrType.ALTERNATE_DOMAIN: _Codec(_decode_domain, _encode_domain),
    AttrType.ICMP: _Codec(_decode_icmp, _encode_icmp),
    AttrType.SOFTWARE: _text_codec(),
    AttrType.ALTERNATE_SERVER: _plain_address_codec(),
    AttrType.FINGERPRINT: _uint_codec(_U32),
    AttrType.ICE_CONTROLLED: _uint_codec(_U64),
    AttrType.ICE_CONTROLLING: _uint_codec(_U64),
}

KNOWN_ATTRIBUTES: frozenset[int] = frozenset(_CODECS)
"""Every attribute type this codec decodes; other types are kept as raw bytes."""

_KNOWN_TYPES = {int(t): t for t in AttrType}


def attr_key(attr_type: int) -> int:
    """The dictionary key for a type: the :class:`AttrType` member if known, else the int."""
    return _KNOWN_TYPES.get(attr_type, attr_type)


def decode_attribute(attr_type: int, value: bytes, transaction_id: bytes) -> object:
    """Decode one attribute value; unknown types come back as ``bytes``."""
    codec = _CODECS.get(attr_type)
    if codec is None:
        return bytes(value)
    return codec.decode(value, attr_type, transaction_id)


def encode_attribute(attr_type: int, value: object, transaction_id: bytes) -> bytes:
    """Encode one attribute value (without header or padding); unknown types need bytes."""
    codec = _CODECS.get(attr_type)
    if codec is None:
        return _opaque_codec().encode(value, attr_type, transaction_id)
    return codec.encode(value, attr_type, transaction_id)
