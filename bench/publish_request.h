#pragma once
// Builds one publish request in the dialect of each server under test.
#include <cstdint>
#include <string>

#include "bench/loopback_socket.h"

namespace ssegw::bench {

enum class PublishMode {
  kGateway,  // POST <path>, body = data (sse-gateway)
  kNchan,    // POST to an nchan_publisher location, body = data
  kPushpin,  // POST /publish/ on Pushpin's HTTP control API, JSON items
  kMercure,  // POST /.well-known/mercure, form fields topic and data, JWT in a header
};

bool parse_publish_mode(const std::string& name, PublishMode& out);

struct PublishTarget {
  HttpUrl url;
  PublishMode mode = PublishMode::kGateway;
  std::string channel = "bench";  // Pushpin channel / Mercure topic
  std::string extra_headers;      // "K: V\r\n" lines
};

// The complete request (head and body) that publishes `payload` as event number `seq`.
std::string build_publish_request(const PublishTarget& target, uint64_t seq,
                                  const std::string& payload);

}  // namespace ssegw::bench
