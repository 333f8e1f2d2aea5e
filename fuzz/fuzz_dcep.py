#!/usr/bin/env python3
"""atheris target "dcep".

``parse_dcep`` (RFC 8832): an OPEN, ``None`` (ACK) or ``DcepError``; an OPEN re-encodes.

Usage (libFuzzer options follow; fuzz/run.py runs every target with a seed corpus)::

    .venv/bin/python fuzz/fuzz_dcep.py -max_total_time=60 fuzz/corpus/dcep

The oracle is :func:`tests.fuzz.oracles.check_dcep`; see ``fuzz/harness.py``.
"""

from __future__ import annotations

from harness import main

if __name__ == "__main__":
    main("dcep")
