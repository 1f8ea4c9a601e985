#include "bench/floor/uring_writer.h"

#ifdef SSEGW_FLOOR_URING

#include <liburing.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace ssegw::bench {

namespace {

// Completions still missing after a submit are waited for this often, 100 ms each, before
// they count as errors; with MSG_DONTWAIT every send completes inside the submit.
constexpr int kReapAttempts = 10;

class UringWriter : public RoundWriter {
 public:
  UringWriter(const std::vector<UniqueFd>& sockets, std::string_view frame, unsigned batch)
      : sockets_(sockets), frame_(frame), batch_(batch), cqes_(batch) {}
  ~UringWriter() override {
    if (ring_ready_) io_uring_queue_exit(&ring_);
  }

  bool init(std::string& error);
  const char* mode() const override { return "uring"; }
  void write_round(WriteCounts& counts) override;
  std::string json_details() const override {
    return ",\"batch\":" + std::to_string(batch_) +
           ",\"fixed_files\":" + (fixed_files_ ? "true" : "false");
  }

 private:
  bool prepare(size_t index);
  unsigned reap(unsigned expected, WriteCounts& counts);

  const std::vector<UniqueFd>& sockets_;
  std::string_view frame_;
  const unsigned batch_;
  io_uring ring_{};
  bool ring_ready_ = false;
  bool fixed_files_ = false;
  bool broken_ = false;  // a submit failed; every later send counts as an error
  std::vector<io_uring_cqe*> cqes_;
};

bool UringWriter::init(std::string& error) {
  io_uring_params params{};
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
  int rc = io_uring_queue_init_params(batch_, &ring_, &params);
  if (rc == -EINVAL) {  // before 6.0 the kernel lacks SINGLE_ISSUER
    params = io_uring_params{};
    rc = io_uring_queue_init_params(batch_, &ring_, &params);
  }
  if (rc < 0) {
    error = std::string("io_uring_queue_init: ") + std::strerror(-rc);
    return false;
  }
  ring_ready_ = true;
  // Registered files spare each send the descriptor lookup: the best case for the floor.
  std::vector<int> fds;
  fds.reserve(sockets_.size());
  for (const UniqueFd& s : sockets_) fds.push_back(s.get());
  fixed_files_ =
      io_uring_register_files(&ring_, fds.data(), static_cast<unsigned>(fds.size())) == 0;
  return true;
}

bool UringWriter::prepare(size_t index) {
  // The ring holds `batch_` entries and is empty at the start of each batch, so this only
  // fails if that invariant broke.
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) return false;
  // MSG_DONTWAIT makes a full socket complete with -EAGAIN, as sendmsg on a non-blocking
  // socket does, instead of io_uring waiting for room.
  const int flags = MSG_NOSIGNAL | MSG_DONTWAIT;
  if (fixed_files_) {
    io_uring_prep_send(sqe, static_cast<int>(index), frame_.data(), frame_.size(), flags);
    sqe->flags |= IOSQE_FIXED_FILE;
  } else {
    io_uring_prep_send(sqe, sockets_[index].get(), frame_.data(), frame_.size(), flags);
  }
  return true;
}

unsigned UringWriter::reap(unsigned expected, WriteCounts& counts) {
  unsigned seen = 0;
  for (int attempt = 0; attempt < kReapAttempts && seen < expected; ++attempt) {
    const unsigned got = io_uring_peek_batch_cqe(&ring_, cqes_.data(), expected - seen);
    for (unsigned i = 0; i < got; ++i) {
      const int res = cqes_[i]->res;
      if (res > 0) {
        ++counts.writes;
        if (static_cast<size_t>(res) < frame_.size()) ++counts.partial;
      } else if (res == -EAGAIN) {
        ++counts.would_block;
      } else {
        ++counts.errors;
      }
    }
    io_uring_cq_advance(&ring_, got);
    seen += got;
    if (seen < expected) {
      io_uring_cqe* cqe = nullptr;
      __kernel_timespec wait{0, 100'000'000};
      io_uring_wait_cqe_timeout(&ring_, &cqe, &wait);
      ++counts.syscalls;
    }
  }
  return seen;
}

void UringWriter::write_round(WriteCounts& counts) {
  for (size_t next = 0; next < sockets_.size();) {
    if (broken_) {
      counts.errors += sockets_.size() - next;
      return;
    }
    const auto count = static_cast<unsigned>(std::min<size_t>(batch_, sockets_.size() - next));
    unsigned prepared = 0;
    while (prepared < count && prepare(next + prepared)) ++prepared;
    if (prepared < count) {
      counts.errors += sockets_.size() - next;
      broken_ = true;
      return;
    }
    next += count;
    const int rc = io_uring_submit_and_wait(&ring_, count);
    ++counts.syscalls;
    // -EINTR comes from the wait, after the sends were issued; reap them as usual. Anything
    // else, or completions that never come, leaves the ring in an unknown state: stop using it.
    const unsigned seen = rc < 0 && rc != -EINTR ? 0 : reap(count, counts);
    if (seen < count) {
      counts.errors += count - seen;
      broken_ = true;
    }
  }
}

}  // namespace

bool uring_built() {
  return true;
}

std::unique_ptr<RoundWriter> make_uring_writer(const std::vector<UniqueFd>& sockets,
                                               std::string_view frame, unsigned batch,
                                               std::string& error) {
  auto writer = std::make_unique<UringWriter>(sockets, frame, batch);
  if (!writer->init(error)) return nullptr;
  return writer;
}

}  // namespace ssegw::bench

#else  // built without liburing

namespace ssegw::bench {

bool uring_built() {
  return false;
}

std::unique_ptr<RoundWriter> make_uring_writer(const std::vector<UniqueFd>&, std::string_view,
                                               unsigned, std::string& error) {
  error = "this sse_floor was built without liburing (install liburing-dev and rebuild)";
  return nullptr;
}

}  // namespace ssegw::bench

#endif
