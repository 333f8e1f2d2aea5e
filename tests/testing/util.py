"""Helpers shared by the simulator's tests."""

from __future__ import annotations

from rtcpeer.testing import Address, SimNetwork


class Inbox:
    """An ``on_datagram`` callback that records what it is given and when."""

    def __init__(self, net: SimNetwork | None = None) -> None:
        self.items: list[tuple[bytes, Address, Address]] = []
        self.times: list[float] = []
        self._net = net

    def __call__(self, data: bytes, local: Address, remote: Address) -> None:
        self.items.append((data, local, remote))
        if self._net is not None:
            self.times.append(self._net.now)

    @property
    def data(self) -> list[bytes]:
        return [item[0] for item in self.items]

    @property
    def remotes(self) -> list[Address]:
        return [item[2] for item in self.items]

    def __len__(self) -> int:
        return len(self.items)


def seq(data: bytes) -> int:
    """The sequence number in a datagram made by :func:`numbered`."""
    return int.from_bytes(data[:4], "big")


def numbered(n: int, size: int = 32) -> bytes:
    """A ``size``-byte datagram carrying sequence number ``n``."""
    return n.to_bytes(4, "big") + bytes(size - 4)
