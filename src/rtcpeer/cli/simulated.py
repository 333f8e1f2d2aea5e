"""``rtcpeer demo --simulated``: two ICE agents in the deterministic simulator, as a timeline.

Alice sits behind a port-restricted NAT, Bob behind a full-cone NAT, a STUN server between
them. Both stream 50 datagrams a second. The story:

1. they connect (srflx/prflx pair through both NATs);
2. Alice calls restartIce() while data flows: nothing is lost;
3. Alice's phone leaves Wi-Fi for cellular (her address changes): ICE reports
   ``disconnected`` within 3 s, and her application answers as MDN's restartIce() example
   does, by restarting ICE; the new pair carries the data again.

Everything runs in virtual time, so the demo takes a fraction of a second and prints the
same timeline on every run (``--seed`` changes the random choices).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from rtcpeer.ice import (
    CandidateGatheringError,
    IceEvent,
    IceTransportState,
    RoleChanged,
    SelectedPairChanged,
    StateChanged,
)
from rtcpeer.testing import LinkProfile, NatType, SimNetwork, StunServer
from rtcpeer.testing.ice_endpoint import IceEndpoint, Signalling

S = IceTransportState
RATE = 50  # datagrams per second each way
END = 30.0


@dataclass
class _Stream:
    sender: IceEndpoint
    sent: list[tuple[float, bytes]] = field(default_factory=list)
    refused: int = 0


def _describe(event: IceEvent) -> str | None:
    if isinstance(event, StateChanged):
        return f"{event.old:>12} -> {event.new:<12} ({event.reason})"
    if isinstance(event, SelectedPairChanged):
        if event.local is None or event.remote is None:
            return f"selected pair: none ({event.reason})"
        local, remote = event.local, event.remote
        return (
            f"selected pair: {local.address}:{local.port} {local.type} -> "
            f"{remote.address}:{remote.port} {remote.type}"
        )
    if isinstance(event, RoleChanged):
        return f"role: {event.role} ({event.reason})"
    if isinstance(event, CandidateGatheringError):
        return f"gathering error {event.error_code}: {event.error_text}"
    return None


def run_simulated_demo(out: TextIO = sys.stdout, seed: int = 7) -> bool:
    """Run the story; print the timeline and summary. True when every promise held."""
    net = SimNetwork(seed)
    stun_host = net.add_host("stun")
    stun_host.add_interface(net.internet, "198.51.100.100", LinkProfile(delay=0.015))
    stun = StunServer(net, stun_host)
    wifi = net.add_nat(
        "wifi", NatType.PORT_RESTRICTED_CONE, "203.0.113.10", subnet="192.168.1.0/24"
    )
    cellular = net.add_nat(
        "cellular", NatType.PORT_RESTRICTED_CONE, "203.0.113.77", subnet="10.64.0.0/16"
    )
    office = net.add_nat("office", NatType.FULL_CONE, "198.51.100.20", subnet="10.1.0.0/24")
    alice_host = net.add_host("alice")
    alice_if = alice_host.add_interface(wifi.inside, link=LinkProfile(delay=0.02, jitter=0.005))
    bob_host = net.add_host("bob")
    bob_host.add_interface(office.inside, link=LinkProfile(delay=0.01))

    alice = IceEndpoint(net, alice_host, controlling=True, stun_servers=[stun.address])
    bob = IceEndpoint(net, bob_host, controlling=False, stun_servers=[stun.address])
    signalling = Signalling(alice, bob, delay=0.08)

    lines: list[tuple[float, str, str]] = []

    def log(who: str, text: str) -> None:
        lines.append((net.now, who, text))

    restarted_on: list[float] = []

    def watch(endpoint: IceEndpoint) -> Callable[[IceEvent], None]:
        def on_event(event: IceEvent) -> None:
            text = _describe(event)
            if text is not None:
                log(endpoint.name, text)
            # MDN's recipe: restart ICE when the connection is lost.
            if (
                endpoint is alice
                and isinstance(event, StateChanged)
                and event.new in (S.DISCONNECTED, S.FAILED)
                and not restarted_on
            ):
                restarted_on.append(net.now)
                log("app", "alice's app calls restartIce() (MDN's recipe on 'disconnected')")
                net.call_later(0.0, lambda: signalling.restart(alice, rebind=True))

        return on_event

    alice.listeners.append(watch(alice))
    bob.listeners.append(watch(bob))

    streams = {"alice": _Stream(alice), "bob": _Stream(bob)}
    for name, stream in streams.items():
        for i in range(int(END * RATE)):
            payload = f"{name}:{i}".encode()

            def send(stream: _Stream = stream, payload: bytes = payload) -> None:
                if stream.sender.send(payload):
                    stream.sent.append((net.now, payload))
                else:
                    stream.refused += 1

            net.call_at(0.5 + i / RATE, send)

    log("net", "alice (Wi-Fi, port-restricted NAT) and bob (office, full-cone NAT) start")
    signalling.connect()

    def restart_while_connected() -> None:
        log("app", "alice calls restartIce() while 50 msg/s flow each way")
        signalling.restart(alice)

    net.call_at(8.0, restart_while_connected)

    def leave_wifi() -> None:
        log("net", "alice's phone leaves Wi-Fi for cellular: her address changes")
        alice_if.move_to(cellular.inside)

    net.call_at(16.0, leave_wifi)
    net.run_until(END + 1.0)

    width = max(len(w) for _, w, _ in lines)
    out.write("rtcpeer demo: two ICE agents in the deterministic network simulator\n\n")
    for t, who, text in lines:
        out.write(f"  {t:7.3f}s  {who:<{width}}  {text}\n")

    ok = True
    out.write("\nsummary\n")
    receivers = {"alice": bob, "bob": alice}
    for name, stream in streams.items():
        got = {r.data for r in receivers[name].received}
        # From the restart until well after the new generation took over (8.8 s).
        sent_during_restart = [p for t, p in stream.sent if 8.0 <= t < 12.0]
        lost_during_restart = [p for p in sent_during_restart if p not in got]
        lost_total = [p for _, p in stream.sent if p not in got]
        out.write(
            f"  {name} -> {receivers[name].name}: {len(stream.sent)} sent, "
            f"{len(stream.sent) - len(lost_total)} delivered; during the restart while "
            f"connected: {len(sent_during_restart)} sent, {len(lost_during_restart)} lost; "
            f"{stream.refused} refused before the first pair was selected; "
            f"{len(lost_total)} sent into the dead Wi-Fi path before ICE noticed "
            f"(datagrams are not retransmitted)\n"
        )
        ok = ok and not lost_during_restart
    for endpoint in (alice, bob):
        ok = ok and endpoint.state in (S.CONNECTED, S.COMPLETED)
        out.write(
            f"  {endpoint.name}: final state {endpoint.state}, "
            f"{endpoint.agent.generation_count} ICE generations\n"
        )
    noticed, back = alice.first_time(S.DISCONNECTED, after=16.0), _reconnected(alice, 16.0)
    if noticed is not None and back is not None:
        out.write(
            f"  after leaving Wi-Fi at 16.000s: disconnected reported {noticed - 16.0:.2f}s "
            f"later, a new path carried data {back - 16.0:.2f}s later\n"
        )
        ok = ok and noticed - 16.0 <= 3.0
    out.write("  result: " + ("every promise held\n" if ok else "SOMETHING WENT WRONG\n"))
    return ok


def _reconnected(endpoint: IceEndpoint, after: float) -> float | None:
    for t, s in endpoint.state_history:
        if t > after and s in (S.CONNECTED, S.COMPLETED):
            return t
    return None
