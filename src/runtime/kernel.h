// What a kernel is, and how it registers itself.
//
// An op is written in one file under src/kernels/<family>/: its shape/type
// inference function, its plain reference kernel, and one registration line
//
//   ONYX_KERNEL({.op = "Relu", .since = 6, .types = kFloatTypes,
//                .infer = infer::same_as_input, .create = create<Relu>});
//
// There is no central list: the registrar object adds the definition to the
// registry when the library is loaded. A faster kernel for the same op lives
// in its own file and registers with a higher priority; the reference kernel
// stays as the oracle that tests compare the fast one against.
//
// Kernels are created once per node at session creation (KernelInit: attributes,
// inferred input types, constant inputs, e.g. for pre-packing weights) and are
// immutable afterwards: run() is const and may be called from several threads
// at once, each with its own KernelContext.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/tensor.h"
#include "ir/graph.h"

namespace onyx {

class ThreadPool;
struct Plan;
struct SessionOptions;
class KernelContext;
class InferContext;

inline constexpr int kMaxOpset = 1 << 20;

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void run(KernelContext& ctx) const = 0;
};

// Creation-time view of a node.
struct KernelInit {
  const ir::Node& node;
  std::vector<ir::Type> input_types;   // inferred (kind kUnknown where inference could not tell)
  std::vector<ir::Type> output_types;
  const SessionOptions& options;
  // Compiles a subgraph attribute of this node into an executable plan.
  std::function<std::shared_ptr<const Plan>(const ir::Graph&)> compile_subgraph;

  int opset() const { return node.opset; }
  // Element type of input i (kUndefined when absent or unknown).
  DataType input_dtype(int i) const;
  // The value of input i when it is a constant (initializer), else null.
  const Tensor* constant_input(int i) const;
  bool has_input(int i) const { return node.input(i) != nullptr; }
};

using KernelFactory = std::function<std::unique_ptr<Kernel>(const KernelInit&)>;
using InferFn = void (*)(InferContext&);

template <typename K>
std::unique_ptr<Kernel> create(const KernelInit& init) {
  return std::make_unique<K>(init);
}

// One registration: which nodes a kernel handles and how to build it.
struct KernelDef {
  std::string domain;  // "" = ai.onnx
  std::string op;
  int since = 1;           // first opset version handled
  int until = kMaxOpset;   // last opset version handled (inclusive)
  // Element types accepted for input `type_input` (empty: any).
  std::vector<DataType> types;
  int type_input = 0;
  int priority = 0;        // among matches, the highest wins (reference kernels: 0)
  const char* impl = "reference";
  InferFn infer = nullptr;  // shape and type inference (usually on the reference kernel)
  KernelFactory create;     // may return null to decline (e.g. an attribute it does not cover)
};

class KernelRegistry {
 public:
  static KernelRegistry& global();
  void add(KernelDef def);
  // Candidates for a node, best first.
  std::vector<const KernelDef*> find(std::string_view domain, std::string_view op, int opset) const;
  // The inference function for (domain, op, opset), or null.
  InferFn infer_fn(std::string_view domain, std::string_view op, int opset) const;
  // Whether any kernel exists for (domain, op) at any opset (for error messages).
  bool knows(std::string_view domain, std::string_view op) const;
  const std::vector<KernelDef>& all() const { return defs_; }

 private:
  std::vector<KernelDef> defs_;
};

struct KernelRegistrar {
  explicit KernelRegistrar(KernelDef def) { KernelRegistry::global().add(std::move(def)); }
};

#define ONYX_CONCAT_INNER(a, b) a##b
#define ONYX_CONCAT(a, b) ONYX_CONCAT_INNER(a, b)
// Registers a KernelDef from the file that defines the kernel.
#define ONYX_KERNEL(...) \
  static const ::onyx::KernelRegistrar ONYX_CONCAT(onyx_kernel_registrar_, __LINE__)(::onyx::KernelDef __VA_ARGS__)

// Common type lists for KernelDef::types. Inline variables: every file that
// registers a kernel initialises them (once, guarded) before its own
// registrar runs, whatever the order of static initialisation across files.
inline const std::vector<DataType> kFloatTypes = {DataType::kFloat, DataType::kDouble, DataType::kFloat16,
                                                  DataType::kBFloat16};
inline const std::vector<DataType> kIntTypes = {DataType::kInt8,  DataType::kInt16,  DataType::kInt32,
                                                DataType::kInt64, DataType::kUInt8,  DataType::kUInt16,
                                                DataType::kUInt32, DataType::kUInt64};
inline const std::vector<DataType> kNumericTypes = {
    DataType::kFloat, DataType::kDouble, DataType::kFloat16, DataType::kBFloat16, DataType::kInt8, DataType::kInt16,
    DataType::kInt32, DataType::kInt64,  DataType::kUInt8,   DataType::kUInt16,   DataType::kUInt32, DataType::kUInt64};
inline const std::vector<DataType> kAllTypes = {
    DataType::kFloat,  DataType::kDouble,       DataType::kFloat16,        DataType::kBFloat16,
    DataType::kInt8,   DataType::kInt16,        DataType::kInt32,          DataType::kInt64,
    DataType::kUInt8,  DataType::kUInt16,       DataType::kUInt32,         DataType::kUInt64,
    DataType::kBool,   DataType::kString,       DataType::kFloat8E4M3FN,   DataType::kFloat8E4M3FNUZ,
    DataType::kFloat8E5M2, DataType::kFloat8E5M2FNUZ, DataType::kFloat8E8M0, DataType::kComplex64,
    DataType::kComplex128};

// Run-time view of one node execution.
class KernelContext {
 public:
  const ir::Node& node() const { return *node_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }

  // The value on input i; null when the input is omitted or out of range.
  const Value* input_value(int i) const {
    return i >= 0 && i < num_inputs() ? inputs_[static_cast<size_t>(i)] : nullptr;
  }
  bool has_input(int i) const {
    const Value* v = input_value(i);
    return v && !v->is_none();
  }
  // Input i as a tensor; throws (naming the input) when missing or not a tensor.
  const Tensor& input(int i) const;
  // Input i as a tensor, or null when omitted.
  const Tensor* optional_input(int i) const;
  // Implicit (outer-scope) inputs of nodes with subgraphs.
  std::span<const Value* const> implicit_inputs() const { return implicit_; }

  // Whether output i exists in the graph (omitted optional outputs do not).
  bool output_wanted(int i) const { return i < num_outputs() && outputs_[static_cast<size_t>(i)] != nullptr; }
  // Allocates output i. Throws if output i was omitted: check output_wanted for optional outputs.
  Tensor& output(int i, Shape shape, DataType dtype);
  // Allocates output i, or (in place) gives it the bytes of the first input
  // in `ins` that the executor lets go: the input dies at this node, nothing
  // else holds its storage, and dtype and element count match. The output
  // then aliases that input, so only kernels that read each element before
  // writing the same one (elementwise, row-wise) may call it, and only with
  // inputs of the output's own shape (not broadcast).
  Tensor& output_in_place(int i, std::initializer_list<int> ins, Shape shape, DataType dtype);
  // Sets output i to an existing value (a view, a sequence, an input passed through).
  void set_output(int i, Value v);

  Allocator* allocator() const { return alloc_; }
  ThreadPool* pool() const { return pool_; }
  const SessionOptions& options() const { return *options_; }

  // Runs a compiled subgraph with explicit inputs; outer-scope values are bound
  // from this node's implicit inputs. Returns the subgraph's outputs.
  std::vector<Value> run_subgraph(const Plan& plan, std::span<const Value> inputs) const;
  // Whether the caller asked this Run to stop (RunOptions::terminate). The
  // executor checks it between steps; Loop and Scan also check it between
  // iterations, since a body may have no steps at all.
  bool terminate_requested() const;

  // Internal: set up by the executor. donors[i]: input i's value when the
  // executor lets it go at this node (see output_in_place), else null.
  void set_donors(std::span<Value* const> donors) { donors_ = donors; }
  KernelContext(const ir::Node* node, std::span<const Value* const> inputs, std::span<const Value* const> implicit,
                std::span<Value*> outputs, Allocator* alloc, ThreadPool* pool, const SessionOptions* options,
                const struct RunState* run)
      : node_(node), inputs_(inputs), implicit_(implicit), outputs_(outputs), alloc_(alloc), pool_(pool),
        options_(options), run_(run) {}

 private:
  const ir::Node* node_;
  std::span<const Value* const> inputs_;
  std::span<const Value* const> implicit_;
  std::span<Value*> outputs_;
  std::span<Value* const> donors_;
  Allocator* alloc_;
  ThreadPool* pool_;
  const SessionOptions* options_;
  const struct RunState* run_;
};

}  // namespace onyx
