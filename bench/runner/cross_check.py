"""A second, simpler instrument beside sse_load: N plain `curl -N` subscribers whose streams
are saved to files and counted afterwards. If both count the same deliveries per
subscriber, the figures do not depend on sse_load's parser."""
import os
import re
import subprocess

from .servers import stop_process

SEQ = re.compile(rb"^data: ?seq=(\d+) ", re.MULTILINE)


def start(url, headers, count, workdir, bound_s):
    curls = []
    for i in range(count):
        path = os.path.join(workdir, f"curl-{i}.sse")
        # As a browser's EventSource does; Nchan picks its EventSource subscriber by it.
        argv = ["curl", "-sN", "--max-time", str(int(bound_s)), "-o", path,
                "-H", "Accept: text/event-stream", "-H", "Cache-Control: no-cache", url]
        for h in headers:
            argv += ["-H", h]
        curls.append((subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL), path))
    return curls


def finish(curls):
    """Stops the curls by PID; per subscriber: events seen, distinct, and the seq range."""
    per_sub = []
    for proc, path in curls:
        stop_process(proc, timeout_s=2)
        try:
            with open(path, "rb") as f:
                seqs = [int(x) for x in SEQ.findall(f.read())]
        except OSError:
            seqs = []
        per_sub.append(dict(events=len(seqs), distinct=len(set(seqs)),
                            first=min(seqs, default=0), last=max(seqs, default=0)))
    return per_sub


def summary(per_sub, published):
    """One line for the notes: what the curls counted against the events published."""
    if not per_sub:
        return ""
    events = [p["events"] for p in per_sub]
    complete = sum(1 for p in per_sub if p["distinct"] == published == p["events"])
    return (f"{len(per_sub)} `curl -N` subscribers counted {min(events):,}-{max(events):,} "
            f"events each ({complete} of {len(per_sub)} got exactly the {published:,} published)")
