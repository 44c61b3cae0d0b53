// A loaded, compiled model ready to run.
//
// Creation: load (onnx/loader) -> infer shapes (shape/) -> optimise (passes/)
// -> compile a plan (kernel per node) -> ready. Run validates the caller's
// inputs against the model's declared inputs (names, types, static dims) and
// executes the plan; Run is const and safe to call from several threads.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "runtime/memory_pattern.h"
#include "runtime/options.h"
#include "runtime/plan.h"

namespace onyx {

class ThreadPool;
struct Profiler;

struct IoInfo {
  std::string name;
  ir::Type type;
};

class Session {
 public:
  static std::unique_ptr<Session> create(const std::string& path, const SessionOptions& options = {});
  // The bytes are copied unless `owner` is given, which then keeps them alive.
  static std::unique_ptr<Session> create(const void* data, size_t size, const SessionOptions& options = {},
                                         std::shared_ptr<void> owner = nullptr);
  ~Session();

  const std::vector<IoInfo>& inputs() const { return inputs_; }
  const std::vector<IoInfo>& outputs() const { return outputs_; }
  // Initializers the caller may override by feeding an input of the same name.
  const std::vector<IoInfo>& overridable_initializers() const { return overridable_; }
  const ir::Model& model() const { return *model_; }
  const SessionOptions& options() const { return options_; }
  const Plan& plan() const { return *plan_; }
  double create_ms() const { return create_ms_; }

  // Runs with named inputs; returns the requested outputs in order (all
  // outputs when `output_names` is empty).
  std::vector<Value> run(std::span<const std::string> input_names, std::span<const Value> inputs,
                         std::span<const std::string> output_names, const RunOptions& run_options = {}) const;

  // Stops profiling and writes the trace; returns its path ("" when off).
  std::string end_profiling();
  size_t peak_tensor_bytes() const;
  // The memory pattern's counters (all zero when it is off): how many runs
  // recorded a new shape signature, how many took an arena, how many
  // requests it served. A debug stat for tests and tuning.
  MemoryPatternStats memory_pattern_stats() const;

 private:
  Session() = default;
  void build(std::unique_ptr<ir::Model> model);

  SessionOptions options_;
  std::unique_ptr<ir::Model> model_;
  std::shared_ptr<const Plan> plan_;
  std::vector<IoInfo> inputs_, outputs_, overridable_;
  std::vector<int> feed_index_;  // plan input i <- position in inputs_ / overridable_ namespace
  std::shared_ptr<Allocator> alloc_;
  std::unique_ptr<MemoryPatternCache> patterns_;  // null when the memory pattern is off
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Profiler> profiler_;
  double create_ms_ = 0;
};

}  // namespace onyx
