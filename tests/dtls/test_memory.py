"""What a DtlsEndpoint keeps: one shared OpenSSL context whatever the certificate, record
buffers released when idle, and memory BIOs that ``release_memory`` hands back after large
records (RFC 8261 §5: up to 16 KiB records with a peer that reads them)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL
from OpenSSL._util import lib as _lib

from rtcpeer.dtls import DtlsEndpoint, DtlsRole, DtlsState, RTCCertificate
from tests.dtls.helpers import Link, certificate, connected_link
from tests.dtls.test_retransmission import SERVER_FINISHED_FLIGHT, LoseFirstTransmission

#: Enough for a 16 KiB record of plaintext with any suite's overhead.
LARGE_MTU = 2**14 + 128


def test_endpoints_share_one_context_and_present_their_own_certificates() -> None:
    link = connected_link()
    a, b = link.a.endpoint, link.b.endpoint
    assert a._conn.get_context() is b._conn.get_context()
    assert a.remote_certificate_der == certificate("b").certificate.public_bytes(Encoding.DER)
    assert b.remote_certificate_der == certificate("a").certificate.public_bytes(Encoding.DER)


def test_the_shared_context_releases_idle_record_buffers() -> None:
    link = connected_link()
    ssl = link.a.endpoint._conn._ssl
    assert _lib.SSL_set_mode(ssl, 0) & SSL.MODE_RELEASE_BUFFERS  # adding 0 returns the mode


def test_a_key_that_does_not_match_the_certificate_is_refused() -> None:
    mismatched = RTCCertificate(certificate("a").private_key, certificate("b").certificate)
    with pytest.raises(SSL.Error):
        DtlsEndpoint(mismatched, DtlsRole.CLIENT)


def exchange(link: Link, size: int) -> None:
    """A record of ``size`` bytes each way, through the fast paths."""
    a, b = link.a.endpoint, link.b.endpoint
    for sender, receiver in ((a, b), (b, a)):
        payload = bytes([size % 251]) * size
        assert receiver.open_record(sender.seal(payload)) == payload


def test_release_memory_after_large_records_and_data_still_flows() -> None:
    link = connected_link(mtu=LARGE_MTU)
    a, b = link.a.endpoint, link.b.endpoint
    exchange(link, 16000)
    old = (a._bio_in, a._bio_out)
    assert a.release_memory() and b.release_memory()
    assert (a._bio_in, a._bio_out) != old
    exchange(link, 16000)
    exchange(link, 10)
    a.send(b"through the event queue")
    link.deliver()
    assert link.b.received[-1] == b"through the event queue"
    assert a.release_memory() and b.release_memory()
    a.close(link.now)
    link.deliver()
    assert a.state is DtlsState.CLOSED and b.state is DtlsState.CLOSED


def test_release_memory_leaves_a_bio_that_holds_data() -> None:
    link = connected_link()
    a = link.a.endpoint
    a._conn.bio_write(b"\x17\xfe\xfd")  # not consumed: OpenSSL has not read it yet
    assert not a.release_memory()


def test_release_memory_before_the_peer_retransmits_its_final_flight() -> None:
    """The server's CCS/Finished is lost; the server replaces its BIOs once connected, and
    OpenSSL's retransmission of that flight (on the client's retransmitted Finished) goes
    through the new one."""
    drop = LoseFirstTransmission(SERVER_FINISHED_FLIGHT)
    link = Link(drop=drop, real_time=True)
    link.start()
    server = link.server.endpoint
    while server.state is not DtlsState.CONNECTED and link.deliver():
        pass
    assert server.state is DtlsState.CONNECTED and drop.lost == [SERVER_FINISHED_FLIGHT]
    assert server.release_memory()
    link.run(link.both(DtlsState.CONNECTED))
    assert link.client.endpoint.state is DtlsState.CONNECTED
    assert link.client.endpoint.stats["retransmissions"] >= 1
    exchange(link, 100)
