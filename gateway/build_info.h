#pragma once
// What this binary was built from, for --version, /metrics and the status page.
#include <string_view>

namespace ssegw {

inline std::string_view build_version() {
  return SSEGW_VERSION;
}
// The git commit (12 hex digits, "-dirty" when the tree had changes), or "unknown" when the
// source was not a git checkout; written at build time by cmake/build_commit.cmake.
std::string_view build_commit();

}  // namespace ssegw
