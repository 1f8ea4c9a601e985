// Streams of several channels (multiplexed_stream.h): starting one, each channel's leg and
// its resume, delivery with the stream's composite id, and channels that patterns take later.
#include <algorithm>

#include "channel_pattern.h"
#include "composite_id.h"
#include "log.h"
#include "sse_framer.h"
#include "worker.h"

namespace ssegw {

void Worker::begin_multiplexed(Subscription& s, RouteAction& action, std::string prefix) {
  MultiplexRequest& request = *action.multiplex;
  s.mux.reset(new MultiplexedStream);
  MultiplexedStream& mux = *s.mux;
  mux.patterns = std::move(request.patterns);
  mux.grant = std::move(request.grant);
  mux.envelope = request.envelope;
  mux.max_channels = request.max_channels;
  s.events = action.events;
  s.queue_limit = static_cast<size_t>(settings_->subscriber_queue_bytes);
  int64_t retry_ms = ChannelOptions{}.retry_ms;
  if (!request.channels.empty()) retry_ms = request.channels.front()->options().retry_ms;
  if (retry_ms > 0) prefix += encode_retry(retry_ms);
  s.out->push_owned(std::move(prefix));
  streams_.fetch_add(1, std::memory_order_relaxed);  // before the plans: see enqueue_frame
  metrics_.subscriptions.fetch_add(1, std::memory_order_relaxed);
  if (!mux.patterns.empty()) pattern_streams_.push_back(&s);
  // No Last-Event-ID: every channel from now. A composite one: each channel from its entry,
  // and from the start of its history when it has none (made after the id). Any other id,
  // or a malformed one, is unknown: everything retained, as for a single channel.
  const std::string& id = action.start.id;
  const std::optional<CompositeId> from = id.empty() ? std::nullopt : CompositeId::parse(id);
  mux.since_ms = action.start.since_ms;
  if (!id.empty() && !from && !settings_->reset_event.empty()) {
    // Not a composite id at all: no channel can be placed, so the whole stream is told.
    s.out->push_owned(encode_reset_event(settings_->reset_event, id, "", "unknown"));
    metrics_.resets.fetch_add(1, std::memory_order_relaxed);
  }
  // Nothing is sent until every leg has started: one pending count stands for this loop.
  mux.resumes_pending = 1;
  for (const std::shared_ptr<Channel>& channel : request.channels) {
    switch (action.start.kind) {
      case StartPosition::Kind::kEarliest:
        start_leg(s, channel, LegStart::kAll, {});
        continue;
      case StartPosition::Kind::kLatest:
        start_leg(s, channel, LegStart::kLive, {});
        continue;
      case StartPosition::Kind::kSince:
        start_leg(s, channel, LegStart::kSince, {});
        continue;
      case StartPosition::Kind::kId:
        break;
    }
    if (id.empty()) {
      start_leg(s, channel, LegStart::kLive, {});
      continue;
    }
    std::optional<std::string_view> entry =
        from ? from->find(CompositeId::key_for(channel->path())) : std::nullopt;
    if (entry) {
      start_leg(s, channel, LegStart::kFromId, *entry);
    } else {
      start_leg(s, channel, LegStart::kAll, {});
    }
  }
  if (--mux.resumes_pending == 0) {
    release_multiplexed(s, false);
  } else {
    s.held = true;
  }
}

void Worker::start_leg(Subscription& s, const std::shared_ptr<Channel>& channel, LegStart start,
                       std::string_view from_id) {
  MultiplexedStream& mux = *s.mux;
  MuxLeg* leg = mux.add_leg(channel->path());
  if (leg == nullptr) {
    log_warn("two channels of one subscription share a composite id key; one is left out",
             {{"channel", channel->path()}});
    return;
  }
  leg->stream = &s;
  Subscription& l = leg->sub;
  l.conn = s.conn;
  l.h2 = s.h2;
  l.out = s.out;
  l.leg = leg;
  l.channel = channel;
  const std::string id(from_id);
  ReplayPlan plan = start == LegStart::kLive    ? channel->plan_replay("")
                    : start == LegStart::kAll   ? channel->plan_replay_all()
                    : start == LegStart::kSince ? channel->plan_replay_since(s.mux->since_ms)
                                                : channel->plan_replay(id);
  l.last_seq = plan.last_seq;
  join_fanout(l);
  if (start == LegStart::kLive) {
    mux.set_entry(*leg, plan.newest_id);
  } else if (start == LegStart::kFromId && plan.id_known) {
    mux.set_entry(*leg, id);
  }
  // Otherwise (everything retained, or an id this channel does not hold) the channel stays
  // unmentioned until its first event is sent, so a reconnect before that replays it whole.
  if (start == LegStart::kFromId && !plan.id_known && resume_leg(*leg, id, plan)) return;
  if (!plan.reset_reason.empty() && !settings_->reset_event.empty()) {
    // Ahead of this channel's frames, which are parked or follow it in `out`.
    s.out->push_owned(encode_reset_event(settings_->reset_event, id, plan.oldest_id,
                                         plan.reset_reason, channel->path()));
    metrics_.resets.fetch_add(1, std::memory_order_relaxed);
  }
  metrics_.replayed_events.fetch_add(plan.frames.size(), std::memory_order_relaxed);
  for (const FrameRef& frame : plan.frames) deliver_leg(*leg, frame);
}

// Older than the history: a ResumeProvider (the Kafka backbone) that understands the id
// fetches what came after it; the leg's live frames park behind that meanwhile.
bool Worker::resume_leg(MuxLeg& leg, const std::string& from_id, ReplayPlan& plan) {
  Subscription& s = *leg.stream;
  Subscription& l = leg.sub;
  return l.channel->with_resume_provider([&](ResumeProvider* provider) {
    if (!provider || !provider->understands(from_id)) return false;
    l.resume_filter = std::make_unique<std::string>(from_id);
    std::erase_if(plan.frames,
                  [&](const FrameRef& f) { return provider->covers(from_id, f->id()); });
    s.mux->set_entry(leg, from_id);
    leg.resuming = true;
    leg.front = plan.frames;
    ++s.mux->resumes_pending;
    const uint64_t wait_id = next_id_++;
    waiting_[wait_id] = Waiter{s.conn, s.h2 ? s.h2->id : 0, l.channel.get()};
    std::string before = plan.frames.empty() ? "" : plan.frames.front()->id();
    provider->fetch(from_id, before, plan.newest_id,
                    [this, wait_id](bool ok, std::vector<Event> events) {
                      post([this, wait_id, ok, events = std::move(events)]() mutable {
                        finish_leg_resume(wait_id, ok, std::move(events));
                      });
                    });
    return true;
  });
}

void Worker::finish_leg_resume(uint64_t wait_id, bool ok, std::vector<Event> events) {
  auto it = waiting_.find(wait_id);
  if (it == waiting_.end()) return;  // gone while we fetched
  Subscription* s = find_subscription(it->second);
  const Channel* channel = it->second.leg;
  waiting_.erase(it);
  if (s == nullptr || !s->mux) return;
  MuxLeg* leg = s->mux->find(channel);
  if (leg == nullptr || !leg->resuming) return;
  std::vector<FrameRef> front;
  if (ok) {
    for (Event& event : events) {
      std::string bytes = encode_event(event);
      front.push_back(FrameRef::adopt(new Frame(0, std::move(event), std::move(bytes), 0)));
    }
  }
  metrics_.replayed_events.fetch_add(front.size() + leg->front.size(), std::memory_order_relaxed);
  front.insert(front.end(), leg->front.begin(), leg->front.end());
  leg->front = std::move(front);
  leg->resuming = false;
  if (--s->mux->resumes_pending == 0) release_multiplexed(*s, true);
}

// Sends `frame` on the leg's stream behind the stream's id line, which holds the position
// this frame moves the leg to; a frame ?events= leaves out still moves it.
void Worker::deliver_leg(MuxLeg& leg, const FrameRef& frame) {
  Subscription& s = *leg.stream;
  MultiplexedStream& mux = *s.mux;
  if (mux.resumes_pending > 0) {
    mux.parked.emplace_back(&leg, frame);
    return;
  }
  if (!frame->id().empty()) mux.set_entry(leg, frame->id());
  if (s.events && !s.events->wants(frame->event().type)) return;
  mux.push_id_line(*s.out);
  const std::string_view tail = mux.tail_of(*frame, leg.sub.channel->path());
  s.out->push_view(frame, tail.data(), tail.size());
}

// Every leg has started: the resumed legs' fetched events and history first (each before
// its own live frames), then everything parked in the order it came.
void Worker::release_multiplexed(Subscription& s, bool flush_now) {
  MultiplexedStream& mux = *s.mux;
  const size_t queued = s.out->bytes();
  for (const auto& leg : mux.legs) {
    std::vector<FrameRef> front = std::move(leg->front);
    leg->front.clear();
    for (const FrameRef& frame : front) deliver_leg(*leg, frame);
  }
  std::vector<std::pair<MuxLeg*, FrameRef>> parked = std::move(mux.parked);
  mux.parked.clear();
  for (const auto& [leg, frame] : parked) deliver_leg(*leg, frame);
  // A long replay must not count as falling behind.
  s.queue_limit += s.out->bytes() - queued;
  s.held = false;
  if (!flush_now) return;
  if (s.h2 != nullptr) s.conn->h2->session.data_ready(*s.h2);
  flush(s.conn);
}

void Worker::remove_leg(MuxLeg* leg) {
  Subscription& s = *leg->stream;
  leave_fanout(leg->sub);
  const bool was_resuming = leg->resuming;
  s.mux->remove_leg(leg);
  if (was_resuming && --s.mux->resumes_pending == 0) release_multiplexed(s, true);
}

// A channel made after start (a template's, or a reload's): every stream on this worker
// whose patterns match it and whose token may see it takes it, from its first event.
void Worker::add_to_patterns(const std::shared_ptr<Channel>& channel) {
  const ChannelOptions options = channel->options();
  for (Subscription* s : std::vector<Subscription*>(pattern_streams_)) {
    MultiplexedStream& mux = *s->mux;
    if (mux.find(channel.get()) != nullptr) continue;
    const bool matched =
        std::any_of(mux.patterns.begin(), mux.patterns.end(),
                    [&](const std::string& p) { return channel_pattern_matches(p, options.path); });
    if (!matched || !mux.grant->check(options).allowed()) continue;
    if (mux.legs.size() >= mux.max_channels) {
      metrics_.pattern_channels_refused.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    start_leg(*s, channel, LegStart::kAll, {});
    if (options.subscribe_jwt) schedule_expiry(*s, mux.grant->ends_at_s());
    mark_dirty(s);
  }
  flush_dirty();
}

}  // namespace ssegw
