"""Errors and error codes of the TURN client (RFC 8656 §19, webrtc-pc §4.8.2).

The client never raises out of its ``handle_*()`` methods: bad input is dropped and counted
in :attr:`~rtcpeer.turn.TurnClient.stats`. Exceptions are only for misuse of the API
(calling a method in a state where it makes no sense, or with arguments of the wrong form).
"""

from __future__ import annotations

UNREACHABLE = 701
"""webrtc-pc §4.8.2 ``icecandidateerror``: "the server could not be reached" — no response
arrived, or the TCP/TLS connection could not be made or was lost."""

UNAUTHENTICATED = 401
"""RFC 8489 §14.8: the request lacked, or had wrong, credentials."""

FORBIDDEN = 403
"""RFC 8656 §19: the request was valid but is not allowed (e.g. a forbidden peer address)."""

ALLOCATION_MISMATCH = 437
"""RFC 8656 §19: no allocation for this 5-tuple (or one exists already, for Allocate)."""

STALE_NONCE = 438
"""RFC 8489 §14.8: the NONCE is no longer valid; retry with the one in the response."""

INVALID_RESPONSE = 700
"""Not a STUN code: the server answered with a response the client cannot use (for
example a success without XOR-RELAYED-ADDRESS). Reported like webrtc-pc's 7xx codes."""


class TurnError(Exception):
    """Base class of the TURN client's exceptions."""


class TurnStateError(TurnError):
    """A method was called in a state where it cannot act (e.g. ``allocate`` twice)."""
