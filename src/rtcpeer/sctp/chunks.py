"""The chunk codec: every chunk WebRTC data channels meet, as frozen dataclasses.

Layouts are RFC 9260 §3.3 (DATA, INIT, INIT ACK, SACK, HEARTBEAT, HEARTBEAT ACK, ABORT,
SHUTDOWN, SHUTDOWN ACK, ERROR, COOKIE ECHO, COOKIE ACK, SHUTDOWN COMPLETE), RFC 3758 §3.2
(FORWARD-TSN), RFC 6525 §3.1 (RE-CONFIG) and RFC 8260 §2 (I-DATA, I-FORWARD-TSN). A chunk of
any other type decodes to :class:`UnknownChunk`, which keeps its bytes so the association can
apply the §3.2 "upper two bits" rule and report it.

``encode()`` returns the chunk padded to a multiple of 4 bytes (§3.2). :func:`parse_chunks`
raises :class:`~rtcpeer.sctp.errors.SctpParseError` on any malformed framing or body.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from .constants import (
    CHUNK_HEADER_LENGTH,
    FLAG_BEGIN,
    FLAG_END,
    FLAG_IMMEDIATE,
    FLAG_T,
    FLAG_UNORDERED,
    ChunkType,
    ParamType,
)
from .errors import SctpEncodeError, SctpParseError
from .params import (
    Buffer,
    ErrorCause,
    Param,
    ReconfigParam,
    encode_tlv,
    pad4,
    parse_causes,
    parse_params,
    parse_reconfig_param,
    parse_tlvs,
)

CHUNK_HEADER = struct.Struct("!BBH")
#: DATA after the chunk header: TSN, stream identifier, SSN, payload protocol identifier.
DATA_FIELDS = struct.Struct("!IHHI")
#: A whole DATA chunk header, for writing straight into a packet buffer.
DATA_HEADER = struct.Struct("!BBHIHHI")
#: I-DATA after the chunk header: TSN, stream identifier, reserved, MID, PPID or FSN.
IDATA_FIELDS = struct.Struct("!IHHII")
#: A whole I-DATA chunk header, for writing straight into a packet buffer.
IDATA_HEADER = struct.Struct("!BBHIHHII")
_IDATA_FIELDS = IDATA_FIELDS
_INIT_FIELDS = struct.Struct("!IIHHI")
_SACK_FIELDS = struct.Struct("!IIHH")
_U32 = struct.Struct("!I")
_GAP = struct.Struct("!HH")
_FWD_STREAM = struct.Struct("!HH")
_IFWD_STREAM = struct.Struct("!HHI")


def _chunk(type_: int, flags: int, body: bytes) -> bytes:
    if not (0 <= type_ <= 0xFF and 0 <= flags <= 0xFF):
        raise SctpEncodeError(f"chunk type {type_} / flags {flags} do not fit in 8 bits")
    length = CHUNK_HEADER_LENGTH + len(body)
    if length > 0xFFFF:
        raise SctpEncodeError(f"chunk type {type_} of {length} bytes exceeds 65535")
    return CHUNK_HEADER.pack(type_, flags, length) + body + b"\x00" * (pad4(length) - length)


def _u32(name: str, value: int) -> None:
    if not 0 <= value <= 0xFFFFFFFF:
        raise SctpEncodeError(f"{name} {value} does not fit in 32 bits")


def _u16(name: str, value: int) -> None:
    if not 0 <= value <= 0xFFFF:
        raise SctpEncodeError(f"{name} {value} does not fit in 16 bits")


# ------------------------------------------------------------------------------ DATA


@dataclass(frozen=True, slots=True)
class DataChunk:
    """DATA (RFC 9260 §3.3.1). ``flags`` holds the U, B, E (and RFC 7053 I) bits."""

    TYPE: ClassVar[int] = ChunkType.DATA

    tsn: int
    stream_id: int
    ssn: int
    ppid: int
    user_data: bytes
    flags: int = FLAG_BEGIN | FLAG_END

    @property
    def begin(self) -> bool:
        return bool(self.flags & FLAG_BEGIN)

    @property
    def end(self) -> bool:
        return bool(self.flags & FLAG_END)

    @property
    def unordered(self) -> bool:
        return bool(self.flags & FLAG_UNORDERED)

    @property
    def immediate(self) -> bool:
        return bool(self.flags & FLAG_IMMEDIATE)

    def encode(self) -> bytes:
        _u32("TSN", self.tsn)
        _u16("stream identifier", self.stream_id)
        _u16("SSN", self.ssn)
        _u32("PPID", self.ppid)
        body = DATA_FIELDS.pack(self.tsn, self.stream_id, self.ssn, self.ppid) + self.user_data
        return _chunk(self.TYPE, self.flags & 0x0F, body)


@dataclass(frozen=True, slots=True)
class IDataChunk:
    """I-DATA (RFC 8260 §2.1): a Message Identifier instead of the SSN, and a Fragment
    Sequence Number that shares its field with the PPID (the PPID on the first fragment)."""

    TYPE: ClassVar[int] = ChunkType.I_DATA

    tsn: int
    stream_id: int
    mid: int
    fsn: int
    ppid: int
    user_data: bytes
    flags: int = FLAG_BEGIN | FLAG_END

    @property
    def begin(self) -> bool:
        return bool(self.flags & FLAG_BEGIN)

    @property
    def end(self) -> bool:
        return bool(self.flags & FLAG_END)

    @property
    def unordered(self) -> bool:
        return bool(self.flags & FLAG_UNORDERED)

    def encode(self) -> bytes:
        _u32("TSN", self.tsn)
        _u16("stream identifier", self.stream_id)
        _u32("MID", self.mid)
        if self.flags & FLAG_BEGIN:
            if self.fsn != 0:
                raise SctpEncodeError("the first fragment of an I-DATA message has FSN 0")
            field = self.ppid
        else:
            field = self.fsn
        _u32("PPID/FSN", field)
        body = _IDATA_FIELDS.pack(self.tsn, self.stream_id, 0, self.mid, field) + self.user_data
        return _chunk(self.TYPE, self.flags & 0x0F, body)


# ------------------------------------------------------------------------ INIT, INIT ACK


@dataclass(frozen=True, slots=True)
class _InitBase:
    TYPE: ClassVar[int]

    initiate_tag: int
    a_rwnd: int
    outbound_streams: int
    inbound_streams: int
    initial_tsn: int
    params: tuple[Param, ...] = ()

    def encode(self) -> bytes:
        _u32("initiate tag", self.initiate_tag)
        _u32("a_rwnd", self.a_rwnd)
        _u16("outbound streams", self.outbound_streams)
        _u16("inbound streams", self.inbound_streams)
        _u32("initial TSN", self.initial_tsn)
        fixed = _INIT_FIELDS.pack(
            self.initiate_tag,
            self.a_rwnd,
            self.outbound_streams,
            self.inbound_streams,
            self.initial_tsn,
        )
        return _chunk(self.TYPE, 0, fixed + b"".join(p.encode() for p in self.params))

    def param(self, type_: int) -> bytes | None:
        """The value of the first parameter of ``type_``, or ``None``."""
        for p in self.params:
            if p.type == type_:
                return p.value
        return None

    @property
    def supported_extensions(self) -> frozenset[int]:
        """Chunk types listed in Supported Extensions (RFC 5061 §4.2.7)."""
        value = self.param(ParamType.SUPPORTED_EXTENSIONS)
        return frozenset(value) if value is not None else frozenset()

    @property
    def forward_tsn_supported(self) -> bool:
        """Forward-TSN-Supported (RFC 3758 §3.1), or FORWARD-TSN among the extensions."""
        return (
            self.param(ParamType.FORWARD_TSN_SUPPORTED) is not None
            or ChunkType.FORWARD_TSN in self.supported_extensions
        )


@dataclass(frozen=True, slots=True)
class InitChunk(_InitBase):
    """INIT (RFC 9260 §3.3.2)."""

    TYPE: ClassVar[int] = ChunkType.INIT


@dataclass(frozen=True, slots=True)
class InitAckChunk(_InitBase):
    """INIT ACK (RFC 9260 §3.3.3); it carries the State Cookie parameter."""

    TYPE: ClassVar[int] = ChunkType.INIT_ACK

    @property
    def state_cookie(self) -> bytes | None:
        return self.param(ParamType.STATE_COOKIE)


def supported_extensions_param(types: list[int]) -> Param:
    """Supported Extensions parameter (RFC 5061 §4.2.7) listing chunk ``types``."""
    return Param(ParamType.SUPPORTED_EXTENSIONS, bytes(types))


# ------------------------------------------------------------------------------ SACK


@dataclass(frozen=True, slots=True)
class SackChunk:
    """SACK (RFC 9260 §3.3.4). Gap blocks are (start, end) offsets from the cumulative TSN."""

    TYPE: ClassVar[int] = ChunkType.SACK

    cumulative_tsn: int
    a_rwnd: int
    gaps: tuple[tuple[int, int], ...] = ()
    duplicates: tuple[int, ...] = ()

    def encode(self) -> bytes:
        return encode_sack(self.cumulative_tsn, self.a_rwnd, self.gaps, self.duplicates)


def encode_sack(
    cumulative_tsn: int,
    a_rwnd: int,
    gaps: tuple[tuple[int, int], ...] | list[tuple[int, int]],
    duplicates: tuple[int, ...] | list[int],
) -> bytes:
    """Encode a SACK straight from its fields (the association's hot path)."""
    _u32("cumulative TSN", cumulative_tsn)
    _u32("a_rwnd", a_rwnd)
    if len(gaps) > 0xFFFF or len(duplicates) > 0xFFFF:
        raise SctpEncodeError("too many gap blocks or duplicate TSNs")
    parts = [_SACK_FIELDS.pack(cumulative_tsn, a_rwnd, len(gaps), len(duplicates))]
    for start, end in gaps:
        _u16("gap start", start)
        _u16("gap end", end)
        parts.append(_GAP.pack(start, end))
    for dup in duplicates:
        _u32("duplicate TSN", dup)
        parts.append(_U32.pack(dup))
    return _chunk(ChunkType.SACK, 0, b"".join(parts))


# ----------------------------------------------------------------- HEARTBEAT (ACK)


@dataclass(frozen=True, slots=True)
class HeartbeatChunk:
    """HEARTBEAT (RFC 9260 §3.3.5): one Heartbeat Info parameter, opaque to the receiver."""

    TYPE: ClassVar[int] = ChunkType.HEARTBEAT

    info: bytes

    def encode(self) -> bytes:
        # The chunk pads its end itself (§3.2): the TLV's own padding would be counted in
        # the chunk length, and a 65531-byte info that parsed would not encode again.
        tlv = encode_tlv(ParamType.HEARTBEAT_INFO, self.info)[: 4 + len(self.info)]
        return _chunk(self.TYPE, 0, tlv)


@dataclass(frozen=True, slots=True)
class HeartbeatAckChunk:
    """HEARTBEAT ACK (RFC 9260 §3.3.6): the Heartbeat Info echoed back unchanged."""

    TYPE: ClassVar[int] = ChunkType.HEARTBEAT_ACK

    info: bytes

    def encode(self) -> bytes:
        # The chunk pads its end itself (§3.2): the TLV's own padding would be counted in
        # the chunk length, and a 65531-byte info that parsed would not encode again.
        tlv = encode_tlv(ParamType.HEARTBEAT_INFO, self.info)[: 4 + len(self.info)]
        return _chunk(self.TYPE, 0, tlv)


# ------------------------------------------------------------------ ABORT, ERROR, ...


@dataclass(frozen=True, slots=True)
class AbortChunk:
    """ABORT (RFC 9260 §3.3.7). ``reflected`` is the T bit: the packet carries the
    receiver's own tag because the sender had no TCB (§8.5.1)."""

    TYPE: ClassVar[int] = ChunkType.ABORT

    causes: tuple[ErrorCause, ...] = ()
    reflected: bool = False

    def encode(self) -> bytes:
        body = b"".join(c.encode() for c in self.causes)
        return _chunk(self.TYPE, FLAG_T if self.reflected else 0, body)


@dataclass(frozen=True, slots=True)
class ErrorChunk:
    """ERROR (RFC 9260 §3.3.10): error causes that do not end the association."""

    TYPE: ClassVar[int] = ChunkType.ERROR

    causes: tuple[ErrorCause, ...] = ()

    def encode(self) -> bytes:
        return _chunk(self.TYPE, 0, b"".join(c.encode() for c in self.causes))


@dataclass(frozen=True, slots=True)
class ShutdownChunk:
    """SHUTDOWN (RFC 9260 §3.3.8) with the sender's cumulative TSN ack."""

    TYPE: ClassVar[int] = ChunkType.SHUTDOWN

    cumulative_tsn: int

    def encode(self) -> bytes:
        _u32("cumulative TSN", self.cumulative_tsn)
        return _chunk(self.TYPE, 0, _U32.pack(self.cumulative_tsn))


@dataclass(frozen=True, slots=True)
class ShutdownAckChunk:
    """SHUTDOWN ACK (RFC 9260 §3.3.9)."""

    TYPE: ClassVar[int] = ChunkType.SHUTDOWN_ACK

    def encode(self) -> bytes:
        return _chunk(self.TYPE, 0, b"")


@dataclass(frozen=True, slots=True)
class ShutdownCompleteChunk:
    """SHUTDOWN COMPLETE (RFC 9260 §3.3.13); ``reflected`` is the T bit."""

    TYPE: ClassVar[int] = ChunkType.SHUTDOWN_COMPLETE

    reflected: bool = False

    def encode(self) -> bytes:
        return _chunk(self.TYPE, FLAG_T if self.reflected else 0, b"")


@dataclass(frozen=True, slots=True)
class CookieEchoChunk:
    """COOKIE ECHO (RFC 9260 §3.3.11): the State Cookie from the INIT ACK, verbatim."""

    TYPE: ClassVar[int] = ChunkType.COOKIE_ECHO

    cookie: bytes

    def encode(self) -> bytes:
        return _chunk(self.TYPE, 0, self.cookie)


@dataclass(frozen=True, slots=True)
class CookieAckChunk:
    """COOKIE ACK (RFC 9260 §3.3.12)."""

    TYPE: ClassVar[int] = ChunkType.COOKIE_ACK

    def encode(self) -> bytes:
        return _chunk(self.TYPE, 0, b"")


# ---------------------------------------------------------------- FORWARD-TSN (RFC 3758)


@dataclass(frozen=True, slots=True)
class ForwardTsnChunk:
    """FORWARD-TSN (RFC 3758 §3.2): a new cumulative TSN and, per ordered stream skipped,
    the last SSN skipped."""

    TYPE: ClassVar[int] = ChunkType.FORWARD_TSN

    new_cumulative_tsn: int
    streams: tuple[tuple[int, int], ...] = ()

    def encode(self) -> bytes:
        _u32("new cumulative TSN", self.new_cumulative_tsn)
        parts = [_U32.pack(self.new_cumulative_tsn)]
        for sid, ssn in self.streams:
            _u16("stream identifier", sid)
            _u16("SSN", ssn)
            parts.append(_FWD_STREAM.pack(sid, ssn))
        return _chunk(self.TYPE, 0, b"".join(parts))


@dataclass(frozen=True, slots=True)
class IForwardTsnChunk:
    """I-FORWARD-TSN (RFC 8260 §2.3.1): entries are (stream, unordered, MID)."""

    TYPE: ClassVar[int] = ChunkType.I_FORWARD_TSN

    new_cumulative_tsn: int
    streams: tuple[tuple[int, bool, int], ...] = ()

    def encode(self) -> bytes:
        _u32("new cumulative TSN", self.new_cumulative_tsn)
        parts = [_U32.pack(self.new_cumulative_tsn)]
        for sid, unordered, mid in self.streams:
            _u16("stream identifier", sid)
            _u32("MID", mid)
            parts.append(_IFWD_STREAM.pack(sid, 1 if unordered else 0, mid))
        return _chunk(self.TYPE, 0, b"".join(parts))


# -------------------------------------------------------------------- RE-CONFIG (RFC 6525)


@dataclass(frozen=True, slots=True)
class ReconfigChunk:
    """RE-CONFIG (RFC 6525 §3.1): one or two request / response parameters."""

    TYPE: ClassVar[int] = ChunkType.RE_CONFIG

    params: tuple[ReconfigParam, ...]

    def encode(self) -> bytes:
        return _chunk(self.TYPE, 0, b"".join(p.encode() for p in self.params))


# --------------------------------------------------------------------------- unknown


@dataclass(frozen=True, slots=True)
class UnknownChunk:
    """A chunk type this codec does not decode (§3.2: the upper two bits say what to do)."""

    type: int
    flags: int
    value: bytes

    def encode(self) -> bytes:
        return _chunk(self.type, self.flags, self.value)


Chunk = (
    DataChunk
    | IDataChunk
    | InitChunk
    | InitAckChunk
    | SackChunk
    | HeartbeatChunk
    | HeartbeatAckChunk
    | AbortChunk
    | ShutdownChunk
    | ShutdownAckChunk
    | ErrorChunk
    | CookieEchoChunk
    | CookieAckChunk
    | ShutdownCompleteChunk
    | ForwardTsnChunk
    | IForwardTsnChunk
    | ReconfigChunk
    | UnknownChunk
)


# --------------------------------------------------------------------------- decoding


def split_chunks(data: Buffer, offset: int = 0) -> list[tuple[int, int, int, int]]:
    """Frame the chunks from ``offset`` on: ``(type, flags, start, length)`` for each, where
    ``length`` is the chunk length field (header included, padding excluded).

    §3.2: every chunk is at least 4 bytes and must fit; padding of the last chunk may be cut.
    """
    out: list[tuple[int, int, int, int]] = []
    total = len(data)
    if offset >= total:
        raise SctpParseError("an SCTP packet needs at least one chunk")
    while offset < total:
        if total - offset < CHUNK_HEADER_LENGTH:
            raise SctpParseError(f"truncated chunk header at offset {offset}")
        type_, flags, length = CHUNK_HEADER.unpack_from(data, offset)
        if length < CHUNK_HEADER_LENGTH:
            raise SctpParseError(f"chunk type {type_} has length {length} < 4")
        if offset + length > total:
            raise SctpParseError(f"chunk type {type_} of length {length} runs past the packet")
        out.append((type_, flags, offset, length))
        offset += pad4(length)
    return out


def parse_chunks(data: Buffer, offset: int = 0) -> list[Chunk]:
    """Decode every chunk from ``offset`` on (see :func:`split_chunks`)."""
    return [
        parse_chunk(type_, flags, data[start + CHUNK_HEADER_LENGTH : start + length])
        for type_, flags, start, length in split_chunks(data, offset)
    ]


def parse_chunk(type_: int, flags: int, value: Buffer) -> Chunk:
    """Decode one chunk from its type, flags and value (the bytes after the chunk header)."""
    parser = _PARSERS.get(type_)
    if parser is None:
        return UnknownChunk(type_, flags, bytes(value))
    return parser(flags, value)


def _need(value: Buffer, n: int, what: str, exact: bool = False) -> None:
    if len(value) < n or (exact and len(value) != n):
        rule = "exactly" if exact else "at least"
        raise SctpParseError(f"{what} chunk body of {len(value)} bytes, need {rule} {n}")


def _parse_data(flags: int, value: Buffer) -> DataChunk:
    _need(value, 12, "DATA")
    tsn, sid, ssn, ppid = DATA_FIELDS.unpack_from(value)
    return DataChunk(tsn, sid, ssn, ppid, bytes(value[12:]), flags & 0x0F)


def _parse_idata(flags: int, value: Buffer) -> IDataChunk:
    _need(value, 16, "I-DATA")
    tsn, sid, _reserved, mid, field = _IDATA_FIELDS.unpack_from(value)
    if flags & FLAG_BEGIN:
        return IDataChunk(tsn, sid, mid, 0, field, bytes(value[16:]), flags & 0x0F)
    return IDataChunk(tsn, sid, mid, field, 0, bytes(value[16:]), flags & 0x0F)


def _parse_init(flags: int, value: Buffer) -> InitChunk:
    _need(value, 16, "INIT")
    tag, rwnd, os_, mis, tsn = _INIT_FIELDS.unpack_from(value)
    return InitChunk(tag, rwnd, os_, mis, tsn, parse_params(value[16:]))


def _parse_init_ack(flags: int, value: Buffer) -> InitAckChunk:
    _need(value, 16, "INIT ACK")
    tag, rwnd, os_, mis, tsn = _INIT_FIELDS.unpack_from(value)
    return InitAckChunk(tag, rwnd, os_, mis, tsn, parse_params(value[16:]))


def parse_sack(value: Buffer) -> SackChunk:
    """Decode a SACK body; the gap and duplicate counts must account for every byte."""
    _need(value, 12, "SACK")
    cum, a_rwnd, ngaps, ndups = _SACK_FIELDS.unpack_from(value)
    if len(value) != 12 + 4 * ngaps + 4 * ndups:
        raise SctpParseError(
            f"SACK of {len(value)} bytes does not hold {ngaps} gap blocks and {ndups} duplicates"
        )
    gaps = tuple(_GAP.iter_unpack(value[12 : 12 + 4 * ngaps]))
    dups = tuple(d for (d,) in _U32.iter_unpack(value[12 + 4 * ngaps :]))
    return SackChunk(cum, a_rwnd, gaps, dups)


def _parse_sack(flags: int, value: Buffer) -> SackChunk:
    return parse_sack(value)


def _heartbeat_info(value: Buffer, what: str) -> bytes:
    for type_, v in parse_tlvs(value):
        if type_ == ParamType.HEARTBEAT_INFO:
            return v
    raise SctpParseError(f"{what} without a Heartbeat Info parameter")


def _parse_heartbeat(flags: int, value: Buffer) -> HeartbeatChunk:
    return HeartbeatChunk(_heartbeat_info(value, "HEARTBEAT"))


def _parse_heartbeat_ack(flags: int, value: Buffer) -> HeartbeatAckChunk:
    return HeartbeatAckChunk(_heartbeat_info(value, "HEARTBEAT ACK"))


def _parse_abort(flags: int, value: Buffer) -> AbortChunk:
    return AbortChunk(parse_causes(value), bool(flags & FLAG_T))


def _parse_error(flags: int, value: Buffer) -> ErrorChunk:
    return ErrorChunk(parse_causes(value))


def _parse_shutdown(flags: int, value: Buffer) -> ShutdownChunk:
    _need(value, 4, "SHUTDOWN", exact=True)
    return ShutdownChunk(_U32.unpack_from(value)[0])


def _parse_shutdown_ack(flags: int, value: Buffer) -> ShutdownAckChunk:
    _need(value, 0, "SHUTDOWN ACK", exact=True)
    return ShutdownAckChunk()


def _parse_shutdown_complete(flags: int, value: Buffer) -> ShutdownCompleteChunk:
    _need(value, 0, "SHUTDOWN COMPLETE", exact=True)
    return ShutdownCompleteChunk(bool(flags & FLAG_T))


def _parse_cookie_echo(flags: int, value: Buffer) -> CookieEchoChunk:
    return CookieEchoChunk(bytes(value))


def _parse_cookie_ack(flags: int, value: Buffer) -> CookieAckChunk:
    _need(value, 0, "COOKIE ACK", exact=True)
    return CookieAckChunk()


def _parse_forward_tsn(flags: int, value: Buffer) -> ForwardTsnChunk:
    _need(value, 4, "FORWARD-TSN")
    if len(value) % 4:
        raise SctpParseError(f"FORWARD-TSN body of {len(value)} bytes is not 4 + 4n")
    (cum,) = _U32.unpack_from(value)
    streams = tuple(_FWD_STREAM.iter_unpack(value[4:]))
    return ForwardTsnChunk(cum, streams)


def _parse_iforward_tsn(flags: int, value: Buffer) -> IForwardTsnChunk:
    _need(value, 4, "I-FORWARD-TSN")
    if (len(value) - 4) % 8:
        raise SctpParseError(f"I-FORWARD-TSN body of {len(value)} bytes is not 4 + 8n")
    (cum,) = _U32.unpack_from(value)
    streams = tuple((sid, bool(f & 1), mid) for sid, f, mid in _IFWD_STREAM.iter_unpack(value[4:]))
    return IForwardTsnChunk(cum, streams)


def _parse_reconfig(flags: int, value: Buffer) -> ReconfigChunk:
    params = tuple(parse_reconfig_param(t, v) for t, v in parse_tlvs(value))
    if not 1 <= len(params) <= 2:
        raise SctpParseError(f"RE-CONFIG with {len(params)} parameters, need 1 or 2")
    return ReconfigChunk(params)


_PARSERS: dict[int, Callable[[int, Buffer], Chunk]] = {
    ChunkType.DATA: _parse_data,
    ChunkType.I_DATA: _parse_idata,
    ChunkType.INIT: _parse_init,
    ChunkType.INIT_ACK: _parse_init_ack,
    ChunkType.SACK: _parse_sack,
    ChunkType.HEARTBEAT: _parse_heartbeat,
    ChunkType.HEARTBEAT_ACK: _parse_heartbeat_ack,
    ChunkType.ABORT: _parse_abort,
    ChunkType.ERROR: _parse_error,
    ChunkType.SHUTDOWN: _parse_shutdown,
    ChunkType.SHUTDOWN_ACK: _parse_shutdown_ack,
    ChunkType.SHUTDOWN_COMPLETE: _parse_shutdown_complete,
    ChunkType.COOKIE_ECHO: _parse_cookie_echo,
    ChunkType.COOKIE_ACK: _parse_cookie_ack,
    ChunkType.FORWARD_TSN: _parse_forward_tsn,
    ChunkType.I_FORWARD_TSN: _parse_iforward_tsn,
    ChunkType.RE_CONFIG: _parse_reconfig,
}
