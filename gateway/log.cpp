#include "log.h"

#include <unistd.h>

#include <atomic>
#include <string>

namespace ssegw {
namespace {

// The one process-wide setting: written by main before threads start, read everywhere.
std::atomic<int> g_threshold{static_cast<int>(LogLevel::kInfo)};

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

void append_value(std::string& line, std::string_view v) {
  if (!needs_quotes(v)) {
    line.append(v);
    return;
  }
  line.push_back('"');
  for (char c : v) {
    if (c == '"' || c == '\\') {
      line.push_back('\\');
      line.push_back(c);
    } else if (c == '\n') {
      line.append("\\n");
    } else if (c == '\r') {
      line.append("\\r");
    } else if (static_cast<unsigned char>(c) < 0x20) {
      line.append("\\x");
      const char* hex = "0123456789abcdef";
      line.push_back(hex[(c >> 4) & 0xf]);
      line.push_back(hex[c & 0xf]);
    } else {
      line.push_back(c);
    }
  }
  line.push_back('"');
}

}  // namespace

void set_log_threshold(LogLevel level) {
  g_threshold.store(static_cast<int>(level));
}

void log_line(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_threshold.load(std::memory_order_relaxed)) return;
  std::string line;
  line.reserve(128);
  line.append("level=").append(level_name(level)).append(" msg=");
  append_value(line, msg);
  for (const auto& [key, value] : fields) {
    line.push_back(' ');
    line.append(key).push_back('=');
    append_value(line, value);
  }
  line.push_back('\n');
  // One write per line so lines from several threads never interleave.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace ssegw
