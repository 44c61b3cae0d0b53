// Portable vmath (see vmath.h): plain <cmath> loops, the reference semantics;
// and the per-ISA dispatch.
#include "ukernels/vmath.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/error.h"

namespace onyx::ukernel {

const VMath& vmath_avx2_table();
const VMath& vmath_avx512_table();

namespace {

void exp_scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}
void tanh_scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
void sigmoid_scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = 1.f / (1.f + std::exp(-x[i]));
}
void erf_scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::erf(x[i]);
}
void gelu_scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = 0.5f * x[i] * (1.f + std::erf(x[i] * 0.70710678118654752f));
}
void gelu_tanh_scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    y[i] = 0.5f * v * (1.f + std::tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
  }
}
void silu_scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.f + std::exp(-x[i]));
}
void softmax_row_scalar(const float* x, float* y, int64_t n, bool log) {
  if (n <= 0) return;
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float e = std::exp(x[i] - m);
    if (!log) y[i] = e;
    sum += e;
  }
  if (log) {
    const float ls = static_cast<float>(std::log(sum));
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - ls;
  } else {
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  }
}

void hard_sigmoid_scalar(const float* x, float* y, int64_t n, float a, float b) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::min(1.f, std::max(0.f, a * x[i] + b));
}
void hard_swish_scalar(const float* x, float* y, int64_t n, float, float) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * std::min(1.f, std::max(0.f, x[i] * (1.f / 6.f) + 0.5f));
}
void leaky_relu_scalar(const float* x, float* y, int64_t n, float a, float) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] >= 0.f ? x[i] : x[i] * a;
}

const VMath kScalar{exp_scalar,         tanh_scalar,       sigmoid_scalar,    erf_scalar,
                    gelu_scalar,        gelu_tanh_scalar,  silu_scalar,       hard_sigmoid_scalar,
                    hard_swish_scalar,  leaky_relu_scalar, softmax_row_scalar};

}  // namespace

const VMath& vmath(Isa isa) {
  if (!isa_supported(isa)) fail(ErrorCode::kFail, "vmath for ", isa_name(isa), " requested but the CPU lacks it");
  switch (isa) {
    case Isa::kScalar: return kScalar;
    case Isa::kAvx2: return vmath_avx2_table();
    case Isa::kAvx512: return vmath_avx512_table();
  }
  return kScalar;
}

const VMath& vmath() {
  static const VMath& v = vmath(active_isa());
  return v;
}

}  // namespace onyx::ukernel
