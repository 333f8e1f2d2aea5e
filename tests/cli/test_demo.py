"""The demo `make demo` runs: real RTCPeerConnections on 127.0.0.1 lose their path and
recover with nothing lost; and the simulated story it replaced, kept as ``--simulated``."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from rtcpeer.cli.demo import RichView, live_demo, summary_lines
from rtcpeer.cli.simulated import run_simulated_demo


async def test_live_demo_loses_nothing_and_recovers() -> None:
    """The whole story in this process, through the rich view (forced to a terminal)."""
    out = io.StringIO()
    before = os.environ.get("RTCPEER_ICE_ADDRESSES")
    summary = await live_demo(RichView(out, force_terminal=True))
    text = "\n".join(summary_lines(summary))
    assert summary.ok, text
    for direction in summary.directions:
        assert direction.sent > 900, text  # ~100 msg/s for ~11 s
        assert direction.received == direction.sent
        assert (direction.lost, direction.duplicates, direction.reordered) == (0, 0, 0)
        assert direction.sent_while_down > 0  # the outage really held messages back
    # restartIce() while streaming: new ufrags, never out of connected/completed.
    assert summary.restart_disturbed == []
    # The silent path: disconnected within 3 s at both ends, MDN's recipe, recovery.
    assert summary.dropped_in > 0 and summary.dropped_out > 0
    for name, after in summary.disconnected_after.items():
        assert after is not None and after <= 3.0, (name, text)
        assert summary.app_restarts[name] >= 1
        assert len(summary.ufrags[name]) >= 3, text  # initial, mid-stream restart, recovery
    assert summary.recovered_after is not None and summary.recovered_after < 5.0
    for ice, connection in summary.final_states.values():
        assert ice in ("connected", "completed") and connection == "connected"
    rendered = out.getvalue()
    assert "timeline" in rendered and "nothing was lost" in rendered
    assert os.environ.get("RTCPEER_ICE_ADDRESSES") == before  # set for the run only


def test_demo_command_prints_plain_lines_and_a_summary() -> None:
    """`rtcpeer demo` as `make demo` runs it, its output piped: plain lines, exit code 0,
    finished by itself in well under a minute."""
    env = {k: v for k, v in os.environ.items() if k != "RTCPEER_ICE_ADDRESSES"}
    result = subprocess.run(
        [sys.executable, "-m", "rtcpeer", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "alice -> bob:" in out and "bob -> alice:" in out
    assert "lost 0, duplicates 0, reordered 0" in out
    assert "iceConnectionState disconnected" in out
    assert 'app: iceConnectionState is "disconnected" -> pc.restartIce()' in out
    assert "result: nothing was lost" in out
    assert " 127.0.0.1:" in out and "\x1b[" not in out  # loopback only; no terminal codes


def test_simulated_story_holds_and_repeats_exactly() -> None:
    first, second = io.StringIO(), io.StringIO()
    assert run_simulated_demo(first) is True
    assert run_simulated_demo(second) is True
    text = first.getvalue()
    assert text == second.getvalue()  # same seed, same timeline
    assert "completed -> connected    (restart: previous pair carries data; ICE restart)" in text
    assert "completed -> disconnected" in text
    assert "disconnected -> checking" in text
    assert "during the restart while connected: 200 sent, 0 lost" in text
    assert "every promise held" in text


def test_simulated_command_line_exit_code() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rtcpeer", "demo", "--simulated", "--seed", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every promise held" in result.stdout
