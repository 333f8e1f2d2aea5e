"""TCP and TLS connections to TURN servers (RFC 8656 §3.1, RFC 7065 ``turns:``).

The ICE agent asks for a connection with a ``TurnConnectionRequested`` event;
:class:`TurnStream` makes it (TLS verified against the system's trust store, or against a
configured CA file, with the URL's host name), tells the agent when it is up, feeds it
every chunk received, writes what the agent's TURN client sends, and reports a failure
or the end of the connection (the agent turns that into an ``icecandidateerror`` with
code 701 and a clear text). The framing of STUN and ChannelData on the stream is the
sans-IO client's business (:mod:`rtcpeer.turn.framing`). UDP TURN needs none of this: it
shares the host candidates' sockets.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable

from rtcpeer.ice import TurnConnectionRequested

logger = logging.getLogger("rtcpeer.turn")

#: How long a TCP (and TLS) connection to a TURN server may take to establish.
CONNECT_TIMEOUT = 10.0


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """A client context that verifies the server: against ``ca_file`` when given, else the
    system's trust store (Python's defaults: hostname checked, TLS 1.2 or later)."""
    return ssl.create_default_context(cafile=ca_file)


def describe_failure(exc: BaseException, what: str) -> str:
    """A text for icecandidateerror's errorText."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        detail = exc.verify_message or str(exc)
        return f"{what}: TLS certificate verification failed: {detail}"
    if isinstance(exc, ssl.SSLError):
        return f"{what}: TLS handshake failed: {exc.reason or exc}"
    if isinstance(exc, TimeoutError):
        return f"{what}: connection timed out"
    return f"{what}: connection failed: {exc}"


class TurnStream:
    """One TCP or TLS connection to a TURN server, for one allocation of the agent.

    ``on_connected()``, ``on_data(data)`` and ``on_closed(reason)`` are called on the loop;
    :meth:`write` sends bytes, :meth:`close` ends it (no more callbacks after that).
    """

    def __init__(
        self,
        request: TurnConnectionRequested,
        *,
        ca_file: str | None,
        on_connected: Callable[[], None],
        on_data: Callable[[bytes], None],
        on_closed: Callable[[str], None],
    ) -> None:
        self.request = request
        self._ca_file = ca_file
        self._on_connected = on_connected
        self._on_data = on_data
        self._on_closed = on_closed
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def stream_id(self) -> int:
        return self.request.stream_id

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        server = self.request.server
        what = f"{server.transport.upper()} to {server.url or f'{server.host}:{server.port}'}"
        context: ssl.SSLContext | None = None
        try:
            if server.transport == "tls":
                context = tls_context(self._ca_file)
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    server.host,
                    server.port,
                    ssl=context,
                    server_hostname=(server.server_name or server.host) if context else None,
                    local_addr=(self.request.local_host, 0),
                ),
                CONNECT_TIMEOUT,
            )
        except asyncio.CancelledError:
            raise
        except (OSError, ssl.SSLError, TimeoutError, ValueError) as exc:
            reason = describe_failure(exc, what)
            logger.info("TURN %s", reason)
            self._finish(reason)
            return
        if self._closed:
            writer.close()
            return
        self._writer = writer
        self._on_connected()
        reason = f"{what}: connection closed by the server"
        try:
            while data := await reader.read(65536):
                if self._closed:
                    return
                self._on_data(data)
        except asyncio.CancelledError:
            raise
        except (OSError, ssl.SSLError) as exc:
            reason = describe_failure(exc, what)
        self._finish(reason)

    def _finish(self, reason: str) -> None:
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._writer.close()
        self._on_closed(reason)

    def write(self, data: bytes) -> None:
        if self._writer is not None and not self._closed:
            self._writer.write(data)

    def close(self) -> None:
        """Close the connection without calling ``on_closed``."""
        self._closed = True
        if self._writer is not None:
            self._writer.close()
        if self._task is not None and not self._task.done():
            self._task.cancel()
