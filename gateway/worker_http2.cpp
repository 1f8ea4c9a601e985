// The worker's side of HTTP/2: feeding a connection's session, answering its streams'
// requests with the same routes as HTTP/1.1, and writing what the session frames.
#include <string_view>

#include "clock.h"
#include "log.h"
#include "worker.h"

namespace ssegw {
namespace {
constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr size_t kReadChunk = 16 * 1024;
// Reads per wake-up, so that one connection flooding frames does not hold the loop.
constexpr int kMaxReadsPerTurn = 16;
// Rounds of framing and writing per flush: each frames up to the session's wire budget.
constexpr int kMaxWriteRounds = 8;
}  // namespace

void Http2Link::on_reset_sent(uint32_t error_code) {
  worker.metrics_.h2_resets_sent.fetch_add(1, std::memory_order_relaxed);
  if (error_code == NGHTTP2_REFUSED_STREAM)
    worker.metrics_.h2_streams_refused.fetch_add(1, std::memory_order_relaxed);
}

void Http2Link::on_goaway_sent(std::string_view reason) {
  worker.metrics_.count_goaway(reason);
}

Http2Limits Worker::http2_limits() const {
  Http2Limits limits;
  limits.settings = settings_->http2;
  limits.max_body_bytes = static_cast<size_t>(settings_->max_body_bytes);
  return limits;
}

// On a plain listener with http2, a client that starts with the HTTP/2 preface speaks h2c
// (prior knowledge); anything else is HTTP/1.1. True when the bytes so far leave it open
// or it became HTTP/2: the caller then parses nothing.
bool Worker::detect_h2c(Connection* c) {
  if (c->in.empty()) return true;
  if (c->profile && c->profile->http2 && !c->transport.tls()) {
    const size_t n = std::min(c->in.size(), kPreface.size());
    if (std::string_view(c->in).substr(0, n) == kPreface.substr(0, n)) {
      if (n == kPreface.size()) start_http2(c);
      return true;
    }
  }
  count_protocol(c, Connection::Protocol::kHttp1);
  return false;
}

void Worker::start_http2(Connection* c) {
  c->mode = Connection::Mode::kHttp2;
  count_protocol(c, Connection::Protocol::kHttp2);
  c->h2 = std::make_unique<Http2Link>(*this, *c, http2_limits());
  update_reading(c);
  std::string received;
  received.swap(c->in);
  if (!received.empty() && !c->h2->session.receive(received.data(), received.size(), mono_ms())) {
    event_del(&c->read_ev);
    c->reading = false;
  }
  flush(c);
}

void Worker::read_http2(Connection* c) {
  char buf[kReadChunk];
  Http2Session& session = c->h2->session;
  for (int reads = 0; reads < kMaxReadsPerTurn; ++reads) {
    size_t got = 0;
    const IoStatus status = c->transport.read(buf, sizeof buf, &got);
    if (status == IoStatus::kBlocked) break;
    if (status != IoStatus::kOk) {
      close_connection(c);
      return;
    }
    c->request_start_ms = mono_ms();
    if (!session.receive(buf, got, c->request_start_ms)) {
      // A flood, a protocol error or the peer's GOAWAY: write what is queued, then close.
      event_del(&c->read_ev);
      c->reading = false;
      break;
    }
    if (reads + 1 == kMaxReadsPerTurn) continue_input_next_turn(c);
  }
  if (c->reading && c->transport.has_buffered_input()) continue_input_next_turn(c);
  flush(c);
}

void Worker::handle_h2(Connection* c, Http2Stream& stream) {
  metrics_.requests.fetch_add(1, std::memory_order_relaxed);
  RequestContext context;
  if (!admit_client(c, stream.request, context)) {
    // Over a per-IP limit: this answer, then GOAWAY so the client does not keep the
    // connection it was not to have.
    answer(c, &stream, too_many_from_address(cors_headers(stream.request, *settings_)), true);
    c->h2->session.shut_down();
    return;
  }
  RouteAction action = route_request(stream.request, *settings_, *channels_, status_, context);
  count_refusal(action);
  switch (action.kind) {
    case RouteAction::Kind::kRespond:
      answer(c, &stream, action.response, true);
      return;
    case RouteAction::Kind::kSubscribe:
      if (draining_) {
        answer(c, &stream, too_many_streams(action.headers), true);
      } else if (admit_stream()) {
        subscribe_h2(c, stream, action);
      } else {
        answer(c, &stream, too_many_streams(action.headers), true);
      }
      return;
    case RouteAction::Kind::kPublish:
      publish(c, &stream, action);
      return;
  }
}

void Worker::subscribe_h2(Connection* c, Http2Stream& stream, RouteAction& action) {
  metrics_.h2_streams_open.fetch_add(1, std::memory_order_relaxed);
  c->h2->session.open_event_stream(stream, action.headers);
  Subscription& s = stream.sub;
  s.conn = c;
  s.h2 = &stream;
  s.out = &stream.out;
  begin_subscription(s, action, "");
  schedule_expiry(s, action.ends_at_s);
  c->h2->session.data_ready(stream);
  mark_dirty(c);
}

void Worker::h2_stream_closed(Http2Stream& stream) {
  if (stream.sub.conn != nullptr) metrics_.h2_streams_open.fetch_sub(1, std::memory_order_relaxed);
  if (stream.sub.active()) remove_subscriber(&stream.sub);
}

// A stream over its queue bound is reset; the connection and its other streams go on.
void Worker::reset_slow_streams(Connection* c) {
  Http2Session& session = c->h2->session;
  for (Http2Stream* stream : std::vector<Http2Stream*>(session.streams())) {
    if (!stream->sub.slow || !stream->sub.active()) continue;
    metrics_.slow_disconnects.fetch_add(1, std::memory_order_relaxed);
    if (stream->sub.channel) stream->sub.channel->count_slow_drop();
    log_debug("slow HTTP/2 stream reset",
              {{"channel", stream->sub.label()}, {"queued", std::to_string(stream->out.bytes())}});
    remove_subscriber(&stream->sub);
    session.reset(*stream, NGHTTP2_CANCEL);
  }
}

void Worker::flush_http2(Connection* c) {
  Http2Session& session = c->h2->session;
  reset_slow_streams(c);
  for (int round = 0; round < kMaxWriteRounds; ++round) {
    session.produce();
    if (c->out.empty() && wire_queue(c).empty()) break;
    size_t written = 0;
    const WriteResult result = c->transport.write(c->out, &written, tls_scratch_);
    if (result != WriteResult::kDone) {
      finish_write(c, result, written);
      return;
    }
    account_written(c, written);
    if (!session.wants_write()) break;
  }
  if (!c->out.empty() || !wire_queue(c).empty() || session.wants_write()) {
    mark_dirty(c);  // more than a flush's rounds: the next slice goes on
    if (!evtimer_pending(flush_turn_ev_.get(), nullptr)) {
      timeval now{0, 0};
      evtimer_add(flush_turn_ev_.get(), &now);
    }
    return;
  }
  if (c->write_armed) {
    event_del(&c->write_ev);
    c->write_armed = false;
  }
  if (session.finished()) close_connection(c);
}

}  // namespace ssegw
