#include "bridges/kafka/json_pointer.h"

#include <cstdint>
#include <vector>

#include "bridges/common/json_text.h"

namespace ssegw::kafka {
namespace {

constexpr int kMaxDepth = 256;

// A forward-only RFC 8259 scanner over the text.
class JsonScanner {
 public:
  explicit JsonScanner(std::string_view text) : text_(text) {}

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  bool eat(char c) {
    skip_space();
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  size_t pos() const { return pos_; }
  std::string_view slice(size_t from, size_t to) const { return text_.substr(from, to - from); }

  // Skips one value; false if it is not valid JSON.
  bool skip_value(int depth = 0) {
    if (depth > kMaxDepth) return false;
    skip_space();
    switch (peek()) {
      case '{':
        return skip_object(depth);
      case '[':
        return skip_array(depth);
      case '"':
        return read_string(nullptr);
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

  // Reads a string at the cursor; the unescaped text goes to out when non-null.
  bool read_string(std::string* out) {
    skip_space();
    if (peek() != '"') return false;
    ++pos_;
    while (!at_end()) {
      unsigned char c = static_cast<unsigned char>(text_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;
      if (c != '\\') {
        if (out) out->push_back(static_cast<char>(c));
        continue;
      }
      if (at_end()) return false;
      char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          if (out) out->push_back(e);
          break;
        case 'b':
          if (out) out->push_back('\b');
          break;
        case 'f':
          if (out) out->push_back('\f');
          break;
        case 'n':
          if (out) out->push_back('\n');
          break;
        case 'r':
          if (out) out->push_back('\r');
          break;
        case 't':
          if (out) out->push_back('\t');
          break;
        case 'u':
          if (!unicode_escape(out)) return false;
          break;
        default:
          return false;
      }
    }
    return false;
  }

 private:
  bool hex4(uint32_t& value) {
    if (pos_ + 4 > text_.size()) return false;
    value = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        value |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        value |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return false;
    }
    return true;
  }

  bool unicode_escape(std::string* out) {
    uint32_t cp = 0;
    if (!hex4(cp)) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF && pos_ + 1 < text_.size() && text_[pos_] == '\\' &&
        text_[pos_ + 1] == 'u') {
      size_t save = pos_;
      pos_ += 2;
      uint32_t low = 0;
      if (hex4(low) && low >= 0xDC00 && low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      } else {
        pos_ = save;
      }
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // a lone surrogate
    if (out) append_utf8(cp, *out);
    return true;
  }

  static void append_utf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool digits() {
    size_t start = pos_;
    while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool number() {
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (peek() == '.') {
      ++pos_;
      if (!digits()) return false;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!digits()) return false;
    }
    return true;
  }

  bool skip_object(int depth) {
    ++pos_;
    if (eat('}')) return true;
    do {
      if (!read_string(nullptr) || !eat(':') || !skip_value(depth + 1)) return false;
    } while (eat(','));
    return eat('}');
  }

  bool skip_array(int depth) {
    ++pos_;
    if (eat(']')) return true;
    do {
      if (!skip_value(depth + 1)) return false;
    } while (eat(','));
    return eat(']');
  }

  std::string_view text_;
  size_t pos_ = 0;
};

std::vector<std::string> pointer_tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < pointer.size()) {
    ++i;  // the '/'
    std::string token;
    while (i < pointer.size() && pointer[i] != '/') {
      if (pointer[i] == '~') {
        token.push_back(pointer[i + 1] == '0' ? '~' : '/');
        i += 2;
      } else {
        token.push_back(pointer[i++]);
      }
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

bool is_array_index(const std::string& token) {
  if (token.empty() || token.size() > 9) return false;
  if (token.size() > 1 && token[0] == '0') return false;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Moves the scanner onto the member or element `token` of the container at the cursor.
bool descend(JsonScanner& s, const std::string& token) {
  s.skip_space();
  if (s.peek() == '{') {
    s.eat('{');
    if (s.eat('}')) return false;
    do {
      std::string name;
      if (!s.read_string(&name) || !s.eat(':')) return false;
      if (name == token) return true;
      if (!s.skip_value()) return false;
    } while (s.eat(','));
    return false;
  }
  if (s.peek() == '[') {
    if (!is_array_index(token)) return false;
    long index = std::stol(token);
    s.eat('[');
    if (s.eat(']')) return false;
    for (long i = 0;; ++i) {
      if (i == index) return true;
      if (!s.skip_value() || !s.eat(',')) return false;
    }
  }
  return false;
}

}  // namespace

bool is_valid_json_pointer(std::string_view pointer) {
  if (pointer.empty()) return true;
  if (pointer[0] != '/') return false;
  for (size_t i = 0; i < pointer.size(); ++i) {
    if (pointer[i] == '~' &&
        (i + 1 >= pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1')))
      return false;
  }
  return true;
}

std::optional<std::string> json_pointer_value(std::string_view json, std::string_view pointer) {
  if (!is_valid_json_pointer(pointer) || !is_json_text(json)) return std::nullopt;
  JsonScanner s(json);
  for (const std::string& token : pointer_tokens(pointer)) {
    if (!descend(s, token)) return std::nullopt;
  }
  s.skip_space();
  if (s.peek() == '"') {
    std::string value;
    if (!s.read_string(&value)) return std::nullopt;
    return value;
  }
  size_t start = s.pos();
  if (!s.skip_value()) return std::nullopt;
  return std::string(s.slice(start, s.pos()));
}

}  // namespace ssegw::kafka
