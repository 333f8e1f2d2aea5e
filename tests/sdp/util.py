"""Helpers for the SDP tests: loading the sample descriptions and normalising text."""

from __future__ import annotations

from pathlib import Path

SAMPLES_DIR = Path(__file__).parent / "samples"
SAMPLE_NAMES = sorted(p.name for p in SAMPLES_DIR.glob("*.sdp"))


def load_sample(name: str) -> str:
    """A sample's SDP text, without its leading ``#`` provenance comment (LF line endings)."""
    lines = (SAMPLES_DIR / name).read_text(encoding="utf-8").splitlines(keepends=True)
    body = [line for line in lines if not line.startswith("#")]
    assert body and body[0] == "v=0\n", f"{name}: comment header, then SDP starting at v=0"
    return "".join(body)


def normalised(text: str) -> str:
    """``text`` with CRLF line endings and a final CRLF (how ``serialize`` writes SDP)."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    return "".join(line + "\r\n" for line in lines)
