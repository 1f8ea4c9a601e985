#include "bridge.h"

namespace ssegw {

const char* to_string(BridgeState s) {
  switch (s) {
    case BridgeState::kConnecting:
      return "connecting";
    case BridgeState::kStreaming:
      return "streaming";
    case BridgeState::kBackingOff:
      return "backing_off";
    case BridgeState::kFailed:
      return "failed";
    case BridgeState::kStopped:
      return "stopped";
  }
  return "unknown";
}

}  // namespace ssegw
