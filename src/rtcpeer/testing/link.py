"""Link impairments: delay, jitter, loss (independent and bursty), reordering, duplication,
MTU and bandwidth.

A :class:`LinkProfile` describes a link; it is attached to an
:class:`~rtcpeer.testing.Interface` (applied to every datagram the interface sends *and*
receives) or to a :class:`~rtcpeer.testing.Nat`'s WAN side (applied to every datagram
the NAT forwards to or receives from its parent realm). A datagram crossing several
links sees the sum of their delays and each link's chance of loss.

Each direction of each link has its own :class:`LinkChannel` state (the Gilbert-Elliott
chain and the bandwidth queue). Profiles are read when a datagram enters the link, so a
test may change ``iface.link.loss`` (or replace ``iface.link``) in the middle of a run.

Random decisions are drawn from the network's single RNG, in this fixed order per
datagram and only for the features that are enabled (so an impairment-free link draws
nothing): the Gilbert-Elliott transition, the independent loss, the jitter, the reorder
coin, the duplication coin.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from .clock import NS_PER_SECOND
from .trace import DropReason

__all__ = ["LinkChannel", "LinkProfile"]

_NON_NEGATIVE = ("delay", "jitter", "reorder_delay")
_PROBABILITIES = ("loss", "reorder", "duplicate")


@dataclass
class LinkProfile:
    """Impairments of one link, applied independently in each direction.

    Attributes are validated on construction and on every assignment
    (:class:`ValueError`).
    """

    delay: float = 0.0
    """One-way propagation delay in seconds."""
    jitter: float = 0.0
    """Extra delay drawn uniformly from ``[0, jitter]`` seconds per datagram. Jitter larger
    than the spacing between datagrams reorders them (intended)."""
    loss: float = 0.0
    """Independent probability that a datagram is lost."""
    burst_loss: tuple[float, float] | None = None
    """Gilbert-Elliott bursty loss ``(p_good_to_bad, p_bad_to_good)``: before each datagram
    the two-state chain moves (good -> bad with the first probability, bad -> good with the
    second); every datagram that finds it in the bad state is lost. Mean burst length is
    ``1 / p_bad_to_good``; the long-run loss rate is ``p_gb / (p_gb + p_bg)``."""
    reorder: float = 0.0
    """Probability that a datagram is held back an extra :attr:`reorder_delay`."""
    reorder_delay: float = 0.02
    """Seconds added to a datagram picked by :attr:`reorder`."""
    duplicate: float = 0.0
    """Probability that a datagram is delivered twice (the copy arrives right after it)."""
    mtu: int = 1500
    """A datagram whose payload exceeds ``mtu - 28`` (IPv4 + UDP headers; ``mtu - 48`` for
    IPv6) is dropped (reason ``"mtu"``); there is no fragmentation."""
    bandwidth: float | None = None
    """Serialization rate in bytes per second (payload + IP/UDP headers), or ``None`` for
    unlimited. Datagrams queue behind each other (unbounded FIFO), adding queueing delay."""

    def __setattr__(self, name: str, value: Any) -> None:
        _validate(name, value)
        object.__setattr__(self, name, value)


def _validate(name: str, value: Any) -> None:
    if name in _NON_NEGATIVE:
        if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
            raise ValueError(f"LinkProfile.{name} must be a finite number >= 0, got {value!r}")
    elif name in _PROBABILITIES:
        if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
            raise ValueError(f"LinkProfile.{name} must be a probability in [0, 1], got {value!r}")
    elif name == "burst_loss":
        if value is not None:
            ok = (
                isinstance(value, tuple)
                and len(value) == 2
                and all(isinstance(p, int | float) and 0.0 <= p <= 1.0 for p in value)
            )
            if not ok:
                raise ValueError(
                    "LinkProfile.burst_loss must be None or (p_good_to_bad, p_bad_to_good) "
                    f"probabilities, got {value!r}"
                )
    elif name == "mtu":
        if not isinstance(value, int) or isinstance(value, bool) or value < 68:
            raise ValueError(f"LinkProfile.mtu must be an int >= 68, got {value!r}")
    elif name == "bandwidth" and not (
        value is None or (isinstance(value, int | float) and math.isfinite(value) and value > 0)
    ):
        raise ValueError(f"LinkProfile.bandwidth must be None or > 0, got {value!r}")


class LinkChannel:
    """The mutable state of one direction of a link."""

    __slots__ = ("bad", "busy_until_ns")

    def __init__(self) -> None:
        self.bad = False
        """Whether the Gilbert-Elliott chain is in the bad state."""
        self.busy_until_ns = 0
        """When the bandwidth queue drains (virtual nanoseconds)."""

    def transit(
        self,
        profile: LinkProfile,
        payload_size: int,
        overhead: int,
        now_ns: int,
        rng: random.Random,
    ) -> DropReason | tuple[int, ...]:
        """Send a datagram of ``payload_size`` bytes (plus ``overhead`` header bytes) into
        the link at ``now_ns``.

        Returns the drop reason, or the arrival time(s) at the far end: one, or two when
        the datagram is duplicated.
        """
        wire_size = payload_size + overhead
        if wire_size > profile.mtu:
            return DropReason.MTU

        depart = now_ns
        if profile.bandwidth is not None:
            start = max(now_ns, self.busy_until_ns)
            depart = start + math.ceil(wire_size * NS_PER_SECOND / profile.bandwidth)
            self.busy_until_ns = depart

        burst = profile.burst_loss
        if burst is None:
            self.bad = False
        else:
            if self.bad:
                if rng.random() < burst[1]:
                    self.bad = False
            elif rng.random() < burst[0]:
                self.bad = True
            if self.bad:
                return DropReason.LOSS
        if profile.loss > 0.0 and rng.random() < profile.loss:
            return DropReason.LOSS

        arrival = depart + round(profile.delay * NS_PER_SECOND)
        if profile.jitter > 0.0:
            arrival += round(rng.random() * profile.jitter * NS_PER_SECOND)
        if profile.reorder > 0.0 and rng.random() < profile.reorder:
            arrival += round(profile.reorder_delay * NS_PER_SECOND)
        if profile.duplicate > 0.0 and rng.random() < profile.duplicate:
            return (arrival, arrival)
        return (arrival,)
