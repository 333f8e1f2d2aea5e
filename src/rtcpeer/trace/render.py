"""Rendering a trace (see :mod:`rtcpeer.trace.recorder`) as a timeline.

:func:`render_text` writes it for a terminal, one line per event (and a stats line every
second or so); :func:`render_html` writes a self-contained HTML page (inline CSS and SVG,
no script, nothing fetched) that reads like webrtc-internals: the states of each layer as
coloured lanes over time, the selected pair's round-trip time and the throughput each way
plotted underneath with restarts and pair changes marked, and the events in a table.

A trace cut short (the application crashed) renders too: an unreadable last line is
skipped.
"""

from __future__ import annotations

import datetime
import html
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Lanes of the state chart: (layer in the trace, label).
LANES = (
    ("ice", "ICE transport"),
    ("dtls", "DTLS"),
    ("sctp", "SCTP"),
    ("connection", "connection"),
)
COLOURS = {
    "new": "#c8c8c8",
    "checking": "#f4d03f",
    "connecting": "#85c1e9",
    "connected": "#2ecc71",
    "completed": "#1e8449",
    "disconnected": "#f39c12",
    "failed": "#e74c3c",
    "closed": "#5d6d7e",
}
LAYER_NAMES = {
    "ice": "ICE",
    "dtls": "DTLS",
    "sctp": "SCTP",
    "connection": "connection",
    "iceConnection": "iceConnection",
    "signaling": "signaling",
    "gathering": "gathering",
}


@dataclass
class Sample:
    """One stats sample, reduced to what is plotted."""

    at: float  # seconds since the start
    rtt_ms: float | None  # a fresh measurement only (None: no new response since the last)
    #: Seconds since the last fresh RTT measurement (None: never measured).
    rtt_age: float | None
    sent_kbps: float | None
    received_kbps: float | None
    pair_id: str | None
    entry: dict[str, Any]


@dataclass
class Trace:
    """A loaded trace: its header and its lines, in order."""

    header: dict[str, Any]
    records: list[dict[str, Any]]
    skipped: int = 0
    samples: list[Sample] = field(default_factory=list)

    @property
    def start(self) -> float:
        """Milliseconds since the epoch of the first line."""
        return float(self.header.get("t", self.records[0]["t"] if self.records else 0.0))

    @property
    def duration(self) -> float:
        """Seconds from the first line to the last."""
        if not self.records:
            return 0.0
        return max(0.0, (float(self.records[-1]["t"]) - self.start) / 1000.0)

    def at(self, record: dict[str, Any]) -> float:
        """Seconds since the start."""
        return (float(record["t"]) - self.start) / 1000.0

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("kind") in kinds]


def load(path: str | Path) -> Trace:
    """Read a JSON lines trace; unreadable lines (a cut-off last line) are skipped."""
    records: list[dict[str, Any]] = []
    skipped = 0
    with Path(path).open(encoding="utf-8") as file:
        for line in file:
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                skipped += 1
                continue
            if isinstance(entry, dict) and "t" in entry and "kind" in entry:
                records.append(entry)
            else:
                skipped += 1
    return parse(records, skipped)


def parse(records: Sequence[dict[str, Any]], skipped: int = 0) -> Trace:
    """A :class:`Trace` from already decoded lines."""
    header = next((r for r in records if r.get("kind") == "header"), None)
    if header is None:
        header = {"kind": "header", "t": records[0]["t"] if records else 0.0, "states": {}}
    body = [r for r in records if r is not header]
    trace = Trace(header, [header, *body] if records else [], skipped)
    trace.samples = _samples(trace)
    return trace


def _samples(trace: Trace) -> list[Sample]:
    samples: list[Sample] = []
    previous: dict[str, Any] | None = None
    previous_at = 0.0
    measured_at: float | None = None
    for entry in trace.of_kind("stats"):
        at = trace.at(entry)
        transport = entry.get("transport") or {}
        pair = entry.get("pair") or {}
        sent = received = None
        if previous is not None and at > previous_at:
            before = previous.get("transport") or {}
            if "bytesSent" in transport and "bytesSent" in before:
                sent = (
                    max(0, transport["bytesSent"] - before["bytesSent"])
                    * 8
                    / 1000
                    / (at - previous_at)
                )
            if "bytesReceived" in transport and "bytesReceived" in before:
                received = (
                    max(0, transport["bytesReceived"] - before["bytesReceived"])
                    * 8
                    / 1000
                    / (at - previous_at)
                )
        rtt = pair.get("currentRoundTripTime")
        fresh = rtt is not None
        if fresh and previous is not None:
            before_pair = previous.get("pair") or {}
            fresh = before_pair.get("id") != pair.get("id") or pair.get(
                "responsesReceived", 0
            ) > before_pair.get("responsesReceived", 0)
        if fresh:
            measured_at = at
        if rtt is None:
            measured_at = None
        samples.append(
            Sample(
                at,
                rtt * 1000 if fresh and rtt is not None else None,
                None if measured_at is None else at - measured_at,
                sent,
                received,
                pair.get("id"),
                entry,
            )
        )
        previous, previous_at = entry, at
    return samples


# ---------------------------------------------------------------------------- descriptions


def describe_candidate(candidate: dict[str, Any] | None) -> str:
    if not candidate:
        return "none"
    address = str(candidate.get("address"))
    if ":" in address:
        address = f"[{address}]"
    text = f"{address}:{candidate.get('port')} {candidate.get('type')}"
    if candidate.get("relayProtocol"):
        text += f"/{candidate['relayProtocol']}"
    return text


def describe(record: dict[str, Any]) -> tuple[str, str, str]:
    """(what, detail, reason) of one line, for both renderers."""
    kind = record.get("kind")
    if kind == "state":
        layer = str(record.get("layer"))
        return LAYER_NAMES.get(layer, layer), str(record.get("state")), record.get("reason") or ""
    if kind == "pair":
        if record.get("local") is None:
            return "pair", "no selected pair", record.get("reason") or ""
        local, remote = record.get("local"), record.get("remote")
        detail = f"{describe_candidate(local)} -> {describe_candidate(remote)}"
        return "pair", detail, record.get("reason") or ""
    if kind == "restart":
        return (
            "restart",
            f"{record.get('side')} ICE restart: ufrag {record.get('previous')} -> "
            f"{record.get('ufrag')}",
            "",
        )
    if kind == "candidate":
        if record.get("end") and record.get("ufrag"):
            return "candidate", f"end of candidates of generation {record['ufrag']}", ""
        if record.get("end"):
            return "candidate", "gathering done (null candidate)", ""
        detail = describe_candidate(record)
        if record.get("url"):
            detail += f" from {record['url']}"
        return "candidate", detail, ""
    if kind == "candidate-error":
        return (
            "candidate",
            f"error {record.get('errorCode')} from {record.get('url')}",
            str(record.get("errorText") or ""),
        )
    if kind == "datachannel":
        return (
            "channel",
            f"{record.get('label')!r} (id {record.get('id')}) {record.get('state')}",
            "",
        )
    if kind == "negotiation":
        return "signaling", "negotiation needed", ""
    if kind == "note":
        return "note", str(record.get("text")), ""
    if kind == "end":
        return "end", "recording ended", ""
    if kind == "header":
        return "start", "recording started", ""
    return str(kind), json.dumps(record), ""


def _format_time(ms: float) -> str:
    moment = datetime.datetime.fromtimestamp(ms / 1000.0, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"


def _rate(kbps: float | None) -> str:
    if kbps is None:
        return "-"
    if kbps >= 1000:
        return f"{kbps / 1000:.2f} Mbit/s"
    return f"{kbps:.1f} kbit/s"


def _sample_line(sample: Sample) -> str:
    pair = sample.entry.get("pair") or {}
    rtt = pair.get("currentRoundTripTime")
    rtt_text = f"{rtt * 1000:.2f} ms" if rtt is not None else "-"
    if rtt is not None and sample.rtt_age is not None and sample.rtt_age > 1.6:
        rtt_text += f" ({sample.rtt_age:.0f} s old)"
    text = f"RTT {rtt_text}, up {_rate(sample.sent_kbps)}, down {_rate(sample.received_kbps)}"
    if pair:
        text += (
            f", pair {describe_candidate(pair.get('local'))} -> "
            f"{describe_candidate(pair.get('remote'))}"
            f" (consent {pair.get('responsesReceived', 0)}/{pair.get('requestsSent', 0)})"
        )
    else:
        text += ", no selected pair"
    return text


# ---------------------------------------------------------------------------- summaries


@dataclass
class Summary:
    duration: float
    restarts: int
    pair_changes: int
    disconnections: int
    seconds_in: dict[str, float]
    bytes_sent: int
    bytes_received: int
    #: ICE and DTLS counters of dropped packets and errors (non-zero ones).
    dropped: dict[str, int]
    #: The SCTP association's counters (non-zero ones).
    sctp: dict[str, int]
    final_state: str


def _segments(trace: Trace, layer: str) -> list[tuple[float, float, str, str]]:
    """(start, end, state, reason) of one layer, from the header's state to the end."""
    state = str((trace.header.get("states") or {}).get(layer, "new"))
    reason = ""
    start = 0.0
    segments: list[tuple[float, float, str, str]] = []
    for entry in trace.of_kind("state"):
        if entry.get("layer") != layer:
            continue
        at = trace.at(entry)
        if entry.get("state") == state:
            continue
        segments.append((start, at, state, reason))
        state, reason, start = str(entry.get("state")), str(entry.get("reason") or ""), at
    segments.append((start, max(start, trace.duration), state, reason))
    return segments


def summarize(trace: Trace) -> Summary:
    seconds: dict[str, float] = {}
    for start, end, state, _ in _segments(trace, "ice"):
        seconds[state] = seconds.get(state, 0.0) + (end - start)
    last = trace.of_kind("stats")
    transport = (last[-1].get("transport") or {}) if last else {}
    connection = [r for r in trace.of_kind("state") if r.get("layer") == "connection"]
    final = (trace.of_kind("end") or [{}])[-1].get("states", {}).get("connection")
    counters = dict(transport.get("dropped") or {})
    return Summary(
        duration=trace.duration,
        # Every restart gives the local side new credentials, whoever started it.
        restarts=sum(1 for r in trace.of_kind("restart") if r.get("side") == "local"),
        pair_changes=len(trace.of_kind("pair")),
        disconnections=sum(
            1
            for r in trace.of_kind("state")
            if r.get("layer") == "ice" and r.get("state") == "disconnected"
        ),
        seconds_in=seconds,
        bytes_sent=int(transport.get("bytesSent", 0)),
        bytes_received=int(transport.get("bytesReceived", 0)),
        dropped={k: v for k, v in counters.items() if not k.startswith("sctp")},
        sctp={k: v for k, v in counters.items() if k.startswith("sctp")},
        final_state=str(final or (connection[-1].get("state") if connection else "new")),
    )


def _summary_lines(summary: Summary) -> list[str]:
    states = ", ".join(
        f"{state} {seconds:.1f} s" for state, seconds in summary.seconds_in.items() if seconds
    )
    lines = [
        f"ICE time: {states or '-'}",
        f"{summary.restarts} ICE restart(s), {summary.pair_changes} selected-pair change(s), "
        f"{summary.disconnections} disconnection(s); final connection state "
        f"{summary.final_state}",
        f"transport: {summary.bytes_sent} bytes sent, {summary.bytes_received} bytes received",
    ]
    if summary.dropped:
        lines.append(
            "ICE/DTLS drops and errors: "
            + ", ".join(f"{k} {v}" for k, v in sorted(summary.dropped.items()))
        )
    else:
        lines.append("ICE/DTLS drops and errors: none")
    if summary.sctp:
        lines.append(
            "SCTP counters: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.sctp.items()))
        )
    return lines


# ---------------------------------------------------------------------------- text


def render_text(trace: Trace, *, stats_every: float = 1.0, width: int = 100) -> str:
    """The timeline for a terminal; a stats line at most every ``stats_every`` seconds
    (0: none)."""
    header = trace.header
    title = "rtcpeer trace" + (f" {header['label']!r}" if header.get("label") else "")
    lines = [
        f"{title}: started {_format_time(trace.start)}, {trace.duration:.1f} s, "
        f"{len(trace.samples)} stats samples (rtcpeer {header.get('rtcpeer', '?')})",
    ]
    if trace.skipped:
        lines.append(f"({trace.skipped} unreadable line(s) skipped)")
    samples = iter(trace.samples)
    next_sample = next(samples, None)
    last_stats = -math.inf

    def flush_samples(until: float) -> None:
        nonlocal next_sample, last_stats
        while next_sample is not None and next_sample.at <= until:
            if stats_every > 0 and next_sample.at - last_stats >= stats_every - 1e-6:
                lines.append(_line(next_sample.at, "stats", _sample_line(next_sample), "", width))
                last_stats = next_sample.at
            next_sample = next(samples, None)

    for entry in trace.records:
        kind = entry.get("kind")
        if kind in ("stats", "header"):
            continue
        at = trace.at(entry)
        flush_samples(at)
        what, detail, reason = describe(entry)
        lines.append(_line(at, what, detail, reason, width))
    flush_samples(math.inf)
    lines.append("")
    lines.extend(_summary_lines(summarize(trace)))
    return "\n".join(lines) + "\n"


def _line(at: float, what: str, detail: str, reason: str, width: int) -> str:
    text = f"{at:+9.3f}s  {what:<13} {detail}"
    if reason:
        text += f"  ({reason})"
    return text if len(text) <= width or width <= 0 else text[: width - 1] + "…"


# ---------------------------------------------------------------------------- HTML

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px;
       color: #1b2631; background: #fbfcfc; }
h1 { font-size: 20px; margin: 0 0 4px; }
.meta { color: #566573; margin-bottom: 16px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 16px; }
.card { background: #fff; border: 1px solid #d5dbdb; border-radius: 6px; padding: 8px 12px;
        min-width: 120px; }
.card b { display: block; font-size: 18px; }
.card span { color: #566573; font-size: 12px; }
svg { background: #fff; border: 1px solid #d5dbdb; border-radius: 6px; }
svg text { font: 11px system-ui, sans-serif; fill: #1b2631; }
svg .axis text { fill: #566573; }
.legend { margin: 6px 0 16px; font-size: 12px; color: #34495e; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px;
            vertical-align: -2px; margin: 0 4px 0 10px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eaeded;
         vertical-align: top; }
th { background: #f2f4f4; position: sticky; top: 0; }
td.t { font-variant-numeric: tabular-nums; white-space: nowrap; color: #566573;
       width: 80px; }
td.w { white-space: nowrap; width: 110px; }
td.d { width: 42%; }
td.reason { color: #566573; }
tr.restart td { background: #f5eef8; }
tr.pair td { background: #ebf5fb; }
tr.bad td { background: #fdedec; }
tr.note td { background: #fef9e7; }
"""

_WIDTH = 1100
_LEFT = 120
_RIGHT = 70


def render_html(trace: Trace, *, title: str | None = None) -> str:
    """A self-contained HTML page of the trace (inline CSS and SVG only)."""
    header = trace.header
    label = header.get("label") or ""
    heading = title or ("rtcpeer trace" + (f" — {label}" if label else ""))
    summary = summarize(trace)
    duration = max(trace.duration, 1e-3)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(heading)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(heading)}</h1>",
        f'<div class="meta">started {html.escape(_format_time(trace.start))} · '
        f"{trace.duration:.1f} s · {len(trace.samples)} stats samples every "
        f"{header.get('interval', '?')} s · rtcpeer {html.escape(str(header.get('rtcpeer', '?')))}"
        + (f" · {trace.skipped} unreadable line(s) skipped" if trace.skipped else "")
        + "</div>",
        _cards(trace, summary),
        _state_chart(trace, duration),
        _legend(),
        _plot(trace, duration),
        _plot_legend(),
        "<h2>Events</h2>",
        _event_table(trace),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _cards(trace: Trace, summary: Summary) -> str:
    outage = sum(end - start for start, end, _ in _outages(trace))
    cards = [
        (f"{summary.duration:.1f} s", "recorded"),
        (summary.final_state, "final connection state"),
        (str(summary.restarts), "ICE restarts"),
        (str(summary.pair_changes), "selected-pair changes"),
        (str(summary.disconnections), "ICE disconnections"),
        (f"{outage:.1f} s", "ICE down (disconnected or re-checking)"),
        (_bytes(summary.bytes_sent), "sent (transport)"),
        (_bytes(summary.bytes_received), "received (transport)"),
    ]
    cards.append((str(sum(summary.dropped.values())), "ICE/DTLS drops and errors"))
    if "sctpRetransmissions" in summary.sctp:
        cards.append((str(summary.sctp["sctpRetransmissions"]), "SCTP retransmissions"))
    body = "".join(
        f'<div class="card"><b>{html.escape(value)}</b><span>{html.escape(name)}</span></div>'
        for value, name in cards
    )
    return f'<div class="cards">{body}</div>'


def _bytes(count: int) -> str:
    for unit, size in (("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} B"


def _x(at: float, duration: float) -> float:
    return _LEFT + (_WIDTH - _LEFT - _RIGHT) * min(max(at, 0.0), duration) / duration


def _ticks(duration: float) -> list[float]:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600):
        if duration / step <= 12:
            return [i * step for i in range(int(duration / step) + 1)]
    return [0.0, duration]


def _markers(trace: Trace) -> list[tuple[float, str, str]]:
    """(time, colour, label) of the vertical markers: restarts, pair changes, notes."""
    markers: list[tuple[float, str, str]] = []
    for entry in trace.records:
        kind = entry.get("kind")
        if kind == "restart":
            markers.append((trace.at(entry), "#8e44ad", f"{entry.get('side')} restart"))
        elif kind == "pair":
            label = "pair lost" if entry.get("local") is None else "new pair"
            markers.append((trace.at(entry), "#2471a3", label))
        elif kind == "note":
            markers.append((trace.at(entry), "#b7950b", str(entry.get("text"))))
    return markers


def _state_chart(trace: Trace, duration: float) -> str:
    lane_height, gap, top = 22, 6, 24
    height = top + len(LANES) * (lane_height + gap) + 24
    out = [f'<svg viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" role="img">']
    out.append(f'<text x="{_LEFT}" y="15" font-weight="bold">states</text>')
    for index, (layer, name) in enumerate(LANES):
        y = top + index * (lane_height + gap)
        out.append(
            f'<text x="{_LEFT - 8}" y="{y + 15}" text-anchor="end">{html.escape(name)}</text>'
        )
        for start, end, state, reason in _segments(trace, layer):
            x0, x1 = _x(start, duration), _x(end, duration)
            colour = COLOURS.get(state, "#aab7b8")
            tip = f"{name}: {state} from {start:.3f} s to {end:.3f} s" + (
                f" — {reason}" if reason else ""
            )
            out.append(
                f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 0.8):.1f}" '
                f'height="{lane_height}" fill="{colour}"><title>{html.escape(tip)}</title></rect>'
            )
            if x1 - x0 > 7 * len(state) + 6:
                out.append(
                    f'<text x="{x0 + 4:.1f}" y="{y + 15}" '
                    f'fill="{"#fff" if state in ("completed", "closed", "failed") else "#1b2631"}"'
                    f">{html.escape(state)}</text>"
                )
    bottom = top + len(LANES) * (lane_height + gap)
    out.extend(_x_axis(duration, bottom, top))
    out.extend(_marker_lines(trace, duration, top, bottom, labels=False))
    out.append("</svg>")
    return "\n".join(out)


def _x_axis(duration: float, y: float, top: float) -> list[str]:
    out = ['<g class="axis">']
    for tick in _ticks(duration):
        x = _x(tick, duration)
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{y}" stroke="#eaeded"/>'
            f'<text x="{x:.1f}" y="{y + 14}" text-anchor="middle">{tick:g} s</text>'
        )
    out.append("</g>")
    return out


def _marker_lines(
    trace: Trace, duration: float, top: float, bottom: float, *, labels: bool
) -> list[str]:
    out: list[str] = []
    placed: list[float] = []
    markers = _markers(trace)
    xs = [_x(at, duration) for at, _, _ in markers]
    for index, (at, colour, label) in enumerate(markers):
        x = xs[index]
        dash = "5,3" if "restart" in label else "2,3"
        out.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="{colour}" '
            f'stroke-width="1.5" stroke-dasharray="{dash}"><title>{html.escape(label)} at '
            f"{at:.3f} s</title></line>"
        )
        if labels:
            # Up to the next marker that is not stacked under this one (~6 px a character).
            room = min((n - x for n in xs[index + 1 :] if n - x >= 60), default=_WIDTH - x)
            room = min(room, _WIDTH - _RIGHT - x + _RIGHT)
            row = sum(1 for p in placed if abs(p - x) < 60)
            placed.append(x)
            chars = max(6, int((room - 8) / 6))
            text = label if len(label) <= chars else label[: chars - 1] + "…"
            out.append(
                f'<text x="{x + 3:.1f}" y="{top + 11 + 12 * row}" fill="{colour}">'
                f"{html.escape(text)}<title>{html.escape(label)}</title></text>"
            )
    return out


def _plot(trace: Trace, duration: float) -> str:
    """RTT (top panel) and throughput each way (bottom panel) over time."""
    panel, gap, top = 170, 34, 24
    height = top + 2 * panel + gap + 30
    out = [f'<svg viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" role="img">']
    samples = trace.samples
    rtts = [s.rtt_ms for s in samples if s.rtt_ms is not None]
    rates = [r for s in samples for r in (s.sent_kbps, s.received_kbps) if r is not None]
    panels = (
        ("round-trip time (ms)", top, _nice_max(max(rtts, default=1.0)), [("rtt", "#c0392b")]),
        (
            "throughput (kbit/s)",
            top + panel + gap,
            _nice_max(max(rates, default=1.0)),
            [("sent", "#2471a3"), ("received", "#27ae60")],  # received dashed: often equal
        ),
    )
    for name, y0, maximum, series in panels:
        y1 = y0 + panel
        out.append(f'<text x="{_LEFT}" y="{y0 - 8}" font-weight="bold">{html.escape(name)}</text>')
        out.append(
            f'<rect x="{_LEFT}" y="{y0}" width="{_WIDTH - _LEFT - _RIGHT}" height="{panel}" '
            'fill="none" stroke="#d5dbdb"/>'
        )
        out.append('<g class="axis">')
        for fraction in (0, 0.25, 0.5, 0.75, 1):
            y = y1 - panel * fraction
            out.append(
                f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}" '
                'stroke="#f2f3f4"/>'
                f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                f"{_number(maximum * fraction)}</text>"
            )
        out.append("</g>")
        out.extend(_shade_outages(trace, duration, y0, y1))
        outages = [(a, b) for a, b, _ in _outages(trace)]
        for key, colour in series:
            values = [(s.at, _value(s, key)) for s in samples]
            if key == "rtt":  # measurements only: no line across an outage
                values = [(at, v) for at, v in values if v is not None]
            out.extend(
                _polyline(
                    values,
                    duration,
                    y0,
                    y1,
                    maximum,
                    colour,
                    key,
                    breaks=outages if key == "rtt" else (),
                    dashed=key == "received",
                )
            )
        out.extend(_marker_lines(trace, duration, y0, y1, labels=y0 == top))
    out.extend(_x_axis(duration, top + 2 * panel + gap, top))
    out.append("</svg>")
    return "\n".join(out)


def _outages(trace: Trace) -> list[tuple[float, float, tuple[str, str]]]:
    """The ICE transport's time disconnected, failed, or checking again after it had
    connected: (start, end, (state, reason))."""
    found: list[tuple[float, float, tuple[str, str]]] = []
    connected_once = False
    for start, end, state, reason in _segments(trace, "ice"):
        if state in ("connected", "completed"):
            connected_once = True
        if state in ("disconnected", "failed") or (state == "checking" and connected_once):
            found.append((start, end, (state, reason)))
    return found


def _shade_outages(trace: Trace, duration: float, y0: float, y1: float) -> list[str]:
    out: list[str] = []
    for start, end, (state, reason) in _outages(trace):
        x0, x1 = _x(start, duration), _x(end, duration)
        colour = COLOURS.get(state, "#f4d03f")
        out.append(
            f'<rect x="{x0:.1f}" y="{y0}" width="{max(x1 - x0, 0.8):.1f}" '
            f'height="{y1 - y0}" fill="{colour}" opacity="0.22"><title>ICE {state}'
            f"{' — ' + html.escape(reason) if reason else ''}</title></rect>"
        )
    return out


def _value(sample: Sample, key: str) -> float | None:
    if key == "rtt":
        return sample.rtt_ms
    if key == "sent":
        return sample.sent_kbps
    return sample.received_kbps


def _polyline(
    values: Iterable[tuple[float, float | None]],
    duration: float,
    y0: float,
    y1: float,
    maximum: float,
    colour: str,
    name: str,
    breaks: Sequence[tuple[float, float]] = (),
    dashed: bool = False,
) -> list[str]:
    """Line segments through the known values (a gap where a value is missing, or where
    one of ``breaks`` lies between two points), with a dot and a tooltip per point."""
    out: list[str] = []
    run: list[tuple[float, float]] = []
    dots: list[str] = []

    def close_run() -> None:
        if len(run) > 1:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            dash = ' stroke-dasharray="6,3"' if dashed else ""
            out.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" '
                f'stroke-width="1.8"{dash}/>'
            )
        run.clear()

    last_at: float | None = None
    for at, value in values:
        if value is None:
            close_run()
            continue
        if last_at is not None and any(last_at < end and start < at for start, end in breaks):
            close_run()
        last_at = at
        x = _x(at, duration)
        y = y1 - (y1 - y0) * min(value / maximum, 1.0)
        run.append((x, y))
        dots.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{colour}">'
            f"<title>{name} {_number(value)} at {at:.2f} s</title></circle>"
        )
    close_run()
    return out + dots


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        candidate = factor * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _legend() -> str:
    items = "".join(
        f'<i style="background:{colour}"></i>{html.escape(state)}'
        for state, colour in COLOURS.items()
    )
    return f'<div class="legend">{items}</div>'


def _plot_legend() -> str:
    return (
        '<div class="legend"><i style="background:#c0392b"></i>RTT of the selected pair '
        "(a point per new STUN response)"
        '<i style="background:#2471a3"></i>sent<i style="background:#27ae60"></i>received, '
        "dashed (transport bytes per sample)"
        '<i style="background:#8e44ad"></i>ICE restart<i style="background:#2471a3"></i>'
        'selected pair changed<i style="background:#f39c12;opacity:.4"></i>ICE disconnected or '
        "re-checking</div>"
    )


def _event_table(trace: Trace) -> str:
    rows = ["<table><tr><th>time</th><th>what</th><th>detail</th><th>reason</th></tr>"]
    for entry in trace.records:
        kind = entry.get("kind")
        if kind == "stats":
            continue
        what, detail, reason = describe(entry)
        css = ""
        if kind == "restart":
            css = "restart"
        elif kind == "pair":
            css = "pair"
        elif kind == "note":
            css = "note"
        elif kind == "candidate-error" or (
            kind == "state" and entry.get("state") in ("disconnected", "failed")
        ):
            css = "bad"
        rows.append(
            f'<tr class="{css}"><td class="t">{trace.at(entry):+.3f} s</td>'
            f'<td class="w">{html.escape(what)}</td><td class="d">{html.escape(detail)}</td>'
            f'<td class="reason">{html.escape(reason)}</td></tr>'
        )
    rows.append("</table>")
    return "\n".join(rows)
