#include "bridges/catalog.h"

namespace ssegw {

// Placeholder until the sse bridge lands: registers no types.
void register_sse_bridges(BridgeCatalog&) {}

}  // namespace ssegw
