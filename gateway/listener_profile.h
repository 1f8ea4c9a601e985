#pragma once
// What an accepted connection inherits from the listener it came through: TLS or not, and
// whether it may speak HTTP/2. A SIGHUP reload makes a new profile (new certificates);
// connections keep the one they were accepted with.
#include <cstdint>
#include <memory>

#include "tls_context.h"

namespace ssegw {

struct ListenerProfile {
  std::shared_ptr<const TlsContext> tls;  // null: plain
  bool http2 = false;
  int64_t handshake_timeout_ms = 10000;
};

}  // namespace ssegw
