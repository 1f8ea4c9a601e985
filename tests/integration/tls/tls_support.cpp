#include "tests/integration/tls/tls_support.h"

#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/http_client.h"

namespace ssegw::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

TestPki::TestPki() {
  ToolResult made = run_tool(
      {"bash", source_dir() + "/tests/integration/tls/make_test_ca.sh", dir_.path()}, seconds(60));
  if (made.exit_code != 0) throw std::runtime_error("make_test_ca.sh failed:\n" + made.output);
}

std::string TestPki::spki(const std::string& name) const {
  return trimmed(read_file(path(name + ".spki")));
}

const TestPki& test_pki() {
  static const TestPki pki;
  return pki;
}

std::vector<Listener> listeners(const std::string& output) {
  const std::string marker = "listening on ";
  std::vector<Listener> found;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find(marker);
    if (at == std::string::npos) continue;
    if (auto port = listening_port(line.substr(at))) {
      found.push_back({*port, line.find(" tls=true") != std::string::npos,
                       line.find(" http2=true") != std::string::npos});
    }
  }
  return found;
}

std::string tls_gateway_config(const TlsGatewayOptions& options) {
  const std::string certificates = options.tls_block.empty()
                                       ? "        cert_file: " + options.cert_file +
                                             "\n        key_file: " + options.key_file + "\n"
                                       : options.tls_block;
  // server.http2 only when a test needs other than the defaults (256 streams, 1 MiB).
  const std::string http2_block = options.max_concurrent_streams == 256
                                      ? ""
                                      : "  http2:\n    max_concurrent_streams: " +
                                            std::to_string(options.max_concurrent_streams) +
                                            "\n    initial_window_size: 1MiB\n";
  return "server:\n"
         "  workers: 2\n"
         "  heartbeat: 15s\n"
         "  max_body_bytes: 1MiB\n"
         "  subscriber_queue_bytes: " +
         options.subscriber_queue_bytes +
         "\n"
         "  listen:\n"
         "    - 127.0.0.1:0\n"
         "    - address: 127.0.0.1:0\n"
         "      tls:\n" +
         certificates + "        min_version: \"" + options.min_version +
         "\"\n"
         "        handshake_timeout: " +
         options.handshake_timeout +
         "\n"
         "      http2: true\n"
         "    - address: 127.0.0.1:0\n"
         "      http2: true\n" +
         http2_block +
         "channels:\n"
         "  - path: /events\n"
         "    history: 100\n"
         "    publish: true\n";
}

TlsGateway::TlsGateway(const TlsGatewayOptions& options) : config_(tls_gateway_config(options)) {
  child_.emplace(std::vector<std::string>{gateway_binary(), "--config", config_.path()});
  const auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::vector<Listener> bound = listeners(child_->output());
    if (bound.size() >= 3) {
      for (const Listener& l : bound) {
        uint16_t& port = l.tls ? tls_ : (l.http2 ? h2c_ : plain_);
        port = l.port;
      }
      if (plain_ && tls_ && h2c_) return;
      throw std::runtime_error("want a plain, a TLS+h2 and an h2c listener; output:\n" +
                               child_->output() + "\nconfig:\n" + read_file(config_.path()));
    }
    if (!child_->running()) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  throw std::runtime_error("gateway did not log its three listeners; output:\n" + child_->output() +
                           "\nconfig:\n" + read_file(config_.path()));
}

std::string TlsGateway::metrics() const {
  return http_request(plain_, "GET", "/metrics").body;
}

std::string H2Result::field(const std::string& key) const {
  auto it = fields.find(key);
  return it == fields.end() ? "<missing " + key + ">" : it->second;
}

std::map<std::string, std::string> parse_fields(const std::string& output) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    const std::string key = line.substr(0, eq);
    if (key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) continue;
    fields[key] = line.substr(eq + 1);
  }
  return fields;
}

std::vector<std::string> h2_script_argv(const std::string& mode, uint16_t tls_port,
                                        const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SSEGW_H2_PYTHON,
                                   source_dir() + "/tests/integration/tls/h2_streams.py",
                                   mode,
                                   "--port",
                                   std::to_string(tls_port),
                                   "--ca",
                                   test_pki().path("ca.pem")};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

H2Result run_h2(const std::string& mode, uint16_t tls_port, const std::vector<std::string>& args,
                milliseconds timeout) {
  ToolResult run = run_tool(h2_script_argv(mode, tls_port, args), timeout);
  return H2Result{run.exit_code, run.output, parse_fields(run.output)};
}

std::string served_serial(uint16_t tls_port, const std::string& server_name) {
  const std::string command = "openssl s_client -connect 127.0.0.1:" + std::to_string(tls_port) +
                              " -servername " + server_name + " </dev/null 2>/dev/null" +
                              " | openssl x509 -noout -serial";
  ToolResult r = run_tool({"bash", "-c", command}, seconds(15));
  const std::string out = trimmed(r.output);
  const size_t eq = out.rfind("serial=");
  return eq == std::string::npos ? "<no certificate: " + out + ">" : out.substr(eq + 7);
}

}  // namespace ssegw::testing
