#include "bridges/sse/http_url.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "gateway/text.h"

namespace ssegw::sse {
namespace {

bool set_error(std::string* error, const std::string& text) {
  if (error) *error = text;
  return false;
}

bool has_bad_target_bytes(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7F; });
}

// "host", "host:port", "[v6]", "[v6]:port".
bool parse_authority(std::string_view authority, HttpUrl& url, std::string* error) {
  if (authority.find('@') != std::string_view::npos) {
    return set_error(error, "user info in the URL is not supported; use headers");
  }
  std::string_view port_text;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return set_error(error, "unterminated '[' in host");
    url.host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return set_error(error, "unexpected text after ']'");
      port_text = rest.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    url.host = ascii_lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return set_error(error, "missing host");
  if (has_bad_target_bytes(url.host)) return set_error(error, "invalid character in host");
  url.port = url.tls ? 443 : 80;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return set_error(error, "invalid port '" + std::string(port_text) + "'");
    }
    url.port = static_cast<uint16_t>(value);
  }
  return true;
}

// RFC 3986 section 5.2.4, on the path part only.
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 1;  // path starts with '/'
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(pos, slash - pos);
    const bool last = slash == path.size();
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
      if (last) segments.push_back("");
    } else if (seg == ".") {
      if (last) segments.push_back("");
    } else {
      segments.push_back(seg);
    }
    pos = slash + 1;
  }
  std::string out;
  for (std::string_view seg : segments) {
    out += '/';
    out += seg;
  }
  return out.empty() ? "/" : out;
}

}  // namespace

// Strings here are appended rather than built as "literal" + std::string(...): GCC 12 at
// -O2 reports a false -Werror=restrict inside that operator+.
std::string HttpUrl::host_header() const {
  const bool bracketed = host.find(':') != std::string::npos;
  std::string h;
  if (bracketed) h.push_back('[');
  h.append(host);
  if (bracketed) h.push_back(']');
  if (port != (tls ? 443 : 80)) {
    h.push_back(':');
    h.append(std::to_string(port));
  }
  return h;
}

bool HttpUrl::same_origin(const HttpUrl& other) const {
  return tls == other.tls && host == other.host && port == other.port;
}

std::string HttpUrl::text() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(tls ? "https://" : "http://") + h + ":" + std::to_string(port) + target;
}

std::optional<HttpUrl> parse_http_url(std::string_view text, std::string* error) {
  HttpUrl url;
  const size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    set_error(error, "expected an http:// or https:// URL");
    return std::nullopt;
  }
  const std::string scheme = ascii_lower(text.substr(0, scheme_end));
  if (scheme == "https") {
    url.tls = true;
  } else if (scheme != "http") {
    set_error(error, "unsupported scheme '" + scheme + "' (use http or https)");
    return std::nullopt;
  }
  std::string_view rest = text.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('#'));
  const size_t path_start = rest.find_first_of("/?");
  if (!parse_authority(rest.substr(0, path_start), url, error)) return std::nullopt;
  if (path_start != std::string_view::npos) {
    std::string_view target = rest.substr(path_start);
    if (has_bad_target_bytes(target)) {
      set_error(error, "spaces or control characters in the path; percent-encode them");
      return std::nullopt;
    }
    // A query alone gets the root path in front (appended: see host_header).
    url.target.clear();
    if (target[0] == '?') url.target.push_back('/');
    url.target.append(target);
  }
  return url;
}

std::optional<HttpUrl> resolve_location(const HttpUrl& base, std::string_view location) {
  location = location.substr(0, location.find('#'));
  if (location.find("://") != std::string_view::npos) return parse_http_url(location);
  if (location.substr(0, 2) == "//") {
    return parse_http_url(std::string(base.tls ? "https:" : "http:") + std::string(location));
  }
  if (location.empty() || has_bad_target_bytes(location)) return std::nullopt;
  HttpUrl out = base;
  if (location[0] == '?') {
    out.target = base.target.substr(0, base.target.find('?')) + std::string(location);
    return out;
  }
  std::string path_and_query;
  if (location[0] == '/') {
    path_and_query = std::string(location);
  } else {
    const std::string base_path = base.target.substr(0, base.target.find('?'));
    path_and_query = base_path.substr(0, base_path.rfind('/') + 1) + std::string(location);
  }
  const size_t q = path_and_query.find('?');
  out.target = remove_dot_segments(std::string_view(path_and_query).substr(0, q));
  if (q != std::string::npos) out.target += path_and_query.substr(q);
  return out;
}

}  // namespace ssegw::sse
