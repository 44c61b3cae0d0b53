// Minimal leveled logging to stderr. Levels follow ONNX Runtime's severities
// (0 verbose, 1 info, 2 warning, 3 error, 4 fatal) so options map one to one.
#pragma once

#include <string>

#include "base/error.h"

namespace onyx {

enum class LogLevel : int { kVerbose = 0, kInfo = 1, kWarning = 2, kError = 3, kFatal = 4 };

void log_write(LogLevel level, const std::string& msg);

// Logs when `level` is at least `threshold`; the message is built only then.
#define ONYX_LOG(threshold, level, ...)                                                  \
  do {                                                                                   \
    if (static_cast<int>(level) >= static_cast<int>(threshold))                         \
      ::onyx::log_write(level, ::onyx::str_cat(__VA_ARGS__));                           \
  } while (0)

}  // namespace onyx
