// CausalConvWithState (opset 27): the causal depthwise 1-D convolution of
// state-space / linear-attention decoders, carrying its left context.
//
//   input [N, C, L], weight [C, 1, K], bias [C] (optional),
//   past_state [N, C, K-1] (optional, zeros when omitted)
//   padded = concat(past_state, input) along the sequence
//   output[n, c, t] = act(bias[c] + sum_k weight[c, 0, k] * padded[n, c, t + k])
//   present_state = the last K-1 positions of padded
//
// activation: "none" (default), or "silu" / "swish" (x * sigmoid(x)). As in
// the op's ONNX function body, the convolution result is rounded to the
// element type before the activation, which is computed in float.
#include <cmath>

#include "kernels/common/math.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class CausalConvWithState final : public Kernel {
 public:
  explicit CausalConvWithState(const KernelInit& init) {
    const std::string act = init.node.attr_string("activation", "none");
    if (act == "silu" || act == "swish") silu_ = true;
    else if (act != "none" && !act.empty())
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": activation '", act,
           "' is not one of none, silu, swish");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.optional_input(2);
    const Tensor* past = ctx.optional_input(3);
    if (x.rank() != 3) fail(ErrorCode::kInvalidArgument, "input ", shape_str(x.shape()), " must be 3-D [N, C, L]");
    const int64_t N = x.dim(0), C = x.dim(1), L = x.dim(2);
    if (w.rank() != 3 || w.dim(0) != C || w.dim(1) != 1 || w.dim(2) < 1)
      fail(ErrorCode::kInvalidArgument, "weight ", shape_str(w.shape()), " must be [C, 1, K] with C = ", C,
           " and K >= 1");
    const int64_t K = w.dim(2), S = K - 1;
    for (const Tensor* t : {&w, b, past})
      if (t && t->dtype() != x.dtype())
        fail(ErrorCode::kInvalidArgument, "inputs have different element types ", dtype_name(x.dtype()), " and ",
             dtype_name(t->dtype()));
    if (b && (b->rank() != 1 || b->dim(0) != C))
      fail(ErrorCode::kInvalidArgument, "bias ", shape_str(b->shape()), " must be [", C, "]");
    if (past && past->shape() != Shape{N, C, S})
      fail(ErrorCode::kInvalidArgument, "past_state ", shape_str(past->shape()), " must be [", N, ",", C, ",", S, "]");
    Tensor& y = ctx.output(0, {N, C, L}, x.dtype());
    Tensor* present = ctx.output_wanted(1) ? &ctx.output(1, {N, C, S}, x.dtype()) : nullptr;
    dispatch_float(x.dtype(), [&]<typename T>() {
      using Cp = compute_t<T>;
      const T* xp = x.data<T>();
      const T* wp = w.data<T>();
      const T* pp = past ? past->data<T>() : nullptr;
      parallel_for(ctx.pool(), N * C, std::max<int64_t>(1, 8192 / std::max<int64_t>(L * K, 1)),
                   [&](int64_t r0, int64_t r1) {
        std::vector<Cp> padded(static_cast<size_t>(S + L));
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t c = r % C;
          for (int64_t i = 0; i < S; ++i) padded[static_cast<size_t>(i)] = pp ? static_cast<Cp>(pp[r * S + i]) : Cp(0);
          for (int64_t i = 0; i < L; ++i) padded[static_cast<size_t>(S + i)] = static_cast<Cp>(xp[r * L + i]);
          const T* wc = wp + c * K;
          const Cp bias = b ? static_cast<Cp>(b->data<T>()[c]) : Cp(0);
          T* out = y.data<T>() + r * L;
          for (int64_t t = 0; t < L; ++t) {
            Cp acc = bias;
            for (int64_t k = 0; k < K; ++k) acc += static_cast<Cp>(wc[k]) * padded[static_cast<size_t>(t + k)];
            T v = store_as<T>(acc);
            if (silu_) {
              const float f = static_cast<float>(static_cast<Cp>(v));
              v = store_as<T>(f / (1.0f + std::exp(-f)));
            }
            out[t] = v;
          }
          if (present) {
            T* ps = present->data<T>() + r * S;
            for (int64_t i = 0; i < S; ++i) ps[i] = store_as<T>(padded[static_cast<size_t>(L + i)]);
          }
        }
      });
    });
  }

 private:
  bool silu_ = false;
};

void infer_causal_conv(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  const ir::Dims* x = ctx.input_dims(0);
  const ir::Dims* w = ctx.input_dims(1);
  if (!x) {
    ctx.set_output_unranked(0, t);
    if (ctx.has_output(1)) ctx.set_output_unranked(1, t);
    return;
  }
  if (x->size() != 3) ctx.fail("input ", shape_str(*x), " must be 3-D [N, C, L]");
  ctx.set_output(0, t, *x);
  if (ctx.has_output(1)) {
    ir::Dim s;
    if (w && w->size() == 3 && (*w)[2].known()) s = ir::Dim((*w)[2].value - 1);
    ctx.set_output(1, t, {(*x)[0], (*x)[1], s});
  }
}

}  // namespace

ONYX_KERNEL({.op = "CausalConvWithState", .since = 27, .types = kFloatTypes, .infer = infer_causal_conv,
             .create = create<CausalConvWithState>});

}  // namespace onyx
