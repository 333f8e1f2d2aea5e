"""Connection traces: record what happened to a connection, render it as a timeline.

Record from any application with one line (a running event loop is needed for the stats
samples; the recorder starts them at the first event otherwise)::

    import rtcpeer.trace
    recorder = rtcpeer.trace.record(pc, "call.jsonl")   # ... await recorder.close()

and read it with ``rtcpeer trace call.jsonl`` (a terminal timeline) or ``rtcpeer trace
call.jsonl --html call.html`` (a self-contained page with the states of each layer as
lanes and the selected pair's RTT and the throughput plotted over time, like
webrtc-internals). :mod:`rtcpeer.trace.recorder` describes the file, and
:mod:`rtcpeer.trace.render` the renderings.
"""

from rtcpeer.trace.recorder import Recorder, record
from rtcpeer.trace.render import Trace, load, parse, render_html, render_text, summarize

__all__ = [
    "Recorder",
    "Trace",
    "load",
    "parse",
    "record",
    "render_html",
    "render_text",
    "summarize",
]
