"""Chromium and rtcpeer on 127.0.0.1, inside the test's private network namespace (issue 7).

Chromium runs with LAB.md's loopback flags; rtcpeer gathers on 127.0.0.1 only. Each side
offers in turn, candidates trickle both ways, channels opened from either side echo
strings and binary messages (ordered and unordered), and each side restarts ICE while a
stream of messages flows both ways.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from .harness import (
    LOOPBACK_FLAGS,
    MEDIA_PERMISSION_FLAGS,
    TIMEOUT,
    Session,
    Topology,
    channels_open,
    echo_both_ways,
    js,
    more_messages,
    session,
    stream_both_ways,
)

pytestmark = pytest.mark.interop
HOST = "127.0.0.1"
#: Chromium signals its loopback candidate (see MEDIA_PERMISSION_FLAGS).
SIGNALLING_FLAGS = [*LOOPBACK_FLAGS, *MEDIA_PERMISSION_FLAGS]


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", HOST)


def candidate_lines(sdp: str) -> list[str]:
    return [line for line in sdp.splitlines() if line.startswith("a=candidate:")]


async def assert_trickled(s: Session, *, chromium_offered: bool) -> None:
    """Both descriptions left without candidates; the candidates followed one by one, and
    every one was applied without error on the other side."""
    snapshot = await s.browser.snapshot()
    (first_from_chromium, *_) = snapshot["descriptions"]["sent"]
    (first_from_rtcpeer, *_) = s.ours.descriptions_sent
    assert first_from_chromium["type"] == ("offer" if chromium_offered else "answer")
    assert first_from_rtcpeer["type"] == ("answer" if chromium_offered else "offer")
    assert candidate_lines(first_from_chromium["sdp"]) == []
    assert candidate_lines(first_from_rtcpeer["sdp"]) == []
    # Chromium -> rtcpeer: its host candidate(s), then null (gathering complete).
    chromium_sent = snapshot["sentCandidates"]
    assert [c for c in chromium_sent if c and c["candidate"]], chromium_sent
    assert chromium_sent[-1] is None
    await s.ours.until(
        lambda: len(s.ours.received_candidates) == len(chromium_sent), "Chromium's candidates"
    )
    assert s.ours.received_candidates == chromium_sent
    # rtcpeer -> Chromium: 127.0.0.1 host candidate(s), "" (end of the generation), None.
    ours_sent = s.ours.sent_candidates
    assert [c for c in ours_sent if c and " 127.0.0.1 " in c["candidate"]], ours_sent
    assert ours_sent[-1] is None
    assert snapshot["receivedCandidates"] == ours_sent
    assert snapshot["errors"] == [] and s.ours.errors == []


async def test_chromium_offers(netns: Topology, tmp_path: Path) -> None:
    """Chromium offers with an ordered and an unordered channel; rtcpeer answers; then
    rtcpeer opens a channel of its own. Every channel echoes every kind of message."""
    async with session(tmp_path, topology=netns, host=HOST, flags=SIGNALLING_FLAGS) as s:
        try:
            await s.browser.create_channel("ordered")
            await s.browser.create_channel("unordered", ordered=False)
            await channels_open(s, ["ordered", "unordered"])
            await s.ours.until(s.ours.is_up, "connected")
            await s.browser.until_up()
            assert s.ours.channels["unordered"].ordered is False
            assert s.ours.channels["ordered"].ordered is True
            await assert_trickled(s, chromium_offered=True)
            await echo_both_ways(s, "ordered", ordered=True)
            await echo_both_ways(s, "unordered", ordered=False)
            # A channel from the answerer's side: no renegotiation, DCEP only.
            s.ours.create_channel("from-rtcpeer", protocol="chat")
            await channels_open(s, ["from-rtcpeer"])
            info = await s.browser.call("channel", "from-rtcpeer")
            assert (info["origin"], info["protocol"], info["ordered"]) == ("remote", "chat", True)
            await echo_both_ways(s, "from-rtcpeer", ordered=True)
            assert len((await s.browser.snapshot())["descriptions"]["sent"]) == 1
        except BaseException:
            print(await s.describe())
            raise


async def test_rtcpeer_offers(netns: Topology, tmp_path: Path) -> None:
    """rtcpeer offers with an ordered and an unordered channel; Chromium answers; then
    Chromium opens a channel of its own."""
    async with session(tmp_path, topology=netns, host=HOST, flags=SIGNALLING_FLAGS) as s:
        try:
            s.ours.create_channel("ordered")
            s.ours.create_channel("unordered", ordered=False, protocol="u")
            await channels_open(s, ["ordered", "unordered"])
            await s.ours.until(s.ours.is_up, "connected")
            await s.browser.until_up()
            info = await s.browser.call("channel", "unordered")
            assert (info["origin"], info["protocol"], info["ordered"]) == ("remote", "u", False)
            await assert_trickled(s, chromium_offered=False)
            await echo_both_ways(s, "ordered", ordered=True)
            await echo_both_ways(s, "unordered", ordered=False)
            await s.browser.create_channel("from-chromium", ordered=False)
            await channels_open(s, ["from-chromium"])
            assert s.ours.channels["from-chromium"].ordered is False
            await echo_both_ways(s, "from-chromium", ordered=False)
            assert len(s.ours.descriptions_sent) == 1
        except BaseException:
            print(await s.describe())
            raise


async def restart_while_streaming(s: Session, restart: Callable[[], Awaitable[None]]) -> None:
    """``restart()`` ICE while numbered messages flow both ways on "stream": no message is
    lost, both sides end connected with new ufrags, and Chromium's getStats shows a new
    selected pair whose local candidate has its new ufrag."""
    ours, browser = s.ours, s.browser
    _, finish = await stream_both_ways(s, "stream")
    our_ufrag, their_ufrag = ours.ufrags()
    pair_before = await browser.selected_pair()
    assert pair_before is not None and pair_before["local"]["usernameFragment"] == their_ufrag
    states_before = len(ours.states)
    events_before = len((await browser.snapshot())["events"])

    await restart()

    await ours.until(
        lambda: (
            ours.pc.signalingState == "stable"
            and our_ufrag not in ours.ufrags()
            and their_ufrag not in ours.ufrags()
            and ours.is_up()
        ),
        "new ufrags on both sides, stable and connected",
    )
    new_ours, new_theirs = ours.ufrags()
    await browser.until(
        f"rtc.snapshot().localUfrag === {js(new_theirs)}"
        f" && rtc.snapshot().remoteUfrag === {js(new_ours)}"
        " && rtc.snapshot().signalingState === 'stable'"
        " && rtc.snapshot().connectionState === 'connected'"
        " && rtc.snapshot().iceConnectionState === 'connected'",
        "the restart applied, connected",
    )
    pair_after = await browser.call("pairWithUfrag", new_theirs, TIMEOUT * 1000)
    assert pair_after is not None, "getStats never showed a pair of the new generation"
    assert pair_after["id"] != pair_before["id"]
    assert pair_after["state"] == "succeeded"
    selected = ours.pc.iceTransport.getSelectedCandidatePair()
    assert selected is not None and selected.local.ufrag == new_ours
    # The new pair carries the streams; then every message has arrived, in order.
    await more_messages(s, "stream")
    await finish()
    # Neither side was ever disconnected.
    ours_after = [state for _, _, state in ours.states[states_before:]]
    assert not {"disconnected", "failed", "closed"} & set(ours_after), ours.states
    events = (await browser.snapshot())["events"][events_before:]
    assert not {"disconnected", "failed", "closed"} & {e["value"] for e in events}, events
    snapshot = await browser.snapshot()
    assert snapshot["errors"] == [] and ours.errors == []


@pytest.mark.parametrize(
    "signalled",
    [True, False],
    ids=["chromium-signalled", "chromium-prflx"],
)
async def test_chromium_restarts_ice_while_messages_flow(
    netns: Topology, tmp_path: Path, signalled: bool
) -> None:
    """Chromium offered; Chromium calls restartIce() (its new offer restarts rtcpeer's
    answer too). ``chromium-prflx``: Chromium signals no candidate (no media permission),
    so rtcpeer learns each generation's address from Chromium's checks."""
    flags = SIGNALLING_FLAGS if signalled else LOOPBACK_FLAGS
    async with session(tmp_path, topology=netns, host=HOST, flags=flags) as s:
        try:
            await s.browser.create_channel("stream")
            await channels_open(s, ["stream"])

            async def restart() -> None:
                await s.browser.call("restartIce")

            await restart_while_streaming(s, restart)
            assert [d["type"] for d in (await s.browser.snapshot())["descriptions"]["sent"]] == [
                "offer",
                "offer",
            ]
        except BaseException:
            print(await s.describe())
            raise


@pytest.mark.parametrize(
    "signalled",
    [True, False],
    ids=["chromium-signalled", "chromium-prflx"],
)
async def test_rtcpeer_restarts_ice_while_messages_flow(
    netns: Topology, tmp_path: Path, signalled: bool
) -> None:
    """rtcpeer offered; rtcpeer calls restartIce() (negotiationneeded, a new offer;
    Chromium's answer restarts too)."""
    flags = SIGNALLING_FLAGS if signalled else LOOPBACK_FLAGS
    async with session(tmp_path, topology=netns, host=HOST, flags=flags) as s:
        try:
            s.ours.create_channel("stream")
            await channels_open(s, ["stream"])

            async def restart() -> None:
                s.ours.pc.restartIce()

            await restart_while_streaming(s, restart)
            assert [d["type"] for d in s.ours.descriptions_sent] == ["offer", "offer"]
        except BaseException:
            print(await s.describe())
            raise
