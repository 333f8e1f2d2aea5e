"""Drives a TurnClient against the FakeTurnServer in virtual time."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from rtcpeer.turn import TurnClient, TurnConfig, TurnEvent

from .fake_server import FakeTurnServer

SERVER = ("198.51.100.1", 3478)


@dataclass
class Harness:
    client: TurnClient
    server: FakeTurnServer
    now: float = 0.0
    events: list[TurnEvent] = field(default_factory=list)
    #: Drop every message from the client whose index (0-based) is listed.
    drop_outgoing: set[int] = field(default_factory=set)
    sent_count: int = 0

    @classmethod
    def create(
        cls,
        *,
        transport: str = "udp",
        password: str = "secret",
        config: TurnConfig | None = None,
        **server_options: object,
    ) -> Harness:
        server = FakeTurnServer(stream=transport != "udp", **server_options)  # type: ignore[arg-type]
        client = TurnClient(
            SERVER,
            "alice",
            password,
            transport=transport,
            config=config,
            rng=random.Random(7),
        )
        return cls(client, server)

    def pump(self) -> None:
        """Move bytes both ways until nothing is left, collecting the client's events."""
        for _ in range(100):
            if self.client.transport == "udp":
                out = self.client.datagrams_to_send()
            else:
                data = self.client.data_to_send()
                out = [data] if data else []
            if not out:
                break
            for message in out:
                index = self.sent_count
                self.sent_count += 1
                if index in self.drop_outgoing:
                    continue
                for reply in self.server.receive(self.now, message):
                    self.deliver(reply)
        self.collect()

    def deliver(self, data: bytes) -> None:
        if self.client.transport == "udp":
            self.client.handle_datagram(self.now, data)
        else:
            self.client.handle_stream_data(self.now, data)

    def collect(self) -> list[TurnEvent]:
        new: list[TurnEvent] = []
        while (event := self.client.next_event()) is not None:
            new.append(event)
        self.events.extend(new)
        return new

    def run_until(self, end: float) -> None:
        """Advance virtual time to ``end``, firing the client's timers on the way."""
        self.pump()
        while True:
            deadline = self.client.get_timer()
            if deadline is None or deadline > end:
                break
            self.now = max(self.now, deadline)
            self.client.handle_timer(self.now)
            self.pump()
        self.now = max(self.now, end)

    def of_type(self, kind: type) -> list[TurnEvent]:
        return [e for e in self.events if isinstance(e, kind)]

    def allocate(self) -> None:
        self.client.allocate(self.now)
        self.pump()
