// Pieces shared by the recurrent ops RNN, GRU and LSTM (src/kernels/rnn/):
// attribute parsing (direction, layout, activations with alpha/beta),
// validation of the inputs every variant takes, the layout conversions of X,
// the initial states and the outputs, and shape inference.
//
// The kernels compute in C = compute_t<T> (float for float16/bfloat16) on
// "layout 0" buffers: X as [seq, batch, input], Y as [seq, dirs, batch, hidden],
// states as [dirs, batch, hidden]; layout 1 is converted on the way in and out.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "base/tensor.h"
#include "ir/graph.h"
#include "kernels/common/gemm_ref.h"
#include "kernels/common/math.h"

namespace onyx {

class InferContext;
class KernelContext;

// ---- activations ------------------------------------------------------------

enum class RnnActKind {
  kRelu, kTanh, kSigmoid, kAffine, kLeakyRelu, kThresholdedRelu, kScaledTanh, kHardSigmoid, kElu, kSoftsign,
  kSoftplus,
};

// One activation function with its alpha/beta (defaults as the ONNX ops of
// the same name: LeakyRelu 0.01, HardSigmoid 0.2/0.5 ...).
struct RnnActivation {
  RnnActKind kind = RnnActKind::kTanh;
  float alpha = 0, beta = 0;

  template <typename C>
  C operator()(C x) const {
    const C a = static_cast<C>(alpha), b = static_cast<C>(beta);
    switch (kind) {
      case RnnActKind::kRelu: return x > C(0) ? x : C(0);
      case RnnActKind::kTanh: return std::tanh(x);
      case RnnActKind::kSigmoid:
        // Split by sign so exp never overflows.
        if (x >= C(0)) return C(1) / (C(1) + std::exp(-x));
        else {
          const C e = std::exp(x);
          return e / (C(1) + e);
        }
      case RnnActKind::kAffine: return a * x + b;
      case RnnActKind::kLeakyRelu: return x >= C(0) ? x : a * x;
      case RnnActKind::kThresholdedRelu: return x > a ? x : C(0);
      case RnnActKind::kScaledTanh: return a * std::tanh(b * x);
      case RnnActKind::kHardSigmoid: return std::min(C(1), std::max(C(0), a * x + b));
      case RnnActKind::kElu: return x >= C(0) ? x : a * (std::exp(x) - C(1));
      case RnnActKind::kSoftsign: return x / (C(1) + std::abs(x));
      case RnnActKind::kSoftplus:
        // log(1 + e^x) without overflow for large x.
        return x > C(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    }
    return x;
  }
};

// ---- attributes -------------------------------------------------------------

enum class RnnDirection { kForward, kReverse, kBidirectional };

struct RnnAttrs {
  RnnDirection direction = RnnDirection::kForward;
  int num_directions = 1;
  int64_t hidden_size = -1;  // -1: not given, taken from R
  int layout = 0;
  bool has_clip = false;
  float clip = 0;
  // `per_direction` functions for each direction, forward first.
  std::vector<RnnActivation> activations;
};

// Reads direction, hidden_size, layout (opset >= 14), clip and the activations
// (`defaults` are the per-direction defaults, e.g. {"Sigmoid", "Tanh"} for GRU).
// alpha/beta values are consumed in order by the functions that take them.
RnnAttrs rnn_attrs(const ir::Node& node, const std::vector<std::string>& defaults);

// ---- run time -----------------------------------------------------------------

// Sizes and per-batch sequence lengths after validating X, W, R, B,
// sequence_lens and initial_h (inputs 0..5) of a node with `gates` gates.
struct RnnShapes {
  int64_t seq = 0, batch = 0, input = 0, hidden = 0;
  int dirs = 1;
  std::vector<int64_t> lens;  // [batch], each in [0, seq]
};
RnnShapes rnn_check_inputs(const KernelContext& ctx, const RnnAttrs& a, int gates);

// Checks an optional [dirs, batch, hidden] state input (layout 1: [batch, dirs, hidden]).
void rnn_check_state(const Tensor* t, const RnnShapes& s, int layout, const char* name);
// Checks an optional [dirs, n] vector input (B: n = 2*gates*hidden, P: n = 3*hidden).
void rnn_check_vector(const Tensor* t, const RnnShapes& s, int64_t n, const char* name, const char* expect);

// X as a dense [seq, batch, input] buffer in C.
template <typename C, typename T>
std::vector<C> rnn_load_x(const Tensor& x, const RnnShapes& s, int layout) {
  std::vector<C> out(static_cast<size_t>(s.seq * s.batch * s.input));
  const T* p = x.data<T>();
  for (int64_t t = 0; t < s.seq; ++t)
    for (int64_t b = 0; b < s.batch; ++b) {
      const T* src = p + (layout == 0 ? (t * s.batch + b) : (b * s.seq + t)) * s.input;
      C* dst = out.data() + (t * s.batch + b) * s.input;
      for (int64_t i = 0; i < s.input; ++i) dst[i] = static_cast<C>(static_cast<compute_t<T>>(src[i]));
    }
  return out;
}

// A state input (or zeros when absent) as [dirs, batch, hidden] in C.
template <typename C, typename T>
std::vector<C> rnn_load_state(const Tensor* t, const RnnShapes& s, int layout) {
  std::vector<C> out(static_cast<size_t>(s.dirs * s.batch * s.hidden), C(0));
  if (!t) return out;
  const T* p = t->data<T>();
  for (int d = 0; d < s.dirs; ++d)
    for (int64_t b = 0; b < s.batch; ++b) {
      const T* src = p + (layout == 0 ? (d * s.batch + b) : (b * s.dirs + d)) * s.hidden;
      C* dst = out.data() + (d * s.batch + b) * s.hidden;
      for (int64_t i = 0; i < s.hidden; ++i) dst[i] = static_cast<C>(static_cast<compute_t<T>>(src[i]));
    }
  return out;
}

// Any weight tensor as a flat C buffer.
template <typename C, typename T>
std::vector<C> rnn_load(const Tensor* t, int64_t n_if_absent = 0) {
  if (!t) return std::vector<C>(static_cast<size_t>(n_if_absent), C(0));
  std::vector<C> out(static_cast<size_t>(t->numel()));
  const T* p = t->data<T>();
  for (int64_t i = 0; i < t->numel(); ++i) out[static_cast<size_t>(i)] = static_cast<C>(static_cast<compute_t<T>>(p[i]));
  return out;
}

// Writes Y (from a [seq, dirs, batch, hidden] buffer) when wanted.
template <typename C, typename T>
void rnn_store_y(KernelContext& ctx, int index, const std::vector<C>& y, const RnnShapes& s, int layout);
// Writes a final state (from a [dirs, batch, hidden] buffer) when wanted.
template <typename C, typename T>
void rnn_store_state(KernelContext& ctx, int index, const std::vector<C>& h, const RnnShapes& s, int layout);

// XW[t*batch + b, :] = X[t, b, :] * W^T + bias for every step: the input
// projection of all steps as one GEMM (W is [rows, input], bias [rows] or null).
template <typename C>
void rnn_project_inputs(const std::vector<C>& x, const RnnShapes& s, const C* w, int64_t rows, const C* bias,
                        std::vector<C>& out, ThreadPool* pool) {
  const int64_t m = s.seq * s.batch;
  out.assign(static_cast<size_t>(m * rows), C(0));
  if (m == 0 || rows == 0) return;
  if (bias)
    for (int64_t r = 0; r < m; ++r) std::copy(bias, bias + rows, out.data() + r * rows);
  if (s.input == 0) return;
  GemmArgs<C> g;
  g.trans_b = true;
  g.m = m;
  g.n = rows;
  g.k = s.input;
  g.a = x.data();
  g.lda = s.input;
  g.b = w;
  g.ldb = s.input;
  g.beta = bias ? C(1) : C(0);
  g.c = out.data();
  g.ldc = rows;
  gemm_ref(g, pool);
}

// out[batch, rows] = h[batch, k] * R^T where R is [rows, k] with leading dim ldr.
template <typename C>
void rnn_recur(const C* h, int64_t batch, int64_t k, const C* r, int64_t rows, int64_t ldr, C* out,
               ThreadPool* pool) {
  if (batch == 0 || rows == 0) return;
  if (k == 0) {
    std::fill(out, out + batch * rows, C(0));
    return;
  }
  GemmArgs<C> g;
  g.trans_b = true;
  g.m = batch;
  g.n = rows;
  g.k = k;
  g.a = h;
  g.lda = k;
  g.b = r;
  g.ldb = ldr;
  g.beta = C(0);
  g.c = out;
  g.ldc = rows;
  gemm_ref(g, pool);
}

inline float rnn_clip(float x, bool on, float c) { return on ? std::min(c, std::max(-c, x)) : x; }
inline double rnn_clip(double x, bool on, float c) {
  return on ? std::min<double>(c, std::max<double>(-c, x)) : x;
}

// ---- inference ----------------------------------------------------------------

// Y, Y_h (and Y_c for LSTM) shapes and types, per the layout; checks X's rank.
void rnn_infer(InferContext& ctx);

}  // namespace onyx
