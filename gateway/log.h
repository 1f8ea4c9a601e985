#pragma once
// One line per record to stderr for journald: "level=info msg=\"...\" key=value ..." (text),
// or one JSON object {"ts":..., "level":..., "msg":..., key: value, ...} (json, for log
// shippers), the keys in the same order either way.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace ssegw {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kText = 0, kJson = 1 };

using LogField = std::pair<std::string_view, std::string>;

void log_line(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
inline void log_debug(std::string_view m, std::initializer_list<LogField> f = {}) {
  log_line(LogLevel::kDebug, m, f);
}
inline void log_info(std::string_view m, std::initializer_list<LogField> f = {}) {
  log_line(LogLevel::kInfo, m, f);
}
inline void log_warn(std::string_view m, std::initializer_list<LogField> f = {}) {
  log_line(LogLevel::kWarn, m, f);
}
inline void log_error(std::string_view m, std::initializer_list<LogField> f = {}) {
  log_line(LogLevel::kError, m, f);
}

// Set once by main before any thread starts (from the config).
void set_log_threshold(LogLevel level);
void set_log_format(LogFormat format);

// One record as the format writes it, newline included (log_line writes this).
std::string format_log_line(LogFormat format, LogLevel level, std::string_view msg,
                            std::initializer_list<LogField> fields, int64_t wall_ms);

}  // namespace ssegw
