#pragma once
// Blocking HTTP/1.1 and SSE clients for tests, written apart from the gateway's own code so
// they check it rather than mirror it.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ssegw::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;                              // 0: no answer (connect failed or timed out)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// One request on a fresh connection ("Connection: close"), the whole answer read.
HttpResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = "", const Headers& headers = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

// POST body to path?event=type; returns the response (the id is in the body).
HttpResponse publish(uint16_t port, const std::string& path, const std::string& data,
                     const std::string& event_type = "", const Headers& headers = {});

struct SseEvent {
  std::string id;    // the last id the stream set, as a browser sees it
  std::string type;  // "message" when the event had no event: field
  std::string data;
  bool id_field = false;  // the event had an id: line of its own, not one carried over
};

// The data of each event, in order.
std::vector<std::string> data_of(const std::vector<SseEvent>& events);

// ASCII lower case, as header names compare.
std::string lower(std::string s);

// An SSE subscription read event by event.
class SseClient {
 public:
  SseClient(uint16_t port, const std::string& path, const Headers& headers = {});
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  int status() const { return status_; }  // 0 if no response head arrived
  const std::map<std::string, std::string>& headers() const { return headers_; }
  // The next event, or nullopt on timeout or end of stream.
  std::optional<SseEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Up to n events, stopping early on timeout; the total wait is bounded by `timeout`.
  std::vector<SseEvent> take(size_t n,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool closed() const { return closed_; }
  std::optional<int64_t> retry_ms() const { return retry_; }
  uint64_t comments_seen() const { return comments_; }  // heartbeats
  int fd() const { return fd_; }
  void close();

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  std::optional<std::string> next_line(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  int status_ = 0;
  bool closed_ = false;
  bool chunked_ = false;
  std::map<std::string, std::string> headers_;
  std::string raw_;  // bytes read, not yet de-chunked
  std::string buf_;  // de-chunked body bytes not yet parsed
  std::string last_id_;
  std::optional<int64_t> retry_;
  uint64_t comments_ = 0;
  size_t chunk_left_ = 0;
  // The event being read, kept across calls that time out halfway through it.
  std::string data_;
  std::string type_;
  bool has_data_ = false;
  bool has_id_ = false;
};

}  // namespace ssegw::testing
