#!/usr/bin/env python3
"""atheris target "candidate".

``Candidate.from_sdp`` (RFC 8839 §5.1): a ``Candidate`` or ``CandidateParseError``; it
writes back.

Usage (libFuzzer options follow; fuzz/run.py runs every target with a seed corpus)::

    .venv/bin/python fuzz/fuzz_candidate.py -max_total_time=60 fuzz/corpus/candidate

The oracle is :func:`tests.fuzz.oracles.check_candidate`; see ``fuzz/harness.py``.
"""

from __future__ import annotations

from harness import main

if __name__ == "__main__":
    main("candidate")
