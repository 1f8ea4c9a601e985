#pragma once
// The `headers` option: "Key: value,Key2: value2", each pair split on its first colon so
// values keep their colons ("X-Url: http://a:8080").
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssegw::sse {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Parses the comma-separated form. On a malformed pair returns nullopt and sets `error` to a
// message naming it.
std::optional<HeaderList> parse_header_list(std::string_view text, std::string* error);

// Why a header cannot be sent as configured (bad name or value, or one the gateway sets
// itself), or an empty string when it is fine.
std::string header_problem(const std::string& name, const std::string& value);

}  // namespace ssegw::sse
