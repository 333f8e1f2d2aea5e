"""The DTLS endpoint's role, state and failure reasons.

``DtlsState`` is RTCDtlsTransportState (webrtc-pc §5.5); ``DtlsRole`` follows from the
negotiated ``a=setup`` attribute (RFC 8842 §5, RFC 4145 §4): the ``active`` side opens the
DTLS association as client, the ``passive`` side answers it as server.
"""

from __future__ import annotations

from enum import Enum, StrEnum


class DtlsRole(Enum):
    """Which side of the DTLS handshake this endpoint plays (RFC 8842 §5)."""

    CLIENT = "client"
    SERVER = "server"

    @classmethod
    def from_setup(cls, setup: str) -> DtlsRole:
        """The role for the *local* ``a=setup`` value once offer/answer settled it.

        ``active`` -> client, ``passive`` -> server. ``actpass`` (an offer's "either") and
        ``holdconn`` do not determine a role: the answer must resolve them first
        (RFC 8842 §5), so they raise ``ValueError``.
        """
        value = setup.strip().lower()
        if value == "active":
            return cls.CLIENT
        if value == "passive":
            return cls.SERVER
        raise ValueError(f"a=setup:{setup} does not determine a DTLS role")


class DtlsState(StrEnum):
    """RTCDtlsTransportState (webrtc-pc §5.5)."""

    NEW = "new"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    CLOSED = "closed"
    FAILED = "failed"


class DtlsFailure(StrEnum):
    """Why an endpoint went to ``failed`` (the typed half of a failure's reason)."""

    #: The peer's certificate matches none of the signalled fingerprints of the preferred
    #: hash function (RFC 8122 §5, RFC 5763 §5).
    FINGERPRINT_MISMATCH = "fingerprint-mismatch"
    #: No signalled fingerprint uses a hash function this endpoint supports (RFC 8122 §5).
    NO_USABLE_FINGERPRINT = "no-usable-fingerprint"
    #: The peer sent a fatal alert (RFC 5246 §7.2.2), e.g. because it rejected our certificate.
    ALERT_RECEIVED = "alert-received"
    #: OpenSSL rejected the handshake or a record (bad message, no shared cipher, version...).
    PROTOCOL_ERROR = "protocol-error"
    #: Not connected within the handshake timeout, or OpenSSL gave up retransmitting
    #: (RFC 6347 §4.2.4).
    HANDSHAKE_TIMEOUT = "handshake-timeout"
