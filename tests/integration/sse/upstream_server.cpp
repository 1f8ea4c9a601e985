#include "tests/integration/sse/upstream_server.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/http_client.h"

namespace ssegw::testing {
namespace {

// The log lines are the JSON Python's json.dumps writes for flat string maps; this reads
// exactly that shape ("key": "value" pairs with \" and \\ escapes).
std::vector<std::pair<std::string, std::string>> string_pairs(const std::string& json) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> strings;
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] != '"') continue;
    std::string s;
    for (++i; i < json.size() && json[i] != '"'; ++i) {
      if (json[i] == '\\' && i + 1 < json.size()) ++i;
      s += json[i];
    }
    strings.push_back(s);
  }
  for (size_t i = 0; i + 1 < strings.size(); i += 2) out.emplace_back(strings[i], strings[i + 1]);
  return out;
}

}  // namespace

std::string UpstreamRequestLog::header(const std::string& name) const {
  for (const auto& [k, v] : headers) {
    if (lower(k) == lower(name)) return v;
  }
  return "";
}

UpstreamServer::UpstreamServer(uint16_t port, std::vector<std::string> overrides,
                               const std::string& cert, const std::string& key) {
  std::vector<std::string> argv = {"python3",
                                   source_dir() + "/tests/integration/sse/sse_upstream.py",
                                   "--port", std::to_string(port)};
  for (const std::string& o : overrides) {
    argv.push_back("--set");
    argv.push_back(o);
  }
  if (!cert.empty()) {
    argv.insert(argv.end(), {"--cert", cert, "--key", key});
  }
  child_.emplace(argv);
  const std::string marker = "listening on 127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    // std::regex is avoided: GCC 12 warns inside it under the sanitizer build.
    const std::string out = child_->output();
    const size_t at = out.find(marker);
    if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
      port_ = static_cast<uint16_t>(std::stoi(out.substr(at + marker.size())));
      return;
    }
    if (!child_->running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("upstream did not start; output:\n" + child_->output());
}

std::vector<UpstreamRequestLog> UpstreamServer::requests() const {
  std::vector<UpstreamRequestLog> out;
  std::istringstream lines(child_->output());
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("REQUEST ", 0) != 0) continue;
    UpstreamRequestLog r;
    const size_t headers_at = line.find("\"headers\": {");
    const auto top = string_pairs(line.substr(0, headers_at));
    for (const auto& [k, v] : top) {
      if (k == "path") r.path = v;
      if (k == "query") r.query = v;
    }
    if (headers_at != std::string::npos) {
      for (const auto& [k, v] : string_pairs(line.substr(headers_at + 11))) r.headers[k] = v;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<UpstreamRequestLog> UpstreamServer::wait_requests(
    size_t n, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto seen = requests();
  while (seen.size() < n && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    seen = requests();
  }
  return seen;
}

std::string gateway_config(const std::vector<std::string>& channels,
                           const std::string& source_body) {
  std::string yaml = "server: {workers: 2, heartbeat: 15s}\nchannels:\n";
  for (const std::string& path : channels) {
    yaml += "  - {path: " + path + ", history: 1000, publish: true}\n";
  }
  if (source_body.empty()) return yaml + "sources: []\n";
  yaml += "sources:\n  - name: up\n    type: sse\n" + source_body;
  return yaml;
}

std::optional<double> source_metric(uint16_t gateway_port, const std::string& metric,
                                    const std::string& name) {
  const HttpResponse r = http_request(gateway_port, "GET", "/metrics");
  if (r.status != 200) return std::nullopt;
  const std::string prefix = metric + "{kind=\"source\",name=\"" + name + "\"} ";
  const size_t at = r.body.find(prefix);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(r.body.substr(at + prefix.size()));
}

double wait_metric(uint16_t gateway_port, const std::string& metric, const std::string& name,
                   double at_least, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  double value = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    value = source_metric(gateway_port, metric, name).value_or(-1);
    if (value >= at_least) return value;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return value;
}

bool wait_state(uint16_t gateway_port, const std::string& name, const std::string& state,
                std::chrono::milliseconds timeout) {
  const std::string line = "ssegw_bridge_state{kind=\"source\",name=\"" + name +
                           "\",type=\"sse\",state=\"" + state + "\"} 1";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (http_request(gateway_port, "GET", "/metrics").body.find(line) != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void expect_clean_stop(GatewayProcess& gateway) {
  gateway.process().signal(SIGTERM);
  const auto status = gateway.process().wait_exit(std::chrono::seconds(15));
  ASSERT_TRUE(status) << "gateway did not exit on SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << gateway.output();
  const std::string out = gateway.output();
  for (const char* report : {"AddressSanitizer", "LeakSanitizer", "runtime error:"}) {
    EXPECT_EQ(out.find(report), std::string::npos) << out;
  }
}

}  // namespace ssegw::testing
