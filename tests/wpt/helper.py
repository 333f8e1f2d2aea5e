"""Python equivalents of WPT's ``webrtc/RTCPeerConnection-helper.js``.

Also the helpers that some ported files define for themselves (``getUfrags`` of the
restartIce file, ``awaitNegotiation`` of onnegotiationneeded, ``config_test`` of
RTCConfiguration-helper.js) and the perfect-negotiation peer of
``RTCPeerConnection-perfect-negotiation-helper.js``. Written from the JS helpers'
behaviour, not translated line by line.

Conventions of the port:

* A JS promise that a test creates and awaits later is an ``asyncio.Task`` (:func:`start`)
  or a future that an event handler resolves (:func:`next_event`). Event handlers are
  attached *at once*, as ``addEventListener`` is, never lazily when awaited.
* Every wait has a timeout (:func:`within`); a missing event fails the test instead of
  hanging it. Checks that something does *not* happen (``test_never_resolve``,
  ``assertNoNegotiationNeeded``, "no event within 100 ms") wait for the event with a
  short timeout, as the JS tests do with ``step_timeout``.
* "Same task" / "before the promise resolves" checks of WPT become recorded event orders
  (:class:`EventLog`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable, Mapping
from typing import Any, TypeVar

import pytest
from pyee.asyncio import AsyncIOEventEmitter

from rtcpeer import (
    DOMException,
    RTCIceCandidate,
    RTCPeerConnection,
    RTCSessionDescription,
)

T = TypeVar("T")
Description = RTCSessionDescription | Mapping[str, Any]

#: How long an event that must come may take (loopback ICE connects in well under 1 s).
EVENT_TIMEOUT = 5.0
#: ``test_never_resolve``'s window (WPT: 100 ms).
NEVER_WINDOW = 0.1
#: The window in which no negotiationneeded may fire (WPT's assertNoNegotiationNeeded
#: uses 10 ms; a little more here, since a Python event loop turn is slower).
NO_NEGOTIATION_WINDOW = 0.05

# ---------------------------------------------------------------------------- background

_BACKGROUND: set[asyncio.Future[Any]] = set()


def start(coroutine: Coroutine[Any, Any, T] | asyncio.Future[T]) -> asyncio.Future[T]:
    """Start ``coroutine`` now, as calling a promise-returning JS method does (rtcpeer's
    chained methods already return a started future); the task is cancelled after the
    test if nobody awaited it."""
    task = asyncio.ensure_future(coroutine)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    return task


class _Continue:
    """Drives a coroutine that already ran to its first suspension (see :func:`start_eagerly`):
    the task that awaits this waits on what the coroutine waits on, then resumes it."""

    def __init__(self, coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
        self._coroutine = coroutine
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, None, Any]:
        waiting_on = self._waiting_on
        while True:
            try:
                yield waiting_on
            except BaseException as error:  # the task was cancelled: pass it in
                try:
                    waiting_on = self._coroutine.throw(error)
                except StopIteration as stop:
                    return stop.value
                continue
            try:
                waiting_on = self._coroutine.send(None)
            except StopIteration as stop:
                return stop.value


def start_eagerly(coroutine: Coroutine[Any, Any, Any]) -> None:
    """Run ``coroutine`` now up to its first ``await``, as a JavaScript async function runs
    synchronously when called, then let a task carry on. An async event handler ported from
    JS must do its synchronous prefix (state checks, flags, the calls that chain operations)
    at dispatch time, or its checks see a later state than the browser's would."""
    try:
        waiting_on = coroutine.send(None)
    except StopIteration:
        return

    async def carry_on() -> None:
        await _Continue(coroutine, waiting_on)

    start(carry_on())


async def cancel_background_tasks() -> None:
    """Cancel what :func:`start` started and nobody finished (conftest teardown)."""
    pending = [task for task in _BACKGROUND if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    _BACKGROUND.clear()


async def yield_to_loop() -> None:
    """One event-loop turn: tasks just started run up to their first suspension, as a JS
    method runs its synchronous steps before returning its promise. Not a timed sleep."""
    await asyncio.sleep(0)


async def within(awaitable: Awaitable[T], what: str, timeout: float = EVENT_TIMEOUT) -> T:
    """Await with a timeout; a timeout fails the test naming what never happened."""
    try:
        return await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        pytest.fail(f"timed out after {timeout} s waiting for {what}")


# ---------------------------------------------------------------------------- events


def next_event(
    emitter: AsyncIOEventEmitter,
    name: str,
    predicate: Callable[..., bool] | None = None,
) -> asyncio.Future[tuple[Any, ...]]:
    """A future resolved with the arguments of the next ``name`` event (for which
    ``predicate`` holds). The listener is attached now and removed once it fired."""
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def listener(*args: Any) -> None:
        if future.done() or (predicate is not None and not predicate(*args)):
            return
        future.set_result(args)
        emitter.remove_listener(name, listener)

    emitter.on(name, listener)
    return future


async def wait_until(
    emitter: AsyncIOEventEmitter,
    name: str,
    condition: Callable[[], bool],
    what: str,
    timeout: float = EVENT_TIMEOUT,
) -> None:
    """Return once ``condition()`` holds, re-checking it at every ``name`` event."""
    if condition():
        return
    await within(next_event(emitter, name, lambda *_: condition()), what, timeout)


class EventLog:
    """Records, in order, events of several emitters, each with a snapshot taken when it
    fired; tests add their own marks (``log.mark("sLD resolved")``)."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, Any]] = []

    def watch(
        self,
        emitter: AsyncIOEventEmitter,
        name: str,
        snapshot: Callable[..., Any] | None = None,
        label: str | None = None,
    ) -> None:
        def listener(*args: Any) -> None:
            value = snapshot(*args) if snapshot is not None else None
            self.entries.append((label or name, value))

        emitter.on(name, listener)

    def mark(self, label: str, value: Any = None) -> None:
        self.entries.append((label, value))

    def names(self) -> list[str]:
        return [name for name, _ in self.entries]

    def values(self, name: str) -> list[Any]:
        return [value for entry, value in self.entries if entry == name]


class StateRecorder:
    """Records ``pc.<attribute>`` at every ``event`` (``pc.iceStates`` of the WPT tests)."""

    def __init__(
        self, pc: AsyncIOEventEmitter, event: str, attribute: str, *, initial: bool = False
    ) -> None:
        self.states: list[str] = [getattr(pc, attribute)] if initial else []
        pc.on(event, lambda *_: self.states.append(getattr(pc, attribute)))


class NoEventsExpected:
    """``pc.on<event> = t.unreached_func()``: counts events that must not fire."""

    def __init__(self, emitter: AsyncIOEventEmitter, name: str) -> None:
        self.name = name
        self.fired: list[tuple[Any, ...]] = []
        self._emitter = emitter
        emitter.on(name, self._listener)

    def _listener(self, *args: Any) -> None:
        self.fired.append(args)

    def stop(self) -> None:
        self._emitter.remove_listener(self.name, self._listener)

    def assert_none(self) -> None:
        assert not self.fired, f"unexpected {self.name} event(s): {self.fired}"


# ---------------------------------------------------------------------------- states


async def wait_for_ice_state_change(pc: RTCPeerConnection, wanted: Iterable[str]) -> None:
    """``waitForIceStateChange(pc, wantedStates)``."""
    states = tuple(wanted)
    await wait_until(
        pc,
        "iceconnectionstatechange",
        lambda: pc.iceConnectionState in states,
        f"iceConnectionState in {states} (now {pc.iceConnectionState})",
    )


async def listen_to_ice_connected(pc: RTCPeerConnection) -> None:
    """``listenToIceConnected(pc)``: iceConnectionState connected or completed."""
    await wait_for_ice_state_change(pc, ("connected", "completed"))


async def wait_for_connection_state_change(pc: RTCPeerConnection, wanted: Iterable[str]) -> None:
    """``waitForConnectionStateChange(pc, wantedStates)``."""
    states = tuple(wanted)
    await wait_until(
        pc,
        "connectionstatechange",
        lambda: pc.connectionState in states,
        f"connectionState in {states} (now {pc.connectionState})",
    )


async def wait_for_ice_gathering_state(pc: RTCPeerConnection, wanted: Iterable[str]) -> None:
    """``waitForIceGatheringState(pc, wantedStates)``."""
    states = tuple(wanted)
    await wait_until(
        pc,
        "icegatheringstatechange",
        lambda: pc.iceGatheringState in states,
        f"iceGatheringState in {states} (now {pc.iceGatheringState})",
    )


async def wait_for_state(transport: Any, wanted: Iterable[str]) -> None:
    """``waitForState(transport, state)`` for an RTCIceTransport (any of ``wanted``)."""
    states = tuple(wanted)
    await wait_until(
        transport,
        "statechange",
        lambda: transport.state in states,
        f"transport state in {states} (now {transport.state})",
    )


def ice_gathering_state_transitions(
    pc: RTCPeerConnection, *states: str, timeout: float = 2.0
) -> asyncio.Future[None]:
    """``iceGatheringStateTransitions(pc, ...states)``: the next icegatheringstatechange
    events must report exactly ``states``, in order. Listening starts now. (Gathering on
    loopback takes milliseconds; the short timeout keeps known failures quick.)"""
    changes: asyncio.Queue[str] = asyncio.Queue()
    listener = lambda: changes.put_nowait(pc.iceGatheringState)  # noqa: E731
    pc.on("icegatheringstatechange", listener)

    async def check() -> None:
        try:
            for expected in states:
                got = await within(changes.get(), f"icegatheringstatechange to {expected}", timeout)
                assert got == expected, (
                    f"Unexpected gathering state: {got}, was expecting {expected}"
                )
        finally:
            pc.remove_listener("icegatheringstatechange", listener)

    return start(check())


async def initial_offer_answer_with_ice_gathering_state_transitions(
    pc1: RTCPeerConnection, pc2: RTCPeerConnection
) -> None:
    """``initialOfferAnswerWithIceGatheringStateTransitions``: an offer/answer in which
    both sides must go gathering -> complete, listening only after each sLD resolved."""
    await pc1.setLocalDescription(await pc1.createOffer())
    pc1_transitions = ice_gathering_state_transitions(pc1, "gathering", "complete")
    assert pc1.localDescription is not None
    await pc2.setRemoteDescription(pc1.localDescription)
    await pc2.setLocalDescription(await pc2.createAnswer())
    pc2_transitions = ice_gathering_state_transitions(pc2, "gathering", "complete")
    assert pc2.localDescription is not None
    await pc1.setRemoteDescription(pc2.localDescription)
    await pc1_transitions
    await pc2_transitions


# ---------------------------------------------------------------------------- SDP


def count_lines(sdp: str, kind: str) -> int:
    """Number of ``m=<kind>`` lines."""
    return len(re.findall(rf"^m={kind} ", sdp, flags=re.MULTILINE))


def similar_media_descriptions(sdp1: str, sdp2: str) -> bool:
    return sdp1 == sdp2 or all(
        count_lines(sdp1, kind) == count_lines(sdp2, kind)
        for kind in ("audio", "video", "application")
    )


def _type_and_sdp(description: Description | None) -> tuple[str, str]:
    assert description is not None, "expected a session description, got None"
    if isinstance(description, RTCSessionDescription):
        return description.type, description.sdp
    return str(description["type"]), str(description.get("sdp", ""))


def is_similar_session_description(d1: Description | None, d2: Description | None) -> bool:
    type1, sdp1 = _type_and_sdp(d1)
    type2, sdp2 = _type_and_sdp(d2)
    return type1 == type2 and similar_media_descriptions(sdp1, sdp2)


def assert_session_desc_similar(d1: Description | None, d2: Description | None) -> None:
    assert is_similar_session_description(d1, d2), (
        "Expect both session descriptions to have the same type and count of media lines"
    )


def assert_session_desc_not_similar(d1: Description | None, d2: Description | None) -> None:
    assert not is_similar_session_description(d1, d2), (
        "Expect both session descriptions to have different count of media lines"
    )


def get_lines(sdp: str, starts_with: str) -> list[str]:
    lines = [line for line in sdp.split("\r\n") if line.startswith(starts_with)]
    assert lines, f"One or more {starts_with} in sdp"
    return lines


def get_ufrags(description: Description | None) -> list[str]:
    """``getUfrags``: the ``a=ice-ufrag:`` lines."""
    return get_lines(_type_and_sdp(description)[1], "a=ice-ufrag:")


def get_pwds(description: Description | None) -> list[str]:
    """``getPwds``: the ``a=ice-pwd:`` lines."""
    return get_lines(_type_and_sdp(description)[1], "a=ice-pwd:")


def media_sections(sdp: str) -> list[str]:
    """The text of each m-section (from its m= line to the next)."""
    parts = re.split(r"\r\n(?=m=)", sdp)
    return [part for part in parts if part.startswith("m=")]


# ---------------------------------------------------------------------------- offers


async def generate_data_channel_offer(pc: RTCPeerConnection) -> RTCSessionDescription:
    """``generateDataChannelOffer``: a data channel, then an offer with m=application."""
    pc.createDataChannel("test")
    offer = await pc.createOffer()
    assert count_lines(offer.sdp, "application") == 1, (
        "Expect m=application line to be present in generated SDP"
    )
    return offer


async def generate_answer(offer: Description) -> RTCSessionDescription:
    """``generateAnswer``: the answer of a fresh, then closed, RTCPeerConnection."""
    pc = RTCPeerConnection()
    try:
        await pc.setRemoteDescription(offer)
        return await pc.createAnswer()
    finally:
        await pc.close()


async def generate_offer() -> RTCSessionDescription:
    """``generateOffer``: the offer of a fresh, then closed, RTCPeerConnection."""
    pc = RTCPeerConnection()
    try:
        return await pc.createOffer()
    finally:
        await pc.close()


async def exchange_offer(caller: RTCPeerConnection, callee: RTCPeerConnection) -> None:
    """``exchangeOffer``."""
    await caller.setLocalDescription(await caller.createOffer())
    assert caller.localDescription is not None
    await callee.setRemoteDescription(caller.localDescription)


async def exchange_answer(caller: RTCPeerConnection, callee: RTCPeerConnection) -> None:
    """``exchangeAnswer`` (current helper: the caller applies the answer first, so the
    callee's candidates never reach a caller without a remote description)."""
    answer = await callee.createAnswer()
    await caller.setRemoteDescription(answer)
    await callee.setLocalDescription(answer)


async def exchange_offer_answer(caller: RTCPeerConnection, callee: RTCPeerConnection) -> None:
    """``exchangeOfferAnswer``."""
    await exchange_offer(caller, callee)
    await exchange_answer(caller, callee)


async def do_signaling_handshake_end_on_first(
    pc1: RTCPeerConnection, pc2: RTCPeerConnection
) -> None:
    """``doSignalingHandshakeEndOnFirst`` (restartIce file): pc1 applies the answer last."""
    await pc1.setLocalDescription(await pc1.createOffer())
    assert pc1.localDescription is not None
    await pc2.setRemoteDescription(pc1.localDescription)
    await pc2.setLocalDescription(await pc2.createAnswer())
    assert pc2.localDescription is not None
    await pc1.setRemoteDescription(pc2.localDescription)


async def do_signaling_handshake_end_on_second(
    pc1: RTCPeerConnection, pc2: RTCPeerConnection
) -> None:
    """``doSignalingHandshakeEndOnSecond`` (restartIce file): pc2 applies its own answer
    last."""
    await pc1.setLocalDescription(await pc1.createOffer())
    assert pc1.localDescription is not None
    await pc2.setRemoteDescription(pc1.localDescription)
    await pc1.setRemoteDescription(await pc2.createAnswer())
    assert pc1.remoteDescription is not None
    await pc2.setLocalDescription(pc1.remoteDescription)


# ---------------------------------------------------------------------------- candidates


class CandidateExchange:
    """``exchangeIceCandidates(pc1, pc2)``: every icecandidate event of one side goes to the
    other's addIceCandidate at once (null and "" candidates too, as the current helper
    does), unless that side is closed.

    In a browser a rejected addIceCandidate here is an unhandled rejection. The port keeps
    the errors in :attr:`errors` so that a test can check them; the connection tests do
    not, because rtcpeer's early candidates (see the README) make some of them fail in a
    way that is diagnosed by its own test."""

    def __init__(self, pc1: RTCPeerConnection, pc2: RTCPeerConnection) -> None:
        self.errors: list[BaseException] = []
        self._forward(pc1, pc2)
        self._forward(pc2, pc1)

    def _forward(self, local: RTCPeerConnection, remote: RTCPeerConnection) -> None:
        def on_candidate(candidate: RTCIceCandidate | None) -> None:
            if remote.signalingState != "closed":
                task = start(remote.addIceCandidate(candidate))
                task.add_done_callback(self._record)

        local.on("icecandidate", on_candidate)

    def _record(self, task: asyncio.Future[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            assert error is not None
            self.errors.append(error)


def exchange_ice_candidates(pc1: RTCPeerConnection, pc2: RTCPeerConnection) -> CandidateExchange:
    return CandidateExchange(pc1, pc2)


# ---------------------------------------------------------------------------- assertions


async def assert_rejects_dom(name: str, awaitable: Awaitable[Any]) -> DOMException:
    """``promise_rejects_dom(t, name, promise)``."""
    with pytest.raises(DOMException) as info:
        await within(awaitable, f"a {name} rejection")
    assert info.value.name == name, f"expected {name}, got {info.value.name}: {info.value}"
    return info.value


async def assert_rejects_type_error(awaitable: Awaitable[Any]) -> None:
    """``promise_rejects_js(t, TypeError, promise)``."""
    with pytest.raises(TypeError):
        await within(awaitable, "a TypeError rejection")


async def assert_never_settles(awaitable: Awaitable[Any], window: float = NEVER_WINDOW) -> None:
    """``test_never_resolve``: the promise neither resolves nor rejects within the
    window."""
    task = start(_as_coroutine(awaitable))
    done, _ = await asyncio.wait({task}, timeout=window)
    if done:
        if task.exception() is not None:
            pytest.fail(f"Pending promise should never settle; rejected: {task.exception()!r}")
        pytest.fail(f"Pending promise should never settle; resolved with {task.result()!r}")
    task.cancel()


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def assert_no_negotiation_needed(
    pc: RTCPeerConnection, window: float = NO_NEGOTIATION_WINDOW
) -> None:
    """``assertNoNegotiationNeeded`` (restartIce file): stable, and no negotiationneeded
    within the window."""
    assert pc.signalingState == "stable", "In stable state"
    fired = next_event(pc, "negotiationneeded")
    done, _ = await asyncio.wait({fired}, timeout=window)
    if not done:
        fired.cancel()
    assert not done, "No negotiationneeded event"


async def no_event_within(
    emitter: AsyncIOEventEmitter, name: str, window: float
) -> list[tuple[Any, ...]]:
    """The ``name`` events that fired within ``window`` seconds (WPT's "wait 100 ms and
    check that nothing fired")."""
    watcher = NoEventsExpected(emitter, name)
    fired = next_event(emitter, name)
    done, _ = await asyncio.wait({fired}, timeout=window)
    if not done:
        fired.cancel()
    watcher.stop()
    return watcher.fired


class NegotiationWatcher:
    """``awaitNegotiation(pc)`` of the onnegotiationneeded file: counts negotiationneeded
    events; :meth:`next` is the next one after the call."""

    def __init__(self, pc: RTCPeerConnection) -> None:
        self.count = 0
        self._pc = pc
        self._waiters: list[asyncio.Future[None]] = []
        pc.on("negotiationneeded", self._fired)

    def _fired(self) -> None:
        self.count += 1
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def next(self) -> asyncio.Future[None]:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return waiter


async def negotiation_needed(pc: RTCPeerConnection) -> None:
    """``await new Promise(r => pc.onnegotiationneeded = r)`` (listener attached at the
    call; use :func:`next_event` to attach it earlier)."""
    await within(next_event(pc, "negotiationneeded"), "negotiationneeded")


# ---------------------------------------------------------------------------- perfect negotiation


class PerfectNegotiationPeer:
    """``peer(other, polite, fail)`` of RTCPeerConnection-perfect-negotiation-helper.js:
    the perfect-negotiation example of webrtc-pc §10 (makingOffer, ignoreOffer,
    srdAnswerPending, implicit sLD/rollback).

    Messages to the other peer are queued (``postMessage``): each is delivered in a later
    loop turn and handled by its own task, so two messages' handlers may interleave, as
    async ``onmessage`` handlers do. The assertions of the JS helper go to :attr:`errors`.

    rtcpeer has no transceivers, so the ``addTransceiver`` command becomes
    :meth:`renegotiate`: ``restartIce()`` (which makes negotiation needed), then wait until
    an offer/answer exchange has replaced this side's ICE credentials (the analogue of
    waiting for the new transceiver's currentDirection).
    """

    def __init__(self, pc: RTCPeerConnection, polite: bool, name: str) -> None:
        self.pc = pc
        self.polite = polite
        self.name = name
        self.other: PerfectNegotiationPeer | None = None
        self.errors: list[str] = []
        #: addIceCandidate failures that the pattern did not excuse (a failure is excused
        #: while the last remote offer was ignored); the JS helper reports them like any
        #: other error.
        self.candidate_errors: list[str] = []
        self.making_offer = False
        self.ignore_ice_candidate_failures = False
        self.srd_answer_pending = False
        self.negotiations = 0
        #: Offers this (impolite) side ignored, and offers this (polite) side applied over
        #: its own (implicit rollback): how often glare happened.
        self.ignored_offers = 0
        self.implicit_rollbacks = 0
        self._negotiated: list[asyncio.Future[None]] = []
        pc.on("icecandidate", self._on_icecandidate)
        pc.on("negotiationneeded", lambda: start_eagerly(self._on_negotiationneeded()))

    # -- the helper's assert_equals: record, never raise into rtcpeer's event emission
    def _check(self, actual: Any, expected: Any, message: str) -> None:
        if actual != expected:
            self.errors.append(f"[{self.name}] {message}: expected {expected!r}, got {actual!r}")

    def _send(self, message: dict[str, Any]) -> None:
        other = self.other
        assert other is not None
        asyncio.get_running_loop().call_soon(lambda: start_eagerly(other._on_message(message)))

    def _on_icecandidate(self, candidate: RTCIceCandidate | None) -> None:
        # JSON.stringify({candidate: null}) reaches the other side as a falsy candidate,
        # which its onmessage ignores; RTCIceCandidate goes as toJSON().
        if candidate is not None:
            self._send({"candidate": candidate.toJSON()})

    async def _on_negotiationneeded(self) -> None:
        try:
            self._check(
                self.pc.signalingState, "stable", "negotiationneeded always fires in stable state"
            )
            self._check(self.making_offer, False, "negotiationneeded not already in progress")
            self.making_offer = True
            await self.pc.setLocalDescription()
            self._check(
                self.pc.signalingState,
                "have-local-offer",
                "negotiationneeded not racing with onmessage",
            )
            local = self.pc.localDescription
            self._check(local.type if local else None, "offer", "negotiationneeded SLD worked")
            if local is not None:
                self._send({"description": local.toJSON()})
        except Exception as error:
            self.errors.append(f"[{self.name}] negotiationneeded: {error!r}")
        finally:
            self.making_offer = False

    async def _on_message(self, message: dict[str, Any]) -> None:
        pc = self.pc
        try:
            description = message.get("description")
            candidate = message.get("candidate")
            if description:
                is_stable = pc.signalingState == "stable" or (
                    pc.signalingState == "have-local-offer" and self.srd_answer_pending
                )
                ignore_offer = (
                    description["type"] == "offer"
                    and not self.polite
                    and (self.making_offer or not is_stable)
                )
                if ignore_offer:
                    self.ignored_offers += 1
                    self.ignore_ice_candidate_failures = True
                    return
                if description["type"] == "offer" and pc.signalingState == "have-local-offer":
                    self.implicit_rollbacks += 1
                if description["type"] == "answer":
                    self.srd_answer_pending = True
                await pc.setRemoteDescription(description)
                self.ignore_ice_candidate_failures = False
                self.srd_answer_pending = False
                if description["type"] == "offer":
                    self._check(pc.signalingState, "have-remote-offer", "Remote offer")
                    remote = pc.remoteDescription
                    self._check(remote.type if remote else None, "offer", "SRD worked")
                    await pc.setLocalDescription()
                    self._check(
                        pc.signalingState, "stable", "onmessage not racing with negotiationneeded"
                    )
                    local = pc.localDescription
                    self._check(local.type if local else None, "answer", "onmessage SLD worked")
                    if local is not None:
                        self._send({"description": local.toJSON()})
                    self._negotiation_done()
                else:
                    remote = pc.remoteDescription
                    self._check(remote.type if remote else None, "answer", "Answer was set")
                    self._check(pc.signalingState, "stable", "answered")
                    self._negotiation_done()
            elif candidate:
                try:
                    await pc.addIceCandidate(candidate)
                except Exception as error:
                    if not self.ignore_ice_candidate_failures:
                        self.candidate_errors.append(
                            f"[{self.name}] addIceCandidate({candidate.get('candidate')!r}) "
                            f"in {pc.signalingState}: {error!r}"
                        )
        except Exception as error:
            self.errors.append(f"[{self.name}] onmessage: {error!r}")

    def _negotiation_done(self) -> None:
        """The helper's "negotiated" event (here also after answering, see the class
        docstring)."""
        self.negotiations += 1
        waiters, self._negotiated = self._negotiated, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    @staticmethod
    def _credentials(description: RTCSessionDescription | None) -> tuple[str, str] | None:
        if description is None or "a=ice-ufrag:" not in description.sdp:
            return None
        return get_ufrags(description)[0], get_pwds(description)[0]

    async def wait_negotiated(self) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._negotiated.append(waiter)
        await within(waiter, f"[{self.name}] a completed negotiation")

    async def connect_data(self) -> None:
        """The first negotiation: a data channel makes negotiation needed."""
        self.pc.createDataChannel("pn")
        while self.pc.currentLocalDescription is None or "m=application" not in (
            self.pc.currentLocalDescription.sdp
        ):
            await self.wait_negotiated()

    async def renegotiate(self) -> bool:
        """The ``addTransceiver`` command, with restartIce() as the change to negotiate.
        restartIce() marks the credentials of the current and pending local descriptions
        for replacement (checklist 55); True once a completed exchange left none of them in
        the current local description."""
        replaced = {
            credentials
            for credentials in (
                self._credentials(self.pc.currentLocalDescription),
                self._credentials(self.pc.pendingLocalDescription),
            )
            if credentials is not None
        }
        self.pc.restartIce()
        while (
            self._credentials(self.pc.currentLocalDescription) in replaced
            or self.pc.signalingState != "stable"
        ):
            await self.wait_negotiated()
        return True


class CandidateDeliveryError(AssertionError):
    """Trickled candidates were rejected (see :attr:`PerfectNegotiationPeer.candidate_errors`);
    a distinct type so that ``xfail(raises=...)`` covers this failure and no other."""


def assert_no_candidate_errors(*peers: PerfectNegotiationPeer) -> None:
    errors = [error for peer in peers for error in peer.candidate_errors]
    if errors:
        raise CandidateDeliveryError(f"{len(errors)} rejected candidate(s): {errors[:4]}")


def couple_perfect_negotiation(
    pc_a: RTCPeerConnection, polite_a: bool, pc_b: RTCPeerConnection, polite_b: bool
) -> tuple[PerfectNegotiationPeer, PerfectNegotiationPeer]:
    """``setupAB(t, politeA, politeB)``."""
    a = PerfectNegotiationPeer(pc_a, polite_a, "A")
    b = PerfectNegotiationPeer(pc_b, polite_b, "B")
    a.other, b.other = b, a
    return a, b
