#include "bridges/catalog.h"

namespace ssegw {

// Placeholder until the mqtt bridge lands: registers no types.
void register_mqtt_bridges(BridgeCatalog&) {}

}  // namespace ssegw
