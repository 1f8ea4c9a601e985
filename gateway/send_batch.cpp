#include "send_batch.h"

#include <errno.h>

#include <cstring>

#ifdef SSEGW_HAVE_LIBURING
#include <liburing.h>
#endif

namespace ssegw {

#ifdef SSEGW_HAVE_LIBURING

struct SendBatch::Ring {
  io_uring ring{};
  bool ready = false;
  ~Ring() {
    if (ready) io_uring_queue_exit(&ring);
  }
};

SendBatch::SendBatch() {
  auto ring = std::make_unique<Ring>();
  io_uring_params params{};
  // One thread submits and reaps, so the kernel may skip cross-thread wake-ups.
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
  int rc = io_uring_queue_init_params(kCapacity, &ring->ring, &params);
  if (rc == -EINVAL) {  // a kernel older than those flags
    params = io_uring_params{};
    rc = io_uring_queue_init_params(kCapacity, &ring->ring, &params);
  }
  if (rc < 0) {
    reason_ = std::string("io_uring_queue_init: ") + std::strerror(-rc);
    return;
  }
  ring->ready = true;
  ring_ = std::move(ring);
}

SendBatch::~SendBatch() = default;

void SendBatch::add(int fd, const OutputQueue& out, void* owner) {
  Slot& slot = slots_[count_++];
  slot.msg = msghdr{};
  slot.msg.msg_iov = slot.iov;
  slot.msg.msg_iovlen = out.gather(slot.iov, OutputQueue::kMaxIov, &slot.offered);
  slot.owner = owner;
  slot.result = -EAGAIN;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_->ring);
  // The ring has kCapacity entries and is emptied by every run(), so there is always one.
  io_uring_prep_sendmsg(sqe, fd, &slot.msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  io_uring_sqe_set_data64(sqe, count_ - 1);
}

void SendBatch::submit_and_wait() {
  if (count_ == 0) return;
  for (size_t i = 0; i < count_; ++i) slots_[i].result = kNotSent;
  int submitted;
  do {
    submitted = io_uring_submit_and_wait(&ring_->ring, static_cast<unsigned>(count_));
  } while (submitted == -EINTR);
  const size_t expected = submitted > 0 ? static_cast<size_t>(submitted) : 0;
  for (size_t seen = 0; seen < expected; ++seen) {
    io_uring_cqe* cqe = nullptr;
    if (io_uring_wait_cqe(&ring_->ring, &cqe) < 0) break;
    const uint64_t index = io_uring_cqe_get_data64(cqe);
    if (index < count_) slots_[index].result = cqe->res;
    io_uring_cqe_seen(&ring_->ring, cqe);
  }
  if (expected < count_) {
    // Entries the kernel did not take would go out later with stale buffers: give the ring
    // up (the caller writes the kNotSent ones itself) and send with sendmsg from now on.
    reason_ = submitted < 0 ? std::string("io_uring_submit: ") + std::strerror(-submitted)
                            : "io_uring took fewer sends than it was given";
    ring_.reset();
  }
}

#else  // no liburing: every send goes through sendmsg

struct SendBatch::Ring {};

SendBatch::SendBatch() : reason_("built without liburing") {}
SendBatch::~SendBatch() = default;
void SendBatch::add(int, const OutputQueue&, void*) {}
void SendBatch::submit_and_wait() {}

#endif

}  // namespace ssegw
