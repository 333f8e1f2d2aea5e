"""The operations chain of RTCPeerConnection (webrtc-pc §4.4.1.2).

createOffer, createAnswer, setLocalDescription, setRemoteDescription and addIceCandidate
run one at a time, in call order (checklist item 51). When the chain empties and an update
of the negotiation-needed flag was deferred because it was busy, the update runs then
(item 80).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from rtcpeer.pc.errors import InvalidStateError

T = TypeVar("T")


class OperationsChain:
    """[[Operations]] with its "chain an operation" algorithm."""

    def __init__(
        self,
        is_closed: Callable[[], bool],
        on_empty: Callable[[], None],
        on_settled: Callable[[], None] | None = None,
    ) -> None:
        self._is_closed = is_closed
        self._on_empty = on_empty
        #: Called right after each operation's promise settles (its awaiter's wake-up is
        #: queued first), so work queued here runs after the caller has seen the result.
        self._on_settled = on_settled
        #: A list, not a deque: it rarely holds more than one or two, and an empty deque
        #: costs ~600 B per peer connection for its whole life.
        self._operations: list[tuple[Callable[[], Awaitable[Any]], asyncio.Future[Any]]] = []
        #: [[UpdateNegotiationNeededFlagOnEmptyChain]] (§4.7.3 step 1).
        self.update_negotiation_needed_on_empty = False

    def __len__(self) -> int:
        return len(self._operations)

    async def run(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Chain ``operation`` and wait for its result.

        §4.4.1.2: closed -> InvalidStateError at once. If the connection closes while the
        operation runs, the result is never delivered (the spec's promise never settles).
        """
        if self._is_closed():
            raise InvalidStateError("the RTCPeerConnection is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._operations.append((operation, future))
        if len(self._operations) == 1:
            self._execute()
        return await future

    def _execute(self) -> None:
        operation, future = self._operations[0]
        task = asyncio.ensure_future(_call(operation))
        task.add_done_callback(lambda done: self._finished(done, future))

    def _finished(self, done: asyncio.Future[Any], future: asyncio.Future[Any]) -> None:
        if self._is_closed():
            return  # §4.4.1.2 step 7.1: abort; the promise never settles
        if not future.cancelled():
            error = done.exception() if not done.cancelled() else asyncio.CancelledError()
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(done.result())
        if self._on_settled is not None:
            self._on_settled()
        self._operations.pop(0)
        if self._operations:
            self._execute()
            return
        if self.update_negotiation_needed_on_empty:
            self.update_negotiation_needed_on_empty = False
            self._on_empty()


async def _call(operation: Callable[[], Awaitable[T]]) -> T:
    return await operation()
