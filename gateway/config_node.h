#pragma once
// Strict, located reading of one YAML node. Every accessor throws ConfigError naming the
// file, line, column and dotted key, so a bad config never starts a gateway. Strings go
// through {{ VAR }} substitution from the environment as they are read.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config_error.h"
#include "config_record.h"

namespace ssegw {

// Looks up an environment variable; injectable so tests need not touch the real one.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_env();

// Replaces every {{ NAME }} in text; throws ConfigError naming `where` and the variable.
std::string substitute_env(const std::string& text, const EnvLookup& env, const std::string& where);

// yaml-cpp keeps the first of two equal keys in a map and drops the second without a word,
// so a second `channels:` list would be ignored; this throws ConfigError naming both lines.
void check_unique_keys(const YAML::Node& root, const std::string& file);

class ConfigNode {
 public:
  // With a `record`, every value read (and every default used for an absent key) is noted
  // in it, for --print-config; children share it.
  ConfigNode(YAML::Node node, std::string file, std::string key, const EnvLookup* env,
             ConfigRecord* record = nullptr);

  const std::string& key() const { return key_; }
  const std::string& file() const { return file_; }
  bool is_map() const { return node_.IsMap(); }
  bool is_sequence() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }
  const YAML::Node& yaml() const { return node_; }

  // Map access. `has` is false for absent keys and explicit nulls.
  bool has(std::string_view name) const;
  ConfigNode operator[](std::string_view name) const;  // throws when absent
  std::optional<ConfigNode> get(std::string_view name) const;
  // The child, or an empty map in its place (a section whose keys all take their defaults).
  ConfigNode get_or_empty_map(std::string_view name) const;
  // Throws naming the first key not in `known`; requires a map.
  void only_keys(std::initializer_list<std::string_view> known) const;
  void expect_map() const;
  std::vector<std::string> keys() const;

  // Sequence access; a scalar reads as a one-item list where `list` is used.
  std::vector<ConfigNode> items() const;
  std::vector<std::string> string_list() const;

  std::string str() const;
  int64_t integer(int64_t min, int64_t max) const;
  bool boolean() const;
  // "15s", "500ms", "2m", "1h" or a bare number of seconds, in milliseconds.
  int64_t duration_ms() const;
  // "1MiB", "64KiB", "512k", or a bare byte count.
  int64_t bytes() const;
  // A map of string to string (headers and pass-through properties).
  std::map<std::string, std::string> string_map() const;

  // Notes, for --print-config, a default used for the absent key `name` (the *_or accessors
  // do it themselves; this is for defaults a parser sets in code).
  void note_default(std::string_view name, const std::string& value) const;

  std::string where() const;  // "file:line:col: key 'a.b'"
  [[noreturn]] void fail(const std::string& message) const;

  // Convenience: the value at `name` or `fallback` when absent.
  std::string str_or(std::string_view name, const std::string& fallback) const;
  int64_t int_or(std::string_view name, int64_t fallback, int64_t min, int64_t max) const;
  bool bool_or(std::string_view name, bool fallback) const;
  int64_t duration_or(std::string_view name, int64_t fallback_ms) const;
  int64_t bytes_or(std::string_view name, int64_t fallback) const;

 private:
  ConfigNode make_child(YAML::Node node, std::string key) const;

  YAML::Node node_;
  std::string file_;
  std::string key_;
  const EnvLookup* env_;
  ConfigRecord* record_;
};

}  // namespace ssegw
