"""Structure-aware mutation of valid inputs, with one engine and two drivers.

The engine takes a valid input (see :mod:`tests.fuzz.seeds`) and applies a few mutations:
bit flips, byte overwrites, inserts, deletes, truncation, duplicated ranges, splices from
another seed, and overwrites of the *length fields* of the format (STUN attribute lengths,
SCTP chunk and parameter lengths, DCEP label/protocol lengths, DNS section counts) with
boundary values. Text formats (SDP, candidates) are mutated by line, by token and by
character as well. A format's *fixup* (recompute the STUN FINGERPRINT, the SCTP CRC32c) can
be applied afterwards so that the mutation gets past the integrity check to the code behind
it.

Every random choice goes through a :class:`Chooser`: :class:`DrawChooser` draws from
hypothesis (so failures shrink) and :class:`RandomChooser` from :class:`random.Random`
(the time-bounded fallback loop of ``fuzz/run.py``).
"""

from __future__ import annotations

import os
import random
import struct
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.fuzz.oracles import fix_sctp_checksum, fix_stun
from tests.fuzz.seeds import seeds

__all__ = [
    "Chooser",
    "DrawChooser",
    "RandomChooser",
    "fuzz_settings",
    "mutants",
    "mutate",
]

T = TypeVar("T")

_SCALE = float(os.environ.get("RTCPEER_FUZZ_SCALE", "1"))


def fuzz_settings(examples: int) -> settings:
    """Settings for a fuzz test: ``examples`` times ``RTCPEER_FUZZ_SCALE`` (default 1, raise
    it for a longer local run), no deadline, no health checks about slow or big data."""
    return settings(
        max_examples=max(int(examples * _SCALE), 1),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


class Chooser(Protocol):
    def integer(self, low: int, high: int) -> int: ...

    def choice(self, options: Sequence[T]) -> T: ...

    def binary(self, max_size: int) -> bytes: ...


class DrawChooser:
    """Choices drawn from hypothesis."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self._draw = draw

    def integer(self, low: int, high: int) -> int:
        value: int = self._draw(st.integers(low, high))
        return value

    def choice(self, options: Sequence[T]) -> T:
        value: T = self._draw(st.sampled_from(options))
        return value

    def binary(self, max_size: int) -> bytes:
        value: bytes = self._draw(st.binary(max_size=max_size))
        return value


class RandomChooser:
    """Choices from a :class:`random.Random`."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def integer(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)

    def choice(self, options: Sequence[T]) -> T:
        return options[self._rng.randrange(len(options))]

    def binary(self, max_size: int) -> bytes:
        return self._rng.randbytes(self._rng.randint(0, max_size))


# ------------------------------------------------------------------------- length fields


def _stun_fields(data: bytes) -> list[tuple[int, int]]:
    fields = [(2, 2)]
    offset = 20
    while offset + 4 <= len(data):
        fields.append((offset + 2, 2))
        (length,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + ((length + 3) & ~3)
    return fields


def _tlv_fields(data: bytes, start: int, end: int) -> list[tuple[int, int]]:
    fields = []
    offset = start
    while offset + 4 <= end:
        fields.append((offset + 2, 2))
        (length,) = struct.unpack_from("!H", data, offset + 2)
        if length < 4:
            break
        offset += (length + 3) & ~3
    return fields


_TLV_BODIES = {1: 20, 2: 20, 4: 4, 5: 4, 6: 4, 9: 4, 130: 4}  # chunk type: TLVs start at


def _sctp_fields(data: bytes) -> list[tuple[int, int]]:
    fields: list[tuple[int, int]] = []
    offset = 12
    while offset + 4 <= len(data):
        fields.append((offset + 2, 2))
        ctype = data[offset]
        (length,) = struct.unpack_from("!H", data, offset + 2)
        end = min(offset + length, len(data))
        if ctype in _TLV_BODIES:
            fields += _tlv_fields(data, offset + _TLV_BODIES[ctype], end)
        if ctype == 3:  # SACK: the gap and duplicate counts
            fields += [(offset + 12, 2), (offset + 14, 2)]
        if length < 4:
            break
        offset += (length + 3) & ~3
    return fields


def _dcep_fields(data: bytes) -> list[tuple[int, int]]:
    return [(1, 1), (2, 2), (4, 4), (8, 2), (10, 2)]


def _dns_fields(data: bytes) -> list[tuple[int, int]]:
    return [(4, 2), (6, 2), (8, 2), (10, 2)]


def _turn_fields(data: bytes) -> list[tuple[int, int]]:
    return [(0, 2), (2, 2), *(_stun_fields(data) if data[:1] < b"\x40" else [])]


def _no_fields(data: bytes) -> list[tuple[int, int]]:
    return []


_FIELDS: dict[str, Callable[[bytes], list[tuple[int, int]]]] = {
    "stun": _stun_fields,
    "sctp": _sctp_fields,
    "dcep": _dcep_fields,
    "mdns": _dns_fields,
    "turn": _turn_fields,
}
_FIXUPS: dict[str, Callable[[bytes], bytes]] = {"stun": fix_stun, "sctp": fix_sctp_checksum}
_TEXT = frozenset({"sdp", "candidate"})

# ------------------------------------------------------------------------- byte mutations

_INTERESTING_BYTES = (0x00, 0x01, 0x02, 0x03, 0x20, 0x3F, 0x40, 0x7F, 0x80, 0xC0, 0xFE, 0xFF)


def _boundaries(data: bytearray, size: int) -> list[int]:
    top = (1 << (8 * size)) - 1
    n = len(data)
    values = {0, 1, 2, 3, 4, 5, 7, 8, 12, 16, 20, n - 20, n - 12, n - 4, n, n + 1, n + 4}
    values |= {top, top - 1, top - 3, top >> 1, (top >> 1) + 1}
    return sorted(v & top for v in values)


def _byte_op(c: Chooser, data: bytearray, target: str, others: Sequence[bytes]) -> None:
    n = len(data)
    op = c.integer(0, 10)
    pos = c.integer(0, max(n - 1, 0))
    if op == 0 and n:  # flip a bit
        data[pos] ^= 1 << c.integer(0, 7)
    elif op == 1 and n:  # overwrite a byte
        data[pos] = c.choice(_INTERESTING_BYTES) if c.integer(0, 1) else c.integer(0, 255)
    elif op == 2:  # insert bytes
        data[pos:pos] = c.binary(12)
    elif op == 3 and n:  # delete a range
        del data[pos : pos + c.integer(1, 16)]
    elif op == 4:  # truncate
        del data[pos:]
    elif op == 5 and n:  # duplicate a range
        size = c.integer(1, 32)
        data[pos:pos] = data[pos : pos + size]
    elif op == 6 and others:  # splice part of another seed in
        other = c.choice(others)
        if other:
            start = c.integer(0, len(other) - 1)
            piece = other[start : start + c.integer(1, 64)]
            if c.integer(0, 1):
                data[pos : pos + len(piece)] = piece
            else:
                data[pos:pos] = piece
    elif op in (7, 8) and n:  # a boundary value in a 16- or 32-bit field anywhere
        size = 2 if op == 7 else 4
        value = c.choice(_boundaries(data, size))
        data[pos : pos + size] = value.to_bytes(size, "big")[: max(n - pos, 0)]
    elif op == 9:  # a boundary value in one of the format's length fields
        fields = [f for f in _FIELDS.get(target, _no_fields)(bytes(data)) if f[0] < n]
        if fields:
            offset, size = c.choice(fields)
            value = c.choice(_boundaries(data, size))
            data[offset : offset + size] = value.to_bytes(size, "big")[: n - offset]
    elif op == 10 and target == "mdns" and n >= 2:  # a compression pointer anywhere
        pointer = 0xC000 | c.integer(0, max(pos + 1, 12))
        data[pos : pos + 2] = pointer.to_bytes(2, "big")


# ------------------------------------------------------------------------- text mutations

_TOKENS = (
    "typ",
    "raddr",
    "rport",
    "tcptype",
    "generation",
    "ufrag",
    "network-id",
    "network-cost",
    "host",
    "srflx",
    "prflx",
    "relay",
    "udp",
    "TCP",
    "sctp",
    "0",
    "00000000001",
    "65536",
    "4294967296",
    "2147483648",
    "-1",
    "1.2.3.256",
    "01.2.3.4",
    "::1",
    "::ffff:1.2.3.4",
    "fe80::1%",
    "fe80::1%eth0",
    "fe80::1%%",
    "[::1]",
    "x.local",
    ".local",
    "a..b",
    "1.2.3",
    "-a.example",
    "a" * 64,
    "é",
    "IN",
    "IP4",
    "IP6",
    "BUNDLE",
    "sha-256",
    "actpass",
    "webrtc-datachannel",
)
_SDP_LINES = (
    "a=group:BUNDLE 0 1 2",
    "a=group:BUNDLE 0 0",
    "a=group:LS 0",
    "a=mid:0",
    "a=mid:1",
    "a=ice-ufrag:abcd",
    "a=ice-pwd:0123456789012345678901",
    "a=ice-options:trickle ice2",
    "a=ice-lite",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
    "a=fingerprint:sha-1 AB",
    "a=setup:actpass",
    "a=setup:bogus",
    "a=sctp-port:5000",
    "a=sctp-port:99999",
    "a=max-message-size:262144",
    "a=max-message-size:x",
    "a=sctpmap:5000 webrtc-datachannel 1024",
    "a=candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host",
    "a=candidate:bad",
    "a=end-of-candidates",
    "a=end-of-candidates:x",
    "a=bundle-only",
    "a=sendrecv",
    "a=inactive",
    "a=rtcp-mux",
    "a=msid-semantic: WMS *",
    "a=msid:stream track",
    "a=msid:",
    "a=",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "m=application 0 UDP/DTLS/SCTP webrtc-datachannel",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "m=video 00009/2 RTP/AVP 96 97",
    "c=IN IP4 0.0.0.0",
    "c=IN IP6 ::",
    "b=AS:30",
    "t=0 0",
    "t=3034423619 3042462419",
    "r=7d 1h 0 25h",
    "z=2882844526 -1h",
    "k=prompt",
    "i=information",
    "u=http://example.org",
    "e=x@example.org",
    "p=+1 555",
    "v=0",
    "o=- 0 0 IN IP4 127.0.0.1",
    "s=-",
    "x=unknown",
    "",
)
_CHARS = (
    "\x00",
    "\t",
    "\r",
    "\n",
    " ",
    "  ",
    ":",
    "/",
    "=",
    "%",
    ".",
    "-",
    "0",
    "9",
    "a",
    "Z",
    "\x7f",
    "\x85",
    "é",
    "\u2028",
    "\ud800",
    "\U0001f600",
)


def _char_op(c: Chooser, text: str) -> str:
    pos = c.integer(0, len(text))
    op = c.integer(0, 3)
    if op == 0:
        return text[:pos] + c.choice(_CHARS) + text[pos:]
    if op == 1:
        return text[:pos] + text[pos + c.integer(1, 4) :]
    if op == 2:
        return text[:pos] + c.choice(_CHARS) + text[pos + 1 :]
    return text[:pos] + text[pos:].swapcase()


def _token_op(c: Chooser, text: str, separator: str = " ") -> str:
    tokens = text.split(separator)
    i = c.integer(0, len(tokens) - 1)
    op = c.integer(0, 5)
    if op == 0 and len(tokens) > 1:
        del tokens[i]
    elif op == 1:
        tokens.insert(i, tokens[i])
    elif op == 2:
        tokens[i] = c.choice(_TOKENS)
    elif op == 3:
        j = c.integer(0, len(tokens) - 1)
        tokens[i], tokens[j] = tokens[j], tokens[i]
    elif op == 4:
        tokens.insert(i, c.choice(_TOKENS))
    else:
        tokens[i] = _char_op(c, tokens[i])
    return separator.join(tokens)


def _line_op(c: Chooser, text: str, others: Sequence[bytes]) -> str:
    lines = text.split("\n")
    i = c.integer(0, len(lines) - 1)
    op = c.integer(0, 7)
    if op == 0 and len(lines) > 1:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[i])
    elif op == 2:
        j = c.integer(0, len(lines) - 1)
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3:
        lines.insert(i, c.choice(_SDP_LINES) + "\r")
    elif op == 4:
        lines[i] = _token_op(c, lines[i], c.choice((" ", ":", "/")))
    elif op == 5:
        lines[i] = _char_op(c, lines[i])
    elif op == 6:
        lines[i] = lines[i].removesuffix("\r") if lines[i].endswith("\r") else lines[i] + "\r"
    elif others:
        other = c.choice(others).decode("utf-8").split("\n")
        lines.insert(i, c.choice(other))
    return "\n".join(lines)


# ------------------------------------------------------------------------------- engine


def mutate(c: Chooser, target: str, data: bytes | None = None) -> bytes:
    """One mutant of ``data`` (a seed of ``target`` if ``None``), as bytes; text targets'
    mutants are UTF-8 with ``surrogateescape`` (a lone surrogate may be in the text)."""
    pool = seeds(target)
    if data is None:
        data = c.choice(pool)
    rounds = c.integer(1, 4)
    if target in _TEXT and c.integer(0, 3):
        text = data.decode("utf-8", "surrogateescape")
        for _ in range(rounds):
            if target == "sdp" and c.integer(0, 1):
                text = _line_op(c, text, pool)
            elif c.integer(0, 2):
                text = _token_op(c, text)
            else:
                text = _char_op(c, text)
        return text.encode("utf-8", "surrogatepass")
    buf = bytearray(data)
    for _ in range(rounds):
        _byte_op(c, buf, target, pool)
    out = bytes(buf)
    fixup = _FIXUPS.get(target)
    if fixup is not None and c.integer(0, 2):
        out = fixup(out)
    return out


@st.composite
def mutants(draw: st.DrawFn, target: str) -> bytes:
    """Hypothesis strategy: mutants of ``target``'s seeds (shrinks towards the seed)."""
    return mutate(DrawChooser(draw), target)


def as_text(data: bytes) -> str:
    """A text target's mutant back as ``str``: bytes that are not UTF-8 become lone
    surrogates (``surrogateescape``), which the text parsers must refuse."""
    return data.decode("utf-8", "surrogateescape")
