// ConvTranspose (opsets 1, 11, 22): the adjoint of Conv. Per image and group,
//   col (M/group*ksize x P_in) = W[g]^T (M/group*ksize x C/group) * X[g] (C/group x P_in)
// with the reference GEMM, then col2im adds each column's window into Y.
//
// Output size per axis: stride * (in - 1) + output_padding + (k - 1) * dilation + 1
// - pad_begin - pad_end; or output_shape, from which the pads are derived
// (total = that expression without pads - output_shape; SAME_UPPER puts the
// odd unit at the end, everything else at the beginning, with floor division
// as in the ONNX reference, so a negative total grows the output at the end).
// SAME_UPPER/SAME_LOWER without output_shape give in * stride.
#include "kernels/common/gemm_ref.h"
#include "kernels/common/math.h"
#include "kernels/common/window.h"
#include "kernels/conv/conv_common.h"
#include "kernels/conv/im2col.h"
#include "shape/infer.h"

namespace onyx {

namespace {

constexpr int64_t kMaxColElements = int64_t{1} << 23;
constexpr int64_t kMaxValue = int64_t{1} << 31;

int64_t floor_div2(int64_t v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

struct TransposeAttrs {
  AutoPad auto_pad = AutoPad::kNotSet;
  std::vector<int64_t> kernel_shape, strides, dilations, pads, output_padding, output_shape;
  int64_t group = 1;

  explicit TransposeAttrs(const ir::Node& node) {
    WindowAttrs w = WindowAttrs::from_node(node);
    auto_pad = w.auto_pad;
    kernel_shape = w.kernel_shape;
    strides = w.strides;
    dilations = w.dilations;
    pads = w.pads;
    output_padding = node.attr_ints("output_padding");
    output_shape = node.attr_ints("output_shape");
    group = node.attr_int("group", 1);
  }
};

struct TransposeGeometry {
  std::vector<int64_t> in, kernel, stride, dilation, pad_begin, out;
};

// Resolves one axis. `in` < 0 means unknown (inference): out is then -1
// unless output_shape gives it.
void resolve_axis(const TransposeAttrs& a, const std::vector<int64_t>& kernel, int rank, int i, int64_t in,
                  int64_t* pb, int64_t* out) {
  const size_t u = static_cast<size_t>(i);
  auto at = [&](const std::vector<int64_t>& v, int64_t dflt) { return v.empty() ? dflt : v[u]; };
  const int64_t k = kernel[u], s = at(a.strides, 1), d = at(a.dilations, 1), op = at(a.output_padding, 0);
  const int64_t ek = (k - 1) * d + 1;
  int64_t target = -1;
  if (!a.output_shape.empty()) {
    const size_t skip = a.output_shape.size() == static_cast<size_t>(rank) + 2 ? 2 : 0;
    target = a.output_shape[u + skip];
  } else if (a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower) {
    target = in < 0 ? -1 : in * s;
  }
  if (in < 0) {
    *pb = 0;
    *out = target;
    return;
  }
  const int64_t full = s * (in - 1) + op + ek;  // output size without padding
  if (target >= 0) {
    const int64_t total = full - target;
    const int64_t half = floor_div2(total);
    *pb = a.auto_pad == AutoPad::kSameUpper ? half : total - half;
    *out = target;
    return;
  }
  int64_t b = 0, e = 0;
  if (a.auto_pad == AutoPad::kNotSet && !a.pads.empty()) {
    b = a.pads[u];
    e = a.pads[u + static_cast<size_t>(rank)];
  }
  *pb = b;
  *out = full - b - e;
  if (*out < 0)
    fail(ErrorCode::kInvalidArgument, "pads ", ints_str(a.pads), " remove more than the ", full,
         " output positions of spatial axis ", i);
}

// Checks attribute lengths and values for `rank` spatial axes; returns the kernel.
std::vector<int64_t> check_attrs(const TransposeAttrs& a, int rank, std::span<const int64_t> weight_kernel) {
  const size_t n = static_cast<size_t>(rank);
  auto check = [&](const std::vector<int64_t>& v, const char* name, size_t want, int64_t lo) {
    if (v.empty()) return;
    if (v.size() != want && !(std::string_view(name) == "output_shape" && v.size() == n + 2))
      fail(ErrorCode::kInvalidArgument, name, " ", ints_str(v), " has ", v.size(), " values; expected ", want, " for ",
           rank, " spatial dims");
    for (int64_t x : v)
      if (x < lo || x > kMaxValue)
        fail(ErrorCode::kInvalidArgument, name, " ", ints_str(v), lo > 0 ? " must hold positive values"
                                                                          : " must not be negative");
  };
  check(a.strides, "strides", n, 1);
  check(a.dilations, "dilations", n, 1);
  check(a.output_padding, "output_padding", n, 0);
  check(a.output_shape, "output_shape", n, 0);
  if (a.auto_pad == AutoPad::kNotSet) check(a.pads, "pads", 2 * n, 0);
  std::vector<int64_t> kernel;
  if (!a.kernel_shape.empty()) {
    check(a.kernel_shape, "kernel_shape", n, 1);
    for (size_t i = 0; i < weight_kernel.size() && i < n; ++i)
      if (weight_kernel[i] >= 0 && weight_kernel[i] != a.kernel_shape[i])
        fail(ErrorCode::kInvalidArgument, "kernel_shape ", ints_str(a.kernel_shape),
             " does not match the weight's spatial dims ", ints_str(weight_kernel));
    kernel = a.kernel_shape;
  } else {
    kernel.assign(weight_kernel.begin(), weight_kernel.end());
    for (int64_t k : kernel)
      if (k == 0 || k < -1 || k > kMaxValue)
        fail(ErrorCode::kInvalidArgument, "the weight's kernel dims ", ints_str(kernel), " must be positive");
  }
  return kernel;
}

class ConvTranspose final : public Kernel {
 public:
  explicit ConvTranspose(const KernelInit& init) : attrs_(init.node) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.optional_input(2);
    const Shape& xs = x.shape();
    const Shape& ws = w.shape();
    if (w.dtype() != x.dtype())
      fail(ErrorCode::kInvalidArgument, "W has element type ", dtype_name(w.dtype()), " but X has ",
           dtype_name(x.dtype()));
    if (xs.size() < 3)
      fail(ErrorCode::kInvalidArgument, "X ", shape_str(xs),
           " must have at least 3 dims (batch, channels, and one or more spatial dims)");
    if (ws.size() != xs.size())
      fail(ErrorCode::kInvalidArgument, "W ", shape_str(ws), " must have the rank of X ", shape_str(xs));
    const int64_t group = attrs_.group;
    if (group < 1 || group > (int64_t{1} << 31))
      fail(ErrorCode::kInvalidArgument, "group ", group, " must be positive (and at most 2^31)");
    const int64_t N = xs[0], C = xs[1];
    if (ws[0] != C)
      fail(ErrorCode::kInvalidArgument, "X ", shape_str(xs), " has ", C, " channels but W ", shape_str(ws),
           " has ", ws[0], " (W is [C, M/group, k...])");
    if (C % group != 0)
      fail(ErrorCode::kInvalidArgument, "group ", group, " does not divide the ", C, " input channels");
    const int64_t Mg = ws[1], M = Mg * group, Cg = C / group;
    const int rank = static_cast<int>(xs.size()) - 2;
    TransposeGeometry g;
    g.in.assign(xs.begin() + 2, xs.end());
    g.kernel = check_attrs(attrs_, rank, std::span<const int64_t>(ws.data() + 2, ws.size() - 2));
    for (int i = 0; i < rank; ++i) {
      const size_t u = static_cast<size_t>(i);
      g.stride.push_back(attrs_.strides.empty() ? 1 : attrs_.strides[u]);
      g.dilation.push_back(attrs_.dilations.empty() ? 1 : attrs_.dilations[u]);
      int64_t pb, o;
      resolve_axis(attrs_, g.kernel, rank, i, g.in[u], &pb, &o);
      g.pad_begin.push_back(pb);
      g.out.push_back(o);
    }
    if (b) {
      if (b->dtype() != x.dtype())
        fail(ErrorCode::kInvalidArgument, "B has element type ", dtype_name(b->dtype()), " but X has ",
             dtype_name(x.dtype()));
      check_per_channel(*b, M, "B", false);
    }
    Shape ys{N, M};
    ys.insert(ys.end(), g.out.begin(), g.out.end());
    Tensor& y = ctx.output(0, ys, x.dtype());
    dispatch_float(x.dtype(), [&]<typename T>() {
      using Cp = compute_t<T>;
      ComputeView<Cp> xv = ComputeView<Cp>::of(x.data<T>(), x.numel());
      ComputeView<Cp> wv = ComputeView<Cp>::of(w.data<T>(), w.numel());
      ComputeView<Cp> bv;
      if (b) bv = ComputeView<Cp>::of(b->data<T>(), b->numel());
      std::vector<Cp> ybuf;
      Cp* yp;
      if constexpr (std::is_same_v<T, Cp>) {
        yp = y.data<T>();
      } else {
        ybuf.resize(static_cast<size_t>(y.numel()));
        yp = ybuf.data();
      }
      compute(xv.data(), wv.data(), b ? bv.data() : nullptr, yp, N, Cg, Mg, group, g, ctx.pool());
      if constexpr (!std::is_same_v<T, Cp>) narrow_from_float(ybuf.data(), y.numel(), y.data<T>());
    });
  }

 private:
  template <typename Cp>
  static void compute(const Cp* x, const Cp* w, const Cp* bias, Cp* y, int64_t N, int64_t Cg, int64_t Mg,
                      int64_t group, const TransposeGeometry& g, ThreadPool* pool) {
    ColGeometry cg{g.out, g.in, g.kernel, g.stride, g.dilation, g.pad_begin};
    const int64_t in_size = cg.grid_size(), out_size = cg.image_size(), ksize = cg.kernel_size();
    const int64_t M = Mg * group, C = Cg * group, K = Mg * ksize;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t m = 0; m < M; ++m)
        std::fill(y + (n * M + m) * out_size, y + (n * M + m + 1) * out_size, bias ? bias[m] : Cp(0));
    if (N == 0 || M == 0 || out_size == 0 || in_size == 0 || ksize == 0) return;
    const int64_t L = cg.line_length(), lines = cg.lines();
    const int64_t chunk = std::max<int64_t>(1, kMaxColElements / std::max<int64_t>(K * L, 1));
    std::vector<Cp> col;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t grp = 0; grp < group; ++grp) {
        const Cp* xg = x + (n * C + grp * Cg) * in_size;
        const Cp* wg = w + grp * Cg * K;
        Cp* yg = y + (n * M + grp * Mg) * out_size;
        for (int64_t l0 = 0; l0 < lines; l0 += chunk) {
          const int64_t l1 = std::min(lines, l0 + chunk);
          const int64_t ncols = (l1 - l0) * L;
          col.resize(static_cast<size_t>(K * ncols));
          GemmArgs<Cp> gm;
          gm.trans_a = true;
          gm.m = K;
          gm.n = ncols;
          gm.k = Cg;
          gm.a = wg;
          gm.lda = K;
          gm.b = xg + l0 * L;
          gm.ldb = in_size;
          gm.c = col.data();
          gm.ldc = ncols;
          gemm_ref(gm, pool);
          col2im_add(col.data(), Mg, cg, l0, l1, yg, pool);
        }
      }
  }

  TransposeAttrs attrs_;
};

void infer_conv_transpose(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  for (int i : {1, 2})
    if (ctx.has_input(i) && ctx.input_dtype(i) != DataType::kUndefined && t != DataType::kUndefined &&
        ctx.input_dtype(i) != t)
      ctx.fail("input ", i, " has element type ", dtype_name(ctx.input_dtype(i)), " but X has ", dtype_name(t));
  const ir::Dims* x = ctx.input_dims(0);
  const ir::Dims* w = ctx.input_dims(1);
  if (!x) {
    ctx.set_output_unranked(0, t);
    return;
  }
  if (x->size() < 3)
    ctx.fail("X ", shape_str(*x), " must have at least 3 dims (batch, channels, and one or more spatial dims)");
  TransposeAttrs a(ctx.node());
  if (a.group < 1) ctx.fail("group ", a.group, " must be positive");
  const int rank = static_cast<int>(x->size()) - 2;
  ir::Dims out{(*x)[0], ir::Dim()};
  std::vector<int64_t> wk;
  if (w) {
    if (w->size() != x->size()) ctx.fail("W ", shape_str(*w), " must have the rank of X ", shape_str(*x));
    if ((*x)[1].known() && (*w)[0].known() && (*x)[1].value != (*w)[0].value)
      ctx.fail("X ", shape_str(*x), " has ", (*x)[1].value, " channels but W ", shape_str(*w), " has ",
               (*w)[0].value, " (W is [C, M/group, k...])");
    if ((*w)[1].known()) out[1] = ir::Dim((*w)[1].value * a.group);
    for (size_t i = 2; i < w->size(); ++i) wk.push_back((*w)[i].known() ? (*w)[i].value : -1);
  }
  if (wk.empty() && a.kernel_shape.empty()) {
    out.resize(x->size());
    ctx.set_output(0, t, std::move(out));
    return;
  }
  try {
    std::vector<int64_t> kernel = check_attrs(a, rank, wk);
    for (int i = 0; i < rank; ++i) {
      const ir::Dim& d = (*x)[static_cast<size_t>(i) + 2];
      if (kernel[static_cast<size_t>(i)] < 0) {
        out.push_back(ir::Dim());
        continue;
      }
      int64_t pb, o;
      resolve_axis(a, kernel, rank, i, d.known() ? d.value : -1, &pb, &o);
      out.push_back(infer::dim_of(o));
    }
  } catch (const Error& e) {
    ctx.fail(e.what());
  }
  ctx.set_output(0, t, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "ConvTranspose", .since = 1, .types = kFloatTypes, .infer = infer_conv_transpose,
             .create = create<ConvTranspose>});

}  // namespace onyx
