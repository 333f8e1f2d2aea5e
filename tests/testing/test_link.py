"""Link impairments: delay, jitter, loss, bursts, reordering, duplication, MTU, bandwidth."""

from __future__ import annotations

from functools import partial
from itertools import pairwise

import pytest

from rtcpeer.testing import LinkProfile, SimNetwork, SimSocket

from .util import Inbox, numbered, seq


def pair(
    seed: int = 0,
    a_link: LinkProfile | None = None,
    b_link: LinkProfile | None = None,
    a_ip: str = "198.51.100.1",
    b_ip: str = "198.51.100.2",
) -> tuple[SimNetwork, SimSocket, Inbox]:
    """Hosts a and b on the internet; returns a's socket and b's inbox (b listens on 9)."""
    net = SimNetwork(seed)
    a = net.add_host("a")
    a.add_interface(net.internet, a_ip, link=a_link)
    b = net.add_host("b")
    b.add_interface(net.internet, b_ip, link=b_link)
    inbox = Inbox(net)
    b.bind((b.ip, 9), inbox)
    return net, a.bind((a.ip, 7), Inbox()), inbox


def test_delays_add_up_exactly() -> None:
    net, sock, inbox = pair(a_link=LinkProfile(delay=0.01), b_link=LinkProfile(delay=0.02))
    sock.send(b"x", ("198.51.100.2", 9))
    net.call_at(0.5, lambda: sock.send(b"y", ("198.51.100.2", 9)))
    net.run_until(0.029)
    assert len(inbox) == 0
    net.run_until(1)
    assert inbox.times == [0.03, 0.53]
    assert inbox.items[0] == (b"x", ("198.51.100.2", 9), ("198.51.100.1", 7))


def test_link_applies_in_both_directions() -> None:
    net, sock, _ = pair(b_link=LinkProfile(delay=0.05))
    back = Inbox(net)
    sock.on_datagram = back
    replier = net.hosts["b"].interfaces[0].sockets[0]
    replier.on_datagram = lambda data, local, remote: replier.send(data, remote)
    sock.send(b"ping", ("198.51.100.2", 9))
    net.run(1)
    assert back.times == [0.1]


def test_jitter_is_bounded_and_reorders() -> None:
    net, sock, inbox = pair(a_link=LinkProfile(delay=0.05, jitter=0.02))
    for n in range(200):
        net.call_at(n * 0.001, partial(sock.send, numbered(n), ("198.51.100.2", 9)))
    net.run(2)
    assert len(inbox) == 200
    for data, t in zip(inbox.data, inbox.times, strict=True):
        sent = seq(data) * 0.001
        assert 0.05 <= t - sent <= 0.07 + 1e-9
    order = [seq(d) for d in inbox.data]
    assert order != sorted(order)
    assert sorted(order) == list(range(200))


def test_independent_loss_rate() -> None:
    net, sock, inbox = pair(seed=3, a_link=LinkProfile(loss=0.1))
    net.trace_enabled = False
    for n in range(10_000):
        sock.send(numbered(n), ("198.51.100.2", 9))
    net.run(1)
    lost = 10_000 - len(inbox)
    # Binomial(10000, 0.1): mean 1000, sd 30. Five sd either way.
    assert 850 <= lost <= 1150
    assert net.stats.dropped["loss"] == lost
    assert net.stats.sent == 10_000


def test_loss_applies_on_each_link_crossed() -> None:
    lossy = LinkProfile(loss=0.2)
    net, sock, inbox = pair(seed=4, a_link=lossy, b_link=LinkProfile(loss=0.2))
    net.trace_enabled = False
    for n in range(10_000):
        sock.send(numbered(n), ("198.51.100.2", 9))
    net.run(1)
    # Delivered with probability 0.8 * 0.8 = 0.64: mean 6400, sd 48.
    assert 6160 <= len(inbox) <= 6640


def test_gilbert_elliott_burst_loss() -> None:
    p_gb, p_bg = 0.01, 0.25
    net, sock, inbox = pair(seed=5, a_link=LinkProfile(burst_loss=(p_gb, p_bg)))
    net.trace_enabled = False
    total = 20_000
    for n in range(total):
        sock.send(numbered(n), ("198.51.100.2", 9))
    net.run(1)
    received = {seq(d) for d in inbox.data}
    lost = [n for n in range(total) if n not in received]
    rate = len(lost) / total
    # Stationary rate p_gb / (p_gb + p_bg) = 0.0385; bursts inflate the variance ~6.7x,
    # so the sd of the rate is ~0.0035. Four sd either way.
    assert 0.024 <= rate <= 0.053
    bursts = 1 + sum(1 for x, y in pairwise(lost) if y != x + 1)
    mean_burst = len(lost) / bursts
    # Geometric lengths with mean 1 / p_bg = 4 (sd 3.5) over ~190 bursts: sd 0.25.
    assert 3.0 <= mean_burst <= 5.0
    assert max(len(lost), 1) > bursts  # losses really come in bursts


def test_loss_can_change_mid_run() -> None:
    link = LinkProfile()
    net, sock, inbox = pair(seed=6, a_link=link)
    for n in range(100):
        sock.send(numbered(n), ("198.51.100.2", 9))
    net.run(1)
    link.loss = 1.0
    for n in range(100, 200):
        sock.send(numbered(n), ("198.51.100.2", 9))
    net.run(1)
    link.loss = 0.0
    net.hosts["a"].interfaces[0].link = LinkProfile(delay=0.5)
    sock.send(numbered(200), ("198.51.100.2", 9))
    net.run(1)
    assert [seq(d) for d in inbox.data] == [*range(100), 200]
    assert inbox.times[-1] == 2.5


def test_reorder() -> None:
    link = LinkProfile(delay=0.01, reorder=0.2, reorder_delay=0.05)
    net, sock, inbox = pair(seed=7, a_link=link)
    for n in range(1000):
        net.call_at(n * 0.01, partial(sock.send, numbered(n), ("198.51.100.2", 9)))
    net.run(20)
    assert len(inbox) == 1000
    held = 0
    for data, t in zip(inbox.data, inbox.times, strict=True):
        delay = round(t - seq(data) * 0.01, 6)  # call_at may add 1 ns (never early)
        assert delay in (0.01, 0.06)
        held += delay == 0.06
    assert 140 <= held <= 260  # Binomial(1000, 0.2): mean 200, sd 12.6
    order = [seq(d) for d in inbox.data]
    assert order != sorted(order)


def test_duplication() -> None:
    net, sock, inbox = pair(seed=8, a_link=LinkProfile(delay=0.01, duplicate=0.1))
    for n in range(2000):
        sock.send(numbered(n), ("198.51.100.2", 9))
    net.run(1)
    dups = len(inbox) - 2000
    assert 140 <= dups <= 260  # mean 200, sd 13.4
    assert net.stats.duplicated == dups
    assert sorted({seq(d) for d in inbox.data}) == list(range(2000))
    dup_events = [e for e in net.trace if e.kind == "duplicate"]
    assert len(dup_events) == dups
    assert net.stats.sent + net.stats.duplicated == net.stats.delivered


@pytest.mark.parametrize(
    ("a_ip", "b_ip", "limit"),
    [("198.51.100.1", "198.51.100.2", 1472), ("2001:db8::1", "2001:db8::2", 1452)],
)
def test_mtu(a_ip: str, b_ip: str, limit: int) -> None:
    net, sock, inbox = pair(a_ip=a_ip, b_ip=b_ip)
    sock.send(bytes(limit), (b_ip, 9))
    sock.send(bytes(limit + 1), (b_ip, 9))
    net.run(1)
    assert [len(d) for d in inbox.data] == [limit]
    assert net.stats.dropped["mtu"] == 1
    drop = next(e for e in net.trace if e.kind == "drop")
    assert drop.reason == "mtu" and drop.size == limit + 1 and drop.where == "a/eth0"


def test_smallest_mtu_on_the_path_wins() -> None:
    net, sock, inbox = pair(b_link=LinkProfile(mtu=1280))
    sock.send(bytes(1252), ("198.51.100.2", 9))
    sock.send(bytes(1253), ("198.51.100.2", 9))
    net.run(1)
    assert [len(d) for d in inbox.data] == [1252]
    assert net.trace[-1].where == "b/eth0"


def test_bandwidth_serializes_and_queues() -> None:
    # 72-byte payloads are 100 bytes on the wire; at 1000 B/s each takes 0.1 s.
    net, sock, inbox = pair(a_link=LinkProfile(bandwidth=1000, delay=0.5))
    for n in range(5):
        sock.send(numbered(n, 72), ("198.51.100.2", 9))
    net.call_at(2.0, lambda: sock.send(numbered(5, 72), ("198.51.100.2", 9)))
    net.run(5)
    assert inbox.times == [0.6, 0.7, 0.8, 0.9, 1.0, 2.6]
    assert [seq(d) for d in inbox.data] == list(range(6))


def test_profile_validation() -> None:
    with pytest.raises(ValueError):
        LinkProfile(loss=1.5)
    with pytest.raises(ValueError):
        LinkProfile(delay=-1)
    with pytest.raises(ValueError):
        LinkProfile(burst_loss=(0.1,))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        LinkProfile(mtu=10)
    with pytest.raises(ValueError):
        LinkProfile(bandwidth=0)
    link = LinkProfile()
    with pytest.raises(ValueError):
        link.jitter = float("inf")
    link.loss = 0.5
    assert link.loss == 0.5


def test_impairment_free_links_draw_no_randomness() -> None:
    net, sock, _ = pair(seed=9)
    state = net.rng.getstate()
    for n in range(10):
        sock.send(numbered(n), ("198.51.100.2", 9))
    net.run(1)
    assert net.rng.getstate() == state
