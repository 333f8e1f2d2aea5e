"""PLPMTUD for SCTP over DTLS (RFC 8899 §6.2.1, RFC 8261 §5): HEARTBEAT + PAD probes."""

from __future__ import annotations

import threading

import pytest

from rtcpeer.sctp import SctpConfig
from rtcpeer.sctp.pmtud import DEFAULT_PROBE_SIZES, PathMtuSearch
from tests.sctp.pump import Pump

BASE = 1160


def _pump(path_mtu: int, max_mtu: int = 16384, **kwargs: object) -> Pump:
    """A link that drops every packet larger than ``path_mtu`` bytes."""
    config = SctpConfig(mtu=BASE, max_mtu=max_mtu)
    return Pump(config=config, filter=lambda _d, p: len(p) <= path_mtu, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path_mtu", "expected"),
    [(1200, BASE), (1420, 1412), (1500, 1432), (9000, 8932), (65535, 16384)],
)
def test_the_search_finds_the_largest_probe_size_the_path_carries(
    path_mtu: int, expected: int
) -> None:
    pump = _pump(path_mtu)
    pump.connect()
    pump.advance(10.0)
    for side in (pump.a, pump.b):
        assert side.assoc.path_mtu == expected
        # Probes are exactly the sizes tried; nothing larger than the path went through.
        assert side.assoc.stats.get("pmtud_probes", 0) >= 1
    # The peer skips the PAD chunk silently (RFC 4820: type 132, "skip, do not report").
    assert pump.b.assoc.stats.get("chunks_unrecognized", 0) == 0
    if expected > BASE:
        assert pump.b.assoc.stats.get("pad_chunks", 0) >= 1


def test_data_uses_the_larger_packets_and_arrives_whole() -> None:
    pump = _pump(65535)
    pump.connect()
    pump.advance(5.0)
    assert pump.a.assoc.path_mtu == 16384
    sent_before = len(pump.a.sent)
    message = bytes(range(256)) * 1024  # 256 KiB
    pump.a.assoc.send(pump.now, 1, 53, message)
    pump.settle()
    [received] = pump.b.messages
    assert received.data == message
    data_packets = [p for p in pump.a.sent[sent_before:] if len(p) > 1000]
    # 256 KiB in 16 KiB packets: about 17 packets, not the ~230 of 1160-byte packets.
    assert 16 <= len(data_packets) <= 20
    assert max(len(p) for p in data_packets) <= 16384


def test_without_max_mtu_no_probe_is_sent() -> None:
    pump = Pump(config=SctpConfig(mtu=BASE))
    pump.connect()
    pump.advance(10.0)
    assert pump.a.assoc.path_mtu == BASE
    assert "pmtud_probes" not in pump.a.assoc.stats
    assert max(len(p) for p in pump.a.sent) <= BASE


def test_restart_goes_back_to_the_base_size_and_searches_again() -> None:
    pump = _pump(1500)
    pump.connect()
    pump.advance(5.0)
    assert pump.a.assoc.path_mtu == 1432
    pump.filter = lambda _d, p: len(p) <= 1420  # a new path (an ICE restart) with less room
    pump.a.assoc.restart_path_mtu(pump.now)
    assert pump.a.assoc.path_mtu == BASE
    pump.advance(5.0)
    assert pump.a.assoc.path_mtu == 1412


def test_search_unit_ascending_and_max_probes() -> None:
    search = PathMtuSearch(1160, 16384, probe_timeout=0.5, max_probes=2)
    search.start(0.0)
    nonce, size = search.due_probe(0.0) or (0, 0)
    assert size == min(DEFAULT_PROBE_SIZES)
    assert search.on_ack(0.01, nonce + 1) is None  # a wrong nonce confirms nothing
    assert search.on_ack(0.01, nonce) == size
    nonce, size = search.due_probe(0.01) or (0, 0)
    assert size == sorted(DEFAULT_PROBE_SIZES)[1]
    # Lost twice (MAX_PROBES): the search completes at the last confirmed size.
    search.on_timer(0.51)
    again = search.due_probe(0.51)
    assert again is not None and again[1] == size
    search.on_timer(1.01)
    assert search.due_probe(1.01) is None
    assert search.plpmtu == min(DEFAULT_PROBE_SIZES)
    assert not search.searching
    assert search.probes_lost == 2
    # PMTU_RAISE_TIMER: after a long while it looks again.
    deadline = search.deadline()
    assert deadline is not None and deadline > 500
    search.on_timer(deadline)
    assert search.due_probe(deadline) is not None


def test_a_chunk_sent_large_is_retransmitted_whole_after_the_size_drops() -> None:
    """A DATA chunk keeps the size it was first sent with (RFC 9260 §7.3 leaves larger
    retransmissions to IP): after a restart back to the base size, the lost 16 KiB chunk
    still goes out whole, so the packing buffer must still hold it."""
    pump = _pump(65535)
    pump.connect()
    pump.advance(5.0)
    assert pump.a.assoc.path_mtu == 16384
    pump.filter = lambda direction, _p: direction != "ab"  # the next DATA is lost
    message = bytes(range(256)) * 60  # 15,360 bytes: one chunk at 16 KiB
    before = len(pump.a.sent)
    pump.a.assoc.send(pump.now, 1, 53, message)
    pump.step()
    assert max(len(p) for p in pump.a.sent[before:]) > len(message)
    pump.a.assoc.restart_path_mtu(pump.now)
    assert pump.a.assoc.path_mtu == BASE
    pump.filter = None
    restarted = len(pump.a.sent)
    pump.settle()
    [received] = pump.b.messages
    assert received.data == message
    assert max(len(p) for p in pump.a.sent[restarted:]) > len(message)  # retransmitted whole


def test_packing_works_in_a_thread_of_its_own() -> None:
    """Packets are packed in a buffer per thread (shared by that thread's associations, not
    kept by each): a thread's first association grows its buffer to the packet size."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            test_data_uses_the_larger_packets_and_arrives_whole()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(60.0)
    assert not thread.is_alive()
    assert errors == []
