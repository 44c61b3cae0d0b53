// Tensors and the other runtime values (sequences, maps, optional-none).
//
// A Tensor is a typed view over reference-counted bytes. The bytes may belong
// to an allocator (intermediates, outputs), to a mapped model file (weights:
// never copied) or to the caller (inputs passed by pointer). Tensors handed to
// a kernel as inputs are read-only by contract: the same bytes may be a
// mapped, read-only page of the model file.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/allocator.h"
#include "base/dtype.h"
#include "base/error.h"

namespace onyx {

using Shape = std::vector<int64_t>;

// Product of dims; throws on a negative dim or on overflow past 2^62, so a
// hostile shape yields an error instead of a wrapped size.
int64_t shape_numel(std::span<const int64_t> shape);
// Strides, in elements, of a dense row-major tensor.
Shape shape_strides(std::span<const int64_t> shape);
// Normalises an axis in [-rank, rank) (or [-rank-1, rank] with allow_end) to
// [0, rank); throws naming `what` when out of range.
int normalize_axis(int64_t axis, int rank, const char* what = "axis", bool allow_end = false);

class Tensor {
 public:
  Tensor() = default;
  // Allocates uninitialised storage (strings are default-constructed).
  Tensor(DataType dtype, Shape shape, Allocator* alloc = nullptr);
  // Views bytes owned by someone else; `owner` keeps them alive (may be null
  // when the caller guarantees the lifetime).
  static Tensor wrap(DataType dtype, Shape shape, void* data, std::shared_ptr<void> owner);
  // A scalar or 1-D tensor from values (tests, constants built by passes).
  template <typename T>
  static Tensor from(std::span<const T> values, Shape shape);
  template <typename T>
  static Tensor scalar(T v) { return from<T>(std::span<const T>(&v, 1), {}); }

  bool defined() const { return dtype_ != DataType::kUndefined; }
  DataType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[static_cast<size_t>(i < 0 ? i + rank() : i)]; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const { return dtype_bytes(dtype_, numel_); }
  bool empty() const { return numel_ == 0; }

  template <typename T>
  T* data() { return static_cast<T*>(data_); }
  template <typename T>
  const T* data() const { return static_cast<const T*>(data_); }
  template <typename T>
  std::span<const T> span() const { return {data<T>(), static_cast<size_t>(numel_)}; }
  template <typename T>
  std::span<T> span() { return {data<T>(), static_cast<size_t>(numel_)}; }
  void* raw() { return data_; }
  const void* raw() const { return data_; }
  const std::shared_ptr<void>& owner() const { return owner_; }

  // Same bytes, another shape with the same element count.
  Tensor reshaped(Shape shape) const;
  // A dense copy into fresh storage.
  Tensor clone(Allocator* alloc = nullptr) const;
  // Reads element i of any integer tensor as int64 (shape inputs, indices).
  int64_t int_at(int64_t i) const;
  // All elements of an integer tensor as int64 (for small shape-like inputs).
  std::vector<int64_t> to_int64_vector() const;
  // Element i of any real-valued tensor as double (tests, printing).
  double real_at(int64_t i) const;
  // "float32[1,3,224,224]"
  std::string describe() const;

 private:
  DataType dtype_ = DataType::kUndefined;
  Shape shape_;
  int64_t numel_ = 0;
  void* data_ = nullptr;
  std::shared_ptr<void> owner_;
};

// A runtime value: what flows along a graph edge. Most are tensors; ONNX also
// has sequences of values, maps (ai.onnx.ml) and optionals that hold nothing.
class Value {
 public:
  enum class Kind : uint8_t { kNone, kTensor, kSequence, kMap };
  struct Sequence {
    DataType elem_dtype = DataType::kUndefined;  // element type, known even when empty
    std::vector<Value> items;
  };
  struct Map {
    Tensor keys;    // 1-D, int64 or string
    Tensor values;  // 1-D, same length
  };

  Value() = default;
  Value(Tensor t) : kind_(Kind::kTensor), tensor_(std::move(t)) {}  // NOLINT: implicit on purpose
  static Value sequence(DataType elem, std::vector<Value> items);
  static Value map(Tensor keys, Tensor values);
  static Value none() { return Value(); }

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_tensor() const { return kind_ == Kind::kTensor; }
  bool is_sequence() const { return kind_ == Kind::kSequence; }
  bool is_map() const { return kind_ == Kind::kMap; }

  const Tensor& tensor() const;
  Tensor& tensor();
  const Sequence& seq() const;
  const Map& map() const;
  // "tensor float32[2,3]", "sequence<float32> of 4", "map<int64,float32> of 3", "none"
  std::string describe() const;

 private:
  Kind kind_ = Kind::kNone;
  Tensor tensor_;
  std::shared_ptr<const Sequence> seq_;  // shared: sequences are immutable once built
  std::shared_ptr<const Map> map_;
};

template <typename T>
Tensor Tensor::from(std::span<const T> values, Shape shape) {
  Tensor t(dtype_of<T>, std::move(shape));
  if (static_cast<size_t>(t.numel()) != values.size())
    fail(ErrorCode::kInvalidArgument, "Tensor::from: ", values.size(), " values for shape ", shape_str(t.shape()));
  T* dst = t.data<T>();
  for (size_t i = 0; i < values.size(); ++i) dst[i] = values[i];
  return t;
}

}  // namespace onyx
