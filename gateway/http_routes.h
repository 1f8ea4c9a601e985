#pragma once
// Decides what a parsed request gets: a complete response, a subscription or a publish.
// Pure: no I/O, so every status code is unit-testable.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access_control.h"
#include "channel_directory.h"
#include "config.h"
#include "event.h"
#include "event_type_filter.h"
#include "http_request.h"
#include "http_response.h"
#include "metrics.h"
#include "start_position.h"

namespace ssegw {

// The channels of one stream on subscribe_path (worker_multiplex.cpp).
struct MultiplexRequest {
  std::vector<std::shared_ptr<Channel>> channels;  // named, or matched by a pattern now
  std::vector<std::string> patterns;               // also take channels made later
  bool envelope = false;                           // envelope=json
  std::shared_ptr<const SubscribeGrant> grant;     // for channels the patterns take later
  size_t max_channels = 0;
};

struct RouteAction {
  enum class Kind { kRespond, kSubscribe, kPublish };
  Kind kind = Kind::kRespond;
  Response response;  // kRespond
  bool keep_alive = true;
  std::shared_ptr<Channel> channel;
  StartPosition start;  // kSubscribe: Last-Event-ID or ?lastEventId=
  HeaderList headers;   // kSubscribe: extra stream headers; kPublish: answer headers
  Event event;          // kPublish
  // kPublish of an application/x-ndjson body: every event with its channel, all checked.
  std::vector<std::pair<std::shared_ptr<Channel>, Event>> batch;
  std::optional<int64_t> ends_at_s;               // kSubscribe: the token's end (access_control.h)
  AccessRefusal refusal = AccessRefusal::kNone;   // kRespond: why access was refused
  std::shared_ptr<const EventTypeFilter> events;  // kSubscribe: ?events=, null for all
  std::shared_ptr<MultiplexRequest> multiplex;    // kSubscribe on subscribe_path (channel null)
};

// What a route needs to know about the request beyond its bytes.
struct RequestContext {
  ClientAddress client;  // after trusted_proxies (ip_address.h)
  int64_t now_s = 0;     // wall clock, for token times
};

// Non-const directory: a request may make a template's channel.
RouteAction route_request(const HttpRequest& request, const ServerConfig& server,
                          ChannelDirectory& channels, const StatusSource& status,
                          const RequestContext& context);

// The answer to an accepted publish: 200 with {"id":"..."}.
Response publish_response(const PublishResult& result, const HeaderList& headers);
// The answer to a batch: 200 with {"ids":[...]} when every event was published, else 503
// with the error and the ids of those that were (null for the others).
Response batch_response(const std::vector<PublishResult>& results, const HeaderList& headers);

// 503 for a subscription over max_connections (or while draining).
Response too_many_streams(HeaderList headers);

// 429 for a client over a per-IP limit.
Response too_many_from_address(HeaderList headers);

// Headers for a cross-origin request from `origin`, empty if it is not allowed.
HeaderList cors_headers(const HttpRequest& request, const ServerConfig& server);

}  // namespace ssegw
