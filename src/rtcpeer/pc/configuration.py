"""RTCConfiguration and RTCIceServer, with webrtc-pc's validation (§4.2, §4.4.1.5).

"Validate an ICE server URL" (item 103): a URL must parse, use stun/stuns/turn/turns, have
no fragment, no query on stun(s), only ``transport=udp|tcp`` on turn(s), no path or user
info; otherwise SyntaxError. turn(s) servers need a username and credential
(InvalidAccessError).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ada_url import URL

from rtcpeer.ice import TurnServer
from rtcpeer.pc.errors import InvalidAccessError, InvalidSyntaxError, NotSupportedError

RTCIceTransportPolicy = Literal["all", "relay"]
RTCBundlePolicy = Literal["balanced", "max-compat", "max-bundle"]
RTCRtcpMuxPolicy = Literal["require"]

#: How many ICE servers are kept (webrtc-pc §4.4.1.5 step 9: truncate to the supported
#: maximum).
MAX_ICE_SERVERS = 32


@dataclass(frozen=True, slots=True)
class IceServerUrl:
    """A validated ICE server URL."""

    scheme: str
    host: str
    port: int
    transport: str | None

    @property
    def secure(self) -> bool:
        return self.scheme in ("stuns", "turns")


def _redacted(url: str) -> str:
    """``url`` for an error message, with anything that may be user info (a password, as in
    ``turn:user:password@host``) replaced: error texts end up in applications' logs."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition(":")
    return f"{scheme}:***@{rest.rsplit('@', 1)[1]}"


def parse_ice_server_url(url: str) -> IceServerUrl:
    """webrtc-pc §4.4.1.5 "validate an ICE server URL", with the WHATWG URL Standard parser
    (ada): SyntaxError when the URL or its host-and-port part does not parse, the scheme
    is not stun(s)/turn(s), there is a fragment, a query on stun(s), a query other than
    ``transport=udp|tcp``, or user info or a path (item 103)."""
    if not isinstance(url, str):
        raise TypeError("an ICE server URL must be a string")
    try:
        parsed = URL(url)
    except ValueError:
        raise InvalidSyntaxError(f"invalid ICE server URL: {_redacted(url)!r}") from None
    scheme = parsed.protocol.removesuffix(":")
    if scheme not in ("stun", "stuns", "turn", "turns"):
        shown = _redacted(url)
        raise InvalidSyntaxError(f"ICE server URL scheme is not stun(s)/turn(s): {shown!r}")
    href = parsed.href
    if "#" in href:
        raise InvalidSyntaxError(f"ICE server URL has a fragment: {_redacted(url)!r}")
    has_query = "?" in href
    if has_query and scheme in ("stun", "stuns"):
        raise InvalidSyntaxError(f"a stun: URL takes no query: {_redacted(url)!r}")
    try:
        host_and_port = URL("https://" + parsed.pathname)
    except ValueError:
        shown = _redacted(url)
        raise InvalidSyntaxError(f"invalid host or port in ICE server URL: {shown!r}") from None
    if host_and_port.pathname not in ("", "/") or host_and_port.username or host_and_port.password:
        raise InvalidSyntaxError(f"ICE server URL has user info or a path: {_redacted(url)!r}")
    transport: str | None = None
    if has_query:
        if parsed.search not in ("?transport=udp", "?transport=tcp"):
            raise InvalidSyntaxError(f"unsupported ICE server URL query: {_redacted(url)!r}")
        transport = parsed.search.split("=", 1)[1]
    default_port = 5349 if scheme in ("stuns", "turns") else 3478
    port = int(host_and_port.port) if host_and_port.port else default_port
    return IceServerUrl(scheme, host_and_port.hostname.strip("[]"), port, transport)


@dataclass
class RTCIceServer:
    """RTCIceServer (webrtc-pc §4.2.2). ``urls`` is one URL or a list."""

    urls: str | list[str]
    username: str | None = None
    credential: str | None = field(default=None, repr=False)

    def url_list(self) -> list[str]:
        return [self.urls] if isinstance(self.urls, str) else list(self.urls)


@dataclass
class RTCConfiguration:
    """RTCConfiguration (webrtc-pc §4.2.1)."""

    iceServers: list[RTCIceServer] = field(default_factory=list)
    iceTransportPolicy: RTCIceTransportPolicy = "all"
    bundlePolicy: RTCBundlePolicy = "balanced"
    rtcpMuxPolicy: RTCRtcpMuxPolicy = "require"
    iceCandidatePoolSize: int = 0
    certificates: list[object] = field(default_factory=list)
    #: rtcpeer extension (not W3C): verify ``turns:`` servers' certificates against this CA
    #: bundle (a PEM file) instead of the system's trust store.
    tlsCaFile: str | None = None


def validate_configuration(
    configuration: RTCConfiguration,
) -> list[tuple[RTCIceServer, IceServerUrl]]:
    """The "set the configuration" checks (webrtc-pc §4.4.1.5) that do not depend on the
    connection's current state; returns the parsed STUN/TURN URLs."""
    if configuration.iceTransportPolicy not in ("all", "relay"):
        raise TypeError(f"invalid iceTransportPolicy {configuration.iceTransportPolicy!r}")
    if configuration.bundlePolicy not in ("balanced", "max-compat", "max-bundle"):
        raise TypeError(f"invalid bundlePolicy {configuration.bundlePolicy!r}")
    if configuration.rtcpMuxPolicy != "require":
        raise TypeError(f"invalid rtcpMuxPolicy {configuration.rtcpMuxPolicy!r}")
    if not 0 <= configuration.iceCandidatePoolSize <= 255:
        raise TypeError("iceCandidatePoolSize must be 0-255")
    parsed: list[tuple[RTCIceServer, IceServerUrl]] = []
    for server in configuration.iceServers[:MAX_ICE_SERVERS]:
        if not isinstance(server, RTCIceServer):
            raise TypeError("iceServers entries must be RTCIceServer (urls is required)")
        urls = server.url_list()
        if not urls:
            raise InvalidSyntaxError("an RTCIceServer needs at least one URL")
        for url in urls:
            parsed_url = parse_ice_server_url(url)
            if parsed_url.scheme in ("turn", "turns") and (
                server.username is None or server.credential is None
            ):
                raise InvalidAccessError(f"{url}: a TURN server needs username and credential")
            if parsed_url.scheme in ("stuns",):
                raise NotSupportedError(f"{url}: stuns is not implemented")
            parsed.append((server, parsed_url))
    return parsed


@dataclass(frozen=True)
class AgentServers:
    """What the ICE agent takes from an RTCConfiguration."""

    stun: list[tuple[str, int]]
    turn: list[TurnServer]
    relay_only: bool
    tls_ca_file: str | None


def agent_servers(configuration: RTCConfiguration) -> AgentServers:
    """STUN and TURN servers and the transport policy for the ICE agent (webrtc-pc §4.2.1,
    RFC 7065): ``turn:`` is UDP unless ``?transport=tcp``, ``turns:`` is TLS over TCP."""
    stun: list[tuple[str, int]] = []
    turn: list[TurnServer] = []
    for server, url in validate_configuration(configuration):
        if url.scheme == "stun":
            stun.append((url.host, url.port))
        elif url.scheme in ("turn", "turns"):
            assert server.username is not None and server.credential is not None
            transport: Literal["udp", "tcp", "tls"]
            if url.scheme == "turns":
                transport = "tls"
            else:
                transport = "tcp" if url.transport == "tcp" else "udp"
            text = next(u for u in server.url_list() if parse_ice_server_url(u) == url)
            turn.append(
                TurnServer(
                    url.host,
                    url.port,
                    transport,
                    server.username,
                    server.credential,
                    url=text,
                    server_name=url.host,
                )
            )
    return AgentServers(
        stun, turn, configuration.iceTransportPolicy == "relay", configuration.tlsCaFile
    )
