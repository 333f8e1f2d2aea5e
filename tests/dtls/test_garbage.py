"""Malformed and hostile input never raises out of ``handle_datagram``.

Junk that is not whole DTLS records is dropped and counted; well-framed junk reaches
OpenSSL, which discards what it cannot authenticate (RFC 6347 §4.1.2.7) or fails the
handshake with a typed reason. Never is it delivered as application data.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtcpeer.dtls import ApplicationData, DtlsState
from tests.dtls.helpers import Link, connected_link

S = DtlsState


def _record(content_type: int, version: int, epoch: int, seq: int, body: bytes) -> bytes:
    return (
        bytes([content_type])
        + version.to_bytes(2, "big")
        + epoch.to_bytes(2, "big")
        + seq.to_bytes(6, "big")
        + len(body).to_bytes(2, "big")
        + body
    )


framed_records = st.builds(
    _record,
    st.sampled_from([20, 21, 22, 23]),
    st.sampled_from([0xFEFD, 0xFEFF]),
    st.sampled_from([0, 1, 2]),
    st.integers(0, 2**48 - 1),
    st.binary(max_size=300),
)


def _handshake_record(msg_type: int, seq: int, body: bytes, epoch: int, record_seq: int) -> bytes:
    fragment = (
        bytes([msg_type])
        + len(body).to_bytes(3, "big")
        + seq.to_bytes(2, "big")
        + (0).to_bytes(3, "big")
        + len(body).to_bytes(3, "big")
        + body
    )
    return _record(22, 0xFEFD, epoch, record_seq, fragment)


# structurally valid handshake fragments with junk contents: these get past the framing
# checks and exercise OpenSSL's handshake state machine
handshake_records = st.builds(
    _handshake_record,
    st.sampled_from([1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20]),
    st.integers(0, 5),
    st.binary(max_size=200),
    st.sampled_from([0, 0, 1]),
    st.integers(0, 20),
)
datagrams = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(framed_records, handshake_records), min_size=1, max_size=3).map(b"".join),
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_junk_is_counted_not_raised() -> None:
    link = connected_link()
    a = link.a.endpoint
    for junk in (b"", b"\x00", b"\x16\xfe\xfd", bytes(range(256)), b"\x80" + bytes(40)):
        a.handle_datagram(link.now, junk)
    assert a.stats["malformed_datagrams"] == 5
    # framed but unauthenticated: handed to OpenSSL, silently discarded there
    a.handle_datagram(link.now, _record(23, 0xFEFD, 1, 99, b"forged application data"))
    a.handle_datagram(link.now, _record(21, 0xFEFD, 0, 5, b"\x02\x28"))  # epoch-0 fatal alert
    assert a.stats["malformed_datagrams"] == 5
    link.poll()
    assert a.state is S.CONNECTED and link.a.received == []


def _assert_sane(link: Link) -> None:
    for side in (link.a, link.b):
        state = side.endpoint.state
        assert state in (S.CONNECTED, S.FAILED, S.CLOSED), state
        if state is S.FAILED:
            assert side.endpoint.failure is not None
            assert side.events[-1].reason  # type: ignore[attr-defined]
        assert not any(isinstance(e, ApplicationData) for e in side.events)


@SETTINGS
@given(
    junk=st.lists(datagrams, min_size=1, max_size=5),
    target=st.sampled_from(["client", "server"]),
    rounds=st.integers(0, 2),
)
def test_junk_while_connecting(junk: list[bytes], target: str, rounds: int) -> None:
    link = Link()
    link.start()
    for _ in range(rounds):
        link.deliver()
    side = link.client if target == "client" else link.server
    for datagram in junk:
        side.endpoint.handle_datagram(link.now, datagram)
    link.poll()
    link.run(link.settled, max_time=100.0)
    _assert_sane(link)
    if link.a.endpoint.state is S.CONNECTED and link.b.endpoint.state is S.CONNECTED:
        link.a.endpoint.send(b"ping")
        link.deliver()
        assert link.b.received == [b"ping"]


@SETTINGS
@given(junk=st.lists(datagrams, min_size=1, max_size=5), target=st.sampled_from(["a", "b"]))
def test_junk_while_connected(junk: list[bytes], target: str) -> None:
    link = connected_link()
    side = link.a if target == "a" else link.b
    for datagram in junk:
        side.endpoint.handle_datagram(link.now, datagram)
    link.poll()
    link.deliver()
    _assert_sane(link)
    assert side.endpoint.state is S.CONNECTED
    link.a.endpoint.send(b"still")
    link.b.endpoint.send(b"working")
    link.deliver()
    assert link.b.received == [b"still"] and link.a.received == [b"working"]
