#pragma once
// Decides what a parsed request gets: a complete response, a subscription or a publish.
// Pure: no I/O, so every status code is unit-testable.
#include <memory>
#include <string>

#include "channel_directory.h"
#include "config.h"
#include "event.h"
#include "http_request.h"
#include "http_response.h"
#include "metrics.h"

namespace ssegw {

struct RouteAction {
  enum class Kind { kRespond, kSubscribe, kPublish };
  Kind kind = Kind::kRespond;
  Response response;  // kRespond
  bool keep_alive = true;
  std::shared_ptr<Channel> channel;
  std::string last_event_id;  // kSubscribe
  HeaderList headers;         // kSubscribe: extra stream headers; kPublish: answer headers
  Event event;                // kPublish
};

RouteAction route_request(const HttpRequest& request, const ServerConfig& server,
                          const ChannelDirectory& channels, const StatusSource& status);

// The answer to an accepted publish: 200 with {"id":"..."}.
Response publish_response(const PublishResult& result, const HeaderList& headers);

// 503 for a subscription over max_connections (or while draining).
Response too_many_streams(HeaderList headers);

// Headers for a cross-origin request from `origin`, empty if it is not allowed.
HeaderList cors_headers(const HttpRequest& request, const ServerConfig& server);

}  // namespace ssegw
