#pragma once
// The http:// and https:// URLs the SSE source connects to, and redirect targets resolved
// against them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ssegw::sse {

struct HttpUrl {
  bool tls = false;  // https
  std::string host;  // without brackets for IPv6 literals
  uint16_t port = 0;
  std::string target = "/";  // path and query, as sent on the request line
  bool operator==(const HttpUrl&) const = default;

  // The Host header value: host, bracketed if IPv6, with the port when it is not the default.
  std::string host_header() const;
  // Scheme, host and port: redirects elsewhere do not carry credentials.
  bool same_origin(const HttpUrl& other) const;
  std::string text() const;
};

// Parses an absolute http(s) URL; nullopt with `error` set when it is not one. User info is
// refused (credentials belong in headers), the fragment is dropped.
std::optional<HttpUrl> parse_http_url(std::string_view text, std::string* error = nullptr);

// Resolves a Location header against the URL it came from (absolute, scheme-relative,
// absolute-path or relative-path references).
std::optional<HttpUrl> resolve_location(const HttpUrl& base, std::string_view location);

}  // namespace ssegw::sse
