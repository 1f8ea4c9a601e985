"""Merges the load clients' JSON (counts summed, latency histograms merged) and writes one
Markdown table and one PNG plot per scenario."""
import json
import os

from . import cross_check
from .scenarios import QUIET_LIMIT_CORES, SCENARIOS


def merge_hist(loads):
    buckets = {}
    for load in loads:
        for lo, hi, count in load.get("hist", []):
            buckets[(lo, hi)] = buckets.get((lo, hi), 0) + count
    return sorted((lo, hi, c) for (lo, hi), c in buckets.items())


def percentile(buckets, total, maximum, q):
    """Same rule as LatencyHistogram::percentile: upper bound of the bucket holding rank q."""
    if total == 0:
        return 0
    rank, seen = int(q * total), 0
    for _, hi, count in buckets:
        seen += count
        if seen > rank:
            return min(hi - 1, maximum)
    return maximum


SUMMED = ["connections", "connected", "failed", "retried", "dropped", "deliveries", "unparsed", "comments",
          "expected", "delivered", "lost", "duplicates", "subs_with_loss",
          "subs_with_duplicates", "silent"]


def merge(result):
    loads = [x for x in result.get("load") or [] if x]
    m = {k: sum(x.get(k, 0) for x in loads) for k in SUMMED}
    m["loaders"] = len(loads)
    m["loaders_expected"] = len(result.get("load") or [])
    buckets = merge_hist(loads)
    total = sum(c for _, _, c in buckets)
    maximum = max([x["latency_us"]["max"] for x in loads] or [0])
    for name, q in (("p50", .5), ("p90", .9), ("p99", .99), ("p999", .999), ("max", 1.0)):
        m[name] = percentile(buckets, total, maximum, q) if q < 1 else maximum
    firsts = [x["first_event_us"] for x in loads if x.get("first_event_us")]
    lasts = [x["last_event_us"] for x in loads if x.get("last_event_us")]
    span = (max(lasts) - min(firsts)) / 1e6 if firsts and lasts else 0
    m["deliveries_per_s"] = m["deliveries"] / span if span > 0 else 0
    width = max([len(x.get("per_second", [])) for x in loads] or [0])
    m["per_second"] = [sum(x["per_second"][i] for x in loads if i < len(x.get("per_second", [])))
                       for i in range(width)]
    errors = {}
    for x in loads:
        for k, v in x.get("errors", {}).items():
            errors[k] = errors.get(k, 0) + v
    m["errors"] = errors
    m["client_cpu_s"] = sum(x.get("cpu_s", 0) for x in loads)
    return m


def server_deliveries(result, m):
    """Every event the server wrote to a subscriber: the load clients' and the curls'."""
    return m["deliveries"] + sum(p["events"] for p in result.get("cross_check") or [])


def server_us_per_delivery(result, m):
    """Server CPU from the first publish until the last delivery, per delivery."""
    n = server_deliveries(result, m)
    cpu = result.get("cpu_to_drain_s", result.get("cpu_window_s", 0))
    return 1e6 * cpu / n if n else None


def client_us_per_delivery(result, m):
    n = m["deliveries"]
    cpu = sum(result.get("loader_cpu_window_s") or []) or result.get("clients_cpu_window_s", 0)
    return 1e6 * cpu / n if n else None


PROTOCOL_NAMES = {"http/1.1": "TLS HTTP/1.1", "h2": "TLS h2"}


def name_of(result):
    """The server, and in the TLS scenario the protocol of the row."""
    protocol = result.get("protocol")
    return result["server"] + (f" {PROTOCOL_NAMES.get(protocol, protocol)}" if protocol else "")


def label(result):
    """The server's name, marked when its figures may not be the server's alone."""
    marks = []
    if result.get("client_bound"):
        marks.append("client-bound")
    if result.get("attempts") and not result.get("quiet", True):
        marks.append("busy machine")
    return name_of(result) + (f" ({', '.join(marks)})" if marks else "")


def us(value):
    return "-" if value is None else f"{value:.2f}"


def ms(us):
    return f"{us / 1000:.1f}" if us < 100000 else f"{us / 1000:.0f}"


def row(result):
    name = label(result)
    if "not_run" in result:
        return f"| {name} | not run: {result['not_run'].replace('|', '/')} |" + " |" * 15
    m = merge(result)
    pub = result.get("publisher") or {}
    window = result.get("window_s") or 1
    subs = f"{m['connected']:,}/{result['subs_target']:,}"
    if m["failed"] or m["dropped"]:
        subs += f" ({m['failed']} failed, {m['dropped']} dropped)"
    if m["retried"]:
        subs += f" ({m['retried']:,} retries)"
    if m["loaders"] < m["loaders_expected"]:
        subs += " (a load client gave no report)"
    delivered = f"{100 * m['delivered'] / m['expected']:.2f}%" if m["expected"] else "-"
    per_sub = ((result["mem_idle"] - result["mem_base"]) / m["connected"] / 1024
               if m["connected"] else 0)
    published = f"{pub.get('acknowledged', 0):,}" if result["rate"] else "idle"
    cpu = 100 * result["cpu_window_s"] / window
    lat = [ms(m[k]) if m["deliveries"] else "-" for k in ("p50", "p90", "p99", "p999", "max")]
    rate = f"{m['deliveries_per_s']:,.0f}" if result["rate"] else "-"
    per_delivery = [us(server_us_per_delivery(result, m)), us(client_us_per_delivery(result, m))]
    if not result["rate"]:
        per_delivery = ["-", "-"]
    return (f"| {name} | {subs} | {published} | {rate} | {delivered} | "
            f"{m['lost']:,} | {m['duplicates']:,} | " + " | ".join(lat) + f" | {cpu:.1f}% | "
            + " | ".join(per_delivery) + f" | {result['mem_peak'] / 2**20:.0f} | {per_sub:.2f} |")


HEADER = ("| server | subscribers | events published | deliveries/s | delivered | lost | dup | "
          "p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | server CPU | server µs/delivery | "
          "client µs/delivery | peak MiB | KiB/subscriber |\n|" + "---|" * 17)


def table(number, results):
    spec = SCENARIOS[number]
    lines = [f"### Scenario {number}: {spec['title']}", "", HEADER]
    lines += [row(r) for r in results]
    notes = []
    for r in results:
        if "not_run" in r:
            continue
        m = merge(r)
        if m["errors"]:
            top = sorted(m["errors"].items(), key=lambda kv: -kv[1])[:3]
            notes.append(f"{name_of(r)}: " + ", ".join(f"{k} x{v}" for k, v in top))
        if "server_exited" in r:
            notes.append(f"{name_of(r)}: the server exited during the run "
                         f"(status {r['server_exited']})")
        if number in (4, 5, 8) and m["connected"]:
            # Over h2 many subscriptions share a connection: per subscription, then.
            per = "subscription" if r.get("protocol") == "h2" else "connection"
            notes.append(f"{name_of(r)}: kernel slab grew {r.get('slab_delta', 0) / 1024 / m['connected']:.1f} "
                         f"KiB per {per} (both ends, machine-wide)")
        pub = r.get("publisher") or {}
        if pub.get("response_latency_us"):
            ack = pub["response_latency_us"]
            notes.append(f"{name_of(r)}: publish acknowledged in {ms(ack['p50'])} ms p50, "
                         f"{ms(ack['p99'])} ms p99")
        if "clients_cpu_window_s" in r and r.get("window_s"):
            w = r["window_s"]
            text = (f"{name_of(r)}: over the window the load clients and publisher used "
                    f"{100 * r['clients_cpu_window_s'] / w:.0f}% of a core")
            if "softirq_cpu_window_s" in r:
                text += (f", interrupt/softirq time (loopback TCP, charged to no process) "
                         f"{100 * r['softirq_cpu_window_s'] / w:.0f}% and other processes "
                         f"{100 * r['other_cpu_window_s'] / w:.0f}%")
            else:
                text += (f" and other work on the machine (other processes and softirq time) "
                         f"{100 * r['other_cpu_window_s'] / w:.0f}%")
            notes.append(text)
        if number == 4 and m["connected"]:
            notes.append(f"{name_of(r)}: {m['comments'] / m['connected']:.1f} comment lines "
                         f"(heartbeats) per subscriber in {r['window_s']:.0f} s idle")
        if r.get("attempts", 1) > 1 or not r.get("quiet", True):
            others = ", ".join(f"{100 * x:.0f}%" for x in r.get("other_cores_by_attempt", []))
            notes.append(f"{name_of(r)}: {r['attempts']} attempts (other processes took {others} "
                         f"of a core; over {100 * QUIET_LIMIT_CORES:.0f}% repeats the window), "
                         "the quietest is shown")
        if r.get("client_bound"):
            notes.append(f"{name_of(r)}: a load client used over 90% of its core: the figures "
                         "may be the client's limit, not the server's")
        if r.get("cross_check"):
            pub = (r.get("publisher") or {}).get("acknowledged", 0)
            per_sub = m["delivered"] / m["connected"] if m["connected"] else 0
            notes.append(f"{name_of(r)}: cross-check: "
                         + cross_check.summary(r["cross_check"], pub)
                         + f"; sse_load counted {per_sub:,.1f} per subscriber")
        floor_ns = (r.get("floor") or {}).get("best_ns")
        server_us = server_us_per_delivery(r, m) if r["rate"] else None
        if floor_ns and server_us:
            notes.append(f"{name_of(r)}: server CPU per delivery is "
                         f"{1000 * server_us / floor_ns:.2f}x the kernel floor "
                         f"({floor_ns / 1000:.2f} µs per 150-byte write to one of "
                         f"{r['subs_target']:,} sockets, {r['floor']['best_mode']})")
    if notes:
        lines += ["", "Notes: " + "; ".join(notes) + "."]
    return "\n".join(lines) + "\n"


def plot(number, results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return False
    ran = [r for r in results if "not_run" not in r]
    if not ran:
        return False
    merged = [merge(r) for r in ran]
    names = [name_of(r) for r in ran]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    fig.suptitle(f"Scenario {number}: {SCENARIOS[number]['title']}")
    if number == 4:
        per_sub = [((r["mem_idle"] - r["mem_base"]) / m["connected"] / 1024) if m["connected"]
                   else 0 for r, m in zip(ran, merged)]
        left.bar(names, per_sub, color="tab:blue")
        left.set_ylabel("server memory per subscriber (KiB, PSS delta / N)")
        cpu = [100 * r["cpu_window_s"] / (r["window_s"] or 1) for r in ran]
        right.bar(names, cpu, color="tab:orange")
        right.set_ylabel("server CPU while idle (% of one core)")
    else:
        labels = ["p50", "p90", "p99", "p999"]
        width = 0.8 / len(labels)
        for i, label in enumerate(labels):
            xs = [j + i * width for j in range(len(ran))]
            left.bar(xs, [max(m[label], 1) / 1000 for m in merged], width, label=label)
        left.set_xticks([j + 0.3 for j in range(len(ran))], names)
        left.set_yscale("log")
        left.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        left.set_ylabel("publish -> receive latency (ms)")
        left.legend()
        for name, m in zip(names, merged):
            series = list(m["per_second"])
            while series and series[-1] == 0:
                series.pop()
            while series and series[0] == 0:  # the ramp; align every server on its first event
                series.pop(0)
            right.plot(range(len(series)), series, label=name)
        right.set_xlabel("seconds since the first delivery")
        right.set_ylabel("deliveries per second")
        right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def write_scenario(number, results, out_dir):
    md = table(number, results)
    png = os.path.join(out_dir, f"scenario{number}.png")
    if plot(number, results, png):
        md += f"\n![scenario {number}](scenario{number}.png)\n"
    with open(os.path.join(out_dir, f"scenario{number}.md"), "w") as f:
        f.write(md)
    return md


def projection(results, server="sse-gateway", target=1_000_000):
    """The arithmetic from scenarios 4 and 5 to `target` subscribers on one larger machine."""
    by = {(r["scenario"], r["server"]): r for r in results if "not_run" not in r}
    idle, busy = by.get((4, server)), by.get((5, server))
    if not idle or not busy:
        return ""
    mi, mb = merge(idle), merge(busy)
    if not mi["connected"] or not mb["deliveries"]:
        return ""
    user_b = (idle["mem_idle"] - idle["mem_base"]) / mi["connected"]
    slab_b = idle.get("slab_delta", 0) / mi["connected"] / 2  # one end of each connection
    idle_cpu = idle["cpu_window_s"] / idle["window_s"] / mi["connected"]  # cores per subscriber
    per_delivery_s = busy["cpu_window_s"] / max(mb["delivered"] or mb["deliveries"], 1)
    gib = 2**30
    cores_1 = target * per_delivery_s + target * idle_cpu
    lines = [
        f"### Projection to {target:,} subscribers ({server})", "",
        f"- Process memory per idle subscriber (scenario 4): {user_b / 1024:.2f} KiB -> "
        f"{target * user_b / gib:.2f} GiB for {target:,}.",
        f"- Kernel slab per connection, one end (scenario 4, half of the machine-wide growth): "
        f"{slab_b / 1024:.2f} KiB -> {target * slab_b / gib:.2f} GiB.",
        f"- Total resident memory for {target:,} idle subscribers: about "
        f"{target * (user_b + slab_b) / gib:.1f} GiB, before socket buffers (idle sockets hold "
        "none; a subscriber that falls behind holds at most its output queue).",
        f"- CPU per delivery (scenario 5, server CPU over the window / events delivered): "
        f"{per_delivery_s * 1e6:.2f} us, so {target:,} subscribers x 1 event/s = "
        f"{target * per_delivery_s:.1f} cores; heartbeats and idle upkeep add "
        f"{target * idle_cpu:.2f} cores (scenario 4). About {cores_1:.1f} cores in all, measured "
        "over loopback where the sending side also pays for the receiving side's TCP work.",
        f"- Open files: one per subscriber, so `LimitNOFILE` above {target:,} (the unit file's) and "
        "`max_connections` to match; the clients come from many addresses, so no port limit "
        "applies on the server side.",
    ]
    return "\n".join(lines) + "\n"


def _figures(results):
    out = {}
    for r in results:
        if "not_run" in r:
            continue
        m = merge(r)
        per_sub = ((r["mem_idle"] - r["mem_base"]) / m["connected"] / 1024
                   if m["connected"] else None)
        ack = ((r.get("publisher") or {}).get("response_latency_us") or {}).get("p99")
        floor_ns = (r.get("floor") or {}).get("best_ns")
        cpu_us = server_us_per_delivery(r, m) if r["rate"] else None
        out[(r["scenario"], r["server"])] = dict(
            p99=m["p99"] / 1000, rate=m["deliveries_per_s"], lost=m["lost"],
            expected=m["expected"], per_sub=per_sub, connected=m["connected"],
            target=r["subs_target"], cpu_us=cpu_us, ack_p99=ack / 1000 if ack else None,
            floor_x=1000 * cpu_us / floor_ns if cpu_us and floor_ns else None,
            marks=label(r)[len(name_of(r)):])
    return out


def targets(results, ours="sse-gateway"):
    """Issue 10's targets, each with our figure, the best tuned peer's and whether it is met."""
    f = _figures(results)
    peers = sorted({s for (_, s) in f} - {ours})
    rows = []

    def best(scenario, key, pick):
        values = [(f[(scenario, p)][key], p) for p in peers
                  if (scenario, p) in f and f[(scenario, p)][key] is not None]
        return pick(values) if values else (None, None)

    def add(name, ours_text, peer_text, met):
        rows.append(f"| {name} | {ours_text} | {peer_text} | {'met' if met else 'NOT met'} |")

    for s in (1, 2):
        if (s, ours) not in f:
            continue
        g = f[(s, ours)]
        peer, who = best(s, "p99", min)
        all_in = g["lost"] == 0 and g["expected"] > 0
        add(f"Scenario {s}: p99 <= 0.5x best peer's, every event delivered",
            f"{g['p99']:.1f} ms, lost {g['lost']:,}{g['marks']}",
            f"{peer:.1f} ms ({who})" if who else "-",
            all_in and (peer is None or g["p99"] <= 0.5 * peer))
        peer, who = best(s, "cpu_us", min)
        if g["cpu_us"] is not None:
            add(f"Scenario {s}: server CPU per delivery <= 0.6x best peer's",
                f"{g['cpu_us']:.2f} µs", f"{peer:.2f} µs ({who})" if who else "-",
                peer is None or g["cpu_us"] <= 0.6 * peer)
    if (2, ours) in f and f[(2, ours)]["floor_x"] is not None:
        g = f[(2, ours)]
        add("Scenario 2: CPU per delivery <= 1.3x the kernel floor", f"{g['floor_x']:.2f}x",
            "-", g["floor_x"] <= 1.3)
    if (3, ours) in f:
        g = f[(3, ours)]
        peer, who = best(3, "rate", max)
        ratio = g["rate"] / peer if peer else float("inf")
        ack = g["ack_p99"]
        add("Scenario 3: publish p99 < 50 ms, deliveries/s >= 2x best peer, none lost",
            f"publish p99 {ack:.1f} ms, {g['rate']:,.0f}/s, lost {g['lost']:,}{g['marks']}"
            if ack is not None else f"{g['rate']:,.0f}/s, lost {g['lost']:,}",
            f"{peer or 0:,.0f}/s ({who})" if who else "-",
            ratio >= 2 and g["lost"] == 0 and ack is not None and ack < 50)
    if (4, ours) in f and f[(4, ours)]["per_sub"] is not None:
        g = f[(4, ours)]
        peer, who = best(4, "per_sub", min)
        add("Scenario 4: memory per idle subscriber <= 1 KiB", f"{g['per_sub']:.2f} KiB",
            f"{peer:.2f} KiB ({who})" if who else "-", g["per_sub"] <= 1)
    if (5, ours) in f:
        g = f[(5, ours)]
        add("Scenario 5: every subscriber connected, every event delivered",
            f"{g['connected']:,}/{g['target']:,}, lost {g['lost']:,}", "-",
            g["connected"] == g["target"] and g["lost"] == 0 and g["expected"] > 0)
    if not rows:
        return ""
    return ("### Targets (issue 10)\n\n| target | sse-gateway | best tuned peer | |\n"
            "|---|---|---|---|\n" + "\n".join(rows) + "\n")


def tls_targets(results, ours="sse-gateway", scenario=8):
    """Issue 11's targets, per protocol over TLS: memory per subscriber <= 1/4 and server CPU
    per delivery <= 0.7x the best tuned peer's for the same protocol."""
    rows = []
    for protocol, shown in PROTOCOL_NAMES.items():
        f = _figures([r for r in results if r.get("scenario") == scenario
                      and r.get("protocol") == protocol])
        g = f.get((scenario, ours))
        if not g:
            continue
        peers = [(v, s) for (_, s), v in f.items() if s != ours]

        def best(key):
            values = [(v[key], s) for v, s in peers if v[key] is not None]
            return min(values) if values else (None, None)

        for key, limit, what, unit in (("per_sub", 0.25, "memory per subscriber", "KiB"),
                                       ("cpu_us", 0.7, "server CPU per delivery", "µs")):
            peer, who = best(key)
            if g[key] is None:
                continue
            met = peer is None or g[key] <= limit * peer
            rows.append(f"| Scenario {scenario}, {shown}: {what} <= {limit:g}x best peer's "
                        f"| {g[key]:.2f} {unit}{g['marks']} "
                        f"| {f'{peer:.2f} {unit} ({who})' if who else '-'} "
                        f"| {'met' if met else 'NOT met'} |")
    if not rows:
        return ""
    return (f"\n### Targets (issue 11, TLS)\n\n| target | {ours} | best tuned peer | |\n"
            "|---|---|---|---|\n" + "\n".join(rows) + "\n")


def write_results(results_dir, name, md, runs):
    """DIR/NAME.md and DIR/raw/NAME.json, and the table on stdout."""
    os.makedirs(os.path.join(results_dir, "raw"), exist_ok=True)
    with open(os.path.join(results_dir, f"{name}.md"), "w") as f:
        f.write(md)
    with open(os.path.join(results_dir, "raw", f"{name}.json"), "w") as f:
        json.dump(runs, f)
    print()
    print(md)
