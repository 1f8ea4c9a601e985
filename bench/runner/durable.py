"""Durable history (issue 14), run by bench/durable.sh: publish throughput and the publish
answer's p99 with `history.store: disk` at each `sync` beside `store: memory`, with
subscribers connected, so that the disk's cost is seen next to the fan-out it rides beside.

Runs, each a fresh gateway on a fresh state_dir: memory, disk + sync none, disk + sync batch,
disk + sync always. One publisher (16 keep-alive connections, one request in flight each)
offers --rate publishes/s for --duration s; what is acknowledged per second is the throughput.
Every server listens on 127.0.0.1 and is stopped by PID.
"""
import argparse
import datetime
import os
import shutil
import signal
import sys
import tempfile

from . import auth_report, machine, report
from .auth_subscribe import free_port, machine_state_line
from .multiplex import Context
from .scenarios import measure, wait_for_quiet_machine
from .servers import Gateway

RUNS = (("memory", None), ("disk, sync none", "none"), ("disk, sync batch", "batch"),
        ("disk, sync always", "always"))


def parse_args():
    p = argparse.ArgumentParser(prog="bench/durable.sh")
    p.add_argument("--build-dir", required=True)
    p.add_argument("--results", default=os.path.join(machine.BENCH_DIR, "results"))
    p.add_argument("--subscribers", type=int, default=1000)
    p.add_argument("--rate", type=int, default=4000, help="publishes per second offered")
    p.add_argument("--duration", type=float, default=10.0, help="publish window (s)")
    p.add_argument("--wait-quiet", type=float, default=30.0)
    p.add_argument("--command", default="bench/durable.sh")
    a = p.parse_args()
    if not 1 <= a.subscribers <= 19500:
        p.error("--subscribers must be 1 to 19,500 (the open-file limit is 20,000)")
    return a


class StoreGateway(Gateway):
    """One channel, its history in memory or on disk with a given sync."""

    def __init__(self, ctx, sync):
        super().__init__(ctx)
        self.sync = sync
        self.port = free_port()

    def channels_config(self):
        store = "" if self.sync is None else f", store: disk, sync: {self.sync}"
        return f"  - {{path: /bench, history: {{size: 1000{store}}}, publish: true}}\n"


def run_one(ctx, a, name, sync):
    busy_before = wait_for_quiet_machine(ctx.wait_quiet_s)
    workdir = os.path.join(ctx.work_root, name.replace(" ", "-").replace(",", ""))
    result = dict(scenario=f"durable-{name}", server="sse-gateway", subs_target=a.subscribers,
                  rate=a.rate, busy_before=busy_before)
    server = StoreGateway(ctx, sync)
    try:
        why = server.start(workdir)  # cwd = workdir: state_dir ./state is the run's own
        if why:
            return dict(result, not_run=why)
        measure(ctx, dict(rate=a.rate), a.subscribers, server, workdir, result)
    finally:
        server.stop()
    pub = result.get("publisher") or {}
    lat = pub.get("response_latency_us") or {}
    result["publishes_per_s"] = pub.get("rate_achieved", 0)
    result["publish_p99_ms"] = (lat.get("p99") or 0) / 1000
    print(f"   {name}: {result['publishes_per_s']:,.0f} publishes/s acknowledged, publish p99 "
          f"{result['publish_p99_ms']:.1f} ms; " + auth_report.fanout_line(result), flush=True)
    return result


def markdown(a, started, state, runs):
    lines = [f"# Durable history: publishes with {a.subscribers:,} subscribers", "",
             f"Run {started:%Y-%m-%d %H:%M} UTC with `{a.command}`, commit {machine.commit()}.",
             "", state, "",
             f"Each run: a fresh gateway (2 workers) and state_dir, {a.subscribers:,} subscribers "
             f"on `/bench`, then {a.duration:g} s of one publisher offering {a.rate:,}/s "
             "100-byte events over 16 keep-alive connections (one request in flight each).", "",
             "| history | publishes/s acknowledged | publish answer p50 ms | p99 ms | "
             "deliveries/s | lost | delivery p99 ms |", "|---" * 7 + "|"]
    for name, r in runs.items():
        if "not_run" in r:
            lines.append(f"| {name} | not run: {r['not_run']} |||||")
            continue
        lat = (r.get("publisher") or {}).get("response_latency_us") or {}
        m = report.merge(r)
        lines.append(f"| {name} | {r['publishes_per_s']:,.0f} | {(lat.get('p50') or 0) / 1000:.2f}"
                     f" | {r['publish_p99_ms']:.2f} | {m['deliveries_per_s']:,.0f} | {m['lost']} "
                     f"| {m['p99'] / 1000:.1f} |")
    memory = runs.get("memory", {}).get("publishes_per_s")
    batch = runs.get("disk, sync batch", {}).get("publishes_per_s")
    if memory and batch:
        lines += ["", f"- batch / memory publishes/s: **{batch / memory:.2f}** (target >= 0.80)"]
    return "\n".join(lines) + "\n"


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    a = parse_args()
    work_root = tempfile.mkdtemp(prefix="ssegw-durable-bench-")
    ctx = Context(a, work_root)
    for binary in (ctx.gateway_bin, ctx.load_bin, ctx.publish_bin):
        if not os.access(binary, os.X_OK):
            print(f"durable: {binary} is not built", file=sys.stderr)
            return 1
    started = datetime.datetime.now(datetime.timezone.utc)
    state = machine_state_line()
    runs = {}
    try:
        for name, sync in RUNS:
            runs[name] = run_one(ctx, a, name, sync)
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    md = markdown(a, started, state, runs)
    report.write_results(a.results, "durable", md, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
