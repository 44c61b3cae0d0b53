#include "runtime/session.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "base/resident.h"
#include "onnx/loader.h"
#include "onnx/writer.h"
#include "passes/pass.h"
#include "runtime/function_expand.h"
#include "runtime/profiler.h"
#include "runtime/thread_pool.h"
#include "ukernels/pack.h"
#include "shape/infer.h"

namespace onyx {

namespace {

using Clock = std::chrono::steady_clock;

// The limit a session gets when its options leave memory_limit_bytes at 0:
// three quarters of the memory this process may use (the machine's, or its
// cgroup's when that is lower). One hostile model then gets an error naming
// the size instead of driving the host into swap or the OOM killer; a caller
// who truly wants no cap sets SIZE_MAX.
size_t default_memory_limit() {
  static const size_t limit = [] {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    size_t mem = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0;
    for (const char* f : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
      std::ifstream in(f);
      unsigned long long v = 0;
      if (in >> v && v > 0 && (mem == 0 || v < mem)) mem = static_cast<size_t>(v);  // "max" fails to parse
    }
    return mem ? mem / 4 * 3 : size_t{0};
  }();
  return limit;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string names_of(const std::vector<IoInfo>& v) {
  std::string s;
  for (const IoInfo& i : v) s += (s.empty() ? "'" : ", '") + i.name + "'";
  return s.empty() ? "(none)" : s;
}

// Checks a fed value against the declared type of a graph input.
void check_input(const IoInfo& info, const Value& v) {
  using K = ir::Type::Kind;
  const ir::Type& t = info.type;
  auto mismatch = [&](const std::string& why) {
    fail(ErrorCode::kInvalidArgument, "input '", info.name, "': expected ", t.str(), " but got ",
         v.is_tensor() ? "tensor " + v.tensor().describe() : v.describe(), why.empty() ? "" : " (" + why + ")");
  };
  switch (t.kind) {
    case K::kUnknown: return;
    case K::kTensor: {
      if (!v.is_tensor()) mismatch("not a tensor");
      const Tensor& x = v.tensor();
      if (t.elem != DataType::kUndefined && x.dtype() != t.elem)
        mismatch(std::string("element type ") + dtype_name(x.dtype()) + " instead of " + dtype_name(t.elem));
      if (!t.has_shape) return;
      if (x.rank() != t.rank())
        mismatch("rank " + std::to_string(x.rank()) + " instead of " + std::to_string(t.rank()));
      for (int d = 0; d < x.rank(); ++d) {
        const ir::Dim& want = t.dims[static_cast<size_t>(d)];
        if (want.known() && want.value != x.dim(d))
          mismatch("dim " + std::to_string(d) + " is " + std::to_string(x.dim(d)) + ", the model needs " +
                   std::to_string(want.value));
      }
      return;
    }
    case K::kSequence:
      if (!v.is_sequence()) mismatch("not a sequence");
      return;
    case K::kMap:
      if (!v.is_map()) mismatch("not a map");
      return;
    case K::kOptional:
      if (!v.is_none() && t.inner && t.inner->kind == K::kTensor && !v.is_tensor()) mismatch("");
      return;
    case K::kSparseTensor: mismatch("sparse tensor inputs are not supported");
  }
}

// Drops from the resident set the pages of every mapped file the graph's
// constants live in (see base/resident.h: the page cache keeps them).
void release_mapped_pages(const ir::Graph& g) {
  std::unordered_set<const void*> done;
  for (const ir::Value* v : g.initializers) {
    if (!v->is_constant() || v->constant.nbytes() == 0) continue;
    const void* m = resident::mapping_of(v->constant.raw());
    if (m && done.insert(m).second) resident::release_mapping(m);
  }
}

// The memory pattern's key for a run: element type and shape of every fed
// graph input, and which optional ones are absent. Empty when an input is not
// a tensor (a sequence's items are not in the key): such runs go without.
std::string signature_of(std::span<const Value* const> feeds) {
  std::vector<int64_t> key;
  key.reserve(feeds.size() * 5);
  for (const Value* v : feeds) {
    if (!v) {
      key.push_back(-1);
      continue;
    }
    if (!v->is_tensor()) return {};
    const Tensor& t = v->tensor();
    key.push_back(static_cast<int64_t>(t.dtype()));
    key.push_back(t.rank());
    key.insert(key.end(), t.shape().begin(), t.shape().end());
  }
  return std::string(reinterpret_cast<const char*>(key.data()), key.size() * sizeof(int64_t));
}

// ONYX_MEM_PATTERN=0 turns the memory pattern off in every session (a debugging
// escape hatch, as when a buffer is suspected of being overwritten).
bool mem_pattern_env_off() {
  static const bool off = [] {
    const char* e = std::getenv("ONYX_MEM_PATTERN");
    return e && std::string(e) == "0";
  }();
  return off;
}

// The session's intra-op pool; made before loading, which copies weights on it.
std::unique_ptr<ThreadPool> make_pool(const SessionOptions& options) {
  return std::make_unique<ThreadPool>(options.intra_op_threads > 0 ? options.intra_op_threads
                                                                   : ThreadPool::default_threads());
}

}  // namespace

Session::~Session() = default;

std::unique_ptr<Session> Session::create(const std::string& path, const SessionOptions& options) {
  auto t0 = Clock::now();
  std::unique_ptr<Session> s(new Session());
  s->options_ = options;
  s->pool_ = make_pool(options);
  onnx::LoadOptions lo;
  lo.pool = s->pool_.get();
  s->build(onnx::load_model_file(path, lo));
  s->create_ms_ = ms_since(t0);
  return s;
}

std::unique_ptr<Session> Session::create(const void* data, size_t size, const SessionOptions& options,
                                         std::shared_ptr<void> owner) {
  auto t0 = Clock::now();
  std::unique_ptr<Session> s(new Session());
  s->options_ = options;
  const bool callers_bytes = owner != nullptr;
  if (!owner) {
    // The caller's buffer may go away after this call: keep our own copy.
    auto copy = std::shared_ptr<uint8_t[]>(new uint8_t[size ? size : 1]);
    if (size) std::memcpy(copy.get(), data, size);
    data = copy.get();
    owner = copy;
  }
  // Constants may point into the caller's bytes: never drop those pages.
  std::optional<resident::ForeignBytes> foreign;
  if (callers_bytes) foreign.emplace(data, size);
  s->pool_ = make_pool(options);
  onnx::LoadOptions lo;
  lo.external_data_dir = options.external_data_dir;
  lo.pool = s->pool_.get();
  s->build(onnx::load_model_bytes(data, size, owner, lo));
  s->create_ms_ = ms_since(t0);
  return s;
}

void Session::build(std::unique_ptr<ir::Model> model) {
  model_ = std::move(model);
  ir::Graph& g = *model_->graph;
  infer_graph(g);
  if (!pool_) pool_ = make_pool(options_);
  const int threads = pool_->num_threads();
  // Passes (fusions that concatenate weights) and kernels (weight packing)
  // work on the session's threads while it is created (ukernels/pack.h).
  std::optional<ukernel::PackPoolScope> packing(pool_.get());
  // Ops ONNX defines as functions run as their bodies when no kernel takes
  // them; again after the passes, which may create such nodes.
  try {
    expand_function_ops(g, options_);
    optimize_graph(*model_, options_);
    expand_function_ops(g, options_);
  } catch (const Error& e) {
    throw e.with_context(model_->describe());
  }
  // "optimized model file path": the graph after inference and passes, as an
  // ONNX model (fused ops in com.onyx) that a later session loads back.
  if (!options_.optimized_model_path.empty()) {
    try {
      onnx::save_model(*model_, options_.optimized_model_path);
    } catch (const Error& e) {
      throw e.with_context(model_->describe() + ": optimized model file '" + options_.optimized_model_path + "'");
    }
  }
  for (ir::Value* v : g.inputs) {
    if (v->is_constant()) overridable_.push_back({v->name, v->type});
    else inputs_.push_back({v->name, v->type});
  }
  for (ir::Value* v : g.outputs) outputs_.push_back({v->name, v->type});
  release_mapped_pages(g);  // read by the passes (folding, fusion); runs fault back what they use
  try {
    plan_ = compile_plan(g, options_);
  } catch (const Error& e) {
    throw e.with_context(model_->describe());
  }
  packing.reset();
  release_mapped_pages(g);  // read by weight packing
  if (options_.memory_limit_bytes == 0) options_.memory_limit_bytes = default_memory_limit();
  alloc_ = std::make_shared<Allocator>(options_.memory_limit_bytes);
  if (options_.enable_mem_pattern && !mem_pattern_env_off()) patterns_ = std::make_unique<MemoryPatternCache>();
  if (options_.enable_profiling) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    std::string path = options_.profile_file_prefix + "_" +
                       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) + ".json";
    profiler_ = std::make_unique<Profiler>(path);
  }
  ONYX_LOG(options_.log_level, LogLevel::kInfo, model_->describe(), ": ", plan_->steps.size(), " steps, ",
           threads, " threads");
}

std::vector<Value> Session::run(std::span<const std::string> input_names, std::span<const Value> inputs,
                                std::span<const std::string> output_names, const RunOptions& run_options) const {
  auto t0 = Clock::now();
  if (input_names.size() != inputs.size())
    fail(ErrorCode::kInvalidArgument, "run: ", input_names.size(), " input names but ", inputs.size(), " values");
  const ir::Graph& g = *model_->graph;
  // Plan inputs follow g.inputs; map names to positions there.
  std::vector<const Value*> feeds(g.inputs.size(), nullptr);
  for (size_t i = 0; i < input_names.size(); ++i) {
    const std::string& name = input_names[i];
    size_t pos = g.inputs.size();
    for (size_t k = 0; k < g.inputs.size(); ++k)
      if (g.inputs[k]->name == name) pos = k;
    if (pos == g.inputs.size())
      fail(ErrorCode::kInvalidArgument, "unknown input name '", name, "'; the model's inputs are ", names_of(inputs_));
    if (feeds[pos]) fail(ErrorCode::kInvalidArgument, "input '", name, "' is given twice");
    IoInfo info{name, g.inputs[pos]->type};
    check_input(info, inputs[i]);
    feeds[pos] = &inputs[i];
  }
  for (size_t k = 0; k < g.inputs.size(); ++k)
    if (!feeds[k] && !g.inputs[k]->is_constant() && g.inputs[k]->type.kind != ir::Type::Kind::kOptional)
      fail(ErrorCode::kInvalidArgument, "missing input '", g.inputs[k]->name, "' (", g.inputs[k]->type.str(),
           "); the model's inputs are ", names_of(inputs_));

  std::vector<size_t> want;
  if (output_names.empty()) {
    for (size_t k = 0; k < outputs_.size(); ++k) want.push_back(k);
  } else {
    for (const std::string& name : output_names) {
      size_t pos = outputs_.size();
      for (size_t k = 0; k < outputs_.size(); ++k)
        if (outputs_[k].name == name) pos = k;
      if (pos == outputs_.size())
        fail(ErrorCode::kInvalidArgument, "unknown output name '", name, "'; the model's outputs are ",
             names_of(outputs_));
      want.push_back(pos);
    }
  }

  std::shared_ptr<RunAllocator> run_alloc;
  if (patterns_) {
    std::string sig = signature_of(feeds);
    if (!sig.empty()) run_alloc = patterns_->start_run(sig, alloc_);
  }
  RunState state;
  state.alloc = run_alloc ? static_cast<Allocator*>(run_alloc.get()) : alloc_.get();
  state.pool = pool_.get();
  state.options = &options_;
  state.run_options = &run_options;
  state.profiler = profiler_.get();
  std::vector<Value> all;
  try {
    all = execute_plan(*plan_, feeds, {}, state);
  } catch (...) {
    if (run_alloc) run_alloc->end_run(false);
    throw;
  }
  if (run_alloc) run_alloc->end_run(true);
  std::vector<Value> out;
  out.reserve(want.size());
  for (size_t k : want) out.push_back(all[k]);
  if (profiler_) profiler_->record_span("model_run", t0, Clock::now());
  return out;
}

std::string Session::end_profiling() {
  if (!profiler_) return "";
  std::string path = profiler_->write();
  profiler_.reset();
  return path;
}

size_t Session::peak_tensor_bytes() const { return alloc_->peak_bytes(); }

MemoryPatternStats Session::memory_pattern_stats() const {
  return patterns_ ? patterns_->stats() : MemoryPatternStats{};
}

}  // namespace onyx
