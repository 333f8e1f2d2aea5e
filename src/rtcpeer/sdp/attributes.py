"""Typed values of the attributes that ICE, DTLS, SCTP and BUNDLE need.

Each ``parse_*`` function takes an attribute's value (the text after ``a=<name>:``) and returns
its typed form, or raises :class:`SdpAttributeError` (without a line number: the caller, which
knows the attribute's line, adds it). The rules, by attribute:

* ``a=fingerprint`` — RFC 8122 §5: ``hash-func SP fingerprint`` with ``fingerprint = 2UHEX
  *(":" 2UHEX)``. :class:`Fingerprint` keeps the hash function in lower case (an ABNF literal,
  hence case-insensitive, RFC 5234 §2.3) and the value in upper case. Lower-case hex digits are
  accepted although ``UHEX`` is upper case only: deployed stacks emit them and libwebrtc
  accepts them. For the hash functions RFC 8122 §5 lists, the number of bytes must match the
  function (16 for md2/md5, 20 for sha-1, 28/32/48/64 for sha-224/256/384/512).
* ``a=setup`` — RFC 4145 §4 (used for DTLS roles, RFC 8842): ``active`` / ``passive`` /
  ``actpass`` / ``holdconn``, matched case-insensitively, returned in lower case.
* ``a=ice-ufrag`` / ``a=ice-pwd`` — RFC 8839 §5.4: ``4*256ice-char`` / ``22*256ice-char``.
* ``a=ice-options`` — RFC 8839 §5.6: ``ice-option-tag *(SP ice-option-tag)``, ``ice-option-tag
  = 1*ice-char``.
* ``a=group`` — RFC 5888 §5: ``semantics *(SP identification-tag)``, both RFC 8866 tokens.
* ``a=mid`` — RFC 5888 §4: ``identification-tag = token``.
* ``a=sctp-port`` — RFC 8841 §5.1: ``portnumber = 1*5DIGIT`` (0..65535).
* ``a=max-message-size`` — RFC 8841 §6.1: ``1*DIGIT``.
* ``a=sctpmap`` — draft-ietf-mmusic-sctp-sdp-05 (the legacy ``DTLS/SCTP`` form still sent
  by older peers): ``sctpmap-number SP app [SP streams]``.
* ``a=msid-semantic`` — draft-ietf-mmusic-msid (dropped from RFC 8830, still sent): parsed
  leniently, see :func:`parse_msid_semantic`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

from rtcpeer.sdp.errors import SdpAttributeError
from rtcpeer.sdp.grammar import is_digits, is_ice_chars, is_token

__all__ = [
    "DIRECTIONS",
    "FINGERPRINT_LENGTHS",
    "SETUP_ROLES",
    "Fingerprint",
    "SctpMap",
    "parse_fingerprint",
    "parse_group",
    "parse_ice_options",
    "parse_ice_pwd",
    "parse_ice_ufrag",
    "parse_max_message_size",
    "parse_mid",
    "parse_msid_semantic",
    "parse_sctp_port",
    "parse_sctpmap",
    "parse_setup",
]

SETUP_ROLES: Final = ("actpass", "active", "passive", "holdconn")
"""RFC 4145 §4 ``role`` values of ``a=setup``."""

DIRECTIONS: Final = ("sendrecv", "sendonly", "recvonly", "inactive")
"""RFC 8866 §6.7 media direction attributes."""

FINGERPRINT_LENGTHS: Final = {
    "md2": 16,
    "md5": 16,
    "sha-1": 20,
    "sha-224": 28,
    "sha-256": 32,
    "sha-384": 48,
    "sha-512": 64,
}
"""Digest sizes in bytes of the hash functions named in RFC 8122 §5 (``hash-func``)."""

_HEX: Final = frozenset("0123456789ABCDEFabcdef")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """One ``a=fingerprint`` (RFC 8122 §5): hash function (lower case) and value (upper case)."""

    algorithm: str
    value: str

    def to_sdp(self) -> str:
        """The attribute value, ``"<algorithm> <value>"``."""
        return f"{self.algorithm} {self.value}"


class SctpMap(NamedTuple):
    """A legacy ``a=sctpmap`` (draft-ietf-mmusic-sctp-sdp-05)."""

    number: int
    """The SCTP port, also the m= line's fmt."""
    app: str
    """The application protocol, ``webrtc-datachannel``."""
    streams: int | None
    """The third field: the number of streams (libwebrtc sends 1024, aiortc 65535)."""


def parse_fingerprint(value: str) -> Fingerprint:
    """``a=fingerprint:<hash-func> <fingerprint>`` (RFC 8122 §5)."""
    parts = value.split(" ")
    if len(parts) != 2:
        raise SdpAttributeError("a=fingerprint must be '<hash-func> <hex pairs>' (RFC 8122 §5)")
    algorithm, digest = parts
    if not is_token(algorithm):
        raise SdpAttributeError("a=fingerprint hash function is not a token (RFC 8122 §5)")
    octets = digest.split(":")
    if not all(len(o) == 2 and o[0] in _HEX and o[1] in _HEX for o in octets):
        raise SdpAttributeError(
            "a=fingerprint value must be hex byte pairs separated by ':' (RFC 8122 §5)"
        )
    algorithm = algorithm.lower()
    expected = FINGERPRINT_LENGTHS.get(algorithm)
    if expected is not None and len(octets) != expected:
        raise SdpAttributeError(
            f"a=fingerprint {algorithm} digest must be {expected} bytes, not {len(octets)}"
        )
    return Fingerprint(algorithm, digest.upper())


def parse_setup(value: str) -> str:
    """``a=setup:<role>`` (RFC 4145 §4; DTLS use: RFC 8842). Returns the role in lower case."""
    role = value.lower()
    if role not in SETUP_ROLES:
        raise SdpAttributeError(
            "a=setup must be actpass, active, passive or holdconn (RFC 4145 §4)"
        )
    return role


def parse_ice_ufrag(value: str) -> str:
    """``a=ice-ufrag:<ufrag>``, ``ufrag = 4*256ice-char`` (RFC 8839 §5.4)."""
    if not is_ice_chars(value, 4, 256):
        raise SdpAttributeError(
            "a=ice-ufrag must be 4 to 256 characters from A-Z a-z 0-9 + / (RFC 8839 §5.4)"
        )
    return value


def parse_ice_pwd(value: str) -> str:
    """``a=ice-pwd:<password>``, ``password = 22*256ice-char`` (RFC 8839 §5.4)."""
    if not is_ice_chars(value, 22, 256):
        raise SdpAttributeError(
            "a=ice-pwd must be 22 to 256 characters from A-Z a-z 0-9 + / (RFC 8839 §5.4)"
        )
    return value


def parse_ice_options(value: str) -> list[str]:
    """``a=ice-options:<tag> *(SP <tag>)``, ``ice-option-tag = 1*ice-char`` (RFC 8839 §5.6)."""
    tags = value.split(" ")
    if not all(is_ice_chars(tag, 1, len(tag)) for tag in tags):
        raise SdpAttributeError(
            "a=ice-options must be ice-char tags separated by single spaces (RFC 8839 §5.6)"
        )
    return tags


def parse_group(value: str) -> tuple[str, list[str]]:
    """``a=group:<semantics> *(SP <identification-tag>)`` (RFC 5888 §5)."""
    semantics, *tags = value.split(" ")
    if not is_token(semantics) or not all(is_token(tag) for tag in tags):
        raise SdpAttributeError(
            "a=group must be a semantics token followed by mid tokens separated by single "
            "spaces (RFC 5888 §5)"
        )
    return semantics, tags


def parse_mid(value: str) -> str:
    """``a=mid:<identification-tag>``, a token (RFC 5888 §4)."""
    if not is_token(value):
        raise SdpAttributeError("a=mid must be a token (RFC 5888 §4)")
    return value


def _port_number(value: str, name: str, rfc: str) -> int:
    if not is_digits(value) or len(value) > 5 or int(value) > 0xFFFF:
        raise SdpAttributeError(f"{name} must be a port number 0..65535 ({rfc})")
    return int(value)


def parse_sctp_port(value: str) -> int:
    """``a=sctp-port:<portnumber>``, ``portnumber = 1*5DIGIT`` (RFC 8841 §5.1)."""
    return _port_number(value, "a=sctp-port", "RFC 8841 §5.1")


def parse_max_message_size(value: str) -> int:
    """``a=max-message-size:1*DIGIT`` in bytes, 0 meaning no limit (RFC 8841 §6.1)."""
    if not is_digits(value):
        raise SdpAttributeError("a=max-message-size must be a decimal integer (RFC 8841 §6.1)")
    return int(value)


def parse_sctpmap(value: str) -> SctpMap:
    """``a=sctpmap:<number> <app> [<streams>]`` (draft-ietf-mmusic-sctp-sdp-05)."""
    parts = value.split(" ")
    if len(parts) not in (2, 3) or not is_token(parts[1]):
        raise SdpAttributeError(
            "a=sctpmap must be '<port> <app> [<streams>]' (draft-ietf-mmusic-sctp-sdp-05)"
        )
    number = _port_number(parts[0], "a=sctpmap port", "draft-ietf-mmusic-sctp-sdp-05")
    streams = None
    if len(parts) == 3:
        if not is_digits(parts[2]):
            raise SdpAttributeError("a=sctpmap streams must be a decimal integer")
        streams = int(parts[2])
    return SctpMap(number, parts[1], streams)


def parse_msid_semantic(value: str) -> tuple[str, list[str]] | None:
    """``a=msid-semantic:`` from the pre-RFC 8830 msid drafts, parsed leniently.

    The value is split on whitespace: the first word is the semantic (``WMS``), the rest are
    stream ids or ``*``. Deployed forms differ: libwebrtc writes ``a=msid-semantic: WMS`` (a
    space after the colon, no ids), Firefox ``a=msid-semantic:WMS *``, pion up to v4.1.1
    ``a=msid-semantic:WMS*`` (pion/webrtc#3128), read here as ``("WMS", ["*"])``. Returns
    ``None`` for an all-blank value. Never raises: the attribute is legacy and informational.
    """
    words = value.split()
    if not words:
        return None
    semantic, ids = words[0], words[1:]
    if len(semantic) > 1 and semantic.endswith("*") and not ids:
        semantic, ids = semantic[:-1], ["*"]
    return semantic, ids
