#pragma once
// An event encoded once as text/event-stream bytes, shared by every subscriber.
// Reference counted by hand so one libevent reference per subscriber costs one atomic
// increment and no allocation of a control block.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "event.h"

namespace ssegw {

class Frame {
 public:
  Frame(uint64_t seq, Event event, std::string bytes, int64_t published_ms)
      : seq_(seq),
        event_(std::move(event)),
        bytes_(std::move(bytes)),
        published_ms_(published_ms),
        tail_offset_(bytes_.starts_with("id: ") ? bytes_.find('\n') + 1 : 0) {}
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

  uint64_t seq() const { return seq_; }
  const Event& event() const { return event_; }
  const std::string& id() const { return event_.id; }
  const std::string& bytes() const { return bytes_; }
  // The frame without its id line: a multiplexed stream writes its own id line in front
  // (multiplexed_stream.h), and shares the rest with every other subscriber.
  std::string_view tail() const { return std::string_view(bytes_).substr(tail_offset_); }
  // The same event without its id, its data wrapped as {"channel", "type", "data"} for a
  // stream that asked for envelope=json. Made by the first such stream, on any worker, and
  // kept with the frame so that all the others share it.
  std::string_view envelope_tail(std::string_view channel_path) const;
  int64_t published_ms() const { return published_ms_; }

  // A buffer that one owner appends to while queues hold views of what it wrote (the id lines
  // of a multiplexed stream, multiplexed_stream.h). Appending never moves the bytes already
  // written: the owner checks room() first.
  static Frame* make_buffer(size_t capacity);
  size_t room() const { return bytes_.capacity() - bytes_.size(); }
  // Appends and returns where the bytes landed; n <= room().
  const char* append(const char* data, size_t n);
  // Only the owner refers to it: nothing queued points into it, so it may start over.
  bool unique() const { return refs_.load(std::memory_order_acquire) == 1; }
  void restart() { bytes_.clear(); }

  void retain() const { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() const {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  ~Frame() { delete envelope_.load(std::memory_order_relaxed); }
  const uint64_t seq_;
  const Event event_;
  std::string bytes_;  // written once, except in a buffer (make_buffer)
  const int64_t published_ms_;
  const size_t tail_offset_;
  mutable std::atomic<const std::string*> envelope_{nullptr};
  mutable std::atomic<uint32_t> refs_{1};
};

// Owning handle to a Frame.
class FrameRef {
 public:
  FrameRef() = default;
  static FrameRef adopt(const Frame* f) { return FrameRef(f); }
  FrameRef(const FrameRef& o) : f_(o.f_) {
    if (f_) f_->retain();
  }
  FrameRef(FrameRef&& o) noexcept : f_(std::exchange(o.f_, nullptr)) {}
  FrameRef& operator=(FrameRef o) noexcept {
    std::swap(f_, o.f_);
    return *this;
  }
  ~FrameRef() {
    if (f_) f_->release();
  }
  const Frame* get() const { return f_; }
  const Frame* operator->() const { return f_; }
  const Frame& operator*() const { return *f_; }
  explicit operator bool() const { return f_ != nullptr; }

 private:
  explicit FrameRef(const Frame* f) : f_(f) {}
  const Frame* f_ = nullptr;
};

}  // namespace ssegw
