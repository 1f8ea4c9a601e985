#!/usr/bin/env python3
"""A fast SSE upstream for bench/bridges.sh: every GET gets the same N numbered events at once.

Event k is "id: k" and "data: seq=k ts=0 <padding>" (the bench payload, see bench/README.md),
numbered from the request's Last-Event-ID + 1, so it behaves like an upstream replaying its
history. The whole stream is built once and written with one sendall per request, so the
upstream is never what a measurement waits for. After the events the connection stays open
(a comment every second) until the client closes it or --hold seconds pass. 127.0.0.1 only.

  sse_burst.py --port P --count N [--size BYTES] [--hold S]
"""
import argparse
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def build_stream(first, count, size):
    parts = []
    for k in range(first, count + 1):
        data = "seq=%d ts=0 " % k
        data += "x" * max(0, size - len(data))
        parts.append("id: %d\ndata: %s\n\n" % (k, data))
    return "".join(parts).encode()


def make_handler(args, full):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # close-delimited body

        def log_message(self, *_):
            pass

        def do_GET(self):
            last = self.headers.get("Last-Event-ID", "")
            first = int(last) + 1 if last.isdigit() else 1
            body = full if first == 1 else build_stream(first, args.count, args.size)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            try:
                self.wfile.write(body)
                self.wfile.flush()
                end = time.monotonic() + args.hold
                while time.monotonic() < end:
                    time.sleep(1)
                    self.wfile.write(b":\n")
                    self.wfile.flush()
            except OSError:
                pass

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--size", type=int, default=100, help="data bytes per event")
    parser.add_argument("--hold", type=float, default=600)
    args = parser.parse_args()
    full = build_stream(1, args.count, args.size)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args, full))
    server.daemon_threads = True
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
