"""The session description model: what :func:`~rtcpeer.sdp.parse_sdp` returns and
:meth:`SessionDescription.serialize` writes.

The model keeps every line of the text it was parsed from, in order, so that
``parse_sdp(text).serialize()`` reproduces ``text`` exactly once line endings are CRLF (RFC 8866
§5) and numbers have no leading zeros. Structured lines (``v=``, ``o=``, ``s=``, ``c=``, ``t=``,
``m=``, ``a=``) become fields; the remaining ones (``i=``, ``u=``, ``e=``, ``p=``, ``b=``,
``r=``, ``z=``, ``k=``, extra ``t=`` and media ``c=`` lines) are kept verbatim in
``other_lines`` and written back in their RFC 8866 §5 positions.

Attributes are kept as :class:`Attribute` (name, value) pairs in order, unknown ones included
(RFC 8866 §5.13). The typed views (properties such as :attr:`MediaDescription.mid` or
:attr:`SessionDescription.groups`) parse the attributes ICE, DTLS, SCTP and BUNDLE need each
time they are read, so they always agree with :attr:`attributes` after an edit. They match
attribute names case-insensitively: attribute names in their defining RFCs are ABNF string
literals, which are case-insensitive (RFC 5234 §2.3); this is also how
:meth:`rtcpeer.ice.Candidate.from_sdp` treats ``candidate:``. A malformed value raises
:class:`SdpAttributeError`, and a single-valued attribute given twice at one level raises
:class:`SdpValidationError`, both with the attribute's line number when it came from parsed
text. :func:`~rtcpeer.sdp.validate_description` reads every view once, so after it passes no
view raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final, TypeVar

from rtcpeer.sdp.attributes import (
    DIRECTIONS,
    Fingerprint,
    SctpMap,
    parse_fingerprint,
    parse_group,
    parse_ice_options,
    parse_ice_pwd,
    parse_ice_ufrag,
    parse_max_message_size,
    parse_mid,
    parse_msid_semantic,
    parse_sctp_port,
    parse_sctpmap,
    parse_setup,
)
from rtcpeer.sdp.errors import SdpAttributeError, SdpError, SdpValidationError
from rtcpeer.sdp.grammar import (
    find_forbidden_character,
    is_integer,
    is_non_ws_string,
    is_token,
)

__all__ = [
    "MAX_LINE_LENGTH",
    "Attribute",
    "ConnectionData",
    "MediaDescription",
    "Origin",
    "SessionDescription",
]

MAX_LINE_LENGTH: Final = 8192
"""Longest line (without its terminator) the parser accepts and the serializer writes.

RFC 8866 sets no limit; browsers' longest lines (``a=fmtp``, ``a=ssrc-group``, ``a=simulcast``)
are a few hundred characters, so 8 KiB is generous while bounding the work one line can cause.
"""

_T = TypeVar("_T")

# Types of the lines kept verbatim in other_lines, with their rank in the RFC 8866 §5 order.
_SESSION_OTHER_RANK: Final = {"i": 0, "u": 1, "e": 2, "p": 3, "b": 5, "t": 6, "r": 6, "z": 6}
_SESSION_OTHER_RANK_K: Final = 7
_MEDIA_OTHER_RANK: Final = {"i": 0, "c": 1, "b": 2, "k": 3}


def _check_text(what: str, text: str, *, allow_empty: bool = False) -> None:
    """Raise :class:`SdpError` if ``text`` cannot be written on an SDP line."""
    if not text and not allow_empty:
        raise SdpError(f"{what} must not be empty")
    index = find_forbidden_character(text)
    if index >= 0:
        raise SdpError(f"{what} contains the forbidden character U+{ord(text[index]):04X}")


@dataclass(frozen=True, slots=True)
class Attribute:
    """One ``a=`` line (RFC 8866 §5.13): ``a=<name>`` or ``a=<name>:<value>``.

    ``name`` must be an RFC 8866 token; ``value`` is ``None`` for a property attribute and
    otherwise a non-empty ``byte-string`` (RFC 8866 §9), kept exactly as written (leading
    spaces included, as in libwebrtc's ``a=msid-semantic: WMS``). ``line_number`` is the
    1-based line the attribute was parsed from (``None`` if built in code); it takes no part in
    equality.
    """

    name: str
    value: str | None = None
    line_number: int | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not is_token(self.name):
            raise SdpError(f"attribute name {self.name!r} is not a token (RFC 8866 §5.13)")
        if self.value is not None:
            _check_text(f"a={self.name} value", self.value)

    def to_sdp(self) -> str:
        """The line without its terminator: ``a=name`` or ``a=name:value``."""
        if self.value is None:
            return f"a={self.name}"
        return f"a={self.name}:{self.value}"


@dataclass(frozen=True, slots=True)
class Origin:
    """The ``o=`` line (RFC 8866 §5.2).

    ``o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>``
    """

    username: str = "-"
    session_id: int = 0
    session_version: int = 0
    nettype: str = "IN"
    addrtype: str = "IP4"
    address: str = "127.0.0.1"

    def __post_init__(self) -> None:
        if not is_non_ws_string(self.username):
            raise SdpError("o= username must be visible characters without spaces")
        if self.session_id < 0 or self.session_version < 0:
            raise SdpError("o= sess-id and sess-version must be non-negative")
        if not is_token(self.nettype) or not is_token(self.addrtype):
            raise SdpError("o= nettype and addrtype must be tokens")
        if not is_non_ws_string(self.address):
            raise SdpError("o= unicast-address must be visible characters without spaces")

    def to_sdp(self) -> str:
        """The ``o=`` line without its terminator."""
        return (
            f"o={self.username} {self.session_id} {self.session_version} "
            f"{self.nettype} {self.addrtype} {self.address}"
        )


@dataclass(frozen=True, slots=True)
class ConnectionData:
    """A ``c=`` line (RFC 8866 §5.7): ``c=<nettype> <addrtype> <connection-address>``.

    ``address`` is kept as written, so a multicast ``224.2.1.1/127/3`` keeps its TTL and count.
    """

    nettype: str = "IN"
    addrtype: str = "IP4"
    address: str = "0.0.0.0"

    def __post_init__(self) -> None:
        if not is_token(self.nettype) or not is_token(self.addrtype):
            raise SdpError("c= nettype and addrtype must be tokens")
        if not is_non_ws_string(self.address):
            raise SdpError("c= connection-address must be visible characters without spaces")

    def to_sdp(self) -> str:
        """The ``c=`` line without its terminator."""
        return f"c={self.nettype} {self.addrtype} {self.address}"


class _Attributes:
    """Attribute lookup and editing shared by session and media descriptions."""

    attributes: list[Attribute]

    def find_attributes(self, name: str) -> list[Attribute]:
        """Every attribute called ``name`` (case-insensitive), in order."""
        wanted = name.lower()
        return [a for a in self.attributes if a.name.lower() == wanted]

    def get_attribute(self, name: str) -> Attribute | None:
        """The first attribute called ``name`` (case-insensitive), or ``None``."""
        wanted = name.lower()
        return next((a for a in self.attributes if a.name.lower() == wanted), None)

    def has_attribute(self, name: str) -> bool:
        """Whether an attribute called ``name`` (case-insensitive) is present."""
        return self.get_attribute(name) is not None

    def add_attribute(self, name: str, value: str | None = None) -> Attribute:
        """Append ``a=name[:value]`` and return it. Raises :class:`SdpError` if unwritable."""
        attribute = Attribute(name, value)
        self.attributes.append(attribute)
        return attribute

    def remove_attributes(self, name: str) -> int:
        """Remove every attribute called ``name`` (case-insensitive); return how many."""
        wanted = name.lower()
        kept = [a for a in self.attributes if a.name.lower() != wanted]
        removed = len(self.attributes) - len(kept)
        self.attributes[:] = kept
        return removed

    def set_attribute(self, name: str, value: str | None = None) -> Attribute:
        """Replace every attribute called ``name`` by one ``a=name[:value]``.

        The new attribute takes the place of the first one it replaces, or is appended.
        """
        attribute = Attribute(name, value)
        wanted = name.lower()
        index = next(
            (i for i, a in enumerate(self.attributes) if a.name.lower() == wanted),
            len(self.attributes),
        )
        self.remove_attributes(name)
        self.attributes.insert(index, attribute)
        return attribute

    # -- typed-view helpers ---------------------------------------------------------------

    def _flag(self, name: str) -> bool:
        return self.has_attribute(name)

    def _single(self, name: str, parse: Callable[[str], _T]) -> _T | None:
        """The typed value of a single-valued attribute at this level, or ``None``."""
        found = self.find_attributes(name)
        if not found:
            return None
        if len(found) > 1:
            extra = found[1]
            raise SdpValidationError(
                f"a={name} appears more than once at one level",
                extra.line_number,
                extra.to_sdp(),
            )
        return _typed(found[0], parse)

    def _multi(self, name: str, parse: Callable[[str], _T]) -> list[_T]:
        return [_typed(a, parse) for a in self.find_attributes(name)]

    def _direction(self) -> str | None:
        found = [a for a in self.attributes if a.name.lower() in DIRECTIONS]
        if not found:
            return None
        if len(found) > 1:
            raise SdpValidationError(
                "more than one direction attribute at one level (RFC 8866 §6.7)",
                found[1].line_number,
                found[1].to_sdp(),
            )
        return found[0].name.lower()


def _typed(attribute: Attribute, parse: Callable[[str], _T]) -> _T:
    """Parse ``attribute``'s value, attaching its line to any error."""
    if attribute.value is None:
        raise SdpAttributeError(
            f"a={attribute.name} needs a value", attribute.line_number, attribute.to_sdp()
        )
    try:
        return parse(attribute.value)
    except SdpAttributeError as error:
        raise SdpAttributeError(error.message, attribute.line_number, attribute.to_sdp()) from None


def _identity(value: str) -> str:
    return value


@dataclass(eq=True)
class MediaDescription(_Attributes):
    """One media description: an ``m=`` line and the lines up to the next ``m=`` (RFC 8866 §5.14).

    ``m=<kind> <port>[/<port_count>] <proto> <fmt> ...``
    """

    kind: str
    """``audio``, ``video``, ``application`` or another RFC 8866 token."""
    port: int
    proto: str
    """``UDP/TLS/RTP/SAVPF``, ``UDP/DTLS/SCTP``, ``DTLS/SCTP``, ..."""
    formats: list[str]
    port_count: int | None = None
    connection: ConnectionData | None = None
    """The first media-level ``c=`` line (further ones stay in :attr:`other_lines`)."""
    attributes: list[Attribute] = field(default_factory=list)
    other_lines: list[tuple[str, str]] = field(default_factory=list)
    """``i=``, further ``c=`` (after :attr:`connection`), ``b=`` and ``k=`` lines as
    ``(type, value)``, in order."""
    line_number: int | None = field(default=None, compare=False, repr=False)
    """The 1-based line of the ``m=`` line in the parsed text (``None`` if built in code)."""

    # -- ICE (RFC 8839) -------------------------------------------------------------------

    @property
    def mid(self) -> str | None:
        """``a=mid`` (RFC 5888 §4), or ``None``."""
        return self._single("mid", parse_mid)

    @property
    def ice_ufrag(self) -> str | None:
        """Media-level ``a=ice-ufrag`` (RFC 8839 §5.4).

        See :meth:`SessionDescription.ice_credentials` for the session-level fallback.
        """
        return self._single("ice-ufrag", parse_ice_ufrag)

    @property
    def ice_pwd(self) -> str | None:
        """Media-level ``a=ice-pwd`` (RFC 8839 §5.4).

        See :meth:`SessionDescription.ice_credentials` for the session-level fallback.
        """
        return self._single("ice-pwd", parse_ice_pwd)

    @property
    def ice_options(self) -> list[str]:
        """Tags of the media-level ``a=ice-options`` lines (RFC 8839 §5.6), in order."""
        return [tag for tags in self._multi("ice-options", parse_ice_options) for tag in tags]

    @property
    def candidates(self) -> list[str]:
        """Values of the ``a=candidate`` lines (RFC 8839 §5.1), unparsed.

        Each is the text after ``a=candidate:``, which
        :meth:`rtcpeer.ice.Candidate.from_sdp` accepts.
        """
        return self._multi("candidate", _identity)

    @property
    def end_of_candidates(self) -> bool:
        """Whether media-level ``a=end-of-candidates`` is present (RFC 8840 §8)."""
        return self._flag("end-of-candidates")

    # -- DTLS (RFC 8122, RFC 4145, RFC 8842) ----------------------------------------------

    @property
    def fingerprints(self) -> list[Fingerprint]:
        """Media-level ``a=fingerprint`` lines (RFC 8122 §5), in order."""
        return self._multi("fingerprint", parse_fingerprint)

    @property
    def setup(self) -> str | None:
        """Media-level ``a=setup`` (RFC 4145 §4): actpass, active, passive or holdconn."""
        return self._single("setup", parse_setup)

    # -- SCTP (RFC 8841) ------------------------------------------------------------------

    @property
    def sctp_port(self) -> int | None:
        """The SCTP port: ``a=sctp-port`` (RFC 8841 §5.1).

        Without it, the port of a legacy ``a=sctpmap`` (draft-ietf-mmusic-sctp-sdp-05, the
        ``DTLS/SCTP`` form), else ``None``. RFC 8841 §5 makes 5000 the default when the
        attribute is absent; that default is the caller's to apply.
        """
        port = self._single("sctp-port", parse_sctp_port)
        if port is None:
            sctpmap = self.sctpmap
            if sctpmap is not None:
                return sctpmap.number
        return port

    @property
    def sctpmap(self) -> SctpMap | None:
        """A legacy ``a=sctpmap`` (draft-ietf-mmusic-sctp-sdp-05), or ``None``."""
        return self._single("sctpmap", parse_sctpmap)

    @property
    def max_message_size(self) -> int | None:
        """``a=max-message-size`` in bytes (RFC 8841 §6.1), ``0`` meaning unlimited.

        ``None`` when absent; RFC 8841 §6 then implies 64 KiB, which the caller applies.
        """
        return self._single("max-message-size", parse_max_message_size)

    # -- RTP, BUNDLE, direction -----------------------------------------------------------

    @property
    def direction(self) -> str:
        """The media-level direction attribute (RFC 8866 §6.7), ``"sendrecv"`` when absent.

        A session-level direction applies when the media level has none; use
        :meth:`SessionDescription.media_direction` to take it into account.
        """
        return self._direction() or "sendrecv"

    @property
    def rtcp_mux(self) -> bool:
        """Whether ``a=rtcp-mux`` is present (RFC 5761 §5.1.1)."""
        return self._flag("rtcp-mux")

    @property
    def bundle_only(self) -> bool:
        """Whether ``a=bundle-only`` is present (RFC 8843 §6)."""
        return self._flag("bundle-only")

    @property
    def rejected(self) -> bool:
        """Port 0 without ``a=bundle-only``: a rejected or disabled m= section.

        RFC 3264 §6 and §8.2 (port 0 rejects or removes a stream); RFC 8843 §6, §7.2: port 0
        with ``a=bundle-only`` in an offer asks for the section to be bundled, not rejected.
        """
        return self.port == 0 and not self.bundle_only

    @property
    def msids(self) -> list[tuple[str, str | None]]:
        """``a=msid`` lines (RFC 8830 §2) as ``(msid-id, msid-appdata or None)``.

        Split on the first space; values are not checked.
        """
        result: list[tuple[str, str | None]] = []
        for value in self._multi("msid", _identity):
            stream, _, track = value.strip().partition(" ")
            result.append((stream, track or None))
        return result

    def m_line(self) -> str:
        """The ``m=`` line without its terminator (not checked; see :meth:`to_lines`)."""
        port = str(self.port) if self.port_count is None else f"{self.port}/{self.port_count}"
        return f"m={self.kind} {port} {self.proto} {' '.join(self.formats)}"

    def to_lines(self) -> list[str]:
        """The media description's lines, without terminators."""
        _check_media(self)
        lines = [self.m_line()]
        other = sorted(self.other_lines, key=lambda item: _MEDIA_OTHER_RANK[item[0]])
        lines.extend(f"{t}={v}" for t, v in other if t == "i")
        if self.connection is not None:
            lines.append(self.connection.to_sdp())
        lines.extend(f"{t}={v}" for t, v in other if t != "i")
        lines.extend(a.to_sdp() for a in self.attributes)
        return lines


def _check_media(media: MediaDescription) -> None:
    if not is_token(media.kind):
        raise SdpError(f"m= media {media.kind!r} is not a token (RFC 8866 §5.14)")
    if not 0 <= media.port <= 0xFFFF:
        raise SdpError(f"m= port {media.port} is outside 0..65535")
    if media.port_count is not None and media.port_count < 1:
        raise SdpError("m= port count must be a positive integer (RFC 8866 §5.14)")
    if not all(is_token(part) for part in media.proto.split("/")):
        raise SdpError(f"m= proto {media.proto!r} is not token *('/' token) (RFC 8866 §5.14)")
    if not media.formats or not all(is_token(f) for f in media.formats):
        raise SdpError("m= needs one or more fmt tokens (RFC 8866 §5.14)")
    for line_type, value in media.other_lines:
        if line_type not in _MEDIA_OTHER_RANK:
            raise SdpError(f"'{line_type}=' lines cannot appear in a media description")
        _check_text(f"{line_type}= value", value)
    _check_counts(media.other_lines, "ik", "in a media description")


def _check_counts(other_lines: list[tuple[str, str]], single: str, where: str) -> None:
    """RFC 8866 §5: ``i=``, ``u=`` and ``k=`` appear at most once per level."""
    for line_type in single:
        if sum(1 for t, _ in other_lines if t == line_type) > 1:
            raise SdpError(f"more than one '{line_type}=' line {where} (RFC 8866 §5)")


@dataclass(eq=True)
class SessionDescription(_Attributes):
    """A parsed session description (RFC 8866 §5).

    Build one with :func:`~rtcpeer.sdp.parse_sdp` (or :meth:`parse`) or in code, edit it, and
    write it with :meth:`serialize`. ``SessionDescription()`` is the smallest valid
    description: ``v=0``, ``o=- 0 0 IN IP4 127.0.0.1``, ``s=-``, ``t=0 0``.
    """

    version: int = 0
    """``v=`` (RFC 8866 §5.1); only 0 exists."""
    origin: Origin = field(default_factory=Origin)
    name: str = "-"
    """``s=`` (RFC 8866 §5.3); ``-`` when there is no meaningful name."""
    timing: tuple[int, int] = (0, 0)
    """The first ``t=`` line (RFC 8866 §5.9); ``(0, 0)`` is a permanent session."""
    connection: ConnectionData | None = None
    """The session-level ``c=`` line (RFC 8866 §5.7)."""
    attributes: list[Attribute] = field(default_factory=list)
    """Session-level ``a=`` lines, in order."""
    media: list[MediaDescription] = field(default_factory=list)
    other_lines: list[tuple[str, str]] = field(default_factory=list)
    """``i=``, ``u=``, ``e=``, ``p=``, ``b=``, further ``t=``, ``r=``, ``z=`` and ``k=`` lines
    as ``(type, value)``, in order."""

    @classmethod
    def parse(cls, text: str | bytes) -> SessionDescription:
        """Parse ``text``; the same as :func:`~rtcpeer.sdp.parse_sdp`."""
        from rtcpeer.sdp.parser import parse_sdp  # the parser imports this module

        return parse_sdp(text)

    # -- serialization --------------------------------------------------------------------

    def to_lines(self) -> list[str]:
        """Every line of the description, without terminators."""
        if self.version != 0:
            raise SdpError("only SDP version 0 exists (RFC 8866 §5.1)")
        _check_text("s= session name", self.name)
        start, stop = self.timing
        if not (_is_sdp_time(start) and _is_sdp_time(stop)):
            raise SdpError("t= times must be 0 or at least 10 digits (RFC 8866 §5.9)")
        for line_type, value in self.other_lines:
            if line_type not in _SESSION_OTHER_RANK and line_type != "k":
                raise SdpError(f"'{line_type}=' lines cannot appear at session level")
            _check_text(f"{line_type}= value", value)
        _check_counts(self.other_lines, "iuk", "at session level")
        previous = "t"
        for line_type, _ in self.other_lines:
            if line_type in "rz" and previous not in "tr":
                raise SdpError(f"a '{line_type}=' line must follow a t= or r= line (RFC 8866 §5)")
            if line_type in "trz":
                previous = line_type

        def rank(item: tuple[str, str]) -> int:
            return _SESSION_OTHER_RANK.get(item[0], _SESSION_OTHER_RANK_K)

        other = sorted(self.other_lines, key=rank)
        lines = [f"v={self.version}", self.origin.to_sdp(), f"s={self.name}"]
        lines.extend(f"{t}={v}" for t, v in other if rank((t, v)) < 4)
        if self.connection is not None:
            lines.append(self.connection.to_sdp())
        lines.extend(f"{t}={v}" for t, v in other if rank((t, v)) == 5)
        lines.append(f"t={start} {stop}")
        lines.extend(f"{t}={v}" for t, v in other if rank((t, v)) >= 6)
        lines.extend(a.to_sdp() for a in self.attributes)
        for media in self.media:
            lines.extend(media.to_lines())
        for line in lines:
            if len(line) > MAX_LINE_LENGTH:
                raise SdpError(f"a line is longer than {MAX_LINE_LENGTH} characters", None, line)
        return lines

    def serialize(self) -> str:
        """The description as text: every line ending in CRLF (RFC 8866 §5).

        Raises :class:`SdpError` if a field cannot be written (a space in a token, a control
        character, a line over :data:`MAX_LINE_LENGTH`, ...).
        """
        return "".join(line + "\r\n" for line in self.to_lines())

    # -- session-level typed views --------------------------------------------------------

    @property
    def groups(self) -> list[tuple[str, list[str]]]:
        """``a=group`` lines (RFC 5888 §5) as ``(semantics, [mid, ...])``, in order."""
        return self._multi("group", parse_group)

    @property
    def bundle_groups(self) -> list[list[str]]:
        """The mids of each ``a=group:BUNDLE`` (RFC 8843 §5), in order.

        The semantics is matched case-insensitively (an ABNF literal, RFC 5234 §2.3).
        """
        return [mids for semantics, mids in self.groups if semantics.upper() == "BUNDLE"]

    @property
    def ice_lite(self) -> bool:
        """Whether session-level ``a=ice-lite`` is present (RFC 8839 §5.3)."""
        return self._flag("ice-lite")

    @property
    def ice_ufrag(self) -> str | None:
        """Session-level ``a=ice-ufrag`` (RFC 8839 §5.4), the default for every m= section."""
        return self._single("ice-ufrag", parse_ice_ufrag)

    @property
    def ice_pwd(self) -> str | None:
        """Session-level ``a=ice-pwd`` (RFC 8839 §5.4), the default for every m= section."""
        return self._single("ice-pwd", parse_ice_pwd)

    @property
    def ice_options(self) -> list[str]:
        """Tags of the session-level ``a=ice-options`` lines (RFC 8839 §5.6)."""
        return [tag for tags in self._multi("ice-options", parse_ice_options) for tag in tags]

    @property
    def fingerprints(self) -> list[Fingerprint]:
        """Session-level ``a=fingerprint`` lines (RFC 8122 §5), the default for m= sections."""
        return self._multi("fingerprint", parse_fingerprint)

    @property
    def setup(self) -> str | None:
        """Session-level ``a=setup`` (RFC 4145 §4), the default for every m= section."""
        return self._single("setup", parse_setup)

    @property
    def end_of_candidates(self) -> bool:
        """Whether session-level ``a=end-of-candidates`` is present (RFC 8840 §8)."""
        return self._flag("end-of-candidates")

    @property
    def direction(self) -> str | None:
        """The session-level direction attribute (RFC 8866 §6.7), ``None`` when absent."""
        return self._direction()

    @property
    def msid_semantic(self) -> tuple[str, list[str]] | None:
        """The legacy ``a=msid-semantic`` as ``(semantic, ids)`` (see ``parse_msid_semantic``)."""
        attribute = self.get_attribute("msid-semantic")
        if attribute is None or attribute.value is None:
            return None
        return parse_msid_semantic(attribute.value)

    @property
    def mids(self) -> list[str | None]:
        """Each m= section's ``a=mid`` (``None`` where absent), in m= line order."""
        return [m.mid for m in self.media]

    def media_index(self, mid: str) -> int | None:
        """Index in :attr:`media` of the m= section whose ``a=mid`` is ``mid``, or ``None``."""
        return next((i for i, m in enumerate(self.media) if m.mid == mid), None)

    # -- per-m= section values with session-level fallback --------------------------------

    def ice_credentials(self, media_index: int) -> tuple[str, str] | None:
        """``(ufrag, pwd)`` for m= section ``media_index``.

        Each of ``a=ice-ufrag`` and ``a=ice-pwd`` is taken from the media level, else from the
        session level (RFC 8839 §5.4). ``None`` unless both are found.
        """
        media = self.media[media_index]
        ufrag = media.ice_ufrag or self.ice_ufrag
        pwd = media.ice_pwd or self.ice_pwd
        if ufrag is None or pwd is None:
            return None
        return ufrag, pwd

    def media_ice_options(self, media_index: int) -> list[str]:
        """The m= section's ``a=ice-options`` tags, else the session level's (RFC 8839 §5.6)."""
        return self.media[media_index].ice_options or self.ice_options

    def media_fingerprints(self, media_index: int) -> list[Fingerprint]:
        """The m= section's ``a=fingerprint`` lines, else the session level's (RFC 8122 §5)."""
        return self.media[media_index].fingerprints or self.fingerprints

    def media_setup(self, media_index: int) -> str | None:
        """The m= section's ``a=setup``, else the session level's (RFC 4145 §4)."""
        media_setup = self.media[media_index].setup
        return media_setup if media_setup is not None else self.setup

    def media_direction(self, media_index: int) -> str:
        """The m= section's direction, else the session's, else sendrecv (RFC 8866 §6.7)."""
        return self.media[media_index]._direction() or self.direction or "sendrecv"

    def media_end_of_candidates(self, media_index: int) -> bool:
        """``a=end-of-candidates`` at the m= section or the session level (RFC 8840 §8)."""
        return self.media[media_index].end_of_candidates or self.end_of_candidates

    def iter_attributes(self) -> Iterator[tuple[int | None, Attribute]]:
        """Every attribute with the index of its m= section (``None`` at session level)."""
        for attribute in self.attributes:
            yield None, attribute
        for index, media in enumerate(self.media):
            for attribute in media.attributes:
                yield index, attribute


def _is_sdp_time(value: int) -> bool:
    """RFC 8866 §9 ``start-time``/``stop-time``: ``"0"`` or ``POS-DIGIT 9*DIGIT``."""
    text = str(value)
    return text == "0" or (is_integer(text) and len(text) >= 10)
