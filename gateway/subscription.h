#pragma once
// One subscriber as the fan-out sees it: a channel, a position in it and an output queue.
// It is a stream, not a connection: an HTTP/1.1 connection carries one, an HTTP/2
// connection many (each in its own Http2Stream). A stream of several channels (on
// subscribe_path) has no channel of its own: its `mux` holds one leg per channel, each a
// Subscription in that channel's fan-out list, all writing to the stream's queue.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "channel.h"
#include "event_type_filter.h"
#include "output_queue.h"

namespace ssegw {

struct Connection;
struct Http2Stream;
struct MultiplexedStream;
struct MuxLeg;

// Frees a MultiplexedStream where it is a complete type (multiplexed_stream.cpp).
struct MultiplexedStreamDeleter {
  void operator()(MultiplexedStream* mux) const;
};

struct Subscription {
  Connection* conn = nullptr;
  Http2Stream* h2 = nullptr;   // null: the connection's HTTP/1.1 stream
  OutputQueue* out = nullptr;  // HTTP/1.1: the connection's queue; HTTP/2: the stream's
  std::shared_ptr<Channel> channel;
  uint64_t last_seq = 0;   // frames with seq <= this were already queued
  size_t slot = 0;         // index in the worker's subscriber list for the channel
  size_t queue_limit = 0;  // output bytes beyond which the subscriber counts as slow
  bool held = false;       // resuming from a ResumeProvider: live frames wait in `out`
  bool slow = false;       // over its queue bound: to be dropped after the batch
  // The foreign Last-Event-ID of a subscriber resuming through a ResumeProvider: frames it
  // covers are skipped. Null for everyone else, so it costs idle subscribers one pointer.
  std::unique_ptr<std::string> resume_filter;
  // Where it sits in its worker's token expiries (worker_access.cpp), when its token expires.
  std::optional<std::multimap<int64_t, Subscription*>::iterator> expiry;
  std::shared_ptr<const EventTypeFilter> events;                     // ?events=; null: every type
  std::unique_ptr<MultiplexedStream, MultiplexedStreamDeleter> mux;  // several channels
  MuxLeg* leg = nullptr;  // set on a leg: its place in the stream it belongs to

  // Whether this is a stream that is subscribed (one channel or several).
  bool active() const { return channel != nullptr || mux != nullptr; }
  std::string label() const;  // the channel path, or "multiplexed", for logs
};

}  // namespace ssegw
