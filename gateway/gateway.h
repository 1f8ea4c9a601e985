#pragma once
// The running gateway: workers, channels, listeners and bridges, and what changes them
// (SIGHUP reload, SIGTERM drain). Everything here lives on the main thread except the
// parts handed to workers.
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bridge.h"
#include "channel_directory.h"
#include "config.h"
#include "event_handles.h"
#include "listener_profile.h"
#include "metrics.h"
#include "status_feed.h"
#include "systemd_notify.h"
#include "worker.h"

namespace ssegw {

struct GatewayOptions {
  std::string config_path;
  std::optional<ListenAddress> listen_override;
  uint64_t id_base = 0;  // start time in ms times 10^6: ids grow across restarts
};

class Gateway final : public StatusSource {
 public:
  Gateway(GatewayConfig config, BridgeCatalog catalog, EnvLookup env, GatewayOptions options);
  ~Gateway() override;

  // Binds, starts everything, serves until SIGTERM/SIGINT; returns the exit code.
  int run();

  std::string metrics_text() const override;
  std::pair<bool, std::string> readiness() const override;
  std::shared_ptr<Channel> status_stream(const std::string& filter, bool* full) const override;

 private:
  struct RunningBridge {
    std::string kind;  // source, sink, backbone
    BridgeConfig config;
    std::unique_ptr<Bridge> bridge;
  };

  // One bound address and what its connections inherit (its certificates, reloaded by SIGHUP).
  struct Listener {
    Gateway* gateway = nullptr;
    ListenAddress address;
    std::string bound;  // the address as bound, port 0 resolved: for the log
    std::shared_ptr<const ListenerProfile> profile;
    ListenerPtr handle;
  };

  void open_history_store();
  bool bind_listeners();
  static std::shared_ptr<const ListenerProfile> make_profile(const ListenAddress& address);
  void reload_certificates(const std::vector<ListenAddress>& next);
  void start_bridges(const std::string& kind, const std::vector<BridgeConfig>& configs);
  void sync_bridges(const std::string& kind, const std::vector<BridgeConfig>& wanted);
  void stop_all_bridges();
  void warn_of_store_changes(const GatewayConfig& next) const;
  void reload();
  void begin_shutdown();
  void sweep_idle_channels();
  void publish_status();
  void end_status_streams();
  void accept(evutil_socket_t fd, const Listener& listener);
  void pause_accepting(int error);
  void arm_signals();
  std::vector<NamedStatus> bridge_statuses() const;

  GatewayConfig config_;
  const BridgeCatalog catalog_;
  const EnvLookup env_;
  const GatewayOptions options_;
  Metrics metrics_;
  IpLimiter limiter_;  // before the workers: their connections give their leases back to it
  SystemdNotifier notifier_;
  // Before the workers and channels: both refer to the writer until they are gone.
  std::unique_ptr<HistoryStore> store_;
  std::unique_ptr<HistoryWriter> writer_;
  EventBasePtr base_;
  std::vector<std::unique_ptr<Worker>> workers_;  // the fan-out workers, then the publish one
  int fanout_workers_ = 0;
  std::unique_ptr<ChannelDirectory> channels_;
  std::unique_ptr<BridgeContext> context_;
  std::unique_ptr<StatusFeed> status_feed_;  // after the workers: its channels fan out to them
  EventPtr status_ev_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<EventPtr> signal_events_;
  EventPtr watchdog_ev_;
  EventPtr sweep_ev_;
  EventPtr accept_resume_ev_;
  std::optional<int64_t> accept_error_logged_ms_;
  uint64_t accept_errors_unlogged_ = 0;
  size_t next_worker_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex bridges_mu_;
  std::vector<RunningBridge> bridges_;
};

}  // namespace ssegw
