#!/usr/bin/env python3
"""Sums up a bench/soak.sh run: the 10 s samples (CSV) as a plot and a Markdown summary with
the steady subscribers' loss and duplicate figures, the churn clients' totals and whether the
gateway stopped cleanly. Standard library plus matplotlib (Debian's python3-matplotlib) for
the plot; without matplotlib only the Markdown is written."""
import argparse
import csv
import json
import sys


def read_samples(path):
    with open(path, newline="") as f:
        return [{k: float(v) if v else 0.0 for k, v in row.items()} for row in csv.DictReader(f)]


def read_json_lines(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass  # a churn client cut off mid-line by the end of the run
    except FileNotFoundError:
        pass
    return out


def plot(samples, png, title):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    minutes = [s["elapsed_s"] / 60 for s in samples]
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), sharex=True)
    series = [("rss_kib", "RSS (MiB)", 1 / 1024), ("fds", "open descriptors", 1),
              ("cpu_pct", "CPU (% of one core)", 1)]
    for ax, (key, label, scale) in zip(axes, series):
        ax.plot(minutes, [s[key] * scale for s in samples], marker=".", linewidth=1)
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
        ax.set_ylim(bottom=0)
    axes[-1].set_xlabel("minutes")
    axes[0].set_title(title)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    return True


def latency_ms(load):
    lat = load.get("latency_us") or {}
    return " / ".join("%.0f" % (lat[k] / 1000) if k in lat else "?" for k in ("p50", "p99", "max"))


def main():
    p = argparse.ArgumentParser()
    for name in ("csv", "steady", "churn", "publish", "png", "md"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--minutes", type=int, required=True)
    p.add_argument("--reloads", type=int, default=0)
    p.add_argument("--exit-status", type=int, default=-1)
    a = p.parse_args()
    samples = read_samples(a.csv)
    if not samples:
        sys.exit("soak_report.py: no samples in " + a.csv)
    steady = (read_json_lines(a.steady) or [{}])[0]
    churn = read_json_lines(a.churn)
    published = (read_json_lines(a.publish) or [{}])[0]
    rss = [s["rss_kib"] / 1024 for s in samples]
    fds = [s["fds"] for s in samples]
    cpu = [s["cpu_pct"] for s in samples]
    # The first minute is the ramp; growth is judged from there to the end.
    settled = [s for s in samples if s["elapsed_s"] >= 60] or samples
    title = "sse-gateway soak, %d min" % a.minutes
    plotted = plot(samples, a.png, title)
    lines = [
        "# " + title, "",
        "| figure | value |", "|---|---|",
        "| samples (every 10 s) | %d |" % len(samples),
        "| RSS MiB: first / after 1 min / last / max | %.1f / %.1f / %.1f / %.1f |"
        % (rss[0], settled[0]["rss_kib"] / 1024, rss[-1], max(rss)),
        "| open descriptors: first / after 1 min / last / max | %d / %d / %d / %d |"
        % (fds[0], settled[0]["fds"], fds[-1], max(fds)),
        "| CPU %% of one core: mean / max | %.1f / %.1f |" % (sum(cpu) / len(cpu), max(cpu)),
        "| reloads (SIGHUP) logged | %d |" % a.reloads,
        "| events published (acknowledged), rate achieved | %s, %.1f/s |"
        % (published.get("acknowledged", "?"), published.get("rate_achieved", 0)),
        "| publish -> receive latency p50 / p99 / max (ms) | %s |" % latency_ms(steady),
        "| steady subscribers connected | %s / %s |"
        % (steady.get("connected", "?"), steady.get("connections", "?")),
        "| steady: deliveries, lost, duplicates | %s, %s, %s |"
        % (steady.get("deliveries", "?"), steady.get("lost", "?"), steady.get("duplicates", "?")),
        "| steady: dropped by the server | %s |" % steady.get("dropped", "?"),
        "| churn: clients run, subscriptions connected, failed | %d, %d, %d |"
        % (len(churn), sum(c.get("connected", 0) for c in churn),
           sum(c.get("failed", 0) for c in churn)),
        "| gateway exit status on SIGTERM | %d |" % a.exit_status,
        "",
    ]
    if plotted:
        lines.append("![soak](soak.png)")
    with open(a.md, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
