"""STUN (RFC 8489), sans-IO: message codec, credentials and client-transaction timers.

Also covers the attributes ICE (RFC 8445) and TURN (RFC 8656, RFC 6062) add to STUN.
Nothing here touches sockets or clocks: time comes in as ``now`` (seconds), randomness is
injected by the caller.
"""

from .addresses import FAMILY_IPV4, FAMILY_IPV6
from .attributes import KNOWN_ATTRIBUTES
from .constants import (
    FINGERPRINT_XOR,
    HEADER_LENGTH,
    MAGIC_COOKIE,
    PASSWORD_ALGORITHM_MD5,
    PASSWORD_ALGORITHM_SHA256,
    TRANSACTION_ID_LENGTH,
    AttrType,
    KnownErrorCode,
    MessageClass,
    Method,
    is_comprehension_required,
)
from .credentials import long_term_key, opaque_string, saslprep, short_term_key, userhash
from .errors import (
    StunAttributeError,
    StunCredentialError,
    StunEncodeError,
    StunError,
    StunFingerprintError,
    StunParseError,
)
from .header import is_stun, message_type, split_message_type
from .message import StunMessage, new_transaction_id, parse_message
from .transaction import ClientTransaction, TransactionTimer
from .values import Address, ErrorCode, PasswordAlgorithm

__all__ = [
    "FAMILY_IPV4",
    "FAMILY_IPV6",
    "FINGERPRINT_XOR",
    "HEADER_LENGTH",
    "KNOWN_ATTRIBUTES",
    "MAGIC_COOKIE",
    "PASSWORD_ALGORITHM_MD5",
    "PASSWORD_ALGORITHM_SHA256",
    "TRANSACTION_ID_LENGTH",
    "Address",
    "AttrType",
    "ClientTransaction",
    "ErrorCode",
    "KnownErrorCode",
    "MessageClass",
    "Method",
    "PasswordAlgorithm",
    "StunAttributeError",
    "StunCredentialError",
    "StunEncodeError",
    "StunError",
    "StunFingerprintError",
    "StunMessage",
    "StunParseError",
    "TransactionTimer",
    "is_comprehension_required",
    "is_stun",
    "long_term_key",
    "message_type",
    "new_transaction_id",
    "opaque_string",
    "parse_message",
    "saslprep",
    "short_term_key",
    "split_message_type",
    "userhash",
]
