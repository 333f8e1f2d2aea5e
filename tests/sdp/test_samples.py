"""Real-world sample descriptions: parse, typed views, validation and exact round-trip.

Each file in ``samples/`` starts with a ``#`` comment saying which implementation's format it
reproduces and where that format is documented; :func:`tests.sdp.util.load_sample` strips it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from rtcpeer.ice import Candidate
from rtcpeer.sdp import (
    SctpMap,
    SessionDescription,
    description_problems,
    parse_sdp,
    validate_description,
)
from tests.sdp.util import SAMPLE_NAMES, load_sample, normalised


@dataclass(frozen=True)
class Expected:
    """What the typed views must report for one sample (per m= section where a list)."""

    kinds: list[str]
    protos: list[str]
    mids: list[str]
    bundle: list[list[str]]
    ufrags: list[str | None]
    fingerprint_algorithms: list[list[str]]  # effective (media, else session level)
    setups: list[str | None]  # effective
    directions: list[str]  # effective
    candidates: list[int]
    end_of_candidates: list[bool]  # effective
    rejected: list[bool]
    sctp_port: int | None = None  # of the application section
    max_message_size: int | None = None
    ice_lite: bool = False
    ice_options: list[list[str]] = field(default_factory=list)  # effective; [] = check none
    msid_semantic: tuple[str, list[str]] | None = None
    mdns_candidates: int = 0


CHROME_TRANSPORT: dict[str, Any] = {
    "setups": ["actpass"] * 3,
    "fingerprint_algorithms": [["sha-256"]] * 3,
}
AV_DATA: dict[str, Any] = {
    "kinds": ["audio", "video", "application"],
    "protos": ["UDP/TLS/RTP/SAVPF", "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP"],
    "mids": ["0", "1", "2"],
    "bundle": [["0", "1", "2"]],
    "candidates": [0, 0, 0],
    "end_of_candidates": [False] * 3,
    "rejected": [False] * 3,
    "sctp_port": 5000,
    "ice_options": [["trickle"]] * 3,
}
DATA_ONLY: dict[str, Any] = {
    "kinds": ["application"],
    "mids": ["0"],
    "bundle": [["0"]],
    "rejected": [False],
    "directions": ["sendrecv"],
    "sctp_port": 5000,
    "end_of_candidates": [True],
}

EXPECTED: dict[str, Expected] = {
    "chrome_offer_audio_video_data.sdp": Expected(
        **AV_DATA,
        **CHROME_TRANSPORT,
        ufrags=["eJMn"] * 3,
        directions=["sendrecv"] * 3,
        max_message_size=262144,
        msid_semantic=("WMS", ["f0151645-0e1a-4399-96e3-30714bddeeb9"]),
    ),
    "chrome_answer_audio_video_data.sdp": Expected(
        **AV_DATA,
        ufrags=["ihpF"] * 3,
        setups=["active"] * 3,
        fingerprint_algorithms=[["sha-256"]] * 3,
        directions=["sendrecv", "recvonly", "sendrecv"],
        max_message_size=262144,
        msid_semantic=("WMS", ["6c998246-ceac-439d-a151-f8929a4e5231"]),
    ),
    "chrome_datachannel_offer_candidates.sdp": Expected(
        **DATA_ONLY,
        protos=["UDP/DTLS/SCTP"],
        ufrags=["gBIh"],
        fingerprint_algorithms=[["sha-256"]],
        setups=["actpass"],
        candidates=[5],
        max_message_size=262144,
        ice_options=[["trickle"]],
        msid_semantic=("WMS", []),
        mdns_candidates=4,
    ),
    "firefox_offer_audio_video_data.sdp": Expected(
        **AV_DATA,
        **CHROME_TRANSPORT,
        ufrags=["22f6dcff"] * 3,
        directions=["sendrecv"] * 3,
        max_message_size=1073741823,
        msid_semantic=("WMS", ["*"]),
    ),
    "firefox_datachannel_offer_candidates.sdp": Expected(
        **DATA_ONLY,
        protos=["UDP/DTLS/SCTP"],
        ufrags=["d660ce82"],
        fingerprint_algorithms=[["sha-256"]],
        setups=["actpass"],
        candidates=[3],
        max_message_size=1073741823,
        ice_options=[["trickle"]],
        msid_semantic=("WMS", ["*"]),
        mdns_candidates=2,
    ),
    "safari_offer_audio_video_data.sdp": Expected(
        **AV_DATA,
        **CHROME_TRANSPORT,
        ufrags=["sS0k"] * 3,
        directions=["sendrecv"] * 3,
        max_message_size=262144,
        msid_semantic=("WMS", ["5f6c4a39-1c0e-4b8d-9a57-7e2d3c1b0a98"]),
    ),
    "aiortc_datachannel_offer.sdp": Expected(
        **DATA_ONLY,
        protos=["UDP/DTLS/SCTP"],
        ufrags=["hGaE"],
        fingerprint_algorithms=[["sha-256", "sha-384", "sha-512"]],
        setups=["actpass"],
        candidates=[4],
        max_message_size=65536,
        ice_options=[[]],
        msid_semantic=("WMS", ["*"]),
    ),
    "aiortc_legacy_datachannel_offer.sdp": Expected(
        **DATA_ONLY,
        protos=["DTLS/SCTP"],
        ufrags=["PxyH"],
        fingerprint_algorithms=[["sha-256"]],
        setups=["actpass"],
        candidates=[2],
        max_message_size=65536,
        ice_options=[[]],
        msid_semantic=("WMS", ["*"]),
    ),
    "pion_datachannel_offer.sdp": Expected(
        **DATA_ONLY,
        protos=["UDP/DTLS/SCTP"],
        ufrags=["uSSevoOfFoDrkDJT"],
        fingerprint_algorithms=[["sha-256"]],
        setups=["actpass"],
        candidates=[6],
        max_message_size=1073741823,
        ice_options=[[]],
        msid_semantic=("WMS", ["*"]),
    ),
    "mediasoup_ice_lite_answer.sdp": Expected(
        kinds=["audio", "video", "application"],
        protos=["UDP/TLS/RTP/SAVPF", "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP"],
        mids=["0", "1", "2"],
        bundle=[["0", "2"]],
        ufrags=["1xydebcd8i29dpnf"] * 3,
        fingerprint_algorithms=[["sha-512"]] * 3,
        setups=["passive"] * 3,
        directions=["recvonly", "inactive", "sendrecv"],
        candidates=[2, 2, 2],
        end_of_candidates=[True] * 3,
        rejected=[False, True, False],
        sctp_port=5000,
        max_message_size=262144,
        ice_lite=True,
        ice_options=[["renomination"]] * 3,
        msid_semantic=("WMS", ["*"]),
    ),
    "jsep_bundle_only_offer.sdp": Expected(
        kinds=["audio", "video", "application"],
        protos=["UDP/TLS/RTP/SAVPF", "UDP/TLS/RTP/SAVPF", "UDP/DTLS/SCTP"],
        mids=["a1", "v1", "d1"],
        bundle=[["a1", "v1", "d1"]],
        ufrags=["ezXL", None, None],
        fingerprint_algorithms=[["sha-256"], [], []],
        setups=["actpass", None, None],
        directions=["sendrecv", "sendrecv", "sendrecv"],
        candidates=[2, 0, 0],
        end_of_candidates=[True, False, False],
        rejected=[False, False, False],
        sctp_port=5000,
        max_message_size=65536,
        ice_options=[["trickle", "ice2"]] * 3,
    ),
}


def test_every_sample_has_expectations() -> None:
    assert len(SAMPLE_NAMES) >= 10
    assert sorted(EXPECTED) == SAMPLE_NAMES


@pytest.fixture(params=SAMPLE_NAMES)
def sample(request: pytest.FixtureRequest) -> tuple[str, str]:
    name: str = request.param
    return name, load_sample(name)


def test_round_trip_is_exact(sample: tuple[str, str]) -> None:
    _, text = sample
    expected = normalised(text)
    assert parse_sdp(text).serialize() == expected  # LF line endings
    assert parse_sdp(expected).serialize() == expected  # CRLF
    assert parse_sdp(expected[:-2]).serialize() == expected  # no final CRLF
    assert parse_sdp(expected.encode()).serialize() == expected  # bytes
    assert parse_sdp(expected) == parse_sdp(text)


def test_line_numbers_point_at_the_lines(sample: tuple[str, str]) -> None:
    _, text = sample
    lines = normalised(text).split("\r\n")
    description = parse_sdp(text)
    for index, attribute in description.iter_attributes():
        assert attribute.line_number is not None
        assert lines[attribute.line_number - 1] == attribute.to_sdp(), index
    for media in description.media:
        assert media.line_number is not None
        assert lines[media.line_number - 1] == media.m_line()


def test_samples_validate(sample: tuple[str, str]) -> None:
    _, text = sample
    description = parse_sdp(text)
    assert description_problems(description) == []
    validate_description(description)


def test_candidates_parse_with_the_ice_module(sample: tuple[str, str]) -> None:
    name, text = sample
    description = parse_sdp(text)
    mdns = 0
    for media in description.media:
        for value in media.candidates:
            candidate = Candidate.from_sdp(value)
            mdns += candidate.address.endswith(".local")
    assert mdns == EXPECTED[name].mdns_candidates


def test_typed_views(sample: tuple[str, str]) -> None:
    name, text = sample
    want = EXPECTED[name]
    d = parse_sdp(text)
    count = len(d.media)
    assert [m.kind for m in d.media] == want.kinds
    assert [m.proto for m in d.media] == want.protos
    assert d.mids == want.mids
    assert d.bundle_groups == want.bundle
    assert [m.rejected for m in d.media] == want.rejected
    assert d.ice_lite is want.ice_lite
    assert d.msid_semantic == want.msid_semantic
    for i in range(count):
        credentials = d.ice_credentials(i)
        if want.ufrags[i] is None:
            assert credentials is None
        else:
            assert credentials is not None and credentials[0] == want.ufrags[i]
            assert 22 <= len(credentials[1]) <= 256
    assert [[f.algorithm for f in d.media_fingerprints(i)] for i in range(count)] == (
        want.fingerprint_algorithms
    )
    assert [d.media_setup(i) for i in range(count)] == want.setups
    assert [d.media_direction(i) for i in range(count)] == want.directions
    assert [len(m.candidates) for m in d.media] == want.candidates
    assert [d.media_end_of_candidates(i) for i in range(count)] == want.end_of_candidates
    if want.ice_options:
        assert [d.media_ice_options(i) for i in range(count)] == want.ice_options
    data = [m for m in d.media if m.kind == "application"]
    assert [m.sctp_port for m in data] == [want.sctp_port]
    assert [m.max_message_size for m in data] == [want.max_message_size]


def _sample(name: str) -> SessionDescription:
    return parse_sdp(load_sample(name))


def test_firefox_puts_transport_defaults_at_session_level() -> None:
    d = _sample("firefox_offer_audio_video_data.sdp")
    assert d.direction == "sendrecv"
    assert d.ice_options == ["trickle"]
    assert [f.algorithm for f in d.fingerprints] == ["sha-256"]
    assert all(m.fingerprints == [] and m.ice_options == [] for m in d.media)
    assert d.media[0].msids == [
        ("{88dc3572-08ef-4b96-99ff-f82506683429}", "{6060a02e-0032-4946-8c6f-e25afc643de7}")
    ]
    assert d.connection is None
    assert all(m.connection is not None and m.connection.address == "0.0.0.0" for m in d.media)
    assert d.origin.username == "mozilla...THIS_IS_SDPARTA-128.0"
    assert d.origin.session_version == 0


def test_chrome_offer_details() -> None:
    d = _sample("chrome_offer_audio_video_data.sdp")
    assert d.origin.session_id == 139545224316361844
    assert d.get_attribute("msid-semantic") is not None
    assert d.has_attribute("extmap-allow-mixed")
    audio, video, data = d.media
    assert audio.rtcp_mux and video.rtcp_mux and not data.rtcp_mux
    assert audio.formats == ["111", "63", "9", "0", "8", "13", "110", "126"]
    assert audio.msids == [
        ("f0151645-0e1a-4399-96e3-30714bddeeb9", "b8274e77-4e87-4d58-97f9-bd355ef8125a")
    ]
    assert data.formats == ["webrtc-datachannel"]
    assert (data.port, data.connection) == (9, audio.connection)
    assert d.media_fingerprints(0)[0].value.startswith("A3:A8:41")


def test_chrome_datachannel_default_candidate_is_in_m_and_c_lines() -> None:
    (media,) = _sample("chrome_datachannel_offer_candidates.sdp").media
    assert media.port == 61357
    assert media.connection is not None and media.connection.address == "198.51.100.23"
    assert media.end_of_candidates
    srflx = [Candidate.from_sdp(c) for c in media.candidates if " srflx " in c]
    assert [(c.address, c.port) for c in srflx] == [("198.51.100.23", 61357)]


def test_aiortc_offers_new_and_legacy_sctp_forms() -> None:
    new = _sample("aiortc_datachannel_offer.sdp").media[0]
    assert new.sctpmap is None and new.get_attribute("sctp-port") is not None
    legacy = _sample("aiortc_legacy_datachannel_offer.sdp").media[0]
    assert legacy.formats == ["5000"]
    assert legacy.get_attribute("sctp-port") is None
    assert legacy.sctpmap == SctpMap(5000, "webrtc-datachannel", 65535)
    assert legacy.sctp_port == 5000  # from a=sctpmap
    assert new.port == 47613 and legacy.port == 52840  # the first candidate's port


def test_pion_writes_components_1_and_2() -> None:
    (media,) = _sample("pion_datachannel_offer.sdp").media
    components = [Candidate.from_sdp(c).component for c in media.candidates]
    assert components == [1, 2, 1, 2, 1, 2]
    assert media.port == 9


def test_mediasoup_closed_section_is_rejected_and_out_of_bundle() -> None:
    d = _sample("mediasoup_ice_lite_answer.sdp")
    audio, video, data = d.media
    assert video.rejected and video.port == 0 and video.direction == "inactive"
    assert not audio.rejected and audio.port == 7
    assert d.ice_options == ["ice2"]
    assert [f.algorithm for f in d.fingerprints] == ["sha-512"]
    assert len(d.fingerprints[0].value.split(":")) == 64
    assert all(Candidate.from_sdp(c).tcptype in (None, "passive") for c in data.candidates)


def test_jsep_bundle_only_sections_are_bundled_not_rejected() -> None:
    d = _sample("jsep_bundle_only_offer.sdp")
    audio, video, data = d.media
    assert (video.port, video.bundle_only, video.rejected) == (0, True, False)
    assert (data.port, data.bundle_only, data.rejected) == (0, True, False)
    assert d.groups == [("BUNDLE", ["a1", "v1", "d1"]), ("LS", ["a1", "v1"])]
    assert audio.msids == [("47017fee-b6c1-4162-929c-a25110252400", None)]
    assert d.media_index("d1") == 2 and d.media_index("x") is None
