"""How fast the simulator establishes ICE connections (issue 2's "1000 connections").

Each connection is a fresh SimNetwork: Alice behind a port-restricted NAT, Bob behind a
full-cone NAT, a STUN server, trickled candidates; it counts as complete when both agents
have selected a pair. Tracing is off, as a user's large test run would have it.

    .venv/bin/python bench/sim_connections.py [--count 1000]

No aiortc/aioice figure is printed beside it: aioice has no sans-IO core that a simulator
could drive, so there is no like-for-like run to compare.
"""

from __future__ import annotations

import argparse
import time

from rtcpeer.ice import IceTransportState
from rtcpeer.testing import LinkProfile, NatType, SimNetwork, StunServer
from rtcpeer.testing.ice_endpoint import IceEndpoint, Signalling

CONNECTED = (IceTransportState.CONNECTED, IceTransportState.COMPLETED)


def one_connection(seed: int) -> float:
    """Connect one pair; return the virtual time it took."""
    net = SimNetwork(seed, trace=False)
    stun_host = net.add_host("stun")
    stun_host.add_interface(net.internet, "198.51.100.100", LinkProfile(delay=0.01))
    stun = StunServer(net, stun_host)
    a_nat = net.add_nat("a", NatType.PORT_RESTRICTED_CONE, "203.0.113.1", subnet="10.0.0.0/24")
    b_nat = net.add_nat("b", NatType.FULL_CONE, "203.0.113.2", subnet="10.0.1.0/24")
    alice_host, bob_host = net.add_host("alice"), net.add_host("bob")
    alice_host.add_interface(a_nat.inside, link=LinkProfile(delay=0.01))
    bob_host.add_interface(b_nat.inside, link=LinkProfile(delay=0.01))
    alice = IceEndpoint(net, alice_host, controlling=True, stun_servers=[stun.address])
    bob = IceEndpoint(net, bob_host, controlling=False, stun_servers=[stun.address])
    Signalling(alice, bob).connect()
    done = net.run_until_true(
        lambda: alice.state in CONNECTED and bob.state in CONNECTED, timeout=30.0
    )
    if not done:
        raise RuntimeError(f"seed {seed} did not connect")
    return net.now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    start = time.perf_counter()
    virtual = [one_connection(seed) for seed in range(args.count)]
    wall = time.perf_counter() - start
    print(
        f"{args.count} simulated ICE connections (NAT to NAT, STUN, trickle): "
        f"{wall:.2f} s wall, {wall / args.count * 1000:.2f} ms each; "
        f"virtual time to connect: mean {sum(virtual) / len(virtual):.3f} s, "
        f"max {max(virtual):.3f} s"
    )


if __name__ == "__main__":
    main()
