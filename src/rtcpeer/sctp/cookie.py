"""The State Cookie: the TCB an INIT ACK hands to the peer instead of keeping it (§5.1.3).

RFC 9260 §5.1.3 lets the INIT ACK's sender stay stateless: everything it needs to create the
association goes into the cookie, authenticated with a MAC over a secret key, and comes back
in COOKIE ECHO. §5.1.5 then authenticates it (step 2) and checks its lifetime (step 3).

Layout (all big-endian), followed by HMAC-SHA256 over those bytes::

    version(1) flags(1) outbound streams(2) inbound streams(2) reserved(2)
    local tag(4) peer tag(4) local initial TSN(4) peer initial TSN(4) peer a_rwnd(4)
    created (IEEE double, seconds on the caller's clock)(8) lifetime (double)(8)

``flags`` records what the peer's INIT offered (FORWARD-TSN, RE-CONFIG, I-DATA). The clock is
whatever ``now`` the association is driven with; cookies never leave the pair of endpoints
that minted and checks them, so that is the only clock they meet.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass

from .errors import InvalidCookieError, StaleCookieError

_BODY = struct.Struct("!BBHHHIIIIIdd")
_MAC_LENGTH = 32
_VERSION = 1
COOKIE_LENGTH = _BODY.size + _MAC_LENGTH

_F_FORWARD_TSN = 0x01
_F_RECONFIG = 0x02
_F_IDATA = 0x04


@dataclass(frozen=True, slots=True)
class CookieState:
    """What the State Cookie carries: enough of the TCB to create the association."""

    local_tag: int
    peer_tag: int
    local_initial_tsn: int
    peer_initial_tsn: int
    peer_a_rwnd: int
    outbound_streams: int
    inbound_streams: int
    peer_forward_tsn: bool
    peer_reconfig: bool
    peer_idata: bool
    created: float
    lifetime: float

    def encode(self, key: bytes) -> bytes:
        """The cookie bytes: the body and its HMAC-SHA256 (§5.1.3)."""
        flags = (
            (_F_FORWARD_TSN if self.peer_forward_tsn else 0)
            | (_F_RECONFIG if self.peer_reconfig else 0)
            | (_F_IDATA if self.peer_idata else 0)
        )
        body = _BODY.pack(
            _VERSION,
            flags,
            self.outbound_streams,
            self.inbound_streams,
            0,
            self.local_tag,
            self.peer_tag,
            self.local_initial_tsn,
            self.peer_initial_tsn,
            self.peer_a_rwnd,
            self.created,
            self.lifetime,
        )
        return body + hmac.new(key, body, hashlib.sha256).digest()


def open_cookie(key: bytes, cookie: bytes, now: float) -> CookieState:
    """Authenticate a State Cookie and check its lifetime (§5.1.5 steps 1-3).

    Raises :class:`InvalidCookieError` when the MAC or layout is wrong and
    :class:`StaleCookieError` when it has expired.
    """
    if len(cookie) != COOKIE_LENGTH:
        raise InvalidCookieError(f"State Cookie of {len(cookie)} bytes is not ours")
    body = cookie[: _BODY.size]
    mac = hmac.new(key, body, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, cookie[_BODY.size :]):
        raise InvalidCookieError("State Cookie MAC does not verify")
    (
        version,
        flags,
        outbound,
        inbound,
        _reserved,
        local_tag,
        peer_tag,
        local_tsn,
        peer_tsn,
        peer_rwnd,
        created,
        lifetime,
    ) = _BODY.unpack(body)
    if version != _VERSION:
        raise InvalidCookieError(f"State Cookie version {version} is not ours")
    age = now - created
    if age > lifetime:
        raise StaleCookieError(
            f"State Cookie expired {age - lifetime:.3f} s ago", age - lifetime, peer_tag
        )
    return CookieState(
        local_tag=local_tag,
        peer_tag=peer_tag,
        local_initial_tsn=local_tsn,
        peer_initial_tsn=peer_tsn,
        peer_a_rwnd=peer_rwnd,
        outbound_streams=outbound,
        inbound_streams=inbound,
        peer_forward_tsn=bool(flags & _F_FORWARD_TSN),
        peer_reconfig=bool(flags & _F_RECONFIG),
        peer_idata=bool(flags & _F_IDATA),
        created=created,
        lifetime=lifetime,
    )
