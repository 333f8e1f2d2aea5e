"""DTLS 1.2 record framing, without any cryptography (RFC 6347 §4.1).

Two jobs, both forced by OpenSSL's memory BIOs being byte *streams*:

* inbound, ``split_records`` checks that a datagram is a sequence of whole, plausible
  DTLSPlaintext/DTLSCiphertext records before it reaches OpenSSL, so junk is dropped and
  counted here instead of being fed to the handshake;
* outbound, OpenSSL writes a flight's records back to back into the BIO and the datagram
  boundaries are lost, so ``pack_records`` puts them back into datagrams of at most
  ``mtu`` bytes, whole records only (RFC 6347 §4.1.1: several records may share a
  datagram, a record never spans two).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

#: type(1) version(2) epoch(2) sequence_number(6) length(2) (RFC 6347 §4.1).
RECORD_HEADER_LENGTH = 13
#: TLSCiphertext.length may be at most 2^14 + 2048 (RFC 5246 §6.2.3, kept by RFC 6347 §4.1).
MAX_RECORD_BODY = 2**14 + 2048

#: DTLS 1.0 (0xFEFF; OpenSSL's ClientHello uses it on the record layer) and DTLS 1.2 (0xFEFD).
_RECORD_VERSIONS = frozenset({0xFEFF, 0xFEFD})


class ContentType(IntEnum):
    """TLS ContentType values DTLS 1.2 carries (RFC 5246 §6.2.1)."""

    CHANGE_CIPHER_SPEC = 20
    ALERT = 21
    HANDSHAKE = 22
    APPLICATION_DATA = 23


_CONTENT_TYPES = frozenset(int(t) for t in ContentType)

#: DTLS 1.2 handshake message types (RFC 5246 §7.4, RFC 6347 §4.3.2, RFC 5077 §3.3).
_HANDSHAKE_TYPES = frozenset({1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20})
#: msg_type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3) (RFC 6347 §4.2.2).
_HANDSHAKE_HEADER_LENGTH = 12


def _plausible_epoch0_record(content_type: int, body: bytes) -> bool:
    """Whether an unprotected (epoch 0) record is worth handing to OpenSSL.

    Epoch 0 carries no MAC, so anyone who can get a datagram to us could otherwise break the
    handshake with a malformed alert, ChangeCipherSpec or handshake fragment, which OpenSSL
    treats as fatal. RFC 6347 §4.1.2.7 prefers silently discarding invalid records; these
    checks discard the structurally invalid ones. Application data is never unprotected.
    """
    if content_type == ContentType.ALERT:
        return len(body) == 2 and body[0] in (1, 2)  # AlertLevel warning/fatal
    if content_type == ContentType.CHANGE_CIPHER_SPEC:
        return body == b"\x01"  # RFC 5246 §7.1
    if content_type == ContentType.HANDSHAKE:
        offset = 0
        while offset < len(body):  # one record may carry several fragments
            header = body[offset : offset + _HANDSHAKE_HEADER_LENGTH]
            if len(header) < _HANDSHAKE_HEADER_LENGTH or header[0] not in _HANDSHAKE_TYPES:
                return False
            length = int.from_bytes(header[1:4], "big")
            fragment_offset = int.from_bytes(header[6:9], "big")
            fragment_length = int.from_bytes(header[9:12], "big")
            if fragment_offset + fragment_length > length:
                return False
            offset += _HANDSHAKE_HEADER_LENGTH + fragment_length
            if offset > len(body):
                return False
        return bool(body)
    return False


def split_records(datagram: bytes) -> list[bytes] | None:
    """The records of ``datagram``, or ``None`` unless it is one or more whole records with
    a known content type and a DTLS 1.0/1.2 version, every unprotected (epoch 0) one
    structurally valid (see ``_plausible_epoch0_record``).

    DTLS 1.3's unified header (first byte 0b001xxxxx, RFC 9147 §4) and heartbeat records
    are not ours and count as malformed.
    """
    records: list[bytes] = []
    offset = 0
    end = len(datagram)
    if end == 0:
        return None
    while offset < end:
        if end - offset < RECORD_HEADER_LENGTH:
            return None
        if datagram[offset] not in _CONTENT_TYPES:
            return None
        version = int.from_bytes(datagram[offset + 1 : offset + 3], "big")
        if version not in _RECORD_VERSIONS:
            return None
        length = int.from_bytes(datagram[offset + 11 : offset + 13], "big")
        if length > MAX_RECORD_BODY:
            return None
        record_end = offset + RECORD_HEADER_LENGTH + length
        if record_end > end:
            return None
        epoch = int.from_bytes(datagram[offset + 3 : offset + 5], "big")
        if epoch == 0 and not _plausible_epoch0_record(
            datagram[offset], datagram[offset + RECORD_HEADER_LENGTH : record_end]
        ):
            return None
        records.append(datagram[offset:record_end])
        offset = record_end
    return records


def split_stream(stream: bytes) -> tuple[list[bytes], bytes]:
    """Cut OpenSSL's output ``stream`` into records; returns (records, incomplete tail).

    OpenSSL always writes whole records, so the tail is empty in practice; it is kept
    rather than dropped so a partial write could never corrupt the framing.
    """
    records: list[bytes] = []
    offset = 0
    while len(stream) - offset >= RECORD_HEADER_LENGTH:
        length = int.from_bytes(stream[offset + 11 : offset + 13], "big")
        record_end = offset + RECORD_HEADER_LENGTH + length
        if record_end > len(stream):
            break
        records.append(stream[offset:record_end])
        offset = record_end
    return records, stream[offset:]


def pack_records(records: Iterable[bytes], mtu: int) -> list[bytes]:
    """Consecutive ``records`` packed greedily, in order, into datagrams of at most ``mtu``
    bytes (RFC 6347 §4.1.1). A record larger than ``mtu`` travels alone."""
    datagrams: list[bytes] = []
    current: list[bytes] = []
    size = 0
    for record in records:
        if current and size + len(record) > mtu:
            datagrams.append(b"".join(current))
            current, size = [], 0
        current.append(record)
        size += len(record)
    if current:
        datagrams.append(b"".join(current))
    return datagrams
