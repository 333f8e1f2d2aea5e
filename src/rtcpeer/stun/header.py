"""The 20-byte STUN message header (RFC 8489 §5).

::

     0                   1                   2                   3
    |0 0|     STUN Message Type     |         Message Length        |
    |                         Magic Cookie                          |
    |                     Transaction ID (96 bits)                  |

The 14-bit message type interleaves the 12-bit method (M11..M0) with the 2-bit class (C1 C0)::

    M11 M10 M9 M8 M7 C1 M6 M5 M4 C0 M3 M2 M1 M0
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from .constants import HEADER_LENGTH, MAGIC_COOKIE, MAX_METHOD, MessageClass, Method
from .errors import StunEncodeError, StunParseError

_HEADER = struct.Struct("!HHI12s")
_TYPE_LENGTH_COOKIE = struct.Struct("!HHI")


def message_type(method: int, message_class: int) -> int:
    """Encode a method and class into the 14-bit message type (RFC 8489 §5, Figure 3)."""
    if not 0 <= method <= MAX_METHOD:
        raise StunEncodeError(f"STUN method {method:#x} does not fit in 12 bits")
    if not 0 <= message_class <= 3:
        raise StunEncodeError(f"STUN message class {message_class} is not 0-3")
    return (
        (method & 0x000F)
        | ((method & 0x0070) << 1)
        | ((method & 0x0F80) << 2)
        | ((message_class & 0x1) << 4)
        | ((message_class & 0x2) << 7)
    )


def split_message_type(msg_type: int) -> tuple[int, int]:
    """Inverse of :func:`message_type`: ``(method, class)`` from a 14-bit type (RFC 8489 §5)."""
    if not 0 <= msg_type <= 0x3FFF:
        raise StunParseError(f"message type {msg_type:#x} does not fit in 14 bits")
    method = (msg_type & 0x000F) | ((msg_type & 0x00E0) >> 1) | ((msg_type & 0x3E00) >> 2)
    message_class = ((msg_type >> 4) & 0x1) | ((msg_type >> 7) & 0x2)
    return method, message_class


def is_stun(data: bytes | bytearray | memoryview) -> bool:
    """Cheap demultiplexing test: could ``data`` be exactly one STUN message?

    Checks (RFC 8489 §5, §6.3; RFC 7983 §7): at least 20 bytes, the two most significant bits
    zero, the magic cookie, a length that is a multiple of 4 and equals ``len(data) - 20``.
    It does not look at the attributes; use :func:`parse_message` for that. (RFC 7983 further
    narrows STUN's first byte to 0-3; this test accepts the whole 0-63 range RFC 8489 permits.)
    """
    if len(data) < HEADER_LENGTH:
        return False
    msg_type: int
    length: int
    cookie: int
    msg_type, length, cookie = _TYPE_LENGTH_COOKIE.unpack_from(data, 0)
    return (
        msg_type & 0xC000 == 0
        and cookie == MAGIC_COOKIE
        and length & 0x3 == 0
        and length == len(data) - HEADER_LENGTH
    )


class Header(NamedTuple):
    """A decoded header; ``method`` is a :class:`Method` when registered, else a plain int."""

    method: Method | int
    message_class: MessageClass
    length: int
    transaction_id: bytes


def parse_header(data: bytes) -> Header:
    """Decode and validate the header of a datagram holding one STUN message (RFC 8489 §5, §6.3).

    Raises :class:`StunParseError` unless: there are at least 20 bytes, the top two bits are
    zero, the magic cookie is right, and the length field is a multiple of 4 that accounts for
    exactly the bytes following the header.
    """
    if len(data) < HEADER_LENGTH:
        raise StunParseError(f"truncated header: {len(data)} bytes, need {HEADER_LENGTH}")
    msg_type, length, cookie, transaction_id = _HEADER.unpack_from(data, 0)
    if msg_type & 0xC000:
        raise StunParseError("the two most significant bits of a STUN message must be zero")
    if cookie != MAGIC_COOKIE:
        raise StunParseError(f"bad magic cookie {cookie:#010x}")
    if length & 0x3:
        raise StunParseError(f"message length {length} is not a multiple of 4")
    if length != len(data) - HEADER_LENGTH:
        raise StunParseError(
            f"message length field says {length} bytes but {len(data) - HEADER_LENGTH} follow"
        )
    method, message_class = split_message_type(msg_type)
    known_method: Method | int = Method(method) if method in _METHODS else method
    return Header(known_method, MessageClass(message_class), length, transaction_id)


def pack_header(method: int, message_class: int, length: int, transaction_id: bytes) -> bytes:
    """Encode a header (RFC 8489 §5); ``length`` excludes the 20 header bytes."""
    if not 0 <= length <= 0xFFFF:
        raise StunEncodeError(f"message body of {length} bytes exceeds the 16-bit length field")
    return _HEADER.pack(message_type(method, message_class), length, MAGIC_COOKIE, transaction_id)


_METHODS = frozenset(int(m) for m in Method)
