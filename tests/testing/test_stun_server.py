"""The STUN Binding server node."""

from __future__ import annotations

import random

import pytest

from rtcpeer.stun import AttrType, MessageClass, Method, StunMessage, parse_message
from rtcpeer.testing import Host, NatType, SimNetwork, SimSocket, StunServer

from .util import Inbox

STUN1 = "198.51.100.10"
STUN2 = "198.51.100.20"


def binding_request(net: SimNetwork, **attributes: object) -> StunMessage:
    return StunMessage(
        Method.BINDING,
        MessageClass.REQUEST,
        net.rng.randbytes(12),
        {int(k, 16): v for k, v in attributes.items()},
    )


def setup(
    nat_type: NatType | None, seed: int = 0
) -> tuple[SimNetwork, SimSocket, Inbox, list[StunServer]]:
    net = SimNetwork(seed)
    servers = []
    for i, ip in enumerate((STUN1, STUN2)):
        host = net.add_host(f"stun{i}")
        host.add_interface(net.internet, ip)
        servers.append(StunServer(net, host))
    client = net.add_host("client")
    if nat_type is None:
        client.add_interface(net.internet, "203.0.113.50")
    else:
        nat = net.add_nat("nat", nat_type, "203.0.113.1")
        client.add_interface(nat.inside)
    inbox = Inbox(net)
    return net, client.bind((client.ip, 40000), inbox), inbox, servers


def ask(net: SimNetwork, sock: SimSocket, inbox: Inbox, server: StunServer) -> StunMessage:
    request = binding_request(net)
    sock.send(request.encode(), server.address)
    net.run(1)
    response = parse_message(inbox.items[-1][0])
    assert response.transaction_id == request.transaction_id
    return response


@pytest.mark.parametrize("nat_type", [None, *NatType])
def test_returns_the_nat_mapped_address(nat_type: NatType | None) -> None:
    net, sock, inbox, (s1, s2) = setup(nat_type, seed=12)
    r1 = ask(net, sock, inbox, s1)
    r2 = ask(net, sock, inbox, s2)
    assert r1.method == Method.BINDING and r1.message_class == MessageClass.SUCCESS
    assert r1.software == "rtcpeer.testing STUN server"
    assert r1.has_fingerprint
    assert AttrType.MAPPED_ADDRESS not in r1.attributes
    mapped1, mapped2 = r1.xor_mapped_address, r2.xor_mapped_address
    if nat_type is None:
        assert mapped1 == mapped2 == ("203.0.113.50", 40000)
        return
    nat = net.nats["nat"]
    assert mapped1 == nat.mappings[0].external
    assert mapped1 is not None and mapped1[0] == "203.0.113.1"
    if nat_type is NatType.SYMMETRIC:
        # A new mapping (and port) per destination: the classic symmetric-NAT signature.
        assert mapped2 != mapped1 and len(nat.mappings) == 2
        assert mapped2 == nat.mappings[1].external
    else:
        assert mapped1 == mapped2 == ("203.0.113.1", 40000)
    assert s1.requests == 1 and s2.requests == 1
    assert s1.sources == {mapped1: 1}


def test_behind_nested_nats_returns_the_outermost_mapping() -> None:
    net = SimNetwork(seed=1)
    host = net.add_host("stun")
    host.add_interface(net.internet, STUN1)
    server = StunServer(net, host, port=3479)
    assert server.address == (STUN1, 3479)
    cgn = net.add_nat("cgn", NatType.SYMMETRIC, "203.0.113.1", subnet="100.64.0.0/10")
    home = net.add_nat("home", NatType.FULL_CONE, parent=cgn.inside)
    client = net.add_host("client")
    client.add_interface(home.inside)
    inbox = Inbox()
    sock = client.bind((client.ip, 5000), inbox)
    response = ask(net, sock, inbox, server)
    assert response.xor_mapped_address == cgn.mappings[0].external
    assert cgn.mappings[0].internal == (home.public_ip, 5000)


def test_ipv6() -> None:
    net = SimNetwork()
    host = net.add_host("stun")
    host.add_interface(net.internet, "2001:db8::10")
    server = StunServer(net, host, software=None)
    client = net.add_host("client")
    client.add_interface(net.internet, "2001:db8::20")
    inbox = Inbox()
    response = ask(net, client.bind(("2001:db8::20", 1234), inbox), inbox, server)
    assert response.xor_mapped_address == ("2001:db8::20", 1234)
    assert response.software is None


def test_unknown_comprehension_required_attribute_gets_420() -> None:
    net, sock, inbox, (server, _) = setup(None)
    request = binding_request(net, **{"0x7f01": b"?"})
    sock.send(request.encode(), server.address)
    net.run(1)
    response = parse_message(inbox.data[0])
    assert response.message_class == MessageClass.ERROR
    assert response.error_code is not None and response.error_code.code == 420
    assert response.unknown_attributes == (0x7F01,)
    # Unknown comprehension-optional attributes are fine.
    sock.send(binding_request(net, **{"0x8f01": b"?"}).encode(), server.address)
    net.run(1)
    assert parse_message(inbox.data[1]).message_class == MessageClass.SUCCESS


def test_malformed_and_unexpected_input_is_dropped_and_counted() -> None:
    net, sock, inbox, (server, _) = setup(None)
    good = binding_request(net).encode(fingerprint=True)
    bad_fingerprint = good[:-1] + bytes([good[-1] ^ 1])
    indication = StunMessage(Method.BINDING, MessageClass.INDICATION, bytes(12)).encode()
    response = StunMessage(Method.BINDING, MessageClass.SUCCESS, bytes(12)).encode()
    other_method = StunMessage(Method.ALLOCATE, MessageClass.REQUEST, bytes(12)).encode()
    for data in [b"", b"hello", good[:-4], bad_fingerprint, bytes(20)]:
        sock.send(data, server.address)
    for data in [indication, response, other_method]:
        sock.send(data, server.address)
    net.run(1)
    assert len(inbox) == 0
    assert server.malformed == 5 and server.ignored == 3 and server.requests == 0
    sock.send(good, server.address)
    net.run(1)
    assert len(inbox) == 1 and server.requests == 1


def test_fuzzed_requests_never_raise() -> None:
    net, sock, inbox, (server, _) = setup(None)
    rng = random.Random(99)
    good = binding_request(net, **{"0x8022": "client"}).encode(fingerprint=True)
    for _ in range(2000):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(data))
            data[position] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data) + 1)]
        sock.send(bytes(data), server.address)
    net.run(1)
    assert server.requests + server.malformed + server.ignored == 2000
    assert server.requests == len(inbox)


def test_close() -> None:
    net, sock, inbox, (server, _) = setup(None)
    server.close()
    sock.send(binding_request(net).encode(), server.address)
    net.run(1)
    assert len(inbox) == 0 and net.stats.dropped == {"no-socket": 1}


def test_server_must_belong_to_the_network() -> None:
    net = SimNetwork()
    other = SimNetwork()
    host: Host = other.add_host("h")
    host.add_interface(other.internet)
    with pytest.raises(ValueError):
        StunServer(net, host)
