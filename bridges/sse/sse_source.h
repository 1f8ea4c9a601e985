#pragma once
// The `type: sse` source bridge: one upstream event stream relayed into channels, on its own
// thread and event loop.
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bridges/sse/sse_source_options.h"
#include "bridges/sse/sse_source_status.h"
#include "gateway/bridge.h"

namespace ssegw::sse {

class SseSource final : public Bridge {
 public:
  SseSource(std::shared_ptr<const SseSourceOptions> options, ChannelDirectory& channels);
  ~SseSource() override;

  const std::string& name() const override { return options_->name; }
  void start() override;
  void stop() override;
  BridgeStatus status() const override { return status_.snapshot(); }

 private:
  std::shared_ptr<const SseSourceOptions> options_;
  ChannelDirectory& channels_;
  SseSourceStatus status_;
  std::mutex lifecycle_mu_;
  int stop_fd_ = -1;  // an eventfd the loop watches; written once to stop it
  std::thread thread_;
};

}  // namespace ssegw::sse
