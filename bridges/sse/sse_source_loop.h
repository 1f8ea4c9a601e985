#pragma once
// The event loop of one SSE source, on its own thread: connects, follows redirects, parses
// the stream, filters and checks events, publishes them into the target channels, and
// reconnects with backoff and Last-Event-ID whenever the stream ends or fails.
#include <event2/event.h>

#include <cstdint>
#include <memory>
#include <string>

#include "bridges/common/backoff.h"
#include "bridges/sse/sse_parser.h"
#include "bridges/sse/sse_source_options.h"
#include "bridges/sse/sse_source_status.h"
#include "bridges/sse/upstream_connection.h"
#include "bridges/sse/upstream_id_check.h"
#include "gateway/channel_directory.h"

namespace ssegw::sse {

class SseSourceLoop {
 public:
  static constexpr int kMaxRedirects = 5;
  // A stream that lasted this long, or delivered an event, was healthy: backoff restarts.
  static constexpr int64_t kHealthyStreamMs = 10000;
  static constexpr int64_t kBackpressurePollMs = 20;
  // Backoff starts at the stream's retry: value (1 s until one arrives), at least 100 ms,
  // and is capped at 60 s.
  static constexpr int64_t kDefaultRetryMs = 1000;
  static constexpr int64_t kMinBackoffMs = 100;
  static constexpr int64_t kMaxBackoffMs = 60000;

  SseSourceLoop(const SseSourceOptions& options, ChannelDirectory& channels,
                SseSourceStatus& status);
  ~SseSourceLoop();
  SseSourceLoop(const SseSourceLoop&) = delete;
  SseSourceLoop& operator=(const SseSourceLoop&) = delete;

  // Runs until stop_fd becomes readable.
  void run(int stop_fd);

 private:
  struct BaseFree {
    void operator()(event_base* base) const { event_base_free(base); }
  };
  struct EventFree {
    void operator()(event* ev) const { event_free(ev); }
  };
  using EventPtr = std::unique_ptr<event, EventFree>;

  void connect();
  void on_open();
  void on_body(std::string_view bytes);
  void on_end(const UpstreamEnd& end);
  void on_message(SseMessage& message);
  void publish(SseMessage& message);
  void follow_redirect(const UpstreamEnd& end);
  void reconnect_later(const UpstreamEnd& end);
  void give_up(const std::string& why);
  void poll_backpressure();
  bool targets_accepting() const;
  std::string initial_resume_id() const;
  std::string resume_id() const;
  std::string relayed_id(const SseMessage& message);
  void remember_resume_point();
  const TlsClientContext* tls_for(const HttpUrl& url);
  HeaderList headers_for(const HttpUrl& url) const;
  void arm(event* timer, int64_t ms);

  const SseSourceOptions& options_;
  ChannelDirectory& channels_;
  SseSourceStatus& status_;
  std::unique_ptr<event_base, BaseFree> base_;
  EventPtr stop_event_;
  EventPtr connect_timer_;
  EventPtr backpressure_timer_;
  // Declared after the base and timers so they go first.
  std::unique_ptr<UpstreamConnection> connection_;
  std::unique_ptr<UpstreamConnection> retired_;  // ended; freed outside its own callbacks
  SseParser parser_;
  UpstreamIdCheck upstream_ids_;  // ids: upstream only
  Backoff backoff_;
  std::shared_ptr<const TlsClientContext> redirect_tls_;  // system CAs, for http -> https
  HttpUrl current_url_;
  int redirects_ = 0;
  bool first_connect_ = true;
  bool failed_ = false;
  bool open_ = false;
  int64_t opened_ms_ = 0;
  uint64_t stream_events_ = 0;
};

}  // namespace ssegw::sse
