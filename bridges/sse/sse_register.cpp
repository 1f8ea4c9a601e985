#include "bridges/catalog.h"
#include "bridges/sse/sse_source_options.h"

namespace ssegw {

void register_sse_bridges(BridgeCatalog& catalog) {
  catalog.sources["sse"] = &sse::parse_sse_source;
}

}  // namespace ssegw
