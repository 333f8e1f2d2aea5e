"""parse_sdp: RFC 8866 grammar, strictness and error line numbers."""

from __future__ import annotations

import pytest

from rtcpeer.sdp import (
    MAX_LINE_LENGTH,
    MAX_SDP_LENGTH,
    Attribute,
    ConnectionData,
    Origin,
    SdpAttributeError,
    SdpError,
    SdpSyntaxError,
    SdpValidationError,
    SessionDescription,
    parse_sdp,
)

MINIMAL = ["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"]
MEDIA = ["m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=mid:0"]


def sdp(*lines: str) -> str:
    return "".join(line + "\r\n" for line in lines)


def syntax_error(text: str | bytes) -> SdpSyntaxError:
    with pytest.raises(SdpSyntaxError) as info:
        parse_sdp(text)
    return info.value


# -- what parses ------------------------------------------------------------------------------


def test_minimal_description() -> None:
    d = parse_sdp(sdp(*MINIMAL))
    assert d == SessionDescription(origin=Origin("-", 1, 2, "IN", "IP4", "127.0.0.1"))
    assert d.media == [] and d.attributes == [] and d.timing == (0, 0)
    assert SessionDescription().serialize() == sdp(
        "v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=-", "t=0 0"
    )


def test_every_line_type_in_rfc_8866_order_round_trips() -> None:
    text = sdp(
        "v=0",
        "o=jdoe 3724394400 3724394405 IN IP4 198.51.100.1",
        "s=Call to John Smith",
        "i=SDP Offer #1",
        "u=http://www.jdoe.example.com/home.html",
        "e=Jane Doe <jane@jdoe.example.com>",
        "p=+1 617 555-6011",
        "c=IN IP4 198.51.100.1",
        "b=AS:2000",
        "b=CT:3000",
        "t=3724394400 3724398000",
        "r=604800 3600 0 90000",
        "r=7d 1h 0 25h",
        "z=2882844526 -1h 2898848070 0",
        "t=0 0",
        "k=prompt",
        "a=recvonly",
        "m=audio 49170 RTP/AVP 0",
        "i=the audio",
        "c=IN IP4 233.252.0.1/127",
        "c=IN IP4 233.252.0.2/127",
        "b=AS:64",
        "k=clear:secret",
        "m=video 51372/2 RTP/AVP 99",
        "a=rtpmap:99 h263-1998/90000",
    )
    d = parse_sdp(text)
    assert d.serialize() == text
    assert d.timing == (3724394400, 3724398000)
    assert ("t", "0 0") in d.other_lines and ("z", "2882844526 -1h 2898848070 0") in d.other_lines
    assert d.connection == ConnectionData("IN", "IP4", "198.51.100.1")
    assert d.direction == "recvonly" and d.media_direction(0) == "recvonly"
    audio, video = d.media
    assert audio.connection == ConnectionData("IN", "IP4", "233.252.0.1/127")
    assert audio.other_lines == [
        ("i", "the audio"),
        ("c", "IN IP4 233.252.0.2/127"),
        ("b", "AS:64"),
        ("k", "clear:secret"),
    ]
    assert (video.port, video.port_count) == (51372, 2)


def test_rfc_4566_zone_after_the_last_time_description_is_accepted() -> None:
    text = sdp(*MINIMAL[:3], "t=0 0", "t=3724394400 3724398000", "z=2882844526 -1h")
    assert parse_sdp(text).serialize() == text


def test_tolerated_line_endings() -> None:
    crlf = sdp(*MINIMAL, *MEDIA)
    assert parse_sdp(crlf.replace("\r\n", "\n")).serialize() == crlf
    assert parse_sdp(crlf[:-2]).serialize() == crlf
    mixed = crlf.replace("\r\n", "\n", 3)
    assert parse_sdp(mixed).serialize() == crlf


def test_numbers_with_leading_zeros_are_normalised() -> None:
    d = parse_sdp(sdp("v=0", "o=- 007 0010 IN IP4 x", "s=-", "t=0 0", "m=audio 09 RTP/AVP 0"))
    assert (d.origin.session_id, d.origin.session_version, d.media[0].port) == (7, 10, 9)
    assert "o=- 7 10 IN IP4 x\r\n" in d.serialize()


def test_attribute_forms_are_kept_verbatim() -> None:
    d = parse_sdp(
        sdp(
            *MINIMAL,
            "a=msid-semantic: WMS",
            "a=X-Custom:value: with colons\tand tab",
            "a=flag",
            "a=unicode:caf\u00e9 \u2028 \u4e2d",
        )
    )
    assert d.attributes == [
        Attribute("msid-semantic", " WMS"),
        Attribute("X-Custom", "value: with colons\tand tab"),
        Attribute("flag"),
        Attribute("unicode", "caf\u00e9 \u2028 \u4e2d"),
    ]
    assert [a.line_number for a in d.attributes] == [5, 6, 7, 8]
    assert d.serialize().endswith("a=unicode:caf\u00e9 \u2028 \u4e2d\r\n")


def test_session_name_may_be_a_single_space() -> None:
    # RFC 8866 §5.3 recommends "s= " or "s=-" when there is no meaningful name.
    assert parse_sdp(sdp("v=0", "o=- 1 1 IN IP4 x", "s= ", "t=0 0")).name == " "


# -- what does not: SdpSyntaxError with the right line ---------------------------------------

BASE = [*MINIMAL, *MEDIA]


def replaced(line_number: int, new: str) -> str:
    lines = list(BASE)
    lines[line_number - 1] = new
    return sdp(*lines)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        # v=
        (sdp(*BASE[1:]), 1, "expected the protocol version line v="),
        (replaced(1, "v=1"), 1, "only v=0"),
        (replaced(1, "V=0"), 1, "unknown line type 'V='"),
        # o=
        (replaced(2, "o=- 1 2 IN IP4"), 2, "6 fields"),
        (replaced(2, "o=- 1 2 IN IP4 127.0.0.1 extra"), 2, "6 fields"),
        (replaced(2, "o=-  1 2 IN IP4 127.0.0.1"), 2, "6 fields"),
        (replaced(2, "o=- x 2 IN IP4 127.0.0.1"), 2, "decimal digits"),
        (replaced(2, "o=- 1 -2 IN IP4 127.0.0.1"), 2, "decimal digits"),
        (replaced(2, "o=- 1 2 I(N IP4 127.0.0.1"), 2, "tokens"),
        (sdp("v=0", "s=-", "t=0 0"), 2, "expected the origin line o="),
        # s=
        (replaced(3, "s="), 3, "s= must not be empty"),
        (sdp(*MINIMAL[:2]), 3, "s= (RFC 8866 §5.3), found the end"),
        (sdp("v=0", "o=- 1 2 IN IP4 x", "t=0 0"), 3, "expected the session name line s="),
        # t=
        (replaced(4, "t=0"), 4, "t= must be"),
        (replaced(4, "t=1 2"), 4, "t= must be"),
        (replaced(4, "t=0 0 "), 4, "t= must be"),
        (sdp(*MINIMAL[:3]), 4, "missing t= line"),
        (sdp(*MINIMAL[:3], "a=foo", "t=0 0"), 4, "missing t= line"),
        (sdp(*MINIMAL[:3], *MEDIA), 4, "missing t= line before the first m="),
        # m=
        (replaced(5, "m=audio x UDP/TLS/RTP/SAVPF 111"), 5, "m= port must be a decimal number"),
        (replaced(5, "m=audio 65536 RTP/AVP 0"), 5, "0..65535"),
        (replaced(5, "m=audio -9 RTP/AVP 0"), 5, "m= port"),
        (replaced(5, "m=audio 9/0 RTP/AVP 0"), 5, "number of ports"),
        (replaced(5, "m=audio 9 UDP/TLS/RTP/SAVPF"), 5, "at least one fmt"),
        (replaced(5, "m=audio 9  UDP/TLS/RTP/SAVPF 111"), 5, "proto"),
        (replaced(5, "m=audio 9 UDP//SAVPF 111"), 5, "proto"),
        (replaced(5, "m=audio 9 RTP/AVP 0 "), 5, "fmt values must be tokens"),
        (replaced(5, "m=au:dio 9 RTP/AVP 0"), 5, "media must be a token"),
        # c=
        (replaced(6, "c=IN IP4"), 6, "3 fields"),
        (replaced(6, "c=IN IP4 0.0.0.0 x"), 6, "3 fields"),
        (replaced(6, "c=IN I@P4 0.0.0.0"), 6, "tokens"),
        # a=
        (replaced(7, "a="), 7, "attribute name must be a token"),
        (replaced(7, "a=:0"), 7, "attribute name must be a token"),
        (replaced(7, "a=m id:0"), 7, "attribute name must be a token"),
        (replaced(7, "a=mid:"), 7, "must not be empty"),
        # generic line form
        (replaced(3, "s-"), 3, "not a <type>=<value> line"),
        (replaced(3, "ss=-"), 3, "exactly one character"),
        (replaced(3, "=-"), 3, "exactly one character"),
        (replaced(6, "x=foo"), 6, "unknown line type 'x='"),
        (replaced(6, ""), 6, "empty line"),
        (sdp(*BASE, ""), 8, "empty line"),
        (sdp(*BASE) + "\r\n", 8, "empty line"),
        # order (RFC 8866 §5)
        (sdp(*MINIMAL, "c=IN IP4 0.0.0.0"), 5, "out of order"),
        (sdp(*MINIMAL[:3], "b=AS:1", "c=IN IP4 x", "t=0 0"), 5, "out of order"),
        (sdp(*MINIMAL[:3], "e=a@b", "u=http://x", "t=0 0"), 5, "out of order"),
        (sdp(*MINIMAL[:3], "i=a", "i=b", "t=0 0"), 5, "more than one 'i='"),
        (sdp(*MINIMAL[:3], "c=IN IP4 x", "c=IN IP4 y", "t=0 0"), 5, "more than one 'c='"),
        (sdp(*MINIMAL, "a=x", "k=prompt"), 6, "out of order"),
        (sdp(*MINIMAL, "o=- 1 2 IN IP4 x"), 5, "out of order"),
        (sdp(*MINIMAL, "v=0"), 5, "out of order"),
        (sdp(*MINIMAL[:3], "r=7d 1h 0", "t=0 0"), 4, "must follow a t= or r= line"),
        (sdp(*MINIMAL, "z=2882844526 -1h", "r=7d 1h 0"), 6, "must follow a t= or r= line"),
        (sdp(*MINIMAL, "z=2882844526 -1h", "z=2882844526 -1h"), 6, "must follow"),
        (sdp(*BASE, "t=0 0"), 8, "not allowed in a media description"),
        (sdp(*BASE, "s=-"), 8, "not allowed in a media description"),
        (sdp(*BASE, "u=http://x"), 8, "not allowed in a media description"),
        (sdp(*BASE, "c=IN IP4 0.0.0.0"), 8, "out of order"),
        (sdp(*BASE[:5], "b=AS:1", "i=x"), 7, "out of order"),
        (sdp(*BASE[:5], "i=x", "i=y"), 7, "more than one 'i='"),
        (sdp(*BASE[:5], "k=prompt", "k=prompt"), 7, "more than one 'k='"),
        # other line grammars
        (sdp(*MINIMAL[:3], "b=AS", "t=0 0"), 4, "b= must be"),
        (sdp(*MINIMAL[:3], "b=AS:x", "t=0 0"), 4, "b= must be"),
        (sdp(*MINIMAL[:3], "i=", "t=0 0"), 4, "must not be empty"),
        (sdp(*MINIMAL[:3], "u=a b", "t=0 0"), 4, "u= must be"),
        (sdp(*MINIMAL, "r=0 1h 0"), 5, "r= must be"),
        (sdp(*MINIMAL, "r=7d 1h"), 5, "r= must be"),
        (sdp(*MINIMAL, "z=12345 -1h"), 5, "z= must be"),
        (sdp(*MINIMAL, "k=clear:"), 5, "k= must be"),
        (sdp(*MINIMAL, "k=secret"), 5, "k= must be"),
    ],
)
def test_syntax_errors_name_the_line(text: str, line: int, fragment: str) -> None:
    error = syntax_error(text)
    assert error.line_number == line, str(error)
    assert fragment in str(error)
    assert str(error).startswith(f"line {line}: ")


def test_error_carries_the_offending_line() -> None:
    error = syntax_error(replaced(2, "o=- 1 2 IN IP4"))
    assert error.line == "o=- 1 2 IN IP4"
    assert error.message.startswith("o= must have 6 fields")
    assert isinstance(error, SdpError) and isinstance(error, ValueError)
    assert str(error).endswith("'o=- 1 2 IN IP4'")


def test_the_line_number_counts_lf_only_lines_too() -> None:
    text = "\n".join([*MINIMAL, "m=audio x RTP/AVP 0"])
    assert syntax_error(text).line_number == 5


@pytest.mark.parametrize(
    ("bad", "column"),
    [("\x00", 4), ("\x01", 4), ("\x0b", 4), ("\r", 4), ("\x1b", 4), ("\x7f", 4), ("\x85", 4)],
)
def test_control_characters_are_rejected(bad: str, column: int) -> None:
    error = syntax_error(sdp("v=0", "o=- 1 2 IN IP4 x", f"s=a{bad}b", "t=0 0"))
    assert error.line_number == 3
    assert f"U+{ord(bad):04X} at column {column}" in str(error)


def test_tab_is_allowed_in_text() -> None:
    assert parse_sdp(sdp("v=0", "o=- 1 2 IN IP4 x", "s=a\tb", "t=0 0")).name == "a\tb"


def test_invalid_utf8_is_rejected_with_its_line() -> None:
    text = sdp(*MINIMAL, "a=x:caf\u00e9").encode()
    assert parse_sdp(text).attributes == [Attribute("x", "caf\u00e9")]
    broken = sdp(*MINIMAL).encode() + b"a=x:caf\xe9\r\n"
    error = syntax_error(broken)
    assert (error.line_number, "not valid UTF-8" in str(error)) == (5, True)
    surrogate = sdp(*MINIMAL).encode().decode() + "a=x:\udce9\r\n"
    error = syntax_error(surrogate)
    assert error.line_number == 5 and "lone surrogate" in str(error)


def test_limits() -> None:
    long_value = "x" * (MAX_LINE_LENGTH - len("a=k:"))
    assert parse_sdp(sdp(*MINIMAL, "a=k:" + long_value)).attributes[0].value == long_value
    error = syntax_error(sdp(*MINIMAL, "a=k:" + long_value + "x"))
    assert error.line_number == 5 and "longer than" in str(error)
    with pytest.raises(SdpSyntaxError, match="longer than"):
        parse_sdp(sdp(*MINIMAL) + ("a=x\r\n" * (MAX_SDP_LENGTH // 5)))
    with pytest.raises(SdpSyntaxError, match="longer than"):
        parse_sdp(b"v=0\r\n" * (MAX_SDP_LENGTH // 5 + 1))


def test_empty_input() -> None:
    for text in ("", b""):
        error = syntax_error(text)
        assert error.line_number == 1 and "empty session description" in str(error)
    assert syntax_error("\r\n").line_number == 1


def test_wrong_argument_type() -> None:
    with pytest.raises(TypeError):
        parse_sdp(None)  # type: ignore[arg-type]


def test_error_hierarchy() -> None:
    assert issubclass(SdpAttributeError, SdpSyntaxError)
    assert issubclass(SdpSyntaxError, SdpError) and issubclass(SdpValidationError, SdpError)
    assert not issubclass(SdpValidationError, SdpSyntaxError)
    plain = SdpError("no line")
    assert (str(plain), plain.line_number, plain.line) == ("no line", None, None)
    long = SdpSyntaxError("bad", 3, "a=" + "x" * 200)
    assert str(long).startswith("line 3: bad: 'a=xxx") and str(long).endswith("...'")
