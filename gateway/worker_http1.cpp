// The worker's side of HTTP/1.1: reading requests off a connection, pipelined ones in order
// and a bounded number per turn, answering them in order, and turning one into the
// connection's single event stream.
#include "clock.h"
#include "log.h"
#include "sse_framer.h"
#include "worker.h"

namespace ssegw {
namespace {
constexpr size_t kReadChunk = 16 * 1024;
// Requests one connection may have handled per loop turn; the rest wait for the next turn
// so that a client pipelining thousands of requests does not starve the others.
constexpr int kMaxRequestsPerTurn = 32;
}  // namespace

void Worker::read_request_bytes(Connection* c) {
  char buf[kReadChunk];
  const size_t cap = input_cap();
  while (c->in.size() < cap) {
    size_t got = 0;
    const IoStatus status = c->transport.read(buf, std::min(sizeof buf, cap - c->in.size()), &got);
    if (status == IoStatus::kOk) {
      c->in.append(buf, got);
      continue;
    }
    if (status == IoStatus::kBlocked) break;
    close_connection(c);
    return;
  }
  if (c->mode == Connection::Mode::kRequest) process_requests(c);
}

// Parses from an offset and compacts the buffer once at the end: erasing each request from
// the front would make a long pipelined burst cost quadratic time.
void Worker::process_requests(Connection* c) {
  HttpLimits limits;
  limits.max_body_bytes = static_cast<size_t>(settings_->max_body_bytes);
  if (c->protocol == Connection::Protocol::kUnknown && detect_h2c(c)) return;
  size_t pos = 0;
  int handled = 0;
  while (c->mode == Connection::Mode::kRequest && pos < c->in.size()) {
    if (c->out.bytes() >= kMaxQueuedAnswerBytes) {
      c->input_waits_for_output = true;
      break;
    }
    if (handled == kMaxRequestsPerTurn) {
      continue_input_next_turn(c);
      break;
    }
    HttpRequest request;
    ParseOutcome outcome = parse_http_request(std::string_view(c->in).substr(pos), limits, request);
    if (!answer_parse_result(c, outcome, request)) break;
    if (should_hand_over(c, request)) {
      hand_over(c, pos);
      return;
    }
    pos += outcome.consumed;
    ++handled;
    c->continue_sent = false;
    c->request_start_ms = mono_ms();
    metrics_.requests.fetch_add(1, std::memory_order_relaxed);
    handle(c, request);
  }
  c->in.erase(0, std::min(pos, c->in.size()));
  update_reading(c);
  flush(c);
}

// False when no complete request is there to handle: it is incomplete, or it was answered
// with an error and the connection is to close.
bool Worker::answer_parse_result(Connection* c, const ParseOutcome& outcome,
                                 const HttpRequest& request) {
  if (outcome.status == ParseStatus::kComplete) return true;
  if (outcome.status == ParseStatus::kIncomplete) {
    if (outcome.expect_continue && !c->continue_sent) {
      c->out.push_owned("HTTP/1.1 100 Continue\r\n\r\n");
      c->continue_sent = true;
    }
    return false;
  }
  // The head may be complete (413): a page from an allowed origin can then read the answer.
  HeaderList headers = cors_headers(request, *settings_);
  headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  c->out.push_owned(build_response(outcome.error_status, headers, outcome.error + "\n", false));
  c->mode = Connection::Mode::kCloseAfterWrite;
  c->in.clear();
  return false;
}

// Enough for one whole request; the parser answers 413/431 on what it has beyond that.
size_t Worker::input_cap() const {
  return static_cast<size_t>(settings_->max_body_bytes) + 64 * 1024;
}

void Worker::handle(Connection* c, const HttpRequest& request) {
  RequestContext context;
  if (!admit_client(c, request, context)) {
    answer(c, nullptr, too_many_from_address(cors_headers(request, *settings_)), false);
    return;
  }
  RouteAction action = route_request(request, *settings_, *channels_, status_, context);
  count_refusal(action);
  switch (action.kind) {
    case RouteAction::Kind::kRespond:
      answer(c, nullptr, action.response, action.keep_alive);
      return;
    case RouteAction::Kind::kSubscribe:
      if (admit_stream()) {
        subscribe(c, action);
      } else {
        answer(c, nullptr, too_many_streams(action.headers), false);
      }
      return;
    case RouteAction::Kind::kPublish:
      publish(c, nullptr, action);
      return;
  }
}

void Worker::subscribe(Connection* c, RouteAction& action) {
  c->mode = Connection::Mode::kStream;
  c->in.clear();
  c->in.shrink_to_fit();
  Subscription& s = c->sub;
  s.conn = c;
  s.out = &c->out;
  begin_subscription(s, action, build_stream_head(action.headers));
  schedule_expiry(s, action.ends_at_s);
}

// Publishes go to the publish worker, which does no fan-out, so that their answers do not
// wait behind a flush of thousands of subscribers. A plain HTTP/1.1 connection moves there
// with its first publish, once everything it was answered before has been written (answers
// stay in order); TLS and HTTP/2 connections, whose state is more than a descriptor, stay.
bool Worker::should_hand_over(const Connection* c, const HttpRequest& request) const {
  return publish_worker_ != nullptr && !draining_ && request.method == "POST" &&
         c->mode == Connection::Mode::kRequest && c->out.empty() && !c->write_armed &&
         !c->transport.tls() && c->limited == LimitVerdict::kAdmitted;
}

void Worker::hand_over(Connection* c, size_t unparsed_from) {
  const int fd = c->fd();
  std::string unparsed = c->in.substr(unparsed_from);
  IpLease lease = std::move(c->lease);
  const bool admitted = c->client_admitted;
  forget_connection(c);
  publish_worker_->adopt_with_input(fd, std::move(unparsed), std::move(lease), admitted);
}

}  // namespace ssegw
