#include "http_routes.h"

#include "sse_framer.h"

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

RouteAction route_publish(const HttpRequest& request, const std::shared_ptr<Channel>& channel,
                          const ChannelOptions& options, const ServerConfig& server,
                          const RequestContext& context, HeaderList cors, bool keep_alive) {
  AccessDecision access =
      check_publish(request, options, server.auth, context.client, context.now_s);
  if (!access.allowed()) return refuse_access(access, std::move(cors), keep_alive);
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
    if (request.method == "HEAD") {
      HeaderList headers = cors;
      headers.emplace_back("Content-Type", "text/event-stream; charset=utf-8");
      headers.emplace_back("Cache-Control", "no-cache");
      return respond(200, headers, "", keep_alive, true);
    }
    RouteAction action;
    action.kind = RouteAction::Kind::kSubscribe;
    action.channel = channel;
    action.keep_alive = false;
    action.ends_at_s = access.ends_at_s;
    action.headers = server.headers;
    action.headers.insert(action.headers.end(), cors.begin(), cors.end());
    if (const std::string* id = request.header("last-event-id")) {
      action.last_event_id = *id;
    } else if (auto id_param = request.query_param("lastEventId")) {
      action.last_event_id = *id_param;
    }
    return action;
  }
  if (request.method == "POST" && options.publish) {
    return route_publish(request, channel, options, server, context, std::move(cors), keep_alive);
  }
  return respond(405, with({{"Allow", allow_for(options)}}, cors), "method not allowed\n",
                 keep_alive);
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
                          const ChannelDirectory& channels, const StatusSource& status,
                          const RequestContext& context) {
  const bool keep_alive = request.keep_alive();
  if (request.path == "/healthz" || request.path == "/readyz" || request.path == "/metrics") {
    return route_gateway_endpoint(request, status, keep_alive);
  }
  std::shared_ptr<Channel> channel = channels.find(request.path);
  if (!channel) return respond(404, cors_headers(request, server), "no such channel\n", keep_alive);
  return route_channel(request, channel, server, context, keep_alive);
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

Response publish_response(const PublishResult& result, const HeaderList& headers) {
  HeaderList all = headers;
  all.emplace_back("Content-Type", "application/json");
  if (!result.ok) return Response{503, std::move(all), "{\"error\":\"" + result.error + "\"}\n"};
  // Ids are checked free of CR/LF/NUL; quotes and backslashes are escaped for JSON.
  std::string id;
  for (char c : result.id) {
    if (c == '"' || c == '\\') id.push_back('\\');
    id.push_back(c);
  }
  return Response{200, std::move(all), "{\"id\":\"" + id + "\"}\n"};
}

}  // namespace ssegw
