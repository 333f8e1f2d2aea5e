"""How ICE connects through a lossy path, over many seeds (issue 2's "30 % loss").

Alice behind a port-restricted NAT on a link losing 30 % each way, Bob behind a full-cone NAT
on a clean link, a STUN server; each seed runs 20 s of virtual time. Prints how many
connected, the time to connect, and how often a connected pair was reported disconnected.

    .venv/bin/python bench/sim_loss.py [--seeds 100] [--loss 0.3]
"""

from __future__ import annotations

import argparse

from rtcpeer.ice import IceTransportState
from rtcpeer.testing import IceEndpoint, LinkProfile, NatType, Signalling, SimNetwork, StunServer

S = IceTransportState


def run(seed: int, loss: float) -> tuple[float | None, int]:
    net = SimNetwork(seed, trace=False)
    stun_host = net.add_host("stun")
    stun_host.add_interface(net.internet, "198.51.100.100", LinkProfile(delay=0.01))
    stun = StunServer(net, stun_host)
    a_nat = net.add_nat("a", NatType.PORT_RESTRICTED_CONE, "203.0.113.1", subnet="10.0.0.0/24")
    b_nat = net.add_nat("b", NatType.FULL_CONE, "203.0.113.2", subnet="10.0.1.0/24")
    alice_host, bob_host = net.add_host("alice"), net.add_host("bob")
    alice_host.add_interface(a_nat.inside, link=LinkProfile(delay=0.02, loss=loss))
    bob_host.add_interface(b_nat.inside, link=LinkProfile(delay=0.02))
    alice = IceEndpoint(net, alice_host, controlling=True, stun_servers=[stun.address])
    bob = IceEndpoint(net, bob_host, controlling=False, stun_servers=[stun.address])
    Signalling(alice, bob).connect()
    net.run_until(20.0)
    times = []
    for ep in (alice, bob):
        reached = [t for t, s in ep.state_history if s in (S.CONNECTED, S.COMPLETED)]
        times.append(reached[0] if reached else None)
    flaps = sum(ep.states.count(S.DISCONNECTED) for ep in (alice, bob))
    if None in times:
        return None, flaps
    return max(t for t in times if t is not None), flaps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--loss", type=float, default=0.3)
    args = parser.parse_args()
    results = [run(seed, args.loss) for seed in range(args.seeds)]
    times = sorted(t for t, _ in results if t is not None)
    flaps = sum(f for _, f in results)
    print(
        f"{len(times)}/{args.seeds} connected through {args.loss:.0%} loss each way; "
        f"time to connect: median {times[len(times) // 2]:.2f} s, "
        f"p90 {times[int(len(times) * 0.9)]:.2f} s, max {times[-1]:.2f} s; "
        f"'disconnected' reports in {args.seeds} x 20 s x 2 agents: {flaps}"
    )


if __name__ == "__main__":
    main()
