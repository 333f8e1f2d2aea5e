"""Hand-built wire messages for the STUN tests (independent of the encoder under test)."""

from __future__ import annotations

import struct
import zlib

TID = bytes(range(1, 13))


def tlv(attr_type: int, value: bytes, *, pad: bytes = b"\x00") -> bytes:
    """One attribute: type, length, value, padding to 4 bytes (RFC 8489 §14)."""
    padding = pad * (-len(value) % 4)
    return struct.pack("!HH", attr_type, len(value)) + value + padding


def message(
    *attributes: bytes,
    msg_type: int = 0x0001,
    tid: bytes = TID,
    length: int | None = None,
    cookie: int = 0x2112A442,
) -> bytes:
    """A header followed by ``attributes``; ``length`` overrides the computed Length field."""
    body = b"".join(attributes)
    size = len(body) if length is None else length
    return struct.pack("!HHI", msg_type, size, cookie) + tid + body


def with_fingerprint(data: bytes) -> bytes:
    """Append a correct FINGERPRINT (RFC 8489 §14.7), computed independently of the codec."""
    data = data[:2] + struct.pack("!H", len(data) - 20 + 8) + data[4:]
    crc = (zlib.crc32(data) ^ 0x5354554E) & 0xFFFFFFFF
    return data + struct.pack("!HHI", 0x8028, 4, crc)
