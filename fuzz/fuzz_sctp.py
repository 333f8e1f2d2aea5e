#!/usr/bin/env python3
"""atheris target "sctp".

``parse_packet`` / ``parse_chunks``: a ``Packet`` or ``SctpParseError``; it re-encodes.

Usage (libFuzzer options follow; fuzz/run.py runs every target with a seed corpus)::

    .venv/bin/python fuzz/fuzz_sctp.py -max_total_time=60 fuzz/corpus/sctp

The oracle is :func:`tests.fuzz.oracles.check_sctp`; see ``fuzz/harness.py``.
"""

from __future__ import annotations

from harness import main

if __name__ == "__main__":
    main("sctp")
