"""Exceptions raised by :mod:`rtcpeer.sctp`.

Every malformed input handed to the codec (:func:`~rtcpeer.sctp.packet.parse_packet`,
:func:`~rtcpeer.sctp.chunks.parse_chunks`) raises a subclass of :class:`SctpParseError`;
nothing else (no ``IndexError``, no ``struct.error``) escapes it. The association itself never
raises on received bytes: RFC 9260 §8.4 and §11 tell it to discard (and count) what it cannot
use. It raises on misuse by the caller (:class:`SctpUsageError` and subclasses).
"""

from __future__ import annotations


class SctpError(Exception):
    """Base class of every error raised by :mod:`rtcpeer.sctp`."""


class SctpParseError(SctpError, ValueError):
    """The bytes are not a well-formed SCTP packet, chunk or parameter (RFC 9260 §3)."""


class SctpChecksumError(SctpParseError):
    """The CRC32c in the common header does not match the packet (RFC 9260 §6.8)."""


class SctpEncodeError(SctpError, ValueError):
    """A chunk or parameter cannot be encoded (a field is out of range)."""


class SctpCookieError(SctpError):
    """A State Cookie was refused (RFC 9260 §5.1.5)."""


class InvalidCookieError(SctpCookieError):
    """The State Cookie's MAC does not verify, or its layout is not ours (§5.1.5 step 2)."""


class StaleCookieError(SctpCookieError):
    """The State Cookie is authentic but older than its lifetime (§5.1.5 step 3).

    ``staleness`` is how far past its lifetime it is, in seconds (§3.3.10.3 reports it), and
    ``peer_tag`` the tag the Stale Cookie ERROR goes back with (§5.2.6).
    """

    def __init__(self, message: str, staleness: float, peer_tag: int = 0) -> None:
        super().__init__(message)
        self.staleness = staleness
        self.peer_tag = peer_tag


class SctpUsageError(SctpError, ValueError):
    """The caller asked for something the association cannot do (bad stream, wrong state)."""


class SctpStateError(SctpUsageError):
    """The association is not in a state that allows the operation."""


class MessageTooLargeError(SctpUsageError):
    """A message is larger than the configured maximum message size (RFC 8841 §6.1)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"message of {size} bytes exceeds the maximum message size {limit}")
        self.size = size
        self.limit = limit
