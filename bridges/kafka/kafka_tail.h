#pragma once
// What a Kafka sink finds at the end of its topic when it starts: for each source that fed
// it, the upstream id of the last event it delivered (the one with the highest `seq` header),
// so that source can reconnect its upstream right after it.
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "bridges/kafka/kafka_client.h"

namespace ssegw::kafka {

struct TailFindings {
  std::map<std::string, std::string> last_origin_id;  // source name -> upstream id
  uint64_t max_seq = 0;
};

// Reads the last `scan` messages of every partition. nullopt when the topic could not be
// read within the timeout (broker down); a missing topic is an empty finding.
std::optional<TailFindings> read_topic_tail(const std::string& brokers,
                                            const Properties& properties, const std::string& topic,
                                            int64_t scan, std::chrono::milliseconds timeout,
                                            std::string& error);

}  // namespace ssegw::kafka
