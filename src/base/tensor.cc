#include "base/tensor.h"

#include <cstring>
#include <new>
#include <sstream>

namespace onyx {

int64_t shape_numel(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(ErrorCode::kInvalidArgument, "negative dimension ", d, " in shape ", shape_str(shape));
    if (d != 0 && n > (int64_t{1} << 62) / d)
      fail(ErrorCode::kInvalidArgument, "shape ", shape_str(shape), " has more than 2^62 elements");
    n *= d;
  }
  return n;
}

Shape shape_strides(std::span<const int64_t> shape) {
  Shape s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

int normalize_axis(int64_t axis, int rank, const char* what, bool allow_end) {
  int64_t r = rank + (allow_end ? 1 : 0);
  if (axis < -r || axis >= r)
    fail(ErrorCode::kInvalidArgument, what, " ", axis, " is out of range for rank ", rank);
  return static_cast<int>(axis < 0 ? axis + r : axis);
}

namespace {

// Owns one allocation; destroys strings when the tensor holds them.
struct Block {
  Allocator* alloc;
  std::shared_ptr<Allocator> keep;  // keeps a session's allocator alive past the session
  void* ptr;
  size_t bytes;
  int64_t strings = 0;  // number of std::string objects constructed in place
  Block(Allocator* a, void* p, size_t n) : alloc(a), keep(a->weak_from_this().lock()), ptr(p), bytes(n) {}
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  ~Block() {
    auto* s = static_cast<std::string*>(ptr);
    for (int64_t i = 0; i < strings; ++i) s[i].~basic_string();
    alloc->free(ptr, bytes);
  }
};

}  // namespace

Tensor::Tensor(DataType dtype, Shape shape, Allocator* alloc)
    : dtype_(dtype), shape_(std::move(shape)), numel_(shape_numel(shape_)) {
  if (dtype == DataType::kUndefined) fail(ErrorCode::kInvalidArgument, "tensor with undefined element type");
  if (!alloc) alloc = Allocator::default_allocator();
  size_t bytes = nbytes();
  void* p = alloc->alloc(bytes);
  auto block = std::make_shared<Block>(alloc, p, bytes);
  if (dtype == DataType::kString) {
    auto* s = static_cast<std::string*>(p);
    for (int64_t i = 0; i < numel_; ++i) new (&s[i]) std::string();
    block->strings = numel_;
  }
  data_ = p;
  owner_ = std::move(block);
}

Tensor Tensor::wrap(DataType dtype, Shape shape, void* data, std::shared_ptr<void> owner) {
  Tensor t;
  t.dtype_ = dtype;
  t.numel_ = shape_numel(shape);
  t.shape_ = std::move(shape);
  t.data_ = data;
  t.owner_ = std::move(owner);
  return t;
}

Tensor Tensor::reshaped(Shape shape) const {
  int64_t n = shape_numel(shape);
  if (n != numel_)
    fail(ErrorCode::kInvalidArgument, "cannot reshape ", describe(), " to ", shape_str(shape), " (", n, " elements)");
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone(Allocator* alloc) const {
  Tensor t(dtype_, shape_, alloc);
  if (dtype_ == DataType::kString) {
    const auto* src = data<std::string>();
    auto* dst = t.data<std::string>();
    for (int64_t i = 0; i < numel_; ++i) dst[i] = src[i];
  } else if (nbytes() != 0) {
    std::memcpy(t.data_, data_, nbytes());
  }
  return t;
}

int64_t Tensor::int_at(int64_t i) const {
  switch (dtype_) {
    case DataType::kInt64: return data<int64_t>()[i];
    case DataType::kInt32: return data<int32_t>()[i];
    case DataType::kInt16: return data<int16_t>()[i];
    case DataType::kInt8: return data<int8_t>()[i];
    case DataType::kUInt8: return data<uint8_t>()[i];
    case DataType::kUInt16: return data<uint16_t>()[i];
    case DataType::kUInt32: return data<uint32_t>()[i];
    case DataType::kUInt64: return static_cast<int64_t>(data<uint64_t>()[i]);
    case DataType::kBool: return data<bool>()[i] ? 1 : 0;
    default: fail(ErrorCode::kInvalidArgument, "expected an integer tensor, got ", describe());
  }
}

std::vector<int64_t> Tensor::to_int64_vector() const {
  std::vector<int64_t> v(static_cast<size_t>(numel_));
  for (int64_t i = 0; i < numel_; ++i) v[static_cast<size_t>(i)] = int_at(i);
  return v;
}

double Tensor::real_at(int64_t i) const {
  switch (dtype_) {
    case DataType::kFloat: return data<float>()[i];
    case DataType::kDouble: return data<double>()[i];
    case DataType::kFloat16: return static_cast<float>(data<Float16>()[i]);
    case DataType::kBFloat16: return static_cast<float>(data<BFloat16>()[i]);
    case DataType::kFloat8E4M3FN: case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2: case DataType::kFloat8E5M2FNUZ:
      return f8_to_float(dtype_, data<uint8_t>()[i]);
    case DataType::kFloat8E8M0: return e8m0_to_float(data<uint8_t>()[i]);
    case DataType::kFloat4E2M1: return f4e2m1_to_float(static_cast<uint8_t>(data<uint8_t>()[i / 2] >> ((i & 1) * 4)));
    case DataType::kUInt4: return (data<uint8_t>()[i / 2] >> ((i & 1) * 4)) & 0xF;
    case DataType::kInt4: {
      int v = (data<uint8_t>()[i / 2] >> ((i & 1) * 4)) & 0xF;
      return v >= 8 ? v - 16 : v;
    }
    case DataType::kUInt2: return (data<uint8_t>()[i / 4] >> ((i & 3) * 2)) & 0x3;
    case DataType::kInt2: {
      int v = (data<uint8_t>()[i / 4] >> ((i & 3) * 2)) & 0x3;
      return v >= 2 ? v - 4 : v;
    }
    case DataType::kUInt64: return static_cast<double>(data<uint64_t>()[i]);
    default: return static_cast<double>(int_at(i));
  }
}

std::string Tensor::describe() const {
  if (!defined()) return "undefined tensor";
  return std::string(dtype_name(dtype_)) + shape_str(shape_);
}

Value Value::sequence(DataType elem, std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kSequence;
  v.seq_ = std::make_shared<const Sequence>(Sequence{elem, std::move(items)});
  return v;
}

Value Value::map(Tensor keys, Tensor values) {
  Value v;
  v.kind_ = Kind::kMap;
  v.map_ = std::make_shared<const Map>(Map{std::move(keys), std::move(values)});
  return v;
}

const Tensor& Value::tensor() const {
  if (kind_ != Kind::kTensor) fail(ErrorCode::kInvalidArgument, "expected a tensor, got ", describe());
  return tensor_;
}

Tensor& Value::tensor() {
  if (kind_ != Kind::kTensor) fail(ErrorCode::kInvalidArgument, "expected a tensor, got ", describe());
  return tensor_;
}

const Value::Sequence& Value::seq() const {
  if (kind_ != Kind::kSequence) fail(ErrorCode::kInvalidArgument, "expected a sequence, got ", describe());
  return *seq_;
}

const Value::Map& Value::map() const {
  if (kind_ != Kind::kMap) fail(ErrorCode::kInvalidArgument, "expected a map, got ", describe());
  return *map_;
}

std::string Value::describe() const {
  switch (kind_) {
    case Kind::kNone: return "none";
    case Kind::kTensor: return "tensor " + tensor_.describe();
    case Kind::kSequence:
      return str_cat("sequence<", dtype_name(seq_->elem_dtype), "> of ", seq_->items.size());
    case Kind::kMap:
      return str_cat("map<", dtype_name(map_->keys.dtype()), ",", dtype_name(map_->values.dtype()), "> of ",
                     map_->keys.numel());
  }
  return "?";
}

const char* error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::kOk: return "OK";
    case ErrorCode::kFail: return "FAIL";
    case ErrorCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::kNoSuchFile: return "NO_SUCHFILE";
    case ErrorCode::kNoModel: return "NO_MODEL";
    case ErrorCode::kEngineError: return "ENGINE_ERROR";
    case ErrorCode::kRuntimeException: return "RUNTIME_EXCEPTION";
    case ErrorCode::kInvalidProtobuf: return "INVALID_PROTOBUF";
    case ErrorCode::kModelLoaded: return "MODEL_LOADED";
    case ErrorCode::kNotImplemented: return "NOT_IMPLEMENTED";
    case ErrorCode::kInvalidGraph: return "INVALID_GRAPH";
    case ErrorCode::kEpFail: return "EP_FAIL";
  }
  return "UNKNOWN";
}

}  // namespace onyx
