// Execution plan: a graph compiled into a list of kernel steps over value slots.
//
// Every value of the graph gets a slot number. Constants live in the plan and
// are shared by all runs; everything else lives in a per-run slot table, so
// one plan serves concurrent Run calls. Each step lists the slots whose last
// use it is, and the executor frees them right after the step: an
// intermediate lives exactly as long as it is needed.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "runtime/kernel.h"
#include "runtime/options.h"

namespace onyx {

struct Step {
  const ir::Node* node = nullptr;
  std::unique_ptr<Kernel> kernel;
  const char* impl = "";
  std::vector<int32_t> inputs;    // -1 = omitted optional input
  std::vector<int32_t> implicit;  // outer-scope values its subgraphs use
  std::vector<int32_t> outputs;   // -1 = omitted optional output
  std::vector<int32_t> release;   // slots whose last use is this step
  // Per input: whether its slot dies at this step and the step reads it only
  // there (not twice, not as an implicit input), so a kernel may write its
  // output over it (KernelContext::output_in_place).
  std::vector<uint8_t> dying;
};

struct Plan {
  const ir::Graph* graph = nullptr;
  int32_t num_slots = 0;
  std::vector<Step> steps;
  std::vector<Value> constants;       // by slot; kNone for non-constant slots
  std::vector<int32_t> input_slots;   // graph inputs, in order
  std::vector<int32_t> output_slots;  // graph outputs, in order
  // For subgraphs: slot of each of the owner node's implicit inputs (-1 when
  // this subgraph does not use it; a sibling subgraph does).
  std::vector<int32_t> outer_slots;
  std::vector<const ir::Value*> slot_values;  // for messages
};

// Per-run state shared by all steps (and nested subgraph runs) of one Run.
struct RunState {
  Allocator* alloc = nullptr;
  ThreadPool* pool = nullptr;
  const SessionOptions* options = nullptr;
  const RunOptions* run_options = nullptr;
  struct Profiler* profiler = nullptr;  // null when profiling is off
};

// Compiles `g` (already shape-inferred): selects and creates a kernel per node.
std::shared_ptr<const Plan> compile_plan(const ir::Graph& g, const SessionOptions& options);

// Creates the kernel for one node and runs it once on the given inputs
// (single-threaded, default allocator): constant folding at load.
std::vector<Value> evaluate_node(const ir::Node& node, std::span<const Value* const> inputs,
                                 const SessionOptions& options);

// Runs a plan. `inputs` follow plan.input_slots (null = not given: the slot
// keeps its constant default, if any); `outer` follows plan.outer_slots.
// Returns the values of plan.output_slots.
std::vector<Value> execute_plan(const Plan& plan, std::span<const Value* const> inputs,
                                std::span<const Value* const> outer, const RunState& state);

}  // namespace onyx
