"""Serial number arithmetic and the receiver's record of which TSNs arrived.

TSNs are 32-bit serial numbers (RFC 9260 §1.6, RFC 1982), SSNs 16-bit. Internally every
sequence number is kept *unwrapped*: a plain Python ``int`` that keeps counting past 2**32, so
comparisons are ordinary integer comparisons. :func:`unwrap` maps a wire value back next to a
known reference; the wire value is ``unwrapped & mask``.

:class:`ReceivedTsns` is the data receiver's view (§6.2, §6.7): the cumulative TSN ack point,
the gap blocks above it and the duplicates to report in the next SACK.
"""

from __future__ import annotations

from bisect import bisect_right

TSN_MASK = 0xFFFFFFFF
SSN_MASK = 0xFFFF


def unwrap(value: int, reference: int, bits: int = 32) -> int:
    """The unwrapped number nearest to ``reference`` whose low ``bits`` bits are ``value``.

    RFC 1982 §3.2: a serial number within half the space after ``reference`` is newer,
    within half before it older.
    """
    half = 1 << (bits - 1)
    mask = (1 << bits) - 1
    return reference + ((value - reference + half) & mask) - half


def tsn_lt(a: int, b: int) -> bool:
    """``a < b`` in 32-bit serial number arithmetic (RFC 1982 §3.2)."""
    return a != b and ((b - a) & TSN_MASK) < 0x80000000


def tsn_lte(a: int, b: int) -> bool:
    """``a <= b`` in 32-bit serial number arithmetic."""
    return a == b or tsn_lt(a, b)


class ReceivedTsns:
    """Which DATA TSNs arrived: the cumulative ack point, gap blocks and duplicates.

    ``cumulative`` is the unwrapped Cumulative TSN Ack (§6.2: the last TSN received in
    sequence). Out-of-order TSNs are kept as sorted, disjoint, non-adjacent closed intervals in
    ``_starts``/``_ends`` (both unwrapped), which map directly onto SACK Gap Ack Blocks
    (§3.3.4). Duplicates are remembered, up to ``max_duplicates``, until the next SACK.
    """

    __slots__ = ("_ends", "_starts", "cumulative", "duplicates", "max_duplicates")

    def __init__(self, cumulative: int, *, max_duplicates: int = 32) -> None:
        self.cumulative = cumulative
        self._starts: list[int] = []
        self._ends: list[int] = []
        self.duplicates: list[int] = []
        self.max_duplicates = max_duplicates

    @property
    def has_gaps(self) -> bool:
        """Whether any TSN above the cumulative ack point arrived (a gap exists, §6.7)."""
        return bool(self._starts)

    @property
    def highest(self) -> int:
        """The highest TSN received (unwrapped)."""
        return self._ends[-1] if self._ends else self.cumulative

    @property
    def gap_count(self) -> int:
        return len(self._starts)

    def is_received(self, tsn: int) -> bool:
        """Whether the unwrapped ``tsn`` has arrived (or was skipped by FORWARD-TSN)."""
        if tsn <= self.cumulative:
            return True
        i = bisect_right(self._starts, tsn)
        return i > 0 and self._ends[i - 1] >= tsn

    def add(self, tsn: int) -> bool:
        """Record the unwrapped ``tsn``; ``False`` (and a duplicate noted) if already seen."""
        cum = self.cumulative
        if tsn == cum + 1 and not self._starts:
            self.cumulative = tsn
            return True
        if tsn <= cum:
            self._note_duplicate(tsn)
            return False
        starts = self._starts
        ends = self._ends
        i = bisect_right(starts, tsn)
        if i > 0 and ends[i - 1] >= tsn:
            self._note_duplicate(tsn)
            return False
        joins_left = i > 0 and ends[i - 1] == tsn - 1
        joins_right = i < len(starts) and starts[i] == tsn + 1
        if joins_left and joins_right:
            ends[i - 1] = ends[i]
            del starts[i]
            del ends[i]
        elif joins_left:
            ends[i - 1] = tsn
        elif joins_right:
            starts[i] = tsn
        else:
            starts.insert(i, tsn)
            ends.insert(i, tsn)
        if tsn == cum + 1:
            # The first interval now starts right after the ack point: absorb it.
            self.cumulative = ends[0]
            del starts[0]
            del ends[0]
        return True

    def _note_duplicate(self, tsn: int) -> None:
        if len(self.duplicates) < self.max_duplicates:
            self.duplicates.append(tsn)

    def forward(self, new_cumulative: int) -> None:
        """Move the ack point to ``new_cumulative`` as FORWARD-TSN asks (RFC 3758 §3.6)."""
        if new_cumulative <= self.cumulative:
            return
        starts = self._starts
        ends = self._ends
        while starts and starts[0] <= new_cumulative + 1:
            new_cumulative = max(new_cumulative, ends[0])
            del starts[0]
            del ends[0]
        self.cumulative = new_cumulative

    def gap_blocks(self, limit: int) -> list[tuple[int, int]]:
        """Up to ``limit`` Gap Ack Blocks as offsets from the cumulative ack (§3.3.4)."""
        cum = self.cumulative
        blocks: list[tuple[int, int]] = []
        for start, end in zip(self._starts, self._ends, strict=True):
            if len(blocks) >= limit or end - cum > 0xFFFF:
                break
            blocks.append((start - cum, end - cum))
        return blocks

    def take_duplicates(self) -> list[int]:
        """The duplicates to report, which are then forgotten (§6.2 "reported once")."""
        dups = self.duplicates
        self.duplicates = []
        return dups
