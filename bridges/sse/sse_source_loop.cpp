#include "bridges/sse/sse_source_loop.h"

#include <random>

#include "bridges/common/json_text.h"
#include "gateway/clock.h"
#include "gateway/log.h"

namespace ssegw::sse {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Logs the first few of a repeated condition, then one in a thousand.
bool worth_logging(uint64_t count) {
  return count <= 10 || count % 1000 == 0;
}

}  // namespace

SseSourceLoop::SseSourceLoop(const SseSourceOptions& options, ChannelDirectory& channels,
                             SseSourceStatus& status)
    : options_(options),
      channels_(channels),
      status_(status),
      base_(event_base_new()),
      parser_([this](SseMessage& m) { on_message(m); },
              static_cast<size_t>(options.max_event_size)),
      backoff_(kDefaultRetryMs, kMaxBackoffMs),
      current_url_(options.endpoint) {
  connect_timer_.reset(evtimer_new(
      base_.get(),
      [](evutil_socket_t, short, void* self) { static_cast<SseSourceLoop*>(self)->connect(); },
      this));
  backpressure_timer_.reset(evtimer_new(
      base_.get(),
      [](evutil_socket_t, short, void* self) {
        static_cast<SseSourceLoop*>(self)->poll_backpressure();
      },
      this));
  // A retry: of 0 must not turn a flapping upstream into a busy loop.
  parser_.set_retry_callback(
      [this](int64_t ms) { backoff_.set_initial_ms(std::max<int64_t>(ms, kMinBackoffMs)); });
  parser_.set_oversize_callback([this](size_t limit) {
    const uint64_t n = ++status_.dropped_oversize;
    if (worth_logging(n)) {
      log_warn("sse source dropped an event larger than max_event_size",
               {{"source", options_.name},
                {"limit", std::to_string(limit)},
                {"dropped", std::to_string(n)}});
    }
  });
}

SseSourceLoop::~SseSourceLoop() {
  connection_.reset();
  retired_.reset();
}

void SseSourceLoop::run(int stop_fd) {
  stop_event_.reset(event_new(
      base_.get(), stop_fd, EV_READ | EV_PERSIST,
      [](evutil_socket_t, short, void* base) {
        event_base_loopbreak(static_cast<event_base*>(base));
      },
      base_.get()));
  event_add(stop_event_.get(), nullptr);
  arm(connect_timer_.get(), 0);
  event_base_dispatch(base_.get());
  connection_.reset();
  retired_.reset();
  remember_resume_point();
}

// A reload that rebuilds this source (same name) starts the new one where this one stopped.
void SseSourceLoop::remember_resume_point() {
  const std::string id = resume_id();
  if (id.empty()) return;
  for (const std::string& path : options_.to) {
    if (auto channel = channels_.find(path)) channel->set_resume_point(options_.name, id);
  }
}

void SseSourceLoop::arm(event* timer, int64_t ms) {
  const timeval tv = to_timeval(ms);
  evtimer_add(timer, &tv);
}

std::string SseSourceLoop::initial_resume_id() const {
  // A sink that found, on restart, the last event it delivered from this source says where
  // the upstream should resume, so nothing is delivered twice or lost across the restart.
  for (const std::string& path : options_.to) {
    if (auto channel = channels_.find(path)) {
      if (auto point = channel->resume_point(options_.name)) return *point;
    }
  }
  return options_.last_event_id;
}

// Where a reconnection resumes. With upstream ids it is the last one published (or the one
// the source started after): the channel then holds the upstream's events after it, and
// nothing that was refused or filtered moves the point past events the channel lacks.
std::string SseSourceLoop::resume_id() const {
  if (options_.ids == IdSource::kUpstream && !upstream_ids_.previous().empty()) {
    return upstream_ids_.previous();
  }
  return parser_.last_event_id();
}

const TlsClientContext* SseSourceLoop::tls_for(const HttpUrl& url) {
  if (!url.tls) return nullptr;
  if (options_.tls) return options_.tls.get();
  if (!redirect_tls_) {
    try {
      redirect_tls_ = std::make_shared<const TlsClientContext>("");
    } catch (const std::exception& e) {
      log_error("sse source cannot set up TLS", {{"source", options_.name}, {"error", e.what()}});
      return nullptr;
    }
  }
  return redirect_tls_.get();
}

// Credentials configured for the endpoint stay with its origin when a redirect leaves it.
HeaderList SseSourceLoop::headers_for(const HttpUrl& url) const {
  if (url.same_origin(options_.endpoint)) return options_.headers;
  HeaderList kept;
  for (const auto& header : options_.headers) {
    if (iequals(header.first, "Authorization") || iequals(header.first, "Cookie") ||
        iequals(header.first, "Proxy-Authorization")) {
      continue;
    }
    kept.push_back(header);
  }
  return kept;
}

void SseSourceLoop::connect() {
  retired_.reset();
  connection_.reset();
  if (failed_) return;
  if (first_connect_) {
    first_connect_ = false;
    parser_.reset(initial_resume_id());
    upstream_ids_.start_after(parser_.last_event_id());
  } else {
    parser_.reset(resume_id());
  }
  open_ = false;
  status_.backoff_ms = 0;
  status_.set(BridgeState::kConnecting, "connecting to " + current_url_.text());
  UpstreamConnection::Callbacks callbacks;
  callbacks.on_open = [this] { on_open(); };
  callbacks.on_body = [this](std::string_view bytes) { on_body(bytes); };
  callbacks.on_end = [this](const UpstreamEnd& end) { on_end(end); };
  connection_ = std::make_unique<UpstreamConnection>(
      base_.get(), tls_for(current_url_), options_.idle_timeout_ms, std::move(callbacks));
  connection_->start({current_url_, headers_for(current_url_), parser_.last_event_id()});
}

void SseSourceLoop::on_open() {
  open_ = true;
  opened_ms_ = mono_ms();
  stream_events_ = 0;
  status_.set(BridgeState::kStreaming, "");
  log_info("sse source streaming", {{"source", options_.name},
                                    {"url", current_url_.text()},
                                    {"last_event_id", parser_.last_event_id()}});
}

void SseSourceLoop::on_body(std::string_view bytes) {
  parser_.feed(bytes);
  if (failed_ || !connection_) return;
  if (!targets_accepting()) {
    connection_->pause_reading();
    status_.paused = 1;
    arm(backpressure_timer_.get(), kBackpressurePollMs);
  }
}

bool SseSourceLoop::targets_accepting() const {
  for (const std::string& path : options_.to) {
    auto channel = channels_.find(path);
    if (channel && !channel->accepting()) return false;
  }
  return true;
}

void SseSourceLoop::poll_backpressure() {
  if (!connection_ || !connection_->paused()) {
    status_.paused = 0;
    return;
  }
  if (!targets_accepting()) {
    arm(backpressure_timer_.get(), kBackpressurePollMs);
    return;
  }
  status_.paused = 0;
  connection_->resume_reading();
}

void SseSourceLoop::on_message(SseMessage& message) {
  if (failed_) return;
  ++status_.events_in;
  ++stream_events_;
  if (!options_.events.empty() &&
      options_.events.find(std::string(message.effective_type())) == options_.events.end()) {
    ++status_.dropped_filter;
    return;
  }
  if (options_.format == DataFormat::kJson && !is_json_text(message.data)) {
    if (options_.bad_data == BadDataAction::kFail) {
      give_up("event data is not valid JSON (id '" + message.last_event_id +
              "') and bad_data is fail");
      return;
    }
    const uint64_t n = ++status_.dropped_bad_data;
    if (worth_logging(n)) {
      log_warn("sse source dropped an event whose data is not JSON",
               {{"source", options_.name},
                {"last_event_id", message.last_event_id},
                {"dropped", std::to_string(n)}});
    }
    return;
  }
  publish(message);
}

void SseSourceLoop::publish(SseMessage& message) {
  Event event;
  if (options_.ids == IdSource::kUpstream) event.id = relayed_id(message);
  event.type = message.type;
  event.data = std::move(message.data);
  event.origin_id = message.last_event_id;
  event.source = options_.name;
  bool delivered = false;
  for (size_t i = 0; i < options_.to.size(); ++i) {
    auto channel = channels_.find(options_.to[i]);
    if (!channel) continue;  // removed by a reload; this source is about to be rebuilt
    const bool last = i + 1 == options_.to.size();
    PublishResult result = channel->publish(last ? std::move(event) : event);
    if (!result.ok) {
      log_warn("sse source could not publish",
               {{"source", options_.name}, {"channel", options_.to[i]}, {"error", result.error}});
      continue;
    }
    delivered = true;
  }
  if (delivered) ++status_.events_out;
}

// The upstream's id if it may stand for the event here, else empty: the channel assigns one.
std::string SseSourceLoop::relayed_id(const SseMessage& message) {
  const UpstreamIdVerdict verdict = upstream_ids_.check(message.last_event_id, message.id_field);
  if (verdict == UpstreamIdVerdict::kAccepted) return message.last_event_id;
  const uint64_t n = ++status_.id_fallbacks;
  // An upstream that sends no ids is not a fault; one whose ids cannot be kept is.
  if (verdict != UpstreamIdVerdict::kMissing && worth_logging(n)) {
    log_warn("sse source published an event with a gateway id: its upstream id is unusable",
             {{"source", options_.name},
              {"upstream_id", message.last_event_id.substr(0, UpstreamIdCheck::kMaxIdBytes)},
              {"reason", std::string(to_string(verdict))},
              {"previous_id", upstream_ids_.previous()},
              {"fallbacks", std::to_string(n)}});
  }
  return "";
}

void SseSourceLoop::on_end(const UpstreamEnd& end) {
  retired_ = std::move(connection_);
  status_.paused = 0;
  event_del(backpressure_timer_.get());
  if (failed_) return;
  switch (end.kind) {
    case UpstreamEnd::Kind::kRedirect:
      follow_redirect(end);
      return;
    case UpstreamEnd::Kind::kNoContent:
      give_up(end.detail);
      return;
    default:
      reconnect_later(end);
  }
}

void SseSourceLoop::follow_redirect(const UpstreamEnd& end) {
  auto target = resolve_location(current_url_, end.location);
  if (!target || ++redirects_ > kMaxRedirects) {
    UpstreamEnd failure = end;
    failure.kind = UpstreamEnd::Kind::kFailed;
    failure.detail +=
        target ? " (more than 5 redirects)" : " with an unusable Location '" + end.location + "'";
    reconnect_later(failure);
    return;
  }
  log_info("sse source following redirect", {{"source", options_.name},
                                             {"status", std::to_string(end.status)},
                                             {"from", current_url_.text()},
                                             {"to", target->text()}});
  current_url_ = *target;
  arm(connect_timer_.get(), 0);
}

void SseSourceLoop::reconnect_later(const UpstreamEnd& end) {
  const bool healthy = open_ && (stream_events_ > 0 || mono_ms() - opened_ms_ >= kHealthyStreamMs);
  if (healthy) backoff_.reset();
  open_ = false;
  // Reconnections go back to the configured endpoint, as the standard says for redirects.
  current_url_ = options_.endpoint;
  redirects_ = 0;
  const int64_t delay = backoff_.next_ms();
  ++status_.reconnects;
  status_.backoff_ms = delay;
  std::string detail = end.detail;
  if (end.status != 0 && end.status != 200 && detail.find("HTTP ") == std::string::npos) {
    detail = "HTTP " + std::to_string(end.status) + ": " + detail;
  }
  status_.set(BridgeState::kBackingOff, detail);
  log_warn("sse source reconnecting", {{"source", options_.name},
                                       {"reason", detail},
                                       {"status", std::to_string(end.status)},
                                       {"delay_ms", std::to_string(delay)},
                                       {"last_event_id", resume_id()}});
  arm(connect_timer_.get(), delay);
}

void SseSourceLoop::give_up(const std::string& why) {
  failed_ = true;
  if (connection_) connection_->close();
  event_del(connect_timer_.get());
  event_del(backpressure_timer_.get());
  status_.set(BridgeState::kFailed, why);
  log_error("sse source stopped", {{"source", options_.name}, {"reason", why}});
}

}  // namespace ssegw::sse
