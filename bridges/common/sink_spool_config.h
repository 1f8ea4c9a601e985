#pragma once
// The `spool_bytes` key every spooling sink takes, and where its spool lives, in one place
// so that the MQTT and Kafka sinks agree.
#include <cstdint>
#include <string>

#include "gateway/config_node.h"

namespace ssegw {

constexpr int64_t kDefaultSpoolBytes = int64_t{256} << 20;
constexpr int64_t kMinSpoolBytes = 4096;

// `spool_bytes`: 0 turns the spool off (the channel is held when the memory queue is full),
// otherwise at least 4KiB; default 256MiB. With a spool the sink's name becomes a folder
// name, so it must be one: letters, digits, '.', '_' and '-', not "." or "..".
int64_t parse_spool_bytes(const ConfigNode& sink, const std::string& sink_name);

// `<state_dir>/spool/<sink name>`.
std::string spool_dir(const std::string& state_dir, const std::string& sink_name);

}  // namespace ssegw
