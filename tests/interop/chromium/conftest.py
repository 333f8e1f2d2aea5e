"""Fixtures of the Chromium interop tests (issue 7); harness.py describes the set-up.

Run them with ``.venv/bin/pytest tests/interop/chromium`` as root, with Debian's
``chromium`` installed (``make test`` installs it) and the ``test`` extra's playwright and
aiohttp (never ``playwright install``: the tests use ``/usr/bin/chromium``). Without them
the tests skip, which ``RTCPEER_REQUIRE_INTEROP=1`` turns into failures. To see what
Chromium's WebRTC stack did, set ``RTCPEER_CHROMIUM_LOG=/tmp/chromium.log``; rtcpeer's side
logs to ``logging.getLogger("rtcpeer")`` (``--log-level=DEBUG``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .harness import Topology, missing, private_namespace, sweep_stale_namespaces


@pytest.fixture
def netns() -> Iterator[Topology]:
    """The test runs in a private network namespace (only ``lo``); the Topology adds
    named namespaces around it and removes them afterwards."""
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    sweep_stale_namespaces()
    with private_namespace():
        topology = Topology()
        try:
            yield topology
        finally:
            topology.close()
