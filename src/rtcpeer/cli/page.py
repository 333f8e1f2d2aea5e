"""The page ``rtcpeer serve`` serves: self-contained HTML, CSS and JavaScript (no CDN).

The page opens a websocket to ``/ws`` and an RTCPeerConnection with a data channel
("echo") to the Python side. Signalling follows MDN's "perfect negotiation": the page is
the impolite peer, Python the polite one; candidates trickle both ways. The page shows
both sides' iceConnectionState/connectionState as a live timeline, the selected candidate
pair (the browser's from ``getStats()``, Python's as it reports it), the echoed messages,
and two buttons: "Restart ICE" (the browser's ``pc.restartIce()``) and "Restart ICE from
Python" (rtcpeer's). On ``failed`` it restarts ICE by itself, as MDN's example does.

``window.app`` exposes the page's state to tests (``app.snapshot()``).
"""

PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>rtcpeer serve</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --bg: #f6f7f9; --card: #fff; --ink: #1d2330; --dim: #6b7385; --line: #e3e6ec;
          --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --accent: #0b5cad; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         background: var(--bg); color: var(--ink); }
  header { padding: 14px 22px; background: #1d2330; color: #fff; display: flex;
           align-items: baseline; gap: 14px; flex-wrap: wrap; }
  header h1 { margin: 0; font-size: 18px; }
  header span { color: #b8c0d0; }
  main { padding: 16px 22px; display: grid; gap: 14px;
         grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
            padding: 12px 14px; min-width: 0; }
  section h2 { margin: 0 0 8px; font-size: 13px; text-transform: uppercase;
               letter-spacing: .05em; color: var(--dim); }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line);
           vertical-align: top; }
  th { color: var(--dim); font-weight: 500; }
  code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
                font-size: 12.5px; }
  .state { font-weight: 600; }
  .s-new, .s-closed { color: var(--dim); }
  .s-checking, .s-connecting, .s-have-local-offer, .s-have-remote-offer { color: var(--warn); }
  .s-connected, .s-completed, .s-stable, .s-open { color: var(--ok); }
  .s-disconnected, .s-failed { color: var(--bad); }
  button { font: inherit; padding: 6px 12px; border-radius: 6px; cursor: pointer;
           border: 1px solid var(--accent); background: var(--accent); color: #fff; }
  button.secondary { background: #fff; color: var(--accent); }
  button:disabled { opacity: .5; cursor: default; }
  .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-top: 8px; }
  input[type=text] { font: inherit; padding: 5px 8px; border: 1px solid var(--line);
                     border-radius: 6px; flex: 1; min-width: 160px; }
  #timeline-wrap { max-height: 330px; overflow: auto; }
  #timeline td:first-child { color: var(--dim); white-space: nowrap; }
  .side-browser { color: var(--accent); font-weight: 600; }
  .side-python { color: #8250df; font-weight: 600; }
  .wide { grid-column: 1 / -1; }
  .muted { color: var(--dim); }
</style>
</head>
<body>
<header>
  <h1>rtcpeer serve</h1>
  <span>a data channel from this browser to Python (rtcpeer), with live ICE states</span>
</header>
<main>
  <section>
    <h2>States</h2>
    <table>
      <tr><th></th><th>browser</th><th>python (rtcpeer)</th></tr>
      <tr><th>iceConnectionState</th>
          <td id="ice-state" class="state s-new">new</td>
          <td id="py-ice-state" class="state s-new">new</td></tr>
      <tr><th>connectionState</th>
          <td id="connection-state" class="state s-new">new</td>
          <td id="py-connection-state" class="state s-new">new</td></tr>
      <tr><th>signalingState</th>
          <td id="signaling-state" class="state s-stable">stable</td>
          <td id="py-signaling-state" class="state s-stable">stable</td></tr>
      <tr><th>local ufrag</th>
          <td id="local-ufrag" class="mono">-</td>
          <td id="py-ufrag" class="mono">-</td></tr>
      <tr><th>data channel</th>
          <td id="channel-state" class="state s-new">-</td>
          <td class="muted">echoes every message</td></tr>
    </table>
    <div class="row">
      <button id="restart">Restart ICE</button>
      <button id="py-restart" class="secondary">Restart ICE from Python</button>
      <span id="restarts" class="muted"></span>
    </div>
  </section>
  <section>
    <h2>Selected candidate pair</h2>
    <table>
      <tr><th></th><th>local</th><th>remote</th></tr>
      <tr><th>browser (getStats)</th><td id="pair-local" class="mono">-</td>
          <td id="pair-remote" class="mono">-</td></tr>
      <tr><th>python</th><td id="py-pair-local" class="mono">-</td>
          <td id="py-pair-remote" class="mono">-</td></tr>
    </table>
    <div class="row muted mono" id="pair-extra">&nbsp;</div>
  </section>
  <section>
    <h2>Echo over the data channel</h2>
    <div class="row">
      <input id="message" type="text" value="hello from the browser" aria-label="message">
      <button id="send">Send</button>
      <label><input id="auto" type="checkbox"> ping every second</label>
    </div>
    <table id="echoes" class="mono" style="margin-top:8px">
      <tr><th>#</th><th>message</th><th>echoed after</th></tr>
    </table>
    <div class="row muted" id="echo-stats">no message yet</div>
  </section>
  <section>
    <h2>Timeline</h2>
    <div id="timeline-wrap">
      <table id="timeline"><tr><th>t</th><th>side</th><th>event</th></tr></table>
    </div>
  </section>
</main>
<script>
"use strict";
const app = (() => {
  const t0 = performance.now();
  const since = () => ((performance.now() - t0) / 1000).toFixed(3) + " s";
  const $ = (id) => document.getElementById(id);
  const timeline = [];
  const errors = [];
  const echoes = new Map();   // seq -> {text, sentAt, echoedAfter}
  let seq = 0, echoed = 0, restarts = 0;
  let ws, pc, channel;
  let makingOffer = false, ignoreOffer = false;
  const polite = false;   // Python is the polite peer
  let python = {ice: "new", connection: "new", signaling: "stable", ufrag: null, pair: null};
  let browserPair = null;

  function note(side, text, state) {
    timeline.push({t: since(), side, text});
    const row = $("timeline").insertRow(1);
    row.insertCell().textContent = timeline[timeline.length - 1].t;
    const who = row.insertCell(); who.textContent = side; who.className = "side-" + side;
    const what = row.insertCell(); what.textContent = text;
    if (state) what.className = "state s-" + state;
  }
  function show(id, value) {
    const el = $(id);
    el.textContent = value == null ? "-" : value;
    if (el.classList.contains("state")) el.className = "state s-" + value;
  }
  const ufragOf = (d) => (d && (d.sdp.match(/a=ice-ufrag:(\S+)/) || [])[1]) || null;
  // Messages wait until the websocket is open (negotiationneeded can come first).
  const outbox = [];
  const send = (message) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
    else outbox.push(JSON.stringify(message));
  };
  const describe = (c) => c ? `${c.address}:${c.port} ${c.candidateType} ${c.protocol}` +
                              (c.relayProtocol ? ` (relay ${c.relayProtocol})` : "") : "-";

  function refresh() {
    show("ice-state", pc.iceConnectionState);
    show("connection-state", pc.connectionState);
    show("signaling-state", pc.signalingState);
    show("local-ufrag", ufragOf(pc.localDescription));
    show("channel-state", channel ? channel.readyState : "-");
    show("py-ice-state", python.ice);
    show("py-connection-state", python.connection);
    show("py-signaling-state", python.signaling);
    show("py-ufrag", python.ufrag);
    show("py-pair-local", python.pair ? python.pair.local : "-");
    show("py-pair-remote", python.pair ? python.pair.remote : "-");
    $("restarts").textContent = restarts ? `${restarts} restart(s) asked for` : "";
  }

  async function selectedPair() {
    const report = await pc.getStats();
    let pair = null;
    report.forEach((s) => {
      if (s.type === "transport" && s.selectedCandidatePairId) {
        pair = report.get(s.selectedCandidatePairId);
      }
    });
    if (!pair) report.forEach((s) => { if (s.type === "candidate-pair" && s.selected) pair = s; });
    if (!pair) return null;
    const local = report.get(pair.localCandidateId), remote = report.get(pair.remoteCandidateId);
    return {id: pair.id, state: pair.state, rtt: pair.currentRoundTripTime,
            bytesSent: pair.bytesSent, bytesReceived: pair.bytesReceived,
            local: describe(local), remote: describe(remote),
            localUfrag: (local && local.usernameFragment) || null};
  }

  async function pollStats() {
    if (!pc || pc.connectionState === "closed") return;
    try {
      const pair = await selectedPair();
      const key = pair ? `${pair.local} | ${pair.remote}` : null;
      const before = browserPair ? `${browserPair.local} | ${browserPair.remote}` : null;
      if (key && key !== before) note("browser", `selected pair ${pair.local} <-> ${pair.remote}`);
      browserPair = pair;
      show("pair-local", pair ? pair.local : "-");
      show("pair-remote", pair ? pair.remote : "-");
      $("pair-extra").textContent = pair
        ? `pair ${pair.state}` +
          (pair.rtt != null ? `, RTT ${(pair.rtt * 1000).toFixed(1)} ms` : "") +
          `, ${pair.bytesSent} bytes sent, ${pair.bytesReceived} received` +
          (pair.localUfrag ? `, local ufrag ${pair.localUfrag}` : "")
        : "no selected pair";
    } catch (err) { errors.push(`getStats: ${err}`); }
  }

  async function sendDescription() {
    const d = pc.localDescription;
    note("browser", `sends ${d.type} (ufrag ${ufragOf(d)})`);
    send({kind: "description", description: {type: d.type, sdp: d.sdp}});
  }

  async function handle(message) {
    if (message.kind === "description") {
      const d = message.description;
      const collision = d.type === "offer" && (makingOffer || pc.signalingState !== "stable");
      ignoreOffer = !polite && collision;
      if (ignoreOffer) {
        note("browser", "ignores Python's colliding offer (impolite peer)");
        return;
      }
      await pc.setRemoteDescription(d);
      if (d.type === "offer") { await pc.setLocalDescription(); await sendDescription(); }
    } else if (message.kind === "candidate") {
      try { await pc.addIceCandidate(message.candidate === null ? undefined : message.candidate); }
      catch (err) { if (!ignoreOffer) throw err; }
    } else if (message.kind === "python") {
      python = Object.assign(python, message.state);
      if (message.event) note("python", message.event, message.eventState);
    }
    refresh();
  }

  function sendMessage(text) {
    if (!channel || channel.readyState !== "open") return false;
    seq += 1;
    const body = `${seq}:${text}`;
    echoes.set(seq, {text, sentAt: performance.now(), echoedAfter: null});
    channel.send(body);
    return true;
  }

  function onEcho(data) {
    const colon = data.indexOf(":");
    const n = Number(data.slice(0, colon));
    const entry = echoes.get(n);
    if (!entry) return;
    entry.echoedAfter = performance.now() - entry.sentAt;
    echoed += 1;
    const table = $("echoes");
    const row = table.insertRow(1);
    row.insertCell().textContent = n;
    row.insertCell().textContent = data.slice(colon + 1);
    row.insertCell().textContent = entry.echoedAfter.toFixed(1) + " ms";
    while (table.rows.length > 7) table.deleteRow(table.rows.length - 1);
    const lost = [...echoes.values()].filter((e) => e.echoedAfter === null).length;
    $("echo-stats").textContent = `${seq} sent, ${echoed} echoed, ${lost} waiting`;
  }

  function start() {
    ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
    let chain = Promise.resolve();
    ws.onmessage = (e) => {
      const message = JSON.parse(e.data);
      chain = chain.then(() => handle(message)).catch((err) => {
        errors.push(`${message.kind}: ${err}`); note("browser", `error: ${err}`, "failed");
      });
    };
    ws.onclose = () => note("browser", "signalling websocket closed", "closed");
    pc = new RTCPeerConnection({iceServers: []});
    pc.onicecandidate = (e) => {
      send({kind: "candidate", candidate: e.candidate ? e.candidate.toJSON() : null});
    };
    pc.onnegotiationneeded = async () => {
      try {
        makingOffer = true;
        await pc.setLocalDescription();
        await sendDescription();
      } catch (err) { errors.push(`negotiationneeded: ${err}`); }
      finally { makingOffer = false; }
    };
    pc.oniceconnectionstatechange = () => {
      note("browser", `iceConnectionState ${pc.iceConnectionState}`, pc.iceConnectionState);
      if (pc.iceConnectionState === "failed") {   // MDN's recipe
        note("browser", "restartIce() (iceConnectionState failed)");
        pc.restartIce();
      }
      refresh();
    };
    pc.onconnectionstatechange = () => {
      note("browser", `connectionState ${pc.connectionState}`, pc.connectionState);
      refresh();
    };
    pc.onsignalingstatechange = refresh;
    channel = pc.createDataChannel("echo");
    channel.onopen = () => {
      note("browser", "data channel open", "connected");
      refresh();
      sendMessage("first message");
    };
    channel.onclose = () => { note("browser", "data channel closed", "closed"); refresh(); };
    channel.onmessage = (e) => onEcho(typeof e.data === "string" ? e.data : "");
    ws.onopen = () => {
      note("browser", "signalling websocket open");
      while (outbox.length) ws.send(outbox.shift());
    };
    $("restart").onclick = () => {
      restarts += 1;
      note("browser", "Restart ICE clicked: pc.restartIce()");
      pc.restartIce();
      refresh();
    };
    $("py-restart").onclick = () => {
      restarts += 1;
      note("browser", "asks Python to restart ICE");
      send({kind: "restart"});
      refresh();
    };
    $("send").onclick = () => { sendMessage($("message").value); };
    $("message").onkeydown = (e) => { if (e.key === "Enter") sendMessage($("message").value); };
    setInterval(() => {
      if ($("auto").checked) sendMessage(`ping ${new Date().toLocaleTimeString()}`);
    }, 1000);
    setInterval(pollStats, 500);
    refresh();
  }

  start();
  return {
    sendMessage,
    selectedPair,
    restartIce() { $("restart").click(); },
    snapshot() {
      return {
        iceConnectionState: pc.iceConnectionState, connectionState: pc.connectionState,
        signalingState: pc.signalingState, localUfrag: ufragOf(pc.localDescription),
        remoteUfrag: ufragOf(pc.remoteDescription), channel: channel ? channel.readyState : null,
        python, browserPair, sent: seq, echoed, timeline, errors,
      };
    },
  };
})();
window.app = app;
</script>
</body>
</html>
"""
