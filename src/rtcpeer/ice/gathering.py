"""Gathering local candidates for one generation (RFC 8445 §5.1.1, RFC 8838 §4).

Host candidates come out at once; server-reflexive ones arrive as STUN servers answer
(trickle), so a slow or dead server never delays the host candidates. Relayed candidates
come from the agent's TURN allocations (:mod:`rtcpeer.ice.relay`): the gatherer only counts
those it still waits for, so end-of-candidates waits for them too. With the "relay" ICE
transport policy (webrtc-pc §4.2.1) only relayed candidates are gathered. Each server request is
a short client transaction (``IceConfig.gather_*``), so gathering completes in bounded time;
a server that does not answer becomes a 701 error (webrtc-pc §4.8.2 icecandidateerror).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rtcpeer.ice.candidate import (
    Candidate,
    CandidateType,
    candidate_priority,
    compute_foundation,
)
from rtcpeer.ice.config import IceConfig
from rtcpeer.ice.events import (
    CandidateGatheringError,
    EndOfLocalCandidates,
    GatheringStateChanged,
    IceEvent,
    LocalCandidateGathered,
)
from rtcpeer.ice.generation import Generation
from rtcpeer.ice.states import IceGatheringState
from rtcpeer.stun import (
    ClientTransaction,
    MessageClass,
    Method,
    StunMessage,
    TransactionTimer,
)

Address = tuple[str, int]
Datagram = tuple[bytes, Address, Address]


@dataclass(slots=True)
class _ServerRequest:
    base: Candidate
    server: Address
    transaction: ClientTransaction


def local_preference(index: int, address: str) -> int:
    """RFC 8445 §5.1.2.1 local preference: distinct per base, IPv6 first (RFC 8421 §4)."""
    family_bonus = 0x8000 if ":" in address else 0
    return max(0, min(65535, family_bonus + 0x7FFF - index))


def host_candidate(address: Address, index: int, ufrag: str) -> Candidate:
    """A host candidate (RFC 8445 §5.1.1.1) for a local transport address."""
    ip, port = address
    return Candidate(
        foundation=compute_foundation(CandidateType.HOST, ip, "udp"),
        component=1,
        transport="udp",
        priority=candidate_priority(CandidateType.HOST, local_preference(index, ip), 1),
        address=ip,
        port=port,
        type=CandidateType.HOST,
        ufrag=ufrag,
    )


class Gatherer:
    """Gathers host and server-reflexive candidates of one generation."""

    def __init__(
        self,
        generation: Generation,
        config: IceConfig,
        rng: random.Random,
        emit: Callable[[IceEvent], None],
        send: Callable[[Datagram], None],
    ) -> None:
        self._gen = generation
        self._config = config
        self._rng = rng
        self._emit = emit
        self._send = send
        self._requests: dict[bytes, _ServerRequest] = {}
        #: STUN servers whose names are still being resolved by the caller.
        self._unresolved = 0
        #: Relayed candidates (TURN allocations) still awaited.
        self._pending_relays = 0
        #: iceTransportPolicy "relay": no host or server-reflexive candidates.
        self._relay_only = False

    def start(
        self,
        now: float,
        hosts: Sequence[Address],
        stun_servers: Sequence[Address],
        unresolved_servers: int = 0,
        *,
        relay_only: bool = False,
    ) -> None:
        """Emit host candidates and send one Binding request per (base, server) pair.

        ``unresolved_servers`` more servers are still being resolved: gathering stays open
        until each is reported through :meth:`server_resolved`. ``relay_only``: neither
        host nor server-reflexive candidates (the "relay" policy); relayed ones come
        through :meth:`add_relay`."""
        self._unresolved = unresolved_servers
        self._relay_only = relay_only
        gen = self._gen
        gen.gathering_state = IceGatheringState.GATHERING
        self._emit(GatheringStateChanged(IceGatheringState.GATHERING, gen.local_ufrag))
        if relay_only:
            hosts, stun_servers = (), ()
        for index, address in enumerate(hosts):
            candidate = host_candidate(address, index, gen.local_ufrag)
            gen.bases[candidate.transport_address] = candidate
            self._add(candidate)
        for server in stun_servers:
            self._query(now, server)
        self._maybe_complete()

    def _query(self, now: float, server: Address) -> None:
        for base in list(self._gen.bases.values()):
            if (":" in server[0]) != (":" in base.address):
                continue  # a v4 base cannot reach a v6 server, nor the reverse
            self._request(now, base, server)

    def server_resolved(self, now: float, server: Address | None) -> None:
        """One of the unresolved servers resolved to ``server`` (None: it did not)."""
        if self._unresolved <= 0:
            return
        self._unresolved -= 1
        if (
            server is not None
            and not self._relay_only
            and self._gen.gathering_state is IceGatheringState.GATHERING
        ):
            self._query(now, server)
        self._maybe_complete()

    def _request(self, now: float, base: Candidate, server: Address) -> None:
        tid = self._rng.randbytes(12)
        request = StunMessage(
            method=Method.BINDING,
            message_class=MessageClass.REQUEST,
            transaction_id=tid,
            attributes={},
        ).encode(fingerprint=True)
        transaction = ClientTransaction(
            tid,
            request,
            now,
            rto=self._config.gather_rto,
            max_transmissions=self._config.gather_transmissions,
            final_wait_factor=self._config.gather_final_wait_factor,
        )
        self._requests[tid] = _ServerRequest(base, server, transaction)
        self._send((request, base.transport_address, server))

    def _add(self, candidate: Candidate) -> None:
        gen = self._gen
        if any(c.transport_address == candidate.transport_address for c in gen.local_candidates):
            return  # RFC 8445 §5.1.3: redundant candidates are eliminated
        gen.local_candidates.append(candidate)
        self._emit(LocalCandidateGathered(candidate, gen.local_ufrag))

    def owns(self, transaction_id: bytes) -> bool:
        return transaction_id in self._requests

    def handle_response(
        self, now: float, message: StunMessage, local: Address, remote: Address
    ) -> None:
        """A response to one of our server requests (matched by transaction id)."""
        request = self._requests.get(message.transaction_id)
        if request is None or remote != request.server or local != request.base.transport_address:
            return
        del self._requests[message.transaction_id]
        request.transaction.complete(now)
        if message.message_class is MessageClass.SUCCESS:
            mapped = message.xor_mapped_address or message.mapped_address
            if mapped is None:
                self._fail(request, 700, "STUN response without a mapped address")
            elif mapped != request.base.transport_address:
                self._add_srflx(request, mapped)
        else:
            error = message.error_code
            code, text = (error.code, error.reason) if error else (700, "STUN error response")
            self._fail(request, code, text)
        self._maybe_complete()

    def _add_srflx(self, request: _ServerRequest, mapped: Address) -> None:
        base = request.base
        index = list(self._gen.bases).index(base.transport_address)
        self._gen.reflexive_servers.setdefault(mapped, request.server)
        self._add(
            Candidate(
                foundation=compute_foundation(
                    CandidateType.SRFLX, base.address, "udp", f"{request.server[0]}"
                ),
                component=1,
                transport="udp",
                priority=candidate_priority(
                    CandidateType.SRFLX, local_preference(index, base.address), 1
                ),
                address=mapped[0],
                port=mapped[1],
                type=CandidateType.SRFLX,
                related_address=base.address,
                related_port=base.port,
                ufrag=self._gen.local_ufrag,
            )
        )

    def _fail(self, request: _ServerRequest, code: int, text: str) -> None:
        self._emit(
            CandidateGatheringError(request.base.transport_address, request.server, code, text)
        )

    def deadline(self) -> float | None:
        deadlines = [r.transaction.deadline for r in self._requests.values()]
        return min((d for d in deadlines if d is not None), default=None)

    def handle_timer(self, now: float) -> None:
        for tid, request in list(self._requests.items()):
            result = request.transaction.handle_timer(now)
            if result is TransactionTimer.RETRANSMIT:
                self._send(
                    (request.transaction.request, request.base.transport_address, request.server)
                )
            elif result is TransactionTimer.TIMEOUT:
                del self._requests[tid]
                self._fail(request, 701, "STUN server did not answer")
        self._maybe_complete()

    def expect_relays(self, count: int) -> None:
        """``count`` more relayed candidates are being gathered (TURN allocations)."""
        self._pending_relays += count

    def add_relay(self, candidate: Candidate) -> None:
        """A relayed candidate (RFC 8445 §5.1.1.2): its base is itself."""
        if self._gen.gathering_state is not IceGatheringState.GATHERING:
            return
        self._gen.bases[candidate.transport_address] = candidate
        self._add(candidate)

    def relay_done(self) -> None:
        """One awaited relayed candidate was added, or its allocation failed."""
        if self._pending_relays > 0:
            self._pending_relays -= 1
        self._maybe_complete()

    def stop(self) -> None:
        """Abandon outstanding server requests (the generation was superseded or closed)."""
        self._requests.clear()
        self._unresolved = 0
        self._pending_relays = 0

    def _maybe_complete(self) -> None:
        gen = self._gen
        if (
            self._requests
            or self._unresolved
            or self._pending_relays
            or gen.gathering_state is not IceGatheringState.GATHERING
        ):
            return
        # webrtc-pc §5.7: first the end-of-candidates for the generation, then the gatherer
        # state change.
        gen.gathering_state = IceGatheringState.COMPLETE
        self._emit(EndOfLocalCandidates(gen.local_ufrag))
        self._emit(GatheringStateChanged(IceGatheringState.COMPLETE, gen.local_ufrag))
