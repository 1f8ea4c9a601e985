"""Runs one scenario against one server: start it, open the subscriptions, publish, measure
the server from /proc, collect the load clients' JSON, stop the server by PID."""
import json
import math
import os
import subprocess
import time

from . import cross_check, proc_stats
from .servers import stop_process

# Scenarios 6 (Kafka) and 7 (parser micro-benchmarks) come from hooks; see run.sh.
SCENARIOS = {
    1: dict(title="1,000 subscribers x 100 events/s", subs=1000, rate=100),
    2: dict(title="10,000 subscribers x 10 events/s (100k deliveries/s)", subs=10000, rate=10),
    3: dict(title="10,000 subscribers x 100 events/s (1M deliveries/s offered)", subs=10000,
            rate=100),
    4: dict(title="15,000 idle subscribers with heartbeat: memory per subscriber, idle CPU",
            subs=15000, rate=0),
    5: dict(title="19,500 subscribers x 1 event/s, every event delivered", subs=19500, rate=1),
    # Issue 11: every server presents the same certificate (runner/certs.py); one row per
    # protocol the server offers over TLS. The publisher stays on plain HTTP.
    8: dict(title="5,000 subscribers over TLS x 10 events/s (50k deliveries/s), HTTP/1.1 and h2",
            subs=5000, rate=10, tls=("http/1.1", "h2")),
}

MAX_SUBS_PER_LOADER = 9750  # well under the 20,000 open files each process may have
# A window in which processes other than the server, the load clients, the publisher and the
# runner took more than this share of a core is repeated (at most MAX_ATTEMPTS in all).
QUIET_LIMIT_CORES = 0.05
MAX_ATTEMPTS = 3
# A load client that used this share of its core over the window may be what limits the
# figure: the row says "client-bound".
CLIENT_BOUND_CORES = 0.9
# Scenario whose deliveries are also counted by plain `curl -N` subscribers.
CROSS_CHECK_SCENARIO = 1


def loader_split(subs):
    # At least two processes (one per core here), so that one saturated client cannot be
    # what limits a server.
    count = max(math.ceil(subs / MAX_SUBS_PER_LOADER), 2 if subs >= 100 else 1)
    base, extra = divmod(subs, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


class Sampler:
    """Keeps the peak memory of the server's processes while waiting."""

    def __init__(self, pids):
        self.pids = pids
        self.peak_mem = 0

    def sample(self):
        s = proc_stats.sample(self.pids)
        self.peak_mem = max(self.peak_mem, s.mem_bytes)
        return s

    def wait_until(self, condition, timeout_s, period_s=0.5):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition():
                return True
            self.sample()
            time.sleep(period_s)
        return condition()


def run_scenario(ctx, number, server, raw_dir):
    """Runs the scenario, repeating it (up to MAX_ATTEMPTS) while other processes on the
    machine took more than QUIET_LIMIT_CORES during the window; keeps the quietest attempt.
    In the TLS scenario `server.tls` says which protocol this row is."""
    spec = SCENARIOS[number]
    subs = max(1, int(spec["subs"] * ctx.subs_scale))
    base = dict(scenario=number, server=server.name, subs_target=subs, rate=spec["rate"])
    tag = server.name
    if server.tls:
        base["protocol"] = server.tls.protocol
        tag += "-" + server.tls.protocol.replace("/", "")
        why = server.tls_unsupported(server.tls.protocol)
        if why:
            return dict(base, not_run=why)
    why = server.unavailable()
    if why:
        return dict(base, not_run=why)
    attempts = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result = dict(base, attempt=attempt)
        result["busy_before"] = wait_for_quiet_machine(ctx.wait_quiet_s)
        workdir = os.path.join(ctx.work_root, f"s{number}-{tag}-{attempt}")
        why = server.start(workdir)
        if why:
            server.stop()
            return dict(base, not_run=why)
        try:
            measure(ctx, spec, subs, server, workdir, result)
        finally:
            server.stop()
        attempts.append(result)
        if other_cores(result) <= QUIET_LIMIT_CORES:
            break
        print(f"   attempt {attempt}: other processes took {other_cores(result):.2f} of a core "
              "during the window; repeating", flush=True)
    best = min(attempts, key=other_cores)
    best["attempts"] = len(attempts)
    best["other_cores_by_attempt"] = [round(other_cores(a), 3) for a in attempts]
    best["quiet"] = other_cores(best) <= QUIET_LIMIT_CORES
    with open(os.path.join(raw_dir, f"s{number}-{tag}.json"), "w") as f:
        json.dump(best, f)
    return best


def other_cores(result):
    window = result.get("window_s") or 0
    return result.get("other_cpu_window_s", 0) / window if window else 0.0


def wait_for_quiet_machine(max_wait_s, threshold=0.1):
    """Waits (at most max_wait_s) until the machine's other work uses under `threshold` of a
    core over one second; returns the last such reading, in cores."""
    deadline = time.monotonic() + max_wait_s
    while True:
        before = proc_stats.machine_busy_seconds()[0]
        time.sleep(1.0)
        busy = proc_stats.machine_busy_seconds()[0] - before
        if busy < threshold or time.monotonic() >= deadline:
            return busy


def connect_rate(ctx, server):
    """New subscriptions per second: the runner's rate, or less for a server that asks for it."""
    return min(ctx.connect_rate, server.max_connect_rate or ctx.connect_rate)


def tls_args(server):
    """sse_load's options for the TLS scenario: trust the run's CA, expect "localhost"."""
    if not server.tls:
        return []
    argv = ["--cacert", server.tls.certs.ca_cert, "--server-name", "localhost"]
    return argv + (["--http2"] if server.tls.protocol == "h2" else [])


def start_loaders(ctx, server, subs, workdir, bound_s):
    loaders = []
    try:
        for i, n in enumerate(loader_split(subs)):
            ready = os.path.join(workdir, f"ready-{i}")
            out = open(os.path.join(workdir, f"load-{i}.json"), "w")
            err = open(os.path.join(workdir, f"load-{i}.err"), "w")
            argv = [ctx.load_bin, "--url", server.sub_url(), "--connections", str(n),
                    "--rate", str(connect_rate(ctx, server) / len(loader_split(subs))),
                    "--duration", str(bound_s), "--grace", str(ctx.grace_s), "--grace-max", "15",
                    "--source-first", str(2 + 60 * i), "--source-count", "50",
                    "--ready-file", ready, "--done-file", os.path.join(workdir, "done"),
                    "--label", f"{server.name}-{i}"] + tls_args(server)
            for h in server.sub_headers():
                argv += ["--header", h]
            loaders.append((subprocess.Popen(argv, stdout=out, stderr=err), ready, out.name,
                            err.name))
            out.close()
            err.close()
    except BaseException:
        # Stopped half-way (a signal ends the runner): the caller never sees these.
        for proc, _, _, _ in loaders:
            stop_process(proc)
        raise
    return loaders


def finish_loaders(ctx, loaders, done_file):
    """Ends the load clients' run: the publisher's summary if it wrote one, else one that
    says no event came (an idle window, or a publisher that died); then waits for each."""
    if not os.path.exists(done_file):
        with open(done_file, "w") as f:
            f.write('{"last_seq":0}\n')
    for proc, _, _, _ in loaders:
        try:
            proc.wait(timeout=ctx.grace_s + 30)
        except subprocess.TimeoutExpired:
            stop_process(proc)


def measure(ctx, spec, subs, server, workdir, result):
    rate = spec["rate"]
    sampler = Sampler(server.accounted_pids())
    time.sleep(1.0)
    base = sampler.sample()
    slab_base = proc_stats.kernel_slab_bytes()
    ramp_s = subs / connect_rate(ctx, server)
    window_s = ctx.duration_s if rate else max(ctx.duration_s, ctx.heartbeat_s + 3)
    bound_s = ramp_s + 30 + window_s + ctx.grace_s + 15
    done_file = os.path.join(workdir, "done")
    loaders = start_loaders(ctx, server, subs, workdir, bound_s)
    curls = publisher = None
    try:
        all_ready = sampler.wait_until(lambda: all(os.path.exists(r) for _, r, _, _ in loaders),
                                       ramp_s + 30)
        result["ramp_complete"] = all_ready
        if rate and result["scenario"] == CROSS_CHECK_SCENARIO and ctx.cross_check_curls:
            curls = cross_check.start(server.sub_url(), server.sub_headers(),
                                      ctx.cross_check_curls, workdir, bound_s)
        time.sleep(1.0)
        idle = sampler.sample()
        slab_idle = proc_stats.kernel_slab_bytes()
        loader_pids = [proc.pid for proc, _, _, _ in loaders]
        loaders_idle = [proc_stats.sample([pid]).cpu_s for pid in loader_pids]
        machine_idle = proc_stats.machine_busy_seconds()
        runner_idle = proc_stats.self_cpu_seconds()
        started = time.monotonic()
        if rate:
            publisher = publish(ctx, server, rate, window_s, done_file, workdir)
            sampler.wait_until(lambda: publisher.poll() is not None, window_s + 20)
            stop_process(publisher)
        else:
            sampler.wait_until(lambda: False, window_s)
        elapsed = time.monotonic() - started
        after = sampler.sample()
        loaders_after = [proc_stats.sample([pid]).cpu_s for pid in loader_pids]
        machine_after = proc_stats.machine_busy_seconds()
        runner_after = proc_stats.self_cpu_seconds()
        finish_loaders(ctx, loaders, done_file)
        # Until the last delivery: a server that is behind works on after the window.
        drained = sampler.sample()
    finally:
        stop_process(publisher)
        for proc, _, _, _ in loaders:
            stop_process(proc)
        if curls:
            result["cross_check"] = cross_check.finish(curls)
    result["load"] = [read_json(out) for _, _, out, _ in loaders]
    result["load_stderr"] = [open(err).read()[-500:] for _, _, _, err in loaders]
    if rate and os.path.exists(done_file):
        result["publisher"] = read_json(done_file)
    publisher_cpu = (result.get("publisher") or {}).get("cpu_s", 0)
    loader_cpu = [b - a for a, b in zip(loaders_idle, loaders_after)]
    result["loader_cpu_window_s"] = loader_cpu
    result["clients_cpu_window_s"] = sum(loader_cpu) + publisher_cpu
    result["publisher_cpu_s"] = publisher_cpu
    result["runner_cpu_window_s"] = runner_after - runner_idle
    result["softirq_cpu_window_s"] = machine_after[1] - machine_idle[1]
    result["other_cpu_window_s"] = max(0.0, (machine_after[0] - machine_idle[0]) -
                                       result["softirq_cpu_window_s"] -
                                       (after.cpu_s - idle.cpu_s) -
                                       result["clients_cpu_window_s"] -
                                       result["runner_cpu_window_s"])
    result["client_bound"] = any(c / elapsed >= CLIENT_BOUND_CORES for c in loader_cpu) \
        if elapsed > 0 else False
    result.update(mem_base=base.mem_bytes, mem_idle=idle.mem_bytes, mem_peak=sampler.peak_mem,
                  mem_after=after.mem_bytes, cpu_ramp_s=idle.cpu_s - base.cpu_s,
                  cpu_window_s=after.cpu_s - idle.cpu_s, cpu_to_drain_s=drained.cpu_s - idle.cpu_s,
                  window_s=elapsed, processes=after.processes, version=server.version(),
                  slab_delta=slab_idle - slab_base)
    exited = [p.returncode for p in server.procs if p.poll() is not None]
    if exited:
        result["server_exited"] = exited[0]


def publish(ctx, server, rate, window_s, done_file, workdir):
    """One publisher at `rate`, or (a server with publish_targets()) one per channel, each at
    `rate`, with interleaved sequence numbers so that a subscriber of all of them sees one
    unbroken sequence."""
    targets = server.publish_targets() if hasattr(server, "publish_targets") else None
    if not targets:
        return spawn_publisher(ctx, server, server.pub_url(), rate, window_s, done_file, workdir)
    procs, outs = [], []
    for i, url in enumerate(targets):
        out = os.path.join(workdir, f"publish-{i}.json")
        outs.append(out)
        procs.append(spawn_publisher(ctx, server, url, rate, window_s, out, workdir,
                                     first_seq=i + 1, step=len(targets), log_name=f"publish-{i}"))
    return PublisherGroup(procs, outs, done_file)


def spawn_publisher(ctx, server, url, rate, window_s, out_file, workdir, first_seq=1, step=1,
                    log_name="publish"):
    argv = [ctx.publish_bin, "--url", url, "--mode", server.pub_mode,
            "--rate", str(rate), "--count", str(int(rate * window_s)),
            "--duration", str(window_s), "--size", str(ctx.payload_size), "--connections", "16",
            "--first-seq", str(first_seq), "--seq-step", str(step), "--out", out_file]
    for h in server.pub_headers():
        argv += ["--header", h]
    log = open(os.path.join(workdir, f"{log_name}.log"), "w")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc


class PublisherGroup:
    """Several publishers seen as one process by measure(): running while any is, and once
    all are done, their summaries merged into the done file the load clients wait for (the
    highest last_seq, the sums of the rest)."""

    def __init__(self, procs, outs, done_file):
        self.procs, self.outs, self.done_file = procs, outs, done_file
        self.returncode = None

    def poll(self):
        if self.returncode is not None:
            return self.returncode
        if any(p.poll() is None for p in self.procs):
            return None
        self.merge()
        self.returncode = max(p.returncode for p in self.procs)
        return self.returncode

    def merge(self):
        parts = [read_json(o) for o in self.outs]
        parts = [x for x in parts if x]
        if not parts:
            return
        merged = dict(parts[0])
        for key in ("cpu_s", "sent", "acknowledged", "errors", "rate_target", "rate_achieved"):
            merged[key] = sum(x.get(key, 0) for x in parts)
        merged["last_seq"] = max(x.get("last_seq", 0) for x in parts)
        merged["first_seq"] = min(x.get("first_seq", 1) for x in parts)
        merged["publishers"] = len(parts)
        tmp = self.done_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(merged, f)
            f.write("\n")
        os.replace(tmp, self.done_file)

    def send_signal(self, sig):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(sig)

    def wait(self, timeout=None):
        deadline = time.monotonic() + (timeout if timeout is not None else 1e9)
        for p in self.procs:
            p.wait(timeout=max(0.0, deadline - time.monotonic()))
        return self.poll()

    def kill(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()


def read_json(path):
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    return json.loads(line)
    except (OSError, ValueError):
        pass
    return None
