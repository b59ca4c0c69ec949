// Structured logging: one line per event on stderr, as key=value pairs, e.g.
//   ts=2026-11-25T13:00:00.123Z level=info event=model_loaded version=v000003
// Values with spaces or quotes are quoted. Thread-safe; a line is written with
// one call so lines from several threads never interleave.
#ifndef RECSYS_CORE_LOGGING_H_
#define RECSYS_CORE_LOGGING_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace recsys::core {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Lines below this level are dropped. Default kInfo. Set once from main.
void SetMinLogLevel(LogLevel level);
LogLevel MinLogLevel();
// Returns nullopt when `name` is none of debug, info, warning, error.
std::optional<LogLevel> ParseLogLevel(absl::string_view name);

// One key=value field; any absl::StrCat-able value.
struct LogField {
  template <typename T>
  LogField(absl::string_view k, const T& v) : key(k), value(absl::StrCat(v)) {}
  LogField(absl::string_view k, absl::string_view v) : key(k), value(v) {}
  LogField(absl::string_view k, const char* v) : key(k), value(v) {}
  LogField(absl::string_view k, const std::string& v) : key(k), value(v) {}
  absl::string_view key;
  std::string value;
};

void Log(LogLevel level, absl::string_view event,
         std::initializer_list<LogField> fields = {});

// Formats a line without writing it (for tests).
std::string FormatLogLine(LogLevel level, absl::string_view event,
                          std::initializer_list<LogField> fields);

}  // namespace recsys::core

#endif  // RECSYS_CORE_LOGGING_H_
