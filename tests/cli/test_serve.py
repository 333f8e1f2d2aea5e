"""`rtcpeer serve` in Chromium (issue 7): the page connects, echoes, restarts ICE.

The command runs as a subprocess (``python -m rtcpeer serve --port 0``) in the test's
private network namespace (only ``lo``; see tests/interop/chromium/harness.py), with host
candidates on 127.0.0.1. Playwright drives Debian's Chromium there with LAB.md's loopback
flags: the page opens, connects its data channel to Python, a message is echoed, the
"Restart ICE" button (and "Restart ICE from Python") lead back to connected with new
ufrags, and a screenshot of the page is saved to ``$RTCPEER_SERVE_SCREENSHOT`` (default
``/tmp/rtcpeer-serve.png``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.interop.chromium.harness import (
    BASE_FLAGS,
    CHROMIUM,
    LOOPBACK_FLAGS,
    missing,
    private_namespace,
)

pytestmark = pytest.mark.interop
HOST = "127.0.0.1"
TIMEOUT = 20.0
SCREENSHOT = Path(os.environ.get("RTCPEER_SERVE_SCREENSHOT", "/tmp/rtcpeer-serve.png"))


@pytest.fixture
def loopback_namespace() -> Iterator[None]:
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    with private_namespace():
        yield


@contextlib.asynccontextmanager
async def rtcpeer_serve() -> AsyncIterator[tuple[str, list[str]]]:
    """``rtcpeer serve`` as a subprocess; yields its URL and its output lines so far."""
    env = dict(os.environ, RTCPEER_ICE_ADDRESSES=HOST, PYTHONUNBUFFERED="1")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "rtcpeer", "serve", "--host", HOST, "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        first = (await asyncio.wait_for(process.stdout.readline(), TIMEOUT)).decode()
        lines.append(first)
        assert first.startswith("rtcpeer serve: open http://"), first
        url = first.split("open ", 1)[1].split()[0]

        async def read() -> None:
            assert process.stdout is not None
            while line := await process.stdout.readline():
                lines.append(line.decode())

        reader = asyncio.ensure_future(read())
        try:
            yield url, lines
        finally:
            process.terminate()  # SIGTERM: serve closes its peer connections and exits
            returncode = await asyncio.wait_for(process.wait(), TIMEOUT)
            await asyncio.wait_for(reader, TIMEOUT)
            assert returncode == 0, "".join(lines)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def snapshot(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate("() => window.app.snapshot()")
    return result


async def until(page: Any, expression: str, what: str) -> None:
    """Wait until ``expression`` (with ``s = app.snapshot()`` in scope) holds."""
    try:
        await page.wait_for_function(
            f"() => {{ const s = window.app.snapshot(); return {expression}; }}",
            timeout=TIMEOUT * 1000,
            polling=100,
        )
    except Exception as exc:
        state = await snapshot(page)
        brief = {k: state[k] for k in ("iceConnectionState", "connectionState", "python")}
        raise AssertionError(
            f"timed out waiting for {what}: {exc}\n{json.dumps(brief)}\n"
            f"timeline: {state['timeline']}\nerrors: {state['errors']}"
        ) from None


BOTH_UP = (
    "s.iceConnectionState === 'connected' && s.connectionState === 'connected'"
    " && ['connected', 'completed'].includes(s.python.ice)"
    " && s.python.connection === 'connected' && s.signalingState === 'stable'"
    " && s.python.signaling === 'stable'"
)


async def restart_and_reconnect(page: Any, button: str) -> tuple[str, str]:
    """Click ``button``; wait for new ufrags on both sides, both connected and a selected
    pair (browser's getStats) of the new generation; return the new (browser, python)
    ufrags."""
    before = await snapshot(page)
    old_local, old_python = before["localUfrag"], before["python"]["ufrag"]
    await page.click(button)
    await until(
        page,
        f"s.localUfrag !== {json.dumps(old_local)}"
        f" && s.python.ufrag !== {json.dumps(old_python)} && {BOTH_UP}"
        " && s.browserPair !== null && s.browserPair.localUfrag === s.localUfrag"
        " && s.python.pair !== null",
        f"{button}: new ufrags, connected, a pair of the new generation",
    )
    after = await snapshot(page)
    assert after["remoteUfrag"] == after["python"]["ufrag"]
    return after["localUfrag"], after["python"]["ufrag"]


async def echo(page: Any, text: str) -> None:
    sent = (await snapshot(page))["sent"]
    await page.fill("#message", text)
    await page.click("#send")
    await until(page, f"s.echoed >= {sent + 1} && s.sent === s.echoed", f"the echo of {text!r}")
    assert text in await page.inner_text("#echoes")


async def test_serve_page_in_chromium(loopback_namespace: None, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    flags = [*BASE_FLAGS, f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {HOST}"]
    async with rtcpeer_serve() as (url, lines), async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=[*flags, *LOOPBACK_FLAGS],
            viewport={"width": 1280, "height": 900},
            timeout=60_000,
        )
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            await page.goto(url)
            # The page offers; Python answers; both trickle; the channel opens.
            await until(page, f"{BOTH_UP} && s.channel === 'open'", "connected, channel open")
            await until(page, "s.echoed >= 1", "the page's first message echoed")
            await echo(page, "hello rtcpeer")
            await until(page, "s.browserPair !== null", "a selected pair in getStats")
            first = await snapshot(page)
            pair = first["browserPair"]
            assert pair is not None and pair["local"].startswith("127.0.0.1:"), pair
            assert first["python"]["pair"]["local"].startswith("127.0.0.1:")

            # The browser's "Restart ICE" button: pc.restartIce(), a new offer.
            local, python = await restart_and_reconnect(page, "#restart")
            assert (local, python) != (first["localUfrag"], first["python"]["ufrag"])
            await echo(page, "after the browser's restart")

            # "Restart ICE from Python": rtcpeer offers (the polite peer) and Chromium answers.
            await restart_and_reconnect(page, "#py-restart")
            await echo(page, "after Python's restart")

            final = await snapshot(page)
            events = [entry["text"] for entry in final["timeline"]]
            assert "Restart ICE clicked: pc.restartIce()" in events
            assert not [e for e in events if "disconnected" in e or "failed" in e], final[
                "timeline"
            ]
            assert final["errors"] == []
            assert final["sent"] == final["echoed"]
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            await context.close()
    output = "".join(lines)
    assert "the page asks for an ICE restart: pc.restartIce()" in output
    assert "websocket closed: closing the peer connection" in output
