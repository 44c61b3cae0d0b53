// MatMul (opsets 1, 9, 13): numpy matmul. A 1-D A is [1, K] and a 1-D B is
// [K, 1], with the added dim removed from the result; batch dims broadcast.
// Opset 9 added the 32/64-bit integers (products and sums wrap), 13 bfloat16.
//
// When B has no batch dims (the common "activations x weights" case, e.g.
// [batch, seq, 768] x [768, 768]) A's batch dims fold into M: one large
// GEMM instead of many small ones.
#include "kernels/common/gemm_ref.h"
#include "kernels/common/math.h"
#include "kernels/matmul/matmul_shape.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class MatMul final : public Kernel {
 public:
  explicit MatMul(const KernelInit& init) {
    if (const Tensor* b = init.constant_input(1)) {
      if (b->dtype() == DataType::kFloat16) widened_b_ = ComputeView<float>::of(b->data<Float16>(), b->numel());
      if (b->dtype() == DataType::kBFloat16) widened_b_ = ComputeView<float>::of(b->data<BFloat16>(), b->numel());
      if (!widened_b_.empty()) widened_from_ = b->raw();
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    if (a.dtype() != b.dtype())
      fail(ErrorCode::kInvalidArgument, "A has element type ", dtype_name(a.dtype()), " but B has ",
           dtype_name(b.dtype()));
    MatMulPlan p = plan_matmul(a.shape(), b.shape());
    Tensor& y = ctx.output(0, p.out_shape, a.dtype());
    if (y.numel() == 0) return;
    dispatch_numeric(a.dtype(), [&]<typename T>() {
      if constexpr (std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t> || std::is_same_v<T, int16_t> ||
                    std::is_same_v<T, uint16_t>) {
        fail(ErrorCode::kInvalidArgument, "MatMul does not take ", dtype_name(a.dtype()),
             " inputs (use MatMulInteger for 8-bit integers)");
      } else {
        using C = compute_t<T>;
        if constexpr (std::is_same_v<T, C>) {
          run_plan<C>(p, a.data<T>(), b.data<T>(), y.data<T>(), ctx.pool());
        } else {
          ComputeView<float> av = ComputeView<float>::of(a.data<T>(), a.numel());
          ComputeView<float> bv;
          if (b.raw() != widened_from_) bv = ComputeView<float>::of(b.data<T>(), b.numel());
          std::vector<float> yf(static_cast<size_t>(y.numel()));
          run_plan<float>(p, av.data(), b.raw() == widened_from_ ? widened_b_.data() : bv.data(), yf.data(),
                          ctx.pool());
          narrow_from_float(yf.data(), y.numel(), y.data<T>());
        }
      }
    });
  }

 private:
  template <typename C>
  static void run_plan(const MatMulPlan& p, const C* a, const C* b, C* y, ThreadPool* pool) {
    GemmArgs<C> g;
    g.m = p.m;
    g.n = p.n;
    g.k = p.k;
    g.a = a;
    g.lda = p.k;
    g.b = b;
    g.ldb = p.n;
    g.c = y;
    g.ldc = p.n;
    gemm_ref_batched(g, p.batch, p.a_off.data(), p.b_off.data(), p.c_off.data(), pool);
  }

  ComputeView<float> widened_b_;
  const void* widened_from_ = nullptr;
};

void infer_matmul(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  if (t != DataType::kUndefined && ctx.input_dtype(1) != DataType::kUndefined && ctx.input_dtype(1) != t)
    ctx.fail("A has element type ", dtype_name(t), " but B has ", dtype_name(ctx.input_dtype(1)));
  infer_matmul_output(ctx, 0, 1, t);
}

}  // namespace

ONYX_KERNEL({.op = "MatMul", .since = 1,
             .types = {DataType::kFloat, DataType::kDouble, DataType::kFloat16, DataType::kBFloat16, DataType::kInt32,
                       DataType::kInt64, DataType::kUInt32, DataType::kUInt64},
             .infer = infer_matmul, .create = create<MatMul>});

}  // namespace onyx
