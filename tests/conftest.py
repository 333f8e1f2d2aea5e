"""Suite-wide hooks.

With ``RTCPEER_REQUIRE_INTEROP=1`` (as ``.ci/run`` sets it) a skipped test marked
``interop`` is reported as a failure: CI must never pass because a real peer was missing.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

REQUIRE_INTEROP = os.environ.get("RTCPEER_REQUIRE_INTEROP") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if (
        REQUIRE_INTEROP
        and report.skipped
        and not hasattr(report, "wasxfail")  # an expected failure is not a missing peer
        and item.get_closest_marker("interop") is not None
    ):
        report.outcome = "failed"
        report.longrepr = f"interop test skipped with RTCPEER_REQUIRE_INTEROP=1: {report.longrepr}"
