// Per-node timing for one session, written as a Chrome trace (chrome://tracing,
// Perfetto) like ONNX Runtime's profiler, so the same viewers work.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace onyx {

struct Profiler {
  using Clock = std::chrono::steady_clock;
  struct Event {
    std::string name, op, impl;
    int64_t start_us, dur_us;
    uint64_t thread;
  };

  explicit Profiler(std::string path) : path_(std::move(path)), origin_(Clock::now()) {}
  void record(const ir::Node& node, const char* impl, Clock::time_point t0, Clock::time_point t1);
  void record_span(const std::string& name, Clock::time_point t0, Clock::time_point t1);
  // Writes the trace and returns its path.
  std::string write();

 private:
  std::string path_;
  Clock::time_point origin_;
  std::mutex mu_;
  std::vector<Event> events_;
};

}  // namespace onyx
