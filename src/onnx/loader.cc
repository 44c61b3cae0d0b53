#include "onnx/loader.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/weight_memory.h"
#include "base/mapped_file.h"
#include "base/resident.h"
#include "onnx/function_ops.h"
#include "onnx/wire.h"
#include "runtime/parallel_items.h"

namespace onyx::onnx {

namespace fs = std::filesystem;
using ir::AttrType;
using ir::Dim;
using ir::Type;
using wire::Reader;

namespace {

// Nesting deeper than this (subgraphs in subgraphs, types in types) comes from
// hostile files; refusing it keeps the recursive decoder off the stack's edge.
constexpr int kMaxNesting = 64;
// Function calls inside functions: deeper chains are treated as recursion.
constexpr int kMaxFunctionDepth = 32;

// ---- decoded protobuf messages, names still as strings ----

struct GraphP;

struct AttrP {
  ir::Attribute a;
  std::string ref_attr_name;
  std::shared_ptr<GraphP> g;
  std::vector<std::shared_ptr<GraphP>> graphs;
};

struct NodeP {
  std::vector<std::string> inputs, outputs;
  std::string name, op_type, domain, overload;
  std::vector<AttrP> attrs;
  // Opset imports of the function this node was inlined from (empty: the model's).
  std::shared_ptr<const std::map<std::string, int64_t>> opsets;
};

struct ValueInfoP {
  std::string name;
  Type type;
};

struct NamedTensor {
  std::string name;
  Tensor t;
};

struct GraphP {
  std::string name;
  std::vector<NodeP> nodes;
  std::vector<NamedTensor> initializers;
  std::vector<ValueInfoP> inputs, outputs, value_info;
};

struct FunctionP {
  std::string name, domain, overload;
  std::vector<std::string> inputs, outputs;
  std::vector<std::string> attr_names;
  std::vector<ir::Attribute> attr_defaults;
  std::vector<NodeP> nodes;
  std::shared_ptr<const std::map<std::string, int64_t>> opsets;
};

// ---- decoding ----

class Decoder {
 public:
  Decoder(std::string model_path, std::string dir, bool copy_data, std::shared_ptr<void> owner = nullptr,
          ThreadPool* pool = nullptr)
      : model_path_(std::move(model_path)), dir_(std::move(dir)), copy_(copy_data),
        owner_(std::move(owner)), pool_(pool) {}

  std::vector<std::shared_ptr<void>> mappings;  // external data files opened

  Tensor tensor(Reader r, std::string* name_out = nullptr);
  Tensor sparse_tensor(Reader r, std::string* name_out = nullptr);
  Type type(Reader r, int depth);
  AttrP attribute(Reader r, int depth);
  NodeP node(Reader r, int depth);
  ValueInfoP value_info(Reader r, int depth);
  std::shared_ptr<GraphP> graph(Reader r, int depth);
  FunctionP function(Reader r);
  static std::map<std::string, int64_t>::value_type opset_id(Reader r);
  // Does the queued copies of misaligned tensor data; nothing may read those
  // tensors before (the model decoder calls it once, at the end).
  void flush_copies();

 private:
  const uint8_t* external(const std::string& tensor_name, const std::map<std::string, std::string>& entries,
                          size_t expected, size_t* length_out);

  std::string model_path_;
  std::string dir_;
  bool copy_;  // copy tensor data out of the buffer (test data read into a temporary)
  std::shared_ptr<void> owner_;  // keeps the model bytes alive for tensors that view them
  ThreadPool* pool_;             // LoadOptions::pool
  struct Copy {
    const uint8_t* src;
    uint8_t* dst;
    size_t n;
    std::shared_ptr<void> keep;  // dst's owner: a tensor dropped before the flush must not free dst
  };
  std::vector<Copy> pending_;  // copies of misaligned data not done yet
  std::unique_ptr<WeightArena> arena_;  // copies of small misaligned weights
  std::unordered_map<std::string, std::shared_ptr<MappedFile>> files_;
};

std::map<std::string, std::string> string_entry(Reader r, std::map<std::string, std::string>& out) {
  std::string k, v;
  while (r.next()) {
    if (r.field() == 1) k = r.string();
    else if (r.field() == 2) v = r.string();
    else r.skip();
  }
  out[k] = v;
  return out;
}

// Reads a typed repeated field into `dst` (element type D) from wire values of type W.
template <typename D, typename W>
void copy_typed(const std::vector<W>& src, Tensor& dst) {
  D* out = dst.data<D>();
  for (size_t i = 0; i < src.size(); ++i) out[i] = static_cast<D>(src[i]);
}

Tensor Decoder::tensor(Reader r, std::string* name_out) {
  std::vector<int64_t> dims;
  int32_t raw_type = 0;
  std::string name;
  std::string_view raw;
  bool has_raw = false;
  std::vector<float> floats;
  std::vector<int64_t> int32s, int64s, uint64s;  // varints, widened
  std::vector<double> doubles;
  std::vector<std::string> strings;
  std::map<std::string, std::string> ext;
  int64_t location = 0;
  while (r.next()) {
    switch (r.field()) {
      case 1: r.append_varints(dims); break;
      case 2: raw_type = r.int32(); break;
      case 4: r.append_floats(floats); break;
      case 5: r.append_varints(int32s); break;
      case 6: strings.emplace_back(r.bytes()); break;
      case 7: r.append_varints(int64s); break;
      case 8: name = r.string(); break;
      case 9: raw = r.bytes(); has_raw = true; break;
      case 10: r.append_doubles(doubles); break;
      case 11: r.append_varints(uint64s); break;
      case 13: string_entry(r.message(), ext); break;
      case 14: location = r.int64(); break;
      default: r.skip();
    }
  }
  if (name_out) *name_out = name;
  auto where = [&]() { return "tensor '" + name + "' in model '" + model_path_ + "'"; };
  if (!dtype_is_valid(raw_type))
    fail(ErrorCode::kInvalidProtobuf, where(), ": unknown element type ", raw_type);
  DataType dt = static_cast<DataType>(raw_type);
  for (int64_t d : dims)
    if (d < 0) fail(ErrorCode::kInvalidGraph, where(), ": negative dimension in shape ", shape_str(dims));
  int64_t numel;
  try {
    numel = shape_numel(dims);
  } catch (const Error& e) {
    throw e.with_context(where());
  }
  size_t nbytes = dtype_bytes(dt, numel);
  size_t elem_align = std::max<size_t>(1, static_cast<size_t>(dtype_bits(dt) / 8));
  if (dt == DataType::kComplex64) elem_align = 4;
  if (dt == DataType::kComplex128) elem_align = 8;

  auto view_or_copy = [&](const uint8_t* p, size_t n, std::shared_ptr<void> owner) {
    if (n != nbytes)
      fail(ErrorCode::kInvalidGraph, where(), ": ", dtype_name(dt), shape_str(dims), " needs ", nbytes,
           " bytes but the data has ", n);
    // Point into the mapping when the element alignment allows it (the usual
    // case for external data, whose offsets are page-aligned); otherwise copy
    // once, because a misaligned float* is undefined behaviour in C++.
    if (!copy_ && reinterpret_cast<uintptr_t>(p) % elem_align == 0)
      return Tensor::wrap(dt, Shape(dims), const_cast<uint8_t*>(p), std::move(owner));
    // The copies of the model's weights go to weight memory
    // (base/weight_memory.h): under 2 MiB side by side in an arena's chunks,
    // larger ones in a mapping each. A caller's copy_ (test data) stays on
    // the allocator.
    Tensor t;
    if (!copy_ && n < WeightArena::kMaxShared) {
      if (!arena_) arena_ = std::make_unique<WeightArena>();
      WeightArena::Block b = arena_->alloc(n);
      t = Tensor::wrap(dt, Shape(dims), b.p, std::move(b.owner));
    } else if (!copy_) {
      WeightBlock b = map_weight(n);
      t = Tensor::wrap(dt, Shape(dims), b.p, std::move(b.owner));
    } else {
      t = Tensor(dt, Shape(dims));
    }
    // From a mapped file, read the bytes (pread) rather than touch its pages:
    // the copy is what the model uses, the file pages need not come in.
    // With a pool the copies are queued and done together at the end of
    // decoding (flush_copies), split evenly over its threads.
    if (n) pending_.push_back({p, static_cast<uint8_t*>(t.raw()), n, t.owner()});
    if (!pool_) flush_copies();
    return t;
  };

  if (location == 1 || !ext.empty()) {
    if (dt == DataType::kString) fail(ErrorCode::kInvalidGraph, where(), ": string tensors cannot use external data");
    size_t len = 0;
    const uint8_t* p = external(name, ext, nbytes, &len);
    return view_or_copy(p, len, mappings.empty() ? nullptr : mappings.back());
  }
  if (has_raw) {
    if (dt == DataType::kString) fail(ErrorCode::kInvalidGraph, where(), ": string tensors cannot use raw_data");
    return view_or_copy(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(), owner_);
  }

  // Before allocating: a tiny proto declaring [2^31, 6] with no data would
  // otherwise get its 12 GiB tensor first and the count error after (found
  // by fuzz_loader). At most 8 elements per stored value (packed 2-bit types);
  // the exact count per type is checked below.
  size_t present = floats.size() + int32s.size() + int64s.size() + uint64s.size() + doubles.size() + strings.size();
  if (static_cast<uint64_t>(numel) / 8 > present)
    fail(ErrorCode::kInvalidGraph, where(), ": ", dtype_name(dt), shape_str(dims), " needs ", numel,
         " values but the tensor holds ", present);
  Tensor t(dt, Shape(dims));
  auto expect = [&](size_t have, size_t want, const char* field) {
    if (have != want)
      fail(ErrorCode::kInvalidGraph, where(), ": ", dtype_name(dt), shape_str(dims), " needs ", want, " values in ",
           field, " but has ", have);
  };
  size_t n = static_cast<size_t>(numel);
  switch (dt) {
    case DataType::kFloat: expect(floats.size(), n, "float_data"); copy_typed<float>(floats, t); break;
    case DataType::kComplex64: expect(floats.size(), 2 * n, "float_data"); if (n) std::memcpy(t.raw(), floats.data(), 8 * n); break;
    case DataType::kDouble: expect(doubles.size(), n, "double_data"); copy_typed<double>(doubles, t); break;
    case DataType::kComplex128: expect(doubles.size(), 2 * n, "double_data"); if (n) std::memcpy(t.raw(), doubles.data(), 16 * n); break;
    case DataType::kInt64: expect(int64s.size(), n, "int64_data"); copy_typed<int64_t>(int64s, t); break;
    case DataType::kUInt32: expect(uint64s.size(), n, "uint64_data"); copy_typed<uint32_t>(uint64s, t); break;
    case DataType::kUInt64: expect(uint64s.size(), n, "uint64_data"); copy_typed<uint64_t>(uint64s, t); break;
    case DataType::kString: {
      expect(strings.size(), n, "string_data");
      auto* s = t.data<std::string>();
      for (size_t i = 0; i < n; ++i) s[i] = std::move(strings[i]);
      break;
    }
    case DataType::kInt32: expect(int32s.size(), n, "int32_data"); copy_typed<int32_t>(int32s, t); break;
    case DataType::kInt16: expect(int32s.size(), n, "int32_data"); copy_typed<int16_t>(int32s, t); break;
    case DataType::kInt8: expect(int32s.size(), n, "int32_data"); copy_typed<int8_t>(int32s, t); break;
    case DataType::kUInt16: case DataType::kFloat16: case DataType::kBFloat16:
      expect(int32s.size(), n, "int32_data"); copy_typed<uint16_t>(int32s, t); break;
    case DataType::kUInt8: case DataType::kFloat8E4M3FN: case DataType::kFloat8E4M3FNUZ: case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ: case DataType::kFloat8E8M0:
      expect(int32s.size(), n, "int32_data"); copy_typed<uint8_t>(int32s, t); break;
    case DataType::kBool: {
      expect(int32s.size(), n, "int32_data");
      bool* b = t.data<bool>();
      for (size_t i = 0; i < n; ++i) b[i] = int32s[i] != 0;
      break;
    }
    case DataType::kUInt4: case DataType::kInt4: case DataType::kFloat4E2M1:
    case DataType::kUInt2: case DataType::kInt2: {
      // Sub-byte types are stored packed, one packed byte per int32 value.
      expect(int32s.size(), nbytes, "int32_data (packed)");
      copy_typed<uint8_t>(int32s, t);
      break;
    }
    default: fail(ErrorCode::kNotImplemented, where(), ": element type ", dtype_name(dt), " is not supported");
  }
  return t;
}

const uint8_t* Decoder::external(const std::string& tensor_name, const std::map<std::string, std::string>& entries,
                                 size_t expected, size_t* length_out) {
  auto where = [&]() { return "tensor '" + tensor_name + "' in model '" + model_path_ + "'"; };
  auto get = [&](const char* k) -> const std::string* {
    auto it = entries.find(k);
    return it == entries.end() ? nullptr : &it->second;
  };
  const std::string* loc = get("location");
  if (!loc || loc->empty()) fail(ErrorCode::kInvalidGraph, where(), ": external data without a location");
  if (dir_.empty())
    fail(ErrorCode::kInvalidArgument, where(), ": uses external data file '", *loc,
         "' but the model was loaded from memory without a folder for external data");
  fs::path rel(*loc);
  if (rel.is_absolute())
    fail(ErrorCode::kInvalidGraph, where(), ": external data path '", *loc,
         "' is absolute; it must be relative to the model's folder");
  std::error_code ec;
  fs::path base = fs::weakly_canonical(fs::path(dir_), ec);
  fs::path full = fs::weakly_canonical(base / rel, ec);
  auto [mismatch, _] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
  if (ec || mismatch != base.end() || full == base)
    fail(ErrorCode::kInvalidGraph, where(), ": external data path '", *loc, "' leaves the model's folder '",
         base.string(), "'");
  auto parse_u64 = [&](const char* key) -> std::optional<uint64_t> {
    const std::string* s = get(key);
    if (!s) return std::nullopt;
    size_t used = 0;
    uint64_t v = 0;
    try {
      if (s->empty() || (*s)[0] == '-') throw std::invalid_argument("negative");
      v = std::stoull(*s, &used);
    } catch (...) {
      used = 0;
    }
    if (used != s->size() || s->empty())
      fail(ErrorCode::kInvalidGraph, where(), ": external data ", key, " '", *s, "' is not a non-negative integer");
    return v;
  };
  uint64_t offset = parse_u64("offset").value_or(0);
  std::optional<uint64_t> length = parse_u64("length");

  std::shared_ptr<MappedFile> file;
  auto it = files_.find(full.string());
  if (it != files_.end()) {
    file = it->second;
  } else {
    try {
      file = MappedFile::open(full.string());
    } catch (const Error& e) {
      throw e.with_context(where() + ": external data file '" + *loc + "'");
    }
    files_[full.string()] = file;
  }
  mappings.push_back(file);
  uint64_t len = length.value_or(file->size() > offset ? file->size() - offset : 0);
  if (!length && expected <= file->size() - std::min<uint64_t>(offset, file->size())) len = expected;
  if (offset > file->size() || len > file->size() - offset)
    fail(ErrorCode::kInvalidGraph, where(), ": external data offset ", offset, " + length ", len,
         " runs past the end of '", *loc, "' (", file->size(), " bytes)");
  *length_out = static_cast<size_t>(len);
  return file->data() + offset;
}

void Decoder::flush_copies() {
  // Cut into pieces of at most 4 MiB on 2 MiB boundaries of each buffer:
  // most of a copy's time is the first touch of its fresh pages, which each
  // thread faults in (prefault) right before it fills them.
  constexpr size_t kPiece = size_t{4} << 20, kAlign = size_t{2} << 20;
  std::vector<Copy> pieces;
  for (const Copy& c : pending_) {
    size_t b = 0;
    while (b < c.n) {
      size_t e = std::min(c.n, (b + kPiece) / kAlign * kAlign);
      pieces.push_back({c.src + b, c.dst + b, e - b, nullptr});
      b = e;
    }
  }
  parallel_items(pool_, static_cast<int64_t>(pieces.size()), [&](int64_t i) {
    const Copy& c = pieces[static_cast<size_t>(i)];
    prefault(c.dst, c.n);
    if (!resident::copy_from_file(c.src, c.n, c.dst)) std::memcpy(c.dst, c.src, c.n);
  });
  pending_.clear();  // after: it holds the destinations' owners
}

Tensor Decoder::sparse_tensor(Reader r, std::string* name_out) {
  Tensor values, indices;
  std::vector<int64_t> dims;
  while (r.next()) {
    switch (r.field()) {
      case 1: values = tensor(r.message(), name_out); break;
      case 2: indices = tensor(r.message()); break;
      case 3: r.append_varints(dims); break;
      default: r.skip();
    }
  }
  std::string name = name_out ? *name_out : std::string();
  auto where = [&]() { return "sparse tensor '" + name + "' in model '" + model_path_ + "'"; };
  if (!values.defined() || !indices.defined()) fail(ErrorCode::kInvalidGraph, where(), ": missing values or indices");
  flush_copies();  // densified here: values and indices are read now
  Tensor dense(values.dtype(), Shape(dims));
  int64_t total = dense.numel();
  int64_t nnz = values.numel();
  size_t esize = dtype_bytes(values.dtype(), 1);
  if (dense.dtype() != DataType::kString) std::memset(dense.raw(), 0, dense.nbytes());
  Shape strides = shape_strides(dims);
  bool coords = indices.rank() == 2;
  if ((coords && (indices.dim(0) != nnz || indices.dim(1) != static_cast<int64_t>(dims.size()))) ||
      (!coords && indices.numel() != nnz))
    fail(ErrorCode::kInvalidGraph, where(), ": indices ", indices.describe(), " do not match ", nnz, " values");
  for (int64_t k = 0; k < nnz; ++k) {
    int64_t flat = 0;
    if (coords) {
      for (size_t d = 0; d < dims.size(); ++d) {
        int64_t c = indices.int_at(k * static_cast<int64_t>(dims.size()) + static_cast<int64_t>(d));
        if (c < 0 || c >= dims[d]) fail(ErrorCode::kInvalidGraph, where(), ": index ", c, " out of range");
        flat += c * strides[d];
      }
    } else {
      flat = indices.int_at(k);
    }
    if (flat < 0 || flat >= total) fail(ErrorCode::kInvalidGraph, where(), ": index ", flat, " out of range");
    if (dense.dtype() == DataType::kString)
      dense.data<std::string>()[flat] = values.data<std::string>()[k];
    else
      std::memcpy(static_cast<uint8_t*>(dense.raw()) + flat * esize,
                  static_cast<const uint8_t*>(values.raw()) + k * esize, esize);
  }
  return dense;
}

Type Decoder::type(Reader r, int depth) {
  if (depth > kMaxNesting) r.error("types nested more than ", kMaxNesting, " deep");
  Type t;
  auto tensor_type = [&](Reader tr, Type::Kind kind) {
    t.kind = kind;
    while (tr.next()) {
      if (tr.field() == 1) {
        int32_t e = tr.int32();
        t.elem = dtype_is_valid(e) ? static_cast<DataType>(e) : DataType::kUndefined;
      } else if (tr.field() == 2) {
        t.has_shape = true;
        Reader sr = tr.message();
        while (sr.next()) {
          if (sr.field() != 1) { sr.skip(); continue; }
          Reader dr = sr.message();
          Dim d;
          while (dr.next()) {
            if (dr.field() == 1) {
              int64_t v = dr.int64();
              if (v >= 0) d.value = v;  // a negative dim_value means unknown
            } else if (dr.field() == 2) {
              d.param = dr.string();
            } else {
              dr.skip();
            }
          }
          if (d.known()) d.param.clear();
          t.dims.push_back(std::move(d));
        }
      } else {
        tr.skip();
      }
    }
  };
  while (r.next()) {
    switch (r.field()) {
      case 1: tensor_type(r.message(), Type::Kind::kTensor); break;
      case 8: tensor_type(r.message(), Type::Kind::kSparseTensor); break;
      case 4:
      case 9: {
        Type::Kind kind = r.field() == 4 ? Type::Kind::kSequence : Type::Kind::kOptional;
        Reader sr = r.message();
        Type inner;
        while (sr.next()) {
          if (sr.field() == 1) inner = type(sr.message(), depth + 1);
          else sr.skip();
        }
        t = kind == Type::Kind::kSequence ? Type::sequence(std::move(inner)) : Type::optional(std::move(inner));
        break;
      }
      case 5: {
        Reader mr = r.message();
        int32_t key = 0;
        Type value;
        while (mr.next()) {
          if (mr.field() == 1) key = mr.int32();
          else if (mr.field() == 2) value = type(mr.message(), depth + 1);
          else mr.skip();
        }
        t = Type::map(dtype_is_valid(key) ? static_cast<DataType>(key) : DataType::kUndefined, std::move(value));
        break;
      }
      default: r.skip();
    }
  }
  return t;
}

AttrP Decoder::attribute(Reader r, int depth) {
  AttrP p;
  ir::Attribute& a = p.a;
  int32_t type = 0;
  bool seen[24] = {};
  while (r.next()) {
    uint32_t f = r.field();
    if (f < 24) seen[f] = true;
    switch (f) {
      case 1: a.name = r.string(); break;
      case 2: a.f = r.f32(); break;
      case 3: a.i = r.int64(); break;
      case 4: a.s = r.string(); break;
      case 5: a.t = tensor(r.message()); break;
      case 6: p.g = graph(r.message(), depth + 1); break;
      case 7: r.append_floats(a.floats); break;
      case 8: r.append_varints(a.ints); break;
      case 9: a.strings.emplace_back(r.bytes()); break;
      case 10: a.tensors.push_back(tensor(r.message())); break;
      case 11: p.graphs.push_back(graph(r.message(), depth + 1)); break;
      case 14: a.types.push_back(this->type(r.message(), depth + 1)); break;
      case 15: a.types.push_back(this->type(r.message(), depth + 1)); break;
      case 20: type = r.int32(); break;
      case 21: p.ref_attr_name = r.string(); break;
      case 22: a.t = sparse_tensor(r.message()); break;
      case 23: a.tensors.push_back(sparse_tensor(r.message())); break;
      default: r.skip();
    }
  }
  if (type == 0) {
    // IR version 1 files carry no type field: infer it from the field present.
    static const std::pair<int, AttrType> order[] = {
        {2, AttrType::kFloat}, {3, AttrType::kInt}, {4, AttrType::kString}, {5, AttrType::kTensor},
        {6, AttrType::kGraph}, {7, AttrType::kFloats}, {8, AttrType::kInts}, {9, AttrType::kStrings},
        {10, AttrType::kTensors}, {11, AttrType::kGraphs}, {22, AttrType::kSparseTensor}};
    for (auto [field, t] : order)
      if (seen[field]) { type = static_cast<int32_t>(t); break; }
  }
  if (type < 0 || type > 14) fail(ErrorCode::kInvalidProtobuf, "attribute '", a.name, "' has unknown type ", type);
  a.type = static_cast<AttrType>(type);
  if (a.type == AttrType::kSparseTensor) a.type = AttrType::kTensor;    // densified
  if (a.type == AttrType::kSparseTensors) a.type = AttrType::kTensors;  // densified
  return p;
}

NodeP Decoder::node(Reader r, int depth) {
  NodeP n;
  while (r.next()) {
    switch (r.field()) {
      case 1: n.inputs.push_back(r.string()); break;
      case 2: n.outputs.push_back(r.string()); break;
      case 3: n.name = r.string(); break;
      case 4: n.op_type = r.string(); break;
      case 5: n.attrs.push_back(attribute(r.message(), depth)); break;
      case 7: n.domain = std::string(ir::canonical_domain(r.string())); break;
      case 8: n.overload = r.string(); break;
      default: r.skip();
    }
  }
  return n;
}

ValueInfoP Decoder::value_info(Reader r, int depth) {
  ValueInfoP v;
  while (r.next()) {
    if (r.field() == 1) v.name = r.string();
    else if (r.field() == 2) v.type = type(r.message(), depth + 1);
    else r.skip();
  }
  return v;
}

std::shared_ptr<GraphP> Decoder::graph(Reader r, int depth) {
  if (depth > kMaxNesting) r.error("subgraphs nested more than ", kMaxNesting, " deep");
  auto g = std::make_shared<GraphP>();
  while (r.next()) {
    switch (r.field()) {
      case 1: g->nodes.push_back(node(r.message(), depth)); break;
      case 2: g->name = r.string(); break;
      case 5: {
        NamedTensor nt;
        nt.t = tensor(r.message(), &nt.name);
        g->initializers.push_back(std::move(nt));
        break;
      }
      case 15: {
        NamedTensor nt;
        nt.t = sparse_tensor(r.message(), &nt.name);
        g->initializers.push_back(std::move(nt));
        break;
      }
      case 11: g->inputs.push_back(value_info(r.message(), depth)); break;
      case 12: g->outputs.push_back(value_info(r.message(), depth)); break;
      case 13: g->value_info.push_back(value_info(r.message(), depth)); break;
      default: r.skip();
    }
  }
  return g;
}

std::map<std::string, int64_t>::value_type Decoder::opset_id(Reader r) {
  std::string domain;
  int64_t version = 0;
  while (r.next()) {
    if (r.field() == 1) domain = r.string();
    else if (r.field() == 2) version = r.int64();
    else r.skip();
  }
  return {std::string(ir::canonical_domain(domain)), version};
}

FunctionP Decoder::function(Reader r) {
  FunctionP f;
  auto opsets = std::make_shared<std::map<std::string, int64_t>>();
  while (r.next()) {
    switch (r.field()) {
      case 1: f.name = r.string(); break;
      case 4: f.inputs.push_back(r.string()); break;
      case 5: f.outputs.push_back(r.string()); break;
      case 6: f.attr_names.push_back(r.string()); break;
      case 7: f.nodes.push_back(node(r.message(), 1)); break;
      case 9: opsets->insert(opset_id(r.message())); break;
      case 10: f.domain = std::string(ir::canonical_domain(r.string())); break;
      case 11: f.attr_defaults.push_back(attribute(r.message(), 1).a); break;
      case 13: f.overload = r.string(); break;
      default: r.skip();
    }
  }
  f.opsets = std::move(opsets);
  return f;
}

// ---- building the IR ----

// The value of a Constant node's one attribute; undefined for an unknown attribute.
Tensor constant_value(const ir::Attribute& a) {
  Tensor t;
  if (a.name == "value" || a.name == "sparse_value") {
    t = a.t;
  } else if (a.name == "value_float") {
    t = Tensor::scalar<float>(a.f);
  } else if (a.name == "value_floats") {
    t = Tensor::from<float>(a.floats, {static_cast<int64_t>(a.floats.size())});
  } else if (a.name == "value_int") {
    t = Tensor::scalar<int64_t>(a.i);
  } else if (a.name == "value_ints") {
    t = Tensor::from<int64_t>(a.ints, {static_cast<int64_t>(a.ints.size())});
  } else if (a.name == "value_string") {
    t = Tensor(DataType::kString, {});
    t.data<std::string>()[0] = a.s;
  } else if (a.name == "value_strings") {
    t = Tensor(DataType::kString, {static_cast<int64_t>(a.strings.size())});
    for (size_t i = 0; i < a.strings.size(); ++i) t.data<std::string>()[i] = a.strings[i];
  }
  return t;
}

class Builder {
 public:
  Builder(ir::Model& model, std::map<std::string, FunctionP> functions)
      : model_(model), functions_(std::move(functions)) {}

  std::shared_ptr<ir::Graph> build(const GraphP& gp, ir::Graph* parent);
  // An attribute of a node of graph `g` (its subgraphs built as children of g).
  ir::Attribute attribute(const AttrP& p, ir::Graph* g) { return attr_from(p, g); }

 private:
  static std::string function_key(const std::string& domain, const std::string& name, const std::string& overload) {
    return domain + "\x1f" + name + "\x1f" + overload;
  }
  // Appends `n` to `out`, replacing calls of model-local functions by their bodies.
  void expand(const NodeP& n, std::vector<NodeP>& out, std::vector<std::string>& stack);
  ir::Attribute attr_from(const AttrP& p, ir::Graph* g);

  ir::Model& model_;
  std::map<std::string, FunctionP> functions_;
  int64_t inline_counter_ = 0;
};

// Renames every value name in a node (and its subgraphs) through `rename`.
template <typename Fn>
void rename_node(NodeP& n, Fn& rename) {
  for (auto& s : n.inputs) s = rename(s);
  for (auto& s : n.outputs) s = rename(s);
  for (auto& a : n.attrs) {
    auto rename_graph = [&](std::shared_ptr<GraphP>& g) {
      if (!g) return;
      g = std::make_shared<GraphP>(*g);  // the body is shared by every call: copy before renaming
      for (auto& v : g->inputs) v.name = rename(v.name);
      for (auto& v : g->outputs) v.name = rename(v.name);
      for (auto& v : g->value_info) v.name = rename(v.name);
      for (auto& t : g->initializers) t.name = rename(t.name);
      for (auto& sn : g->nodes) rename_node(sn, rename);
    };
    rename_graph(a.g);
    for (auto& g : a.graphs) rename_graph(g);
  }
}

// Substitutes attribute references (ref_attr_name) inside a function body.
void bind_attrs(NodeP& n, const NodeP& call, const FunctionP& f) {
  std::vector<AttrP> bound;
  for (AttrP& a : n.attrs) {
    if (!a.ref_attr_name.empty()) {
      const ir::Attribute* src = nullptr;
      for (const AttrP& ca : call.attrs)
        if (ca.a.name == a.ref_attr_name) src = &ca.a;
      if (!src)
        for (const ir::Attribute& d : f.attr_defaults)
          if (d.name == a.ref_attr_name) src = &d;
      if (!src) continue;  // unset optional attribute: the body node does without
      AttrP b;
      b.a = *src;
      b.a.name = a.a.name;
      for (const AttrP& ca : call.attrs)
        if (ca.a.name == a.ref_attr_name) { b.g = ca.g; b.graphs = ca.graphs; }
      bound.push_back(std::move(b));
    } else {
      auto bind_graph = [&](std::shared_ptr<GraphP>& g) {
        if (!g) return;
        for (auto& sn : g->nodes) bind_attrs(sn, call, f);
      };
      bind_graph(a.g);
      for (auto& g : a.graphs) bind_graph(g);
      bound.push_back(std::move(a));
    }
  }
  n.attrs = std::move(bound);
}

void Builder::expand(const NodeP& n, std::vector<NodeP>& out, std::vector<std::string>& stack) {
  std::string key = function_key(n.domain, n.op_type, n.overload);
  auto it = functions_.find(key);
  if (it == functions_.end()) {
    out.push_back(n);
    return;
  }
  const FunctionP& f = it->second;
  std::string where = "node '" + n.name + "' calling function '" + (n.domain.empty() ? "" : n.domain + ".") + n.op_type + "'";
  for (const std::string& s : stack)
    if (s == key) fail(ErrorCode::kInvalidGraph, where, ": the function calls itself (recursion is not allowed)");
  if (stack.size() >= static_cast<size_t>(kMaxFunctionDepth))
    fail(ErrorCode::kInvalidGraph, where, ": functions nested more than ", kMaxFunctionDepth, " deep");
  if (n.inputs.size() > f.inputs.size() || n.outputs.size() > f.outputs.size())
    fail(ErrorCode::kInvalidGraph, where, ": called with ", n.inputs.size(), " inputs and ", n.outputs.size(),
         " outputs but the function has ", f.inputs.size(), " and ", f.outputs.size());
  std::unordered_map<std::string, std::string> map;
  for (size_t i = 0; i < f.inputs.size(); ++i) map[f.inputs[i]] = i < n.inputs.size() ? n.inputs[i] : "";
  for (size_t i = 0; i < f.outputs.size(); ++i) map[f.outputs[i]] = i < n.outputs.size() ? n.outputs[i] : "";
  std::string prefix = (n.name.empty() ? n.op_type : n.name) + "/" + std::to_string(inline_counter_++) + "/";
  auto rename = [&](const std::string& s) -> std::string {
    if (s.empty()) return s;
    auto m = map.find(s);
    return m != map.end() ? m->second : prefix + s;
  };
  stack.push_back(key);
  for (const NodeP& body : f.nodes) {
    NodeP c = body;
    rename_node(c, rename);
    bind_attrs(c, n, f);
    c.name = prefix + (body.name.empty() ? body.op_type : body.name);
    if (!c.opsets) c.opsets = f.opsets;
    expand(c, out, stack);
  }
  stack.pop_back();
}

ir::Attribute Builder::attr_from(const AttrP& p, ir::Graph* g) {
  ir::Attribute a = p.a;
  if (!p.ref_attr_name.empty())
    fail(ErrorCode::kInvalidGraph, "attribute '", a.name, "' refers to '", p.ref_attr_name,
         "' outside of a function body");
  if (p.g) a.g = build(*p.g, g);
  for (const auto& sg : p.graphs) a.graphs.push_back(build(*sg, g));
  return a;
}

std::shared_ptr<ir::Graph> Builder::build(const GraphP& gp, ir::Graph* parent) {
  auto g = std::make_shared<ir::Graph>();
  g->name = gp.name;
  g->parent = parent;
  g->model = &model_;
  std::string where = "graph '" + gp.name + "' of " + model_.describe();

  std::unordered_map<std::string, const Type*> declared;
  for (const auto& v : gp.value_info) declared[v.name] = &v.type;
  for (const auto& v : gp.outputs) declared[v.name] = &v.type;

  for (const NamedTensor& nt : gp.initializers) {
    if (nt.name.empty()) fail(ErrorCode::kInvalidGraph, where, ": an initializer has no name");
    if (g->find_local(nt.name)) fail(ErrorCode::kInvalidGraph, where, ": initializer '", nt.name, "' appears twice");
    g->add_constant(nt.name, nt.t);
  }
  for (const ValueInfoP& in : gp.inputs) {
    if (in.name.empty()) fail(ErrorCode::kInvalidGraph, where, ": a graph input has no name");
    ir::Value* v = g->find_local(in.name);
    if (v) {
      // An initializer also listed as an input: a default the caller may override.
      if (!v->is_constant() || v->is_graph_input)
        fail(ErrorCode::kInvalidGraph, where, ": input '", in.name, "' is declared twice");
      if (in.type.kind != Type::Kind::kUnknown) v->type = in.type;
    } else {
      v = g->add_value(in.name, in.type);
    }
    v->is_graph_input = true;
    g->inputs.push_back(v);
  }

  // Expand function calls, then create every node and its outputs before
  // resolving inputs, so nodes may appear in any order (sorted at commit).
  std::vector<NodeP> nodes;
  std::vector<std::string> stack;
  for (const NodeP& n : gp.nodes) expand(n, nodes, stack);

  // Constant nodes become initializers: kernels then see their values as
  // constant inputs (weights can be pre-packed) and nothing runs for them.
  std::erase_if(nodes, [&](const NodeP& np) {
    if (np.op_type != "Constant" || !np.domain.empty()) return false;
    if (np.outputs.size() != 1 || np.outputs[0].empty())
      fail(ErrorCode::kInvalidGraph, where, ": Constant node '", np.name, "' must have exactly one output");
    if (np.attrs.size() != 1)
      fail(ErrorCode::kInvalidGraph, where, ": Constant node '", np.name, "' must have exactly one value attribute, has ",
           np.attrs.size());
    const ir::Attribute& a = np.attrs[0].a;
    if (!np.attrs[0].ref_attr_name.empty())
      fail(ErrorCode::kInvalidGraph, where, ": Constant node '", np.name, "' has an unresolved attribute reference");
    Tensor t = constant_value(a);
    if (!t.defined())
      fail(ErrorCode::kInvalidGraph, where, ": Constant node '", np.name, "' has unknown attribute '", a.name, "'");
    const std::string& name = np.outputs[0];
    if (g->find_local(name))
      fail(ErrorCode::kInvalidGraph, where, ": Constant node '", np.name, "' output '", name, "' is already defined");
    ir::Value* v = g->add_constant(name, std::move(t));
    auto d = declared.find(name);
    if (d != declared.end() && d->second->kind == Type::Kind::kTensor && d->second->elem != DataType::kUndefined &&
        d->second->elem != v->constant.dtype())
      fail(ErrorCode::kInvalidGraph, where, ": Constant '", name, "' is declared as ", d->second->str(), " but holds ",
           v->constant.describe());
    return true;
  });

  std::vector<ir::Node*> created;
  created.reserve(nodes.size());
  for (const NodeP& np : nodes) {
    auto opset_of = [&](const std::string& dom) -> int64_t {
      if (np.opsets) {
        auto it = np.opsets->find(dom);
        if (it != np.opsets->end()) return it->second;
      }
      return model_.opset(dom);
    };
    if (np.op_type.empty()) fail(ErrorCode::kInvalidGraph, where, ": node '", np.name, "' has no op_type");
    ir::Node* node = g->add_node(np.op_type, np.domain, {}, 0, np.name.empty() ? "" : np.name);
    node->opset = static_cast<int>(opset_of(np.domain));
    if (node->opset == 0)
      fail(ErrorCode::kInvalidGraph, node->describe(), ": the model does not import domain '",
           np.domain.empty() ? "ai.onnx" : np.domain, "' (no opset_import entry)");
    for (size_t i = 0; i < np.outputs.size(); ++i) {
      const std::string& name = np.outputs[i];
      if (name.empty()) {
        node->outputs.push_back(nullptr);
        continue;
      }
      if (ir::Value* prev = g->find_local(name)) {
        std::string by = prev->producer ? prev->producer->describe() : prev->is_graph_input ? "a graph input" : "an initializer";
        fail(ErrorCode::kInvalidGraph, node->describe(), ": output '", name, "' is already produced by ", by);
      }
      auto d = declared.find(name);
      ir::Value* v = g->add_value(name, d != declared.end() ? *d->second : Type{});
      v->producer = node;
      v->producer_output = static_cast<int>(i);
      node->outputs.push_back(v);
    }
    created.push_back(node);
  }
  for (size_t k = 0; k < nodes.size(); ++k) {
    const NodeP& np = nodes[k];
    ir::Node* node = created[k];
    for (size_t i = 0; i < np.inputs.size(); ++i) {
      const std::string& name = np.inputs[i];
      if (name.empty()) {
        g->set_input(node, static_cast<int>(i), nullptr);
        continue;
      }
      ir::Value* v = g->find(name);
      if (!v)
        fail(ErrorCode::kInvalidGraph, node->describe(), ": input ", i, " '", name,
             "' is not produced by any node and is not a graph input or initializer");
      g->set_input(node, static_cast<int>(i), v);
    }
    for (const AttrP& ap : np.attrs) {
      ir::Attribute a = attr_from(ap, g.get());
      if (a.g) a.g->owner = node;
      for (auto& sg : a.graphs) sg->owner = node;
      node->attrs.push_back(std::move(a));
    }
  }
  for (const ValueInfoP& out : gp.outputs) {
    ir::Value* v = g->find(out.name);
    if (!v) fail(ErrorCode::kInvalidGraph, where, ": output '", out.name, "' is not produced by any node");
    if (v->type.kind == Type::Kind::kUnknown) v->type = out.type;
    v->is_graph_output = true;
    g->outputs.push_back(v);
  }
  return g;
}

std::unique_ptr<ir::Model> decode_model(const uint8_t* data, size_t size, std::string path, std::string dir,
                                        std::shared_ptr<void> owner, ThreadPool* pool) {
  auto model = std::make_unique<ir::Model>();
  model->path = std::move(path);
  model->dir = dir;
  if (owner) model->mappings.push_back(owner);
  if (size == 0) fail(ErrorCode::kInvalidProtobuf, model->describe(), " is empty");
  Decoder dec(model->path, dir, false, owner, pool);
  std::shared_ptr<GraphP> gp;
  std::map<std::string, FunctionP> functions;
  bool has_opset = false;
  try {
    Reader r(data, data + size, data);
    while (r.next()) {
      switch (r.field()) {
        case 1: model->ir_version = r.int64(); break;
        case 2: model->producer_name = r.string(); break;
        case 3: model->producer_version = r.string(); break;
        case 4: model->domain = r.string(); break;
        case 5: model->model_version = r.int64(); break;
        case 6: model->doc_string = r.string(); break;
        case 7: gp = dec.graph(r.message(), 0); break;
        case 8: model->opsets.insert(Decoder::opset_id(r.message())); has_opset = true; break;
        case 14: {
          std::map<std::string, std::string> kv;
          string_entry(r.message(), kv);
          for (auto& [k, v] : kv) model->metadata.emplace_back(k, v);
          break;
        }
        case 25: {
          FunctionP f = dec.function(r.message());
          functions[f.domain + "\x1f" + f.name + "\x1f" + f.overload] = std::move(f);
          break;
        }
        default: r.skip();
      }
    }
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInvalidProtobuf)
      throw Error(ErrorCode::kInvalidProtobuf, model->describe() + " is not a valid ONNX file (truncated or corrupted?): " + e.what());
    throw;
  }
  dec.flush_copies();
  for (auto& m : dec.mappings) model->mappings.push_back(m);
  if (!gp) fail(ErrorCode::kInvalidProtobuf, model->describe(), " has no graph (is it an ONNX model file?)");
  if (!has_opset) {
    // IR versions 1 and 2 predate opset_import (those files mean opset 1);
    // from IR 3 on it is required, and its absence means a cut-off file.
    if (model->ir_version >= 3)
      fail(ErrorCode::kInvalidProtobuf, model->describe(), " has no opset_import (truncated file?)");
    model->opsets[""] = 1;
  }
  Builder b(*model, std::move(functions));
  model->graph = b.build(*gp, nullptr);
  try {
    model->graph->commit();
  } catch (const Error& e) {
    throw e.with_context(model->describe());
  }
  return model;
}

}  // namespace

std::unique_ptr<ir::Model> load_model_file(const std::string& path, const LoadOptions& opts) {
  std::shared_ptr<MappedFile> file;
  try {
    file = MappedFile::open(path);
  } catch (const Error& e) {
    throw Error(e.code(), std::string("cannot load model: ") + e.what());
  }
  std::string dir = fs::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return decode_model(file->data(), file->size(), path, dir, file, opts.pool);
}

std::unique_ptr<ir::Model> load_model_bytes(const void* data, size_t size, std::shared_ptr<void> owner,
                                            const LoadOptions& opts) {
  return decode_model(static_cast<const uint8_t*>(data), size, "<memory>", opts.external_data_dir, std::move(owner),
                      opts.pool);
}

std::vector<ir::Node*> inline_function(ir::Graph& g, ir::Node* node, std::string_view function_proto) {
  if (!g.model) fail(ErrorCode::kInvalidGraph, node->describe(), ": cannot inline a function outside of a model");
  const std::string where = node->describe() + ": expanding the function body of " + node->op_type;
  const auto* p = reinterpret_cast<const uint8_t*>(function_proto.data());
  FunctionP f;
  try {
    Decoder dec("<function " + node->op_type + ">", "", /*copy_data=*/true);
    f = dec.function(Reader(p, p + function_proto.size(), p));
  } catch (const Error& e) {
    throw e.with_context(where);
  }
  if (node->inputs.size() > f.inputs.size() || node->outputs.size() > f.outputs.size())
    fail(ErrorCode::kInvalidGraph, where, ": the node has ", node->inputs.size(), " inputs and ",
         node->outputs.size(), " outputs but the function has ", f.inputs.size(), " and ", f.outputs.size());

  // The call, as the decoded node bind_attrs expects.
  NodeP call;
  call.name = node->name;
  call.op_type = node->op_type;
  call.domain = node->domain;
  for (const ir::Attribute& a : node->attrs) {
    if (a.g || !a.graphs.empty())
      fail(ErrorCode::kNotImplemented, where, ": graph attribute '", a.name, "' cannot be passed into a function body");
    AttrP ap;
    ap.a = a;
    call.attrs.push_back(std::move(ap));
  }
  // Function-level names -> names in g: the node's own inputs and outputs,
  // otherwise fresh names under a prefix no value of g uses yet.
  std::unordered_map<std::string, std::string> map;
  std::vector<ir::Value*> outs = node->outputs;
  for (size_t i = 0; i < f.inputs.size(); ++i) {
    ir::Value* v = i < node->inputs.size() ? node->inputs[i] : nullptr;
    map[f.inputs[i]] = v ? v->name : "";
  }
  for (size_t i = 0; i < f.outputs.size(); ++i) {
    ir::Value* v = i < outs.size() ? outs[i] : nullptr;
    if (v) map[f.outputs[i]] = v->name;
  }
  std::string base = (node->name.empty() ? node->op_type : node->name) + "/" + node->op_type;
  std::string prefix = g.unique_name(base) + "/";
  auto rename = [&](const std::string& s) -> std::string {
    if (s.empty()) return s;
    auto m = map.find(s);
    return m != map.end() ? m->second : prefix + s;
  };
  std::vector<NodeP> body;
  for (const NodeP& b : f.nodes) {
    NodeP c = b;
    rename_node(c, rename);
    bind_attrs(c, call, f);
    c.name = g.unique_name(prefix + (b.name.empty() ? b.op_type : b.name));
    body.push_back(std::move(c));
  }
  const int caller_opset = node->opset;
  const std::string caller_domain = node->domain;
  g.remove_node(node);  // its output values stay, to be produced by body nodes
  node = nullptr;

  auto is_caller_output = [&](const ir::Value* v) { return std::find(outs.begin(), outs.end(), v) != outs.end(); };
  auto new_output = [&](const std::string& name, const NodeP& np) -> ir::Value* {
    ir::Value* v = g.find_local(name);
    if (v && is_caller_output(v) && !v->producer) return v;
    if (v) fail(ErrorCode::kInvalidGraph, where, ": body node '", np.name, "' output '", name, "' is already defined");
    return g.add_value(name);
  };
  Builder builder(*g.model, {});
  std::vector<ir::Node*> created;
  std::vector<const NodeP*> sources;
  for (const NodeP& np : body) {
    if (np.op_type == "Constant" && np.domain.empty()) {
      if (np.outputs.size() != 1 || np.attrs.size() != 1 || !np.attrs[0].ref_attr_name.empty())
        fail(ErrorCode::kInvalidGraph, where, ": Constant node '", np.name, "' must have one output and one value");
      Tensor t = constant_value(np.attrs[0].a);
      if (!t.defined())
        fail(ErrorCode::kInvalidGraph, where, ": Constant node '", np.name, "' has unknown attribute '",
             np.attrs[0].a.name, "'");
      ir::Value* existing = g.find_local(np.outputs[0]);
      if (!existing) {
        g.add_constant(np.outputs[0], std::move(t));
        continue;
      }
      // The function returns the constant itself: an Identity of it.
      ir::Value* c = g.add_constant(prefix + "const", std::move(t));
      ir::Node* id = g.add_node("Identity", "", {c}, 0, g.unique_name(np.name));
      id->opset = static_cast<int>(g.model->opset(""));
      g.set_output(id, 0, new_output(np.outputs[0], np));
      created.push_back(id);
      sources.push_back(nullptr);
      continue;
    }
    ir::Node* n = g.add_node(np.op_type, np.domain, {}, 0, np.name);
    auto op = f.opsets->find(np.domain);
    n->opset = op != f.opsets->end()                 ? static_cast<int>(op->second)
               : np.domain == caller_domain          ? caller_opset
                                                     : static_cast<int>(g.model->opset(np.domain));
    if (n->opset == 0)
      fail(ErrorCode::kInvalidGraph, where, ": body node '", np.name, "' uses domain '", np.domain,
           "', which neither the function nor the model imports");
    for (size_t i = 0; i < np.outputs.size(); ++i)
      g.set_output(n, static_cast<int>(i), np.outputs[i].empty() ? nullptr : new_output(np.outputs[i], np));
    created.push_back(n);
    sources.push_back(&np);
  }
  for (size_t k = 0; k < created.size(); ++k) {
    if (!sources[k]) continue;
    const NodeP& np = *sources[k];
    ir::Node* n = created[k];
    for (size_t i = 0; i < np.inputs.size(); ++i) {
      const std::string& name = np.inputs[i];
      ir::Value* v = name.empty() ? nullptr : g.find(name);
      if (!name.empty() && !v)
        fail(ErrorCode::kInvalidGraph, where, ": body node '", np.name, "' input '", name,
             "' is not defined (an optional function input the node omits?)");
      g.set_input(n, static_cast<int>(i), v);
    }
    for (const AttrP& ap : np.attrs) {
      ir::Attribute a = builder.attribute(ap, &g);
      if (a.g) a.g->owner = n;
      for (auto& sg : a.graphs) sg->owner = n;
      n->attrs.push_back(std::move(a));
    }
  }
  for (ir::Value* v : outs)
    if (v && !v->producer)
      fail(ErrorCode::kInvalidGraph, where, ": the function body does not produce output '", v->name, "'");
  return created;
}

Tensor parse_tensor_proto(std::string_view bytes) {
  auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  Decoder dec("<tensor>", "", true);
  return dec.tensor(Reader(p, p + bytes.size(), p));
}

namespace {

Value parse_value_of_kind(Decoder& dec, Reader r, int kind, int depth);

// Shared by SequenceProto (many values) and OptionalProto (zero or one).
std::vector<Value> parse_elems(Decoder& dec, Reader r, int& elem_kind, int depth) {
  if (depth > kMaxNesting) r.error("values nested too deep");
  std::vector<Value> items;
  while (r.next()) {
    switch (r.field()) {
      case 2: elem_kind = r.int32(); break;
      case 3: items.emplace_back(dec.tensor(r.message())); break;
      case 4: items.emplace_back(dec.sparse_tensor(r.message())); break;
      case 5: items.push_back(parse_value_of_kind(dec, r.message(), 3, depth + 1)); break;
      case 6: items.push_back(parse_value_of_kind(dec, r.message(), 4, depth + 1)); break;
      case 7: items.push_back(parse_value_of_kind(dec, r.message(), 5, depth + 1)); break;
      default: r.skip();
    }
  }
  return items;
}

Value parse_map(Decoder& dec, Reader r, int depth) {
  int32_t key_type = 0;
  std::vector<int64_t> keys;
  std::vector<std::string> skeys;
  Value values;
  while (r.next()) {
    switch (r.field()) {
      case 2: key_type = r.int32(); break;
      case 3: r.append_varints(keys); break;
      case 4: skeys.emplace_back(r.bytes()); break;
      case 5: values = parse_value_of_kind(dec, r.message(), 3, depth + 1); break;
      default: r.skip();
    }
  }
  Tensor k;
  if (key_type == static_cast<int32_t>(DataType::kString)) {
    k = Tensor(DataType::kString, {static_cast<int64_t>(skeys.size())});
    for (size_t i = 0; i < skeys.size(); ++i) k.data<std::string>()[i] = skeys[i];
  } else {
    k = Tensor::from<int64_t>(keys, {static_cast<int64_t>(keys.size())});
  }
  // Values arrive as a sequence of scalars: store them as one 1-D tensor.
  const auto& items = values.is_sequence() ? values.seq().items : std::vector<Value>{};
  DataType vt = values.is_sequence() ? values.seq().elem_dtype : DataType::kFloat;
  if (!items.empty()) vt = items[0].tensor().dtype();
  Tensor v(vt, {static_cast<int64_t>(items.size())});
  size_t es = dtype_bytes(vt, 1);
  for (size_t i = 0; i < items.size(); ++i) {
    const Tensor& t = items[i].tensor();
    if (vt == DataType::kString) v.data<std::string>()[i] = t.data<std::string>()[0];
    else std::memcpy(static_cast<uint8_t*>(v.raw()) + i * es, t.raw(), es);
  }
  return Value::map(std::move(k), std::move(v));
}

Value parse_value_of_kind(Decoder& dec, Reader r, int kind, int depth) {
  int elem_kind = 0;
  if (kind == 4) return parse_map(dec, r, depth);
  std::vector<Value> items = parse_elems(dec, r, elem_kind, depth);
  if (kind == 3) {
    DataType dt = DataType::kUndefined;
    if (!items.empty() && items[0].is_tensor()) dt = items[0].tensor().dtype();
    return Value::sequence(dt, std::move(items));
  }
  // Optional.
  if (items.empty()) return Value::none();
  return items[0];
}

}  // namespace

Value parse_sequence_proto(std::string_view bytes) {
  auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  Decoder dec("<sequence>", "", true);
  return parse_value_of_kind(dec, Reader(p, p + bytes.size(), p), 3, 0);
}

Value parse_optional_proto(std::string_view bytes) {
  auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  Decoder dec("<optional>", "", true);
  return parse_value_of_kind(dec, Reader(p, p + bytes.size(), p), 5, 0);
}

Value parse_map_proto(std::string_view bytes) {
  auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  Decoder dec("<map>", "", true);
  return parse_value_of_kind(dec, Reader(p, p + bytes.size(), p), 4, 0);
}

}  // namespace onyx::onnx
