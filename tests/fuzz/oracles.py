"""The fuzzing oracle, shared by the hypothesis tests (``tests/fuzz``) and the atheris
targets (``fuzz/``): hand a parser anything and it either returns a value or raises the
typed exception its module documents. Anything else escaping — ``IndexError``,
``struct.error``, ``UnicodeDecodeError``, a ``ValueError`` of another type, ``TypeError``,
``RecursionError``, an ``AssertionError`` from the round-trip checks below — is a bug.

Each ``check_*`` function takes raw fuzz input, returns the parsed value (or ``None`` when
the parser refused it with its typed error) and lets every other exception through. Where
the parser accepted the input the checks go further, as a user of the value would:

* every typed view of the value works (a parsed value never raises on inspection);
* where an encoder exists, the value is a fixpoint: ``parse(encode(v)) == v``.

The documented exceptions, by parser:

======================================  ====================================================
``rtcpeer.stun.parse_message``          :class:`~rtcpeer.stun.StunError` (stun/errors.py)
``rtcpeer.ice.Candidate.from_sdp``      :class:`~rtcpeer.ice.candidate.CandidateParseError`
``rtcpeer.sdp.parse_sdp``               :class:`~rtcpeer.sdp.SdpSyntaxError`
``rtcpeer.sdp.validate_description``    :class:`~rtcpeer.sdp.SdpError` (attribute/validation)
``rtcpeer.sctp.parse_packet`` / chunks  :class:`~rtcpeer.sctp.SctpParseError`
``rtcpeer.pc.dcep.parse_dcep``          :class:`~rtcpeer.pc.dcep.DcepError`
``rtcpeer.mdns.parse_message``          :class:`~rtcpeer.mdns.DnsError`
``rtcpeer.turn.decode_channel_data``    :class:`~rtcpeer.turn.ChannelDataError`
``rtcpeer.turn.StreamFramer.feed``      never raises (junk is skipped and counted)
``TurnClient.handle_*``                 never raises (drops are counted in ``stats``)
======================================  ====================================================

The bugs these oracles found are fixed; their reproducers live in ``test_regressions.py``.
"""

from __future__ import annotations

import contextlib
import pickle
import struct
import zlib
from collections.abc import Callable
from functools import cache, partial

from rtcpeer.ice.candidate import (
    AddressKind,
    Candidate,
    CandidateParseError,
    address_kind,
    canonical_address,
    host_address_exclusion,
)
from rtcpeer.mdns import DnsError, Message, Question, Record, build_response, canonical_name
from rtcpeer.mdns import parse_message as parse_dns
from rtcpeer.pc.dcep import DataChannelOpen, DcepError, parse_dcep
from rtcpeer.sctp import (
    AbortChunk,
    ErrorChunk,
    InitAckChunk,
    InitChunk,
    Packet,
    ReconfigChunk,
    ReconfigResponse,
    SctpParseError,
    encode_packet,
    parse_chunks,
    parse_packet,
)
from rtcpeer.sctp.packet import checksum_ok
from rtcpeer.sctp.params import describe_cause, reconfig_result_name
from rtcpeer.sdp import (
    MediaDescription,
    SdpAttributeError,
    SdpError,
    SdpSyntaxError,
    SdpValidationError,
    SessionDescription,
    description_problems,
    parse_sdp,
    validate_description,
)
from rtcpeer.stun import AttrType, StunError, StunMessage, is_stun
from rtcpeer.stun import parse_message as parse_stun
from rtcpeer.turn import (
    ChannelDataError,
    FrameKind,
    StreamFramer,
    TurnClient,
    TurnState,
    decode_channel_data,
    encode_channel_data,
    is_valid_channel,
)
from rtcpeer.turn.channeldata import padded_length

__all__ = [
    "TARGETS",
    "TURN_PEER",
    "check_address",
    "check_candidate",
    "check_channel_data",
    "check_dcep",
    "check_framer",
    "check_mdns",
    "check_sctp",
    "check_sdp",
    "check_stun",
    "check_turn",
    "check_turn_client",
    "fix_sctp_checksum",
    "fix_stun",
    "turn_client",
]

# --------------------------------------------------------------------------------- STUN

_TRAILERS = frozenset(
    {AttrType.MESSAGE_INTEGRITY, AttrType.MESSAGE_INTEGRITY_SHA256, AttrType.FINGERPRINT}
)
_STUN_VIEWS = (
    "username",
    "realm",
    "nonce",
    "software",
    "userhash",
    "priority",
    "lifetime",
    "channel_number",
    "requested_transport",
    "ice_controlling",
    "ice_controlled",
    "use_candidate",
    "xor_mapped_address",
    "mapped_address",
    "xor_peer_address",
    "xor_relayed_address",
    "alternate_server",
    "error_code",
    "data",
    "unknown_attributes",
    "has_integrity",
    "has_fingerprint",
    "unknown_comprehension_required",
)


def _without_trailers(message: StunMessage) -> dict[int, object]:
    return {k: v for k, v in message.attributes.items() if k not in _TRAILERS}


def check_stun(data: bytes) -> StunMessage | None:
    """``parse_message``: a :class:`StunMessage` or :class:`StunError`, nothing else."""
    try:
        message = parse_stun(data)
    except StunError:
        return None
    assert message.raw == bytes(data)
    for view in _STUN_VIEWS:
        getattr(message, view)  # typed getters raise TypeError on a value of the wrong type
    for attr in list(message.attributes):
        message.get_all(attr)
    assert isinstance(message.verify_integrity(b"fuzz-key"), bool)
    # Fixpoint: what was parsed re-encodes (without the trailers, which the encoder computes
    # itself) to a message that parses to the same attributes.
    again = parse_stun(message.encode())
    assert (again.method, again.message_class, again.transaction_id) == (
        message.method,
        message.message_class,
        message.transaction_id,
    )
    assert _without_trailers(again) == _without_trailers(message)
    assert again.repeated_attributes == message.repeated_attributes
    if len(data) <= 0xFFFF - 32:  # room for MESSAGE-INTEGRITY and FINGERPRINT
        again_signed = parse_stun(message.encode(b"key", fingerprint=True))
        assert again_signed.verify_integrity(b"key")
    return message


def fix_stun(data: bytes) -> bytes:
    """Make a mutated STUN message pass the framing checks that would hide deeper bugs:
    the header length is set to the real length (when the header is there) and a trailing
    FINGERPRINT attribute is recomputed (RFC 8489 §14.7)."""
    if len(data) < 20:
        return data
    out = bytearray(data)
    struct.pack_into("!H", out, 2, (len(out) - 20) & 0xFFFF)
    if len(out) >= 28 and out[-8:-6] == b"\x80\x28" and out[-6:-4] == b"\x00\x04":
        crc = (zlib.crc32(bytes(out[:-8])) ^ 0x5354554E) & 0xFFFFFFFF
        struct.pack_into("!I", out, len(out) - 4, crc)
    return bytes(out)


# ---------------------------------------------------------------------------- candidates


def check_address(text: str) -> AddressKind | None:
    """``address_kind`` / ``canonical_address`` / ``host_address_exclusion``: a value or
    :class:`CandidateParseError`."""
    try:
        kind = address_kind(text)
    except CandidateParseError:
        return None
    canonical = canonical_address(text)
    assert address_kind(canonical) is kind
    assert canonical_address(canonical) == canonical
    if kind in (AddressKind.IPV4, AddressKind.IPV6):
        for ipv6_only in (False, True):
            reason = host_address_exclusion(text, ipv6_only=ipv6_only, temporary_ipv6=True)
            assert reason is None or isinstance(reason, str)
    return kind


def check_candidate(text: str) -> Candidate | None:
    """``Candidate.from_sdp``: a :class:`Candidate` or :class:`CandidateParseError`; a
    parsed candidate writes back to text that parses to the same candidate."""
    try:
        candidate = Candidate.from_sdp(text)
    except CandidateParseError:
        return None
    sdp = candidate.to_sdp()
    again = Candidate.from_sdp(sdp)
    assert again == candidate, (sdp, again, candidate)
    assert again.to_sdp() == sdp
    for view in (candidate.kind, candidate.is_mdns, candidate.transport_address):
        assert view is not None
    candidate.related_transport_address  # noqa: B018
    check_address(candidate.address)
    if candidate.related_address is not None:
        check_address(candidate.related_address)
    return candidate


# ---------------------------------------------------------------------------------- SDP


_SESSION_VIEWS = (
    "groups",
    "bundle_groups",
    "ice_lite",
    "ice_ufrag",
    "ice_pwd",
    "ice_options",
    "fingerprints",
    "setup",
    "end_of_candidates",
    "direction",
    "msid_semantic",
    "mids",
)
_MEDIA_VIEWS = (
    "mid",
    "ice_ufrag",
    "ice_pwd",
    "ice_options",
    "candidates",
    "end_of_candidates",
    "fingerprints",
    "setup",
    "sctp_port",
    "sctpmap",
    "max_message_size",
    "direction",
    "rtcp_mux",
    "bundle_only",
    "rejected",
    "msids",
)
_INDEXED_VIEWS = (
    "ice_credentials",
    "media_ice_options",
    "media_fingerprints",
    "media_setup",
    "media_direction",
    "media_end_of_candidates",
)


def _media_index(d: SessionDescription, media: MediaDescription) -> object:
    return d.media_index(str(media.mid))


def _session_views(d: SessionDescription) -> list[Callable[[], object]]:
    """Every typed view of ``d`` and its media sections, as calls."""
    views: list[Callable[[], object]] = [partial(getattr, d, name) for name in _SESSION_VIEWS]
    views.append(lambda: list(d.iter_attributes()))
    for index, media in enumerate(d.media):
        views += [partial(getattr, media, name) for name in _MEDIA_VIEWS]
        views.append(media.m_line)
        views += [partial(getattr(d, name), index) for name in _INDEXED_VIEWS]
        views.append(partial(_media_index, d, media))
    return views


def _normalise_numbers(line: str) -> str:
    """Leading zeros dropped from every run of digits (``serialize`` writes numbers so)."""
    out: list[str] = []
    run = ""
    for c in line + "\0":
        if "0" <= c <= "9":
            run += c
            continue
        if run:
            out.append(run.lstrip("0") or "0")
            run = ""
        out.append(c)
    return "".join(out[:-1])


def check_sdp(text: str | bytes) -> SessionDescription | None:
    """``parse_sdp``: a description or :class:`SdpSyntaxError`. A parsed description
    serializes to the input line for line (CRLF, numbers without leading zeros), parses
    back to itself, and its checks and typed views raise only :class:`SdpError`; once
    :func:`validate_description` passes, the views do not raise at all and every
    ``a=candidate`` raises only :class:`CandidateParseError`."""
    try:
        description = parse_sdp(text)
    except SdpSyntaxError:
        return None
    first = description.serialize()
    again = parse_sdp(first)
    assert again == description
    assert again.serialize() == first
    source = text.decode("utf-8") if isinstance(text, bytes) else text
    source_lines = source.replace("\r\n", "\n").split("\n")
    if source_lines[-1] == "":
        source_lines.pop()
    written = first.split("\r\n")[:-1]
    assert len(written) == len(source_lines)
    for original, line in zip(source_lines, written, strict=True):
        assert _normalise_numbers(original) == _normalise_numbers(line), (original, line)

    problems = description_problems(description)
    assert all(isinstance(p, SdpAttributeError | SdpValidationError) for p in problems)
    try:
        validate_description(description)
        valid = True
    except (SdpAttributeError, SdpValidationError) as error:
        assert problems and str(error) == str(problems[0])
        valid = False
    assert valid == (not problems)
    for view in _session_views(description):
        if valid:
            view()
        else:
            with contextlib.suppress(SdpError):
                view()
    if valid:
        for media in description.media:
            for candidate in media.candidates:
                check_candidate(candidate)
    return description


# --------------------------------------------------------------------------------- SCTP


def _exercise_chunks(packet: Packet) -> None:
    for chunk in packet.chunks:
        if isinstance(chunk, InitChunk | InitAckChunk):
            chunk.supported_extensions  # noqa: B018
            chunk.forward_tsn_supported  # noqa: B018
            if isinstance(chunk, InitAckChunk):
                chunk.state_cookie  # noqa: B018
        elif isinstance(chunk, AbortChunk | ErrorChunk):
            for cause in chunk.causes:
                assert isinstance(describe_cause(cause), str)
        elif isinstance(chunk, ReconfigChunk):
            for param in chunk.params:
                if isinstance(param, ReconfigResponse):
                    assert isinstance(reconfig_result_name(param.result), str)


def check_sctp(data: bytes) -> Packet | None:
    """``parse_packet`` (with and without the checksum check) and ``parse_chunks``: a value
    or :class:`SctpParseError`. A parsed packet re-encodes to one that parses the same."""
    with contextlib.suppress(SctpParseError):
        parse_packet(data)
    with contextlib.suppress(SctpParseError):
        parse_chunks(data)
    try:
        packet = parse_packet(data, verify_checksum=False)
    except SctpParseError:
        return None
    _exercise_chunks(packet)
    encoded = packet.encode()
    assert checksum_ok(encoded)
    assert parse_packet(encoded) == packet
    return packet


def fix_sctp_checksum(data: bytes) -> bytes:
    """The packet with its CRC32c recomputed (RFC 9260 §6.8), so mutations reach the chunks
    when the checksum is verified."""
    if len(data) < 12:
        return data
    source, destination, vtag = struct.unpack_from("!HHI", data)
    return encode_packet(source, destination, vtag, [data[12:]])


# --------------------------------------------------------------------------------- DCEP


def check_dcep(data: bytes) -> DataChannelOpen | None:
    """``parse_dcep``: an OPEN, ``None`` for an ACK, or :class:`DcepError`; an OPEN
    re-encodes to bytes that parse to the same OPEN."""
    try:
        opened = parse_dcep(data)
    except DcepError:
        return None
    if opened is None:
        assert data == b"\x02"
        return None
    encoded = opened.encode()
    assert parse_dcep(encoded) == opened
    assert len(encoded) == len(data)
    return opened


# --------------------------------------------------------------------------------- mDNS


def _names(message: Message) -> list[str]:
    records = (*message.answers, *message.authorities, *message.additionals)
    return [q.name for q in message.questions] + [r.name for r in records]


def check_mdns(data: bytes) -> Message | None:
    """``parse_message`` (tolerant and strict): a :class:`Message` or :class:`DnsError`.
    A strict parse implies a tolerant one with the same result; records' views work; a
    message whose names have no escapes rebuilds (``build_response``) to itself."""
    strict: Message | None
    try:
        strict = parse_dns(data, strict=True)
    except DnsError:
        strict = None
    try:
        message = parse_dns(data)
    except DnsError:
        assert strict is None
        return None
    if strict is not None:
        assert strict == message and message.complete
    for record in (*message.answers, *message.authorities, *message.additionals):
        record.address  # noqa: B018
        record.cache_flush  # noqa: B018
    for name in _names(message):
        canonical_name(name)
    if all("\\" not in name for name in _names(message)):
        rebuilt = build_response(
            message.answers,
            message.additionals,
            authorities=message.authorities,
            questions=message.questions,
            message_id=message.header.id,
            flags=message.header.flags,
        )
        again = parse_dns(rebuilt, strict=True)
        assert again.questions == tuple(
            Question(q.name, q.qtype, q.qclass) for q in message.questions
        )
        assert again.answers == message.answers
        assert again.authorities == message.authorities
        assert again.additionals == message.additionals
        assert all(isinstance(r, Record) for r in again.answers)
    return message


# --------------------------------------------------------------------------------- TURN


def check_channel_data(data: bytes) -> tuple[int, bytes] | None:
    """``decode_channel_data``: ``(channel, payload)`` or :class:`ChannelDataError`; what
    decodes re-encodes to the same bytes (padded or not)."""
    try:
        channel, payload = decode_channel_data(data)
    except ChannelDataError:
        return None
    assert is_valid_channel(channel)
    (length,) = struct.unpack_from("!H", data, 2)
    assert payload == data[4 : 4 + length]
    assert encode_channel_data(channel, payload) == data[: 4 + length]
    padded = encode_channel_data(channel, payload, pad=True)
    assert len(padded) == padded_length(len(payload)) and len(padded) % 4 == 0
    assert decode_channel_data(padded) == (channel, payload)
    return channel, payload


_SPLITS = (1, 2, 3, 4, 5, 7, 8, 13, 20, 64)


def check_framer(data: bytes) -> list[tuple[FrameKind, bytes]]:
    """``StreamFramer.feed`` never raises; every byte ends in a frame, as junk, or still
    buffered; the frames do not depend on how the stream was split; each STUN frame is one
    whole STUN message, each ChannelData frame one padded ChannelData message."""
    whole = StreamFramer()
    frames = whole.feed(data)
    consumed = sum(len(frame) for _, frame in frames)
    assert consumed + whole.junk_bytes + whole.buffered == len(data)
    assert whole.frames == len(frames)
    pieces = StreamFramer()
    split: list[tuple[FrameKind, bytes]] = []
    offset = index = 0
    while offset < len(data):
        size = _SPLITS[(index + len(data)) % len(_SPLITS)]
        split += pieces.feed(data[offset : offset + size])
        offset += size
        index += 1
    assert split == frames
    assert (pieces.junk_bytes, pieces.buffered) == (whole.junk_bytes, whole.buffered)
    for kind, frame in frames:
        if kind is FrameKind.STUN:
            assert is_stun(frame)
            check_stun(frame)
        else:
            _channel, payload = decode_channel_data(frame)
            assert len(frame) == padded_length(len(payload))
    return frames


TURN_PEER = ("192.0.2.77", 5000)


@cache
def _turn_clients() -> dict[str, tuple[bytes, float]]:
    """A client over UDP and one over TCP, each with an allocation, a permission and a
    channel to :data:`TURN_PEER` (made against ``tests/turn``'s fake server)."""
    from tests.turn.harness import Harness

    clients = {}
    for transport in ("udp", "tcp"):
        h = Harness.create(transport=transport)
        h.allocate()
        h.client.create_permission(h.now, TURN_PEER[0])
        h.client.bind_channel(h.now, TURN_PEER)
        h.pump()
        assert h.client.state is TurnState.ALLOCATED
        assert h.client.channel_for(TURN_PEER, h.now) is not None
        clients[transport] = (pickle.dumps(h.client), h.now)
    return clients


def turn_client(transport: str) -> tuple[TurnClient, float]:
    """A fresh copy of the allocated client for ``transport`` and its clock."""
    pickled, now = _turn_clients()[transport]
    client = pickle.loads(pickled)
    assert isinstance(client, TurnClient)
    return client, now


def check_turn_client(data: bytes) -> None:
    """``TurnClient.handle_datagram`` / ``handle_stream_data`` never raise; every input is
    counted in ``stats``, becomes an event (data from a peer), or (a stream) waits in the
    framer for the rest of a message; the allocation stays."""
    for transport in ("udp", "tcp"):
        client, now = turn_client(transport)
        before = sum(client.stats.values())
        if transport == "udp":
            client.handle_datagram(now, data)
            buffered = 0
        else:
            half = len(data) // 2
            client.handle_stream_data(now, data[:half])
            client.handle_stream_data(now, data[half:])
            assert client._framer is not None
            buffered = client._framer.buffered
        events = []
        while (event := client.next_event()) is not None:
            events.append(event)
        assert data == b"" or sum(client.stats.values()) > before or events or buffered
        assert client.state is TurnState.ALLOCATED


def check_turn(data: bytes) -> None:
    """Every TURN entry point on the same bytes."""
    check_channel_data(data)
    check_framer(data)
    check_turn_client(data)


# ------------------------------------------------------------------------------ targets

TARGETS: dict[str, Callable[[bytes], object]] = {
    "stun": check_stun,
    "sctp": check_sctp,
    "dcep": check_dcep,
    "mdns": check_mdns,
    "sdp": lambda data: (check_sdp(data), check_sdp(data.decode("utf-8", "surrogateescape"))),
    "candidate": lambda data: check_candidate(data.decode("utf-8", "surrogateescape")),
    "turn": check_turn,
}
"""Byte-level entry points, for the atheris targets and the fallback fuzz loop."""
