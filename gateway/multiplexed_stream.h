#pragma once
// A stream of several channels (GET subscribe_path?channel=...): one output queue, one leg
// per channel. Every event it sends carries a composite id (composite_id.h) holding the
// stream's position in every channel, written per stream as its own id line in front of the
// frame's shared tail, so the event's bytes are still encoded once per channel:
//
//   [ "id: m1!key1n...!key2n...\n" (this stream's) ][ "event: t\ndata: ...\n\n" (shared) ]
//
// While legs resume (from history or through a ResumeProvider), what they would send waits
// here in arrival order and is sent when the last one is in, so every id line the client
// sees describes exactly what it has received before it.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "access_control.h"
#include "frame.h"
#include "subscription.h"

namespace ssegw {

struct MultiplexedStream;

struct MuxLeg {
  Subscription sub;  // in its channel's fan-out list; writes to the stream's queue
  Subscription* stream = nullptr;
  std::string key;    // CompositeId::key_for(path)
  std::string entry;  // "!" key value: the last id sent (or the start point); "" unmentioned
  size_t at = 0;      // where the entry sits in the stream's joined id line
  // Resuming through a ResumeProvider: what it fetched, then its history frames.
  bool resuming = false;
  std::vector<FrameRef> front;
};

struct MultiplexedStream {
  std::vector<std::unique_ptr<MuxLeg>> legs;  // sorted by key
  std::vector<std::string> patterns;
  std::shared_ptr<const SubscribeGrant> grant;
  bool envelope = false;
  size_t max_channels = 0;
  int resumes_pending = 0;
  int64_t since_ms = 0;  // ?lastEventId=<time>: where each leg's replay starts
  // Deliveries that wait for resumes, in order (a null frame never).
  std::vector<std::pair<MuxLeg*, FrameRef>> parked;

  MuxLeg* find(const Channel* channel) const;
  // Adds a leg in key order; null when its key is taken (two paths whose 48-bit keys collide
  // cannot share a stream: the second is left out and logged).
  MuxLeg* add_leg(const std::string& path);
  void remove_leg(MuxLeg* leg);
  // The leg's position is now `id` (its entry re-encoded in place in the joined line).
  void set_entry(MuxLeg& leg, std::string_view id);
  // "id: m1" + every leg's entry + "\n".
  const std::string& id_line();
  // Queues the id line as a view into `lines`, the stream's buffer of id lines: one
  // allocation for many events, and none once the buffer is reused (nothing queued still
  // points into it), instead of a string and a frame per event.
  void push_id_line(OutputQueue& out);
  FrameRef lines;
  // The id line as it stands, kept joined so that an event costs one copy of it: an entry
  // that keeps its length (the usual case: ids of one width) is rewritten where it is.
  std::string joined;
  bool joined_stale = true;
  // The bytes of `frame` this stream sends after its id line.
  std::string_view tail_of(const Frame& frame, std::string_view path) const {
    return envelope ? frame.envelope_tail(path) : frame.tail();
  }
};

}  // namespace ssegw
