// What the C API's opaque handles are, and the registry that makes misuse safe.
//
// Every object the C API hands out derives from Handle and is owned by a
// process-wide registry (pointer -> shared_ptr). Each call looks its handle
// arguments up there, so NULL, released or wrong-kind handles become an error
// status rather than a crash, and it holds a shared_ptr for the length of the
// call, so a Release racing with a Run on another thread cannot free the
// session under it (the object dies when the last call using it returns).
//
// Every entry point runs its body through guard(): onyx::Error keeps its
// code, std::bad_alloc becomes ONYX_FAIL "out of memory", anything else
// ONYX_RUNTIME_EXCEPTION, and nothing is thrown across the C boundary.
#pragma once

#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/tensor.h"
#include "ir/graph.h"
#include "onyx/onyx_c_api.h"
#include "runtime/options.h"
#include "runtime/session.h"

namespace onyx::capi {

enum class HandleKind : uint8_t {
  kStatus,
  kEnv,
  kSessionOptions,
  kSession,
  kValue,
  kRunOptions,
  kMemoryInfo,
  kTypeInfo,
  kModelMetadata,
  kModelInfo,
};
const char* handle_kind_name(HandleKind k);  // "OnyxSession"

struct Handle {
  explicit Handle(HandleKind k) : kind(k) {}
  virtual ~Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  const HandleKind kind;
};

}  // namespace onyx::capi

// The opaque types of the header, defined here (global namespace, as declared there).

struct OnyxStatus : onyx::capi::Handle {
  static constexpr auto kKind = onyx::capi::HandleKind::kStatus;
  OnyxStatus(OnyxErrorCode c, std::string m) : Handle(kKind), code(c), message(std::move(m)) {}
  OnyxErrorCode code;
  std::string message;
};

struct OnyxEnv : onyx::capi::Handle {
  static constexpr auto kKind = onyx::capi::HandleKind::kEnv;
  OnyxEnv() : Handle(kKind) {}
  onyx::LogLevel log_level = onyx::LogLevel::kWarning;
  std::string log_id;
};

struct OnyxSessionOptions : onyx::capi::Handle {
  static constexpr auto kKind = onyx::capi::HandleKind::kSessionOptions;
  OnyxSessionOptions() : Handle(kKind) {}
  mutable std::mutex mu;  // setters vs. a CreateSession reading the options
  onyx::SessionOptions options;
  bool log_level_set = false;  // else the environment's level applies
};

struct OnyxSession : onyx::capi::Handle {
  static constexpr auto kKind = onyx::capi::HandleKind::kSession;
  OnyxSession() : Handle(kKind) {}
  // Shared with every output value: outputs may hold memory of the session's
  // allocator, so the engine session lives until the last of them is released.
  std::shared_ptr<onyx::Session> session;
  // Run takes it shared (runs are concurrent), SessionEndProfiling exclusive.
  std::shared_mutex mu;
  // Merged, sorted [begin, end) address ranges of the model's constants. An
  // output pointing into them (an initializer that is also a graph output,
  // a Reshape of a weight ...) is copied before it is handed out, so a caller
  // writing through GetTensorMutableData can neither fault on a read-only
  // mapping nor change the weights later runs use.
  std::vector<std::pair<uintptr_t, uintptr_t>> constant_ranges;
  std::string profile_path;
};

struct OnyxValue : onyx::capi::Handle {
  static constexpr auto kKind = onyx::capi::HandleKind::kValue;
  OnyxValue() : Handle(kKind) {}
  onyx::Value value;
  std::shared_ptr<void> keep;  // what the value's memory depends on (the session of an output)
};

struct OnyxRunOptions : onyx::capi::Handle {
  static constexpr auto kKind = onyx::capi::HandleKind::kRunOptions;
  OnyxRunOptions() : Handle(kKind) {}
  mutable std::mutex mu;  // tag / level setters vs. a Run copying them
  std::string tag;
  onyx::LogLevel log_level = onyx::LogLevel::kWarning;
  std::atomic<bool> terminate{false};
};

struct OnyxMemoryInfo : onyx::capi::Handle {
  static constexpr auto kKind = onyx::capi::HandleKind::kMemoryInfo;
  OnyxMemoryInfo() : Handle(kKind) {}
  std::string name = "Cpu";
  int device_id = 0;
};

struct OnyxTypeInfo : onyx::capi::Handle {
  static constexpr auto kKind = onyx::capi::HandleKind::kTypeInfo;
  explicit OnyxTypeInfo(onyx::ir::Type t);
  onyx::ir::Type type;
  std::string type_string;  // "tensor(float)"
};

struct OnyxModelMetadata : onyx::capi::Handle {
  static constexpr auto kKind = onyx::capi::HandleKind::kModelMetadata;
  explicit OnyxModelMetadata(const onyx::ir::Model& m);
  std::string producer_name, producer_version, graph_name, domain, description;
  int64_t version = 0;
  std::vector<std::pair<std::string, std::string>> custom;
};

struct OnyxModelInfo : onyx::capi::Handle {
  static constexpr auto kKind = onyx::capi::HandleKind::kModelInfo;
  explicit OnyxModelInfo(const onyx::ir::Model& m);
  int64_t ir_version = 0;
  std::vector<std::pair<std::string, int64_t>> opsets;
  std::vector<onyx::IoInfo> inputs, outputs;
  size_t node_count = 0;
  struct OpCount {
    std::string domain, op_type;
    size_t count = 0;
  };
  std::vector<OpCount> ops;  // most frequent first
  size_t initializer_count = 0, initializer_bytes = 0;
  std::shared_ptr<OnyxModelMetadata> metadata;
};

namespace onyx::capi {

// ---- registry ----

// Records `h` as live and returns the pointer handed to the caller.
template <typename T>
T* publish(std::shared_ptr<T> h);
void registry_insert(const void* key, std::shared_ptr<Handle> h);
std::shared_ptr<Handle> registry_find(const void* key);
std::shared_ptr<Handle> registry_erase(const void* key);
size_t registry_size();  // live handles (tests check for leaks)

template <typename T>
T* publish(std::shared_ptr<T> h) {
  T* raw = h.get();
  registry_insert(raw, std::move(h));
  return raw;
}

// Throws kInvalidArgument naming `arg` unless `p` is a live handle of kind T.
[[noreturn]] void bad_handle(const void* p, const char* arg, HandleKind want, const Handle* found);
template <typename T>
std::shared_ptr<T> get(const T* p, const char* arg) {
  std::shared_ptr<Handle> h = p ? registry_find(p) : nullptr;
  if (!h || h->kind != T::kKind) bad_handle(p, arg, T::kKind, h.get());
  return std::static_pointer_cast<T>(h);
}
// For Release*: removes the handle from the registry (same checks as get).
template <typename T>
void release(T* p, const char* arg) {
  std::shared_ptr<Handle> h = p ? registry_find(p) : nullptr;
  if (!h || h->kind != T::kKind) bad_handle(p, arg, T::kKind, h.get());
  registry_erase(p);
}

// Throws kInvalidArgument when an out-parameter (or a required pointer) is NULL.
inline void require(const void* p, const char* arg) {
  if (!p) fail(ErrorCode::kInvalidArgument, arg, " is NULL");
}
// Index check for *Get...(index) calls.
inline void check_index(size_t index, size_t count, const char* what) {
  if (index >= count) fail(ErrorCode::kInvalidArgument, what, " index ", index, " is out of range (count ", count, ")");
}

// ---- status ----

// A registered status; never throws (falls back to a static out-of-memory status).
OnyxStatus* make_status(ErrorCode code, const std::string& message) noexcept;
OnyxStatus* oom_status() noexcept;

template <typename Fn>
OnyxStatus* guard(const char* fn, Fn&& body) noexcept {
  try {
    body();
    return nullptr;
  } catch (const Error& e) {
    return make_status(e.code(), std::string(fn) + ": " + e.what());
  } catch (const std::bad_alloc&) {
    return oom_status();
  } catch (const std::exception& e) {
    return make_status(ErrorCode::kRuntimeException, std::string(fn) + ": " + e.what());
  } catch (...) {
    return make_status(ErrorCode::kRuntimeException, std::string(fn) + ": unknown exception");
  }
}

// ---- conversions ----

// Validate enums a C caller passed. By reference, read as int: a C caller may
// pass any int, and loading an out-of-range value as a C++ enum is undefined
// (what -fsanitize=enum reports), so the bits are copied, never loaded as E.
template <class E>
int enum_bits(const E& e) {
  static_assert(sizeof(E) == sizeof(int));
  int raw;
  std::memcpy(&raw, &e, sizeof raw);
  return raw;
}
DataType to_dtype(const OnyxElementType& t, const char* arg);
LogLevel to_log_level(const OnyxLoggingLevel& l, const char* arg);
OnyxTypeKind value_kind(const Value& v);
std::string type_string(const ir::Type& t);
ir::Type type_of_value(const Value& v);
Shape to_shape(const int64_t* dims, size_t rank, const char* arg);

// A new value handle (sharing `keep`).
OnyxValue* new_value(Value v, std::shared_ptr<void> keep = nullptr);

// ---- the parts of the function table, filled by each file ----
void fill_general_api(OnyxApi& api);
void fill_session_api(OnyxApi& api);
void fill_value_api(OnyxApi& api);
void fill_info_api(OnyxApi& api);

}  // namespace onyx::capi
