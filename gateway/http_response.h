#pragma once
// Builds HTTP/1.1 response heads and small complete responses.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssegw {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A complete answer, before a session frames it as HTTP/1.1 text or HTTP/2 frames.
struct Response {
  int status = 200;
  HeaderList headers;
  std::string body;
  bool head_only = false;  // HEAD: the headers say what GET would send, no body follows
};

const char* reason_phrase(int status);

// A complete response with Content-Length.
std::string build_response(int status, const HeaderList& headers, std::string_view body,
                           bool keep_alive, bool head_only = false);

std::string build_response(const Response& response, bool keep_alive);

// The headers every text/event-stream response carries, before the route's own.
HeaderList stream_headers(const HeaderList& extra);

// The head of a text/event-stream response. The body runs until the connection closes,
// which needs neither chunking nor a length and lets frames go out byte for byte as shared.
std::string build_stream_head(const HeaderList& headers);

}  // namespace ssegw
