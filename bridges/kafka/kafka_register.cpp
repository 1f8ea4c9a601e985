#include "bridges/catalog.h"

namespace ssegw {

// Placeholder until the kafka bridge lands: registers no types.
void register_kafka_bridges(BridgeCatalog&) {}

}  // namespace ssegw
