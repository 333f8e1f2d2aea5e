"""Fuzzing ``rtcpeer.sdp``: ``parse_sdp`` returns a description or raises
``SdpSyntaxError``; ``validate_description`` and the typed views raise only ``SdpError``
(and nothing at all once the description is valid); what parses serializes back line for
line and parses to itself; every ``a=candidate`` of a valid description is a candidate or a
``CandidateParseError``. See :func:`tests.fuzz.oracles.check_sdp`.

Inputs: random text and bytes, random lines of every type, line-, token-, character- and
byte-level mutations of SDP from Chrome, Firefox, Safari, aiortc, pion and mediasoup.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.mutations import as_text, fuzz_settings, mutants
from tests.fuzz.oracles import check_sdp


@fuzz_settings(100)
@given(st.one_of(st.text(max_size=200), st.binary(max_size=200)))
def test_random_text_and_bytes(text: str | bytes) -> None:
    check_sdp(text)


_HEAD = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
_values = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
    st.sampled_from(
        [
            "group:BUNDLE 0",
            "mid:0",
            "ice-ufrag:abcd",
            "ice-pwd:0123456789012345678901",
            "fingerprint:sha-256 AB:CD",
            "setup:active",
            "sctp-port:5000",
            "max-message-size:0",
            "candidate:1 1 udp 1 192.0.2.1 9 typ host",
            "application 9 UDP/DTLS/SCTP webrtc-datachannel",
            "IN IP4 0.0.0.0",
        ]
    ),
)
_lines = st.tuples(st.sampled_from(list("vosiuepcbtrzkamx")), _values).map(
    lambda tv: f"{tv[0]}={tv[1]}"
)


@fuzz_settings(150)
@given(st.lists(_lines, max_size=12), st.sampled_from(["\r\n", "\n"]))
def test_random_lines_after_a_valid_head(lines: list[str], eol: str) -> None:
    check_sdp(_HEAD + "".join(line + eol for line in lines))


@fuzz_settings(150)
@given(mutants("sdp"))
def test_mutated_real_descriptions(data: bytes) -> None:
    check_sdp(as_text(data))
    check_sdp(data)
