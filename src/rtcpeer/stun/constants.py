"""STUN numbers: methods, classes, attribute types, error codes and fixed constants.

Registries: RFC 8489 §18 (STUN), RFC 8656 §17-§19 (TURN), RFC 6062 §6 (TURN-TCP),
RFC 8445 §16 and §20.1 (ICE).
"""

from __future__ import annotations

from enum import IntEnum

MAGIC_COOKIE = 0x2112A442
"""RFC 8489 §5: the fixed value in bytes 4-7 of every (non-RFC 3489) STUN message."""

HEADER_LENGTH = 20
"""RFC 8489 §5: the header is 20 bytes (type, length, magic cookie, 96-bit transaction ID)."""

TRANSACTION_ID_LENGTH = 12
"""RFC 8489 §5: the transaction ID is 96 bits."""

FINGERPRINT_XOR = 0x5354554E
"""RFC 8489 §14.7: the CRC-32 is XOR'ed with this value ("STUN" in ASCII)."""

COMPREHENSION_OPTIONAL_MIN = 0x8000
"""RFC 8489 §14: types 0x0000-0x7FFF are comprehension-required, 0x8000-0xFFFF optional."""

MAX_METHOD = 0xFFF
"""RFC 8489 §5: the method is 12 bits."""

PASSWORD_ALGORITHM_MD5 = 0x0001
"""RFC 8489 §18.5.1.1: key = MD5(username ":" realm ":" password), 16 bytes."""

PASSWORD_ALGORITHM_SHA256 = 0x0002
"""RFC 8489 §18.5.1.2: key = SHA-256(username ":" realm ":" password), 32 bytes."""


class Method(IntEnum):
    """STUN methods (RFC 8489 §18.2, RFC 8656 §17, RFC 6062 §6.1)."""

    BINDING = 0x001
    ALLOCATE = 0x003
    REFRESH = 0x004
    SEND = 0x006
    DATA = 0x007
    CREATE_PERMISSION = 0x008
    CHANNEL_BIND = 0x009
    CONNECT = 0x00A
    CONNECTION_BIND = 0x00B
    CONNECTION_ATTEMPT = 0x00C


class MessageClass(IntEnum):
    """The two class bits C1 C0 of the message type (RFC 8489 §5)."""

    REQUEST = 0
    INDICATION = 1
    SUCCESS = 2
    ERROR = 3


class AttrType(IntEnum):
    """Attribute types this codec knows (RFC 8489 §18.3, RFC 8656 §18, RFC 6062, RFC 8445)."""

    MAPPED_ADDRESS = 0x0001
    USERNAME = 0x0006
    MESSAGE_INTEGRITY = 0x0008
    ERROR_CODE = 0x0009
    UNKNOWN_ATTRIBUTES = 0x000A
    CHANNEL_NUMBER = 0x000C
    LIFETIME = 0x000D
    XOR_PEER_ADDRESS = 0x0012
    DATA = 0x0013
    REALM = 0x0014
    NONCE = 0x0015
    XOR_RELAYED_ADDRESS = 0x0016
    REQUESTED_ADDRESS_FAMILY = 0x0017
    EVEN_PORT = 0x0018
    REQUESTED_TRANSPORT = 0x0019
    DONT_FRAGMENT = 0x001A
    MESSAGE_INTEGRITY_SHA256 = 0x001C
    PASSWORD_ALGORITHM = 0x001D
    USERHASH = 0x001E
    XOR_MAPPED_ADDRESS = 0x0020
    RESERVATION_TOKEN = 0x0022
    PRIORITY = 0x0024
    USE_CANDIDATE = 0x0025
    CONNECTION_ID = 0x002A
    ADDITIONAL_ADDRESS_FAMILY = 0x8000
    ADDRESS_ERROR_CODE = 0x8001
    PASSWORD_ALGORITHMS = 0x8002
    ALTERNATE_DOMAIN = 0x8003
    ICMP = 0x8004
    SOFTWARE = 0x8022
    ALTERNATE_SERVER = 0x8023
    FINGERPRINT = 0x8028
    ICE_CONTROLLED = 0x8029
    ICE_CONTROLLING = 0x802A


def is_comprehension_required(attr_type: int) -> bool:
    """RFC 8489 §14: types below 0x8000 must be understood for the message to be processed."""
    return attr_type < COMPREHENSION_OPTIONAL_MIN


class KnownErrorCode(IntEnum):
    """Registered STUN error codes (RFC 8489 §14.8, RFC 8656 §19, RFC 6062 §6.3, RFC 8445 §16.2).

    ``KnownErrorCode.ROLE_CONFLICT.reason`` gives the registry's recommended reason phrase.
    """

    TRY_ALTERNATE = 300
    BAD_REQUEST = 400
    UNAUTHENTICATED = 401
    FORBIDDEN = 403
    UNKNOWN_ATTRIBUTE = 420
    ALLOCATION_MISMATCH = 437
    STALE_NONCE = 438
    ADDRESS_FAMILY_NOT_SUPPORTED = 440
    WRONG_CREDENTIALS = 441
    UNSUPPORTED_TRANSPORT_PROTOCOL = 442
    PEER_ADDRESS_FAMILY_MISMATCH = 443
    CONNECTION_ALREADY_EXISTS = 446
    CONNECTION_TIMEOUT_OR_FAILURE = 447
    ALLOCATION_QUOTA_REACHED = 486
    ROLE_CONFLICT = 487
    SERVER_ERROR = 500
    INSUFFICIENT_CAPACITY = 508

    @property
    def reason(self) -> str:
        """The recommended reason phrase from the IANA "STUN Error Codes" registry."""
        return _REASONS[self]


_REASONS: dict[KnownErrorCode, str] = {
    KnownErrorCode.TRY_ALTERNATE: "Try Alternate",
    KnownErrorCode.BAD_REQUEST: "Bad Request",
    KnownErrorCode.UNAUTHENTICATED: "Unauthenticated",
    KnownErrorCode.FORBIDDEN: "Forbidden",
    KnownErrorCode.UNKNOWN_ATTRIBUTE: "Unknown Attribute",
    KnownErrorCode.ALLOCATION_MISMATCH: "Allocation Mismatch",
    KnownErrorCode.STALE_NONCE: "Stale Nonce",
    KnownErrorCode.ADDRESS_FAMILY_NOT_SUPPORTED: "Address Family not Supported",
    KnownErrorCode.WRONG_CREDENTIALS: "Wrong Credentials",
    KnownErrorCode.UNSUPPORTED_TRANSPORT_PROTOCOL: "Unsupported Transport Protocol",
    KnownErrorCode.PEER_ADDRESS_FAMILY_MISMATCH: "Peer Address Family Mismatch",
    KnownErrorCode.CONNECTION_ALREADY_EXISTS: "Connection Already Exists",
    KnownErrorCode.CONNECTION_TIMEOUT_OR_FAILURE: "Connection Timeout or Failure",
    KnownErrorCode.ALLOCATION_QUOTA_REACHED: "Allocation Quota Reached",
    KnownErrorCode.ROLE_CONFLICT: "Role Conflict",
    KnownErrorCode.SERVER_ERROR: "Server Error",
    KnownErrorCode.INSUFFICIENT_CAPACITY: "Insufficient Capacity",
}
