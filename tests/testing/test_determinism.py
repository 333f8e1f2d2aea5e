"""Same seed, same calls -> the same run, event for event; another seed -> another run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from .scenario import digest, run_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_same_seed_same_trace() -> None:
    first = run_scenario(7)
    second = run_scenario(7)
    assert len(first) > 2000
    assert first == second
    kinds = Counter(e.kind for e in first)
    assert set(kinds) == {"send", "deliver", "drop", "translate", "duplicate"}
    reasons = {e.reason for e in first if e.kind == "drop"}
    assert {"loss", "mtu", "partition", "nat-filter"} <= reasons


def test_different_seed_different_trace() -> None:
    assert run_scenario(7) != run_scenario(8)


def test_independent_of_hash_randomisation() -> None:
    """Nothing depends on set/dict iteration order of str hashes (PYTHONHASHSEED)."""
    results = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-m", "tests.testing.scenario", "7"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        results.add(out.stdout.strip())
    assert results == {digest(7)}
