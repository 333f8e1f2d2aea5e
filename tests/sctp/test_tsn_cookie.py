"""Serial number arithmetic, the received-TSN tracker, and the State Cookie."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtcpeer.sctp import InvalidCookieError, StaleCookieError
from rtcpeer.sctp.cookie import CookieState, open_cookie
from rtcpeer.sctp.tsn import ReceivedTsns, tsn_lt, tsn_lte, unwrap


def test_serial_arithmetic() -> None:
    assert tsn_lt(1, 2)
    assert tsn_lt(0xFFFFFFFF, 0)
    assert not tsn_lt(0, 0xFFFFFFFF)
    assert tsn_lte(5, 5)
    assert unwrap(0, 0xFFFFFFFF) == 1 << 32
    assert unwrap(0xFFFFFFFF, 1 << 32) == 0xFFFFFFFF
    assert unwrap(3, 10, bits=16) == 3
    assert unwrap(0xFFFE, 0x10001, bits=16) == 0xFFFE


def test_received_tsns_gaps_and_duplicates() -> None:
    r = ReceivedTsns(9)
    assert r.add(10)
    assert r.add(12)
    assert r.add(13)
    assert r.add(15)
    assert r.cumulative == 10
    assert r.gap_blocks(10) == [(2, 3), (5, 5)]
    assert not r.add(12)
    assert not r.add(5)
    assert r.take_duplicates() == [12, 5]
    assert r.take_duplicates() == []
    assert r.add(11)
    assert r.cumulative == 13
    assert r.gap_blocks(10) == [(2, 2)]
    r.forward(20)
    assert r.cumulative == 20 and not r.has_gaps
    assert r.is_received(18)


def test_forward_absorbs_following_block() -> None:
    r = ReceivedTsns(0)
    for t in (5, 6, 7, 10):
        r.add(t)
    r.forward(4)
    assert r.cumulative == 7
    assert r.gap_blocks(5) == [(3, 3)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 200), max_size=300), st.integers(0, 50))
def test_received_tsns_matches_a_set(tsns: list[int], forward_to: int) -> None:
    r = ReceivedTsns(0)
    seen: set[int] = set()
    for t in tsns:
        fresh = r.add(t)
        assert fresh == (t not in seen)
        seen.add(t)
    r.forward(forward_to)
    seen.update(range(1, forward_to + 1))
    cum = 0
    while cum + 1 in seen:
        cum += 1
    assert r.cumulative == cum
    expected_blocks = []
    t = cum + 1
    top = max(seen, default=0)
    while t <= top:
        if t in seen:
            start = t
            while t + 1 in seen:
                t += 1
            expected_blocks.append((start - cum, t - cum))
        t += 1
    assert r.gap_blocks(1000) == expected_blocks
    for t in range(1, 205):
        assert r.is_received(t) == (t in seen)


def _state(created: float = 10.0) -> CookieState:
    return CookieState(
        local_tag=1,
        peer_tag=2,
        local_initial_tsn=3,
        peer_initial_tsn=4,
        peer_a_rwnd=5,
        outbound_streams=6,
        inbound_streams=7,
        peer_forward_tsn=True,
        peer_reconfig=False,
        peer_idata=True,
        created=created,
        lifetime=60.0,
    )


def test_cookie_round_trip() -> None:
    key = b"k" * 32
    cookie = _state().encode(key)
    assert open_cookie(key, cookie, 20.0) == _state()


def test_cookie_wrong_key_or_tampered() -> None:
    cookie = _state().encode(b"a" * 32)
    with pytest.raises(InvalidCookieError):
        open_cookie(b"b" * 32, cookie, 20.0)
    tampered = bytearray(cookie)
    tampered[5] ^= 1
    with pytest.raises(InvalidCookieError):
        open_cookie(b"a" * 32, bytes(tampered), 20.0)
    with pytest.raises(InvalidCookieError):
        open_cookie(b"a" * 32, cookie[:-1], 20.0)


def test_cookie_expired() -> None:
    cookie = _state(created=0.0).encode(b"a" * 32)
    with pytest.raises(StaleCookieError) as info:
        open_cookie(b"a" * 32, cookie, 61.5)
    assert info.value.staleness == pytest.approx(1.5)
    assert info.value.peer_tag == 2
