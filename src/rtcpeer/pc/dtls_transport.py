"""RTCDtlsTransport (webrtc-pc §5.5): the asyncio driver of a sans-IO DTLS endpoint.

One per connection (BUNDLE). It carries DTLS records over the ICE connection (records are
told from STUN by their first byte, RFC 7983 §7), arms the endpoint's timer on the loop,
and reports its state to the peer connection, which fires the events in the spec's order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from pyee.asyncio import AsyncIOEventEmitter

from rtcpeer.aio import IceConnection
from rtcpeer.aio.timer import DeadlineTimer
from rtcpeer.dtls import (
    ApplicationData,
    DtlsEndpoint,
    DtlsError,
    DtlsRole,
    DtlsState,
    RemoteCertificate,
    RTCCertificate,
    StateChanged,
)
from rtcpeer.pc.ice_transport import RTCIceTransport

#: How many DTLS datagrams are kept while the roles are not known yet (a ClientHello
#: flight is at most a few).
_EARLY_DATAGRAMS = 8
#: A datagram larger than this (a PLPMTUD probe or a record of a bulk transfer, up to 16 KiB
#: with an rtcpeer peer) leaves OpenSSL's memory BIOs as large; ``_BIO_RELEASE_DELAY``
#: seconds after the first one, ``DtlsEndpoint.release_memory`` hands that back, so at most
#: that often during a transfer (a few microseconds each) and soon after it ends.
_BIO_RELEASE_SIZE = 2048
_BIO_RELEASE_DELAY = 0.25

logger = logging.getLogger("rtcpeer.dtls")


def is_dtls(data: bytes) -> bool:
    """RFC 7983 §7: a first byte of 20-63 is DTLS."""
    return bool(data) and 20 <= data[0] <= 63


class RTCDtlsTransport(AsyncIOEventEmitter):
    """Events: ``statechange`` (fired by the peer connection), ``error``."""

    def __init__(self, ice_transport: RTCIceTransport, certificate: RTCCertificate) -> None:
        super().__init__()
        self._ice_transport = ice_transport
        self._certificate = certificate
        self._endpoint: DtlsEndpoint | None = None
        self._state = DtlsState.NEW
        self._started = False
        self._timer = DeadlineTimer(self._on_timer)
        self._release: asyncio.TimerHandle | None = None
        self._remote_certificates: list[bytes] = []
        #: Datagrams (a ClientHello) that arrived before the descriptions set the roles:
        #: the peer may start as soon as it has a valid pair, before our answer is applied.
        self._early: list[bytes] = []
        #: Why the state last changed (rtcpeer's own; the DTLS endpoint's words).
        self.state_reason = ""
        #: Called with each state change (the peer connection queues its task).
        self.on_state: Callable[[DtlsState, str], None] | None = None
        #: Called with each application datagram (SCTP packets).
        self.on_data: Callable[[bytes], None] | None = None

    @property
    def iceTransport(self) -> RTCIceTransport:
        return self._ice_transport

    @property
    def transport(self) -> RTCIceTransport:
        """aiortc's name for :attr:`iceTransport`."""
        return self._ice_transport

    @property
    def state(self) -> str:
        return str(self._state)

    @property
    def endpoint(self) -> DtlsEndpoint | None:
        return self._endpoint

    def getRemoteCertificates(self) -> list[bytes]:
        """The peer's certificate chain (DER), once verified."""
        return list(self._remote_certificates)

    @property
    def _connection(self) -> IceConnection:
        return self._ice_transport.connection

    # -- driving -----------------------------------------------------------------------

    def _configure(self, role: DtlsRole, fingerprints: Sequence[tuple[str, str]]) -> None:
        """Create the endpoint once the roles and the peer's fingerprints are known
        (RFC 8842 §5); later descriptions may only update the fingerprints."""
        if self._endpoint is None:
            # Started when ICE connects (the transport stays "new" until then, §4.3.3); a
            # ClientHello that arrives earlier is kept by the endpoint until its start.
            self._endpoint = DtlsEndpoint(self._certificate, role, fingerprints)
            early, self._early = self._early, []
            for data in early:
                self._endpoint.handle_datagram(self._now(), data)
        else:
            self._endpoint.set_remote_fingerprints(fingerprints)

    def _ice_connected(self) -> None:
        """ICE has a pair that may carry data (a valid pair, RFC 8445 §12.1, or the selected
        one): DTLS starts (the client sends its ClientHello, RFC 8842 §5)."""
        if self._endpoint is not None and not self._started:
            self._start()

    def _start(self) -> None:
        assert self._endpoint is not None
        self._started = True
        self._endpoint.start(self._now())
        self._pump()

    def _datagram(self, data: bytes) -> None:
        endpoint = self._endpoint
        if endpoint is None:
            if len(self._early) < _EARLY_DATAGRAMS:
                self._early.append(data)  # replayed by _configure
            return
        if len(data) > _BIO_RELEASE_SIZE and self._release is None:
            self._schedule_release()
        plaintext = endpoint.open_record(data)  # the usual datagram, once connected
        if plaintext is None:
            endpoint.handle_datagram(self._now(), data)
        elif plaintext and self.on_data is not None:
            self.on_data(plaintext)
            return
        self._pump()

    def _send(self, data: bytes) -> None:
        if self._endpoint is None:
            raise DtlsError("DTLS is not set up")
        self._endpoint.send(data)
        self._pump()

    def _send_packets(self, packets: Sequence[bytes]) -> int:
        """Send each packet as an application-data record in a datagram of its own (the
        SCTP layer sized it to the path, RFC 8261 §5); how many went out. Stops at the
        first that cannot (DTLS not connected, or failed: the state change follows), which
        the association's retransmission timer covers."""
        endpoint = self._endpoint
        if endpoint is None:
            return 0
        connection = self._connection
        sent = 0
        try:
            for packet in packets:
                record = endpoint.seal(packet)
                if record:
                    connection.send(record)
                    if len(record) > _BIO_RELEASE_SIZE and self._release is None:
                        self._schedule_release()
                else:
                    self._flush()
                sent += 1
        except DtlsError as exc:
            logger.debug("SCTP packet not sent: %s", exc)
            self._pump()
        return sent

    def _stop(self) -> None:
        """close(): close_notify, then closed (the peer connection fires no event)."""
        if self._endpoint is not None and self._started:
            self._endpoint.close(self._now())
            self._flush()
        self._timer.cancel()
        if self._release is not None:
            self._release.cancel()
            self._release = None
        self._state = DtlsState.CLOSED

    def _schedule_release(self) -> None:
        loop = asyncio.get_running_loop()
        self._release = loop.call_later(_BIO_RELEASE_DELAY, self._release_memory)

    def _release_memory(self) -> None:
        self._release = None
        if self._endpoint is not None:
            self._endpoint.release_memory()

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _on_timer(self, now: float) -> None:
        if self._endpoint is not None:
            self._endpoint.handle_timer(now)
        self._pump()

    def _flush(self) -> None:
        assert self._endpoint is not None
        for datagram in self._endpoint.datagrams_to_send(self._now()):
            self._connection.send(datagram)

    def _pump(self) -> None:
        endpoint = self._endpoint
        if endpoint is None:
            return
        self._flush()
        while (event := endpoint.next_event()) is not None:
            if isinstance(event, StateChanged):
                self._state = event.new
                self.state_reason = event.reason
                logger.info("DTLS %s -> %s: %s", event.old, event.new, event.reason)
                if self.on_state is not None:
                    self.on_state(event.new, event.reason)
            elif isinstance(event, ApplicationData):
                if self.on_data is not None:
                    self.on_data(event.data)
            elif isinstance(event, RemoteCertificate):
                self._remote_certificates = [event.der]
        self._timer.arm(endpoint.get_timer())
