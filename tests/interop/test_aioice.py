"""rtcpeer's ICE agent against aioice (aiortc's ICE) on 127.0.0.1.

aioice never gathers 127.0.0.1, so ``aioice.ice.get_host_addresses`` is patched to return
only it (``/work/shared/LAB.md``); rtcpeer is restricted with ``addresses=["127.0.0.1"]``.
aioice does not trickle: rtcpeer gets all of aioice's candidates and then end-of-candidates,
while rtcpeer trickles its own candidates to aioice one by one, as ``on_candidate`` reports
them, into an aioice ``connect()`` that is already running.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aioice
import aioice.ice
import pytest

from rtcpeer.aio import IceConnection
from rtcpeer.ice import (
    Candidate,
    IceConfig,
    IceEvent,
    IceTransportState,
    RoleChanged,
    SelectedPairChanged,
    StateChanged,
)
from rtcpeer.stun import MessageClass, is_stun, parse_message

S = IceTransportState
LOOPBACK = "127.0.0.1"
UP = (S.CONNECTED, S.COMPLETED)
pytestmark = pytest.mark.interop


@pytest.fixture(autouse=True)
def aioice_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """aioice skips 127.0.0.1 when it lists interfaces: give it only that address."""
    monkeypatch.setattr(aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: [LOOPBACK])


@dataclass
class Pair:
    rt: IceConnection
    ai: aioice.Connection
    events: list[IceEvent] = field(default_factory=list)
    #: rtcpeer's candidates as trickled to aioice, in order (None: end-of-candidates).
    trickled: list[str | None] = field(default_factory=list)


def to_aioice(candidate: Candidate) -> aioice.Candidate:
    """rtcpeer's ``candidate:...`` text in aioice's bare form."""
    return aioice.Candidate.from_sdp(candidate.to_sdp().removeprefix("candidate:"))


def from_aioice(candidate: aioice.Candidate) -> Candidate:
    return Candidate.from_sdp(candidate.to_sdp())


@asynccontextmanager
async def connected(
    *,
    rt_controlling: bool,
    ai_controlling: bool,
    config: IceConfig | None = None,
    rt_tie_breaker: int | None = None,
    ai_tie_breaker: int | None = None,
    addresses: tuple[str, ...] = (LOOPBACK,),
) -> AsyncIterator[Pair]:
    """An rtcpeer IceConnection and an aioice Connection, connected on 127.0.0.1 (or on the
    loopback ``addresses``, which aioice must be patched to gather too)."""
    ai = aioice.Connection(ice_controlling=ai_controlling, use_ipv6=False)
    rt = IceConnection(controlling=rt_controlling, addresses=list(addresses), config=config)
    if rt_tie_breaker is not None:
        rt.agent.tie_breaker = rt_tie_breaker
    if ai_tie_breaker is not None:
        ai._tie_breaker = ai_tie_breaker
    pair = Pair(rt, ai)
    rt.on_event = pair.events.append
    trickle: asyncio.Queue[Candidate | None] = asyncio.Queue()
    rt.on_candidate = lambda candidate, ufrag: trickle.put_nowait(candidate)

    async def trickle_to_aioice() -> None:
        while True:
            candidate = await trickle.get()
            pair.trickled.append(None if candidate is None else candidate.to_sdp())
            await ai.add_remote_candidate(None if candidate is None else to_aioice(candidate))
            if candidate is None:
                return

    tasks: list[asyncio.Task[None]] = []
    try:
        await ai.gather_candidates()
        # Credentials first (both are known before gathering), then aioice starts checking
        # while it still waits for rtcpeer's trickled candidates.
        ai.remote_username, ai.remote_password = rt.local_parameters
        rt.set_remote_parameters(ai.local_username, ai.local_password)
        tasks.append(asyncio.ensure_future(ai.connect()))
        tasks.append(asyncio.ensure_future(trickle_to_aioice()))
        await rt.gather()
        for candidate in ai.local_candidates:
            assert rt.add_remote_candidate(from_aioice(candidate))
        assert rt.add_remote_candidate(None)
        await asyncio.wait_for(asyncio.gather(rt.connect(), *tasks), 10.0)
        yield pair
    finally:
        for task in tasks:
            task.cancel()
        await ai.close()
        await rt.close()


def assert_loopback_on_both_ends(pair: Pair) -> None:
    selected = pair.rt.agent.selected_pair
    assert selected is not None
    local, remote = selected
    assert (local.address, remote.address) == (LOOPBACK, LOOPBACK)
    # aioice keeps its selected pair per component in _nominated (no public accessor).
    nominated = pair.ai._nominated[1]
    assert nominated.local_addr == remote.transport_address
    assert nominated.remote_addr == local.transport_address


async def exchange(pair: Pair, count: int = 5) -> None:
    """Several datagrams each way, interleaved."""
    for i in range(count):
        assert pair.rt.send(b"rtcpeer %d" % i)
        assert await asyncio.wait_for(pair.ai.recv(), 2.0) == b"rtcpeer %d" % i
        await pair.ai.send(b"aioice %d" % i)
        assert await asyncio.wait_for(pair.rt.recv(), 2.0) == b"aioice %d" % i


def assert_no_stun_trouble(rt: IceConnection) -> None:
    bad = {k: v for k, v in rt.agent.stats.items() if k.startswith("stun_")}
    assert not bad, bad


@pytest.mark.parametrize(
    "rt_controlling", [True, False], ids=["rtcpeer-controlling", "aioice-controlling"]
)
async def test_connects_to_aioice_in_either_role(rt_controlling: bool) -> None:
    async with connected(rt_controlling=rt_controlling, ai_controlling=not rt_controlling) as p:
        rt, ai = p.rt, p.ai
        # rtcpeer trickled each candidate on its own, then end-of-candidates.
        assert p.trickled == [c.to_sdp() for c in rt.local_candidates] + [None]
        assert len(p.trickled) >= 2
        # rtcpeer: end-of-candidates both ways, a pair nominated: completed, no role change.
        assert rt.state is S.COMPLETED
        assert rt.agent.role.value == ("controlling" if rt_controlling else "controlled")
        assert not [e for e in p.events if isinstance(e, RoleChanged)]
        states = [e.new for e in p.events if isinstance(e, StateChanged)]
        assert states == [S.CHECKING, S.CONNECTED, S.COMPLETED]
        # aioice: connect() returned, so its check list completed with a nominated pair.
        assert ai.ice_controlling is not rt_controlling
        assert not ai._closed
        assert_loopback_on_both_ends(p)
        await exchange(p)
        assert rt.state is S.COMPLETED
        assert_no_stun_trouble(rt)
    assert rt.agent.state is S.CLOSED  # (rt.state is narrowed to COMPLETED above)


@pytest.mark.parametrize(
    ("rt_controlling", "rt_wins"),
    [(True, True), (True, False), (False, True), (False, False)],
    ids=[
        "both-controlling-rtcpeer-wins",
        "both-controlling-aioice-wins",
        "both-controlled-rtcpeer-wins",
        "both-controlled-aioice-wins",
    ],
)
async def test_role_conflict_with_aioice_is_repaired(rt_controlling: bool, rt_wins: bool) -> None:
    """RFC 8445 §7.3.1.1: both sides start in the same role; the larger tie-breaker controls."""
    big, small = 2**63 + 1, 2**62
    async with connected(
        rt_controlling=rt_controlling,
        ai_controlling=rt_controlling,
        rt_tie_breaker=big if rt_wins else small,
        ai_tie_breaker=small if rt_wins else big,
    ) as p:
        assert p.rt.agent.role.value == ("controlling" if rt_wins else "controlled")
        assert p.ai.ice_controlling is not rt_wins
        assert p.rt.state is S.COMPLETED
        assert_loopback_on_both_ends(p)
        await exchange(p, 3)


@pytest.mark.parametrize(
    "rt_controlling", [True, False], ids=["rtcpeer-controlling", "aioice-controlling"]
)
async def test_both_sides_agree_on_the_pair_among_several(
    rt_controlling: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three loopback addresses each: nine pairs. rtcpeer nominates regularly; aioice
    nominates aggressively (USE-CANDIDATE on every check it sends as controlling), and
    rtcpeer keeps the highest-priority nominated pair. Either way both ends select the same
    pair and the others are not checked any more."""
    addresses = ("127.0.0.1", "127.0.0.2", "127.0.0.3")
    monkeypatch.setattr(
        aioice.ice, "get_host_addresses", lambda use_ipv4, use_ipv6: list(addresses)
    )
    async with connected(
        rt_controlling=rt_controlling, ai_controlling=not rt_controlling, addresses=addresses
    ) as p:
        assert len(p.rt.agent.pairs) == 9
        assert p.trickled == [c.to_sdp() for c in p.rt.local_candidates] + [None]
        assert len(p.trickled) == 4  # three candidates one by one, then end-of-candidates
        assert p.rt.state is S.COMPLETED
        selected = p.rt.agent.selected_pair
        assert selected is not None
        nominated = p.ai._nominated[1]
        assert nominated.local_addr == selected[1].transport_address
        assert nominated.remote_addr == selected[0].transport_address
        selections = [e for e in p.events if isinstance(e, SelectedPairChanged)]
        assert len(selections) == 1  # no switching between nominated pairs
        await exchange(p, 3)


async def test_consent_both_ways_with_aioice_while_idle() -> None:
    """No data for a while: rtcpeer's liveness/consent checks are answered by aioice (or it
    would report disconnected after 2.5 s), and aioice's first consent check (RFC 7675, every
    4-6 s) is answered by rtcpeer."""
    async with connected(rt_controlling=True, ai_controlling=False) as p:
        rt = p.rt
        consent_answered = asyncio.get_running_loop().create_future()
        handle = rt.agent.handle_datagram
        connected_at = time.monotonic()

        def spy(now: float, data: bytes, local: tuple[str, int], remote: tuple[str, int]):
            result = handle(now, data, local, remote)
            if is_stun(data) and not consent_answered.done():
                message = parse_message(data)
                if message.message_class is MessageClass.REQUEST:
                    consent_answered.set_result(time.monotonic() - connected_at)
            return result

        rt.agent.handle_datagram = spy  # type: ignore[method-assign]
        waited = await asyncio.wait_for(consent_answered, 10.0)
        assert 3.0 < waited < 7.0  # aioice's CONSENT_INTERVAL 5 s, randomised 0.8-1.2
        # aioice got its answer: its consent task runs on, and it did not close.
        await p.ai.send(b"after consent")
        assert await asyncio.wait_for(rt.recv(), 2.0) == b"after consent"
        assert not p.ai._closed
        states = [e.new for e in p.events if isinstance(e, StateChanged)]
        assert states == [S.CHECKING, S.CONNECTED, S.COMPLETED]  # never disconnected meanwhile
        assert rt.state is S.COMPLETED
        assert_no_stun_trouble(rt)


# A short consent timeout keeps the next test short; disconnected_timeout stays the default.
# webrtc-pc §5.7.6 reports "failed" only once the PAC timer (RFC 8863) has expired too, so
# it is shortened as well (the connection is up long before).
SHORT_CONSENT = IceConfig(consent_timeout=4.0, pac_timeout=2.0)


async def test_aioice_going_away_gives_disconnected_then_failed() -> None:
    async with connected(rt_controlling=True, ai_controlling=False, config=SHORT_CONSENT) as p:
        rt = p.rt
        await exchange(p, 1)
        await p.ai.close()  # its socket is gone: nothing answers any more
        closed_at = time.monotonic()
        await rt.wait_for_state(S.DISCONNECTED, timeout=5.0)
        assert time.monotonic() - closed_at < 3.0
        await rt.wait_for_state(S.FAILED, timeout=6.0)
        assert time.monotonic() - closed_at < SHORT_CONSENT.consent_timeout + 0.5
        lost = [e for e in p.events if isinstance(e, SelectedPairChanged) and e.local is None]
        assert len(lost) == 1 and "consent" in lost[0].reason
        assert not rt.send(b"after consent expiry")
