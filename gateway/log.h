#pragma once
// One line per record, "level=info msg=\"...\" key=value ...", to stderr for journald.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace ssegw {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

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

// Set once by main before any thread starts (SSEGW_LOG_LEVEL or config).
void set_log_threshold(LogLevel level);

}  // namespace ssegw
