#include "ndjson_batch.h"

#include <simdjson.h>

#include "sse_framer.h"
#include "text.h"

namespace ssegw {
namespace {

// The DOM parser, not On-Demand: it validates the whole line (UTF-8 included) and refuses
// trailing content, which is what all-or-nothing needs before anything is published.
std::string read_line(simdjson::dom::parser& parser, std::string_view line,
                      const BatchLimits& limits, BatchEvent& out) {
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc)) return "malformed JSON";
  simdjson::dom::object object;
  if (doc.get_object().get(object)) return "not a JSON object";
  bool has_data = false;
  for (auto [key, value] : object) {
    if (key != "event" && key != "data" && key != "channel")
      return "unknown key \"" + std::string(key.substr(0, 40)) + "\" (event, data, channel)";
    std::string_view text;
    if (value.get_string().get(text)) return std::string(key) + " must be a string";
    if (key == "data") {
      out.event.data.assign(text);
      has_data = true;
    } else if (key == "event") {
      if (!is_valid_field_value(text)) return "event must not contain CR, LF or NUL";
      out.event.type.assign(text);
    } else {
      if (!limits.channel_allowed) return "channel is only taken by the subscribe path";
      if (text.empty() || text.front() != '/') return "channel must be a path";
      out.channel.assign(text);
    }
  }
  if (!has_data) return "no data";
  return {};
}

}  // namespace

BatchResult parse_ndjson_batch(std::string_view body, const BatchLimits& limits) {
  BatchResult result;
  simdjson::dom::parser parser;
  size_t number = 0;
  while (!body.empty()) {
    const size_t newline = body.find('\n');
    std::string_view line = body.substr(0, newline);
    body = newline == std::string_view::npos ? std::string_view() : body.substr(newline + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim_ows(line).empty()) continue;
    if (result.events.size() == limits.max_events) {
      result.error = "more than " + std::to_string(limits.max_events) + " events";
      break;
    }
    BatchEvent event;
    event.line = number;
    std::string error = read_line(parser, line, limits, event);
    if (!error.empty()) {
      result.error = "line " + std::to_string(number) + ": " + error;
      break;
    }
    result.events.push_back(std::move(event));
  }
  if (!result.error.empty()) result.events.clear();
  if (result.error.empty() && result.events.empty()) result.error = "no events";
  return result;
}

}  // namespace ssegw
