#include "base/log.h"

#include <cstdio>
#include <mutex>

namespace onyx {

void log_write(LogLevel level, const std::string& msg) {
  static const char* names[] = {"V", "I", "W", "E", "F"};
  static std::mutex mu;
  std::lock_guard<std::mutex> lk(mu);
  std::fprintf(stderr, "[onyx %s] %s\n", names[static_cast<int>(level)], msg.c_str());
}

}  // namespace onyx
