// onyx._onyx: ONNX Runtime's Python API (sessions, options, OrtValue) over
// Onyx's public C++ API only (onyx/onyx.hpp, itself a wrapper of the C API).
//
// Memory rules, the reason most of this file exists:
// - Inputs: a C-contiguous, aligned, native-order numpy array is wrapped
//   without a copy (CreateTensorWithData over its buffer); the array is kept
//   referenced for as long as the tensor lives. Anything else is made dense
//   first (one copy). Strings are always copied (the engine stores std::string).
// - Outputs: a numpy array is a view of the output's own buffer; its base is a
//   capsule holding the output handle, so no copy is made and the array may
//   outlive the session. An output whose memory overlaps an input the caller
//   still holds (Identity, a Reshape of an input) or an earlier output of the
//   same run is copied instead, so no two results ever alias each other - as
//   with ONNX Runtime, writing to one result never changes another.
// - The GIL is released while a model loads and while it runs.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "onyx/onyx.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

// ---- errors -------------------------------------------------------------------

// Exception classes by OnyxErrorCode (ONNX Runtime's names and numbers).
constexpr const char* kErrorNames[] = {nullptr,           "Fail",          "InvalidArgument", "NoSuchFile",
                                       "NoModel",         "EngineError",   "RuntimeException", "InvalidProtobuf",
                                       "ModelLoaded",     "NotImplemented", "InvalidGraph",    "EPFail"};
constexpr int kErrorCount = sizeof(kErrorNames) / sizeof(kErrorNames[0]);
PyObject* g_errors[kErrorCount] = {};

[[noreturn]] void raise(OnyxErrorCode code, const std::string& message) { throw onyx::Exception(code, message); }

std::string type_name(py::handle obj) { return Py_TYPE(obj.ptr())->tp_name; }

// numpy, imported once and never released (a static py::object would be
// released after the interpreter is gone).
py::module_& numpy() {
  static py::module_* np = new py::module_(py::module_::import("numpy"));
  return *np;
}

// ---- element types -------------------------------------------------------------

// The numpy dtype name of an element type; nullptr where numpy has none
// (bfloat16, float8, 4-bit and 2-bit types). Strings are object arrays.
const char* numpy_name(OnyxElementType t) {
  switch (t) {
    case ONYX_ELEMENT_FLOAT: return "float32";
    case ONYX_ELEMENT_DOUBLE: return "float64";
    case ONYX_ELEMENT_FLOAT16: return "float16";
    case ONYX_ELEMENT_INT8: return "int8";
    case ONYX_ELEMENT_INT16: return "int16";
    case ONYX_ELEMENT_INT32: return "int32";
    case ONYX_ELEMENT_INT64: return "int64";
    case ONYX_ELEMENT_UINT8: return "uint8";
    case ONYX_ELEMENT_UINT16: return "uint16";
    case ONYX_ELEMENT_UINT32: return "uint32";
    case ONYX_ELEMENT_UINT64: return "uint64";
    case ONYX_ELEMENT_BOOL: return "bool";
    case ONYX_ELEMENT_COMPLEX64: return "complex64";
    case ONYX_ELEMENT_COMPLEX128: return "complex128";
    case ONYX_ELEMENT_STRING: return "object";
    default: return nullptr;
  }
}

std::string element_name(OnyxElementType t) {
  try {
    return onyx::ElementTypeName(t);
  } catch (const onyx::Exception&) {
    return "element type " + std::to_string(static_cast<int>(t));
  }
}

py::dtype dtype_for(OnyxElementType t, const std::string& what) {
  const char* name = numpy_name(t);
  if (!name)
    raise(ONYX_NOT_IMPLEMENTED, what + " holds " + element_name(t) +
                                    " elements, for which numpy has no type; Cast it to a numpy type in the model");
  return py::dtype(name);
}

OnyxElementType element_type_of(const py::dtype& dt, const std::string& what) {
  const py::ssize_t size = dt.itemsize();
  switch (dt.kind()) {
    case 'f':
      if (size == 2) return ONYX_ELEMENT_FLOAT16;
      if (size == 4) return ONYX_ELEMENT_FLOAT;
      if (size == 8) return ONYX_ELEMENT_DOUBLE;
      break;
    case 'i':
      if (size == 1) return ONYX_ELEMENT_INT8;
      if (size == 2) return ONYX_ELEMENT_INT16;
      if (size == 4) return ONYX_ELEMENT_INT32;
      if (size == 8) return ONYX_ELEMENT_INT64;
      break;
    case 'u':
      if (size == 1) return ONYX_ELEMENT_UINT8;
      if (size == 2) return ONYX_ELEMENT_UINT16;
      if (size == 4) return ONYX_ELEMENT_UINT32;
      if (size == 8) return ONYX_ELEMENT_UINT64;
      break;
    case 'b':
      if (size == 1) return ONYX_ELEMENT_BOOL;
      break;
    case 'c':
      if (size == 8) return ONYX_ELEMENT_COMPLEX64;
      if (size == 16) return ONYX_ELEMENT_COMPLEX128;
      break;
    case 'U':
    case 'S':
    case 'O': return ONYX_ELEMENT_STRING;
    default: break;
  }
  raise(ONYX_INVALID_ARGUMENT, what + ": numpy dtype " + py::str(py::handle(dt)).cast<std::string>() + " has no ONNX element type");
}

// An element type given the way ONNX Runtime users give one: np.float32, a
// dtype, or a name ("float32").
OnyxElementType element_type_arg(py::handle arg, const std::string& what) {
  py::dtype dt;
  try {
    dt = py::dtype::from_args(py::reinterpret_borrow<py::object>(arg));
  } catch (py::error_already_set& e) {
    raise(ONYX_INVALID_ARGUMENT, what + ": " + py::repr(arg).cast<std::string>() + " is not a numpy element type");
  }
  return element_type_of(dt, what);
}

std::vector<int64_t> shape_arg(py::handle arg, const std::string& what) {
  std::vector<int64_t> shape;
  try {
    for (py::handle d : py::iter(arg)) shape.push_back(d.cast<int64_t>());
  } catch (const py::error_already_set&) {
    raise(ONYX_INVALID_ARGUMENT, what + ": the shape must be a sequence of ints, got " + py::repr(arg).cast<std::string>());
  } catch (const py::cast_error&) {
    raise(ONYX_INVALID_ARGUMENT, what + ": the shape must be a sequence of ints, got " + py::repr(arg).cast<std::string>());
  }
  for (int64_t d : shape)
    if (d < 0) raise(ONYX_INVALID_ARGUMENT, what + ": negative dim " + std::to_string(d) + " in the shape");
  return shape;
}

// ---- values ---------------------------------------------------------------------

// A value handle plus the Python objects (numpy arrays) whose memory it reads.
struct PyValue {
  explicit PyValue(onyx::Value v) : value(std::move(v)) {}
  PyValue(const PyValue&) = delete;
  PyValue& operator=(const PyValue&) = delete;
  ~PyValue() {
    if (keep.empty()) return;
    if (!Py_IsInitialized()) {  // interpreter gone: nothing left to release into
      for (py::object& o : keep) o.release();
      return;
    }
    py::gil_scoped_acquire gil;
    keep.clear();
  }
  onyx::Value value;
  std::vector<py::object> keep;
};
using ValuePtr = std::shared_ptr<PyValue>;

// [begin, end) byte ranges of memory.
using Range = std::pair<uintptr_t, uintptr_t>;

bool overlaps(const std::vector<Range>& ranges, const Range& r) {
  for (const Range& x : ranges)
    if (x.first < r.second && r.first < x.second) return true;
  return false;
}

// The dense (non-string) tensor buffers a value reads, recursively.
void collect_ranges(const onyx::Value& v, std::vector<Range>& out) {
  switch (v.Kind()) {
    case ONYX_KIND_TENSOR: {
      if (v.ElementType() == ONYX_ELEMENT_STRING) return;
      size_t bytes = v.SizeInBytes();
      if (bytes == 0) return;
      auto b = reinterpret_cast<uintptr_t>(v.GetTensorRawData());
      out.emplace_back(b, b + bytes);
      return;
    }
    case ONYX_KIND_SEQUENCE:
      for (size_t i = 0, n = v.SequenceLength(); i < n; ++i) collect_ranges(v.GetSequenceItem(i), out);
      return;
    case ONYX_KIND_MAP:
      collect_ranges(v.MapKeys(), out);
      collect_ranges(v.MapValues(), out);
      return;
    default: return;
  }
}

// A string tensor holding copies of the items of a str / bytes / object array.
ValuePtr string_tensor(const py::array& arr, const std::vector<int64_t>& shape, const std::string& what) {
  py::list items = arr.attr("ravel")().attr("tolist")();
  std::vector<std::string> strings;
  strings.reserve(items.size());
  size_t index = 0;
  for (py::handle item : items) {
    if (PyUnicode_Check(item.ptr())) {
      Py_ssize_t n = 0;
      const char* s = PyUnicode_AsUTF8AndSize(item.ptr(), &n);
      if (!s) {
        PyErr_Clear();
        raise(ONYX_INVALID_ARGUMENT, what + ": string element " + std::to_string(index) + " cannot be encoded as UTF-8");
      }
      strings.emplace_back(s, static_cast<size_t>(n));
    } else if (PyBytes_Check(item.ptr())) {
      strings.emplace_back(PyBytes_AS_STRING(item.ptr()), static_cast<size_t>(PyBytes_GET_SIZE(item.ptr())));
    } else {
      raise(ONYX_INVALID_ARGUMENT, what + ": element " + std::to_string(index) + " of the object array is a " +
                                       type_name(item) + "; string tensors take str or bytes elements");
    }
    ++index;
  }
  return std::make_shared<PyValue>(onyx::Value::StringTensor(shape, strings));
}

// A tensor over a numpy array (or anything numpy.asarray takes). `declared`
// (may be UNDEFINED) is the element type used to convert non-arrays: a list
// fed to a float input becomes float32, as ONNX Runtime does.
ValuePtr tensor_value(py::handle obj, OnyxElementType declared, const std::string& what) {
  py::array arr;
  if (py::isinstance<py::array>(obj)) {
    arr = py::reinterpret_borrow<py::array>(obj);
  } else {
    py::object dt = py::none();
    if (const char* name = declared == ONYX_ELEMENT_UNDEFINED ? nullptr : numpy_name(declared)) dt = py::dtype(name);
    try {
      arr = numpy().attr("asarray")(obj, dt);
    } catch (py::error_already_set& e) {
      raise(ONYX_INVALID_ARGUMENT, what + ": a " + type_name(obj) + " cannot be made a numpy array: " + e.what());
    }
  }
  py::dtype dt = arr.dtype();
  OnyxElementType type = element_type_of(dt, what);
  std::vector<int64_t> shape(arr.shape(), arr.shape() + arr.ndim());
  if (type == ONYX_ELEMENT_STRING) return string_tensor(arr, shape, what);

  constexpr int kAligned = 0x0100;  // NPY_ARRAY_ALIGNED
  const int flags = arr.flags();
  const bool dense = (flags & py::array::c_style) && (flags & kAligned) && dt.attr("isnative").cast<bool>();
  if (!dense) arr = numpy().attr("array")(arr, "dtype"_a = dt.attr("newbyteorder")("="), "copy"_a = true, "order"_a = "C");
  // Inputs are only read; const_cast lets read-only arrays be wrapped too.
  auto v = std::make_shared<PyValue>(onyx::Value::CreateTensor(type, shape, const_cast<void*>(arr.data()),
                                                               static_cast<size_t>(arr.nbytes())));
  v->keep.push_back(std::move(arr));
  return v;
}

// ---- declared types ----------------------------------------------------------------

// What a model input is declared to be, enough to convert a Python value to it.
struct Decl {
  OnyxTypeKind kind = ONYX_KIND_UNKNOWN;
  OnyxElementType elem = ONYX_ELEMENT_UNDEFINED;  // tensor, or the tensor inside a sequence / optional / map value
  OnyxElementType key = ONYX_ELEMENT_UNDEFINED;   // map key
  std::shared_ptr<Decl> inner;                    // sequence item, optional content, map value
  std::string type;                               // "tensor(float)" ...
};

Decl decl_of(const onyx::TypeInfo& t) {
  Decl d;
  d.kind = t.Kind();
  d.type = t.TypeString();
  switch (d.kind) {
    case ONYX_KIND_TENSOR:
    case ONYX_KIND_SPARSE_TENSOR: d.elem = t.ElementType(); break;
    case ONYX_KIND_MAP: d.key = t.MapKeyType(); [[fallthrough]];
    case ONYX_KIND_SEQUENCE:
    case ONYX_KIND_OPTIONAL:
      try {
        d.inner = std::make_shared<Decl>(decl_of(t.ElementTypeInfo()));
        d.elem = d.inner->elem;
      } catch (const onyx::Exception&) {
        // An element type the model leaves open: the value decides.
      }
      break;
    default: break;
  }
  return d;
}

// A Python value fed to an input declared `d` (NULL: unknown name or type).
ValuePtr feed_value(py::handle obj, const Decl* d, const std::string& what);

ValuePtr sequence_value(py::handle obj, const Decl* d, const std::string& what) {
  if (!PyList_Check(obj.ptr()) && !PyTuple_Check(obj.ptr()))
    raise(ONYX_INVALID_ARGUMENT, what + " is declared " + d->type + ": pass a list of values, not a " + type_name(obj));
  std::vector<ValuePtr> items;
  for (py::handle item : obj)
    items.push_back(feed_value(item, d->inner.get(), what + "[" + std::to_string(items.size()) + "]"));
  // Items (arrays or OrtValues) are shared by the sequence, not copied.
  std::vector<const OnyxValue*> handles;
  for (const ValuePtr& v : items) handles.push_back(v->value.get());
  OnyxElementType elem = d->inner && d->inner->kind == ONYX_KIND_TENSOR ? d->elem : ONYX_ELEMENT_UNDEFINED;
  OnyxValue* seq = nullptr;
  onyx::ThrowOnError(onyx::GetApi().CreateSequence(handles.data(), handles.size(), elem, &seq));
  auto v = std::make_shared<PyValue>(onyx::Value(seq));
  for (const ValuePtr& item : items) v->keep.insert(v->keep.end(), item->keep.begin(), item->keep.end());
  return v;
}

ValuePtr map_value(py::handle obj, const Decl* d, const std::string& what) {
  if (!PyDict_Check(obj.ptr()))
    raise(ONYX_INVALID_ARGUMENT, what + " is declared " + d->type + ": pass a dict, not a " + type_name(obj));
  py::dict dict = py::reinterpret_borrow<py::dict>(obj);
  py::list keys, values;
  for (auto kv : dict) {
    keys.append(kv.first);
    values.append(kv.second);
  }
  OnyxElementType key_type = d->key == ONYX_ELEMENT_UNDEFINED ? ONYX_ELEMENT_INT64 : d->key;
  ValuePtr k = tensor_value(numpy().attr("asarray")(keys, "dtype"_a = dtype_for(key_type, what + " keys")),
                            key_type, what + " keys");
  py::object vdt = d->elem == ONYX_ELEMENT_UNDEFINED ? py::object(py::none()) : py::object(dtype_for(d->elem, what));
  ValuePtr w = tensor_value(numpy().attr("asarray")(values, "dtype"_a = vdt), d->elem, what + " values");
  auto v = std::make_shared<PyValue>(onyx::Value::Map(k->value, w->value));
  v->keep = k->keep;
  v->keep.insert(v->keep.end(), w->keep.begin(), w->keep.end());
  return v;
}

ValuePtr feed_value(py::handle obj, const Decl* d, const std::string& what) {
  if (py::isinstance<PyValue>(obj)) return obj.cast<ValuePtr>();
  const OnyxTypeKind kind = d ? d->kind : ONYX_KIND_UNKNOWN;
  if (obj.is_none()) {
    if (kind == ONYX_KIND_OPTIONAL || kind == ONYX_KIND_UNKNOWN) return std::make_shared<PyValue>(onyx::Value::None());
    raise(ONYX_INVALID_ARGUMENT, what + " is None, but the model declares it " + d->type + " (only optional inputs may be None)");
  }
  switch (kind) {
    case ONYX_KIND_OPTIONAL: return feed_value(obj, d->inner.get(), what);
    case ONYX_KIND_SEQUENCE: return sequence_value(obj, d, what);
    case ONYX_KIND_MAP: return map_value(obj, d, what);
    default: return tensor_value(obj, d ? d->elem : ONYX_ELEMENT_UNDEFINED, what);
  }
}

// ---- values to Python ----------------------------------------------------------------

py::object to_python(const ValuePtr& h, const std::string& what, std::vector<Range>* taken);

// An object array of str (bytes for an element that is not valid UTF-8).
py::array strings_to_numpy(const onyx::Value& v, const std::vector<int64_t>& shape) {
  py::array out = numpy().attr("empty")(py::cast(shape), "dtype"_a = "object");
  auto** cells = static_cast<PyObject**>(out.mutable_data());
  for (size_t i = 0, n = v.ElementCount(); i < n; ++i) {
    std::string s = v.GetString(i);
    PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "strict");
    if (!o) {
      PyErr_Clear();
      o = PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
      if (!o) throw py::error_already_set();
    }
    Py_XSETREF(cells[i], o);
  }
  return out;
}

// A numpy array over the tensor of `h` (no copy; the array holds `h`), or a
// copy when `taken` says the caller already holds that memory.
py::object tensor_to_numpy(const ValuePtr& h, const std::string& what, std::vector<Range>* taken) {
  onyx::Value& v = h->value;
  const OnyxElementType type = v.ElementType();
  const std::vector<int64_t> shape = v.Shape();
  if (type == ONYX_ELEMENT_STRING) return strings_to_numpy(v, shape);
  py::dtype dt = dtype_for(type, what);
  std::vector<py::ssize_t> dims(shape.begin(), shape.end());
  const size_t bytes = v.SizeInBytes();
  if (bytes == 0) return py::array(dt, dims);
  void* data = v.GetTensorMutableRawData();
  const Range r(reinterpret_cast<uintptr_t>(data), reinterpret_cast<uintptr_t>(data) + bytes);
  if (taken && overlaps(*taken, r)) return py::array(dt, dims, data);  // no base: numpy copies
  if (taken) taken->push_back(r);
  py::capsule base(new ValuePtr(h), [](void* p) { delete static_cast<ValuePtr*>(p); });
  return py::array(dt, dims, data, base);
}

py::object to_python(const ValuePtr& h, const std::string& what, std::vector<Range>* taken) {
  onyx::Value& v = h->value;
  switch (v.Kind()) {
    case ONYX_KIND_TENSOR: return tensor_to_numpy(h, what, taken);
    case ONYX_KIND_SEQUENCE: {
      py::list out;
      for (size_t i = 0, n = v.SequenceLength(); i < n; ++i) {
        auto item = std::make_shared<PyValue>(v.GetSequenceItem(i));
        item->keep = h->keep;
        out.append(to_python(item, what + "[" + std::to_string(i) + "]", taken));
      }
      return out;
    }
    case ONYX_KIND_MAP: {
      // Keys and values become Python scalars (copied), as ONNX Runtime returns maps.
      auto keys = std::make_shared<PyValue>(v.MapKeys());
      auto values = std::make_shared<PyValue>(v.MapValues());
      py::list k = py::array(tensor_to_numpy(keys, what + " keys", nullptr)).attr("tolist")();
      py::list w = py::array(tensor_to_numpy(values, what + " values", nullptr)).attr("tolist")();
      py::dict out;
      for (size_t i = 0; i < k.size(); ++i) out[k[i]] = w[i];
      return out;
    }
    case ONYX_KIND_OPTIONAL: return py::none();  // empty (a present optional reports its content's kind)
    default: break;
  }
  raise(ONYX_NOT_IMPLEMENTED, what + " is a value of a kind Python cannot hold (" + std::to_string(v.Kind()) + ")");
}

// Copies `src` into the tensor `dst` (same element type and shape).
void copy_tensor(onyx::Value& dst, const onyx::Value& src, const std::string& what) {
  if (!dst.IsTensor() || !src.IsTensor())
    raise(ONYX_INVALID_ARGUMENT, what + ": only tensors can be copied into a bound buffer");
  const OnyxElementType dt = dst.ElementType(), st = src.ElementType();
  const std::vector<int64_t> ds = dst.Shape(), ss = src.Shape();
  if (dt != st || ds != ss) {
    auto str = [](OnyxElementType t, const std::vector<int64_t>& s) {
      std::string r = element_name(t) + " [";
      for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
      return r + "]";
    };
    raise(ONYX_INVALID_ARGUMENT, what + " is bound to a " + str(dt, ds) + " buffer but the model produced " + str(st, ss));
  }
  if (dt == ONYX_ELEMENT_STRING) {
    for (size_t i = 0, n = src.ElementCount(); i < n; ++i) dst.SetString(i, src.GetString(i));
    return;
  }
  const size_t bytes = src.SizeInBytes();
  if (bytes) std::memmove(dst.GetTensorMutableRawData(), src.GetTensorRawData(), bytes);
}

// ---- options -----------------------------------------------------------------------

enum class ExecutionMode : int { kSequential = 0, kParallel = 1 };

// Settings are kept here and turned into an onyx::SessionOptions when a
// session is created, so every one of them can also be read back.
struct PySessionOptions {
  OnyxGraphOptimizationLevel graph_optimization_level = ONYX_OPT_ENABLE_ALL;
  int intra_op_num_threads = 0;  // 0: one per core
  int inter_op_num_threads = 0;
  ExecutionMode execution_mode = ExecutionMode::kSequential;
  std::string optimized_model_filepath;
  bool enable_profiling = false;
  std::string profile_file_prefix = "onyx_profile";
  int log_severity_level = -1;  // -1: the default logger's level
  int log_verbosity_level = 0;
  std::string logid;
  // Onyx caches buffers always (enable_cpu_mem_arena, enable_mem_reuse are
  // kept so code written for ONNX Runtime can set and read them);
  // enable_mem_pattern = False turns the memory pattern off.
  bool enable_cpu_mem_arena = true;
  bool enable_mem_pattern = true;
  bool enable_mem_reuse = true;
  bool use_deterministic_compute = false;
  std::vector<std::pair<std::string, std::string>> config;  // in insertion order

  onyx::SessionOptions build() const {
    onyx::SessionOptions o;
    o.SetIntraOpNumThreads(intra_op_num_threads);
    o.SetInterOpNumThreads(inter_op_num_threads);
    o.SetGraphOptimizationLevel(graph_optimization_level);
    if (log_severity_level >= 0) o.SetLogSeverityLevel(static_cast<OnyxLoggingLevel>(log_severity_level));
    if (!optimized_model_filepath.empty()) o.SetOptimizedModelFilePath(optimized_model_filepath);
    if (enable_profiling) o.EnableProfiling(profile_file_prefix);
    // A config entry added by the caller has the last word.
    if (!enable_mem_pattern) o.DisableMemPattern();
    for (const auto& [k, v] : config) o.AddConfigEntry(k, v);
    return o;
  }
  void add_config(const std::string& key, const std::string& value) {
    if (key.empty()) raise(ONYX_INVALID_ARGUMENT, "add_session_config_entry: the key is empty");
    for (auto& kv : config)
      if (kv.first == key) {
        kv.second = value;
        return;
      }
    config.emplace_back(key, value);
  }
  std::string get_config(const std::string& key) const {
    for (const auto& kv : config)
      if (kv.first == key) return kv.second;
    raise(ONYX_INVALID_ARGUMENT, "get_session_config_entry: no session config entry '" + key + "'");
  }
};

void check_log_level(int level, const char* what) {
  if (level < ONYX_LOG_VERBOSE || level > ONYX_LOG_FATAL)
    raise(ONYX_INVALID_ARGUMENT, std::string(what) + " is " + std::to_string(level) +
                                     "; levels are 0 (verbose), 1 (info), 2 (warning), 3 (error), 4 (fatal)");
}

struct PyRunOptions {
  onyx::RunOptions options;
  int log_verbosity_level = 0;
  bool terminate = false;
};

// ---- the default logger ---------------------------------------------------------------

// Sessions read the environment's log level when they are created only, so
// set_default_logger_severity swaps in a new environment. It is never freed at
// exit: the library's own statics may already be gone by then.
std::mutex g_env_mu;
std::shared_ptr<onyx::Env>* g_env = nullptr;
int g_default_verbosity = 0;

std::shared_ptr<onyx::Env> current_env() {
  std::lock_guard<std::mutex> lk(g_env_mu);
  if (!g_env) g_env = new std::shared_ptr<onyx::Env>(std::make_shared<onyx::Env>(ONYX_LOG_WARNING, "onyx-python"));
  return *g_env;
}

void set_default_logger_severity(int level) {
  check_log_level(level, "set_default_logger_severity: level");
  auto env = std::make_shared<onyx::Env>(static_cast<OnyxLoggingLevel>(level), "onyx-python");
  std::lock_guard<std::mutex> lk(g_env_mu);
  if (!g_env) g_env = new std::shared_ptr<onyx::Env>();
  *g_env = std::move(env);
}

// ---- sessions ------------------------------------------------------------------------

struct NodeArg {
  std::string name, type;
  int64_t rank = -1;
  std::vector<int64_t> dims;         // -1 where not a fixed number
  std::vector<std::string> symbols;  // "" where fixed or unnamed

  // ints for fixed dims, str for symbolic ones, None for unnamed unknown ones;
  // [] when the rank is unknown or the value is not a tensor.
  py::list shape() const {
    py::list out;
    for (int64_t i = 0; i < std::max<int64_t>(rank, 0); ++i) {
      auto k = static_cast<size_t>(i);
      if (dims[k] >= 0) out.append(dims[k]);
      else if (!symbols[k].empty()) out.append(symbols[k]);
      else out.append(py::none());
    }
    return out;
  }
  std::string repr() const {
    return "NodeArg(name='" + name + "', type='" + type + "', shape=" + py::repr(shape()).cast<std::string>() + ")";
  }
};

NodeArg node_arg(const std::string& name, const onyx::TypeInfo& t) {
  NodeArg a;
  a.name = name;
  a.type = t.TypeString();
  a.rank = t.Rank();
  if (a.rank >= 0) {
    a.dims = t.Shape();
    a.symbols = t.SymbolicDims();
  }
  return a;
}

struct ModelMetadata {
  std::string producer_name, producer_version, graph_name, domain, description;
  int64_t version = 0;
  std::vector<std::pair<std::string, std::string>> custom;

  py::dict custom_map() const {
    py::dict d;
    for (const auto& [k, v] : custom) d[py::str(k)] = py::str(v);
    return d;
  }
};

class PySession {
 public:
  PySession(py::object model, const PySessionOptions& options) {
    onyx::SessionOptions so = options.build();
    std::shared_ptr<onyx::Env> env = current_env();
    if (PyBytes_Check(model.ptr())) {
      // Immutable, and held by the caller's frame: safe to read without the
      // GIL. The C API copies the bytes before it returns.
      const char* data = PyBytes_AS_STRING(model.ptr());
      const auto size = static_cast<size_t>(PyBytes_GET_SIZE(model.ptr()));
      py::gil_scoped_release nogil;
      session_ = std::make_unique<onyx::Session>(*env, data, size, so);
    } else {
      std::string path = py::str(py::module_::import("os").attr("fspath")(model)).cast<std::string>();
      py::gil_scoped_release nogil;
      session_ = std::make_unique<onyx::Session>(*env, path, so);
    }
    for (size_t i = 0, n = session_->InputCount(); i < n; ++i) {
      onyx::TypeInfo t = session_->InputTypeInfo(i);
      inputs_.push_back(node_arg(session_->InputName(i), t));
      decls_.emplace(inputs_.back().name, decl_of(t));
    }
    for (size_t i = 0, n = session_->OverridableInitializerCount(); i < n; ++i) {
      onyx::TypeInfo t = session_->OverridableInitializerTypeInfo(i);
      overridable_.push_back(node_arg(session_->OverridableInitializerName(i), t));
      decls_.emplace(overridable_.back().name, decl_of(t));
    }
    for (size_t i = 0, n = session_->OutputCount(); i < n; ++i)
      outputs_.push_back(node_arg(session_->OutputName(i), session_->OutputTypeInfo(i)));
    onyx::ModelMetadata m = session_->GetModelMetadata();
    meta_.producer_name = m.ProducerName();
    meta_.producer_version = m.ProducerVersion();
    meta_.graph_name = m.GraphName();
    meta_.domain = m.Domain();
    meta_.description = m.Description();
    meta_.version = m.Version();
    meta_.custom = m.CustomMetadata();
  }

  const std::vector<NodeArg>& inputs() const { return inputs_; }
  const std::vector<NodeArg>& outputs() const { return outputs_; }
  const std::vector<NodeArg>& overridable_initializers() const { return overridable_; }
  const ModelMetadata& metadata() const { return meta_; }

  // run(): numpy arrays (lists for sequences, dicts for maps, None for empty optionals).
  py::list run(py::object output_names, py::object feed, const PyRunOptions* run_options) {
    std::vector<std::string> names = output_list(output_names);
    std::vector<std::string> in_names;
    std::vector<ValuePtr> in_values;
    make_feeds(feed, in_names, in_values);
    std::vector<ValuePtr> results = run_values(in_names, in_values, names, run_options);
    // Memory the caller holds already: every input buffer, then each output handed out.
    std::vector<Range> taken;
    for (const ValuePtr& v : in_values) collect_ranges(v->value, taken);
    py::list out;
    for (size_t i = 0; i < results.size(); ++i) out.append(to_python(results[i], "output '" + names[i] + "'", &taken));
    return out;
  }

  // run_with_ort_values(): OrtValues; an output sharing an input's memory keeps that input's arrays alive.
  std::vector<ValuePtr> run_with_ort_values(py::object output_names, py::object feed,
                                            const PyRunOptions* run_options) {
    std::vector<std::string> names = output_list(output_names);
    std::vector<std::string> in_names;
    std::vector<ValuePtr> in_values;
    make_feeds(feed, in_names, in_values);
    std::vector<ValuePtr> results = run_values(in_names, in_values, names, run_options);
    std::vector<std::vector<Range>> in_ranges(in_values.size());
    for (size_t i = 0; i < in_values.size(); ++i) collect_ranges(in_values[i]->value, in_ranges[i]);
    for (const ValuePtr& r : results) {
      std::vector<Range> mine;
      collect_ranges(r->value, mine);
      for (size_t i = 0; i < in_values.size(); ++i) {
        if (in_values[i]->keep.empty()) continue;
        bool shared = false;
        for (const Range& x : mine) shared = shared || overlaps(in_ranges[i], x);
        if (shared) r->keep.insert(r->keep.end(), in_values[i]->keep.begin(), in_values[i]->keep.end());
      }
    }
    return results;
  }

  std::string end_profiling() { return session_->EndProfiling(); }

 private:
  // The names asked for; None or [] means every output, in model order.
  std::vector<std::string> output_list(py::handle names) const {
    std::vector<std::string> out;
    if (!names.is_none()) {
      if (PyUnicode_Check(names.ptr()))
        raise(ONYX_INVALID_ARGUMENT, "output_names must be a list of names (or None), not a str");
      for (py::handle n : py::iter(names)) {
        if (!PyUnicode_Check(n.ptr()))
          raise(ONYX_INVALID_ARGUMENT, "output_names must hold str, got a " + type_name(n));
        out.push_back(n.cast<std::string>());
      }
    }
    if (out.empty())
      for (const NodeArg& a : outputs_) out.push_back(a.name);
    return out;
  }

  void make_feeds(py::handle feed, std::vector<std::string>& names, std::vector<ValuePtr>& values) const {
    if (!PyDict_Check(feed.ptr()))
      raise(ONYX_INVALID_ARGUMENT, "input_feed must be a dict {input name: value}, not a " + type_name(feed));
    for (auto kv : py::reinterpret_borrow<py::dict>(feed)) {
      if (!PyUnicode_Check(kv.first.ptr()))
        raise(ONYX_INVALID_ARGUMENT, "input_feed keys must be input names (str), got a " + type_name(kv.first));
      std::string name = kv.first.cast<std::string>();
      auto it = decls_.find(name);
      values.push_back(feed_value(kv.second, it == decls_.end() ? nullptr : &it->second, "input '" + name + "'"));
      names.push_back(std::move(name));
    }
  }

  std::vector<ValuePtr> run_values(const std::vector<std::string>& in_names, const std::vector<ValuePtr>& in_values,
                                   const std::vector<std::string>& out_names, const PyRunOptions* run_options) {
    std::vector<const char*> in_c, out_c;
    std::vector<const OnyxValue*> in_v;
    for (size_t i = 0; i < in_names.size(); ++i) {
      in_c.push_back(in_names[i].c_str());
      in_v.push_back(in_values[i]->value.get());
    }
    for (const std::string& n : out_names) out_c.push_back(n.c_str());
    std::vector<OnyxValue*> outs(out_names.size(), nullptr);
    const OnyxRunOptions* ro = run_options ? run_options->options.get() : nullptr;
    OnyxStatus* status;
    {
      // Only C++ objects are touched from here on; the Python ones stay referenced by the caller's frames.
      py::gil_scoped_release nogil;
      status = onyx::GetApi().Run(session_->get(), ro, in_c.data(), in_v.data(), in_v.size(), out_c.data(),
                                  out_c.size(), outs.data());
    }
    onyx::ThrowOnError(status);
    std::vector<ValuePtr> results;
    results.reserve(outs.size());
    for (OnyxValue* o : outs) results.push_back(std::make_shared<PyValue>(onyx::Value(o)));
    return results;
  }

  std::unique_ptr<onyx::Session> session_;
  std::vector<NodeArg> inputs_, outputs_, overridable_;
  std::unordered_map<std::string, Decl> decls_;  // inputs and overridable initializers
  ModelMetadata meta_;
};

// ---- OrtValue -------------------------------------------------------------------

void check_device(const std::string& device, int device_id) {
  std::string d = device;
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (d != "cpu")
    raise(ONYX_INVALID_ARGUMENT, "device '" + device + "' is not available; this build of Onyx has only 'cpu'");
  if (device_id != 0) raise(ONYX_INVALID_ARGUMENT, "cpu device id " + std::to_string(device_id) + " does not exist (only 0)");
}

ValuePtr ortvalue_from_numpy(py::object arr, const std::string& device, int device_id) {
  check_device(device, device_id);
  return tensor_value(arr, ONYX_ELEMENT_UNDEFINED, "ortvalue_from_numpy");
}

ValuePtr ortvalue_from_shape_and_type(py::object shape, py::object element_type, const std::string& device,
                                      int device_id) {
  check_device(device, device_id);
  const std::string what = "ortvalue_from_shape_and_type";
  return std::make_shared<PyValue>(onyx::Value::Tensor(element_type_arg(element_type, what), shape_arg(shape, what)));
}

// A tensor over memory at address `ptr` that the caller owns (io_binding's
// bind_input / bind_output with buffer_ptr).
ValuePtr ortvalue_from_pointer(uintptr_t ptr, py::object shape, py::object element_type, const std::string& what) {
  OnyxElementType type = element_type_arg(element_type, what);
  if (type == ONYX_ELEMENT_STRING) raise(ONYX_INVALID_ARGUMENT, what + ": string tensors cannot be bound to a raw buffer");
  std::vector<int64_t> dims = shape_arg(shape, what);
  const size_t bytes = onyx::Value::ElementCountOf(dims) * static_cast<size_t>(dtype_for(type, what).itemsize());
  if (bytes > 0 && ptr == 0) raise(ONYX_INVALID_ARGUMENT, what + ": buffer_ptr is 0");
  return std::make_shared<PyValue>(onyx::Value::CreateTensor(type, dims, reinterpret_cast<void*>(ptr), bytes));
}

std::string ortvalue_repr(const PyValue& v) {
  if (!v.value.HasValue()) return "<onyx.OrtValue None>";
  std::string type = v.value.GetTypeInfo().TypeString();
  if (v.value.IsTensor()) {
    std::string s;
    for (int64_t d : v.value.Shape()) s += (s.empty() ? "" : ", ") + std::to_string(d);
    return "<onyx.OrtValue " + type + " shape=[" + s + "]>";
  }
  return "<onyx.OrtValue " + type + ">";
}

void update_inplace(PyValue& self, py::object arr) {
  ValuePtr src = tensor_value(arr, ONYX_ELEMENT_UNDEFINED, "update_inplace");
  if (!self.value.IsTensor()) raise(ONYX_INVALID_ARGUMENT, "update_inplace: the OrtValue is not a tensor");
  if (src->value.ElementType() != self.value.ElementType() || src->value.ElementCount() != self.value.ElementCount())
    raise(ONYX_INVALID_ARGUMENT, "update_inplace: the array holds " + std::to_string(src->value.ElementCount()) + " " +
                                     element_name(src->value.ElementType()) + " elements, the OrtValue " +
                                     std::to_string(self.value.ElementCount()) + " " +
                                     element_name(self.value.ElementType()));
  if (self.value.ElementType() == ONYX_ELEMENT_STRING) {
    for (size_t i = 0, n = src->value.ElementCount(); i < n; ++i) self.value.SetString(i, src->value.GetString(i));
  } else if (size_t bytes = src->value.SizeInBytes()) {
    std::memmove(self.value.GetTensorMutableRawData(), src->value.GetTensorRawData(), bytes);
  }
}

}  // namespace

PYBIND11_MODULE(_onyx, m) {
  m.doc() = "Onyx inference engine: the native part of the `onyx` package (ONNX Runtime's Python API)";

  // ---- exceptions: one base, one class per error code ----
  PyObject* base = PyErr_NewExceptionWithDoc("onyx.OnyxError", "Base of every error Onyx raises.", PyExc_RuntimeError, nullptr);
  if (!base) throw py::error_already_set();
  m.add_object("OnyxError", py::reinterpret_steal<py::object>(base));
  for (int code = 1; code < kErrorCount; ++code) {
    std::string qual = std::string("onyx.") + kErrorNames[code];
    PyObject* cls = PyErr_NewException(qual.c_str(), base, nullptr);
    if (!cls) throw py::error_already_set();
    g_errors[code] = cls;  // one reference kept for the translator, one given to the module
    m.add_object(kErrorNames[code], py::reinterpret_borrow<py::object>(cls));
  }
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const onyx::Exception& e) {
      int code = static_cast<int>(e.code());
      PyErr_SetString(g_errors[code >= 1 && code < kErrorCount ? code : ONYX_FAIL], e.what());
    }
  });

  // ---- enums ----
  py::enum_<OnyxGraphOptimizationLevel>(m, "GraphOptimizationLevel")
      .value("ORT_DISABLE_ALL", ONYX_OPT_DISABLE_ALL)
      .value("ORT_ENABLE_BASIC", ONYX_OPT_ENABLE_BASIC)
      .value("ORT_ENABLE_EXTENDED", ONYX_OPT_ENABLE_EXTENDED)
      .value("ORT_ENABLE_ALL", ONYX_OPT_ENABLE_ALL);
  py::enum_<ExecutionMode>(m, "ExecutionMode")
      .value("ORT_SEQUENTIAL", ExecutionMode::kSequential)
      .value("ORT_PARALLEL", ExecutionMode::kParallel);

  // ---- library ----
  m.def("get_version_string", [] { return onyx::GetVersionString(); });
  m.def("get_available_providers", [] { return onyx::GetAvailableProviders(); });
  m.def("get_device", [] { return std::string("CPU"); });
  m.def("set_default_logger_severity", &set_default_logger_severity, "level"_a);
  m.def("set_default_logger_verbosity", [](int v) { g_default_verbosity = v; }, "level"_a);
  m.def("get_default_logger_verbosity", [] { return g_default_verbosity; });

  // ---- options ----
  py::class_<PySessionOptions>(m, "SessionOptions")
      .def(py::init<>())
      .def_readwrite("graph_optimization_level", &PySessionOptions::graph_optimization_level)
      .def_readwrite("intra_op_num_threads", &PySessionOptions::intra_op_num_threads)
      .def_readwrite("inter_op_num_threads", &PySessionOptions::inter_op_num_threads)
      .def_readwrite("execution_mode", &PySessionOptions::execution_mode)
      .def_readwrite("optimized_model_filepath", &PySessionOptions::optimized_model_filepath)
      .def_readwrite("enable_profiling", &PySessionOptions::enable_profiling)
      .def_readwrite("profile_file_prefix", &PySessionOptions::profile_file_prefix)
      .def_property(
          "log_severity_level", [](const PySessionOptions& o) { return o.log_severity_level; },
          [](PySessionOptions& o, int level) {
            if (level != -1) check_log_level(level, "log_severity_level");
            o.log_severity_level = level;
          })
      .def_readwrite("log_verbosity_level", &PySessionOptions::log_verbosity_level)
      .def_readwrite("logid", &PySessionOptions::logid)
      .def_readwrite("enable_cpu_mem_arena", &PySessionOptions::enable_cpu_mem_arena)
      .def_readwrite("enable_mem_pattern", &PySessionOptions::enable_mem_pattern)
      .def_readwrite("enable_mem_reuse", &PySessionOptions::enable_mem_reuse)
      .def_readwrite("use_deterministic_compute", &PySessionOptions::use_deterministic_compute)
      .def("add_session_config_entry", &PySessionOptions::add_config, "config_key"_a, "config_value"_a)
      .def("get_session_config_entry", &PySessionOptions::get_config, "config_key"_a)
      .def("__copy__", [](const PySessionOptions& o) { return PySessionOptions(o); })
      .def("__deepcopy__", [](const PySessionOptions& o, py::dict) { return PySessionOptions(o); }, "memo"_a);

  py::class_<PyRunOptions>(m, "RunOptions")
      .def(py::init<>())
      .def_property(
          "log_severity_level", [](const PyRunOptions& o) { return static_cast<int>(o.options.GetLogSeverityLevel()); },
          [](PyRunOptions& o, int level) {
            check_log_level(level, "log_severity_level");
            o.options.SetLogSeverityLevel(static_cast<OnyxLoggingLevel>(level));
          })
      .def_readwrite("log_verbosity_level", &PyRunOptions::log_verbosity_level)
      .def_property(
          "run_tag", [](const PyRunOptions& o) { return o.options.GetTag(); },
          [](PyRunOptions& o, const std::string& tag) { o.options.SetTag(tag); })
      // Setting it True makes runs using these options (running now or
      // started later) fail at the next node, until it is set False again.
      .def_property(
          "terminate", [](const PyRunOptions& o) { return o.terminate; },
          [](PyRunOptions& o, bool t) {
            if (t) o.options.SetTerminate();
            else o.options.UnsetTerminate();
            o.terminate = t;
          });

  // ---- metadata ----
  py::class_<NodeArg>(m, "NodeArg")
      .def_readonly("name", &NodeArg::name)
      .def_readonly("type", &NodeArg::type)
      .def_property_readonly("shape", &NodeArg::shape)
      .def("__repr__", &NodeArg::repr)
      .def("__str__", &NodeArg::repr);

  py::class_<ModelMetadata>(m, "ModelMetadata")
      .def_readonly("producer_name", &ModelMetadata::producer_name)
      .def_readonly("producer_version", &ModelMetadata::producer_version)
      .def_readonly("graph_name", &ModelMetadata::graph_name)
      .def_readonly("domain", &ModelMetadata::domain)
      .def_readonly("description", &ModelMetadata::description)
      .def_readonly("version", &ModelMetadata::version)
      .def_property_readonly("custom_metadata_map", &ModelMetadata::custom_map);

  // ---- values ----
  py::class_<PyValue, ValuePtr>(m, "OrtValue")
      .def_static("ortvalue_from_numpy", &ortvalue_from_numpy, "numpy_obj"_a, "device_type"_a = "cpu",
                  "device_id"_a = 0)
      .def_static("ortvalue_from_shape_and_type", &ortvalue_from_shape_and_type, "shape"_a,
                  "element_type"_a = py::dtype("float32"), "device_type"_a = "cpu", "device_id"_a = 0)
      .def_static("_from_pointer", &ortvalue_from_pointer, "ptr"_a, "shape"_a, "element_type"_a, "what"_a)
      .def("data_ptr", [](const PyValue& v) { return reinterpret_cast<uintptr_t>(v.value.GetTensorRawData()); })
      .def("device_name", [](const PyValue&) { return std::string("cpu"); })
      .def("shape", [](const PyValue& v) { return v.value.Shape(); })
      .def("data_type", [](const PyValue& v) { return v.value.GetTypeInfo().TypeString(); })
      .def("element_type", [](const PyValue& v) { return static_cast<int>(v.value.ElementType()); })
      .def("has_value", [](const PyValue& v) { return v.value.HasValue(); })
      .def("is_tensor", [](const PyValue& v) { return v.value.IsTensor(); })
      .def("is_tensor_sequence", [](const PyValue& v) { return v.value.Kind() == ONYX_KIND_SEQUENCE; })
      .def("numpy", [](const ValuePtr& v) { return to_python(v, "value", nullptr); })
      .def("update_inplace", &update_inplace, "np_arr"_a)
      .def("_copy_from",
           [](PyValue& dst, const PyValue& src, const std::string& what) { copy_tensor(dst.value, src.value, what); },
           "src"_a, "what"_a)
      .def("__repr__", &ortvalue_repr);

  // ---- sessions ----
  py::class_<PySession>(m, "Session")
      .def(py::init<py::object, const PySessionOptions&>(), "model"_a, "options"_a)
      .def_property_readonly("inputs", &PySession::inputs)
      .def_property_readonly("outputs", &PySession::outputs)
      .def_property_readonly("overridable_initializers", &PySession::overridable_initializers)
      .def_property_readonly("metadata", &PySession::metadata)
      .def("run", &PySession::run, "output_names"_a, "input_feed"_a, "run_options"_a = nullptr)
      .def("run_with_ort_values", &PySession::run_with_ort_values, "output_names"_a, "input_feed"_a,
           "run_options"_a = nullptr)
      .def("end_profiling", &PySession::end_profiling);
}
