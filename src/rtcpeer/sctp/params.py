"""Type-length-value parameters and error causes.

Parameters (RFC 9260 §3.2.1) and error causes (§3.3.10) share one layout: a 16-bit type or
cause code, a 16-bit length counting the 4-byte header and the value but not the padding, the
value, and zero padding to a multiple of 4. The padding of the last TLV in a chunk may be
missing (§3.2: the chunk length does not count the final padding), so the parser tolerates it.

RE-CONFIG's parameters (RFC 6525 §4) are decoded into the typed classes below; INIT and
INIT ACK parameters stay generic :class:`Param` values with helpers in
:mod:`rtcpeer.sctp.chunks`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .constants import CauseCode, ParamType, ReconfigResult
from .errors import SctpEncodeError, SctpParseError

_TL = struct.Struct("!HH")
_U32 = struct.Struct("!I")
_U16 = struct.Struct("!H")
_OUT_RESET = struct.Struct("!III")
_RESPONSE = struct.Struct("!II")
_RESPONSE_TSNS = struct.Struct("!IIII")
_ADD_STREAMS = struct.Struct("!IHH")

Buffer = bytes | bytearray | memoryview


def pad4(n: int) -> int:
    """``n`` rounded up to a multiple of 4 (§3.2 padding)."""
    return (n + 3) & ~3


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter whose value this codec keeps as bytes (type as on the wire)."""

    type: int
    value: bytes

    def encode(self) -> bytes:
        return encode_tlv(self.type, self.value)


@dataclass(frozen=True, slots=True)
class ErrorCause:
    """One error cause of an ERROR or ABORT chunk (§3.3.10); ``info`` is the cause-specific
    information, kept as bytes. :func:`describe_cause` renders it for people."""

    code: int
    info: bytes = b""

    def encode(self) -> bytes:
        return encode_tlv(self.code, self.info)


def encode_tlv(type_: int, value: bytes) -> bytes:
    """One TLV with its padding (§3.2.1)."""
    length = 4 + len(value)
    if not 0 <= type_ <= 0xFFFF:
        raise SctpEncodeError(f"TLV type {type_} does not fit in 16 bits")
    if length > 0xFFFF:
        raise SctpEncodeError(f"TLV value of {len(value)} bytes is too long")
    return _TL.pack(type_, length) + value + b"\x00" * (pad4(length) - length)


def parse_tlvs(data: Buffer, what: str = "parameter") -> list[tuple[int, bytes]]:
    """Split ``data`` into ``(type, value)`` pairs; raises :class:`SctpParseError` on bad
    framing (a length below 4 or running past the end)."""
    out: list[tuple[int, bytes]] = []
    total = len(data)
    offset = 0
    while offset < total:
        if total - offset < 4:
            raise SctpParseError(f"truncated {what} header at offset {offset}")
        type_, length = _TL.unpack_from(data, offset)
        if length < 4:
            raise SctpParseError(f"{what} {type_:#x} has length {length} < 4")
        if offset + length > total:
            raise SctpParseError(f"{what} {type_:#x} of length {length} runs past the chunk end")
        out.append((type_, bytes(data[offset + 4 : offset + length])))
        offset += pad4(length)
    return out


def parse_params(data: Buffer) -> tuple[Param, ...]:
    """Parameters of INIT / INIT ACK / HEARTBEAT (§3.2.1)."""
    return tuple(Param(t, v) for t, v in parse_tlvs(data, "parameter"))


def parse_causes(data: Buffer) -> tuple[ErrorCause, ...]:
    """Error causes of an ERROR or ABORT chunk (§3.3.10)."""
    return tuple(ErrorCause(t, v) for t, v in parse_tlvs(data, "error cause"))


# ---------------------------------------------------------------------------- error causes


def invalid_stream_cause(stream_id: int) -> ErrorCause:
    """§3.3.10.1: Invalid Stream Identifier (the stream and 16 reserved bits)."""
    return ErrorCause(CauseCode.INVALID_STREAM_IDENTIFIER, _U16.pack(stream_id) + b"\x00\x00")


def stale_cookie_cause(staleness: float) -> ErrorCause:
    """§3.3.10.3: Stale Cookie, with the measure of staleness in microseconds."""
    usec = min(max(int(staleness * 1e6), 0), 0xFFFFFFFF)
    return ErrorCause(CauseCode.STALE_COOKIE, _U32.pack(usec))


def unrecognized_chunk_cause(chunk: bytes) -> ErrorCause:
    """§3.3.10.6: Unrecognized Chunk Type, carrying the chunk as received."""
    return ErrorCause(CauseCode.UNRECOGNIZED_CHUNK_TYPE, chunk[: 0xFFFF - 4])


def no_user_data_cause(tsn: int) -> ErrorCause:
    """§3.3.10.9: No User Data, naming the empty DATA chunk's TSN."""
    return ErrorCause(CauseCode.NO_USER_DATA, _U32.pack(tsn & 0xFFFFFFFF))


def user_abort_cause(reason: str) -> ErrorCause:
    """§3.3.10.12: User-Initiated Abort with the upper layer's reason."""
    return ErrorCause(CauseCode.USER_INITIATED_ABORT, reason.encode()[:1000])


def protocol_violation_cause(text: str) -> ErrorCause:
    """§3.3.10.13: Protocol Violation with additional information."""
    return ErrorCause(CauseCode.PROTOCOL_VIOLATION, text.encode()[:1000])


def describe_cause(cause: ErrorCause) -> str:
    """A one-line human description of an error cause."""
    try:
        name = CauseCode(cause.code).name.lower().replace("_", " ")
    except ValueError:
        name = f"cause {cause.code}"
    info = cause.info
    if cause.code in (CauseCode.USER_INITIATED_ABORT, CauseCode.PROTOCOL_VIOLATION) and info:
        return f"{name}: {info.decode('utf-8', 'replace')}"
    if cause.code == CauseCode.STALE_COOKIE and len(info) == 4:
        return f"{name} ({_U32.unpack(info)[0]} us)"
    if cause.code == CauseCode.INVALID_STREAM_IDENTIFIER and len(info) >= 2:
        return f"{name} {_U16.unpack_from(info)[0]}"
    return name


# ------------------------------------------------------------------ RE-CONFIG parameters


@dataclass(frozen=True, slots=True)
class OutgoingResetRequest:
    """Outgoing SSN Reset Request (RFC 6525 §4.1); no streams means all streams."""

    request_seq: int
    response_seq: int
    last_tsn: int
    streams: tuple[int, ...] = ()

    def encode(self) -> bytes:
        body = _OUT_RESET.pack(self.request_seq, self.response_seq, self.last_tsn)
        return encode_tlv(ParamType.OUTGOING_SSN_RESET_REQUEST, body + _streams(self.streams))


@dataclass(frozen=True, slots=True)
class IncomingResetRequest:
    """Incoming SSN Reset Request (RFC 6525 §4.2)."""

    request_seq: int
    streams: tuple[int, ...] = ()

    def encode(self) -> bytes:
        body = _U32.pack(self.request_seq) + _streams(self.streams)
        return encode_tlv(ParamType.INCOMING_SSN_RESET_REQUEST, body)


@dataclass(frozen=True, slots=True)
class TsnResetRequest:
    """SSN/TSN Reset Request (RFC 6525 §4.3)."""

    request_seq: int

    def encode(self) -> bytes:
        return encode_tlv(ParamType.SSN_TSN_RESET_REQUEST, _U32.pack(self.request_seq))


@dataclass(frozen=True, slots=True)
class ReconfigResponse:
    """Re-configuration Response (RFC 6525 §4.4); the two TSNs only answer a TSN reset."""

    response_seq: int
    result: int
    sender_next_tsn: int | None = None
    receiver_next_tsn: int | None = None

    def encode(self) -> bytes:
        if self.sender_next_tsn is None or self.receiver_next_tsn is None:
            body = _RESPONSE.pack(self.response_seq, self.result)
        else:
            body = _RESPONSE_TSNS.pack(
                self.response_seq, self.result, self.sender_next_tsn, self.receiver_next_tsn
            )
        return encode_tlv(ParamType.RECONFIG_RESPONSE, body)


@dataclass(frozen=True, slots=True)
class AddStreamsRequest:
    """Add Outgoing / Incoming Streams Request (RFC 6525 §4.5, §4.6)."""

    request_seq: int
    new_streams: int
    incoming: bool = False

    def encode(self) -> bytes:
        t = (
            ParamType.ADD_INCOMING_STREAMS_REQUEST
            if self.incoming
            else ParamType.ADD_OUTGOING_STREAMS_REQUEST
        )
        return encode_tlv(t, _ADD_STREAMS.pack(self.request_seq, self.new_streams, 0))


ReconfigParam = (
    OutgoingResetRequest
    | IncomingResetRequest
    | TsnResetRequest
    | ReconfigResponse
    | AddStreamsRequest
    | Param
)


def _streams(streams: tuple[int, ...]) -> bytes:
    for s in streams:
        if not 0 <= s <= 0xFFFF:
            raise SctpEncodeError(f"stream identifier {s} does not fit in 16 bits")
    return struct.pack(f"!{len(streams)}H", *streams)


def _parse_streams(value: bytes, offset: int, what: str) -> tuple[int, ...]:
    rest = len(value) - offset
    if rest % 2:
        raise SctpParseError(f"{what}: stream list of odd length {rest}")
    return struct.unpack_from(f"!{rest // 2}H", value, offset)


def parse_reconfig_param(type_: int, value: bytes) -> ReconfigParam:
    """Decode one RE-CONFIG parameter (RFC 6525 §4); unknown types stay :class:`Param`."""
    n = len(value)
    if type_ == ParamType.OUTGOING_SSN_RESET_REQUEST:
        if n < 12:
            raise SctpParseError(f"Outgoing SSN Reset Request of {n} bytes, need 12")
        req, resp, last = _OUT_RESET.unpack_from(value)
        return OutgoingResetRequest(req, resp, last, _parse_streams(value, 12, "outgoing reset"))
    if type_ == ParamType.INCOMING_SSN_RESET_REQUEST:
        if n < 4:
            raise SctpParseError(f"Incoming SSN Reset Request of {n} bytes, need 4")
        (req,) = _U32.unpack_from(value)
        return IncomingResetRequest(req, _parse_streams(value, 4, "incoming reset"))
    if type_ == ParamType.SSN_TSN_RESET_REQUEST:
        if n != 4:
            raise SctpParseError(f"SSN/TSN Reset Request of {n} bytes, need 4")
        return TsnResetRequest(_U32.unpack(value)[0])
    if type_ == ParamType.RECONFIG_RESPONSE:
        if n == 8:
            seq, result = _RESPONSE.unpack(value)
            return ReconfigResponse(seq, result)
        if n == 16:
            seq, result, snd, rcv = _RESPONSE_TSNS.unpack(value)
            return ReconfigResponse(seq, result, snd, rcv)
        raise SctpParseError(f"Re-configuration Response of {n} bytes, need 8 or 16")
    if type_ in (ParamType.ADD_OUTGOING_STREAMS_REQUEST, ParamType.ADD_INCOMING_STREAMS_REQUEST):
        if n != 8:
            raise SctpParseError(f"Add Streams Request of {n} bytes, need 8")
        req, count, _ = _ADD_STREAMS.unpack(value)
        return AddStreamsRequest(req, count, type_ == ParamType.ADD_INCOMING_STREAMS_REQUEST)
    return Param(type_, value)


def reconfig_result_name(result: int) -> str:
    try:
        return ReconfigResult(result).name
    except ValueError:
        return f"result {result}"
