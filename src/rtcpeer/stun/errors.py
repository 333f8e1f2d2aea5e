"""Exceptions raised by the STUN codec.

Every malformed input handed to :func:`rtcpeer.stun.parse_message` raises a subclass of
:class:`StunError` (itself a :class:`ValueError`); nothing else escapes the parser. RFC 8489 §6.3
says a message that fails the basic checks is "silently discarded", so callers typically catch
:class:`StunError` around the parse and drop the datagram.
"""

from __future__ import annotations


class StunError(ValueError):
    """Base class of every error raised by :mod:`rtcpeer.stun`."""


class StunParseError(StunError):
    """The bytes are not a well-formed STUN message (RFC 8489 §5 header, §14 TLV framing)."""


class StunAttributeError(StunParseError):
    """An attribute's value is malformed (wrong length, bad family, invalid UTF-8, ...).

    ``attr_type`` names the offending attribute so that a server can answer 400 (Bad Request).
    """

    def __init__(self, message: str, attr_type: int | None = None) -> None:
        super().__init__(message)
        self.attr_type = attr_type


class StunFingerprintError(StunError):
    """The FINGERPRINT attribute does not match the message (RFC 8489 §7, §14.7)."""


class StunEncodeError(StunError):
    """A :class:`~rtcpeer.stun.StunMessage` cannot be encoded (bad value type or range)."""


class StunCredentialError(StunError):
    """A credential string is not acceptable to OpaqueString / SASLprep preparation."""
