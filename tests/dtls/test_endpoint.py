"""Two DtlsEndpoints handshaking and exchanging data in memory, on a fake clock."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from rtcpeer.dtls import (
    ApplicationData,
    DtlsEndpoint,
    DtlsFailure,
    DtlsMessageTooLargeError,
    DtlsNotConnectedError,
    DtlsRole,
    DtlsState,
    DtlsStateError,
    RemoteCertificate,
    StateChanged,
    certificate_fingerprint,
)
from rtcpeer.dtls import endpoint as endpoint_module
from rtcpeer.dtls.records import split_records
from tests.dtls.helpers import Link, certificate, connected_link, fingerprints_of

S = DtlsState
ROLES = pytest.mark.parametrize(
    "a_role", [DtlsRole.CLIENT, DtlsRole.SERVER], ids=["a-client", "a-server"]
)


def state(endpoint: DtlsEndpoint) -> DtlsState:
    """``endpoint.state``, read afresh (mypy would keep an earlier assert's narrowing)."""
    return endpoint.state


def wrong_fingerprints() -> list[tuple[str, str]]:
    return fingerprints_of(certificate("stranger"))


# -- handshake ----------------------------------------------------------------------------


@ROLES
def test_handshake_connects_and_reports_the_verified_certificate(a_role: DtlsRole) -> None:
    link = connected_link(a_role)
    for side, peer in ((link.a, certificate("b")), (link.b, certificate("a"))):
        ep = side.endpoint
        assert side.states == [S.CONNECTING, S.CONNECTED]
        remote = [e for e in side.events if isinstance(e, RemoteCertificate)]
        der = peer.certificate.public_bytes(Encoding.DER)
        assert len(remote) == 1 and remote[0].der == der
        assert remote[0].fingerprint == peer.getFingerprints()[0]
        # the certificate is reported before the change to connected
        assert isinstance(side.events[-1], StateChanged) and side.events[-2] == remote[0]
        assert ep.remote_certificate_der == der
        assert ep.protocol_version == "DTLSv1.2"
        assert ep.cipher in {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"}
        assert ep.local_fingerprints == ep._certificate.getFingerprints()
        assert ep.get_timer() is None
        assert ep.failure is None
    assert link.a.endpoint.role is a_role
    assert link.client.endpoint.stats["retransmissions"] == 0


def test_states_and_timers_before_and_during_the_handshake() -> None:
    link = Link()
    client, server = link.client.endpoint, link.server.endpoint
    assert client.state is S.NEW and client.get_timer() is None
    assert client.datagrams_to_send(0.0) == []
    client.start(0.0)
    server.start(0.0)
    assert state(client) is S.CONNECTING and state(server) is S.CONNECTING
    # the client waits ~1 s for the server's flight (OpenSSL's initial timeout)
    timer = client.get_timer()
    assert timer is not None and 0.5 < timer <= 1.0
    # the server has no flight out; only the handshake timeout is pending
    assert server.get_timer() == 30.0
    with pytest.raises(DtlsStateError):
        client.start(0.0)
    assert client.cipher is None and client.max_application_data is None


def test_datagrams_fit_the_mtu_and_are_whole_records() -> None:
    link = connected_link(mtu=300)
    assert link.all_datagrams
    for datagram in link.all_datagrams:
        assert len(datagram) <= 300
        assert split_records(datagram) is not None
    # a flight bigger than the MTU was spread over several datagrams
    assert len(link.all_datagrams) > 4
    assert link.a.endpoint.max_application_data == 300 - 37  # 13 header + 8 nonce + 16 tag


def test_default_mtu_1200() -> None:
    link = connected_link()
    assert all(len(d) <= 1200 for d in link.all_datagrams)
    assert link.a.endpoint.mtu == 1200
    assert link.a.endpoint.max_application_data == 1163


def test_server_keeps_datagrams_that_arrive_before_start() -> None:
    link = Link()
    link.client.endpoint.start(0.0)
    link.deliver()  # ClientHello reaches a server that has not started
    assert link.server.endpoint.state is S.NEW
    link.server.endpoint.start(0.0)
    link.poll()
    link.run(link.both(S.CONNECTED))
    assert link.settled() and link.client.endpoint.state is S.CONNECTED


def test_client_drops_datagrams_before_start() -> None:
    link = Link()
    link.server.endpoint.start(0.0)
    epoch1_record = bytes([23, 0xFE, 0xFD, 0, 1]) + bytes(6) + b"\x00\x04" + b"data"
    link.client.endpoint.handle_datagram(0.0, epoch1_record)
    link.client.endpoint.handle_datagram(0.0, b"junk")
    assert link.client.endpoint.stats["dropped_datagrams"] == 1
    assert link.client.endpoint.stats["malformed_datagrams"] == 1


def test_invalid_parameters() -> None:
    cert = certificate("a")
    with pytest.raises(ValueError):
        DtlsEndpoint(cert, DtlsRole.CLIENT, mtu=100)
    with pytest.raises(ValueError):
        DtlsEndpoint(cert, DtlsRole.CLIENT, handshake_timeout=0)
    with pytest.raises(ValueError):
        DtlsEndpoint(cert, DtlsRole.CLIENT, srtp_profiles=("SRTP_NOPE",))
    with pytest.raises(ValueError):
        DtlsEndpoint(cert, DtlsRole.CLIENT, [("sha-256", "12:34")])


def test_role_from_setup() -> None:
    assert DtlsRole.from_setup("active") is DtlsRole.CLIENT
    assert DtlsRole.from_setup(" PASSIVE ") is DtlsRole.SERVER
    for value in ("actpass", "holdconn", ""):
        with pytest.raises(ValueError):
            DtlsRole.from_setup(value)


# -- application data ---------------------------------------------------------------------

SIZES = [1, 2, 100, 500, 1000, 1100, 1163]


@ROLES
def test_application_data_both_ways(a_role: DtlsRole) -> None:
    link = connected_link(a_role)
    payloads = [bytes([n % 251]) * n for n in SIZES]
    for p in payloads:
        link.a.endpoint.send(p)
        link.b.endpoint.send(p[::-1] + b"!"[: 1163 - len(p)])
    link.deliver()
    assert link.b.received == payloads
    assert link.a.received == [p[::-1] + b"!"[: 1163 - len(p)] for p in payloads]
    for datagram in link.all_datagrams:
        assert len(datagram) <= 1200
    assert link.a.endpoint.stats["application_data_sent"] == len(SIZES)
    assert link.b.endpoint.stats["application_data_received"] == len(SIZES)


def test_send_refuses_oversized_empty_and_early_data() -> None:
    link = Link()
    with pytest.raises(DtlsNotConnectedError):
        link.a.endpoint.send(b"too early")
    link.connect()
    with pytest.raises(DtlsMessageTooLargeError):
        link.a.endpoint.send(bytes(1164))
    with pytest.raises(ValueError):
        link.a.endpoint.send(b"")
    assert link.a.endpoint.state is S.CONNECTED


# -- fingerprint verification -------------------------------------------------------------


@ROLES
def test_mismatch_at_the_a_side_fails_both(a_role: DtlsRole) -> None:
    """``a`` verifies inside the handshake: it aborts with a fatal alert; ``b`` fails too."""
    link = Link(a_role=a_role, a_knows=wrong_fingerprints())
    link.start()
    link.run(link.settled)
    a, b = link.a.endpoint, link.b.endpoint
    assert state(a) is S.FAILED and a.failure is DtlsFailure.FINGERPRINT_MISMATCH
    assert "matches none" in link.a.events[-1].reason  # type: ignore[attr-defined]
    assert b.state is S.FAILED and b.failure is DtlsFailure.ALERT_RECEIVED
    assert S.CONNECTED not in link.a.states + link.b.states
    assert a.remote_certificate_der is None
    assert not any(isinstance(e, (ApplicationData, RemoteCertificate)) for e in link.a.events)
    with pytest.raises(DtlsNotConnectedError):
        a.send(b"x")
    assert a.get_timer() is None and b.get_timer() is None


def test_no_usable_fingerprint_fails() -> None:
    link = Link(a_knows=[("md5", "00:11")])
    link.start()
    link.run(link.settled)
    assert link.a.endpoint.failure is DtlsFailure.NO_USABLE_FINGERPRINT
    assert link.b.endpoint.state is S.FAILED


@pytest.mark.parametrize("algorithm", ["sha-1", "sha-224", "sha-256", "sha-384", "sha-512"])
def test_every_supported_hash_function(algorithm: str) -> None:
    def fp(name: str) -> list[tuple[str, str]]:
        return [(algorithm, certificate_fingerprint(certificate(name).certificate, algorithm))]

    link = Link(a_knows=fp("b"), b_knows=fp("a"))
    link.connect()
    assert link.a.endpoint.remote_fingerprint is not None
    assert link.a.endpoint.remote_fingerprint.algorithm == algorithm


@ROLES
def test_fingerprints_set_late_but_before_the_certificate_arrives(a_role: DtlsRole) -> None:
    link = Link(a_role=a_role, a_knows=None, b_knows=None)
    link.start()
    link.a.endpoint.set_remote_fingerprints(fingerprints_of(certificate("b")))
    link.b.endpoint.set_remote_fingerprints(fingerprints_of(certificate("a")))
    link.run(link.both(S.CONNECTED))
    assert link.a.states == link.b.states == [S.CONNECTING, S.CONNECTED]


@ROLES
def test_late_wrong_fingerprint_before_the_certificate_still_aborts_the_handshake(
    a_role: DtlsRole,
) -> None:
    link = Link(a_role=a_role, a_knows=None)
    link.start()
    link.a.endpoint.set_remote_fingerprints(wrong_fingerprints())
    link.run(link.settled)
    assert link.a.endpoint.failure is DtlsFailure.FINGERPRINT_MISMATCH
    assert link.b.endpoint.state is S.FAILED


@ROLES
def test_fingerprints_after_the_handshake_hold_data_until_verified(a_role: DtlsRole) -> None:
    link = Link(a_role=a_role, a_knows=None)
    link.start()
    link.run(lambda: link.b.endpoint.state is S.CONNECTED)
    a, b = link.a.endpoint, link.b.endpoint
    # ``a`` finished the handshake (or will, once b's last flight is in) but cannot verify
    link.run(lambda: False, max_time=5.0)
    assert a.state is S.CONNECTING and b.state is S.CONNECTED
    assert a.cipher is not None  # the handshake itself is done
    with pytest.raises(DtlsNotConnectedError):
        a.send(b"not yet")
    with pytest.raises(DtlsNotConnectedError):
        a.export_keying_material("EXTRACTOR-dtls_srtp", 16)
    for n in (1, 2, 3):
        b.send(b"early %d" % n)
    link.deliver()
    assert link.a.received == []
    assert a.remote_certificate_der is None
    a.set_remote_fingerprints(fingerprints_of(certificate("b")))
    link.poll()
    kinds = [type(e).__name__ for e in link.a.events]
    assert kinds[-5:] == [
        "RemoteCertificate",
        "StateChanged",
        "ApplicationData",
        "ApplicationData",
        "ApplicationData",
    ]
    assert link.a.received == [b"early 1", b"early 2", b"early 3"]
    assert state(a) is S.CONNECTED
    a.send(b"now")
    link.deliver()
    assert link.b.received == [b"now"]


@ROLES
def test_fingerprints_after_the_handshake_that_mismatch(a_role: DtlsRole) -> None:
    link = Link(a_role=a_role, a_knows=None)
    link.start()
    link.run(lambda: link.b.endpoint.state is S.CONNECTED)
    link.run(lambda: False, max_time=5.0)
    link.b.endpoint.send(b"secret")
    link.deliver()
    link.a.endpoint.set_remote_fingerprints(wrong_fingerprints())
    link.poll()
    assert link.a.endpoint.state is S.FAILED
    assert link.a.endpoint.failure is DtlsFailure.FINGERPRINT_MISMATCH
    assert link.a.endpoint.stats["unverified_data_dropped"] == 1
    # the close_notify sent on the way out closes the peer
    link.run(link.settled)
    assert link.b.endpoint.state is S.CLOSED
    link.deliver()
    assert link.a.received == []
    assert not any(isinstance(e, (ApplicationData, RemoteCertificate)) for e in link.a.events)


def test_changed_fingerprints_after_connected_are_rechecked() -> None:
    link = connected_link()
    a = link.a.endpoint
    a.set_remote_fingerprints(fingerprints_of(certificate("b")))  # same: nothing happens
    assert a.state is S.CONNECTED
    a.set_remote_fingerprints(wrong_fingerprints())
    assert state(a) is S.FAILED and a.failure is DtlsFailure.FINGERPRINT_MISMATCH


def test_fingerprint_never_arrives_times_out() -> None:
    link = Link(a_knows=None)
    link.start()
    link.run(link.settled, max_time=60.0)
    assert link.a.endpoint.state is S.FAILED
    assert link.a.endpoint.failure is DtlsFailure.HANDSHAKE_TIMEOUT
    assert "no remote fingerprint" in link.a.events[-1].reason  # type: ignore[attr-defined]
    assert link.b.endpoint.state is S.CLOSED


# -- timeouts and closing -----------------------------------------------------------------


@ROLES
def test_handshake_timeout(a_role: DtlsRole) -> None:
    link = Link(a_role=a_role, drop=lambda side, index, data: True)
    link.start()
    link.run(link.settled, max_time=100.0)
    for side in (link.a, link.b):
        assert side.endpoint.state is S.FAILED
        assert side.endpoint.failure is DtlsFailure.HANDSHAKE_TIMEOUT
        last = side.events[-1]
        assert isinstance(last, StateChanged) and last.failure is DtlsFailure.HANDSHAKE_TIMEOUT
    assert link.now == pytest.approx(30.0)


def test_handshake_timeout_is_not_early() -> None:
    ep = DtlsEndpoint(certificate("a"), DtlsRole.SERVER)
    ep.start(10.0)
    ep.handle_timer(39.99)
    assert ep.state is S.CONNECTING
    ep.handle_timer(40.0)
    assert state(ep) is S.FAILED


@ROLES
def test_close_notify(a_role: DtlsRole) -> None:
    link = connected_link(a_role)
    link.a.endpoint.close(link.now)
    assert link.a.endpoint.state is S.CLOSED
    link.deliver()
    assert link.b.endpoint.state is S.CLOSED
    last = link.b.events[-1]
    assert isinstance(last, StateChanged) and "close_notify" in last.reason
    assert last.failure is None
    with pytest.raises(DtlsNotConnectedError):
        link.b.endpoint.send(b"x")
    # b's answering close_notify reaches a closed endpoint: dropped, counted
    link.deliver()
    assert link.a.endpoint.stats["dropped_datagrams"] >= 1
    link.a.endpoint.close(link.now)  # idempotent
    assert link.a.states == [S.CONNECTING, S.CONNECTED, S.CLOSED]


def test_close_before_start_and_during_handshake() -> None:
    ep = DtlsEndpoint(certificate("a"), DtlsRole.CLIENT)
    ep.close(0.0)
    assert ep.state is S.CLOSED and ep.datagrams_to_send(0.0) == []
    with pytest.raises(DtlsStateError):
        ep.start(0.0)

    link = Link()
    link.start()
    link.client.endpoint.close(0.0)
    assert link.client.endpoint.state is S.CLOSED
    assert link.client.endpoint.get_timer() is None
    link.run(link.settled, max_time=100.0)
    # no close_notify can be sent mid-handshake: the server times out
    assert link.server.endpoint.failure is DtlsFailure.HANDSHAKE_TIMEOUT


# -- keying material ----------------------------------------------------------------------


@ROLES
def test_export_keying_material_matches(a_role: DtlsRole) -> None:
    link = connected_link(a_role)
    a, b = link.a.endpoint, link.b.endpoint
    km = a.export_keying_material("EXTRACTOR-dtls_srtp", 60)
    assert len(km) == 60
    assert km == b.export_keying_material("EXTRACTOR-dtls_srtp", 60)
    assert km != a.export_keying_material("EXTRACTOR-other", 60)
    assert a.export_keying_material("x", 16, b"ctx") == b.export_keying_material("x", 16, b"ctx")
    assert a.srtp_profile == b.srtp_profile == "SRTP_AEAD_AES_128_GCM"
    with pytest.raises(ValueError):
        a.export_keying_material("x", 0)


def test_srtp_profile_negotiation_is_optional() -> None:
    link = Link(srtp_profiles=())
    link.connect()
    assert link.a.endpoint.srtp_profile is None and link.b.endpoint.srtp_profile is None
    link = Link(srtp_profiles=("SRTP_AES128_CM_SHA1_80",))
    link.connect()
    assert link.a.endpoint.srtp_profile == "SRTP_AES128_CM_SHA1_80"


def test_keying_material_unavailable_after_close() -> None:
    link = connected_link()
    link.a.endpoint.close(0.0)
    with pytest.raises(DtlsNotConnectedError):
        link.a.endpoint.export_keying_material("EXTRACTOR-dtls_srtp", 16)


@pytest.mark.parametrize(
    ("suite", "max_payload"),
    [
        ("ECDHE-ECDSA-AES128-GCM-SHA256", 1163),
        ("ECDHE-ECDSA-CHACHA20-POLY1305", 1171),
        ("ECDHE-ECDSA-AES256-GCM-SHA384", 1163),
        ("ECDHE-ECDSA-AES128-SHA", 1135),
        ("ECDHE-ECDSA-AES256-SHA", 1135),
    ],
)
def test_every_offered_suite_works(
    suite: str, max_payload: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each suite in CIPHER_LIST negotiates, and a full-size record fits 1200 bytes."""
    assert suite in endpoint_module.CIPHER_LIST.split(":")
    monkeypatch.setattr(endpoint_module, "CIPHER_LIST", suite)
    link = connected_link()
    a = link.a.endpoint
    assert a.cipher == suite and a.max_application_data == max_payload
    a.send(bytes(max_payload))
    (datagram,) = a.datagrams_to_send(link.now)
    assert len(datagram) <= 1200
    link.b.endpoint.handle_datagram(link.now, datagram)
    link.poll()
    assert link.b.received == [bytes(max_payload)]
