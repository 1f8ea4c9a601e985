#include "bridges/common/sink_spool_config.h"

namespace ssegw {

int64_t parse_spool_bytes(const ConfigNode& sink, const std::string& sink_name) {
  const int64_t bytes = sink.bytes_or("spool_bytes", kDefaultSpoolBytes);
  if (bytes != 0 && bytes < kMinSpoolBytes)
    sink["spool_bytes"].fail("must be 0 (no spool) or at least 4KiB");
  if (bytes == 0) return 0;
  const bool dots = sink_name == "." || sink_name == "..";
  if (dots || sink_name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789._-") != std::string::npos) {
    sink["name"].fail(
        "names the sink's spool folder: use letters, digits, '.', '_' or '-' (or "
        "spool_bytes: 0)");
  }
  return bytes;
}

std::string spool_dir(const std::string& state_dir, const std::string& sink_name) {
  return (state_dir.empty() ? std::string(".") : state_dir) + "/spool/" + sink_name;
}

}  // namespace ssegw
