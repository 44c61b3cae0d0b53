// Reference com.onyx FusedGemm and FusedMatMul: the plain product (the
// reference GEMM), then the bias, then the activation — the oracle for the
// fused fast paths in matmul/gemm_fast.cc.
//   FusedGemm(A, B, C?)      = act(alpha * op(A) op(B) + beta * C)
//   FusedMatMul(A, B, bias?) = act(A @ B + bias)     (numpy matmul, bias [N];
//                                                   B^T with transB=1, B 2-D)
#include "kernels/common/activation_attr.h"
#include "kernels/common/gemm_ref.h"
#include "kernels/matmul/matmul_shape.h"
#include "shape/infer.h"

namespace onyx {

namespace {

void check_float(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t && t->dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, "expected float32, got ", t->describe());
}

class FusedGemmRef final : public Kernel {
 public:
  explicit FusedGemmRef(const KernelInit& init)
      : trans_a_(init.node.attr_int("transA", 0) != 0),
        trans_b_(init.node.attr_int("transB", 0) != 0),
        alpha_(init.node.attr_float("alpha", 1.0f)),
        beta_(init.node.attr_float("beta", 1.0f)),
        epi_(activation_from_node(init.node)) {}

  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* c = ctx.optional_input(2);
    check_float({&a, &b, c});
    if (a.rank() != 2 || b.rank() != 2) fail(ErrorCode::kInvalidArgument, "A and B must both be 2-D");
    const int64_t m = trans_a_ ? a.dim(1) : a.dim(0), k = trans_a_ ? a.dim(0) : a.dim(1);
    const int64_t kb = trans_b_ ? b.dim(1) : b.dim(0), n = trans_b_ ? b.dim(0) : b.dim(1);
    if (k != kb) fail(ErrorCode::kInvalidArgument, "A and B cannot be multiplied: ", k, " != ", kb);
    Tensor& y = ctx.output(0, {m, n}, DataType::kFloat);
    if (y.empty()) return;
    float* yp = y.data<float>();
    const bool use_c = c && beta_ != 0.f && c->numel() > 0;
    if (use_c) {
      const Shape& cs = c->shape();
      const int64_t cm = cs.size() == 2 ? cs[0] : 1, cn = cs.empty() ? 1 : cs.back();
      if (cs.size() > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != n))
        fail(ErrorCode::kInvalidArgument, "C ", shape_str(cs), " does not broadcast to the output [", m, ",", n, "]");
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) yp[i * n + j] = c->data<float>()[(cm == 1 ? 0 : i * cn) + (cn == 1 ? 0 : j)];
    }
    GemmArgs<float> g;
    g.trans_a = trans_a_;
    g.trans_b = trans_b_;
    g.m = m;
    g.n = n;
    g.k = k;
    g.alpha = alpha_;
    g.a = a.data<float>();
    g.lda = a.dim(1);
    g.b = b.data<float>();
    g.ldb = b.dim(1);
    g.beta = use_c ? beta_ : 0.f;
    g.c = yp;
    g.ldc = n;
    gemm_ref(g, ctx.pool());
    ukernel::apply_activation(yp, y.numel(), epi_);
  }

 private:
  bool trans_a_, trans_b_;
  float alpha_, beta_;
  ukernel::Epilogue epi_;
};

class FusedMatMulRef final : public Kernel {
 public:
  explicit FusedMatMulRef(const KernelInit& init)
      : epi_(activation_from_node(init.node)), trans_b_(init.node.attr_int("transB", 0) != 0) {}

  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor* bias = ctx.optional_input(2);
    check_float({&a, &ctx.input(1), bias});
    // transB=1 (B given as [N, K], 2-D): the reference transposes it first.
    Tensor bt;
    if (trans_b_) {
      const Tensor& b0 = ctx.input(1);
      if (b0.rank() != 2) fail(ErrorCode::kInvalidArgument, "B ", b0.describe(), " must be 2-D with transB=1");
      bt = Tensor(DataType::kFloat, {b0.dim(1), b0.dim(0)}, ctx.allocator());
      for (int64_t i = 0; i < b0.dim(0); ++i)
        for (int64_t j = 0; j < b0.dim(1); ++j) bt.data<float>()[j * b0.dim(0) + i] = b0.data<float>()[i * b0.dim(1) + j];
    }
    const Tensor& b = trans_b_ ? bt : ctx.input(1);
    MatMulPlan p = plan_matmul(a.shape(), b.shape());
    if (bias && (bias->numel() != p.n || bias->rank() > 1))
      fail(ErrorCode::kInvalidArgument, "bias ", bias->describe(), " must hold one value per output column (", p.n, ")");
    Tensor& y = ctx.output(0, p.out_shape, DataType::kFloat);
    if (y.empty()) return;
    GemmArgs<float> g;
    g.m = p.m;
    g.n = p.n;
    g.k = p.k;
    g.a = a.data<float>();
    g.lda = p.k;
    g.b = b.data<float>();
    g.ldb = p.n;
    g.c = y.data<float>();
    g.ldc = p.n;
    gemm_ref_batched(g, p.batch, p.a_off.data(), p.b_off.data(), p.c_off.data(), ctx.pool());
    float* yp = y.data<float>();
    const int64_t rows = y.numel() / std::max<int64_t>(p.n, 1);
    for (int64_t r = 0; r < rows; ++r) {
      float* row = yp + r * p.n;
      if (bias)
        for (int64_t j = 0; j < p.n; ++j) row[j] += bias->data<float>()[j];
      ukernel::apply_activation(row, p.n, epi_);
    }
  }

 private:
  ukernel::Epilogue epi_;
  bool trans_b_;
};

void infer_fused_gemm(InferContext& ctx) {
  const ir::Dims* a = ctx.input_dims(0);
  const ir::Dims* b = ctx.input_dims(1);
  if (!a || !b || a->size() != 2 || b->size() != 2) {
    ctx.set_output_unranked(0, DataType::kFloat);
    return;
  }
  bool ta = ctx.node().attr_int("transA", 0) != 0, tb = ctx.node().attr_int("transB", 0) != 0;
  ctx.set_output(0, DataType::kFloat, {(*a)[ta ? 1 : 0], (*b)[tb ? 0 : 1]});
}

void infer_fused_matmul(InferContext& ctx) {
  if (ctx.node().attr_int("transB", 0) == 0) {
    infer_matmul_output(ctx, 0, 1, DataType::kFloat);
    return;
  }
  // transB=1: B is [N, K]; A [..., M, K] -> [..., M, N].
  const ir::Dims* a = ctx.input_dims(0);
  const ir::Dims* b = ctx.input_dims(1);
  if (!a || !b) {
    ctx.set_output_unranked(0, DataType::kFloat);
    return;
  }
  if (b->size() != 2 || a->empty())
    ctx.fail("with transB=1, B must be 2-D and A at least 1-D, got A ", shape_str(*a), " and B ", shape_str(*b));
  const ir::Dim& k = a->back();
  const ir::Dim& kb = (*b)[1];
  if (k.known() && kb.known() && k.value != kb.value)
    ctx.fail("A ", shape_str(*a), " and B ", shape_str(*b), " (transposed) cannot be multiplied: ", k.value,
             " != ", kb.value);
  ir::Dims out(a->begin(), a->end() - 1);
  out.push_back((*b)[0]);
  ctx.set_output(0, DataType::kFloat, std::move(out));
}

}  // namespace

ONYX_KERNEL({.domain = "com.onyx", .op = "FusedGemm", .since = 1, .types = {DataType::kFloat},
             .infer = infer_fused_gemm, .create = create<FusedGemmRef>});
ONYX_KERNEL({.domain = "com.onyx", .op = "FusedMatMul", .since = 1, .types = {DataType::kFloat},
             .infer = infer_fused_matmul, .create = create<FusedMatMulRef>});

}  // namespace onyx
