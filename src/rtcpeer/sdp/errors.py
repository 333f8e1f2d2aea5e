"""Exceptions raised by :mod:`rtcpeer.sdp`.

Every problem found in a session description raises a subclass of :class:`SdpError` (itself a
:class:`ValueError`). The subclasses tell the RTCPeerConnection layer how to report it:

* :class:`SdpSyntaxError` — the text does not follow the grammar of RFC 8866 (§5, §9) or of a
  typed attribute's defining RFC. webrtc-pc maps it to ``RTCError`` with ``errorDetail``
  ``"sdp-syntax-error"`` and ``sdpLineNumber`` set from :attr:`SdpError.line_number`.
* :class:`SdpAttributeError` — a :class:`SdpSyntaxError` in the value of an attribute this
  package types (``a=fingerprint``, ``a=setup``, ``a=ice-ufrag``, ``a=sctp-port``, ...).
* :class:`SdpValidationError` — the text is well-formed but breaks a rule that spans lines:
  a missing ``a=ice-ufrag``, a duplicated ``a=mid``, a BUNDLE group naming an unknown mid.

Line numbers are 1-based and count lines of the text that was parsed (which, for a parsed
description, are also the lines of :meth:`SessionDescription.serialize`'s output).
"""

from __future__ import annotations

__all__ = ["SdpAttributeError", "SdpError", "SdpSyntaxError", "SdpValidationError"]

_QUOTE_LIMIT = 80


class SdpError(ValueError):
    """Base class of every error raised by :mod:`rtcpeer.sdp`.

    ``str(error)`` reads ``"line 7: <what is wrong>: '<the line>'"``; the parts are kept in
    :attr:`message`, :attr:`line_number` (1-based, or ``None`` when no single line is at fault)
    and :attr:`line` (the offending line without its terminator, or ``None``).
    """

    def __init__(self, message: str, line_number: int | None = None, line: str | None = None):
        self.message = message
        self.line_number = line_number
        self.line = line
        text = message
        if line is not None:
            quoted = line if len(line) <= _QUOTE_LIMIT else line[:_QUOTE_LIMIT] + "..."
            text = f"{text}: {quoted!r}"
        if line_number is not None:
            text = f"line {line_number}: {text}"
        super().__init__(text)


class SdpSyntaxError(SdpError):
    """The text is not a syntactically valid session description (RFC 8866 §5, §9)."""


class SdpAttributeError(SdpSyntaxError):
    """A typed attribute's value does not follow its defining RFC's grammar."""


class SdpValidationError(SdpError):
    """A well-formed description breaks a semantic rule (RFC 8839, RFC 8843, RFC 5888, ...)."""
