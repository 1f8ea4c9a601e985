#pragma once
#include "gateway/bridge.h"

namespace ssegw {

// Every source and sink type this build knows, by the `type:` key of its config.
BridgeCatalog make_bridge_catalog();

// Each bridge folder adds its types.
void register_sse_bridges(BridgeCatalog& catalog);
void register_kafka_bridges(BridgeCatalog& catalog);
void register_mqtt_bridges(BridgeCatalog& catalog);

}  // namespace ssegw
