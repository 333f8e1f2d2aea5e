"""Virtual time: ordering, cancellation, run_until / run / run_until_true."""

from __future__ import annotations

import pytest

from rtcpeer.testing import Clock, SimNetwork


def test_starts_at_zero_and_moves_only_when_run() -> None:
    net = SimNetwork()
    assert net.now == 0.0
    net.call_later(5, lambda: None)
    assert net.now == 0.0
    net.run_until(2.5)
    assert net.now == 2.5
    net.run(0.5)
    assert net.now == 3.0


def test_events_run_in_time_order_then_scheduling_order() -> None:
    clock = Clock()
    seen: list[str] = []
    clock.call_at(2.0, lambda: seen.append("b1"))
    clock.call_at(1.0, lambda: seen.append("a"))
    clock.call_at(2.0, lambda: seen.append("b2"))
    clock.call_later(2.0, lambda: seen.append("b3"))
    clock.run_until(10)
    assert seen == ["a", "b1", "b2", "b3"]


def test_callback_sees_its_own_time_and_can_schedule_more() -> None:
    clock = Clock()
    times: list[float] = []

    def tick() -> None:
        times.append(clock.now)
        if len(times) < 4:
            clock.call_later(0.25, tick)

    clock.call_at(1.0, tick)
    clock.run_until(100)
    assert times == [1.0, 1.25, 1.5, 1.75]
    assert clock.now == 100


def test_time_is_exact_nanoseconds() -> None:
    clock = Clock()
    hits: list[float] = []
    clock.call_later(0.1, lambda: clock.call_later(0.2, lambda: hits.append(clock.now)))
    clock.run_until(1)
    assert hits == [0.3]  # 0.1 + 0.2 != 0.3 in floats, but virtual time is integral ns
    assert clock.now_ns == 1_000_000_000


def test_run_until_includes_events_at_the_deadline() -> None:
    clock = Clock()
    seen: list[float] = []
    clock.call_at(1.0, lambda: seen.append(1.0))
    clock.call_at(1.000000001, lambda: seen.append(1.000000001))
    clock.run_until(1.0)
    assert seen == [1.0]
    clock.run_until(2.0)
    assert seen == [1.0, 1.000000001]


def test_cancel() -> None:
    clock = Clock()
    seen: list[str] = []
    handle = clock.call_at(1.0, lambda: seen.append("x"))
    clock.call_at(1.0, lambda: seen.append("y"))
    assert handle.when() == 1.0
    handle.cancel()
    handle.cancel()
    assert handle.cancelled()
    clock.run_until(2)
    assert seen == ["y"]
    assert clock.next_event_time() is None


def test_cancel_from_an_earlier_callback() -> None:
    clock = Clock()
    seen: list[str] = []
    later = clock.call_at(2.0, lambda: seen.append("later"))
    clock.call_at(1.0, later.cancel)
    clock.run_until(3)
    assert seen == []


def test_past_times_run_now_after_what_is_already_due() -> None:
    clock = Clock()
    seen: list[str] = []

    def at_one() -> None:
        seen.append("first")
        clock.call_at(0.5, lambda: seen.append("past"))

    clock.call_at(1.0, at_one)
    clock.call_at(1.0, lambda: seen.append("second"))
    clock.run_until(1.0)
    assert seen == ["first", "second", "past"]


def test_run_until_backwards_is_an_error() -> None:
    clock = Clock()
    clock.run_until(5)
    with pytest.raises(ValueError):
        clock.run_until(4)
    with pytest.raises(ValueError):
        clock.run(-1)
    with pytest.raises(ValueError):
        clock.call_later(float("nan"), lambda: None)


def test_run_until_true_stops_at_the_event_that_made_it_true() -> None:
    net = SimNetwork()
    flag = {"set": False}
    net.call_at(3.25, lambda: flag.update(set=True))
    net.call_at(4.0, lambda: None)
    assert net.run_until_true(lambda: flag["set"], timeout=10)
    assert net.now == 3.25


def test_run_until_true_times_out_at_the_deadline() -> None:
    net = SimNetwork()
    net.call_at(20, lambda: None)
    assert not net.run_until_true(lambda: False, timeout=10)
    assert net.now == 10
    assert net.clock.next_event_time() == 20


def test_run_until_true_checks_first() -> None:
    net = SimNetwork()
    ran: list[int] = []
    net.call_at(1, lambda: ran.append(1))
    assert net.run_until_true(lambda: True, timeout=5)
    assert net.now == 0 and ran == []


def test_step() -> None:
    clock = Clock()
    seen: list[int] = []
    clock.call_at(1, lambda: seen.append(1))
    clock.call_at(2, lambda: seen.append(2))
    assert clock.step() and clock.now == 1 and seen == [1]
    assert clock.step() and clock.now == 2
    assert not clock.step()


def test_running_the_clock_from_a_callback_is_refused() -> None:
    clock = Clock()
    clock.call_at(1, lambda: clock.run_until(5))
    with pytest.raises(RuntimeError):
        clock.run_until(2)
    # The clock is still usable afterwards.
    clock.call_later(1, lambda: None)
    clock.run_until(10)
    assert clock.now == 10


def test_callback_exceptions_propagate() -> None:
    clock = Clock()

    def boom() -> None:
        raise KeyError("boom")

    clock.call_at(1, boom)
    with pytest.raises(KeyError):
        clock.run_until(2)
    assert clock.now == 1


def test_call_at_never_runs_before_the_float_deadline() -> None:
    """A sans-IO timer re-checks ``now >= deadline``; an early run would spin forever."""
    from rtcpeer.testing.clock import Clock

    clock = Clock()
    seen: list[float] = []
    for when in (64.77000000000001, 0.1 + 0.2, 1 / 3, 0.01):

        def record(when: float = when) -> None:
            seen.append(clock.now - when)

        clock.call_at(when, record)
    clock.run_until(100.0)
    assert len(seen) == 4 and all(delta >= 0 for delta in seen)
