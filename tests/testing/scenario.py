"""A busy, randomised scenario used by the determinism tests (also run in subprocesses)."""

from __future__ import annotations

import hashlib
import sys

from rtcpeer.stun import MessageClass, Method, StunMessage
from rtcpeer.testing import LinkProfile, NatType, SimNetwork, StunServer, TraceEvent


def run_scenario(seed: int) -> list[TraceEvent]:
    """Hosts behind every NAT type (one nested), lossy, jittery, duplicating, reordering
    links, STUN, chatter at random times, a partition, an address change and NAT expiry."""
    net = SimNetwork(seed)
    stun_host = net.add_host("stun")
    stun_host.add_interface(net.internet, link=LinkProfile(delay=0.01, jitter=0.01))
    stun = StunServer(net, stun_host)
    cgn = net.add_nat("cgn", NatType.SYMMETRIC, subnet="100.64.0.0/10")
    sockets = []
    for i, nat_type in enumerate(NatType):
        parent = cgn.inside if i == 0 else None
        nat = net.add_nat(
            f"nat{i}",
            nat_type,
            parent=parent,
            link=LinkProfile(delay=0.02, jitter=0.03, loss=0.05, duplicate=0.05, reorder=0.1),
        )
        for j in range(2):
            host = net.add_host(f"h{i}{j}")
            link = LinkProfile(delay=0.005, burst_loss=(0.05, 0.5), mtu=1200 + 100 * j)
            host.add_interface(nat.inside, link=link)
            sockets.append(host.bind((host.ip, 0), lambda d, local, remote: None))
    rng = net.rng

    def chatter() -> None:
        sock = rng.choice(sockets)
        if sock.closed:
            return
        if rng.random() < 0.3:
            request = StunMessage(Method.BINDING, MessageClass.REQUEST, rng.randbytes(12))
            sock.send(request.encode(fingerprint=True), stun.address)
        else:
            peer = rng.choice(net.nats[f"nat{rng.randrange(4)}"].mappings or [None])
            target = peer.external if peer is not None else stun.address
            sock.send(bytes(rng.randrange(1400)), target)

    for _ in range(600):
        net.call_at(rng.uniform(0, 200), chatter)
    net.call_at(50, lambda: net.partition(net.nats["nat1"], net.nats["nat2"]))
    net.call_at(60, lambda: net.heal(net.nats["nat1"], net.nats["nat2"]))
    net.call_at(70, lambda: net.hosts["h30"].interfaces[0].change_address("192.168.1.99"))
    net.run_until(250)
    return list(net.trace)


def digest(seed: int) -> str:
    return hashlib.sha256(repr(run_scenario(seed)).encode()).hexdigest()


if __name__ == "__main__":
    print(digest(int(sys.argv[1])))
