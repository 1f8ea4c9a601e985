#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "tests/support/raw_connection.h"

namespace ssegw::testing {
namespace {

using Clock = std::chrono::steady_clock;

bool send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads what is there within the deadline: >0 bytes, 0 on EOF, -1 on timeout or error.
ssize_t read_some(int fd, std::string& into, Clock::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left < 0) left = 0;
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left)) <= 0) return -1;
  char buf[16384];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n > 0) into.append(buf, static_cast<size_t>(n));
  return n;
}

// Parses "HTTP/1.1 200 OK\r\nA: b\r\n\r\n"; returns the head length or 0 if incomplete.
size_t parse_head(const std::string& raw, int& status,
                  std::map<std::string, std::string>& headers) {
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  size_t line_end = raw.find("\r\n");
  std::string status_line = raw.substr(0, line_end);
  size_t sp = status_line.find(' ');
  status = sp == std::string::npos ? 0 : std::atoi(status_line.c_str() + sp + 1);
  size_t pos = line_end + 2;
  while (pos < end) {
    size_t next = raw.find("\r\n", pos);
    std::string line = raw.substr(pos, next - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      headers[lower(line.substr(0, colon))] = value;
    }
    pos = next + 2;
  }
  return end + 4;
}

std::string build_request(const std::string& method, const std::string& target,
                          const std::string& body, const Headers& headers, bool close) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (close) req += "Connection: close\r\n";
  req += "\r\n" + body;
  return req;
}

}  // namespace

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> data_of(const std::vector<SseEvent>& events) {
  std::vector<std::string> data;
  for (const SseEvent& e : events) data.push_back(e.data);
  return data;
}

HttpResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body, const Headers& headers,
                          std::chrono::milliseconds timeout) {
  HttpResponse response;
  int fd = connect_loopback(port);
  if (fd < 0) return response;
  auto deadline = Clock::now() + timeout;
  if (!send_all(fd, build_request(method, target, body, headers, true))) {
    ::close(fd);
    return response;
  }
  std::string raw;
  size_t head = 0;
  while (head == 0) {
    if (read_some(fd, raw, deadline) <= 0) break;
    head = parse_head(raw, response.status, response.headers);
  }
  if (head == 0) {
    ::close(fd);
    response.status = 0;
    return response;
  }
  size_t want = std::string::npos;
  if (auto it = response.headers.find("content-length"); it != response.headers.end()) {
    want = std::stoul(it->second);
  }
  if (method == "HEAD" || response.status == 204) want = 0;
  while (want == std::string::npos || raw.size() - head < want) {
    if (read_some(fd, raw, deadline) <= 0) break;
  }
  response.body = raw.substr(head, want == std::string::npos ? std::string::npos : want);
  ::close(fd);
  return response;
}

HttpResponse publish(uint16_t port, const std::string& path, const std::string& data,
                     const std::string& event_type, const Headers& headers) {
  std::string target = path;
  if (!event_type.empty()) target += "?event=" + event_type;
  return http_request(port, "POST", target, data, headers);
}

SseClient::SseClient(uint16_t port, const std::string& path, const Headers& headers) {
  fd_ = connect_loopback(port);
  if (fd_ < 0) {
    closed_ = true;
    return;
  }
  Headers all = headers;
  all.emplace_back("Accept", "text/event-stream");
  if (!send_all(fd_, build_request("GET", path, "", all, false))) {
    close();
    return;
  }
  auto deadline = Clock::now() + std::chrono::seconds(5);
  size_t head = 0;
  while (head == 0) {
    if (read_some(fd_, raw_, deadline) <= 0) {
      close();
      return;
    }
    head = parse_head(raw_, status_, headers_);
  }
  raw_.erase(0, head);
  auto te = headers_.find("transfer-encoding");
  chunked_ = te != headers_.end() && lower(te->second).find("chunked") != std::string::npos;
}

SseClient::~SseClient() {
  close();
}

void SseClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  closed_ = true;
}

// Moves de-chunked body bytes from raw_ to buf_, reading more if needed.
bool SseClient::fill(Clock::time_point deadline) {
  if (raw_.empty()) {
    if (fd_ < 0) return false;
    ssize_t n = read_some(fd_, raw_, deadline);
    if (n == 0) closed_ = true;
    if (n <= 0) return false;
  }
  if (!chunked_) {
    buf_ += raw_;
    raw_.clear();
    return true;
  }
  while (!raw_.empty()) {
    if (chunk_left_ == 0) {
      size_t eol = raw_.find("\r\n");
      if (eol == std::string::npos) break;
      if (eol == 0) {
        raw_.erase(0, 2);
        continue;
      }
      chunk_left_ = std::stoul(raw_.substr(0, eol), nullptr, 16);
      raw_.erase(0, eol + 2);
      if (chunk_left_ == 0) {
        closed_ = true;
        return false;
      }
    }
    size_t take = std::min(chunk_left_, raw_.size());
    buf_.append(raw_, 0, take);
    raw_.erase(0, take);
    chunk_left_ -= take;
  }
  return true;
}

std::optional<std::string> SseClient::next_line(Clock::time_point deadline) {
  while (true) {
    size_t pos = buf_.find_first_of("\r\n");
    if (pos != std::string::npos) {
      // A CR at the very end may be the first half of a CRLF still on the way.
      if (buf_[pos] == '\r' && pos + 1 == buf_.size() && fd_ >= 0) {
        if (!fill(deadline)) return std::nullopt;
        continue;
      }
      std::string line = buf_.substr(0, pos);
      size_t skip = (buf_[pos] == '\r' && pos + 1 < buf_.size() && buf_[pos + 1] == '\n') ? 2 : 1;
      buf_.erase(0, pos + skip);
      return line;
    }
    if (!fill(deadline)) return std::nullopt;
  }
}

std::optional<SseEvent> SseClient::next(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::string& data = data_;
  std::string& type = type_;
  bool& has_data = has_data_;
  while (true) {
    auto line = next_line(deadline);
    if (!line) return std::nullopt;
    if (line->empty()) {
      if (!has_data) {
        type.clear();
        has_id_ = false;
        continue;
      }
      SseEvent event{last_id_, type.empty() ? "message" : type, data, has_id_};
      data.clear();
      type.clear();
      has_data = false;
      has_id_ = false;
      return event;
    }
    if ((*line)[0] == ':') {
      ++comments_;
      continue;
    }
    size_t colon = line->find(':');
    std::string field = line->substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line->substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (field == "data") {
      if (has_data) data += "\n";
      data += value;
      has_data = true;
    } else if (field == "event") {
      type = value;
    } else if (field == "id" && value.find('\0') == std::string::npos) {
      last_id_ = value;
      has_id_ = true;
    } else if (field == "retry" && !value.empty() &&
               std::all_of(value.begin(), value.end(),
                           [](char c) { return c >= '0' && c <= '9'; })) {
      retry_ = std::stoll(value);
    }
  }
}

std::vector<SseEvent> SseClient::take(size_t n, std::chrono::milliseconds timeout) {
  std::vector<SseEvent> events;
  auto deadline = Clock::now() + timeout;
  while (events.size() < n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    auto event = next(left);
    if (!event) break;
    events.push_back(std::move(*event));
  }
  return events;
}

}  // namespace ssegw::testing
