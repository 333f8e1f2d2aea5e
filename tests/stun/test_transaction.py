"""Client transaction schedule (RFC 8489 §6.2.1) and Karn's rule."""

from __future__ import annotations

import pytest

from rtcpeer.stun import ClientTransaction, TransactionTimer

TID = bytes(12)
REQUEST = b"request bytes"


def _run_to_completion(transaction: ClientTransaction) -> list[tuple[float, TransactionTimer]]:
    events: list[tuple[float, TransactionTimer]] = []
    while (deadline := transaction.deadline) is not None:
        event = transaction.handle_timer(deadline)
        assert event is not None
        events.append((deadline, event))
    return events


def test_default_schedule_is_the_rfc_example() -> None:
    # RFC 8489 §6.2.1: "assuming an RTO of 500 ms, requests would be sent at times 0 ms,
    # 500 ms, 1500 ms, 3500 ms, 7500 ms, 15500 ms, and 31500 ms. If the client has not received
    # a response after 39500 ms, the client will consider the transaction to have timed out."
    transaction = ClientTransaction(TID, REQUEST, 0.0)
    assert transaction.transmissions == 1
    assert transaction.deadline == 0.5
    events = _run_to_completion(transaction)
    assert events == [
        (0.5, TransactionTimer.RETRANSMIT),
        (1.5, TransactionTimer.RETRANSMIT),
        (3.5, TransactionTimer.RETRANSMIT),
        (7.5, TransactionTimer.RETRANSMIT),
        (15.5, TransactionTimer.RETRANSMIT),
        (31.5, TransactionTimer.RETRANSMIT),
        (39.5, TransactionTimer.TIMEOUT),
    ]
    assert transaction.transmissions == 7
    assert transaction.finished and transaction.timed_out
    assert transaction.deadline is None
    assert transaction.handle_timer(100.0) is None


def test_custom_rto_and_start_time() -> None:
    transaction = ClientTransaction(TID, REQUEST, 100.0, rto=0.25)
    events = _run_to_completion(transaction)
    assert [t for t, _ in events] == pytest.approx(
        [100.25, 100.75, 101.75, 103.75, 107.75, 115.75, 119.75]
    )
    assert events[-1][1] is TransactionTimer.TIMEOUT


def test_custom_counts() -> None:
    transaction = ClientTransaction(
        TID, REQUEST, 0.0, rto=1.0, max_transmissions=3, final_wait_factor=4
    )
    assert _run_to_completion(transaction) == [
        (1.0, TransactionTimer.RETRANSMIT),
        (3.0, TransactionTimer.RETRANSMIT),
        (7.0, TransactionTimer.TIMEOUT),  # last request at 3.0, then Rm * RTO = 4.0
    ]


def test_single_transmission() -> None:
    transaction = ClientTransaction(TID, REQUEST, 0.0, max_transmissions=1)
    assert _run_to_completion(transaction) == [(8.0, TransactionTimer.TIMEOUT)]


def test_max_rto_caps_the_interval_not_the_final_wait() -> None:
    transaction = ClientTransaction(TID, REQUEST, 0.0, rto=0.5, max_rto=2.0)
    assert [t for t, _ in _run_to_completion(transaction)] == [
        0.5,
        1.5,
        3.5,
        5.5,
        7.5,
        9.5,
        17.5,  # 9.5 + 16 * 0.5
    ]


def test_timer_before_deadline_does_nothing() -> None:
    transaction = ClientTransaction(TID, REQUEST, 0.0)
    assert transaction.handle_timer(0.0) is None
    assert transaction.handle_timer(0.4999) is None
    assert transaction.transmissions == 1
    assert transaction.handle_timer(0.5) is TransactionTimer.RETRANSMIT
    assert transaction.deadline == 1.5


def test_late_timer_measures_the_next_interval_from_the_actual_send() -> None:
    transaction = ClientTransaction(TID, REQUEST, 0.0)
    assert transaction.handle_timer(0.7) is TransactionTimer.RETRANSMIT
    assert transaction.last_transmission_at == 0.7
    assert transaction.deadline == pytest.approx(1.7)


def test_complete_stops_the_transaction_and_measures_rtt() -> None:
    transaction = ClientTransaction(TID, REQUEST, 10.0)
    assert transaction.complete(10.125) == pytest.approx(0.125)
    assert transaction.finished and not transaction.timed_out
    assert transaction.deadline is None
    assert transaction.handle_timer(11.0) is None
    assert transaction.complete(12.0) is None  # already finished


def test_karns_rule_no_rtt_after_a_retransmission() -> None:
    transaction = ClientTransaction(TID, REQUEST, 0.0)
    assert transaction.handle_timer(0.5) is TransactionTimer.RETRANSMIT
    assert transaction.transmissions == 2
    assert transaction.complete(0.6) is None
    assert transaction.finished


def test_complete_after_timeout_returns_none() -> None:
    transaction = ClientTransaction(TID, REQUEST, 0.0, max_transmissions=1)
    assert transaction.handle_timer(8.0) is TransactionTimer.TIMEOUT
    assert transaction.complete(8.1) is None
    assert transaction.timed_out


def test_cancel() -> None:
    transaction = ClientTransaction(TID, REQUEST, 0.0)
    transaction.cancel()
    assert transaction.finished and not transaction.timed_out
    assert transaction.handle_timer(50.0) is None


def test_attributes() -> None:
    transaction = ClientTransaction(TID, REQUEST, 3.0)
    assert transaction.transaction_id == TID
    assert transaction.request == REQUEST
    assert transaction.started_at == 3.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rto": 0.0},
        {"rto": -1.0},
        {"max_transmissions": 0},
        {"final_wait_factor": 0},
        {"max_rto": 0.0},
    ],
)
def test_invalid_parameters(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ClientTransaction(TID, REQUEST, 0.0, **kwargs)  # type: ignore[arg-type]
