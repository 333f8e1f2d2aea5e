"""What every atheris target in this directory shares.

A target is ``fuzz/fuzz_<name>.py``; it calls :func:`main` with its name, a key of
:data:`tests.fuzz.oracles.TARGETS` (the same oracle the hypothesis tests in ``tests/fuzz``
use: the parser returns a value or raises its documented exception, and what it accepts
round-trips).

Input layout: the first byte is a *mode*, the rest the parser's input. An odd mode applies
the target's fixup first (STUN: the header length and FINGERPRINT recomputed; SCTP: the
CRC32c recomputed), so that mutations get past the integrity checks to the decoders
behind them. :func:`seed_inputs` writes the seeds of :mod:`tests.fuzz.seeds` in both modes.

Crashes: run alone, an unexpected exception propagates and atheris reports it as usual
(``crash-<sha1>`` file, traceback, exit code 1). With ``RTCPEER_FUZZ_ARTIFACTS=<dir>`` (as
``fuzz/run.py`` sets it) the harness instead writes each *distinct* crash (exception type
and the innermost frame of ``src/rtcpeer``) once into ``<dir>`` (the input and its
traceback) and carries on, so a timed run counts every bug it meets rather than stopping at
the first.
"""

from __future__ import annotations

import hashlib
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for ``tests.fuzz``

ARTIFACTS_ENV = "RTCPEER_FUZZ_ARTIFACTS"
INSTRUMENTED = ("rtcpeer",)


def crash_signature(error: BaseException) -> str:
    """``ExceptionType@file:line``, the innermost frame in rtcpeer (else the innermost)."""
    frames = traceback.extract_tb(error.__traceback__)
    inner = [f for f in frames if "/rtcpeer/" in f.filename] or frames
    where = f"{Path(inner[-1].filename).name}:{inner[-1].lineno}" if inner else "?"
    return f"{type(error).__name__}@{where}"


def record_crash(directory: Path, data: bytes, error: BaseException) -> bool:
    """Write ``data`` and the traceback under ``directory`` once per signature; return
    whether this signature is new."""
    signature = crash_signature(error)
    key = hashlib.sha1(signature.encode()).hexdigest()[:12]
    report = directory / f"crash-{key}.txt"
    if report.exists():
        return False
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"crash-{key}.bin").write_bytes(data)
    text = "".join(traceback.format_exception(error))
    report.write_text(f"signature: {signature}\ninput: {data!r}\n\n{text}")
    return True


def make_test_one_input(target: str) -> Callable[[bytes], None]:
    """The function atheris calls: mode byte, optional fixup, oracle; crashes recorded or
    raised (see the module docstring)."""
    from tests.fuzz import oracles

    check = oracles.TARGETS[target]
    fixup: Callable[[bytes], bytes] | None = {
        "stun": oracles.fix_stun,
        "sctp": oracles.fix_sctp_checksum,
    }.get(target)
    artifacts = os.environ.get(ARTIFACTS_ENV)
    directory = Path(artifacts) if artifacts else None

    def test_one_input(data: bytes) -> None:
        if not data:
            return
        body = data[1:]
        if fixup is not None and data[0] & 1:
            body = fixup(body)
        if directory is None:
            check(body)
            return
        try:
            check(body)
        except Exception as error:  # the oracle's job: anything escaping is a bug
            if record_crash(directory, data, error):
                print(f"\n==rtcpeer-fuzz== new crash {crash_signature(error)}", file=sys.stderr)

    return test_one_input


def seed_inputs(target: str) -> list[bytes]:
    """The seeds of ``target`` in the harness's input layout (each in both modes)."""
    from tests.fuzz.seeds import seeds

    return [bytes([mode]) + seed for seed in seeds(target) for mode in (0, 1)]


def main(target: str) -> None:
    """Run atheris on ``target`` with the command line's libFuzzer options."""
    import atheris  # type: ignore[import-not-found,import-untyped,unused-ignore]

    with atheris.instrument_imports(include=list(INSTRUMENTED)):
        test_one_input = make_test_one_input(target)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
