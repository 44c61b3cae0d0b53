// Fast float32 Gemm / MatMul on the SIMD SGEMM, with constant weights packed
// once at session creation and bias + activation fused into the store.
//
//   Gemm:        Y = alpha * op(A) op(B) + beta * C
//   FusedGemm:   Y = act(Gemm(A, B, C))                      (com.onyx)
//   MatMul:      numpy matmul (batched, broadcast)
//   FusedMatMul: Y = act(A @ op(B) + bias), bias [N] optional (com.onyx;
//                op(B) = B^T when transB=1, B then 2-D)
//
// The reference kernels (gemm.cc, matmul.cc, fused/fused_gemm_ref.cc) stay
// as the oracle. These decline (return null) for what they do not speed up:
// non-float32 inputs.
#include <cstring>

#include "cpu/features.h"
#include "kernels/common/activation_attr.h"
#include "kernels/matmul/matmul_shape.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"
#include "ukernels/sgemm.h"

namespace onyx {

namespace {

using ukernel::PackedMatrix;

class GemmFast final : public Kernel {
 public:
  explicit GemmFast(const KernelInit& init)
      : trans_a_(init.node.attr_int("transA", 0) != 0),
        trans_b_(init.node.attr_int("transB", 0) != 0),
        alpha_(init.node.attr_float("alpha", 1.0f)),
        beta_(init.node.attr_float("beta", 1.0f)),
        epi_(activation_from_node(init.node)),
        isa_(active_isa()) {
    if (const Tensor* b = init.constant_input(1); b && b->dtype() == DataType::kFloat && b->rank() == 2) {
      const int64_t k = trans_b_ ? b->dim(1) : b->dim(0), n = trans_b_ ? b->dim(0) : b->dim(1);
      packed_b_ = PackedMatrix::pack(isa_, false, trans_b_, k, n, b->data<float>(), b->dim(1));
      packed_from_ = b->raw();
      ukernel::release_source_pages(b->raw(), b->nbytes());
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* c = ctx.optional_input(2);
    for (const Tensor* t : {&a, &b, c})
      if (t && t->dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, "expected float32, got ", t->describe());
    if (a.rank() != 2 || b.rank() != 2)
      fail(ErrorCode::kInvalidArgument, "A ", shape_str(a.shape()), " and B ", shape_str(b.shape()), " must both be 2-D");
    const int64_t m = trans_a_ ? a.dim(1) : a.dim(0), k = trans_a_ ? a.dim(0) : a.dim(1);
    const int64_t kb = trans_b_ ? b.dim(1) : b.dim(0), n = trans_b_ ? b.dim(0) : b.dim(1);
    if (k != kb)
      fail(ErrorCode::kInvalidArgument, "A ", shape_str(a.shape()), (trans_a_ ? " (transposed)" : ""), " and B ",
           shape_str(b.shape()), (trans_b_ ? " (transposed)" : ""), " cannot be multiplied: ", k, " != ", kb);
    Tensor& y = ctx.output(0, {m, n}, DataType::kFloat);
    if (y.empty()) return;
    float* yp = y.data<float>();
    ukernel::Epilogue epi = epi_;
    float beta = 0.f;
    const bool use_c = c && beta_ != 0.f && c->numel() > 0;
    if (use_c) {
      const Shape& cs = c->shape();
      if (cs.size() > 2) fail(ErrorCode::kInvalidArgument, "C ", shape_str(cs), " must have at most 2 dims");
      const int64_t cm = cs.size() == 2 ? cs[0] : 1, cn = cs.empty() ? 1 : cs.back();
      if ((cm != 1 && cm != m) || (cn != 1 && cn != n))
        fail(ErrorCode::kInvalidArgument, "C ", shape_str(cs), " does not broadcast to the output [", m, ",", n, "]");
      if (cm == 1 && cn == n && beta_ == 1.f) {
        epi.bias = c->data<float>();  // the common case: a bias row, added in the store
      } else {
        const float* cp = c->data<float>();
        const int64_t s0 = cm == 1 ? 0 : cn, s1 = cn == 1 ? 0 : 1;
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) yp[i * n + j] = beta_ * cp[i * s0 + j * s1];
        beta = 1.f;
      }
    }
    if (packed_b_ && b.raw() == packed_from_)
      ukernel::sgemm_packed_b(trans_a_, m, alpha_, a.data<float>(), a.dim(1), *packed_b_, beta, yp, n, epi, ctx.pool());
    else
      ukernel::sgemm(isa_, trans_a_, trans_b_, m, n, k, alpha_, a.data<float>(), a.dim(1), b.data<float>(), b.dim(1),
                     beta, yp, n, epi, ctx.pool());
  }

 private:
  bool trans_a_, trans_b_;
  float alpha_, beta_;
  ukernel::Epilogue epi_;
  Isa isa_;
  std::shared_ptr<const PackedMatrix> packed_b_;
  const void* packed_from_ = nullptr;
};

class MatMulFast final : public Kernel {
 public:
  explicit MatMulFast(const KernelInit& init)
      : epi_(activation_from_node(init.node)), isa_(active_isa()), trans_b_(init.node.attr_int("transB", 0) != 0) {
    // A constant 2-D B (the weights of a Linear layer) is packed once.
    if (const Tensor* b = init.constant_input(1); b && b->dtype() == DataType::kFloat && b->rank() == 2) {
      const int64_t k = trans_b_ ? b->dim(1) : b->dim(0), n = trans_b_ ? b->dim(0) : b->dim(1);
      packed_b_ = PackedMatrix::pack(isa_, false, trans_b_, k, n, b->data<float>(), b->dim(1));
      packed_from_ = b->raw();
      ukernel::release_source_pages(b->raw(), b->nbytes());
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* bias = ctx.optional_input(2);  // FusedMatMul only
    for (const Tensor* t : {&a, &b, bias})
      if (t && t->dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, "expected float32, got ", t->describe());
    if (trans_b_ && b.rank() != 2)
      fail(ErrorCode::kInvalidArgument, "B ", b.describe(), " must be 2-D with transB=1");
    MatMulPlan p = plan_matmul(a.shape(), trans_b_ ? Shape{b.dim(1), b.dim(0)} : b.shape());
    if (bias && (bias->numel() != p.n || bias->rank() > 1))
      fail(ErrorCode::kInvalidArgument, "bias ", bias->describe(), " must hold one value per output column (", p.n, ")");
    Tensor& y = ctx.output(0, p.out_shape, DataType::kFloat);
    if (y.empty()) return;
    ukernel::Epilogue epi = epi_;
    if (bias) epi.bias = bias->data<float>();
    const float* ap = a.data<float>();
    const float* bp = b.data<float>();
    float* yp = y.data<float>();
    if (p.k == 0) {
      std::memset(yp, 0, y.nbytes());
      for (int64_t r = 0; r < y.numel() / std::max<int64_t>(p.n, 1); ++r) {
        float* row = yp + r * p.n;
        if (epi.bias)
          for (int64_t j = 0; j < p.n; ++j) row[j] += epi.bias[j];
        ukernel::apply_activation(row, p.n, epi);
      }
      return;
    }
    const bool packed = packed_b_ && b.raw() == packed_from_;
    auto product = [&](int64_t i, ThreadPool* pool) {
      const float* ai = ap + p.a_off[static_cast<size_t>(i)];
      float* yi = yp + p.c_off[static_cast<size_t>(i)];
      if (packed)
        ukernel::sgemm_packed_b(false, p.m, 1.f, ai, p.k, *packed_b_, 0.f, yi, p.n, epi, pool);
      else
        ukernel::sgemm(isa_, false, trans_b_, p.m, p.n, p.k, 1.f, ai, p.k, bp + p.b_off[static_cast<size_t>(i)],
                       trans_b_ ? p.k : p.n, 0.f, yi, p.n, epi, pool);
    };
    // Many small products (attention heads): one product per thread beats
    // splitting each small product across threads.
    const int threads = ctx.pool() ? ctx.pool()->num_threads() : 1;
    if (p.batch >= 2 * threads && p.m * p.n * p.k <= (int64_t{1} << 22)) {
      parallel_for(ctx.pool(), p.batch, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) product(i, nullptr);
      });
    } else {
      for (int64_t i = 0; i < p.batch; ++i) product(i, ctx.pool());
    }
  }

 private:
  ukernel::Epilogue epi_;
  Isa isa_;
  bool trans_b_;  // FusedMatMul transB=1: B is a 2-D [N, K]
  std::shared_ptr<const PackedMatrix> packed_b_;
  const void* packed_from_ = nullptr;
};

template <typename K>
std::unique_ptr<Kernel> create_float(const KernelInit& init) {
  for (int i = 0; i < 3; ++i)
    if (init.has_input(i) && init.input_dtype(i) != DataType::kFloat) return nullptr;
  return std::make_unique<K>(init);
}

}  // namespace

ONYX_KERNEL({.op = "Gemm", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "sgemm",
             .create = create_float<GemmFast>});
ONYX_KERNEL({.domain = "com.onyx", .op = "FusedGemm", .since = 1, .types = {DataType::kFloat}, .priority = 10,
             .impl = "sgemm", .create = create_float<GemmFast>});
ONYX_KERNEL({.op = "MatMul", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "sgemm",
             .create = create_float<MatMulFast>});
ONYX_KERNEL({.domain = "com.onyx", .op = "FusedMatMul", .since = 1, .types = {DataType::kFloat}, .priority = 10,
             .impl = "sgemm", .create = create_float<MatMulFast>});

}  // namespace onyx
