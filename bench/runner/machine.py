"""What a run's figures were measured on: the machine, how busy it was, the commit."""
import os
import platform
import subprocess
import time

from . import proc_stats

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return (f"{os.cpu_count()} cores ({cpu}), {mem_kib / 2**20:.0f} GiB RAM, Linux "
            f"{platform.release()}; load clients, publisher and server share these cores")


def commit():
    """The commit measured, and whether the tree had changes on top of it."""
    def git(*args):
        out = subprocess.run(["git", "-C", BENCH_DIR, *args], capture_output=True, text=True)
        return out.stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "?"
    # The results the runs write (bench/results, the README's tables) are not code changes.
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ":(top)",
                ":(exclude,top)bench/results", ":(exclude,top)bench/README.md")
    return head + (" (with uncommitted changes)" if dirty else "")


def untracked_sources():
    """Source files in the tree that git does not track: the build's globs compile them, so
    the binaries measured hold code that no commit names."""
    out = subprocess.run(["git", "-C", BENCH_DIR, "ls-files", "--others", "--exclude-standard",
                          "--full-name", "--", ":(top)gateway", ":(top)bridges", ":(top)app"],
                         capture_output=True, text=True)
    return out.stdout.split()


def machine_state():
    """What else ran as the run began: load average and the busiest other processes."""
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return f"load average {load} at the start"


def other_processes(interval_s=1.0, top=3, exclude=()):
    """How busy the machine's other processes were over interval_s, in cores, and the busiest
    of them: what `uptime`'s load average cannot tell apart (our own builds, say)."""
    before = proc_stats.cpu_by_process()
    time.sleep(interval_s)
    after = proc_stats.cpu_by_process()
    mine = {os.getpid(), *exclude}
    used = sorted(((cpu - before[pid][1], name) for pid, (name, cpu) in after.items()
                   if pid in before and pid not in mine), reverse=True)
    total = sum(cores for cores, _ in used) / interval_s
    busiest = ", ".join(f"{name} {cores / interval_s:.2f}" for cores, name in used[:top]
                        if cores > 0)
    return (f"other processes used {total:.2f} of a core over {interval_s:g} s"
            + (f" (busiest: {busiest})" if busiest else ""))
