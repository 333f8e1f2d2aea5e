"""The exceptions RTCPeerConnection raises, named as webrtc-pc's DOMExceptions.

Each class has ``name`` set to the DOMException name the spec uses (WebIDL §2.8.1), so code
can test ``error.name == "InvalidStateError"`` as it would in a browser. WebIDL TypeErrors
are Python's own ``TypeError``.
"""

from __future__ import annotations


class DOMException(Exception):
    """Base of the DOMException-named errors."""

    name = "Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class InvalidStateError(DOMException):
    name = "InvalidStateError"


class InvalidAccessError(DOMException):
    name = "InvalidAccessError"


class InvalidModificationError(DOMException):
    name = "InvalidModificationError"


class OperationError(DOMException):
    name = "OperationError"


class NotSupportedError(DOMException):
    name = "NotSupportedError"


class InvalidSyntaxError(DOMException):
    """DOMException "SyntaxError" (a bad ICE server URL, webrtc-pc §4.4.1.5); not Python's
    built-in SyntaxError, which means something else."""

    name = "SyntaxError"


class RTCError(OperationError):
    """RTCError (webrtc-pc §11.1): an OperationError with ``errorDetail`` and, for SDP
    errors, ``sdpLineNumber``."""

    name = "OperationError"

    def __init__(
        self,
        message: str,
        *,
        errorDetail: str,
        sdpLineNumber: int | None = None,
    ) -> None:
        super().__init__(message)
        self.errorDetail = errorDetail
        self.sdpLineNumber = sdpLineNumber
