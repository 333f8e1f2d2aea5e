"""Tunable values of an SCTP association, with the RFC each default comes from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SctpConfig:
    """Configuration of one :class:`~rtcpeer.sctp.association.Association`.

    Protocol parameters default to RFC 9260 §16's recommended values; the sizes default to what
    WebRTC data channels use (RFC 8831 §5, RFC 8841 §6.1).
    """

    #: Our SCTP port and the peer's (RFC 8841 §5: 5000 unless a=sctp-port says otherwise).
    local_port: int = 5000
    remote_port: int = 5000
    #: Largest SCTP packet, common header included (RFC 8831 §5: 1200 bytes is always safe
    #: inside DTLS over UDP over IPv6; PLPMTUD may raise it).
    mtu: int = 1200
    #: Largest packet PLPMTUD (RFC 8899, see :mod:`~rtcpeer.sctp.pmtud`) may probe for;
    #: ``None`` or ``mtu`` keeps every packet at ``mtu``.
    max_mtu: int | None = None
    #: How long a PLPMTUD probe waits for its HEARTBEAT ACK, and how many go unanswered
    #: before a size counts as too large (RFC 8899 §5.1.2 PROBE_TIMER, MAX_PROBES).
    pmtud_probe_timeout: float = 0.5
    pmtud_max_probes: int = 2
    #: Streams we ask for and accept (RFC 8831 §6.2: 65535, the maximum).
    outbound_streams: int = 65535
    inbound_streams: int = 65535
    #: Receive buffer; the a_rwnd we advertise when nothing is buffered (§6.2).
    receive_buffer: int = 1024 * 1024
    #: Largest message we send or accept (RFC 8841 §6.1 a=max-message-size, default 64 KiB;
    #: browsers accept 256 KiB).
    max_message_size: int = 256 * 1024

    #: RTO.Initial, RTO.Min, RTO.Max, RTO.Alpha and RTO.Beta (§6.3.1, §16).
    rto_initial: float = 1.0
    rto_min: float = 1.0
    rto_max: float = 60.0
    rto_alpha: float = 0.125
    rto_beta: float = 0.25
    #: Max.Init.Retransmits (§5.1, §16): INIT / COOKIE ECHO attempts before giving up.
    max_init_retransmits: int = 8
    #: Association.Max.Retrans (§8.1, §16); ``None`` retransmits for ever.
    max_retransmissions: int | None = 10
    #: Valid.Cookie.Life (§5.1.3, §16).
    cookie_lifetime: float = 60.0
    #: Delayed SACK (§6.2): at most this long, and at least every ``sack_every`` packets.
    sack_delay: float = 0.2
    sack_every: int = 2
    #: HB.interval (§8.3, §16) for an idle association; ``None`` sends no heartbeats.
    heartbeat_interval: float | None = 30.0
    #: Most Gap Ack Blocks and duplicate TSNs a SACK reports (bounded by the MTU anyway).
    max_gap_blocks: int = 64
    max_duplicates: int = 32
    #: Offer and use PR-SCTP (RFC 3758) and stream reset (RFC 6525).
    forward_tsn: bool = True
    reconfig: bool = True
    #: Offer user message interleaving (RFC 8260: I-DATA, and I-FORWARD-TSN with
    #: ``forward_tsn``); used only when the peer offers it too, else plain DATA. Off by
    #: default for now: aiortc and Chromium do not offer it, so only rtcpeer peers gain.
    interleaving: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.local_port <= 0xFFFF or not 0 < self.remote_port <= 0xFFFF:
            raise ValueError("SCTP ports are 1-65535")
        if not 576 <= self.mtu <= 65535:
            raise ValueError(f"mtu {self.mtu} is outside 576-65535")
        if self.max_mtu is not None and not self.mtu <= self.max_mtu <= 65535:
            raise ValueError(f"max_mtu {self.max_mtu} is outside mtu-65535")
        if not 1 <= self.outbound_streams <= 65535 or not 1 <= self.inbound_streams <= 65535:
            raise ValueError("stream counts are 1-65535")
        if self.max_message_size < 1 or self.receive_buffer < self.max_message_size:
            raise ValueError("the receive buffer must hold at least one largest message")
        if not 0 < self.rto_min <= self.rto_initial <= self.rto_max:
            raise ValueError("need 0 < rto_min <= rto_initial <= rto_max")
        if self.sack_every < 1 or self.sack_delay < 0:
            raise ValueError("sack_every >= 1 and sack_delay >= 0")
