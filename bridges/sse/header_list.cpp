#include "bridges/sse/header_list.h"

#include <algorithm>
#include <cctype>

#include "gateway/text.h"

namespace ssegw::sse {
namespace {

// RFC 9110 token characters.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  });
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string header_problem(const std::string& name, const std::string& value) {
  if (!is_token(name)) return "'" + name + "' is not a valid header name";
  for (unsigned char c : value) {
    if (c == '\r' || c == '\n' || c == '\0')
      return "the value of '" + name + "' contains CR, LF or NUL";
  }
  for (std::string_view own :
       {"Host", "Last-Event-ID", "Content-Length", "Transfer-Encoding", "Connection"}) {
    if (iequals(name, own)) return "'" + name + "' is set by the gateway and cannot be configured";
  }
  return "";
}

std::optional<HeaderList> parse_header_list(std::string_view text, std::string* error) {
  HeaderList out;
  if (trim_space(text).empty()) return out;
  size_t index = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view pair = trim_space(text.substr(pos, comma - pos));
    ++index;
    const size_t colon = pair.find(':');
    const std::string name(trim_space(pair.substr(0, colon)));
    const std::string where =
        "header pair " + std::to_string(index) + " \"" + std::string(pair) + "\"";
    if (colon == std::string_view::npos || name.empty()) {
      if (error) *error = where + " is not 'Key: value'";
      return std::nullopt;
    }
    const std::string value(trim_space(pair.substr(colon + 1)));
    const std::string problem = header_problem(name, value);
    if (!problem.empty()) {
      if (error) *error = where + ": " + problem;
      return std::nullopt;
    }
    out.emplace_back(name, value);
    pos = comma + 1;
  }
  return out;
}

}  // namespace ssegw::sse
