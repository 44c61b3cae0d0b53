// Fast float32 convolution: pre-packed weights + the SIMD SGEMM, with bias,
// activation and residual add fused into the GEMM's store.
//
//   Y[n, g] (M/g x P) = W[g] (M/g x K) * col(X[n, g]) (K x P),  K = C/g * ksize
//
// Weights are packed once at session creation (PackedMatrix, the A operand).
// 1x1 stride-1 unpadded convolutions read X directly as the B operand; others
// go through im2col in column chunks bounded to kColBudget floats. Depthwise
// 2-D convolutions (one input and one output channel per group) use a direct
// loop vectorised along output rows: a GEMM with one row wastes its tiling.
//
// Registered for Conv at a priority above the reference kernel (which stays
// the oracle, see tests/kernels/conv_test.cc) and as com.onyx FusedConv,
// which the optimiser produces from Conv [+ Add] + activation:
//   FusedConv(X, W, B?, Z?) = act(conv(X, W) + B + Z)
#include <cstring>

#include "cpu/features.h"
#include "kernels/common/activation_attr.h"
#include "kernels/conv/conv_common.h"
#include "kernels/conv/im2col.h"
#include "shape/infer.h"
#include "ukernels/sgemm.h"

namespace onyx {

namespace {

// im2col chunk: 4 Mi floats (16 MiB) keeps the column buffer within L3-ish
// sizes for large inputs while giving the GEMM wide N blocks.
constexpr int64_t kColBudget = int64_t{4} << 20;

class ConvFast final : public Kernel {
 public:
  static std::unique_ptr<Kernel> make(const KernelInit& init) {
    const Tensor* w = init.constant_input(1);
    if (!w || w->dtype() != DataType::kFloat || init.input_dtype(0) != DataType::kFloat || w->rank() < 3)
      return nullptr;  // non-constant or non-float weights: the reference kernel handles them
    return std::make_unique<ConvFast>(init, *w);
  }

  ConvFast(const KernelInit& init, const Tensor& w)
      : attrs_(WindowAttrs::from_node(init.node)),
        group_(init.node.attr_int("group", 1)),
        epi_(activation_from_node(init.node)),
        isa_(active_isa()) {
    w_shape_ = w.shape();
    const int64_t M = w.dim(0);
    if (group_ < 1 || M % group_ != 0) return;  // run() reports the error with the input shapes
    const int64_t mg = M / group_;
    const int64_t k = w.numel() / std::max<int64_t>(M, 1);
    depthwise_ = mg == 1 && w.dim(1) == 1 && w.rank() == 4 && group_ > 1;
    if (depthwise_) {
      w_ = w;  // used in place
      return;
    }
    for (int64_t g = 0; g < group_; ++g)
      packed_.push_back(ukernel::PackedMatrix::pack(isa_, true, false, mg, k, w.data<float>() + g * mg * k, k));
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.optional_input(2);
    const Tensor* z = ctx.optional_input(3);  // FusedConv residual
    if (x.dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, "X must be float32, got ", x.describe());
    ConvShapes s = check_conv_shapes(attrs_, group_, x.shape(), w.shape());
    if (b) {
      if (b->dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, "B must be float32, got ", b->describe());
      check_per_channel(*b, s.out_channels, "B", false);
    }
    Tensor& y = ctx.output(0, s.out_shape, DataType::kFloat);
    if (y.empty()) return;
    if (z) {
      if (z->shape() != s.out_shape || z->dtype() != DataType::kFloat)
        fail(ErrorCode::kInvalidArgument, "residual input ", z->describe(), " must be float32", shape_str(s.out_shape));
      std::memcpy(y.raw(), z->raw(), y.nbytes());
    }
    ukernel::Epilogue epi = epi_;
    epi.bias_per_row = true;
    if (depthwise_) {
      depthwise(x, b, z != nullptr, s, y, ctx.pool());
      return;
    }
    const WindowGeometry& geo = s.geo;
    const int64_t cg = s.in_channels / s.group, mg = s.out_channels / s.group;
    const int64_t k = cg * geo.kernel_size(), P = geo.out_size(), in_size = geo.in_size();
    bool direct = true;  // 1x1, stride 1, no padding: X itself is the column matrix
    for (int d = 0; d < geo.rank(); ++d)
      direct = direct && geo.kernel[static_cast<size_t>(d)] == 1 && geo.stride[static_cast<size_t>(d)] == 1 &&
               geo.pad_begin[static_cast<size_t>(d)] == 0 && geo.pad_end[static_cast<size_t>(d)] == 0;
    ColGeometry cgeo = ColGeometry::for_conv(geo);
    const int64_t L = cgeo.line_length(), lines = cgeo.lines();
    const int64_t lines_per_chunk = std::max<int64_t>(1, std::min(lines, kColBudget / std::max<int64_t>(1, k * L)));
    Tensor col;
    if (!direct) col = Tensor(DataType::kFloat, {k * lines_per_chunk * L}, ctx.allocator());
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    for (int64_t n = 0; n < s.batch; ++n) {
      for (int64_t g = 0; g < s.group; ++g) {
        const float* xg = xp + (n * s.in_channels + g * cg) * in_size;
        float* yg = yp + (n * s.out_channels + g * mg) * P;
        epi.bias = b ? b->data<float>() + g * mg : nullptr;
        const ukernel::PackedMatrix& pw = *packed_[static_cast<size_t>(g)];
        if (direct) {
          ukernel::sgemm_packed_a(pw, false, P, xg, P, z ? 1.f : 0.f, yg, P, epi, ctx.pool());
          continue;
        }
        for (int64_t l0 = 0; l0 < lines; l0 += lines_per_chunk) {
          const int64_t l1 = std::min(lines, l0 + lines_per_chunk), cols = (l1 - l0) * L;
          float* cp = col.data<float>();
          im2col<float>(xg, cg, cgeo, l0, l1, cp, 0.f, ctx.pool());
          ukernel::sgemm_packed_a(pw, false, cols, cp, cols, z ? 1.f : 0.f, yg + l0 * L, P, epi, ctx.pool());
        }
      }
    }
  }

 private:
  // One filter per channel: out[c] = sum_k w[c,k] * shifted in[c]; loops
  // along output rows so the inner loop is a contiguous multiply-add.
  void depthwise(const Tensor& x, const Tensor* b, bool accumulate, const ConvShapes& s, Tensor& y,
                 ThreadPool* pool) const {
    const WindowGeometry& g = s.geo;
    const int64_t H = g.in[0], W = g.in[1], OH = g.out[0], OW = g.out[1];
    const int64_t KH = g.kernel[0], KW = g.kernel[1], SH = g.stride[0], SW = g.stride[1];
    const int64_t DH = g.dilation[0], DW = g.dilation[1], PT = g.pad_begin[0], PL = g.pad_begin[1];
    const int64_t C = s.out_channels;
    const float* xp = x.data<float>();
    const float* wp = w_.data<float>();
    float* yp = y.data<float>();
    const float* bias = b ? b->data<float>() : nullptr;
    // Per kernel column kx: the output columns whose input column is inside.
    std::vector<int64_t> lo(static_cast<size_t>(KW)), hi(static_cast<size_t>(KW));
    for (int64_t kx = 0; kx < KW; ++kx) {
      const int64_t off = kx * DW - PL;
      int64_t l = off >= 0 ? 0 : (-off + SW - 1) / SW;
      int64_t h = W - off <= 0 ? 0 : (W - off - 1) / SW + 1;
      lo[static_cast<size_t>(kx)] = std::min(std::max<int64_t>(l, 0), OW);
      hi[static_cast<size_t>(kx)] = std::max(std::min(h, OW), lo[static_cast<size_t>(kx)]);
    }
    parallel_for(pool, s.batch * C, 1, [&](int64_t p0, int64_t p1) {
      std::vector<float> row(static_cast<size_t>(OW));
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t c = p % C;
        const float* xc = xp + p * H * W;
        const float* wc = wp + c * KH * KW;
        float* yc = yp + p * OH * OW;
        const float bv = bias ? bias[c] : 0.f;
        for (int64_t oy = 0; oy < OH; ++oy) {
          float* r = row.data();
          for (int64_t ox = 0; ox < OW; ++ox) r[ox] = bv;
          for (int64_t ky = 0; ky < KH; ++ky) {
            const int64_t iy = oy * SH - PT + ky * DH;
            if (iy < 0 || iy >= H) continue;
            const float* xr = xc + iy * W;
            for (int64_t kx = 0; kx < KW; ++kx) {
              const float wv = wc[ky * KW + kx];
              const int64_t off = kx * DW - PL;
              const int64_t a = lo[static_cast<size_t>(kx)], e = hi[static_cast<size_t>(kx)];
              if (SW == 1) {
                const float* xs = xr + off;
                for (int64_t ox = a; ox < e; ++ox) r[ox] += wv * xs[ox];
              } else {
                for (int64_t ox = a; ox < e; ++ox) r[ox] += wv * xr[ox * SW + off];
              }
            }
          }
          float* yr = yc + oy * OW;
          if (accumulate)
            for (int64_t ox = 0; ox < OW; ++ox) r[ox] += yr[ox];
          ukernel::apply_activation(r, OW, epi_);
          std::memcpy(yr, r, sizeof(float) * static_cast<size_t>(OW));
        }
      }
    });
  }

  WindowAttrs attrs_;
  int64_t group_;
  ukernel::Epilogue epi_;
  Isa isa_;
  Shape w_shape_;
  bool depthwise_ = false;
  Tensor w_;
  std::vector<std::shared_ptr<const ukernel::PackedMatrix>> packed_;
};

std::unique_ptr<Kernel> create_conv_fast(const KernelInit& init) { return ConvFast::make(init); }

}  // namespace

ONYX_KERNEL({.op = "Conv", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "sgemm",
             .create = create_conv_fast});
ONYX_KERNEL({.domain = "com.onyx", .op = "FusedConv", .since = 1, .types = {DataType::kFloat}, .priority = 10,
             .impl = "sgemm", .create = create_conv_fast});

}  // namespace onyx
