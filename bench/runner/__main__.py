"""Benchmark driver behind bench/run.sh: every scenario against every server, one at a time."""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

from . import certs, floor, report, servers
from .machine import commit, machine, machine_state
from .scenarios import SCENARIOS, run_scenario


def parse_args():
    p = argparse.ArgumentParser(prog="bench/run.sh")
    p.add_argument("--build-dir", required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--scenarios", default="1,2,3,4,5,8")
    p.add_argument("--servers", default="gateway,nchan,pushpin,mercure")
    p.add_argument("--duration", type=float, default=20.0, help="publish window per scenario (s)")
    p.add_argument("--quick", action="store_true", help="5 s windows")
    p.add_argument("--subs-scale", type=float, default=1.0, help="scale subscriber counts")
    p.add_argument("--connect-rate", type=float, default=2000.0)
    p.add_argument("--heartbeat", type=int, default=15)
    p.add_argument("--payload-size", type=int, default=100)
    p.add_argument("--mercure-bin", default="")
    p.add_argument("--wait-quiet", type=float, default=0.0,
                   help="before each run, wait up to this many seconds for other work to stop")
    p.add_argument("--cross-check-curls", type=int, default=20,
                   help="plain curl subscribers counting scenario 1's deliveries beside sse_load")
    p.add_argument("--floor-seconds", type=float, default=5.0,
                   help="how long the kernel floor (sse_floor) is measured per scenario")
    p.add_argument("--command", default="bench/run.sh")
    return p.parse_args()


class Context:
    def __init__(self, a):
        self.duration_s = 5.0 if a.quick else a.duration
        self.subs_scale = a.subs_scale
        self.connect_rate = a.connect_rate
        self.heartbeat_s = a.heartbeat
        self.payload_size = a.payload_size
        self.grace_s = 2.0
        self.wait_quiet_s = a.wait_quiet
        self.cross_check_curls = a.cross_check_curls
        self.floor_seconds = a.floor_seconds
        # Pushpin's handler throttles deliveries (message_rate, default 2500/s): raised here; a
        # larger message_hwm than its default 25000 made it deliver far less in trials here.
        self.pushpin_message_rate = int(os.environ.get("PUSHPIN_MESSAGE_RATE", "1000000"))
        self.pushpin_message_hwm = int(os.environ.get("PUSHPIN_MESSAGE_HWM", "25000"))
        a.build_dir = os.path.abspath(a.build_dir)
        self.gateway_bin = os.path.join(a.build_dir, "sse-gateway")
        self.load_bin = os.path.join(a.build_dir, "bench", "sse_load")
        self.publish_bin = os.path.join(a.build_dir, "bench", "sse_publish")
        self.floor_bin = os.path.join(a.build_dir, "bench", "sse_floor")
        self.mercure_bin = a.mercure_bin or os.path.join(a.build_dir, "peers", "bin", "mercure")
        self.mercure_build_log = os.path.join(a.build_dir, "peers", "mercure-build.log")
        self.work_root = tempfile.mkdtemp(prefix="ssegw-bench-")
        self.certs = None  # the TLS scenario's CA and leaf (runner/certs.py), made when needed


BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def update_readme(results_md):
    """Puts a full run's tables between the markers in bench/README.md (links made relative
    to bench/), so the README's figures are always those of the latest full run."""
    path = os.path.join(BENCH_DIR, "README.md")
    with open(path) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        return
    body = results_md.replace("# Benchmark results\n", "", 1)
    body = body.replace("](scenario", "](results/scenario").replace("\n### ", "\n#### ")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w") as f:
        f.write(head + BEGIN + "\n" + body.strip() + "\n" + END + tail)


def measure_floor(ctx, number):
    spec = SCENARIOS[number]
    subs = max(1, int(spec["subs"] * ctx.subs_scale))
    # The floor is a plain sendmsg; beside TLS records it would compare unlike costs.
    if not spec["rate"] or spec.get("tls"):
        return None
    print(f"== scenario {number}: kernel floor (sse_floor, {subs:,} sockets)", flush=True)
    result = floor.measure_floor(ctx.floor_bin, subs, frame_bytes=150,
                                 seconds=ctx.floor_seconds, rate=spec["rate"])
    if result and result.get("best_ns"):
        print(f"   {result['best_ns']:.0f} ns CPU per write ({result['best_mode']})", flush=True)
    return result


def rows_of(ctx, number, name):
    """One server's rows of a scenario: a single server instance, or in the TLS scenario one
    per protocol, each with the run's certificate (made once, on first use)."""
    protocols = SCENARIOS[number].get("tls")
    if not protocols:
        return [servers.ALL[name](ctx)]
    if ctx.certs is None:
        ctx.certs = certs.make_certificates(os.path.join(ctx.work_root, "certs"))
    rows = []
    for protocol in protocols:
        server = servers.ALL[name](ctx)
        server.tls = servers.TlsRun(ctx.certs, protocol)
        rows.append(server)
    return rows


def main():
    a = parse_args()
    ctx = Context(a)
    os.makedirs(a.results, exist_ok=True)
    raw = os.path.join(a.results, "raw")
    os.makedirs(raw, exist_ok=True)
    wanted = [int(s) for s in a.scenarios.split(",") if s.strip()]
    names = [s.strip() for s in a.servers.split(",") if s.strip()]
    started = datetime.datetime.now(datetime.timezone.utc)
    sections, versions, everything = [], {}, []
    for number in wanted:
        if number not in SCENARIOS:
            print(f"scenario {number} is not run by this driver (see the hooks in run.sh)")
            continue
        results = []
        floor_result = measure_floor(ctx, number)
        for server in [row for name in names for row in rows_of(ctx, number, name)]:
            print(f"== scenario {number}: {server.name}"
                  + (f" over TLS, {server.tls.protocol}" if server.tls else ""), flush=True)
            result = run_scenario(ctx, number, server, raw)
            if floor_result:
                result["floor"] = floor_result
            if "not_run" in result:
                print(f"   not run: {result['not_run']}", flush=True)
            else:
                versions[server.name] = result.get("version", "")
                m = report.merge(result)
                print(f"   connected {m['connected']}/{result['subs_target']}, "
                      f"{m['deliveries_per_s']:,.0f} deliveries/s, lost {m['lost']}, "
                      f"dup {m['duplicates']}, p99 {m['p99'] / 1000:.1f} ms", flush=True)
            results.append(result)
            everything.append(result)
        sections.append(report.write_scenario(number, results, a.results))
        with open(os.path.join(raw, f"s{number}-floor.json"), "w") as f:
            json.dump(floor_result, f)
    header = [
        "# Benchmark results", "",
        f"Run {started:%Y-%m-%d %H:%M} UTC with `{a.command}`, at commit {commit()}.", "",
        f"Machine: {machine()}; {machine_state()}.", "",
        "Servers: " + ", ".join(versions.values()) + ".", "",
        f"Publish window {ctx.duration_s:g} s per scenario, {ctx.payload_size}-byte payloads, "
        f"heartbeat {ctx.heartbeat_s} s, history 1,000 events where the server has history, "
        f"subscriptions opened at {ctx.connect_rate:g}/s. Latency is publish -> receive for "
        "every delivery; CPU is the server's whole process tree over the publish window "
        "(100% = one core); memory is the sum of PSS over its processes; KiB/subscriber is "
        "(memory with all subscribers connected - memory before) / subscribers.", ""]
    sections.insert(0, report.targets(everything) + report.tls_targets(everything))
    sections.append(report.projection(everything))
    with open(os.path.join(a.results, "results.md"), "w") as f:
        f.write("\n".join(header) + "\n" + "\n".join(sections))
    with open(os.path.join(raw, "all.json"), "w") as f:
        json.dump(everything, f)
    print(f"wrote {a.results}/results.md")
    full_run = (set(wanted) >= set(SCENARIOS) and set(names) >= set(servers.ALL)
                and a.subs_scale == 1.0 and not a.quick)
    if full_run and os.path.abspath(a.results) == os.path.join(BENCH_DIR, "results"):
        update_readme("\n".join(header) + "\n" + "\n".join(sections))
        print("updated the results section of bench/README.md")
    subprocess.run(["rm", "-rf", ctx.work_root], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
