"""A smoke run of the chaos soak (``make soak``, bench/soak.py) in about ten seconds: a few
simulated pairs under loss, partitions and restarts, three real pairs on 127.0.0.1 with
injected loss and restartIce, and ten connect/close cycles; every check of the full soak
applies (nothing lost, duplicated or reordered; tasks and fds back to where they were)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def test_soak_smoke_run_passes() -> None:
    result = subprocess.run(
        [sys.executable, str(SOAK), "--quick", "--loop-seconds", "4", "--cycles", "10"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    for part in ("sim", "loopback", "cycles"):
        assert f"  {part}: PASS" in result.stdout, report
    # "lost / duplicated / reordered  0 / 0 / 0" for the simulated and the real pairs.
    assert result.stdout.count(" 0 / 0 / 0\n") == 2, report
