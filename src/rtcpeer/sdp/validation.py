"""Checks an RTCPeerConnection runs on a parsed description before applying it.

:func:`description_problems` returns every problem found, ordered by line number;
:func:`validate_description` raises the first. Each problem is one of:

:class:`SdpAttributeError` (a :class:`SdpSyntaxError`: report as ``sdp-syntax-error``)
    * a typed attribute's value breaks its grammar: ``a=fingerprint`` (RFC 8122 §5),
      ``a=setup`` (RFC 4145 §4), ``a=ice-ufrag``/``a=ice-pwd`` (RFC 8839 §5.4: 4..256 and
      22..256 ``ice-char``), ``a=ice-options`` (RFC 8839 §5.6), ``a=group`` (RFC 5888 §5),
      ``a=mid`` (RFC 5888 §4), ``a=sctp-port``/``a=max-message-size`` (RFC 8841 §5.1, §6.1),
      ``a=sctpmap``;
    * one of those, or ``a=candidate``, has no value, or a property attribute (``a=ice-lite``,
      ``a=rtcp-mux``, ``a=bundle-only``, ``a=end-of-candidates``, a direction) has one.

:class:`SdpValidationError`
    * a single-valued attribute (``mid``, ``ice-ufrag``, ``ice-pwd``, ``setup``,
      ``sctp-port``, ``max-message-size``, ``sctpmap``) or a direction attribute appears twice
      at one level;
    * ``a=mid`` at session level or ``a=group`` at media level (RFC 5888 §4, §5);
    * two m= sections share a mid (RFC 5888 §4: "MUST be unique");
    * a BUNDLE group names a mid no m= section has or names one twice (RFC 5888 §5), names one
      another BUNDLE group names (RFC 8843 §5), or names a rejected m= section — port 0 without
      ``a=bundle-only`` (RFC 8843 §7.3.3, §7.5.3);
    * an m= section that carries its own transport — not rejected and not a member of a BUNDLE
      group other than its first (RFC 8843 §7.1.3: subsequent offers and answers put transport
      attributes only in the tagged m= section, named by the group's first mid, §7.2.1, §7.3.1;
      bundle-only sections of an initial offer have none) — lacks ``a=ice-ufrag`` or
      ``a=ice-pwd`` at both media and session level (RFC 8839 §5.4), lacks ``a=fingerprint``
      while its proto uses DTLS (RFC 8122 §5, RFC 8842), or has no ``c=`` line at either
      level (RFC 8866 §5.7).

The cross-line checks read the typed views, so they run only when no attribute is malformed.

Errors about one attribute carry its line; errors about a missing attribute carry the ``m=``
line of the section that lacks it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from rtcpeer.sdp.attributes import (
    DIRECTIONS,
    parse_fingerprint,
    parse_group,
    parse_ice_options,
    parse_ice_pwd,
    parse_ice_ufrag,
    parse_max_message_size,
    parse_mid,
    parse_sctp_port,
    parse_sctpmap,
    parse_setup,
)
from rtcpeer.sdp.errors import SdpAttributeError, SdpError, SdpValidationError
from rtcpeer.sdp.model import Attribute, MediaDescription, SessionDescription

__all__ = ["description_problems", "validate_description"]

_SINGLE: Final[dict[str, Callable[[str], object]]] = {
    "mid": parse_mid,
    "ice-ufrag": parse_ice_ufrag,
    "ice-pwd": parse_ice_pwd,
    "setup": parse_setup,
    "sctp-port": parse_sctp_port,
    "max-message-size": parse_max_message_size,
    "sctpmap": parse_sctpmap,
}
_MULTI: Final[dict[str, Callable[[str], object]]] = {
    "fingerprint": parse_fingerprint,
    "ice-options": parse_ice_options,
    "group": parse_group,
    "candidate": str,
}
_FLAGS: Final = frozenset({"ice-lite", "rtcp-mux", "bundle-only", "end-of-candidates"})


def validate_description(
    description: SessionDescription,
    *,
    require_ice: bool = True,
    require_fingerprint: bool = True,
    require_connection: bool = True,
) -> None:
    """Raise the first problem :func:`description_problems` finds, if any."""
    problems = description_problems(
        description,
        require_ice=require_ice,
        require_fingerprint=require_fingerprint,
        require_connection=require_connection,
    )
    if problems:
        raise problems[0]


def description_problems(
    description: SessionDescription,
    *,
    require_ice: bool = True,
    require_fingerprint: bool = True,
    require_connection: bool = True,
) -> list[SdpError]:
    """Every problem in ``description`` (see the module docstring), ordered by line number.

    ``require_ice``, ``require_fingerprint`` and ``require_connection`` turn off the checks
    for missing ICE credentials, DTLS fingerprints and ``c=`` lines (for SDP that is not
    WebRTC's). Problems without a line number come last.
    """
    problems: list[SdpError] = []
    _check_level(description.attributes, None, problems)
    for media in description.media:
        _check_level(media.attributes, media, problems)
    if not problems:
        # The cross-line checks read the typed views, which need well-formed attributes.
        _check_mids(description, problems)
        bundled = _check_bundle(description, problems)
        _check_transport(
            description,
            bundled,
            problems,
            require_ice=require_ice,
            require_fingerprint=require_fingerprint,
            require_connection=require_connection,
        )
    problems.sort(key=lambda p: (p.line_number is None, p.line_number or 0))
    return problems


def _attribute_error(cls: type[SdpError], message: str, attribute: Attribute) -> SdpError:
    return cls(message, attribute.line_number, attribute.to_sdp())


def _check_level(
    attributes: list[Attribute], media: MediaDescription | None, problems: list[SdpError]
) -> None:
    """Per-attribute grammar and per-level multiplicity (RFC 5888, 8122, 4145, 8839, 8841)."""
    seen: set[str] = set()
    direction_seen = False
    for attribute in attributes:
        name = attribute.name.lower()
        if name == "mid" and media is None:
            problems.append(
                _attribute_error(
                    SdpValidationError, "a=mid is a media-level attribute (RFC 5888 §4)", attribute
                )
            )
            continue
        if name == "group" and media is not None:
            problems.append(
                _attribute_error(
                    SdpValidationError,
                    "a=group is a session-level attribute (RFC 5888 §5)",
                    attribute,
                )
            )
            continue
        parse = _SINGLE.get(name) or _MULTI.get(name)
        if parse is not None:
            if attribute.value is None:
                problems.append(
                    _attribute_error(SdpAttributeError, f"a={name} needs a value", attribute)
                )
            else:
                try:
                    parse(attribute.value)
                except SdpAttributeError as error:
                    problems.append(_attribute_error(SdpAttributeError, error.message, attribute))
            if name in _SINGLE:
                if name in seen:
                    problems.append(
                        _attribute_error(
                            SdpValidationError,
                            f"a={name} appears more than once at one level",
                            attribute,
                        )
                    )
                seen.add(name)
        elif name in _FLAGS or name in DIRECTIONS:
            if attribute.value is not None:
                problems.append(
                    _attribute_error(SdpAttributeError, f"a={name} takes no value", attribute)
                )
            if name in DIRECTIONS:
                if direction_seen:
                    problems.append(
                        _attribute_error(
                            SdpValidationError,
                            "more than one direction attribute at one level (RFC 8866 §6.7)",
                            attribute,
                        )
                    )
                direction_seen = True


def _check_mids(description: SessionDescription, problems: list[SdpError]) -> None:
    """Mids are unique across the description (RFC 5888 §4)."""
    owners: dict[str, int] = {}
    for index, media in enumerate(description.media):
        mid = media.mid
        if mid is None:
            continue
        if mid in owners:
            attribute = media.get_attribute("mid")
            assert attribute is not None
            problems.append(
                _attribute_error(
                    SdpValidationError,
                    f"mid {mid!r} is already used by m= section {owners[mid]} (RFC 5888 §4)",
                    attribute,
                )
            )
        else:
            owners[mid] = index


def _check_bundle(description: SessionDescription, problems: list[SdpError]) -> set[int]:
    """BUNDLE groups name existing, distinct, non-rejected mids (RFC 5888 §5, RFC 8843 §5, §7).

    Returns the indexes of the m= sections that are bundled into another one (members of a
    BUNDLE group other than its first, the BUNDLE-tag).
    """
    index_of: dict[str, int] = {}
    for index, media in enumerate(description.media):
        mid = media.mid
        if mid is not None:
            index_of.setdefault(mid, index)
    grouped: set[str] = set()
    bundled: set[int] = set()
    for attribute in description.find_attributes("group"):
        assert attribute.value is not None
        semantics, mids = parse_group(attribute.value)
        if semantics.upper() != "BUNDLE":
            continue
        in_this_group: set[str] = set()
        for position, mid in enumerate(mids):
            found = index_of.get(mid)
            if found is None:
                message = f"a=group:BUNDLE names mid {mid!r}, which no m= section has"
                problems.append(
                    _attribute_error(SdpValidationError, message + " (RFC 5888 §5)", attribute)
                )
                continue
            if mid in in_this_group:
                message = f"a=group:BUNDLE names mid {mid!r} twice (RFC 5888 §5)"
                problems.append(_attribute_error(SdpValidationError, message, attribute))
                continue
            if mid in grouped:
                message = f"mid {mid!r} is in more than one BUNDLE group (RFC 8843 §5)"
                problems.append(_attribute_error(SdpValidationError, message, attribute))
                continue
            index = found
            if description.media[index].rejected:
                message = (
                    f"a=group:BUNDLE names mid {mid!r}, whose m= section is rejected "
                    "(port 0 without a=bundle-only; RFC 8843 §7.3.3, §7.5.3)"
                )
                problems.append(_attribute_error(SdpValidationError, message, attribute))
            in_this_group.add(mid)
            grouped.add(mid)
            if position > 0:
                bundled.add(index)
    return bundled


def _check_transport(
    description: SessionDescription,
    bundled: set[int],
    problems: list[SdpError],
    *,
    require_ice: bool,
    require_fingerprint: bool,
    require_connection: bool,
) -> None:
    """Sections with their own transport have ICE credentials, fingerprints and c= lines.

    The session-level values are read once: each read scans every session attribute, and
    per m= section that would make a large description quadratic to validate."""
    session_ufrag, session_pwd = description.ice_ufrag, description.ice_pwd
    session_fingerprints = description.fingerprints
    for index, media in enumerate(description.media):
        if media.rejected or index in bundled:
            continue
        where = f"m= section {index}" + (f" (mid {media.mid!r})" if media.mid else "")
        m_line = media.m_line()

        def missing(message: str, m_line: str = m_line, media: MediaDescription = media) -> None:
            problems.append(SdpValidationError(message, media.line_number, m_line))

        if require_ice:
            if media.ice_ufrag is None and session_ufrag is None:
                missing(f"{where} has no a=ice-ufrag at media or session level (RFC 8839 §5.4)")
            if media.ice_pwd is None and session_pwd is None:
                missing(f"{where} has no a=ice-pwd at media or session level (RFC 8839 §5.4)")
        if (
            require_fingerprint
            and _uses_dtls(media.proto)
            and not (media.fingerprints or session_fingerprints)
        ):
            missing(
                f"{where} uses DTLS ({media.proto}) but has no a=fingerprint at media or "
                "session level (RFC 8122 §5, RFC 8842)"
            )
        if require_connection and media.connection is None and description.connection is None:
            missing(f"{where} has no c= line at media or session level (RFC 8866 §5.7)")


def _uses_dtls(proto: str) -> bool:
    """Whether ``proto`` runs over DTLS: ``UDP/TLS/RTP/SAVPF``, ``UDP/DTLS/SCTP``, ``DTLS/SCTP``...

    RFC 5764 §8 (``UDP/TLS/RTP/SAVP(F)``), RFC 8841 §4 (``UDP/DTLS/SCTP``, ``TCP/DTLS/SCTP``).
    """
    parts = proto.upper().split("/")
    return "DTLS" in parts or "TLS" in parts
