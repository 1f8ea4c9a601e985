#!/usr/bin/env python3
"""A small SSE upstream for the gateway's integration tests. Listens on 127.0.0.1 only.

Every request is logged to stdout as one JSON line ("REQUEST {...}") with its path and
headers, so tests can check what the gateway sent (Last-Event-ID, configured headers).

GET /stream?<options> emits numbered events that honour Last-Event-ID: event k has "id: k"
and numbering starts after the id the client resumes from. Options:
  count=N          events to send (default 5)
  types=a,b,c      event types to cycle through (default: no event: field)
  data=json|raw|badjson|multiline   {"n":k}; n=k; every third event's data not JSON;
                   or two data lines "n=k" and "second line: k"
  retry=MS         send "retry: MS" first
  fail=K           the first K requests to this path answer 500 (counted per path)
  oversize=BYTES   first send one event whose data line is this long
  trickle=1        write the stream one byte at a time
  framing=chunked|close   HTTP/1.1 chunked (default) or HTTP/1.0 close-delimited
  then=hold|close|half    afterwards: keep the stream open with heartbeats (default), end
                   it, or write half an event, print HALF_SENT and hang (the test kills us)
  status=CODE      answer CODE instead (204, 404, ...); 3xx uses location=URL
  content_type=T   Content-Type of a 200 (default text/event-stream)
  heartbeat_ms=MS  comment line interval while holding (default 1000; 0: silent)

--set key=value (repeatable) overrides a query option for every request, so a restarted
server can behave differently on the same URL.
"""
import argparse
import json
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

OVERRIDES = {}
FAIL_COUNTS = {}
FAIL_LOCK = threading.Lock()
HOLD_SECONDS = 120  # bound on how long a held stream stays open


def log(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        # socketserver prints a traceback on stderr, which can land in the middle of a
        # REQUEST line on stdout; a peer that resets is expected here, so log it as one line.
        log("CLIENT_ERROR %s %r" % (client_address[1], sys.exc_info()[1]))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet the default access log
        pass

    def do_GET(self):
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        q.update(OVERRIDES)
        log("REQUEST " + json.dumps({"path": url.path, "query": url.query,
                                     "headers": {k: v for k, v in self.headers.items()}}))
        if url.path != "/stream":
            return self.plain(404, "not found\n")
        fail = int(q.get("fail", "0"))
        if fail:
            with FAIL_LOCK:
                seen = FAIL_COUNTS.get(url.path, 0)
                FAIL_COUNTS[url.path] = seen + 1
            if seen < fail:
                return self.plain(500, "try again later\n")
        status = int(q.get("status", "200"))
        if status != 200:
            headers = {"Location": q["location"]} if "location" in q else {}
            return self.plain(status, "" if status == 204 else "status %d\n" % status, headers)
        self.stream(q)

    def plain(self, status, body, headers=None):
        data = body.encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def stream(self, q):
        chunked = q.get("framing", "chunked") == "chunked"
        if not chunked:
            self.protocol_version = "HTTP/1.0"
            self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", q.get("content_type", "text/event-stream"))
        self.send_header("Cache-Control", "no-cache")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        trickle = q.get("trickle") == "1"
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def send(text):
            data = text.encode()
            pieces = [data[i:i + 1] for i in range(len(data))] if trickle else [data]
            for piece in pieces:
                if chunked:
                    piece = b"%x\r\n%s\r\n" % (len(piece), piece)
                self.wfile.write(piece)
                self.wfile.flush()
                if trickle:
                    time.sleep(0.001)

        try:
            self.emit(q, send)
            then = q.get("then", "hold")
            if then == "half":
                send("id: half\nevent: partial\ndata: this event never ends")
                log("HALF_SENT")
                time.sleep(HOLD_SECONDS)
            elif then == "hold":
                interval = int(q.get("heartbeat_ms", "1000")) / 1000.0
                end = time.time() + HOLD_SECONDS
                while time.time() < end:
                    time.sleep(interval if interval > 0 else 1)
                    if interval > 0:
                        send(": heartbeat\n\n")
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True

    def emit(self, q, send):
        if "retry" in q:
            send("retry: %s\n\n" % q["retry"])
        if "oversize" in q:
            send("id: big\ndata: " + "x" * int(q["oversize"]) + "\n\n")
        resume = self.headers.get("Last-Event-ID", "")
        first = int(resume) + 1 if resume.isdigit() else 1
        types = [t for t in q.get("types", "").split(",") if t]
        kind = q.get("data", "json")
        for k in range(first, first + int(q.get("count", "5"))):
            event = "id: %d\n" % k
            if types:
                event += "event: %s\n" % types[(k - 1) % len(types)]
            if kind == "raw":
                data = "n=%d" % k
            elif kind == "multiline":
                data = "n=%d\ndata: second line: %d" % (k, k)
            elif kind == "badjson" and k % 3 == 0:
                data = "{not json %d" % k
            else:
                data = json.dumps({"n": k})
            send(event + "data: " + data + "\n\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--set", action="append", default=[])
    args = parser.parse_args()
    for item in args.set:
        key, _, value = item.partition("=")
        OVERRIDES[key] = value
    server = Server(("127.0.0.1", args.port), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    log("listening on 127.0.0.1:%d" % server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
