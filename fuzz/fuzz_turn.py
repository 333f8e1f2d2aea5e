#!/usr/bin/env python3
"""atheris target "turn".

The TURN framing: ``decode_channel_data`` gives ``(channel, data)`` or ``ChannelDataError``;
``StreamFramer.feed`` never raises, accounts for every byte and splits the same however
the stream is cut; ``TurnClient.handle_datagram`` / ``handle_stream_data`` never raise and
count what they drop.

Usage (libFuzzer options follow; fuzz/run.py runs every target with a seed corpus)::

    .venv/bin/python fuzz/fuzz_turn.py -max_total_time=60 fuzz/corpus/turn

The oracle is :func:`tests.fuzz.oracles.check_turn`; see ``fuzz/harness.py``.
"""

from __future__ import annotations

from harness import main

if __name__ == "__main__":
    main("turn")
