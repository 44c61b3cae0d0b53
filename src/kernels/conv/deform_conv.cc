// DeformConv (opsets 19, 22): a convolution whose sampling positions are
// moved by learned offsets, each sample optionally scaled by a mask.
//
//   X [N, C, D1..Dn], W [oC, C/group, k1..kn], offset [N, offset_group * ksize * n, o1..on],
//   B [oC] (optional), mask [N, offset_group * ksize, o1..on] (optional)
//
// Sample of kernel tap t at output position o, axis d:
//   o_d * stride_d - pad_begin_d + t_d * dilation_d + offset[.., (g * ksize + t) * n + d, o]
// read with multilinear interpolation (bilinear in 2-D); positions outside
// the input read 0. The samples form a column matrix (as im2col does) that
// the reference GEMM multiplies by each group's weights. Input channels are
// split into offset_group groups, each with its own offsets and mask.
#include <cmath>

#include "kernels/common/gemm_ref.h"
#include "kernels/common/math.h"
#include "kernels/conv/conv_common.h"
#include "shape/infer.h"

namespace onyx {

namespace {

template <typename C>
C sample(const C* plane, const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, const C* pos) {
  const size_t n = dims.size();
  int64_t base[8];
  C frac[8];
  for (size_t d = 0; d < n; ++d) {
    const C f = std::floor(pos[d]);
    if (!(f > C(-2)) || !(f < static_cast<C>(dims[d]))) return C(0);  // all corners outside (or NaN)
    base[d] = static_cast<int64_t>(f);
    frac[d] = pos[d] - f;
  }
  C sum = C(0);
  for (uint32_t corner = 0; corner < (1u << n); ++corner) {
    C w = C(1);
    int64_t off = 0;
    bool inside = true;
    for (size_t d = 0; d < n && inside; ++d) {
      const bool up = (corner >> d) & 1u;
      const int64_t i = base[d] + (up ? 1 : 0);
      if (i < 0 || i >= dims[d]) inside = false;
      w *= up ? frac[d] : C(1) - frac[d];
      off += i * strides[d];
    }
    if (inside && w != C(0)) sum += w * plane[off];
  }
  return sum;
}

class DeformConv final : public Kernel {
 public:
  explicit DeformConv(const KernelInit& init)
      : attrs_(WindowAttrs::from_node(init.node)),
        group_(init.node.attr_int("group", 1)),
        offset_group_(init.node.attr_int("offset_group", 1)) {
    attrs_.auto_pad = AutoPad::kNotSet;  // DeformConv has no auto_pad
    attrs_.ceil_mode = false;
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor& offset = ctx.input(2);
    const Tensor* b = ctx.optional_input(3);
    const Tensor* mask = ctx.optional_input(4);
    for (const Tensor* t : {&w, &offset, b, mask})
      if (t && t->dtype() != x.dtype())
        fail(ErrorCode::kInvalidArgument, "inputs have different element types ", dtype_name(x.dtype()), " and ",
             dtype_name(t->dtype()));
    ConvShapes s = check_conv_shapes(attrs_, group_, x.shape(), w.shape());
    const int nd = s.geo.rank();
    if (nd > 8) fail(ErrorCode::kInvalidArgument, "at most 8 spatial dims are supported, got ", nd);
    const int64_t og = offset_group_;
    if (og < 1 || s.in_channels % og != 0)
      fail(ErrorCode::kInvalidArgument, "offset_group ", og, " must be positive and divide the ", s.in_channels,
           " input channels");
    const int64_t ksize = s.geo.kernel_size(), P = s.geo.out_size();
    Shape want_off{s.batch, og * ksize * nd};
    want_off.insert(want_off.end(), s.geo.out.begin(), s.geo.out.end());
    if (offset.shape() != want_off)
      fail(ErrorCode::kInvalidArgument, "offset ", shape_str(offset.shape()), " must have shape ", shape_str(want_off),
           " ([N, offset_group * prod(kernel) * spatial dims, output dims...])");
    if (mask) {
      Shape want_mask{s.batch, og * ksize};
      want_mask.insert(want_mask.end(), s.geo.out.begin(), s.geo.out.end());
      if (mask->shape() != want_mask)
        fail(ErrorCode::kInvalidArgument, "mask ", shape_str(mask->shape()), " must have shape ",
             shape_str(want_mask));
    }
    if (b) check_per_channel(*b, s.out_channels, "B", false);
    Tensor& y = ctx.output(0, s.out_shape, x.dtype());
    if (y.numel() == 0) return;
    dispatch_float(x.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      ComputeView<C> xv = ComputeView<C>::of(x.data<T>(), x.numel());
      ComputeView<C> wv = ComputeView<C>::of(w.data<T>(), w.numel());
      ComputeView<C> ov = ComputeView<C>::of(offset.data<T>(), offset.numel());
      ComputeView<C> bv, mv;
      if (b) bv = ComputeView<C>::of(b->data<T>(), b->numel());
      if (mask) mv = ComputeView<C>::of(mask->data<T>(), mask->numel());
      std::vector<C> ybuf;
      C* yp;
      if constexpr (std::is_same_v<T, C>) {
        yp = y.data<T>();
      } else {
        ybuf.resize(static_cast<size_t>(y.numel()));
        yp = ybuf.data();
      }
      compute<C>(s, xv.data(), wv.data(), ov.data(), b ? bv.data() : nullptr, mask ? mv.data() : nullptr, yp, ksize,
                 P, ctx.pool());
      if constexpr (!std::is_same_v<T, C>) narrow_from_float(ybuf.data(), y.numel(), y.data<T>());
    });
  }

 private:
  template <typename C>
  void compute(const ConvShapes& s, const C* x, const C* w, const C* offset, const C* bias, const C* mask, C* y,
               int64_t ksize, int64_t P, ThreadPool* pool) const {
    const WindowGeometry& g = s.geo;
    const int nd = g.rank();
    const int64_t Cin = s.in_channels, M = s.out_channels, G = s.group, Cg = Cin / G, Mg = M / G;
    const int64_t og = offset_group_, c_per_og = Cin / og, in_size = g.in_size();
    std::vector<int64_t> in_strides(static_cast<size_t>(nd), 1);
    for (int d = nd - 2; d >= 0; --d)
      in_strides[static_cast<size_t>(d)] = in_strides[static_cast<size_t>(d) + 1] * g.in[static_cast<size_t>(d) + 1];
    std::vector<C> col(static_cast<size_t>(Cin * ksize * P));
    for (int64_t n = 0; n < s.batch; ++n) {
      const C* off_n = offset + n * og * ksize * nd * P;
      const C* mask_n = mask ? mask + n * og * ksize * P : nullptr;
      // Column matrix: row (c, t), column p.
      parallel_for(pool, Cin * ksize, std::max<int64_t>(1, 4096 / std::max<int64_t>(P, 1)),
                   [&](int64_t r0, int64_t r1) {
        std::vector<int64_t> tap(static_cast<size_t>(nd)), o(static_cast<size_t>(nd));
        C pos[8];
        for (int64_t row = r0; row < r1; ++row) {
          const int64_t c = row / ksize, t = row % ksize, grp = c / c_per_og;
          int64_t rem = t;
          for (int d = nd - 1; d >= 0; --d) {
            tap[static_cast<size_t>(d)] = rem % g.kernel[static_cast<size_t>(d)];
            rem /= g.kernel[static_cast<size_t>(d)];
          }
          const C* plane = x + (n * Cin + c) * in_size;
          const C* offs = off_n + (grp * ksize + t) * nd * P;
          const C* m = mask_n ? mask_n + (grp * ksize + t) * P : nullptr;
          C* dst = col.data() + row * P;
          std::fill(o.begin(), o.end(), 0);
          for (int64_t p = 0; p < P; ++p) {
            for (int d = 0; d < nd; ++d) {
              const size_t u = static_cast<size_t>(d);
              pos[d] = static_cast<C>(o[u] * g.stride[u] - g.pad_begin[u] + tap[u] * g.dilation[u]) + offs[d * P + p];
            }
            C v = sample(plane, g.in, in_strides, pos);
            if (m) v *= m[p];
            dst[p] = v;
            for (int d = nd - 1; d >= 0; --d) {
              const size_t u = static_cast<size_t>(d);
              if (++o[u] < g.out[u]) break;
              o[u] = 0;
            }
          }
        }
      });
      for (int64_t grp = 0; grp < G; ++grp) {
        C* yg = y + (n * M + grp * Mg) * P;
        if (bias)
          for (int64_t mm = 0; mm < Mg; ++mm) std::fill(yg + mm * P, yg + (mm + 1) * P, bias[grp * Mg + mm]);
        GemmArgs<C> gm;
        gm.m = Mg;
        gm.n = P;
        gm.k = Cg * ksize;
        gm.a = w + grp * Mg * Cg * ksize;
        gm.lda = Cg * ksize;
        gm.b = col.data() + grp * Cg * ksize * P;
        gm.ldb = P;
        gm.beta = bias ? C(1) : C(0);
        gm.c = yg;
        gm.ldc = P;
        gemm_ref(gm, pool);
      }
    }
  }

  WindowAttrs attrs_;
  int64_t group_, offset_group_;
};

void infer_deform_conv(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  for (int i = 1; i <= 4; ++i)
    if (ctx.has_input(i) && ctx.input_dtype(i) != DataType::kUndefined && t != DataType::kUndefined &&
        ctx.input_dtype(i) != t)
      ctx.fail("input ", i, " has element type ", dtype_name(ctx.input_dtype(i)), " but X has ", dtype_name(t));
  infer_conv_output(ctx, 0, 1, t);
}

}  // namespace

ONYX_KERNEL({.op = "DeformConv", .since = 19, .types = kFloatTypes, .infer = infer_deform_conv,
             .create = create<DeformConv>});

}  // namespace onyx
