#include "config_record.h"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <utility>

#include "text.h"

namespace ssegw {

// A map keeps its keys in first-read order; a node is a scalar, a map or a sequence.
struct ConfigRecord::Tree {
  // Two lists, not one of pairs: std::pair may not hold the incomplete Tree (clang refuses).
  std::optional<std::string> value;
  std::vector<std::string> names;
  std::vector<Tree> children;  // children[i] is the value of names[i]
  std::vector<Tree> items;

  void clear_map() {
    names.clear();
    children.clear();
  }
  Tree& child(const std::string& name) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == name) return children[i];
    }
    value.reset();
    items.clear();
    names.push_back(name);
    return children.emplace_back();
  }
  Tree& item(size_t index) {
    value.reset();
    clear_map();
    if (items.size() <= index) items.resize(index + 1);
    return items[index];
  }
  void emit(YAML::Emitter& out) const {
    if (value) {
      out << *value;
    } else if (!items.empty()) {
      out << YAML::BeginSeq;
      for (const Tree& t : items) t.emit(out);
      out << YAML::EndSeq;
    } else {
      out << YAML::BeginMap;
      for (size_t i = 0; i < names.size(); ++i) {
        out << YAML::Key << names[i] << YAML::Value;
        children[i].emit(out);
      }
      out << YAML::EndMap;
    }
  }
};

namespace {

constexpr const char* kMasked = "***";

// "a.b[2][0].c" -> a, b, [2], [0], c; a part in brackets is a sequence index.
std::vector<std::string> key_parts(const std::string& key) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : key) {
    if (c == '.' || c == '[') {
      if (!current.empty()) parts.push_back(current);
      current.clear();
      if (c == '[') current.push_back('[');
    } else if (c == ']') {
      current.push_back(']');
      parts.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) parts.push_back(current);
  return parts;
}

bool secret_header(std::string_view name) {
  const std::string header = ascii_lower(name);
  return header == "authorization" || header == "proxy-authorization" || header == "cookie" ||
         header == "x-api-key";
}

// Headers written as text ("Authorization: Bearer x, Accept: ...", or one per list item):
// the whole value is masked when it names a secret header.
bool names_secret_header(const std::string& key, const std::string& value) {
  const size_t cut = key.find_last_of('.');
  const std::string last = key.substr(cut == std::string::npos ? 0 : cut + 1);
  if (last.rfind("headers", 0) != 0) return false;
  const std::string text = ascii_lower(value);
  for (const char* name : {"authorization", "cookie", "x-api-key"}) {
    if (text.find(name) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

ConfigRecord::ConfigRecord() : root_(std::make_unique<Tree>()) {}
ConfigRecord::~ConfigRecord() = default;

ConfigRecord::Tree& ConfigRecord::at(const std::string& key) {
  Tree* node = root_.get();
  for (const std::string& part : key_parts(key)) {
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
      node = &node->item(std::stoul(part.substr(1, part.size() - 2)));
    } else {
      node = &node->child(part);
    }
  }
  return *node;
}

void ConfigRecord::scalar(const std::string& key, const std::string& value, bool secret) {
  Tree& node = at(key);
  node.clear_map();
  node.items.clear();
  node.value = secret || secret_key(key) || names_secret_header(key, value) ? kMasked : value;
}

void ConfigRecord::map(const std::string& key, const std::map<std::string, std::string>& entries,
                       const std::set<std::string>& from_env) {
  Tree& node = at(key);
  node.value.reset();
  node.items.clear();
  node.clear_map();
  for (const auto& [name, value] : entries) {
    const bool secret = from_env.count(name) > 0 || secret_key(name) || secret_header(name);
    node.names.push_back(name);
    node.children.emplace_back().value = secret ? kMasked : value;
  }
}

bool ConfigRecord::secret_key(const std::string& key) {
  const size_t cut = key.find_last_of(".]");
  const std::string last = ascii_lower(cut == std::string::npos ? key : key.substr(cut + 1));
  for (const char* word : {"password", "passwd", "secret", "passphrase", "api_key", "apikey"}) {
    if (last.find(word) != std::string::npos) return true;
  }
  return last == "token" || (last.size() > 6 && last.compare(last.size() - 6, 6, "_token") == 0);
}

std::string ConfigRecord::yaml() const {
  YAML::Emitter out;
  root_->emit(out);
  return std::string(out.c_str()) + "\n";
}

}  // namespace ssegw
