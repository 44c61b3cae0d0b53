// Onyx C++ API: a header-only C++17 wrapper over the C API (onyx_c_api.h).
//
//   onyx::Env env;
//   onyx::Session session(env, "model.onnx", onyx::SessionOptions().SetIntraOpNumThreads(2));
//   std::vector<float> x(3 * 224 * 224);
//   std::vector<onyx::Value> inputs;
//   inputs.push_back(onyx::Value::CreateTensor<float>({1, 3, 224, 224}, x.data()));  // no copy
//   std::vector<onyx::Value> out = session.Run({session.InputName(0)}, inputs, {});   // {} = all outputs
//   const float* y = out[0].GetTensorData<float>();
//
// Every object owns one C handle and releases it in its destructor; objects
// move but do not copy. Every failure throws onyx::Exception with the C API's
// error code and message. Only the C API is used, so a program built with
// this header works with any later libonyx that still serves its API version.
//
// The classes live in an inline namespace so their linker names never meet
// the engine's own (internal) onyx:: symbols; users just write onyx::Value.
#pragma once

#include <cstdint>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "onyx/onyx_c_api.h"

namespace onyx {
inline namespace cxx_v1 {

// ---- errors ---------------------------------------------------------------

class Exception : public std::exception {
 public:
  Exception(OnyxErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  OnyxErrorCode code() const noexcept { return code_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  OnyxErrorCode code_;
  std::string message_;
};

// The C function table this header was written against.
inline const OnyxApi& GetApi() {
  static const OnyxApi* api = OnyxGetApi(ONYX_API_VERSION);
  if (!api) throw Exception(ONYX_FAIL, "libonyx does not provide C API version " + std::to_string(ONYX_API_VERSION));
  return *api;
}

// Throws the status as an Exception (and frees it); does nothing for NULL.
inline void ThrowOnError(OnyxStatus* status) {
  if (!status) return;
  const OnyxApi& api = GetApi();
  OnyxErrorCode code = api.GetErrorCode(status);
  std::string message = api.GetErrorMessage(status);
  api.ReleaseStatus(status);
  throw Exception(code, std::move(message));
}

// ---- element types ----------------------------------------------------------

// IEEE half and bfloat16 as 16-bit containers with float conversion
// (round to nearest even), so tensors of them can be read and filled.
struct Float16 {
  uint16_t bits = 0;
  Float16() = default;
  explicit Float16(float f) : bits(FromFloat(f)) {}
  static Float16 FromBits(uint16_t b) {
    Float16 h;
    h.bits = b;
    return h;
  }
  explicit operator float() const { return ToFloat(bits); }

  static uint16_t FromFloat(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000u;
    x &= 0x7fffffffu;
    if (x >= 0x7f800000u) return static_cast<uint16_t>(sign | (x > 0x7f800000u ? 0x7e00u : 0x7c00u));
    if (x >= 0x47800000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65536: inf
    if (x < 0x38800000u) {
      // Below the smallest normal half (2^-14): adding 0.5 makes the FPU do
      // the rounding; the low mantissa bits are then the subnormal's bits.
      float a;
      std::memcpy(&a, &x, 4);
      a += 0.5f;
      uint32_t r;
      std::memcpy(&r, &a, 4);
      return static_cast<uint16_t>(sign | (r - 0x3f000000u));
    }
    // Rebias the exponent (127 -> 15) and round the 13 dropped bits to nearest even.
    uint32_t odd = (x >> 13) & 1u;
    x += 0xc8000fffu + odd;  // == -(112 << 23) + 0xfff + odd, modulo 2^32
    return static_cast<uint16_t>(sign | (x >> 13));
  }
  static float ToFloat(uint16_t h) {
    uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
    if (exp == 0x1f) {
      bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {
      bits = sign | ((exp + 112u) << 23) | (man << 13);
    } else {
      float v = static_cast<float>(man) * 5.9604644775390625e-8f;  // man * 2^-24
      return sign ? -v : v;
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
};

struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  explicit BFloat16(float f) : bits(FromFloat(f)) {}
  static BFloat16 FromBits(uint16_t b) {
    BFloat16 h;
    h.bits = b;
    return h;
  }
  explicit operator float() const { return ToFloat(bits); }

  static uint16_t FromFloat(float f) {
    uint32_t x;
    std::memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);  // quiet NaN
    x += 0x7fffu + ((x >> 16) & 1u);
    return static_cast<uint16_t>(x >> 16);
  }
  static float ToFloat(uint16_t b) {
    uint32_t x = static_cast<uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &x, 4);
    return f;
  }
};

// The OnyxElementType of a C++ element type.
template <typename T>
struct ElementTypeOf;
#define ONYX_CXX_ELEMENT(T, E) \
  template <>                  \
  struct ElementTypeOf<T> {    \
    static constexpr OnyxElementType value = E; \
  }
ONYX_CXX_ELEMENT(float, ONYX_ELEMENT_FLOAT);
ONYX_CXX_ELEMENT(double, ONYX_ELEMENT_DOUBLE);
ONYX_CXX_ELEMENT(int8_t, ONYX_ELEMENT_INT8);
ONYX_CXX_ELEMENT(int16_t, ONYX_ELEMENT_INT16);
ONYX_CXX_ELEMENT(int32_t, ONYX_ELEMENT_INT32);
ONYX_CXX_ELEMENT(int64_t, ONYX_ELEMENT_INT64);
ONYX_CXX_ELEMENT(uint8_t, ONYX_ELEMENT_UINT8);
ONYX_CXX_ELEMENT(uint16_t, ONYX_ELEMENT_UINT16);
ONYX_CXX_ELEMENT(uint32_t, ONYX_ELEMENT_UINT32);
ONYX_CXX_ELEMENT(uint64_t, ONYX_ELEMENT_UINT64);
ONYX_CXX_ELEMENT(bool, ONYX_ELEMENT_BOOL);
ONYX_CXX_ELEMENT(Float16, ONYX_ELEMENT_FLOAT16);
ONYX_CXX_ELEMENT(BFloat16, ONYX_ELEMENT_BFLOAT16);
#undef ONYX_CXX_ELEMENT
static_assert(sizeof(bool) == 1, "ONNX bool tensors hold one byte per element");

// "float32", "int64", "string" ...
inline std::string ElementTypeName(OnyxElementType type) {
  const char* name = nullptr;
  ThrowOnError(GetApi().GetElementTypeName(type, &name));
  return name;
}

inline std::string GetVersionString() {
  const char* v = nullptr;
  ThrowOnError(GetApi().GetVersionString(&v));
  return v;
}

inline std::vector<std::string> GetAvailableProviders() {
  size_t n = 0;
  ThrowOnError(GetApi().GetAvailableProviderCount(&n));
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i) {
    const char* name = nullptr;
    ThrowOnError(GetApi().GetAvailableProviderName(i, &name));
    names.emplace_back(name);
  }
  return names;
}

namespace detail {

// Owns one C handle; `Release` is the table entry that frees it.
template <typename T, OnyxStatus* (*OnyxApi::*Release)(T*)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(T* p) : p_(p) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      p_ = std::exchange(o.p_, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  T* get() const { return p_; }
  // Gives up ownership (the caller releases the handle).
  T* release() { return std::exchange(p_, nullptr); }
  explicit operator bool() const { return p_ != nullptr; }
  void reset() noexcept {
    if (!p_) return;
    const OnyxApi* api = OnyxGetApi(ONYX_API_VERSION);
    if (api) api->ReleaseStatus((api->*Release)(p_));
    p_ = nullptr;
  }

 protected:
  // The handle, or an Exception when this object is empty (moved from).
  T* checked() const {
    if (!p_) throw Exception(ONYX_INVALID_ARGUMENT, "use of an empty (moved-from) onyx object");
    return p_;
  }
  T* p_ = nullptr;
};

// `s` is taken by reference: it is read after the call that fills it has run
// (the order in which function arguments are evaluated is unspecified).
inline std::string ReadString(OnyxStatus* st, const char* const& s) {
  ThrowOnError(st);
  return s ? s : "";
}

}  // namespace detail

// ---- environment and options ------------------------------------------------

class Env : public detail::Handle<OnyxEnv, &OnyxApi::ReleaseEnv> {
 public:
  explicit Env(OnyxLoggingLevel default_log_level = ONYX_LOG_WARNING, const char* log_id = "onyx") {
    ThrowOnError(GetApi().CreateEnv(default_log_level, log_id, &p_));
  }
};

class SessionOptions : public detail::Handle<OnyxSessionOptions, &OnyxApi::ReleaseSessionOptions> {
 public:
  SessionOptions() { ThrowOnError(GetApi().CreateSessionOptions(&p_)); }
  explicit SessionOptions(OnyxSessionOptions* owned) : Handle(owned) {}

  SessionOptions Clone() const {
    OnyxSessionOptions* c = nullptr;
    ThrowOnError(GetApi().CloneSessionOptions(checked(), &c));
    return SessionOptions(c);
  }
  SessionOptions& SetIntraOpNumThreads(int n) { return Do(GetApi().SetIntraOpNumThreads(checked(), n)); }
  SessionOptions& SetInterOpNumThreads(int n) { return Do(GetApi().SetInterOpNumThreads(checked(), n)); }
  SessionOptions& SetGraphOptimizationLevel(OnyxGraphOptimizationLevel level) {
    return Do(GetApi().SetGraphOptimizationLevel(checked(), level));
  }
  SessionOptions& SetLogSeverityLevel(OnyxLoggingLevel level) {
    return Do(GetApi().SetSessionLogSeverityLevel(checked(), level));
  }
  SessionOptions& SetOptimizedModelFilePath(const std::string& path) {
    return Do(GetApi().SetOptimizedModelFilePath(checked(), path.c_str()));
  }
  SessionOptions& EnableProfiling(const std::string& prefix = "onyx_profile") {
    return Do(GetApi().EnableProfiling(checked(), prefix.c_str()));
  }
  SessionOptions& DisableProfiling() { return Do(GetApi().DisableProfiling(checked())); }
  SessionOptions& SetMemoryLimit(size_t bytes) { return Do(GetApi().SetSessionMemoryLimit(checked(), bytes)); }
  SessionOptions& SetReferenceKernels(bool enable) {
    return Do(GetApi().SetReferenceKernels(checked(), enable ? 1 : 0));
  }
  SessionOptions& SetExternalDataFolder(const std::string& folder) {
    return Do(GetApi().SetExternalDataFolder(checked(), folder.c_str()));
  }
  SessionOptions& AddConfigEntry(const std::string& key, const std::string& value) {
    return Do(GetApi().AddSessionConfigEntry(checked(), key.c_str(), value.c_str()));
  }
  // ONNX Runtime's names for the "session.enable_mem_pattern" config entry.
  SessionOptions& EnableMemPattern() { return AddConfigEntry("session.enable_mem_pattern", "1"); }
  SessionOptions& DisableMemPattern() { return AddConfigEntry("session.enable_mem_pattern", "0"); }
  std::optional<std::string> GetConfigEntry(const std::string& key) const {
    const char* v = nullptr;
    ThrowOnError(GetApi().GetSessionConfigEntry(checked(), key.c_str(), &v));
    if (!v) return std::nullopt;
    return std::string(v);
  }

 private:
  SessionOptions& Do(OnyxStatus* st) {
    ThrowOnError(st);
    return *this;
  }
};

class RunOptions : public detail::Handle<OnyxRunOptions, &OnyxApi::ReleaseRunOptions> {
 public:
  RunOptions() { ThrowOnError(GetApi().CreateRunOptions(&p_)); }
  RunOptions& SetTag(const std::string& tag) {
    ThrowOnError(GetApi().RunOptionsSetTag(checked(), tag.c_str()));
    return *this;
  }
  std::string GetTag() const {
    const char* t = nullptr;
    return detail::ReadString(GetApi().RunOptionsGetTag(checked(), &t), t);
  }
  RunOptions& SetLogSeverityLevel(OnyxLoggingLevel level) {
    ThrowOnError(GetApi().RunOptionsSetLogSeverityLevel(checked(), level));
    return *this;
  }
  OnyxLoggingLevel GetLogSeverityLevel() const {
    OnyxLoggingLevel l = ONYX_LOG_WARNING;
    ThrowOnError(GetApi().RunOptionsGetLogSeverityLevel(checked(), &l));
    return l;
  }
  // Safe from another thread: makes runs using these options stop with an error.
  void SetTerminate() { ThrowOnError(GetApi().RunOptionsSetTerminate(checked())); }
  void UnsetTerminate() { ThrowOnError(GetApi().RunOptionsUnsetTerminate(checked())); }
};

class MemoryInfo : public detail::Handle<OnyxMemoryInfo, &OnyxApi::ReleaseMemoryInfo> {
 public:
  static MemoryInfo CreateCpu() {
    OnyxMemoryInfo* m = nullptr;
    ThrowOnError(GetApi().CreateCpuMemoryInfo(&m));
    return MemoryInfo(m);
  }
  std::string Name() const {
    const char* n = nullptr;
    return detail::ReadString(GetApi().MemoryInfoGetName(checked(), &n), n);
  }
  int DeviceId() const {
    int id = 0;
    ThrowOnError(GetApi().MemoryInfoGetDeviceId(checked(), &id));
    return id;
  }

 private:
  explicit MemoryInfo(OnyxMemoryInfo* m) : Handle(m) {}
};

// ---- types and metadata --------------------------------------------------------

class TypeInfo : public detail::Handle<OnyxTypeInfo, &OnyxApi::ReleaseTypeInfo> {
 public:
  explicit TypeInfo(OnyxTypeInfo* owned) : Handle(owned) {}

  OnyxTypeKind Kind() const {
    OnyxTypeKind k = ONYX_KIND_UNKNOWN;
    ThrowOnError(GetApi().TypeInfoGetKind(checked(), &k));
    return k;
  }
  OnyxElementType ElementType() const {
    OnyxElementType t = ONYX_ELEMENT_UNDEFINED;
    ThrowOnError(GetApi().TypeInfoGetElementType(checked(), &t));
    return t;
  }
  // -1 when the rank is not known.
  int64_t Rank() const {
    int64_t r = -1;
    ThrowOnError(GetApi().TypeInfoGetRank(checked(), &r));
    return r;
  }
  // Dims, -1 where not a fixed number (see SymbolicDims for names).
  std::vector<int64_t> Shape() const {
    int64_t r = Rank();
    std::vector<int64_t> dims(r > 0 ? static_cast<size_t>(r) : 0);
    ThrowOnError(GetApi().TypeInfoGetDims(checked(), dims.data(), dims.size()));
    return dims;
  }
  // Per dim: the symbol ("batch"), or "" for fixed and unnamed dims.
  std::vector<std::string> SymbolicDims() const {
    int64_t r = Rank();
    std::vector<std::string> names;
    for (int64_t i = 0; i < r; ++i) {
      const char* s = nullptr;
      names.push_back(detail::ReadString(GetApi().TypeInfoGetSymbolicDim(checked(), static_cast<size_t>(i), &s), s));
    }
    return names;
  }
  // "tensor(float)", "seq(tensor(int64))" ...
  std::string TypeString() const {
    const char* s = nullptr;
    return detail::ReadString(GetApi().TypeInfoGetTypeString(checked(), &s), s);
  }
  // The element of a sequence / optional, or the value type of a map.
  TypeInfo ElementTypeInfo() const {
    OnyxTypeInfo* t = nullptr;
    ThrowOnError(GetApi().TypeInfoGetElementTypeInfo(checked(), &t));
    return TypeInfo(t);
  }
  OnyxElementType MapKeyType() const {
    OnyxElementType t = ONYX_ELEMENT_UNDEFINED;
    ThrowOnError(GetApi().TypeInfoGetMapKeyType(checked(), &t));
    return t;
  }
};

class ModelMetadata : public detail::Handle<OnyxModelMetadata, &OnyxApi::ReleaseModelMetadata> {
 public:
  explicit ModelMetadata(OnyxModelMetadata* owned) : Handle(owned) {}

  std::string ProducerName() const { return Str(GetApi().ModelMetadataGetProducerName); }
  std::string ProducerVersion() const { return Str(GetApi().ModelMetadataGetProducerVersion); }
  std::string GraphName() const { return Str(GetApi().ModelMetadataGetGraphName); }
  std::string Domain() const { return Str(GetApi().ModelMetadataGetDomain); }
  std::string Description() const { return Str(GetApi().ModelMetadataGetDescription); }
  int64_t Version() const {
    int64_t v = 0;
    ThrowOnError(GetApi().ModelMetadataGetVersion(checked(), &v));
    return v;
  }
  std::vector<std::pair<std::string, std::string>> CustomMetadata() const {
    size_t n = 0;
    ThrowOnError(GetApi().ModelMetadataGetCustomCount(checked(), &n));
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < n; ++i) {
      const char *k = nullptr, *v = nullptr;
      ThrowOnError(GetApi().ModelMetadataGetCustomEntry(checked(), i, &k, &v));
      out.emplace_back(k, v);
    }
    return out;
  }
  std::optional<std::string> LookupCustomMetadata(const std::string& key) const {
    const char* v = nullptr;
    ThrowOnError(GetApi().ModelMetadataLookupCustom(checked(), key.c_str(), &v));
    if (!v) return std::nullopt;
    return std::string(v);
  }

 private:
  std::string Str(OnyxStatus* (*fn)(const OnyxModelMetadata*, const char**)) const {
    const char* s = nullptr;
    return detail::ReadString(fn(checked(), &s), s);
  }
};

// ---- values -----------------------------------------------------------------------

class Value : public detail::Handle<OnyxValue, &OnyxApi::ReleaseValue> {
 public:
  Value() = default;  // empty; not a valid value until assigned
  explicit Value(OnyxValue* owned) : Handle(owned) {}

  // A tensor over caller memory, without a copy: `data` (count elements)
  // must outlive the value and any output computed from it.
  template <typename T>
  static Value CreateTensor(const std::vector<int64_t>& shape, T* data, size_t count) {
    return CreateTensor(ElementTypeOf<T>::value, shape, data, count * sizeof(T));
  }
  // Same, with the element count taken from the shape.
  template <typename T>
  static Value CreateTensor(const std::vector<int64_t>& shape, T* data) {
    return CreateTensor<T>(shape, data, ElementCountOf(shape));
  }
  template <typename T>
  static Value CreateTensor(const MemoryInfo& info, T* data, size_t count, const int64_t* shape, size_t rank) {
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().CreateTensorWithData(info.get(), data, count * sizeof(T), shape, rank,
                                               ElementTypeOf<T>::value, &v));
    return Value(v);
  }
  static Value CreateTensor(OnyxElementType type, const std::vector<int64_t>& shape, void* data, size_t bytes) {
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().CreateTensorWithData(nullptr, data, bytes, shape.data(), shape.size(), type, &v));
    return Value(v);
  }

  // A tensor owning zero-filled memory.
  template <typename T>
  static Value Tensor(const std::vector<int64_t>& shape) {
    return Tensor(ElementTypeOf<T>::value, shape);
  }
  static Value Tensor(OnyxElementType type, const std::vector<int64_t>& shape) {
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().CreateTensor(type, shape.data(), shape.size(), &v));
    return Value(v);
  }
  // A tensor owning a copy of `values` (their count must match the shape).
  template <typename T>
  static Value Tensor(const std::vector<int64_t>& shape, const T* values, size_t count) {
    Value v = Tensor<T>(shape);
    if (count != v.ElementCount())
      throw Exception(ONYX_INVALID_ARGUMENT, std::to_string(count) + " values for a tensor of " +
                                                 std::to_string(v.ElementCount()) + " elements");
    if (count) std::memcpy(v.GetTensorMutableData<T>(), values, count * sizeof(T));
    return v;
  }
  template <typename T>
  static Value Tensor(const std::vector<int64_t>& shape, const std::vector<T>& values) {
    static_assert(!std::is_same<T, bool>::value, "std::vector<bool> is packed: pass a bool array instead");
    return Tensor<T>(shape, values.data(), values.size());
  }
  static Value StringTensor(const std::vector<int64_t>& shape, const std::vector<std::string>& strings) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lengths;
    for (const std::string& s : strings) {
      ptrs.push_back(s.data());
      lengths.push_back(s.size());
    }
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().CreateStringTensor(shape.data(), shape.size(), ptrs.data(), lengths.data(), strings.size(), &v));
    return Value(v);
  }
  // Items are shared with the sequence, not copied.
  static Value Sequence(const std::vector<Value>& items, OnyxElementType element_type = ONYX_ELEMENT_UNDEFINED) {
    std::vector<const OnyxValue*> handles;
    for (const Value& item : items) handles.push_back(item.get());
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().CreateSequence(handles.data(), handles.size(), element_type, &v));
    return Value(v);
  }
  static Value Map(const Value& keys, const Value& values) {
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().CreateMap(keys.get(), values.get(), &v));
    return Value(v);
  }
  // An empty optional.
  static Value None() {
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().CreateNoneValue(&v));
    return Value(v);
  }
  // From a serialized TensorProto / SequenceProto / MapProto / OptionalProto.
  static Value FromProto(OnyxProtoKind kind, const void* data, size_t size) {
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().CreateValueFromProto(kind, data, size, &v));
    return Value(v);
  }
  static Value FromProto(OnyxProtoKind kind, const std::string& bytes) {
    return FromProto(kind, bytes.data(), bytes.size());
  }

  // ---- reading ----
  OnyxTypeKind Kind() const {
    OnyxTypeKind k = ONYX_KIND_UNKNOWN;
    ThrowOnError(GetApi().GetValueKind(checked(), &k));
    return k;
  }
  bool IsTensor() const { return Kind() == ONYX_KIND_TENSOR; }
  bool HasValue() const {
    int has = 0;
    ThrowOnError(GetApi().ValueHasValue(checked(), &has));
    return has != 0;
  }
  onyx::cxx_v1::TypeInfo GetTypeInfo() const {
    OnyxTypeInfo* t = nullptr;
    ThrowOnError(GetApi().GetValueTypeInfo(checked(), &t));
    return onyx::cxx_v1::TypeInfo(t);
  }
  OnyxElementType ElementType() const {
    OnyxElementType t = ONYX_ELEMENT_UNDEFINED;
    ThrowOnError(GetApi().GetTensorElementType(checked(), &t));
    return t;
  }
  std::vector<int64_t> Shape() const {
    size_t rank = 0;
    ThrowOnError(GetApi().GetTensorRank(checked(), &rank));
    std::vector<int64_t> dims(rank);
    ThrowOnError(GetApi().GetTensorShape(checked(), dims.data(), dims.size()));
    return dims;
  }
  size_t ElementCount() const {
    size_t n = 0;
    ThrowOnError(GetApi().GetTensorElementCount(checked(), &n));
    return n;
  }
  size_t SizeInBytes() const {
    size_t n = 0;
    ThrowOnError(GetApi().GetTensorSizeInBytes(checked(), &n));
    return n;
  }
  const void* GetTensorRawData() const {
    const void* p = nullptr;
    ThrowOnError(GetApi().GetTensorData(checked(), &p));
    return p;
  }
  void* GetTensorMutableRawData() {
    void* p = nullptr;
    ThrowOnError(GetApi().GetTensorMutableData(checked(), &p));
    return p;
  }
  // Typed access; throws when T is not the tensor's element type.
  template <typename T>
  const T* GetTensorData() const {
    CheckElementType(ElementTypeOf<T>::value);
    return static_cast<const T*>(GetTensorRawData());
  }
  template <typename T>
  T* GetTensorMutableData() {
    CheckElementType(ElementTypeOf<T>::value);
    return static_cast<T*>(GetTensorMutableRawData());
  }
  // Every element as double, whatever the numeric type (float16, float8,
  // int4 ... decoded; complex as real, imaginary pairs). Not for strings.
  // Needs a libonyx serving C API version 2.
  std::vector<double> GetTensorDataAsDouble() const {
    size_t n = ElementCount();
    OnyxElementType t = ElementType();
    if (t == ONYX_ELEMENT_COMPLEX64 || t == ONYX_ELEMENT_COMPLEX128) n *= 2;
    std::vector<double> out(n);
    ThrowOnError(GetApi().CopyTensorDataAsDouble(checked(), out.data(), out.size()));
    return out;
  }
  std::string GetString(size_t index) const {
    const char* s = nullptr;
    size_t n = 0;
    ThrowOnError(GetApi().GetStringTensorElement(checked(), index, &s, &n));
    return std::string(s, n);
  }
  std::vector<std::string> GetStrings() const {
    size_t n = ElementCount();
    std::vector<std::string> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(GetString(i));
    return out;
  }
  void SetString(size_t index, std::string_view s) {
    ThrowOnError(GetApi().SetStringTensorElement(checked(), index, s.data(), s.size()));
  }
  size_t SequenceLength() const {
    size_t n = 0;
    ThrowOnError(GetApi().GetSequenceLength(checked(), &n));
    return n;
  }
  OnyxElementType SequenceElementType() const {
    OnyxElementType t = ONYX_ELEMENT_UNDEFINED;
    ThrowOnError(GetApi().GetSequenceElementType(checked(), &t));
    return t;
  }
  Value GetSequenceItem(size_t index) const {
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().GetSequenceItem(checked(), index, &v));
    return Value(v);
  }
  Value MapKeys() const {
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().GetMapKeys(checked(), &v));
    return Value(v);
  }
  Value MapValues() const {
    OnyxValue* v = nullptr;
    ThrowOnError(GetApi().GetMapValues(checked(), &v));
    return Value(v);
  }

  static size_t ElementCountOf(const std::vector<int64_t>& shape) {
    size_t n = 1;
    for (int64_t d : shape) {
      if (d < 0) throw Exception(ONYX_INVALID_ARGUMENT, "negative dim " + std::to_string(d) + " in a tensor shape");
      n *= static_cast<size_t>(d);
    }
    return n;
  }

 private:
  void CheckElementType(OnyxElementType want) const {
    OnyxElementType have = ElementType();
    if (have != want)
      throw Exception(ONYX_INVALID_ARGUMENT, "tensor holds " + ElementTypeName(have) + ", not " + ElementTypeName(want));
  }
};

// ---- sessions -------------------------------------------------------------------

class Session : public detail::Handle<OnyxSession, &OnyxApi::ReleaseSession> {
 public:
  Session(const Env& env, const std::string& path) { Create(env, path, nullptr); }
  Session(const Env& env, const std::string& path, const SessionOptions& options) {
    Create(env, path, options.get());
  }
  // From a serialized model (copied: the bytes may be freed afterwards).
  Session(const Env& env, const void* data, size_t size) {
    ThrowOnError(GetApi().CreateSessionFromBytes(env.get(), data, size, nullptr, &p_));
  }
  Session(const Env& env, const void* data, size_t size, const SessionOptions& options) {
    ThrowOnError(GetApi().CreateSessionFromBytes(env.get(), data, size, options.get(), &p_));
  }

  size_t InputCount() const { return Count(GetApi().SessionGetInputCount); }
  size_t OutputCount() const { return Count(GetApi().SessionGetOutputCount); }
  size_t OverridableInitializerCount() const { return Count(GetApi().SessionGetOverridableInitializerCount); }
  std::string InputName(size_t i) const { return Name(GetApi().SessionGetInputName, i); }
  std::string OutputName(size_t i) const { return Name(GetApi().SessionGetOutputName, i); }
  std::string OverridableInitializerName(size_t i) const {
    return Name(GetApi().SessionGetOverridableInitializerName, i);
  }
  std::vector<std::string> InputNames() const { return Names(GetApi().SessionGetInputName, InputCount()); }
  std::vector<std::string> OutputNames() const { return Names(GetApi().SessionGetOutputName, OutputCount()); }
  TypeInfo InputTypeInfo(size_t i) const { return Type(GetApi().SessionGetInputTypeInfo, i); }
  TypeInfo OutputTypeInfo(size_t i) const { return Type(GetApi().SessionGetOutputTypeInfo, i); }
  TypeInfo OverridableInitializerTypeInfo(size_t i) const {
    return Type(GetApi().SessionGetOverridableInitializerTypeInfo, i);
  }
  ModelMetadata GetModelMetadata() const {
    OnyxModelMetadata* m = nullptr;
    ThrowOnError(GetApi().SessionGetModelMetadata(checked(), &m));
    return ModelMetadata(m);
  }

  // Runs with named inputs; returns the named outputs in order (all outputs
  // when output_names is empty). Safe to call from several threads.
  std::vector<Value> Run(const std::vector<std::string>& input_names, const std::vector<Value>& inputs,
                         const std::vector<std::string>& output_names) {
    return Run(nullptr, input_names, inputs, output_names);
  }
  std::vector<Value> Run(const RunOptions& run_options, const std::vector<std::string>& input_names,
                         const std::vector<Value>& inputs, const std::vector<std::string>& output_names) {
    return Run(&run_options, input_names, inputs, output_names);
  }
  // The C-style form: arrays and counts (output_names NULL = all outputs).
  std::vector<Value> Run(const RunOptions* run_options, const char* const* input_names, const Value* inputs,
                         size_t input_count, const char* const* output_names, size_t output_count) {
    std::vector<const OnyxValue*> in(input_count);
    for (size_t i = 0; i < input_count; ++i) in[i] = inputs[i].get();
    if (!output_names) output_count = OutputCount();
    std::vector<OnyxValue*> out(output_count, nullptr);
    ThrowOnError(GetApi().Run(checked(), run_options ? run_options->get() : nullptr, input_names, in.data(),
                              input_count, output_names, output_count, out.data()));
    std::vector<Value> values;
    values.reserve(output_count);
    for (OnyxValue* v : out) values.emplace_back(v);
    return values;
  }

  // run_options may be null.
  std::vector<Value> Run(const RunOptions* ro, const std::vector<std::string>& input_names,
                         const std::vector<Value>& inputs, const std::vector<std::string>& output_names) {
    if (input_names.size() != inputs.size())
      throw Exception(ONYX_INVALID_ARGUMENT, "Run: " + std::to_string(input_names.size()) + " input names but " +
                                                 std::to_string(inputs.size()) + " values");
    std::vector<const char*> in_names, out_names;
    for (const std::string& n : input_names) in_names.push_back(n.c_str());
    for (const std::string& n : output_names) out_names.push_back(n.c_str());
    return Run(ro, in_names.data(), inputs.data(), inputs.size(), output_names.empty() ? nullptr : out_names.data(),
               out_names.size());
  }

  // Stops profiling and returns the trace file's path ("" when profiling was off).
  std::string EndProfiling() {
    const char* p = nullptr;
    return detail::ReadString(GetApi().SessionEndProfiling(checked(), &p), p);
  }

 private:
  void Create(const Env& env, const std::string& path, const OnyxSessionOptions* options) {
    ThrowOnError(GetApi().CreateSession(env.get(), path.c_str(), options, &p_));
  }
  size_t Count(OnyxStatus* (*fn)(const OnyxSession*, size_t*)) const {
    size_t n = 0;
    ThrowOnError(fn(checked(), &n));
    return n;
  }
  std::string Name(OnyxStatus* (*fn)(const OnyxSession*, size_t, const char**), size_t i) const {
    const char* s = nullptr;
    return detail::ReadString(fn(checked(), i, &s), s);
  }
  std::vector<std::string> Names(OnyxStatus* (*fn)(const OnyxSession*, size_t, const char**), size_t n) const {
    std::vector<std::string> names;
    for (size_t i = 0; i < n; ++i) names.push_back(Name(fn, i));
    return names;
  }
  TypeInfo Type(OnyxStatus* (*fn)(const OnyxSession*, size_t, OnyxTypeInfo**), size_t i) const {
    OnyxTypeInfo* t = nullptr;
    ThrowOnError(fn(checked(), i, &t));
    return TypeInfo(t);
  }
};

// ---- model inspection ----------------------------------------------------------------

// A model read without compiling it (works when some ops have no kernel).
class ModelInfo : public detail::Handle<OnyxModelInfo, &OnyxApi::ReleaseModelInfo> {
 public:
  explicit ModelInfo(const std::string& path) { ThrowOnError(GetApi().CreateModelInfo(path.c_str(), &p_)); }
  static ModelInfo FromBytes(const void* data, size_t size) {
    OnyxModelInfo* m = nullptr;
    ThrowOnError(GetApi().CreateModelInfoFromBytes(data, size, &m));
    return ModelInfo(m);
  }

  struct OpCount {
    std::string domain;  // "" = ai.onnx
    std::string op_type;
    size_t count = 0;
  };

  int64_t IrVersion() const {
    int64_t v = 0;
    ThrowOnError(GetApi().ModelInfoGetIrVersion(checked(), &v));
    return v;
  }
  // (domain, version); domain "" is ai.onnx.
  std::vector<std::pair<std::string, int64_t>> Opsets() const {
    size_t n = 0;
    ThrowOnError(GetApi().ModelInfoGetOpsetCount(checked(), &n));
    std::vector<std::pair<std::string, int64_t>> out;
    for (size_t i = 0; i < n; ++i) {
      const char* d = nullptr;
      int64_t v = 0;
      ThrowOnError(GetApi().ModelInfoGetOpset(checked(), i, &d, &v));
      out.emplace_back(d, v);
    }
    return out;
  }
  size_t InputCount() const { return Count(GetApi().ModelInfoGetInputCount); }
  size_t OutputCount() const { return Count(GetApi().ModelInfoGetOutputCount); }
  std::string InputName(size_t i) const { return Name(GetApi().ModelInfoGetInputName, i); }
  std::string OutputName(size_t i) const { return Name(GetApi().ModelInfoGetOutputName, i); }
  TypeInfo InputTypeInfo(size_t i) const { return Type(GetApi().ModelInfoGetInputTypeInfo, i); }
  TypeInfo OutputTypeInfo(size_t i) const { return Type(GetApi().ModelInfoGetOutputTypeInfo, i); }
  size_t NodeCount() const { return Count(GetApi().ModelInfoGetNodeCount); }
  // Most frequent first; counts include nodes inside subgraphs.
  std::vector<OpCount> OpHistogram() const {
    size_t n = Count(GetApi().ModelInfoGetOpTypeCount);
    std::vector<OpCount> out;
    for (size_t i = 0; i < n; ++i) {
      const char *d = nullptr, *op = nullptr;
      size_t c = 0;
      ThrowOnError(GetApi().ModelInfoGetOpType(checked(), i, &d, &op, &c));
      out.push_back({d, op, c});
    }
    return out;
  }
  size_t InitializerCount() const { return InitializerStats().first; }
  size_t InitializerBytes() const { return InitializerStats().second; }
  ModelMetadata GetModelMetadata() const {
    OnyxModelMetadata* m = nullptr;
    ThrowOnError(GetApi().ModelInfoGetMetadata(checked(), &m));
    return ModelMetadata(m);
  }

 private:
  explicit ModelInfo(OnyxModelInfo* m) : Handle(m) {}
  std::pair<size_t, size_t> InitializerStats() const {
    size_t c = 0, b = 0;
    ThrowOnError(GetApi().ModelInfoGetInitializerStats(checked(), &c, &b));
    return {c, b};
  }
  size_t Count(OnyxStatus* (*fn)(const OnyxModelInfo*, size_t*)) const {
    size_t n = 0;
    ThrowOnError(fn(checked(), &n));
    return n;
  }
  std::string Name(OnyxStatus* (*fn)(const OnyxModelInfo*, size_t, const char**), size_t i) const {
    const char* s = nullptr;
    return detail::ReadString(fn(checked(), i, &s), s);
  }
  TypeInfo Type(OnyxStatus* (*fn)(const OnyxModelInfo*, size_t, OnyxTypeInfo**), size_t i) const {
    OnyxTypeInfo* t = nullptr;
    ThrowOnError(fn(checked(), i, &t));
    return TypeInfo(t);
  }
};

}  // namespace cxx_v1
}  // namespace onyx
