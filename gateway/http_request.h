#pragma once
// Incremental parsing of one HTTP/1.x request head and a Content-Length body.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssegw {

struct HttpRequest {
  std::string method;
  std::string target;  // as sent
  std::string path;    // target without the query
  std::string query;   // after '?', not decoded
  int minor_version = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  const std::string* header(std::string_view lower_name) const;
  bool keep_alive() const;
  // The decoded value of a query parameter, if present.
  std::optional<std::string> query_param(std::string_view name) const;
  // Every decoded value of a parameter that may repeat (?channel=a&channel=b), in order;
  // at most `max` + 1, so a caller can refuse "more than max" without decoding them all.
  std::vector<std::string> query_params(std::string_view name, size_t max) const;
};

enum class ParseStatus { kIncomplete, kComplete, kError };

struct ParseOutcome {
  ParseStatus status = ParseStatus::kIncomplete;
  int error_status = 0;  // HTTP status to answer with on kError (400, 411, 413, 417, 431)
  std::string error;
  size_t consumed = 0;  // bytes of the input the complete request used
  // kIncomplete with the head read and its body still to come, under Expect: 100-continue:
  // the client waits for "100 Continue" before it sends the body.
  bool expect_continue = false;
};

struct HttpLimits {
  size_t max_head_bytes = 16 * 1024;
  size_t max_body_bytes = 1 << 20;
};

// Parses the request at the start of `input`; on kComplete fills `request`. The cost is
// bounded by the head limit and the body length, however long `input` is.
ParseOutcome parse_http_request(std::string_view input, const HttpLimits& limits,
                                HttpRequest& request);

// %XX and '+' decoding for query values; invalid escapes are kept as they are.
std::string percent_decode(std::string_view text);

}  // namespace ssegw
