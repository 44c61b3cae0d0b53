// Gemm: Y = alpha * op(A) * op(B) + beta * C, A and B 2-D, op = transpose
// when transA / transB. C broadcasts to [M, N] (unidirectionally); it is
// optional from opset 11. Opsets 1 and 6 had a `broadcast` attribute that
// had to be set for C to broadcast: broadcasting is accepted either way,
// which runs every model those opsets accept. Opset 9 added the 32/64-bit
// integers: their products wrap, and alpha/beta other than 1 are applied in
// double precision, then converted back (truncating, saturating).
//
// As in ONNX Runtime, beta == 0 ignores C (even where C holds inf or NaN).
#include "kernels/common/gemm_ref.h"
#include "kernels/common/math.h"
#include "shape/infer.h"

namespace onyx {

namespace {

struct GemmDims {
  int64_t m, n, k;
};

GemmDims gemm_dims(const Shape& a, const Shape& b, bool ta, bool tb) {
  if (a.size() != 2 || b.size() != 2)
    fail(ErrorCode::kInvalidArgument, "A ", shape_str(a), " and B ", shape_str(b), " must both be 2-D");
  const int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
  const int64_t kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
  if (k != kb)
    fail(ErrorCode::kInvalidArgument, "A ", shape_str(a), (ta ? " (transposed)" : ""), " and B ", shape_str(b),
         (tb ? " (transposed)" : ""), " cannot be multiplied: ", k, " != ", kb);
  return {m, n, k};
}

// Checks that C broadcasts to [m, n] and returns its strides (0 where broadcast).
std::pair<int64_t, int64_t> c_strides(const Shape& c, int64_t m, int64_t n) {
  if (c.size() > 2)
    fail(ErrorCode::kInvalidArgument, "C ", shape_str(c), " must have at most 2 dims to broadcast to [", m, ",", n,
         "]");
  const int64_t cm = c.size() == 2 ? c[0] : 1;
  const int64_t cn = c.empty() ? 1 : c.back();
  if ((cm != 1 && cm != m) || (cn != 1 && cn != n))
    fail(ErrorCode::kInvalidArgument, "C ", shape_str(c), " does not broadcast to the output [", m, ",", n, "]");
  return {cm == 1 ? 0 : cn, cn == 1 ? 0 : 1};
}

class Gemm final : public Kernel {
 public:
  explicit Gemm(const KernelInit& init)
      : trans_a_(init.node.attr_int("transA", 0) != 0),
        trans_b_(init.node.attr_int("transB", 0) != 0),
        alpha_(init.node.attr_float("alpha", 1.0f)),
        beta_(init.node.attr_float("beta", 1.0f)) {
    if (const Tensor* b = init.constant_input(1)) {
      if (b->dtype() == DataType::kFloat16) widened_b_ = ComputeView<float>::of(b->data<Float16>(), b->numel());
      if (b->dtype() == DataType::kBFloat16) widened_b_ = ComputeView<float>::of(b->data<BFloat16>(), b->numel());
      if (!widened_b_.empty()) widened_from_ = b->raw();
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    const Tensor* c = ctx.optional_input(2);
    for (const Tensor* t : {&b, c})
      if (t && t->dtype() != a.dtype())
        fail(ErrorCode::kInvalidArgument, "inputs have different element types ", dtype_name(a.dtype()), " and ",
             dtype_name(t->dtype()));
    const GemmDims d = gemm_dims(a.shape(), b.shape(), trans_a_, trans_b_);
    std::pair<int64_t, int64_t> cs{0, 0};
    if (c) cs = c_strides(c->shape(), d.m, d.n);
    const bool use_c = c && beta_ != 0.0f && c->numel() > 0;
    Tensor& y = ctx.output(0, {d.m, d.n}, a.dtype());
    if (y.numel() == 0) return;
    dispatch_numeric(a.dtype(), [&]<typename T>() {
      using Cp = compute_t<T>;
      if constexpr (std::is_integral_v<T>) {
        if constexpr (sizeof(T) < 4) {
          fail(ErrorCode::kInvalidArgument, "Gemm does not take ", dtype_name(a.dtype()), " inputs");
        } else {
          run_integer<T>(a, b, c, use_c, cs, d, y, ctx.pool());
        }
      } else {
        ComputeView<Cp> av = ComputeView<Cp>::of(a.data<T>(), a.numel());
        // Constant small-float B was widened once at creation.
        ComputeView<Cp> bv;
        const Cp* bp;
        if constexpr (is_small_float_v<T>) {
          if (b.raw() == widened_from_) {
            bp = widened_b_.data();
          } else {
            bv = ComputeView<Cp>::of(b.data<T>(), b.numel());
            bp = bv.data();
          }
        } else {
          bv = ComputeView<Cp>::of(b.data<T>(), b.numel());
          bp = bv.data();
        }
        std::vector<Cp> ybuf;
        Cp* yp;
        if constexpr (std::is_same_v<T, Cp>) {
          yp = y.data<T>();
        } else {
          ybuf.resize(static_cast<size_t>(y.numel()));
          yp = ybuf.data();
        }
        if (use_c) fill_c<T, Cp>(*c, cs, d, yp);
        GemmArgs<Cp> g;
        g.trans_a = trans_a_;
        g.trans_b = trans_b_;
        g.m = d.m;
        g.n = d.n;
        g.k = d.k;
        g.alpha = static_cast<Cp>(alpha_);
        g.a = av.data();
        g.lda = a.dim(1);
        g.b = bp;
        g.ldb = b.dim(1);
        g.beta = use_c ? static_cast<Cp>(beta_) : Cp(0);
        g.c = yp;
        g.ldc = d.n;
        gemm_ref(g, ctx.pool());
        if constexpr (!std::is_same_v<T, Cp>) narrow_from_float(ybuf.data(), y.numel(), y.data<T>());
      }
    });
  }

 private:
  template <typename T, typename Cp>
  static void fill_c(const Tensor& c, std::pair<int64_t, int64_t> cs, const GemmDims& d, Cp* y) {
    const T* cp = c.data<T>();
    for (int64_t i = 0; i < d.m; ++i)
      for (int64_t j = 0; j < d.n; ++j) y[i * d.n + j] = static_cast<Cp>(cp[i * cs.first + j * cs.second]);
  }

  template <typename T>
  void run_integer(const Tensor& a, const Tensor& b, const Tensor* c, bool use_c, std::pair<int64_t, int64_t> cs,
                   const GemmDims& d, Tensor& y, ThreadPool* pool) const {
    T* yp = y.data<T>();
    const bool exact = alpha_ == 1.0f && (!use_c || beta_ == 1.0f);
    if (use_c && exact) fill_c<T, T>(*c, cs, d, yp);
    GemmArgs<T> g;
    g.trans_a = trans_a_;
    g.trans_b = trans_b_;
    g.m = d.m;
    g.n = d.n;
    g.k = d.k;
    g.a = a.data<T>();
    g.lda = a.dim(1);
    g.b = b.data<T>();
    g.ldb = b.dim(1);
    g.beta = use_c && exact ? T(1) : T(0);
    g.c = yp;
    g.ldc = d.n;
    gemm_ref(g, pool);
    if (exact) return;
    const double alpha = alpha_, beta = beta_;
    const T* cp = use_c ? c->data<T>() : nullptr;
    for (int64_t i = 0; i < d.m; ++i)
      for (int64_t j = 0; j < d.n; ++j) {
        double v = alpha * static_cast<double>(yp[i * d.n + j]);
        if (cp) v += beta * static_cast<double>(cp[i * cs.first + j * cs.second]);
        yp[i * d.n + j] = float_to_int<T>(v);
      }
  }

  bool trans_a_, trans_b_;
  float alpha_, beta_;
  ComputeView<float> widened_b_;
  const void* widened_from_ = nullptr;
};

void infer_gemm(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  for (int i : {1, 2})
    if (ctx.has_input(i) && ctx.input_dtype(i) != DataType::kUndefined && t != DataType::kUndefined &&
        ctx.input_dtype(i) != t)
      ctx.fail("inputs have different element types ", dtype_name(t), " and ", dtype_name(ctx.input_dtype(i)));
  if (ctx.opset() < 11 && !ctx.has_input(2)) ctx.fail("input C is required before opset 11");
  const ir::Dims* a = ctx.input_dims(0);
  const ir::Dims* b = ctx.input_dims(1);
  if (!a || !b) {
    ctx.set_output(0, t, ir::Dims(2));
    return;
  }
  if (a->size() != 2 || b->size() != 2)
    ctx.fail("A ", shape_str(*a), " and B ", shape_str(*b), " must both be 2-D");
  const bool ta = ctx.node().attr_int("transA", 0) != 0, tb = ctx.node().attr_int("transB", 0) != 0;
  const ir::Dim& m = (*a)[ta ? 1 : 0];
  const ir::Dim& k = (*a)[ta ? 0 : 1];
  const ir::Dim& kb = (*b)[tb ? 1 : 0];
  const ir::Dim& n = (*b)[tb ? 0 : 1];
  if (k.known() && kb.known() && k.value != kb.value)
    ctx.fail("A ", shape_str(*a), " and B ", shape_str(*b), " cannot be multiplied: ", k.value, " != ", kb.value);
  if (const ir::Dims* c = ctx.input_dims(2)) {
    if (c->size() > 2) ctx.fail("C ", shape_str(*c), " must have at most 2 dims");
    const ir::Dim* cm = c->size() == 2 ? &(*c)[0] : nullptr;
    const ir::Dim* cn = c->empty() ? nullptr : &c->back();
    if ((cm && cm->known() && cm->value != 1 && m.known() && cm->value != m.value) ||
        (cn && cn->known() && cn->value != 1 && n.known() && cn->value != n.value))
      ctx.fail("C ", shape_str(*c), " does not broadcast to the output [", m, ",", n, "]");
  }
  ctx.set_output(0, t, {m, n});
}

}  // namespace

ONYX_KERNEL({.op = "Gemm", .since = 1,
             .types = {DataType::kFloat, DataType::kDouble, DataType::kFloat16, DataType::kBFloat16, DataType::kInt32,
                       DataType::kInt64, DataType::kUInt32, DataType::kUInt64},
             .infer = infer_gemm, .create = create<Gemm>});

}  // namespace onyx
