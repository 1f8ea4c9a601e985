#include "log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

#include "clock.h"
#include "json_text.h"

namespace ssegw {
namespace {

// The process-wide settings: written by main before threads start, read everywhere.
std::atomic<int> g_threshold{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};

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

std::string text_line(LogLevel level, std::string_view msg,
                      std::initializer_list<LogField> fields) {
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
  return line;
}

// RFC 3339 in UTC with milliseconds, as log shippers parse without configuration.
void append_timestamp(std::string& out, int64_t wall_ms) {
  const std::time_t seconds = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  out.append(text, n);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(wall_ms % 1000));
  out.append(millis);
}

std::string json_line(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields,
                      int64_t wall_ms) {
  std::string line;
  line.reserve(160);
  line.append("{\"ts\":\"");
  append_timestamp(line, wall_ms);
  line.append("\",\"level\":\"").append(level_name(level)).append("\",\"msg\":");
  append_json_string_utf8(line, msg);
  for (const auto& [key, value] : fields) {
    line.push_back(',');
    append_json_string_utf8(line, key);
    line.push_back(':');
    append_json_string_utf8(line, value);
  }
  line.append("}\n");
  return line;
}

}  // namespace

void set_log_threshold(LogLevel level) {
  g_threshold.store(static_cast<int>(level));
}

void set_log_format(LogFormat format) {
  g_format.store(static_cast<int>(format));
}

std::string format_log_line(LogFormat format, LogLevel level, std::string_view msg,
                            std::initializer_list<LogField> fields, int64_t wall_ms) {
  return format == LogFormat::kJson ? json_line(level, msg, fields, wall_ms)
                                    : text_line(level, msg, fields);
}

void log_line(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_threshold.load(std::memory_order_relaxed)) return;
  const auto format = static_cast<LogFormat>(g_format.load(std::memory_order_relaxed));
  const std::string line = format_log_line(format, level, msg, fields, wall_ms());
  // One write per line so lines from several threads never interleave.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace ssegw
