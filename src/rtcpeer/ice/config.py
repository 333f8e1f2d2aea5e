"""Tunable timing and limits of the ICE agent, with the spec value each default comes from."""

from __future__ import annotations

from dataclasses import dataclass

from rtcpeer.turn import TurnConfig


@dataclass(frozen=True, slots=True)
class IceConfig:
    """Configuration of one :class:`~rtcpeer.ice.agent.IceAgent`.

    Every default is the RFC's recommended value unless the docstring of the field says
    otherwise; the non-standard ones exist to meet webrtc-pc's "disconnected" promptly.
    """

    #: Ta, the pacing of new checks (RFC 8445 §14.2: 50 ms default for RTP-only is not
    #: mandated; webrtc uses 50 ms).
    ta: float = 0.05
    #: Minimum RTO of a connectivity check (RFC 8445 §14.3: MAX(500 ms, Ta * N)).
    min_rto: float = 0.5
    #: Rc, transmissions of a connectivity check (RFC 8489 §6.2.1).
    check_transmissions: int = 7
    #: Rm, the final wait as a multiple of the initial RTO (RFC 8489 §6.2.1).
    check_final_wait_factor: int = 16
    #: The PAC timer (RFC 8863 §4): no ``failed`` before this long after checks start,
    #: unless no local candidate exists.
    pac_timeout: float = 39.5
    #: Maximum pairs in a check list (RFC 8445 §6.1.2.5 recommends 100).
    max_pairs: int = 100
    #: Maximum remote candidates of one generation (signalled and peer-reflexive together).
    max_remote_candidates: int = 100
    #: Maximum client transactions in flight (checks, consent, gathering together).
    max_transactions: int = 300

    #: RFC 7675 §5.1: consent checks every 5 s, randomised to 0.8-1.2 of that.
    consent_interval: float = 5.0
    #: RFC 7675 §5.1: consent expires 30 s after the last authenticated response.
    consent_timeout: float = 30.0
    #: Liveness (implementation-defined, webrtc-pc §5.7.6 "disconnected"): when no
    #: authenticated response has arrived for this long, probe the selected pair more often.
    liveness_idle: float = 1.5
    #: Spacing of liveness probes once ``liveness_idle`` has passed.
    liveness_probe_interval: float = 0.125
    #: Silence after which the transport is reported ``disconnected`` (must stay under 3 s).
    disconnected_timeout: float = 2.5
    #: Spacing of probes while the pair is silent, so recovery is seen within this long.
    disconnected_probe_interval: float = 0.5

    #: After a restart replaces the selected pair, its datagrams still in flight are
    #: accepted for this long.
    retired_pair_grace: float = 5.0

    #: Regular nomination (RFC 8445 §8.1.1): nominate the best valid pair at once if no
    #: higher-priority pair is still being checked, otherwise this long after the first pair
    #: succeeded (host pairs to unreachable private addresses never answer, so waiting for
    #: them longer only delays the connection).
    nomination_timeout: float = 0.5

    #: Gathering from STUN servers (RFC 8489 §6.2.1 with a smaller Rc and Rm so gathering
    #: completes in bounded time): requests at 0, 0.5, 1.5, 3.5 and 7.5 s, and a server that
    #: never answers is given up 9.5 s after gathering started. Host candidates never wait.
    gather_rto: float = 0.5
    gather_transmissions: int = 5
    gather_final_wait_factor: int = 4

    #: TURN clients' timing (RFC 8656). None: the TURN defaults, except that transactions
    #: follow the ``gather_*`` schedule above, so an unreachable TURN server is reported
    #: (701) as soon as an unreachable STUN server.
    turn: TurnConfig | None = None
