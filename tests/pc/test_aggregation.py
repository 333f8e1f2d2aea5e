"""Table-driven tests of the state aggregation (SPEC-CHECKLIST items 16, 17, 19, 20, 21).

Every combination of 0-3 transports is checked against the spec's rules written out a
second way (per-state predicates read straight from webrtc-pc §4.3.2-4.3.4), plus the
named cases the checklist calls out.
"""

from __future__ import annotations

import itertools

import pytest

from rtcpeer.ice.states import IceGatheringState, IceTransportState
from rtcpeer.pc.aggregation import connection_state, ice_connection_state, ice_gathering_state
from rtcpeer.pc.states import (
    DtlsTransportState,
    RTCIceConnectionState,
    RTCIceGatheringState,
    RTCPeerConnectionState,
)

T = IceTransportState
C = RTCIceConnectionState
D = DtlsTransportState
P = RTCPeerConnectionState


def _spec_ice(states: tuple[T, ...]) -> C:
    """webrtc-pc §4.3.4's table, as predicates tried in the table's order."""
    table: list[tuple[C, bool]] = [
        (C.FAILED, T.FAILED in states),
        (C.DISCONNECTED, T.DISCONNECTED in states),
        (C.NEW, set(states) <= {T.NEW, T.CLOSED}),
        (C.CHECKING, bool({T.NEW, T.CHECKING} & set(states))),
        (C.COMPLETED, set(states) <= {T.COMPLETED, T.CLOSED}),
        (C.CONNECTED, set(states) <= {T.CONNECTED, T.COMPLETED, T.CLOSED}),
    ]
    return next(value for value, holds in table if holds)


COMBINATIONS = [
    combo for n in range(4) for combo in itertools.combinations_with_replacement(list(T), n)
]


@pytest.mark.parametrize("states", COMBINATIONS, ids=lambda c: "+".join(c) or "none")
def test_ice_connection_state_every_combination(states: tuple[T, ...]) -> None:
    for order in set(itertools.permutations(states)):
        assert ice_connection_state(False, order) is _spec_ice(states)
    assert ice_connection_state(True, states) is C.CLOSED


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ((T.NEW, T.CONNECTED), C.CHECKING),  # item 17
        ((T.COMPLETED, T.CONNECTED), C.CONNECTED),  # item 17
        ((), C.NEW),  # item 16: no transports
        ((T.CLOSED,), C.NEW),
        ((T.COMPLETED, T.CLOSED), C.COMPLETED),
        ((T.FAILED, T.DISCONNECTED), C.FAILED),
        ((T.DISCONNECTED, T.CHECKING), C.DISCONNECTED),
    ],
)
def test_ice_connection_state_named_cases(states: tuple[T, ...], expected: C) -> None:
    assert ice_connection_state(False, states) is expected


def _spec_connection(ice: C, dtls: tuple[D, ...]) -> P:
    """webrtc-pc §4.3.3's table, with ICE "completed" counted as connected (item 20)."""
    table: list[tuple[P, bool]] = [
        (P.CLOSED, ice is C.CLOSED),
        (P.FAILED, ice is C.FAILED or D.FAILED in dtls),
        (P.DISCONNECTED, ice is C.DISCONNECTED),
        (P.NEW, ice is C.NEW and set(dtls) <= {D.NEW, D.CLOSED}),
        (
            P.CONNECTED,
            ice in (C.CONNECTED, C.COMPLETED) and set(dtls) <= {D.CONNECTED, D.CLOSED},
        ),
        (P.CONNECTING, True),
    ]
    return next(value for value, holds in table if holds)


DTLS_COMBINATIONS = [
    combo for n in range(3) for combo in itertools.combinations_with_replacement(list(D), n)
]


@pytest.mark.parametrize("ice", list(C))
@pytest.mark.parametrize("dtls", DTLS_COMBINATIONS, ids=lambda c: "+".join(c) or "none")
def test_connection_state_every_combination(ice: C, dtls: tuple[D, ...]) -> None:
    assert connection_state(False, ice, dtls) is _spec_connection(ice, dtls)
    assert connection_state(True, ice, dtls) is P.CLOSED


def test_connection_state_literal_reading_of_completed() -> None:
    """Item 20: the literal §4.3.3 text sends ICE "completed" to "connecting"."""
    dtls = (D.CONNECTED,)
    assert connection_state(False, C.COMPLETED, dtls) is P.CONNECTED
    literal = connection_state(False, C.COMPLETED, dtls, completed_counts_as_connected=False)
    assert literal is P.CONNECTING


G = IceGatheringState


@pytest.mark.parametrize(
    "states",
    [combo for n in range(4) for combo in itertools.combinations_with_replacement(list(G), n)],
    ids=lambda c: "+".join(c) or "none",
)
def test_ice_gathering_state_every_combination(states: tuple[G, ...]) -> None:
    """Item 21: gathering if any gathers; complete if some exist and all are complete."""
    if G.GATHERING in states:
        expected = RTCIceGatheringState.GATHERING
    elif states and set(states) == {G.COMPLETE}:
        expected = RTCIceGatheringState.COMPLETE
    else:
        expected = RTCIceGatheringState.NEW
    assert ice_gathering_state(states) is expected
