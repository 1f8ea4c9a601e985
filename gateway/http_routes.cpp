#include "http_routes.h"

#include <algorithm>
#include <map>

#include "channel_pattern.h"
#include "json_text.h"
#include "ndjson_batch.h"
#include "sse_framer.h"
#include "status_page_html.h"
#include "status_snapshot.h"
#include "text.h"

namespace ssegw {
namespace {

RouteAction respond(int status, HeaderList headers, std::string_view body, bool keep_alive,
                    bool head_only = false) {
  RouteAction action;
  if (!body.empty() && status != 204)
    headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  action.response = Response{status, std::move(headers), std::string(body), head_only};
  action.keep_alive = keep_alive;
  return action;
}

std::string allow_for(const ChannelOptions& options) {
  return options.publish ? "GET, HEAD, POST, OPTIONS" : "GET, HEAD, OPTIONS";
}

RouteAction route_gateway_endpoint(const HttpRequest& request, const StatusSource& status,
                                   bool keep_alive) {
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) {
    return respond(405, {{"Allow", "GET, HEAD"}}, "method not allowed\n", keep_alive);
  }
  if (request.path == "/healthz") return respond(200, {}, "ok\n", keep_alive, head);
  if (request.path == "/readyz") {
    auto [ready, text] = status.readiness();
    return respond(ready ? 200 : 503, {}, text, keep_alive, head);
  }
  RouteAction action = respond(200, {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                               status.metrics_text(), keep_alive, head);
  return action;
}

HeaderList with(HeaderList base, const HeaderList& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// error_description is a quoted string (RFC 6750 section 3): keep quotes and backslashes
// out of it.
std::string quotable(std::string text) {
  for (char& c : text) {
    if (c == '"' || c == '\\') c = '\'';
  }
  return text;
}

// 401 and 403 with what RFC 6750 asks for, readable by a page on an allowed origin.
RouteAction refuse_access(const AccessDecision& decision, HeaderList cors, bool keep_alive) {
  const int status = decision.status();
  HeaderList headers;
  const bool bearer = decision.refusal != AccessRefusal::kPeerNotAllowed &&
                      decision.refusal != AccessRefusal::kWrongSecret;
  if (bearer) {
    const char* error = status == 403 ? "insufficient_scope" : "invalid_token";
    headers.emplace_back("WWW-Authenticate", std::string("Bearer realm=\"sse-gateway\", error=\"") +
                                                 error + "\", error_description=\"" +
                                                 quotable(decision.description) + "\"");
  }
  if (!cors.empty()) headers.emplace_back("Access-Control-Expose-Headers", "WWW-Authenticate");
  RouteAction action =
      respond(status, with(std::move(headers), cors), decision.description + "\n", keep_alive);
  action.refusal = decision.refusal;
  return action;
}

// HEAD on a stream: the headers a GET would start with, no body.
RouteAction stream_head_only(HeaderList headers, bool keep_alive) {
  headers.emplace_back("Content-Type", "text/event-stream; charset=utf-8");
  headers.emplace_back("Cache-Control", "no-cache");
  return respond(200, std::move(headers), "", keep_alive, true);
}

// The Last-Event-ID header, else the lastEventId query parameter (for clients that cannot
// set headers on a first connection, and for earliest / latest / a time).
StartPosition start_of(const HttpRequest& request) {
  return start_position(request.header("last-event-id"), request.query_param("lastEventId"));
}

// ?events=a,b: false when it is present and not a usable list.
bool read_event_filter(const HttpRequest& request, RouteAction& action) {
  std::optional<std::string> list = request.query_param("events");
  if (!list) return true;
  std::optional<EventTypeFilter> filter = EventTypeFilter::parse(*list);
  if (!filter) return false;
  action.events = std::make_shared<const EventTypeFilter>(std::move(*filter));
  return true;
}

RouteAction bad_event_filter(HeaderList cors, bool keep_alive) {
  return respond(400, std::move(cors), "events: a comma-separated list of at most 64 event types\n",
                 keep_alive);
}

bool is_ndjson(const HttpRequest& request) {
  const std::string* type = request.header("content-type");
  if (!type) return false;
  return ascii_lower(trim_ows(std::string_view(*type).substr(0, type->find(';')))) ==
         "application/x-ndjson";
}

RouteAction route_publish(const HttpRequest& request, const std::shared_ptr<Channel>& channel,
                          const ChannelOptions& options, const ServerConfig& server,
                          const RequestContext& context, HeaderList cors, bool keep_alive) {
  AccessDecision access =
      check_publish(request, options, server.auth, context.client, context.now_s);
  if (!access.allowed()) return refuse_access(access, std::move(cors), keep_alive);
  if (channel->store_full()) {
    channel->count_store_refusal();
    return respond(507, with({{"Retry-After", "1"}}, cors), "the history store is full\n",
                   keep_alive);
  }
  if (!channel->accepting()) {
    // A sink behind this channel is full: push back instead of letting its queue overflow.
    return respond(503, with({{"Retry-After", "1"}}, cors),
                   "channel is holding: a sink cannot keep up\n", keep_alive);
  }
  RouteAction action;
  action.kind = RouteAction::Kind::kPublish;
  action.channel = channel;
  action.keep_alive = keep_alive;
  action.headers = std::move(cors);
  if (is_ndjson(request)) {
    BatchResult batch = parse_ndjson_batch(request.body, BatchLimits{});
    if (!batch.error.empty()) return respond(400, action.headers, batch.error + "\n", keep_alive);
    for (BatchEvent& item : batch.events) action.batch.emplace_back(channel, std::move(item.event));
    return action;
  }
  action.event.type = request.query_param("event").value_or("");
  if (!is_valid_field_value(action.event.type)) {
    return respond(400, action.headers, "event name must not contain CR, LF or NUL\n", keep_alive);
  }
  action.event.data = request.body;
  return action;
}

RouteAction route_channel(const HttpRequest& request, const std::shared_ptr<Channel>& channel,
                          const ServerConfig& server, const RequestContext& context,
                          bool keep_alive) {
  const ChannelOptions options = channel->options();
  HeaderList cors = cors_headers(request, server);
  if (request.method == "OPTIONS") {
    HeaderList headers = cors;
    headers.emplace_back("Allow", allow_for(options));
    if (!cors.empty()) {
      headers.emplace_back("Access-Control-Allow-Methods", allow_for(options));
      headers.emplace_back("Access-Control-Allow-Headers",
                           "Last-Event-ID, Authorization, Content-Type, Cache-Control");
      headers.emplace_back("Access-Control-Max-Age", "600");
    }
    return respond(204, headers, "", keep_alive);
  }
  if (request.method == "GET" || request.method == "HEAD") {
    AccessDecision access = check_subscribe(request, options, server.auth, context.now_s);
    if (!access.allowed()) return refuse_access(access, std::move(cors), keep_alive);
    if (request.method == "HEAD") return stream_head_only(cors, keep_alive);
    RouteAction action;
    action.kind = RouteAction::Kind::kSubscribe;
    action.channel = channel;
    action.keep_alive = false;
    action.ends_at_s = access.ends_at_s;
    action.headers = server.headers;
    action.headers.insert(action.headers.end(), cors.begin(), cors.end());
    action.start = start_of(request);
    if (!read_event_filter(request, action)) return bad_event_filter(std::move(cors), keep_alive);
    return action;
  }
  if (request.method == "POST" && options.publish) {
    return route_publish(request, channel, options, server, context, std::move(cors), keep_alive);
  }
  return respond(405, with({{"Allow", allow_for(options)}}, cors), "method not allowed\n",
                 keep_alive);
}

RouteAction too_many_channels(const ChannelOptions& options, HeaderList cors, bool keep_alive) {
  return respond(429, with({{"Retry-After", "60"}}, cors),
                 "template " + options.template_path + " has max_channels channels already\n",
                 keep_alive);
}

// A path no channel has yet: one of a template's, made now for a subscribe or publish that
// its rules let through (a refused request makes nothing). Other methods are answered from
// the template's options by a stand-in that is never published to.
RouteAction route_template(const HttpRequest& request, ChannelOptions options,
                           const ServerConfig& server, ChannelDirectory& channels,
                           const RequestContext& context, bool keep_alive) {
  const bool get = request.method == "GET";
  const bool post = request.method == "POST" && options.publish;
  if (get || post) {
    AccessDecision access =
        get ? check_subscribe(request, options, server.auth, context.now_s)
            : check_publish(request, options, server.auth, context.client, context.now_s);
    if (!access.allowed()) return refuse_access(access, cors_headers(request, server), keep_alive);
    bool full = false;
    std::shared_ptr<Channel> channel = channels.find_or_make(options.path, &full);
    if (full) return too_many_channels(options, cors_headers(request, server), keep_alive);
    if (channel) return route_channel(request, channel, server, context, keep_alive);
  }
  auto stand_in = std::make_shared<Channel>(std::move(options), 0, std::vector<FanoutTarget*>{});
  return route_channel(request, stand_in, server, context, keep_alive);
}

// One named channel of a multiplexed subscription: a channel, or one a template makes.
// Adds it to `into` or returns the answer that refuses the whole request.
std::optional<RouteAction> add_named_channel(const std::string& path, const SubscribeGrant& grant,
                                             ChannelDirectory& channels, HeaderList cors,
                                             bool keep_alive, MultiplexRequest& into) {
  std::shared_ptr<Channel> channel = channels.find(path);
  std::optional<ChannelOptions> options =
      channel ? std::optional(channel->options()) : channels.template_options(path);
  if (!options) return respond(404, std::move(cors), "no such channel: " + path + "\n", keep_alive);
  AccessDecision access = grant.check(*options);
  if (!access.allowed()) return refuse_access(access, std::move(cors), keep_alive);
  if (!channel) {
    bool full = false;
    channel = channels.find_or_make(path, &full);
    if (full) return too_many_channels(*options, std::move(cors), keep_alive);
    if (!channel)
      return respond(404, std::move(cors), "no such channel: " + path + "\n", keep_alive);
  }
  if (std::find(into.channels.begin(), into.channels.end(), channel) == into.channels.end())
    into.channels.push_back(std::move(channel));
  return std::nullopt;
}

// POST subscribe_path, application/x-ndjson, each line naming its channel: every line's
// channel is found and its publish rule checked before anything is made or published.
RouteAction route_multiplex_batch(const HttpRequest& request, const ServerConfig& server,
                                  ChannelDirectory& channels, const RequestContext& context,
                                  HeaderList cors, bool keep_alive) {
  if (!is_ndjson(request)) {
    return respond(415, cors, "a publish to the subscribe path is application/x-ndjson\n",
                   keep_alive);
  }
  BatchResult batch = parse_ndjson_batch(request.body, BatchLimits{10'000, true});
  if (!batch.error.empty()) return respond(400, cors, batch.error + "\n", keep_alive);
  std::map<std::string, bool> checked;  // path -> allowed, each checked once
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const std::string& path = batch.events[i].channel;
    const std::string line = "line " + std::to_string(batch.events[i].line) + ": ";
    if (path.empty()) return respond(400, cors, line + "no channel\n", keep_alive);
    if (checked.count(path)) continue;
    std::shared_ptr<Channel> channel = channels.find(path);
    std::optional<ChannelOptions> options =
        channel ? std::optional(channel->options()) : channels.template_options(path);
    if (!options) return respond(404, cors, line + "no such channel " + path + "\n", keep_alive);
    if (!options->publish)
      return respond(405, cors, line + path + " takes no publishes\n", keep_alive);
    AccessDecision access =
        check_publish(request, *options, server.auth, context.client, context.now_s);
    if (!access.allowed()) {
      access.description = line + access.description;
      return refuse_access(access, cors, keep_alive);
    }
    if (channel && channel->store_full()) {
      channel->count_store_refusal();
      return respond(507, with({{"Retry-After", "1"}}, cors), line + "the history store is full\n",
                     keep_alive);
    }
    if (channel && !channel->accepting()) {
      return respond(503, with({{"Retry-After", "1"}}, cors),
                     line + path + " is holding: a sink cannot keep up\n", keep_alive);
    }
    checked[path] = true;
  }
  RouteAction action;
  action.kind = RouteAction::Kind::kPublish;
  action.keep_alive = keep_alive;
  action.headers = std::move(cors);
  for (BatchEvent& item : batch.events) {
    bool full = false;
    std::shared_ptr<Channel> channel = channels.find_or_make(item.channel, &full);
    if (!channel) {
      std::optional<ChannelOptions> options = channels.template_options(item.channel);
      return too_many_channels(options.value_or(ChannelOptions{}), action.headers, keep_alive);
    }
    action.batch.emplace_back(std::move(channel), std::move(item.event));
  }
  return action;
}

constexpr size_t kMaxPatternsPerSubscription = 8;

// GET subscribe_path?channel=A&channel=/rooms/*: one stream for several channels.
RouteAction route_multiplex(const HttpRequest& request, const ServerConfig& server,
                            ChannelDirectory& channels, const RequestContext& context,
                            bool keep_alive) {
  HeaderList cors = cors_headers(request, server);
  if (request.method == "OPTIONS") {
    HeaderList headers = with({{"Allow", "GET, HEAD, POST, OPTIONS"}}, cors);
    if (!cors.empty()) {
      headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
      headers.emplace_back("Access-Control-Allow-Headers",
                           "Last-Event-ID, Authorization, Content-Type, Cache-Control");
      headers.emplace_back("Access-Control-Max-Age", "600");
    }
    return respond(204, headers, "", keep_alive);
  }
  if (request.method == "POST")
    return route_multiplex_batch(request, server, channels, context, std::move(cors), keep_alive);
  if (request.method != "GET" && request.method != "HEAD")
    return respond(405, with({{"Allow", "GET, HEAD, POST, OPTIONS"}}, cors), "method not allowed\n",
                   keep_alive);
  const size_t max = server.max_channels_per_subscription;
  std::vector<std::string> names = request.query_params("channel", max);
  if (names.empty())
    return respond(400, cors, "name at least one channel: ?channel=/path\n", keep_alive);
  if (names.size() > max) {
    return respond(400, cors, "at most " + std::to_string(max) + " channels per subscription\n",
                   keep_alive);
  }
  auto plan = std::make_shared<MultiplexRequest>();
  plan->max_channels = max;
  const std::optional<std::string> envelope = request.query_param("envelope");
  if (envelope && *envelope != "json")
    return respond(400, cors, "envelope: the only envelope is json\n", keep_alive);
  plan->envelope = envelope.has_value();
  auto grant = std::make_shared<const SubscribeGrant>(request, server.auth, context.now_s);
  plan->grant = grant;
  for (const std::string& name : names) {
    if (name.find('*') != std::string::npos) {
      if (!valid_channel_pattern(name))
        return respond(400, cors, "not a channel pattern: " + name + "\n", keep_alive);
      if (std::find(plan->patterns.begin(), plan->patterns.end(), name) == plan->patterns.end())
        plan->patterns.push_back(name);
      // Each pattern is matched against every channel, now and whenever one is made: a
      // handful keeps one request's cost (and every later channel's) small.
      if (plan->patterns.size() > kMaxPatternsPerSubscription) {
        return respond(400, cors,
                       "at most " + std::to_string(kMaxPatternsPerSubscription) +
                           " patterns per subscription\n",
                       keep_alive);
      }
      continue;
    }
    if (auto refused = add_named_channel(name, *grant, channels, cors, keep_alive, *plan))
      return std::move(*refused);
  }
  // A pattern takes the channels it matches that the token may see; the others are left out.
  for (const std::shared_ptr<Channel>& channel : channels.all()) {
    if (std::find(plan->channels.begin(), plan->channels.end(), channel) != plan->channels.end())
      continue;
    const ChannelOptions options = channel->options();
    const bool matched =
        std::any_of(plan->patterns.begin(), plan->patterns.end(),
                    [&](const std::string& p) { return channel_pattern_matches(p, options.path); });
    if (matched && grant->check(options).allowed()) plan->channels.push_back(channel);
  }
  if (plan->channels.size() > max) {
    return respond(400, cors, "the patterns match more than " + std::to_string(max) + " channels\n",
                   keep_alive);
  }
  if (request.method == "HEAD") return stream_head_only(cors, keep_alive);
  RouteAction action;
  action.kind = RouteAction::Kind::kSubscribe;
  action.keep_alive = false;
  action.headers = with(server.headers, cors);
  action.start = start_of(request);
  if (!read_event_filter(request, action)) return bad_event_filter(std::move(cors), keep_alive);
  for (const auto& channel : plan->channels) {
    if (channel->options().subscribe_jwt) action.ends_at_s = grant->ends_at_s();
  }
  action.multiplex = std::move(plan);
  return action;
}

// server.status_page: the page and its stream, for whom its auth (a publish rule) lets in.
RouteAction route_status_page(const HttpRequest& request, const ServerConfig& server,
                              const StatusSource& status, const RequestContext& context,
                              bool keep_alive) {
  const StatusPageSettings& page = *server.status_page;
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head)
    return respond(405, {{"Allow", "GET, HEAD"}}, "method not allowed\n", keep_alive);
  AccessDecision access =
      check_publish(request, page.access, server.auth, context.client, context.now_s);
  if (!access.allowed()) return refuse_access(access, {}, keep_alive);
  if (request.path == page.path) {
    RouteAction action;
    action.response = Response{200,
                               {{"Content-Type", "text/html; charset=utf-8"},
                                {"Cache-Control", "no-store"},
                                {"Content-Security-Policy", std::string(kStatusPageCsp)},
                                {"X-Content-Type-Options", "nosniff"},
                                {"Referrer-Policy", "no-referrer"}},
                               std::string(kStatusPageHtml),
                               head};
    action.keep_alive = keep_alive;
    return action;
  }
  const std::string filter = request.query_param("filter").value_or("");
  if (filter.size() > kStatusFilterMaxBytes) {
    return respond(400, {}, "filter: at most " + std::to_string(kStatusFilterMaxBytes) + " bytes\n",
                   keep_alive);
  }
  if (head) return stream_head_only({}, keep_alive);
  bool full = false;
  std::shared_ptr<Channel> channel = status.status_stream(filter, &full);
  if (!channel) {
    return respond(503, {{"Retry-After", "5"}},
                   full ? "too many status viewers\n" : "the status stream is not running\n",
                   keep_alive);
  }
  RouteAction action;
  action.kind = RouteAction::Kind::kSubscribe;
  action.channel = std::move(channel);
  action.keep_alive = false;
  action.headers = server.headers;
  return action;
}

}  // namespace

HeaderList cors_headers(const HttpRequest& request, const ServerConfig& server) {
  const std::string* origin = request.header("origin");
  if (!origin || server.cors_origins.empty()) return {};
  for (const std::string& allowed : server.cors_origins) {
    if (allowed != "*" && allowed != *origin) continue;
    // Credentials cannot go with a wildcard, so the origin is echoed when they are allowed.
    if (allowed == "*" && !server.cors_credentials) return {{"Access-Control-Allow-Origin", "*"}};
    HeaderList headers{{"Access-Control-Allow-Origin", *origin}, {"Vary", "Origin"}};
    if (server.cors_credentials) headers.emplace_back("Access-Control-Allow-Credentials", "true");
    return headers;
  }
  return {};
}

RouteAction route_request(const HttpRequest& request, const ServerConfig& server,
                          ChannelDirectory& channels, const StatusSource& status,
                          const RequestContext& context) {
  const bool keep_alive = request.keep_alive();
  if (request.path == "/healthz" || request.path == "/readyz" || request.path == "/metrics") {
    return route_gateway_endpoint(request, status, keep_alive);
  }
  if (server.status_page && (request.path == server.status_page->path ||
                             request.path == server.status_page->stream_path())) {
    return route_status_page(request, server, status, context, keep_alive);
  }
  if (!server.subscribe_path.empty() && request.path == server.subscribe_path)
    return route_multiplex(request, server, channels, context, keep_alive);
  std::shared_ptr<Channel> channel = channels.find(request.path);
  if (channel) return route_channel(request, channel, server, context, keep_alive);
  if (std::optional<ChannelOptions> options = channels.template_options(request.path))
    return route_template(request, std::move(*options), server, channels, context, keep_alive);
  return respond(404, cors_headers(request, server), "no such channel\n", keep_alive);
}

Response too_many_streams(HeaderList headers) {
  headers.emplace_back("Retry-After", "1");
  headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return Response{503, std::move(headers), "too many streams\n"};
}

Response too_many_from_address(HeaderList headers) {
  headers.emplace_back("Retry-After", "1");
  headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return Response{429, std::move(headers), "too many connections from this address\n"};
}

Response batch_response(const std::vector<PublishResult>& results, const HeaderList& headers) {
  HeaderList all = headers;
  all.emplace_back("Content-Type", "application/json");
  std::string ids;
  const PublishResult* failed = nullptr;
  for (const PublishResult& r : results) {
    if (!ids.empty()) ids += ',';
    if (r.ok) {
      append_json_string(ids, r.id);
    } else {
      ids += "null";
      if (!failed) failed = &r;
    }
  }
  if (!failed) return Response{200, std::move(all), "{\"ids\":[" + ids + "]}\n"};
  std::string body = "{\"error\":";
  append_json_string(body, failed->error);
  const int status = failed->status != 0 ? failed->status : 503;
  return Response{status, std::move(all), body + ",\"ids\":[" + ids + "]}\n"};
}

Response publish_response(const PublishResult& result, const HeaderList& headers) {
  HeaderList all = headers;
  all.emplace_back("Content-Type", "application/json");
  if (!result.ok) {
    std::string body = "{\"error\":";
    append_json_string(body, result.error);
    return Response{result.status != 0 ? result.status : 503, std::move(all), body + "}\n"};
  }
  // Ids are checked free of CR/LF/NUL; quotes and backslashes are escaped for JSON.
  std::string id;
  for (char c : result.id) {
    if (c == '"' || c == '\\') id.push_back('\\');
    id.push_back(c);
  }
  return Response{200, std::move(all), "{\"id\":\"" + id + "\"}\n"};
}

}  // namespace ssegw
