"""Property tests: parse_sdp only raises SdpError, and what it accepts round-trips.

For any input, ``parse_sdp`` either raises :class:`SdpError` or returns a description ``d``
such that ``s = d.serialize()`` parses back to ``d`` and serializes to ``s`` again (one
normalisation: CRLF endings, numbers without leading zeros). ``description_problems`` and the
typed views never raise anything but :class:`SdpError` either.
"""

from __future__ import annotations

import contextlib
import os
import string
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtcpeer.sdp import (
    Attribute,
    ConnectionData,
    MediaDescription,
    Origin,
    SdpError,
    SessionDescription,
    description_problems,
    parse_sdp,
)
from tests.sdp.util import SAMPLE_NAMES, load_sample

# RTCPEER_SDP_FUZZ_EXAMPLES raises the example counts for a longer local fuzzing run.
_SCALE = int(os.environ.get("RTCPEER_SDP_FUZZ_EXAMPLES", "300"))
FUZZ = settings(
    max_examples=_SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

SAMPLES = [load_sample(name) for name in SAMPLE_NAMES]
TOKEN_CHARS = string.ascii_letters + string.digits + "!#$%&'*+-.^_`{|}~"


def check(text: str | bytes) -> None:
    """The property: SdpError, or a description that round-trips after one normalisation."""
    try:
        description = parse_sdp(text)
    except SdpError:
        return
    first = description.serialize()
    again = parse_sdp(first)
    assert again == description
    assert again.serialize() == first
    exercise_views(description)


def exercise_views(description: SessionDescription) -> None:
    """Every typed view and check either works or raises SdpError."""
    problems = description_problems(description)
    assert all(isinstance(p, SdpError) for p in problems)
    views: list[Callable[[], object]] = [
        lambda: description.groups,
        lambda: description.bundle_groups,
        lambda: description.ice_lite,
        lambda: description.ice_ufrag,
        lambda: description.ice_pwd,
        lambda: description.ice_options,
        lambda: description.fingerprints,
        lambda: description.setup,
        lambda: description.msid_semantic,
        lambda: description.direction,
        lambda: description.mids,
    ]
    for index, media in enumerate(description.media):
        views += media_views(description, index, media)
    for view in views:
        with contextlib.suppress(SdpError):
            view()
    if not problems:  # after a clean validation no view may raise
        for view in views:
            view()


def media_views(
    description: SessionDescription, index: int, media: MediaDescription
) -> list[Callable[[], object]]:
    return [
        lambda: description.ice_credentials(index),
        lambda: description.media_direction(index),
        lambda: description.media_fingerprints(index),
        lambda: description.media_setup(index),
        lambda: description.media_ice_options(index),
        lambda: media.sctp_port,
        lambda: media.max_message_size,
        lambda: media.candidates,
        lambda: media.msids,
        lambda: media.rejected,
        lambda: media.mid,
    ]


# -- arbitrary text ---------------------------------------------------------------------------


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    check(text)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes(data: bytes) -> None:
    check(data)


line_types = st.sampled_from("vosiuepcbtrzkamx")
values = st.one_of(
    st.text(alphabet=TOKEN_CHARS + " :/", max_size=40),
    st.sampled_from(
        [
            "0",
            "0 0",
            "- 1 2 IN IP4 127.0.0.1",
            "IN IP4 0.0.0.0",
            "audio 9 UDP/TLS/RTP/SAVPF 111",
            "application 0 UDP/DTLS/SCTP webrtc-datachannel",
            "mid:0",
            "group:BUNDLE 0 1",
            "ice-ufrag:abcd",
            "ice-pwd:abcdefghijklmnopqrstuvwxyz",
            "setup:actpass",
            "bundle-only",
            "AS:30",
            "7d 1h 0 25h",
        ]
    ),
)
lines = st.builds(lambda t, v: f"{t}={v}", line_types, values)
header = st.just(["v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0"])


@FUZZ
@given(
    st.one_of(header, st.just([])),
    st.lists(lines, max_size=20),
    st.sampled_from(["\r\n", "\n"]),
)
def test_line_shaped_text(head: list[str], body: list[str], ending: str) -> None:
    check(ending.join(head + body) + ending)


# -- mutated samples --------------------------------------------------------------------------


@st.composite
def mutated_samples(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SAMPLES))
    sample_lines = text.split("\n")[:-1]
    for _ in range(draw(st.integers(1, 4))):
        if not sample_lines:
            break
        index = draw(st.integers(0, len(sample_lines) - 1))
        action = draw(
            st.sampled_from(["delete", "duplicate", "swap", "char", "insert", "truncate"])
        )
        if action == "delete":
            del sample_lines[index]
        elif action == "duplicate":
            sample_lines.insert(index, sample_lines[index])
        elif action == "swap":
            other = draw(st.integers(0, len(sample_lines) - 1))
            sample_lines[index], sample_lines[other] = sample_lines[other], sample_lines[index]
        elif action == "char":
            line = sample_lines[index]
            position = draw(st.integers(0, len(line)))
            char = draw(st.characters(max_codepoint=0x2FF))
            replace = draw(st.booleans())
            sample_lines[index] = line[:position] + char + line[position + replace :]
        elif action == "insert":
            sample_lines.insert(index, draw(lines))
        else:
            sample_lines = sample_lines[:index]
    ending = draw(st.sampled_from(["\r\n", "\n"]))
    return "".join(line + ending for line in sample_lines)


@FUZZ
@given(mutated_samples())
def test_mutated_samples(text: str) -> None:
    check(text)


# -- generated descriptions round-trip exactly ------------------------------------------------

tokens = st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=12)
attribute_values = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_characters="\r\n\x00",
        max_codepoint=0x24F,
    ).filter(lambda c: c == "\t" or not (ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F)),
    min_size=1,
    max_size=30,
)
attributes = st.builds(Attribute, tokens, st.one_of(st.none(), attribute_values))
media = st.builds(
    MediaDescription,
    kind=tokens,
    port=st.integers(0, 65535),
    proto=st.lists(tokens, min_size=1, max_size=3).map("/".join),
    formats=st.lists(tokens, min_size=1, max_size=4),
    port_count=st.one_of(st.none(), st.integers(1, 10)),
    connection=st.one_of(st.none(), st.builds(ConnectionData, tokens, tokens, tokens)),
    attributes=st.lists(attributes, max_size=6),
    other_lines=st.lists(st.just(("b", "AS:64")), max_size=3)
    .flatmap(lambda rest: st.sampled_from([[], [("i", "x")]]).map(lambda i: i + rest))
    .flatmap(lambda rest: st.sampled_from([[], [("k", "prompt")]]).map(lambda k: rest + k)),
)
sessions = st.builds(
    SessionDescription,
    origin=st.builds(
        Origin, tokens, st.integers(0, 2**64), st.integers(0, 2**32), tokens, tokens, tokens
    ),
    name=attribute_values,
    timing=st.sampled_from([(0, 0), (3724394400, 3724398000), (3724394400, 0)]),
    connection=st.one_of(st.none(), st.builds(ConnectionData, tokens, tokens, tokens)),
    attributes=st.lists(attributes, max_size=6),
    media=st.lists(media, max_size=3),
)


@FUZZ
@given(sessions)
def test_generated_descriptions_round_trip(description: SessionDescription) -> None:
    text = description.serialize()
    parsed = parse_sdp(text)
    assert parsed == description
    assert parsed.serialize() == text
    exercise_views(parsed)
