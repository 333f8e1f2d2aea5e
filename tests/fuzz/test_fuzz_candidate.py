"""Fuzzing the candidate-attribute grammar (``Candidate.from_sdp``, RFC 8839 §5.1) and the
address classifiers: a value or ``CandidateParseError``, nothing else.

The oracle (:func:`tests.fuzz.oracles.check_candidate`) also writes what parsed back with
``to_sdp`` and parses it again. Inputs: any text, lists of plausible tokens, token-,
character- and byte-level mutations of real candidates (Chrome, Firefox, libwebrtc, TCP,
mDNS, IPv6 with a zone), and constructed candidates (``from_sdp(c.to_sdp()) == c``).
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rtcpeer.ice.candidate import Candidate, CandidateParseError, CandidateType
from tests.fuzz.mutations import as_text, fuzz_settings, mutants
from tests.fuzz.oracles import check_address, check_candidate


@fuzz_settings(150)
@given(st.text(max_size=120))
def test_any_text(text: str) -> None:
    check_candidate(text)
    check_candidate("candidate:" + text)


_fields = st.one_of(
    st.sampled_from(
        [
            "1",
            "0",
            "256",
            "257",
            "udp",
            "UDP",
            "tcp",
            "dccp",
            "2130706431",
            "2147483648",
            "192.0.2.1",
            "::1",
            "fe80::1%en0",
            "x.local",
            "example.org",
            "9",
            "65536",
            "typ",
            "host",
            "srflx",
            "relay",
            "raddr",
            "rport",
            "tcptype",
            "passive",
            "generation",
            "ufrag",
            "network-id",
            "network-cost",
        ]
    ),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12),
)


@fuzz_settings(200)
@given(st.lists(_fields, min_size=6, max_size=16), st.sampled_from([" ", "\t", "  "]))
def test_token_soup(tokens: list[str], separator: str) -> None:
    check_candidate(separator.join(tokens))
    check_candidate("candidate:" + " ".join([*tokens[:6], "typ", *tokens[6:]]))


@fuzz_settings(300)
@given(mutants("candidate"))
def test_mutated_real_candidates(data: bytes) -> None:
    check_candidate(as_text(data))


@fuzz_settings(150)
@given(
    st.one_of(
        st.text(max_size=60),
        st.ip_addresses().map(str),
        st.ip_addresses(v=6).map(lambda ip: f"{ip}%{'eth0'}"),
        st.from_regex(r"[0-9a-fA-F:.%]{1,45}", fullmatch=True),
        st.from_regex(r"[a-z0-9-]{1,8}(\.[a-z0-9-]{0,8}){0,4}", fullmatch=True),
    )
)
def test_addresses(text: str) -> None:
    check_address(text)


_ice_chars = st.text("abcXYZ019+/", min_size=1, max_size=32)
_addresses = st.one_of(
    st.ip_addresses().map(str),
    st.just("3f1e6e3a-0c4f-4f2b-9a8d-0123456789ab.local"),
    st.just("turn.example.org"),
)


@st.composite
def candidates(draw: st.DrawFn) -> Candidate:
    transport = draw(st.sampled_from(["udp", "tcp"]))
    related = draw(st.one_of(st.none(), st.tuples(_addresses, st.integers(0, 65535))))
    return Candidate(
        foundation=draw(_ice_chars),
        component=draw(st.integers(1, 256)),
        transport=transport,
        priority=draw(st.integers(1, 2**31 - 1)),
        address=draw(_addresses),
        port=draw(st.integers(0, 65535)),
        type=draw(st.sampled_from(list(CandidateType))),
        related_address=related[0] if related else None,
        related_port=related[1] if related else None,
        tcptype=draw(st.sampled_from([None, "active", "passive", "so"]))
        if transport == "tcp"
        else None,
        generation=draw(st.none() | st.integers(0, 2**32 - 1)),
        ufrag=draw(st.none() | st.text("abcXYZ019+/", min_size=4, max_size=10)),
        network_id=draw(st.none() | st.integers(0, 2**32 - 1)),
        network_cost=draw(st.none() | st.integers(0, 2**32 - 1)),
        extensions=tuple(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(["x-a", "svc", "Tok.en"]),
                        st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1),
                    ),
                    max_size=3,
                )
            )
        ),
    )


@fuzz_settings(100)
@given(candidates())
def test_to_sdp_then_from_sdp_round_trips(candidate: Candidate) -> None:
    text = candidate.to_sdp()
    assert Candidate.from_sdp(text) == candidate
    assert Candidate.from_sdp("a=" + text + "\r\n") == candidate
    assert check_candidate(text) == candidate


def test_non_str_is_a_type_error_not_a_parse_error() -> None:
    """``from_sdp`` documents ``TypeError`` for a non-``str``: bytes are not text."""
    try:
        Candidate.from_sdp(b"candidate:1 1 udp 1 1.2.3.4 1 typ host")  # type: ignore[arg-type]
    except TypeError:
        pass
    except CandidateParseError as error:  # pragma: no cover - would be a documentation bug
        raise AssertionError("bytes raised CandidateParseError, not TypeError") from error
    else:  # pragma: no cover
        raise AssertionError("bytes were accepted")
