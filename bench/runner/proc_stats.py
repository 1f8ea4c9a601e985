"""CPU time and memory of a server's whole process tree, read from /proc.

Memory is the sum of PSS (proportional set size) over the tree, so pages shared between an
nginx master and its workers, or between Pushpin's processes, are counted once in total.
"""
import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _all_stats():
    """(pid, command name, the fields after it) of every process readable now."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.find("(") + 1:stat.rfind(")")]
        yield int(entry), name, stat[stat.rfind(")") + 2:].split()


def _ppid_map():
    return {pid: int(fields[1]) for pid, _, fields in _all_stats()}


def tree_pids(root):
    """root and every descendant of it."""
    parents = _ppid_map()
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in parents or pid == root:
            found.append(pid)
            todo.extend(children.get(pid, []))
    return found


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rfind(")") + 2:].split()
    # utime and stime are fields 14 and 15 of stat, 12 and 13 after the command name.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _pss_bytes(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeSample:
    def __init__(self, cpu_s, mem_bytes, processes):
        self.cpu_s = cpu_s
        self.mem_bytes = mem_bytes
        self.processes = processes


def sample(root_pids):
    """CPU seconds and PSS summed over the trees under each pid in root_pids."""
    cpu, mem, count = 0.0, 0, 0
    for root in root_pids:
        for pid in tree_pids(root):
            try:
                cpu += _cpu_seconds(pid)
                mem += _pss_bytes(pid)
                count += 1
            except OSError:
                continue
    return TreeSample(cpu, mem, count)


def kernel_slab_bytes():
    """Kernel slab memory (socket structures live there); machine-wide, so read as a delta."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("Slab:"):
                return int(line.split()[1]) * 1024
    return 0


def machine_busy_seconds():
    """(CPU seconds spent on anything but idle and iowait, of which interrupt and softirq time),
    summed over every core. Loopback TCP does much of its receiving in softirq time, which
    /proc charges to no process."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    irq = fields[5] + fields[6] if len(fields) > 6 else 0
    # guest time is already counted in user time
    total = sum(fields[:8])
    return (total - idle) / CLOCK_TICKS, irq / CLOCK_TICKS


def cpu_by_process():
    """{pid: (command name, CPU seconds)} of every process readable now."""
    return {pid: (name, (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
            for pid, name, fields in _all_stats()}


def listen_drops():
    """SYNs and connections the kernel dropped because a listener's queue was full
    (TcpExt ListenDrops, machine-wide, so read as a delta): a client sees them as a
    connect that takes a SYN retransmission (1 s) longer."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for names, values in zip(lines, lines[1:]):
        if names.startswith("TcpExt:") and values.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:]))
            return int(table.get("ListenDrops", 0))
    return 0


def self_cpu_seconds():
    """The runner's own CPU: it samples /proc during the window and is not 'other work'."""
    t = os.times()
    return t.user + t.system
