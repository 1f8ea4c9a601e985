"""Multiplexed subscriptions (issue 13), run by bench/multiplex.sh: the cost of a delivery on
a stream of ten channels, where each event carries the stream's own composite id line in
front of the frame's shared bytes, beside the same subscribers on one channel.

1. single:      N subscribers on one channel, R events/s (scenario 2 of bench/run.sh).
2. multiplexed: N subscribers each on /subscribe?channel=/c0..&channel=/c9, R events/s on
                every channel (10x the deliveries).
3. single at the multiplexed delivery rate: N subscribers on one channel, 10R events/s, so
   that CPU per delivery is also compared where wake-ups batch as many events.

Each run is a fresh gateway; the load clients, the publishers and the /proc accounting are
the runner's own (scenarios.py). Every server listens on 127.0.0.1 and is stopped by PID.
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
from .scenarios import measure, wait_for_quiet_machine
from .servers import Gateway

CHANNELS = 10


def parse_args():
    p = argparse.ArgumentParser(prog="bench/multiplex.sh")
    p.add_argument("--build-dir", required=True)
    p.add_argument("--results", default=os.path.join(machine.BENCH_DIR, "results"))
    p.add_argument("--subscribers", type=int, default=10000)
    p.add_argument("--rate", type=int, default=10, help="events per second per channel")
    p.add_argument("--duration", type=float, default=20.0, help="publish window (s)")
    p.add_argument("--wait-quiet", type=float, default=30.0)
    p.add_argument("--command", default="bench/multiplex.sh")
    a = p.parse_args()
    if not 1 <= a.subscribers <= 19500:
        p.error("--subscribers must be 1 to 19,500 (the open-file limit is 20,000)")
    return a


class Context:
    def __init__(self, a, work_root):
        build = os.path.abspath(a.build_dir)
        self.gateway_bin = os.path.join(build, "sse-gateway")
        self.load_bin = os.path.join(build, "bench", "sse_load")
        self.publish_bin = os.path.join(build, "bench", "sse_publish")
        self.connect_rate = 2000.0
        self.duration_s = a.duration
        self.heartbeat_s = 15
        self.payload_size = 100
        self.grace_s = 2.0
        self.cross_check_curls = 0
        self.wait_quiet_s = a.wait_quiet
        self.work_root = work_root


class MuxGateway(Gateway):
    """The gateway with ten channels; multiplexed: every subscriber on all ten at once."""

    def __init__(self, ctx, multiplexed):
        super().__init__(ctx)
        self.multiplexed = multiplexed
        self.port = free_port()

    def channels_config(self):
        return "".join(f"  - {{path: /c{i}, history: 1000, publish: true}}\n"
                       for i in range(CHANNELS))

    def sub_path(self):
        if not self.multiplexed:
            return "/c0"
        return "/subscribe?" + "&".join(f"channel=/c{i}" for i in range(CHANNELS))

    def pub_url(self):
        return f"http://127.0.0.1:{self.port}/c0"

    def publish_targets(self):
        if not self.multiplexed:
            return None
        return [f"http://127.0.0.1:{self.port}/c{i}" for i in range(CHANNELS)]


def run_one(ctx, a, name, multiplexed, rate):
    busy_before = wait_for_quiet_machine(ctx.wait_quiet_s)
    workdir = os.path.join(ctx.work_root, name.replace(" ", "-"))
    result = dict(scenario=f"mux-{name}", server="sse-gateway", subs_target=a.subscribers,
                  rate=rate, busy_before=busy_before)
    server = MuxGateway(ctx, multiplexed)
    try:
        why = server.start(workdir)
        if why:
            return dict(result, not_run=why)
        measure(ctx, dict(rate=rate), a.subscribers, server, workdir, result)
    finally:
        server.stop()
    print(f"   {name}: " + auth_report.fanout_line(result), flush=True)
    return result


def markdown(a, started, state, runs):
    single = runs["single"]
    per = {k: (None if "not_run" in r else report.server_us_per_delivery(r, report.merge(r)))
           for k, r in runs.items()}
    lines = [f"# Multiplexed subscriptions: {a.subscribers:,} subscribers, {CHANNELS} channels",
             "", f"Run {started:%Y-%m-%d %H:%M} UTC with `{a.command}`.", "", state, "",
             f"Each run: a fresh gateway (2 workers), {a.subscribers:,} subscribers opened at "
             f"2,000/s, then {a.duration:g} s of publishing 100-byte events. Multiplexed: every "
             f"subscriber on `/subscribe?channel=/c0&...&channel=/c9`, one publisher per channel "
             f"at {a.rate}/s. Latency is publish -> receive for every delivery; the gateway's CPU "
             "is over the publish window, per delivery until the last one.", "",
             auth_report.fanout_table(runs).replace("| subscribers |", "| run |")]
    base = per.get("single")
    for key in ("multiplexed", "single at the multiplexed rate"):
        if base and per.get(key):
            lines.append(f"- CPU per delivery, {key} / single: **{per[key] / base:.2f}x** "
                         f"({report.us(per[key])} vs {report.us(base)} µs)")
    if "not_run" not in single:
        lines.append("")
    return "\n".join(lines) + "\n"


def main():
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    a = parse_args()
    work_root = tempfile.mkdtemp(prefix="ssegw-mux-bench-")
    ctx = Context(a, work_root)
    for binary in (ctx.gateway_bin, ctx.load_bin, ctx.publish_bin):
        if not os.access(binary, os.X_OK):
            print(f"multiplex: {binary} is not built", file=sys.stderr)
            return 1
    started = datetime.datetime.now(datetime.timezone.utc)
    state = machine_state_line()
    runs = {}
    try:
        runs["single"] = run_one(ctx, a, "single", False, a.rate)
        runs["multiplexed"] = run_one(ctx, a, "multiplexed", True, a.rate)
        runs["single at the multiplexed rate"] = run_one(ctx, a, "single at the multiplexed rate",
                                                         False, a.rate * CHANNELS)
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    md = markdown(a, started, state, runs)
    report.write_results(a.results, "multiplex", md, runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
