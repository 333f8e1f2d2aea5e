"""Topologies for the ICE scenarios: two endpoints, optional NATs, a STUN server."""

from __future__ import annotations

from dataclasses import dataclass

from rtcpeer.ice import IceConfig, IceTransportState
from rtcpeer.testing import (
    Host,
    LinkProfile,
    NatType,
    SimNetwork,
    StunServer,
)
from rtcpeer.testing.ice_endpoint import IceEndpoint, Signalling

S = IceTransportState


@dataclass
class Scenario:
    net: SimNetwork
    alice: IceEndpoint
    bob: IceEndpoint
    signalling: Signalling
    stun: StunServer | None
    alice_host: Host
    bob_host: Host

    def run_until_state(self, endpoint: IceEndpoint, state: S, timeout: float) -> float:
        """Run until ``endpoint`` reaches ``state``; return the time it did (fail if not)."""
        start = self.net.now
        ok = self.net.run_until_true(
            lambda: endpoint.first_time(state, after=start) is not None, timeout
        )
        assert ok, f"{endpoint.name} did not reach {state} in {timeout}s: {endpoint.state_history}"
        t = endpoint.first_time(state, after=start)
        assert t is not None
        return t

    def both(self, state: S, timeout: float) -> None:
        self.run_until_state(self.alice, state, timeout)
        self.run_until_state(self.bob, state, timeout)

    def run_until_connected(self, timeout: float) -> None:
        """Run until both sides have connectivity (connected or completed)."""
        ok = self.net.run_until_true(
            lambda: connected_at(self.alice) is not None and connected_at(self.bob) is not None,
            timeout,
        )
        assert ok, f"no connection: {self.alice.state_history} / {self.bob.state_history}"


def connected_at(endpoint: IceEndpoint, after: float = 0.0) -> float | None:
    """When ``endpoint`` first had connectivity (connected or completed) after ``after``."""
    times = [endpoint.first_time(s, after) for s in (S.CONNECTED, S.COMPLETED)]
    return min((t for t in times if t is not None), default=None)


def make_scenario(
    *,
    seed: int = 1,
    alice_nat: NatType | None = None,
    bob_nat: NatType | None = None,
    same_lan: bool = False,
    link: LinkProfile | None = None,
    stun: bool = True,
    alice_controlling: bool = True,
    bob_controlling: bool = False,
    config: IceConfig | None = None,
    signalling_delay: float = 0.05,
    start: bool = True,
) -> Scenario:
    """Alice and Bob, each behind the given NAT kind (None: a public address), or together on
    one LAN behind one NAT (``same_lan``). Every link has ``link`` (default 10 ms one way)."""
    net = SimNetwork(seed)
    profile = link if link is not None else LinkProfile(delay=0.01)
    server: StunServer | None = None
    if stun:
        stun_host = net.add_host("stun")
        stun_host.add_interface(net.internet, "198.51.100.100", LinkProfile(delay=0.01))
        server = StunServer(net, stun_host)
    alice_host = net.add_host("alice")
    bob_host = net.add_host("bob")
    if same_lan:
        nat = net.add_nat("home", NatType.PORT_RESTRICTED_CONE, "203.0.113.1")
        alice_host.add_interface(nat.inside, link=_copy(profile))
        bob_host.add_interface(nat.inside, link=_copy(profile))
    else:
        for i, (host, kind) in enumerate(((alice_host, alice_nat), (bob_host, bob_nat))):
            if kind is None:
                host.add_interface(net.internet, f"198.51.100.{i + 1}", _copy(profile))
            else:
                nat = net.add_nat(
                    f"nat-{host.name}", kind, f"203.0.113.{i + 1}", subnet=f"10.0.{i}.0/24"
                )
                host.add_interface(nat.inside, link=_copy(profile))
    servers = [server.address] if server is not None else []
    alice = IceEndpoint(
        net, alice_host, controlling=alice_controlling, config=config, stun_servers=servers
    )
    bob = IceEndpoint(
        net, bob_host, controlling=bob_controlling, config=config, stun_servers=servers
    )
    signalling = Signalling(alice, bob, delay=signalling_delay)
    if start:
        signalling.connect()
    return Scenario(net, alice, bob, signalling, server, alice_host, bob_host)


def _copy(profile: LinkProfile) -> LinkProfile:
    from dataclasses import replace

    return replace(profile)
