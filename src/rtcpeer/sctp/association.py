"""The sans-IO SCTP association (RFC 9260) as WebRTC data channels use it (RFC 8831).

Shaped like :class:`rtcpeer.ice.agent.IceAgent`: the caller feeds packets (the DTLS
application data, RFC 8261) and timer expiries in with the current time, and takes packets,
a timer deadline and events out::

    assoc.associate(now)                  # the side that opens (sends INIT, §5.1)
    assoc.handle_packet(now, data)
    assoc.handle_timer(now)
    assoc.get_timer()                     # -> absolute deadline or None
    assoc.packets_to_send(now)            # -> [bytes, ...]
    assoc.next_event()                    # -> SctpEvent or None
    assoc.send(now, stream_id, ppid, data, ordered=..., max_retransmits=..., lifetime=...)
    assoc.reset_streams(now, stream_ids)  # RFC 6525 outgoing SSN reset
    assoc.shutdown(now) / assoc.abort(now)

It never opens a socket, never reads a clock and never sleeps; randomness (tags, initial
TSNs, the cookie key) comes from the injected ``random.Random``. One path: WebRTC runs SCTP
over a single DTLS association, so multi-homing (§6.4) does not arise.

What is here: the four-way handshake with an HMAC-authenticated, expiring State Cookie
(§5.1, §5.1.3, §5.1.5) including INIT collision (§5.2.1, §5.2.4 cases B and D); DATA with
fragmentation and reassembly (§6.9), ordered and unordered delivery (§6.6); delayed and
immediate SACKs (§6.2, §6.7); T3-rtx with RTO estimation and back-off (§6.3); fast retransmit
on three miss indications with Fast Recovery (§7.2.4); slow start and congestion avoidance
(§7.2.1-§7.2.3); the peer's receive window (§6.1); heartbeats (§8.3); association error
counting (§8.1); graceful shutdown (§9.2) and ABORT (§9.1); PR-SCTP with FORWARD-TSN
(RFC 3758) for ``max_retransmits`` / ``lifetime``; outgoing and incoming SSN reset
(RFC 6525). Receive memory is bounded by the receive buffer (see :meth:`_on_data`).

User message interleaving (RFC 8260) when both sides offer it (``config.interleaving``):
I-DATA replaces DATA, with fragments of messages on different streams taken in turn so a
large message does not block the others (:meth:`_write_idata`), reassembly by (stream, U bit,
MID) (:class:`~.streams.InterleavedReassembly`), and I-FORWARD-TSN replaces FORWARD-TSN.
Without it nothing changes: the DATA paths below are the same code as before.
"""

from __future__ import annotations

import random
import struct
import threading
from collections import deque
from collections.abc import Sequence
from enum import Enum

from crc32c import crc32c

from .chunks import (
    DATA_FIELDS,
    DATA_HEADER,
    IDATA_FIELDS,
    IDATA_HEADER,
    AbortChunk,
    Chunk,
    CookieAckChunk,
    CookieEchoChunk,
    ErrorChunk,
    ForwardTsnChunk,
    HeartbeatAckChunk,
    HeartbeatChunk,
    IForwardTsnChunk,
    InitAckChunk,
    InitChunk,
    ReconfigChunk,
    ShutdownAckChunk,
    ShutdownChunk,
    ShutdownCompleteChunk,
    UnknownChunk,
    encode_sack,
    parse_chunk,
    parse_sack,
    split_chunks,
    supported_extensions_param,
)
from .config import SctpConfig
from .congestion import CongestionControl
from .constants import (
    COMMON_HEADER_LENGTH,
    DATA_HEADER_LENGTH,
    FLAG_BEGIN,
    FLAG_END,
    FLAG_IMMEDIATE,
    FLAG_UNORDERED,
    IDATA_HEADER_LENGTH,
    CauseCode,
    ChunkType,
    ParamType,
    ReconfigResult,
)
from .cookie import CookieState, open_cookie
from .errors import (
    InvalidCookieError,
    MessageTooLargeError,
    SctpEncodeError,
    SctpParseError,
    SctpStateError,
    SctpUsageError,
    StaleCookieError,
)
from .events import (
    Aborted,
    Closed,
    Connected,
    MessageReceived,
    OutgoingStreamsReset,
    SctpEvent,
    StreamReset,
)
from .packet import CHECKSUM, COMMON_HEADER
from .params import (
    ErrorCause,
    OutgoingResetRequest,
    Param,
    ReconfigParam,
    ReconfigResponse,
    describe_cause,
    invalid_stream_cause,
    no_user_data_cause,
    pad4,
    protocol_violation_cause,
    stale_cookie_cause,
    unrecognized_chunk_cause,
    user_abort_cause,
)
from .pmtud import PathMtuSearch
from .streams import (
    ENTRY_OVERHEAD,
    InterleavedReassembly,
    OutboundMessage,
    OutboundQueue,
    Reassembly,
)
from .timers import RtoEstimator, Timer
from .tsn import TSN_MASK, ReceivedTsns

_ZERO4 = b"\x00\x00\x00\x00"
_HEARTBEAT_INFO = struct.Struct("!dQ")
#: Heartbeat Info of a PLPMTUD probe (RFC 8899 §6.2.1.2): a marker and the probe's nonce.
_PROBE_INFO = struct.Struct("!4sQ")
_PROBE_MARKER = b"PMTU"
_I_DATA = int(ChunkType.I_DATA)
#: Control chunks waiting to be sent; more are dropped (a hostile peer cannot make us queue
#: answers without bound).
_MAX_CONTROL = 64
#: Acceptance window above the cumulative TSN: gap block offsets are 16 bits (§3.3.4).
_MAX_TSN_WINDOW = 0xFFFF
#: The OS generator, shared: SystemRandom keeps no state of its own (each call reads
#: os.urandom), but every instance carries an unused Mersenne Twister state of ~2.5 KiB.
_SYSTEM_RANDOM = random.SystemRandom()


class _Scratch(threading.local):
    """The buffer outgoing packets are packed into, one per thread and shared by that
    thread's associations (packing never yields, and each packet leaves it as ``bytes``):
    a buffer per association would keep up to a whole DTLS record (16 KiB, once PLPMTUD
    confirms it) for the association's lifetime. Per thread because crc32c may release
    the GIL while another thread's association packs."""

    def __init__(self) -> None:
        self.buf = bytearray()


_SCRATCH = _Scratch()
#: Parameters of INIT / INIT ACK we understand (§3.2.1 tells what to do with the others).
_KNOWN_INIT_PARAMS = frozenset(
    {
        ParamType.IPV4_ADDRESS,
        ParamType.IPV6_ADDRESS,
        ParamType.STATE_COOKIE,
        ParamType.UNRECOGNIZED_PARAMETER,
        ParamType.COOKIE_PRESERVATIVE,
        ParamType.HOST_NAME_ADDRESS,
        ParamType.SUPPORTED_ADDRESS_TYPES,
        ParamType.SUPPORTED_EXTENSIONS,
        ParamType.FORWARD_TSN_SUPPORTED,
    }
)


class State(Enum):
    """Association states (RFC 9260 §4)."""

    CLOSED = "closed"
    COOKIE_WAIT = "cookie-wait"
    COOKIE_ECHOED = "cookie-echoed"
    ESTABLISHED = "established"
    SHUTDOWN_PENDING = "shutdown-pending"
    SHUTDOWN_SENT = "shutdown-sent"
    SHUTDOWN_RECEIVED = "shutdown-received"
    SHUTDOWN_ACK_SENT = "shutdown-ack-sent"


_S = State
#: States in which DATA and SACK flow (§9.2: until SHUTDOWN is sent or acknowledged).
_DATA_STATES = frozenset(
    {_S.ESTABLISHED, _S.SHUTDOWN_PENDING, _S.SHUTDOWN_SENT, _S.SHUTDOWN_RECEIVED}
)
#: States in which new DATA may still be sent (queued data drains in the shutdown states).
_SEND_STATES = frozenset({_S.ESTABLISHED, _S.SHUTDOWN_PENDING, _S.SHUTDOWN_RECEIVED})


class _Sent:
    """One DATA chunk that has a TSN: a fragment of ``msg`` at ``offset``, ``size`` bytes.
    An I-DATA fragment also has its Fragment Sequence Number in ``fsn`` (set only then)."""

    fsn: int

    __slots__ = (
        "abandoned",
        "acked",
        "fast_done",
        "flags",
        "fsn",
        "in_flight",
        "misses",
        "msg",
        "offset",
        "retransmit",
        "sent_at",
        "size",
        "transmissions",
        "tsn",
    )

    def __init__(
        self, tsn: int, msg: OutboundMessage, offset: int, size: int, flags: int, now: float
    ) -> None:
        self.tsn = tsn
        self.msg = msg
        self.offset = offset
        self.size = size
        self.flags = flags
        self.sent_at = now
        self.transmissions = 1
        #: Acknowledged by a Gap Ack Block (not yet by the cumulative ack).
        self.acked = False
        #: PR-SCTP gave up on it (RFC 3758 §3.5).
        self.abandoned = False
        #: Marked for retransmission (T3 expiry or fast retransmit).
        self.retransmit = False
        #: Already fast-retransmitted once (§7.2.4: at most once).
        self.fast_done = False
        #: Counted in the flight size.
        self.in_flight = True
        #: Miss indications (§7.2.4).
        self.misses = 0


class Association:
    """One SCTP association over one DTLS connection (the WebRTC case)."""

    def __init__(
        self,
        *,
        config: SctpConfig | None = None,
        rng: random.Random | None = None,
        cookie_key: bytes | None = None,
    ) -> None:
        self.config = cfg = config if config is not None else SctpConfig()
        # Verification tags and the cookie key are secrets (RFC 9260 §5.1.3, §5.3.1): the OS
        # generator unless a test injects a seeded one.
        self._rng = rng if rng is not None else _SYSTEM_RANDOM
        self._cookie_key = cookie_key if cookie_key is not None else self._rng.randbytes(32)
        self._local_tag = self._rng.randrange(1, 1 << 32)
        self._local_initial_tsn = self._rng.getrandbits(32)
        self._state = _S.CLOSED
        self._closed = False
        self._events: deque[SctpEvent] = deque()
        #: (verification tag, encoded chunk, must travel alone) waiting to be sent.
        self._control: list[tuple[int, bytes, bool]] = []
        #: Counters of what was dropped or done and why (never silent).
        self.stats: dict[str, int] = {}
        #: The packet size in use: ``mtu``, raised by PLPMTUD (RFC 8899) when it confirms more.
        self._mtu = cfg.mtu
        max_mtu = cfg.max_mtu if cfg.max_mtu is not None else cfg.mtu
        #: The largest packet size used so far: the packing buffer (``_SCRATCH``) must hold
        #: it even after the size drops again (a retransmitted chunk keeps its size).
        self._largest_mtu = cfg.mtu
        self._full_payload = (cfg.mtu - COMMON_HEADER_LENGTH - DATA_HEADER_LENGTH) & ~3
        self._pmtud: PathMtuSearch | None = None
        if max_mtu > cfg.mtu:
            self._pmtud = PathMtuSearch(
                cfg.mtu,
                max_mtu,
                probe_timeout=cfg.pmtud_probe_timeout,
                max_probes=cfg.pmtud_max_probes,
                rng=self._rng,
            )
        self._rto = RtoEstimator(
            initial=cfg.rto_initial,
            minimum=cfg.rto_min,
            maximum=cfg.rto_max,
            alpha=cfg.rto_alpha,
            beta=cfg.rto_beta,
        )
        # Timers (§6.3 T3-rtx, §5.1 T1-init / T1-cookie, §9.2 T2-shutdown, §6.2 delayed SACK,
        # RFC 6525 §5.1.1 reconfiguration, §8.3 heartbeat).
        self._t1 = Timer("t1")
        self._t1_duration = cfg.rto_initial
        self._t1_count = 0
        #: Stale Cookie restarts (§5.2.6), bounded like INIT retransmissions, and the
        #: Cookie Preservative the next INIT asks for (seconds).
        self._stale_count = 0
        self._preservative = 0.0
        self._t2 = Timer("t2")
        self._t3 = Timer("t3-rtx")
        self._sack_timer = Timer("delayed-sack")
        self._reconfig_timer = Timer("reconfig")
        self._hb_timer = Timer("heartbeat")
        self._error_count = 0

        # Peer and negotiated values (set by the handshake).
        self._peer_tag = 0
        self._outbound_streams = cfg.outbound_streams
        self._inbound_streams = cfg.inbound_streams
        self._peer_forward_tsn = False
        self._peer_reconfig = False
        #: I-DATA negotiated (RFC 8260 §2.2.1): both sides offered it.
        self._idata = False

        # Sender (unwrapped TSNs).
        self._queue = OutboundQueue()
        self._next_tsn = self._local_initial_tsn
        self._cum_ack = self._local_initial_tsn - 1
        self._outstanding: dict[int, _Sent] = {}
        self._flight = 0
        self._peer_rwnd = 0
        self._cc = CongestionControl(self._mtu, cfg.receive_buffer)
        self._retx: list[int] = []
        self._fast_pending = False
        self._rtt_probe: _Sent | None = None
        self._adv_ack = self._cum_ack
        self._fwd_sent_point = self._cum_ack
        self._fwd_sent_at = -1e9
        self._fwd_due = False
        self._last_data_sent = 0.0
        self._last_sack_at = -1.0
        self._last_t3_at = 0.0

        # Receiver.
        self._received = ReceivedTsns(0, max_duplicates=cfg.max_duplicates)
        self._reassembly = Reassembly(self._events, cfg.max_message_size)
        self._sack_now = False
        self._data_packets = 0
        self._last_a_rwnd = cfg.receive_buffer

        # Stream reset (RFC 6525).
        self._reset_wanted: dict[int, None] = {}
        self._reset_request: OutgoingResetRequest | None = None
        #: The current request was answered "in progress": resend it with a new number.
        self._reset_renumber = False
        self._reset_due = False
        self._reconfig_seq = self._local_initial_tsn
        self._peer_reconfig_next = 0
        self._peer_last_result = int(ReconfigResult.SUCCESS_NOTHING_TO_DO)
        self._reconfig_responses: list[ReconfigParam] = []

        #: A reset the peer asked for before all its data arrived (RFC 6525 §5.2.2 E2), and
        #: the last one performed (so a renumbered retry does not reset twice).
        self._deferred_reset: OutgoingResetRequest | None = None
        self._last_reset: tuple[int, tuple[int, ...]] | None = None
        self._cookie = b""

        # Heartbeats (§8.3).
        self._hb_nonce: int | None = None
        self._hb_sent_at = 0.0

    # ------------------------------------------------------------------ properties

    @property
    def state(self) -> State:
        return self._state

    @property
    def is_established(self) -> bool:
        return self._state is _S.ESTABLISHED

    @property
    def interleaving(self) -> bool:
        """Whether user message interleaving (RFC 8260 I-DATA) was negotiated."""
        return self._idata

    @property
    def outbound_streams(self) -> int:
        """Streams we may send on (min of ours and the peer's MIS, §5.1.1)."""
        return self._outbound_streams

    @property
    def inbound_streams(self) -> int:
        return self._inbound_streams

    @property
    def rto(self) -> float:
        return self._rto.rto

    @property
    def srtt(self) -> float | None:
        return self._rto.srtt

    @property
    def cwnd(self) -> int:
        return self._cc.cwnd

    @property
    def flight_size(self) -> int:
        return self._flight

    @property
    def buffered_amount(self) -> int:
        """Bytes of user data queued and not yet sent once, over all streams."""
        return self._queue.buffered

    def stream_buffered_amount(self, stream_id: int) -> int:
        """Bytes queued on ``stream_id`` and not yet sent once (webrtc-pc bufferedAmount)."""
        return self._queue.buffered_amount(stream_id)

    @property
    def receive_buffer_used(self) -> int:
        """Bytes held for reassembly or ordering, plus delivered and not yet taken."""
        return self._reassembly.held + self._reassembly.undelivered

    def _count(self, what: str) -> None:
        self.stats[what] = self.stats.get(what, 0) + 1

    # ---------------------------------------------------------------- user primitives

    def associate(self, now: float) -> None:
        """Open the association: send INIT and enter COOKIE-WAIT (§5.1 A)."""
        if self._state is not _S.CLOSED or self._closed:
            raise SctpStateError(f"cannot associate in state {self._state.value}")
        self._state = _S.COOKIE_WAIT
        self._t1_count = 0
        self._t1_duration = self.config.rto_initial
        self._send_init(now)

    def send(
        self,
        now: float,
        stream_id: int,
        ppid: int,
        data: bytes,
        *,
        ordered: bool = True,
        max_retransmits: int | None = None,
        lifetime: float | None = None,
    ) -> None:
        """Queue one user message (§10.1 SEND).

        ``max_retransmits`` and ``lifetime`` (seconds) make it partially reliable
        (RFC 3758; webrtc-pc maxRetransmits / maxPacketLifeTime) when the peer supports
        FORWARD-TSN; otherwise delivery is reliable. Raises :class:`MessageTooLargeError`
        above ``config.max_message_size`` and :class:`SctpStateError` once shutting down.
        """
        if self._closed or self._state not in (
            _S.CLOSED,
            _S.COOKIE_WAIT,
            _S.COOKIE_ECHOED,
            _S.ESTABLISHED,
        ):
            raise SctpStateError(f"cannot send in state {self._state.value}")
        if not 0 <= stream_id < self._outbound_streams:
            raise SctpUsageError(
                f"stream {stream_id} is outside the {self._outbound_streams} outbound streams"
            )
        if not 0 <= ppid <= 0xFFFFFFFF:
            raise SctpUsageError(f"PPID {ppid} does not fit in 32 bits")
        size = len(data)
        if size > self.config.max_message_size:
            raise MessageTooLargeError(size, self.config.max_message_size)
        if size == 0:
            # §6.2: DATA must carry user data (RFC 8831 §6.6 sends empty messages as one
            # byte with PPID 56/57).
            raise SctpUsageError("SCTP cannot send an empty message")
        if max_retransmits is not None and max_retransmits < 0:
            raise SctpUsageError("max_retransmits must be >= 0")
        expires = None if lifetime is None else now + max(lifetime, 0.0)
        self._queue.push(
            OutboundMessage(stream_id, ppid, bytes(data), ordered, max_retransmits, expires)
        )

    def reset_streams(self, now: float, stream_ids: Sequence[int]) -> None:
        """Reset our outgoing ``stream_ids`` (RFC 6525 §5.1.2; RFC 8831 §6.7 closes a data
        channel this way). Messages already queued on them are sent first; messages sent
        on them afterwards wait until the peer performed the reset. The outcome arrives as
        :class:`OutgoingStreamsReset`."""
        if self._state is not _S.ESTABLISHED:
            raise SctpStateError(f"cannot reset streams in state {self._state.value}")
        if not self._peer_reconfig:
            raise SctpStateError("the peer does not support stream reset (RFC 6525)")
        ids = list(dict.fromkeys(stream_ids))
        for sid in ids:
            if not 0 <= sid < self._outbound_streams:
                raise SctpUsageError(f"stream {sid} is not an outbound stream")
        ids = [sid for sid in ids if sid not in self._reset_wanted]
        self._queue.begin_reset(ids)
        for sid in ids:
            self._reset_wanted[sid] = None

    def shutdown(self, now: float) -> None:
        """Graceful close (§9.2): send what is queued, then SHUTDOWN."""
        if self._state in (_S.CLOSED, _S.COOKIE_WAIT, _S.COOKIE_ECHOED):
            self._terminate(now, Closed("shutdown before the association was established"))
            return
        if self._state is _S.ESTABLISHED:
            self._state = _S.SHUTDOWN_PENDING
            self._maybe_shutdown(now)

    def abort(self, now: float, reason: str = "") -> None:
        """Abort (§9.1): send ABORT with a User-Initiated Abort cause and close at once."""
        if self._closed:
            return
        if self._peer_tag:
            causes = (user_abort_cause(reason),) if reason else ()
            self._queue_control(self._peer_tag, AbortChunk(causes).encode())
        self._terminate(now, Aborted(reason or "aborted by the application", by_peer=False))

    # ---------------------------------------------------------------- event queue

    def next_event(self) -> SctpEvent | None:
        if not self._events:
            return None
        event = self._events.popleft()
        if type(event) is MessageReceived:
            reasm = self._reassembly
            reasm.taken(event)
            # §6.2: when the window reopens after we advertised it nearly closed, tell the
            # peer at once rather than leaving it to zero-window probes.
            if self._last_a_rwnd < self._full_payload * 4 and self._state in _DATA_STATES:
                free = self.config.receive_buffer - reasm.held - reasm.undelivered
                if free - self._last_a_rwnd >= self.config.receive_buffer // 4:
                    self._sack_now = True
        return event

    # ---------------------------------------------------------------- timers

    def get_timer(self) -> float | None:
        deadline: float | None = None
        for timer in (
            self._t1,
            self._t2,
            self._t3,
            self._sack_timer,
            self._reconfig_timer,
            self._hb_timer,
        ):
            d = timer.deadline
            if d is not None and (deadline is None or d < deadline):
                deadline = d
        if self._pmtud is not None and self._state is _S.ESTABLISHED:
            d = self._pmtud.deadline()
            if d is not None and (deadline is None or d < deadline):
                deadline = d
        return deadline

    def handle_timer(self, now: float) -> None:
        if self._closed:
            return
        if self._t1.expired(now):
            self._on_t1(now)
        if self._closed:
            return
        if self._t3.expired(now):
            self._on_t3(now)
        if self._closed:
            return
        if self._sack_timer.expired(now):
            self._sack_now = True
        if self._t2.expired(now):
            self._on_t2(now)
        if self._closed:
            return
        if self._reconfig_timer.expired(now):
            self._on_reconfig_timer(now)
        if self._closed:
            return
        if self._hb_timer.expired(now):
            self._on_heartbeat_timer(now)
        if self._pmtud is not None:
            self._pmtud.on_timer(now)

    def _on_t1(self, now: float) -> None:
        """T1-init / T1-cookie expiry (§5.1 C, §6.3.3 with Max.Init.Retransmits)."""
        self._t1_count += 1
        if self._t1_count > self.config.max_init_retransmits:
            self._terminate(now, Closed("the handshake timed out (Max.Init.Retransmits)"))
            return
        self._t1_duration = min(self._t1_duration * 2, self.config.rto_max)
        self._count("t1_expiries")
        if self._state is _S.COOKIE_WAIT:
            self._send_init(now)
        elif self._state is _S.COOKIE_ECHOED:
            self._queue_control(self._peer_tag, CookieEchoChunk(self._cookie).encode())
            self._t1.start(now, self._t1_duration)

    def _on_t3(self, now: float) -> None:
        """T3-rtx expiry (§6.3.3 E1-E3, §7.2.3)."""
        if not self._outstanding or self._state not in _DATA_STATES:
            return
        self._count("t3_expiries")
        # §6.1: probes of a closed window are no errors while the peer keeps acknowledging.
        probing = self._peer_rwnd == 0 and self._last_sack_at >= self._last_t3_at
        self._last_t3_at = now
        if not probing and self._note_error(now, "retransmission timeout"):
            return
        self._cc.on_timeout()
        self._rto.back_off()
        self._rtt_probe = None
        self._fast_pending = False
        marked = False
        for s in self._outstanding.values():
            if s.acked or s.abandoned:
                continue
            if self._should_abandon(s, now):
                self._abandon(s.msg)
                continue
            if s.in_flight:
                s.in_flight = False
                self._flight -= s.size
            if not s.retransmit:
                s.retransmit = True
                self._retx.append(s.tsn)
                marked = True
        if marked:
            self._retx.sort()
        self._advance_peer_ack_point()
        if self._adv_ack > self._cum_ack:
            self._fwd_due = True
        if self._outstanding:
            self._t3.start(now, self._rto.rto)

    def _on_t2(self, now: float) -> None:
        """T2-shutdown expiry (§9.2): resend SHUTDOWN or SHUTDOWN ACK."""
        if self._note_error(now, "shutdown timeout"):
            return
        self._rto.back_off()
        if self._state is _S.SHUTDOWN_SENT:
            self._queue_control(
                self._peer_tag, ShutdownChunk(self._received.cumulative & TSN_MASK).encode()
            )
        elif self._state is _S.SHUTDOWN_ACK_SENT:
            self._queue_control(self._peer_tag, ShutdownAckChunk().encode())
        else:
            return
        self._t2.start(now, self._rto.rto)

    def _on_reconfig_timer(self, now: float) -> None:
        """RFC 6525 §5.1.1: resend the request (same number after a timeout, a new one after
        an "in progress" answer)."""
        if self._reset_request is None or self._state is not _S.ESTABLISHED:
            return
        if not self._reset_renumber and self._note_error(now, "stream reset timeout"):
            return
        self._reset_due = True

    def _on_heartbeat_timer(self, now: float) -> None:
        """§8.3: probe an idle association; an unanswered probe counts as an error."""
        interval = self.config.heartbeat_interval
        if interval is None or self._state is not _S.ESTABLISHED:
            return
        if self._hb_nonce is not None:
            self._hb_nonce = None
            if self._note_error(now, "heartbeat unanswered"):
                return
        if now - self._last_data_sent >= interval or not self._outstanding:
            self._hb_nonce = self._rng.getrandbits(64)
            self._hb_sent_at = now
            info = _HEARTBEAT_INFO.pack(now, self._hb_nonce)
            self._queue_control(self._peer_tag, HeartbeatChunk(info).encode())
        self._hb_timer.start(now, interval + self._rto.rto)

    def _note_error(self, now: float, what: str) -> bool:
        """Count an association error (§8.1); close when Association.Max.Retrans is passed."""
        self._error_count += 1
        limit = self.config.max_retransmissions
        if limit is not None and self._error_count > limit:
            if self._peer_tag:
                cause = protocol_violation_cause(f"too many retransmissions ({what})")
                self._queue_control(self._peer_tag, AbortChunk((cause,)).encode())
            self._terminate(now, Closed(f"peer unreachable: {what} (Association.Max.Retrans)"))
            return True
        return False

    # ---------------------------------------------------------------- termination

    def _terminate(self, now: float, event: Closed) -> None:
        if self._closed:
            return
        self._closed = True
        self._state = _S.CLOSED
        for timer in (
            self._t1,
            self._t2,
            self._t3,
            self._sack_timer,
            self._reconfig_timer,
            self._hb_timer,
        ):
            timer.stop()
        self._outstanding.clear()
        self._retx.clear()
        self._flight = 0
        self._queue = OutboundQueue()
        self._events.append(event)

    # ---------------------------------------------------------------- handshake

    def _init_params(self) -> list[Param]:
        cfg = self.config
        params: list[Param] = []
        extensions: list[int] = []
        if cfg.reconfig:
            extensions.append(ChunkType.RE_CONFIG)
        if cfg.forward_tsn:
            extensions.append(ChunkType.FORWARD_TSN)
            params.append(Param(ParamType.FORWARD_TSN_SUPPORTED, b""))
        if cfg.interleaving:
            # RFC 8260 §2.2.1, §2.3.1: I-DATA, and I-FORWARD-TSN along with PR-SCTP.
            extensions.append(ChunkType.I_DATA)
            if cfg.forward_tsn:
                extensions.append(ChunkType.I_FORWARD_TSN)
        if extensions:
            params.insert(0, supported_extensions_param(extensions))
        return params

    def _init_only_params(self) -> list[Param]:
        if self._preservative <= 0:
            return []
        msec = min(int(self._preservative * 1000) + 1, 0xFFFFFFFF)
        return [Param(ParamType.COOKIE_PRESERVATIVE, struct.pack("!I", msec))]

    def _send_init(self, now: float) -> None:
        cfg = self.config
        init = InitChunk(
            initiate_tag=self._local_tag,
            a_rwnd=cfg.receive_buffer,
            outbound_streams=cfg.outbound_streams,
            inbound_streams=cfg.inbound_streams,
            initial_tsn=self._local_initial_tsn,
            params=tuple(self._init_only_params() + self._init_params()),
        )
        self._queue_control(0, init.encode(), alone=True)
        self._t1.start(now, self._t1_duration)

    def _features(self, chunk: InitChunk | InitAckChunk) -> tuple[bool, bool, bool]:
        """(PR-SCTP, stream reset, I-DATA) as negotiated with the peer's INIT / INIT ACK.

        I-DATA needs both sides to list it (RFC 8260 §2.2.1); with it, PR-SCTP means
        I-FORWARD-TSN, which the peer must list as well (§2.3.1)."""
        cfg = self.config
        extensions = chunk.supported_extensions
        idata = cfg.interleaving and ChunkType.I_DATA in extensions
        if idata:
            forward = cfg.forward_tsn and ChunkType.I_FORWARD_TSN in extensions
        else:
            forward = cfg.forward_tsn and chunk.forward_tsn_supported
        reconfig = cfg.reconfig and ChunkType.RE_CONFIG in extensions
        return forward, reconfig, idata

    def _on_init(self, now: float, init: InitChunk) -> None:
        """§5.1 B / §5.2.1: answer INIT with an INIT ACK carrying a State Cookie. We use one
        tag and initial TSN for the life of this object, which is what §5.2.1 asks of the
        COOKIE-WAIT and COOKIE-ECHOED answers."""
        if self._state not in (_S.CLOSED, _S.COOKIE_WAIT, _S.COOKIE_ECHOED) or self._closed:
            # An INIT in an established association would be a restart (§5.2.2), which a
            # WebRTC peer never does inside one DTLS connection.
            self._count("init_ignored")
            return
        if init.initiate_tag == 0 or init.outbound_streams == 0 or init.inbound_streams == 0:
            # §3.3.2: a zero Initiate Tag or stream count is a protocol error.
            self._count("init_invalid")
            return
        cfg = self.config
        forward, reconfig, idata = self._features(init)
        lifetime = cfg.cookie_lifetime
        preservative = init.param(ParamType.COOKIE_PRESERVATIVE)
        if preservative is not None and len(preservative) == 4:
            # §5.2.6 / §3.3.2.1: honour a suggested increment, up to one more lifetime.
            lifetime += min(struct.unpack("!I", preservative)[0] / 1000, cfg.cookie_lifetime)
        state = CookieState(
            local_tag=self._local_tag,
            peer_tag=init.initiate_tag,
            local_initial_tsn=self._local_initial_tsn,
            peer_initial_tsn=init.initial_tsn,
            peer_a_rwnd=init.a_rwnd,
            outbound_streams=min(cfg.outbound_streams, init.inbound_streams),
            inbound_streams=min(cfg.inbound_streams, init.outbound_streams),
            peer_forward_tsn=forward,
            peer_reconfig=reconfig,
            peer_idata=idata,
            created=now,
            lifetime=lifetime,
        )
        params = [Param(ParamType.STATE_COOKIE, state.encode(self._cookie_key))]
        params.extend(self._init_params())
        unrecognized = _unrecognized_params(init.params)
        if unrecognized:
            params.extend(Param(ParamType.UNRECOGNIZED_PARAMETER, p) for p in unrecognized)
        ack = InitAckChunk(
            initiate_tag=self._local_tag,
            a_rwnd=cfg.receive_buffer,
            outbound_streams=cfg.outbound_streams,
            inbound_streams=cfg.inbound_streams,
            initial_tsn=self._local_initial_tsn,
            params=tuple(params),
        )
        self._queue_control(init.initiate_tag, ack.encode(), alone=True)
        self._count("init_answered")

    def _on_init_ack(self, now: float, ack: InitAckChunk) -> None:
        """§5.1 C: in COOKIE-WAIT, take the peer's values and echo its cookie."""
        if self._state is not _S.COOKIE_WAIT:
            self._count("init_ack_ignored")
            return
        cookie = ack.state_cookie
        if ack.initiate_tag == 0 or ack.outbound_streams == 0 or ack.inbound_streams == 0:
            self._count("init_ack_invalid")
            return
        if cookie is None:
            # §5.1 C: a missing mandatory parameter ends the attempt.
            cause = ErrorCause(CauseCode.MISSING_MANDATORY_PARAMETER, b"\x00\x00\x00\x01\x00\x07")
            self._queue_control(ack.initiate_tag, AbortChunk((cause,)).encode())
            self._terminate(now, Aborted("INIT ACK without a State Cookie", by_peer=False))
            return
        cfg = self.config
        forward, reconfig, idata = self._features(ack)
        self._set_peer(
            peer_tag=ack.initiate_tag,
            peer_initial_tsn=ack.initial_tsn,
            peer_rwnd=ack.a_rwnd,
            outbound=min(cfg.outbound_streams, ack.inbound_streams),
            inbound=min(cfg.inbound_streams, ack.outbound_streams),
            forward=forward,
            reconfig=reconfig,
            idata=idata,
        )
        self._cookie = cookie
        self._state = _S.COOKIE_ECHOED
        self._t1.stop()
        self._t1_count = 0
        self._t1_duration = cfg.rto_initial
        self._queue_control(self._peer_tag, CookieEchoChunk(cookie).encode())
        self._t1.start(now, self._t1_duration)

    def _on_cookie_echo(self, now: float, vtag: int, echo: CookieEchoChunk) -> bool:
        """§5.1 D, §5.1.5, §5.2.4. Returns whether the rest of the packet may be processed."""
        try:
            st = open_cookie(self._cookie_key, echo.cookie, now)
        except StaleCookieError as exc:
            self._count("cookie_stale")
            if vtag == self._local_tag and exc.peer_tag:
                chunk = ErrorChunk((stale_cookie_cause(exc.staleness),)).encode()
                self._queue_control(exc.peer_tag, chunk)
            return False
        except InvalidCookieError:
            self._count("cookie_invalid")
            return False
        if vtag != st.local_tag or st.local_tag != self._local_tag:
            # §5.1.5 step 3: the packet's tag must be the one the cookie was made for.
            self._count("cookie_wrong_tag")
            return False
        if self._closed:
            return False
        state = self._state
        if state in (_S.CLOSED, _S.COOKIE_WAIT, _S.COOKIE_ECHOED):
            # No TCB, or the §5.2.4 setup collision (case B) / both tags match (case D):
            # the cookie holds the peer's values either way.
            self._set_peer(
                peer_tag=st.peer_tag,
                peer_initial_tsn=st.peer_initial_tsn,
                peer_rwnd=st.peer_a_rwnd,
                outbound=st.outbound_streams,
                inbound=st.inbound_streams,
                forward=st.peer_forward_tsn,
                reconfig=st.peer_reconfig,
                idata=st.peer_idata and self.config.interleaving,
            )
            self._queue_control(self._peer_tag, CookieAckChunk().encode())
            self._enter_established(now)
            return True
        if st.peer_tag == self._peer_tag:
            # §5.2.4 case D in ESTABLISHED: our COOKIE ACK was lost.
            self._queue_control(self._peer_tag, CookieAckChunk().encode())
            return True
        self._count("cookie_ignored")
        return False

    def _on_cookie_ack(self, now: float) -> None:
        if self._state is _S.COOKIE_ECHOED:
            self._enter_established(now)

    def _set_peer(
        self,
        *,
        peer_tag: int,
        peer_initial_tsn: int,
        peer_rwnd: int,
        outbound: int,
        inbound: int,
        forward: bool,
        reconfig: bool,
        idata: bool,
    ) -> None:
        self._peer_tag = peer_tag
        self._outbound_streams = outbound
        self._inbound_streams = inbound
        self._peer_forward_tsn = forward
        self._peer_reconfig = reconfig
        self._idata = idata
        if idata and not isinstance(self._reassembly, InterleavedReassembly):
            self._reassembly = InterleavedReassembly(self._events, self.config.max_message_size)
        self._peer_rwnd = peer_rwnd
        self._cc = CongestionControl(self._mtu, peer_rwnd)
        self._received = ReceivedTsns(
            peer_initial_tsn - 1, max_duplicates=self.config.max_duplicates
        )
        # RFC 6525 §5.2.1: the peer numbers its requests from its initial TSN.
        self._peer_reconfig_next = peer_initial_tsn

    def _enter_established(self, now: float) -> None:
        self._state = _S.ESTABLISHED
        self._t1.stop()
        self._count("established")
        self._events.append(
            Connected(
                self._outbound_streams,
                self._inbound_streams,
                self._peer_forward_tsn,
                self._peer_reconfig,
            )
        )
        if self.config.heartbeat_interval is not None:
            self._hb_timer.start(now, self.config.heartbeat_interval + self._rto.rto)
        self._last_data_sent = now
        if self._pmtud is not None:
            self._pmtud.start(now)

    # ---------------------------------------------------------------- receiving

    def handle_packet(self, now: float, data: bytes) -> None:
        """Process one SCTP packet (the payload of one DTLS record). Never raises on its
        contents: malformed, misaddressed or unauthenticated packets are counted in
        :attr:`stats` and dropped (§8.4, §8.5, §11)."""
        if type(data) is not bytes:
            data = bytes(data)
        if self._closed:
            self._count("packets_after_close")
            return
        n = len(data)
        if n < COMMON_HEADER_LENGTH + 4:
            self._count("packets_malformed")
            return
        source, destination, vtag = COMMON_HEADER.unpack_from(data, 0)
        view = memoryview(data)
        crc = crc32c(_ZERO4, crc32c(view[:8]))
        if crc32c(view[12:], crc) != CHECKSUM.unpack_from(data, 8)[0]:
            self._count("packets_bad_checksum")
            return
        if destination != self.config.local_port or source != self.config.remote_port:
            self._count("packets_wrong_port")
            return
        try:
            bounds = split_chunks(data, COMMON_HEADER_LENGTH)
        except SctpParseError:
            self._count("packets_malformed")
            return
        try:
            self._process(now, data, vtag, bounds)
        except SctpEncodeError:
            # An answer that cannot be encoded (an INIT ACK reporting 64 KiB of unrecognized
            # parameters): the packet that asked for it is dropped, never raised.
            self._count("packets_unanswerable")

    def _process(
        self, now: float, data: bytes, vtag: int, bounds: list[tuple[int, int, int, int]]
    ) -> None:
        first_type = bounds[0][0]
        if first_type == ChunkType.INIT:
            # §8.5.1 A: INIT travels alone, with a zero tag.
            if len(bounds) != 1 or vtag != 0:
                self._count("packets_bad_tag")
                return
            chunk = self._decode(data, bounds[0])
            if isinstance(chunk, InitChunk):
                self._on_init(now, chunk)
            return
        tag_ok = vtag == self._local_tag and self._state is not _S.CLOSED
        if not tag_ok and first_type not in (
            ChunkType.COOKIE_ECHO,
            ChunkType.ABORT,
            ChunkType.SHUTDOWN_COMPLETE,
        ):
            self._count("packets_bad_tag")
            return
        had_data = False
        for bound in bounds:
            ctype, flags, start, length = bound
            if self._closed:
                return
            if ctype == ChunkType.DATA:
                if not tag_ok:
                    return
                if self._idata:
                    # RFC 8260 §2.2.1: with I-DATA negotiated, DATA must not be used.
                    reason = "DATA chunk after I-DATA was negotiated"
                    self._protocol_abort(now, protocol_violation_cause(reason), reason)
                    return
                if length < DATA_HEADER_LENGTH:
                    self._count("chunks_malformed")
                    return
                had_data = True
                tsn, sid, ssn, ppid = DATA_FIELDS.unpack_from(data, start + 4)
                if length == DATA_HEADER_LENGTH:
                    self._protocol_abort(now, no_user_data_cause(tsn), "DATA without user data")
                    return
                self._on_data(now, tsn, flags, sid, ssn, ppid, data[start + 16 : start + length])
                if self._closed:
                    return  # aborted: a message that can never fit
                continue
            if ctype == _I_DATA and self._idata:
                if not tag_ok:
                    return
                if length < IDATA_HEADER_LENGTH:
                    self._count("chunks_malformed")
                    return
                had_data = True
                tsn, sid, _reserved, mid, field = IDATA_FIELDS.unpack_from(data, start + 4)
                if length == IDATA_HEADER_LENGTH:
                    self._protocol_abort(now, no_user_data_cause(tsn), "I-DATA without user data")
                    return
                self._on_idata(tsn, flags, sid, mid, field, data[start + 20 : start + length])
                continue
            if ctype == ChunkType.SACK:
                if not tag_ok:
                    return
                try:
                    sack = parse_sack(memoryview(data)[start + 4 : start + length])
                except SctpParseError:
                    self._count("chunks_malformed")
                    return
                self._on_sack(now, sack.cumulative_tsn, sack.a_rwnd, sack.gaps)
                continue
            chunk = self._decode(data, bound)
            if chunk is None:
                return
            if isinstance(chunk, CookieEchoChunk):
                if not self._on_cookie_echo(now, vtag, chunk):
                    return
                tag_ok = True
                continue
            if isinstance(chunk, AbortChunk):
                expected = self._peer_tag if chunk.reflected else self._local_tag
                if (
                    vtag != expected
                    or (chunk.reflected and not self._peer_tag)
                    or self._state is _S.CLOSED
                ):
                    # §8.5.1 B; with no association at all it is out of the blue (§8.4).
                    self._count("abort_ignored")
                    return
                reason = "; ".join(describe_cause(c) for c in chunk.causes) or "aborted by peer"
                self._terminate(now, Aborted(reason, by_peer=True))
                return
            if isinstance(chunk, ShutdownCompleteChunk):
                expected = self._peer_tag if chunk.reflected else self._local_tag
                if vtag == expected and self._state is _S.SHUTDOWN_ACK_SENT:
                    self._terminate(now, Closed("shutdown complete"))
                return
            if not tag_ok:
                return
            if not self._dispatch(now, chunk):
                return
        if had_data:
            self._after_data(now)

    def _decode(self, data: bytes, bound: tuple[int, int, int, int]) -> Chunk | None:
        ctype, flags, start, length = bound
        try:
            chunk = parse_chunk(ctype, flags, memoryview(data)[start + 4 : start + length])
        except SctpParseError:
            self._count("chunks_malformed")
            return None
        return chunk

    def _dispatch(self, now: float, chunk: Chunk) -> bool:
        """Handle one control chunk; ``False`` stops processing the packet (§3.2)."""
        if isinstance(chunk, InitAckChunk):
            self._on_init_ack(now, chunk)
        elif isinstance(chunk, CookieAckChunk):
            self._on_cookie_ack(now)
        elif isinstance(chunk, HeartbeatChunk):
            # §8.3: answer with the info unchanged.
            if self._peer_tag:
                self._queue_control(self._peer_tag, HeartbeatAckChunk(chunk.info).encode())
        elif isinstance(chunk, HeartbeatAckChunk):
            self._on_heartbeat_ack(now, chunk.info)
        elif isinstance(chunk, ForwardTsnChunk):
            if self._idata:
                # RFC 8260 §2.3.1: I-FORWARD-TSN replaces it; a FORWARD-TSN cannot name MIDs.
                self._count("forward_tsn_ignored")
            else:
                self._on_forward_tsn(chunk)
        elif isinstance(chunk, IForwardTsnChunk) and self._idata:
            self._on_iforward_tsn(chunk)
        elif isinstance(chunk, ReconfigChunk):
            self._on_reconfig(now, chunk)
        elif isinstance(chunk, ShutdownChunk):
            self._on_shutdown(now, chunk)
        elif isinstance(chunk, ShutdownAckChunk):
            self._on_shutdown_ack(now)
        elif isinstance(chunk, ErrorChunk):
            self._on_error(now, chunk)
        elif isinstance(chunk, InitChunk):
            self._count("init_bundled")
            return False
        else:
            return self._on_unknown(chunk)
        return True

    def _on_unknown(self, chunk: Chunk) -> bool:
        """§3.2: the upper two bits of an unrecognized type say stop/skip and report/not."""
        ctype = chunk.type if isinstance(chunk, UnknownChunk) else chunk.TYPE
        if ctype == ChunkType.PAD:
            self._count("pad_chunks")  # RFC 4820: padding (a PLPMTUD probe), nothing to do
            return True
        self._count("chunks_unrecognized")
        action = ctype >> 6
        if action in (1, 3) and self._peer_tag:
            raw = chunk.encode()
            limit = self._mtu - COMMON_HEADER_LENGTH - 8 - 4
            cause = unrecognized_chunk_cause(raw[:limit])
            self._queue_control(self._peer_tag, ErrorChunk((cause,)).encode())
        return action >= 2

    def _protocol_abort(self, now: float, cause: ErrorCause, reason: str) -> None:
        if self._peer_tag:
            self._queue_control(self._peer_tag, AbortChunk((cause,)).encode())
        self._count("protocol_violations")
        self._terminate(now, Aborted(f"protocol violation: {reason}", by_peer=False))

    # ---------------------------------------------------------------- DATA in

    def _on_data(
        self, now: float, tsn: int, flags: int, sid: int, ssn: int, ppid: int, payload: bytes
    ) -> None:
        """§6.2: accept, acknowledge and reassemble one DATA chunk.

        Memory bound: a chunk is accepted while the held and undelivered bytes stay within
        the receive buffer. The chunk right after the cumulative ack may exceed it by up to
        one largest message, so an association whose buffer filled with out-of-order data
        can still fill its hole and drain (instead of deadlocking, cf. §6.2's "drop the
        largest TSN held" advice).
        """
        if self._state not in _DATA_STATES:
            self._count("data_wrong_state")
            return
        rec = self._received
        cum = rec.cumulative
        u = cum + ((tsn - cum + 0x80000000) & TSN_MASK) - 0x80000000
        if u <= cum:
            rec.add(u)
            self._sack_now = True
            self._count("data_duplicates")
            return
        if u - cum > _MAX_TSN_WINDOW:
            self._count("data_outside_window")
            self._sack_now = True
            return
        reasm = self._reassembly
        cost = len(payload) + ENTRY_OVERHEAD
        used = reasm.held + reasm.undelivered + cost
        limit = self.config.receive_buffer
        if used > limit and (
            u != cum + 1 or used > limit + self.config.max_message_size + self._full_payload
        ):
            self._count("data_dropped_buffer_full")
            self._sack_now = True
            hard = limit + self.config.max_message_size + self._full_payload
            if u == cum + 1 and reasm.held + cost > hard:
                # Not even the next chunk in sequence fits, and held fragments alone (not
                # the application's unread backlog) fill the buffer: only a message beyond
                # our a=max-message-size does that (RFC 8841 §6.1). It can never complete,
                # and waiting would stall every stream for ever: end the association.
                self._protocol_abort(
                    now,
                    protocol_violation_cause("message larger than max-message-size"),
                    "peer sent a message larger than max-message-size",
                )
            return
        previous_received = u - 1 <= cum or rec.is_received(u - 1)
        if not rec.add(u):
            self._sack_now = True
            self._count("data_duplicates")
            return
        if sid >= self._inbound_streams:
            # §3.3.10.1: acknowledge the TSN, drop the data, report the stream.
            self._count("data_invalid_stream")
            self._queue_control(self._peer_tag, ErrorChunk((invalid_stream_cause(sid),)).encode())
            reasm.drop_orphans(rec.cumulative)
            return
        if reasm.is_orphan(u, flags, previous_received):
            reasm.dropped += 1
            self._count("data_orphan_fragments")
            return
        reasm.add(u, flags, sid, ssn, ppid, payload)
        if flags & FLAG_IMMEDIATE:
            self._sack_now = True

    def _on_idata(
        self, tsn: int, flags: int, sid: int, mid: int, field: int, payload: bytes
    ) -> None:
        """RFC 8260 §2.2.3: :meth:`_on_data` for an I-DATA chunk (same acceptance, window and
        memory bound); reassembly is by (stream, U bit, MID) instead of by TSN."""
        if self._state not in _DATA_STATES:
            self._count("data_wrong_state")
            return
        rec = self._received
        cum = rec.cumulative
        u = cum + ((tsn - cum + 0x80000000) & TSN_MASK) - 0x80000000
        if u <= cum:
            rec.add(u)
            self._sack_now = True
            self._count("data_duplicates")
            return
        if u - cum > _MAX_TSN_WINDOW:
            self._count("data_outside_window")
            self._sack_now = True
            return
        reasm = self._reassembly
        cost = len(payload) + ENTRY_OVERHEAD
        used = reasm.held + reasm.undelivered + cost
        limit = self.config.receive_buffer
        if used > limit and (
            u != cum + 1 or used > limit + self.config.max_message_size + self._full_payload
        ):
            self._count("data_dropped_buffer_full")
            self._sack_now = True
            return
        if not rec.add(u):
            self._sack_now = True
            self._count("data_duplicates")
            return
        if sid >= self._inbound_streams:
            self._count("data_invalid_stream")
            self._queue_control(self._peer_tag, ErrorChunk((invalid_stream_cause(sid),)).encode())
            return
        assert isinstance(reasm, InterleavedReassembly)
        if flags & FLAG_BEGIN:
            reasm.add_fragment(flags, sid, mid, 0, field, payload)
        else:
            reasm.add_fragment(flags, sid, mid, field, 0, payload)
        if flags & FLAG_IMMEDIATE:
            self._sack_now = True

    def _after_data(self, now: float) -> None:
        """§6.2: SACK at least every second packet with DATA and within the delay; §6.7: at
        once while there are gaps."""
        if self._deferred_reset is not None:
            self._check_deferred_reset()
        self._data_packets += 1
        if (
            self._sack_now
            or self._received.has_gaps
            or self._data_packets >= self.config.sack_every
        ):
            self._sack_now = True
        elif not self._sack_timer.running:
            self._sack_timer.start(now, self.config.sack_delay)

    def _build_sack(self) -> bytes:
        rec = self._received
        reasm = self._reassembly
        a_rwnd = max(0, self.config.receive_buffer - reasm.held - reasm.undelivered)
        self._last_a_rwnd = a_rwnd
        cum = rec.cumulative
        gaps = rec.gap_blocks(self.config.max_gap_blocks) if rec.has_gaps else []
        dups = [d & TSN_MASK for d in rec.take_duplicates()] if rec.duplicates else []
        self._sack_now = False
        self._data_packets = 0
        self._sack_timer.stop()
        self._count("sacks_sent")
        return encode_sack(cum & TSN_MASK, a_rwnd, gaps, dups)

    def _on_forward_tsn(self, chunk: ForwardTsnChunk) -> None:
        """RFC 3758 §3.6: skip to the new cumulative TSN and past the listed SSNs."""
        if self._state not in _DATA_STATES:
            return
        self._sack_now = True
        if not self.config.forward_tsn:
            return
        rec = self._received
        cum = rec.cumulative
        new = cum + ((chunk.new_cumulative_tsn - cum + 0x80000000) & TSN_MASK) - 0x80000000
        if new <= cum:
            return
        if new - cum > _MAX_TSN_WINDOW + 1 and new > rec.highest:
            # Skipping TSNs the peer cannot have sent within our window is no FORWARD-TSN a
            # conforming sender makes; keep the association sane.
            self._count("forward_tsn_outside_window")
            return
        self._count("forward_tsn_received")
        rec.forward(new)
        # Only what the peer skipped goes: TSNs above ``new`` that the ack point absorbed
        # arrived and may be parts of messages still being reassembled.
        self._reassembly.forward(new, chunk.streams)
        if self._deferred_reset is not None:
            self._check_deferred_reset()

    def _on_iforward_tsn(self, chunk: IForwardTsnChunk) -> None:
        """RFC 8260 §2.3.1: :meth:`_on_forward_tsn` with (stream, U bit, MID) entries."""
        if self._state not in _DATA_STATES:
            return
        self._sack_now = True
        if not self.config.forward_tsn or not self._peer_forward_tsn:
            return
        rec = self._received
        cum = rec.cumulative
        new = cum + ((chunk.new_cumulative_tsn - cum + 0x80000000) & TSN_MASK) - 0x80000000
        if new <= cum:
            return
        if new - cum > _MAX_TSN_WINDOW + 1 and new > rec.highest:
            self._count("forward_tsn_outside_window")
            return
        self._count("forward_tsn_received")
        rec.forward(new)
        reasm = self._reassembly
        assert isinstance(reasm, InterleavedReassembly)
        reasm.forward_interleaved(chunk.streams)
        if self._deferred_reset is not None:
            self._check_deferred_reset()

    # ---------------------------------------------------------------- SACK in

    def _on_sack(
        self, now: float, cum_tsn: int, a_rwnd: int, gaps: tuple[tuple[int, int], ...]
    ) -> None:
        """§6.2.1 processing of a received SACK, with §7.2 congestion control."""
        if self._state not in _DATA_STATES:
            return
        old = self._cum_ack
        cum = old + ((cum_tsn - old + 0x80000000) & TSN_MASK) - 0x80000000
        if cum < old:
            self._count("sacks_stale")
            return
        if cum >= self._next_tsn:
            self._count("sacks_beyond_sent")
            return
        self._last_sack_at = now
        outstanding = self._outstanding
        flight_before = self._flight
        newly = 0
        htna = -1
        if cum > old:
            probe = self._rtt_probe
            for t in range(old + 1, cum + 1):
                s = outstanding.pop(t)
                if s.in_flight:
                    self._flight -= s.size
                if not s.acked and not s.abandoned:
                    newly += s.size
                if s is probe:
                    self._rtt_probe = None
                    if s.transmissions == 1 and not s.abandoned:
                        self._rto.observe(now - s.sent_at)
            self._cum_ack = cum
            htna = cum
            self._error_count = 0
            self._cc.on_cumulative_ack(cum)
        if gaps:
            highest = self._next_tsn - 1
            for start, end in gaps:
                if start < 1 or end < start:
                    continue
                for t in range(cum + start, min(cum + end, highest) + 1):
                    s = outstanding[t]
                    if s.acked:
                        continue
                    s.acked = True
                    if s.in_flight:
                        s.in_flight = False
                        self._flight -= s.size
                    s.retransmit = False
                    if not s.abandoned:
                        newly += s.size
                    if t > htna:
                        htna = t
                    if s is self._rtt_probe:
                        self._rtt_probe = None
                        if s.transmissions == 1 and not s.abandoned:
                            self._rto.observe(now - s.sent_at)
            first = outstanding.get(cum + 1)
            if first is not None and first.acked:
                self._renege(cum, gaps)
            if htna > cum + 1:
                self._count_misses(now, htna)
        elif outstanding:
            first = outstanding.get(cum + 1)
            if first is not None and first.acked:
                self._renege(cum, gaps)
        self._peer_rwnd = max(0, a_rwnd - self._flight)
        self._cc.on_ack(newly, cum > old, flight_before)
        if not outstanding:
            self._cc.on_all_acked()
            self._t3.stop()
        elif cum > old:
            self._t3.start(now, self._rto.rto)
        if self._peer_forward_tsn:
            self._advance_peer_ack_point()
            if self._adv_ack > cum and (
                self._adv_ack > self._fwd_sent_point
                or now - self._fwd_sent_at >= (self._rto.srtt or self._rto.rto)
            ):
                self._fwd_due = True
        if self._state is not _S.ESTABLISHED:
            self._maybe_shutdown(now)

    def _renege(self, cum: int, gaps: tuple[tuple[int, int], ...]) -> None:
        """The peer dropped data it had acknowledged in gap blocks (§6.2 allows it): forget
        those acknowledgements so T3-rtx retransmits them."""
        self._count("renege_detected")
        covered: set[int] = set()
        for start, end in gaps:
            if 1 <= start <= end:
                covered.update(range(cum + start, cum + end + 1))
        for t, s in self._outstanding.items():
            if s.acked and t not in covered:
                s.acked = False

    def _count_misses(self, now: float, htna: int) -> None:
        """§7.2.4: one miss indication for every unacknowledged TSN below the highest newly
        acknowledged one; the third marks it for fast retransmit."""
        marked = False
        for t, s in self._outstanding.items():
            if t >= htna:
                break
            if s.acked or s.abandoned or s.retransmit or s.fast_done:
                continue
            s.misses += 1
            if s.misses < 3:
                continue
            if self._should_abandon(s, now):
                self._abandon(s.msg)
                continue
            s.retransmit = True
            s.fast_done = True
            if s.in_flight:
                s.in_flight = False
                self._flight -= s.size
            self._retx.append(t)
            marked = True
        if marked:
            self._retx.sort()
            self._count("fast_retransmits")
            self._cc.on_fast_retransmit(self._next_tsn - 1)
            self._fast_pending = True

    # ---------------------------------------------------------------- PR-SCTP

    def _should_abandon(self, s: _Sent, now: float) -> bool:
        """RFC 3758 §3.5 A1-A3 with webrtc-pc's two policies."""
        if not self._peer_forward_tsn:
            return False
        msg = s.msg
        if msg.max_retransmits is not None and s.transmissions > msg.max_retransmits:
            return True
        return msg.expires is not None and now >= msg.expires

    def _abandon(self, msg: OutboundMessage) -> None:
        """Abandon every fragment of ``msg`` (RFC 3758 §3.5 A3: the whole message)."""
        if msg.abandoned:
            return
        self._count("messages_abandoned")
        self._queue.abandon(msg)
        msg.abandoned = True
        first = msg.first_tsn
        if first is None:
            return
        outstanding = self._outstanding
        t = max(first, self._cum_ack + 1)
        if self._idata:
            # I-DATA fragments of one message need not have consecutive TSNs.
            for u in range(t, self._next_tsn):
                s = outstanding.get(u)
                if s is not None and s.msg is msg:
                    s.abandoned = True
                    s.retransmit = False
                    if s.in_flight:
                        s.in_flight = False
                        self._flight -= s.size
            return
        while True:
            s = outstanding.get(t)
            if s is None or s.msg is not msg:
                break
            s.abandoned = True
            s.retransmit = False
            if s.in_flight:
                s.in_flight = False
                self._flight -= s.size
            t += 1

    def _advance_peer_ack_point(self) -> None:
        """RFC 3758 §3.5 C1: move the Advanced.Peer.Ack.Point over abandoned chunks."""
        adv = max(self._adv_ack, self._cum_ack)
        outstanding = self._outstanding
        while True:
            s = outstanding.get(adv + 1)
            if s is None or not s.abandoned:
                break
            adv += 1
        self._adv_ack = adv

    def _build_forward_tsn(self, now: float) -> bytes:
        """RFC 3758 §3.5 C2-C4: the new cumulative TSN and the last SSN skipped per ordered
        stream."""
        outstanding = self._outstanding
        if self._idata:
            return self._build_iforward_tsn(now)
        streams: dict[int, int] = {}
        for t in range(self._cum_ack + 1, self._adv_ack + 1):
            s = outstanding.get(t)
            if s is not None and s.msg.ordered:
                streams[s.msg.stream_id] = s.msg.ssn
        self._fwd_due = False
        self._fwd_sent_point = self._adv_ack
        self._fwd_sent_at = now
        self._count("forward_tsn_sent")
        if not self._t3.running and outstanding:
            self._t3.start(now, self._rto.rto)
        return ForwardTsnChunk(self._adv_ack & TSN_MASK, tuple(streams.items())).encode()

    def _build_iforward_tsn(self, now: float) -> bytes:
        """RFC 8260 §2.3.1: per stream and U bit, the largest MID skipped."""
        skipped: dict[tuple[int, bool], int] = {}
        outstanding = self._outstanding
        for t in range(self._cum_ack + 1, self._adv_ack + 1):
            s = outstanding.get(t)
            if s is None:
                continue
            msg = s.msg
            key = (msg.stream_id, not msg.ordered)
            mid = skipped.get(key)
            if mid is None or (msg.ssn - mid) & 0xFFFFFFFF < 0x80000000:
                skipped[key] = msg.ssn
        self._fwd_due = False
        self._fwd_sent_point = self._adv_ack
        self._fwd_sent_at = now
        self._count("forward_tsn_sent")
        if not self._t3.running and outstanding:
            self._t3.start(now, self._rto.rto)
        entries = tuple((sid, unordered, mid) for (sid, unordered), mid in skipped.items())
        return IForwardTsnChunk(self._adv_ack & TSN_MASK, entries).encode()

    # ---------------------------------------------------------------- RE-CONFIG

    def _on_reconfig(self, now: float, chunk: ReconfigChunk) -> None:
        if self._state is not _S.ESTABLISHED or not self.config.reconfig:
            self._count("reconfig_ignored")
            return
        for param in chunk.params:
            if isinstance(param, OutgoingResetRequest):
                self._on_outgoing_reset_request(param)
            elif isinstance(param, ReconfigResponse):
                self._on_reconfig_response(now, param)
            elif isinstance(param, Param):
                self._count("reconfig_unknown_param")
            else:
                # Incoming SSN reset, SSN/TSN reset and adding streams: WebRTC does not use
                # them (RFC 8831 §6.7 closes channels with outgoing resets only).
                if self._check_request_seq(param.request_seq):
                    self._answer_request(param.request_seq, ReconfigResult.DENIED, advance=True)

    def _answer_request(self, seq: int, result: int, *, advance: bool) -> None:
        if advance:
            self._peer_reconfig_next += 1
            self._peer_last_result = result
        if len(self._reconfig_responses) < _MAX_CONTROL:
            self._reconfig_responses.append(ReconfigResponse(seq, result))

    def _check_request_seq(self, seq: int) -> bool:
        """RFC 6525 §5.2.1: only the next request is new; the one before is a duplicate."""
        expected = self._peer_reconfig_next & TSN_MASK
        if seq == expected:
            return True
        if seq == (expected - 1) & TSN_MASK:
            self._answer_request(seq, self._peer_last_result, advance=False)
        else:
            self._answer_request(seq, ReconfigResult.ERROR_BAD_SEQUENCE_NUMBER, advance=False)
        return False

    def _on_outgoing_reset_request(self, req: OutgoingResetRequest) -> None:
        """RFC 6525 §5.2.2: reset our incoming streams once everything the peer sent before
        the request arrived (E3). Until then (E2) answer "in progress" and keep the request:
        it is performed when the cumulative TSN reaches it, and a retry (renumbered, as
        dcSCTP does, or repeated, as usrsctp does) is answered accordingly."""
        if not self._check_request_seq(req.request_seq):
            return
        rec = self._received
        cum = rec.cumulative
        last = cum + ((req.last_tsn - cum + 0x80000000) & TSN_MASK) - 0x80000000
        streams = tuple(s for s in req.streams if s < self._inbound_streams)
        if last > cum:
            self._deferred_reset = OutgoingResetRequest(req.request_seq, 0, last, streams)
            self._answer_request(req.request_seq, ReconfigResult.IN_PROGRESS, advance=True)
            return
        self._deferred_reset = None
        if self._last_reset != (last, streams):
            self._perform_incoming_reset(last, streams)
        self._answer_request(req.request_seq, ReconfigResult.SUCCESS_PERFORMED, advance=True)

    def _perform_incoming_reset(self, last: int, streams: tuple[int, ...]) -> None:
        self._last_reset = (last, streams)
        self._reassembly.reset(streams)
        self._count("streams_reset_incoming")
        self._events.append(StreamReset(streams))

    def _check_deferred_reset(self) -> None:
        deferred = self._deferred_reset
        if deferred is not None and self._received.cumulative >= deferred.last_tsn:
            self._deferred_reset = None
            self._perform_incoming_reset(deferred.last_tsn, deferred.streams)
            if (deferred.request_seq + 1) & TSN_MASK == self._peer_reconfig_next & TSN_MASK:
                self._peer_last_result = ReconfigResult.SUCCESS_PERFORMED

    def _on_reconfig_response(self, now: float, resp: ReconfigResponse) -> None:
        req = self._reset_request
        if req is None or resp.response_seq != req.request_seq:
            return
        self._reconfig_timer.stop()
        self._reset_due = False
        self._error_count = 0
        streams = list(req.streams)
        if resp.result in (ReconfigResult.SUCCESS_PERFORMED, ReconfigResult.SUCCESS_NOTHING_TO_DO):
            self._reset_request = None
            self._queue.finish_reset(streams, performed=True)
            self._count("streams_reset_outgoing")
            self._events.append(OutgoingStreamsReset(req.streams))
        elif resp.result == ReconfigResult.IN_PROGRESS:
            self._reset_renumber = True
            self._reconfig_timer.start(now, self._rto.rto)
        else:
            self._count("streams_reset_refused")
            self._reset_request = None
            self._queue.finish_reset(streams, performed=False)

    def _build_reconfig(self, now: float) -> bytes | None:
        req = self._reset_request
        if req is None:
            wanted = list(self._reset_wanted)
            if not wanted or not self._queue.can_reset(wanted):
                return None
            self._reset_wanted.clear()
            req = OutgoingResetRequest(
                self._reconfig_seq & TSN_MASK,
                (self._peer_reconfig_next - 1) & TSN_MASK,
                (self._next_tsn - 1) & TSN_MASK,
                tuple(sorted(wanted)),
            )
            self._reconfig_seq += 1
            self._reset_request = req
        elif self._reset_due:
            if self._reset_renumber:
                req = OutgoingResetRequest(
                    self._reconfig_seq & TSN_MASK,
                    (self._peer_reconfig_next - 1) & TSN_MASK,
                    req.last_tsn,
                    req.streams,
                )
                self._reconfig_seq += 1
                self._reset_request = req
                self._reset_renumber = False
        else:
            return None
        self._reset_due = False
        self._reconfig_timer.start(now, self._rto.rto)
        return ReconfigChunk((req,)).encode()

    # ---------------------------------------------------------------- heartbeat, error

    def _on_heartbeat_ack(self, now: float, info: bytes) -> None:
        if len(info) == _PROBE_INFO.size and self._pmtud is not None:
            marker, nonce = _PROBE_INFO.unpack(info)
            if marker == _PROBE_MARKER:
                size = self._pmtud.on_ack(now, nonce)
                if size is not None and size > self._mtu:
                    self._set_mtu(size)
                return
        if len(info) != _HEARTBEAT_INFO.size or self._hb_nonce is None:
            return
        _sent_at, nonce = _HEARTBEAT_INFO.unpack(info)
        if nonce != self._hb_nonce:
            return
        self._hb_nonce = None
        self._error_count = 0
        self._rto.observe(now - self._hb_sent_at)

    def _on_error(self, now: float, chunk: ErrorChunk) -> None:
        for cause in chunk.causes:
            self._count(f"error_cause_{cause.code}")
            if cause.code == CauseCode.STALE_COOKIE and self._state is _S.COOKIE_ECHOED:
                # §5.2.6: start over with a new INIT carrying a Cookie Preservative (bounded
                # by Max.Init.Retransmits).
                self._stale_count += 1
                if self._stale_count > self.config.max_init_retransmits:
                    self._terminate(now, Closed("the State Cookie kept going stale"))
                    return
                if len(cause.info) == 4:
                    staleness = struct.unpack("!I", cause.info)[0] / 1e6
                    self._preservative = max(self._preservative, 2 * staleness)
                self._state = _S.COOKIE_WAIT
                self._peer_tag = 0
                self._send_init(now)

    # ---------------------------------------------------------------- shutdown

    def _maybe_shutdown(self, now: float) -> None:
        if self._outstanding or self._queue:
            return
        if self._state is _S.SHUTDOWN_PENDING:
            self._state = _S.SHUTDOWN_SENT
            chunk = ShutdownChunk(self._received.cumulative & TSN_MASK).encode()
            self._queue_control(self._peer_tag, chunk)
            self._t2.start(now, self._rto.rto)
            self._t3.stop()
        elif self._state is _S.SHUTDOWN_RECEIVED:
            self._state = _S.SHUTDOWN_ACK_SENT
            self._queue_control(self._peer_tag, ShutdownAckChunk().encode())
            self._t2.start(now, self._rto.rto)
            self._t3.stop()

    def _on_shutdown(self, now: float, chunk: ShutdownChunk) -> None:
        """§9.2: the peer's SHUTDOWN carries a cumulative ack; finish sending, then answer."""
        if self._state not in _DATA_STATES:
            return
        self._on_sack(now, chunk.cumulative_tsn, self._peer_rwnd + self._flight, ())
        if self._state is _S.SHUTDOWN_SENT:
            self._state = _S.SHUTDOWN_ACK_SENT
            self._queue_control(self._peer_tag, ShutdownAckChunk().encode())
            self._t2.start(now, self._rto.rto)
            return
        if self._state in (_S.ESTABLISHED, _S.SHUTDOWN_PENDING):
            self._state = _S.SHUTDOWN_RECEIVED
            self._hb_timer.stop()
        self._maybe_shutdown(now)

    def _on_shutdown_ack(self, now: float) -> None:
        if self._state in (_S.SHUTDOWN_SENT, _S.SHUTDOWN_ACK_SENT):
            self._queue_control(self._peer_tag, ShutdownCompleteChunk().encode(), alone=True)
            self._terminate(now, Closed("shutdown complete"))

    # ---------------------------------------------------------------- sending

    # ---------------------------------------------------------------- path MTU (RFC 8899)

    @property
    def path_mtu(self) -> int:
        """The SCTP packet size in use (common header included)."""
        return self._mtu

    def restart_path_mtu(self, now: float) -> None:
        """The path changed (a new ICE pair): back to the base size, then probe again.

        Chunks already sent keep their size; DTLS over UDP lets IP fragment a
        retransmission that no longer fits (RFC 9260 §7.3 leaves that to IP as well)."""
        if self._pmtud is None:
            return
        self._pmtud.restart(now)
        self._set_mtu(self._pmtud.plpmtu)

    def _set_mtu(self, size: int) -> None:
        self._mtu = size
        self._largest_mtu = max(self._largest_mtu, size)
        self._full_payload = (size - COMMON_HEADER_LENGTH - DATA_HEADER_LENGTH) & ~3
        self._cc.mtu = size
        self._count("path_mtu_changes")

    def _probe_packet(self, nonce: int, size: int) -> bytes:
        """HEARTBEAT + PAD, exactly ``size`` bytes (RFC 8899 §6.2.1.2, RFC 4820)."""
        heartbeat = HeartbeatChunk(_PROBE_INFO.pack(_PROBE_MARKER, nonce)).encode()
        pad = size - COMMON_HEADER_LENGTH - len(heartbeat)
        chunk = struct.pack("!BBH", ChunkType.PAD, 0, pad) + bytes(pad - 4)
        return self._single(self._peer_tag, heartbeat + chunk)

    def _queue_control(self, vtag: int, chunk: bytes, *, alone: bool = False) -> None:
        if len(self._control) >= _MAX_CONTROL:
            self._count("control_dropped")
            return
        self._control.append((vtag, chunk, alone))

    def packets_to_send(self, now: float) -> list[bytes]:
        """Every packet that may go now: control chunks, SACK, FORWARD-TSN, RE-CONFIG, then
        retransmissions and new DATA as the congestion and receive windows allow (§6.1).

        SACKs are built here, one per call at most: an adapter that handles a batch of
        received datagrams before calling this sends fewer SACKs (§6.2 asks for one every
        second DATA packet at least; the batch's SACK acknowledges all of them at once).
        A SACK that is not yet due rides along with outgoing DATA anyway."""
        packets: list[bytes] = []
        mtu = self._mtu
        lead: list[bytes] = []
        if self._control:
            control = self._control
            self._control = []
            for vtag, chunk, alone in control:
                if len(chunk) > mtu - COMMON_HEADER_LENGTH:
                    self._count("control_too_large")
                    continue
                if vtag == self._peer_tag and not alone and self._peer_tag:
                    lead.append(chunk)
                else:
                    packets.append(self._single(vtag, chunk))
        if self._state in _DATA_STATES and not self._closed:
            self._send_data_states(now, lead, packets)
        elif lead:
            self._emit(packets, lead)
        if self._pmtud is not None and self._state is _S.ESTABLISHED:
            probe = self._pmtud.due_probe(now)
            if probe is not None:
                packets.append(self._probe_packet(*probe))
                self._count("pmtud_probes")
        return packets

    def _single(self, vtag: int, chunk: bytes) -> bytes:
        buf = bytearray(COMMON_HEADER_LENGTH + len(chunk))
        COMMON_HEADER.pack_into(buf, 0, self.config.local_port, self.config.remote_port, vtag)
        buf[COMMON_HEADER_LENGTH:] = chunk
        CHECKSUM.pack_into(buf, 8, crc32c(buf))
        return bytes(buf)

    def _emit(self, packets: list[bytes], chunks: list[bytes]) -> None:
        """Bundle control chunks for the peer into as few packets as fit."""
        mtu = self._mtu
        current: list[bytes] = []
        size = COMMON_HEADER_LENGTH
        for chunk in chunks:
            if size + len(chunk) > mtu and current:
                packets.append(self._single(self._peer_tag, b"".join(current)))
                current = []
                size = COMMON_HEADER_LENGTH
            current.append(chunk)
            size += len(chunk)
        if current:
            packets.append(self._single(self._peer_tag, b"".join(current)))

    def _send_data_states(self, now: float, lead: list[bytes], packets: list[bytes]) -> None:
        queue = self._queue
        sending = self._state in _SEND_STATES
        if self._peer_forward_tsn:
            self._expire(now)
        have_data = sending and (
            (self._fast_pending and bool(self._retx))
            or ((bool(self._retx) or bool(queue)) and self._flight < self._cc.cwnd)
        )
        if self._sack_now or (self._data_packets and have_data):
            lead.append(self._build_sack())
        if self._fwd_due and self._peer_forward_tsn:
            lead.append(self._build_forward_tsn(now))
        if self._reconfig_responses:
            responses = self._reconfig_responses
            self._reconfig_responses = []
            for i in range(0, len(responses), 2):
                lead.append(ReconfigChunk(tuple(responses[i : i + 2])).encode())
        if self._state is _S.ESTABLISHED and (self._reset_wanted or self._reset_due):
            chunk = self._build_reconfig(now)
            if chunk is not None:
                lead.append(chunk)
        if not have_data:
            if lead:
                self._emit(packets, lead)
            return
        if self._idata:
            self._write_idata(now, lead, packets)
        else:
            self._write_data(now, lead, packets)

    def _expire(self, now: float) -> None:
        """PR-SCTP before sending (RFC 3758 §3.5 A2): abandon the messages of chunks awaiting
        retransmission whose policy ran out.

        A message whose fragmentation has begun is sent to its end even if its lifetime
        passes meanwhile: were its sent fragments all acknowledged already, no FORWARD-TSN
        could tell the receiver to drop them and skip its SSN. Its lost fragments are still
        abandoned here, which moves the receiver past the whole message."""
        abandoned = False
        if self._retx:
            outstanding = self._outstanding
            for t in self._retx:
                s = outstanding.get(t)
                if s is not None and s.retransmit and self._should_abandon(s, now):
                    self._abandon(s.msg)
                    abandoned = True
        if abandoned:
            self._advance_peer_ack_point()
            if self._adv_ack > self._fwd_sent_point:
                self._fwd_due = True

    def _begin(self, lead: list[bytes], packets: list[bytes]) -> int:
        """Start packing into the shared buffer: the common header, then the control chunks
        that lead the first packet(s); returns the write position."""
        cfg = self.config
        buf = _SCRATCH.buf
        if len(buf) < self._largest_mtu:  # grown in place: callers may hold it already
            buf.extend(bytes(self._largest_mtu - len(buf)))
        COMMON_HEADER.pack_into(buf, 0, cfg.local_port, cfg.remote_port, self._peer_tag)
        pos = COMMON_HEADER_LENGTH
        for chunk in lead:
            n = len(chunk)
            if pos + n > self._mtu:
                pos = self._seal(pos, packets)
            buf[pos : pos + n] = chunk
            pos += n
        return pos

    def _seal(self, pos: int, packets: list[bytes]) -> int:
        """Checksum the packet packed so far (§6.8), hand it out, and start the next one
        (its common header stays in place); returns the write position."""
        buf = _SCRATCH.buf
        buf[8:12] = _ZERO4
        view = memoryview(buf)[:pos]
        CHECKSUM.pack_into(buf, 8, crc32c(view))
        packets.append(bytes(view))
        return COMMON_HEADER_LENGTH

    def _write_data(self, now: float, lead: list[bytes], packets: list[bytes]) -> None:
        """Retransmissions first (§6.1 C: before new data), then new DATA, in MTU packets."""
        mtu = self._mtu
        buf = _SCRATCH.buf
        pos = self._begin(lead, packets)
        cc = self._cc
        outstanding = self._outstanding
        pack_data = DATA_HEADER.pack_into
        sent_any = False

        # Retransmissions: the first packet after new fast-retransmit marks ignores cwnd.
        if self._retx:
            free_packet = self._fast_pending
            self._fast_pending = False
            remaining: list[int] = []
            earliest = self._cum_ack + 1
            retx = self._retx
            for i, t in enumerate(retx):
                s = outstanding.get(t)
                if s is None or not s.retransmit:
                    continue
                need = DATA_HEADER_LENGTH + s.size
                if pos + pad4(need) > mtu:
                    pos = self._seal(pos, packets)
                    free_packet = False
                if self._flight >= cc.cwnd and not free_packet:
                    remaining.extend(
                        x
                        for x in retx[i:]
                        if (o := outstanding.get(x)) is not None and o.retransmit
                    )
                    break
                msg = s.msg
                pack_data(
                    buf, pos, 0, s.flags, need, t & TSN_MASK, msg.stream_id, msg.ssn, msg.ppid
                )
                p = pos + DATA_HEADER_LENGTH
                buf[p : p + s.size] = memoryview(msg.data)[s.offset : s.offset + s.size]
                pos = p + s.size
                while pos & 3:
                    buf[pos] = 0
                    pos += 1
                s.retransmit = False
                s.in_flight = True
                s.transmissions += 1
                s.sent_at = now
                s.misses = 0
                self._flight += s.size
                self._count("retransmissions")
                sent_any = True
                if t == earliest:
                    # §6.3.2 R4-ish: the earliest outstanding TSN went again: restart T3.
                    self._t3.start(now, self._rto.rto)
            self._retx = remaining

        # New data (§6.1 A and B).
        queue = self._queue
        if not self._retx and self._state in _SEND_STATES:
            full = self._full_payload
            next_tsn = self._next_tsn
            while queue:
                if self._flight >= cc.cwnd:
                    break
                if self._peer_rwnd <= 0 and self._flight > 0:
                    break
                space = (mtu - pos - DATA_HEADER_LENGTH) & ~3
                if space <= 0:
                    pos = self._seal(pos, packets)
                    continue
                frag = queue.next_fragment(now, space, full)
                if frag is None:
                    if pos > COMMON_HEADER_LENGTH and queue:
                        pos = self._seal(pos, packets)
                        continue
                    break
                msg, offset, size = frag
                flags = 0
                if offset == 0:
                    flags = FLAG_BEGIN
                    msg.first_tsn = next_tsn
                if offset + size == len(msg.data):
                    flags |= FLAG_END
                if not msg.ordered:
                    flags |= FLAG_UNORDERED
                s = _Sent(next_tsn, msg, offset, size, flags, now)
                outstanding[next_tsn] = s
                if self._rtt_probe is None:
                    self._rtt_probe = s
                pack_data(
                    buf,
                    pos,
                    0,
                    flags,
                    DATA_HEADER_LENGTH + size,
                    next_tsn & TSN_MASK,
                    msg.stream_id,
                    msg.ssn,
                    msg.ppid,
                )
                p = pos + DATA_HEADER_LENGTH
                buf[p : p + size] = memoryview(msg.data)[offset : offset + size]
                pos = p + size
                while pos & 3:
                    buf[pos] = 0
                    pos += 1
                next_tsn += 1
                self._flight += size
                self._peer_rwnd -= size
                sent_any = True
            self._next_tsn = next_tsn
        if pos > COMMON_HEADER_LENGTH:
            self._seal(pos, packets)
        if sent_any:
            self._last_data_sent = now
            if not self._t3.running:
                self._t3.start(now, self._rto.rto)

    def _write_idata(self, now: float, lead: list[bytes], packets: list[bytes]) -> None:
        """:meth:`_write_data` with I-DATA chunks (RFC 8260 §2.1): the MID in place of the
        SSN, the PPID on the first fragment and the FSN on the others, and new fragments
        taken from the streams in turn (:meth:`OutboundQueue.next_fragment_interleaved`)."""
        mtu = self._mtu
        buf = _SCRATCH.buf
        pos = self._begin(lead, packets)
        cc = self._cc
        outstanding = self._outstanding
        pack_data = IDATA_HEADER.pack_into
        sent_any = False

        # Retransmissions: the first packet after new fast-retransmit marks ignores cwnd.
        if self._retx:
            free_packet = self._fast_pending
            self._fast_pending = False
            remaining: list[int] = []
            earliest = self._cum_ack + 1
            retx = self._retx
            for i, t in enumerate(retx):
                s = outstanding.get(t)
                if s is None or not s.retransmit:
                    continue
                need = IDATA_HEADER_LENGTH + s.size
                if pos + pad4(need) > mtu:
                    pos = self._seal(pos, packets)
                    free_packet = False
                if self._flight >= cc.cwnd and not free_packet:
                    remaining.extend(
                        x
                        for x in retx[i:]
                        if (o := outstanding.get(x)) is not None and o.retransmit
                    )
                    break
                msg = s.msg
                flags = s.flags
                pack_data(
                    buf,
                    pos,
                    _I_DATA,
                    flags,
                    need,
                    t & TSN_MASK,
                    msg.stream_id,
                    0,
                    msg.ssn,
                    msg.ppid if flags & FLAG_BEGIN else s.fsn,
                )
                p = pos + IDATA_HEADER_LENGTH
                buf[p : p + s.size] = memoryview(msg.data)[s.offset : s.offset + s.size]
                pos = p + s.size
                while pos & 3:
                    buf[pos] = 0
                    pos += 1
                s.retransmit = False
                s.in_flight = True
                s.transmissions += 1
                s.sent_at = now
                s.misses = 0
                self._flight += s.size
                self._count("retransmissions")
                sent_any = True
                if t == earliest:
                    # §6.3.2 R4-ish: the earliest outstanding TSN went again: restart T3.
                    self._t3.start(now, self._rto.rto)
            self._retx = remaining

        # New data (§6.1 A and B).
        queue = self._queue
        if not self._retx and self._state in _SEND_STATES:
            full = (mtu - COMMON_HEADER_LENGTH - IDATA_HEADER_LENGTH) & ~3
            next_tsn = self._next_tsn
            while queue:
                if self._flight >= cc.cwnd:
                    break
                if self._peer_rwnd <= 0 and self._flight > 0:
                    break
                space = (mtu - pos - IDATA_HEADER_LENGTH) & ~3
                if space <= 0:
                    pos = self._seal(pos, packets)
                    continue
                frag = queue.next_fragment_interleaved(now, space, full)
                if frag is None:
                    if pos > COMMON_HEADER_LENGTH and queue:
                        pos = self._seal(pos, packets)
                        continue
                    break
                msg, offset, size, fsn = frag
                flags = 0
                if fsn == 0:
                    flags = FLAG_BEGIN
                    msg.first_tsn = next_tsn
                if offset + size == len(msg.data):
                    flags |= FLAG_END
                if not msg.ordered:
                    flags |= FLAG_UNORDERED
                s = _Sent(next_tsn, msg, offset, size, flags, now)
                s.fsn = fsn
                outstanding[next_tsn] = s
                if self._rtt_probe is None:
                    self._rtt_probe = s
                pack_data(
                    buf,
                    pos,
                    _I_DATA,
                    flags,
                    IDATA_HEADER_LENGTH + size,
                    next_tsn & TSN_MASK,
                    msg.stream_id,
                    0,
                    msg.ssn,
                    msg.ppid if fsn == 0 else fsn,
                )
                p = pos + IDATA_HEADER_LENGTH
                buf[p : p + size] = memoryview(msg.data)[offset : offset + size]
                pos = p + size
                while pos & 3:
                    buf[pos] = 0
                    pos += 1
                next_tsn += 1
                self._flight += size
                self._peer_rwnd -= size
                sent_any = True
            self._next_tsn = next_tsn
        if pos > COMMON_HEADER_LENGTH:
            self._seal(pos, packets)
        if sent_any:
            self._last_data_sent = now
            if not self._t3.running:
                self._t3.start(now, self._rto.rto)


def _unrecognized_params(params: tuple[Param, ...]) -> list[bytes]:
    """§3.2.1: parameters whose type has the 0x4000 bit and that we do not know are reported
    back (in INIT ACK's Unrecognized Parameter); a type with the 0x8000 bit clear stops the
    processing of further parameters."""
    out: list[bytes] = []
    for p in params:
        if p.type in _KNOWN_INIT_PARAMS:
            continue
        if p.type & 0x4000:
            out.append(p.encode())
        if not p.type & 0x8000:
            break
    return out
