"""Timing and limits of the TURN client, with the RFC value each default comes from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TurnConfig:
    """Configuration of one :class:`~rtcpeer.turn.TurnClient`."""

    #: LIFETIME asked for in Allocate and Refresh (RFC 8656 §7.2: the default lifetime is
    #: 10 minutes; the server may grant less).
    lifetime: int = 600
    #: Refresh this long before the allocation expires (RFC 8656 §8: "a client SHOULD
    #: refresh ... before it expires"; one minute, as libwebrtc does), but never later than
    #: half way through a short lifetime.
    refresh_margin: float = 60.0
    #: RFC 8656 §9: a permission lasts 300 s (fixed, not negotiable).
    permission_lifetime: float = 300.0
    #: Refresh permissions in use this often (RFC 8656 §9.1: before the 300 s run out; the
    #: brief's 240 s, as libwebrtc and pion use).
    permission_refresh: float = 240.0
    #: RFC 8656 §12: a channel binding lasts 10 minutes.
    channel_lifetime: float = 600.0
    #: Refresh channel bindings this long after they were (re)bound (one minute early).
    channel_refresh: float = 540.0
    #: Bind a channel to each peer data is sent to, once its permission exists
    #: (RFC 8656 §12: ChannelData has 4 bytes of overhead instead of 36).
    auto_channel: bool = True
    #: RFC 8489 §6.2.1 over UDP: initial RTO, Rc and Rm.
    rto: float = 0.5
    max_transmissions: int = 7
    final_wait_factor: int = 16
    #: RFC 8489 §6.2.2 over TCP/TLS: no retransmission; Ti = 39.5 s.
    stream_timeout: float = 39.5
    #: How long close() waits for the Refresh with LIFETIME 0 over UDP (it is retransmitted
    #: meanwhile) before reporting the allocation closed anyway.
    close_timeout: float = 2.0
    #: After CreatePermission for an IP failed, data to it is dropped (and no new request
    #: sent) for this long, so a refused peer does not cost one request per datagram.
    permission_retry_after: float = 10.0
    #: Datagrams kept per peer while its permission is being created.
    max_pending_per_peer: int = 16
    #: 438 Stale Nonce answers followed for one request before it counts as failed.
    max_stale_nonce_retries: int = 3
    #: SOFTWARE attribute to send (RFC 8489 §14.14), or None.
    software: str | None = None
