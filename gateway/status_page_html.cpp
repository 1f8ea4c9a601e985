#include "status_page_html.h"

namespace ssegw {

const std::string_view kStatusPageCsp =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// Every string from the stream reaches the page through textContent or setAttribute, never
// innerHTML: channel names are chosen by whoever publishes or subscribes.
const std::string_view kStatusPageHtml = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sse-gateway status</title>
<style>
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d232b; --muted:#68727f; --line:#e2e6eb;
        --ok:#1e8e3e; --warn:#c77700; --bad:#c5221f; --accent:#2f6fde; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
       background:var(--bg); color:var(--ink); }
header { background:#18202b; color:#fff; padding:12px 20px; display:flex; flex-wrap:wrap;
         gap:8px 28px; align-items:baseline; }
header h1 { font-size:18px; margin:0 12px 0 0; }
header .item span { color:#9fb0c4; margin-right:4px; }
#live { margin-left:auto; font-weight:600; }
#live.on { color:#7ee29a; } #live.off { color:#ff8a80; }
main { padding:16px 20px; display:grid; gap:16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; }
.card h2 { font-size:15px; margin:0 0 8px; display:flex; gap:12px; align-items:center; }
.card h2 small { color:var(--muted); font-weight:400; }
#charts { display:grid; grid-template-columns:repeat(auto-fit,minmax(240px,1fr)); gap:16px; }
.chart .value { font-size:22px; font-weight:600; }
.chart .label { color:var(--muted); }
canvas { width:100%; height:70px; display:block; }
table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); }
th { color:var(--muted); font-weight:600; cursor:pointer; user-select:none; white-space:nowrap; }
th.num, td.num { text-align:right; }
td.path { font-family:ui-monospace,Menlo,Consolas,monospace; word-break:break-all; }
th.sorted::after { content:" \25BE"; }
input[type=search] { font:inherit; font-weight:400; padding:4px 8px; border:1px solid var(--line);
                     border-radius:6px; min-width:240px; }
.state { font-weight:600; padding:1px 8px; border-radius:10px; color:#fff; background:var(--muted); }
.state.streaming { background:var(--ok); } .state.connecting, .state.backing_off { background:var(--warn); }
.state.failed { background:var(--bad); } .state.stopped { background:var(--muted); }
.empty { color:var(--muted); padding:8px; }
</style>
</head>
<body>
<header>
  <h1>sse-gateway status</h1>
  <div class="item"><span>version</span><b id="version">&ndash;</b></div>
  <div class="item"><span>commit</span><b id="commit">&ndash;</b></div>
  <div class="item"><span>uptime</span><b id="uptime">&ndash;</b></div>
  <div class="item"><span>config</span><b id="config">&ndash;</b></div>
  <div class="item"><span>workers</span><b id="workers">&ndash;</b></div>
  <div class="item"><span>connections</span><b id="protocols">&ndash;</b></div>
  <div id="live" class="off">connecting&hellip;</div>
</header>
<main>
  <section id="charts">
    <div class="card chart"><div class="label">publishes/s</div><div class="value" id="v-pub">&ndash;</div><canvas id="c-pub"></canvas></div>
    <div class="card chart"><div class="label">deliveries/s</div><div class="value" id="v-del">&ndash;</div><canvas id="c-del"></canvas></div>
    <div class="card chart"><div class="label">subscribers</div><div class="value" id="v-sub">&ndash;</div><canvas id="c-sub"></canvas></div>
    <div class="card chart"><div class="label">connections</div><div class="value" id="v-con">&ndash;</div><canvas id="c-con"></canvas></div>
  </section>
  <section class="card">
    <h2>Channels <small id="channel-count"></small>
      <input id="filter" type="search" placeholder="filter by path" maxlength="200" autocomplete="off"></h2>
    <table id="channels">
      <thead><tr>
        <th data-key="path">channel</th>
        <th class="num" data-key="subscribers">subscribers</th>
        <th class="num" data-key="publishes_per_s">publishes/s</th>
        <th class="num" data-key="deliveries_per_s">deliveries/s</th>
        <th class="num" data-key="history_events">history</th>
        <th class="num" data-key="slow_drops">slow drops</th>
      </tr></thead>
      <tbody></tbody>
    </table>
  </section>
  <section class="card">
    <h2>Bridges</h2>
    <table id="bridges">
      <thead><tr><th>kind</th><th>name</th><th>type</th><th>state</th><th class="num">reconnects</th>
        <th class="num">lag</th><th class="num">queue</th><th class="num">spool</th><th>detail</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
<script>
"use strict";
(function () {
  const POINTS = 300;  // five minutes of one-second frames
  const series = { pub: [], del: [], sub: [], con: [] };
  let source = null, updates = 0, last = null, sortKey = "activity", filterTimer = null;
  const $ = (id) => document.getElementById(id);

  function text(id, value) { $(id).textContent = String(value); }
  function cell(row, value, cls) {
    const td = document.createElement("td");
    td.textContent = value === null || value === undefined ? "\u2013" : String(value);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }
  function duration(s) {
    const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
          m = Math.floor(s % 3600 / 60), sec = s % 60;
    return (d ? d + "d " : "") + (d || h ? h + "h " : "") + (d || h || m ? m + "m " : "") + sec + "s";
  }
  function push(name, value) {
    const s = series[name];
    s.push(value);
    if (s.length > POINTS) s.shift();
  }
  function draw(name) {
    const canvas = $("c-" + name), s = series[name];
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    canvas.width = w * ratio; canvas.height = h * ratio;
    const g = canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.clearRect(0, 0, w, h);
    g.strokeStyle = "#e2e6eb"; g.beginPath(); g.moveTo(0, h - 0.5); g.lineTo(w, h - 0.5); g.stroke();
    if (s.length < 2) return;
    const max = Math.max(1, ...s) * 1.25;  // headroom: a steady rate is not drawn on the edge
    // The axis spans a minute until there is more, then grows to the five minutes kept.
    const span = Math.min(POINTS, Math.max(60, s.length));
    const x = (i) => w - (s.length - 1 - i) * (w / (span - 1));
    const y = (v) => h - 2 - (v / max) * (h - 6);
    g.beginPath();
    s.forEach((v, i) => (i ? g.lineTo(x(i), y(v)) : g.moveTo(x(i), y(v))));
    g.strokeStyle = "#2f6fde"; g.lineWidth = 1.5; g.stroke();
    g.lineTo(x(s.length - 1), h); g.lineTo(x(0), h); g.closePath();
    g.fillStyle = "rgba(47,111,222,0.12)"; g.fill();
  }
  function activity(c) { return c.publishes_per_s + c.deliveries_per_s; }
  function renderChannels(status) {
    const rows = status.channels.slice();
    if (sortKey === "path") rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    else if (sortKey !== "activity") rows.sort((a, b) => b[sortKey] - a[sortKey]);
    const body = document.createElement("tbody");
    for (const c of rows) {
      const tr = document.createElement("tr");
      tr.setAttribute("data-channel", c.path);
      cell(tr, c.path, "path");
      cell(tr, c.subscribers, "num subscribers");
      cell(tr, c.publishes_per_s.toFixed(1), "num");
      cell(tr, c.deliveries_per_s.toFixed(1), "num");
      cell(tr, c.history_events, "num");
      cell(tr, c.slow_drops, "num");
      body.appendChild(tr);
    }
    if (!rows.length) {
      const tr = document.createElement("tr");
      cell(tr, status.filter ? "no channel path holds this filter" : "no channels", "empty").colSpan = 6;
      body.appendChild(tr);
    }
    $("channels").replaceChild(body, $("channels").tBodies[0]);
    text("channel-count", "top " + rows.length + " of " + status.channels_matched +
         (status.filter ? " matching \u201c" + status.filter + "\u201d (" + status.channels_total + " in all)" : "") +
         " by activity");
  }
  function renderBridges(status) {
    const body = document.createElement("tbody");
    for (const b of status.bridges) {
      const tr = document.createElement("tr");
      tr.setAttribute("data-bridge", b.name);
      cell(tr, b.kind); cell(tr, b.name); cell(tr, b.type);
      const state = document.createElement("span");
      state.className = "state " + String(b.state).replace(/[^a-z_]/g, "");
      state.textContent = b.state;
      cell(tr, "", "bridge-state").appendChild(state);
      cell(tr, b.reconnects, "num"); cell(tr, b.lag, "num");
      cell(tr, b.queue_depth, "num"); cell(tr, b.spool_depth, "num");
      cell(tr, b.detail);
      body.appendChild(tr);
    }
    if (!status.bridges.length) {
      const tr = document.createElement("tr");
      cell(tr, "no bridges configured", "empty").colSpan = 9;
      body.appendChild(tr);
    }
    $("bridges").replaceChild(body, $("bridges").tBodies[0]);
  }
  function render(status) {
    const g = status.gateway, t = status.totals;
    text("version", g.version); text("commit", g.commit || "unknown");
    text("uptime", duration(g.uptime_seconds));
    text("config", g.config_file || "(none)"); text("workers", g.workers);
    text("protocols", Object.keys(status.connections).map((k) => k + " " + status.connections[k]).join(" \u00b7 "));
    push("pub", t.publishes_per_s); push("del", t.deliveries_per_s);
    push("sub", t.subscribers); push("con", t.connections_open);
    text("v-pub", t.publishes_per_s.toFixed(1)); text("v-del", t.deliveries_per_s.toFixed(1));
    text("v-sub", t.subscribers); text("v-con", t.connections_open);
    ["pub", "del", "sub", "con"].forEach(draw);
    renderChannels(status);
    renderBridges(status);
    document.body.setAttribute("data-updates", String(++updates));
  }
  function connect() {
    if (source) source.close();
    const params = new URLSearchParams(location.search);  // keeps an access_token, if any
    const filter = $("filter").value;
    if (filter) params.set("filter", filter); else params.delete("filter");
    const query = params.toString();
    source = new EventSource(location.pathname.replace(/\/$/, "") + "/stream" + (query ? "?" + query : ""));
    source.addEventListener("status", (e) => {
      last = JSON.parse(e.data);
      $("live").className = "on";
      $("live").textContent = "live \u00b7 " + new Date().toLocaleTimeString();
      render(last);
    });
    source.onerror = () => { $("live").className = "off"; $("live").textContent = "reconnecting\u2026"; };
  }
  $("filter").addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(connect, 300);
  });
  for (const th of document.querySelectorAll("#channels th")) {
    th.addEventListener("click", () => {
      const key = th.getAttribute("data-key");
      sortKey = sortKey === key ? "activity" : key;
      for (const other of document.querySelectorAll("#channels th"))
        other.classList.toggle("sorted", other.getAttribute("data-key") === sortKey);
      if (last) renderChannels(last);
    });
  }
  window.addEventListener("resize", () => ["pub", "del", "sub", "con"].forEach(draw));
  connect();
})();
</script>
</body>
</html>
)HTML";

}  // namespace ssegw
