#include "config_node.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <set>
#include <sstream>

namespace ssegw {
namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool valid_env_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

std::optional<int64_t> parse_int(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Splits "15s" into 15 and "s"; the number is empty when its digits do not fit in 64 bits.
bool split_number_unit(const std::string& text, std::optional<int64_t>& number, std::string& unit) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return false;
  number = parse_int(std::string_view(text).substr(0, i));
  unit = trim(std::string_view(text).substr(i));
  return true;
}

// number * factor, or nullopt when the product does not fit: a huge size must not wrap to 0.
std::optional<int64_t> scale(std::optional<int64_t> number, int64_t factor) {
  int64_t product = 0;
  if (!number || __builtin_mul_overflow(*number, factor, &product)) return std::nullopt;
  return product;
}

// Durations end up in timevals and std::chrono nanoseconds; capping them here keeps every
// later conversion from overflowing (this is about 292 years).
constexpr int64_t kMaxDurationMs = INT64_MAX / 1'000'000;

using MarkByKey = std::map<std::string, YAML::Mark>;

std::string child_key(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "." + name;
}

// Aliases share nodes, so a document can reach one map many times (a "billion laughs"
// file); containers already walked are skipped by their position in the text.
void walk_unique_keys(const YAML::Node& node, const std::string& file, const std::string& key,
                      std::set<std::pair<int, int>>& seen) {
  if (!node.IsMap() && !node.IsSequence()) return;
  const YAML::Mark mark = node.Mark();
  if (!seen.insert({mark.line, mark.column}).second) return;
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i)
      walk_unique_keys(node[i], file, key + "[" + std::to_string(i) + "]", seen);
    return;
  }
  MarkByKey first;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) continue;  // complex keys are refused later as unknown keys
    const std::string name = entry.first.Scalar();
    const std::string path = child_key(key, name);
    auto [it, fresh] = first.emplace(name, entry.first.Mark());
    if (!fresh) {
      ConfigNode at(entry.first, file, path, nullptr);
      at.fail("duplicate key (first at line " + std::to_string(it->second.line + 1) + ")");
    }
    walk_unique_keys(entry.second, file, path, seen);
  }
}

}  // namespace

void check_unique_keys(const YAML::Node& root, const std::string& file) {
  std::set<std::pair<int, int>> seen;
  walk_unique_keys(root, file, "", seen);
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

std::string substitute_env(const std::string& text, const EnvLookup& env,
                           const std::string& where) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    if (open == std::string::npos) break;
    size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) {
      throw ConfigError(where + ": unterminated '{{' in \"" + text + "\"");
    }
    std::string name = trim(std::string_view(text).substr(open + 2, close - open - 2));
    if (!valid_env_name(name)) {
      throw ConfigError(where + ": '{{ " + name + " }}' is not a valid environment variable name");
    }
    std::optional<std::string> value = env(name);
    if (!value) throw ConfigError(where + ": environment variable '" + name + "' is not set");
    out.append(text, pos, open - pos);
    out.append(*value);
    pos = close + 2;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

ConfigNode::ConfigNode(YAML::Node node, std::string file, std::string key, const EnvLookup* env,
                       ConfigRecord* record)
    : node_(std::move(node)),
      file_(std::move(file)),
      key_(std::move(key)),
      env_(env),
      record_(record) {}

ConfigNode ConfigNode::make_child(YAML::Node node, std::string key) const {
  return ConfigNode(std::move(node), file_, std::move(key), env_, record_);
}

void ConfigNode::note_default(std::string_view name, const std::string& value) const {
  if (record_)
    record_->scalar(key_.empty() ? std::string(name) : key_ + "." + std::string(name), value,
                    false);
}

std::string ConfigNode::where() const {
  std::ostringstream out;
  out << file_;
  if (node_.IsDefined()) {
    const YAML::Mark mark = node_.Mark();
    if (mark.line >= 0) out << ':' << mark.line + 1 << ':' << mark.column + 1;
  }
  out << ": key '" << (key_.empty() ? "<top>" : key_) << "'";
  return out.str();
}

void ConfigNode::fail(const std::string& message) const {
  throw ConfigError(where() + ": " + message);
}

void ConfigNode::expect_map() const {
  if (!node_.IsMap()) fail("expected a map of keys");
}

bool ConfigNode::has(std::string_view name) const {
  if (!node_.IsMap()) return false;
  const YAML::Node child = node_[std::string(name)];
  return child.IsDefined() && !child.IsNull();
}

std::optional<ConfigNode> ConfigNode::get(std::string_view name) const {
  if (!has(name)) return std::nullopt;
  std::string child_key = key_.empty() ? std::string(name) : key_ + "." + std::string(name);
  return make_child(node_[std::string(name)], std::move(child_key));
}

ConfigNode ConfigNode::get_or_empty_map(std::string_view name) const {
  if (auto child = get(name)) return *child;
  return make_child(YAML::Node(YAML::NodeType::Map),
                    key_.empty() ? std::string(name) : key_ + "." + std::string(name));
}

ConfigNode ConfigNode::operator[](std::string_view name) const {
  expect_map();
  auto child = get(name);
  if (!child) fail("missing required key '" + std::string(name) + "'");
  return *child;
}

void ConfigNode::only_keys(std::initializer_list<std::string_view> known) const {
  expect_map();
  for (const auto& entry : node_) {
    const std::string name = entry.first.as<std::string>();
    bool ok = false;
    for (std::string_view k : known) ok = ok || k == name;
    if (ok) continue;
    std::string expected;
    for (std::string_view k : known) expected += (expected.empty() ? "" : ", ") + std::string(k);
    ConfigNode at(entry.first, file_, key_.empty() ? name : key_ + "." + name, env_);
    at.fail("unknown key (expected one of: " + expected + ")");
  }
}

std::vector<std::string> ConfigNode::keys() const {
  expect_map();
  std::vector<std::string> out;
  for (const auto& entry : node_) out.push_back(entry.first.as<std::string>());
  return out;
}

std::vector<ConfigNode> ConfigNode::items() const {
  std::vector<ConfigNode> out;
  if (is_null()) return out;
  if (!node_.IsSequence()) fail("expected a list");
  for (size_t i = 0; i < node_.size(); ++i) {
    out.push_back(make_child(node_[i], key_ + "[" + std::to_string(i) + "]"));
  }
  return out;
}

std::vector<std::string> ConfigNode::string_list() const {
  if (node_.IsScalar()) return {str()};
  std::vector<std::string> out;
  for (const ConfigNode& item : items()) out.push_back(item.str());
  return out;
}

std::string ConfigNode::str() const {
  if (!node_.IsScalar()) fail("expected a string");
  std::string value = substitute_env(node_.Scalar(), *env_, where());
  // What came from the environment is a secret, as far as printing goes.
  if (record_) record_->scalar(key_, value, node_.Scalar().find("{{") != std::string::npos);
  return value;
}

int64_t ConfigNode::integer(int64_t min, int64_t max) const {
  const std::string text = str();
  auto value = parse_int(text);
  if (!value) fail("expected an integer, got \"" + text + "\"");
  if (*value < min || *value > max) {
    fail("value " + text + " out of range [" + std::to_string(min) + ", " + std::to_string(max) +
         "]");
  }
  return *value;
}

bool ConfigNode::boolean() const {
  const std::string text = str();
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail("expected true or false, got \"" + text + "\"");
}

int64_t ConfigNode::duration_ms() const {
  const std::string text = str();
  std::optional<int64_t> number;
  std::string unit;
  if (!split_number_unit(text, number, unit))
    fail("expected a duration like 15s, got \"" + text + "\"");
  int64_t factor = 0;
  if (unit == "ms") factor = 1;
  if (unit.empty() || unit == "s") factor = 1000;
  if (unit == "m" || unit == "min") factor = 60'000;
  if (unit == "h") factor = 3'600'000;
  if (factor == 0) fail("unknown duration unit '" + unit + "' (use ms, s, m or h)");
  auto ms = scale(number, factor);
  if (!ms || *ms > kMaxDurationMs) fail("duration \"" + text + "\" is too large");
  return *ms;
}

int64_t ConfigNode::bytes() const {
  const std::string text = str();
  std::optional<int64_t> number;
  std::string unit;
  if (!split_number_unit(text, number, unit))
    fail("expected a size like 1MiB, got \"" + text + "\"");
  int64_t factor = 0;
  if (unit.empty() || unit == "B") factor = 1;
  if (unit == "k" || unit == "K" || unit == "KB" || unit == "KiB") factor = int64_t{1} << 10;
  if (unit == "M" || unit == "MB" || unit == "MiB") factor = int64_t{1} << 20;
  if (unit == "G" || unit == "GB" || unit == "GiB") factor = int64_t{1} << 30;
  if (factor == 0) fail("unknown size unit '" + unit + "' (use B, KiB, MiB or GiB)");
  auto size = scale(number, factor);
  if (!size) fail("size \"" + text + "\" is too large");
  return *size;
}

std::map<std::string, std::string> ConfigNode::string_map() const {
  expect_map();
  std::map<std::string, std::string> out;
  std::set<std::string> from_env;
  for (const auto& entry : node_) {
    const std::string name = entry.first.as<std::string>();
    // Not recorded one by one: names such as sasl.password hold dots.
    ConfigNode value(entry.second, file_, key_.empty() ? name : key_ + "." + name, env_);
    out[name] = value.str();
    if (entry.second.IsScalar() && entry.second.Scalar().find("{{") != std::string::npos)
      from_env.insert(name);
  }
  if (record_) record_->map(key_, out, from_env);
  return out;
}

std::string ConfigNode::str_or(std::string_view name, const std::string& fallback) const {
  auto child = get(name);
  if (child) return child->str();
  note_default(name, fallback);
  return fallback;
}

int64_t ConfigNode::int_or(std::string_view name, int64_t fallback, int64_t min,
                           int64_t max) const {
  auto child = get(name);
  if (child) return child->integer(min, max);
  note_default(name, std::to_string(fallback));
  return fallback;
}

bool ConfigNode::bool_or(std::string_view name, bool fallback) const {
  auto child = get(name);
  if (child) return child->boolean();
  note_default(name, fallback ? "true" : "false");
  return fallback;
}

int64_t ConfigNode::duration_or(std::string_view name, int64_t fallback_ms) const {
  auto child = get(name);
  if (child) return child->duration_ms();
  note_default(name, std::to_string(fallback_ms) + "ms");
  return fallback_ms;
}

int64_t ConfigNode::bytes_or(std::string_view name, int64_t fallback) const {
  auto child = get(name);
  if (child) return child->bytes();
  note_default(name, std::to_string(fallback));
  return fallback;
}

}  // namespace ssegw
