#pragma once
// Socket and URL helpers shared by the benchmark clients. Servers under test always listen on
// loopback, so hosts are IPv4 literals (or "localhost").
#include <cstdint>
#include <string>
#include <string_view>

namespace ssegw::bench {

struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";  // path and query
  bool https = false;
};

// Parses "http://HOST:PORT/path?query" (or https://, port 443 by default); false with `error` set
// when it is not such a URL.
bool parse_http_url(std::string_view url, HttpUrl& out, std::string& error);

// Starts a non-blocking TCP connect to host:port, first binding to source_ip when it is not
// empty (port chosen at connect time, so each source address has its own ephemeral ports).
// Returns the fd, or -1 with `error` set.
int start_connect(const std::string& host, uint16_t port, const std::string& source_ip,
                  std::string& error);

// After the socket turns writable: 0 when connected, otherwise the errno of the failure.
int connect_result(int fd);

// Raises the soft open-file limit to the hard limit; returns the new soft limit.
uint64_t raise_open_file_limit();

// Writes `text` to `path` atomically (temporary file then rename), so pollers never see half.
bool write_file_atomically(const std::string& path, const std::string& text);

// CPU time (user + system) this process has used so far, in seconds.
double process_cpu_seconds();

// Monotonic time in microseconds, for pacing and timeouts.
uint64_t monotonic_us();

}  // namespace ssegw::bench
