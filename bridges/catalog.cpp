#include "bridges/catalog.h"

namespace ssegw {

BridgeCatalog make_bridge_catalog() {
  BridgeCatalog catalog;
  register_sse_bridges(catalog);
  register_kafka_bridges(catalog);
  register_mqtt_bridges(catalog);
  return catalog;
}

}  // namespace ssegw
