"""Parsing SDP text into a :class:`~rtcpeer.sdp.SessionDescription` (RFC 8866).

Strictness, rule by rule (every violation raises :class:`SdpSyntaxError` naming the 1-based
line):

* **Lines** (RFC 8866 §5): each is ``<type>=<value>`` with a one-character, case-significant
  type. Lines end in CRLF; a bare LF is accepted too ("parsers SHOULD be tolerant and also
  accept lines terminated with a single newline character"), and so is a missing terminator
  on the last line. Empty lines are errors, and so is a CR anywhere but before an LF.
* **Characters**: the text is UTF-8 (RFC 8866 §5); ``bytes`` input that is not valid UTF-8
  and ``str`` input holding lone surrogates are rejected. NUL, CR and LF cannot appear inside a
  line (RFC 8866 §9 ``byte-string``); this parser also rejects the other C0 controls except
  HTAB, DEL and the C1 controls, which have no use in SDP.
* **Limits**: a line may hold at most :data:`MAX_LINE_LENGTH` characters and the whole text
  :data:`MAX_SDP_LENGTH`; RFC 8866 sets none, these bound the work a peer can cause.
* **Types** (RFC 8866 §5): only ``v o s i u e p c b t r z k a m`` exist; "an SDP parser MUST
  completely ignore or reject any session description that contains a type letter that it
  does not understand" — this one rejects it.
* **Order** (RFC 8866 §5): the session part is ``v o s [i] [u] *e *p [c] *b 1*(t *r [z])
  [k] *a``, each media description ``m [i] *c *b [k] *a``; a line out of order, a repeated
  single line, or a session-only type inside a media description is an error. The ``z=``
  line is accepted right after a ``t=`` or ``r=`` line (RFC 8866 places it in the time
  description; RFC 4566 placed it after the last one — both texts pass).
* **Fields**: ``v``, ``o``, ``s``, ``c``, ``b``, ``t``, ``r``, ``z``, ``k``, ``a`` and ``m``
  values must follow the RFC 8866 §9 ABNF exactly, fields separated by one SP. Numbers may have
  leading zeros where the ABNF allows them (``sess-id``, ``port``); they are stored as ``int``.
  ``i``, ``e`` and ``p`` must be non-empty text and ``u`` a string without spaces; their finer
  syntax (URI, e-mail, phone) is not checked.
* **Attributes** (RFC 8866 §5.13): ``a=<token>`` or ``a=<token>:<byte-string>`` — a colon
  must be followed by a non-empty value. Unknown attributes are kept. The values of the
  attributes this package types are checked by :func:`~rtcpeer.sdp.validate_description`,
  not here, so that parsing stays the RFC 8866 grammar alone.
"""

from __future__ import annotations

import re
from typing import Final

from rtcpeer.sdp.errors import SdpSyntaxError
from rtcpeer.sdp.grammar import (
    find_forbidden_character,
    is_digits,
    is_integer,
    is_non_ws_string,
    is_token,
)
from rtcpeer.sdp.model import (
    MAX_LINE_LENGTH,
    Attribute,
    ConnectionData,
    MediaDescription,
    Origin,
    SessionDescription,
)

__all__ = ["MAX_SDP_LENGTH", "parse_sdp"]

MAX_SDP_LENGTH: Final = 1 << 20
"""Longest text (in characters, or bytes for ``bytes`` input) :func:`parse_sdp` accepts."""

# RFC 8866 §5 order of the session-level types; r= and z= share t='s rank (time description).
_SESSION_RANK: Final = {
    "v": 0,
    "o": 1,
    "s": 2,
    "i": 3,
    "u": 4,
    "e": 5,
    "p": 6,
    "c": 7,
    "b": 8,
    "t": 9,
    "r": 9,
    "z": 9,
    "k": 10,
    "a": 11,
}
_MEDIA_RANK: Final = {"m": 0, "i": 1, "c": 2, "b": 3, "k": 4, "a": 5}
_REPEATABLE: Final = frozenset("epbtrca")
_KNOWN_TYPES: Final = frozenset("vosiuepcbtrzkam")
_NAMES: Final = {
    "v": "protocol version",
    "o": "origin",
    "s": "session name",
    "i": "information",
    "u": "URI",
    "e": "email address",
    "p": "phone number",
    "c": "connection data",
    "b": "bandwidth",
    "t": "time",
    "r": "repeat times",
    "z": "time zones",
    "k": "encryption key",
    "a": "attribute",
    "m": "media",
}

# RFC 8866 §9: time = POS-DIGIT 9*DIGIT; start-time / stop-time = time / "0";
# typed-time = 1*DIGIT [fixed-len-time-unit]; repeat-interval = POS-DIGIT *DIGIT [unit].
_TIME: Final = r"(?:0|[1-9][0-9]{9,})"
_TYPED_TIME: Final = r"[0-9]+[dhms]?"
_T_LINE: Final = re.compile(rf"({_TIME}) ({_TIME})", re.ASCII)
_R_LINE: Final = re.compile(rf"[1-9][0-9]*[dhms]? {_TYPED_TIME}(?: {_TYPED_TIME})+", re.ASCII)
_Z_LINE: Final = re.compile(
    r"[1-9][0-9]{9,} -?[0-9]+[dhms]?(?: [1-9][0-9]{9,} -?[0-9]+[dhms]?)*", re.ASCII
)


class _Line:
    """One line of input: its number, text (without terminator), type and value."""

    __slots__ = ("number", "text", "type", "value")

    def __init__(self, number: int, text: str) -> None:
        self.number = number
        self.text = text
        self.type = text[0]
        self.value = text[2:]

    def error(self, message: str) -> SdpSyntaxError:
        return SdpSyntaxError(message, self.number, self.text)


def parse_sdp(text: str | bytes) -> SessionDescription:
    """Parse a session description (RFC 8866) as used by JSEP (RFC 8829).

    ``text`` is a ``str``, or UTF-8 ``bytes``. Returns a :class:`SessionDescription` whose
    :meth:`~SessionDescription.serialize` gives back ``text`` with CRLF line endings (and
    numbers without leading zeros). Raises :class:`SdpSyntaxError`, whose ``line_number`` is the
    1-based line at fault, for anything RFC 8866 does not allow; see the module docstring for
    the exact rules. Raises ``TypeError`` for other argument types.
    """
    lines = _split_lines(text)
    session = SessionDescription()
    index = _parse_session(lines, session)
    while index < len(lines):
        index = _parse_media(lines, index, session)
    return session


def _split_lines(text: str | bytes) -> list[_Line]:
    if isinstance(text, bytes):
        if len(text) > MAX_SDP_LENGTH:
            raise SdpSyntaxError(f"session description longer than {MAX_SDP_LENGTH} bytes")
        try:
            decoded = text.decode("utf-8")
        except UnicodeDecodeError as error:
            line_number = text.count(b"\n", 0, error.start) + 1
            raise SdpSyntaxError("text is not valid UTF-8 (RFC 8866 §5)", line_number) from None
    elif isinstance(text, str):
        decoded = text
    else:
        raise TypeError(f"parse_sdp() needs str or bytes, not {type(text).__name__}")
    if len(decoded) > MAX_SDP_LENGTH:
        raise SdpSyntaxError(f"session description longer than {MAX_SDP_LENGTH} characters")
    raw_lines = decoded.split("\n")
    if raw_lines[-1] == "":
        raw_lines.pop()  # the last line's terminator
    if not raw_lines:
        raise SdpSyntaxError("empty session description: expected v=0 (RFC 8866 §5.1)", 1)
    lines = []
    terminated = decoded.endswith("\n")
    for number, raw in enumerate(raw_lines, start=1):
        # A CR ends a line only before its LF; a lone CR (even at the very end) is refused.
        ends_with_lf = number < len(raw_lines) or terminated
        line = raw[:-1] if raw.endswith("\r") and ends_with_lf else raw
        if len(line) > MAX_LINE_LENGTH:
            raise SdpSyntaxError(f"line longer than {MAX_LINE_LENGTH} characters", number, line)
        bad = find_forbidden_character(line)
        if bad >= 0:
            code = ord(line[bad])
            what = "lone surrogate (text is not valid UTF-8)" if code >= 0xD800 else "character"
            raise SdpSyntaxError(
                f"forbidden {what} U+{code:04X} at column {bad + 1} (RFC 8866 §5, §9)",
                number,
                line.encode("utf-8", "backslashreplace").decode("ascii", "replace"),
            )
        if not line:
            raise SdpSyntaxError("empty line (RFC 8866 §5: every line is <type>=<value>)", number)
        if len(line) < 2 or line[1] != "=":
            if "=" not in line:
                message = "not a <type>=<value> line (RFC 8866 §5)"
            else:
                message = "the type before '=' must be exactly one character (RFC 8866 §5)"
            raise SdpSyntaxError(message, number, line)
        if line[0] not in _KNOWN_TYPES:
            raise SdpSyntaxError(
                f"unknown line type '{line[0]}=' (RFC 8866 §5: a parser MUST ignore or reject "
                "a description with a type letter it does not understand)",
                number,
                line,
            )
        lines.append(_Line(number, line))
    return lines


def _parse_session(lines: list[_Line], session: SessionDescription) -> int:
    """Parse the session part; return the index of the first ``m=`` line (or ``len(lines)``)."""
    previous = lines[0]
    seen_time = False
    index = 0
    while index < len(lines) and (index < 3 or lines[index].type != "m"):
        line = lines[index]
        if index < 3:
            _expect("vos"[index], line)
        elif line.type in ("k", "a") and not seen_time:
            raise line.error("missing t= line before this one (RFC 8866 §5, §5.9)")
        _check_session_order(previous, line)
        _parse_session_line(line, session, first_time=not seen_time)
        seen_time = seen_time or line.type == "t"
        previous = line
        index += 1
    if index < 3:
        expected = "vos"[index]
        raise SdpSyntaxError(
            f"expected the {_NAMES[expected]} line {expected}= ({_SECTIONS[expected]}), found "
            "the end of the text",
            lines[-1].number + 1,
        )
    if not seen_time:
        if index < len(lines):
            raise lines[index].error("missing t= line before the first m= (RFC 8866 §5, §5.9)")
        raise SdpSyntaxError("missing t= line (RFC 8866 §5.9)", lines[-1].number + 1)
    return index


_SECTIONS: Final = {"v": "RFC 8866 §5.1", "o": "RFC 8866 §5.2", "s": "RFC 8866 §5.3"}


def _expect(expected: str, line: _Line) -> None:
    if line.type != expected:
        raise line.error(
            f"expected the {_NAMES[expected]} line {expected}= ({_SECTIONS[expected]})"
        )


def _check_session_order(previous: _Line, line: _Line) -> None:
    if line is previous:
        return
    kind, before = line.type, previous.type
    if kind not in _SESSION_RANK:
        raise line.error(f"'{kind}=' is only allowed in a media description (RFC 8866 §5)")
    rank, before_rank = _SESSION_RANK[kind], _SESSION_RANK[before]
    if kind in ("r", "z"):
        if before not in ("t", "r"):
            raise line.error(f"'{kind}=' must follow a t= or r= line (RFC 8866 §5, §5.10, §5.11)")
        return
    if rank < before_rank:
        raise line.error(f"'{kind}=' line after '{before}=' is out of order (RFC 8866 §5)")
    if kind == before and kind not in _REPEATABLE:
        raise line.error(f"more than one '{kind}=' line at session level (RFC 8866 §5)")
    if kind == "c" and before == "c":
        raise line.error("more than one 'c=' line at session level (RFC 8866 §5.7)")


def _parse_session_line(line: _Line, session: SessionDescription, *, first_time: bool) -> None:
    kind, value = line.type, line.value
    if kind == "v":
        if value != "0":
            raise line.error("unsupported SDP version: only v=0 exists (RFC 8866 §5.1)")
    elif kind == "o":
        session.origin = _parse_origin(line)
    elif kind == "s":
        if not value:
            raise line.error("s= must not be empty; use 's=-' (RFC 8866 §5.3)")
        session.name = value
    elif kind == "c":
        session.connection = _parse_connection(line)
    elif kind == "t":
        match = _T_LINE.fullmatch(value)
        if match is None:
            raise line.error(
                "t= must be '<start> <stop>', each 0 or a 10+ digit NTP time (RFC 8866 §5.9)"
            )
        if first_time:
            session.timing = (int(match.group(1)), int(match.group(2)))
        else:
            session.other_lines.append(("t", value))
    elif kind == "a":
        session.attributes.append(_parse_attribute(line))
    else:
        _check_other(line)
        session.other_lines.append((kind, value))


def _parse_media(lines: list[_Line], index: int, session: SessionDescription) -> int:
    """Parse the media description starting at ``lines[index]`` (an ``m=`` line)."""
    media = _parse_media_line(lines[index])
    session.media.append(media)
    previous = lines[index]
    index += 1
    while index < len(lines):
        line = lines[index]
        kind = line.type
        if kind == "m":
            break
        if kind not in _MEDIA_RANK:
            raise line.error(
                f"'{kind}=' ({_NAMES[kind]}) is not allowed in a media description (RFC 8866 §5)"
            )
        before = previous.type
        if _MEDIA_RANK[kind] < _MEDIA_RANK[before]:
            raise line.error(f"'{kind}=' line after '{before}=' is out of order (RFC 8866 §5)")
        if kind == before and kind not in _REPEATABLE:
            raise line.error(f"more than one '{kind}=' line in a media description (RFC 8866 §5)")
        if kind == "a":
            media.attributes.append(_parse_attribute(line))
        elif kind == "c" and media.connection is None:
            media.connection = _parse_connection(line)
        elif kind == "c":
            _parse_connection(line)
            media.other_lines.append((kind, line.value))
        else:
            _check_other(line)
            media.other_lines.append((kind, line.value))
        previous = line
        index += 1
    return index


def _parse_origin(line: _Line) -> Origin:
    """``o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>``."""
    fields = line.value.split(" ")
    if len(fields) != 6:
        raise line.error(
            f"o= must have 6 fields separated by single spaces, found {len(fields)} (RFC 8866 §5.2)"
        )
    username, session_id, session_version, nettype, addrtype, address = fields
    if not is_non_ws_string(username):
        raise line.error("o= username must be visible characters (RFC 8866 §5.2)")
    if not is_digits(session_id) or not is_digits(session_version):
        raise line.error("o= sess-id and sess-version must be decimal digits (RFC 8866 §5.2)")
    if not is_token(nettype) or not is_token(addrtype):
        raise line.error("o= nettype and addrtype must be tokens (RFC 8866 §5.2)")
    if not is_non_ws_string(address):
        raise line.error("o= unicast-address must be visible characters (RFC 8866 §5.2)")
    return Origin(username, int(session_id), int(session_version), nettype, addrtype, address)


def _parse_connection(line: _Line) -> ConnectionData:
    """``c=<nettype> <addrtype> <connection-address>`` (RFC 8866 §5.7)."""
    fields = line.value.split(" ")
    if len(fields) != 3:
        raise line.error(
            f"c= must have 3 fields separated by single spaces, found {len(fields)} (RFC 8866 §5.7)"
        )
    nettype, addrtype, address = fields
    if not is_token(nettype) or not is_token(addrtype):
        raise line.error("c= nettype and addrtype must be tokens (RFC 8866 §5.7)")
    if not is_non_ws_string(address):
        raise line.error("c= connection-address must be visible characters (RFC 8866 §5.7)")
    return ConnectionData(nettype, addrtype, address)


def _parse_attribute(line: _Line) -> Attribute:
    """``a=<attribute-name>[:<attribute-value>]`` (RFC 8866 §5.13, §9)."""
    name, colon, value = line.value.partition(":")
    if not is_token(name):
        raise line.error("attribute name must be a token (RFC 8866 §5.13, §9)")
    if colon and not value:
        raise line.error("attribute value after ':' must not be empty (RFC 8866 §9)")
    return Attribute(name, value if colon else None, line.number)


def _parse_media_line(line: _Line) -> MediaDescription:
    """``m=<media> <port>[/<number of ports>] <proto> <fmt> ...`` (RFC 8866 §5.14)."""
    fields = line.value.split(" ")
    if len(fields) < 4:
        raise line.error(
            "m= must be '<media> <port> <proto> <fmt> ...' with at least one fmt, separated "
            "by single spaces (RFC 8866 §5.14)"
        )
    kind, port_text, proto, *formats = fields
    if not is_token(kind):
        raise line.error("m= media must be a token (RFC 8866 §5.14)")
    port_text, slash, count_text = port_text.partition("/")
    if not is_digits(port_text) or len(port_text.lstrip("0")) > 5 or int(port_text) > 0xFFFF:
        raise line.error("m= port must be a decimal number 0..65535 (RFC 8866 §5.14)")
    port_count = None
    if slash:
        if not is_integer(count_text) or len(count_text) > 5:
            raise line.error("m= number of ports must be a positive integer (RFC 8866 §5.14)")
        port_count = int(count_text)
    if not all(is_token(part) for part in proto.split("/")):
        raise line.error("m= proto must be token *('/' token) (RFC 8866 §5.14)")
    if not all(is_token(fmt) for fmt in formats):
        raise line.error("m= fmt values must be tokens (RFC 8866 §5.14)")
    return MediaDescription(
        kind, int(port_text), proto, formats, port_count=port_count, line_number=line.number
    )


def _check_other(line: _Line) -> None:
    """Grammar of the lines kept verbatim: ``i u e p b r z k`` (RFC 8866 §5.4-§5.12)."""
    kind, value = line.type, line.value
    if kind in ("i", "e", "p"):
        if not value:
            raise line.error(f"{kind}= must not be empty (RFC 8866 §9)")
    elif kind == "u":
        if not is_non_ws_string(value):
            raise line.error("u= must be a URI without spaces (RFC 8866 §5.5)")
    elif kind == "b":
        bwtype, colon, bandwidth = value.partition(":")
        if not colon or not is_token(bwtype) or not is_digits(bandwidth):
            raise line.error("b= must be '<bwtype>:<bandwidth>' (RFC 8866 §5.8)")
    elif kind == "r":
        if _R_LINE.fullmatch(value) is None:
            raise line.error(
                "r= must be '<repeat interval> <active duration> <offsets>' (RFC 8866 §5.10)"
            )
    elif kind == "z":
        if _Z_LINE.fullmatch(value) is None:
            raise line.error("z= must be '<adjustment time> <offset>' pairs (RFC 8866 §5.11)")
    elif kind == "k":
        method, colon, rest = value.partition(":")
        valid = (value == "prompt") or (
            colon == ":" and method in ("clear", "base64", "uri") and bool(rest)
        )
        if not valid:
            raise line.error(
                "k= must be prompt, clear:<key>, base64:<key> or uri:<uri> (RFC 8866 §5.12)"
            )
