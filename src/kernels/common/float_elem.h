// Reading and writing single elements of float tensors of any width
// (float, double, float16, bfloat16) in a chosen compute type: for reference
// kernels that accept every float type without one template per type
// (attention, optimizers, random, ml).
#pragma once

#include "base/tensor.h"

namespace onyx {

// Element i of a float-type tensor (float, double, float16, bfloat16) in C.
template <typename C>
inline C float_at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DataType::kFloat: return static_cast<C>(t.data<float>()[i]);
    case DataType::kDouble: return static_cast<C>(t.data<double>()[i]);
    case DataType::kFloat16: return static_cast<C>(static_cast<float>(t.data<Float16>()[i]));
    case DataType::kBFloat16: return static_cast<C>(static_cast<float>(t.data<BFloat16>()[i]));
    default: throw_unsupported_dtype(t.dtype(), "this kernel");
  }
}

// Stores v as element i of a float-type tensor.
template <typename C>
inline void float_store(Tensor& t, int64_t i, C v) {
  switch (t.dtype()) {
    case DataType::kFloat: t.data<float>()[i] = static_cast<float>(v); break;
    case DataType::kDouble: t.data<double>()[i] = static_cast<double>(v); break;
    case DataType::kFloat16: t.data<Float16>()[i] = Float16(static_cast<float>(v)); break;
    case DataType::kBFloat16: t.data<BFloat16>()[i] = BFloat16(static_cast<float>(v)); break;
    default: throw_unsupported_dtype(t.dtype(), "this kernel");
  }
}

}  // namespace onyx
