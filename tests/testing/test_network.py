"""Topology, routing, sockets, interfaces, partitions, trace and stats."""

from __future__ import annotations

import errno

import pytest

from rtcpeer.testing import Address, DropReason, LinkProfile, NatType, SimNetwork

from .util import Inbox


def test_auto_addresses() -> None:
    net = SimNetwork()
    a = net.add_host("a")
    assert a.add_interface(net.internet).ip == "198.51.100.1"
    assert a.add_interface(net.internet).ip == "198.51.100.2"
    nat = net.add_nat("nat", NatType.FULL_CONE)
    assert nat.public_ip == "198.51.100.3"
    assert nat.inside_ip == "192.168.1.1"
    b = net.add_host("b")
    assert b.add_interface(nat.inside).ip == "192.168.1.2"
    assert [i.name for i in a.interfaces] == ["eth0", "eth1"]
    assert net.internet.owner("198.51.100.3") is nat


def test_address_validation() -> None:
    net = SimNetwork()
    nat = net.add_nat("nat", NatType.FULL_CONE, "203.0.113.1")
    a = net.add_host("a")
    with pytest.raises(ValueError, match="not in realm"):
        a.add_interface(nat.inside, "10.0.0.5")
    with pytest.raises(ValueError, match="reserved"):
        a.add_interface(nat.inside, "192.168.1.1")
    with pytest.raises(ValueError, match="in use"):
        a.add_interface(net.internet, "203.0.113.1")
    with pytest.raises(ValueError):
        a.add_interface(net.internet, "not-an-ip")
    with pytest.raises(ValueError, match="already exists"):
        net.add_host("nat")
    assert a.interfaces == []
    # IPv6 addresses are canonicalised.
    assert a.add_interface(net.internet, "2001:DB8:0::0001").ip == "2001:db8::1"


def test_same_realm_delivery_and_reply() -> None:
    net = SimNetwork()
    a = net.add_host("a")
    a.add_interface(net.internet, "198.51.100.1")
    b = net.add_host("b")
    b.add_interface(net.internet, "198.51.100.2")
    a_inbox = Inbox(net)
    sa = a.bind(("198.51.100.1", 1000), a_inbox)
    sb = b.bind(("198.51.100.2", 2000), lambda d, local, remote: sb.send(d.upper(), remote))
    sa.send(b"hi", ("198.51.100.2", 2000))
    net.run(1)
    assert a_inbox.items == [(b"HI", ("198.51.100.1", 1000), ("198.51.100.2", 2000))]
    kinds = [(e.kind, e.packet_id) for e in net.trace]
    assert kinds == [("send", 1), ("deliver", 1), ("send", 2), ("deliver", 2)]


def test_send_never_delivers_synchronously() -> None:
    net = SimNetwork()
    a = net.add_host("a")
    a.add_interface(net.internet)
    inbox = Inbox(net)
    sock = a.bind((a.ip, 1), inbox)
    sock.send(b"self", (a.ip, 1))
    assert len(inbox) == 0
    net.run_until(0)
    assert inbox.data == [b"self"] and inbox.times == [0.0]


def test_unreachable_destinations_are_dropped_and_counted() -> None:
    net = SimNetwork()
    a = net.add_host("a")
    a.add_interface(net.internet, "198.51.100.1")
    b = net.add_host("b")
    b.add_interface(net.internet, "198.51.100.2")
    nat = net.add_nat("nat", NatType.FULL_CONE, "203.0.113.1")
    sock = a.bind(("198.51.100.1", 1000), Inbox())
    sock.send(b"1", ("192.0.2.99", 1))  # nobody
    sock.send(b"2", ("198.51.100.2", 1))  # host, no socket
    sock.send(b"3", ("203.0.113.1", 1))  # NAT, no mapping
    sock.send(b"4", ("192.168.1.1", 1))  # private address: not routable on the internet
    sock.send(b"5", ("2001:db8::1", 1))  # wrong address family
    net.run(1)
    assert dict(net.stats.dropped) == {
        "no-route": 3,
        "no-socket": 1,
        "nat-no-mapping": 1,
    }
    drops = sorted((e.packet_id, e.where, e.reason) for e in net.trace if e.kind == "drop")
    assert drops == [
        (1, "internet", "no-route"),
        (2, "b/eth0", "no-socket"),
        (3, "nat", "nat-no-mapping"),
        (4, "internet", "no-route"),
        (5, "a/eth0", "no-route"),
    ]
    assert nat.mappings == []


def test_send_argument_errors_raise() -> None:
    net = SimNetwork()
    a = net.add_host("a")
    a.add_interface(net.internet)
    sock = a.bind((a.ip, 1000), Inbox())
    for bad in [("nope", 1), ("198.51.100.9", 0), ("198.51.100.9", 70000), "198.51.100.9"]:
        with pytest.raises(ValueError):
            sock.send(b"x", bad)  # type: ignore[arg-type]
    assert net.stats.sent == 0


def test_bind_errors_and_ephemeral_ports() -> None:
    net = SimNetwork()
    a = net.add_host("a")
    a.add_interface(net.internet, "198.51.100.1")
    a.add_interface(net.internet, "198.51.100.2")
    with pytest.raises(OSError) as info:
        a.bind(("198.51.100.9", 1), Inbox())
    assert info.value.errno == errno.EADDRNOTAVAIL
    with pytest.raises(OSError):
        a.bind(("0.0.0.0", 1), Inbox())  # no wildcard binds
    a.bind(("198.51.100.1", 49153), Inbox())
    with pytest.raises(OSError) as info:
        a.bind(("198.51.100.1", 49153), Inbox())
    assert info.value.errno == errno.EADDRINUSE
    ports = [a.bind(("198.51.100.1", 0), Inbox()).local_address[1] for _ in range(3)]
    assert ports == [49152, 49154, 49155]
    # Each interface has its own ephemeral sequence; the same port on another IP is fine.
    assert a.bind(("198.51.100.2", 0), Inbox()).local_address == ("198.51.100.2", 49152)
    first = a.interfaces[0].sockets[0]
    first.close()
    first.close()
    assert first.closed
    assert a.bind(("198.51.100.1", 49153), Inbox()).local_address[1] == 49153
    assert len(a.sockets) == 5


def test_closed_socket_send_is_dropped_and_receives_nothing() -> None:
    net = SimNetwork()
    a = net.add_host("a")
    a.add_interface(net.internet)
    inbox = Inbox()
    sock = a.bind((a.ip, 5), inbox)
    other = a.bind((a.ip, 6), Inbox())
    sock.close()
    sock.send(b"x", (a.ip, 6))
    other.send(b"y", (a.ip, 5))
    net.run(1)
    assert len(inbox) == 0
    assert net.stats.dropped == {"closed": 1, "no-socket": 1}


def test_interface_down_and_up() -> None:
    net = SimNetwork()
    a = net.add_host("a")
    a.add_interface(net.internet, "198.51.100.1", link=LinkProfile(delay=0.1))
    b = net.add_host("b")
    b.add_interface(net.internet, "198.51.100.2")
    inbox = Inbox()
    b.bind(("198.51.100.2", 9), inbox)
    sock = a.bind(("198.51.100.1", 1), Inbox())
    sock.send(b"in flight", ("198.51.100.2", 9))
    b.set_down()
    net.run(1)
    sock.send(b"to down host", ("198.51.100.2", 9))
    net.run(1)
    a.interfaces[0].set_down()
    sock.send(b"from down host", ("198.51.100.2", 9))
    net.run(1)
    assert len(inbox) == 0
    assert net.stats.dropped["down"] == 3
    a.set_up()
    b.interfaces[0].up = True
    sock.send(b"ok", ("198.51.100.2", 9))
    net.run(1)
    assert inbox.data == [b"ok"]
    assert [e.where for e in net.trace if e.kind == "drop"] == ["b/eth0", "b/eth0", "a/eth0"]


def test_change_address_closes_sockets_and_drops_in_flight() -> None:
    net = SimNetwork()
    server = net.add_host("server")
    server.add_interface(net.internet, "198.51.100.1")
    srv_inbox = Inbox()
    srv = server.bind(("198.51.100.1", 9), srv_inbox)
    mobile = net.add_host("mobile")
    iface = mobile.add_interface(net.internet, "198.51.100.2", link=LinkProfile(delay=0.05))
    closed: list[str] = []
    inbox = Inbox()
    s1 = mobile.bind(("198.51.100.2", 1000), inbox, on_closed=lambda: closed.append("s1"))
    s2 = mobile.bind(("198.51.100.2", 1001), inbox, on_closed=lambda: closed.append("s2"))
    srv.send(b"to old address", ("198.51.100.2", 1000))
    net.run(0.01)
    iface.change_address("198.51.100.3")
    assert closed == ["s1", "s2"]
    assert s1.closed and s2.closed and iface.sockets == []
    assert net.internet.owner("198.51.100.2") is None
    assert net.internet.owner("198.51.100.3") is iface
    s1.send(b"on closed socket", ("198.51.100.1", 9))  # silently dropped
    srv.send(b"to old address later", ("198.51.100.2", 1000))
    net.run(1)
    assert len(inbox) == 0
    assert net.stats.dropped == {"no-route": 2, "closed": 1}
    s3 = mobile.bind(("198.51.100.3", 1000), inbox)
    s3.send(b"hello from new address", ("198.51.100.1", 9))
    net.run(1)
    assert srv_inbox.remotes == [("198.51.100.3", 1000)]
    iface.change_address("198.51.100.3")  # no-op
    assert not s3.closed


def test_move_to_another_nat() -> None:
    net = SimNetwork()
    server = net.add_host("server")
    server.add_interface(net.internet, "198.51.100.1")
    srv_inbox = Inbox()

    def echo(data: bytes, local: Address, remote: Address) -> None:
        srv_inbox(data, local, remote)
        srv.send(data, remote)

    srv = server.bind(("198.51.100.1", 9), echo)
    wifi = net.add_nat("wifi", NatType.PORT_RESTRICTED_CONE, "203.0.113.1")
    cell = net.add_nat("cell", NatType.SYMMETRIC, "203.0.113.2", subnet="10.20.0.0/16")
    phone = net.add_host("phone")
    iface = phone.add_interface(wifi.inside)
    closed: list[bool] = []
    inbox = Inbox()
    sock = phone.bind((phone.ip, 4000), inbox, on_closed=lambda: closed.append(True))
    sock.send(b"wifi", ("198.51.100.1", 9))
    net.run(1)
    iface.move_to(cell.inside)
    assert closed == [True] and sock.closed
    assert iface.ip == "10.20.0.2" and iface.realm is cell.inside
    assert wifi.inside.owner("192.168.1.2") is None
    sock = phone.bind((phone.ip, 4000), inbox)
    sock.send(b"cell", ("198.51.100.1", 9))
    net.run(1)
    assert srv_inbox.remotes[0] == ("203.0.113.1", 4000)
    assert srv_inbox.remotes[1][0] == "203.0.113.2"
    assert inbox.data == [b"wifi", b"cell"]


def test_stats_account_for_everything() -> None:
    net = SimNetwork(seed=11)
    nat = net.add_nat("nat", NatType.SYMMETRIC, "203.0.113.1", link=LinkProfile(loss=0.1))
    a = net.add_host("a")
    a.add_interface(nat.inside, link=LinkProfile(delay=0.01, jitter=0.05, duplicate=0.2))
    b = net.add_host("b")
    b.add_interface(net.internet)
    b.bind((b.ip, 9), Inbox())
    sock = a.bind((a.ip, 0), Inbox())
    for n in range(300):
        sock.send(bytes(n * 7), (b.ip, 9 + n % 2))
        if n == 150:
            net.run(0.02)
            stats = net.stats
            total = stats.delivered + stats.total_dropped + net.in_flight
            assert net.in_flight > 0
            assert stats.sent + stats.duplicated == total
    net.run(1)
    stats = net.stats
    assert net.in_flight == 0
    assert stats.sent + stats.duplicated == stats.delivered + stats.total_dropped
    assert set(stats.dropped) == {"loss", "mtu", "no-socket"}
    drops = [e for e in net.trace if e.kind == "drop"]
    assert len(drops) == stats.total_dropped
    stats.reset()
    assert stats.sent == 0 and stats.total_dropped == 0


def test_trace_can_be_disabled_and_cleared() -> None:
    net = SimNetwork(trace=False)
    a = net.add_host("a")
    a.add_interface(net.internet)
    sock = a.bind((a.ip, 1), Inbox())
    sock.send(b"x", (a.ip, 1))
    net.run(1)
    assert net.trace == [] and net.stats.delivered == 1
    net.trace_enabled = True
    sock.send(b"x", (a.ip, 1))
    net.run(1)
    assert [e.kind for e in net.trace] == ["send", "deliver"]
    assert net.trace[0].time == 1.0 and net.trace[0].size == 1
    net.clear_trace()
    assert net.trace == []


# -- partitions -----------------------------------------------------------------------------


def three_hosts(delay: float = 0.1) -> tuple[SimNetwork, dict[str, Inbox]]:
    """Hosts a, b, c on the internet, each listening on port 9 (one-way delay ``delay``)."""
    net = SimNetwork()
    inboxes: dict[str, Inbox] = {}
    for i, name in enumerate("abc"):
        host = net.add_host(name)
        host.add_interface(net.internet, f"198.51.100.{i + 1}", link=LinkProfile(delay / 2))
        inboxes[name] = Inbox(net)
        host.bind((host.ip, 9), inboxes[name])
    return net, inboxes


def send(net: SimNetwork, src: str, dst: str, data: bytes) -> None:
    sock = net.hosts[src].interfaces[0].sockets[0]
    sock.send(data, (net.hosts[dst].ip, 9))


def test_partition_and_heal() -> None:
    net, inbox = three_hosts()
    a, b = net.hosts["a"], net.hosts["b"]
    net.partition(a, b)
    assert net.is_partitioned(a, b) and net.is_partitioned(b, a)
    send(net, "a", "b", b"1")
    send(net, "b", "a", b"2")
    send(net, "a", "c", b"3")
    net.run(1)
    assert len(inbox["a"]) == 0 and len(inbox["b"]) == 0
    assert inbox["c"].data == [b"3"]
    assert net.stats.dropped == {"partition": 2}
    net.heal(b, a)
    assert not net.is_partitioned(a, b)
    send(net, "a", "b", b"4")
    net.run(1)
    assert inbox["b"].data == [b"4"]
    net.heal(a, b)  # healing twice is harmless


def test_partition_drops_packets_in_flight() -> None:
    net, inbox = three_hosts(delay=0.1)
    a, b = net.hosts["a"], net.hosts["b"]
    send(net, "a", "b", b"in flight across partition")
    net.call_at(0.05, lambda: net.partition(a, b))
    net.call_at(0.06, lambda: net.heal(a, b))
    net.call_at(0.07, lambda: send(net, "a", "b", b"after heal"))
    net.run(1)
    assert inbox["b"].data == [b"after heal"]
    drop = next(e for e in net.trace if e.kind == "drop")
    assert drop.reason == DropReason.PARTITION and drop.time == 0.1


def test_partition_drops_packets_sent_during_it_even_if_healed_before_arrival() -> None:
    net, inbox = three_hosts(delay=0.1)
    a, b = net.hosts["a"], net.hosts["b"]
    net.partition(a, b)
    send(net, "a", "b", b"sent while cut")
    net.run(0.01)
    net.heal(a, b)
    net.run(1)
    assert len(inbox["b"]) == 0


def test_partition_between_nats_and_between_host_and_its_nat() -> None:
    net = SimNetwork()
    server = net.add_host("server")
    server.add_interface(net.internet, "198.51.100.9")
    srv = Inbox()
    server.bind(("198.51.100.9", 9), srv)
    nats = [net.add_nat(f"nat{i}", NatType.FULL_CONE, f"203.0.113.{i}") for i in (1, 2)]
    hosts = []
    for i, nat in enumerate(nats, 1):
        host = net.add_host(f"h{i}")
        host.add_interface(nat.inside)
        hosts.append(host)
    inbox2 = Inbox()
    s1 = hosts[0].bind((hosts[0].ip, 5000), Inbox())
    s2 = hosts[1].bind((hosts[1].ip, 5000), inbox2)
    s2.send(b"open", ("198.51.100.9", 9))
    net.run(1)
    net.partition(nats[0], nats[1])
    s1.send(b"blocked", ("203.0.113.2", 5000))
    s1.send(b"to server", ("198.51.100.9", 9))
    net.run(1)
    assert len(inbox2) == 0 and srv.data == [b"open", b"to server"]
    net.heal(nats[0], nats[1])
    net.partition(hosts[0], nats[0])
    s1.send(b"cut from own nat", ("198.51.100.9", 9))
    net.run(1)
    assert srv.data == [b"open", b"to server"]
    assert net.stats.dropped == {"partition": 2}
    net.heal(hosts[0], nats[0])
    s1.send(b"back", ("203.0.113.2", 5000))
    net.run(1)
    assert inbox2.data == [b"back"]


def test_partition_by_interface() -> None:
    net, inbox = three_hosts()
    a, b = net.hosts["a"], net.hosts["b"]
    second = b.add_interface(net.internet, "198.51.100.20")
    b2 = Inbox()
    b.bind(("198.51.100.20", 9), b2)
    net.partition(a, b.interfaces[0])
    sock = a.interfaces[0].sockets[0]
    sock.send(b"eth0", ("198.51.100.2", 9))
    sock.send(b"eth1", ("198.51.100.20", 9))
    net.run(1)
    assert len(inbox["b"]) == 0 and b2.data == [b"eth1"]
    with pytest.raises(ValueError):
        net.partition(second, second)


def test_trace_events_print_readably() -> None:
    net = SimNetwork()
    a = net.add_host("a")
    a.add_interface(net.internet, "198.51.100.1")
    a.add_interface(net.internet, "2001:db8::1")
    a.bind(("198.51.100.1", 1), Inbox()).send(b"four", ("198.51.100.1", 2))
    a.bind(("2001:db8::1", 1), Inbox()).send(b"six", ("2001:db8::1", 1))
    net.run(1)
    lines = [str(e) for e in net.trace]
    assert lines[0] == "0.000000 send      #1 198.51.100.1:1 -> 198.51.100.1:2 (4 B) at a/eth0"
    assert lines[2] == (
        "0.000000 drop      #1 198.51.100.1:1 -> 198.51.100.1:2 (4 B) at a/eth0: no-socket"
    )
    assert lines[3].endswith("#2 [2001:db8::1]:1 -> [2001:db8::1]:1 (3 B) at a/eth1")
