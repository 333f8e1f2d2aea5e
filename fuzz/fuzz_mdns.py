#!/usr/bin/env python3
"""atheris target "mdns".

``rtcpeer.mdns.parse_message`` (tolerant and strict): a ``Message`` or ``DnsError``.

Usage (libFuzzer options follow; fuzz/run.py runs every target with a seed corpus)::

    .venv/bin/python fuzz/fuzz_mdns.py -max_total_time=60 fuzz/corpus/mdns

The oracle is :func:`tests.fuzz.oracles.check_mdns`; see ``fuzz/harness.py``.
"""

from __future__ import annotations

from harness import main

if __name__ == "__main__":
    main("mdns")
