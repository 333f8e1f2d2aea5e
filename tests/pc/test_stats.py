"""getStats() (issue 9): every stats type against webrtc-stats' field names, and the
counters against real traffic on loopback."""

from __future__ import annotations

import asyncio
import base64
import re
import socket
import struct
import time
from typing import Any

import pytest

from rtcpeer import RTCDataChannel, RTCPeerConnection
from rtcpeer.aio.connection import IceConnection
from rtcpeer.ice import IceConfig
from rtcpeer.pc.stats import RTCStats, RTCStatsReport
from rtcpeer.stun import AttrType, MessageClass, Method, StunMessage, is_stun
from tests.pc.test_loopback import negotiate, trickle, wait_ice


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


# The dictionaries of https://w3c.github.io/webrtc-stats/ (editor's draft), written out
# here independently of rtcpeer.pc.stats: RTCStats members, then each type's own.
RTC_STATS = {"id", "type", "timestamp"}
SPEC: dict[str, set[str]] = {
    "peer-connection": {"dataChannelsOpened", "dataChannelsClosed"},
    "data-channel": {
        "label",
        "protocol",
        "dataChannelIdentifier",
        "state",
        "messagesSent",
        "bytesSent",
        "messagesReceived",
        "bytesReceived",
    },
    "transport": {
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
    },
    "candidate-pair": {
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
    },
    "local-candidate": {
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
    },
    "certificate": {"fingerprint", "fingerprintAlgorithm", "base64Certificate"},
}
SPEC["remote-candidate"] = SPEC["local-candidate"] - {"url", "relayProtocol"}
#: What a connected data-channel connection reports at least, per type.
REQUIRED: dict[str, set[str]] = {
    "peer-connection": {"dataChannelsOpened", "dataChannelsClosed"},
    "data-channel": SPEC["data-channel"],
    "transport": {
        "packetsSent",
        "packetsReceived",
        "bytesSent",
        "bytesReceived",
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
        "selectedCandidatePairChanges",
    },
    "candidate-pair": {
        "transportId",
        "localCandidateId",
        "remoteCandidateId",
        "state",
        "nominated",
        "packetsSent",
        "packetsReceived",
        "bytesSent",
        "bytesReceived",
        "totalRoundTripTime",
        "requestsReceived",
        "requestsSent",
        "responsesReceived",
        "responsesSent",
        "consentRequestsSent",
    },
    "local-candidate": {
        "transportId",
        "address",
        "port",
        "protocol",
        "candidateType",
        "priority",
        "foundation",
        "usernameFragment",
    },
    "certificate": {"fingerprint", "fingerprintAlgorithm", "base64Certificate"},
}
REQUIRED["remote-candidate"] = REQUIRED["local-candidate"]
#: rtcpeer's own counters on "transport" (documented in rtcpeer.pc.stats).
EXTENSION = re.compile(r"^(ice|dtls|sctp)[A-Z][A-Za-z0-9]*$")
TYPES: dict[str, dict[str, type]] = {
    "peer-connection": {"dataChannelsOpened": int, "dataChannelsClosed": int},
    "candidate-pair": {
        "nominated": bool,
        "bytesSent": int,
        "packetsSent": int,
        "totalRoundTripTime": float,
        "currentRoundTripTime": float,
        "lastPacketSentTimestamp": float,
    },
    "local-candidate": {"port": int, "priority": int, "address": str},
}


class Wire:
    """Counts the non-STUN bytes an IceConnection writes to and reads from its sockets."""

    def __init__(self, connection: IceConnection) -> None:
        self.sent = 0
        self.sent_packets = 0
        self.received = 0
        self.received_packets = 0
        self.connection = connection
        original = connection._datagram_received

        def received(data: bytes, local: Any, remote: Any) -> None:
            if not is_stun(data):
                self.received += len(data)
                self.received_packets += 1
            original(data, local, remote)

        connection._datagram_received = received  # type: ignore[method-assign]

    def wrap_sockets(self) -> None:
        for sock in self.connection._sockets.values():
            sendto = sock.sendto

            def counting(data: Any, addr: Any = None, _sendto: Any = sendto) -> None:
                if not is_stun(bytes(data)):
                    self.sent += len(data)
                    self.sent_packets += 1
                _sendto(data, addr)

            sock.sendto = counting  # type: ignore[method-assign,assignment]


async def connected(
    ice_config: IceConfig | None = None, wire: bool = False
) -> tuple[RTCPeerConnection, RTCPeerConnection, RTCDataChannel, RTCDataChannel, list[Wire]]:
    a = RTCPeerConnection(ice_config=ice_config)
    b = RTCPeerConnection(ice_config=ice_config)
    wires = [Wire(a.iceTransport.connection), Wire(b.iceTransport.connection)] if wire else []
    trickle(a, b)
    trickle(b, a)
    channel = a.createDataChannel("chat", protocol="p1")
    opened = asyncio.Event()
    channel.on("open", opened.set)
    remote: asyncio.Future[RTCDataChannel] = asyncio.get_running_loop().create_future()

    @b.on("datachannel")
    def on_datachannel(incoming: RTCDataChannel) -> None:
        if not remote.done():
            remote.set_result(incoming)

    await a.setLocalDescription()
    for w in wires[:1]:
        w.wrap_sockets()  # bound by setLocalDescription (gathering)
    assert a.localDescription is not None
    await b.setRemoteDescription(a.localDescription)
    await b.setLocalDescription()
    for w in wires[1:]:
        w.wrap_sockets()
    assert b.localDescription is not None
    await a.setRemoteDescription(b.localDescription)
    await asyncio.wait_for(opened.wait(), 10.0)
    incoming = await asyncio.wait_for(remote, 10.0)
    return a, b, channel, incoming, wires


async def exchange(channel: RTCDataChannel, incoming: RTCDataChannel, messages: list[Any]) -> None:
    got: list[Any] = []
    done = asyncio.Event()

    def on_message(message: Any) -> None:
        got.append(message)
        if len(got) == len(messages):
            done.set()

    incoming.on("message", on_message)
    for message in messages:
        channel.send(message)
    await asyncio.wait_for(done.wait(), 10.0)


def selected(report: RTCStatsReport) -> RTCStats:
    transport = report["T01"]
    return report[transport["selectedCandidatePairId"]]


def pair_totals(report: RTCStatsReport, field: str) -> int:
    return sum(s[field] for s in report.of_type("candidate-pair"))


async def test_every_stats_type_has_webrtc_stats_field_names() -> None:
    a, b, channel, incoming, _ = await connected()
    await exchange(channel, incoming, ["hello", b"\x01\x02"])
    report = await a.getStats()
    assert isinstance(report, dict)
    types = {s["type"] for s in report.values()}
    assert types == set(SPEC), types
    for stats_id, stats in report.items():
        kind = stats["type"]
        assert stats["id"] == stats_id
        fields = set(stats)
        unknown = fields - SPEC[kind] - RTC_STATS
        if kind == "transport":
            unknown = {name for name in unknown if not EXTENSION.match(name)}
        assert not unknown, f"{kind} has non-W3C fields {unknown}"
        missing = REQUIRED[kind] - fields
        if kind == "candidate-pair" and stats["state"] != "succeeded":
            missing -= {"totalRoundTripTime"}
        assert not missing, f"{kind} {stats_id} lacks {missing}"
        for name, value in stats.items():
            assert isinstance(value, str | int | float | bool), (kind, name, value)
        for name, expected in TYPES.get(kind, {}).items():
            if name in stats:
                assert isinstance(stats[name], expected), (kind, name, stats[name])
        assert abs(stats["timestamp"] - time.time() * 1000) < 5000
    # Exactly two certificates: ours and the peer's (verified by DTLS).
    transport = report["T01"]
    ours, theirs = report[transport["localCertificateId"]], report[transport["remoteCertificateId"]]
    assert ours["fingerprint"] == a._certificate.getFingerprints()[0].value
    assert theirs["fingerprint"] == b._certificate.getFingerprints()[0].value
    assert ours["fingerprintAlgorithm"] == "sha-256"
    [der] = a.dtlsTransport.getRemoteCertificates()
    assert base64.b64decode(theirs["base64Certificate"]) == der
    b_report = await b.getStats()
    assert (
        b_report[b_report["T01"]["localCertificateId"]]["base64Certificate"]
        == (theirs["base64Certificate"])
    )
    # The transport, as browsers report it.
    assert transport["iceState"] in ("connected", "completed")
    assert transport["dtlsState"] == "connected"
    assert transport["iceRole"] == "controlling" and b_report["T01"]["iceRole"] == "controlled"
    assert {transport["dtlsRole"], b_report["T01"]["dtlsRole"]} == {"client", "server"}
    assert transport["tlsVersion"] == "FEFD"
    assert transport["dtlsCipher"].startswith("TLS_ECDHE_ECDSA_WITH_")
    parameters = a.iceTransport.getLocalParameters()
    assert parameters is not None
    assert transport["iceLocalUsernameFragment"] == parameters.usernameFragment
    # Candidates: ours are local-candidate entries, the pair's are in the report.
    pair = selected(report)
    local, remote = report[pair["localCandidateId"]], report[pair["remoteCandidateId"]]
    assert local["type"] == "local-candidate" and remote["type"] == "remote-candidate"
    assert (local["address"], local["protocol"], local["candidateType"]) == (
        "127.0.0.1",
        "udp",
        "host",
    )
    assert pair["state"] == "succeeded" and pair["requestsSent"] >= 1
    assert pair["responsesReceived"] >= 1 and pair["currentRoundTripTime"] >= 0
    # Data channels and the peer connection.
    [dc] = report.of_type("data-channel")
    assert (dc["label"], dc["protocol"], dc["state"]) == ("chat", "p1", "open")
    assert dc["dataChannelIdentifier"] == channel.id
    assert report["P"]["dataChannelsOpened"] == 1 and report["P"]["dataChannelsClosed"] == 0
    await a.close()
    await b.close()


async def test_stats_read_as_attributes_and_ids_are_stable() -> None:
    """aiortc reads stats as attributes: both work. Ids do not change between calls."""
    a, b, channel, incoming, _ = await connected()
    first = await a.getStats()
    pair = selected(first)
    assert pair.bytesSent == pair["bytesSent"] and pair.type == "candidate-pair"
    with pytest.raises(AttributeError):
        _ = pair.noSuchField
    await exchange(channel, incoming, ["x"])
    second = await a.getStats()
    assert set(first) == set(second)
    assert second["T01"].selectedCandidatePairId == first["T01"].selectedCandidatePairId
    assert second.get("nothing") is None
    await a.close()
    await b.close()


async def test_bytes_counted_match_the_bytes_on_the_wire() -> None:
    """Every application datagram written to (read from) a socket is counted on a pair:
    the pairs' bytesSent is exactly what went out, and the peer's bytesReceived what came
    in; the data channel counts the messages' payload bytes, and the transport the DTLS
    datagrams (which are the application data here)."""
    a, b, channel, incoming, (wire_a, wire_b) = await connected(wire=True)
    messages: list[str | bytes] = [b"\x07" * 1000 for _ in range(40)]
    messages += ["é" * 10, b"", ""]
    await exchange(channel, incoming, messages)
    await asyncio.sleep(0.2)  # the last SACKs
    report_a, report_b = await a.getStats(), await b.getStats()
    assert wire_a.sent > 40_000
    assert pair_totals(report_a, "bytesSent") == wire_a.sent
    assert pair_totals(report_a, "packetsSent") == wire_a.sent_packets
    assert pair_totals(report_b, "bytesReceived") == wire_b.received
    assert pair_totals(report_b, "packetsReceived") == wire_b.received_packets
    assert pair_totals(report_b, "bytesSent") == wire_b.sent
    assert pair_totals(report_a, "bytesReceived") == wire_a.received
    # Nothing lost on loopback: what a sent, b received.
    assert wire_b.received == wire_a.sent
    # All of it went over the selected pair.
    assert selected(report_a)["bytesSent"] == wire_a.sent
    assert selected(report_a)["lastPacketSentTimestamp"] <= time.time() * 1000
    # The transport counts DTLS datagrams: the same bytes.
    assert report_a["T01"]["bytesSent"] == wire_a.sent
    assert report_a["T01"]["packetsSent"] == wire_a.sent_packets
    # The data channel: payload bytes and messages.
    payload = sum(len(m.encode() if isinstance(m, str) else m) for m in messages)
    [sent] = report_a.of_type("data-channel")
    [received] = report_b.of_type("data-channel")
    assert (sent["messagesSent"], sent["bytesSent"]) == (len(messages), payload)
    assert (received["messagesReceived"], received["bytesReceived"]) == (len(messages), payload)
    await a.close()
    await b.close()


async def test_consent_and_round_trip_times_are_counted() -> None:
    """RFC 7675 consent checks are counted (consentRequestsSent, within requestsSent) and
    each response adds its round-trip time to totalRoundTripTime."""
    config = IceConfig(consent_interval=0.2, liveness_idle=0.2)
    a, b, _, _, _ = await connected(ice_config=config)
    await asyncio.sleep(1.0)
    pair = selected(await a.getStats())
    assert pair["consentRequestsSent"] >= 2
    assert pair["requestsSent"] > pair["consentRequestsSent"] - 1
    assert pair["responsesReceived"] >= pair["consentRequestsSent"] - 1
    assert 0 < pair["totalRoundTripTime"] < pair["responsesReceived"] * 0.5
    assert 0 <= pair["currentRoundTripTime"] < 0.5
    # The peer answered them: requests received, responses sent.
    b_pair = selected(await b.getStats())
    assert b_pair["requestsReceived"] >= pair["consentRequestsSent"]
    assert b_pair["responsesSent"] >= b_pair["requestsReceived"] - 1
    await a.close()
    await b.close()


async def test_dropped_bad_packets_are_counted_on_the_transport() -> None:
    """A STUN check with a wrong MESSAGE-INTEGRITY, a malformed STUN message and a datagram
    from an unknown address are dropped, and each is counted in getStats."""
    a, b, _, _, _ = await connected()
    before = (await a.getStats())["T01"]
    ufrag = a.iceTransport.getLocalParameters()
    assert ufrag is not None and ufrag.usernameFragment is not None
    [target] = a.iceTransport.connection.local_addresses
    bad_integrity = StunMessage(
        method=Method.BINDING,
        message_class=MessageClass.REQUEST,
        transaction_id=b"\x01" * 12,
        attributes={AttrType.USERNAME: f"{ufrag.usernameFragment}:peer"},
    ).encode(b"not the password", fingerprint=True)
    # A STUN header whose body is one attribute claiming more bytes than there are.
    malformed = struct.pack("!HHI12sHH4s", 0x0001, 8, 0x2112A442, b"\x02" * 12, 0x0006, 100, b"x")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.sendto(bad_integrity, target)
        sock.sendto(malformed, target)
        sock.sendto(b"\x80" + b"rtp-ish" * 10, target)
    await asyncio.sleep(0.2)
    after = (await a.getStats())["T01"]

    def grew(name: str) -> int:
        return int(after[name] - before[name])

    assert grew("iceStunRequestBadIntegrity") == 1
    assert grew("iceStunMalformed") == 1
    assert grew("iceDataDroppedUnknownSource") == 1
    assert "dtlsMalformedDatagrams" in after
    await a.close()
    await b.close()


async def test_selected_pair_changes_with_restart_ice_and_matches_the_transport() -> None:
    """Acceptance: after restartIce() the selected pair in getStats is a new one (new
    generation, new candidates) and it is the pair getSelectedCandidatePair() returns."""
    a, b, channel, incoming, _ = await connected()
    await wait_ice(a, "completed")

    def check_matches(report: RTCStatsReport) -> RTCStats:
        pair = selected(report)
        chosen = a.iceTransport.getSelectedCandidatePair()
        assert chosen is not None
        local, remote = report[pair["localCandidateId"]], report[pair["remoteCandidateId"]]
        for entry, candidate in ((local, chosen.local), (remote, chosen.remote)):
            assert (entry["address"], entry["port"]) == (candidate.address, candidate.port)
            assert entry["candidateType"] == candidate.type
            assert entry["usernameFragment"] == candidate.usernameFragment
            assert entry["priority"] == candidate.priority
            assert entry["foundation"] == candidate.foundation
        return pair

    before = await a.getStats()
    old_pair = check_matches(before)
    old_changes = before["T01"]["selectedCandidatePairChanges"]
    old_ufrag = before["T01"]["iceLocalUsernameFragment"]

    needed = asyncio.Event()
    a.on("negotiationneeded", needed.set)
    a.restartIce()
    await asyncio.wait_for(needed.wait(), 5.0)
    changed = asyncio.Event()

    def on_pair() -> None:
        pair = a.iceTransport.getSelectedCandidatePair()
        if pair is not None and pair.local.usernameFragment != old_ufrag:
            changed.set()

    a.iceTransport.on("selectedcandidatepairchange", on_pair)
    await negotiate(a, b)
    await asyncio.wait_for(changed.wait(), 10.0)
    await exchange(channel, incoming, ["after the restart"])
    after = await a.getStats()
    new_pair = check_matches(after)
    assert new_pair["id"] != old_pair["id"]
    assert after["T01"]["iceLocalUsernameFragment"] != old_ufrag
    assert after["T01"]["selectedCandidatePairChanges"] > old_changes
    assert new_pair["bytesSent"] > 0 and new_pair["bytesReceived"] > 0
    assert after[new_pair["localCandidateId"]]["usernameFragment"] != old_ufrag
    await a.close()
    await b.close()


async def test_stats_before_connecting_and_after_close() -> None:
    pc = RTCPeerConnection()
    report = await pc.getStats()
    assert report["T01"]["iceState"] == "new" and "selectedCandidatePairId" not in report["T01"]
    assert report["T01"]["dtlsRole"] == "unknown" and report.of_type("candidate-pair") == []
    pc.createDataChannel("x")
    await pc.setLocalDescription()
    report = await pc.getStats()
    assert report.of_type("local-candidate")
    assert report.of_type("data-channel")[0]["state"] == "connecting"
    await pc.close()
    report = await pc.getStats()
    assert report["T01"]["iceState"] == "closed"
