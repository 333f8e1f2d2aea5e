"""Lost flights recovered by retransmission driven through ``handle_timer`` (RFC 6347 §4.2.4).

OpenSSL's retransmission timer reads the real clock, so these links sleep for real up to
each timer deadline (about one second per lost flight); see the endpoint's module docstring.
"""

from __future__ import annotations

import time

from rtcpeer.dtls import DtlsState
from rtcpeer.dtls.records import ContentType
from tests.dtls.helpers import Link, Side


def flight_signature(datagram: bytes) -> tuple[int, int]:
    """(content type, handshake type) of a datagram's first record: the same for a flight
    and its retransmissions (ClientHello=1, ServerHello=2, Certificate=11; CCS has none)."""
    content_type = datagram[0]
    handshake_type = datagram[13] if content_type == ContentType.HANDSHAKE else -1
    return content_type, handshake_type


class LoseFirstTransmission:
    """Drop the first transmission of each chosen flight (by signature and sender)."""

    def __init__(self, *flights: tuple[str, tuple[int, int]]) -> None:
        self.pending = set(flights)
        self.lost: list[tuple[str, tuple[int, int]]] = []

    def __call__(self, side: Side, index: int, datagram: bytes) -> bool:
        key = (side.endpoint.role.value, flight_signature(datagram))
        if key in self.pending:
            self.pending.discard(key)
            self.lost.append(key)
            return True
        return False


CLIENT_HELLO = ("client", (ContentType.HANDSHAKE, 1))
SERVER_HELLO_FLIGHT = ("server", (ContentType.HANDSHAKE, 2))
CLIENT_FINISHED_FLIGHT = ("client", (ContentType.HANDSHAKE, 11))  # starts with Certificate
SERVER_FINISHED_FLIGHT = ("server", (ContentType.CHANGE_CIPHER_SPEC, -1))


def run_lossy(drop: LoseFirstTransmission, *, require_all: bool = True) -> Link:
    link = Link(drop=drop, real_time=True)
    started = time.monotonic()
    link.connect()
    assert time.monotonic() - started < 8.0
    if require_all:
        assert not drop.pending, f"not every flight was sent: {drop.pending}"
    link.a.endpoint.send(b"after recovery")
    link.b.endpoint.send(b"both ways")
    link.deliver()
    assert link.b.received == [b"after recovery"] and link.a.received == [b"both ways"]
    return link


def test_lost_first_and_final_flights() -> None:
    """The ClientHello and the server's CCS/Finished are lost once each. The last one is
    the hard case: only the client's retransmitted Finished makes the (already connected)
    server send its flight again."""
    drop = LoseFirstTransmission(CLIENT_HELLO, SERVER_FINISHED_FLIGHT)
    link = run_lossy(drop)
    client, server = link.client.endpoint, link.server.endpoint
    assert client.stats["retransmissions"] >= 2  # the ClientHello and the Finished flight
    assert server.stats["retransmissions"] == 0  # the server only ever answered
    assert server.state is DtlsState.CONNECTED
    # the server connected before the client did
    assert link.server.states == [DtlsState.CONNECTING, DtlsState.CONNECTED]


def test_lost_middle_flights() -> None:
    """The server's hello flight and the client's Certificate..Finished flight are lost
    once each. Both sides wait ~1 s for the hello flight: either the server's timer resends
    it, or the client's timer resends its ClientHello and the server answers that with its
    flight at once (RFC 6347 §4.2.4); which comes first is a race on the real clock."""
    drop = LoseFirstTransmission(SERVER_HELLO_FLIGHT, CLIENT_FINISHED_FLIGHT)
    # Which path wins the race decides how the client's later flight is packed, so only the
    # server's hello flight is certain to have been seen (and lost) once.
    link = run_lossy(drop, require_all=False)
    assert SERVER_HELLO_FLIGHT not in drop.pending
    client, server = link.client.endpoint, link.server.endpoint
    assert client.stats["retransmissions"] + server.stats["retransmissions"] >= 1
    hello_flights = [d for d in link.server.sent if flight_signature(d) == SERVER_HELLO_FLIGHT[1]]
    assert len(hello_flights) >= 2


def test_timer_is_not_fired_early_by_a_fast_virtual_clock() -> None:
    """Our clock jumping past the deadline before OpenSSL's real-clock timer expired does
    not retransmit: the deadline is re-armed with OpenSSL's remaining time."""
    link = Link()
    client = link.client.endpoint
    client.start(0.0)
    first = client.datagrams_to_send(0.0)
    deadline = client.get_timer()
    assert first and deadline is not None
    client.handle_timer(deadline)  # virtual time says 1 s passed; real time did not
    assert client.datagrams_to_send(deadline) == []
    assert client.stats["retransmissions"] == 0
    rearmed = client.get_timer()
    assert rearmed is not None and deadline < rearmed <= deadline + 1.0
