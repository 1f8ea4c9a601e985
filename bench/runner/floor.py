"""The floor under a server's CPU per delivery: what the kernel alone costs to write one small
SSE frame to one connected loopback TCP socket, measured by sse_floor (bench/floor/README.md).
"""
import json
import os
import subprocess

SETUP_TIMEOUT_S = 60  # sse_floor's own bound on connecting and accepting


def _parse(stdout):
    """sse_floor's JSON lines by mode."""
    by_mode = {}
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("tool") == "sse_floor" and "mode" in record:
            by_mode[record["mode"]] = record
    return by_mode


def _usable(record):
    return bool(record) and "unavailable" not in record and record.get("writes", 0) > 0


def measure_floor(floor_bin, connections, frame_bytes=150, seconds=5.0, rate=0):
    """Runs sse_floor --mode both on `connections` loopback connections for `seconds` per mode
    at `rate` rounds per second (0 = back to back).

    Always returns a dict: {"sendmsg": {...} or None, "uring": {...} or None, "best_ns": the
    lower cpu_ns_per_write or None, "best_mode": "sendmsg" / "uring" / None, "reason": why
    something is missing or None, "command": the argv}. best_ns is None exactly when nothing
    could be measured (binary missing, run failed or timed out); "reason" then says why.
    """
    argv = [floor_bin, "--connections", str(connections), "--frame-size", str(frame_bytes),
            "--duration", str(seconds), "--rate", str(rate), "--mode", "both",
            "--setup-timeout", str(SETUP_TIMEOUT_S)]
    result = dict(sendmsg=None, uring=None, best_ns=None, best_mode=None, reason=None,
                  command=argv)
    if not floor_bin or not os.access(floor_bin, os.X_OK):
        result["reason"] = f"sse_floor not built (looked for {floor_bin}; build target sse_floor)"
        return result
    # sse_floor raises its own open-file limit to the hard limit; the bound covers setup and
    # both modes with room to spare.
    timeout_s = SETUP_TIMEOUT_S + 2 * (seconds + 10) + 30
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        result["reason"] = f"sse_floor did not finish within {timeout_s:.0f} s"
        return result
    except OSError as e:
        result["reason"] = f"sse_floor could not start: {e}"
        return result
    by_mode = _parse(proc.stdout)
    reasons = []
    if proc.returncode != 0:
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("sse_floor: ")]
        said = errors[0] if errors else proc.stderr.strip()[-300:]
        reasons.append(f"sse_floor exited {proc.returncode}: {said}")
    for mode in ("sendmsg", "uring"):
        record = by_mode.get(mode)
        if _usable(record):
            result[mode] = record
        elif record and "unavailable" in record:
            reasons.append(f"{mode}: {record['unavailable']}")
        else:
            reasons.append(f"{mode}: no result")
    measured = [(result[m]["cpu_ns_per_write"], m) for m in ("sendmsg", "uring") if result[m]]
    if measured:
        result["best_ns"], result["best_mode"] = min(measured)
    result["reason"] = "; ".join(reasons) or None
    return result
