"""Fault injection without root: make one peer's network path go silent.

:class:`SilentPath` wraps an RTCPeerConnection's ICE sockets (the
:class:`~rtcpeer.aio.IceConnection` behind ``pc.iceTransport.connection``). While
:attr:`SilentPath.silent` is set, every datagram those sockets receive is dropped before
ICE sees it and every datagram they would send is dropped before it reaches the kernel: to
both peers it is exactly a path that stopped carrying anything (a dead Wi-Fi, a tunnel),
with no iptables and no privileges. It is a demo and test device, not part of the stack.

It reaches into two private places of ``IceConnection``, on purpose and nowhere else: the
per-connection ``_datagram_received`` entry point (shadowed on the instance) and the
``sendto`` of each bound socket (shadowed when :attr:`silent` is set; with a fixed list
of host addresses, as in the demo, an ICE restart reuses the sockets it already has).
"""

from __future__ import annotations

from rtcpeer import RTCPeerConnection
from rtcpeer.aio.udp import DatagramSocket

Address = tuple[str, int]


class SilentPath:
    """Drops every datagram of ``pc``'s ICE sockets, both ways, while :attr:`silent`."""

    def __init__(self, pc: RTCPeerConnection) -> None:
        self._ice = pc.iceTransport.connection
        self._silent = False
        #: Datagrams dropped so far, arriving and leaving.
        self.dropped_in = 0
        self.dropped_out = 0
        self._muted: set[DatagramSocket] = set()
        deliver = self._ice._datagram_received

        def receive(data: bytes, local: Address, remote: Address) -> None:
            if self._silent:
                self.dropped_in += 1
                return
            deliver(data, local, remote)

        # Shadow the bound method on this instance: the sockets call it through the connection.
        self._ice._datagram_received = receive  # type: ignore[method-assign]

    @property
    def silent(self) -> bool:
        return self._silent

    @silent.setter
    def silent(self, value: bool) -> None:
        self._silent = value
        for sock in self._ice._sockets.values():
            if sock not in self._muted:
                self._mute(sock)

    def _mute(self, sock: DatagramSocket) -> None:
        """Shadow the socket's ``sendto`` on the instance: nothing leaves while silent."""
        send = sock.sendto

        def sendto(data: bytes, remote: Address) -> None:
            if self._silent:
                self.dropped_out += 1
                return
            send(data, remote)

        sock.sendto = sendto  # type: ignore[method-assign]
        self._muted.add(sock)
