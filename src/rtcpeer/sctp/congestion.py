"""Congestion control of the one path WebRTC uses (RFC 9260 §7.2).

Slow start and congestion avoidance (§7.2.1, §7.2.2), the reaction to a retransmission timeout
(§7.2.3) and to fast retransmit with Fast Recovery (§7.2.4). All sizes are bytes of DATA
payload, as the RFC counts them; ``mtu`` is the path MTU.
"""

from __future__ import annotations


class CongestionControl:
    """cwnd, ssthresh and partial_bytes_acked for one destination."""

    __slots__ = (
        "cwnd",
        "fast_recovery_exit",
        "in_fast_recovery",
        "mtu",
        "partial_acked",
        "ssthresh",
    )

    def __init__(self, mtu: int, peer_rwnd: int) -> None:
        self.mtu = mtu
        #: §7.2.1: initial cwnd = min(4*MTU, max(2*MTU, 4380 bytes)).
        self.cwnd = min(4 * mtu, max(2 * mtu, 4380))
        #: §7.2.1: initial ssthresh MAY be arbitrarily high; the peer's a_rwnd is customary.
        self.ssthresh = max(peer_rwnd, 4 * mtu)
        self.partial_acked = 0
        self.in_fast_recovery = False
        #: The highest outstanding TSN when Fast Recovery began (§7.2.4 rule 2).
        self.fast_recovery_exit = 0

    def on_ack(self, newly_acked: int, cum_advanced: bool, flight_before: int) -> None:
        """Grow cwnd for a SACK that newly acknowledged ``newly_acked`` bytes.

        §7.2.1: in slow start cwnd grows by at most min(bytes acked, MTU) when the cumulative
        ack advanced, cwnd was fully used and no Fast Recovery runs. §7.2.2: in congestion
        avoidance, by one MTU per cwnd of acknowledged bytes.
        """
        if newly_acked <= 0:
            return
        # "Fully utilized": less than one more packet would have fitted.
        full = flight_before + self.mtu > self.cwnd
        if self.cwnd <= self.ssthresh:
            if cum_advanced and full and not self.in_fast_recovery:
                self.cwnd += min(newly_acked, self.mtu)
            return
        self.partial_acked += newly_acked
        if cum_advanced and full and self.partial_acked >= self.cwnd:
            self.partial_acked -= self.cwnd
            self.cwnd += self.mtu

    def on_all_acked(self) -> None:
        """§7.2.2: partial_bytes_acked is reset when nothing is outstanding any more."""
        self.partial_acked = 0

    def on_cumulative_ack(self, cumulative: int) -> None:
        """Leave Fast Recovery once the ack passes the exit point (§7.2.4 rule 5)."""
        if self.in_fast_recovery and cumulative >= self.fast_recovery_exit:
            self.in_fast_recovery = False

    def on_fast_retransmit(self, highest_outstanding: int) -> bool:
        """§7.2.4 rule 2; returns whether Fast Recovery was entered (cwnd cut once)."""
        if self.in_fast_recovery:
            return False
        self.ssthresh = max(self.cwnd // 2, 4 * self.mtu)
        self.cwnd = self.ssthresh
        self.partial_acked = 0
        self.in_fast_recovery = True
        self.fast_recovery_exit = highest_outstanding
        return True

    def on_timeout(self) -> None:
        """§7.2.3: after a T3-rtx expiry, ssthresh = max(cwnd/2, 4*MTU), cwnd = 1 MTU."""
        self.ssthresh = max(self.cwnd // 2, 4 * self.mtu)
        self.cwnd = self.mtu
        self.partial_acked = 0
        self.in_fast_recovery = False
