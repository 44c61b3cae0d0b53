// C API: session options, sessions, run options and Run.
#include <algorithm>

#include "capi/handles.h"
#include "onnx/writer.h"

namespace onyx::capi {

namespace {

// ---- session options ----

OnyxStatus* CreateSessionOptions(OnyxSessionOptions** out) {
  return guard("CreateSessionOptions", [&] {
    require(out, "out");
    *out = publish(std::make_shared<OnyxSessionOptions>());
  });
}

OnyxStatus* CloneSessionOptions(const OnyxSessionOptions* options, OnyxSessionOptions** out) {
  return guard("CloneSessionOptions", [&] {
    auto src = get(options, "options");
    require(out, "out");
    auto copy = std::make_shared<OnyxSessionOptions>();
    {
      std::lock_guard<std::mutex> lk(src->mu);
      copy->options = src->options;
      copy->log_level_set = src->log_level_set;
    }
    *out = publish(std::move(copy));
  });
}

// Runs `set` on the options under their lock.
template <typename Fn>
OnyxStatus* set_option(const char* fn, OnyxSessionOptions* options, Fn&& set) {
  return guard(fn, [&] {
    auto h = get(options, "options");
    std::lock_guard<std::mutex> lk(h->mu);
    set(*h);
  });
}

OnyxStatus* SetIntraOpNumThreads(OnyxSessionOptions* options, int threads) {
  return set_option("SetIntraOpNumThreads", options, [&](OnyxSessionOptions& o) {
    if (threads < 0) fail(ErrorCode::kInvalidArgument, "threads is ", threads, " (0 = one per core)");
    o.options.intra_op_threads = threads;
  });
}

OnyxStatus* SetInterOpNumThreads(OnyxSessionOptions* options, int threads) {
  return set_option("SetInterOpNumThreads", options, [&](OnyxSessionOptions& o) {
    if (threads < 0) fail(ErrorCode::kInvalidArgument, "threads is ", threads, " (0 = default)");
    o.options.inter_op_threads = threads;
  });
}

OnyxStatus* SetGraphOptimizationLevel(OnyxSessionOptions* options, OnyxGraphOptimizationLevel level) {
  return set_option("SetGraphOptimizationLevel", options, [&](OnyxSessionOptions& o) {
    const int raw = enum_bits(level);
    if (raw < 0 || raw > 99)
      fail(ErrorCode::kInvalidArgument, "level ", raw, " is not an optimization level (0, 1, 2 or 99)");
    o.options.opt_level = raw == 0 ? OptLevel::kDisabled
                          : raw == 1 ? OptLevel::kBasic
                          : raw == 99 ? OptLevel::kAll
                                      : OptLevel::kExtended;
  });
}

OnyxStatus* SetSessionLogSeverityLevel(OnyxSessionOptions* options, OnyxLoggingLevel level) {
  return set_option("SetSessionLogSeverityLevel", options, [&](OnyxSessionOptions& o) {
    o.options.log_level = to_log_level(level, "level");
    o.log_level_set = true;
  });
}

OnyxStatus* SetOptimizedModelFilePath(OnyxSessionOptions* options, const char* path) {
  return set_option("SetOptimizedModelFilePath", options, [&](OnyxSessionOptions& o) {
    o.options.optimized_model_path = path ? path : "";
  });
}

OnyxStatus* EnableProfiling(OnyxSessionOptions* options, const char* prefix) {
  return set_option("EnableProfiling", options, [&](OnyxSessionOptions& o) {
    o.options.enable_profiling = true;
    o.options.profile_file_prefix = prefix && *prefix ? prefix : "onyx_profile";
  });
}

OnyxStatus* DisableProfiling(OnyxSessionOptions* options) {
  return set_option("DisableProfiling", options, [&](OnyxSessionOptions& o) { o.options.enable_profiling = false; });
}

OnyxStatus* SetSessionMemoryLimit(OnyxSessionOptions* options, size_t bytes) {
  return set_option("SetSessionMemoryLimit", options,
                    [&](OnyxSessionOptions& o) { o.options.memory_limit_bytes = bytes; });
}

OnyxStatus* SetReferenceKernels(OnyxSessionOptions* options, int enable) {
  return set_option("SetReferenceKernels", options,
                    [&](OnyxSessionOptions& o) { o.options.reference_kernels = enable != 0; });
}

OnyxStatus* SetExternalDataFolder(OnyxSessionOptions* options, const char* folder) {
  return set_option("SetExternalDataFolder", options,
                    [&](OnyxSessionOptions& o) { o.options.external_data_dir = folder ? folder : ""; });
}

OnyxStatus* AddSessionConfigEntry(OnyxSessionOptions* options, const char* key, const char* value) {
  return set_option("AddSessionConfigEntry", options, [&](OnyxSessionOptions& o) {
    require(key, "key");
    require(value, "value");
    if (!*key) fail(ErrorCode::kInvalidArgument, "key is empty");
    o.options.config[key] = value;
  });
}

OnyxStatus* GetSessionConfigEntry(const OnyxSessionOptions* options, const char* key, const char** value) {
  return guard("GetSessionConfigEntry", [&] {
    auto h = get(options, "options");
    require(key, "key");
    require(value, "value");
    std::lock_guard<std::mutex> lk(h->mu);
    auto it = h->options.config.find(key);
    // std::map nodes do not move: the pointer stays valid until the entry is replaced.
    *value = it == h->options.config.end() ? nullptr : it->second.c_str();
  });
}

OnyxStatus* ReleaseSessionOptions(OnyxSessionOptions* options) {
  return guard("ReleaseSessionOptions", [&] { release(options, "options"); });
}

// ---- sessions ----

// "1": only the plain reference kernels (as SetReferenceKernels(options, 1)).
constexpr const char* kConfigReferenceKernels = "session.use_reference_kernels";
// "0": no memory pattern (ONNX Runtime's DisableMemPattern); "1" the default.
constexpr const char* kConfigMemPattern = "session.enable_mem_pattern";

SessionOptions effective_options(const OnyxEnv& env, const OnyxSessionOptions* options) {
  SessionOptions so;
  bool level_set = false;
  if (options) {
    auto h = get(options, "options");
    std::lock_guard<std::mutex> lk(h->mu);
    so = h->options;
    level_set = h->log_level_set;
  }
  if (!level_set) so.log_level = env.log_level;
  // Config entries that stand for typed settings, so the Python module (and
  // any caller that only has AddSessionConfigEntry) can reach them.
  if (auto it = so.config.find(kConfigReferenceKernels); it != so.config.end()) {
    if (it->second == "1") so.reference_kernels = true;
    else if (it->second == "0") so.reference_kernels = false;
    else fail(ErrorCode::kInvalidArgument, "session config entry ", kConfigReferenceKernels, " is '", it->second,
              "'; it must be \"0\" or \"1\"");
  }
  if (auto it = so.config.find(kConfigMemPattern); it != so.config.end()) {
    if (it->second == "1") so.enable_mem_pattern = true;
    else if (it->second == "0") so.enable_mem_pattern = false;
    else fail(ErrorCode::kInvalidArgument, "session config entry ", kConfigMemPattern, " is '", it->second,
              "'; it must be \"0\" or \"1\"");
  }
  return so;
}

void add_range(std::vector<std::pair<uintptr_t, uintptr_t>>& r, const Tensor& t) {
  if (!t.defined() || t.nbytes() == 0 || !t.raw()) return;
  auto b = reinterpret_cast<uintptr_t>(t.raw());
  r.emplace_back(b, b + t.nbytes());
}

void add_ranges(std::vector<std::pair<uintptr_t, uintptr_t>>& r, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kTensor: add_range(r, v.tensor()); break;
    case Value::Kind::kSequence:
      for (const Value& item : v.seq().items) add_ranges(r, item);
      break;
    case Value::Kind::kMap:
      add_range(r, v.map().keys);
      add_range(r, v.map().values);
      break;
    case Value::Kind::kNone: break;
  }
}

OnyxSession* publish_session(std::unique_ptr<Session> s) {
  // SessionOptions::optimized_model_path is written by Session::build.
  auto h = std::make_shared<OnyxSession>();
  auto& ranges = h->constant_ranges;
  for (const Value& c : s->plan().constants) add_ranges(ranges, c);
  // Subgraph constants are not in the top-level plan; the IR still has them.
  ir::for_each_graph(*s->model().graph, [&](ir::Graph& g) {
    for (const ir::Value* v : g.initializers) add_range(ranges, v->constant);
  });
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<uintptr_t, uintptr_t>> merged;
  for (const auto& r : ranges) {
    if (!merged.empty() && r.first <= merged.back().second) merged.back().second = std::max(merged.back().second, r.second);
    else merged.push_back(r);
  }
  ranges = std::move(merged);
  h->session = std::move(s);
  return publish(std::move(h));
}

OnyxStatus* CreateSession(const OnyxEnv* env, const char* path, const OnyxSessionOptions* options,
                          OnyxSession** out) {
  return guard("CreateSession", [&] {
    auto e = get(env, "env");
    require(path, "path");
    require(out, "out");
    *out = publish_session(Session::create(std::string(path), effective_options(*e, options)));
  });
}

OnyxStatus* CreateSessionFromBytes(const OnyxEnv* env, const void* data, size_t size,
                                   const OnyxSessionOptions* options, OnyxSession** out) {
  return guard("CreateSessionFromBytes", [&] {
    auto e = get(env, "env");
    require(data, "data");
    require(out, "out");
    // Session::create copies the bytes (no owner given): the caller may free them.
    *out = publish_session(Session::create(data, size, effective_options(*e, options)));
  });
}

// Which of the session's lists an accessor reads.
enum class IoList { kInputs, kOutputs, kOverridable };

const std::vector<IoInfo>& io_list(const Session& s, IoList which) {
  switch (which) {
    case IoList::kInputs: return s.inputs();
    case IoList::kOutputs: return s.outputs();
    case IoList::kOverridable: break;
  }
  return s.overridable_initializers();
}

const char* io_what(IoList which) {
  switch (which) {
    case IoList::kInputs: return "input";
    case IoList::kOutputs: return "output";
    case IoList::kOverridable: break;
  }
  return "overridable initializer";
}

OnyxStatus* io_count(const char* fn, const OnyxSession* session, size_t* out, IoList which) {
  return guard(fn, [&] {
    auto h = get(session, "session");
    require(out, "out");
    *out = io_list(*h->session, which).size();
  });
}

OnyxStatus* io_name(const char* fn, const OnyxSession* session, size_t index, const char** out, IoList which) {
  return guard(fn, [&] {
    auto h = get(session, "session");
    require(out, "out");
    const auto& list = io_list(*h->session, which);
    check_index(index, list.size(), io_what(which));
    *out = list[index].name.c_str();
  });
}

OnyxStatus* io_type(const char* fn, const OnyxSession* session, size_t index, OnyxTypeInfo** out, IoList which) {
  return guard(fn, [&] {
    auto h = get(session, "session");
    require(out, "out");
    const auto& list = io_list(*h->session, which);
    check_index(index, list.size(), io_what(which));
    *out = publish(std::make_shared<OnyxTypeInfo>(list[index].type));
  });
}

OnyxStatus* SessionGetInputCount(const OnyxSession* s, size_t* out) {
  return io_count("SessionGetInputCount", s, out, IoList::kInputs);
}
OnyxStatus* SessionGetOutputCount(const OnyxSession* s, size_t* out) {
  return io_count("SessionGetOutputCount", s, out, IoList::kOutputs);
}
OnyxStatus* SessionGetOverridableInitializerCount(const OnyxSession* s, size_t* out) {
  return io_count("SessionGetOverridableInitializerCount", s, out, IoList::kOverridable);
}
OnyxStatus* SessionGetInputName(const OnyxSession* s, size_t i, const char** out) {
  return io_name("SessionGetInputName", s, i, out, IoList::kInputs);
}
OnyxStatus* SessionGetOutputName(const OnyxSession* s, size_t i, const char** out) {
  return io_name("SessionGetOutputName", s, i, out, IoList::kOutputs);
}
OnyxStatus* SessionGetOverridableInitializerName(const OnyxSession* s, size_t i, const char** out) {
  return io_name("SessionGetOverridableInitializerName", s, i, out, IoList::kOverridable);
}
OnyxStatus* SessionGetInputTypeInfo(const OnyxSession* s, size_t i, OnyxTypeInfo** out) {
  return io_type("SessionGetInputTypeInfo", s, i, out, IoList::kInputs);
}
OnyxStatus* SessionGetOutputTypeInfo(const OnyxSession* s, size_t i, OnyxTypeInfo** out) {
  return io_type("SessionGetOutputTypeInfo", s, i, out, IoList::kOutputs);
}
OnyxStatus* SessionGetOverridableInitializerTypeInfo(const OnyxSession* s, size_t i, OnyxTypeInfo** out) {
  return io_type("SessionGetOverridableInitializerTypeInfo", s, i, out, IoList::kOverridable);
}

OnyxStatus* SessionGetModelMetadata(const OnyxSession* session, OnyxModelMetadata** out) {
  return guard("SessionGetModelMetadata", [&] {
    auto h = get(session, "session");
    require(out, "out");
    *out = publish(std::make_shared<OnyxModelMetadata>(h->session->model()));
  });
}

// ---- Run ----

bool overlaps_constant(const OnyxSession& s, const Tensor& t) {
  if (!t.defined() || t.nbytes() == 0 || !t.raw() || s.constant_ranges.empty()) return false;
  auto b = reinterpret_cast<uintptr_t>(t.raw());
  uintptr_t e = b + t.nbytes();
  // First range whose end is past b; it overlaps when it starts before e.
  auto it = std::upper_bound(s.constant_ranges.begin(), s.constant_ranges.end(), b,
                             [](uintptr_t x, const std::pair<uintptr_t, uintptr_t>& r) { return x < r.second; });
  return it != s.constant_ranges.end() && it->first < e;
}

// Copies whatever part of `v` aliases the model's constants (see OnyxSession).
Value detach_constants(const OnyxSession& s, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kTensor:
      return overlaps_constant(s, v.tensor()) ? Value(v.tensor().clone()) : v;
    case Value::Kind::kSequence: {
      std::vector<Value> items;
      bool changed = false;
      for (const Value& item : v.seq().items) {
        items.push_back(detach_constants(s, item));
        changed = changed || items.back().kind() != item.kind() ||
                  (item.is_tensor() && items.back().tensor().raw() != item.tensor().raw());
      }
      return changed ? Value::sequence(v.seq().elem_dtype, std::move(items)) : v;
    }
    case Value::Kind::kMap: {
      const auto& m = v.map();
      bool k = overlaps_constant(s, m.keys), w = overlaps_constant(s, m.values);
      if (!k && !w) return v;
      return Value::map(k ? m.keys.clone() : m.keys, w ? m.values.clone() : m.values);
    }
    case Value::Kind::kNone: break;
  }
  return v;
}

OnyxStatus* Run(OnyxSession* session, const OnyxRunOptions* run_options, const char* const* input_names,
                const OnyxValue* const* inputs, size_t input_count, const char* const* output_names,
                size_t output_count, OnyxValue** outputs) {
  return guard("Run", [&] {
    auto h = get(session, "session");
    RunOptions ro;
    std::shared_ptr<OnyxRunOptions> roh;
    if (run_options) {
      roh = get(run_options, "run_options");
      std::lock_guard<std::mutex> lk(roh->mu);
      ro.tag = roh->tag;
      ro.log_level = roh->log_level;
      // The handle outlives this call (roh holds it), so the engine may poll the flag.
      ro.terminate = &roh->terminate;
    }
    if (input_count > 0) {
      require(input_names, "input_names");
      require(inputs, "inputs");
    }
    std::vector<std::string> in_names(input_count);
    std::vector<Value> in_values(input_count);
    std::vector<std::shared_ptr<OnyxValue>> in_handles(input_count);  // alive for the run
    for (size_t i = 0; i < input_count; ++i) {
      if (!input_names[i]) fail(ErrorCode::kInvalidArgument, "input_names[", i, "] is NULL");
      std::string arg = "inputs[" + std::to_string(i) + "] ('" + input_names[i] + "')";
      in_handles[i] = get(inputs[i], arg.c_str());
      in_names[i] = input_names[i];
      in_values[i] = in_handles[i]->value;
    }
    const size_t model_outputs = h->session->outputs().size();
    std::vector<std::string> out_names;
    if (output_names) {
      if (output_count == 0)
        fail(ErrorCode::kInvalidArgument, "output_count is 0; name at least one output (or pass output_names NULL "
             "for all of them)");
      for (size_t i = 0; i < output_count; ++i) {
        if (!output_names[i]) fail(ErrorCode::kInvalidArgument, "output_names[", i, "] is NULL");
        out_names.emplace_back(output_names[i]);
      }
    } else if (output_count != model_outputs) {
      fail(ErrorCode::kInvalidArgument, "output_names is NULL (all outputs) but output_count is ", output_count,
           "; the model has ", model_outputs, " outputs");
    }
    if (output_count > 0) require(outputs, "outputs");

    std::vector<Value> results;
    {
      std::shared_lock<std::shared_mutex> lk(h->mu);
      results = h->session->run(in_names, in_values, out_names, ro);
    }
    if (results.size() != output_count)
      fail(ErrorCode::kEngineError, "the engine returned ", results.size(), " outputs for ", output_count, " requested");
    // Publish all outputs or none: a failure half way releases those made.
    std::vector<OnyxValue*> made;
    try {
      for (Value& r : results) made.push_back(new_value(detach_constants(*h, r), h->session));
    } catch (...) {
      for (OnyxValue* v : made) registry_erase(v);
      throw;
    }
    for (size_t i = 0; i < output_count; ++i) outputs[i] = made[i];
  });
}

OnyxStatus* SessionEndProfiling(OnyxSession* session, const char** path) {
  return guard("SessionEndProfiling", [&] {
    auto h = get(session, "session");
    require(path, "path");
    std::unique_lock<std::shared_mutex> lk(h->mu);
    std::string p = h->session->end_profiling();
    // Keep the path of the trace written first: a second call writes nothing.
    if (!p.empty() || h->profile_path.empty()) h->profile_path = p;
    *path = p.empty() ? "" : h->profile_path.c_str();
  });
}

OnyxStatus* ReleaseSession(OnyxSession* session) {
  return guard("ReleaseSession", [&] { release(session, "session"); });
}

// ---- run options ----

OnyxStatus* CreateRunOptions(OnyxRunOptions** out) {
  return guard("CreateRunOptions", [&] {
    require(out, "out");
    *out = publish(std::make_shared<OnyxRunOptions>());
  });
}

OnyxStatus* RunOptionsSetTag(OnyxRunOptions* options, const char* tag) {
  return guard("RunOptionsSetTag", [&] {
    auto h = get(options, "options");
    std::lock_guard<std::mutex> lk(h->mu);
    h->tag = tag ? tag : "";
  });
}

OnyxStatus* RunOptionsGetTag(const OnyxRunOptions* options, const char** out) {
  return guard("RunOptionsGetTag", [&] {
    auto h = get(options, "options");
    require(out, "out");
    std::lock_guard<std::mutex> lk(h->mu);
    *out = h->tag.c_str();
  });
}

OnyxStatus* RunOptionsSetLogSeverityLevel(OnyxRunOptions* options, OnyxLoggingLevel level) {
  return guard("RunOptionsSetLogSeverityLevel", [&] {
    auto h = get(options, "options");
    LogLevel l = to_log_level(level, "level");
    std::lock_guard<std::mutex> lk(h->mu);
    h->log_level = l;
  });
}

OnyxStatus* RunOptionsGetLogSeverityLevel(const OnyxRunOptions* options, OnyxLoggingLevel* out) {
  return guard("RunOptionsGetLogSeverityLevel", [&] {
    auto h = get(options, "options");
    require(out, "out");
    std::lock_guard<std::mutex> lk(h->mu);
    *out = static_cast<OnyxLoggingLevel>(h->log_level);
  });
}

OnyxStatus* RunOptionsSetTerminate(OnyxRunOptions* options) {
  return guard("RunOptionsSetTerminate", [&] { get(options, "options")->terminate.store(true); });
}

OnyxStatus* RunOptionsUnsetTerminate(OnyxRunOptions* options) {
  return guard("RunOptionsUnsetTerminate", [&] { get(options, "options")->terminate.store(false); });
}

OnyxStatus* ReleaseRunOptions(OnyxRunOptions* options) {
  return guard("ReleaseRunOptions", [&] { release(options, "options"); });
}

}  // namespace

void fill_session_api(OnyxApi& api) {
  api.CreateSessionOptions = CreateSessionOptions;
  api.CloneSessionOptions = CloneSessionOptions;
  api.SetIntraOpNumThreads = SetIntraOpNumThreads;
  api.SetInterOpNumThreads = SetInterOpNumThreads;
  api.SetGraphOptimizationLevel = SetGraphOptimizationLevel;
  api.SetSessionLogSeverityLevel = SetSessionLogSeverityLevel;
  api.SetOptimizedModelFilePath = SetOptimizedModelFilePath;
  api.EnableProfiling = EnableProfiling;
  api.DisableProfiling = DisableProfiling;
  api.SetSessionMemoryLimit = SetSessionMemoryLimit;
  api.SetReferenceKernels = SetReferenceKernels;
  api.SetExternalDataFolder = SetExternalDataFolder;
  api.AddSessionConfigEntry = AddSessionConfigEntry;
  api.GetSessionConfigEntry = GetSessionConfigEntry;
  api.ReleaseSessionOptions = ReleaseSessionOptions;
  api.CreateSession = CreateSession;
  api.CreateSessionFromBytes = CreateSessionFromBytes;
  api.SessionGetInputCount = SessionGetInputCount;
  api.SessionGetOutputCount = SessionGetOutputCount;
  api.SessionGetOverridableInitializerCount = SessionGetOverridableInitializerCount;
  api.SessionGetInputName = SessionGetInputName;
  api.SessionGetOutputName = SessionGetOutputName;
  api.SessionGetOverridableInitializerName = SessionGetOverridableInitializerName;
  api.SessionGetInputTypeInfo = SessionGetInputTypeInfo;
  api.SessionGetOutputTypeInfo = SessionGetOutputTypeInfo;
  api.SessionGetOverridableInitializerTypeInfo = SessionGetOverridableInitializerTypeInfo;
  api.SessionGetModelMetadata = SessionGetModelMetadata;
  api.Run = Run;
  api.SessionEndProfiling = SessionEndProfiling;
  api.ReleaseSession = ReleaseSession;
  api.CreateRunOptions = CreateRunOptions;
  api.RunOptionsSetTag = RunOptionsSetTag;
  api.RunOptionsGetTag = RunOptionsGetTag;
  api.RunOptionsSetLogSeverityLevel = RunOptionsSetLogSeverityLevel;
  api.RunOptionsGetLogSeverityLevel = RunOptionsGetLogSeverityLevel;
  api.RunOptionsSetTerminate = RunOptionsSetTerminate;
  api.RunOptionsUnsetTerminate = RunOptionsUnsetTerminate;
  api.ReleaseRunOptions = ReleaseRunOptions;
}

}  // namespace onyx::capi
