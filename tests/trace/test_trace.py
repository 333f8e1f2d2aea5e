"""``rtcpeer.trace`` (issue 9): record a connection's events and stats samples to JSON
lines, render them as a terminal timeline and a self-contained HTML page."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from rtcpeer import RTCPeerConnection
from rtcpeer.cli.main import main as cli_main
from rtcpeer.trace import load, parse, record, render_html, render_text, summarize
from tests.pc.test_loopback import negotiate, trickle
from tests.trace.scenario import SILENCE, run_scenario


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RTCPEER_ICE_ADDRESSES", "127.0.0.1")


def assert_self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    lowered = page.lower()
    for forbidden in ("<script", "http://", "https://", " src=", "@import", "url("):
        assert forbidden not in lowered, forbidden


@pytest.mark.timeout(120)
async def test_a_connection_that_loses_its_path_restarts_and_recovers(tmp_path: Path) -> None:
    """The acceptance trace: path silent, disconnected, restartIce(), recovery; it renders
    in the terminal and as HTML, and holds no secret."""
    path = tmp_path / "call.jsonl"
    recorder, facts = await run_scenario(path)
    assert recorder.closed and facts["restarts"] == 1
    assert isinstance(facts["dropped_in"], int) and facts["dropped_in"] > 0
    text = path.read_text()
    secrets = facts["secrets"]
    assert isinstance(secrets, set) and len(secrets) >= 2
    for secret in secrets:
        assert secret not in text
    for line in text.splitlines():
        json.loads(line)  # every line is one JSON object

    trace = load(path)
    kinds = {r["kind"] for r in trace.records}
    assert {"header", "state", "pair", "restart", "stats", "note", "end", "candidate"} <= kinds
    ice = [(trace.at(r), r["state"], r["reason"]) for r in trace.records if r.get("layer") == "ice"]
    states = [state for _, state, _ in ice]
    lost = states.index("disconnected")
    assert states[:lost] and states[lost - 1] in ("connected", "completed")
    assert "checking" in states[lost:] and states[-1] in ("connected", "completed")
    assert ice[lost][2] == "no response on the selected pair"
    [restart] = [r for r in trace.records if r["kind"] == "restart" and r["side"] == "local"]
    assert trace.at(restart) >= ice[lost][0]
    pairs = trace.of_kind("pair")
    after = [p for p in pairs if trace.at(p) > trace.at(restart) and p["local"]]
    assert after and after[-1]["local"]["ufrag"] == restart["ufrag"]
    # The samples: data flowed, stopped while the path was silent, flowed again.
    silent_from = next(trace.at(r) for r in trace.of_kind("note") if "silent" in r["text"])
    silent_to = silent_from + SILENCE
    rates = [(s.at, s.sent_kbps) for s in trace.samples if s.sent_kbps is not None]
    assert any(rate > 50 for at, rate in rates if at < silent_from)
    assert any(rate == 0 for at, rate in rates if silent_from + 1 < at < silent_to)
    assert any(rate > 50 for at, rate in rates if at > silent_to)
    assert any(s.rtt_ms is not None for s in trace.samples)
    summary = summarize(trace)
    assert summary.restarts == 1 and summary.disconnections == 1
    assert summary.bytes_sent > 100_000

    timeline = render_text(trace)
    assert "no response on the selected pair" in timeline
    assert "local ICE restart" in timeline and "1 ICE restart(s)" in timeline
    assert re.search(r"\+\s*\d+\.\d{3}s  ICE\s+disconnected", timeline)
    page = render_html(trace)
    assert_self_contained(page)
    assert page.count("<svg") == 2 and "<polyline" in page
    assert "round-trip time (ms)" in page and "throughput (kbit/s)" in page
    assert "no response on the selected pair" in page

    # The command line: the same timeline, and the page.
    out = tmp_path / "call.html"
    assert cli_main(["trace", str(path), "--html", str(out)]) == 0
    assert out.read_text() == page


async def test_the_recorder_follows_channels_and_ends_with_the_connection(tmp_path: Path) -> None:
    a, b = RTCPeerConnection(), RTCPeerConnection()
    path = tmp_path / "a.jsonl"
    recorder = record(a, path, interval=0.05, label="short")
    trickle(a, b)
    trickle(b, a)
    channel = a.createDataChannel("late")  # created after record(): found by polling
    opened = asyncio.Event()
    channel.on("open", opened.set)
    await negotiate(a, b)
    await asyncio.wait_for(opened.wait(), 10.0)
    recorder.note("<b>a note</b>", who="test")
    channel.close()
    await asyncio.sleep(0.3)
    await a.close()  # fires no event: the sampler notices and closes the file
    for _ in range(100):
        if recorder.closed:
            break
        await asyncio.sleep(0.02)
    assert recorder.closed
    await b.close()
    trace = load(path)
    assert trace.header["label"] == "short" and trace.records[-1]["kind"] == "end"
    channel_states = [r["state"] for r in trace.of_kind("datachannel")]
    assert channel_states[:2] == ["open", "closing"]
    [note] = trace.of_kind("note")
    assert note["who"] == "test"
    page = render_html(trace)
    assert "&lt;b&gt;a note&lt;/b&gt;" in page and "<b>a note</b>" not in page
    assert trace.samples and trace.samples[-1].entry["transport"]["iceState"] == "closed"


def test_rendering_a_handwritten_trace_with_a_cut_off_line(tmp_path: Path) -> None:
    start = 1_700_000_000_000.0
    lines: list[dict[str, Any]] = [
        {
            "t": start,
            "kind": "header",
            "version": 1,
            "label": "hand",
            "interval": 0.5,
            "states": {"ice": "new", "connection": "new"},
        },
        {"t": start + 100, "kind": "state", "layer": "ice", "state": "checking", "reason": "r1"},
        {
            "t": start + 200,
            "kind": "pair",
            "reason": "first",
            "local": {"address": "::1", "port": 1, "type": "host"},
            "remote": {"address": "192.0.2.1", "port": 2, "type": "relay", "relayProtocol": "tcp"},
        },
        {"t": start + 250, "kind": "state", "layer": "ice", "state": "connected", "reason": "r2"},
        {
            "t": start + 500,
            "kind": "stats",
            "transport": {"bytesSent": 0, "bytesReceived": 0},
            "pair": {"id": "CP1", "currentRoundTripTime": 0.010, "responsesReceived": 1},
        },
        {
            "t": start + 1000,
            "kind": "stats",
            "transport": {
                "bytesSent": 12500,
                "bytesReceived": 6250,
                "dropped": {"iceStunRequestBadIntegrity": 3, "sctpSacksSent": 9},
            },
            "pair": {"id": "CP1", "currentRoundTripTime": 0.020, "responsesReceived": 2},
        },
        {"t": start + 1500, "kind": "state", "layer": "ice", "state": "failed", "reason": "r3"},
    ]
    path = tmp_path / "hand.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + '\n{"t": 1, "kind": "sta')
    trace = load(path)
    assert trace.skipped == 1 and trace.duration == pytest.approx(1.5)
    first, second = trace.samples
    assert first.rtt_ms == pytest.approx(10.0) and second.rtt_ms == pytest.approx(20.0)
    assert second.sent_kbps == pytest.approx(200.0) and second.received_kbps == pytest.approx(100.0)
    text = render_text(trace, stats_every=0)
    assert "[::1]:1 host -> 192.0.2.1:2 relay/tcp" in text and "(first)" in text
    assert not re.search(r"s  stats ", text)
    assert "iceStunRequestBadIntegrity 3" in text and "SCTP counters: sctpSacksSent 9" in text
    assert "(1 unreadable line(s) skipped)" in text
    page = render_html(trace)
    assert_self_contained(page)
    assert "failed" in page and "r3" in page
    # No header at all still renders.
    assert render_text(parse(lines[1:]))


def test_the_command_reports_missing_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["trace", str(tmp_path / "nothing.jsonl")]) == 1
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert cli_main(["trace", str(empty)]) == 1
    assert "no trace lines" in capsys.readouterr().err


@pytest.mark.interop
async def test_the_page_renders_in_chromium(tmp_path: Path) -> None:
    """The HTML page in Debian's headless Chromium: it fetches nothing, both charts have a
    size, and a screenshot is taken (``tmp_path/trace.png``)."""
    from tests.interop.chromium.harness import BASE_FLAGS, CHROMIUM, HAVE_DRIVERS

    if not HAVE_DRIVERS or not Path(CHROMIUM).exists():
        pytest.skip("playwright or /usr/bin/chromium is not installed")
    from playwright.async_api import async_playwright

    start = 1_700_000_000_000.0
    records: list[dict[str, Any]] = [
        {"t": start, "kind": "header", "label": "chromium", "states": {"ice": "new"}},
        {"t": start + 100, "kind": "state", "layer": "ice", "state": "connected", "reason": "x"},
    ]
    for i in range(1, 11):
        records.append(
            {
                "t": start + 500 * i,
                "kind": "stats",
                "transport": {"bytesSent": 5000 * i, "bytesReceived": 4000 * i},
                "pair": {"id": "CP", "currentRoundTripTime": 0.001 * i, "responsesReceived": i},
            }
        )
    records.append({"t": start + 3000, "kind": "restart", "side": "local", "ufrag": "b"})
    page_path = tmp_path / "trace.html"
    page_path.write_text(render_html(parse(records)))
    requests: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=BASE_FLAGS
        )
        try:
            page = await browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            await page.goto(page_path.as_uri())
            sizes = await page.evaluate(
                "[...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().height)"
            )
            await page.screenshot(path=str(tmp_path / "trace.png"), full_page=True)
        finally:
            await browser.close()
    assert requests == [page_path.as_uri()]
    assert len(sizes) == 2 and all(size > 100 for size in sizes)
    assert (tmp_path / "trace.png").stat().st_size > 10_000
