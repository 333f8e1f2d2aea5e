"""A sans-IO DNS message codec just big enough for Multicast DNS host-name resolution.

It builds one-shot queries (RFC 6762 §5.1) and responses, and parses responses with name
compression (RFC 1035 §4.1.4). Nothing here opens a socket or reads a clock.

Wire format (RFC 1035 §4.1): a 12-octet header (§4.1.1), then QDCOUNT questions (§4.1.2),
ANCOUNT answers, NSCOUNT authority records and ARCOUNT additional records (§4.1.3). mDNS
reuses it with a few changes (RFC 6762 §18): the top bit of a question's class is the
"unicast response" (QU) bit (§5.4, §18.12) and the top bit of a record's class is the
"cache-flush" bit (§10.2, §18.13). Both are kept as received in :attr:`Question.qclass` and
:attr:`Record.rclass`; :attr:`Question.unicast_response`, :attr:`Record.cache_flush` and the
``*_class`` properties split them.

Decisions:

* **Errors.** Every malformed input raises a :class:`DnsError` (a ``ValueError``) subclass
  naming what is wrong and where; never ``IndexError`` or ``struct.error``.
* **Tolerance.** Chromium's mDNS responder (``services/network/mdns_responder.cc``) answers
  with an A/AAAA record plus an additional NSEC record whose Next Domain Name is a
  compression pointer (RFC 6762 §18.14 allows that; RFC 4034 §4.1.1 does not), and strict
  parsers reject the whole message. :func:`parse_message` therefore, by default, parses the
  header, the questions and the answers strictly (a malformed one raises) but stops at the
  first authority or additional record it cannot parse, keeps what it has and sets
  :attr:`Message.complete` to ``False``; trailing bytes after the last record are ignored.
  ``strict=True`` raises for those too. RDATA is only decoded for A and AAAA records; the
  RDATA of any other type is kept as opaque bytes.
* **Compression pointers** must point strictly before the start of the label sequence
  that is being read (RFC 1035 §4.1.4: "a prior occurrence"), and each further jump
  strictly before the previous target, so a pointer loop is impossible and following the
  pointers of one name costs at most ``len(data) / 2`` jumps. Names are limited to 255
  octets on the wire (RFC 1035 §2.3.4) and labels to 63 (§2.3.4); the label types 0b01
  (RFC 6891 §5, deprecated extended labels) and 0b10 (reserved) are errors.
* **Name text.** Labels are decoded as UTF-8 (RFC 6762 §16) and joined with ``.``; a ``.``
  or ``\\`` inside a label is escaped with ``\\`` and a label that is not UTF-8 is written
  with RFC 1035 §5.1 ``\\DDD`` escapes, so distinct wire names give distinct texts. The
  root name is ``"."``. Names compare case-insensitively for ASCII letters only
  (RFC 6762 §16): see :func:`canonical_name`.
* **Queries** are written the way Chromium's parser (``net/dns/dns_query.cc``) accepts
  them: ID 0 (RFC 6762 §18.1), no flags, exactly one question, an uncompressed name and the
  class exactly IN, i.e. the QU bit off (Chromium ignores a question whose class is not 1;
  a one-shot querier does not need the bit anyway, because a query from a port other than
  5353 asks for a legacy unicast response, RFC 6762 §6.7).
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "CACHE_FLUSH",
    "CLASS_IN",
    "FLAG_AA",
    "FLAG_QR",
    "HEADER_LENGTH",
    "MAX_LABEL_LENGTH",
    "MAX_NAME_LENGTH",
    "MDNS_IPV4_GROUP",
    "MDNS_IPV6_GROUP",
    "MDNS_PORT",
    "TYPE_A",
    "TYPE_AAAA",
    "TYPE_ANY",
    "TYPE_NSEC",
    "UNICAST_RESPONSE",
    "DnsError",
    "DnsHeaderError",
    "DnsNameError",
    "DnsRecordError",
    "Header",
    "Message",
    "Question",
    "Record",
    "build_query",
    "build_response",
    "canonical_name",
    "encode_name",
    "parse_message",
    "read_name",
]

#: RFC 6762 §3: the mDNS port and link-local multicast groups.
MDNS_PORT: Final = 5353
MDNS_IPV4_GROUP: Final = "224.0.0.251"
MDNS_IPV6_GROUP: Final = "ff02::fb"

#: RFC 1035 §4.1.1: the header is six 16-bit fields.
HEADER_LENGTH: Final = 12
#: RFC 1035 §2.3.4 size limits (octets on the wire; a name includes its length octets).
MAX_LABEL_LENGTH: Final = 63
MAX_NAME_LENGTH: Final = 255

#: RFC 1035 §3.2.2 / RFC 3596 §2.1 / RFC 4034 §4 record types used here.
TYPE_A: Final = 1
TYPE_AAAA: Final = 28
TYPE_NSEC: Final = 47
TYPE_ANY: Final = 255
#: RFC 1035 §3.2.4 class IN.
CLASS_IN: Final = 1
#: RFC 6762 §18.12: top bit of a question's class, "unicast response requested" (QU).
UNICAST_RESPONSE: Final = 0x8000
#: RFC 6762 §18.13: top bit of a record's class, "cache-flush".
CACHE_FLUSH: Final = 0x8000

#: RFC 1035 §4.1.1 header flag bits.
FLAG_QR: Final = 0x8000
FLAG_AA: Final = 0x0400
_FLAG_TC: Final = 0x0200

_HEADER = struct.Struct("!6H")
_QUESTION_FIXED = struct.Struct("!2H")  # QTYPE, QCLASS
_RECORD_FIXED = struct.Struct("!2HIH")  # TYPE, CLASS, TTL, RDLENGTH
_POINTER: Final = 0xC0
_MAX_POINTER_TARGET: Final = 0x3FFF
_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ADDRESS_LENGTH: Final = {TYPE_A: 4, TYPE_AAAA: 16}


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class DnsError(ValueError):
    """Base class of every error raised by :mod:`rtcpeer.mdns` for malformed input.

    ``offset`` is where in the message the problem was found, when it is known.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        super().__init__(message if offset is None else f"{message} (at offset {offset})")
        self.offset = offset


class DnsHeaderError(DnsError):
    """The message is shorter than the 12-octet header (RFC 1035 §4.1.1)."""


class DnsNameError(DnsError):
    """A domain name is malformed (RFC 1035 §3.1, §4.1.4): truncated, too long, a bad label
    type, a compression pointer that does not point backwards; or, when encoding, a name
    that cannot be written."""


class DnsRecordError(DnsError):
    """A question or resource record is truncated or has RDATA of the wrong length for its
    type (RFC 1035 §4.1.2, §4.1.3; RFC 3596 §2.2), or bytes follow the last record (strict)."""


# --------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Header:
    """The RFC 1035 §4.1.1 header. mDNS meanings: RFC 6762 §18.1-§18.11."""

    id: int
    flags: int
    qdcount: int
    ancount: int
    nscount: int
    arcount: int

    @property
    def is_response(self) -> bool:
        """QR bit (RFC 6762 §18.2)."""
        return bool(self.flags & FLAG_QR)

    @property
    def opcode(self) -> int:
        """OPCODE; mDNS messages with a non-zero opcode MUST be ignored (RFC 6762 §18.3)."""
        return (self.flags >> 11) & 0xF

    @property
    def authoritative(self) -> bool:
        """AA bit; set in mDNS responses (RFC 6762 §18.4)."""
        return bool(self.flags & FLAG_AA)

    @property
    def truncated(self) -> bool:
        """TC bit (RFC 6762 §18.5: in a query, more known answers follow)."""
        return bool(self.flags & _FLAG_TC)

    @property
    def rcode(self) -> int:
        """RCODE; mDNS messages with a non-zero rcode MUST be ignored (RFC 6762 §18.11)."""
        return self.flags & 0xF


@dataclass(frozen=True, slots=True)
class Question:
    """A question (RFC 1035 §4.1.2). ``qclass`` is as on the wire, QU bit included."""

    name: str
    qtype: int
    qclass: int = CLASS_IN

    @property
    def unicast_response(self) -> bool:
        """The QU bit (RFC 6762 §5.4, §18.12)."""
        return bool(self.qclass & UNICAST_RESPONSE)

    @property
    def question_class(self) -> int:
        """The class without the QU bit."""
        return self.qclass & ~UNICAST_RESPONSE


@dataclass(frozen=True, slots=True)
class Record:
    """A resource record (RFC 1035 §4.1.3). ``rclass`` is as on the wire, cache-flush bit
    included; ``rdata`` is the raw RDATA (A and AAAA RDATA is checked by the parser)."""

    name: str
    rtype: int
    rclass: int
    ttl: int
    rdata: bytes

    @classmethod
    def address_record(
        cls, name: str, address: str, *, ttl: int = 120, cache_flush: bool = True
    ) -> Record:
        """An A or AAAA record for ``address`` (RFC 1035 §3.4.1, RFC 3596 §2.2); mDNS sets
        the cache-flush bit on unique records (RFC 6762 §10.2) and uses a 120 s TTL for
        records with a host name (§10)."""
        ip = ipaddress.ip_address(address)
        rtype = TYPE_A if ip.version == 4 else TYPE_AAAA
        rclass = CLASS_IN | (CACHE_FLUSH if cache_flush else 0)
        return cls(name, rtype, rclass, ttl, ip.packed)

    @property
    def cache_flush(self) -> bool:
        """The cache-flush bit (RFC 6762 §10.2, §18.13)."""
        return bool(self.rclass & CACHE_FLUSH)

    @property
    def record_class(self) -> int:
        """The class without the cache-flush bit."""
        return self.rclass & ~CACHE_FLUSH

    @property
    def address(self) -> str | None:
        """The address text of an IN A or AAAA record; ``None`` for any other record."""
        if self.record_class != CLASS_IN or _ADDRESS_LENGTH.get(self.rtype) != len(self.rdata):
            return None
        if self.rtype == TYPE_A:
            return str(ipaddress.IPv4Address(self.rdata))
        return str(ipaddress.IPv6Address(self.rdata))


@dataclass(frozen=True, slots=True)
class Message:
    """A parsed DNS message.

    ``complete`` is ``False`` when a tolerant parse stopped at an authority or additional
    record it could not parse; the sections then hold the records read before it.
    """

    header: Header
    questions: tuple[Question, ...] = ()
    answers: tuple[Record, ...] = ()
    authorities: tuple[Record, ...] = ()
    additionals: tuple[Record, ...] = ()
    complete: bool = field(default=True)


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


def canonical_name(name: str) -> str:
    """``name`` for comparisons: ASCII letters lowered, one trailing dot removed.

    RFC 6762 §16: mDNS names are UTF-8 and compare case-insensitively for ASCII only.
    """
    if name.endswith(".") and name != ".":
        name = name[:-1]
    return name.translate(_ASCII_LOWER)


def _label_text(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "".join(
            chr(b) if 0x21 <= b <= 0x7E and b not in b".\\" else f"\\{b:03d}" for b in raw
        )
    return text.replace("\\", "\\\\").replace(".", "\\.")


def encode_name(name: str) -> bytes:
    """``name`` (dotted text, an optional trailing dot) as uncompressed wire labels
    (RFC 1035 §3.1). Labels are UTF-8 (RFC 6762 §16), 1..63 octets; the whole name at most
    255 octets. Escapes are not interpreted: a host name has no use for them.

    Raises :class:`DnsNameError`; ``TypeError`` if ``name`` is not a ``str``.
    """
    if not isinstance(name, str):
        raise TypeError(f"a name must be a str, not {type(name).__name__}")
    if name in ("", "."):
        return b"\x00"
    text = name[:-1] if name.endswith(".") else name
    out = bytearray()
    for label in text.split("."):
        try:
            raw = label.encode("utf-8")
        except UnicodeEncodeError:
            raise DnsNameError(f"name {name[:80]!r} is not encodable as UTF-8") from None
        if not raw:
            raise DnsNameError(f"name {name[:80]!r} has an empty label")
        if len(raw) > MAX_LABEL_LENGTH:
            raise DnsNameError(
                f"label {label[:20]!r}... is {len(raw)} octets (at most {MAX_LABEL_LENGTH}, "
                "RFC 1035 §2.3.4)"
            )
        out.append(len(raw))
        out += raw
    out.append(0)
    if len(out) > MAX_NAME_LENGTH:
        raise DnsNameError(
            f"name {name[:40]!r}... is {len(out)} octets on the wire (at most "
            f"{MAX_NAME_LENGTH}, RFC 1035 §2.3.4)"
        )
    return bytes(out)


def read_name(data: bytes, offset: int, budget: list[int] | None = None) -> tuple[str, int]:
    """Read the (possibly compressed) name at ``offset``; return its text and the offset
    just after it in the original stream (after the first pointer, if any).

    RFC 1035 §3.1 labels, §4.1.4 compression. Every pointer must point strictly before the
    start of the label sequence being read (the name's own start, then each previous
    target), which excludes loops and forward references. Raises :class:`DnsNameError`.

    ``budget`` (one mutable count shared by every name of a message) bounds the pointer
    jumps of the whole message, so a message built of long pointer chains cannot cost more
    than linear time (``parse_message`` gives it the message's length).
    """
    size = len(data)
    labels: list[str] = []
    wire_length = 1  # the terminating zero octet
    limit = offset  # a pointer must target an offset below this
    position = offset
    end: int | None = None
    while True:
        if position >= size:
            raise DnsNameError("name runs past the end of the message", position)
        length = data[position]
        kind = length & _POINTER
        if kind == _POINTER:
            if position + 1 >= size:
                raise DnsNameError("truncated compression pointer", position)
            target = ((length & 0x3F) << 8) | data[position + 1]
            if end is None:
                end = position + 2
            if target >= limit:
                raise DnsNameError(
                    f"compression pointer to {target} does not point backwards "
                    "(RFC 1035 §4.1.4: a prior occurrence)",
                    position,
                )
            if budget is not None:
                budget[0] -= 1
                if budget[0] < 0:
                    raise DnsNameError("too many compression pointers in one message", position)
            limit = target
            position = target
            continue
        if kind:
            raise DnsNameError(f"unsupported label type 0x{kind:02x} (RFC 6891 §5)", position)
        if length == 0:
            if end is None:
                end = position + 1
            break
        start = position + 1
        if start + length > size:
            raise DnsNameError("label runs past the end of the message", position)
        wire_length += length + 1
        if wire_length > MAX_NAME_LENGTH:
            raise DnsNameError(
                f"name longer than {MAX_NAME_LENGTH} octets (RFC 1035 §2.3.4)", offset
            )
        labels.append(_label_text(data[start : start + length]))
        position = start + length
    return (".".join(labels) if labels else "."), end


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _read_question(data: bytes, offset: int, budget: list[int]) -> tuple[Question, int]:
    name, offset = read_name(data, offset, budget)
    if offset + _QUESTION_FIXED.size > len(data):
        raise DnsRecordError("truncated question (QTYPE/QCLASS)", offset)
    qtype, qclass = _QUESTION_FIXED.unpack_from(data, offset)
    return Question(name, qtype, qclass), offset + _QUESTION_FIXED.size


def _read_record(data: bytes, offset: int, budget: list[int]) -> tuple[Record, int]:
    name, offset = read_name(data, offset, budget)
    if offset + _RECORD_FIXED.size > len(data):
        raise DnsRecordError("truncated resource record (TYPE/CLASS/TTL/RDLENGTH)", offset)
    rtype, rclass, ttl, rdlength = _RECORD_FIXED.unpack_from(data, offset)
    start = offset + _RECORD_FIXED.size
    end = start + rdlength
    if end > len(data):
        raise DnsRecordError(f"RDATA of {rdlength} octets runs past the end of the message", offset)
    rdata = data[start:end]
    expected = _ADDRESS_LENGTH.get(rtype)
    if expected is not None and (rclass & ~CACHE_FLUSH) == CLASS_IN and rdlength != expected:
        raise DnsRecordError(
            f"{'A' if rtype == TYPE_A else 'AAAA'} record RDATA is {rdlength} octets, not "
            f"{expected} (RFC 1035 §3.4.1, RFC 3596 §2.2)",
            offset,
        )
    return Record(name, rtype, rclass, ttl, rdata), end


def parse_message(data: bytes | bytearray | memoryview, *, strict: bool = False) -> Message:
    """Parse a DNS message (RFC 1035 §4.1) as used by mDNS (RFC 6762 §18).

    The header, the questions and the answers must be well formed. With ``strict=False``
    (the default) the parse stops at the first authority or additional record it cannot
    parse and returns what it has with ``complete=False``, and bytes after the last record
    are ignored; with ``strict=True`` both raise.

    Raises a :class:`DnsError` subclass for malformed input, ``TypeError`` for non-bytes.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"a DNS message must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < HEADER_LENGTH:
        raise DnsHeaderError(
            f"message of {len(data)} octets is shorter than the {HEADER_LENGTH}-octet header"
        )
    header = Header(*_HEADER.unpack_from(data, 0))
    offset = HEADER_LENGTH
    budget = [len(data)]  # pointer jumps for the whole message (see read_name)
    questions: list[Question] = []
    for _ in range(header.qdcount):
        question, offset = _read_question(data, offset, budget)
        questions.append(question)
    answers: list[Record] = []
    for _ in range(header.ancount):
        record, offset = _read_record(data, offset, budget)
        answers.append(record)
    sections: tuple[list[Record], list[Record]] = ([], [])
    complete = True
    for section, count in zip(sections, (header.nscount, header.arcount), strict=True):
        for _ in range(count):
            try:
                record, offset = _read_record(data, offset, budget)
            except DnsError:
                if strict:
                    raise
                complete = False
                break
            section.append(record)
        if not complete:
            break
    if strict and offset != len(data):
        raise DnsRecordError(f"{len(data) - offset} octets after the last record", offset)
    return Message(
        header=header,
        questions=tuple(questions),
        answers=tuple(answers),
        authorities=tuple(sections[0]),
        additionals=tuple(sections[1]),
        complete=complete,
    )


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


def build_query(name: str, qtype: int = TYPE_A, *, unicast_response: bool = False) -> bytes:
    """A one-shot mDNS query (RFC 6762 §5.1) for ``qtype`` records of ``name``.

    ID 0 (RFC 6762 §18.1), flags 0 (§18.2-§18.10), exactly one question with an
    uncompressed name, class IN. The QU bit (§5.4, §18.12) stays off unless asked for: a
    query sent from a port other than 5353 gets a legacy unicast response anyway (§6.7), and
    Chromium ignores questions whose class is not exactly IN. Ask for A and AAAA with two
    messages: Chromium only parses queries with exactly one question.

    Raises :class:`DnsNameError` for a name that cannot be encoded.
    """
    if not 0 <= qtype <= 0xFFFF:
        raise ValueError(f"qtype {qtype} is not a 16-bit value")
    qclass = CLASS_IN | (UNICAST_RESPONSE if unicast_response else 0)
    return _HEADER.pack(0, 0, 1, 0, 0, 0) + encode_name(name) + _QUESTION_FIXED.pack(qtype, qclass)


class _Writer:
    """Appends names with RFC 1035 §4.1.4 compression: a suffix already written (with the
    same case, so that names read back exactly as given) becomes a pointer."""

    def __init__(self, compress: bool) -> None:
        self.out = bytearray()
        self.compress = compress
        self.suffixes: dict[tuple[bytes, ...], int] = {}

    def name(self, name: str) -> None:
        wire = encode_name(name)
        labels: list[bytes] = []
        position = 0
        while wire[position]:
            length = wire[position]
            labels.append(wire[position + 1 : position + 1 + length])
            position += 1 + length
        for index in range(len(labels)):
            key = tuple(labels[index:])
            target = self.suffixes.get(key) if self.compress else None
            if target is not None:
                self.out += struct.pack("!H", 0xC000 | target)
                return
            if len(self.out) <= _MAX_POINTER_TARGET:
                self.suffixes.setdefault(key, len(self.out))
            self.out.append(len(labels[index]))
            self.out += labels[index]
        self.out.append(0)


def build_response(
    answers: Sequence[Record],
    additionals: Iterable[Record] = (),
    *,
    authorities: Iterable[Record] = (),
    questions: Iterable[Question] = (),
    message_id: int = 0,
    flags: int = FLAG_QR | FLAG_AA,
    compress: bool = True,
) -> bytes:
    """A DNS response (RFC 1035 §4.1). mDNS responses have ID 0, QR and AA set and no
    questions (RFC 6762 §6, §18.1, §18.4); a legacy unicast response (§6.7) repeats the
    query's ID and question. Owner names are compressed (§18.14); RDATA is written as is.

    Raises :class:`DnsNameError` for a name that cannot be encoded, ``ValueError`` for a
    value out of range.
    """
    question_list = list(questions)
    authority_list = list(authorities)
    additional_list = list(additionals)
    counts = (len(question_list), len(answers), len(authority_list), len(additional_list))
    if any(count > 0xFFFF for count in counts) or not 0 <= message_id <= 0xFFFF:
        raise ValueError("too many records or message ID out of range")
    writer = _Writer(compress)
    writer.out += _HEADER.pack(message_id, flags & 0xFFFF, *counts)
    for question in question_list:
        writer.name(question.name)
        writer.out += _QUESTION_FIXED.pack(question.qtype, question.qclass)
    for record in (*answers, *authority_list, *additional_list):
        if len(record.rdata) > 0xFFFF or not 0 <= record.ttl <= 0xFFFFFFFF:
            raise ValueError(f"record {record.name!r}: RDATA too long or TTL out of range")
        writer.name(record.name)
        writer.out += _RECORD_FIXED.pack(record.rtype, record.rclass, record.ttl, len(record.rdata))
        writer.out += record.rdata
    return bytes(writer.out)
