"""validate_description / description_problems: attribute grammar and cross-line rules."""

from __future__ import annotations

import pytest

from rtcpeer.sdp import (
    SdpAttributeError,
    SdpError,
    SdpValidationError,
    SessionDescription,
    description_problems,
    parse_sdp,
    validate_description,
)

FP = "sha-256 " + ":".join(["4F"] * 32)
UFRAG = "a=ice-ufrag:F7gI"
PWD = "a=ice-pwd:x9cml/YzichV2+XlhiMu8g2z"
SESSION = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"]


def section(mid: str, *extra: str, port: int = 9, kind: str = "application") -> list[str]:
    proto = "UDP/DTLS/SCTP webrtc-datachannel" if kind == "application" else "UDP/TLS/RTP/SAVPF 96"
    return [f"m={kind} {port} {proto}", "c=IN IP4 0.0.0.0", f"a=mid:{mid}", *extra]


TRANSPORT = [UFRAG, PWD, f"a=fingerprint:{FP}", "a=setup:actpass"]


def sdp(*lines: str) -> SessionDescription:
    return parse_sdp("".join(line + "\r\n" for line in lines))


def problems(*lines: str) -> list[tuple[type[SdpError], int | None, str]]:
    return [(type(p), p.line_number, p.message) for p in description_problems(sdp(*lines))]


def only_problem(*lines: str) -> SdpError:
    found = description_problems(sdp(*lines))
    assert len(found) == 1, [str(p) for p in found]
    with pytest.raises(type(found[0])) as info:
        validate_description(sdp(*lines))
    assert str(info.value) == str(found[0])
    return found[0]


def test_valid_description_has_no_problems() -> None:
    lines = [*SESSION, "a=group:BUNDLE 0 1", *section("0", *TRANSPORT), *section("1", *TRANSPORT)]
    assert problems(*lines) == []
    validate_description(sdp(*lines))


# -- ICE credentials (RFC 8839 §5.4) ----------------------------------------------------------


def test_missing_ice_ufrag_names_the_m_line() -> None:
    error = only_problem(*SESSION, *section("0", PWD, f"a=fingerprint:{FP}"))
    assert isinstance(error, SdpValidationError)
    assert (
        error.line_number == 5 and error.line == "m=application 9 UDP/DTLS/SCTP webrtc-datachannel"
    )
    assert "m= section 0 (mid '0') has no a=ice-ufrag" in str(error)


def test_missing_ice_pwd() -> None:
    error = only_problem(*SESSION, *section("0", UFRAG, f"a=fingerprint:{FP}"))
    assert error.line_number == 5 and "no a=ice-pwd" in str(error)


def test_session_level_credentials_and_fingerprint_suffice() -> None:
    lines = [*SESSION, UFRAG, PWD, f"a=fingerprint:{FP}", *section("0"), *section("1")]
    assert problems(*lines) == []
    d = sdp(*lines)
    assert d.ice_credentials(1) == ("F7gI", "x9cml/YzichV2+XlhiMu8g2z")


def test_media_level_credentials_override_session_level_one_by_one() -> None:
    d = sdp(*SESSION, UFRAG, PWD, *section("0", "a=ice-ufrag:Zb4r", f"a=fingerprint:{FP}"))
    assert d.ice_credentials(0) == ("Zb4r", "x9cml/YzichV2+XlhiMu8g2z")
    assert d.media[0].ice_pwd is None and d.ice_pwd == "x9cml/YzichV2+XlhiMu8g2z"


def test_rejected_sections_need_no_transport() -> None:
    lines = [*SESSION, "a=group:BUNDLE 0", *section("0", *TRANSPORT), *section("1", port=0)]
    assert problems(*lines) == []
    assert sdp(*lines).media[1].rejected


def test_bundled_sections_need_no_transport_but_the_tag_does() -> None:
    bundled = [*section("1", "a=bundle-only", port=0), *section("2")]
    assert problems(*SESSION, "a=group:BUNDLE 0 1 2", *section("0", *TRANSPORT), *bundled) == []
    found = problems(*SESSION, "a=group:BUNDLE 0 1 2", *section("0"), *bundled)
    assert [(kind, line) for kind, line, _ in found] == [(SdpValidationError, 6)] * 3
    # Outside the group, the bundle-only section is on its own again.
    found = problems(*SESSION, "a=group:BUNDLE 0", *section("0", *TRANSPORT), *bundled)
    assert {line for _, line, _ in found} == {13, 17}


@pytest.mark.parametrize(
    ("attribute", "fragment"),
    [
        ("a=ice-ufrag:abc", "4 to 256"),
        ("a=ice-ufrag:" + "a" * 257, "4 to 256"),
        ("a=ice-ufrag:ab-cd", "4 to 256"),
        ("a=ice-ufrag:abc\u00e9", "4 to 256"),
        ("a=ice-ufrag", "needs a value"),
        ("a=ice-pwd:" + "a" * 21, "22 to 256"),
        ("a=ice-pwd:" + "a" * 257, "22 to 256"),
        ("a=ice-pwd:" + "a" * 21 + "=", "22 to 256"),
        ("a=ice-options:trickle  ice2", "ice-options"),
        ("a=ice-options:tri_ckle", "ice-options"),
        ("a=fingerprint:sha-256", "hash-func"),
        ("a=fingerprint:sha-256 " + ":".join(["4F"] * 31), "must be 32 bytes, not 31"),
        ("a=fingerprint:sha-1 " + ":".join(["4F"] * 32), "must be 20 bytes"),
        ("a=fingerprint:sha-256 " + ":".join(["4G"] * 32), "hex byte pairs"),
        ("a=fingerprint:sha-256 " + "4F" * 32, "hex byte pairs"),
        ("a=fingerprint:sha-256 4F::4F", "hex byte pairs"),
        ("a=fingerprint:sha-256  " + ":".join(["4F"] * 32), "hash-func"),
        ("a=fingerprint:sha(256) 4F", "not a token"),
        ("a=setup:both", "actpass, active, passive or holdconn"),
        ("a=setup:", None),
        ("a=mid:a b", "token"),
        ("a=sctp-port:abc", "0..65535"),
        ("a=sctp-port:65536", "0..65535"),
        ("a=max-message-size:-1", "decimal integer"),
        ("a=sctpmap:5000", "sctpmap"),
        ("a=sctpmap:5000 webrtc-datachannel x", "streams"),
        ("a=rtcp-mux:yes", "takes no value"),
        ("a=end-of-candidates:1", "takes no value"),
        ("a=sendrecv:x", "takes no value"),
        ("a=candidate", "needs a value"),
    ],
)
def test_malformed_typed_attributes(attribute: str, fragment: str | None) -> None:
    lines = [*SESSION, *section("0", *TRANSPORT, attribute)]
    if fragment is None:  # not even SDP: the parser rejects it
        with pytest.raises(SdpError):
            sdp(*lines)
        return
    if attribute.startswith("a=mid:"):
        lines = [*SESSION, *section("0", *TRANSPORT)]
        lines[6] = attribute
    error = description_problems(sdp(*lines))[0]
    assert isinstance(error, SdpAttributeError)
    number = lines.index(attribute) + 1
    assert error.line_number == number and error.line == attribute
    assert fragment in str(error)
    assert str(error).startswith(f"line {number}: ")


@pytest.mark.parametrize(
    ("value", "algorithm", "digest"),
    [
        ("sha-256 " + ":".join(["ab"] * 32), "sha-256", ":".join(["AB"] * 32)),
        ("SHA-256 " + ":".join(["AB"] * 32), "sha-256", ":".join(["AB"] * 32)),
        ("sha-1 " + ":".join(["01"] * 20), "sha-1", ":".join(["01"] * 20)),
        ("sha-512 " + ":".join(["FF"] * 64), "sha-512", ":".join(["FF"] * 64)),
        ("x-future-hash 0A:0B", "x-future-hash", "0A:0B"),
    ],
)
def test_fingerprint_normalisation(value: str, algorithm: str, digest: str) -> None:
    d = sdp(*SESSION, *section("0", UFRAG, PWD, f"a=fingerprint:{value}"))
    assert problems(*SESSION, *section("0", UFRAG, PWD, f"a=fingerprint:{value}")) == []
    (fingerprint,) = d.media[0].fingerprints
    assert (fingerprint.algorithm, fingerprint.value) == (algorithm, digest)
    assert fingerprint.to_sdp() == f"{algorithm} {digest}"


def test_setup_values() -> None:
    for role in ("actpass", "active", "passive", "holdconn", "ACTIVE"):
        d = sdp(*SESSION, *section("0", UFRAG, PWD, f"a=fingerprint:{FP}", f"a=setup:{role}"))
        assert d.media[0].setup == role.lower()
        assert description_problems(d) == []


def test_missing_fingerprint_for_dtls_only() -> None:
    error = only_problem(*SESSION, *section("0", UFRAG, PWD))
    assert error.line_number == 5 and "no a=fingerprint" in str(error)
    plain = [*SESSION, "m=audio 49170 RTP/AVP 0", "c=IN IP4 192.0.2.1", UFRAG, PWD]
    assert problems(*plain) == []
    assert (
        description_problems(sdp(*SESSION, *section("0", UFRAG, PWD)), require_fingerprint=False)
        == []
    )


def test_missing_connection_data() -> None:
    lines = [*SESSION, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel", *TRANSPORT]
    error = only_problem(*lines)
    assert error.line_number == 5 and "no c= line" in str(error)
    assert problems(*SESSION[:3], "c=IN IP4 0.0.0.0", "t=0 0", *lines[4:]) == []
    assert description_problems(sdp(*lines), require_connection=False) == []


def test_require_ice_can_be_turned_off() -> None:
    d = sdp(*SESSION, *section("0", f"a=fingerprint:{FP}"))
    assert description_problems(d, require_ice=False) == []
    assert len(description_problems(d)) == 2


# -- mids and BUNDLE (RFC 5888, RFC 8843) -----------------------------------------------------


def test_duplicate_mids() -> None:
    error = only_problem(*SESSION, *section("0", *TRANSPORT), *section("0", *TRANSPORT))
    assert isinstance(error, SdpValidationError)
    assert error.line_number == 14 and error.line == "a=mid:0"
    assert "already used by m= section 0" in str(error)


def test_mid_twice_in_one_section() -> None:
    error = only_problem(*SESSION, *section("0", *TRANSPORT, "a=mid:1"))
    assert error.line_number == 12 and "more than once" in str(error)
    with pytest.raises(SdpValidationError, match="more than once"):
        _ = sdp(*SESSION, *section("0", *TRANSPORT, "a=mid:1")).media[0].mid


def test_bundle_names_an_unknown_mid() -> None:
    error = only_problem(*SESSION, "a=group:BUNDLE 0 1", *section("0", *TRANSPORT))
    assert isinstance(error, SdpValidationError)
    assert error.line_number == 5 and error.line == "a=group:BUNDLE 0 1"
    assert "names mid '1', which no m= section has" in str(error)


def test_other_bundle_problems() -> None:
    two = [*section("0", *TRANSPORT), *section("1", *TRANSPORT)]
    error = only_problem(*SESSION, "a=group:BUNDLE 0 0 1", *two)
    assert "twice" in str(error)
    found = problems(*SESSION, "a=group:BUNDLE 0 1", "a=group:BUNDLE 1", *two)
    assert found == [
        (SdpValidationError, 6, "mid '1' is in more than one BUNDLE group (RFC 8843 §5)")
    ]
    rejected = [*section("0", *TRANSPORT), *section("1", port=0)]
    error = only_problem(*SESSION, "a=group:bundle 0 1", *rejected)
    assert "rejected" in str(error) and error.line_number == 5
    # Other semantics are not BUNDLE: no mid checks beyond the syntax.
    assert problems(*SESSION, "a=group:LS 0 7", *two) == []


def test_attribute_levels() -> None:
    found = problems(*SESSION, "a=mid:0", *section("0", *TRANSPORT, "a=group:BUNDLE 0"))
    assert [(kind, line) for kind, line, _ in found] == [
        (SdpValidationError, 5),
        (SdpValidationError, 13),
    ]


def test_single_valued_attributes_twice_at_one_level() -> None:
    for attribute in (UFRAG, PWD, "a=setup:active", "a=sctp-port:5000", "a=max-message-size:1"):
        lines = [*SESSION, *section("0", *TRANSPORT, attribute, attribute)]
        found = problems(*lines)
        assert found and found[-1][0] is SdpValidationError, attribute
        assert "more than once" in found[-1][2]
    found = problems(*SESSION, *section("0", *TRANSPORT, "a=sendonly", "a=recvonly"))
    assert found == [
        (SdpValidationError, 13, "more than one direction attribute at one level (RFC 8866 §6.7)")
    ]


def test_all_problems_sorted_by_line() -> None:
    lines = [
        *SESSION,
        "a=group:BUNDLE 0 9",
        *section("0", "a=ice-ufrag:no", PWD, "a=setup:maybe", f"a=fingerprint:{FP}"),
    ]
    found = problems(*lines)
    # Attribute syntax first; cross-line checks only run on well-formed attributes.
    assert [line for _, line, _ in found] == [9, 11]
    assert {kind for kind, _, _ in found} == {SdpAttributeError}


def test_typed_views_raise_with_line_numbers() -> None:
    d = sdp(*SESSION, *section("0", "a=fingerprint:md5 00", "a=sctp-port:x"))
    with pytest.raises(SdpAttributeError) as info:
        _ = d.media[0].fingerprints
    assert info.value.line_number == 8
    with pytest.raises(SdpAttributeError, match="line 9: a=sctp-port"):
        _ = d.media[0].sctp_port
