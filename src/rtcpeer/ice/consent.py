"""Consent freshness (RFC 7675) and liveness of the pair that carries data.

Two clocks run on the selected pair, both fed by authenticated Binding *responses* (RFC 7675
§5.1: only a response to our own request proves the peer still consents, so incoming requests
and application data do not count):

* consent: a check every ``consent_interval`` randomised to 0.8-1.2x (§5.1), and expiry
  ``consent_timeout`` after the last response, when sending must stop;
* liveness: webrtc-pc §5.7.6 leaves "disconnected" to the implementation. Once no response
  has come for ``liveness_idle`` the pair is probed every ``liveness_probe_interval``, and it
  is *silent* after ``disconnected_timeout``. On a healthy idle path a response arrives every
  ``liveness_idle`` + RTT, so silence means loss, and it is noticed within
  ``disconnected_timeout`` (2.5 s by default) of the last response.
"""

from __future__ import annotations

import random

from rtcpeer.ice.config import IceConfig


class ConsentTimer:
    """Schedules consent/liveness checks for one pair and says when consent is lost."""

    __slots__ = ("_config", "_next_regular", "_rng", "last_request", "last_response")

    def __init__(self, now: float, config: IceConfig, rng: random.Random) -> None:
        self._config = config
        self._rng = rng
        #: The check that made the pair valid is the first consent (RFC 7675 §4).
        self.last_response = now
        self.last_request = now
        self._next_regular = now + self._interval()

    def _interval(self) -> float:
        """RFC 7675 §5.1: uniformly random in [0.8, 1.2] x the consent interval."""
        return self._config.consent_interval * self._rng.uniform(0.8, 1.2)

    def on_response(self, now: float) -> None:
        """An authenticated success response to one of our checks on this pair arrived."""
        self.last_response = max(self.last_response, now)

    def on_request_sent(self, now: float) -> None:
        self.last_request = now
        self._next_regular = now + self._interval()

    def next_request_at(self) -> float:
        """When the next consent/liveness request is due."""
        cfg = self._config
        if self.is_silent(self.last_request):
            probe = self.last_request + cfg.disconnected_probe_interval
        else:
            probe = max(
                self.last_response + cfg.liveness_idle,
                self.last_request + cfg.liveness_probe_interval,
            )
        return min(self._next_regular, probe)

    def silent_at(self) -> float:
        """When the pair counts as silent if no response arrives before then."""
        return self.last_response + self._config.disconnected_timeout

    def expires_at(self) -> float:
        """RFC 7675 §5.1: consent expires 30 s after the last authenticated response."""
        return self.last_response + self._config.consent_timeout

    def is_silent(self, now: float) -> bool:
        return now >= self.silent_at()

    def is_expired(self, now: float) -> bool:
        return now >= self.expires_at()
