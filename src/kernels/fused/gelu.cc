// com.onyx Gelu and FastGelu (docs/FUSED_OPS.md), produced by fuse_gelu.cc
// from the exporters' decomposed forms:
//   Gelu(X)     = 0.5 X (1 + erf(X / sqrt(2)))
//   FastGelu(X) = 0.5 X (1 + tanh(sqrt(2/pi) (X + 0.044715 X^3)))
// The reference kernel evaluates the formula in double; the fast one is the
// SGEMM epilogue's activation, run over row chunks in parallel.
#include <cmath>

#include "runtime/thread_pool.h"
#include "shape/infer.h"
#include "ukernels/sgemm.h"

namespace onyx {

namespace {

template <bool kTanh>
class GeluRef final : public Kernel {
 public:
  explicit GeluRef(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), DataType::kFloat);
    const float* px = x.data<float>();
    float* py = y.data<float>();
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double v = px[i];
      const double t = kTanh ? std::tanh(std::sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)) : std::erf(v / std::sqrt(2.0));
      py[i] = static_cast<float>(0.5 * v * (1.0 + t));
    }
  }
};

template <bool kTanh>
class GeluFast final : public Kernel {
 public:
  explicit GeluFast(const KernelInit&) { epi_.act = kTanh ? ukernel::Act::kGeluTanh : ukernel::Act::kGelu; }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), DataType::kFloat);
    const float* px = x.data<float>();
    float* py = y.data<float>();
    parallel_for(ctx.pool(), x.numel(), 4096, [&](int64_t b, int64_t e) {
      if (py != px) std::copy(px + b, px + e, py + b);
      ukernel::apply_activation(py + b, e - b, epi_);
    });
  }

 private:
  ukernel::Epilogue epi_;
};

}  // namespace

ONYX_KERNEL({.domain = "com.onyx", .op = "Gelu", .since = 1, .types = {DataType::kFloat},
             .infer = infer::same_as_input, .create = create<GeluRef<false>>});
ONYX_KERNEL({.domain = "com.onyx", .op = "FastGelu", .since = 1, .types = {DataType::kFloat},
             .infer = infer::same_as_input, .create = create<GeluRef<true>>});
ONYX_KERNEL({.domain = "com.onyx", .op = "Gelu", .since = 1, .types = {DataType::kFloat}, .priority = 10,
             .impl = "epilogue", .create = create<GeluFast<false>>});
ONYX_KERNEL({.domain = "com.onyx", .op = "FastGelu", .since = 1, .types = {DataType::kFloat}, .priority = 10,
             .impl = "epilogue", .create = create<GeluFast<true>>});

}  // namespace onyx
