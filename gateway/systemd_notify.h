#pragma once
// The sd_notify protocol without libsystemd: one datagram to $NOTIFY_SOCKET.
#include <cstdint>
#include <optional>
#include <string>

namespace ssegw {

class SystemdNotifier {
 public:
  SystemdNotifier();  // reads NOTIFY_SOCKET and WATCHDOG_USEC once
  bool enabled() const { return !socket_path_.empty(); }
  // "READY=1", "STOPPING=1", "RELOADING=1\nMONOTONIC_USEC=...", "WATCHDOG=1", "STATUS=..."
  bool notify(const std::string& state) const;
  bool reloading() const;  // RELOADING=1 with the MONOTONIC_USEC systemd 253+ expects
  // Half of WatchdogSec, how often to ping; nullopt when the watchdog is off.
  std::optional<int64_t> watchdog_interval_ms() const { return watchdog_ms_; }

 private:
  std::string socket_path_;
  std::optional<int64_t> watchdog_ms_;
};

}  // namespace ssegw
