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
#include "kernels/conv/depthwise.h"
#include "kernels/conv/im2col.h"
#include "shape/infer.h"
#include "ukernels/sgemm.h"

namespace onyx {

namespace {

// im2col chunk: 4 Mi floats (16 MiB) keeps the column buffer within L3-ish
// sizes for large inputs while giving the GEMM wide N blocks.
constexpr int64_t kColBudget = int64_t{4} << 20;

// Packed B for 2-D convolutions: at most this many floats per GEMM call
// (4 MiB: stays in L2/L3 between packing and use).
constexpr int64_t kPanelBudget = int64_t{1} << 20;

// im2col for one image and group of a 2-D convolution, written straight into
// the SGEMM's B panels: column j of op(B) is output pixel col0 + j, row k is
// (channel, ky, kx). The columns of a panel are cut into runs that lie in one
// output row; with stride 1 each run reads a contiguous input row segment.
class Im2colPanels final : public ukernel::PanelSource {
  // Copies n <= 32 floats with fixed-size moves: a memcpy of a variable size
  // is a library call, and these runs are 1-16 floats (5% of resnet50 in memmove).
  static void copy_short(float* d, const float* s, int64_t n) {
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) std::memcpy(d + j, s + j, 32);
    if (j + 4 <= n) {
      std::memcpy(d + j, s + j, 16);
      j += 4;
    }
    for (; j < n; ++j) d[j] = s[j];
  }

 public:
  Im2colPanels(const float* x, const WindowGeometry& g, int64_t col0, int64_t P) : x_(x), g_(g), col0_(col0), P_(P) {}

  void pack(float* dst, int64_t n0, int64_t k0, int64_t kc, int width) const override {
    const int64_t H = g_.in[0], W = g_.in[1], OW = g_.out[1];
    const int64_t KH = g_.kernel[0], KW = g_.kernel[1], SH = g_.stride[0], SW = g_.stride[1];
    const int64_t DH = g_.dilation[0], DW = g_.dilation[1], PT = g_.pad_begin[0], PL = g_.pad_begin[1];
    struct Run {
      int64_t j0, len, iy, ix;  // first column, length, input row / column at kernel offset (0, 0)
    };
    Run runs[64];
    int nruns = 0;
    const int64_t valid = std::max<int64_t>(0, std::min<int64_t>(width, P_ - col0_ - n0));
    for (int64_t j = 0; j < valid && nruns < 64;) {
      const int64_t p = col0_ + n0 + j, oy = p / OW, ox = p % OW;
      const int64_t len = std::min(valid - j, OW - ox);
      runs[nruns++] = {j, len, oy * SH - PT, ox * SW - PL};
      j += len;
    }
    int64_t c = k0 / (KH * KW), r = k0 % (KH * KW), ky = r / KW, kx = r % KW;
    // The common interior panel: one run filling it, inside the image
    // horizontally for every kernel column (stride 1 or 2). Each k is then
    // one fixed-size copy of a row segment, or zeros where the row is outside.
    if ((SW == 1 || SW == 2) && nruns == 1 && runs[0].len == width && runs[0].ix >= 0 &&
        runs[0].ix + (KW - 1) * DW + (width - 1) * SW < W) {
      if (width == 16) return SW == 1 ? interior<16, 1>(dst, runs[0].iy, runs[0].ix, k0, kc)
                                      : interior<16, 2>(dst, runs[0].iy, runs[0].ix, k0, kc);
      if (width == 8) return SW == 1 ? interior<8, 1>(dst, runs[0].iy, runs[0].ix, k0, kc)
                                     : interior<8, 2>(dst, runs[0].iy, runs[0].ix, k0, kc);
    }
    for (int64_t k = 0; k < kc; ++k) {
      float* d = dst + k * width;
      const float* xc = x_ + c * H * W;
      const int64_t dy = ky * DH, dx = kx * DW;
      for (int i = 0; i < nruns; ++i) {
        const Run& ru = runs[i];
        float* dr = d + ru.j0;
        const int64_t iy = ru.iy + dy;
        if (iy < 0 || iy >= H) {
          for (int64_t j = 0; j < ru.len; ++j) dr[j] = 0.f;
          continue;
        }
        const float* xr = xc + iy * W;
        const int64_t ix = ru.ix + dx;
        if (SW == 1) {
          // Zeros left of the image, a contiguous copy, zeros right of it.
          const int64_t lead = std::min(ru.len, std::max<int64_t>(0, -ix));
          const int64_t stop = std::max(lead, std::min(ru.len, W - ix));
          for (int64_t j = 0; j < lead; ++j) dr[j] = 0.f;
          copy_short(dr + lead, xr + ix + lead, stop - lead);
          for (int64_t j = stop; j < ru.len; ++j) dr[j] = 0.f;
        } else {
          // Columns j with ix + j*SW inside [0, W): [lead, stop).
          const int64_t lead = std::min(ru.len, ix >= 0 ? 0 : (-ix + SW - 1) / SW);
          const int64_t stop = std::max(lead, std::min(ru.len, W - ix <= 0 ? 0 : (W - ix - 1) / SW + 1));
          for (int64_t j = 0; j < lead; ++j) dr[j] = 0.f;
          const float* xs = xr + ix;
          if (SW == 2)  // a constant stride: vectorised even-element loads
            for (int64_t j = lead; j < stop; ++j) dr[j] = xs[2 * j];
          else
            for (int64_t j = lead; j < stop; ++j) dr[j] = xs[j * SW];
          for (int64_t j = stop; j < ru.len; ++j) dr[j] = 0.f;
        }
      }
      for (int64_t j = valid; j < width; ++j) d[j] = 0.f;
      if (++kx == KW) {
        kx = 0;
        if (++ky == KH) {
          ky = 0;
          ++c;
        }
      }
    }
  }

 private:
  // kStride 2: the even elements of a row segment (a constant stride the
  // compiler vectorises).
  template <int kWidth, int kStride>
  void interior(float* dst, int64_t iy0, int64_t ix0, int64_t k0, int64_t kc) const {
    const int64_t H = g_.in[0], W = g_.in[1], KH = g_.kernel[0], KW = g_.kernel[1];
    const int64_t DH = g_.dilation[0], DW = g_.dilation[1];
    int64_t c = k0 / (KH * KW), r = k0 % (KH * KW), ky = r / KW, kx = r % KW;
    for (int64_t k = 0; k < kc; ++k, dst += kWidth) {
      const int64_t iy = iy0 + ky * DH;
      if (iy < 0 || iy >= H) {
        std::memset(dst, 0, sizeof(float) * kWidth);
      } else if (kStride == 1) {
        std::memcpy(dst, x_ + (c * H + iy) * W + ix0 + kx * DW, sizeof(float) * kWidth);
      } else {
        const float* src = x_ + (c * H + iy) * W + ix0 + kx * DW;
        for (int j = 0; j < kWidth; ++j) dst[j] = src[kStride * j];
      }
      if (++kx == KW) {
        kx = 0;
        if (++ky == KH) {
          ky = 0;
          ++c;
        }
      }
    }
  }

  const float* x_;
  const WindowGeometry& g_;
  int64_t col0_, P_;
};

class ConvFast final : public Kernel {
 public:
  static std::unique_ptr<Kernel> make(const KernelInit& init) {
    if (init.input_dtype(0) != DataType::kFloat || init.input_dtype(1) != DataType::kFloat) return nullptr;
    const Tensor* w = init.constant_input(1);
    if (w && (w->dtype() != DataType::kFloat || w->rank() < 3)) return nullptr;  // the reference kernel reports it
    return std::make_unique<ConvFast>(init, w);
  }

  // `w` null: weights computed at run time (e.g. models whose initializers
  // were replaced by ConstantOfShape); they are packed on every run.
  ConvFast(const KernelInit& init, const Tensor* w)
      : attrs_(WindowAttrs::from_node(init.node)),
        group_(init.node.attr_int("group", 1)),
        epi_(activation_from_node(init.node)),
        isa_(active_isa()) {
    if (!w || is_depthwise(*w)) return;
    packed_ = pack_weights(*w);
    packed_from_ = w->raw();
    ukernel::release_source_pages(w->raw(), w->nbytes());
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
    if (is_depthwise(w)) {
      depthwise(x, w, b, z != nullptr, s, y, ctx.pool());
      return;
    }
    std::vector<std::shared_ptr<const ukernel::PackedMatrix>> run_packed;
    const auto* packed = &packed_;
    if (packed_.empty() || w.raw() != packed_from_) {
      run_packed = pack_weights(w);
      packed = &run_packed;
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
    if (!direct && geo.rank() != 2) col = Tensor(DataType::kFloat, {k * lines_per_chunk * L}, ctx.allocator());
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    for (int64_t n = 0; n < s.batch; ++n) {
      for (int64_t g = 0; g < s.group; ++g) {
        const float* xg = xp + (n * s.in_channels + g * cg) * in_size;
        float* yg = yp + (n * s.out_channels + g * mg) * P;
        epi.bias = b ? b->data<float>() + g * mg : nullptr;
        const ukernel::PackedMatrix& pw = *(*packed)[static_cast<size_t>(g)];
        if (direct) {
          ukernel::sgemm_packed_a(pw, false, P, xg, P, z ? 1.f : 0.f, yg, P, epi, ctx.pool());
          continue;
        }
        if (geo.rank() == 2) {
          // im2col straight into the SGEMM's B panels, in column chunks that
          // bound the packed buffer to kPanelBudget floats.
          const int64_t chunk = std::max<int64_t>(64, kPanelBudget / std::max<int64_t>(k, 1) / 64 * 64);
          for (int64_t c0 = 0; c0 < P; c0 += chunk) {
            const int64_t cols = std::min(chunk, P - c0);
            Im2colPanels src(xg, geo, c0, P);
            ukernel::sgemm_packed_a_source(pw, cols, src, z ? 1.f : 0.f, yg + c0, P, epi, ctx.pool());
          }
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
  bool is_depthwise(const Tensor& w) const {
    return w.rank() == 4 && group_ > 1 && w.dim(0) == group_ && w.dim(1) == 1;
  }

  std::vector<std::shared_ptr<const ukernel::PackedMatrix>> pack_weights(const Tensor& w) const {
    std::vector<std::shared_ptr<const ukernel::PackedMatrix>> packed;
    const int64_t M = w.dim(0);
    if (group_ < 1 || M % group_ != 0) return packed;  // run() reports the error with the input shapes
    const int64_t mg = M / group_;
    const int64_t k = w.numel() / std::max<int64_t>(M, 1);
    for (int64_t g = 0; g < group_; ++g)
      packed.push_back(ukernel::PackedMatrix::pack(isa_, true, false, mg, k, w.data<float>() + g * mg * k, k));
    return packed;
  }

  void depthwise(const Tensor& x, const Tensor& w, const Tensor* b, bool accumulate, const ConvShapes& s, Tensor& y,
                 ThreadPool* pool) const {
    const WindowGeometry& g = s.geo;
    const int64_t H = g.in[0], W = g.in[1], OH = g.out[0], OW = g.out[1];
    const int64_t KH = g.kernel[0], KW = g.kernel[1], SH = g.stride[0], SW = g.stride[1];
    const int64_t DH = g.dilation[0], DW = g.dilation[1], PT = g.pad_begin[0], PL = g.pad_begin[1];
    const int64_t C = s.out_channels;
    const float* xp = x.data<float>();
    const float* wp = w.data<float>();
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
    const DepthwiseGeometry dg{H, W, OH, OW, KH, KW, SH, SW, DH, DW, PT, PL, lo.data(), hi.data()};
    const DepthwisePlaneFn plane = isa_ >= Isa::kAvx2 ? depthwise_plane_avx2 : depthwise_plane_portable;
    const bool relu = epi_.act == ukernel::Act::kRelu;  // fused into the plane's stores
    // ~64K multiply-adds per task: a 7x7 plane alone is too little to hand to another thread.
    const int64_t plane_work = std::max<int64_t>(1, OH * OW * KH * KW);
    parallel_for(pool, s.batch * C, std::max<int64_t>(1, 65536 / plane_work), [&](int64_t p0, int64_t p1) {
      std::vector<float> row(static_cast<size_t>(OW));
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t c = p % C;
        float* yc = yp + p * OH * OW;
        plane(dg, xp + p * H * W, wp + c * KH * KW, bias ? bias[c] : 0.f, yc, accumulate, relu, row.data());
        if (!relu) ukernel::apply_activation(yc, OH * OW, epi_);
      }
    });
  }

  WindowAttrs attrs_;
  int64_t group_;
  ukernel::Epilogue epi_;
  Isa isa_;
  std::vector<std::shared_ptr<const ukernel::PackedMatrix>> packed_;
  const void* packed_from_ = nullptr;
};

std::unique_ptr<Kernel> create_conv_fast(const KernelInit& init) { return ConvFast::make(init); }

}  // namespace

void depthwise_plane_portable(const DepthwiseGeometry& g, const float* xc, const float* wc, float bias, float* yc,
                              bool accumulate, bool relu, float* row)
#include "kernels/conv/depthwise_plane.inl"

ONYX_KERNEL({.op = "Conv", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "sgemm",
             .create = create_conv_fast});
ONYX_KERNEL({.domain = "com.onyx", .op = "FusedConv", .since = 1, .types = {DataType::kFloat}, .priority = 10,
             .impl = "sgemm", .create = create_conv_fast});

}  // namespace onyx
