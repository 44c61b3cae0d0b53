// The handle registry, statuses, conversions shared by the C API files, and
// the general entry points (version, providers, environment, memory info).
#include <cstring>
#include <unordered_map>

#include "capi/handles.h"

namespace onyx::capi {

namespace {

struct Registry {
  std::mutex mu;
  std::unordered_map<const void*, std::shared_ptr<Handle>> live;
};

// Never destroyed: handles may be released from other static destructors.
Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

// Returned when even a status cannot be allocated; not in the registry, and
// ReleaseStatus ignores it.
OnyxStatus& static_oom() {
  static OnyxStatus* s = new OnyxStatus(ONYX_FAIL, "out of memory");
  return *s;
}

}  // namespace

const char* handle_kind_name(HandleKind k) {
  switch (k) {
    case HandleKind::kStatus: return "OnyxStatus";
    case HandleKind::kEnv: return "OnyxEnv";
    case HandleKind::kSessionOptions: return "OnyxSessionOptions";
    case HandleKind::kSession: return "OnyxSession";
    case HandleKind::kValue: return "OnyxValue";
    case HandleKind::kRunOptions: return "OnyxRunOptions";
    case HandleKind::kMemoryInfo: return "OnyxMemoryInfo";
    case HandleKind::kTypeInfo: return "OnyxTypeInfo";
    case HandleKind::kModelMetadata: return "OnyxModelMetadata";
    case HandleKind::kModelInfo: return "OnyxModelInfo";
  }
  return "handle";
}

void registry_insert(const void* key, std::shared_ptr<Handle> h) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lk(r.mu);
  r.live[key] = std::move(h);
}

std::shared_ptr<Handle> registry_find(const void* key) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lk(r.mu);
  auto it = r.live.find(key);
  return it == r.live.end() ? nullptr : it->second;
}

std::shared_ptr<Handle> registry_erase(const void* key) {
  std::shared_ptr<Handle> h;
  Registry& r = registry();
  {
    std::lock_guard<std::mutex> lk(r.mu);
    auto it = r.live.find(key);
    if (it == r.live.end()) return nullptr;
    h = std::move(it->second);
    r.live.erase(it);
  }
  return h;  // destroyed by the caller, outside the lock
}

size_t registry_size() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lk(r.mu);
  return r.live.size();
}

void bad_handle(const void* p, const char* arg, HandleKind want, const Handle* found) {
  if (!p) fail(ErrorCode::kInvalidArgument, arg, " is NULL (expected an ", handle_kind_name(want), ")");
  if (!found)
    fail(ErrorCode::kInvalidArgument, arg, " is not a live ", handle_kind_name(want),
         " (already released, or never created by this library)");
  fail(ErrorCode::kInvalidArgument, arg, " is an ", handle_kind_name(found->kind), ", expected an ",
       handle_kind_name(want));
}

OnyxStatus* oom_status() noexcept { return &static_oom(); }

OnyxStatus* make_status(ErrorCode code, const std::string& message) noexcept {
  try {
    return publish(std::make_shared<OnyxStatus>(static_cast<OnyxErrorCode>(code), message));
  } catch (...) {
    return oom_status();
  }
}

// ---- conversions ----

DataType to_dtype(const OnyxElementType& t, const char* arg) {
  const int raw = enum_bits(t);
  if (!dtype_is_valid(raw)) fail(ErrorCode::kInvalidArgument, arg, ": ", raw, " is not a valid element type");
  return static_cast<DataType>(raw);
}

LogLevel to_log_level(const OnyxLoggingLevel& l, const char* arg) {
  const int raw = enum_bits(l);
  if (raw < 0 || raw > 4)
    fail(ErrorCode::kInvalidArgument, arg, ": ", raw, " is not a log level (0 verbose .. 4 fatal)");
  return static_cast<LogLevel>(raw);
}

OnyxTypeKind value_kind(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNone: return ONYX_KIND_OPTIONAL;
    case Value::Kind::kTensor: return ONYX_KIND_TENSOR;
    case Value::Kind::kSequence: return ONYX_KIND_SEQUENCE;
    case Value::Kind::kMap: return ONYX_KIND_MAP;
  }
  return ONYX_KIND_UNKNOWN;
}

namespace {
// "float" from "tensor(float)".
std::string elem_onnx_name(DataType t) {
  std::string s = dtype_onnx_name(t);
  return s.substr(7, s.size() - 8);
}
}  // namespace

std::string type_string(const ir::Type& t) {
  using K = ir::Type::Kind;
  auto inner = [&]() { return t.inner ? type_string(*t.inner) : std::string("unknown"); };
  switch (t.kind) {
    case K::kTensor: return "tensor(" + elem_onnx_name(t.elem) + ")";
    case K::kSparseTensor: return "sparse_tensor(" + elem_onnx_name(t.elem) + ")";
    case K::kSequence: return "seq(" + inner() + ")";
    case K::kMap: return "map(" + elem_onnx_name(t.elem) + "," + inner() + ")";
    case K::kOptional: return "optional(" + inner() + ")";
    case K::kUnknown: break;
  }
  return "unknown";
}

ir::Type type_of_value(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kTensor: {
      const Tensor& t = v.tensor();
      return ir::Type::tensor(t.dtype(), ir::Dims(t.shape().begin(), t.shape().end()));
    }
    case Value::Kind::kSequence: {
      const auto& s = v.seq();
      if (!s.items.empty() && !s.items[0].is_tensor()) return ir::Type::sequence(type_of_value(s.items[0]));
      return ir::Type::sequence(ir::Type::tensor(s.elem_dtype));
    }
    case Value::Kind::kMap:
      return ir::Type::map(v.map().keys.dtype(), ir::Type::tensor(v.map().values.dtype()));
    case Value::Kind::kNone: return ir::Type::optional(ir::Type());
  }
  return ir::Type();
}

Shape to_shape(const int64_t* dims, size_t rank, const char* arg) {
  if (rank > 0 && !dims) fail(ErrorCode::kInvalidArgument, arg, " is NULL but the rank is ", rank);
  Shape s(dims, dims + rank);
  for (size_t i = 0; i < rank; ++i)
    if (s[i] < 0) fail(ErrorCode::kInvalidArgument, arg, ": dim ", i, " is ", s[i], " in shape ", shape_str(s));
  shape_numel(s);  // rejects overflowing shapes
  return s;
}

OnyxValue* new_value(Value v, std::shared_ptr<void> keep) {
  auto h = std::make_shared<OnyxValue>();
  h->value = std::move(v);
  h->keep = std::move(keep);
  return publish(std::move(h));
}

// ---- entry points ----

namespace {

constexpr const char* kProviders[] = {"CPUExecutionProvider"};

OnyxStatus* CreateStatus(OnyxErrorCode code, const char* message) {
  const int raw = enum_bits(code);
  if (raw == ONYX_OK) return nullptr;
  // A code outside the enumeration stays an error: ONYX_FAIL, the number kept in the message.
  if (raw < ONYX_FAIL || raw > ONYX_EP_FAIL)
    return make_status(ErrorCode::kFail, "error code " + std::to_string(raw) + ": " + (message ? message : ""));
  return make_status(static_cast<ErrorCode>(raw), message ? message : "");
}

OnyxErrorCode GetErrorCode(const OnyxStatus* status) {
  if (!status) return ONYX_OK;
  if (status == &static_oom()) return ONYX_FAIL;
  std::shared_ptr<Handle> h = registry_find(status);
  if (!h || h->kind != HandleKind::kStatus) return ONYX_INVALID_ARGUMENT;
  return static_cast<const OnyxStatus*>(h.get())->code;
}

const char* GetErrorMessage(const OnyxStatus* status) {
  if (!status) return "";
  if (status == &static_oom()) return static_oom().message.c_str();
  std::shared_ptr<Handle> h = registry_find(status);
  if (!h || h->kind != HandleKind::kStatus) return "GetErrorMessage: not a live OnyxStatus";
  // The registry keeps the status (and its message) alive until ReleaseStatus.
  return static_cast<const OnyxStatus*>(h.get())->message.c_str();
}

void ReleaseStatus(OnyxStatus* status) {
  if (!status || status == &static_oom()) return;
  std::shared_ptr<Handle> h = registry_find(status);
  if (h && h->kind == HandleKind::kStatus) registry_erase(status);
}

OnyxStatus* GetVersionString(const char** out) {
  return guard("GetVersionString", [&] {
    require(out, "out");
    *out = ONYX_VERSION_STRING;
  });
}

OnyxStatus* GetAvailableProviderCount(size_t* out) {
  return guard("GetAvailableProviderCount", [&] {
    require(out, "out");
    *out = std::size(kProviders);
  });
}

OnyxStatus* GetAvailableProviderName(size_t index, const char** out) {
  return guard("GetAvailableProviderName", [&] {
    require(out, "out");
    check_index(index, std::size(kProviders), "provider");
    *out = kProviders[index];
  });
}

OnyxStatus* GetElementTypeName(OnyxElementType type, const char** out) {
  return guard("GetElementTypeName", [&] {
    require(out, "out");
    *out = dtype_name(to_dtype(type, "type"));
  });
}

OnyxStatus* CreateEnv(OnyxLoggingLevel level, const char* log_id, OnyxEnv** out) {
  return guard("CreateEnv", [&] {
    require(out, "out");
    auto e = std::make_shared<OnyxEnv>();
    e->log_level = to_log_level(level, "default_log_level");
    e->log_id = log_id ? log_id : "onyx";
    *out = publish(std::move(e));
  });
}

OnyxStatus* ReleaseEnv(OnyxEnv* env) {
  return guard("ReleaseEnv", [&] { release(env, "env"); });
}

OnyxStatus* CreateCpuMemoryInfo(OnyxMemoryInfo** out) {
  return guard("CreateCpuMemoryInfo", [&] {
    require(out, "out");
    *out = publish(std::make_shared<OnyxMemoryInfo>());
  });
}

OnyxStatus* MemoryInfoGetName(const OnyxMemoryInfo* info, const char** out) {
  return guard("MemoryInfoGetName", [&] {
    auto h = get(info, "info");
    require(out, "out");
    *out = h->name.c_str();
  });
}

OnyxStatus* MemoryInfoGetDeviceId(const OnyxMemoryInfo* info, int* out) {
  return guard("MemoryInfoGetDeviceId", [&] {
    auto h = get(info, "info");
    require(out, "out");
    *out = h->device_id;
  });
}

OnyxStatus* ReleaseMemoryInfo(OnyxMemoryInfo* info) {
  return guard("ReleaseMemoryInfo", [&] { release(info, "info"); });
}

}  // namespace

void fill_general_api(OnyxApi& api) {
  api.CreateStatus = CreateStatus;
  api.GetErrorCode = GetErrorCode;
  api.GetErrorMessage = GetErrorMessage;
  api.ReleaseStatus = ReleaseStatus;
  api.GetVersionString = GetVersionString;
  api.GetAvailableProviderCount = GetAvailableProviderCount;
  api.GetAvailableProviderName = GetAvailableProviderName;
  api.GetElementTypeName = GetElementTypeName;
  api.CreateEnv = CreateEnv;
  api.ReleaseEnv = ReleaseEnv;
  api.CreateCpuMemoryInfo = CreateCpuMemoryInfo;
  api.MemoryInfoGetName = MemoryInfoGetName;
  api.MemoryInfoGetDeviceId = MemoryInfoGetDeviceId;
  api.ReleaseMemoryInfo = ReleaseMemoryInfo;
}

}  // namespace onyx::capi
