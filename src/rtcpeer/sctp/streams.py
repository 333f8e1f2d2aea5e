"""Streams: the outbound message queue with fragmentation, and inbound reassembly.

Outbound (RFC 9260 §6.6, §6.9): messages wait per stream; streams take turns at message
boundaries (DATA cannot interleave fragments of different messages, §6.9, so a started
message is finished first). A message is cut into fragments only when the association has
room to send them, and gets its Stream Sequence Number with its first fragment, so a message
dropped before it was ever sent (PR-SCTP lifetime, RFC 3758) leaves no hole in the SSNs.

Inbound (§6.5, §6.6, §6.9): fragments are kept by TSN until a run from a B to an E fragment
is complete; ordered messages then wait per stream for their SSN, unordered ones go at once.
Memory is counted in :attr:`Reassembly.held` so the association can bound it (§6.2 rwnd).

With user message interleaving (RFC 8260, I-DATA) the same queue is served by
:meth:`OutboundQueue.next_fragment_interleaved`: one fragment per stream per turn, so a large
message on one stream does not hold back the others; each message gets a Message Identifier
(per stream, one counter for ordered and one for unordered messages, §2.1) and its fragments
Fragment Sequence Numbers. :class:`InterleavedReassembly` reassembles by (stream, U bit, MID)
in FSN order and delivers ordered messages by MID.
"""

from __future__ import annotations

from collections import deque

from .constants import FLAG_BEGIN, FLAG_END, FLAG_UNORDERED
from .events import MessageReceived, SctpEvent
from .tsn import SSN_MASK

#: Message Identifiers are 32-bit serial numbers (RFC 8260 §2.1).
MID_MASK = 0xFFFFFFFF
_MID_HALF = 0x80000000

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
        "fsn",
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
        #: I-DATA: fragments cut so far (the next Fragment Sequence Number); 0 = not started.
        self.fsn = 0


class _OutStream:
    __slots__ = ("buffered", "held", "next_ssn", "next_umid", "queue", "resetting")

    def __init__(self) -> None:
        self.queue: deque[OutboundMessage] = deque()
        #: Messages sent after an outgoing reset was asked for wait here until it completes.
        self.held: deque[OutboundMessage] = deque()
        #: The next SSN (DATA) or ordered MID (I-DATA), and the next unordered MID (I-DATA).
        self.next_ssn = 0
        self.next_umid = 0
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

    def next_fragment_interleaved(
        self, now: float, space: int, full: int
    ) -> tuple[OutboundMessage, int, int, int] | None:
        """I-DATA (RFC 8260 §2.2.2, §3): the next fragment, as (message, offset, size, FSN).

        Streams take turns fragment by fragment: the stream served goes to the back of the
        line, so messages on different streams interleave. Within a stream messages still go
        one after the other. Not-yet-started messages are treated as in :meth:`next_fragment`
        (expired ones dropped; one that would fit an empty packet waits for one)."""
        ready = self._ready
        streams = self._streams
        while ready:
            sid = ready[0]
            stream = streams[sid]
            queue = stream.queue
            msg = queue[0]
            fsn = msg.fsn
            n = len(msg.data)
            if fsn == 0:
                if msg.expires is not None and now >= msg.expires:
                    queue.popleft()
                    ready.popleft()
                    if queue:
                        ready.append(sid)
                    self._discard(stream, msg)
                    continue
                if n > space and n <= full:
                    return None
                if msg.ordered:
                    msg.ssn = stream.next_ssn
                    stream.next_ssn = (stream.next_ssn + 1) & MID_MASK
                else:
                    msg.ssn = stream.next_umid
                    stream.next_umid = (stream.next_umid + 1) & MID_MASK
            offset = msg.offset
            size = n - offset
            if size > space:
                size = space
            msg.offset = offset + size
            msg.fsn = fsn + 1
            stream.buffered -= size
            self.buffered -= size
            ready.popleft()
            if offset + size >= n:
                queue.popleft()
            if queue:
                ready.append(sid)
            return msg, offset, size, fsn
        return None

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
        elif msg.fsn and msg.offset < len(msg.data):
            # I-DATA: a started message is the head of its stream's queue.
            stream = self._streams.get(msg.stream_id)
            if stream is not None and stream.queue and stream.queue[0] is msg:
                stream.queue.popleft()
                if not stream.queue:
                    self._ready.remove(msg.stream_id)
                self._discard(stream, msg)

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
                # RFC 6525 §5.1.2; RFC 8260 §2.3.2: both MID counters restart too.
                stream.next_ssn = 0
                stream.next_umid = 0
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

    def __init__(self, events: deque[SctpEvent], max_message_size: int | None = None) -> None:
        self._events = events
        #: Our a=max-message-size (RFC 8841 §6.1): a larger message is dropped and counted.
        self.max_message_size = max_message_size
        #: Messages dropped for being larger than that.
        self.oversized = 0
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
        limit = self.max_message_size
        if limit is not None and len(data) > limit:
            self.oversized += 1  # the stream's order has moved past it all the same
            return
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


class _Partial:
    """The fragments of one I-DATA message held so far: FSN -> payload."""

    __slots__ = ("last", "parts", "ppid", "size", "top")

    def __init__(self) -> None:
        self.parts: dict[int, bytes] = {}
        self.ppid = 0
        #: FSN of the E fragment once it arrived, and the highest FSN seen.
        self.last = -1
        self.top = -1
        #: Payload bytes held.
        self.size = 0


#: Messages given up on (too large) whose late fragments are still recognised and dropped.
_MAX_DEAD = 1024
#: An unordered floor this far behind the MIDs arriving is forgotten (serial arithmetic).
_FLOOR_FORGET = 0x40000000


class InterleavedReassembly(Reassembly):
    """I-DATA reassembly (RFC 8260 §2.2.3): fragments by (stream, U bit, MID) in FSN order,
    then per-stream ordering by MID for ordered messages; unordered ones go at once.

    What can never form a message is dropped and counted in :attr:`dropped`, never raised:
    duplicate or inconsistent fragments (a second E, an FSN beyond the E, a non-B FSN 0),
    fragments of messages already delivered or skipped, and messages above
    ``max_message_size`` (:attr:`oversized`; an ordered one is skipped so the stream flows).
    """

    def __init__(self, events: deque[SctpEvent], max_message_size: int) -> None:
        super().__init__(events)
        self._max_message = max_message_size
        #: (stream, 1 if unordered else 0, MID) -> fragments held.
        self._partials: dict[tuple[int, int, int], _Partial] = {}
        #: Per stream: ordered messages waiting for their (unwrapped) MID; ``None`` marks one
        #: that was dropped and is only to be skipped.
        self._mwaiting: dict[int, dict[int, tuple[int, bytes] | None]] = {}
        #: Per stream: the largest unordered MID an I-FORWARD-TSN skipped.
        self._unordered_floor: dict[int, int] = {}
        #: Keys of messages given up on (bounded, oldest forgotten first).
        self._dead: dict[tuple[int, int, int], None] = {}
        self.oversized = 0

    @property
    def fragment_count(self) -> int:
        return sum(len(p.parts) for p in self._partials.values())

    @property
    def waiting_count(self) -> int:
        return sum(len(w) for w in self._mwaiting.values())

    @property
    def partial_count(self) -> int:
        return len(self._partials)

    def add_fragment(
        self, flags: int, sid: int, mid: int, fsn: int, ppid: int, payload: bytes
    ) -> None:
        """Take one new (never seen) I-DATA chunk; ``fsn`` is 0 and ``ppid`` meaningful when
        the B bit is set, otherwise ``ppid`` is unused."""
        unordered = flags & FLAG_UNORDERED
        if unordered:
            u = mid
            floor = self._unordered_floor.get(sid)
            if floor is not None:
                d = (mid - floor) & MID_MASK
                if d == 0 or d >= _MID_HALF:
                    self.dropped += 1
                    return
                if d > _FLOOR_FORGET:
                    del self._unordered_floor[sid]
        else:
            expected = self._expected.get(sid, 0)
            u = expected + ((mid - expected + _MID_HALF) & MID_MASK) - _MID_HALF
            if u < expected:
                self.dropped += 1
                return
            waiting = self._mwaiting.get(sid)
            if waiting is not None and u in waiting:
                self.dropped += 1
                return
        if flags & _BE == _BE:
            if unordered:
                self._deliver(sid, ppid, payload, False)
            else:
                self._ordered_mid(sid, u, ppid, payload)
            return
        key = (sid, 1 if unordered else 0, mid)
        partials = self._partials
        p = partials.get(key)
        if p is None:
            if key in self._dead:
                self.dropped += 1
                return
            p = partials[key] = _Partial()
        parts = p.parts
        if flags & FLAG_BEGIN:
            fsn = 0
            if 0 in parts:
                self.dropped += 1
                return
            p.ppid = ppid
        elif fsn == 0 or fsn in parts or (p.last >= 0 and fsn > p.last):
            self.dropped += 1
            if not parts:
                del partials[key]
            return
        if flags & FLAG_END and (p.last >= 0 or fsn < p.top):
            # Two ends, or an end below fragments already held: no message (§2.1).
            self._drop_partial(key)
            self.dropped += 1
            return
        n = len(payload)
        parts[fsn] = payload
        p.size += n
        self.held += n + ENTRY_OVERHEAD
        if fsn > p.top:
            p.top = fsn
        if flags & FLAG_END:
            p.last = fsn
        if p.size > self._max_message:
            self._drop_partial(key)
            self.oversized += 1
            self._give_up(key, u)
            return
        last = p.last
        if last >= 0 and len(parts) == last + 1:
            del partials[key]
            self.held -= p.size + (last + 1) * ENTRY_OVERHEAD
            data = b"".join([parts[i] for i in range(last + 1)])
            if unordered:
                self._deliver(sid, p.ppid, data, False)
            else:
                self._ordered_mid(sid, u, p.ppid, data)

    def _drop_partial(self, key: tuple[int, int, int]) -> None:
        p = self._partials.pop(key)
        self.held -= p.size + len(p.parts) * ENTRY_OVERHEAD
        self.dropped += len(p.parts)

    def _give_up(self, key: tuple[int, int, int], u: int) -> None:
        """Forget a message for good: its later fragments are dropped, and an ordered one
        is skipped over rather than waited for."""
        dead = self._dead
        dead[key] = None
        if len(dead) > _MAX_DEAD:
            del dead[next(iter(dead))]
        if key[1]:
            return
        sid = key[0]
        expected = self._expected.get(sid, 0)
        if u == expected:
            expected += 1
            waiting = self._mwaiting.get(sid)
            if waiting:
                expected = self._drain(sid, waiting, expected)
            self._expected[sid] = expected
        elif u > expected:
            waiting = self._mwaiting.setdefault(sid, {})
            if u not in waiting:
                waiting[u] = None
                self.held += ENTRY_OVERHEAD

    def _ordered_mid(self, sid: int, u: int, ppid: int, data: bytes) -> None:
        expected = self._expected.get(sid, 0)
        if u == expected:
            self._deliver(sid, ppid, data, True)
            expected += 1
            waiting = self._mwaiting.get(sid)
            if waiting:
                expected = self._drain(sid, waiting, expected)
            self._expected[sid] = expected
        elif u > expected:
            waiting = self._mwaiting.setdefault(sid, {})
            if u not in waiting:
                waiting[u] = (ppid, data)
                self.held += len(data) + ENTRY_OVERHEAD
        else:
            self.dropped += 1

    def _drain(self, sid: int, waiting: dict[int, tuple[int, bytes] | None], expected: int) -> int:
        """Deliver the waiting run from ``expected`` on; the next MID expected after it."""
        while expected in waiting:
            w = waiting.pop(expected)
            self.held -= ENTRY_OVERHEAD
            if w is not None:
                self.held -= len(w[1])
                self._deliver(sid, w[0], w[1], True)
            expected += 1
        if not waiting:
            del self._mwaiting[sid]
        return expected

    def forward_interleaved(self, entries: tuple[tuple[int, bool, int], ...]) -> None:
        """I-FORWARD-TSN (RFC 8260 §2.3.1): per (stream, U bit, MID) skipped, drop what is
        held of messages up to that MID; for ordered streams deliver what waits up to it and
        expect the MID after it."""
        partials = self._partials
        for sid, unordered, mid in entries:
            if unordered:
                floor = self._unordered_floor.get(sid)
                if floor is None or (mid - floor) & MID_MASK < _MID_HALF:
                    self._unordered_floor[sid] = mid
                stale = [
                    k
                    for k in partials
                    if k[0] == sid and k[1] and (mid - k[2]) & MID_MASK < _MID_HALF
                ]
                for k in stale:
                    self._drop_partial(k)
                continue
            expected = self._expected.get(sid, 0)
            u = expected + ((mid - expected + _MID_HALF) & MID_MASK) - _MID_HALF
            if u < expected:
                continue
            stale = [
                k
                for k in partials
                if k[0] == sid
                and not k[1]
                and ((k[2] - expected + _MID_HALF) & MID_MASK) - _MID_HALF <= u - expected
            ]
            for k in stale:
                self._drop_partial(k)
            waiting = self._mwaiting.get(sid)
            if waiting:
                for w in sorted(k for k in waiting if k <= u):
                    entry = waiting.pop(w)
                    self.held -= ENTRY_OVERHEAD
                    if entry is not None:
                        self.held -= len(entry[1])
                        self._deliver(sid, entry[0], entry[1], True)
            expected = u + 1
            if waiting is not None:
                if waiting:
                    expected = self._drain(sid, waiting, expected)
                else:
                    del self._mwaiting[sid]
            self._expected[sid] = expected

    def reset(self, stream_ids: tuple[int, ...]) -> None:
        """RFC 6525 §5.2.2 with RFC 8260 §2.3.2: incoming MIDs of these streams (all when
        empty) restart at 0; whatever is held of them can no longer complete."""
        partials = self._partials
        sids = stream_ids or tuple(
            set(self._expected)
            | set(self._mwaiting)
            | set(self._unordered_floor)
            | {k[0] for k in partials}
        )
        chosen = set(sids)
        for sid in sids:
            self._expected.pop(sid, None)
            self._unordered_floor.pop(sid, None)
            waiting = self._mwaiting.pop(sid, None)
            if waiting:
                for w in waiting.values():
                    self.held -= ENTRY_OVERHEAD
                    if w is not None:
                        self.held -= len(w[1])
                        self.dropped += 1
        for k in [k for k in partials if k[0] in chosen]:
            self._drop_partial(k)
        for k in [k for k in self._dead if k[0] in chosen]:
            del self._dead[k]
