#!/usr/bin/env python3
"""atheris target "sdp".

``parse_sdp`` + ``validate_description`` + typed views: ``SdpError`` only; serialize
round-trips.

Usage (libFuzzer options follow; fuzz/run.py runs every target with a seed corpus)::

    .venv/bin/python fuzz/fuzz_sdp.py -max_total_time=60 fuzz/corpus/sdp

The oracle is :func:`tests.fuzz.oracles.check_sdp`; see ``fuzz/harness.py``.
"""

from __future__ import annotations

from harness import main

if __name__ == "__main__":
    main("sdp")
