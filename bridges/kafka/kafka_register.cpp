#include "bridges/catalog.h"
#include "bridges/kafka/kafka_backbone.h"
#include "bridges/kafka/kafka_sink.h"
#include "bridges/kafka/kafka_source.h"

namespace ssegw {

void register_kafka_bridges(BridgeCatalog& catalog) {
  catalog.sources["kafka"] = &kafka::parse_source_plan;
  catalog.sinks["kafka"] = &kafka::parse_sink_plan;
  catalog.backbones["kafka"] = &kafka::parse_backbone_plan;
}

}  // namespace ssegw
