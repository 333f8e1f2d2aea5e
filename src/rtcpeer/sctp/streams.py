"""Streams: the outbound message queue with fragmentation, and inbound reassembly.

Outbound (RFC 9260 §6.6, §6.9): messages wait per stream; streams take turns at message
boundaries (DATA cannot interleave fragments of different messages, §6.9, so a started
message is finished first). A message is cut into fragments only when the association has
room to send them, and gets its Stream Sequence Number with its first fragment, so a message
dropped before it was ever sent (PR-SCTP lifetime, RFC 3758) leaves no hole in the SSNs.

Inbound (§6.5, §6.6, §6.9): fragments are kept by TSN until a run from a B to an E fragment
is complete; ordered messages then wait per stream for their SSN, unordered ones go at once.
Memory is counted in :attr:`Reassembly.held` so the association can bound it (§6.2 rwnd).
"""

from __future__ import annotations

from collections import deque

from .constants import FLAG_BEGIN, FLAG_END, FLAG_UNORDERED
from .events import MessageReceived, SctpEvent
from .tsn import SSN_MASK

_BE = FLAG_BEGIN | FLAG_END
#: Bytes of bookkeeping charged per held fragment or message, on top of its payload, so that
#: a flood of tiny chunks is bounded too.
ENTRY_OVERHEAD = 64


class OutboundMessage:
    """A user message on its way out (the §10.1 SEND primitive's arguments)."""

    __slots__ = (
        "abandoned",
        "data",
        "expires",
        "first_tsn",
        "max_retransmits",
        "offset",
        "ordered",
        "ppid",
        "ssn",
        "stream_id",
    )

    def __init__(
        self,
        stream_id: int,
        ppid: int,
        data: bytes,
        ordered: bool,
        max_retransmits: int | None,
        expires: float | None,
    ) -> None:
        self.stream_id = stream_id
        self.ppid = ppid
        self.data = data
        self.ordered = ordered
        self.max_retransmits = max_retransmits
        self.expires = expires
        #: Bytes already cut into fragments.
        self.offset = 0
        self.ssn = 0
        #: TSN of the first fragment once one was sent (unwrapped).
        self.first_tsn: int | None = None
        self.abandoned = False


class _OutStream:
    __slots__ = ("buffered", "held", "next_ssn", "queue", "resetting")

    def __init__(self) -> None:
        self.queue: deque[OutboundMessage] = deque()
        #: Messages sent after an outgoing reset was asked for wait here until it completes.
        self.held: deque[OutboundMessage] = deque()
        self.next_ssn = 0
        self.resetting = False
        #: Bytes queued and not yet cut into fragments (webrtc-pc bufferedAmount).
        self.buffered = 0


class OutboundQueue:
    """Per-stream FIFO queues served round-robin at message boundaries."""

    def __init__(self) -> None:
        self._streams: dict[int, _OutStream] = {}
        #: Streams with sendable messages, in turn order.
        self._ready: deque[int] = deque()
        #: The message being fragmented; it must finish before another starts (§6.9).
        self.current: OutboundMessage | None = None
        #: Bytes queued and not yet fragmented, over all streams.
        self.buffered = 0

    def __bool__(self) -> bool:
        return self.current is not None or bool(self._ready)

    def push(self, msg: OutboundMessage) -> None:
        stream = self._streams.get(msg.stream_id)
        if stream is None:
            stream = self._streams[msg.stream_id] = _OutStream()
        size = len(msg.data)
        stream.buffered += size
        self.buffered += size
        if stream.resetting:
            stream.held.append(msg)
            return
        if not stream.queue:
            self._ready.append(msg.stream_id)
        stream.queue.append(msg)

    def buffered_amount(self, stream_id: int) -> int:
        stream = self._streams.get(stream_id)
        return stream.buffered if stream is not None else 0

    def next_fragment(
        self, now: float, space: int, full: int
    ) -> tuple[OutboundMessage, int, int] | None:
        """The next fragment that fits in ``space`` payload bytes, as (message, offset, size).

        A message not yet started that would fit whole in an empty packet (``full`` bytes)
        but not in ``space`` is left for the next packet instead of being split. Messages
        whose PR-SCTP lifetime passed before they were ever sent are dropped here.
        """
        msg = self.current
        if msg is None:
            msg = self._start(now, space, full)
            if msg is None:
                return None
        offset = msg.offset
        size = len(msg.data) - offset
        if size > space:
            size = space
        msg.offset = offset + size
        stream = self._streams[msg.stream_id]
        stream.buffered -= size
        self.buffered -= size
        self.current = msg if msg.offset < len(msg.data) else None
        return msg, offset, size

    def _start(self, now: float, space: int, full: int) -> OutboundMessage | None:
        ready = self._ready
        while ready:
            sid = ready[0]
            stream = self._streams[sid]
            msg = stream.queue[0]
            if msg.expires is not None and now >= msg.expires:
                self._pop(sid, stream)
                self._discard(stream, msg)
                continue
            if len(msg.data) > space and len(msg.data) <= full:
                return None
            self._pop(sid, stream)
            if msg.ordered:
                msg.ssn = stream.next_ssn
                stream.next_ssn = (stream.next_ssn + 1) & SSN_MASK
            return msg
        return None

    def _pop(self, sid: int, stream: _OutStream) -> None:
        stream.queue.popleft()
        self._ready.popleft()
        if stream.queue:
            self._ready.append(sid)

    def _discard(self, stream: _OutStream, msg: OutboundMessage) -> None:
        rest = len(msg.data) - msg.offset
        stream.buffered -= rest
        self.buffered -= rest
        msg.abandoned = True

    def abandon(self, msg: OutboundMessage) -> None:
        """Stop fragmenting ``msg`` (PR-SCTP abandoned it, RFC 3758 §3.5 A3)."""
        if self.current is msg:
            self.current = None
            self._discard(self._streams[msg.stream_id], msg)

    # -------------------------------------------------------------- outgoing reset

    def begin_reset(self, stream_ids: list[int]) -> None:
        """Hold back what is sent on these streams from now on (RFC 6525 §5.1.2)."""
        for sid in stream_ids:
            stream = self._streams.get(sid)
            if stream is None:
                stream = self._streams[sid] = _OutStream()
            stream.resetting = True

    def can_reset(self, stream_ids: list[int]) -> bool:
        """Whether everything queued before the reset on these streams has been sent once."""
        current = self.current
        for sid in stream_ids:
            stream = self._streams.get(sid)
            if stream is not None and stream.queue:
                return False
            if current is not None and current.stream_id == sid:
                return False
        return True

    def finish_reset(self, stream_ids: list[int], *, performed: bool = True) -> None:
        """The peer reset these streams (``performed``): SSNs start from 0. Either way the
        messages held back may go now."""
        for sid in stream_ids:
            stream = self._streams.get(sid)
            if stream is None:
                continue
            if performed:
                stream.next_ssn = 0
            stream.resetting = False
            if stream.held:
                if not stream.queue:
                    self._ready.append(sid)
                stream.queue.extend(stream.held)
                stream.held.clear()
            elif not stream.queue and stream.buffered == 0:
                del self._streams[sid]


class Reassembly:
    """Fragments by TSN, then per-stream ordering by SSN; delivers into ``events``."""

    def __init__(self, events: deque[SctpEvent]) -> None:
        self._events = events
        #: Unwrapped TSN -> (flags, stream, ssn, ppid, payload).
        self._fragments: dict[int, tuple[int, int, int, int, bytes]] = {}
        #: Per stream: the next SSN to deliver (unwrapped), and ordered messages waiting.
        self._expected: dict[int, int] = {}
        self._waiting: dict[int, dict[int, tuple[int, bytes]]] = {}
        #: Bytes held (payload plus ENTRY_OVERHEAD per entry).
        self.held = 0
        #: Bytes delivered into ``events`` and not yet taken by the application.
        self.undelivered = 0
        #: Fragments dropped because they could never form a message.
        self.dropped = 0

    @property
    def fragment_count(self) -> int:
        return len(self._fragments)

    @property
    def waiting_count(self) -> int:
        return sum(len(w) for w in self._waiting.values())

    def add(self, tsn: int, flags: int, sid: int, ssn: int, ppid: int, payload: bytes) -> None:
        """Take one new (never seen) DATA chunk with unwrapped ``tsn``."""
        if flags & _BE == _BE:
            if flags & FLAG_UNORDERED:
                self._deliver(sid, ppid, payload, False)
            else:
                self._ordered(sid, ssn, ppid, payload)
            return
        frags = self._fragments
        frags[tsn] = (flags, sid, ssn, ppid, payload)
        self.held += len(payload) + ENTRY_OVERHEAD
        # Forward to the end fragment, then back to the beginning: in-order arrival costs
        # one failed lookup per fragment and one backward walk per message.
        end = tsn
        if not flags & FLAG_END:
            t = tsn + 1
            while True:
                f = frags.get(t)
                if f is None or f[0] & FLAG_BEGIN:
                    return
                if f[0] & FLAG_END:
                    end = t
                    break
                t += 1
        start = tsn
        if not flags & FLAG_BEGIN:
            t = tsn - 1
            while True:
                f = frags.get(t)
                if f is None or f[0] & FLAG_END:
                    return
                if f[0] & FLAG_BEGIN:
                    start = t
                    break
                t -= 1
        self._assemble(start, end)

    def _assemble(self, start: int, end: int) -> None:
        frags = self._fragments
        first = frags[start]
        flags, sid, ssn = first[0], first[1], first[2]
        unordered = flags & FLAG_UNORDERED
        parts: list[bytes] = []
        consistent = True
        for t in range(start, end + 1):
            f = frags.pop(t)
            self.held -= len(f[4]) + ENTRY_OVERHEAD
            if (
                f[1] != sid
                or (f[0] & FLAG_UNORDERED) != unordered
                or (not unordered and f[2] != ssn)
            ):
                consistent = False
            parts.append(f[4])
        if not consistent:
            # §6.9: fragments of one message share stream, U bit and SSN; a peer that
            # mixes them is broken, and the mixture is no message.
            self.dropped += end - start + 1
            return
        data = b"".join(parts)
        if unordered:
            self._deliver(sid, first[3], data, False)
        else:
            self._ordered(sid, ssn, first[3], data)

    def _ordered(self, sid: int, ssn: int, ppid: int, data: bytes) -> None:
        expected = self._expected.get(sid, 0)
        u = expected + ((ssn - expected + 0x8000) & SSN_MASK) - 0x8000
        if u == expected:
            self._deliver(sid, ppid, data, True)
            expected += 1
            waiting = self._waiting.get(sid)
            if waiting:
                while expected in waiting:
                    p, d = waiting.pop(expected)
                    self.held -= len(d) + ENTRY_OVERHEAD
                    self._deliver(sid, p, d, True)
                    expected += 1
                if not waiting:
                    del self._waiting[sid]
            self._expected[sid] = expected
        elif u > expected:
            waiting = self._waiting.setdefault(sid, {})
            if u not in waiting:
                waiting[u] = (ppid, data)
                self.held += len(data) + ENTRY_OVERHEAD
        else:
            self.dropped += 1

    def _deliver(self, sid: int, ppid: int, data: bytes, ordered: bool) -> None:
        self.undelivered += len(data) + ENTRY_OVERHEAD
        self._events.append(MessageReceived(sid, ppid, data, ordered))

    def taken(self, event: MessageReceived) -> None:
        """The application took ``event`` from the queue: its bytes no longer count."""
        self.undelivered -= len(event.data) + ENTRY_OVERHEAD

    # ------------------------------------------------------------ PR-SCTP, resets

    def forward(self, new_cumulative: int, streams: tuple[tuple[int, int], ...]) -> None:
        """FORWARD-TSN (RFC 3758 §3.6): forget fragments up to ``new_cumulative``; for each
        (stream, SSN) deliver what waits up to that SSN and expect the one after it."""
        frags = self._fragments
        stale = [t for t in frags if t <= new_cumulative]
        for t in stale:
            self.held -= len(frags.pop(t)[4]) + ENTRY_OVERHEAD
        self.dropped += len(stale)
        self.drop_orphans(new_cumulative)
        for sid, ssn in streams:
            expected = self._expected.get(sid, 0)
            u = expected + ((ssn - expected + 0x8000) & SSN_MASK) - 0x8000
            if u < expected:
                continue
            waiting = self._waiting.get(sid)
            if waiting:
                for w in sorted(k for k in waiting if k <= u):
                    p, d = waiting.pop(w)
                    self.held -= len(d) + ENTRY_OVERHEAD
                    self._deliver(sid, p, d, True)
            expected = u + 1
            if waiting:
                while expected in waiting:
                    p, d = waiting.pop(expected)
                    self.held -= len(d) + ENTRY_OVERHEAD
                    self._deliver(sid, p, d, True)
                    expected += 1
                if not waiting:
                    del self._waiting[sid]
            self._expected[sid] = expected

    def drop_orphans(self, cumulative: int) -> None:
        """Drop fragments right above the cumulative ack that continue a message whose
        beginning is gone (at or below the ack point and no longer held)."""
        frags = self._fragments
        t = cumulative + 1
        if cumulative in frags:
            return
        while True:
            f = frags.get(t)
            if f is None or f[0] & FLAG_BEGIN:
                return
            del frags[t]
            self.held -= len(f[4]) + ENTRY_OVERHEAD
            self.dropped += 1
            t += 1

    def is_orphan(self, tsn: int, flags: int, previous_received: bool) -> bool:
        """A middle or last fragment whose predecessor TSN arrived but is no longer held can
        never complete (§6.9): the message it continues was delivered or dropped."""
        return not flags & FLAG_BEGIN and previous_received and (tsn - 1) not in self._fragments

    def reset(self, stream_ids: tuple[int, ...]) -> None:
        """RFC 6525 §5.2.2: incoming SSNs of these streams (all when empty) restart at 0."""
        sids = stream_ids or tuple(set(self._expected) | set(self._waiting))
        for sid in sids:
            self._expected.pop(sid, None)
            waiting = self._waiting.pop(sid, None)
            if waiting:
                for _p, d in waiting.values():
                    self.held -= len(d) + ENTRY_OVERHEAD
                    self.dropped += 1
