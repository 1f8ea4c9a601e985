#include "bridges/sse/sse_source.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "bridges/sse/sse_source_loop.h"

namespace ssegw::sse {

SseSource::SseSource(std::shared_ptr<const SseSourceOptions> options, ChannelDirectory& channels)
    : options_(std::move(options)), channels_(channels) {}

SseSource::~SseSource() {
  stop();
}

void SseSource::start() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (thread_.joinable()) return;
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  status_.set(BridgeState::kConnecting, "starting");
  thread_ = std::thread([this] {
    SseSourceLoop loop(*options_, channels_, status_);
    loop.run(stop_fd_);
  });
}

void SseSource::stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (!thread_.joinable()) return;
  const uint64_t one = 1;
  while (write(stop_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
  thread_.join();
  close(stop_fd_);
  stop_fd_ = -1;
  status_.set(BridgeState::kStopped, "stopped");
}

}  // namespace ssegw::sse
