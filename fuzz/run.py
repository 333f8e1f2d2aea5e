#!/usr/bin/env python3
"""Run every fuzz target for a set time and print what each did.

    .venv/bin/python fuzz/run.py                 # every target, 60 s each, one at a time
    .venv/bin/python fuzz/run.py --seconds 300 --targets stun,sctp --jobs 2

Each target (``fuzz/fuzz_<name>.py``) runs under atheris (libFuzzer, coverage-guided) on a
corpus in ``fuzz/corpus/<name>/``, seeded from :mod:`tests.fuzz.seeds` and kept between
runs. Crashes are recorded, not fatal: the harness writes each distinct one (exception type
and innermost rtcpeer frame) to ``fuzz/artifacts/<name>/crash-*.txt`` with its input, and
fuzzing goes on; a libFuzzer timeout (an input slower than ``--timeout`` seconds) or
out-of-memory ends the process, which is then restarted for the rest of the time. Every
crash found should become a regression test in ``tests/fuzz/test_regressions.py``.

Without atheris (it could not be installed), a clearly labelled FALLBACK runs instead: a
time-bounded hypothesis loop over the same oracle and the structure-aware mutations of
:mod:`tests.fuzz.mutations`; it has no coverage guidance.

Exit status: 1 if any target crashed, else 0.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from harness import ARTIFACTS_ENV, crash_signature, record_crash, seed_inputs  # noqa: E402


def available_targets() -> list[str]:
    """Every target with a ``fuzz_<name>.py`` script whose oracle exists."""
    from tests.fuzz.oracles import TARGETS

    return [name for name in TARGETS if (HERE / f"fuzz_{name}.py").exists()]


@dataclass
class Result:
    target: str
    engine: str
    seconds: float = 0.0
    fuzz_seconds: float = 0.0
    iterations: int = 0
    processes: int = 0
    corpus: int = 0
    coverage: int | None = None
    crashes: list[str] = field(default_factory=list)
    timeouts: int = 0
    ooms: int = 0

    @property
    def rate(self) -> float:
        """Iterations per second of fuzzing (libFuzzer's own clock; start-up excluded)."""
        spent = self.fuzz_seconds or self.seconds
        return self.iterations / spent if spent else 0.0


# ------------------------------------------------------------------------------- atheris


def have_atheris() -> bool:
    try:
        import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def seed_corpus(target: str, corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    for data in seed_inputs(target):
        name = "seed-" + hashlib.sha1(data).hexdigest()
        path = corpus / name
        if not path.exists():
            path.write_bytes(data)


_UNITS = re.compile(r"stat::number_of_executed_units:\s*(\d+)")
_DONE = re.compile(r"Done (\d+) runs in (\d+) second")
_COV = re.compile(r"\bcov: (\d+)")


def run_atheris(
    target: str, seconds: float, timeout: int, artifacts: Path, max_len: int | None = None
) -> Result:
    result = Result(target, "atheris")
    corpus = HERE / "corpus" / target
    seed_corpus(target, corpus)
    crash_dir = artifacts / target
    crash_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, ARTIFACTS_ENV: str(crash_dir), "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    deadline = start + seconds
    while (left := deadline - time.monotonic()) >= 1:
        command = [
            sys.executable,
            str(HERE / f"fuzz_{target}.py"),
            f"-max_total_time={int(left)}",
            f"-timeout={timeout}",
            "-rss_limit_mb=2048",
            "-print_final_stats=1",
            f"-artifact_prefix={crash_dir}/",
            *([f"-max_len={max_len}"] if max_len else []),
            str(corpus),
        ]
        log = crash_dir / f"libfuzzer-{result.processes}.log"
        with log.open("w") as out:
            code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env).returncode
        result.processes += 1
        text = log.read_text(errors="replace")
        units = _UNITS.findall(text)
        done = _DONE.findall(text)
        if units:
            result.iterations += int(units[-1])
        else:  # ended before the final stats (timeout, OOM): the last status line
            execs = re.findall(r"^#(\d+)\s", text, re.MULTILINE)
            result.iterations += int(execs[-1]) if execs else 0
        if done:
            result.fuzz_seconds += int(done[-1][1])
        coverage = _COV.findall(text)
        if coverage:
            result.coverage = max(result.coverage or 0, int(coverage[-1]))
        if code != 0:
            if "ERROR: libFuzzer: timeout" in text:
                result.timeouts += 1
            elif "out-of-memory" in text:
                result.ooms += 1
            elif "Uncaught Python exception" not in text:
                print(f"[{target}] libFuzzer exited {code}; see {log}", file=sys.stderr)
            _note_libfuzzer_crash(text, crash_dir)
    result.seconds = time.monotonic() - start
    result.corpus = sum(1 for _ in corpus.iterdir())
    result.crashes = _signatures(crash_dir)
    return result


def _note_libfuzzer_crash(text: str, crash_dir: Path) -> None:
    """A timeout / OOM / crash that ended libFuzzer: keep a report like the harness's."""
    match = re.search(r"Test unit written to (\S+)", text)
    if match is None:
        return
    kind = "timeout" if "libFuzzer: timeout" in text else "libfuzzer"
    key = hashlib.sha1(Path(match.group(1)).name.encode()).hexdigest()[:12]
    (crash_dir / f"crash-{kind}-{key}.txt").write_text(
        f"signature: {kind}@{Path(match.group(1)).name}\n\n{text[-4000:]}"
    )


def _signatures(crash_dir: Path) -> list[str]:
    out = []
    for report in sorted(crash_dir.glob("crash-*.txt")):
        first = report.read_text(errors="replace").splitlines()[0]
        out.append(first.removeprefix("signature: "))
    return out


# ------------------------------------------------------------------------------ fallback


def run_fallback(target: str, seconds: float, artifacts: Path) -> Result:
    """FALLBACK: a time-bounded hypothesis loop, without coverage guidance.

    Batches of 500 generated examples (mutants of the seeds, or random bytes), fresh
    randomness each batch, until the time is up; unexpected exceptions are recorded like
    the atheris harness records them, never shown to hypothesis (nothing to shrink)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st
    from tests.fuzz.mutations import mutants
    from tests.fuzz.oracles import TARGETS

    result = Result(target, "FALLBACK hypothesis")
    check = TARGETS[target]
    crash_dir = artifacts / target
    start = time.monotonic()
    deadline = start + seconds

    @settings(
        max_examples=500,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(mutants(target), st.binary(max_size=256)))
    def batch(data: bytes) -> None:
        if time.monotonic() >= deadline:
            return
        result.iterations += 1
        try:
            check(data)
        except Exception as error:
            if record_crash(crash_dir, data, error):
                print(f"[{target}] new crash {crash_signature(error)}", file=sys.stderr)

    while time.monotonic() < deadline:
        batch()
    result.seconds = time.monotonic() - start
    result.processes = 1
    result.crashes = _signatures(crash_dir) if crash_dir.exists() else []
    return result


# ---------------------------------------------------------------------------------- main


def print_table(results: list[Result]) -> None:
    header = (
        "target",
        "engine",
        "seconds",
        "fuzzing s",
        "iterations",
        "iter/s",
        "corpus",
        "cov",
        "crashes",
        "timeouts",
    )
    rows = [
        (
            r.target,
            r.engine,
            f"{r.seconds:.0f}",
            f"{r.fuzz_seconds:.0f}" if r.fuzz_seconds else "-",
            f"{r.iterations:,}",
            f"{r.rate:,.0f}",
            str(r.corpus) if r.corpus else "-",
            str(r.coverage) if r.coverage is not None else "-",
            str(len(r.crashes)),
            str(r.timeouts + r.ooms),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    for r in results:
        for signature in r.crashes:
            print(f"crash in {r.target}: {signature}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="per target (default 60)")
    parser.add_argument("--targets", default="", help="comma-separated (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="targets run at once (default 1)")
    parser.add_argument("--timeout", type=int, default=10, help="slow-input limit, seconds")
    parser.add_argument(
        "--max-len", type=int, default=None, help="largest input (libFuzzer default: 4096)"
    )
    parser.add_argument(
        "--artifacts", type=Path, default=HERE / "artifacts", help="crash reports go here"
    )
    parser.add_argument("--fallback", action="store_true", help="use the fallback loop")
    parser.add_argument("--fresh", action="store_true", help="clear previous crash reports")
    args = parser.parse_args(argv)

    targets = available_targets()
    if args.targets:
        wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
        unknown = sorted(set(wanted) - set(targets))
        if unknown:
            parser.error(f"unknown targets {unknown}; available: {targets}")
        targets = wanted
    if args.fresh and args.artifacts.exists():
        shutil.rmtree(args.artifacts)
    use_atheris = not args.fallback and have_atheris()
    if not use_atheris:
        why = "--fallback was given" if args.fallback else "atheris cannot be imported"
        print(
            f"*** FALLBACK ({why}): a time-bounded hypothesis loop over the same oracles, "
            "with no coverage guidance; install atheris for real fuzzing ***",
            file=sys.stderr,
            flush=True,
        )
    names = ", ".join(targets)
    print(f"fuzzing {names} for {args.seconds:.0f} s each", file=sys.stderr, flush=True)

    def one(target: str) -> Result:
        if use_atheris:
            return run_atheris(target, args.seconds, args.timeout, args.artifacts, args.max_len)
        return run_fallback(target, args.seconds, args.artifacts)

    with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        results = list(pool.map(one, targets))
    print_table(results)
    return 1 if any(r.crashes or r.timeouts or r.ooms for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
