// Session and run options (the engine-side counterparts of ONNX Runtime's
// SessionOptions / RunOptions).
#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <string>

#include "base/log.h"

namespace onyx {

enum class OptLevel : int { kDisabled = 0, kBasic = 1, kExtended = 2, kAll = 99 };

struct SessionOptions {
  int intra_op_threads = 0;  // 0 = one per physical core
  int inter_op_threads = 0;  // accepted for compatibility; nodes run in order
  OptLevel opt_level = OptLevel::kAll;
  LogLevel log_level = LogLevel::kWarning;
  // Use only the plain reference kernels (the oracle the fast ones are tested against).
  bool reference_kernels = false;
  // Refuse allocations that take the session's live tensor bytes past this (0 = no limit).
  size_t memory_limit_bytes = 0;
  // Folder for external data of models created from bytes.
  std::string external_data_dir;
  // When set, the optimised graph is written there as an ONNX model.
  std::string optimized_model_path;
  // Memory pattern (ONNX Runtime's enable_mem_pattern): runs whose input shapes
  // were seen before take their intermediates from one arena at offsets planned
  // from an earlier run (runtime/memory_pattern.h). Off: every intermediate
  // comes from the session's caching allocator, one by one.
  bool enable_mem_pattern = true;
  bool enable_profiling = false;
  std::string profile_file_prefix = "onyx_profile";
  std::map<std::string, std::string> config;  // free-form session config entries
};

struct RunOptions {
  LogLevel log_level = LogLevel::kWarning;
  std::string tag;
  // Set from another thread to make a running Run stop with an error.
  std::atomic<bool>* terminate = nullptr;
};

}  // namespace onyx
