#pragma once
// One client connection, owned by exactly one worker thread.
#include <event2/event.h>
#include <event2/event_struct.h>

#include <cstdint>
#include <memory>
#include <string>

#include "channel.h"
#include "output_queue.h"

namespace ssegw {

class Worker;

struct Connection {
  enum class Mode : uint8_t { kRequest, kAwaitPublish, kStream, kCloseAfterWrite };

  Worker* worker = nullptr;
  int fd = -1;
  uint64_t id = 0;
  Mode mode = Mode::kRequest;
  bool dirty = false;                   // has output queued in this batch
  bool write_armed = false;             // waiting for EV_WRITE
  bool slow = false;                    // over its queue bound: to be dropped after the batch
  bool reading = false;                 // read_ev is added
  bool input_pending = false;           // parsed requests remain in `in`: continue next loop turn
  bool input_waits_for_output = false;  // requests wait in `in` until answers are written
  bool continue_sent = false;           // "100 Continue" already sent for the request being read
  event read_ev{};
  event write_ev{};
  std::string in;  // request bytes not yet parsed; empty once streaming
  OutputQueue out;
  // Streaming subscribers only.
  std::shared_ptr<Channel> channel;
  uint64_t last_seq = 0;   // frames with seq <= this were already queued
  size_t slot = 0;         // index in the worker's subscriber list for the channel
  size_t all_slot = 0;     // index in the worker's list of every connection
  size_t queue_limit = 0;  // output bytes beyond which the subscriber counts as slow
  int64_t last_write_ms = 0;
  int64_t blocked_since_ms = 0;  // when the socket last stopped taking bytes (write_armed)
  int64_t request_start_ms = 0;  // when the request being read (or the keep-alive idle) began
  bool held = false;             // resuming from a ResumeProvider: live frames wait in `out`
  // The foreign Last-Event-ID of a subscriber resuming through a ResumeProvider: frames it
  // covers are skipped. Null for everyone else, so it costs idle subscribers one pointer.
  std::unique_ptr<std::string> resume_filter;
};

}  // namespace ssegw
