#pragma once
// A worker thread: its own event loop and the connections it owns (worker.cpp: the loop, its
// inbox, fan-out and writes; worker_http1.cpp, worker_http2.cpp, worker_tls.cpp: each protocol
// and the handshake; worker_streams.cpp: subscriptions and publishes on either protocol). Nothing
// crosses into a worker except through its Inbox (frames, new sockets, tasks), drained once per
// wake-up so that a burst of events costs one write per subscriber, not one per event.
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "channel_directory.h"
#include "config.h"
#include "connection.h"
#include "event_handles.h"
#include "http2_session.h"
#include "http_routes.h"
#include "listener_profile.h"
#include "metrics.h"
#include "multiplexed_stream.h"
#include "send_batch.h"

namespace ssegw {

struct Http2Link;

class Worker final : public FanoutTarget {
 public:
  Worker(int index, std::shared_ptr<const ServerConfig> settings, Metrics& metrics,
         const StatusSource& status, IpLimiter& limiter);
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Before start(): the directory exists only after the workers it fans out to.
  void attach(ChannelDirectory& channels) { channels_ = &channels; }
  // Before start(): where this worker hands connections that publish.
  void set_publish_worker(Worker* worker) { publish_worker_ = worker; }
  void start();
  void join();

  // Any thread. A null profile is a plain HTTP/1.1 listener.
  void adopt(int fd, std::shared_ptr<const ListenerProfile> profile = nullptr);
  // A connection another worker handed over, with the request bytes it had not handled and
  // its place in the per-IP count.
  void adopt_with_input(int fd, std::string unparsed, IpLease lease, bool client_admitted);
  void post(std::function<void()> task);
  void enqueue_frame(const std::shared_ptr<Channel>& channel, FrameRef frame) override;
  void update_settings(std::shared_ptr<const ServerConfig> settings);
  void drop_channel(std::shared_ptr<Channel> channel);
  // A channel made after start: multiplexed streams whose patterns match it take it.
  void channel_added(std::shared_ptr<Channel> channel);
  // Lets every stream finish what is queued, closes all, then ends the loop.
  void drain(int64_t timeout_ms);

 private:
  struct Inbox {
    std::mutex mu;
    std::vector<std::pair<std::shared_ptr<Channel>, FrameRef>> frames;
    std::vector<std::pair<int, std::shared_ptr<const ListenerProfile>>> fds;
    struct Handed {
      int fd;
      std::string unparsed;
      IpLease lease;
      bool client_admitted;
    };
    std::vector<Handed> handed;
    std::vector<std::function<void()>> tasks;
    // Taken after the frames of the same wake-up: an event published before SIGTERM must
    // still reach the streams that drain then closes.
    std::optional<int64_t> drain_timeout_ms;
    bool wake_pending = false;
  };
  struct Subscribers {
    std::shared_ptr<Channel> channel;
    std::vector<Subscription*> list;
  };
  // What a publish acknowledgement or a resume comes back to: a connection, and on HTTP/2
  // the stream (0 on HTTP/1.1), looked up again when it comes since it may be gone.
  struct Waiter {
    Connection* conn = nullptr;
    int32_t stream = 0;
    const Channel* leg = nullptr;  // a multiplexed stream's leg that resumes
  };
  enum class LegStart { kLive, kFromId, kAll, kSince };
  friend struct Http2Link;
  // A connection's socket is not read while this much of its answers waits unsent: a client
  // that pipelines requests and never reads cannot make the gateway buffer without bound.
  static constexpr size_t kMaxQueuedAnswerBytes = 64 * 1024;

  static void on_wake(evutil_socket_t, short, void* arg);
  static void on_read(evutil_socket_t, short, void* arg);
  static void on_write(evutil_socket_t, short, void* arg);
  static void on_tick(evutil_socket_t, short, void* arg);
  static void on_input_turn(evutil_socket_t, short, void* arg);
  static void on_flush_turn(evutil_socket_t, short, void* arg);

  void wake();
  void process_inbox();
  Connection* open_connection(int fd, std::shared_ptr<const ListenerProfile> profile);
  void continue_handshake(Connection* c);
  void finish_handshake(Connection* c);
  void count_protocol(Connection* c, Connection::Protocol protocol);
  bool detect_h2c(Connection* c);
  void resume_input(Connection* c);
  void read_request_bytes(Connection* c);
  void read_and_discard(Connection* c);
  void process_requests(Connection* c);
  bool answer_parse_result(Connection* c, const ParseOutcome& outcome, const HttpRequest& request);
  void update_reading(Connection* c);
  size_t input_cap() const;
  void continue_input_next_turn(Connection* c);
  void run_input_turn();
  bool admit_stream();
  void handle(Connection* c, const HttpRequest& request);
  void answer(Connection* c, Http2Stream* stream, const Response& response, bool keep_alive);
  void subscribe(Connection* c, RouteAction& action);
  void begin_subscription(Subscription& s, RouteAction& action, std::string prefix);
  static ReplayPlan plan_start(Channel& channel, const StartPosition& start);
  void start_resume(Subscription& s, ResumeProvider* provider, const std::string& last_id,
                    ReplayPlan plan, std::string prefix);
  Subscription* find_subscription(const Waiter& waiter) const;
  void finish_resume(uint64_t wait_id, bool ok, std::vector<Event> events,
                     std::vector<FrameRef> frames, std::string prefix);
  void join_fanout(Subscription& s);
  void leave_fanout(Subscription& s);
  // Several channels on one stream (worker_multiplex.cpp).
  void begin_multiplexed(Subscription& s, RouteAction& action, std::string prefix);
  void start_leg(Subscription& s, const std::shared_ptr<Channel>& channel, LegStart start,
                 std::string_view from_id);
  bool resume_leg(MuxLeg& leg, const std::string& from_id, ReplayPlan& plan);
  void finish_leg_resume(uint64_t wait_id, bool ok, std::vector<Event> events);
  void deliver_leg(MuxLeg& leg, const FrameRef& frame);
  void release_multiplexed(Subscription& s, bool flush_now);
  void remove_leg(MuxLeg* leg);
  void add_to_patterns(const std::shared_ptr<Channel>& channel);
  void publish(Connection* c, Http2Stream* stream, RouteAction& action);
  void publish_batch(Connection* c, Http2Stream* stream, RouteAction& action);
  void finish_batch(const std::vector<PublishResult>& results);
  void count_publishes(uint64_t ok, uint64_t rejected);
  void finish_answer(uint64_t wait_id, const Response& response, bool keep_alive);
  void fan_out(const std::shared_ptr<Channel>& channel, const FrameRef& frame);
  void mark_dirty(Subscription* s);
  void mark_dirty(Connection* c);
  void flush_dirty();
  void flush(Connection* c);
  void write_out(Connection* c);
  OutputQueue& wire_queue(Connection* c);
  // HTTP/2 (worker_http2.cpp).
  Http2Limits http2_limits() const;
  void start_http2(Connection* c);
  void read_http2(Connection* c);
  void handle_h2(Connection* c, Http2Stream& stream);
  void subscribe_h2(Connection* c, Http2Stream& stream, RouteAction& action);
  void h2_stream_closed(Http2Stream& stream);
  void flush_http2(Connection* c);
  void reset_slow_streams(Connection* c);
  void finish_write(Connection* c, WriteResult result, size_t written);
  void account_written(Connection* c, size_t written);
  SendBatch* batch();
  void send_soon(Connection* c);
  void send_batch();
  void close_connection(Connection* c);
  void forget_connection(Connection* c);
  bool should_hand_over(const Connection* c, const HttpRequest& request) const;
  void hand_over(Connection* c, size_t unparsed_from);
  void remove_subscriber(Subscription* s);
  void end_stream(Subscription* s);
  // Access (worker_access.cpp): per-IP limits, the request's client, token expiries.
  void note_peer(Connection* c);
  bool admit(Connection* c, const IpAddress& client);
  bool admit_client(Connection* c, const HttpRequest& request, RequestContext& context);
  void count_refusal(const RouteAction& action);
  void schedule_expiry(Subscription& s, std::optional<int64_t> ends_at_s);
  void cancel_expiry(Subscription& s);
  void arm_expiry_timer();
  static void on_expiry(evutil_socket_t, short, void* arg);
  void expire_tokens();
  void heartbeat();
  void trim_after_handshakes();
  void expire_requests();
  void begin_drain(int64_t timeout_ms);
  void check_drained();

  const int index_;
  std::shared_ptr<const ServerConfig> settings_;
  Metrics& metrics_;
  const StatusSource& status_;
  IpLimiter& limiter_;
  ChannelDirectory* channels_ = nullptr;
  Worker* publish_worker_ = nullptr;  // null on the publish worker itself
  EventBasePtr base_;
  EventPtr wake_ev_;
  EventPtr tick_ev_;
  EventPtr drain_deadline_ev_;
  EventPtr input_turn_ev_;
  EventPtr flush_turn_ev_;
  EventPtr expiry_ev_;
  std::thread thread_;
  Inbox inbox_;
  std::atomic<int64_t> streams_{0};  // subscribers on this worker; read by publishers

  // Owned by the worker thread alone.
  std::vector<Connection*> all_;
  std::unordered_map<Channel*, Subscribers> subscribers_;
  std::unordered_map<uint64_t, Waiter> waiting_;  // publish acks and resumes in flight
  std::vector<Connection*> dirty_;  // to flush from dirty_head_ on; closed ones are null
  size_t dirty_head_ = 0;
  std::unique_ptr<SendBatch> batch_;        // io_uring sends of a flush slice; made on first use
  std::vector<Connection*> input_pending_;  // requests left in their buffers for the next turn
  std::multimap<int64_t, Subscription*> expiries_;  // mono ms a stream's token ends at
  std::vector<Subscription*> pattern_streams_;      // multiplexed streams with patterns
  FrameRef heartbeat_frame_;
  std::string tls_scratch_;  // one TLS record's plaintext, shared by the worker's connections
  uint64_t next_id_ = 1;
  bool draining_ = false;
  bool ktls_warned_ = false;
  uint64_t handshakes_at_trim_ = 0;
  int64_t trimmed_ms_ = 0;
};

// The HTTP/2 session of one connection and the worker it reports its streams to.
struct Http2Link final : Http2Host {
  Http2Link(Worker& w, Connection& c, const Http2Limits& limits)
      : worker(w), conn(c), session(*this, c.out, limits) {}
  void on_request(Http2Stream& stream) override { worker.handle_h2(&conn, stream); }
  void on_stream_closed(Http2Stream& stream) override { worker.h2_stream_closed(stream); }
  void on_reset_sent(uint32_t error_code) override;
  void on_goaway_sent(std::string_view reason) override;

  Worker& worker;
  Connection& conn;
  Http2Session session;
};

}  // namespace ssegw
