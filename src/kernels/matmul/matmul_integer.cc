// MatMulInteger (opset 10) and QLinearMatMul (opsets 10, 21): numpy matmul
// of int8/uint8 tensors with zero points, summed in int32 (sums wrap).
//
// Zero points: A's is a scalar or one per row of A (shape [M], [M, 1] or
// [..., M, 1] matching A's batch); B's a scalar or one per column ([N],
// [1, N] or [..., 1, N] matching B's batch). QLinearMatMul's scales follow
// the same layout (scalar or per row of A / per column of B; the output's
// per row), and the result is requantized:
//   y = saturate(round_half_even(sum * a_scale * b_scale / y_scale) + y_zero_point)
// Opset 21 allows float16/bfloat16 scales (widened to float). The float8
// element types of opset 21 are not supported.
#include "kernels/common/gemm_ref.h"
#include "kernels/common/qlinear.h"
#include "kernels/matmul/matmul_shape.h"
#include "shape/infer.h"

namespace onyx {

namespace {

// A - a_zero_point as int32, per-tensor or per-row.
std::vector<int32_t> widen_a(const Tensor& a, const Tensor* zp_t, const char* what) {
  std::vector<int32_t> zp = zero_point_values(zp_t, what);
  const int64_t k = a.dim(-1);
  const int64_t m = a.rank() >= 2 ? a.dim(-2) : 1;
  const int64_t rows = k == 0 ? 0 : a.numel() / k;
  const int64_t nz = static_cast<int64_t>(zp.size());
  if (nz != 1 && nz != m && nz != rows)
    fail(ErrorCode::kInvalidArgument, what, " ", zp_t->describe(), " must be a scalar or hold one value per row of A ",
         shape_str(a.shape()));
  if (zp_t && nz > 1 && zp_t->rank() >= 2 && zp_t->dim(-1) != 1)
    fail(ErrorCode::kInvalidArgument, what, " ", zp_t->describe(), " must have a last dim of 1 (one value per row)");
  return widen_minus_zero_point(a, zp, std::max<int64_t>(k, 1), what);
}

// B - b_zero_point as int32, per-tensor or per-column (optionally per batch).
std::vector<int32_t> widen_b(const Tensor& b, const Tensor* zp_t, const char* what) {
  std::vector<int32_t> zp = zero_point_values(zp_t, what);
  const int64_t n = b.rank() >= 2 ? b.dim(-1) : 1;
  const int64_t k = b.rank() >= 2 ? b.dim(-2) : b.dim(0);
  const int64_t nz = static_cast<int64_t>(zp.size());
  const int64_t batches = (n * k) == 0 ? 0 : b.numel() / (n * k);
  if (nz == 1 || nz == n) return widen_minus_zero_point(b, zp, 1, what);
  if (nz != batches * n)
    fail(ErrorCode::kInvalidArgument, what, " ", zp_t->describe(),
         " must be a scalar or hold one value per column of B ", shape_str(b.shape()));
  std::vector<int32_t> out = widen_minus_zero_point(b, {0}, 1, what);
  for (int64_t i = 0; i < b.numel(); ++i)
    out[static_cast<size_t>(i)] -= zp[static_cast<size_t>((i / (k * n)) * n + i % n)];
  return out;
}

void int_matmul(const MatMulPlan& p, const int32_t* a, const int32_t* b, int32_t* y, ThreadPool* pool) {
  GemmArgs<int32_t> g;
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

class MatMulInteger final : public Kernel {
 public:
  explicit MatMulInteger(const KernelInit&) {}

  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* azp = ctx.optional_input(2);
    const Tensor* bzp = ctx.optional_input(3);
    if (azp && azp->dtype() != a.dtype())
      fail(ErrorCode::kInvalidArgument, "a_zero_point must have A's element type ", dtype_name(a.dtype()));
    if (bzp && bzp->dtype() != b.dtype())
      fail(ErrorCode::kInvalidArgument, "b_zero_point must have B's element type ", dtype_name(b.dtype()));
    MatMulPlan p = plan_matmul(a.shape(), b.shape());
    Tensor& y = ctx.output(0, p.out_shape, DataType::kInt32);
    if (y.numel() == 0) return;
    std::vector<int32_t> a32 = widen_a(a, azp, "a_zero_point");
    std::vector<int32_t> b32 = widen_b(b, bzp, "b_zero_point");
    int_matmul(p, a32.data(), b32.data(), y.data<int32_t>(), ctx.pool());
  }
};

void infer_matmul_integer(InferContext& ctx) { infer_matmul_output(ctx, 0, 1, DataType::kInt32); }

class QLinearMatMul final : public Kernel {
 public:
  explicit QLinearMatMul(const KernelInit&) {}

  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& a_scale = ctx.input(1);
    const Tensor& azp = ctx.input(2);
    const Tensor& b = ctx.input(3);
    const Tensor& b_scale = ctx.input(4);
    const Tensor& bzp = ctx.input(5);
    const Tensor& y_scale = ctx.input(6);
    const Tensor& yzp = ctx.input(7);
    if (azp.dtype() != a.dtype() || bzp.dtype() != b.dtype())
      fail(ErrorCode::kInvalidArgument, "each zero point must have the element type of its input");
    MatMulPlan p = plan_matmul(a.shape(), b.shape());
    Tensor& y = ctx.output(0, p.out_shape, yzp.dtype());
    if (y.numel() == 0) return;
    std::vector<int32_t> a32 = widen_a(a, &azp, "a_zero_point");
    std::vector<int32_t> b32 = widen_b(b, &bzp, "b_zero_point");
    std::vector<int32_t> acc(static_cast<size_t>(y.numel()));
    int_matmul(p, a32.data(), b32.data(), acc.data(), ctx.pool());

    const std::vector<float> as = scale_values(a_scale, "a_scale"), bs = scale_values(b_scale, "b_scale"),
                             ys = scale_values(y_scale, "y_scale");
    const std::vector<int32_t> yz = zero_point_values(&yzp, "y_zero_point");
    const int64_t m = a.rank() >= 2 ? a.dim(-2) : 1, n = b.rank() >= 2 ? b.dim(-1) : 1;
    auto per_row = [&](size_t size, const char* what) {
      if (size != 1 && static_cast<int64_t>(size) != m)
        fail(ErrorCode::kInvalidArgument, what, " must be a scalar or hold one value per row (", m, "), got ", size);
    };
    per_row(as.size(), "a_scale");
    per_row(ys.size(), "y_scale");
    per_row(yz.size(), "y_zero_point");
    if (bs.size() != 1 && static_cast<int64_t>(bs.size()) != n)
      fail(ErrorCode::kInvalidArgument, "b_scale must be a scalar or hold one value per column (", n, "), got ",
           bs.size());
    auto pick = [](const auto& v, int64_t i) { return v.size() == 1 ? v[0] : v[static_cast<size_t>(i)]; };
    auto store = [&]<typename T>() {
      T* out = y.data<T>();
      for (int64_t i = 0; i < y.numel(); ++i) {
        const int64_t row = (i / n) % m, col = i % n;
        // The multiplier in float, as ONNX Runtime computes it.
        const float scale = pick(as, row) * pick(bs, col) / pick(ys, row);
        out[i] = requantize<T>(static_cast<float>(acc[static_cast<size_t>(i)]) * scale, pick(yz, row));
      }
    };
    if (yzp.dtype() == DataType::kUInt8) store.template operator()<uint8_t>();
    else if (yzp.dtype() == DataType::kInt8) store.template operator()<int8_t>();
    else fail(ErrorCode::kInvalidArgument, "y_zero_point must be int8 or uint8, got ", dtype_name(yzp.dtype()));
  }
};

void infer_qlinear_matmul(InferContext& ctx) {
  const DataType t = ctx.input_dtype(7);
  if (ctx.input_dtype(0) != DataType::kUndefined && ctx.input_dtype(2) != DataType::kUndefined &&
      ctx.input_dtype(0) != ctx.input_dtype(2))
    ctx.fail("a_zero_point must have the element type of a");
  if (ctx.input_dtype(3) != DataType::kUndefined && ctx.input_dtype(5) != DataType::kUndefined &&
      ctx.input_dtype(3) != ctx.input_dtype(5))
    ctx.fail("b_zero_point must have the element type of b");
  infer_matmul_output(ctx, 0, 3, t);
}

}  // namespace

ONYX_KERNEL({.op = "MatMulInteger", .since = 10, .types = {DataType::kUInt8, DataType::kInt8},
             .infer = infer_matmul_integer, .create = create<MatMulInteger>});
ONYX_KERNEL({.op = "QLinearMatMul", .since = 10, .types = {DataType::kUInt8, DataType::kInt8},
             .infer = infer_qlinear_matmul, .create = create<QLinearMatMul>});

}  // namespace onyx
