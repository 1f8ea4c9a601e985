#include "bridges/common/json_text.h"

#include <cstdint>
#include <vector>

namespace ssegw {
namespace {

class JsonScanner {
 public:
  explicit JsonScanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool run() {
    skip_ws();
    if (!value()) return false;
    skip_ws();
    return p_ == end_;
  }

 private:
  // One value; containers are walked iteratively with `stack_` holding '{' or '['.
  bool value() {
    while (true) {
      skip_ws();
      if (p_ == end_) return false;
      const char c = *p_;
      if (c == '{' || c == '[') {
        ++p_;
        skip_ws();
        if (p_ < end_ && *p_ == (c == '{' ? '}' : ']')) {
          ++p_;  // empty container: a complete value
        } else {
          stack_.push_back(c);
          if (c == '{' && !member_name()) return false;
          continue;  // parse the first element
        }
      } else if (!scalar()) {
        return false;
      }
      // A value ended: close containers or move to the next element.
      while (true) {
        if (stack_.empty()) return true;
        skip_ws();
        if (p_ == end_) return false;
        const char open = stack_.back();
        if (*p_ == ',') {
          ++p_;
          if (open == '{' && !member_name()) return false;
          break;
        }
        if (*p_ != (open == '{' ? '}' : ']')) return false;
        ++p_;
        stack_.pop_back();
      }
    }
  }

  // "name" and the colon that follows, leaving p_ at the member's value.
  bool member_name() {
    skip_ws();
    if (!string()) return false;
    skip_ws();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    return true;
  }

  bool scalar() {
    switch (*p_) {
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  bool digits() {
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
    return p_ > start;
  }

  bool number() {
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;  // no leading zeros
    } else if (!digits()) {
      return false;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
    }
    return true;
  }

  static bool hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  // Strings: no raw control characters, only the escapes JSON defines. The bytes are UTF-8
  // already (the SSE parser decoded them), so they need no further check here.
  bool string() {
    if (p_ == end_ || *p_ != '"') return false;
    ++p_;
    while (p_ < end_) {
      const auto c = static_cast<unsigned char>(*p_++);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (p_ == end_) return false;
      const char e = *p_++;
      if (e == 'u') {
        if (end_ - p_ < 4 || !hex(p_[0]) || !hex(p_[1]) || !hex(p_[2]) || !hex(p_[3])) {
          return false;
        }
        p_ += 4;
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }

  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  const char* p_;
  const char* end_;
  std::vector<char> stack_;
};

}  // namespace

bool is_json_text(std::string_view text) {
  return JsonScanner(text).run();
}

}  // namespace ssegw
