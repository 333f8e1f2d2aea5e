"""Channel bindings of one allocation (RFC 8656 §11, §12).

A channel binds a number in 0x4000-0x4FFF to one peer transport address for 10 minutes;
ChannelBind again with the same number and peer refreshes it (§12.2). Data to and from a
bound peer then travels as ChannelData (4 bytes of header) instead of Send/Data
indications (36 bytes or more). A number is never bound to another peer afterwards: §12
forbids rebinding for 5 minutes after expiry, and 4096 numbers are plenty for one
allocation, so numbers are simply not reused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rtcpeer.turn.channeldata import MAX_CHANNEL, MIN_CHANNEL
from rtcpeer.turn.config import TurnConfig

Address = tuple[str, int]


@dataclass(slots=True)
class Channel:
    """The client's view of one channel binding."""

    number: int
    peer: Address
    #: When the server last confirmed the binding (None: not yet).
    bound_at: float | None = None
    #: A ChannelBind for it is in flight.
    pending: bool = False
    #: The server refused it: data goes as Send indications.
    failed: bool = False


class ChannelTable:
    """Channel bindings by number and by peer, with refresh and expiry times."""

    def __init__(self, config: TurnConfig) -> None:
        self._config = config
        self._by_number: dict[int, Channel] = {}
        self._by_peer: dict[Address, Channel] = {}
        self._next = MIN_CHANNEL

    def __iter__(self) -> Iterator[Channel]:
        return iter(list(self._by_number.values()))

    def __len__(self) -> int:
        return len(self._by_number)

    def for_peer(self, peer: Address) -> Channel | None:
        return self._by_peer.get(peer)

    def for_number(self, number: int) -> Channel | None:
        return self._by_number.get(number)

    def new(self, peer: Address) -> Channel | None:
        """A fresh number for ``peer``; None once all 4096 have been used."""
        if self._next > MAX_CHANNEL:
            return None
        channel = Channel(self._next, peer)
        self._next += 1
        self._by_number[channel.number] = channel
        self._by_peer[peer] = channel
        return channel

    def is_bound(self, channel: Channel, now: float) -> bool:
        return (
            channel.bound_at is not None
            and not channel.failed
            and now < channel.bound_at + self._config.channel_lifetime
        )

    def bound_number(self, peer: Address, now: float) -> int | None:
        """The channel number to send ``peer``'s data on, if one is bound at ``now``."""
        channel = self._by_peer.get(peer)
        if channel is None or not self.is_bound(channel, now):
            return None
        return channel.number

    def refresh_at(self, channel: Channel) -> float | None:
        if channel.bound_at is None or channel.pending or channel.failed:
            return None
        return channel.bound_at + self._config.channel_refresh

    def expires_at(self, channel: Channel) -> float | None:
        if channel.bound_at is None or channel.failed:
            return None
        return channel.bound_at + self._config.channel_lifetime

    def due_for_refresh(self, now: float) -> list[Channel]:
        due: list[Channel] = []
        for channel in self._by_number.values():
            at = self.refresh_at(channel)
            if at is not None and now >= at:
                due.append(channel)
        return due

    def expired(self, now: float) -> list[Channel]:
        """Bindings that lapsed (not refreshed in time): they become unbound again."""
        gone: list[Channel] = []
        for channel in self._by_number.values():
            at = self.expires_at(channel)
            if at is not None and now >= at and not channel.pending:
                channel.bound_at = None
                gone.append(channel)
        return gone

    def deadline(self) -> float | None:
        times: list[float] = []
        for channel in self._by_number.values():
            refresh = self.refresh_at(channel)
            if refresh is not None:
                times.append(refresh)
            expiry = self.expires_at(channel)
            if expiry is not None and not channel.pending:
                times.append(expiry)
        return min(times, default=None)
