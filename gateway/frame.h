#pragma once
// An event encoded once as text/event-stream bytes, shared by every subscriber.
// Reference counted by hand so one libevent reference per subscriber costs one atomic
// increment and no allocation of a control block.
#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "event.h"

namespace ssegw {

class Frame {
 public:
  Frame(uint64_t seq, Event event, std::string bytes, int64_t published_ms)
      : seq_(seq),
        event_(std::move(event)),
        bytes_(std::move(bytes)),
        published_ms_(published_ms) {}
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

  uint64_t seq() const { return seq_; }
  const Event& event() const { return event_; }
  const std::string& id() const { return event_.id; }
  const std::string& bytes() const { return bytes_; }
  int64_t published_ms() const { return published_ms_; }

  void retain() const { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() const {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  ~Frame() = default;
  const uint64_t seq_;
  const Event event_;
  const std::string bytes_;
  const int64_t published_ms_;
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
