"""The demo `make demo` runs: it must tell the story it promises, and be deterministic."""

from __future__ import annotations

import io
import subprocess
import sys

from rtcpeer.cli.demo import run_demo


def test_demo_story_holds_and_repeats_exactly() -> None:
    first, second = io.StringIO(), io.StringIO()
    assert run_demo(first) is True
    assert run_demo(second) is True
    text = first.getvalue()
    assert text == second.getvalue()  # same seed, same timeline
    assert "completed -> connected    (restart: previous pair carries data; ICE restart)" in text
    assert "completed -> disconnected" in text
    assert "disconnected -> checking" in text
    assert "during the restart while connected: 200 sent, 0 lost" in text
    assert "every promise held" in text


def test_demo_command_line_exit_code() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rtcpeer", "demo", "--seed", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every promise held" in result.stdout
