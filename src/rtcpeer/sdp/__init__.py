"""SDP (RFC 8866) as JSEP (RFC 8829) and WebRTC use it: sans-IO parsing, serialization and
the checks an RTCPeerConnection needs before applying a description.

* :func:`parse_sdp` turns text into a :class:`SessionDescription`, strictly following the
  RFC 8866 grammar (see :mod:`rtcpeer.sdp.parser` for every rule) and raising
  :class:`SdpSyntaxError` with the 1-based line number of the first problem.
* :meth:`SessionDescription.serialize` writes it back with CRLF line endings; for parsed text
  the output is the input, line for line.
* Typed views read the attributes ICE (RFC 8839), DTLS (RFC 8122, RFC 4145/8842), SCTP
  (RFC 8841) and BUNDLE (RFC 8843, RFC 5888) need: ``desc.groups``, ``desc.ice_lite``,
  ``desc.ice_credentials(i)``, ``media.mid``, ``media.candidates``, ``media.fingerprints``,
  ``media.setup``, ``media.sctp_port``, ``media.max_message_size``, ``media.rejected``, ...
* :func:`validate_description` checks those attributes and the rules that span lines
  (credentials present, unique mids, BUNDLE groups naming existing mids), raising
  :class:`SdpAttributeError` or :class:`SdpValidationError` with line numbers.

It never opens a socket, reads a clock or touches the network.
"""

from rtcpeer.sdp.attributes import (
    DIRECTIONS,
    FINGERPRINT_LENGTHS,
    SETUP_ROLES,
    Fingerprint,
    SctpMap,
)
from rtcpeer.sdp.errors import SdpAttributeError, SdpError, SdpSyntaxError, SdpValidationError
from rtcpeer.sdp.model import (
    MAX_LINE_LENGTH,
    Attribute,
    ConnectionData,
    MediaDescription,
    Origin,
    SessionDescription,
)
from rtcpeer.sdp.parser import MAX_SDP_LENGTH, parse_sdp
from rtcpeer.sdp.validation import description_problems, validate_description

__all__ = [
    "DIRECTIONS",
    "FINGERPRINT_LENGTHS",
    "MAX_LINE_LENGTH",
    "MAX_SDP_LENGTH",
    "SETUP_ROLES",
    "Attribute",
    "ConnectionData",
    "Fingerprint",
    "MediaDescription",
    "Origin",
    "SctpMap",
    "SdpAttributeError",
    "SdpError",
    "SdpSyntaxError",
    "SdpValidationError",
    "SessionDescription",
    "description_problems",
    "parse_sdp",
    "validate_description",
]
