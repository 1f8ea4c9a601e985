#include "worker.h"

#include <errno.h>
#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "clock.h"
#include "log.h"

namespace ssegw {
namespace {
// Reads a streaming subscriber may make per wake-up; what it sends is discarded anyway.
constexpr int kMaxDiscardReads = 16;
// Connections flushed per loop turn: about a millisecond of sendmsg calls.
constexpr size_t kFlushSlice = 256;
// A TLS record's largest plaintext: a turn's frames for one connection go out in one record.
constexpr size_t kTlsRecordBytes = 16 * 1024;
// How often the heap is trimmed while TLS handshakes come in (see trim_after_handshakes).
constexpr int64_t kTrimIntervalMs = 1000;
}  // namespace

Worker::Worker(int index, std::shared_ptr<const ServerConfig> settings, Metrics& metrics,
               const StatusSource& status, IpLimiter& limiter)
    : index_(index),
      settings_(std::move(settings)),
      metrics_(metrics),
      status_(status),
      limiter_(limiter) {
  base_.reset(event_base_new());
  wake_ev_.reset(event_new(base_.get(), -1, 0, &Worker::on_wake, this));
  tick_ev_.reset(event_new(base_.get(), -1, EV_PERSIST, &Worker::on_tick, this));
  input_turn_ev_.reset(evtimer_new(base_.get(), &Worker::on_input_turn, this));
  flush_turn_ev_.reset(evtimer_new(base_.get(), &Worker::on_flush_turn, this));
  expiry_ev_.reset(evtimer_new(base_.get(), &Worker::on_expiry, this));
  heartbeat_frame_ = FrameRef::adopt(new Frame(0, Event{}, ":\n", 0));
  tls_scratch_.resize(kTlsRecordBytes);
}

Connection::~Connection() = default;

Worker::~Worker() {
  join();
  for (Connection* c : std::vector<Connection*>(all_)) close_connection(c);
}

void Worker::start() {
  // Heartbeats and request timeouts are checked at least every second.
  const int64_t half = std::clamp<int64_t>(settings_->heartbeat_ms / 2, 50, 1000);
  const timeval tick = to_timeval(half);
  event_add(tick_ev_.get(), &tick);
  thread_ = std::thread([this] {
    batch();  // the ring is made now, on its thread, not at the first fan-out
    event_base_loop(base_.get(), EVLOOP_NO_EXIT_ON_EMPTY);
    for (Connection* c : std::vector<Connection*>(all_)) close_connection(c);
  });
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::wake() {
  // Called with inbox_.mu held; one activation per batch however many items arrive.
  if (!inbox_.wake_pending) {
    inbox_.wake_pending = true;
    event_active(wake_ev_.get(), EV_TIMEOUT, 0);
  }
}

void Worker::adopt(int fd, std::shared_ptr<const ListenerProfile> profile) {
  std::lock_guard lock(inbox_.mu);
  inbox_.fds.emplace_back(fd, std::move(profile));
  wake();
}

void Worker::adopt_with_input(int fd, std::string unparsed, IpLease lease, bool client_admitted) {
  std::lock_guard lock(inbox_.mu);
  inbox_.handed.push_back(
      Inbox::Handed{fd, std::move(unparsed), std::move(lease), client_admitted});
  wake();
}

void Worker::post(std::function<void()> task) {
  std::lock_guard lock(inbox_.mu);
  inbox_.tasks.push_back(std::move(task));
  wake();
}

void Worker::enqueue_frame(const std::shared_ptr<Channel>& channel, FrameRef frame) {
  // Called under the channel lock. A worker with no stream (the publish worker, mostly) is
  // not woken for frames it would drop; subscribe() counts a stream before it plans its
  // replay under that lock, so every frame the replay does not cover finds the count raised.
  if (streams_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard lock(inbox_.mu);
  inbox_.frames.emplace_back(channel, std::move(frame));
  wake();
}

void Worker::update_settings(std::shared_ptr<const ServerConfig> settings) {
  post([this, settings = std::move(settings)] { settings_ = settings; });
}

void Worker::drop_channel(std::shared_ptr<Channel> channel) {
  post([this, channel = std::move(channel)] {
    auto it = subscribers_.find(channel.get());
    if (it == subscribers_.end()) return;
    for (Subscription* s : std::vector<Subscription*>(it->second.list)) {
      if (s->leg) {
        remove_leg(s->leg);  // the stream goes on with its other channels
      } else {
        end_stream(s);
      }
    }
  });
}

void Worker::channel_added(std::shared_ptr<Channel> channel) {
  post([this, channel = std::move(channel)] { add_to_patterns(channel); });
}

// The stream takes no more frames and ends after what it has queued: an HTTP/1.1
// connection closes then, an HTTP/2 stream ends and its connection stays.
void Worker::end_stream(Subscription* s) {
  Connection* c = s->conn;
  Http2Stream* stream = s->h2;
  remove_subscriber(s);
  if (stream == nullptr) {
    c->mode = Connection::Mode::kCloseAfterWrite;
  } else {
    stream->ending = true;
    c->h2->session.data_ready(*stream);
  }
  flush(c);
}

void Worker::on_wake(evutil_socket_t, short, void* arg) {
  static_cast<Worker*>(arg)->process_inbox();
}

void Worker::process_inbox() {
  std::vector<std::pair<std::shared_ptr<Channel>, FrameRef>> frames;
  std::vector<std::pair<int, std::shared_ptr<const ListenerProfile>>> fds;
  std::vector<Inbox::Handed> handed;
  std::vector<std::function<void()>> tasks;
  std::optional<int64_t> drain_timeout_ms;
  {
    std::lock_guard lock(inbox_.mu);
    frames.swap(inbox_.frames);
    fds.swap(inbox_.fds);
    handed.swap(inbox_.handed);
    tasks.swap(inbox_.tasks);
    drain_timeout_ms.swap(inbox_.drain_timeout_ms);
    inbox_.wake_pending = false;
  }
  for (auto& [fd, profile] : fds) {
    if (Connection* c = open_connection(fd, std::move(profile))) note_peer(c);
  }
  for (Inbox::Handed& h : handed) {
    if (Connection* c = open_connection(h.fd, nullptr)) {
      c->lease = std::move(h.lease);
      c->client_admitted = h.client_admitted;
      note_peer(c);
      c->in = std::move(h.unparsed);
      process_requests(c);
    }
  }
  for (auto& task : tasks) task();
  for (const auto& [channel, frame] : frames) fan_out(channel, frame);
  flush_dirty();
  if (drain_timeout_ms) begin_drain(*drain_timeout_ms);
}

void Worker::fan_out(const std::shared_ptr<Channel>& channel, const FrameRef& frame) {
  auto it = subscribers_.find(channel.get());
  if (it == subscribers_.end()) return;
  const uint64_t delivered = channel->with_resume_provider([&](ResumeProvider* provider) {
    uint64_t n = 0;
    for (Subscription* s : it->second.list) {
      // A subscriber whose replay already covered this frame skips it: no duplicate at the seam.
      if (frame->seq() <= s->last_seq) continue;
      s->last_seq = frame->seq();
      if (s->resume_filter && provider && provider->covers(*s->resume_filter, frame->id()))
        continue;
      if (s->leg) {
        deliver_leg(*s->leg, frame);
        mark_dirty(s->leg->stream);
      } else {
        if (s->events && !s->events->wants(frame->event().type)) continue;
        s->out->push(frame);
        mark_dirty(s);
      }
      ++n;
    }
    return n;
  });
  metrics_.events_delivered.fetch_add(delivered, std::memory_order_relaxed);
  channel->count_delivered(delivered);
}

// An HTTP/2 stream over its bound is reset at the connection's flush, an HTTP/1.1 one is
// closed; either way not here, in the middle of a fan-out over the subscriber list.
void Worker::mark_dirty(Subscription* s) {
  if (s->out->bytes_behind_head() > s->queue_limit) s->slow = true;
  if (s->h2 != nullptr) s->conn->h2->session.data_ready(*s->h2);
  mark_dirty(s->conn);
}

void Worker::mark_dirty(Connection* c) {
  if (!c->dirty) {
    c->dirty = true;
    dirty_.push_back(c);
  }
}

// Flushes at most kFlushSlice connections, then lets the loop poll before the next slice:
// a fan-out to thousands of subscribers must not keep publishes, accepts and requests on
// this worker waiting for the whole pass. Connections still waiting gather more frames
// meanwhile, so a saturated worker writes several events per sendmsg.
void Worker::flush_dirty() {
  const size_t end = std::min(dirty_.size(), dirty_head_ + kFlushSlice);
  for (; dirty_head_ < end; ++dirty_head_) {
    Connection* c = dirty_[dirty_head_];
    if (c == nullptr) continue;  // closed while it waited
    dirty_[dirty_head_] = nullptr;
    c->dirty = false;
    if (c->sub.slow) {
      metrics_.slow_disconnects.fetch_add(1, std::memory_order_relaxed);
      if (c->sub.channel) c->sub.channel->count_slow_drop();
      log_debug("slow subscriber dropped",
                {{"channel", c->sub.label()}, {"queued", std::to_string(c->out.bytes())}});
      close_connection(c);
    } else if (!c->write_armed) {
      send_soon(c);  // a blocked socket is flushed by its EV_WRITE, not by another EAGAIN
    } else if (c->h2) {
      reset_slow_streams(c);  // their memory goes now, not when the socket drains
    }
  }
  send_batch();
  if (dirty_head_ < dirty_.size()) {
    // A worker that never catches up never empties the list: drop the flushed prefix.
    if (dirty_head_ >= 4096 && dirty_head_ * 2 >= dirty_.size()) {
      dirty_.erase(dirty_.begin(), dirty_.begin() + static_cast<std::ptrdiff_t>(dirty_head_));
      dirty_head_ = 0;
    }
    if (!evtimer_pending(flush_turn_ev_.get(), nullptr)) {
      timeval now{0, 0};
      evtimer_add(flush_turn_ev_.get(), &now);
    }
    return;
  }
  dirty_.clear();
  dirty_head_ = 0;
}

void Worker::on_flush_turn(evutil_socket_t, short, void* arg) {
  static_cast<Worker*>(arg)->flush_dirty();
}

// Made on the worker thread (at start, or when a reload turns io_uring on): the ring
// belongs to the thread that made it.
SendBatch* Worker::batch() {
  if (!settings_->io_uring) return nullptr;
  if (!batch_) {
    batch_ = std::make_unique<SendBatch>();
    metrics_.io_uring_workers.fetch_add(batch_->available() ? 1 : 0, std::memory_order_relaxed);
    if (!batch_->available()) {
      log_warn("io_uring unavailable, sending with sendmsg",
               {{"worker", std::to_string(index_)}, {"reason", batch_->unavailable_reason()}});
    }
  }
  return batch_->available() ? batch_.get() : nullptr;
}

void Worker::send_soon(Connection* c) {
  SendBatch* b = batch();
  // HTTP/2 frames first and kTLS has OpenSSL write: both write on their own.
  if (b == nullptr || c->held() || c->out.empty() || c->h2 ||
      (c->transport.tls() && c->transport.cipher() == nullptr)) {
    flush(c);
    return;
  }
  // TLS: the turn's frames become records here and go in the batch like plain bytes.
  if (c->transport.tls() && !c->transport.encrypt(c->out, tls_scratch_)) {
    close_connection(c);
    return;
  }
  b->add(c->fd(), wire_queue(c), c);
  if (b->full()) send_batch();
}

// What goes on the socket: the connection's queue, or the records made from it.
OutputQueue& Worker::wire_queue(Connection* c) {
  OutputQueue* cipher = c->transport.cipher();
  return cipher != nullptr ? *cipher : c->out;
}

void Worker::send_batch() {
  if (!batch_ || batch_->empty()) return;
  uint64_t sends = 0;
  batch_->run([&](void* owner, long result, size_t offered) {
    auto* c = static_cast<Connection*>(owner);
    if (result == SendBatch::kNotSent) {
      flush(c);
      return;
    }
    ++sends;
    if (result < 0) {
      const bool blocked = result == -EAGAIN || result == -EWOULDBLOCK || result == -EINTR;
      finish_write(c, blocked ? WriteResult::kBlocked : WriteResult::kError, 0);
      return;
    }
    const auto written = static_cast<size_t>(result);
    OutputQueue& sent = wire_queue(c);
    sent.consume(written);
    const bool more_plaintext = &sent != &c->out && !c->out.empty();
    if (written == offered && (!sent.empty() || more_plaintext)) {
      // More than one sendmsg carries (or TLS encrypted only part): write the rest now.
      account_written(c, written);
      flush(c);
      return;
    }
    finish_write(c, sent.empty() && !more_plaintext ? WriteResult::kDone : WriteResult::kBlocked,
                 written);
  });
  metrics_.batched_sends.fetch_add(sends, std::memory_order_relaxed);
}

void Worker::account_written(Connection* c, size_t written) {
  if (written == 0) return;
  metrics_.bytes_out.fetch_add(written, std::memory_order_relaxed);
  c->last_write_ms = mono_ms();
}

void Worker::flush(Connection* c) {
  if (c->held() || c->mode == Connection::Mode::kHandshake) return;
  if (c->h2) {
    flush_http2(c);
    return;
  }
  write_out(c);
}

void Worker::write_out(Connection* c) {
  size_t written = 0;
  WriteResult result = c->transport.write(c->out, &written, tls_scratch_);
  finish_write(c, result, written);
}

void Worker::finish_write(Connection* c, WriteResult result, size_t written) {
  account_written(c, written);
  switch (result) {
    case WriteResult::kDone:
      if (c->write_armed) {
        event_del(&c->write_ev);
        c->write_armed = false;
      }
      if (c->mode == Connection::Mode::kCloseAfterWrite) {
        close_connection(c);
      } else if (c->mode == Connection::Mode::kRequest) {
        // Answers are out: take the next pipelined request and read the socket again.
        update_reading(c);
        if (c->input_waits_for_output) {
          c->input_waits_for_output = false;
          continue_input_next_turn(c);
        }
      }
      return;
    case WriteResult::kBlocked:
      if (!c->write_armed || written > 0) c->blocked_since_ms = mono_ms();
      if (!c->write_armed) {
        event_add(&c->write_ev, nullptr);
        c->write_armed = true;
      }
      return;
    case WriteResult::kError:
      close_connection(c);
      return;
  }
}

Connection* Worker::open_connection(int fd, std::shared_ptr<const ListenerProfile> profile) {
  if (draining_) {
    ::close(fd);
    metrics_.connections_open.fetch_sub(1, std::memory_order_relaxed);
    return nullptr;
  }
  SslPtr ssl;
  if (profile && profile->tls && !(ssl = profile->tls->new_ssl())) {
    log_warn("cannot make a TLS session (out of memory?); connection closed");
    ::close(fd);
    metrics_.connections_open.fetch_sub(1, std::memory_order_relaxed);
    return nullptr;
  }
  evutil_make_socket_nonblocking(fd);
  auto* c = new Connection(fd);
  c->worker = this;
  c->id = next_id_++;
  c->profile = std::move(profile);
  if (ssl) {
    c->transport.start_tls(std::move(ssl), c->profile->tls->ktls_requested());
    c->mode = Connection::Mode::kHandshake;
  } else if (!c->profile || !c->profile->http2) {
    count_protocol(c, Connection::Protocol::kHttp1);
  }
  c->last_write_ms = mono_ms();
  c->request_start_ms = c->last_write_ms;
  event_assign(&c->read_ev, base_.get(), fd, EV_READ | EV_PERSIST, &Worker::on_read, c);
  event_assign(&c->write_ev, base_.get(), fd, EV_WRITE | EV_PERSIST, &Worker::on_write, c);
  update_reading(c);
  c->all_slot = all_.size();
  all_.push_back(c);
  return c;
}

void Worker::on_read(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  Worker* w = c->worker;
  switch (c->mode) {
    case Connection::Mode::kHandshake:
      w->continue_handshake(c);
      return;
    case Connection::Mode::kRequest:
    case Connection::Mode::kAwaitPublish:
      w->read_request_bytes(c);
      return;
    case Connection::Mode::kHttp2:
      w->read_http2(c);
      return;
    default:
      w->read_and_discard(c);
  }
}

void Worker::on_write(evutil_socket_t, short, void* arg) {
  auto* c = static_cast<Connection*>(arg);
  if (c->mode == Connection::Mode::kHandshake) {
    c->worker->continue_handshake(c);
  } else {
    c->worker->flush(c);
  }
}

void Worker::read_and_discard(Connection* c) {
  char buf[4096];
  for (int reads = 0; reads < kMaxDiscardReads; ++reads) {
    size_t got = 0;
    const IoStatus status = c->transport.read(buf, sizeof buf, &got);
    if (status == IoStatus::kOk) continue;
    if (status == IoStatus::kBlocked) return;
    close_connection(c);  // the subscriber went away
    return;
  }
}

// Request connections read only while their answers are flowing and their buffer has room;
// streams and closing connections read (and discard) to notice the peer going away.
void Worker::update_reading(Connection* c) {
  bool want = true;
  if (c->mode == Connection::Mode::kAwaitPublish) want = false;
  if (c->mode == Connection::Mode::kRequest) {
    want = c->out.bytes() < kMaxQueuedAnswerBytes && c->in.size() < input_cap();
  }
  if (want == c->reading) return;
  if (want) {
    event_add(&c->read_ev, nullptr);
    // What TLS already decrypted raises no readiness on the socket again.
    if (c->transport.has_buffered_input()) continue_input_next_turn(c);
  } else {
    event_del(&c->read_ev);
  }
  c->reading = want;
}

// Continues on a zero timer rather than event_active: libevent runs events activated during
// a pass in that same pass, so a flooding client could keep the loop from polling others.
void Worker::continue_input_next_turn(Connection* c) {
  if (c->input_pending) return;
  c->input_pending = true;
  input_pending_.push_back(c);
  if (input_pending_.size() == 1) {
    timeval now{0, 0};
    evtimer_add(input_turn_ev_.get(), &now);
  }
}

void Worker::on_input_turn(evutil_socket_t, short, void* arg) {
  static_cast<Worker*>(arg)->run_input_turn();
}

void Worker::run_input_turn() {
  std::vector<Connection*> batch;
  batch.swap(input_pending_);
  for (Connection* c : batch) c->input_pending = false;
  // A turn only ever closes its own connection, so the rest of the batch stays valid.
  for (Connection* c : batch) resume_input(c);
}

void Worker::resume_input(Connection* c) {
  if (c->mode == Connection::Mode::kHttp2) {
    read_http2(c);
  } else if (c->mode == Connection::Mode::kRequest) {
    if (c->transport.has_buffered_input()) {
      read_request_bytes(c);
    } else {
      process_requests(c);
    }
  }
}

void Worker::close_connection(Connection* c) {
  // The events go before the descriptor does: once closed, its number may already belong to
  // a connection another thread accepted.
  const int fd = c->fd();
  c->transport.close_notify();
  forget_connection(c);
  ::close(fd);
  metrics_.connections_open.fetch_sub(1, std::memory_order_relaxed);
}

// Everything but the socket itself, which is closed or handed to another worker.
void Worker::forget_connection(Connection* c) {
  if (c->sub.active()) remove_subscriber(&c->sub);
  c->h2.reset();  // closes its streams, which leave their channels
  std::erase_if(waiting_, [c](const auto& entry) { return entry.second.conn == c; });
  count_protocol(c, Connection::Protocol::kUnknown);
  if (c->ktls) metrics_.ktls_connections.fetch_sub(1, std::memory_order_relaxed);
  event_del(&c->read_ev);
  event_del(&c->write_ev);
  Connection* last = all_.back();
  all_[c->all_slot] = last;
  last->all_slot = c->all_slot;
  all_.pop_back();
  if (c->dirty)
    std::replace(dirty_.begin() + static_cast<std::ptrdiff_t>(dirty_head_), dirty_.end(), c,
                 static_cast<Connection*>(nullptr));
  if (c->input_pending) std::erase(input_pending_, c);
  delete c;
  check_drained();
}

void Worker::on_tick(evutil_socket_t, short, void* arg) {
  auto* self = static_cast<Worker*>(arg);
  self->heartbeat();
  self->expire_requests();
  self->trim_after_handshakes();
}

// A TLS handshake allocates tens of KiB that it frees when done, between the allocations of
// connections that stay; after a burst of them the heap keeps those holes and the process
// about twice the memory its idle TLS subscribers use. malloc_trim gives the free pages
// back (the in-use bytes stay; the peak during a burst of handshakes does not move). From the
// tick, at most every kTrimIntervalMs and only after handshakes.
void Worker::trim_after_handshakes() {
  const uint64_t done = metrics_.tls_handshakes.load(std::memory_order_relaxed);
  const int64_t now = mono_ms();
  if (done == handshakes_at_trim_ || now - trimmed_ms_ < kTrimIntervalMs) return;
  handshakes_at_trim_ = done;
  trimmed_ms_ = now;
  malloc_trim(0);
}

// A client that opens a connection and never finishes a request (or idles on keep-alive,
// or never finishes its TLS handshake) would hold a file descriptor for ever.
void Worker::expire_requests() {
  const int64_t now = mono_ms();
  std::vector<Connection*> expired;
  std::vector<Connection*> unread;
  std::vector<Connection*> handshakes;
  std::vector<Connection*> idle_h2;
  for (Connection* c : all_) {
    const int64_t age = now - c->request_start_ms;
    if (c->mode == Connection::Mode::kHandshake) {
      if (age > c->profile->handshake_timeout_ms) handshakes.push_back(c);
    } else if (c->mode == Connection::Mode::kRequest && c->out.empty() &&
               age > settings_->request_timeout_ms) {
      expired.push_back(c);
    } else if (c->mode != Connection::Mode::kStream && c->write_armed &&
               now - c->blocked_since_ms > settings_->request_timeout_ms) {
      unread.push_back(c);  // its answers sit unread: it only holds memory and a descriptor
    } else if (c->mode == Connection::Mode::kHttp2 && c->h2->session.streams().empty() &&
               age > settings_->request_timeout_ms) {
      idle_h2.push_back(c);
    }
  }
  for (Connection* c : handshakes) {
    metrics_.count_handshake_failure("timeout");
    close_connection(c);
  }
  for (Connection* c : unread) {
    metrics_.write_timeouts.fetch_add(1, std::memory_order_relaxed);
    close_connection(c);
  }
  for (Connection* c : idle_h2) {
    c->h2->session.shut_down();
    flush(c);
  }
  for (Connection* c : expired) {
    if (c->in.empty()) {
      close_connection(c);
      continue;
    }
    c->out.push_owned(build_response(408, {}, "", false));
    c->mode = Connection::Mode::kCloseAfterWrite;
    c->in.clear();
    flush(c);
  }
}

void Worker::heartbeat() {
  const int64_t now = mono_ms();
  const int64_t interval = settings_->heartbeat_ms;
  if (interval <= 0) return;
  uint64_t sent = 0;
  // A multiplexed stream is reached through its legs (the first one that finds it idle), or
  // directly while its patterns have matched no channel yet.
  auto beat = [&](Subscription* s) {
    const int64_t last = s->h2 ? s->h2->last_write_ms : s->conn->last_write_ms;
    if (now - last < interval || !s->out->empty() || s->held) return;
    s->out->push(heartbeat_frame_);
    mark_dirty(s);
    ++sent;
  };
  for (auto& [channel, subs] : subscribers_) {
    for (Subscription* s : subs.list) beat(s->leg ? s->leg->stream : s);
  }
  for (Subscription* s : pattern_streams_) {
    if (s->mux->legs.empty()) beat(s);
  }
  metrics_.heartbeats.fetch_add(sent, std::memory_order_relaxed);
  flush_dirty();
}

void Worker::drain(int64_t timeout_ms) {
  std::lock_guard lock(inbox_.mu);
  inbox_.drain_timeout_ms = timeout_ms;
  wake();
}

void Worker::begin_drain(int64_t timeout_ms) {
  if (draining_) return;
  draining_ = true;
  drain_deadline_ev_.reset(evtimer_new(
      base_.get(),
      [](evutil_socket_t, short, void* arg) {
        event_base_loopexit(static_cast<Worker*>(arg)->base_.get(), nullptr);
      },
      this));
  const timeval tv = to_timeval(timeout_ms);
  evtimer_add(drain_deadline_ev_.get(), &tv);
  for (Connection* c : std::vector<Connection*>(all_)) {
    if (c->mode == Connection::Mode::kAwaitPublish) continue;  // its answer is on the way
    if (c->h2) {
      c->h2->session.shut_down();  // GOAWAY; each stream ends after what it has queued
    } else {
      c->mode = Connection::Mode::kCloseAfterWrite;
    }
    flush(c);
  }
  check_drained();
}

void Worker::check_drained() {
  if (draining_ && all_.empty()) event_base_loopexit(base_.get(), nullptr);
}

}  // namespace ssegw
