"""The description model: building in code, editing helpers, typed views, serialize checks."""

from __future__ import annotations

import dataclasses

import pytest

from rtcpeer.sdp import (
    Attribute,
    ConnectionData,
    MediaDescription,
    Origin,
    SdpError,
    SdpValidationError,
    SessionDescription,
    description_problems,
    parse_sdp,
)
from rtcpeer.sdp.attributes import parse_msid_semantic
from tests.sdp.util import load_sample

FP = "sha-256 " + ":".join(["0C"] * 32)


def build_offer() -> SessionDescription:
    """A data-channel offer built in code, as the RTCPeerConnection layer will."""
    offer = SessionDescription(origin=Origin(session_id=4611731400430051336, session_version=2))
    offer.add_attribute("group", "BUNDLE 0")
    offer.add_attribute("msid-semantic", " WMS")
    media = MediaDescription(
        "application",
        9,
        "UDP/DTLS/SCTP",
        ["webrtc-datachannel"],
        connection=ConnectionData("IN", "IP4", "0.0.0.0"),
    )
    for name, value in [
        ("ice-ufrag", "8hhY"),
        ("ice-pwd", "asd88fgpdd777uzjYhagZg"),
        ("ice-options", "trickle"),
        ("fingerprint", FP),
        ("setup", "actpass"),
        ("mid", "0"),
        ("sctp-port", "5000"),
        ("max-message-size", "262144"),
    ]:
        media.add_attribute(name, value)
    offer.media.append(media)
    return offer


def test_build_serialize_parse() -> None:
    offer = build_offer()
    text = offer.serialize()
    assert text.startswith("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n")
    assert "\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n" in text
    parsed = parse_sdp(text)
    assert parsed == offer
    assert description_problems(parsed) == []
    assert parsed.ice_credentials(0) == ("8hhY", "asd88fgpdd777uzjYhagZg")
    assert parsed.media[0].sctp_port == 5000 and parsed.media[0].max_message_size == 262144
    assert parsed.attributes[0].line_number == 5 and offer.attributes[0].line_number is None


def test_set_attribute_replaces_in_place_and_remove_counts() -> None:
    media = build_offer().media[0]
    names = [a.name for a in media.attributes]
    media.add_attribute("candidate", "1 1 udp 2130706431 192.0.2.1 5000 typ host")
    media.add_attribute("candidate", "2 1 udp 1694498815 198.51.100.1 5000 typ srflx")
    media.set_attribute("ICE-UFRAG", "ZZZZ")
    assert media.ice_ufrag == "ZZZZ"
    assert [a.name for a in media.attributes][:2] == ["ICE-UFRAG", "ice-pwd"]
    assert media.remove_attributes("Candidate") == 2 and media.candidates == []
    assert media.remove_attributes("candidate") == 0
    media.set_attribute("end-of-candidates")
    assert media.end_of_candidates and media.attributes[-1] == Attribute("end-of-candidates")
    assert len(media.attributes) == len(names) + 1
    assert media.find_attributes("ice-pwd") == [Attribute("ice-pwd", "asd88fgpdd777uzjYhagZg")]


def test_attribute_names_match_case_insensitively() -> None:
    d = parse_sdp(
        "v=0\r\no=- 1 1 IN IP4 x\r\ns=-\r\nt=0 0\r\na=ICE-LITE\r\na=Group:bundle 0\r\n"
        "m=audio 0 RTP/AVP 0\r\na=MID:0\r\na=Bundle-Only\r\na=SendOnly\r\n"
    )
    assert d.ice_lite and d.bundle_groups == [["0"]] and d.mids == ["0"]
    media = d.media[0]
    assert media.bundle_only and not media.rejected and media.direction == "sendonly"
    assert d.attributes[0] == Attribute("ICE-LITE")  # spelling kept for the round trip


def test_direction_and_setup_fall_back_to_the_session_level() -> None:
    d = SessionDescription()
    d.add_attribute("recvonly")
    d.add_attribute("setup", "active")
    d.media.append(MediaDescription("audio", 9, "RTP/AVP", ["0"]))
    assert d.media[0].direction == "sendrecv"  # media level alone: the RFC 8866 default
    assert d.media_direction(0) == "recvonly" and d.media_setup(0) == "active"
    d.media[0].add_attribute("inactive")
    d.media[0].add_attribute("setup", "passive")
    assert d.media_direction(0) == "inactive" and d.media_setup(0) == "passive"
    d.media[0].add_attribute("sendonly")
    with pytest.raises(SdpValidationError, match="more than one direction"):
        d.media_direction(0)


def test_end_of_candidates_at_session_level_applies_to_every_section() -> None:
    d = SessionDescription(media=[MediaDescription("audio", 9, "RTP/AVP", ["0"])])
    assert not d.media_end_of_candidates(0)
    d.add_attribute("end-of-candidates")
    assert d.end_of_candidates and d.media_end_of_candidates(0)
    assert not d.media[0].end_of_candidates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" WMS", ("WMS", [])),
        (
            " WMS 6a7bb0d4-8b2c-4b1e-9c7a-5c1c4f0a6a2e",
            ("WMS", ["6a7bb0d4-8b2c-4b1e-9c7a-5c1c4f0a6a2e"]),
        ),
        ("WMS *", ("WMS", ["*"])),
        ("WMS*", ("WMS", ["*"])),  # pion before pion/webrtc#3128
        ("WMS a b", ("WMS", ["a", "b"])),
        ("   ", None),
    ],
)
def test_msid_semantic_forms(value: str, expected: tuple[str, list[str]] | None) -> None:
    assert parse_msid_semantic(value) == expected
    d = SessionDescription()
    d.add_attribute("msid-semantic", value)
    assert d.msid_semantic == expected


def test_sctp_port_falls_back_to_sctpmap() -> None:
    media = MediaDescription("application", 9, "DTLS/SCTP", ["5000"])
    assert media.sctp_port is None and media.max_message_size is None
    media.add_attribute("sctpmap", "5000 webrtc-datachannel 1024")
    assert media.sctp_port == 5000 and media.sctpmap is not None
    assert media.sctpmap.streams == 1024
    media.add_attribute("sctp-port", "5001")
    assert media.sctp_port == 5001


def test_rejected_and_bundle_only() -> None:
    media = MediaDescription("video", 0, "UDP/TLS/RTP/SAVPF", ["96"])
    assert media.rejected and not media.bundle_only
    media.add_attribute("bundle-only")
    assert not media.rejected
    media.port = 9
    assert not media.rejected


@pytest.mark.parametrize(
    ("name", "value"),
    [("", None), ("a b", None), ("a:b", "x"), ("mid", ""), ("mid", "a\r\nm=x"), ("mid", "\x00")],
)
def test_unwritable_attributes_are_refused(name: str, value: str | None) -> None:
    with pytest.raises(SdpError):
        Attribute(name, value)
    with pytest.raises(SdpError):
        SessionDescription().add_attribute(name, value)


def test_unwritable_fields_are_refused() -> None:
    with pytest.raises(SdpError):
        Origin(username="a b")
    with pytest.raises(SdpError):
        Origin(session_id=-1)
    with pytest.raises(SdpError):
        ConnectionData(address="")
    bad_media = [
        MediaDescription("au dio", 9, "RTP/AVP", ["0"]),
        MediaDescription("audio", 70000, "RTP/AVP", ["0"]),
        MediaDescription("audio", 9, "RTP//AVP", ["0"]),
        MediaDescription("audio", 9, "RTP/AVP", []),
        MediaDescription("audio", 9, "RTP/AVP", ["0"], port_count=0),
        MediaDescription("audio", 9, "RTP/AVP", ["0"], other_lines=[("t", "0 0")]),
        MediaDescription("audio", 9, "RTP/AVP", ["0"], other_lines=[("i", "x\ny")]),
    ]
    for media in bad_media:
        with pytest.raises(SdpError):
            SessionDescription(media=[media]).serialize()
    for session in [
        SessionDescription(version=1),
        SessionDescription(name=""),
        SessionDescription(timing=(1, 0)),
        SessionDescription(other_lines=[("m", "audio 9 RTP/AVP 0")]),
        SessionDescription(attributes=[Attribute("k", "x" * 9000)]),
    ]:
        with pytest.raises(SdpError):
            session.serialize()


def test_other_lines_are_written_in_rfc_order_whatever_the_list_order() -> None:
    d = SessionDescription(other_lines=[("k", "prompt"), ("b", "AS:1"), ("e", "a@b"), ("u", "x")])
    d.media.append(
        MediaDescription("audio", 9, "RTP/AVP", ["0"], other_lines=[("b", "AS:2"), ("i", "t")])
    )
    text = d.serialize()
    assert parse_sdp(text).serialize() == text
    assert [line[0] for line in text.split("\r\n") if line] == list("vosuebtkmib")


def test_editing_a_parsed_sample_keeps_it_valid() -> None:
    d = parse_sdp(load_sample("chrome_offer_audio_video_data.sdp"))
    for media in d.media:
        media.set_attribute("ice-ufrag", "newU")
        media.set_attribute("ice-pwd", "newpasswordnewpassword")
    d.origin = dataclasses.replace(d.origin, session_version=d.origin.session_version + 1)
    text = d.serialize()
    again = parse_sdp(text)
    assert again.origin.session_version == 3
    assert [again.ice_credentials(i) for i in range(3)] == [("newU", "newpasswordnewpassword")] * 3
    assert description_problems(again) == []
