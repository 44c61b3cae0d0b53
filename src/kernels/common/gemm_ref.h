// The reference GEMM shared by MatMul, Gemm, Conv (im2col), ConvTranspose,
// the integer and quantized variants: C = alpha * op(A) * op(B) + beta * C.
//
// Row-major with leading dimensions, op(X) = X or X^T. It is the oracle the
// SIMD kernels are tested against, but it runs real models in the test
// suite too, so it is blocked for the caches instead of being a triple loop:
// C is cut into tiles (the unit of parallel work); for each tile a panel of
// op(B) (KC rows x the tile's columns) is copied into a contiguous buffer,
// and a small block of C rows is accumulated in a local array while k runs
// (loop order i-k-j, so the innermost loop is a contiguous multiply-add the
// compiler vectorises). Portable C++: no intrinsics here.
//
// Element types: float, double and the 32/64-bit integers (integer products
// and sums wrap around, as ONNX and numpy do). Float16/BFloat16 callers widen
// to float first (see widen_to_float).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/tensor.h"
#include "kernels/common/math.h"
#include "runtime/thread_pool.h"

namespace onyx {

// One product's geometry: op(A) is m x k, op(B) is k x n, C is m x n.
// beta == 0 makes C write-only: its old contents (even NaN) are ignored.
template <typename T>
struct GemmArgs {
  bool trans_a = false;
  bool trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  T alpha = T(1);
  const T* a = nullptr;
  int64_t lda = 0;
  const T* b = nullptr;
  int64_t ldb = 0;
  T beta = T(0);
  T* c = nullptr;
  int64_t ldc = 0;
};

// Runs one product, in parallel over tiles of C.
template <typename T>
void gemm_ref(const GemmArgs<T>& g, ThreadPool* pool);

// Runs `batch` products of the same geometry; product i uses a + a_off[i],
// b + b_off[i], c + c_off[i] (element offsets). Parallel over batch x tiles.
template <typename T>
void gemm_ref_batched(const GemmArgs<T>& g, int64_t batch, const int64_t* a_off, const int64_t* b_off,
                      const int64_t* c_off, ThreadPool* pool);

// Float16/BFloat16 -> float copy (reference kernels compute small floats in float).
template <typename T>
std::vector<float> widen_to_float(const T* p, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = static_cast<float>(p[i]);
  return out;
}
// float -> Float16/BFloat16 (round to nearest even).
template <typename T>
void narrow_from_float(const float* p, int64_t n, T* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = T(p[i]);
}

// A read-only view of a tensor's elements in the compute type C (float for
// Float16/BFloat16, the type itself otherwise): no copy when T == C.
template <typename C>
class ComputeView {
 public:
  ComputeView() = default;
  // Moving keeps the vector's heap buffer, so ptr_ stays valid; a copy would not.
  ComputeView(ComputeView&&) = default;
  ComputeView& operator=(ComputeView&&) = default;
  ComputeView(const ComputeView&) = delete;
  ComputeView& operator=(const ComputeView&) = delete;
  template <typename T>
  static ComputeView of(const T* p, int64_t n) {
    ComputeView v;
    if constexpr (std::is_same_v<T, C>) {
      v.ptr_ = p;
    } else {
      v.buf_.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) v.buf_[static_cast<size_t>(i)] = static_cast<C>(static_cast<compute_t<T>>(p[i]));
      v.ptr_ = v.buf_.data();
    }
    return v;
  }
  const C* data() const { return ptr_; }
  bool empty() const { return ptr_ == nullptr; }

 private:
  std::vector<C> buf_;
  const C* ptr_ = nullptr;
};

}  // namespace onyx
