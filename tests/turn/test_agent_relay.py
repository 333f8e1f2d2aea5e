"""Relayed candidates in the sans-IO ICE agent, against the fake TURN server, in virtual
time: gathering with trickle, relay-only policy, checks and data through the relay
(ChannelData once bound), TCP framing through the stream API, errors as
CandidateGatheringError, restart keeping the allocation, release on close."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest

from rtcpeer.ice import (
    Candidate,
    CandidateGatheringError,
    CandidateType,
    EndOfLocalCandidates,
    IceAgent,
    IceEvent,
    IceTransportState,
    LocalCandidateGathered,
    TurnConnectionReleased,
    TurnConnectionRequested,
    TurnServer,
)
from rtcpeer.stun import AttrType, Method

from .fake_server import FakeTurnServer

A_HOST = ("192.0.2.10", 5000)
B_HOST = ("192.0.2.20", 6000)
SERVER = ("198.51.100.1", 3478)
RELAYED = ("203.0.113.5", 50000)
UP = (IceTransportState.CONNECTED, IceTransportState.COMPLETED)


def turn(transport: str = "udp", password: str = "secret") -> TurnServer:
    return TurnServer(
        SERVER[0],
        SERVER[1],
        transport,  # type: ignore[arg-type]
        "alice",
        password,
        url=f"turn:{SERVER[0]}:{SERVER[1]}?transport={transport}",
    )


@dataclass
class Net:
    """A (controlling) relayed and B (controlled) on a host address, one TURN server."""

    a: IceAgent
    b: IceAgent
    server: FakeTurnServer
    now: float = 0.0
    a_events: list[IceEvent] = field(default_factory=list)
    b_events: list[IceEvent] = field(default_factory=list)
    a_data: list[bytes] = field(default_factory=list)
    b_data: list[bytes] = field(default_factory=list)
    streams: set[int] = field(default_factory=set)
    #: Deliver candidates to the other side as they are gathered (trickle).
    trickle: bool = True

    @classmethod
    def create(cls, transport: str = "udp", **options: object) -> Net:
        server = FakeTurnServer(
            stream=transport != "udp",
            relayed=RELAYED,
            client_address=A_HOST,
            **options,  # type: ignore[arg-type]
        )
        return cls(
            IceAgent(controlling=True, rng=random.Random(1)),
            IceAgent(controlling=False, rng=random.Random(2)),
            server,
        )

    def start(self, *, password: str = "secret", transport: str = "udp", relay_only: bool = True):
        self.a.gather(
            self.now, [A_HOST], turn_servers=[turn(transport, password)], relay_only=relay_only
        )
        self.b.gather(self.now, [B_HOST])
        self.a.set_remote_credentials(self.now, self.b.local_ufrag, self.b.local_pwd)
        self.b.set_remote_credentials(self.now, self.a.local_ufrag, self.a.local_pwd, offer=False)
        self.pump()

    def pump(self) -> None:
        for _ in range(200):
            moved = False
            for data, local, remote in self.a.datagrams_to_send(self.now):
                moved = True
                assert local == A_HOST, "relayed data must go through the TURN client"
                if remote == B_HOST:  # host to host (policy "all")
                    got = self.b.handle_datagram(self.now, data, B_HOST, A_HOST)
                    if got is not None:
                        self.b_data.append(got)
                    continue
                assert remote == SERVER
                for reply in self.server.receive(self.now, data):
                    got = self.a.handle_datagram(self.now, reply, A_HOST, SERVER)
                    if got is not None:
                        self.a_data.append(got)
            for stream_id, data in self.a.turn_stream_data_to_send():
                moved = True
                for reply in self.server.receive(self.now, data):
                    self.a_data.extend(self.a.handle_turn_stream_data(self.now, stream_id, reply))
            for peer, data, _ in self.server.sent_to_peers:
                moved = True
                assert peer == B_HOST
                got = self.b.handle_datagram(self.now, data, B_HOST, RELAYED)
                if got is not None:
                    self.b_data.append(got)
            self.server.sent_to_peers.clear()
            for data, _local, remote in self.b.datagrams_to_send(self.now):
                moved = True
                if remote == A_HOST:
                    got = self.a.handle_datagram(self.now, data, A_HOST, B_HOST)
                    if got is not None:
                        self.a_data.append(got)
                    continue
                if remote != RELAYED:
                    continue
                message = self.server.from_peer(B_HOST, data)
                if message is None:
                    continue  # no permission: the server drops it
                if self.server.stream:
                    for stream_id in self.streams:
                        self.a_data.extend(
                            self.a.handle_turn_stream_data(self.now, stream_id, message)
                        )
                else:
                    got = self.a.handle_datagram(self.now, message, A_HOST, SERVER)
                    if got is not None:
                        self.a_data.append(got)
            moved |= self._events()
            if not moved:
                return
        raise AssertionError("no quiescence")

    def _events(self) -> bool:
        moved = False
        while (event := self.a.next_event()) is not None:
            moved = True
            self.a_events.append(event)
            if isinstance(event, TurnConnectionRequested):
                self.streams.add(event.stream_id)
                self.a.turn_stream_connected(self.now, event.stream_id)
            elif isinstance(event, TurnConnectionReleased):
                self.streams.discard(event.stream_id)
            elif isinstance(event, LocalCandidateGathered) and self.trickle:
                self.b.add_remote_candidate(self.now, event.candidate, self.a.local_ufrag)
            elif isinstance(event, EndOfLocalCandidates) and self.trickle:
                self.b.add_remote_candidate(self.now, None, event.ufrag)
        while (event := self.b.next_event()) is not None:
            moved = True
            self.b_events.append(event)
            if isinstance(event, LocalCandidateGathered) and self.trickle:
                self.a.add_remote_candidate(self.now, event.candidate, self.b.local_ufrag)
            elif isinstance(event, EndOfLocalCandidates) and self.trickle:
                self.a.add_remote_candidate(self.now, None, event.ufrag)
        return moved

    def run_until(self, end: float) -> None:
        self.pump()
        while True:
            timers = [t for t in (self.a.get_timer(), self.b.get_timer()) if t is not None]
            if not timers or min(timers) > end:
                break
            self.now = max(self.now, min(timers))
            self.a.handle_timer(self.now)
            self.b.handle_timer(self.now)
            self.pump()
        self.now = end

    def a_candidates(self) -> list[Candidate]:
        return [e.candidate for e in self.a_events if isinstance(e, LocalCandidateGathered)]


@pytest.mark.parametrize("transport", ["udp", "tcp", "tls"])
def test_relay_only_connects_and_carries_data(transport: str) -> None:
    net = Net.create(transport)
    net.start(transport=transport)
    [candidate] = net.a_candidates()
    assert candidate.type is CandidateType.RELAY
    assert candidate.transport_address == RELAYED
    assert candidate.related_transport_address == A_HOST
    assert any(isinstance(e, EndOfLocalCandidates) for e in net.a_events)
    net.run_until(5.0)
    assert net.a.state in UP and net.b.state in UP
    assert net.a.selected_pair is not None
    assert net.a.selected_pair[0].type is CandidateType.RELAY
    # Permission asked for as soon as B's candidate was paired with the relay.
    assert net.server.requests(Method.CREATE_PERMISSION)
    for i in range(5):
        assert net.a.send(net.now, f"a{i}".encode())
        assert net.b.send(net.now, f"b{i}".encode())
        net.pump()
    assert net.b_data == [f"a{i}".encode() for i in range(5)]
    assert net.a_data == [f"b{i}".encode() for i in range(5)]
    # A channel was bound to B: data goes as ChannelData both ways.
    assert net.server.channels == {0x4000: B_HOST}
    net.a.send(net.now, b"via channel")
    net.pump()
    assert net.b_data[-1] == b"via channel"
    assert not any(isinstance(e, CandidateGatheringError) for e in net.a_events)


def test_relay_survives_refreshes_and_consent_for_an_hour() -> None:
    net = Net.create()
    net.start()
    net.run_until(3600.0)
    assert net.a.state in UP
    refreshes = net.server.requests(Method.REFRESH)
    assert len(refreshes) == 6  # every 540 s
    net.a.send(net.now, b"still here")
    net.pump()
    assert net.b_data[-1] == b"still here"


def test_wrong_password_is_a_401_gathering_error_and_gathering_completes() -> None:
    net = Net.create()
    net.start(password="wrong", relay_only=False)
    errors = [e for e in net.a_events if isinstance(e, CandidateGatheringError)]
    assert len(errors) == 1
    error = errors[0]
    assert (error.error_code, error.server, error.base) == (401, SERVER, A_HOST)
    assert error.url == f"turn:{SERVER[0]}:{SERVER[1]}?transport=udp"
    assert [c.type for c in net.a_candidates()] == [CandidateType.HOST]
    assert any(isinstance(e, EndOfLocalCandidates) for e in net.a_events)


def test_unreachable_turn_server_is_701_within_the_gathering_schedule() -> None:
    net = Net.create(silent=True)
    net.start()
    net.run_until(9.0)
    assert not any(isinstance(e, EndOfLocalCandidates) for e in net.a_events)
    net.run_until(10.0)
    [error] = [e for e in net.a_events if isinstance(e, CandidateGatheringError)]
    assert error.error_code == 701
    assert any(isinstance(e, EndOfLocalCandidates) for e in net.a_events)
    assert net.a_candidates() == []


def test_tcp_connection_failure_is_701() -> None:
    net = Net.create("tcp")
    net.a.gather(net.now, [A_HOST], turn_servers=[turn("tls")], relay_only=True)
    request = next(
        e for e in iter(net.a.next_event, None) if isinstance(e, TurnConnectionRequested)
    )
    net.a.turn_stream_closed(net.now, request.stream_id, "TLS certificate verification failed")
    events = list(iter(net.a.next_event, None))
    [error] = [e for e in events if isinstance(e, CandidateGatheringError)]
    assert (error.error_code, error.error_text) == (701, "TLS certificate verification failed")
    assert any(isinstance(e, EndOfLocalCandidates) for e in events)


def test_restart_keeps_the_allocation() -> None:
    net = Net.create()
    net.start()
    net.run_until(5.0)
    assert net.a.state in UP
    net.a.restart(net.now)
    net.b.set_remote_credentials(net.now, net.a.local_ufrag, net.a.local_pwd)
    net.a.set_remote_credentials(net.now, net.b.local_ufrag, net.b.local_pwd, offer=False)
    net.pump()
    # The new generation got the same relayed address at once, no new Allocate.
    relays = [c for c in net.a_candidates() if c.type is CandidateType.RELAY]
    assert [c.transport_address for c in relays] == [RELAYED, RELAYED]
    assert relays[0].ufrag != relays[1].ufrag
    assert len(net.server.requests(Method.ALLOCATE)) == 2  # the 401 round of the first one
    net.run_until(10.0)
    assert net.a.state in UP
    assert net.a.selected_pair is not None and net.a.selected_pair[0].ufrag == net.a.local_ufrag
    net.a.send(net.now, b"after restart")
    net.pump()
    assert net.b_data[-1] == b"after restart"


def test_restart_with_other_servers_releases_the_old_allocation_once_unused() -> None:
    net = Net.create()
    net.start()
    net.run_until(5.0)
    net.a.restart(net.now, turn_servers=[], relay_only=False)
    net.b.set_remote_credentials(net.now, net.a.local_ufrag, net.a.local_pwd)
    net.a.set_remote_credentials(net.now, net.b.local_ufrag, net.b.local_pwd, offer=False)
    assert net.server.allocated  # the old pair still carries data meanwhile
    net.run_until(10.0)
    assert net.a.state in UP
    assert net.a.selected_pair is not None
    assert net.a.selected_pair[0].type is CandidateType.HOST
    # The new generation no longer uses the relay: it was released.
    releases = [
        r for r in net.server.requests(Method.REFRESH) if r.attributes[AttrType.LIFETIME] == 0
    ]
    assert len(releases) == 1 and not net.server.allocated
    assert net.a.allocations == []


def test_close_releases_the_allocation_with_lifetime_zero() -> None:
    net = Net.create()
    net.start()
    net.run_until(5.0)
    net.a.close(net.now)
    assert net.a.relays_closing
    net.pump()
    [release] = [
        r for r in net.server.requests(Method.REFRESH) if r.attributes[AttrType.LIFETIME] == 0
    ]
    assert release.authenticated
    assert not net.server.allocated
    assert not net.a.relays_closing
    assert net.a.get_timer() is None
