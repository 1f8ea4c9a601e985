#include "http_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "text.h"

namespace ssegw {
namespace {

ParseOutcome error(int status, std::string message) {
  ParseOutcome out;
  out.status = ParseStatus::kError;
  out.error_status = status;
  out.error = std::move(message);
  return out;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Splits the head into lines ending in CRLF or a bare LF.
std::vector<std::string_view> head_lines(std::string_view head) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < head.size()) {
    size_t nl = head.find('\n', pos);
    if (nl == std::string_view::npos) nl = head.size();
    std::string_view line = head.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    pos = nl + 1;
  }
  return lines;
}

bool parse_request_line(std::string_view line, HttpRequest& request) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return false;
  request.method = std::string(line.substr(0, sp1));
  request.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view version = line.substr(sp2 + 1);
  if (request.method.empty() ||
      !std::all_of(request.method.begin(), request.method.end(), is_token_char))
    return false;
  if (version == "HTTP/1.1") {
    request.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    request.minor_version = 0;
  } else {
    return false;
  }
  const auto visible = [](char c) { return c > 0x20 && c < 0x7f; };
  if (request.target.empty() || !std::all_of(request.target.begin(), request.target.end(), visible))
    return false;
  size_t q = request.target.find('?');
  request.path = request.target.substr(0, q);
  request.query = q == std::string::npos ? "" : request.target.substr(q + 1);
  // Absolute-form targets (proxies) carry scheme and host: keep only the path.
  if (request.path.rfind("http://", 0) == 0 || request.path.rfind("https://", 0) == 0) {
    size_t slash = request.path.find('/', request.path.find("//") + 2);
    request.path = slash == std::string::npos ? "/" : request.path.substr(slash);
  }
  return !request.path.empty() && request.path[0] == '/';
}

// RFC 9112 section 2.2: empty lines before the request line are ignored.
size_t skip_empty_lines(std::string_view input) {
  size_t pos = 0;
  while (pos < input.size()) {
    if (input[pos] == '\n') {
      ++pos;
    } else if (input[pos] == '\r' && pos + 1 < input.size() && input[pos + 1] == '\n') {
      pos += 2;
    } else {
      break;
    }
  }
  return pos;
}

struct HeadBounds {
  size_t head_end = 0;                         // end of the last header line's text
  size_t body_start = std::string_view::npos;  // npos: the blank line has not arrived
};

// Looks for the blank line (CRLF or bare LF) that ends the head, never further than
// max_head bytes past `start`, so a large pipelined buffer costs only what one head costs.
HeadBounds find_head(std::string_view input, size_t start, size_t max_head) {
  HeadBounds bounds;
  const size_t limit = std::min(input.size(), start + max_head + 4);
  const char* base = input.data();
  size_t pos = start;
  while (pos < limit) {
    const void* hit = std::memchr(base + pos, '\n', limit - pos);
    if (!hit) break;
    size_t nl = static_cast<size_t>(static_cast<const char*>(hit) - base);
    if (nl + 1 < input.size() && input[nl + 1] == '\n') {
      bounds.head_end = nl;
      bounds.body_start = nl + 2;
      return bounds;
    }
    if (nl + 2 < input.size() && input[nl + 1] == '\r' && input[nl + 2] == '\n') {
      bounds.head_end = nl;
      bounds.body_start = nl + 3;
      return bounds;
    }
    pos = nl + 1;
  }
  return bounds;
}

// field-value = *( VCHAR / obs-text / SP / HTAB ): a bare CR or a NUL would otherwise be
// echoed into a response header (Origin into Access-Control-Allow-Origin) and split it.
bool is_field_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}

// RFC 9112 section 6.3: a Content-Length that is a list or that differs between two
// header lines makes the framing ambiguous (request smuggling); equal duplicates are fine.
std::optional<size_t> content_length(const HttpRequest& request) {
  std::optional<size_t> length;
  for (const auto& [name, value] : request.headers) {
    if (name != "content-length") continue;
    size_t parsed = 0;
    if (value.empty() || !std::all_of(value.begin(), value.end(), is_digit)) return std::nullopt;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    if (length && *length != parsed) return std::nullopt;
    length = parsed;
  }
  return length.value_or(0);
}

size_t count_headers(const HttpRequest& request, std::string_view name) {
  return static_cast<size_t>(std::count_if(request.headers.begin(), request.headers.end(),
                                           [&](const auto& h) { return h.first == name; }));
}

bool expects_continue(const HttpRequest& request) {
  const std::string* expect = request.header("expect");
  return expect && ascii_lower(*expect) == "100-continue";
}

// Host is required in HTTP/1.1 (RFC 9112 section 3.2); bodies come with Content-Length only.
ParseOutcome check_framing_headers(const HttpRequest& request) {
  const size_t hosts = count_headers(request, "host");
  if (hosts > 1 || (hosts == 0 && request.minor_version == 1))
    return error(400, "HTTP/1.1 requests need exactly one Host header");
  if (request.header("transfer-encoding"))
    return error(411, "chunked request bodies are not supported; send Content-Length");
  if (request.header("expect") && !expects_continue(request))
    return error(417, "only Expect: 100-continue is understood");
  return ParseOutcome{};
}

}  // namespace

const std::string* HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

bool HttpRequest::keep_alive() const {
  const std::string* connection = header("connection");
  std::string value = connection ? ascii_lower(*connection) : "";
  if (minor_version == 0) return value.find("keep-alive") != std::string::npos;
  return value.find("close") == std::string::npos;
}

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::vector<std::string> HttpRequest::query_params(std::string_view name, size_t max) const {
  std::vector<std::string> values;
  std::string_view rest = query;
  while (!rest.empty() && values.size() <= max) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == name)
      values.push_back(eq == std::string_view::npos ? std::string()
                                                    : percent_decode(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return values;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      int value = 0;
      std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

ParseOutcome parse_http_request(std::string_view input, const HttpLimits& limits,
                                HttpRequest& request) {
  const size_t start = skip_empty_lines(input);
  if (start > limits.max_head_bytes) return error(400, "too many empty lines before the request");
  HeadBounds bounds = find_head(input, start, limits.max_head_bytes);
  if (bounds.body_start == std::string_view::npos) {
    if (input.size() - start > limits.max_head_bytes) return error(431, "request head too large");
    return ParseOutcome{};
  }
  request = HttpRequest{};
  std::vector<std::string_view> lines = head_lines(input.substr(start, bounds.head_end - start));
  if (lines.empty() || !parse_request_line(lines[0], request))
    return error(400, "bad request line");
  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return error(400, "bad header line");
    std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) return error(400, "bad header name");
    std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_field_value(value)) return error(400, "control character in a header value");
    request.headers.emplace_back(ascii_lower(name), std::string(value));
  }
  if (ParseOutcome bad = check_framing_headers(request); bad.status == ParseStatus::kError)
    return bad;
  std::optional<size_t> length = content_length(request);
  if (!length) return error(400, "bad Content-Length");
  if (*length > limits.max_body_bytes) return error(413, "request body too large");
  if (input.size() - bounds.body_start < *length) {
    ParseOutcome waiting;
    waiting.expect_continue = expects_continue(request);
    return waiting;
  }
  request.body = std::string(input.substr(bounds.body_start, *length));
  ParseOutcome done;
  done.status = ParseStatus::kComplete;
  done.consumed = bounds.body_start + *length;
  return done;
}

}  // namespace ssegw
