#include "bridges/sse/sse_source_options.h"

#include <sys/stat.h>

#include <algorithm>
#include <stdexcept>

#include "bridges/sse/sse_source.h"
#include "gateway/text.h"

namespace ssegw::sse {
namespace {

HeaderList read_headers(const ConfigNode& node) {
  HeaderList out;
  if (node.is_map()) {
    for (const auto& [name, value] : node.string_map()) {
      const std::string problem = header_problem(name, value);
      if (!problem.empty()) node.fail(problem);
      out.emplace_back(name, value);
    }
    return out;
  }
  if (!node.is_scalar()) node.fail("expected \"Key: value,Key2: value2\" or a map");
  // Check the pairs as written first, so an error quotes the config and never a secret that
  // {{ VAR }} substitution put in.
  std::string error;
  if (!parse_header_list(node.yaml().Scalar(), &error)) node.fail(error);
  auto parsed = parse_header_list(node.str(), &error);
  if (!parsed) {
    node.fail(
        "after {{ }} substitution, a header pair is malformed (a variable's value holds a "
        "comma, or CR/LF)");
  }
  return *parsed;
}

std::set<std::string> read_events(const ConfigNode& node) {
  std::vector<std::string> names;
  if (node.is_scalar()) {
    const std::string text = node.str();
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t comma = text.find(',', pos);
      if (comma == std::string::npos) comma = text.size();
      names.emplace_back(trim_ows(std::string_view(text).substr(pos, comma - pos)));
      pos = comma + 1;
    }
  } else {
    names = node.string_list();
  }
  std::set<std::string> out;
  for (const std::string& name : names) {
    if (name.empty()) node.fail("empty event type in the list");
    out.insert(name);
  }
  return out;
}

std::string read_ca_file(const ConfigNode& tls) {
  tls.only_keys({"ca_file"});
  auto ca = tls.get("ca_file");
  if (!ca) return "";
  const std::string path = ca->str();
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    ca->fail("CA file '" + path + "' does not exist or is not a regular file");
  }
  return path;
}

IdSource read_ids(const ConfigNode& node) {
  const std::string ids = node.str();
  if (ids == "upstream") return IdSource::kUpstream;
  if (ids != "gateway") node.fail("expected gateway or upstream, got \"" + ids + "\"");
  return IdSource::kGateway;
}

// Sent as a header: edge spaces would be trimmed away and control bytes are not allowed.
std::string read_last_event_id(const ConfigNode& node) {
  const std::string id = node.str();
  const bool control = std::any_of(id.begin(), id.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (control) node.fail("must not hold control characters (CR, LF, NUL, tab, ...)");
  if (!id.empty() && (id.front() == ' ' || id.back() == ' ')) {
    node.fail("must not start or end with a space");
  }
  return id;
}

class SseSourcePlan final : public BridgePlan {
 public:
  explicit SseSourcePlan(SseSourceOptions options)
      : options_(std::make_shared<const SseSourceOptions>(std::move(options))) {}
  std::unique_ptr<Bridge> build(BridgeContext& ctx) const override {
    return std::make_unique<SseSource>(options_, ctx.channels);
  }
  std::vector<std::string> channel_paths() const override { return options_->to; }

 private:
  std::shared_ptr<const SseSourceOptions> options_;
};

}  // namespace

SseSourceOptions parse_sse_source_options(const ConfigNode& node) {
  node.only_keys({"name", "type", "endpoint", "headers", "events", "format", "bad_data", "to",
                  "tls", "idle_timeout", "max_event_size", "ids", "last_event_id"});
  SseSourceOptions options;
  options.name = node["name"].str();
  const ConfigNode endpoint = node["endpoint"];
  std::string error;
  auto url = parse_http_url(endpoint.str(), &error);
  if (!url) endpoint.fail(error);
  options.endpoint = *url;
  if (auto headers = node.get("headers")) options.headers = read_headers(*headers);
  if (auto events = node.get("events")) options.events = read_events(*events);
  const std::string format = node.str_or("format", "raw");
  if (format == "json") {
    options.format = DataFormat::kJson;
  } else if (format != "raw") {
    node["format"].fail("expected json or raw, got \"" + format + "\"");
  }
  if (auto bad = node.get("bad_data")) {
    const std::string action = bad->str();
    if (action == "fail") {
      options.bad_data = BadDataAction::kFail;
    } else if (action != "drop") {
      bad->fail("expected drop or fail, got \"" + action + "\"");
    }
    if (options.format != DataFormat::kJson) bad->fail("bad_data applies only to format: json");
  }
  if (auto ids = node.get("ids")) options.ids = read_ids(*ids);
  if (auto id = node.get("last_event_id")) options.last_event_id = read_last_event_id(*id);
  const ConfigNode to = node["to"];
  options.to = to.string_list();
  if (options.to.empty()) to.fail("needs at least one channel path");
  for (const std::string& path : options.to) {
    if (path.empty() || path[0] != '/') to.fail("channel path '" + path + "' must start with '/'");
  }
  if (auto tls = node.get("tls")) options.ca_file = read_ca_file(*tls);
  options.idle_timeout_ms = node.duration_or("idle_timeout", 60000);
  if (options.idle_timeout_ms < 1) node["idle_timeout"].fail("must be at least 1ms");
  options.max_event_size = node.bytes_or("max_event_size", int64_t{1} << 20);
  if (options.max_event_size < 1 || options.max_event_size > (int64_t{1} << 30)) {
    node["max_event_size"].fail("must be between 1 byte and 1GiB");
  }
  try {
    if (options.endpoint.tls || !options.ca_file.empty()) {
      options.tls = std::make_shared<const TlsClientContext>(options.ca_file);
    }
  } catch (const std::exception& e) {
    (node.has("tls") ? node["tls"] : endpoint).fail(e.what());
  }
  return options;
}

std::shared_ptr<const BridgePlan> parse_sse_source(const ConfigNode& node) {
  return std::make_shared<const SseSourcePlan>(parse_sse_source_options(node));
}

}  // namespace ssegw::sse
