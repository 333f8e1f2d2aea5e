"""The application-data fast paths of DtlsEndpoint: ``seal`` returns one record to send as
its own datagram, ``open_record`` decrypts one without the event queue (RFC 8261 §3: one
SCTP packet per record; RFC 6347 §4.1.2.7: unauthentic records are discarded)."""

from __future__ import annotations

import pytest

from rtcpeer.dtls import (
    ApplicationData,
    DtlsMessageTooLargeError,
    DtlsNotConnectedError,
    DtlsState,
    StateChanged,
)
from rtcpeer.dtls.records import split_records
from tests.dtls.helpers import Link, connected_link


def test_seal_returns_one_record_and_open_record_returns_its_plaintext() -> None:
    link = connected_link()
    a, b = link.a.endpoint, link.b.endpoint
    for size in (1, 100, a.max_application_data or 0):
        payload = bytes([size % 251]) * size
        record = a.seal(payload)
        assert split_records(record) == [record]  # exactly one record
        assert len(record) <= a.mtu
        assert a.datagrams_to_send(0.0) == []  # nothing else queued: the caller sends it
        assert b.open_record(record) == payload
        assert b.next_event() is None  # delivered by the return value, not as an event
    assert a.stats["application_data_sent"] == 3
    assert b.stats["application_data_received"] == 3


def test_seal_counts_the_datagram_and_send_counts_it_once() -> None:
    link = connected_link()
    a = link.a.endpoint
    before = dict(a.stats)
    record = a.seal(b"x" * 50)
    assert a.stats["datagrams_sent"] == before["datagrams_sent"] + 1
    assert a.stats["bytes_sent"] == before["bytes_sent"] + len(record)
    a.send(b"y" * 50)
    datagrams = a.datagrams_to_send(0.0)
    assert len(datagrams) == 1
    assert a.stats["datagrams_sent"] == before["datagrams_sent"] + 2
    assert a.stats["bytes_sent"] == before["bytes_sent"] + len(record) + len(datagrams[0])


def test_open_record_hands_other_datagrams_back() -> None:
    link = connected_link()
    a, b = link.a.endpoint, link.b.endpoint
    two = a.seal(b"one") + a.seal(b"two")  # two records in one datagram: the general path
    assert b.open_record(two) is None
    assert b.open_record(b"\x16\xfe\xfd" + bytes(20)) is None  # a handshake record
    assert b.open_record(b"\x17\xfe\xfd") is None  # shorter than a header
    b.handle_datagram(0.0, two)
    assert [e.data for e in iter(b.next_event, None) if isinstance(e, ApplicationData)] == [
        b"one",
        b"two",
    ]


def test_open_record_discards_a_tampered_record() -> None:
    link = connected_link()
    a, b = link.a.endpoint, link.b.endpoint
    record = bytearray(a.seal(b"secret"))
    record[-1] ^= 1
    assert b.open_record(bytes(record)) == b""
    assert b.state is DtlsState.CONNECTED  # RFC 6347 §4.1.2.7: discarded, not fatal
    assert b.open_record(a.seal(b"after")) == b"after"


def test_open_record_reports_close_notify_as_an_event() -> None:
    link = connected_link()
    a, b = link.a.endpoint, link.b.endpoint
    a.close(0.0)
    (datagram,) = a.datagrams_to_send(0.0)
    assert b.open_record(datagram) is None  # an alert, not application data
    b.handle_datagram(0.0, datagram)
    states = [e.new for e in iter(b.next_event, None) if isinstance(e, StateChanged)]
    assert states == [DtlsState.CLOSED]


def test_seal_refuses_what_send_refuses() -> None:
    link = Link()
    with pytest.raises(DtlsNotConnectedError):
        link.a.endpoint.seal(b"too early")
    link.connect()
    limit = link.a.endpoint.max_application_data
    assert limit is not None
    with pytest.raises(DtlsMessageTooLargeError):
        link.a.endpoint.seal(bytes(limit + 1))
    with pytest.raises(ValueError):
        link.a.endpoint.seal(b"")


def test_the_limit_follows_set_mtu_after_the_handshake() -> None:
    link = connected_link()
    a, b = link.a.endpoint, link.b.endpoint
    small = a.max_application_data
    assert small is not None
    a.set_mtu(9000)
    big = a.max_application_data
    assert big is not None and big > small
    assert b.open_record(a.seal(bytes(big))) == bytes(big)
