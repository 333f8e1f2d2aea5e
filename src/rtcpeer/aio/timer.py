"""The one timer every asyncio adapter needs: a sans-IO deadline on the event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class DeadlineTimer:
    """Calls ``on_expiry(now)`` when the deadline given to :meth:`arm` is reached.

    Re-arms only when the deadline changes, and never reports a time before the deadline
    (asyncio may run a handle up to its clock resolution early; a sans-IO core that saw an
    earlier ``now`` would ask for the same deadline again).
    """

    __slots__ = ("_at", "_handle", "_on_expiry")

    def __init__(self, on_expiry: Callable[[float], None]) -> None:
        self._on_expiry = on_expiry
        self._handle: asyncio.TimerHandle | None = None
        self._at: float | None = None

    def arm(self, deadline: float | None) -> None:
        if deadline == self._at:
            return
        self.cancel()
        self._at = deadline
        if deadline is not None:
            self._handle = asyncio.get_running_loop().call_at(deadline, self._fire)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._handle = None
        self._at = None

    def _fire(self) -> None:
        deadline = self._at
        self._handle = None
        self._at = None
        now = asyncio.get_running_loop().time()
        self._on_expiry(now if deadline is None else max(now, deadline))
