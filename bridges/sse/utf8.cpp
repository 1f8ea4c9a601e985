#include "bridges/sse/utf8.h"

#include <cstdint>
#include <cstring>

namespace ssegw::sse {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Looks at the multi-byte sequence (or stray byte) starting at p, with `avail` bytes left.
// Returns how many bytes it covers; `valid` says whether they are one well-formed code point
// or one maximal invalid subpart, which the decoder turns into a single U+FFFD. The ranges
// are those of the Encoding standard's UTF-8 decoder (no overlongs, surrogates or > U+10FFFF).
size_t step(const unsigned char* p, size_t avail, bool& valid) {
  const unsigned char lead = p[0];
  size_t needed = 0;
  unsigned char lower = 0x80, upper = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    needed = 1;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    needed = 2;
    if (lead == 0xE0) lower = 0xA0;
    if (lead == 0xED) upper = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    needed = 3;
    if (lead == 0xF0) lower = 0x90;
    if (lead == 0xF4) upper = 0x8F;
  } else {
    valid = false;
    return 1;
  }
  size_t seen = 1;
  while (seen <= needed) {
    if (seen >= avail || p[seen] < lower || p[seen] > upper) {
      valid = false;  // the offending byte is not consumed: it starts the next step
      return seen;
    }
    lower = 0x80;
    upper = 0xBF;
    ++seen;
  }
  valid = true;
  return seen;
}

}  // namespace

size_t valid_utf8_prefix(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // ASCII runs are the common case: check 16 bytes per iteration.
    while (i + 16 <= n) {
      uint64_t a, b;
      std::memcpy(&a, p + i, 8);
      std::memcpy(&b, p + i + 8, 8);
      if ((a | b) & kHighBits) break;
      i += 16;
    }
    if (i >= n) break;
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    bool valid = false;
    const size_t len = step(p + i, n - i, valid);
    if (!valid) return i;
    i += len;
  }
  return n;
}

void append_utf8_replacing(std::string_view text, std::string& out) {
  size_t done = valid_utf8_prefix(text);
  out.append(text.data(), done);
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  while (done < text.size()) {
    bool valid = false;
    const size_t len = step(p + done, text.size() - done, valid);
    if (valid) {
      out.append(text.data() + done, len);
    } else {
      out.append("\xEF\xBF\xBD");
    }
    done += len;
    const size_t run = valid_utf8_prefix(text.substr(done));
    out.append(text.data() + done, run);
    done += run;
  }
}

}  // namespace ssegw::sse
