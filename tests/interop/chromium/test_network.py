"""Chromium in its own network namespace, joined to the test's by a veth pair (issue 7).

::

    test's namespace (rtcpeer, aiohttp)          Chromium's namespace
    vt0 10.99.0.1/24, default via .2   <--veth-->  vc0 10.99.0.2/24, default via .1

Chromium runs with its default mDNS candidate hiding (it needs the default route to gather
at all while hiding), so it signals only ``<uuid>.local`` host candidates, which rtcpeer
resolves over mDNS across the veth. The path tests make it go dark by dropping every UDP
packet in Chromium's namespace (the signalling's TCP keeps working), then heal it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from rtcpeer import RTCConfiguration, RTCIceServer

from ..coturn import Coturn, CoturnUnavailable, running_coturn
from .harness import (
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
OURS = "10.99.0.1"
CHROMIUM = "10.99.0.2"


@asynccontextmanager
async def chromium_over_veth(
    netns: Topology, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Session, str]]:
    """A session with Chromium in its own namespace; yields it and that namespace."""
    chromium_ns = netns.namespace("chromium")
    netns.link(None, "vt0", OURS, chromium_ns, "vc0", CHROMIUM)
    netns.ipn(None, "route", "add", "default", "via", CHROMIUM)
    netns.ipn(chromium_ns, "route", "add", "default", "via", OURS)
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", OURS)
    async with session(directory, topology=netns, host=OURS, chromium_namespace=chromium_ns) as s:
        yield s, chromium_ns


async def test_chromium_mdns_candidates_are_resolved(
    netns: Topology, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chromium offers and signals only ``.local`` candidates. rtcpeer signals none of its
    own (only end-of-candidates), so Chromium can learn rtcpeer's address only from
    rtcpeer's checks, which go to the addresses rtcpeer resolved: connecting proves it."""
    async with chromium_over_veth(netns, tmp_path, monkeypatch) as (s, _):
        try:
            s.ours.withhold_candidates = True
            await s.browser.create_channel("chat")
            await channels_open(s, ["chat"])
            await s.ours.until(s.ours.is_up, "connected")
            await s.browser.until_up()
            signalled = [c["candidate"] for c in s.ours.received_candidates if c and c["candidate"]]
            assert signalled, "Chromium signalled no candidate"
            udp = [c for c in signalled if " udp " in c.lower()]
            assert udp and all(".local " in c for c in udp), signalled
            agent = s.ours.pc.iceTransport.connection.agent
            resolved = [
                c
                for c in agent.remote_candidates
                if c.address == CHROMIUM and str(c.type) == "host"
            ]
            assert resolved, agent.remote_candidates
            selected = s.ours.pc.iceTransport.getSelectedCandidatePair()
            assert selected is not None
            assert (selected.remote.address, str(selected.remote.type)) == (CHROMIUM, "host")
            pair = await s.browser.selected_pair()
            assert pair is not None
            # Chromium knows rtcpeer only from rtcpeer's checks (and hides a peer-reflexive
            # remote address in getStats).
            assert pair["remote"]["candidateType"] == "prflx"
            await echo_both_ways(s, "chat", ordered=True)
        except BaseException:
            print(await s.describe())
            raise


#: Every UDP datagram into or out of Chromium's namespace is dropped (TCP signalling stays).
DARK = [
    ["-I", "INPUT", "1", "-p", "udp", "-j", "DROP"],
    ["-I", "OUTPUT", "1", "-p", "udp", "-j", "DROP"],
]
HEAL = [["-D", "INPUT", "-p", "udp", "-j", "DROP"], ["-D", "OUTPUT", "-p", "udp", "-j", "DROP"]]


async def darken(netns: Topology, namespace: str) -> float:
    """Drop Chromium's UDP; the loop time just before the path started going dark (the
    earliest moment, so the delays measured from it are the longest possible)."""
    start = asyncio.get_running_loop().time()
    for rule in DARK:
        await netns.iptables_async(namespace, *rule)
    return start


async def heal(netns: Topology, namespace: str) -> float:
    for rule in HEAL:
        await netns.iptables_async(namespace, *rule)
    return asyncio.get_running_loop().time()


def ice_state_since(s: Session, start: float) -> list[str]:
    return [state for t, kind, state in s.ours.states if kind == "ice" and t >= start]


async def test_path_dark_disconnected_within_3s_then_healed(
    netns: Topology, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rtcpeer offered; messages flow both ways. The path goes dark: rtcpeer reports
    ``disconnected`` within 3 s; the path heals: ``connected`` comes back by itself (no
    restart) and no message was lost."""
    async with chromium_over_veth(netns, tmp_path, monkeypatch) as (s, chromium_ns):
        try:
            s.ours.create_channel("stream")
            await channels_open(s, ["stream"])
            await s.ours.until(s.ours.is_up, "connected")
            ufrags = s.ours.ufrags()
            _, finish = await stream_both_ways(s, "stream")

            dark_at = await darken(netns, chromium_ns)
            await s.ours.until(
                lambda: s.ours.pc.iceConnectionState == "disconnected", "disconnected", 10.0
            )
            (disconnected_at,) = [
                t for t, kind, state in s.ours.states if kind == "ice" and state == "disconnected"
            ]
            print(f"disconnected {disconnected_at - dark_at:.2f} s after the path went dark")
            assert disconnected_at - dark_at <= 3.0
            assert s.ours.pc.connectionState == "disconnected"
            await s.browser.until(
                "rtc.snapshot().iceConnectionState === 'disconnected'", "Chromium disconnected"
            )

            healed_at = await heal(netns, chromium_ns)
            await s.ours.until(s.ours.is_up, "connected again", 10.0)
            reconnected_at = s.ours.states[-1][0]
            print(f"connected {reconnected_at - healed_at:.2f} s after the path healed")
            await s.browser.until_up()
            await s.browser.until(
                "rtc.snapshot().iceConnectionState === 'connected'", "Chromium connected"
            )
            await more_messages(s, "stream")
            await finish()
            assert s.ours.ufrags() == ufrags  # no restart was needed
            assert "failed" not in ice_state_since(s, dark_at)
        except BaseException:
            print(await s.describe())
            raise


async def test_long_outage_failed_then_restart_ice_recovers(
    netns: Topology, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MDN's recipe: ``if (pc.iceConnectionState === "failed") pc.restartIce()``. The path
    stays dark until consent expires (RFC 7675: 30 s): rtcpeer reports ``failed``, its
    handler calls restartIce(), the renegotiation goes through the (TCP) signalling, the
    path heals, and the new generation connects; the data channel carries messages again."""
    async with chromium_over_veth(netns, tmp_path, monkeypatch) as (s, chromium_ns):
        try:
            pc = s.ours.pc
            restarted: list[float] = []

            @pc.on("iceconnectionstatechange")
            def recipe() -> None:
                if pc.iceConnectionState == "failed":
                    restarted.append(asyncio.get_running_loop().time())
                    pc.restartIce()

            s.ours.create_channel("chat")
            await channels_open(s, ["chat"])
            await s.ours.until(s.ours.is_up, "connected")
            connected_at = asyncio.get_running_loop().time()
            ufrags = s.ours.ufrags()

            dark_at = await darken(netns, chromium_ns)
            await s.ours.until(lambda: pc.iceConnectionState == "disconnected", "disconnected", 5)
            await s.ours.until(lambda: bool(restarted), "failed", 45.0)
            failed_after = restarted[0] - dark_at
            print(f"failed {failed_after:.1f} s after the path went dark")
            assert pc.connectionState == "failed"
            # Consent expires 30 s after the last response (which came at most ~1.6 s before
            # the path went dark); webrtc-pc also holds "failed" until the PAC timer (39.5 s
            # from the remote parameters, RFC 8863) has run out.
            config = pc.iceTransport.connection.agent.config
            latest = max(dark_at + config.consent_timeout, connected_at + config.pac_timeout)
            assert config.consent_timeout - 2.0 <= failed_after
            assert restarted[0] <= latest + 1.5
            await heal(netns, chromium_ns)

            await s.ours.until(
                lambda: s.ours.is_up() and pc.signalingState == "stable",
                "connected after restartIce()",
                20.0,
            )
            new_ours, new_theirs = s.ours.ufrags()
            assert new_ours != ufrags[0] and new_theirs != ufrags[1]
            await s.browser.until(
                f"rtc.snapshot().localUfrag === {js(new_theirs)}"
                " && rtc.snapshot().connectionState === 'connected'",
                "Chromium connected on the new generation",
            )
            assert [d["type"] for d in s.ours.descriptions_sent] == ["offer", "offer"]
            await echo_both_ways(s, "chat", ordered=True)
        except BaseException:
            print(await s.describe())
            raise


# --------------------------------------------------------------------------------------------
# Chromium behind a NAT, relayed by coturn
# --------------------------------------------------------------------------------------------

WAN_OURS = "10.99.2.1"
WAN_ROUTER = "10.99.2.2"
LAN_ROUTER = "10.99.1.1"
LAN_CHROMIUM = "10.99.1.2"
#: coturn's relay port range (tests/interop/coturn.py).
RELAY_PORTS = range(49160, 49261)


def forwarded_to_coturn(netns: Topology, router: str, port: int) -> int:
    """Packets the router forwarded from its LAN to coturn's port (its counting rule)."""
    listing = netns.iptables(router, "-L", "FORWARD", "-v", "-x", "-n")
    for line in listing.splitlines():
        if f"dpt:{port}" in line:
            return int(line.split()[0])
    raise AssertionError(f"no counting rule for port {port}:\n{listing}")


@pytest.fixture
def nat(netns: Topology, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, Coturn]]:
    """::

        test's namespace         router (NAT)                      Chromium's namespace
        vt0 10.99.2.1 <--> rw0 10.99.2.2 | rl0 10.99.1.1 <--> vc0 10.99.1.2, default via .1
        coturn on 127.0.0.1 and 10.99.2.1 (relays on 127.0.0.1); rtcpeer on 127.0.0.1

    The router masquerades, port-restricted (unsolicited inbound dropped). Yields (router
    namespace, Chromium's namespace, coturn)."""
    router = netns.namespace("router")
    chromium_ns = netns.namespace("chromium")
    netns.link(None, "vt0", WAN_OURS, router, "rw0", WAN_ROUTER)
    netns.link(router, "rl0", LAN_ROUTER, chromium_ns, "vc0", LAN_CHROMIUM)
    netns.ipn(chromium_ns, "route", "add", "default", "via", LAN_ROUTER)
    netns.run(router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    netns.iptables(router, "-t", "nat", "-A", "POSTROUTING", "-o", "rw0", "-j", "MASQUERADE")
    for chain in ("INPUT", "FORWARD"):
        netns.iptables(router, "-A", chain, "-i", "rw0", "-m", "conntrack", "--ctstate", "NEW",
                       "-j", "DROP")  # fmt: skip
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")
    with contextlib.ExitStack() as stack:
        try:
            coturn = stack.enter_context(running_coturn([f"--listening-ip={WAN_OURS}"]))
        except CoturnUnavailable as exc:
            pytest.skip(str(exc))
        # Counts (no target) Chromium's UDP to coturn as the router forwards it.
        netns.iptables(router, "-A", "FORWARD", "-i", "rl0", "-o", "rw0", "-p", "udp",
                       "-d", WAN_OURS, "--dport", str(coturn.port))  # fmt: skip
        yield router, chromium_ns, coturn


@pytest.mark.parametrize("ours_policy", ["all", "relay"])
async def test_chromium_behind_nat_relay_only(
    netns: Topology, tmp_path: Path, nat: tuple[str, str, Coturn], ours_policy: str
) -> None:
    """Chromium behind the NAT, with iceTransportPolicy "relay" and coturn as its TURN
    server, signals only relayed candidates and connects through its allocation; rtcpeer
    uses its host candidate (policy "all") or a relayed one of its own ("relay")."""
    router, chromium_ns, coturn = nat
    browser_configuration = {
        "iceServers": [
            {
                "urls": f"turn:{WAN_OURS}:{coturn.port}?transport=udp",
                "username": coturn.username,
                "credential": coturn.password,
            }
        ],
        "iceTransportPolicy": "relay",
    }
    ours_configuration = RTCConfiguration(
        iceServers=[RTCIceServer(coturn.url(), coturn.username, coturn.password)],
        iceTransportPolicy="relay" if ours_policy == "relay" else "all",
    )
    async with session(
        tmp_path,
        topology=netns,
        host=WAN_OURS,
        chromium_namespace=chromium_ns,
        browser_configuration=browser_configuration,
        rtcpeer_configuration=ours_configuration,
    ) as s:
        try:
            await s.browser.create_channel("chat")
            await channels_open(s, ["chat"])
            await s.ours.until(s.ours.is_up, "connected")
            await s.browser.until_up()
            snapshot = await s.browser.snapshot()
            signalled = [c["candidate"] for c in snapshot["sentCandidates"] if c]
            assert signalled and all(" typ relay " in c for c in signalled), signalled
            pair = await s.browser.selected_pair()
            assert pair is not None
            assert (pair["local"]["candidateType"], pair["local"]["relayProtocol"]) == (
                "relay",
                "udp",
            )
            selected = s.ours.pc.iceTransport.getSelectedCandidatePair()
            assert selected is not None
            assert selected.remote.address == "127.0.0.1"
            assert selected.remote.port in RELAY_PORTS
            expected_local = "relay" if ours_policy == "relay" else "host"
            assert str(selected.local.type) == expected_local
            # Chromium's TURN traffic went out through the NAT.
            assert forwarded_to_coturn(netns, router, coturn.port) > 0
            await echo_both_ways(s, "chat", ordered=True)
        except BaseException:
            print(await s.describe())
            raise
