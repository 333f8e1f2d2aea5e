"""Character classes and small grammar helpers shared by the SDP parser and the typed views.

Rules quoted from RFC 8866 §9 (the SDP grammar)::

    token-char    = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-"
                    / "." / "^" / "_" / "`" / "{" / "|" / "}" / "~"
    token         = 1*(token-char)
    byte-string   = 1*(%x01-09/%x0B-0C/%x0E-FF)     ; any byte except NUL, CR, or LF
    non-ws-string = 1*(VCHAR/%x80-FF)               ; string of visible characters
    integer       = POS-DIGIT *DIGIT

and from RFC 8839 §5.1 (ICE)::

    ice-char      = ALPHA / DIGIT / "+" / "/"
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "DIGITS",
    "ICE_CHARS",
    "TOKEN_CHARS",
    "find_forbidden_character",
    "is_digits",
    "is_ice_chars",
    "is_integer",
    "is_non_ws_string",
    "is_token",
]

_ALPHA: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DIGITS: Final = frozenset("0123456789")
"""RFC 5234 ``DIGIT``: ASCII digits only (``str.isdigit`` would also accept other scripts)."""

TOKEN_CHARS: Final = frozenset(_ALPHA + "0123456789" + "!#$%&'*+-.^_`{|}~")
"""RFC 8866 §9 ``token-char``."""
#: The same sets as regular expressions (the checks run once per SDP token, so per call).
_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`{|}~]+")
_DIGITS = re.compile(r"[0-9]+")
_NON_WS_STRING = re.compile(r"[!-~\x80-\U0010ffff]+")

ICE_CHARS: Final = frozenset(_ALPHA + "0123456789" + "+/")
"""RFC 8839 §5.1 ``ice-char``."""

# Characters no line may contain. RFC 8866 §9 ``byte-string`` excludes only NUL, CR and LF,
# but a session description is UTF-8 text (RFC 8866 §5) and other C0/C1 controls have no
# legitimate use in it, so they are rejected too (HTAB stays allowed, as in ``text``).
_FORBIDDEN: Final = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")


def find_forbidden_character(line: str) -> int:
    """Index of the first character no SDP line may contain, or ``-1``.

    Rejected: C0 controls except HTAB (CR and LF included: they only end lines), DEL, C1
    controls, and lone surrogates (text that was not valid UTF-8).
    """
    match = _FORBIDDEN.search(line)
    return -1 if match is None else match.start()


def is_token(text: str) -> bool:
    """RFC 8866 §9 ``token``: one or more ``token-char``."""
    return _TOKEN.fullmatch(text) is not None


def is_digits(text: str) -> bool:
    """``1*DIGIT`` (RFC 5234 ``DIGIT``: ASCII only)."""
    return _DIGITS.fullmatch(text) is not None


def is_integer(text: str) -> bool:
    """RFC 8866 §9 ``integer = POS-DIGIT *DIGIT`` (no leading zero)."""
    return is_digits(text) and text[0] != "0"


def is_non_ws_string(text: str) -> bool:
    """RFC 8866 §9 ``non-ws-string``: visible ASCII or any non-ASCII character, no space."""
    return _NON_WS_STRING.fullmatch(text) is not None


def is_ice_chars(text: str, minimum: int, maximum: int) -> bool:
    """``minimum*maximum ice-char`` (RFC 8839 §5.1, §5.4)."""
    return minimum <= len(text) <= maximum and all(c in ICE_CHARS for c in text)
