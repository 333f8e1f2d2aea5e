"""The sans-IO DTLS 1.2 endpoint (RFC 6347) for WebRTC, on OpenSSL memory BIOs.

Shaped like the ICE agent and aioquic's connection: the caller feeds datagrams and timer
expiries in with the current time and takes datagrams, a timer deadline and events out::

    endpoint.start(now)
    endpoint.handle_datagram(now, data)   # DTLS records; RFC 7983 demux is the caller's job
    endpoint.handle_timer(now)
    endpoint.get_timer()                  # -> absolute deadline or None
    endpoint.datagrams_to_send(now)       # -> [bytes, ...], each at most ``mtu`` bytes
    endpoint.next_event()                 # -> DtlsEvent or None
    endpoint.send(data)                   # one application-data record (one SCTP packet)

No sockets, no asyncio, no sleeping. The handshake itself is OpenSSL's (through pyOpenSSL),
over a pair of memory BIOs (``SSL.Connection(ctx, None)``, ``bio_write``/``bio_read``).

Policy (what WebRTC needs, RFC 8827 §6.5 and RFC 5763 §5):

* DTLS 1.2 only (minimum and maximum protocol version), ECDHE key exchange authenticated by
  our ECDSA certificate, AEAD suites first (``CIPHER_LIST``); no session tickets, no
  renegotiation, no compression.
* Roles come from ``a=setup`` (RFC 8842 §5, ``DtlsRole.from_setup``): the server always
  asks for the client's certificate, and both sides require one.
* The peer is authenticated by the ``a=fingerprint`` values only (RFC 8122 §5, RFC 5763
  §5): chain errors such as "self-signed" or "expired" are ignored, the end-entity
  certificate must match a signalled fingerprint (see ``fingerprint.check_certificate``).
  When the fingerprints are known while the peer's Certificate message is processed, a
  mismatch aborts the handshake inside OpenSSL, which sends a fatal alert, so the peer
  fails too (OpenSSL words it as ``unknown_ca``; the peer reports ``alert-received``).
  Signalling may be late: fingerprints can be given at any time with
  ``set_remote_fingerprints``; if the handshake finishes first, the endpoint stays
  ``connecting``, holds back (a bounded amount of) received application data, and decides
  when the fingerprints arrive. A late mismatch cannot be signalled with a fatal alert
  (OpenSSL has no call for that), so it sends close_notify and fails. Application data is
  never reported before the certificate is verified, and never after a mismatch.

Input: a datagram that is not whole DTLS 1.0/1.2 records, or whose unprotected (epoch 0)
records are structurally invalid, is dropped and counted before OpenSSL sees it
(``records.split_records``; RFC 6347 §4.1.2.7 prefers silent discard). What passes is
OpenSSL's: it discards records it cannot authenticate, and an unauthenticated but
well-formed handshake message that does not fit the handshake fails it (DTLS 1.2's epoch 0
has no integrity protection), with ``failure`` set. Nothing raises out of
``handle_datagram``.

Timers (RFC 6347 §4.2.4): pyOpenSSL exposes ``DTLSv1_get_timeout`` and
``DTLSv1_handle_timeout`` but not ``DTLS_set_timer_cb``, and OpenSSL's retransmission timer
reads the real (wall) clock internally; ``DTLSv1_handle_timeout`` does nothing until *that*
timer has expired. So the endpoint maps OpenSSL's relative timeout onto the caller's clock
(``deadline = now + DTLSv1_get_timeout()``, refreshed after every call) and calls
``DTLSv1_handle_timeout`` only once the caller's ``now`` has reached that deadline. If OpenSSL
then says its timer has not run out yet (the caller's clock ran ahead of the real one), the
deadline is re-armed with OpenSSL's remaining time; no retransmission ever happens early.
With a real-time caller clock (asyncio's loop) the two agree to within scheduling jitter.
With a purely virtual clock, retransmissions wait for real time to pass (OpenSSL's first
timeout is 1 s, doubling up to 60 s). Re-sending the buffered bytes ourselves is not an
option: DTLS replay protection (RFC 6347 §4.1.2.6) would discard byte-identical records,
and a lost final flight could never be recovered. The overall handshake timeout
(``handshake_timeout``, default 30 s from ``start``) is ours alone and uses only the
caller's clock.

MTU: ``set_ciphertext_mtu(mtu)`` with ``OP_NO_QUERY_MTU`` makes OpenSSL fragment handshake
messages into records that fit ``mtu`` (default 1200 bytes); since a memory BIO is a byte
stream, the records it writes are re-packed into datagrams of at most ``mtu`` bytes
(``records.pack_records``). OpenSSL does *not* split application data to fit the MTU, so
``send`` refuses payloads over ``max_application_data`` (``get_cleartext_mtu``; at 1200:
1163 bytes with AES-GCM, 1171 with ChaCha20-Poly1305, 1135 with CBC), and the SCTP layer
sizes its packets to that (RFC 8261 §3: one SCTP packet per DTLS record).

SRTP: DTLS-SRTP's ``use_srtp`` extension (RFC 5764 §4.1.2) is offered/accepted with
``srtp_profiles`` through ``set_tlsext_use_srtp`` (``srtp_profile`` tells what was chosen;
``()`` disables it), and ``export_keying_material("EXTRACTOR-dtls_srtp", ...)`` (RFC 5705,
RFC 5764 §4.2) yields the SRTP master keys. Neither side requires a profile: data-channel-
only sessions work without one.
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL, crypto

from rtcpeer.dtls.certificate import RTCCertificate, RTCDtlsFingerprint
from rtcpeer.dtls.events import ApplicationData, DtlsEvent, RemoteCertificate, StateChanged
from rtcpeer.dtls.fingerprint import (
    FingerprintCheck,
    FingerprintLike,
    check_certificate,
    normalize_fingerprints,
)
from rtcpeer.dtls.records import pack_records, split_records, split_stream
from rtcpeer.dtls.states import DtlsFailure, DtlsRole, DtlsState

try:  # pyOpenSSL's cffi bindings: reading the memory BIO without an exception when empty
    from OpenSSL._util import ffi as _ffi
    from OpenSSL._util import lib as _lib

    _FAST_BIO = all(
        hasattr(_lib, name) for name in ("BIO_read", "BIO_write", "SSL_read", "SSL_write")
    ) and hasattr(SSL.Connection, "_raise_ssl_error")
except ImportError:  # pragma: no cover - a pyOpenSSL without them takes the slow path
    _FAST_BIO = False


#: Datagram size limit for what we send (RFC 6347 §4.1.1.1; 1200 bytes is what WebRTC
#: stacks use to stay clear of IPv6's 1280-byte minimum MTU with headers and TURN).
DEFAULT_MTU = 1200
#: How long ``start`` -> ``connected`` may take before ``failed``.
DEFAULT_HANDSHAKE_TIMEOUT = 30.0
#: Suites browsers offer and accept with an ECDSA certificate, AEAD first; the CBC ones
#: (with encrypt-then-MAC, RFC 7366) only for older peers.
CIPHER_LIST = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-AES128-SHA",
        "ECDHE-ECDSA-AES256-SHA",
    )
)
#: DTLS-SRTP protection profiles we offer (RFC 5764 §4.1.2, RFC 7714), preferred first.
DEFAULT_SRTP_PROFILES: tuple[str, ...] = (
    "SRTP_AEAD_AES_128_GCM",
    "SRTP_AEAD_AES_256_GCM",
    "SRTP_AES128_CM_SHA1_80",
)

#: DTLS1_2_VERSION; pyOpenSSL names only the TLS versions.
_DTLS1_2_VERSION = 0xFEFD
#: OP_NO_RENEGOTIATION is optional in pyOpenSSL (present when OpenSSL has it).
_OP_NO_RENEGOTIATION: int = getattr(SSL, "OP_NO_RENEGOTIATION", 0)
#: Largest plaintext one record can carry (RFC 5246 §6.2.1), with room to spare.
_RECV_SIZE = 2**14 + 1024


class _Scratch(threading.local):
    """Buffers OpenSSL reads into, one set per thread (cffi calls release the GIL, so two
    event loops in two threads must not share them), instead of one set per endpoint."""

    def __init__(self) -> None:
        self.bio = _ffi.new("char[]", 65536) if _FAST_BIO else None
        self.plain = _ffi.new("char[]", _RECV_SIZE) if _FAST_BIO else None


#: Each thread that touches it gets its own buffers.
_SCRATCH = _Scratch()

#: RECORD_HEADER_LENGTH, and the APPLICATION_DATA content type (RFC 6347 §4.1).
_HEADER = 13
_APPLICATION_DATA = 23
#: Datagrams a server keeps when they arrive before ``start`` (the peer's ClientHello can
#: beat our own start when ICE connects on its side first).
_EARLY_LIMIT = 16
#: Application data held back while the remote fingerprint is still unknown.
_UNVERIFIED_LIMIT_RECORDS = 64
_UNVERIFIED_LIMIT_BYTES = 256 * 1024

_STAT_KEYS = (
    "datagrams_received",
    "bytes_received",
    "datagrams_sent",
    "bytes_sent",
    #: Not a sequence of whole DTLS 1.0/1.2 records: dropped before OpenSSL saw it.
    "malformed_datagrams",
    #: Arrived when nothing could take it (client before start, after close or failure).
    "dropped_datagrams",
    #: OpenSSL retransmitted a flight on our timer (RFC 6347 §4.2.4).
    "retransmissions",
    "application_data_received",
    "application_data_sent",
    #: Application data discarded because the peer was never verified (or the hold-back
    #: buffer overflowed).
    "unverified_data_dropped",
)


class DtlsError(Exception):
    """Base class of the errors ``DtlsEndpoint`` raises."""


class DtlsStateError(DtlsError):
    """The operation is not possible in the endpoint's current state."""


class DtlsNotConnectedError(DtlsStateError):
    """``send`` or ``export_keying_material`` before ``connected`` (or after it ended)."""


class DtlsMessageTooLargeError(DtlsError, ValueError):
    """The payload does not fit one record within the MTU (see ``max_application_data``)."""


def _describe_ssl_error(exc: SSL.Error) -> str:
    """OpenSSL's error queue as one line (pyOpenSSL packs it as [(lib, func, reason)])."""
    parts: list[str] = []
    if exc.args and isinstance(exc.args[0], list):
        for item in exc.args[0]:
            if isinstance(item, tuple) and len(item) == 3:
                parts.append(str(item[2] or item[0]))
    return "; ".join(parts) or type(exc).__name__


#: How OpenSSL words a fatal alert *from the peer*: "sslv3 alert bad certificate",
#: "tlsv1 alert unknown ca", "tls alert unexpected message" (the prefix varies by version).
_RECEIVED_ALERT = re.compile(r"\b(?:sslv3|tlsv1|tlsv13|tls) alert ")


def _is_received_alert(detail: str) -> bool:
    return _RECEIVED_ALERT.search(detail) is not None


#: One OpenSSL context per SRTP profile list, shared by every endpoint: an SSL_CTX costs
#: ~20 KiB and ~0.3 ms to build, and nothing in it is per connection. The certificate and
#: key are set on each connection instead (the default certificate is one per peer
#: connection, webrtc-pc §4.4.1.1), as is the verify callback.
_CONTEXTS: dict[tuple[tuple[str, ...], str], SSL.Context] = {}


def _shared_context(srtp_profiles: Sequence[str]) -> SSL.Context:
    key = (tuple(srtp_profiles), CIPHER_LIST)
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = _CONTEXTS[key] = _make_context(key[0], lambda *_: False)
    return ctx


def _make_context(
    srtp_profiles: Sequence[str],
    verify: Callable[[SSL.Connection, crypto.X509, int, int, int], bool],
) -> SSL.Context:
    ctx = SSL.Context(SSL.DTLS_METHOD)
    ctx.set_min_proto_version(_DTLS1_2_VERSION)
    ctx.set_max_proto_version(_DTLS1_2_VERSION)
    # OpenSSL otherwise keeps each connection's record read and write buffers (~17 KiB
    # each, sized for a maximal record) for the connection's lifetime; released, they are
    # allocated while a record is being read or written and freed when idle.
    ctx.set_mode(SSL.MODE_RELEASE_BUFFERS)
    ctx.set_cipher_list(CIPHER_LIST.encode("ascii"))
    ctx.set_options(
        SSL.OP_NO_QUERY_MTU | SSL.OP_NO_TICKET | SSL.OP_NO_COMPRESSION | _OP_NO_RENEGOTIATION
    )
    ctx.set_session_cache_mode(SSL.SESS_CACHE_OFF)
    # RFC 5763 §5: both sides present certificates; the server must ask for the client's.
    ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, verify)
    if srtp_profiles:
        try:
            ctx.set_tlsext_use_srtp(":".join(srtp_profiles).encode("ascii"))
        except (SSL.Error, UnicodeEncodeError) as exc:
            raise ValueError(f"unsupported SRTP profiles {list(srtp_profiles)}") from exc
    return ctx


class DtlsEndpoint:
    """One DTLS 1.2 association, client or server, driven by the caller's clock.

    ``remote_fingerprints`` are the peer's ``a=fingerprint`` values as (algorithm, value)
    pairs (or ``RTCDtlsFingerprint``); ``None`` means "not known yet" (see
    ``set_remote_fingerprints``).
    """

    def __init__(
        self,
        certificate: RTCCertificate,
        role: DtlsRole,
        remote_fingerprints: Iterable[FingerprintLike] | None = None,
        *,
        mtu: int = DEFAULT_MTU,
        handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT,
        srtp_profiles: Sequence[str] = DEFAULT_SRTP_PROFILES,
    ) -> None:
        if not 256 <= mtu <= 65507:
            raise ValueError(f"mtu {mtu} outside 256..65507")
        if handshake_timeout <= 0:
            raise ValueError("handshake_timeout must be positive")
        self._certificate = certificate
        self._role = role
        self._mtu = mtu
        self._handshake_timeout = handshake_timeout
        self._remote_fingerprints: tuple[RTCDtlsFingerprint, ...] | None = (
            None if remote_fingerprints is None else normalize_fingerprints(remote_fingerprints)
        )

        ref = weakref.ref(self)

        def verify(
            _conn: SSL.Connection, cert: crypto.X509, _err: int, depth: int, _ok: int
        ) -> bool:
            endpoint = ref()
            return endpoint is not None and endpoint._verify_callback(cert, depth)

        self._conn = SSL.Connection(_shared_context(srtp_profiles), None)
        # SSL_use_PrivateKey fails (SSL.Error) if the key does not match the certificate.
        self._conn.use_certificate(certificate.certificate)
        self._conn.use_privatekey(certificate.private_key)
        # RFC 5763 §5: both sides present certificates; the server must ask for the client's.
        self._conn.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, verify)
        self._conn.set_ciphertext_mtu(mtu)
        self._bio_out = getattr(self._conn, "_from_ssl", None) if _FAST_BIO else None
        self._bio_in = getattr(self._conn, "_into_ssl", None) if _FAST_BIO else None
        self._ssl = getattr(self._conn, "_ssl", None) if _FAST_BIO else None
        #: DTLS_get_data_mtu once connected (the cipher and the MTU fix it).
        self._cleartext_mtu = 0
        if role is DtlsRole.CLIENT:
            self._conn.set_connect_state()
        else:
            self._conn.set_accept_state()

        self._state = DtlsState.NEW
        self._failure: DtlsFailure | None = None
        self._events: deque[DtlsEvent] = deque()
        self._out_records: list[bytes] = []
        self._out_tail = b""
        self._early: list[bytes] = []
        self._handshake_done = False
        #: Set by the verify callback when it rejected the peer's certificate.
        self._rejection: FingerprintCheck | None = None
        self._remote_der: bytes | None = None
        self._remote_fingerprint: RTCDtlsFingerprint | None = None
        #: Held-back application data (a list: rarely used, and an empty deque is ~600 B).
        self._unverified: list[bytes] = []
        self._unverified_bytes = 0
        self._retransmit_at: float | None = None
        self._handshake_deadline: float | None = None
        #: Counters; see ``_STAT_KEYS``.
        self.stats: dict[str, int] = dict.fromkeys(_STAT_KEYS, 0)

    # -- properties ------------------------------------------------------------------------

    @property
    def state(self) -> DtlsState:
        return self._state

    @property
    def role(self) -> DtlsRole:
        return self._role

    @property
    def failure(self) -> DtlsFailure | None:
        """Why the endpoint failed, while ``state`` is ``failed``."""
        return self._failure

    @property
    def mtu(self) -> int:
        return self._mtu

    def set_mtu(self, mtu: int) -> None:
        """Change the datagram size limit, e.g. once connected so that the layer above may
        probe for larger packets (RFC 8261 §5, RFC 8899); ``max_application_data`` follows."""
        if not 256 <= mtu <= 65507:
            raise ValueError(f"mtu {mtu} outside 256..65507")
        self._mtu = mtu
        self._conn.set_ciphertext_mtu(mtu)
        self._cleartext_mtu = self._conn.get_cleartext_mtu() if self._handshake_done else 0

    @property
    def local_fingerprints(self) -> list[RTCDtlsFingerprint]:
        """What to put into our ``a=fingerprint`` (RFC 8122 §5)."""
        return self._certificate.getFingerprints()

    @property
    def remote_fingerprints(self) -> tuple[RTCDtlsFingerprint, ...] | None:
        """The peer's signalled fingerprints, normalized; ``None`` while unknown."""
        return self._remote_fingerprints

    @property
    def remote_certificate_der(self) -> bytes | None:
        """The peer's certificate (DER) once it has been *verified*; else ``None``."""
        return self._remote_der

    @property
    def remote_fingerprint(self) -> RTCDtlsFingerprint | None:
        """The signalled fingerprint the peer's certificate matched."""
        return self._remote_fingerprint

    @property
    def cipher(self) -> str | None:
        """The negotiated cipher suite (OpenSSL name) once the handshake is done."""
        return self._conn.get_cipher_name() if self._handshake_done else None

    @property
    def protocol_version(self) -> str | None:
        """``"DTLSv1.2"`` once the handshake is done."""
        return self._conn.get_protocol_version_name() if self._handshake_done else None

    @property
    def srtp_profile(self) -> str | None:
        """The negotiated DTLS-SRTP profile (RFC 5764 §4.1.2), or ``None`` if none was."""
        if not self._handshake_done:
            return None
        return self._conn.get_selected_srtp_profile().decode("ascii") or None

    @property
    def max_application_data(self) -> int | None:
        """The largest payload ``send`` accepts: one record within ``mtu``, given the
        negotiated cipher's overhead (``DTLS_get_data_mtu``). ``None`` before the handshake."""
        return self._conn.get_cleartext_mtu() if self._handshake_done else None

    # -- sans-IO interface -----------------------------------------------------------------

    def start(self, now: float) -> None:
        """Begin the handshake: a client sends its ClientHello, a server waits for one
        (and processes any that arrived before ``start``)."""
        if self._state is not DtlsState.NEW:
            raise DtlsStateError(f"start() in state {self._state}")
        self._handshake_deadline = now + self._handshake_timeout
        if self._role is DtlsRole.CLIENT:
            self._set_state(
                DtlsState.CONNECTING, "start(): client (a=setup:active) sends ClientHello"
            )
            self._drive_handshake()
        else:
            self._set_state(
                DtlsState.CONNECTING, "start(): server (a=setup:passive) awaits ClientHello"
            )
            early, self._early = self._early, []
            for data in early:
                if not self._is_live():
                    self.stats["dropped_datagrams"] += 1
                    continue
                self._ingest(data)
        self._collect_output()
        self._update_retransmit_timer(now)

    def set_remote_fingerprints(self, fingerprints: Iterable[FingerprintLike]) -> None:
        """Give (or replace) the peer's ``a=fingerprint`` values.

        Raises ``ValueError`` for a malformed value of a supported hash function. If the
        handshake already finished, the peer is verified now: this may report
        ``RemoteCertificate`` and the change to ``connected`` followed by the held-back
        application data, or fail (and queue a close_notify: call ``datagrams_to_send``).
        Once connected, new fingerprints that no longer match the certificate fail the
        endpoint.
        """
        self._remote_fingerprints = normalize_fingerprints(fingerprints)
        if self._handshake_done and self._state in (DtlsState.CONNECTING, DtlsState.CONNECTED):
            self._verify_peer()
            self._collect_output()

    def handle_datagram(self, now: float, data: bytes) -> None:
        """Take one received datagram of DTLS records (RFC 7983: first byte 20..63).

        Never raises for bad input: a datagram that is not whole DTLS 1.0/1.2 records is
        dropped and counted (``stats["malformed_datagrams"]``); records OpenSSL cannot
        authenticate are discarded silently by it (RFC 6347 §4.1.2.7); a record that breaks
        the handshake fails the endpoint with a typed ``failure``.
        """
        data = bytes(data)
        self.stats["datagrams_received"] += 1
        self.stats["bytes_received"] += len(data)
        if self._state is DtlsState.NEW:
            if (
                self._role is DtlsRole.SERVER
                and len(self._early) < _EARLY_LIMIT
                and split_records(data) is not None
            ):
                self._early.append(data)
            elif split_records(data) is None:
                self.stats["malformed_datagrams"] += 1
            else:
                self.stats["dropped_datagrams"] += 1
            return
        if self._state in (DtlsState.CLOSED, DtlsState.FAILED):
            self.stats["dropped_datagrams"] += 1
            return
        self._ingest(data)
        self._collect_output()
        self._update_retransmit_timer(now)

    def handle_timer(self, now: float) -> None:
        """Act on timers due at ``now``: the handshake timeout, and OpenSSL's flight
        retransmission (RFC 6347 §4.2.4) once our deadline for it has passed."""
        if self._state not in (DtlsState.CONNECTING, DtlsState.CONNECTED):
            return
        if (
            self._state is DtlsState.CONNECTING
            and self._handshake_deadline is not None
            and now >= self._handshake_deadline
        ):
            if self._handshake_done:
                reason = (
                    f"handshake complete but no remote fingerprint within "
                    f"{self._handshake_timeout:g} s"
                )
                self._abort(DtlsFailure.HANDSHAKE_TIMEOUT, reason)
            else:
                reason = f"not connected within {self._handshake_timeout:g} s of start"
                self._set_state(DtlsState.FAILED, reason, DtlsFailure.HANDSHAKE_TIMEOUT)
            return
        if self._retransmit_at is not None and now >= self._retransmit_at:
            try:
                fired = self._conn.DTLSv1_handle_timeout()
            except SSL.Error as exc:
                self._collect_output()
                self._set_state(
                    DtlsState.FAILED,
                    f"OpenSSL gave up retransmitting: {_describe_ssl_error(exc)}",
                    DtlsFailure.HANDSHAKE_TIMEOUT,
                )
                return
            if fired:
                self.stats["retransmissions"] += 1
            self._collect_output()
        self._update_retransmit_timer(now)

    def get_timer(self) -> float | None:
        """The earliest deadline at which ``handle_timer`` must be called, or ``None``."""
        if self._state is DtlsState.CONNECTING:
            deadlines = [
                d for d in (self._retransmit_at, self._handshake_deadline) if d is not None
            ]
            return min(deadlines) if deadlines else None
        if self._state is DtlsState.CONNECTED:
            return self._retransmit_at
        return None

    def datagrams_to_send(self, now: float) -> list[bytes]:
        """Everything to send now, packed into datagrams of at most ``mtu`` bytes. Also
        after ``failed``/``closed``: a final alert or close_notify may be waiting."""
        if not self._out_records:
            return []
        datagrams = pack_records(self._out_records, self._mtu)
        self._out_records = []
        self.stats["datagrams_sent"] += len(datagrams)
        self.stats["bytes_sent"] += sum(len(d) for d in datagrams)
        return datagrams

    def next_event(self) -> DtlsEvent | None:
        return self._events.popleft() if self._events else None

    def send(self, data: bytes) -> None:
        """Send ``data`` as one application-data record (one SCTP packet, RFC 8261 §3); it
        leaves with the next ``datagrams_to_send``."""
        record = self._protect(data)
        if record:
            self._out_records.append(record)  # counted by datagrams_to_send

    def seal(self, data: bytes) -> bytes:
        """Protect ``data`` as one application-data record and return it, for the caller to
        send as a datagram of its own: the layer above sized the packet to the path (RFC
        8261 §5), so it is not packed with other records. Returns b"" in the rare case that
        OpenSSL wrote more than that one record (all of it then waits in
        ``datagrams_to_send``). Raises ``DtlsNotConnectedError`` before ``connected``,
        ``DtlsMessageTooLargeError`` beyond ``max_application_data``, and ``DtlsError``
        when OpenSSL fails (the endpoint is then ``failed``)."""
        record = self._protect(data)
        if record:
            stats = self.stats
            stats["datagrams_sent"] += 1
            stats["bytes_sent"] += len(record)
        return record

    def _protect(self, data: bytes) -> bytes:
        """``seal`` without counting the datagram."""
        if self._state is not DtlsState.CONNECTED:
            raise DtlsNotConnectedError(f"cannot send application data in state {self._state}")
        if not data:
            raise ValueError("application data must not be empty")
        if len(data) > self._cleartext_mtu:
            raise DtlsMessageTooLargeError(
                f"{len(data)} bytes do not fit one record within the {self._mtu}-byte MTU "
                f"(at most {self._cleartext_mtu} with {self.cipher})"
            )
        ssl = self._ssl
        try:
            if ssl is not None:
                written = _lib.SSL_write(ssl, data, len(data))
                if written <= 0:
                    self._conn._raise_ssl_error(ssl, written)
            else:
                self._conn.send(data)
        except SSL.Error as exc:
            self._fail_from_ssl_error(exc)
            self._collect_output()
            raise DtlsError(f"send failed: {_describe_ssl_error(exc)}") from exc
        self.stats["application_data_sent"] += 1
        if not self._out_tail:
            record = self._read_bio()
            if len(record) > _HEADER and int.from_bytes(record[11:13]) + _HEADER == len(record):
                return record  # the usual case: exactly one record
            self._out_tail = record
        self._collect_output()
        return b""

    def open_record(self, data: bytes) -> bytes | None:
        """The fast path of ``handle_datagram`` for the usual datagram once ``connected``: one
        protected application-data record (RFC 6347 §4.1). Returns its plaintext; b"" when
        there is nothing to deliver (OpenSSL discarded the record as unauthentic, RFC 6347
        §4.1.2.7, or it ended the connection: see ``next_event``); ``None`` when the
        datagram is of another kind and must go to ``handle_datagram``."""
        if not (
            self._state is DtlsState.CONNECTED
            and len(data) > _HEADER
            and data[0] == _APPLICATION_DATA
            and int.from_bytes(data[11:13]) + _HEADER == len(data)
            and data[1:3] == b"\xfe\xfd"
        ):
            return None
        stats = self.stats
        stats["datagrams_received"] += 1
        stats["bytes_received"] += len(data)
        plaintext = self._open(data)
        if plaintext:
            stats["application_data_received"] += 1
        return plaintext

    def _open(self, data: bytes) -> bytes:
        """Decrypt one application-data record (b"" when there is nothing to deliver)."""
        ssl = self._ssl
        try:
            if ssl is not None:
                buffer = _SCRATCH.plain
                _lib.BIO_write(self._bio_in, data, len(data))
                read = _lib.SSL_read(ssl, buffer, _RECV_SIZE)
                if read > 0:
                    return _ffi.buffer(buffer, read)[:]  # type: ignore[no-any-return]
                self._conn._raise_ssl_error(ssl, read)
                return b""
            self._conn.bio_write(data)
            return self._conn.recv(_RECV_SIZE)
        except SSL.WantReadError:
            return b""
        except SSL.ZeroReturnError:
            self._closed_by_peer()
            return b""
        except SSL.Error as exc:
            self._fail_from_ssl_error(exc)
            return b""

    def close(self, now: float) -> None:
        """Close: send close_notify if the handshake finished (RFC 5246 §7.2.1) and go to
        ``closed``. Idempotent; does nothing once closed or failed."""
        if self._state in (DtlsState.CLOSED, DtlsState.FAILED):
            return
        if self._handshake_done:
            self._send_close_notify()
        self._early.clear()
        self._set_state(DtlsState.CLOSED, "close() called")
        self._collect_output()

    def export_keying_material(
        self, label: str, length: int, context: bytes | None = None
    ) -> bytes:
        """RFC 5705 keying material exporter, e.g. ``("EXTRACTOR-dtls_srtp", 2 * (key +
        salt))`` for SRTP master keys (RFC 5764 §4.2). Only while ``connected``."""
        if self._state is not DtlsState.CONNECTED:
            raise DtlsNotConnectedError(f"no keying material in state {self._state}")
        if length <= 0:
            raise ValueError("length must be positive")
        return self._conn.export_keying_material(label.encode("ascii"), length, context)

    def release_memory(self) -> bool:
        """Hand back what OpenSSL's two memory BIOs grew to: each keeps the capacity of the
        largest datagram that passed through it (a 16 KiB record, RFC 8261 §5, leaves
        ~22 KiB each way) for the endpoint's lifetime. Replaces them with fresh, empty ones
        if both are empty (always so between calls: every datagram is consumed whole and
        every output collected). OpenSSL points the write state it keeps for retransmitting
        the last flight at the current BIO when it uses it, so nothing else changes. Cheap
        (a few microseconds), but meant for a connection that has gone quiet, not per
        datagram. Returns whether they were replaced."""
        ssl, into, out = self._ssl, self._bio_in, self._bio_out
        if ssl is None or into is None or out is None:
            return False
        if _lib.BIO_get_mem_data(into, _ffi.NULL) or _lib.BIO_get_mem_data(out, _ffi.NULL):
            return False
        new_into = _lib.BIO_new(_lib.BIO_s_mem())
        new_out = _lib.BIO_new(_lib.BIO_s_mem())
        if new_into == _ffi.NULL or new_out == _ffi.NULL:  # pragma: no cover - out of memory
            for bio in (new_into, new_out):
                if bio != _ffi.NULL:
                    _lib.BIO_free(bio)
            return False
        # Both differ from the current ones: SSL_set_bio takes ownership of the new BIOs
        # and frees the old ones. pyOpenSSL's bio_read/bio_write use the attributes.
        _lib.SSL_set_bio(ssl, new_into, new_out)
        self._conn._into_ssl = new_into
        self._conn._from_ssl = new_out
        self._bio_in, self._bio_out = new_into, new_out
        return True

    # -- internals -------------------------------------------------------------------------

    def _ingest(self, data: bytes) -> None:
        """Hand one datagram to OpenSSL and let it process everything in it."""
        if (
            self._state is DtlsState.CONNECTED
            and len(data) > _HEADER
            and data[0] == _APPLICATION_DATA
            and int.from_bytes(data[11:13]) + _HEADER == len(data)
            and data[1:3] == b"\xfe\xfd"
        ):
            # The usual datagram: one protected application-data record. One read returns
            # it (or nothing, when OpenSSL discards it as unauthentic, RFC 6347 §4.1.2.7).
            plaintext = self._open(data)
            if plaintext:
                self.stats["application_data_received"] += 1
                self._events.append(ApplicationData(plaintext))
            return
        if split_records(data) is None:
            self.stats["malformed_datagrams"] += 1
            return
        # The memory BIO is a byte stream; OpenSSL's DTLS read takes everything buffered as
        # one "datagram", so each datagram is written and fully consumed before the next.
        try:
            self._conn.bio_write(data)
        except SSL.Error:
            self.stats["malformed_datagrams"] += 1
            return
        if not self._handshake_done:
            self._drive_handshake()
        if self._handshake_done:
            self._read_records()

    def _is_live(self) -> bool:
        return self._state in (DtlsState.CONNECTING, DtlsState.CONNECTED)

    def _drive_handshake(self) -> None:
        try:
            self._conn.do_handshake()
        except SSL.WantReadError:
            return
        except SSL.ZeroReturnError:
            self._closed_by_peer()
            return
        except SSL.Error as exc:
            self._fail_from_ssl_error(exc)
            return
        self._handshake_done = True
        self._cleartext_mtu = self._conn.get_cleartext_mtu()
        if self._remote_fingerprints is not None:
            self._verify_peer()

    def _read_records(self) -> None:
        """Read every application-data record OpenSSL has (it also answers retransmitted
        handshake flights from here, RFC 6347 §4.2.4)."""
        while self._state in (DtlsState.CONNECTING, DtlsState.CONNECTED):
            try:
                data = self._conn.recv(_RECV_SIZE)
            except SSL.WantReadError:
                return
            except SSL.ZeroReturnError:
                self._closed_by_peer()
                return
            except SSL.Error as exc:
                self._fail_from_ssl_error(exc)
                return
            if not data:
                return
            self._deliver(data)

    def _deliver(self, data: bytes) -> None:
        if self._state is DtlsState.CONNECTED:
            self.stats["application_data_received"] += 1
            self._events.append(ApplicationData(data))
        elif (
            len(self._unverified) < _UNVERIFIED_LIMIT_RECORDS
            and self._unverified_bytes + len(data) <= _UNVERIFIED_LIMIT_BYTES
        ):
            self._unverified.append(data)
            self._unverified_bytes += len(data)
        else:
            self.stats["unverified_data_dropped"] += 1

    def _verify_callback(self, cert: crypto.X509, depth: int) -> bool:
        """OpenSSL's verify callback: only the end-entity certificate (depth 0) matters, and
        only its fingerprint (RFC 8122 §5); chain errors such as self-signed are ignored.
        Unknown fingerprints defer the decision to ``_verify_peer``. Never raises."""
        if depth != 0 or self._remote_fingerprints is None:
            return True
        try:
            check = check_certificate(cert.to_cryptography(), self._remote_fingerprints)
        except Exception as exc:  # an unparsable certificate must not escape OpenSSL
            check = FingerprintCheck(
                None, DtlsFailure.PROTOCOL_ERROR, f"unusable peer certificate: {exc}"
            )
        if check.ok:
            return True
        self._rejection = check
        return False

    def _verify_peer(self) -> None:
        """After the handshake (or when fingerprints arrive late): check the peer's
        certificate and, if it matches, report it and become ``connected``."""
        assert self._remote_fingerprints is not None
        cert: x509.Certificate | None
        try:
            cert = self._conn.get_peer_certificate(as_cryptography=True)
        except Exception as exc:
            self._abort(DtlsFailure.PROTOCOL_ERROR, f"unusable peer certificate: {exc}")
            return
        if cert is None:
            self._abort(DtlsFailure.PROTOCOL_ERROR, "the peer presented no certificate")
            return
        check = check_certificate(cert, self._remote_fingerprints)
        if check.matched is None:
            self._abort(check.failure or DtlsFailure.FINGERPRINT_MISMATCH, check.reason)
            return
        self._remote_fingerprint = check.matched
        if self._state is DtlsState.CONNECTED:
            return
        der = cert.public_bytes(Encoding.DER)
        self._remote_der = der
        self._events.append(RemoteCertificate(der, check.matched))
        self._set_state(
            DtlsState.CONNECTED,
            f"handshake complete ({self.protocol_version}, {self.cipher}); {check.reason}",
        )
        held, self._unverified = self._unverified, []
        self._unverified_bytes = 0
        for data in held:
            self._deliver(data)

    def _abort(self, failure: DtlsFailure, reason: str) -> None:
        """Fail after the handshake finished: tell the peer with close_notify (OpenSSL
        offers no way to send a fatal alert on our own) and drop held-back data."""
        self._send_close_notify()
        self._set_state(DtlsState.FAILED, reason, failure)
        self._collect_output()

    def _send_close_notify(self) -> None:
        # SSL_shutdown fails during the handshake; then there is nothing to notify.
        with contextlib.suppress(SSL.Error):
            self._conn.shutdown()

    def _closed_by_peer(self) -> None:
        # RFC 5246 §7.2.1: answer close_notify with our own and close.
        self._send_close_notify()
        self._set_state(DtlsState.CLOSED, "close_notify received")

    def _fail_from_ssl_error(self, exc: SSL.Error) -> None:
        detail = _describe_ssl_error(exc)
        if self._rejection is not None:
            failure = self._rejection.failure or DtlsFailure.FINGERPRINT_MISMATCH
            reason = self._rejection.reason
        elif _is_received_alert(detail):
            failure, reason = DtlsFailure.ALERT_RECEIVED, f"fatal alert from the peer: {detail}"
        else:
            failure, reason = DtlsFailure.PROTOCOL_ERROR, f"DTLS error: {detail}"
        self._set_state(DtlsState.FAILED, reason, failure)

    def _set_state(self, new: DtlsState, reason: str, failure: DtlsFailure | None = None) -> None:
        old = self._state
        if old is new:
            return
        self._state = new
        self._failure = failure
        if new in (DtlsState.CLOSED, DtlsState.FAILED):
            self._retransmit_at = None
            self._handshake_deadline = None
            self.stats["unverified_data_dropped"] += len(self._unverified)
            self._unverified.clear()
            self._unverified_bytes = 0
        self._events.append(StateChanged(old, new, reason, failure))

    def _collect_output(self) -> None:
        """Move what OpenSSL wrote into the BIO to our record queue."""
        out = self._read_bio()
        if not out and not self._out_tail:
            return
        records, self._out_tail = split_stream(self._out_tail + out)
        self._out_records.extend(records)

    def _read_bio(self) -> bytes:
        """Everything OpenSSL has written to the outgoing memory BIO (b"" when nothing)."""
        bio = self._bio_out
        if bio is not None:
            buffer = _SCRATCH.bio
            chunks = []
            while (n := _lib.BIO_read(bio, buffer, 65536)) > 0:
                chunks.append(_ffi.buffer(buffer, n)[:])
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks = []
        while True:
            try:
                chunks.append(self._conn.bio_read(65536))
            except SSL.WantReadError:
                return b"".join(chunks)

    def _update_retransmit_timer(self, now: float) -> None:
        """Map OpenSSL's relative retransmission timeout onto the caller's clock."""
        if self._state not in (DtlsState.CONNECTING, DtlsState.CONNECTED):
            self._retransmit_at = None
            return
        remaining = self._conn.DTLSv1_get_timeout()
        self._retransmit_at = None if remaining is None else now + remaining
