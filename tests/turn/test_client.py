"""The sans-IO TURN client against a fake server, in virtual time (RFC 8656)."""

from __future__ import annotations

import itertools
import logging
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtcpeer.stun import (
    AttrType,
    ErrorCode,
    MessageClass,
    Method,
    StunMessage,
    long_term_key,
    parse_message,
)
from rtcpeer.turn import (
    UNREACHABLE,
    AllocationClosed,
    AllocationFailed,
    AllocationLost,
    AllocationRefreshed,
    AllocationSucceeded,
    ChannelBound,
    DataReceived,
    PermissionCreated,
    PermissionFailed,
    TurnClient,
    TurnConfig,
    TurnState,
    TurnStateError,
    encode_channel_data,
)

from .harness import SERVER, Harness

PEER = ("192.0.2.77", 5000)
OTHER_PEER = ("192.0.2.77", 6000)
TRANSPORTS = ["udp", "tcp", "tls"]


def allocated(transport: str = "udp", **options: object) -> Harness:
    h = Harness.create(transport=transport, **options)  # type: ignore[arg-type]
    h.allocate()
    assert h.client.state is TurnState.ALLOCATED
    return h


# ---------------------------------------------------------------------------- Allocate


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_allocate_follows_401_with_realm_and_nonce(transport: str) -> None:
    h = Harness.create(transport=transport)
    h.allocate()
    allocates = h.server.requests(Method.ALLOCATE)
    assert [r.authenticated for r in allocates] == [False, True]
    assert AttrType.USERNAME not in allocates[0].attributes
    assert allocates[1].attributes[AttrType.USERNAME] == "alice"
    assert allocates[1].attributes[AttrType.REALM] == "lab.test"
    assert allocates[1].attributes[AttrType.NONCE] == h.server.nonce
    assert allocates[1].attributes[AttrType.REQUESTED_TRANSPORT] == 17
    assert h.events == [AllocationSucceeded(h.server.relayed, h.server.client_address, 600)]
    assert h.client.relayed_address == h.server.relayed
    assert h.client.mapped_address == h.server.client_address
    assert h.client.stats["auth_challenges"] == 1


def test_wrong_password_is_a_401_failure() -> None:
    h = Harness.create(password="wrong")
    h.allocate()
    assert len(h.server.requests(Method.ALLOCATE)) == 2  # one retry with credentials, no more
    [event] = h.events
    assert isinstance(event, AllocationFailed) and event.error_code == 401
    assert "Unauthenticated" in event.error_text
    assert h.client.state is TurnState.FAILED
    assert h.client.get_timer() is None


def test_stale_nonce_on_allocate_is_retried_with_the_new_nonce() -> None:
    h = Harness.create(stale_next=2)
    h.allocate()
    allocates = h.server.requests(Method.ALLOCATE)
    assert len(allocates) == 4  # unauthenticated, 438, 438, success
    nonces = [r.attributes.get(AttrType.NONCE) for r in allocates]
    assert nonces == [None, "nonce-1", "nonce-2", "nonce-3"]
    assert isinstance(h.events[0], AllocationSucceeded)
    assert h.client.stats["stale_nonce_retries"] == 2


def test_endless_stale_nonce_gives_up_with_438() -> None:
    h = Harness.create(stale_next=100)
    h.allocate()
    [event] = h.events
    assert isinstance(event, AllocationFailed) and event.error_code == 438


@pytest.mark.parametrize(
    ("code", "reason"), [(486, "Allocation Quota Reached"), (403, "Forbidden")]
)
def test_allocate_error_codes_are_surfaced(code: int, reason: str) -> None:
    h = Harness.create(errors={Method.ALLOCATE: (code, reason)})
    h.allocate()
    [event] = h.events
    assert isinstance(event, AllocationFailed)
    assert event.error_code == code and reason in event.error_text


def test_unreachable_server_is_701_after_the_rfc_8489_schedule() -> None:
    h = Harness.create(silent=True)
    h.allocate()
    h.run_until(39.0)
    assert h.events == []
    assert len(h.server.requests(Method.ALLOCATE)) == 7  # Rc = 7 transmissions
    h.run_until(40.0)
    [event] = h.events
    assert isinstance(event, AllocationFailed) and event.error_code == UNREACHABLE
    assert h.client.state is TurnState.FAILED


def test_unreachable_over_tcp_sends_once_and_times_out_at_ti() -> None:
    h = Harness.create(transport="tcp", silent=True)
    h.allocate()
    h.run_until(39.0)
    assert len(h.server.requests(Method.ALLOCATE)) == 1
    assert h.events == []
    h.run_until(40.0)
    assert isinstance(h.events[0], AllocationFailed) and h.events[0].error_code == 701


def test_connection_lost_before_and_after_allocation() -> None:
    h = Harness.create(transport="tls")
    h.client.connection_lost(0.0, "TLS certificate verification failed")
    h.collect()
    assert h.events == [AllocationFailed(701, "TLS certificate verification failed")]
    h2 = allocated("tcp")
    h2.client.connection_lost(1.0, "connection reset")
    h2.collect()
    assert h2.events[-1] == AllocationLost(701, "connection reset")


def test_response_with_bad_integrity_is_dropped() -> None:
    h = Harness.create(corrupt_integrity=True, silent=False)
    h.allocate()
    assert h.events == []
    assert h.client.state is TurnState.ALLOCATING
    assert h.client.stats["stun_response_bad_integrity"] == 1


def test_allocate_twice_is_a_usage_error() -> None:
    h = allocated()
    with pytest.raises(TurnStateError):
        h.client.allocate(h.now)


# ---------------------------------------------------------------------------- Refresh


def test_refresh_one_minute_before_expiry() -> None:
    h = allocated()
    assert h.client.refresh_at == pytest.approx(540.0)
    h.run_until(539.0)
    assert h.server.requests(Method.REFRESH) == []
    h.run_until(541.0)
    [refresh] = h.server.requests(Method.REFRESH)
    assert refresh.at == pytest.approx(540.0)
    assert refresh.attributes[AttrType.LIFETIME] == 600
    assert isinstance(h.events[-1], AllocationRefreshed)
    assert h.client.expires_at == pytest.approx(1140.0)
    h.run_until(3000.0)
    times = [r.at for r in h.server.requests(Method.REFRESH)]
    assert times == pytest.approx([540.0, 1080.0, 1620.0, 2160.0, 2700.0])


def test_short_lifetime_refreshes_half_way() -> None:
    h = allocated(max_lifetime=80)
    assert h.client.lifetime == 80
    h.run_until(100.0)
    assert [r.at for r in h.server.requests(Method.REFRESH)] == pytest.approx([40.0, 80.0])


def test_stale_nonce_on_refresh_is_retried() -> None:
    h = allocated()
    h.server.stale_next = 1
    h.run_until(541.0)
    refreshes = h.server.requests(Method.REFRESH)
    assert len(refreshes) == 2
    assert refreshes[1].attributes[AttrType.NONCE] == "nonce-2"
    assert isinstance(h.events[-1], AllocationRefreshed)


def test_refresh_437_loses_the_allocation() -> None:
    h = allocated()
    h.server.allocated = False  # the server forgot it (restart, expiry)
    h.run_until(541.0)
    event = h.events[-1]
    assert isinstance(event, AllocationLost) and event.error_code == 437
    assert h.client.state is TurnState.FAILED


def test_unanswered_refreshes_end_in_expiry() -> None:
    h = allocated()
    h.server.silent = True
    h.run_until(599.0)
    assert h.client.state is TurnState.ALLOCATED
    assert len(h.server.requests(Method.REFRESH)) > 7  # retried after the first timeout
    h.run_until(601.0)
    event = h.events[-1]
    assert isinstance(event, AllocationLost) and event.error_code == UNREACHABLE


# ---------------------------------------------------------------------------- close


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_close_sends_refresh_with_lifetime_zero(transport: str) -> None:
    h = allocated(transport)
    h.client.close(h.now)
    h.pump()
    [refresh] = h.server.requests(Method.REFRESH)
    assert refresh.attributes[AttrType.LIFETIME] == 0 and refresh.authenticated
    assert h.server.allocated is False
    assert h.events[-1] == AllocationClosed()
    assert h.client.state is TurnState.CLOSED
    assert h.client.get_timer() is None


def test_close_gives_up_after_close_timeout() -> None:
    h = allocated()
    h.server.silent = True
    h.client.close(h.now)
    h.run_until(1.9)
    assert h.client.state is TurnState.CLOSING
    h.run_until(2.1)
    assert h.events[-1] == AllocationClosed()


def test_close_without_allocation_is_immediate() -> None:
    h = Harness.create()
    h.client.close(0.0)
    assert h.collect() == [AllocationClosed()]
    assert h.client.datagrams_to_send() == []


# ---------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_first_send_creates_permission_then_sends_indication_then_binds(transport: str) -> None:
    h = allocated(transport)
    assert h.client.send(h.now, PEER, b"one")
    h.pump()
    [permission] = h.server.requests(Method.CREATE_PERMISSION)
    assert permission.attributes[AttrType.XOR_PEER_ADDRESS] == (PEER[0], 0)
    # The queued datagram went out once the permission existed, as a Send indication; the
    # channel bind followed.
    assert h.server.sent_to_peers == [(PEER, b"one", "send")]
    assert PermissionCreated(PEER[0]) in h.events
    assert ChannelBound(PEER, 0x4000) in h.events
    assert h.client.channel_for(PEER, h.now) == 0x4000
    h.client.send(h.now, PEER, b"two")
    h.client.send(h.now, OTHER_PEER, b"three")  # same IP: permission exists, new channel
    h.pump()
    assert h.server.sent_to_peers[1:] == [(PEER, b"two", "channel"), (OTHER_PEER, b"three", "send")]
    assert h.client.channel_for(OTHER_PEER, h.now) == 0x4001
    assert len(h.server.requests(Method.CREATE_PERMISSION)) == 1


def test_data_waits_for_the_permission_and_the_queue_is_bounded() -> None:
    h = allocated(config=TurnConfig(max_pending_per_peer=3))
    results = [h.client.send(h.now, PEER, bytes([i])) for i in range(5)]
    assert results == [True, True, True, False, False]
    assert h.client.stats["data_dropped_permission_queue_full"] == 2
    h.pump()
    assert [d for _, d, _ in h.server.sent_to_peers] == [b"\0", b"\1", b"\2"]


def test_permission_refresh_every_240_seconds() -> None:
    h = allocated(config=TurnConfig(auto_channel=False))
    h.client.create_permission(h.now, PEER[0])
    h.run_until(1000.0)
    times = [r.at for r in h.server.requests(Method.CREATE_PERMISSION)]
    assert times == pytest.approx([0.0, 240.0, 480.0, 720.0, 960.0])
    assert h.client.has_permission(PEER[0], h.now)


def test_permission_failure_is_surfaced_and_not_retried_per_datagram() -> None:
    h = allocated(errors={Method.CREATE_PERMISSION: (403, "Forbidden IP")})
    h.client.send(h.now, PEER, b"x")
    h.pump()
    failed = [e for e in h.events if isinstance(e, PermissionFailed)]
    assert failed == [PermissionFailed(PEER[0], 403, "Forbidden IP")]
    assert h.client.send(h.now, PEER, b"y") is False
    h.pump()
    assert len(h.server.requests(Method.CREATE_PERMISSION)) == 1
    assert h.server.sent_to_peers == []
    h.now += 11.0
    h.client.send(h.now, PEER, b"z")
    h.pump()
    assert len(h.server.requests(Method.CREATE_PERMISSION)) == 2


def test_permission_timeout_is_701() -> None:
    h = allocated()
    h.server.silent = True
    h.client.send(h.now, PEER, b"x")
    h.run_until(40.0)
    failed = [e for e in h.events if isinstance(e, PermissionFailed)]
    assert len(failed) == 1 and failed[0].error_code == UNREACHABLE


# ---------------------------------------------------------------------------- channels


def test_channel_refresh_before_ten_minutes() -> None:
    h = allocated()
    h.client.send(h.now, PEER, b"x")
    h.pump()
    h.run_until(1200.0)
    binds = [r.at for r in h.server.requests(Method.CHANNEL_BIND)]
    assert binds == pytest.approx([0.0, 540.0, 1080.0])
    assert {
        r.attributes[AttrType.CHANNEL_NUMBER] for r in h.server.requests(Method.CHANNEL_BIND)
    } == {0x4000}
    assert h.client.channel_for(PEER, h.now) == 0x4000


def test_explicit_channel_bind_and_failure() -> None:
    h = allocated(errors={Method.CHANNEL_BIND: (400, "Bad Request")})
    assert h.client.bind_channel(h.now, PEER) == 0x4000
    h.pump()
    assert h.events[-1].__class__.__name__ == "ChannelBindFailed"
    assert h.client.channel_for(PEER, h.now) is None
    # Data still flows, as Send indications (the permission is created as usual).
    h.client.send(h.now, PEER, b"x")
    h.pump()
    assert h.server.sent_to_peers == [(PEER, b"x", "send")]


# ---------------------------------------------------------------------------- receiving


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_data_indications_and_channel_data_from_peers(transport: str) -> None:
    h = allocated(transport)
    h.client.create_permission(h.now, PEER[0])
    h.pump()
    indication = h.server.from_peer(PEER, b"hello")
    assert indication is not None
    h.deliver(indication)
    h.client.bind_channel(h.now, PEER)
    h.pump()
    channel_data = h.server.from_peer(PEER, b"world")
    assert channel_data is not None and channel_data[0] == 0x40
    h.deliver(channel_data)
    h.collect()
    received = [e for e in h.events if isinstance(e, DataReceived)]
    assert received == [DataReceived(PEER, b"hello"), DataReceived(PEER, b"world", 0x4000)]


def test_tcp_stream_split_at_every_byte_boundary() -> None:
    h = allocated("tcp")
    h.client.create_permission(h.now, PEER[0])
    h.client.bind_channel(h.now, OTHER_PEER)
    h.pump()
    stream = b"".join(
        [
            h.server.from_peer(PEER, b"indication") or b"",
            h.server.from_peer(OTHER_PEER, b"abc") or b"",
            h.server.from_peer(OTHER_PEER, b"") or b"",
            h.server.from_peer(PEER, b"x" * 33) or b"",
        ]
    )
    expected = [
        DataReceived(PEER, b"indication"),
        DataReceived(OTHER_PEER, b"abc", 0x4000),
        DataReceived(OTHER_PEER, b"", 0x4000),
        DataReceived(PEER, b"x" * 33),
    ]
    h.collect()
    for cut in range(len(stream) + 1):
        h.client.handle_stream_data(h.now, stream[:cut])
        h.client.handle_stream_data(h.now, stream[cut:])
        assert h.collect() == expected, cut
    assert "stream_junk_bytes" not in h.client.stats


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 200), max_size=10))
def test_tcp_stream_arbitrary_chunks(cuts: list[int]) -> None:
    h = allocated("tcp")
    h.client.bind_channel(h.now, PEER)
    h.pump()
    stream = b"".join(h.server.from_peer(PEER, bytes([i]) * i) or b"" for i in range(8))
    points = sorted({0, len(stream), *(c for c in cuts if c <= len(stream))})
    h.collect()
    for a, b in itertools.pairwise(points):
        h.client.handle_stream_data(h.now, stream[a:b])
    got = [e for e in h.collect() if isinstance(e, DataReceived)]
    assert [e.data for e in got] == [bytes([i]) * i for i in range(8)]


def test_bad_input_is_dropped_and_counted() -> None:
    h = allocated()
    h.client.bind_channel(h.now, PEER)
    h.pump()
    h.collect()
    for junk in [
        b"",
        b"\xff\x00\x00\x00",
        b"\x40\x00\x00\x09abc",  # ChannelData shorter than its length
        encode_channel_data(0x4ABC, b"unbound"),
        b"\x00\x01\x00\x00" + bytes(16),  # STUN header without the cookie
        StunMessage(Method.DATA, MessageClass.INDICATION, bytes(12), {}).encode(),
        StunMessage(Method.ALLOCATE, MessageClass.SUCCESS, bytes(12), {}).encode(),
    ]:
        h.client.handle_datagram(h.now, junk)
    assert h.collect() == []
    stats = h.client.stats
    assert stats["empty_datagram"] == 1
    assert stats["unknown_datagram"] == 1
    assert stats["channel_data_malformed"] == 1
    assert stats["channel_data_unknown_channel"] == 1
    assert stats["stun_malformed"] == 1
    assert stats["data_indication_malformed"] == 1
    assert stats["stun_response_unknown_transaction"] == 1


def test_stream_junk_is_dropped_and_counted() -> None:
    h = allocated("tcp")
    h.client.create_permission(h.now, PEER[0])
    h.pump()
    h.collect()
    indication = h.server.from_peer(PEER, b"after junk")
    assert indication is not None
    h.client.handle_stream_data(h.now, b"\xde\xad\xbe\xef\xff" + indication)
    assert h.collect() == [DataReceived(PEER, b"after junk")]
    assert h.client.stats["stream_junk_bytes"] == 5


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["udp", "tcp"]))
def test_random_input_never_raises(data: bytes, transport: str) -> None:
    h = allocated(transport)
    h.client.bind_channel(h.now, PEER)
    h.pump()
    if transport == "udp":
        h.client.handle_datagram(h.now, data)
    else:
        h.client.handle_stream_data(h.now, data)
    h.client.handle_timer(h.now)


# ---------------------------------------------------------------------------- secrets


def test_credentials_never_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="rtcpeer.turn")
    client = TurnClient(SERVER, "alice-user", "hunter2-pw", rng=random.Random(1))
    h = Harness(client, Harness.create().server)
    h.server.users = {"alice-user": "hunter2-pw"}
    h.allocate()
    h.client.close(h.now)
    h.pump()
    texts = [repr(client), repr(client._auth), repr(client._auth._credentials), caplog.text]
    texts += [repr(e) for e in h.events]
    for text in texts:
        assert "hunter2" not in text and "alice-user" not in text
    assert "hunter2" not in repr(vars(client))


def test_transaction_ids_come_from_the_injected_rng() -> None:
    a = Harness.create()
    b = Harness.create()
    a.client.allocate(0.0)
    b.client.allocate(0.0)
    assert a.client.datagrams_to_send() == b.client.datagrams_to_send()


def test_default_rng_is_system_random() -> None:
    client = TurnClient(SERVER, "u", "p")
    assert isinstance(client._rng, random.SystemRandom)


RESPONSE_ATTRIBUTES = st.fixed_dictionaries(
    {},
    optional={
        AttrType.ERROR_CODE: st.builds(ErrorCode, st.integers(300, 699), st.text(max_size=20)),
        AttrType.REALM: st.sampled_from(["lab.test", "other", ""]),
        AttrType.NONCE: st.text(max_size=10),
        AttrType.LIFETIME: st.integers(0, 2**32 - 1),
        AttrType.XOR_RELAYED_ADDRESS: st.just(("203.0.113.9", 4000)),
        AttrType.XOR_MAPPED_ADDRESS: st.just(("192.0.2.9", 5000)),
        AttrType.XOR_PEER_ADDRESS: st.just(PEER),
        AttrType.CHANNEL_NUMBER: st.integers(0, 0xFFFF),
    },
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([MessageClass.SUCCESS, MessageClass.ERROR]),
            RESPONSE_ATTRIBUTES,
            st.sampled_from(["right key", "wrong key", "none"]),
        ),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_well_formed_responses_with_any_contents_never_raise(
    responses: list[tuple[MessageClass, dict[int, object], str]], allocate_first: bool
) -> None:
    """Responses to the client's pending transactions, whatever they carry, never make a
    handle_*() call raise; the client always ends in a consistent state."""
    h = allocated() if allocate_first else Harness.create()
    if allocate_first:
        h.client.send(h.now, PEER, b"x")  # CreatePermission pending
        h.client.bind_channel(h.now, OTHER_PEER)  # ChannelBind pending
    else:
        h.client.allocate(h.now)
    pending = [parse_message(m) for m in h.client.datagrams_to_send()]
    key = long_term_key("alice", "lab.test", "secret")
    for request, (message_class, attributes, integrity) in zip(
        pending * len(responses), responses, strict=False
    ):
        if request.message_class is not MessageClass.REQUEST:
            continue
        response = StunMessage(request.method, message_class, request.transaction_id, attributes)
        raw = response.encode(
            None if integrity == "none" else key if integrity == "right key" else b"x",
            fingerprint=True,
        )
        h.client.handle_datagram(h.now, raw)
        h.client.handle_timer(h.now)
        h.pump()
    h.run_until(h.now + 2000.0)
    assert h.client.state in set(TurnState)
    h.client.close(h.now)
    h.pump()
