"""NAT behaviour (RFC 4787): mapping, filtering, timeouts, ports, hairpinning, nesting."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from rtcpeer.testing import (
    Host,
    LinkProfile,
    Nat,
    NatBehavior,
    NatType,
    SimNetwork,
    SimSocket,
)

from .util import Inbox

S1 = "198.51.100.1"
S2 = "198.51.100.2"
PUBLIC = "203.0.113.1"


@dataclass
class World:
    """One NAT at 203.0.113.1 with a client (192.168.1.2:5000) behind it, and servers on
    the internet: s1 at 198.51.100.1 (ports 1000, 2000) and s2 at 198.51.100.2 (port 1000)."""

    net: SimNetwork
    nat: Nat
    client: Host
    sock: SimSocket
    inbox: Inbox
    servers: dict[tuple[str, int], SimSocket]
    seen: dict[tuple[str, int], Inbox]

    def client_sends(self, dst: tuple[str, int], data: bytes = b"out") -> None:
        self.sock.send(data, dst)
        self.net.run(0.001)

    def server_sends(self, src: tuple[str, int], dst: tuple[str, int], data: bytes = b"in") -> None:
        self.servers[src].send(data, dst)
        self.net.run(0.001)


def world(behavior: NatBehavior | NatType, seed: int = 0) -> World:
    net = SimNetwork(seed)
    nat = net.add_nat("nat", behavior, PUBLIC)
    client = net.add_host("client")
    client.add_interface(nat.inside)
    inbox = Inbox(net)
    sock = client.bind((client.ip, 5000), inbox)
    servers: dict[tuple[str, int], SimSocket] = {}
    seen: dict[tuple[str, int], Inbox] = {}
    for name, ip in (("s1", S1), ("s2", S2)):
        host = net.add_host(name)
        host.add_interface(net.internet, ip)
        for port in (1000, 2000):
            seen[(ip, port)] = Inbox(net)
            servers[(ip, port)] = host.bind((ip, port), seen[(ip, port)])
    return World(net, nat, client, sock, inbox, servers, seen)


# -- mapping behaviour, RFC 4787 §4.1 ---------------------------------------------------------

MAPPING_CASES = {
    # destinations: s1:1000, s1:2000, s2:1000 -> which of them share an external address
    "endpoint-independent": (1, [0, 0, 0]),
    "address-dependent": (2, [0, 0, 1]),
    "address-and-port-dependent": (3, [0, 1, 2]),
}


@pytest.mark.parametrize("mapping", list(MAPPING_CASES))
def test_mapping_behavior(mapping: str) -> None:
    behavior = NatBehavior(mapping=mapping, filtering="endpoint-independent")  # type: ignore[arg-type]
    w = world(behavior)
    destinations = [(S1, 1000), (S1, 2000), (S2, 1000)]
    for dst in destinations:
        w.client_sends(dst)
        w.client_sends(dst)  # a second datagram reuses the mapping
    externals = [w.seen[dst].remotes for dst in destinations]
    assert all(len(set(e)) == 1 for e in externals)
    count, groups = MAPPING_CASES[mapping]
    assert len(w.nat.mappings) == count
    assert len({e[0] for e in externals}) == count
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        assert (externals[i][0] == externals[j][0]) == (groups[i] == groups[j])
    assert all(e[0][0] == PUBLIC for e in externals)
    # The first mapping preserved the port (port_preservation=True).
    assert externals[0][0] == (PUBLIC, 5000)
    assert all(m.internal == ("192.168.1.2", 5000) for m in w.nat.mappings)


def test_mapping_details_are_inspectable() -> None:
    w = world(NatBehavior(mapping="address-and-port-dependent"))
    w.client_sends((S1, 1000))
    (mapping,) = w.nat.mappings
    assert mapping.internal == ("192.168.1.2", 5000)
    assert mapping.external == (PUBLIC, 5000)
    assert (mapping.remote_ip, mapping.remote_port) == (S1, 1000)
    assert mapping.contacted == ((S1, 1000),)
    assert mapping.created_at == 0.0
    assert mapping.expires_at == 120.0
    assert w.nat.find_mappings(("192.168.1.2", 5000)) == [mapping]
    assert w.nat.find_mappings(("192.168.1.2", 5001)) == []
    translations = [e for e in w.net.trace if e.kind == "translate"]
    assert translations[0].src == (PUBLIC, 5000) and translations[0].where == "nat"


# -- filtering behaviour, RFC 4787 §5 ---------------------------------------------------------

FILTER_CASES = {
    # after the client sent to s1:1000 only: may s1:1000, s1:2000, s2:1000 reach it?
    "endpoint-independent": [True, True, True],
    "address-dependent": [True, True, False],
    "address-and-port-dependent": [True, False, False],
}


@pytest.mark.parametrize("filtering", list(FILTER_CASES))
def test_filtering_behavior(filtering: str) -> None:
    behavior = NatBehavior(filtering=filtering)  # type: ignore[arg-type]
    w = world(behavior)
    sources = [(S1, 1000), (S1, 2000), (S2, 1000)]
    # Before any mapping exists nothing gets in, whatever the filter.
    w.server_sends((S2, 1000), (PUBLIC, 5000), b"unsolicited")
    assert len(w.inbox) == 0
    assert w.net.stats.dropped == {"nat-no-mapping": 1}
    w.client_sends((S1, 1000))
    for src in sources:
        w.server_sends(src, (PUBLIC, 5000), repr(src).encode())
    expected = [
        repr(s).encode() for s, ok in zip(sources, FILTER_CASES[filtering], strict=True) if ok
    ]
    assert w.inbox.data == expected
    assert w.net.stats.dropped["nat-filter"] == 3 - len(expected)
    # Inbound datagrams arrive translated to the client's own address.
    assert all(local == ("192.168.1.2", 5000) for _, local, _ in w.inbox.items)


def test_filter_opens_for_each_address_contacted() -> None:
    w = world(NatType.PORT_RESTRICTED_CONE)
    w.client_sends((S1, 1000))
    w.server_sends((S2, 1000), (PUBLIC, 5000), b"early")
    w.client_sends((S2, 1000))
    w.server_sends((S2, 1000), (PUBLIC, 5000), b"late")
    assert w.inbox.data == [b"late"]


@pytest.mark.parametrize(
    ("nat_type", "mapping", "filtering", "preserve"),
    [
        (NatType.FULL_CONE, "endpoint-independent", "endpoint-independent", True),
        (NatType.RESTRICTED_CONE, "endpoint-independent", "address-dependent", True),
        (NatType.PORT_RESTRICTED_CONE, "endpoint-independent", "address-and-port-dependent", True),
        (NatType.SYMMETRIC, "address-and-port-dependent", "address-and-port-dependent", False),
    ],
)
def test_nat_type_presets(nat_type: NatType, mapping: str, filtering: str, preserve: bool) -> None:
    behavior = NatBehavior.of(nat_type)
    assert (behavior.mapping, behavior.filtering) == (mapping, filtering)
    assert behavior.port_preservation is preserve
    assert behavior.hairpinning and behavior.mapping_timeout == 120.0


@pytest.mark.parametrize("nat_type", list(NatType))
def test_every_nat_type_end_to_end(nat_type: NatType) -> None:
    w = world(nat_type, seed=2)
    w.client_sends((S1, 1000))
    w.client_sends((S1, 2000))
    ext1 = w.seen[(S1, 1000)].remotes[0]
    ext2 = w.seen[(S1, 2000)].remotes[0]
    assert (ext1 == ext2) == (nat_type is not NatType.SYMMETRIC)
    # Replies to the address each server saw always come back.
    w.server_sends((S1, 1000), ext1, b"reply1")
    w.server_sends((S1, 2000), ext2, b"reply2")
    assert w.inbox.data == [b"reply1", b"reply2"]
    # A third party gets in only through a full cone.
    w.server_sends((S2, 1000), ext1, b"third party")
    assert (b"third party" in w.inbox.data) == (nat_type is NatType.FULL_CONE)


def test_invalid_behavior() -> None:
    with pytest.raises(ValueError):
        NatBehavior(mapping="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        NatBehavior(mapping_timeout=0)
    with pytest.raises(ValueError):
        NatBehavior(external_ports=(100, 200))


# -- mapping refresh, RFC 4787 §4.3 -----------------------------------------------------------


def test_mapping_expires_without_outbound_traffic() -> None:
    w = world(replace(NatBehavior.of(NatType.FULL_CONE), mapping_timeout=30))
    w.client_sends((S1, 1000))
    w.net.run_until(29.9)
    w.server_sends((S1, 1000), (PUBLIC, 5000), b"in time")
    assert w.nat.mappings[0].expires_at == 30.0
    w.net.run_until(30.0)
    assert w.nat.mappings == []
    w.server_sends((S1, 1000), (PUBLIC, 5000), b"too late")
    assert w.inbox.data == [b"in time"]
    assert w.net.stats.dropped == {"nat-no-mapping": 1}


def test_outbound_traffic_refreshes_the_mapping() -> None:
    w = world(replace(NatBehavior.of(NatType.PORT_RESTRICTED_CONE), mapping_timeout=30))
    w.client_sends((S1, 1000))
    w.net.run_until(20)
    w.client_sends((S2, 1000))  # refreshes the one endpoint-independent mapping
    w.net.run_until(45)
    w.server_sends((S1, 1000), (PUBLIC, 5000), b"still open")
    w.net.run_until(49)
    w.server_sends((S1, 1000), (PUBLIC, 5000), b"still open 2")
    w.net.run_until(50.5)
    w.server_sends((S1, 1000), (PUBLIC, 5000), b"expired")
    assert w.inbox.data == [b"still open", b"still open 2"]


def test_inbound_traffic_does_not_refresh_unless_configured() -> None:
    for inbound_refresh, expected in [(False, 1), (True, 3)]:
        behavior = NatBehavior(mapping_timeout=30, inbound_refresh=inbound_refresh)
        w = world(behavior)
        w.client_sends((S1, 1000))
        for t in (20, 40, 60):
            w.net.run_until(t)
            w.server_sends((S1, 1000), (PUBLIC, 5000), b"keepalive")
        assert len(w.inbox) == expected


def test_expired_mapping_is_recreated_with_a_new_random_port() -> None:
    w = world(replace(NatBehavior.of(NatType.SYMMETRIC), mapping_timeout=10), seed=3)
    w.client_sends((S1, 1000))
    w.net.run_until(11)
    w.client_sends((S1, 1000))
    first, second = w.seen[(S1, 1000)].remotes
    assert first != second
    assert len(w.nat.mappings) == 1


def test_reset_and_public_ip_change_lose_mappings() -> None:
    w = world(NatType.FULL_CONE)
    w.client_sends((S1, 1000))
    w.nat.reset()
    w.server_sends((S1, 1000), (PUBLIC, 5000))
    assert len(w.inbox) == 0
    w.client_sends((S1, 1000))
    w.nat.change_public_ip("203.0.113.77")
    assert w.net.internet.owner(PUBLIC) is None
    w.server_sends((S1, 1000), (PUBLIC, 5000))
    w.client_sends((S1, 1000))
    assert w.seen[(S1, 1000)].remotes[-1] == ("203.0.113.77", 5000)
    w.server_sends((S1, 1000), ("203.0.113.77", 5000), b"new")
    assert w.inbox.data == [b"new"]
    assert w.net.stats.dropped == {"nat-no-mapping": 1, "no-route": 1}


# -- port assignment, RFC 4787 §4.2.1 ---------------------------------------------------------


def add_client(w: World, port: int) -> SimSocket:
    host = w.net.add_host(f"client{len(w.net.hosts)}")
    host.add_interface(w.nat.inside)
    return host.bind((host.ip, port), Inbox())


def test_port_preservation_and_collision() -> None:
    w = world(NatType.PORT_RESTRICTED_CONE, seed=4)
    other = add_client(w, 5000)
    w.client_sends((S1, 1000))
    other.send(b"x", (S1, 1000))
    w.net.run(0.001)
    first, second = w.seen[(S1, 1000)].remotes
    assert first == (PUBLIC, 5000)
    assert second[0] == PUBLIC and second[1] != 5000 and 1024 <= second[1] <= 65535
    # Port collision is resolved the same way every time with the same seed.
    again = world(NatType.PORT_RESTRICTED_CONE, seed=4)
    other = add_client(again, 5000)
    again.client_sends((S1, 1000))
    other.send(b"x", (S1, 1000))
    again.net.run(0.001)
    assert again.seen[(S1, 1000)].remotes == [first, second]


def test_no_port_preservation() -> None:
    w = world(NatBehavior(port_preservation=False), seed=5)
    w.client_sends((S1, 1000))
    (external,) = w.seen[(S1, 1000)].remotes
    assert external[1] != 5000


def test_privileged_ports_map_to_privileged_ports() -> None:
    w = world(NatBehavior(port_preservation=False), seed=6)
    low = add_client(w, 123)
    for _ in range(20):
        w.nat.reset()
        low.send(b"ntp", (S1, 1000))
        w.net.run(0.001)
    assert all(1 <= port <= 1023 for _, port in w.seen[(S1, 1000)].remotes)


def test_port_exhaustion() -> None:
    w = world(NatBehavior(external_ports=(40000, 40001)))
    w.client_sends((S1, 1000))  # 5000 is outside the range: not preserved
    socks = [add_client(w, 6000), add_client(w, 6001)]
    for sock in socks:
        sock.send(b"x", (S1, 1000))
    w.net.run(0.001)
    assert sorted(p for _, p in w.seen[(S1, 1000)].remotes) == [40000, 40001]
    assert w.net.stats.dropped == {"nat-exhausted": 1}
    w.net.run_until(200)  # mappings expire and free their ports
    socks[1].send(b"x", (S1, 1000))
    w.net.run(0.001)
    assert len(w.seen[(S1, 1000)]) == 3


# -- hairpinning, RFC 4787 §6 -----------------------------------------------------------------


@pytest.mark.parametrize("hairpinning", [True, False])
def test_hairpinning(hairpinning: bool) -> None:
    behavior = replace(NatBehavior.of(NatType.FULL_CONE), hairpinning=hairpinning)
    w = world(behavior)
    peer_inbox = Inbox()
    peer_host = w.net.add_host("peer")
    peer_host.add_interface(w.nat.inside)
    peer = peer_host.bind((peer_host.ip, 6000), peer_inbox)
    peer.send(b"stun-ish", (S1, 1000))
    w.client_sends((S1, 1000))
    peer_public = w.seen[(S1, 1000)].remotes[0]
    assert peer_public == (PUBLIC, 6000)
    w.client_sends(peer_public, b"hairpin")
    if hairpinning:
        # The source is the client's external mapping (REQ-9a), not its private address.
        assert peer_inbox.items == [(b"hairpin", ("192.168.1.3", 6000), (PUBLIC, 5000))]
    else:
        assert len(peer_inbox) == 0
        assert w.net.stats.dropped == {"hairpin": 1}


def test_hairpinned_datagrams_are_filtered_like_inbound_ones() -> None:
    w = world(NatType.PORT_RESTRICTED_CONE)
    peer_inbox = Inbox()
    peer_host = w.net.add_host("peer")
    peer_host.add_interface(w.nat.inside)
    peer = peer_host.bind((peer_host.ip, 6000), peer_inbox)
    peer.send(b"x", (S1, 1000))
    w.client_sends((S1, 1000))
    w.client_sends((PUBLIC, 6000), b"filtered")
    peer.send(b"punch", (PUBLIC, 5000))  # delivered: the client's mapping sent to PUBLIC:6000
    w.net.run(0.001)
    w.client_sends((PUBLIC, 6000), b"allowed")
    assert peer_inbox.data == [b"allowed"]
    assert w.inbox.data == [b"punch"]
    assert w.net.stats.dropped == {"nat-filter": 1}


def test_hairpin_skips_the_wan_link() -> None:
    net = SimNetwork()
    nat = net.add_nat("nat", NatType.FULL_CONE, PUBLIC, link=LinkProfile(delay=1.0))
    a, b = net.add_host("a"), net.add_host("b")
    a.add_interface(nat.inside)
    b.add_interface(nat.inside)
    inbox = Inbox(net)
    sb = b.bind((b.ip, 7), inbox)
    sa = a.bind((a.ip, 7), Inbox())
    sb.send(b"open", ("192.0.2.1", 1))  # creates b's mapping; dropped far away later
    sa.send(b"via hairpin", (PUBLIC, 7))
    net.run(5)
    assert inbox.times == [0.0]


# -- nesting --------------------------------------------------------------------------------------


def test_nested_nat_behind_carrier_grade_nat() -> None:
    net = SimNetwork(seed=7)
    cgn = net.add_nat("cgn", NatType.FULL_CONE, PUBLIC, subnet="100.64.0.0/10")
    home1 = net.add_nat("home1", NatType.FULL_CONE, parent=cgn.inside)
    home2 = net.add_nat("home2", NatType.FULL_CONE, parent=cgn.inside, subnet="10.0.0.0/24")
    assert (home1.public_ip, home2.public_ip) == ("100.64.0.2", "100.64.0.3")
    assert home1.inside.depth == 2 and home1.inside.parent is cgn.inside
    server = net.add_host("server")
    server.add_interface(net.internet, S1)
    seen = Inbox()
    srv = server.bind((S1, 1000), seen)
    h1, h2 = net.add_host("h1"), net.add_host("h2")
    h1.add_interface(home1.inside)
    h2.add_interface(home2.inside)
    in1, in2 = Inbox(), Inbox()
    s1 = h1.bind((h1.ip, 5000), in1)
    s2 = h2.bind((h2.ip, 5000), in2)
    s1.send(b"hello", (S1, 1000))
    net.run(1)
    (outer,) = seen.remotes
    assert outer == (PUBLIC, 5000)
    srv.send(b"reply", outer)
    net.run(1)
    assert in1.items == [(b"reply", ("192.168.1.2", 5000), (S1, 1000))]
    # Both home NATs' translations are visible in the trace, inner first.
    hops = [e.where for e in net.trace if e.kind == "translate" and e.packet_id == 1]
    assert hops == ["home1", "cgn"]
    (m1,) = home1.mappings
    assert m1.external == ("100.64.0.2", 5000)
    assert cgn.mappings[0].internal == ("100.64.0.2", 5000)
    # Peers behind the same CGN reach each other inside it, via their home NATs' addresses.
    s2.send(b"hi neighbour", ("100.64.0.2", 5000))
    net.run(1)
    assert in1.data[-1] == b"hi neighbour"
    assert in1.remotes[-1] == ("100.64.0.3", 5000)
    # ...or through the CGN's public address, by hairpinning there.
    s2.send(b"to server", (S1, 1000))
    net.run(1)
    h2_outer = seen.remotes[-1]
    assert h2_outer[0] == PUBLIC and h2_outer[1] != 5000  # port collision at the CGN
    s1.send(b"via cgn hairpin", h2_outer)
    net.run(1)
    assert in2.items == [(b"via cgn hairpin", ("10.0.0.2", 5000), (PUBLIC, 5000))]
    # CGN-space addresses are not routable from the internet.
    srv.send(b"x", ("100.64.0.2", 5000))
    net.run(1)
    assert net.stats.dropped == {"no-route": 1}
    assert [e.where for e in net.trace if e.kind == "drop"] == ["internet"]


def test_private_destinations_stay_on_the_lan() -> None:
    w = world(NatType.FULL_CONE)
    w.client_sends(("192.168.1.77", 9))  # on-link but nobody there: never leaves the LAN
    w.client_sends(("10.1.2.3", 9))  # off-link: goes out through the NAT, dies on the internet
    drops = [(e.where, e.reason) for e in w.net.trace if e.kind == "drop"]
    assert drops == [("nat.inside", "no-route"), ("internet", "no-route")]
    assert len(w.nat.mappings) == 1


def test_wan_link_impairs_nat_traffic_both_ways() -> None:
    net = SimNetwork()
    nat = net.add_nat("nat", NatType.FULL_CONE, PUBLIC, link=LinkProfile(delay=0.03))
    client = net.add_host("client")
    client.add_interface(nat.inside, link=LinkProfile(delay=0.01))
    server = net.add_host("server")
    server.add_interface(net.internet, S1)
    srv = server.bind((S1, 1), lambda d, local, remote: srv.send(d, remote))
    inbox = Inbox(net)
    client.bind((client.ip, 2), inbox).send(b"rtt", (S1, 1))
    net.run(1)
    assert inbox.times == [0.08]
