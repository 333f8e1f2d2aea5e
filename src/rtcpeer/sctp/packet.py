"""The SCTP common header and its CRC32c checksum (RFC 9260 §3.1, §6.8, Appendix B).

::

     0                   1                   2                   3
    |     Source Port Number        |     Destination Port Number   |
    |                      Verification Tag                         |
    |                           Checksum                            |

The checksum is CRC32c (Castagnoli) over the whole packet with the checksum field zeroed.
Appendix B's reference code ends with a byte swap so that the reflected CRC register goes on
the wire least significant byte first: the standard CRC32c value is stored *little-endian*.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from crc32c import crc32c

from .chunks import Chunk, parse_chunks
from .constants import COMMON_HEADER_LENGTH
from .errors import SctpChecksumError, SctpEncodeError, SctpParseError
from .params import Buffer

COMMON_HEADER = struct.Struct("!HHI")
CHECKSUM = struct.Struct("<I")
_ZERO4 = b"\x00\x00\x00\x00"


def packet_checksum(data: Buffer) -> int:
    """CRC32c of a packet as if its checksum field were zero (§6.8), without copying it."""
    view = memoryview(data)
    crc = crc32c(view[:8])
    crc = crc32c(_ZERO4, crc)
    return crc32c(view[12:], crc)


def checksum_ok(data: Buffer) -> bool:
    """Whether the packet's stored checksum matches its contents (§6.8)."""
    if len(data) < COMMON_HEADER_LENGTH:
        return False
    stored: int = CHECKSUM.unpack_from(data, 8)[0]
    return stored == packet_checksum(data)


def set_checksum(buf: bytearray) -> None:
    """Fill in the checksum of a packet assembled in ``buf`` (field assumed zero)."""
    CHECKSUM.pack_into(buf, 8, crc32c(buf))


@dataclass(frozen=True, slots=True)
class Packet:
    """A decoded SCTP packet (§3)."""

    source_port: int
    destination_port: int
    verification_tag: int
    chunks: list[Chunk] = field(default_factory=list)

    def encode(self) -> bytes:
        return encode_packet(
            self.source_port,
            self.destination_port,
            self.verification_tag,
            [c.encode() for c in self.chunks],
        )


def encode_packet(
    source_port: int, destination_port: int, verification_tag: int, chunks: list[bytes]
) -> bytes:
    """Assemble a packet from already-encoded (padded) chunks and checksum it."""
    if not (0 <= source_port <= 0xFFFF and 0 <= destination_port <= 0xFFFF):
        raise SctpEncodeError("port numbers are 16 bits")
    if not 0 <= verification_tag <= 0xFFFFFFFF:
        raise SctpEncodeError("the verification tag is 32 bits")
    buf = bytearray(COMMON_HEADER_LENGTH)
    COMMON_HEADER.pack_into(buf, 0, source_port, destination_port, verification_tag)
    for chunk in chunks:
        buf += chunk
    set_checksum(buf)
    return bytes(buf)


def parse_header(data: Buffer) -> tuple[int, int, int]:
    """``(source port, destination port, verification tag)``; raises on a short packet."""
    if len(data) < COMMON_HEADER_LENGTH:
        raise SctpParseError(f"SCTP packet of {len(data)} bytes is shorter than its header")
    source, destination, vtag = COMMON_HEADER.unpack_from(data, 0)
    return source, destination, vtag


def parse_packet(data: Buffer, *, verify_checksum: bool = True) -> Packet:
    """Decode a packet; raises :class:`SctpChecksumError` when the CRC32c is wrong and
    :class:`SctpParseError` for any malformed framing or chunk."""
    source, destination, vtag = parse_header(data)
    if verify_checksum and not checksum_ok(data):
        raise SctpChecksumError("CRC32c checksum mismatch")
    return Packet(source, destination, vtag, parse_chunks(data, COMMON_HEADER_LENGTH))
