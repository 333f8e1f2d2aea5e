"""Registered numbers of SCTP: chunk types, parameter types and error causes.

Chunk types and flags are RFC 9260 §3.2 and §3.3, plus RFC 3758 (FORWARD-TSN), RFC 6525
(RE-CONFIG), RFC 8260 (I-DATA, I-FORWARD-TSN) and RFC 4820 (PAD). Parameter types are
RFC 9260 §3.3.2.1 and RFC 6525 §4; error causes RFC 9260 §3.3.10.
"""

from __future__ import annotations

from enum import IntEnum

#: The UDP-like port both WebRTC endpoints use unless SDP says otherwise (RFC 8841 §5).
DEFAULT_PORT = 5000
#: The common header: source port, destination port, verification tag, checksum (§3.1).
COMMON_HEADER_LENGTH = 12
#: A chunk's type, flags and length (§3.2).
CHUNK_HEADER_LENGTH = 4
#: DATA chunk header including the chunk header (§3.3.1).
DATA_HEADER_LENGTH = 16
#: I-DATA chunk header including the chunk header (RFC 8260 §2.1).
IDATA_HEADER_LENGTH = 20


class ChunkType(IntEnum):
    """Chunk types (RFC 9260 §3.2 and the extensions above)."""

    DATA = 0
    INIT = 1
    INIT_ACK = 2
    SACK = 3
    HEARTBEAT = 4
    HEARTBEAT_ACK = 5
    ABORT = 6
    SHUTDOWN = 7
    SHUTDOWN_ACK = 8
    ERROR = 9
    COOKIE_ECHO = 10
    COOKIE_ACK = 11
    ECNE = 12
    CWR = 13
    SHUTDOWN_COMPLETE = 14
    AUTH = 15
    I_DATA = 64
    RE_CONFIG = 130
    PAD = 132
    FORWARD_TSN = 192
    I_FORWARD_TSN = 194


class ParamType(IntEnum):
    """Variable-length parameters of INIT, INIT ACK and RE-CONFIG (§3.3.2.1, RFC 6525 §4)."""

    HEARTBEAT_INFO = 1
    IPV4_ADDRESS = 5
    IPV6_ADDRESS = 6
    STATE_COOKIE = 7
    UNRECOGNIZED_PARAMETER = 8
    COOKIE_PRESERVATIVE = 9
    HOST_NAME_ADDRESS = 11
    SUPPORTED_ADDRESS_TYPES = 12
    OUTGOING_SSN_RESET_REQUEST = 13
    INCOMING_SSN_RESET_REQUEST = 14
    SSN_TSN_RESET_REQUEST = 15
    RECONFIG_RESPONSE = 16
    ADD_OUTGOING_STREAMS_REQUEST = 17
    ADD_INCOMING_STREAMS_REQUEST = 18
    ECN_CAPABLE = 0x8000
    ZERO_CHECKSUM_ACCEPTABLE = 0x8001
    RANDOM = 0x8002
    CHUNK_LIST = 0x8003
    HMAC_ALGORITHM = 0x8004
    PADDING = 0x8005
    SUPPORTED_EXTENSIONS = 0x8008
    FORWARD_TSN_SUPPORTED = 0xC000


class CauseCode(IntEnum):
    """Error causes carried by ERROR and ABORT (§3.3.10)."""

    INVALID_STREAM_IDENTIFIER = 1
    MISSING_MANDATORY_PARAMETER = 2
    STALE_COOKIE = 3
    OUT_OF_RESOURCE = 4
    UNRESOLVABLE_ADDRESS = 5
    UNRECOGNIZED_CHUNK_TYPE = 6
    INVALID_MANDATORY_PARAMETER = 7
    UNRECOGNIZED_PARAMETERS = 8
    NO_USER_DATA = 9
    COOKIE_WHILE_SHUTTING_DOWN = 10
    RESTART_WITH_NEW_ADDRESSES = 11
    USER_INITIATED_ABORT = 12
    PROTOCOL_VIOLATION = 13


class ReconfigResult(IntEnum):
    """Result of a Re-configuration Response Parameter (RFC 6525 §4.4)."""

    SUCCESS_NOTHING_TO_DO = 0
    SUCCESS_PERFORMED = 1
    DENIED = 2
    ERROR_WRONG_SSN = 3
    ERROR_REQUEST_ALREADY_IN_PROGRESS = 4
    ERROR_BAD_SEQUENCE_NUMBER = 5
    IN_PROGRESS = 6


# DATA / I-DATA chunk flags (§3.3.1, RFC 7053 for I).
FLAG_END = 0x01
FLAG_BEGIN = 0x02
FLAG_UNORDERED = 0x04
FLAG_IMMEDIATE = 0x08
# ABORT and SHUTDOWN COMPLETE: the T bit (§3.3.7, §3.3.13).
FLAG_T = 0x01
