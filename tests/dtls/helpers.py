"""An in-memory link between two DTLS endpoints, driven by a fake clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from rtcpeer.dtls import (
    ApplicationData,
    DtlsEndpoint,
    DtlsEvent,
    DtlsRole,
    DtlsState,
    RTCCertificate,
    StateChanged,
)
from rtcpeer.dtls.endpoint import DEFAULT_SRTP_PROFILES

#: drop(sender, index, datagram) -> True to lose it; ``index`` counts that sender's datagrams.
DropRule = Callable[["Side", int, bytes], bool]


@cache
def certificate(name: str) -> RTCCertificate:
    """One certificate per name for the whole test session (key generation is not free)."""
    return RTCCertificate.generateCertificate()


def fingerprints_of(cert: RTCCertificate) -> list[tuple[str, str]]:
    return [(f.algorithm, f.value) for f in cert.getFingerprints()]


@dataclass
class Side:
    name: str
    endpoint: DtlsEndpoint
    events: list[DtlsEvent] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)
    sent_count: int = 0

    def poll_events(self) -> None:
        while (event := self.endpoint.next_event()) is not None:
            self.events.append(event)

    @property
    def received(self) -> list[bytes]:
        return [e.data for e in self.events if isinstance(e, ApplicationData)]

    @property
    def states(self) -> list[DtlsState]:
        return [e.new for e in self.events if isinstance(e, StateChanged)]


CORRECT = "correct"
#: What an endpoint is told about its peer: the right fingerprints (``CORRECT``), nothing
#: yet (``None``), or a given list.
Knowledge = list[tuple[str, str]] | None | str


def _resolve(knows: Knowledge, peer: RTCCertificate) -> list[tuple[str, str]] | None:
    if knows == CORRECT:
        return fingerprints_of(peer)
    assert not isinstance(knows, str)
    return knows


class Link:
    """Two endpoints wired back to back. ``a`` is the client unless ``a_role`` says else.

    Timers run on a fake clock. OpenSSL's retransmission timer reads the real clock, so with
    ``real_time=True`` the link sleeps for real up to each timer deadline it advances to
    (only needed when flights are lost); otherwise the fake clock jumps.
    """

    def __init__(
        self,
        *,
        a_role: DtlsRole = DtlsRole.CLIENT,
        a_knows: Knowledge = CORRECT,
        b_knows: Knowledge = CORRECT,
        drop: DropRule | None = None,
        real_time: bool = False,
        mtu: int = 1200,
        srtp_profiles: tuple[str, ...] = DEFAULT_SRTP_PROFILES,
    ) -> None:
        cert_a, cert_b = certificate("a"), certificate("b")
        b_role = DtlsRole.SERVER if a_role is DtlsRole.CLIENT else DtlsRole.CLIENT
        self.a = Side(
            "a",
            DtlsEndpoint(
                cert_a, a_role, _resolve(a_knows, cert_b), mtu=mtu, srtp_profiles=srtp_profiles
            ),
        )
        self.b = Side(
            "b",
            DtlsEndpoint(
                cert_b, b_role, _resolve(b_knows, cert_a), mtu=mtu, srtp_profiles=srtp_profiles
            ),
        )
        self.now = 0.0
        self.drop = drop
        self.real_time = real_time
        self.all_datagrams: list[bytes] = []

    @property
    def client(self) -> Side:
        return self.a if self.a.endpoint.role is DtlsRole.CLIENT else self.b

    @property
    def server(self) -> Side:
        return self.b if self.a.endpoint.role is DtlsRole.CLIENT else self.a

    def start(self) -> None:
        self.a.endpoint.start(self.now)
        self.b.endpoint.start(self.now)
        self.poll()

    def poll(self) -> None:
        self.a.poll_events()
        self.b.poll_events()

    def deliver(self) -> bool:
        """Move every queued datagram once in each direction; True if any moved."""
        moved = False
        for src, dst in ((self.a, self.b), (self.b, self.a)):
            for datagram in src.endpoint.datagrams_to_send(self.now):
                moved = True
                index = src.sent_count
                src.sent_count += 1
                src.sent.append(datagram)
                self.all_datagrams.append(datagram)
                if self.drop is not None and self.drop(src, index, datagram):
                    continue
                dst.endpoint.handle_datagram(self.now, datagram)
        self.poll()
        return moved

    def run(self, until: Callable[[], bool], *, max_time: float = 60.0) -> None:
        """Deliver and fire timers until ``until()`` or nothing is left to happen."""
        while True:
            while self.deliver():
                pass
            if until():
                return
            timers = [
                t
                for t in (self.a.endpoint.get_timer(), self.b.endpoint.get_timer())
                if t is not None
            ]
            if not timers or min(timers) > max_time:
                return
            deadline = max(self.now, min(timers))
            if self.real_time and deadline > self.now:
                time.sleep(deadline - self.now)
            self.now = deadline
            self.a.endpoint.handle_timer(self.now)
            self.b.endpoint.handle_timer(self.now)
            self.poll()

    def both(self, state: DtlsState) -> Callable[[], bool]:
        return lambda: self.a.endpoint.state is state and self.b.endpoint.state is state

    def settled(self) -> bool:
        live = (DtlsState.NEW, DtlsState.CONNECTING)
        return self.a.endpoint.state not in live and self.b.endpoint.state not in live

    def connect(self) -> None:
        self.start()
        self.run(self.both(DtlsState.CONNECTED))
        assert self.a.endpoint.state is DtlsState.CONNECTED, self.a.events
        assert self.b.endpoint.state is DtlsState.CONNECTED, self.b.events


def connected_link(a_role: DtlsRole = DtlsRole.CLIENT, *, mtu: int = 1200) -> Link:
    link = Link(a_role=a_role, mtu=mtu)
    link.connect()
    return link
