"""The authenticated-subscription benchmark's tables (auth_subscribe.py): the median of the
ramps per token type, then fan-out to anonymous and to HS256-verified subscribers."""
import statistics

from . import machine, proc_stats, report
from .scenarios import QUIET_LIMIT_CORES, other_cores


def ramp_line(r):
    if "not_run" in r:
        return f"not run: {r['not_run']}"
    us = "-" if r["us_per_sub"] is None else f"{r['us_per_sub']:.1f}"
    return (f"{r['connected']:,} connected in {r['seconds']:.3f} s = {r['per_s']:,.0f}/s, "
            f"gateway {us} µs CPU each, {r['failed']} failed, {r['retried']} retried, "
            f"{r['listen_drops']} listen drops, other processes {r['other_cores']:.2f} core")


def fanout_line(r):
    if "not_run" in r:
        return f"not run: {r['not_run']}"
    m = report.merge(r)
    per = report.server_us_per_delivery(r, m)
    return (f"connected {m['connected']:,}, {m['deliveries_per_s']:,.0f} deliveries/s, "
            f"lost {m['lost']}, p99 {m['p99'] / 1000:.1f} ms, gateway "
            f"{report.us(per)} µs CPU per delivery")


def spread(values, fmt):
    """The median and, over several runs, the range: "1,234 (1,200-1,300)"."""
    if not values:
        return "-"
    text = fmt.format(statistics.median(values))
    if len(values) > 1:
        text += f" ({fmt.format(min(values))}-{fmt.format(max(values))})"
    return text


def ramp_notes(runs, subs):
    """What a reader must know about a token type's ramps: anything but every subscription
    streaming at the first attempt, on a quiet machine, with a client that kept up."""
    notes = []
    for r in runs:
        where = f"ramp {r['repeat']}: "
        if "not_run" in r:
            notes.append(where + "not run: " + r["not_run"])
            continue
        for key, what in (("failed", "failed"), ("retried", "retried"), ("dropped", "dropped"),
                          ("listen_drops", "dropped by a full listen queue (machine-wide)")):
            if r[key]:
                notes.append(f"{where}{r[key]:,} {what}")
        if r["resolved_when_measured"] < subs:
            notes.append(f"{where}only {r['resolved_when_measured']:,} resolved when the "
                         "CPU was read")
        if r["client_bound"]:
            notes.append(where + "client-bound")
        if r["other_cores"] > QUIET_LIMIT_CORES:
            notes.append(f"{where}busy machine (other processes {r['other_cores']:.2f} core)")
        if r["errors"]:
            notes.append(where + ", ".join(f"{k} x{v}" for k, v in sorted(r["errors"].items())))
    return "; ".join(notes) or "-"


def ramp_table(runs, subs):
    done = {mode: [r for r in rs if "not_run" not in r] for mode, rs in runs.items()}
    base = [r["us_per_sub"] for r in done.get("anonymous", []) if r["us_per_sub"] is not None]
    lines = ["| token | subscriptions/s | gateway µs CPU per subscription | "
             "µs more than anonymous | notes |", "|---|---|---|---|---|"]
    for mode, rs in runs.items():
        cpu = [r["us_per_sub"] for r in done[mode] if r["us_per_sub"] is not None]
        extra = "-"
        if mode != "anonymous" and cpu and base:
            extra = f"{statistics.median(cpu) - statistics.median(base):+.1f}"
        lines.append(f"| {mode} | {spread([r['per_s'] for r in done[mode]], '{:,.0f}')} | "
                     f"{spread(cpu, '{:.1f}')} | {extra} | {ramp_notes(rs, subs)} |")
    return "\n".join(lines) + "\n"


def fanout_row(mode, r):
    if "not_run" in r:
        return f"| {mode} | not run: {r['not_run']} |" + " |" * 8
    m = report.merge(r)
    delivered = f"{100 * m['delivered'] / m['expected']:.2f}%" if m["expected"] else "-"
    window = r.get("window_s") or 1
    marks = []
    if m["failed"] or m["retried"] or m["dropped"]:
        marks.append(f"{m['failed']} failed, {m['retried']} retried, {m['dropped']} dropped")
    if r.get("client_bound"):
        marks.append("client-bound")
    if other_cores(r) > QUIET_LIMIT_CORES:
        marks.append(f"busy machine (other processes {other_cores(r):.2f} core)")
    return (f"| {mode} | {m['connected']:,}/{r['subs_target']:,} | "
            f"{m['deliveries_per_s']:,.0f} | {delivered} | {m['lost']} | {report.ms(m['p50'])} | "
            f"{report.ms(m['p99'])} | {100 * r['cpu_window_s'] / window:.1f}% | "
            f"{report.us(report.server_us_per_delivery(r, m))} | {'; '.join(marks) or '-'} |")


def fanout_table(fan):
    lines = ["| subscribers | connected | deliveries/s | delivered | lost | p50 ms | p99 ms | "
             "gateway CPU | gateway µs/delivery | notes |", "|---" * 10 + "|"]
    lines += [fanout_row(mode, r) for mode, r in fan.items()]
    return "\n".join(lines) + "\n"


def markdown(a, started, state, runs, fan):
    resolution = 1e6 / proc_stats.CLOCK_TICKS / a.subscribers
    untracked = machine.untracked_sources()
    built_in = f", with untracked {', '.join(untracked)} built in" if untracked else ""
    out = ["### Authenticated subscriptions (issue 12)", "",
           f"Command: `{a.command}`, {started:%Y-%m-%d %H:%M} UTC, commit {machine.commit()}"
           f"{built_in}.",
           "", f"Machine: {state}", "",
           f"#### New subscriptions: {a.subscribers:,} subscribers due at {a.burst_rate:,.0f}/s, "
           f"median of {a.repeats} ramp(s) per token type (range in parentheses)", "",
           ramp_table(runs, a.subscribers),
           "Subscriptions/s: those that streamed over the time from the first due to the last "
           "streaming (its 200 and headers read). CPU: the gateway's utime + stime from before "
           "the first connect until every subscription had streamed or failed, per subscription "
           "that streamed, read in clock ticks of "
           f"{1000 / proc_stats.CLOCK_TICKS:g} ms: {resolution:.1f} µs per subscription at "
           f"{a.subscribers:,}. Each token is a full verification: the gateway keeps no cache "
           "of tokens."]
    if fan is not None:
        out += ["", f"#### Fan-out: {a.subscribers:,} subscribers x {a.fanout_rate} events/s for "
                f"{a.fanout_duration:g} s, anonymous and HS256-verified subscribers", "",
                fanout_table(fan),
                "Latency is publish -> receive for every delivery; the gateway's CPU is over the "
                "publish window, per delivery until the last one (as in bench/run.sh)."]
    return "\n".join(out) + "\n"
