#!/usr/bin/env python3
"""atheris target "stun".

``rtcpeer.stun.parse_message``: a ``StunMessage`` or ``StunError``; what parses re-encodes.

Usage (libFuzzer options follow; fuzz/run.py runs every target with a seed corpus)::

    .venv/bin/python fuzz/fuzz_stun.py -max_total_time=60 fuzz/corpus/stun

The oracle is :func:`tests.fuzz.oracles.check_stun`; see ``fuzz/harness.py``.
"""

from __future__ import annotations

from harness import main

if __name__ == "__main__":
    main("stun")
