#include "http_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ssegw {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

ParseOutcome error(int status, std::string message) {
  ParseOutcome out;
  out.status = ParseStatus::kError;
  out.error_status = status;
  out.error = std::move(message);
  return out;
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
  if (request.target.empty()) return false;
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

}  // namespace

const std::string* HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return &value;
  }
  return nullptr;
}

bool HttpRequest::keep_alive() const {
  const std::string* connection = header("connection");
  std::string value = connection ? lower(*connection) : "";
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
  size_t head_end = input.find("\r\n\r\n");
  size_t sep = 4;
  size_t lf_end = input.find("\n\n");
  if (lf_end != std::string_view::npos &&
      (head_end == std::string_view::npos || lf_end < head_end)) {
    head_end = lf_end;
    sep = 2;
  }
  if (head_end == std::string_view::npos) {
    if (input.size() > limits.max_head_bytes) return error(431, "request head too large");
    return ParseOutcome{};
  }
  if (head_end > limits.max_head_bytes) return error(431, "request head too large");
  request = HttpRequest{};
  std::vector<std::string_view> lines = head_lines(input.substr(0, head_end));
  // Tolerate empty lines before the request line, as RFC 9112 section 2.2 allows.
  size_t first = 0;
  while (first < lines.size() && lines[first].empty()) ++first;
  if (first == lines.size() || !parse_request_line(lines[first], request))
    return error(400, "bad request line");
  for (size_t i = first + 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return error(400, "bad header line");
    std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) return error(400, "bad header name");
    request.headers.emplace_back(lower(name), std::string(trim(line.substr(colon + 1))));
  }
  size_t body_start = head_end + sep;
  if (const std::string* te = request.header("transfer-encoding")) {
    (void)te;
    return error(411, "chunked request bodies are not supported; send Content-Length");
  }
  size_t length = 0;
  if (const std::string* cl = request.header("content-length")) {
    auto [end, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), length);
    if (ec != std::errc() || end != cl->data() + cl->size())
      return error(400, "bad Content-Length");
    if (length > limits.max_body_bytes) return error(413, "request body too large");
  }
  if (input.size() - body_start < length) return ParseOutcome{};
  request.body = std::string(input.substr(body_start, length));
  ParseOutcome done;
  done.status = ParseStatus::kComplete;
  done.consumed = body_start + length;
  return done;
}

}  // namespace ssegw
