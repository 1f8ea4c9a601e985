#pragma once
// The effective config, as the loader read it: every key it looked at, with the value it
// found or the default it used instead, so `--print-config` shows what the gateway runs on
// without a printer per section (bridges included). ConfigNode records into it as it reads;
// secrets (values from {{ VAR }}, and keys named like passwords and tokens) print as ***.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ssegw {

class ConfigRecord {
 public:
  ConfigRecord();
  ~ConfigRecord();
  ConfigRecord(const ConfigRecord&) = delete;
  ConfigRecord& operator=(const ConfigRecord&) = delete;

  // `key` is a ConfigNode key ("channels[0].history.size"); a later value replaces an earlier.
  void scalar(const std::string& key, const std::string& value, bool secret);
  // `from_env`: the names whose values came from {{ VAR }}.
  void map(const std::string& key, const std::map<std::string, std::string>& entries,
           const std::set<std::string>& from_env);

  // As YAML text, in the order the keys were first read.
  std::string yaml() const;

  // Whether a key's last part names a secret (password, token, secret, ...).
  static bool secret_key(const std::string& key);

 private:
  struct Tree;
  Tree& at(const std::string& key);
  std::unique_ptr<Tree> root_;
};

}  // namespace ssegw
