# Sourced by the broker scripts (bash): free_ports N prints N ports for a broker to listen on.
#
# N distinct ports free on 127.0.0.1, outside the kernel's ephemeral range: a broker is
# stopped and started again on its ports, and a port inside that range can meanwhile be taken
# as the source port of some client's connection, or by a reconnecting client connecting to
# itself (TCP simultaneous open), so the broker would not come back ("exited at start").
free_ports() {  # n
  python3 - "$1" <<'PY'
import random, socket, sys
lo, hi = map(int, open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
ranges = [(a, b) for a, b in ((20000, lo - 1), (hi + 1, 65535)) if b - a >= 100]
if not ranges:
    ranges = [(1025, 65535)]  # the range covers everything: nothing is outside it
held, ports = [], []
for _ in range(1000):
    if len(ports) == int(sys.argv[1]):
        break
    a, b = random.choice(ranges)
    port = random.randint(a, b)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))  # no SO_REUSEADDR: a port in TIME_WAIT is skipped too
    except OSError:
        s.close()
        continue
    held.append(s)  # kept bound until all are chosen, so the N differ
    ports.append(port)
if len(ports) != int(sys.argv[1]):
    sys.exit("no free ports outside the ephemeral range")
print(" ".join(map(str, ports)))
PY
}
