#!/usr/bin/env python3
"""Every metric the Grafana dashboard and the Prometheus alert rules name must be one a live
gateway exports, with the type its use needs.

Reads deploy/grafana/sse-gateway.json (every target's expr and the template variables'
queries) and deploy/prometheus/alerts.yml (every rule's expr), takes the metric names out of
the PromQL, starts the real binary with a config that makes every series appear (a disk
history store, an sse and a kafka source and an mqtt sink with a spool, all pointed at closed
ports: no broker is needed for their series), scrapes /metrics and fails naming each missing
name, each counter used as a gauge (deriv, delta...) and each gauge under rate()/increase().
With --promtool it also has promtool parse every dashboard expr, as recording rules.

Python standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

# Names Prometheus itself makes, not the gateway.
PROMETHEUS_OWN = {"up"}

FUNCTIONS = {
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh",
    "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh",
    "count_over_time", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg",
    "delta", "deriv", "exp", "floor", "group_over_time", "histogram_quantile", "holt_winters",
    "hour", "idelta", "increase", "irate", "label_join", "label_replace", "last_over_time", "ln",
    "log10", "log2", "max_over_time", "min_over_time", "minute", "month", "pi",
    "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets",
    "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time",
    "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year",
    # Grafana's template queries.
    "label_values", "label_names", "metrics", "query_result",
}
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                "count_values", "bottomk", "topk", "quantile"}
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "inf", "nan"}
# Functions whose argument must be a counter, and those that make sense on gauges only.
COUNTER_FUNCTIONS = {"rate", "irate", "increase", "resets"}
GAUGE_FUNCTIONS = {"deriv", "delta", "idelta", "predict_linear", "holt_winters"}

IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
NUMBER = re.compile(r"(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)(?:[smhdwy]|ms)?")


def strip_noise(expr):
    """The expr with what cannot hold a metric name blanked: strings, label matchers,
    ranges, grouping label lists, Grafana variables."""
    expr = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', '""', expr)
    expr = re.sub(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\[\[[^\]]*\]\]", "0", expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    # Grafana's label_values(METRIC, LABEL): the label is not a metric.
    expr = re.sub(r"\blabel_values\(\s*([^,()]*?)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)", r"(\1)",
                  expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1 ",
                  expr)
    return expr


def tokens(expr):
    """(kind, text) for each token: 'name', 'call' (an identifier before '('), 'open',
    'close', or 'other'."""
    out = []
    i = 0
    while i < len(expr):
        c = expr[i]
        if c.isspace():
            i += 1
            continue
        number = NUMBER.match(expr, i)
        if c.isdigit() or (c == "." and number):
            i = number.end()
            out.append(("other", number.group(0)))
            continue
        ident = IDENT.match(expr, i)
        if ident:
            j = ident.end()
            while j < len(expr) and expr[j].isspace():
                j += 1
            kind = "call" if j < len(expr) and expr[j] == "(" else "name"
            out.append((kind, ident.group(0)))
            i = ident.end()
            continue
        out.append(("open" if c == "(" else "close" if c == ")" else "other", c))
        i += 1
    return out


def metric_uses(expr):
    """{metric name: set of the functions directly or indirectly applied to it} and a list of
    errors (an unknown function)."""
    uses = {}
    errors = []
    stack = []  # the call each open parenthesis belongs to, or None
    pending_call = None
    for kind, text in tokens(strip_noise(expr)):
        if kind == "call":
            lower = text.lower()
            if lower not in FUNCTIONS and lower not in AGGREGATIONS and lower not in KEYWORDS:
                errors.append(f"unknown function {text}() in: {expr}")
            pending_call = lower
        elif kind == "open":
            stack.append(pending_call)
            pending_call = None
        elif kind == "close":
            if stack:
                stack.pop()
        elif kind == "name":
            pending_call = None
            if text.lower() in KEYWORDS or text.lower() in AGGREGATIONS:
                continue
            uses.setdefault(text, set()).update(f for f in stack if f)
    return uses, errors


def dashboard_exprs(path):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)
    exprs = []

    def walk(panels):
        for panel in panels:
            for target in panel.get("targets", []):
                if target.get("expr"):
                    exprs.append((f"panel {panel.get('title')!r} {target.get('refId', '')}",
                                  target["expr"]))
            walk(panel.get("panels", []))

    walk(dash.get("panels", []))
    for var in dash.get("templating", {}).get("list", []):
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if var.get("type") == "query" and query:
            exprs.append((f"variable {var.get('name')!r}", query))
    return exprs


def alert_exprs(path):
    """Each rule's expr from the rules file. Standard library only, so not a YAML parser:
    a one-line `expr:` (plain or quoted) or a block scalar (`expr: |`) under it."""
    exprs = []
    lines = open(path, encoding="utf-8").read().splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(?:-\s+)?expr:\s*(.*)$", lines[i])
        i += 1
        if not m:
            continue
        value = m.group(2).strip()
        if value in ("|", ">", "|-", ">-", "|+", ">+"):
            block = []
            while i < len(lines) and (not lines[i].strip() or
                                      len(lines[i]) - len(lines[i].lstrip()) > len(m.group(1))):
                block.append(lines[i])
                i += 1
            value = " ".join(line.strip() for line in block)
        elif len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        exprs.append((f"{os.path.basename(path)} line {i}", value))
    if not exprs:
        sys.exit(f"no expr found in {path}")
    return exprs


GATEWAY_CONFIG = """\
server:
  listen: 127.0.0.1:0
  workers: 1
  state_dir: {state}
  max_connections: 1000
  shutdown_timeout: 1s
channels:
  - path: /events
    history: {{size: 100, store: disk, sync: none}}
    publish: true
  - path: /rooms/{{room}}
    publish: true
sources:
  - name: upstream
    type: sse
    endpoint: http://127.0.0.1:1/events
    to: /events
  - name: orders
    type: kafka
    brokers: 127.0.0.1:1
    topics: [orders]
    to: /events
sinks:
  - name: out
    type: mqtt
    from: /events
    broker: tcp://127.0.0.1:1
    topic: "gw/{{event}}"
    spool_bytes: 1MiB
"""


def scrape_live_gateway(binary, workdir, wanted):
    """The /metrics text of a gateway started here, once it shows every wanted name or
    after 10 s, and the gateway's stderr."""
    config = os.path.join(workdir, "gateway.yaml")
    with open(config, "w", encoding="utf-8") as f:
        f.write(GATEWAY_CONFIG.format(state=os.path.join(workdir, "state")))
    stderr_path = os.path.join(workdir, "gateway.log")
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen([binary, "--config", config, "--listen", "127.0.0.1:0"],
                                stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        address = None
        for _ in range(100):  # 10 s
            m = re.search(r"listening on (127\.0\.0\.1:\d+)",
                          open(stderr_path, encoding="utf-8", errors="replace").read())
            if m:
                address = m.group(1)
                break
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        if not address:
            sys.exit("the gateway did not log 'listening on': " +
                     open(stderr_path, encoding="utf-8", errors="replace").read()[-2000:])
        text = ""
        for _ in range(20):  # 10 s: bridges report their gauges once started
            with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as response:
                text = response.read().decode()
            if wanted <= set(exported_types(text)):
                break
            time.sleep(0.5)
        return text
    finally:
        proc.terminate()  # ours: started above, stopped by its own pid
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def exported_types(text):
    """{family name: type} from the TYPE lines; a sample without one is 'untyped'."""
    types = {}
    for line in text.splitlines():
        m = re.match(r"^# TYPE (\S+) (\S+)", line)
        if m:
            types[m.group(1)] = m.group(2)
        elif line and not line.startswith("#"):
            types.setdefault(re.split(r"[{ ]", line, maxsplit=1)[0], "untyped")
    return types


def check_with_promtool(promtool, exprs, workdir):
    """promtool parses each expr as a recording rule; the Grafana variables are replaced by
    values that keep the PromQL valid."""
    rules = ["groups:", "  - name: dashboard", "    rules:"]
    for n, (_, expr) in enumerate(exprs):
        if expr.startswith("label_values("):
            continue
        expr = expr.replace("$__rate_interval", "5m").replace("$instance", ".*")
        rules.append(f"      - record: dashboard:expr_{n}")
        rules.append("        expr: " + json.dumps(expr))
    path = os.path.join(workdir, "dashboard_rules.yml")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(rules) + "\n")
    result = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True,
                            timeout=60)
    return [] if result.returncode == 0 else [
        "promtool cannot parse a dashboard expr:\n" + result.stdout + result.stderr]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the built sse-gateway")
    parser.add_argument("--dashboard", required=True)
    parser.add_argument("--alerts", required=True)
    parser.add_argument("--promtool", help="also have promtool parse the dashboard's exprs")
    args = parser.parse_args()

    dash = dashboard_exprs(args.dashboard)
    exprs = dash + alert_exprs(args.alerts)
    errors = []
    uses = {}
    for where, expr in exprs:
        found, bad = metric_uses(expr)
        errors += [f"{where}: {e}" for e in bad]
        if not found and not expr.startswith("label_values("):
            errors.append(f"{where}: no metric in: {expr}")
        for name, functions in found.items():
            uses.setdefault(name, {}).setdefault(where, set()).update(functions)

    wanted = set(uses) - PROMETHEUS_OWN
    with tempfile.TemporaryDirectory(prefix="ssegw-metric-names-") as workdir:
        types = exported_types(scrape_live_gateway(args.binary, workdir, wanted))
        if args.promtool:
            errors += check_with_promtool(args.promtool, dash, workdir)

    for name in sorted(wanted):
        places = ", ".join(sorted(uses[name]))
        if name not in types:
            errors.append(f"missing from the gateway's /metrics: {name} (named in {places})")
            continue
        for where, functions in sorted(uses[name].items()):
            if types[name] != "counter" and functions & COUNTER_FUNCTIONS:
                errors.append(f"{where}: {'/'.join(sorted(functions & COUNTER_FUNCTIONS))}() "
                              f"on {name}, a {types[name]}: counters only")
            if types[name] == "counter" and functions & GAUGE_FUNCTIONS:
                errors.append(f"{where}: {'/'.join(sorted(functions & GAUGE_FUNCTIONS))}() "
                              f"on {name}, a counter: use rate() or increase()")
            if types[name] == "counter" and not functions & COUNTER_FUNCTIONS:
                errors.append(f"{where}: {name} is a counter, used without rate() or "
                              "increase()")
    for error in errors:
        print("FAIL", error)
    if errors:
        return 1
    print(f"ok: {len(wanted)} gateway metrics in {len(exprs)} exprs, all exported with the "
          "types their use needs:", " ".join(sorted(wanted)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
