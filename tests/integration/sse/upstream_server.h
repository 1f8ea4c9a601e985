#pragma once
// Test helpers for the SSE source suites: the Python upstream (sse_upstream.py) as a child
// process, gateway configs with one sse source, and reads of the gateway's /metrics.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace ssegw::testing {

// One request the upstream received, as it logged it.
struct UpstreamRequestLog {
  std::string path;
  std::string query;
  std::map<std::string, std::string> headers;         // as sent
  std::string header(const std::string& name) const;  // case-insensitive, "" if absent
};

class UpstreamServer {
 public:
  // Starts on `port` (0: any free one) with optional TLS and --set overrides.
  explicit UpstreamServer(uint16_t port = 0, std::vector<std::string> overrides = {},
                          const std::string& cert = "", const std::string& key = "");
  uint16_t port() const { return port_; }
  ChildProcess& process() { return *child_; }
  std::vector<UpstreamRequestLog> requests() const;
  // Waits until at least n requests arrived; returns them.
  std::vector<UpstreamRequestLog> wait_requests(
      size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(15)) const;

 private:
  std::optional<ChildProcess> child_;
  uint16_t port_ = 0;
};

// A gateway config with channels (history 1000, publish allowed) and one `type: sse` source
// whose extra YAML lines (indented 4 spaces) are `source_body` (empty: no sources).
std::string gateway_config(const std::vector<std::string>& channels,
                           const std::string& source_body);

// A counter or gauge from /metrics for the source `name`; nullopt if absent.
std::optional<double> source_metric(uint16_t gateway_port, const std::string& metric,
                                    const std::string& name);
// Polls until the metric reaches at least `at_least`; returns the last value seen.
double wait_metric(uint16_t gateway_port, const std::string& metric, const std::string& name,
                   double at_least, std::chrono::milliseconds timeout = std::chrono::seconds(20));
// Polls until the source shows `state` (ssegw_bridge_state == 1).
bool wait_state(uint16_t gateway_port, const std::string& name, const std::string& state,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

// SIGTERM, then expects exit status 0 and no sanitizer report in the gateway's output.
void expect_clean_stop(GatewayProcess& gateway);

}  // namespace ssegw::testing
