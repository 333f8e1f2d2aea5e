"""A deterministic network simulator for testing code that talks UDP through NATs.

Everything runs in virtual time: nothing reads the wall clock or sleeps, and every random
decision (link loss, jitter, NAT port choice, ...) comes from one ``random.Random(seed)``
owned by the :class:`SimNetwork`, so a run with the same seed and the same calls repeats
exactly, event for event (compare :attr:`SimNetwork.trace`).

Build a topology of :class:`Host` objects with :class:`Interface` objects in address
:class:`Realm` objects (the public :attr:`SimNetwork.internet`, or the private inside of a
:class:`Nat`, nestable), impair links with :class:`LinkProfile`, bind :class:`SimSocket`
objects, then drive time with :meth:`SimNetwork.run_until` / :meth:`SimNetwork.run` /
:meth:`SimNetwork.run_until_true`. NATs follow RFC 4787 (:class:`NatBehavior`, or the
classic :class:`NatType` presets); a :class:`StunServer` answers STUN Binding requests
with the address a client's NAT mapped it to.

Example: two hosts behind different NATs learn their public addresses from a STUN server,
then reach each other by sending to those addresses at the same time ("hole punching")::

    from rtcpeer.stun import MessageClass, Method, StunMessage, parse_message
    from rtcpeer.testing import LinkProfile, NatType, SimNetwork, StunServer

    net = SimNetwork(seed=1)
    server = net.add_host("stun")
    server.add_interface(net.internet, "203.0.113.10")
    stun = StunServer(net, server)  # listens on 203.0.113.10:3478

    home = net.add_nat("home", NatType.PORT_RESTRICTED_CONE, "198.51.100.1")
    office = net.add_nat(
        "office", NatType.RESTRICTED_CONE, "198.51.100.2",
        subnet="10.0.0.0/24", link=LinkProfile(delay=0.02, jitter=0.005),
    )
    alice = net.add_host("alice")
    alice.add_interface(home.inside)  # gets 192.168.1.2 (.1 is the NAT)
    bob = net.add_host("bob")
    bob.add_interface(office.inside)  # gets 10.0.0.2

    inbox = []  # (receiver, data, source address)

    def receiver(name):
        return lambda data, local, remote: inbox.append((name, data, remote))

    a = alice.bind((alice.ip, 5000), receiver("alice"))
    b = bob.bind((bob.ip, 0), receiver("bob"))  # port 0: first ephemeral port, 49152

    # Each asks the STUN server for its server-reflexive (public) address. Randomness
    # comes from the network's RNG so that the whole run stays reproducible.
    for sock in (a, b):
        request = StunMessage(Method.BINDING, MessageClass.REQUEST, net.rng.randbytes(12))
        sock.send(request.encode(), stun.address)
    net.run_until(1.0)
    public = {name: parse_message(data).xor_mapped_address for name, data, _ in inbox}
    assert public == {"alice": ("198.51.100.1", 5000), "bob": ("198.51.100.2", 49152)}

    # Both send to the other's public address: each NAT has let its own host's datagram
    # out (opening its filter for the peer) by the time the peer's datagram arrives.
    inbox.clear()
    a.send(b"hi bob", public["bob"])
    b.send(b"hi alice", public["alice"])
    net.run_until(2.0)
    assert sorted(data for _, data, _ in inbox) == [b"hi alice", b"hi bob"]
    assert stun.requests == 2 and net.stats.delivered == 6

ICE agents: :class:`IceEndpoint` runs an :class:`~rtcpeer.ice.IceAgent` on a simulated host
(its sockets, its timer on the virtual clock, a log of its events with their times) and
:class:`Signalling` carries credentials, trickled candidates, end-of-candidates and
restarts between two of them with a delay::

    from rtcpeer.testing import IceEndpoint, Signalling

    a = IceEndpoint(net, alice, controlling=True, stun_servers=[stun.address])
    b = IceEndpoint(net, bob, controlling=False, stun_servers=[stun.address])
    signalling = Signalling(a, b, delay=0.05)
    signalling.connect()
    net.run_until(net.now + 5.0)
    assert a.state.value == "completed" and a.send(b"hello")
    net.partition(alice, bob)          # the path goes dark ...
    net.run_until(net.now + 3.0)
    assert a.state.value == "disconnected"
    signalling.restart(a)              # ... restartIce(), as an application would

Worth knowing:

* ``SimSocket.send`` never delivers synchronously (callbacks run only inside ``run*``)
  and never raises for network conditions: an undeliverable datagram, including one sent
  on a closed socket, is dropped and counted in ``net.stats.dropped[reason]`` (see
  :class:`DropReason`) and, with tracing on, recorded in ``net.trace``.
* Virtual time is kept in integer nanoseconds, so delays add up exactly (``0.01 + 0.02``
  seconds of link delay arrive at ``net.now == 0.03``).
* Draw from ``net.rng`` (not ``random`` or ``os.urandom``) in the code under test to keep
  a whole run reproducible.

Modules: :mod:`~rtcpeer.testing.clock` (virtual time), :mod:`~rtcpeer.testing.link`
(impairments), :mod:`~rtcpeer.testing.realm` (address spaces), :mod:`~rtcpeer.testing.nat`
(RFC 4787 NATs), :mod:`~rtcpeer.testing.host` (hosts, interfaces, sockets),
:mod:`~rtcpeer.testing.partition`, :mod:`~rtcpeer.testing.trace` (trace events, stats),
:mod:`~rtcpeer.testing.network` (:class:`SimNetwork`, routing),
:mod:`~rtcpeer.testing.stun_server` and :mod:`~rtcpeer.testing.ice_endpoint`.
"""

from .address import Address
from .clock import Clock, TimerHandle
from .host import Host, Interface, SimSocket
from .ice_endpoint import IceEndpoint, Received, Signalling
from .link import LinkChannel, LinkProfile
from .nat import Behavior, Nat, NatBehavior, NatMapping, NatType
from .network import SimNetwork
from .realm import Realm
from .stun_server import StunServer
from .trace import DropReason, NetworkStats, TraceEvent, TraceKind

__all__ = [
    "Address",
    "Behavior",
    "Clock",
    "DropReason",
    "Host",
    "IceEndpoint",
    "Interface",
    "LinkChannel",
    "LinkProfile",
    "Nat",
    "NatBehavior",
    "NatMapping",
    "NatType",
    "NetworkStats",
    "Realm",
    "Received",
    "Signalling",
    "SimNetwork",
    "SimSocket",
    "StunServer",
    "TimerHandle",
    "TraceEvent",
    "TraceKind",
]
