"""Record framing (RFC 6347 §4.1) used to vet input and to re-packetize OpenSSL's output."""

from __future__ import annotations

import pytest

from rtcpeer.dtls.records import (
    MAX_RECORD_BODY,
    RECORD_HEADER_LENGTH,
    pack_records,
    split_records,
    split_stream,
)


def record(body: bytes, *, content_type: int = 22, version: int = 0xFEFD, epoch: int = 0) -> bytes:
    return (
        bytes([content_type])
        + version.to_bytes(2, "big")
        + epoch.to_bytes(2, "big")
        + (7).to_bytes(6, "big")
        + len(body).to_bytes(2, "big")
        + body
    )


def handshake(msg_type: int, body: bytes, *, length: int | None = None, offset: int = 0) -> bytes:
    total = len(body) if length is None else length
    return (
        bytes([msg_type])
        + total.to_bytes(3, "big")
        + (0).to_bytes(2, "big")
        + offset.to_bytes(3, "big")
        + len(body).to_bytes(3, "big")
        + body
    )


def test_split_single_and_multiple_records() -> None:
    r1 = record(handshake(1, b"hello"))
    r2 = record(b"\x01", content_type=20, version=0xFEFF)
    r3 = record(b"anything, encrypted", content_type=23, epoch=1)
    assert split_records(r1) == [r1]
    assert split_records(r1 + r2 + r3) == [r1, r2, r3]
    # two fragments in one record; a fragment of a longer message
    assert split_records(record(handshake(11, b"ab") + handshake(12, b"c"))) is not None
    assert split_records(record(handshake(11, b"ab", length=100, offset=98))) is not None


@pytest.mark.parametrize(
    "body",
    [
        b"",
        handshake(99, b"x"),  # unknown message type
        handshake(1, b"abc", length=2),  # fragment beyond the message
        handshake(1, b"abc")[:-1],  # fragment longer than the record
        handshake(1, b"abc") + b"\x01",  # trailing partial header
    ],
)
def test_implausible_epoch0_handshake_records_are_rejected(body: bytes) -> None:
    assert split_records(record(body)) is None
    # the same bytes under epoch 1 are opaque ciphertext and pass
    assert split_records(record(body, epoch=1)) is not None or body == b""


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (21, b"\x02"),  # short alert
        (21, b"\x03\x28"),  # bad alert level
        (20, b"\x02"),  # ChangeCipherSpec must be 1
        (23, b"data"),  # application data is never unprotected
    ],
)
def test_implausible_epoch0_records_are_rejected(content_type: int, body: bytes) -> None:
    assert split_records(record(body, content_type=content_type)) is None
    assert split_records(record(b"\x02\x28", content_type=21)) is not None


@pytest.mark.parametrize(
    "datagram",
    [
        b"",
        b"\x16\xfe\xfd",  # truncated header
        record(b"abc", epoch=1)[:-1],  # truncated body
        record(b"abc", epoch=1) + b"\x16",  # trailing junk
        record(b"x", content_type=24),  # heartbeat
        record(b"x", content_type=19),
        record(b"x", version=0x0303),  # TLS 1.2, not DTLS
        record(b"x", version=0xFEFC),  # DTLS 1.3 is not spoken on the record layer
        bytes([0x2F]) + bytes(20),  # DTLS 1.3 unified header (RFC 9147 §4)
        bytes([22, 0xFE, 0xFD]) + bytes(8) + (MAX_RECORD_BODY + 1).to_bytes(2, "big"),
    ],
)
def test_malformed_datagrams_are_rejected(datagram: bytes) -> None:
    assert split_records(datagram) is None


def test_split_stream_keeps_an_incomplete_tail() -> None:
    r1, r2 = record(b"a" * 10, epoch=1), record(b"b" * 20, epoch=1)
    assert split_stream(r1 + r2[:5]) == ([r1], r2[:5])
    assert split_stream(r1 + r2) == ([r1, r2], b"")


def test_pack_records_respects_mtu_and_order() -> None:
    records = [record(bytes(n), epoch=1) for n in (100, 200, 300, 50, 1000)]
    sizes = [len(r) for r in records]
    datagrams = pack_records(records, 500)
    assert b"".join(datagrams) == b"".join(records)
    # 113+213 fit, +313 would not; 313+63 fit; the 1013-byte record travels alone.
    assert [len(d) for d in datagrams] == [sizes[0] + sizes[1], sizes[2] + sizes[3], sizes[4]]
    for d in datagrams:
        assert split_records(d) is not None
    assert all(len(r) >= RECORD_HEADER_LENGTH for r in records)
    assert pack_records([], 1200) == []
