"""RTCPeerConnection (webrtc-pc §4): JSEP signalling over rtcpeer's ICE agent.

The names, shapes and events mirror aiortc (camelCase, ``async`` where the spec returns a
promise, pyee events with aiortc's handler signatures), and the behaviour follows
webrtc-pc's algorithms; the docstrings cite the section, the tests name the items of
``SPEC-CHECKLIST.md``. One ICE transport carries every m-section (BUNDLE, RFC 8843).

What this layer does not do yet: DTLS, SCTP and media (RTP). Data m-sections are negotiated
and their ICE transport connects; audio/video sections of a remote offer are answered as
rejected (port 0).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from pyee.asyncio import AsyncIOEventEmitter

from rtcpeer.aio import IceConnection
from rtcpeer.dtls import DtlsRole, DtlsState, RTCCertificate
from rtcpeer.ice import (
    Candidate,
    CandidateGatheringError,
    CandidateParseError,
    EndOfLocalCandidates,
    GatheringStateChanged,
    IceConfig,
    IceEvent,
    IceGatheringState,
    IceRole,
    IceTransportState,
    LocalCandidateGathered,
    SelectedPairChanged,
    StateChanged,
)
from rtcpeer.ice.generation import random_credentials
from rtcpeer.pc.aggregation import connection_state, ice_connection_state, ice_gathering_state
from rtcpeer.pc.configuration import RTCConfiguration, agent_servers, validate_configuration
from rtcpeer.pc.datachannel import RTCDataChannel
from rtcpeer.pc.dtls_transport import RTCDtlsTransport, is_dtls
from rtcpeer.pc.errors import (
    InvalidAccessError,
    InvalidModificationError,
    InvalidStateError,
    OperationError,
    RTCError,
)
from rtcpeer.pc.ice_transport import RTCIceParameters, RTCIceTransport
from rtcpeer.pc.objects import (
    RTCIceCandidate,
    RTCPeerConnectionIceErrorEvent,
    RTCSessionDescription,
)
from rtcpeer.pc.operations import OperationsChain
from rtcpeer.pc.sctp_transport import (
    RECORD_SIZE_ATTRIBUTE,
    SCTP_MAX_MTU,
    RTCSctpTransport,
    record_size,
)
from rtcpeer.pc.signaling import next_signaling_state
from rtcpeer.pc.states import (
    DtlsTransportState,
    RTCIceConnectionState,
    RTCIceGatheringState,
    RTCPeerConnectionState,
    RTCSignalingState,
)
from rtcpeer.pc.stats import RTCStatsReport, build_report
from rtcpeer.sdp import (
    Attribute,
    ConnectionData,
    MediaDescription,
    Origin,
    SdpError,
    SdpSyntaxError,
    SessionDescription,
    parse_sdp,
    validate_description,
)

logger = logging.getLogger("rtcpeer.pc")
#: ICE credentials are secrets (RFC 8445 §5.3): drawn from the OS's generator.
_CREDENTIAL_RANDOM = random.SystemRandom()
SIG = RTCSignalingState
DATA_PROTO = "UDP/DTLS/SCTP"
SCTP_PORT = 5000
MAX_MESSAGE_SIZE = 262144


@functools.lru_cache(maxsize=32)
def _parsed(sdp: str) -> SessionDescription:
    """parse_sdp for reading only: a description is read many times during negotiation
    (roles, credentials, mids, candidates), so each text is parsed once. Never mutate the
    result (code that edits a description parses its own copy with parse_sdp)."""
    return parse_sdp(sdp)


def _session_id() -> int:
    return secrets.randbits(62)


class RTCPeerConnection(AsyncIOEventEmitter):
    """A WebRTC peer connection.

    Events (no arguments unless noted): ``negotiationneeded``, ``icecandidate(candidate)``
    (an RTCIceCandidate; ``candidate == ""`` ends a generation, ``None`` ends gathering),
    ``icecandidateerror(event)``, ``signalingstatechange``, ``iceconnectionstatechange``,
    ``icegatheringstatechange``, ``connectionstatechange``, ``datachannel(channel)``.
    """

    def __init__(
        self, configuration: RTCConfiguration | None = None, *, ice_config: IceConfig | None = None
    ) -> None:
        """``ice_config`` (rtcpeer's, not W3C) tunes the ICE agent's timers and limits."""
        super().__init__()
        self._configuration = configuration or RTCConfiguration()
        validate_configuration(self._configuration)
        certificates = self._configuration.certificates
        self._certificate = (
            certificates[0]
            if certificates and isinstance(certificates[0], RTCCertificate)
            else RTCCertificate.generateCertificate()
        )
        self._is_closed = False
        self._signaling_state = SIG.STABLE
        self._ice_connection_state = RTCIceConnectionState.NEW
        self._connection_state = RTCPeerConnectionState.NEW
        self._ice_gathering_state = RTCIceGatheringState.NEW
        self._current_local: RTCSessionDescription | None = None
        self._pending_local: RTCSessionDescription | None = None
        self._current_remote: RTCSessionDescription | None = None
        self._pending_remote: RTCSessionDescription | None = None
        self._last_created_offer = ""
        self._last_created_answer = ""
        self._local_ice_credentials_to_replace: set[tuple[str, str]] = set()
        self._negotiation_needed = False
        self._operations = OperationsChain(
            lambda: self._is_closed, self._update_negotiation_needed, self._release_held_tasks
        )
        #: Tasks asked for while an operation ran: they are queued only once its promise
        #: has settled (webrtc-pc §4.4.1.4, §5.7: sLD resolves before the gathering it
        #: started, or the early candidates it released, fire any event; items 32-35).
        self._held_tasks: list[tuple[Callable[..., None], tuple[Any, ...]]] = []
        self._early_candidates: list[tuple[Candidate, str]] = []
        self._can_trickle: bool | None = None
        self._role_known = False
        self._session_id = _session_id()
        self._session_version = 0
        self._data_channels: list[RTCDataChannel] = []
        self._gathering_started = False
        #: usernameFragments of every applied remote description, by mid (item 88).
        self._remote_ufrags: dict[str | None, set[str]] = {}
        self._ice = IceConnection(
            controlling=True,
            stun_servers=self._stun_servers(),
            config=ice_config,
            # TURN (issue 6): relayed candidates, iceTransportPolicy, turns: CA file.
            turn_servers=agent_servers(self._configuration).turn,
            relay_only=self._configuration.iceTransportPolicy == "relay",
            tls_ca_file=self._configuration.tlsCaFile,
        )
        self._ice.on_event = self._on_ice_event
        self._ice.on_data = self._on_ice_data
        self._ice_transport = RTCIceTransport(self._ice)
        self._ice_transport._mid = self._first_mid
        self._dtls = RTCDtlsTransport(self._ice_transport, self._certificate)
        self._dtls.on_state = self._on_dtls_state
        self._sctp = RTCSctpTransport(
            self._dtls,
            on_datachannel=self._announce_channel,
            local_max_message_size=MAX_MESSAGE_SIZE,
        )
        self._dtls.on_data = self._sctp._packet

    # ------------------------------------------------------------------ attributes

    @property
    def signalingState(self) -> str:
        return str(self._signaling_state)

    @property
    def iceConnectionState(self) -> str:
        return str(self._ice_connection_state)

    @property
    def connectionState(self) -> str:
        return str(self._connection_state)

    @property
    def iceGatheringState(self) -> str:
        return str(self._ice_gathering_state)

    @property
    def localDescription(self) -> RTCSessionDescription | None:
        """Pending if there is one, else current (item 52)."""
        return self._pending_local or self._current_local

    @property
    def remoteDescription(self) -> RTCSessionDescription | None:
        return self._pending_remote or self._current_remote

    @property
    def currentLocalDescription(self) -> RTCSessionDescription | None:
        return self._current_local

    @property
    def pendingLocalDescription(self) -> RTCSessionDescription | None:
        return self._pending_local

    @property
    def currentRemoteDescription(self) -> RTCSessionDescription | None:
        return self._current_remote

    @property
    def pendingRemoteDescription(self) -> RTCSessionDescription | None:
        return self._pending_remote

    @property
    def canTrickleIceCandidates(self) -> bool | None:
        """None until a remote description is applied (item 95)."""
        return self._can_trickle

    @property
    def iceTransport(self) -> RTCIceTransport:
        return self._ice_transport

    @property
    def dtlsTransport(self) -> RTCDtlsTransport:
        return self._dtls

    @property
    def sctp(self) -> RTCSctpTransport | None:
        """The SCTP transport once a data m-section is negotiated (webrtc-pc §4.4.1.4)."""
        for description in (self._current_local, self._current_remote):
            if description is not None and any(
                m.kind == "application" and not m.rejected for m in _parsed(description.sdp).media
            ):
                return self._sctp
        return None

    def getConfiguration(self) -> RTCConfiguration:
        return self._configuration

    def setConfiguration(self, configuration: RTCConfiguration) -> None:
        """webrtc-pc §4.4.1.5 "set the configuration" (items 101-104)."""
        if self._is_closed:
            raise InvalidStateError("the RTCPeerConnection is closed")
        old = self._configuration
        if configuration.certificates and configuration.certificates != old.certificates:
            raise InvalidModificationError("certificates cannot change")
        if configuration.bundlePolicy != old.bundlePolicy:
            raise InvalidModificationError("bundlePolicy cannot change")
        if configuration.rtcpMuxPolicy != old.rtcpMuxPolicy:
            raise InvalidModificationError("rtcpMuxPolicy cannot change")
        if (
            configuration.iceCandidatePoolSize != old.iceCandidatePoolSize
            and self.localDescription is not None
        ):
            raise InvalidModificationError("iceCandidatePoolSize cannot change after sLD")
        validate_configuration(configuration)
        self._configuration = configuration
        # TURN (issue 6): new ICE servers and policy take effect at the next ICE restart.
        servers = agent_servers(configuration)
        self._ice.set_ice_servers(
            servers.stun, servers.turn, servers.relay_only, tls_ca_file=servers.tls_ca_file
        )

    def _stun_servers(self) -> list[tuple[str, int]]:
        servers = []
        for _, url in validate_configuration(self._configuration):
            if url.scheme == "stun":
                servers.append((url.host, url.port))
        return servers

    # ------------------------------------------------------------------ data channels

    def createDataChannel(
        self,
        label: str,
        maxPacketLifeTime: int | None = None,
        maxRetransmits: int | None = None,
        ordered: bool = True,
        protocol: str = "",
        negotiated: bool = False,
        id: int | None = None,
    ) -> RTCDataChannel:
        """webrtc-pc §6.1: the first channel makes negotiation needed (item 81)."""
        if self._is_closed:
            raise InvalidStateError("the RTCPeerConnection is closed")
        if id is not None and negotiated and self._sctp._id_in_use(id):
            raise OperationError(f"data channel id {id} is already in use")  # webrtc-pc §6.1
        channel = RTCDataChannel(
            label,
            ordered=ordered,
            maxPacketLifeTime=maxPacketLifeTime,
            maxRetransmits=maxRetransmits,
            protocol=protocol,
            negotiated=negotiated,
            id=id,
        )
        self._data_channels.append(channel)
        self._sctp._register(channel)
        if len(self._data_channels) == 1:
            self._update_negotiation_needed()
        return channel

    def _announce_channel(self, channel: RTCDataChannel) -> None:
        """A channel the peer opened (DCEP): the datachannel event (webrtc-pc §6.2)."""
        self._data_channels.append(channel)
        # Its own task, so an exception in a handler reaches the loop, not the SCTP stack.
        asyncio.get_running_loop().call_soon(self._emit_datachannel, channel)

    def _emit_datachannel(self, channel: RTCDataChannel) -> None:
        if not self._is_closed:
            self.emit("datachannel", channel)

    # ------------------------------------------------------------------ offers and answers

    async def createOffer(self, iceRestart: bool = False) -> RTCSessionDescription:
        """webrtc-pc §4.4.2.2 createOffer (items 50, 58-60)."""
        return await self._operations.run(lambda: self._create_offer(iceRestart))

    async def _create_offer(self, ice_restart: bool) -> RTCSessionDescription:
        if self._signaling_state not in (SIG.STABLE, SIG.HAVE_LOCAL_OFFER):
            raise InvalidStateError(f"createOffer in {self._signaling_state}")
        ufrag, pwd = self._ice.local_parameters
        current = self._current_local
        if current is not None and (ice_restart or self._local_ice_credentials_to_replace):
            # §4.2.6.2: different credentials from the current local description (item 58).
            ufrag, pwd = random_credentials(_CREDENTIAL_RANDOM)
        description = self._build_description("offer", ufrag, pwd)
        self._last_created_offer = description
        return RTCSessionDescription(sdp=description, type="offer")

    async def createAnswer(self) -> RTCSessionDescription:
        """webrtc-pc §4.4.2.2 createAnswer (item 50)."""
        return await self._operations.run(self._create_answer)

    async def _create_answer(self) -> RTCSessionDescription:
        if self._signaling_state not in (SIG.HAVE_REMOTE_OFFER, SIG.HAVE_LOCAL_PRANSWER):
            raise InvalidStateError(f"createAnswer in {self._signaling_state}")
        ufrag, pwd = self._ice.local_parameters
        description = self._build_description("answer", ufrag, pwd)
        self._last_created_answer = description
        return RTCSessionDescription(sdp=description, type="answer")

    def _build_description(self, kind: str, ufrag: str, pwd: str) -> str:
        """JSEP §5.2 (offer) / §5.3 (answer) for data sections; media sections of a remote
        offer are rejected in the answer (port 0, a=mid kept)."""
        self._session_version += 1
        session = SessionDescription(
            origin=Origin("-", self._session_id, self._session_version),
        )
        fingerprint = self._certificate.getFingerprints()[0]
        remote = _parsed(self.remoteDescription.sdp) if self.remoteDescription else None
        sections: list[tuple[str, str, MediaDescription | None]] = []  # (mid, kind, remote m)
        if kind == "answer":
            assert remote is not None
            for index, media in enumerate(remote.media):
                sections.append((media.mid or str(index), media.kind, media))
        else:
            local = _parsed(self._current_local.sdp) if self._current_local else None
            if local is not None:
                sections = [(m.mid or str(i), m.kind, None) for i, m in enumerate(local.media)]
            elif remote is not None:
                sections = [(m.mid or str(i), m.kind, None) for i, m in enumerate(remote.media)]
            if self._data_channels and not any(k == "application" for _, k, _ in sections):
                sections.append((self._new_mid(sections), "application", None))
        accepted: list[str] = []
        for mid, media_kind, offered in sections:
            if media_kind != "application" or (offered is not None and offered.rejected):
                media = _rejected_section(mid, media_kind, offered)
            else:
                media = MediaDescription(
                    kind="application",
                    port=9,
                    proto=offered.proto if offered is not None else DATA_PROTO,
                    formats=offered.formats if offered is not None else ["webrtc-datachannel"],
                    connection=ConnectionData("IN", "IP4", "0.0.0.0"),
                )
                media.add_attribute("ice-ufrag", ufrag)
                media.add_attribute("ice-pwd", pwd)
                media.add_attribute("ice-options", "trickle")  # item 96
                media.add_attribute("fingerprint", f"{fingerprint.algorithm} {fingerprint.value}")
                media.add_attribute("setup", "actpass" if kind == "offer" else "active")
                media.add_attribute("mid", mid)
                if offered is not None and offered.sctpmap is not None:
                    media.add_attribute(
                        "sctpmap", f"{SCTP_PORT} webrtc-datachannel {MAX_MESSAGE_SIZE}"
                    )
                else:
                    media.add_attribute("sctp-port", str(SCTP_PORT))
                media.add_attribute("max-message-size", str(MAX_MESSAGE_SIZE))
                # rtcpeer's own (ignored by others, RFC 8866 §5.13): we read DTLS records of
                # up to 2^14 bytes, so a peer that says the same may probe SCTP packets that
                # large (see RTCSctpTransport); other stacks get at most 1432-byte packets.
                media.add_attribute(RECORD_SIZE_ATTRIBUTE, str(SCTP_MAX_MTU))
                self._add_gathered_candidates(media, ufrag)
                accepted.append(mid)
            session.media.append(media)
        if accepted:
            session.attributes.insert(0, Attribute("group", "BUNDLE " + " ".join(accepted)))
        session.attributes.append(Attribute("msid-semantic", " WMS"))
        return session.serialize()

    def _new_mid(self, sections: list[tuple[str, str, MediaDescription | None]]) -> str:
        used = {mid for mid, _, _ in sections}
        n = 0
        while str(n) in used:
            n += 1
        return str(n)

    def _add_gathered_candidates(self, media: MediaDescription, ufrag: str) -> None:
        """Candidates already gathered for this generation go into the description."""
        if ufrag != self._ice.local_parameters[0] or not self._gathering_started:
            return
        for candidate in self._ice.local_candidates:
            media.add_attribute("candidate", candidate.to_sdp().removeprefix("candidate:"))
        if self._ice.agent.gathering_state is IceGatheringState.COMPLETE:
            media.add_attribute("end-of-candidates")

    # ------------------------------------------------------------------ set descriptions

    async def setLocalDescription(
        self, description: RTCSessionDescription | Mapping[str, Any] | None = None
    ) -> None:
        """webrtc-pc §4.4.2.2 setLocalDescription, implicit form included (items 46, 47)."""
        desc = _as_description(description)
        await self._operations.run(lambda: self._set_local(desc))

    async def _set_local(self, desc: RTCSessionDescription | None) -> None:
        sdp_type = desc.type if desc is not None else None
        if sdp_type is None:
            # Implicit sLD (item 46).
            offering = self._signaling_state in (
                SIG.STABLE,
                SIG.HAVE_LOCAL_OFFER,
                SIG.HAVE_REMOTE_PRANSWER,
            )
            sdp_type = "offer" if offering else "answer"
        if sdp_type == "rollback":
            self._rollback(local=True)
            return
        sdp = desc.sdp if desc is not None else ""
        if sdp_type == "offer":
            if sdp == "":
                sdp = self._last_created_offer or (await self._create_offer(False)).sdp
            elif sdp != self._last_created_offer:
                raise InvalidModificationError("the offer is not the last one created (item 47)")
        else:
            if sdp == "":
                sdp = self._last_created_answer or (await self._create_answer()).sdp
            elif sdp != self._last_created_answer:
                raise InvalidModificationError("the answer is not the last one created (item 47)")
        new_state = next_signaling_state(self._signaling_state, True, sdp_type)
        parsed = parse_sdp(sdp)
        credentials = _ice_credentials(parsed)
        # ICE: the role (item 53), new credentials = a local restart, gathering starts.
        if not self._role_known:
            self._role_known = True
            self._ice.agent.set_role(sdp_type == "offer")
        if credentials is not None:
            if credentials != self._ice.local_parameters:
                await self._ice.restart(credentials=credentials)
            if not self._gathering_started:
                self._gathering_started = True
                await self._ice.gather()
        applied = RTCSessionDescription(sdp=sdp, type=sdp_type)
        if sdp_type == "offer" or sdp_type == "pranswer":
            self._pending_local = applied
        else:
            # §4.4.1.4 answer: current = new, other current = other pending (item 43).
            self._current_local = applied
            self._current_remote = self._pending_remote
            self._pending_local = self._pending_remote = None
            self._last_created_offer = self._last_created_answer = ""
            # Item 61: the set clears when none of its credentials are in the answer.
            if credentials is None or credentials not in self._local_ice_credentials_to_replace:
                self._local_ice_credentials_to_replace.clear()
        self._release_early_candidates()
        self._set_signaling_state(new_state)

    async def setRemoteDescription(
        self, description: RTCSessionDescription | Mapping[str, Any]
    ) -> None:
        """webrtc-pc §4.4.2.2 setRemoteDescription (items 41, 48, 70, 95)."""
        desc = _as_description(description)
        if desc is None:
            raise TypeError("setRemoteDescription needs a description")
        await self._operations.run(lambda: self._set_remote(desc))

    async def _set_remote(self, desc: RTCSessionDescription) -> None:
        if desc.type == "rollback":
            self._rollback(local=False)
            return
        if desc.type == "offer" and self._signaling_state is SIG.HAVE_LOCAL_OFFER:
            self._rollback(local=True)  # glare: implicit rollback (item 48)
        new_state = next_signaling_state(self._signaling_state, False, desc.type)
        try:
            parsed = parse_sdp(desc.sdp)
        except SdpSyntaxError as exc:
            raise RTCError(
                str(exc), errorDetail="sdp-syntax-error", sdpLineNumber=exc.line_number
            ) from exc
        try:
            validate_description(parsed)
        except SdpError as exc:
            raise InvalidAccessError(str(exc)) from exc
        credentials = _ice_credentials(parsed)
        if not self._role_known:
            self._role_known = True
            # §4.4.1.4: a remote offer makes us controlled unless the peer is ICE-lite.
            self._ice.agent.set_role(desc.type != "offer" or parsed.ice_lite)
        for index, media in enumerate(parsed.media):
            media_credentials = parsed.ice_credentials(index)
            if media_credentials is not None:
                self._remote_ufrags.setdefault(media.mid, set()).add(media_credentials[0])
        if credentials is not None:
            restarted = self._ice.set_remote_parameters(
                *credentials, ice_lite=parsed.ice_lite, offer=desc.type == "offer"
            )
            if restarted:
                logger.info("remote ICE restart: answering with new credentials")
            self._ice_transport._remote_parameters = RTCIceParameters(
                credentials[0], credentials[1], parsed.ice_lite
            )
            self._apply_remote_candidates(parsed, credentials[0])
        self._can_trickle = "trickle" in (parsed.ice_options or []) or any(
            "trickle" in (parsed.media_ice_options(i) or []) for i in range(len(parsed.media))
        )
        if desc.type in ("offer", "pranswer"):
            self._pending_remote = RTCSessionDescription(sdp=desc.sdp, type=desc.type)
        else:
            self._current_remote = RTCSessionDescription(sdp=desc.sdp, type=desc.type)
            self._current_local = self._pending_local
            self._pending_local = self._pending_remote = None
            self._last_created_offer = self._last_created_answer = ""
            # Item 62: cleared when none of the set is in the new current local description.
            local = _parsed(self._current_local.sdp) if self._current_local else None
            local_credentials = _ice_credentials(local) if local else None
            if local_credentials not in self._local_ice_credentials_to_replace:
                self._local_ice_credentials_to_replace.clear()
        self._set_signaling_state(new_state)

    def _apply_remote_candidates(self, parsed: SessionDescription, ufrag: str) -> None:
        for media in parsed.media:
            if media.rejected:
                continue
            for text in media.candidates:
                try:
                    candidate = Candidate.from_sdp(text)
                except CandidateParseError:
                    continue
                self._ice.add_remote_candidate(candidate, ufrag)
            if media.end_of_candidates or parsed.end_of_candidates:
                self._ice.add_remote_candidate(None, ufrag)
            break  # BUNDLE: the first section's transport carries them all

    def _rollback(self, *, local: bool) -> None:
        """§4.4.1.4 rollback (items 38-40): back to stable; pending descriptions dropped."""
        next_signaling_state(self._signaling_state, local, "rollback")  # validates (item 38)
        pending = self._pending_local or self._pending_remote
        if pending is not None:
            parsed = _parsed(pending.sdp)
            credentials = _ice_credentials(parsed)
            current = _parsed(self._current_local.sdp) if self._current_local is not None else None
            current_credentials = _ice_credentials(current) if current else None
            if credentials is not None and credentials != current_credentials:
                self._ice.rollback_restart()
        self._pending_local = self._pending_remote = None
        self._set_signaling_state(SIG.STABLE)

    def _set_signaling_state(self, state: RTCSignalingState) -> None:
        """End of set-description: negotiation-needed handling in stable (item 44), then the
        event (item 45)."""
        changed = state is not self._signaling_state
        if changed:
            logger.info("signalingState %s -> %s", self._signaling_state, state)
        self._signaling_state = state
        if state is SIG.STABLE:
            self._configure_dtls()
            self._negotiation_needed = False
            self._update_negotiation_needed()
        if changed:
            self.emit("signalingstatechange")

    # ------------------------------------------------------------------ DTLS

    def _configure_dtls(self) -> None:
        """With both descriptions current, the DTLS roles (RFC 8842 §5: the answer's
        a=setup decides; an "actpass" offerer takes the other role) and the peer's
        fingerprints (RFC 8122) are known."""
        if self._current_local is None or self._current_remote is None:
            return
        local = _parsed(self._current_local.sdp)
        remote = _parsed(self._current_remote.sdp)
        index = next((i for i, m in enumerate(local.media) if not m.rejected), None)
        if index is None or index >= len(remote.media):
            return
        local_setup = local.media_setup(index)
        remote_setup = remote.media_setup(index)
        if local_setup == "active" or (local_setup == "actpass" and remote_setup == "passive"):
            role = DtlsRole.CLIENT
        else:
            role = DtlsRole.SERVER
        self._sctp._set_remote_max_message_size(remote.media[index].max_message_size)
        self._sctp._set_remote_record_size(record_size(remote.media[index]))
        fingerprints = [(f.algorithm, f.value) for f in remote.media_fingerprints(index)]
        if not fingerprints:
            return
        self._dtls._configure(role, fingerprints)
        if self._ice_transport.state in ("connected", "completed"):
            self._dtls._ice_connected()

    def _on_ice_data(self, data: bytes) -> None:
        if is_dtls(data):
            self._dtls._datagram(data)

    def _on_dtls_state(self, state: DtlsState, reason: str) -> None:
        self._queue_task(self._dtls_task, state, reason)

    def _dtls_task(self, state: DtlsState, reason: str = "") -> None:
        """Item 30: a DTLS state change re-derives connectionState only."""
        if self._is_closed:
            return
        _, connection_changed = self._derive_states(f"DTLS: {reason}")
        if state is DtlsState.CONNECTED:
            endpoint = self._dtls.endpoint
            self._sctp._start(client=endpoint is not None and endpoint.role is DtlsRole.CLIENT)
        self._dtls.emit("statechange")
        if state is DtlsState.FAILED and self._dtls.listeners("error"):
            # webrtc-pc §5.5: an RTCErrorEvent. Only with a listener: pyee raises an "error"
            # that nobody handles, and that must not cost the connectionstatechange below.
            detail = "fingerprint-failure" if "fingerprint" in reason.lower() else "dtls-failure"
            self._dtls.emit("error", RTCError(reason or "DTLS failed", errorDetail=detail))
        if connection_changed:
            self.emit("connectionstatechange")

    # ------------------------------------------------------------------ candidates

    async def addIceCandidate(
        self, candidate: RTCIceCandidate | Mapping[str, Any] | None = None
    ) -> None:
        """webrtc-pc §4.4.2.2 addIceCandidate (items 84-93)."""
        init = RTCIceCandidate.from_init(candidate)
        if init.candidate and init.sdpMid is None and init.sdpMLineIndex is None:
            raise TypeError("sdpMid and sdpMLineIndex are both null")  # item 84
        await self._operations.run(lambda: self._add_ice_candidate(init))

    async def _add_ice_candidate(self, init: RTCIceCandidate) -> None:
        remote = self.remoteDescription
        if remote is None:
            raise InvalidStateError("no remote description")  # item 85
        parsed = _parsed(remote.sdp)
        mids = [m.mid for m in parsed.media]
        if init.sdpMid is not None:
            if init.sdpMid not in mids:
                raise OperationError(f"no m-section with mid {init.sdpMid!r}")  # item 86
        elif init.sdpMLineIndex is not None and init.sdpMLineIndex >= len(parsed.media):
            raise OperationError(f"no m-section at index {init.sdpMLineIndex}")
        if init.sdpMid is not None:
            index = mids.index(init.sdpMid)
        elif init.sdpMLineIndex is not None:
            index = init.sdpMLineIndex
        else:
            index = None  # end-of-candidates for every m-section (item 90)
        if init.usernameFragment is not None:
            known = (
                self._remote_ufrags.get(mids[index], set())
                if index is not None
                else set().union(*self._remote_ufrags.values())
            )
            if init.usernameFragment not in known:
                raise OperationError(f"unknown usernameFragment {init.usernameFragment!r}")  # 88
        ufrag = init.usernameFragment
        if not init.candidate:
            self._ice.add_remote_candidate(None, ufrag)  # items 90, 91
        elif init.parsed is None:
            raise OperationError(f"cannot parse candidate {init.candidate!r}")  # item 89
        else:
            stats = self._ice.agent.stats
            over = stats.get("remote_candidates_over_limit", 0)
            self._ice.add_remote_candidate(init.parsed, ufrag)
            if stats.get("remote_candidates_over_limit", 0) != over:
                # Refused for the agent's limit: it does not join the description either,
                # so a flood of candidates cannot grow the SDP text without bound.
                return
        self._add_to_remote_descriptions(init, index)

    def _add_to_remote_descriptions(self, init: RTCIceCandidate, index: int | None) -> None:
        """Item 92: the candidate (or a=end-of-candidates) joins the remote description(s)
        representing its generation, in the m-section it names (every one for an
        end-of-candidates without a target)."""
        for name in ("_pending_remote", "_current_remote"):
            description: RTCSessionDescription | None = getattr(self, name)
            if description is None:
                continue
            parsed = parse_sdp(description.sdp)
            targets = range(len(parsed.media)) if index is None else [index]
            changed = False
            for i in targets:
                credentials = parsed.ice_credentials(i)
                media = parsed.media[i]
                if init.usernameFragment is not None and (
                    credentials is None or credentials[0] != init.usernameFragment
                ):
                    continue
                if not init.candidate:
                    if not media.end_of_candidates:
                        media.add_attribute("end-of-candidates")
                        changed = True
                else:
                    text = init.candidate.removeprefix("a=").removeprefix("candidate:")
                    if text not in media.candidates:
                        media.add_attribute("candidate", text)
                        changed = True
            if changed:
                setattr(self, name, RTCSessionDescription(parsed.serialize(), description.type))

    def restartIce(self) -> None:
        """webrtc-pc §4.4.2.2 restartIce (items 54-57): not chained, returns None."""
        if self._is_closed:
            return
        self._local_ice_credentials_to_replace.clear()
        for description in (self._current_local, self._pending_local):
            if description is not None:
                credentials = _ice_credentials(_parsed(description.sdp))
                if credentials is not None:
                    self._local_ice_credentials_to_replace.add(credentials)
        self._update_negotiation_needed()

    # ------------------------------------------------------------------ negotiation needed

    def _update_negotiation_needed(self) -> None:
        """§4.7.3 "update the negotiation-needed flag" (items 78-83)."""
        if self._is_closed:
            return
        if len(self._operations):
            self._operations.update_negotiation_needed_on_empty = True
            return
        asyncio.get_running_loop().call_soon(self._update_negotiation_needed_task)

    def _update_negotiation_needed_task(self) -> None:
        if self._is_closed:
            return
        if len(self._operations):
            self._operations.update_negotiation_needed_on_empty = True
            return
        if self._signaling_state is not SIG.STABLE:
            return
        if not self._is_negotiation_needed():
            self._negotiation_needed = False
            return
        if self._negotiation_needed:
            return
        self._negotiation_needed = True
        self.emit("negotiationneeded")

    def _is_negotiation_needed(self) -> bool:
        """§4.7.3 "check if negotiation is needed" (item 81), for what rtcpeer supports."""
        if self._local_ice_credentials_to_replace:
            return True
        if self._data_channels:
            local = self._current_local
            kinds = [m.kind for m in _parsed(local.sdp).media] if local else []
            if "application" not in kinds:
                return True
        return False

    # ------------------------------------------------------------------ ICE events

    def _on_ice_event(self, event: IceEvent) -> None:
        """Queue the spec's task for each agent event (webrtc-pc §5.7)."""
        self._queue_task(self._ice_task, event)

    def _queue_task(self, task: Callable[..., None], *args: Any) -> None:
        """Queue a task; while an operation runs, only after its promise has settled."""
        if len(self._operations):
            self._held_tasks.append((task, args))
        else:
            asyncio.get_running_loop().call_soon(task, *args)

    def _release_held_tasks(self) -> None:
        held, self._held_tasks = self._held_tasks, []
        loop = asyncio.get_running_loop()
        for task, args in held:
            loop.call_soon(task, *args)

    def _ice_task(self, event: IceEvent) -> None:
        if self._is_closed:
            return  # item 29
        transport = self._ice_transport
        if isinstance(event, StateChanged | SelectedPairChanged):
            pair_changed = False
            state_changed = False
            if isinstance(event, SelectedPairChanged):
                pair_changed = transport._set_selected(event.local, event.remote, event.reason)
                if pair_changed and event.local is not None:
                    self._sctp._path_changed()  # a new path: probe its packet size again
            else:
                state_changed = transport._set_state(event.new, event.reason)
            transport._role = IceRole(self._ice.agent.role)
            ice_changed, connection_changed = self._derive_states(f"ICE: {event.reason}")
            # Item 27: the order of the events of one update.
            if pair_changed:
                transport.emit("selectedcandidatepairchange")
            if state_changed:
                transport.emit("statechange")
                if transport.state in ("connected", "completed"):
                    self._dtls._ice_connected()
            if ice_changed:
                self.emit("iceconnectionstatechange")
            if connection_changed:
                self.emit("connectionstatechange")
        elif isinstance(event, LocalCandidateGathered):
            self._surface_or_hold(event.candidate, event.ufrag)
        elif isinstance(event, EndOfLocalCandidates):
            self._end_of_candidates(event.ufrag)
        elif isinstance(event, GatheringStateChanged):
            self._gathering_changed(event.state)
        elif isinstance(event, CandidateGatheringError):
            host, port = self._ice.server_names.get(event.server, event.server)
            self.emit(
                "icecandidateerror",
                RTCPeerConnectionIceErrorEvent(
                    address=event.base[0] or None,
                    port=event.base[1] or None,
                    url=event.url or f"stun:{host}:{port}",
                    errorCode=event.error_code,
                    errorText=event.error_text,
                ),
            )

    def _derive_states(self, reason: str = "") -> tuple[bool, bool]:
        """Items 16-20: re-derive both aggregates; report which changed (and log it, with
        the ``reason`` of the transport change that caused it)."""
        ice_states = [IceTransportState(self._ice_transport.state)] if self._has_transport() else []
        ice = ice_connection_state(self._is_closed, ice_states)
        dtls = [DtlsTransportState(self._dtls.state)] if self._has_transport() else []
        connection = connection_state(self._is_closed, ice, dtls)
        ice_changed = ice is not self._ice_connection_state
        connection_changed = connection is not self._connection_state
        if ice_changed:
            logger.info("iceConnectionState %s -> %s (%s)", self._ice_connection_state, ice, reason)
        if connection_changed:
            logger.info("connectionState %s -> %s (%s)", self._connection_state, connection, reason)
        self._ice_connection_state = ice
        self._connection_state = connection
        return ice_changed, connection_changed

    def _has_transport(self) -> bool:
        return self.localDescription is not None or self.remoteDescription is not None

    def _gathering_changed(self, state: IceGatheringState) -> None:
        """Items 32-33: transport gatheringstatechange, then the PC's, in one task."""
        transport = self._ice_transport
        transport_changed = transport._set_gathering_state(state)
        aggregate = ice_gathering_state([state])
        changed = aggregate is not self._ice_gathering_state
        if changed:
            logger.info("iceGatheringState %s -> %s", self._ice_gathering_state, aggregate)
        self._ice_gathering_state = aggregate
        if transport_changed:
            transport.emit("gatheringstatechange")
        if changed:
            self.emit("icegatheringstatechange")
        if state is IceGatheringState.COMPLETE:
            self.emit("icecandidate", None)  # the legacy end-of-gathering signal (item 33)

    def _represented_ufrag(self) -> str | None:
        description = self.localDescription
        if description is None:
            return None
        credentials = _ice_credentials(_parsed(description.sdp))
        return credentials[0] if credentials else None

    def _surface_or_hold(self, candidate: Candidate, ufrag: str) -> None:
        """Item 34: surface a candidate of the generation the local description represents,
        otherwise keep it in [[EarlyCandidates]]."""
        if self._represented_ufrag() != ufrag:
            self._early_candidates.append((candidate, ufrag))
            return
        self._surface(candidate, ufrag)

    def _surface(self, candidate: Candidate, ufrag: str) -> None:
        mid, index = self._first_mid()
        for name in ("_pending_local", "_current_local"):
            description: RTCSessionDescription | None = getattr(self, name)
            if description is not None:
                credentials = _ice_credentials(_parsed(description.sdp))
                if credentials is not None and credentials[0] == ufrag:
                    setattr(self, name, _with_attribute(description, index, "candidate", candidate))
        self.emit(
            "icecandidate",
            RTCIceCandidate.from_candidate(candidate, sdpMid=mid, sdpMLineIndex=index),
        )

    def _release_early_candidates(self) -> None:
        """Item 35: each early candidate is surfaced in its own task."""
        early, self._early_candidates = self._early_candidates, []
        for candidate, ufrag in early:
            self._queue_task(self._surface_or_hold, candidate, ufrag)

    def _end_of_candidates(self, ufrag: str) -> None:
        """Item 33 task 1: a=end-of-candidates, then icecandidate with candidate ""."""
        if self._represented_ufrag() != ufrag:
            return
        mid, index = self._first_mid()
        for name in ("_pending_local", "_current_local"):
            description: RTCSessionDescription | None = getattr(self, name)
            if description is not None:
                setattr(self, name, _with_attribute(description, index, "end-of-candidates", None))
        self.emit(
            "icecandidate",
            RTCIceCandidate(candidate="", sdpMid=mid, sdpMLineIndex=index, usernameFragment=ufrag),
        )

    def _first_mid(self) -> tuple[str | None, int]:
        description = self.localDescription
        if description is None:
            return None, 0
        for index, media in enumerate(_parsed(description.sdp).media):
            if not media.rejected:
                return media.mid, index
        return None, 0

    # ------------------------------------------------------------------ closing

    async def close(self) -> None:
        """webrtc-pc §4.4.2.2 close (items 31, 107-109): no events."""
        if self._is_closed:
            return
        self._is_closed = True
        logger.info("connectionState %s -> closed (close())", self._connection_state)
        self._signaling_state = SIG.CLOSED
        for channel in self._data_channels:
            channel._close_abruptly()
        self._sctp._abort()
        self._dtls._stop()
        await self._ice.close()
        self._ice_transport._set_state(IceTransportState.CLOSED, "close()")
        self._ice_connection_state = RTCIceConnectionState.CLOSED
        self._connection_state = RTCPeerConnectionState.CLOSED

    async def getStats(self, selector: object = None) -> RTCStatsReport:
        """An RTCStatsReport (webrtc-pc §8.2, webrtc-stats): a dict of stats id -> stats
        object with the W3C field names (``report[id]["bytesSent"]`` or
        ``report[id].bytesSent``); see :mod:`rtcpeer.pc.stats`. ``selector`` (a track) is
        accepted for aiortc/W3C compatibility; rtcpeer has no media tracks, so it is
        ignored."""
        return build_report(self)

    def getTransceivers(self) -> list[object]:
        return []

    def getSenders(self) -> list[object]:
        return []

    def getReceivers(self) -> list[object]:
        return []


def _as_description(
    description: RTCSessionDescription | Mapping[str, Any] | None,
) -> RTCSessionDescription | None:
    if description is None or isinstance(description, RTCSessionDescription):
        return description
    sdp_type = description.get("type")
    if sdp_type is None:
        return None
    return RTCSessionDescription(sdp=description.get("sdp", ""), type=sdp_type)


def _ice_credentials(parsed: SessionDescription) -> tuple[str, str] | None:
    """The ICE credentials of the first usable m-section (BUNDLE: one transport)."""
    for index, media in enumerate(parsed.media):
        if not media.rejected:
            return parsed.ice_credentials(index)
    return None


def _rejected_section(mid: str, kind: str, offered: MediaDescription | None) -> MediaDescription:
    """JSEP §5.3.1: a rejected section keeps kind, proto and formats, with port 0."""
    media = MediaDescription(
        kind=kind,
        port=0,
        proto=offered.proto if offered is not None else "UDP/TLS/RTP/SAVPF",
        formats=offered.formats if offered is not None else ["0"],
        connection=ConnectionData("IN", "IP4", "0.0.0.0"),
    )
    media.add_attribute("mid", mid)
    media.add_attribute("inactive")
    return media


def _with_attribute(
    description: RTCSessionDescription, index: int, name: str, candidate: Candidate | None
) -> RTCSessionDescription:
    parsed = parse_sdp(description.sdp)
    if index < len(parsed.media):
        media = parsed.media[index]
        if name == "candidate" and candidate is not None:
            text = candidate.to_sdp().removeprefix("candidate:")
            if text not in media.candidates:
                media.add_attribute("candidate", text)
        elif name == "end-of-candidates" and not media.end_of_candidates:
            media.add_attribute("end-of-candidates")
    return RTCSessionDescription(sdp=parsed.serialize(), type=description.type)
