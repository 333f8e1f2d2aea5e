"""Python value types of decoded STUN attributes that are more than a plain int/str/bytes."""

from __future__ import annotations

from dataclasses import dataclass

Address = tuple[str, int]
"""A transport address: IPv4 dotted-quad or IPv6 text, and a port (RFC 8489 §14.1)."""


@dataclass(frozen=True)
class ErrorCode:
    """ERROR-CODE (RFC 8489 §14.8): a code 300-699 and a UTF-8 reason phrase."""

    code: int
    reason: str = ""


@dataclass(frozen=True)
class PasswordAlgorithm:
    """One entry of PASSWORD-ALGORITHM(S) (RFC 8489 §14.11, §14.12).

    ``algorithm`` is from the IANA registry (RFC 8489 §18.5): 1 = MD5, 2 = SHA-256; both take
    empty ``parameters``.
    """

    algorithm: int
    parameters: bytes = b""
