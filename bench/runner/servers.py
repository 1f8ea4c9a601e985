"""The servers under test: how to configure, start, address and stop each one.

Every server listens on 127.0.0.1 only, keeps a history of 1,000 events on the benchmark
channel where it has such a thing, and sends a heartbeat comment on idle streams.
"""
import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import time

CHANNEL = "bench"


def wait_for_port(port, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def stop_process(proc, timeout_s=10):
    """SIGTERM by PID, then SIGKILL if it does not exit in time."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def tail(path, lines=5):
    try:
        with open(path, errors="replace") as f:
            return " ".join(f.read().strip().splitlines()[-lines:])[-300:]
    except OSError:
        return ""


class TlsRun:
    """What the TLS scenario asks of a server: the shared certificate and the protocol the
    load clients speak over it ("http/1.1" or "h2", chosen by ALPN)."""

    def __init__(self, certs, protocol):
        self.certs = certs
        self.protocol = protocol


class Server:
    name = "?"
    port = 0
    tls_port = 0  # its TLS listener in the TLS scenario; the publisher stays on `port`
    tls_protocols = ()  # what that listener offers by ALPN, of "http/1.1" and "h2"
    pub_mode = "gateway"
    max_connect_rate = None  # subscriptions per second this server can take, if it needs less

    def __init__(self, ctx):
        self.ctx = ctx
        self.tls = None  # a TlsRun in the TLS scenario
        self.procs = []  # started by us; the first one is the accounted tree's root
        self.helpers = []  # started by us but not accounted (e.g. Pushpin's origin)
        self.workdir = None
        self.log = None

    def unavailable(self):
        """Why this server cannot run here, or None."""
        return None

    def version(self):
        return ""

    def tls_unsupported(self, protocol):
        """Why this server is not measured with `protocol` over TLS, or None."""
        if protocol in self.tls_protocols:
            return None
        return f"its TLS listener offers no {protocol} (bench/README.md)"

    def sub_path(self):
        return f"/{CHANNEL}"

    def sub_url(self):
        if self.tls:
            return f"https://127.0.0.1:{self.tls_port}{self.sub_path()}"
        return f"http://127.0.0.1:{self.port}{self.sub_path()}"

    def pub_url(self):
        return f"http://127.0.0.1:{self.port}/{CHANNEL}"

    def pub_headers(self):
        return []

    def sub_headers(self):
        return []

    def accounted_pids(self):
        return [p.pid for p in self.procs]

    def start(self, workdir):
        """Starts the server; returns None when it is up, or why it is not."""
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.log = os.path.join(workdir, "server.log")
        if wait_for_port(self.port, 0.2):
            return f"port {self.port} is already in use by another process"
        try:
            self.launch()
        except (OSError, subprocess.SubprocessError) as e:
            return f"failed to start: {e}"
        for port in [self.port] + ([self.tls_port] if self.tls else []):
            if not wait_for_port(port, 20):
                self.stop()
                return f"did not listen on {port} within 20 s: " + tail(self.log)
        time.sleep(0.5)
        for p in self.procs + self.helpers:
            if p.poll() is not None:
                return f"exited with {p.returncode}: " + tail(self.log)
        return None

    def spawn(self, argv, accounted=True, **kw):
        out = open(self.log, "ab")
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir,
                                start_new_session=True, **kw)
        out.close()
        (self.procs if accounted else self.helpers).append(proc)
        return proc

    def stop(self):
        for p in reversed(self.procs + self.helpers):
            stop_process(p)
        self.procs, self.helpers = [], []

    def write(self, name, text):
        path = os.path.join(self.workdir, name)
        with open(path, "w") as f:
            f.write(text)
        return path


class Gateway(Server):
    name = "sse-gateway"
    port = 18080
    tls_port = 18443
    tls_protocols = ("http/1.1", "h2")

    def unavailable(self):
        if not os.access(self.ctx.gateway_bin, os.X_OK):
            return f"binary not built ({self.ctx.gateway_bin})"
        return None

    def version(self):
        try:
            out = subprocess.run([self.ctx.gateway_bin, "--version"], capture_output=True,
                                 text=True, timeout=10)
            version = (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            version = "?"
        if os.environ.get("SSEGW_BENCH_STALE_GATEWAY"):
            built = time.strftime("%Y-%m-%d %H:%M UTC",
                                  time.gmtime(os.path.getmtime(self.ctx.gateway_bin)))
            version += f" (stale binary built {built}: the current tree did not build)"
        return version

    def listen_config(self):
        """The listeners: plain only, or plain (the publisher's) and TLS with ALPN h2 and
        http/1.1, HTTP/2 with the gateway's default stream limit written out."""
        if not self.tls:
            return f"  listen: 127.0.0.1:{self.port}\n"
        c = self.tls.certs
        return (f"  listen:\n    - {{address: 127.0.0.1:{self.port}}}\n"
                f"    - {{address: 127.0.0.1:{self.tls_port}, tls: {{cert_file: {c.cert}, "
                f"key_file: {c.key}}}, http2: true}}\n"
                "  http2: {max_concurrent_streams: 256}\n")

    def auth_config(self):
        """The top-level auth: section; none, so every channel is anonymous."""
        return ""

    def channels_config(self):
        return f"  - {{path: /{CHANNEL}, history: 1000, publish: true}}\n"

    def launch(self):
        config = self.write("gateway.yaml", f"""server:
{self.listen_config()}  workers: 2
  heartbeat: {self.ctx.heartbeat_s}s
  max_connections: 20000
{self.auth_config()}channels:
{self.channels_config()}""")
        # --listen would replace every configured listener, the TLS one too.
        override = [] if self.tls else ["--listen", f"127.0.0.1:{self.port}"]
        self.spawn([self.ctx.gateway_bin, "--config", config, *override])


# nginx's own advice for many connections (nginx.org/en/docs/ngx_core_module.html and
# /http/ngx_http_core_module.html, cited in bench/README.md): descriptors and connections up to
# the file limit, accept every pending connection per wake-up; `reuseport` on the listen line
# gives each worker its own accept queue, so the kernel spreads subscribers evenly.
NGINX_COMMON = """worker_rlimit_nofile 20000;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 19500; multi_accept on; }}
"""


def nginx_tls_server_lines(tls, port):
    """nginx 1.22's TLS listener (the `http2` parameter of `listen`: the `http2` directive
    came in 1.25.1), TLS 1.3 as nginx enables it by default from 1.23.4 (1.22 offers at most
    1.2 unless told), with the ssl module's advice for processor load (a shared session
    cache) and for latency (4k TLS records: "to minimize Time To First Byte"); see
    bench/README.md."""
    if not tls:
        return ""
    return f"""    listen 127.0.0.1:{port} ssl http2 backlog=4096 reuseport;
    ssl_certificate {tls.certs.cert};
    ssl_certificate_key {tls.certs.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    ssl_session_timeout 10m;
    ssl_buffer_size 4k;
"""


class Nchan(Server):
    name = "nchan"
    port = 18081
    tls_port = 18444
    tls_protocols = ("http/1.1", "h2")
    pub_mode = "nchan"
    module = "/usr/lib/nginx/modules/ngx_nchan_module.so"

    def unavailable(self):
        if not shutil.which("nginx"):
            return "nginx not installed"
        if not os.path.exists(self.module):
            return "libnginx-mod-nchan not installed"
        return None

    def version(self):
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libnginx-mod-nchan"],
                             capture_output=True, text=True)
        return "nchan " + out.stdout.strip()

    def pub_url(self):
        return f"http://127.0.0.1:{self.port}/pub"

    def launch(self):
        d = self.workdir
        os.makedirs(f"{d}/tmp", exist_ok=True)
        conf = self.write("nginx.conf", f"""load_module {self.module};
worker_processes 2;
{NGINX_COMMON.format(dir=d)}
http {{
  access_log off;
  client_body_temp_path {d}/tmp;
  keepalive_requests 1000000;
  nchan_shared_memory_size 512M;
  server {{
    listen 127.0.0.1:{self.port} backlog=4096 reuseport;
{nginx_tls_server_lines(self.tls, self.tls_port)}    location = /{CHANNEL} {{
      nchan_subscriber eventsource;
      nchan_channel_id {CHANNEL};
      nchan_subscriber_first_message newest;
      nchan_eventsource_ping_interval {self.ctx.heartbeat_s};
    }}
    location = /pub {{
      nchan_publisher;
      nchan_channel_id {CHANNEL};
      nchan_message_buffer_length 1000;
      nchan_message_timeout 1h;
    }}
  }}
}}
""")
        self.spawn(["nginx", "-p", d, "-c", conf, "-g", "daemon off;"])


class Pushpin(Server):
    """Pushpin proxies each subscription to an origin that answers with GRIP instructions
    (hold the stream open on channel 'bench', keep-alive comment every heartbeat); a small
    nginx serves as that origin and is not counted in Pushpin's CPU and memory."""
    name = "pushpin"
    port = 18082
    control_port = 18083
    origin_port = 18084
    tls_port = 18446
    # Condure, Pushpin's connection manager, terminates TLS (HTTP/1.1 only) on `https_ports`
    # with the certificates found in runner/certs beside pushpin.conf.
    tls_protocols = ("http/1.1",)
    pub_mode = "pushpin"
    # At 2,000 new subscriptions per second most of them got 502/500 from Pushpin here.
    max_connect_rate = 500

    def unavailable(self):
        if not shutil.which("pushpin"):
            return "pushpin not installed"
        if not shutil.which("nginx"):
            return "nginx (Pushpin's origin here) not installed"
        return None

    def version(self):
        out = subprocess.run(["pushpin", "--version"], capture_output=True, text=True)
        return (out.stdout or out.stderr).strip()

    def pub_url(self):
        return f"http://127.0.0.1:{self.control_port}/publish/"

    def launch(self):
        d = self.workdir
        os.makedirs(f"{d}/run", exist_ok=True)
        os.makedirs(f"{d}/log", exist_ok=True)
        os.makedirs(f"{d}/origin/tmp", exist_ok=True)
        keep_alive = f":\\\\n\\\\n; format=cstring; timeout={self.ctx.heartbeat_s}"
        origin_conf = self.write("origin.conf", f"""worker_processes 1;
{NGINX_COMMON.format(dir=d + '/origin')}
http {{
  access_log off;
  client_body_temp_path {d}/origin/tmp;
  server {{
    listen 127.0.0.1:{self.origin_port} backlog=4096;
    location / {{
      default_type text/event-stream;
      add_header Grip-Hold stream;
      add_header Grip-Channel {CHANNEL};
      add_header Grip-Keep-Alive "{keep_alive}";
      add_header Cache-Control no-cache;
      return 200 "";
    }}
  }}
}}
""")
        self.spawn(["nginx", "-p", f"{d}/origin", "-c", origin_conf, "-g", "daemon off;"],
                   accounted=False)
        routes = self.write("routes", f"* 127.0.0.1:{self.origin_port}\n")
        https_ports = ""
        if self.tls:
            certs = os.path.join(d, "runner", "certs")
            os.makedirs(certs, exist_ok=True)
            # The runner hands condure `default-cert=default_<port>` for each https port.
            default = os.path.join(certs, f"default_{self.tls_port}")
            shutil.copy(self.tls.certs.cert, default + ".crt")
            shutil.copy(self.tls.certs.key, default + ".key")
            https_ports = f"https_ports=127.0.0.1:{self.tls_port}\n"
        conf = self.write("pushpin.conf", f"""[global]
include={{libdir}}/internal.conf
rundir={d}/run
ipc_prefix=bench-
port_offset=0
stats_connection_ttl=120

[runner]
services=condure,zurl,pushpin-proxy,pushpin-handler
http_port=127.0.0.1:{self.port}
{https_ports}logdir={d}/log
log_level=1
client_buffer_size=4096
client_maxconn=20000

[proxy]
routesfile={routes}
zurl_out_specs=ipc://{{rundir}}/{{ipc_prefix}}zurl-in
zurl_out_stream_specs=ipc://{{rundir}}/{{ipc_prefix}}zurl-in-stream
zurl_in_specs=ipc://{{rundir}}/{{ipc_prefix}}zurl-out
debug=false
auto_cross_origin=false
updates_check=off

[handler]
push_in_spec=tcp://127.0.0.1:18090
push_in_sub_specs=tcp://127.0.0.1:18092
push_in_sub_connect=false
push_in_http_addr=127.0.0.1
push_in_http_port={self.control_port}
stats_spec=ipc://{{rundir}}/{{ipc_prefix}}stats
command_spec=tcp://127.0.0.1:18093
message_rate={self.ctx.pushpin_message_rate}
message_hwm={self.ctx.pushpin_message_hwm}
message_wait=5000
id_cache_ttl=60
connection_subscription_max=20
subscription_linger=60
stats_subscription_ttl=60
stats_report_interval=10
stats_format=tnetstring
""")
        self.spawn(["pushpin", "--config", conf])

    def start(self, workdir):
        why = super().start(workdir)
        if why is None and not wait_for_port(self.control_port, 10):
            why = "control API did not listen: " + tail(self.log)
        return why


def hs256_jwt(claims, key):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


class Mercure(Server):
    name = "mercure"
    port = 18085
    tls_port = 18445
    tls_protocols = ("http/1.1", "h2")  # Caddy serves h2 by ALPN on every TLS listener
    pub_mode = "mercure"
    key = "ssegw-bench-publisher-key-0123456789abcdef"

    def unavailable(self):
        if not os.access(self.ctx.mercure_bin, os.X_OK):
            reason = "not built"
            if os.path.exists(self.ctx.mercure_build_log):
                reason += ": " + tail(self.ctx.mercure_build_log, 2)
            return reason
        return None

    def version(self):
        out = subprocess.run([self.ctx.mercure_bin, "version"], capture_output=True, text=True)
        caddy = (out.stdout or out.stderr).strip().split(" ")[0]
        mercure = "?"
        go_mod = os.path.join(os.path.dirname(os.path.dirname(self.ctx.mercure_bin)),
                              "mercure-src", "go.mod")
        if os.path.exists(go_mod):
            for line in open(go_mod):
                words = line.split()
                if "github.com/dunglas/mercure/caddy" in words:
                    mercure = words[words.index("github.com/dunglas/mercure/caddy") + 1]
        return f"Mercure {mercure} (Caddy {caddy})"

    def sub_path(self):
        return f"/.well-known/mercure?topic={CHANNEL}"

    def pub_url(self):
        return f"http://127.0.0.1:{self.port}/.well-known/mercure"

    def pub_headers(self):
        token = hs256_jwt({"mercure": {"publish": ["*"]}}, self.key)
        return [f"Authorization: Bearer {token}"]

    def site(self, address, tls_line=""):
        # The same transport settings in two site blocks give one shared Bolt transport
        # (mercure/caddy keeps transports in a pool keyed by their configuration), so the
        # publisher's updates on the plain site reach the TLS site's subscribers.
        return f"""{address} {{
  bind 127.0.0.1
{tls_line}  mercure {{
    transport bolt {{
      path {self.workdir}/mercure.db
      size 1000
    }}
    publisher_jwt {self.key} HS256
    anonymous
    heartbeat {self.ctx.heartbeat_s}s
    write_timeout 0s
  }}
}}
"""

    def launch(self):
        sites = self.site(f"http://127.0.0.1:{self.port}")
        if self.tls:
            c = self.tls.certs
            sites += "\n" + self.site(f"https://127.0.0.1:{self.tls_port}",
                                      f"  tls {c.cert} {c.key}\n")
        caddyfile = self.write("Caddyfile", f"""{{
  admin off
  auto_https off
  http_port {self.port}
  log {{
    level ERROR
  }}
}}

{sites}""")
        self.spawn([self.ctx.mercure_bin, "run", "--config", caddyfile, "--adapter", "caddyfile"],
                   env=dict(os.environ, GOMAXPROCS="2"))


ALL = {"gateway": Gateway, "nchan": Nchan, "pushpin": Pushpin, "mercure": Mercure}
