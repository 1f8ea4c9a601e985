"""Authenticated subscriptions (issue 12), run by bench/auth_subscribe.sh.

1. How many new subscriptions a second the gateway takes, and its CPU for each, when every
   subscriber presents a JWT (HS256 or ES256) and when none does.
2. Whether fan-out to subscribers whose tokens were verified costs what fan-out to anonymous
   ones costs: a token is checked once per subscription, never per event.

Every server listens on 127.0.0.1 and is stopped by PID, every wait is bounded; the load
clients, the publisher and the /proc accounting are the runner's (scenarios.py, proc_stats.py).
"""
import argparse
import copy
import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from . import auth_report, machine, proc_stats
from .scenarios import (CLIENT_BOUND_CORES, finish_loaders, measure, read_json, start_loaders,
                        wait_for_quiet_machine)
from .servers import Gateway, stop_process
from .tokens import TokenKeys

CHANNELS = {"anonymous": "/anon", "HS256": "/hs", "ES256": "/es"}
FANOUT_MODES = ("anonymous", "HS256")


def parse_args():
    p = argparse.ArgumentParser(prog="bench/auth_subscribe.sh")
    p.add_argument("--build-dir", required=True, help="where sse-gateway and bench/ were built")
    p.add_argument("--results", default=os.path.join(machine.BENCH_DIR, "results"),
                   help="where auth_subscribe.md goes (default bench/results)")
    p.add_argument("--subscribers", type=int, default=10000, help="per ramp and in the fan-out")
    p.add_argument("--repeats", type=int, default=3, help="ramps per token type (median)")
    p.add_argument("--skip-fanout", action="store_true", help="the ramps only")
    p.add_argument("--burst-rate", type=float, default=50000.0,
                   help="subscriptions due per second in the ramps: more than the gateway takes")
    p.add_argument("--fanout-rate", type=int, default=10, help="events per second")
    p.add_argument("--fanout-duration", type=float, default=20.0, help="publish window (s)")
    p.add_argument("--wait-quiet", type=float, default=30.0,
                   help="before each run, wait up to this many seconds for other work to stop")
    p.add_argument("--command", default="bench/auth_subscribe.sh", help="named in the results")
    a = p.parse_args()
    if not 1 <= a.subscribers <= 19500:
        p.error("--subscribers must be 1 to 19,500 (the open-file limit is 20,000)")
    if not 1 <= a.repeats <= 20:
        p.error("--repeats must be 1 to 20")
    return a


class Context:
    """What the runner's measure() and start_loaders() read, for this benchmark."""

    def __init__(self, a, work_root):
        a.build_dir = os.path.abspath(a.build_dir)
        self.gateway_bin = os.path.join(a.build_dir, "sse-gateway")
        self.load_bin = os.path.join(a.build_dir, "bench", "sse_load")
        self.publish_bin = os.path.join(a.build_dir, "bench", "sse_publish")
        self.connect_rate = 2000.0  # the fan-out's ramp, as in bench/run.sh
        self.duration_s = a.fanout_duration
        self.heartbeat_s = 15
        self.payload_size = 100
        self.grace_s = 2.0
        self.cross_check_curls = 0
        self.wait_quiet_s = a.wait_quiet
        self.work_root = work_root


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AuthGateway(Gateway):
    """The gateway with auth.jwt (an HS256 secret, an ES256 public key) and a channel per
    access rule; `mode` is the channel the load clients subscribe to and the token they send."""

    def __init__(self, ctx, keys, mode):
        super().__init__(ctx)
        self.keys = keys
        self.mode = mode
        self.port = free_port()

    def auth_config(self):
        return self.keys.auth_yaml()

    def channels_config(self):
        rule = {"anonymous": "", "HS256": ", subscribe: jwt", "ES256": ", subscribe: jwt"}
        return "".join(f"  - {{path: {path}, history: 1000, publish: true{rule[mode]}}}\n"
                       for mode, path in CHANNELS.items())

    def sub_path(self):
        return CHANNELS[self.mode]

    def pub_url(self):
        return f"http://127.0.0.1:{self.port}{self.sub_path()}"

    def sub_headers(self):
        token = self.keys.tokens.get(self.mode)
        return [f"Authorization: Bearer {token}"] if token else []

    def refused_access(self):
        """Why the channel does not answer as its rule says (401 without a token where one
        is needed, 200 with the run's), or None: so that a config the gateway read otherwise
        cannot pass for a measurement of verification."""
        expected = [([], 200)] if self.mode == "anonymous" else [([], 401),
                                                                 (self.sub_headers(), 200)]
        for headers, status in expected:
            got = http_status(self.port, self.sub_path(), headers)
            if got != status:
                return (f"GET {self.sub_path()} {'with' if headers else 'without'} a token "
                        f"answered {got}, not {status}")
        return None


def http_status(port, path, headers):
    """The status code of one GET (the stream is closed once its status line is in)."""
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
               "Accept: text/event-stream\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(request.encode())
            head = b""
            while b"\r\n" not in head and len(head) < 4096:
                chunk = s.recv(4096)
                if not chunk:
                    break
                head += chunk
        return int(head.split(b" ", 2)[1])
    except (OSError, ValueError, IndexError):
        return None


def ramp(ctx, server, subs, workdir):
    """One burst of `subs` subscriptions, due at ctx.connect_rate, until every one streams or
    fails; the gateway's CPU from before the first to when the last was resolved."""
    pids = server.accounted_pids()
    bound_s = subs / ctx.connect_rate + 60
    drops0 = proc_stats.listen_drops()
    busy0, irq0 = proc_stats.machine_busy_seconds()
    runner0 = proc_stats.self_cpu_seconds()
    cpu0 = proc_stats.sample(pids).cpu_s
    started = time.monotonic()
    loaders = start_loaders(ctx, server, subs, workdir, bound_s)
    try:
        deadline = started + bound_s - 20
        while time.monotonic() < deadline and not all(os.path.exists(r) for _, r, _, _ in loaders):
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        cpu1 = proc_stats.sample(pids).cpu_s
        loader_cpu = [proc_stats.sample([proc.pid]).cpu_s for proc, _, _, _ in loaders]
        busy1, irq1 = proc_stats.machine_busy_seconds()
        runner1 = proc_stats.self_cpu_seconds()
        drops1 = proc_stats.listen_drops()
        resolved = sum((read_json(r) or {}).get("resolved", 0) for _, r, _, _ in loaders
                       if os.path.exists(r))
        finish_loaders(ctx, loaders, os.path.join(workdir, "done"))
    finally:
        for proc, _, _, _ in loaders:
            stop_process(proc)
    loads = [read_json(out) for _, _, out, _ in loaders]
    if not all(loads):
        return dict(not_run="a load client gave no summary")
    m = {k: sum(x[k] for x in loads) for k in ("connected", "failed", "retried", "dropped")}
    seconds = (max(x["last_connect_us"] for x in loads) -
               min(x["start_us"] for x in loads)) / 1e6 if m["connected"] else 0.0
    errors = {}
    for x in loads:
        for reason, count in x.get("errors", {}).items():
            errors[reason] = errors.get(reason, 0) + count
    gateway_cpu = cpu1 - cpu0
    other = (busy1 - busy0) - (irq1 - irq0) - gateway_cpu - sum(loader_cpu) - (runner1 - runner0)
    return dict(m, seconds=seconds, window_s=elapsed,
                per_s=m["connected"] / seconds if seconds > 0 else 0.0,
                gateway_cpu_s=gateway_cpu,
                us_per_sub=1e6 * gateway_cpu / m["connected"] if m["connected"] else None,
                client_bound=any(c / elapsed >= CLIENT_BOUND_CORES for c in loader_cpu),
                other_cores=max(0.0, other) / elapsed, listen_drops=drops1 - drops0,
                resolved_when_measured=resolved, errors=errors)


def with_server(ctx, keys, mode, workdir, run):
    """Starts the gateway for `mode`, checks its access rule, calls run(server), stops it."""
    server = AuthGateway(ctx, keys, mode)
    try:
        why = server.start(workdir) or server.refused_access()
        if why:
            return dict(not_run=why)
        return run(server)
    finally:
        server.stop()


def subscribe_throughput(ctx, keys, a):
    """Every token type in turn, a.repeats times over, so that other work on the machine
    falls on each alike; a fresh gateway for each ramp."""
    burst = copy.copy(ctx)
    burst.connect_rate = a.burst_rate
    runs = {mode: [] for mode in CHANNELS}
    for repeat in range(1, a.repeats + 1):
        for mode in CHANNELS:
            busy_before = wait_for_quiet_machine(ctx.wait_quiet_s)
            workdir = os.path.join(ctx.work_root, f"ramp-{mode}-{repeat}")
            result = with_server(burst, keys, mode, workdir,
                                 lambda server: ramp(burst, server, a.subscribers, workdir))
            result.update(mode=mode, repeat=repeat, busy_before=busy_before)
            print(f"   ramp {repeat}/{a.repeats} {mode}: " + auth_report.ramp_line(result),
                  flush=True)
            runs[mode].append(result)
    return runs


def fanout(ctx, keys, a):
    results = {}
    for mode in FANOUT_MODES:
        busy_before = wait_for_quiet_machine(ctx.wait_quiet_s)
        workdir = os.path.join(ctx.work_root, f"fanout-{mode}")
        result = dict(scenario="auth-fanout", server="sse-gateway", mode=mode,
                      subs_target=a.subscribers, rate=a.fanout_rate, busy_before=busy_before)

        def run(server):
            measure(ctx, dict(rate=a.fanout_rate), a.subscribers, server, workdir, result)
            return result

        result = with_server(ctx, keys, mode, workdir, run) | dict(mode=mode)
        print(f"   fan-out {mode}: " + auth_report.fanout_line(result), flush=True)
        results[mode] = result
    return results


def main():
    # bench/auth_subscribe.sh stops this runner with SIGTERM; the finally blocks then stop
    # every gateway, load client and publisher it started, by PID.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    a = parse_args()
    work_root = tempfile.mkdtemp(prefix="ssegw-auth-bench-")
    ctx = Context(a, work_root)
    for binary in (ctx.gateway_bin, ctx.load_bin, ctx.publish_bin):
        if not os.access(binary, os.X_OK):
            print(f"auth_subscribe: {binary} is not built", file=sys.stderr)
            return 1
    started = datetime.datetime.now(datetime.timezone.utc)
    state = machine_state_line()
    try:
        # The tokens outlive every run here: a stream is cut at its token's exp.
        keys = TokenKeys(os.path.join(work_root, "keys"), CHANNELS, lifetime_s=6 * 3600)
        print(f"== subscribe throughput: {a.subscribers:,} subscribers, due at "
              f"{a.burst_rate:g}/s, {a.repeats} ramp(s) per token type", flush=True)
        runs = subscribe_throughput(ctx, keys, a)
        fan = None
        if not a.skip_fanout:
            print(f"== fan-out: {a.subscribers:,} subscribers, {a.fanout_rate} events/s for "
                  f"{a.fanout_duration:g} s", flush=True)
            fan = fanout(ctx, keys, a)
    finally:
        shutil.rmtree(work_root, ignore_errors=True)
    md = auth_report.markdown(a, started, state, runs, fan)
    os.makedirs(os.path.join(a.results, "raw"), exist_ok=True)
    with open(os.path.join(a.results, "auth_subscribe.md"), "w") as f:
        f.write(md)
    with open(os.path.join(a.results, "raw", "auth_subscribe.json"), "w") as f:
        json.dump(dict(ramps=runs, fanout=fan), f)
    print()
    print(md)
    print(f"wrote {os.path.join(a.results, 'auth_subscribe.md')}")
    return 0


def machine_state_line():
    """The machine and how busy it was as the run began: `uptime`, then our own reading of
    the other processes (which the load average cannot tell from a build)."""
    try:
        uptime = subprocess.run(["uptime"], capture_output=True, text=True,
                                timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        uptime = machine.machine_state()
    return (f"{machine.machine()}. At the start: `uptime` {uptime}; "
            f"{machine.other_processes()}.")


if __name__ == "__main__":
    sys.exit(main())
