"""getStats(): an RTCStatsReport with the field names of webrtc-stats (W3C "Identifiers for
WebRTC's Statistics API").

``await pc.getStats()`` returns an :class:`RTCStatsReport`, a ``dict`` of stats id ->
:class:`RTCStats`; each RTCStats is a ``dict`` with the W3C camelCase keys, which can also
be read as attributes (aiortc's objects are read that way)::

    report = await pc.getStats()
    for stats in report.values():
        if stats["type"] == "candidate-pair" and stats.get("nominated"):
            print(stats["currentRoundTripTime"], stats.bytesSent)

A report holds (webrtc-stats §3 types; one of each unless noted):

``peer-connection``
    dataChannelsOpened, dataChannelsClosed.
``transport`` (id ``T01``: BUNDLE, one transport)
    packets/bytes sent and received (DTLS datagrams, as browsers count them), iceRole,
    iceLocalUsernameFragment, iceState, dtlsState, dtlsRole, tlsVersion, dtlsCipher,
    srtpCipher, selectedCandidatePairId, selectedCandidatePairChanges, local/remote
    certificate ids; and rtcpeer's counters of dropped packets (see below).
``candidate-pair`` (each pair of every live ICE generation: during a restart the old
generation's selected pair and the new check list)
    state, nominated, packets/bytes sent and received (application data, not STUN),
    lastPacketSent/ReceivedTimestamp, current/totalRoundTripTime (seconds, from checks and
    consent responses), requestsSent/Received, responsesSent/Received, consentRequestsSent,
    and for the pair in use availableOutgoingBitrate when SCTP knows its congestion window
    and round-trip time (``cwnd * 8 / srtt``: an estimate, not a bandwidth probe).
``local-candidate`` / ``remote-candidate`` (each candidate of a live generation, and
every candidate a reported pair names: a local peer-reflexive one included)
    address, port, protocol, candidateType, priority, foundation, relatedAddress,
    relatedPort, usernameFragment, tcpType; local srflx/relay ones ``url`` and relay ones
    ``relayProtocol``.
``certificate`` (ours, and the peer's once DTLS verified it)
    fingerprint, fingerprintAlgorithm, base64Certificate.
``data-channel`` (each channel)
    label, protocol, dataChannelIdentifier, state, messages/bytes sent and received.

Ids are stable across calls: ``P``, ``T01``, ``CF<fingerprint>``, ``D<n>`` (the n-th
channel of the connection), ``IL``/``IR`` + 8 hex digits derived from the candidate, and
``CP<local>_<remote>`` for a pair. A candidate of a new generation (after an ICE restart)
is a new candidate, so the selected pair's id changes with a restart even when the
addresses stay the same.

Timestamps are milliseconds since the UNIX epoch, as ``performance.timeOrigin +
performance.now()`` is in a browser.

rtcpeer's own fields (not W3C; every name starts with the layer that counts it) are on the
``transport`` entry: ``ice*`` counters of the ICE agent (``iceStunRequestBadIntegrity``:
checks that failed MESSAGE-INTEGRITY, ``iceStunMalformed``, ``iceDataDroppedUnknownSource``:
non-STUN datagrams from an address no pair authenticated, ...; see
:attr:`rtcpeer.ice.IceAgent.stats`), ``iceSocketErrors`` (ICMP errors), ``dtls*``
(``dtlsMalformedDatagrams``, ``dtlsDroppedDatagrams``, ``dtlsRetransmissions``,
``dtlsUnverifiedDataDropped``) and ``sctp*`` (the association's drop counters).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import time
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.serialization import Encoding

from rtcpeer.ice import Candidate, CandidatePair

if TYPE_CHECKING:
    from rtcpeer.pc.peerconnection import RTCPeerConnection


class RTCStats(dict[str, Any]):
    """One stats object: a dict with webrtc-stats' camelCase keys (``id``, ``type``,
    ``timestamp`` and the fields of its type); ``stats.bytesSent`` reads
    ``stats["bytesSent"]``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class RTCStatsReport(dict[str, RTCStats]):
    """RTCStatsReport (webrtc-pc §8.3): stats id -> :class:`RTCStats` (a JavaScript
    maplike there, a dict here: ``report[id]``, ``report.get(id)``, ``report.values()``)."""

    def of_type(self, stats_type: str) -> list[RTCStats]:
        """Every entry of one type, e.g. ``report.of_type("candidate-pair")``."""
        return [stats for stats in self.values() if stats["type"] == stats_type]


#: The members of each stats dictionary of webrtc-stats that apply to a data-only
#: connection (RTCStats' id, type and timestamp included). rtcpeer reports these names and,
#: on ``transport``, its own counters (see the module docstring and ``EXTENSION_PREFIXES``).
W3C_FIELDS: dict[str, frozenset[str]] = {
    "peer-connection": frozenset({"dataChannelsOpened", "dataChannelsClosed"}),
    "data-channel": frozenset(
        {
            "label",
            "protocol",
            "dataChannelIdentifier",
            "state",
            "messagesSent",
            "bytesSent",
            "messagesReceived",
            "bytesReceived",
        }
    ),
    "transport": frozenset(
        {
            "packetsSent",
            "packetsReceived",
            "bytesSent",
            "bytesReceived",
            "rtcpTransportStatsId",
            "iceRole",
            "iceLocalUsernameFragment",
            "dtlsState",
            "iceState",
            "selectedCandidatePairId",
            "localCertificateId",
            "remoteCertificateId",
            "tlsVersion",
            "dtlsCipher",
            "dtlsRole",
            "srtpCipher",
            "selectedCandidatePairChanges",
        }
    ),
    "candidate-pair": frozenset(
        {
            "transportId",
            "localCandidateId",
            "remoteCandidateId",
            "state",
            "nominated",
            "packetsSent",
            "packetsReceived",
            "bytesSent",
            "bytesReceived",
            "lastPacketSentTimestamp",
            "lastPacketReceivedTimestamp",
            "totalRoundTripTime",
            "currentRoundTripTime",
            "availableOutgoingBitrate",
            "availableIncomingBitrate",
            "requestsReceived",
            "requestsSent",
            "responsesReceived",
            "responsesSent",
            "consentRequestsSent",
            "packetsDiscardedOnSend",
            "bytesDiscardedOnSend",
        }
    ),
    "local-candidate": frozenset(
        {
            "transportId",
            "address",
            "port",
            "protocol",
            "candidateType",
            "priority",
            "url",
            "relayProtocol",
            "foundation",
            "relatedAddress",
            "relatedPort",
            "usernameFragment",
            "tcpType",
        }
    ),
    "certificate": frozenset(
        {"fingerprint", "fingerprintAlgorithm", "base64Certificate", "issuerCertificateId"}
    ),
}
W3C_FIELDS["remote-candidate"] = W3C_FIELDS["local-candidate"]
W3C_FIELDS = {name: fields | {"id", "type", "timestamp"} for name, fields in W3C_FIELDS.items()}

#: rtcpeer's own counters on ``transport`` start with one of these, then a capital.
EXTENSION_PREFIXES = ("ice", "dtls", "sctp")

#: ICE agent counters always reported (0 until something is dropped): the ones a reader
#: of a dropped call asks about first.
_ICE_COUNTERS = (
    "stun_request_bad_integrity",
    "stun_response_bad_integrity",
    "stun_request_unknown_username",
    "stun_response_unknown_transaction",
    "stun_malformed",
    "data_dropped_unknown_source",
    "data_dropped_no_pair",
    "data_dropped_no_consent",
)
_DTLS_COUNTERS = (
    "malformed_datagrams",
    "dropped_datagrams",
    "retransmissions",
    "unverified_data_dropped",
)
#: OpenSSL cipher names -> IANA descriptions (webrtc-stats dtlsCipher).
_IANA_CIPHERS = {
    "ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE-ECDSA-AES128-SHA": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "ECDHE-ECDSA-AES256-SHA": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "ECDHE-RSA-AES128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE-RSA-AES128-SHA": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "ECDHE-RSA-AES256-SHA": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
}
#: webrtc-stats tlsVersion: the two version bytes as four upper-case hex digits.
_TLS_VERSIONS = {"DTLSv1.2": "FEFD", "DTLSv1": "FEFF", "DTLSv1.0": "FEFF"}
TRANSPORT_ID = "T01"


def extension_name(layer: str, counter: str) -> str:
    """``("ice", "stun_malformed")`` -> ``"iceStunMalformed"``."""
    return layer + "".join(part.capitalize() for part in re.split(r"[_\W]+", counter) if part)


def candidate_id(candidate: Candidate, *, local: bool, ufrag: str | None = None) -> str:
    """A stable id for a candidate: its fields and its generation's ``ufrag`` hashed."""
    text = (
        f"{candidate.ufrag or ufrag}|{candidate.type}|{candidate.transport}|{candidate.address}|"
        f"{candidate.port}|{candidate.foundation}|{candidate.priority}"
    )
    digest = hashlib.blake2s(text.encode(), digest_size=4).hexdigest()
    return ("IL" if local else "IR") + digest


def pair_id(local_id: str, remote_id: str) -> str:
    return f"CP{local_id[2:]}_{remote_id[2:]}"


def _stats(stats_id: str, stats_type: str, timestamp: float, **fields: Any) -> RTCStats:
    stats = RTCStats(id=stats_id, type=stats_type, timestamp=timestamp)
    stats.update((k, v) for k, v in fields.items() if v is not None)
    return stats


def build_report(pc: RTCPeerConnection) -> RTCStatsReport:
    """Assemble the report of ``pc`` now (everything is read from live objects: no I/O)."""
    wall = time.time()
    try:
        loop_now = asyncio.get_running_loop().time()
    except RuntimeError:
        loop_now = time.monotonic()
    now_ms = wall * 1000.0

    def wall_ms(at: float | None) -> float | None:
        """The agent's (loop) time -> ms since the epoch."""
        return None if at is None else (wall + (at - loop_now)) * 1000.0

    report = RTCStatsReport()
    channels = pc._data_channels
    report["P"] = _stats(
        "P",
        "peer-connection",
        now_ms,
        dataChannelsOpened=sum(1 for c in channels if c._opened),
        dataChannelsClosed=sum(
            1 for c in channels if c._opened and c.readyState in ("closing", "closed")
        ),
    )
    for index, channel in enumerate(channels):
        stats_id = f"D{index}"
        report[stats_id] = _stats(
            stats_id,
            "data-channel",
            now_ms,
            label=channel.label,
            protocol=channel.protocol,
            dataChannelIdentifier=channel.id,
            state=channel.readyState,
            messagesSent=channel._messages_sent,
            bytesSent=channel._bytes_sent,
            messagesReceived=channel._messages_received,
            bytesReceived=channel._bytes_received,
        )

    ice_transport = pc._ice_transport
    connection = ice_transport.connection
    agent = connection.agent

    # Candidates of every live generation, then any a pair names.
    def add_candidate(candidate: Candidate, *, local: bool, ufrag: str | None) -> str:
        stats_id = candidate_id(candidate, local=local, ufrag=ufrag)
        if stats_id not in report:
            url, relay_protocol = (
                ice_transport.candidate_origin(candidate) if local else (None, None)
            )
            report[stats_id] = _stats(
                stats_id,
                "local-candidate" if local else "remote-candidate",
                now_ms,
                transportId=TRANSPORT_ID,
                address=candidate.address,
                port=candidate.port,
                protocol=candidate.transport,
                candidateType=str(candidate.type),
                priority=candidate.priority,
                url=url,
                relayProtocol=relay_protocol,
                foundation=candidate.foundation,
                relatedAddress=candidate.related_address,
                relatedPort=candidate.related_port,
                usernameFragment=candidate.ufrag or ufrag,
                tcpType=candidate.tcptype,
            )
        return stats_id

    data_pair = agent.data_pair
    bitrate = _available_outgoing_bitrate(pc)
    selected_id: str | None = None
    pairs: list[tuple[CandidatePair, str, str | None]] = []
    for gen in agent.live_generations:
        for candidate in (*gen.local_candidates, *gen.local_prflx):
            add_candidate(candidate, local=True, ufrag=gen.local_ufrag)
        for candidate in gen.remote_candidates:
            add_candidate(candidate, local=False, ufrag=gen.remote_ufrag)
        pairs.extend((pair, gen.local_ufrag, gen.remote_ufrag) for pair in gen.checklist)
    for pair, local_ufrag, remote_ufrag in pairs:
        local_id = add_candidate(pair.reported_local, local=True, ufrag=local_ufrag)
        remote_id = add_candidate(pair.remote, local=False, ufrag=remote_ufrag)
        stats_id = pair_id(local_id, remote_id)
        in_use = pair is data_pair
        if in_use:
            selected_id = stats_id
        report[stats_id] = _stats(
            stats_id,
            "candidate-pair",
            now_ms,
            transportId=TRANSPORT_ID,
            localCandidateId=local_id,
            remoteCandidateId=remote_id,
            state=str(pair.state),
            nominated=pair.nominated,
            packetsSent=pair.packets_sent,
            packetsReceived=pair.packets_received,
            bytesSent=pair.bytes_sent,
            bytesReceived=pair.bytes_received,
            lastPacketSentTimestamp=wall_ms(pair.last_sent_at),
            lastPacketReceivedTimestamp=wall_ms(pair.last_received_at),
            totalRoundTripTime=pair.total_rtt,
            currentRoundTripTime=pair.rtt,
            availableOutgoingBitrate=bitrate if in_use else None,
            requestsSent=pair.requests_sent,
            requestsReceived=pair.requests_received,
            responsesSent=pair.responses_sent,
            responsesReceived=pair.responses_received,
            consentRequestsSent=pair.consent_requests_sent,
        )

    # Certificates.
    local_certificate_id = remote_certificate_id = None
    certificate = pc._certificate
    fingerprint = certificate.getFingerprints()[0]
    local_certificate_id = f"CF{fingerprint.value}"
    report[local_certificate_id] = _stats(
        local_certificate_id,
        "certificate",
        now_ms,
        fingerprint=fingerprint.value,
        fingerprintAlgorithm=fingerprint.algorithm,
        base64Certificate=base64.b64encode(
            certificate.certificate.public_bytes(Encoding.DER)
        ).decode("ascii"),
    )
    dtls = pc._dtls
    remote = dtls.getRemoteCertificates()
    if remote:
        digest = hashlib.sha256(remote[0]).digest()
        value = ":".join(f"{b:02X}" for b in digest)
        remote_certificate_id = f"CF{value}"
        report[remote_certificate_id] = _stats(
            remote_certificate_id,
            "certificate",
            now_ms,
            fingerprint=value,
            fingerprintAlgorithm="sha-256",
            base64Certificate=base64.b64encode(remote[0]).decode("ascii"),
        )

    # The transport.
    endpoint = dtls.endpoint
    dtls_counters: dict[str, int] = dict(getattr(endpoint, "stats", None) or {})
    cipher = endpoint.cipher if endpoint is not None else None
    version = endpoint.protocol_version if endpoint is not None else None
    srtp = endpoint.srtp_profile if endpoint is not None else None
    transport = _stats(
        TRANSPORT_ID,
        "transport",
        now_ms,
        packetsSent=dtls_counters.get("datagrams_sent", 0),
        packetsReceived=dtls_counters.get("datagrams_received", 0),
        bytesSent=dtls_counters.get("bytes_sent", 0),
        bytesReceived=dtls_counters.get("bytes_received", 0),
        iceRole=ice_transport.role,
        iceLocalUsernameFragment=connection.local_parameters[0],
        iceState=ice_transport.state,
        dtlsState=dtls.state,
        dtlsRole=endpoint.role.value if endpoint is not None else "unknown",
        tlsVersion=_TLS_VERSIONS.get(version, version) if version else None,
        dtlsCipher=_IANA_CIPHERS.get(cipher, cipher) if cipher else None,
        srtpCipher=srtp,
        selectedCandidatePairId=selected_id,
        selectedCandidatePairChanges=ice_transport.selected_pair_changes,
        localCertificateId=local_certificate_id,
        remoteCertificateId=remote_certificate_id,
    )
    counters = dict.fromkeys(_ICE_COUNTERS, 0)
    counters.update(agent.stats)
    for counter, count in counters.items():
        _extend(transport, "ice", counter, count)
    _extend(transport, "ice", "socket_errors", connection.socket_errors)
    for counter in _DTLS_COUNTERS:
        _extend(transport, "dtls", counter, dtls_counters.get(counter, 0))
    association = pc._sctp._association
    if association is not None:
        for counter, count in association.stats.items():
            _extend(transport, "sctp", counter, count)
    report[TRANSPORT_ID] = transport
    return report


def _extend(stats: RTCStats, layer: str, counter: str, value: int) -> None:
    name = extension_name(layer, counter)
    if name not in W3C_FIELDS["transport"]:
        stats[name] = value


def _available_outgoing_bitrate(pc: RTCPeerConnection) -> float | None:
    """SCTP's congestion window per smoothed round trip, in bits per second."""
    association = pc._sctp._association
    if association is None or not association.is_established:
        return None
    srtt = association.srtt
    if not srtt:
        return None
    return association.cwnd * 8 / srtt
