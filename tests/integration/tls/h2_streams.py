#!/usr/bin/env python3
"""HTTP/2 clients of the TLS suite, run by tls_integration_tests against the real gateway.

Well-behaved clients use the `h2` state machine (Debian's python3-h2); the abusive ones write
frames themselves with hyperframe and hpack, since h2 refuses to break the protocol. Every
mode prints `key=value` lines the C++ test asserts on, and exits 0 when what it was asked to
see happened, 1 otherwise (with `fail=...`). Every wait is bounded by --timeout.

  fanout   N streams on one connection; every stream must get every published event in order
  stall    as fanout, but the first stream never acknowledges its DATA: it must be reset
           while the others still get every event
  resume   a stream with last-event-id gets exactly the events after it, then live ones
  hold     one stream that prints each event as it arrives (a witness for other tests)
  rapid-reset, ping-flood, settings-flood   abusive peers: expect GOAWAY and a close
  max-streams   more streams than the server allows: the extras get RST_STREAM
"""
import argparse
import http.client
import json
import select
import socket
import ssl
import sys
import threading
import time

import h2.config
import h2.connection
import h2.events
import hpack
from hyperframe import frame as hf

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
ERROR_NAMES = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 3: "FLOW_CONTROL_ERROR",
               5: "STREAM_CLOSED", 7: "REFUSED_STREAM", 8: "CANCEL", 11: "ENHANCE_YOUR_CALM"}


def report(**fields):
    for key, value in fields.items():
        print(f"{key}={value}", flush=True)


def fail(why):
    report(fail=why)
    sys.exit(1)


def tls_connect(args, rcvbuf=0):
    context = ssl.create_default_context(cafile=args.ca)
    context.set_alpn_protocols(["h2"])
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.settimeout(10)
    raw.connect(("127.0.0.1", args.port))
    sock = context.wrap_socket(raw, server_hostname="localhost")
    if sock.selected_alpn_protocol() != "h2":
        fail(f"ALPN chose {sock.selected_alpn_protocol()!r}, not h2")
    report(peer_serial=sock.getpeercert().get("serialNumber", "?"))
    return sock


class Publisher:
    """Publishes over plain HTTP/1.1 on its own thread, so the h2 side keeps reading."""

    def __init__(self, port, path="/events"):
        self.port, self.path, self.error = port, path, None
        self.datas, self.ids = [], []  # what was published, in order, and the ids it got
        self.thread = None

    def publish_now(self, data):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", self.path, body=data.encode())
            answer = conn.getresponse()
            body = answer.read().decode()
            if answer.status != 200:
                raise RuntimeError(f"POST {self.path} answered {answer.status}: {body}")
            self.datas.append(data)
            self.ids.append(str(json.loads(body)["id"]))
        finally:
            conn.close()

    def start(self, datas):
        def run():
            try:
                for data in datas:
                    self.publish_now(data)
            except Exception as error:  # reported by the main thread
                self.error = repr(error)
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def done(self):
        return self.thread is None or not self.thread.is_alive()


class SseStream:
    """One stream's response: status, and its body parsed as an event stream."""

    def __init__(self):
        self.status = None
        self.events = []  # (id, data)
        self.reset_code = None
        self.ended = False
        self._buffer = b""
        self._id = ""
        self._data = None

    def feed(self, data):
        self._buffer += data
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            self._line(line.rstrip(b"\r").decode())

    def _line(self, line):
        if line == "":
            if self._data is not None:
                self.events.append((self._id, "\n".join(self._data)))
            self._data = None
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "id":
                self._id = value
            elif field == "data":
                self._data = (self._data or []) + [value]


class H2Client:
    """A well-behaved h2 client over TLS; `stalled` streams never acknowledge their DATA."""

    def __init__(self, args):
        self.sock = tls_connect(args)
        self.authority = f"localhost:{args.port}"
        self.conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.conn.initiate_connection()
        # A large connection window: a stalled stream must exhaust only its own window.
        self.conn.increment_flow_control_window(1 << 30)
        self.flush()
        self.streams = {}
        self.stalled = set()
        self.settings_seen = False
        self.terminated = None  # (error_code, last_stream_id)
        self.eof = False

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def open(self, path, headers=()):
        sid = self.conn.get_next_available_stream_id()
        self.conn.send_headers(sid, [(":method", "GET"), (":scheme", "https"),
                                     (":authority", self.authority), (":path", path),
                                     ("accept", "text/event-stream"), *headers],
                               end_stream=True)
        self.streams[sid] = SseStream()
        self.flush()
        return sid

    def pump(self, wait):
        """Reads and handles what arrives within `wait` seconds (less if something came)."""
        if self.eof:
            time.sleep(wait)
            return
        if not self.sock.pending():
            readable, _, _ = select.select([self.sock], [], [], wait)
            if not readable:
                return
        try:
            data = self.sock.recv(1 << 16)
        except (ConnectionError, ssl.SSLError):
            data = b""
        if not data:
            self.eof = True
            return
        for event in self.conn.receive_data(data):
            self.handle(event)
        self.flush()

    def handle(self, event):
        stream = self.streams.get(getattr(event, "stream_id", None))
        if isinstance(event, h2.events.RemoteSettingsChanged):
            self.settings_seen = True
        elif isinstance(event, h2.events.ResponseReceived) and stream:
            stream.status = int(dict(event.headers)[":status"])
        elif isinstance(event, h2.events.DataReceived) and stream:
            stream.feed(event.data)
            if event.stream_id not in self.stalled:
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamReset) and stream:
            stream.reset_code = int(event.error_code)
        elif isinstance(event, h2.events.StreamEnded) and stream:
            stream.ended = True
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.terminated = (int(event.error_code), event.last_stream_id)

    def pump_until(self, condition, deadline):
        while not condition():
            if time.monotonic() > deadline or self.terminated or self.eof:
                return condition()
            self.pump(0.05)
        return True


def open_streams(client, count, deadline, headers=()):
    if not client.pump_until(lambda: client.settings_seen, deadline):
        fail("no SETTINGS from the server")
    sids = [client.open("/events", headers) for _ in range(count)]
    if not client.pump_until(lambda: all(client.streams[s].status for s in sids), deadline):
        fail(f"{sum(1 for s in sids if client.streams[s].status)} of {count} streams got "
             f"a response; terminated={client.terminated} eof={client.eof}")
    statuses = {client.streams[s].status for s in sids}
    if statuses != {200}:
        fail(f"statuses {statuses}")
    return sids


def complete_streams(client, sids, publisher):
    """The streams that got every published event, in order, and nothing else."""
    wanted = list(zip(publisher.ids, publisher.datas))
    complete = [s for s in sids if client.streams[s].events == wanted]
    bad = [s for s in sids if s not in complete]
    if bad:
        got = client.streams[bad[0]].events
        report(first_bad_stream=bad[0], got_events=len(got),
               got_ids=",".join(i for i, _ in got[:8]), want_ids=",".join(publisher.ids[:8]))
    return complete


def run_fanout(args, stalled):
    deadline = time.monotonic() + args.timeout
    client = H2Client(args)
    sids = open_streams(client, args.streams, deadline)
    if stalled:
        client.stalled.add(sids[0])
    others = sids[1:] if stalled else sids
    publisher = Publisher(args.plain_port)
    datas = [f"{n:06d}:" + "x" * max(0, args.size - 7) for n in range(args.events)]

    def others_have(count):
        return lambda: all(len(client.streams[s].events) >= count for s in others)

    if stalled:
        # In lockstep: the next event only once every reading stream has the last one, so
        # only the stalled stream's queue can fill, however slowly this client reads.
        for n, data in enumerate(datas):
            try:
                publisher.publish_now(data)
            except Exception as error:
                publisher.error = repr(error)
                break
            if not client.pump_until(others_have(n + 1), deadline):
                break
        client.pump_until(lambda: client.streams[sids[0]].reset_code is not None, deadline)
    else:
        publisher.start(datas)
        client.pump_until(lambda: publisher.done() and others_have(args.events)(), deadline)
    if publisher.error:
        fail(f"publishing: {publisher.error}")
    complete = complete_streams(client, others, publisher)
    resets = {client.streams[s].reset_code for s in others} - {None}
    report(streams=len(sids), published=len(publisher.ids), complete=len(complete),
           others_reset=sum(1 for s in others if client.streams[s].reset_code is not None),
           others_reset_codes=",".join(ERROR_NAMES.get(c, str(c)) for c in sorted(resets)),
           terminated=client.terminated, eof=client.eof)
    ok = len(complete) == len(others) and len(publisher.ids) == args.events
    if stalled:
        victim = client.streams[sids[0]]
        report(stalled_reset=int(victim.reset_code is not None),
               stalled_reset_code=ERROR_NAMES.get(victim.reset_code, victim.reset_code),
               stalled_events=len(victim.events))
        ok = ok and victim.reset_code is not None
    if not ok:
        fail("not every stream got what it should")


def run_resume(args):
    deadline = time.monotonic() + args.timeout
    publisher = Publisher(args.plain_port)
    for n in range(5):
        publisher.publish_now(f"before-{n}")
    after = publisher.ids[1]
    client = H2Client(args)
    [sid] = open_streams(client, 1, deadline, headers=[("last-event-id", after)])
    stream = client.streams[sid]
    client.pump_until(lambda: len(stream.events) >= 3, deadline)
    publisher.publish_now("live")
    client.pump_until(lambda: len(stream.events) >= 4, deadline)
    wanted = list(zip(publisher.ids, publisher.datas))[2:]
    report(resumed_after=after, got_ids=",".join(i for i, _ in stream.events),
           want_ids=",".join(i for i, _ in wanted))
    if stream.events != wanted:
        fail("the resumed stream did not get exactly the events after last-event-id")


def run_hold(args):
    deadline = time.monotonic() + args.timeout
    client = H2Client(args)
    [sid] = open_streams(client, 1, deadline)
    stream = client.streams[sid]
    report(open=sid)
    printed = 0
    while printed < args.events and time.monotonic() < deadline:
        if client.terminated or client.eof or stream.reset_code is not None:
            break
        client.pump(0.05)
        for event_id, data in stream.events[printed:]:
            report(event=f"{event_id} {data}")
        printed = len(stream.events)
    if printed < args.events:
        fail(f"got {printed} of {args.events} events; reset={stream.reset_code} "
             f"terminated={client.terminated} eof={client.eof}")


class RawH2:
    """Frames written and read by hand, for peers that break the rules on purpose."""

    def __init__(self, args, rcvbuf=0):
        self.sock = tls_connect(args, rcvbuf)
        self.authority = f"localhost:{args.port}"
        self.encoder, self.decoder = hpack.Encoder(), hpack.Decoder()
        self.buffer = b""
        self.eof = False
        self.broken = None  # why a send failed
        self.goaway = None  # (error_code, last_stream_id)
        self.server_settings = {}
        self.responses = {}  # stream id -> :status
        self.resets = {}  # stream id -> error code
        self.counts = {}  # frame type name -> frames received
        self.send(PREFACE + hf.SettingsFrame(0).serialize())

    def send(self, data, stall=5.0):
        if self.broken:
            return False
        self.sock.settimeout(stall)
        try:
            self.sock.sendall(data)
            return True
        except (OSError, ssl.SSLError) as error:
            self.broken = type(error).__name__
            return False

    def headers(self, sid, path="/events"):
        block = self.encoder.encode([(":method", "GET"), (":scheme", "https"),
                                     (":authority", self.authority), (":path", path)])
        f = hf.HeadersFrame(sid, block)
        f.flags.add("END_HEADERS")
        f.flags.add("END_STREAM")
        return f.serialize()

    def read(self, wait):
        """Reads what arrives within `wait` seconds and handles every whole frame."""
        if self.eof:
            return
        self.sock.settimeout(wait)
        try:
            data = self.sock.recv(1 << 16)
        except (socket.timeout, ssl.SSLWantReadError):
            return
        except (OSError, ssl.SSLError):
            data = b""
        if not data:
            self.eof = True
            return
        self.buffer += data
        while len(self.buffer) >= 9:
            try:
                f, length = hf.Frame.parse_frame_header(memoryview(self.buffer[:9]))
            except Exception:
                f, length = None, int.from_bytes(self.buffer[:3], "big")
            if len(self.buffer) < 9 + length:
                break
            body, self.buffer = self.buffer[9:9 + length], self.buffer[9 + length:]
            if f is not None:
                f.parse_body(memoryview(body))
                self.handle(f)

    def handle(self, f):
        name = type(f).__name__
        self.counts[name] = self.counts.get(name, 0) + 1
        if isinstance(f, hf.SettingsFrame) and "ACK" not in f.flags:
            self.server_settings.update(f.settings)
            self.send(hf.SettingsFrame(0, flags=["ACK"]).serialize())
        elif isinstance(f, hf.HeadersFrame):
            status = dict(self.decoder.decode(f.data)).get(":status")
            if status is not None:
                self.responses[f.stream_id] = int(status)
        elif isinstance(f, hf.RstStreamFrame):
            self.resets[f.stream_id] = f.error_code
        elif isinstance(f, hf.GoAwayFrame):
            self.goaway = (f.error_code, f.last_stream_id)

    def read_until(self, condition, deadline):
        while not condition() and not self.eof and time.monotonic() < deadline:
            self.read(0.05)
        return condition()

    def report_end(self, **extra):
        code = self.goaway[0] if self.goaway else None
        report(goaway=int(self.goaway is not None),
               goaway_code=ERROR_NAMES.get(code, code), closed=int(self.eof),
               send_failed=self.broken or "", frames=json.dumps(self.counts, sort_keys=True),
               **extra)


def wait_settings(raw, deadline):
    if not raw.read_until(lambda: raw.server_settings or raw.eof, deadline) or raw.eof:
        fail("no SETTINGS from the server")


def expect_goaway_and_close(raw, deadline, **extra):
    raw.read_until(lambda: raw.eof, deadline)
    raw.report_end(**extra)
    if raw.goaway is None or not raw.eof:
        fail("no GOAWAY and close")


def run_rapid_reset(args):
    deadline = time.monotonic() + args.timeout
    raw = RawH2(args)
    wait_settings(raw, deadline)
    sent, sid = 0, 1
    while sent < args.count and raw.goaway is None and not raw.eof and not raw.broken:
        batch = []
        for _ in range(min(100, args.count - sent)):
            rst = hf.RstStreamFrame(sid)
            rst.error_code = 8  # CANCEL
            batch += [raw.headers(sid), rst.serialize()]
            sid += 2
        if raw.send(b"".join(batch)):
            sent += len(batch) // 2
        raw.read(0)
        if time.monotonic() > deadline:
            break
    expect_goaway_and_close(raw, deadline, streams_reset=sent)


def run_control_flood(args, make_frame):
    deadline = time.monotonic() + args.timeout
    # A small receive buffer and no reading while flooding: the answers the flood asks for
    # (PING and SETTINGS acknowledgements) pile up on the server's side.
    raw = RawH2(args, rcvbuf=4096)
    wait_settings(raw, deadline)
    batch = make_frame() * 1000
    sent = 0
    while sent < args.count and time.monotonic() < deadline:
        if not raw.send(batch, stall=2.0):
            break
        sent += 1000
    expect_goaway_and_close(raw, deadline, flood_frames_sent=sent)


def run_max_streams(args):
    deadline = time.monotonic() + args.timeout
    raw = RawH2(args)
    wait_settings(raw, deadline)
    sids = [1 + 2 * n for n in range(args.streams)]
    raw.send(b"".join(raw.headers(s) for s in sids))
    raw.read_until(lambda: all(s in raw.responses or s in raw.resets for s in sids), deadline)
    accepted = [s for s in sids if raw.responses.get(s) == 200 and s not in raw.resets]
    refused = [s for s in sids if raw.resets.get(s) == 7]
    report(server_max_concurrent_streams=raw.server_settings.get(
        hf.SettingsFrame.MAX_CONCURRENT_STREAMS, "unset"),
        accepted=len(accepted), refused=len(refused),
        refused_ids=",".join(map(str, refused)),
        other_resets=json.dumps({s: c for s, c in raw.resets.items() if c != 7}))
    raw.report_end()
    if len(accepted) + len(refused) != len(sids):
        fail("a stream got neither a response nor REFUSED_STREAM")


def ping_frame():
    return hf.PingFrame(0, opaque_data=b"floodpin").serialize()


def settings_frame():
    return hf.SettingsFrame(0).serialize()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["fanout", "stall", "resume", "hold", "rapid-reset",
                                         "ping-flood", "settings-flood", "max-streams"])
    parser.add_argument("--port", type=int, required=True, help="the gateway's TLS h2 port")
    parser.add_argument("--plain-port", type=int, help="plain HTTP/1.1 port, for publishing")
    parser.add_argument("--ca", required=True, help="the test CA the server chains to")
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--size", type=int, default=32, help="bytes of data per event")
    parser.add_argument("--count", type=int, default=10000, help="frames or streams to flood")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.mode in ("fanout", "stall", "resume") and not args.plain_port:
        parser.error(f"{args.mode} publishes: --plain-port is needed")
    modes = {
        "fanout": lambda: run_fanout(args, stalled=False),
        "stall": lambda: run_fanout(args, stalled=True),
        "resume": lambda: run_resume(args),
        "hold": lambda: run_hold(args),
        "rapid-reset": lambda: run_rapid_reset(args),
        "ping-flood": lambda: run_control_flood(args, ping_frame),
        "settings-flood": lambda: run_control_flood(args, settings_frame),
        "max-streams": lambda: run_max_streams(args),
    }
    modes[args.mode]()


if __name__ == "__main__":
    main()
