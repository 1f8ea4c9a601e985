#pragma once
// Many sendmsg calls in one io_uring submission. Fanning an event out to thousands of
// subscribers costs one sendmsg each; handing the kernel a whole slice of them at once saves
// a system call entry and exit per subscriber (bench/floor measures by how much). Owned and
// used by one worker thread; created on that thread, which the ring then belongs to.
#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <memory>
#include <string>

#include "output_queue.h"

namespace ssegw {

class SendBatch {
 public:
  static constexpr size_t kCapacity = 256;
  // run()'s result for a send the kernel never took: the caller writes it with sendmsg.
  static constexpr long kNotSent = -(1L << 40);

  SendBatch();
  ~SendBatch();
  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;

  // False when the build has no liburing or the kernel refused a ring (reason says why).
  bool available() const { return ring_ != nullptr; }
  const std::string& unavailable_reason() const { return reason_; }

  bool full() const { return count_ == kCapacity; }
  bool empty() const { return count_ == 0; }

  // Queues a send of the queue's unwritten bytes to fd. `owner` comes back in run().
  void add(int fd, const OutputQueue& out, void* owner);

  // Submits every queued send and waits for all of them: each runs inline and never waits
  // for room (MSG_DONTWAIT), so this returns as soon as the kernel has tried them all.
  // done(owner, result, offered) runs in the order added; result is bytes sent, -errno, or
  // kNotSent. After a failure of the ring itself available() turns false.
  template <class Done>
  void run(Done&& done) {
    submit_and_wait();
    for (size_t i = 0; i < count_; ++i) done(slots_[i].owner, slots_[i].result, slots_[i].offered);
    count_ = 0;
  }

 private:
  struct Slot {
    msghdr msg{};
    iovec iov[OutputQueue::kMaxIov]{};
    size_t offered = 0;
    long result = 0;
    void* owner = nullptr;
  };
  struct Ring;

  void submit_and_wait();

  std::unique_ptr<Ring> ring_;
  std::string reason_;
  std::array<Slot, kCapacity> slots_{};
  size_t count_ = 0;
};

}  // namespace ssegw
