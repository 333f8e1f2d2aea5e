"""Fault injection without root: make one peer's network path go silent.

:class:`SilentPath` wraps an RTCPeerConnection's ICE sockets (the
:class:`~rtcpeer.aio.IceConnection` behind ``pc.iceTransport.connection``). While
:attr:`SilentPath.silent` is set, every datagram those sockets receive is dropped before
ICE sees it and every datagram they would send is dropped before it reaches the kernel: to
both peers it is exactly a path that stopped carrying anything (a dead Wi-Fi, a tunnel),
with no iptables and no privileges. It is a demo and test device, not part of the stack.

It reaches into two private places of ``IceConnection``, on purpose and nowhere else: the
per-connection ``_datagram_received`` entry point (shadowed on the instance) and the
``transport`` of each bound socket (wrapped when :attr:`silent` is set; with a fixed list
of host addresses, as in the demo, an ICE restart reuses the sockets it already has).
"""

from __future__ import annotations

import asyncio
from typing import Any

from rtcpeer import RTCPeerConnection

Address = tuple[str, int]


class _MutedTransport(asyncio.DatagramTransport):
    """A socket's transport that forwards to the real one unless the path is silent."""

    def __init__(self, real: asyncio.DatagramTransport, path: SilentPath) -> None:
        super().__init__()
        self.real = real
        self._path = path

    def sendto(self, data: Any, addr: Any = None) -> None:
        if self._path.silent:
            self._path.dropped_out += 1
            return
        self.real.sendto(data, addr)

    def close(self) -> None:
        self.real.close()

    def is_closing(self) -> bool:
        return self.real.is_closing()

    def abort(self) -> None:
        self.real.abort()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.real.get_extra_info(name, default)


class SilentPath:
    """Drops every datagram of ``pc``'s ICE sockets, both ways, while :attr:`silent`."""

    def __init__(self, pc: RTCPeerConnection) -> None:
        self._ice = pc.iceTransport.connection
        self._silent = False
        #: Datagrams dropped so far, arriving and leaving.
        self.dropped_in = 0
        self.dropped_out = 0
        deliver = self._ice._datagram_received

        def receive(data: bytes, local: Address, remote: Address) -> None:
            if self._silent:
                self.dropped_in += 1
                return
            deliver(data, local, remote)

        # Shadow the bound method on this instance: _Socket calls it through the connection.
        self._ice._datagram_received = receive  # type: ignore[method-assign]

    @property
    def silent(self) -> bool:
        return self._silent

    @silent.setter
    def silent(self, value: bool) -> None:
        self._silent = value
        for protocol in self._ice._sockets.values():
            transport = protocol.transport
            if transport is not None and not isinstance(transport, _MutedTransport):
                protocol.transport = _MutedTransport(transport, self)
