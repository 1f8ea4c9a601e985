// Streams as the fan-out and the routes see them, whichever protocol carries them: starting
// a subscription (replay, resume through a ResumeProvider), publishes and their answers.
#include <algorithm>

#include "log.h"
#include "sse_framer.h"
#include "worker.h"

namespace ssegw {

// An answer on an HTTP/2 stream, or in the HTTP/1.1 connection's order of answers.
void Worker::answer(Connection* c, Http2Stream* stream, const Response& response, bool keep_alive) {
  if (stream != nullptr) {
    c->h2->session.respond(*stream, response);
    mark_dirty(c);
    return;
  }
  c->out.push_owned(build_response(response, keep_alive));
  if (!keep_alive) c->mode = Connection::Mode::kCloseAfterWrite;
}

// max_connections counts streams only, so that at the limit health checks, metrics and
// publishes are still answered; other connections are bounded by the accept reserve and by
// request_timeout.
bool Worker::admit_stream() {
  if (metrics_.streams_open.fetch_add(1, std::memory_order_relaxed) < settings_->max_connections)
    return true;
  metrics_.streams_open.fetch_sub(1, std::memory_order_relaxed);
  metrics_.streams_rejected.fetch_add(1, std::memory_order_relaxed);
  return false;
}

// The stream joins its channel's fan-out list on this worker.
void Worker::join_fanout(Subscription& s) {
  auto& subs = subscribers_[s.channel.get()];
  if (!subs.channel) subs.channel = s.channel;
  s.slot = subs.list.size();
  subs.list.push_back(&s);
  s.channel->subscribers().fetch_add(1, std::memory_order_relaxed);
}

void Worker::leave_fanout(Subscription& s) {
  auto it = subscribers_.find(s.channel.get());
  if (it != subscribers_.end()) {
    auto& list = it->second.list;
    Subscription* last = list.back();
    list[s.slot] = last;
    last->slot = s.slot;
    list.pop_back();
    if (list.empty()) subscribers_.erase(it);
  }
  s.channel->subscribers().fetch_sub(1, std::memory_order_relaxed);
  s.channel.reset();
}

// Shared by both protocols: `prefix` (the HTTP/1.1 head, or nothing) goes first in s.out,
// then the retry field, the replay, and live frames behind them.
void Worker::begin_subscription(Subscription& s, RouteAction& action, std::string prefix) {
  if (action.multiplex) return begin_multiplexed(s, action, std::move(prefix));
  s.channel = action.channel;
  s.events = action.events;
  s.queue_limit = static_cast<size_t>(settings_->subscriber_queue_bytes);
  const ChannelOptions options = s.channel->options();
  if (options.retry_ms > 0) prefix += encode_retry(options.retry_ms);
  streams_.fetch_add(1, std::memory_order_relaxed);  // before the plan: see enqueue_frame
  const std::string& last_id = action.start.id;
  ReplayPlan plan = plan_start(*s.channel, action.start);
  s.last_seq = plan.last_seq;
  join_fanout(s);
  metrics_.subscriptions.fetch_add(1, std::memory_order_relaxed);
  const bool resuming = s.channel->with_resume_provider([&](ResumeProvider* provider) {
    if (last_id.empty() || plan.id_known || !provider || !provider->understands(last_id)) {
      return false;
    }
    s.resume_filter = std::make_unique<std::string>(last_id);
    std::erase_if(plan.frames,
                  [&](const FrameRef& f) { return provider->covers(last_id, f->id()); });
    start_resume(s, provider, last_id, std::move(plan), std::move(prefix));
    return true;
  });
  if (resuming) return;
  if (!plan.reset_reason.empty() && !settings_->reset_event.empty()) {
    prefix +=
        encode_reset_event(settings_->reset_event, last_id, plan.oldest_id, plan.reset_reason);
    metrics_.resets.fetch_add(1, std::memory_order_relaxed);
  }
  s.out->push_owned(std::move(prefix));
  size_t replay_bytes = 0;
  for (FrameRef& frame : plan.frames) {
    if (s.events && !s.events->wants(frame->event().type)) continue;
    replay_bytes += frame->bytes().size();
    s.out->push(std::move(frame));
  }
  // A long replay must not count as falling behind.
  s.queue_limit += replay_bytes;
  metrics_.replayed_events.fetch_add(plan.frames.size(), std::memory_order_relaxed);
  metrics_.events_delivered.fetch_add(plan.frames.size(), std::memory_order_relaxed);
}

ReplayPlan Worker::plan_start(Channel& channel, const StartPosition& start) {
  switch (start.kind) {
    case StartPosition::Kind::kEarliest:
      return channel.plan_replay_all();
    case StartPosition::Kind::kLatest:
      return channel.plan_replay("");
    case StartPosition::Kind::kSince:
      return channel.plan_replay_since(start.since_ms);
    case StartPosition::Kind::kId:
      break;
  }
  return channel.plan_replay(start.id);
}

void Worker::start_resume(Subscription& s, ResumeProvider* provider, const std::string& last_id,
                          ReplayPlan plan, std::string prefix) {
  // Live frames queue in `out` meanwhile; the fetched events go in front of them.
  s.held = true;
  const uint64_t wait_id = next_id_++;
  waiting_[wait_id] = Waiter{s.conn, s.h2 ? s.h2->id : 0};
  std::string before = plan.frames.empty() ? "" : plan.frames.front()->id();
  std::string through = plan.newest_id;
  auto frames = std::make_shared<std::vector<FrameRef>>(std::move(plan.frames));
  auto head = std::make_shared<std::string>(std::move(prefix));
  provider->fetch(
      last_id, before, through, [this, wait_id, frames, head](bool ok, std::vector<Event> events) {
        post([this, wait_id, ok, frames, head, events = std::move(events)]() mutable {
          finish_resume(wait_id, ok, std::move(events), std::move(*frames), std::move(*head));
        });
      });
}

Subscription* Worker::find_subscription(const Waiter& waiter) const {
  Connection* c = waiter.conn;
  if (waiter.stream == 0) return c->mode == Connection::Mode::kStream ? &c->sub : nullptr;
  Http2Stream* stream = c->h2 ? c->h2->session.find(waiter.stream) : nullptr;
  return stream != nullptr && stream->sub.active() ? &stream->sub : nullptr;
}

void Worker::finish_resume(uint64_t wait_id, bool ok, std::vector<Event> events,
                           std::vector<FrameRef> frames, std::string prefix) {
  auto it = waiting_.find(wait_id);
  if (it == waiting_.end()) return;  // gone while we fetched
  Subscription* s = find_subscription(it->second);
  waiting_.erase(it);
  if (s == nullptr) return;
  OutputQueue live;
  std::swap(live, *s->out);
  s->out->push_owned(std::move(prefix));
  size_t replay_bytes = 0;
  if (ok) {
    for (const Event& event : events) {
      if (s->events && !s->events->wants(event.type)) continue;
      std::string bytes = encode_event(event);
      replay_bytes += bytes.size();
      s->out->push_owned(std::move(bytes));
    }
  }
  for (FrameRef& frame : frames) {
    if (s->events && !s->events->wants(frame->event().type)) continue;
    replay_bytes += frame->bytes().size();
    s->out->push(std::move(frame));
  }
  s->out->append(std::move(live));
  s->queue_limit += replay_bytes;
  metrics_.replayed_events.fetch_add(events.size() + frames.size(), std::memory_order_relaxed);
  s->held = false;
  if (s->h2 != nullptr) s->conn->h2->session.data_ready(*s->h2);
  flush(s->conn);
}

void Worker::publish(Connection* c, Http2Stream* stream, RouteAction& action) {
  if (!action.batch.empty()) return publish_batch(c, stream, action);
  action.event.source.clear();
  const bool routed = action.channel->with_publish_route([&](PublishRoute* route) {
    if (!route) return false;
    if (stream == nullptr) c->mode = Connection::Mode::kAwaitPublish;
    const uint64_t wait_id = next_id_++;
    waiting_[wait_id] = Waiter{c, stream ? stream->id : 0};
    route->route(std::move(action.event), [this, wait_id, headers = action.headers,
                                           keep_alive = action.keep_alive](PublishResult r) {
      post([this, wait_id, r = std::move(r), headers, keep_alive] {
        count_publishes(r.ok ? 1 : 0, r.ok ? 0 : 1);
        finish_answer(wait_id, publish_response(r, headers), keep_alive);
      });
    });
    return true;
  });
  if (routed) return;
  DeferredAnswer later;
  const uint64_t wait_id = next_id_++;
  if (action.channel->answers_after_commit()) {
    // sync: always: answered once the event is on disk (the writer posts it here).
    later = [this, wait_id, headers = action.headers,
             keep_alive = action.keep_alive](PublishResult r) {
      post([this, wait_id, r = std::move(r), headers, keep_alive] {
        count_publishes(r.ok ? 1 : 0, r.ok ? 0 : 1);
        finish_answer(wait_id, publish_response(r, headers), keep_alive);
      });
    };
  }
  PublishResult result = action.channel->publish(std::move(action.event), std::move(later));
  if (result.deferred) {
    if (stream == nullptr) c->mode = Connection::Mode::kAwaitPublish;
    waiting_[wait_id] = Waiter{c, stream ? stream->id : 0};
    return;
  }
  count_publishes(result.ok ? 1 : 0, result.ok ? 0 : 1);
  answer(c, stream, publish_response(result, action.headers), action.keep_alive);
}

// A batch's events in order: local channels publish now, routed ones (the Kafka backbone)
// are answered by their route; the batch is answered once every event is settled.
void Worker::publish_batch(Connection* c, Http2Stream* stream, RouteAction& action) {
  struct Pending {
    std::vector<PublishResult> results;
    size_t remaining = 0;
  };
  auto pending = std::make_shared<Pending>();
  pending->results.resize(action.batch.size());
  pending->remaining = action.batch.size();
  const uint64_t wait_id = next_id_++;
  auto settle = [this, wait_id, pending, headers = action.headers, keep_alive = action.keep_alive](
                    size_t i, PublishResult r) {
    pending->results[i] = std::move(r);
    if (--pending->remaining > 0) return;
    finish_batch(pending->results);
    finish_answer(wait_id, batch_response(pending->results, headers), keep_alive);
  };
  size_t later = 0;  // events answered by their route, or once on disk
  for (size_t i = 0; i < action.batch.size(); ++i) {
    const std::shared_ptr<Channel>& channel = action.batch[i].first;
    Event& event = action.batch[i].second;  // a lambda below takes it: no structured binding
    event.source.clear();
    const bool via_route = channel->with_publish_route([&](PublishRoute* route) {
      if (!route) return false;
      route->route(std::move(event), [this, settle, i](PublishResult r) {
        post([settle, i, r = std::move(r)]() mutable { settle(i, std::move(r)); });
      });
      return true;
    });
    if (via_route) {
      ++later;
      continue;
    }
    DeferredAnswer on_disk;
    if (channel->answers_after_commit()) {
      on_disk = [this, settle, i](PublishResult r) {
        post([settle, i, r = std::move(r)]() mutable { settle(i, std::move(r)); });
      };
    }
    PublishResult result = channel->publish(std::move(event), std::move(on_disk));
    if (result.deferred) {
      ++later;
    } else {
      pending->results[i] = std::move(result);
      --pending->remaining;
    }
  }
  if (later > 0) {
    // Those settle later, through the worker's inbox, never inside this call.
    if (stream == nullptr) c->mode = Connection::Mode::kAwaitPublish;
    waiting_[wait_id] = Waiter{c, stream ? stream->id : 0};
    return;
  }
  finish_batch(pending->results);
  answer(c, stream, batch_response(pending->results, action.headers), action.keep_alive);
}

void Worker::finish_batch(const std::vector<PublishResult>& results) {
  const auto ok = static_cast<uint64_t>(
      std::count_if(results.begin(), results.end(), [](const PublishResult& r) { return r.ok; }));
  count_publishes(ok, results.size() - ok);
  metrics_.batch_publishes.fetch_add(1, std::memory_order_relaxed);
}

void Worker::count_publishes(uint64_t ok, uint64_t rejected) {
  metrics_.publishes.fetch_add(ok, std::memory_order_relaxed);
  metrics_.publishes_rejected.fetch_add(rejected, std::memory_order_relaxed);
}

void Worker::finish_answer(uint64_t wait_id, const Response& response, bool keep_alive) {
  auto it = waiting_.find(wait_id);
  if (it == waiting_.end()) return;
  const Waiter waiter = it->second;
  waiting_.erase(it);
  Connection* c = waiter.conn;
  if (waiter.stream != 0) {
    if (Http2Stream* stream = c->h2 ? c->h2->session.find(waiter.stream) : nullptr)
      answer(c, stream, response, keep_alive);
    flush(c);
    return;
  }
  c->mode = Connection::Mode::kRequest;
  answer(c, nullptr, response, keep_alive);
  if (c->mode == Connection::Mode::kRequest && !c->in.empty()) {
    process_requests(c);
  } else {
    flush(c);
  }
}

void Worker::remove_subscriber(Subscription* s) {
  if (s->mux) {
    for (const auto& leg : s->mux->legs) leave_fanout(leg->sub);
    if (!s->mux->patterns.empty()) std::erase(pattern_streams_, s);
    s->mux.reset();
  } else {
    leave_fanout(*s);
  }
  cancel_expiry(*s);
  metrics_.streams_open.fetch_sub(1, std::memory_order_relaxed);
  streams_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace ssegw
