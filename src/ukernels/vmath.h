// Vectorised transcendental math over float arrays: exp, tanh, sigmoid, erf,
// GELU (erf and tanh forms), SiLU, and a softmax row. Used by the fast
// elementwise / softmax kernels and by the SGEMM epilogue.
//
// One implementation per ISA (vmath_simd.inl, instantiated on 8-float
// vectors by vmath_avx2.cc and on 16-float ones by vmath_avx512.cc, each
// compiled with its own -m flags), and a portable one (vmath.cc: the <cmath>
// functions, i.e. the reference semantics), picked once from active_isa().
// Accuracy of both vector builds, checked against <cmath> in
// tests/unit/vmath_test.cc: exp, sigmoid within 2 ulp; tanh within
// 3 ulp; erf within 4e-8 absolute and 1e-6 relative (polynomials fitted to
// erf on [0, 1] and to log(erfc) on [1, 4]). NaN propagates; +-inf saturate
// as in <cmath>.
#pragma once

#include <cstdint>

#include "cpu/features.h"

namespace onyx::ukernel {

// y[i] = f(x[i]) for i < n; y may be x (in place).
using VecFn = void (*)(const float* x, float* y, int64_t n);

// The same with two parameters (HardSigmoid alpha, beta; LeakyRelu alpha in p0).
using VecFn2 = void (*)(const float* x, float* y, int64_t n, float p0, float p1);

struct VMath {
  VecFn exp, tanh, sigmoid, erf, gelu, gelu_tanh, silu;
  // min(1, max(0, p0 x + p1)); x * min(1, max(0, x/6 + 1/2)); x >= 0 ? x : p0 x.
  // NaN: HardSigmoid gives 0, HardSwish and LeakyRelu NaN (as the scalar loops).
  VecFn2 hard_sigmoid, hard_swish, leaky_relu;
  // y = softmax(x) over one contiguous row of n (log_softmax when `log`).
  void (*softmax_row)(const float* x, float* y, int64_t n, bool log);
};

// The table for `isa` (must be supported), and for active_isa().
const VMath& vmath(Isa isa);
const VMath& vmath();

}  // namespace onyx::ukernel
