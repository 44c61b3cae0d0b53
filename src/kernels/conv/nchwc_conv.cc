// com.onyx NCHWc ops (layout in kernels/conv/nchwc.h): the reorders between
// NCHW and NCHWc, and the blocked convolution.
//
// NchwcConv has two kernels: the reference converts to NCHW, runs the plain
// reference convolution (conv_ref) and converts back; the fast one runs the
// row kernels of nchwc_rows.inl (portable or AVX2) on weights packed once at
// creation. tests/kernels/nchwc_test.cc checks both against a direct
// convolution, and the layout pass's tests check whole graphs against NCHW.
#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/resident.h"
#include "cpu/features.h"
#include "kernels/common/activation_attr.h"
#include "kernels/conv/conv_common.h"
#include "kernels/conv/conv_ref.h"
#include "kernels/conv/nchwc.h"
#include "runtime/parallel_items.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"
#include "ukernels/pack.h"

namespace onyx {

namespace nchwc {
namespace {
// Portable build of the row kernels: an 8-float struct the compiler may
// vectorise; the reference for the SIMD builds.
struct Ops {
  static constexpr int kDwP = 8;  // the AVX2 build's steps, so that it checks the same chunking
  static constexpr int kMaxP = 6;
  static constexpr int kQuadP = 6;  // checks the two-pair step (the AVX-512 build's takes 14)
  struct V {
    float v[kBlock];
  };
  static V zero() { return V{}; }
  static V load(const float* p) {
    V r;
    std::memcpy(r.v, p, sizeof(r.v));
    return r;
  }
  static void store(float* p, const V& v) { std::memcpy(p, v.v, sizeof(v.v)); }
  static V bcast(const float* p) {
    V r;
    for (float& e : r.v) e = *p;
    return r;
  }
  static V fma(const V& a, const V& b, const V& c) {
    V r;
    for (int i = 0; i < kBlock; ++i) r.v[i] = a.v[i] * b.v[i] + c.v[i];
    return r;
  }
  static V add(const V& a, const V& b) {
    V r;
    for (int i = 0; i < kBlock; ++i) r.v[i] = a.v[i] + b.v[i];
    return r;
  }
  static V sub(const V& a, const V& b) {
    V r;
    for (int i = 0; i < kBlock; ++i) r.v[i] = a.v[i] - b.v[i];
    return r;
  }
  static V max0(const V& a) {
    V r;
    for (int i = 0; i < kBlock; ++i) r.v[i] = a.v[i] > 0.f ? a.v[i] : 0.f;
    return r;
  }
  static V max(const V& a, const V& b) {
    V r;
    for (int i = 0; i < kBlock; ++i) r.v[i] = a.v[i] > b.v[i] ? a.v[i] : b.v[i];
    return r;
  }
  static V lowest() {
    V r;
    for (float& e : r.v) e = -3.40282347e+38f;
    return r;
  }
};
#include "kernels/conv/nchwc_rows.inl"
#include "kernels/conv/winograd.inl"
}  // namespace

extern const RowKernels kRowsAvx2, kRowsAvx512;
extern const RowKernels kRowsPortable{conv_row_impl, dw_row_impl, max_pool_row_impl, wino_input_impl,
                                      wino_output_impl, conv_quad_row_impl};

const RowKernels& row_kernels(Isa isa) {
  static const RowKernels* const builds[] = {&kRowsPortable, &kRowsAvx2, &kRowsAvx512};
  return *builds[static_cast<int>(isa)];
}
}  // namespace nchwc

namespace {

using nchwc::kBlock;

// Depthwise convolutions whose input is at most this wide run on a copy of
// each block with a zero border (NchwcConvFast::run says why).
constexpr int64_t kDwPadMaxWidth = 32;

// Bound on NchwcReorderOutput's `channels` (an attribute of an untrusted
// file): keeps blocks(channels) and the output size far from overflow.
constexpr int64_t kMaxChannels = int64_t{1} << 40;

// `buf` grown to at least `floats` and never shrunk (thread-local scratch
// kept for the next run: its fresh pages would cost more than the work), as
// a plain pointer for the pool's workers, which naming the caller's
// thread_local would get their own, empty, vector.
float* scratch(std::vector<float>& buf, int64_t floats) {
  if (static_cast<int64_t>(buf.size()) < floats) buf.resize(static_cast<size_t>(floats));
  return buf.data();
}

// A blocked tensor [N, Cb, H, W, 8]: checks and returns its dims.
void check_blocked(const Tensor& t, const char* what) {
  if (t.dtype() != DataType::kFloat || t.rank() != 5 || t.dim(4) != kBlock)
    fail(ErrorCode::kInvalidArgument, what, " ", t.describe(), " must be a float32 NCHWc tensor [N, C/8, H, W, 8]");
}

// NCHW -> NCHWc for image n's channels [cb*8, cb*8+8) (zeros past C).
void to_blocked(const float* x, int64_t C, int64_t HW, int64_t cb, float* y) {
  const int64_t c0 = cb * kBlock, valid = std::min<int64_t>(kBlock, C - c0);
  // Eight source rows walked together: each output vector is written once.
  const float* src[kBlock];
  for (int64_t c = 0; c < kBlock; ++c) src[c] = c < valid ? x + (c0 + c) * HW : nullptr;
  for (int64_t i = 0; i < HW; ++i)
    for (int64_t c = 0; c < kBlock; ++c) y[i * kBlock + c] = src[c] ? src[c][i] : 0.f;
}

// NCHWc -> NCHW for channel block cb (only the channels below C).
void from_blocked(const float* x, int64_t C, int64_t HW, int64_t cb, float* y) {
  const int64_t c0 = cb * kBlock, valid = std::min<int64_t>(kBlock, C - c0);
  // In tiles of 256 pixels (8 KiB of x, in L1 for the 8 strided passes).
  for (int64_t t = 0; t < HW; t += 256) {
    const int64_t e = std::min<int64_t>(HW, t + 256);
    for (int64_t c = 0; c < valid; ++c) {
      float* d = y + (c0 + c) * HW;
      for (int64_t i = t; i < e; ++i) d[i] = x[i * kBlock + c];
    }
  }
}

class ReorderInput final : public Kernel {
 public:
  explicit ReorderInput(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DataType::kFloat || x.rank() != 4)
      fail(ErrorCode::kInvalidArgument, "X ", x.describe(), " must be a float32 tensor [N, C, H, W]");
    const int64_t N = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3), Cb = nchwc::blocks(C);
    Tensor& y = ctx.output(0, {N, Cb, x.dim(2), x.dim(3), kBlock}, DataType::kFloat);
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    parallel_for(ctx.pool(), N * Cb, 1, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i)
        to_blocked(xp + (i / Cb) * C * HW, C, HW, i % Cb, yp + i * HW * kBlock);
    });
  }
};

class ReorderOutput final : public Kernel {
 public:
  explicit ReorderOutput(const KernelInit& init) : channels_(init.node.attr_int("channels", -1)) {
    if (channels_ < 0 || channels_ > kMaxChannels)
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": 'channels' ", channels_, " must be in [0, ", kMaxChannels,
           "]");
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    check_blocked(x, "X");
    const int64_t N = x.dim(0), Cb = x.dim(1), HW = x.dim(2) * x.dim(3);
    if (nchwc::blocks(channels_) != Cb)
      fail(ErrorCode::kInvalidArgument, "X ", x.describe(), " has ", Cb, " channel blocks; ", channels_,
           " channels need ", nchwc::blocks(channels_));
    Tensor& y = ctx.output(0, {N, channels_, x.dim(2), x.dim(3)}, DataType::kFloat);
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    parallel_for(ctx.pool(), N * Cb, 1, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i)
        from_blocked(xp + i * HW * kBlock, channels_, HW, i % Cb, yp + (i / Cb) * channels_ * HW);
    });
  }

 private:
  int64_t channels_;
};

// A max pool fused after the convolution (and its activation): the
// attributes of the MaxPool the layout pass folded in, prefixed "pool_".
std::optional<WindowAttrs> pool_attrs(const ir::Node& node) {
  if (!node.has_attr("pool_kernel_shape")) return std::nullopt;
  WindowAttrs a;
  a.kernel_shape = node.attr_ints("pool_kernel_shape");
  a.strides = node.attr_ints("pool_strides");
  a.dilations = node.attr_ints("pool_dilations");
  a.pads = node.attr_ints("pool_pads");
  a.ceil_mode = node.attr_int("pool_ceil_mode", 0) != 0;
  return a;
}

// Shared by both NchwcConv kernels: attributes and the run-time shape checks.
struct BlockedConv {
  WindowAttrs attrs;
  int64_t group;
  ukernel::Epilogue epi;
  std::optional<WindowAttrs> pool;

  explicit BlockedConv(const ir::Node& node)
      : attrs(WindowAttrs::from_node(node)), group(node.attr_int("group", 1)), epi(activation_from_node(node)),
        pool(pool_attrs(node)) {
    if (pool && group != 1)
      fail(ErrorCode::kInvalidGraph, node.describe(), ": a fused max pool needs group 1, not ", group);
  }

  // The fused pool's geometry over the convolution's output map.
  WindowGeometry pool_geometry(const ConvShapes& s) const {
    const int64_t map[2] = {s.out_shape[2], s.out_shape[3]};
    return resolve_window(*pool, map);
  }

  // Logical NCHW shapes for X (channels from W) and the checks Conv makes.
  // X is blocked, or NCHW (4-D) for a dense convolution that reads it as is.
  ConvShapes shapes(const Tensor& x, const Tensor& w, const Tensor* b, const Tensor* z) const {
    if (x.rank() == 4 && x.dtype() == DataType::kFloat && group == 1) {
      ConvShapes s = check_conv_shapes(attrs, group, x.shape(), w.shape());
      check_rest(s, b, z);
      return s;
    }
    check_blocked(x, "X");
    if (w.dtype() != DataType::kFloat || w.rank() != 4)
      fail(ErrorCode::kInvalidArgument, "W ", w.describe(), " must be a float32 tensor [M, C/group, KH, KW]");
    const int64_t C = w.dim(1) * group;
    if (nchwc::blocks(C) != x.dim(1))
      fail(ErrorCode::kInvalidArgument, "X ", x.describe(), " has ", x.dim(1), " channel blocks but W ", w.describe(),
           " with group ", group, " needs ", C, " channels (", nchwc::blocks(C), " blocks)");
    ConvShapes s = check_conv_shapes(attrs, group, {x.dim(0), C, x.dim(2), x.dim(3)}, w.shape());
    if (group != 1 && !(group == C && s.out_channels == C))
      fail(ErrorCode::kInvalidArgument, "NchwcConv handles group 1 or depthwise (group = channels), not group ", group,
           " with ", C, " input and ", s.out_channels, " output channels");
    check_rest(s, b, z);
    return s;
  }
  void check_rest(const ConvShapes& s, const Tensor* b, const Tensor* z) const {
    if (b) {
      if (b->dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, "B must be float32, got ", b->describe());
      check_per_channel(*b, s.out_channels, "B", false);
    }
    if (z && pool) fail(ErrorCode::kInvalidArgument, "NchwcConv with a fused max pool takes no residual input");
    if (z) {
      check_blocked(*z, "Z");
      if (z->shape() != blocked_out(s))
        fail(ErrorCode::kInvalidArgument, "residual input ", z->describe(), " must have shape ",
             shape_str(blocked_out(s)));
    }
  }
  // The convolution's own output; the node's is pooled_out.
  static Shape blocked_out(const ConvShapes& s) {
    return {s.batch, nchwc::blocks(s.out_channels), s.out_shape[2], s.out_shape[3], kBlock};
  }
  Shape pooled_out(const ConvShapes& s) const {
    if (!pool) return blocked_out(s);
    const WindowGeometry pg = pool_geometry(s);
    return {s.batch, nchwc::blocks(s.out_channels), pg.out[0], pg.out[1], kBlock};
  }

  // A run's inputs, checked, and its allocated output.
  struct Io {
    const Tensor& x;
    const Tensor& w;
    const Tensor* b;
    const Tensor* z;
    ConvShapes s;
    Tensor& y;
  };
  // in_place: the kernel reads Z at each output position just before storing
  // that position, so a dying Z may take the output.
  Io begin(KernelContext& ctx, bool in_place) const {
    const Tensor& x = ctx.input(0);
    const Tensor& w = ctx.input(1);
    const Tensor* b = ctx.optional_input(2);
    const Tensor* z = ctx.optional_input(3);
    ConvShapes s = shapes(x, w, b, z);
    Tensor& y = in_place && !pool ? ctx.output_in_place(0, {3}, blocked_out(s), DataType::kFloat)
                                  : ctx.output(0, pooled_out(s), DataType::kFloat);
    return {x, w, b, z, std::move(s), y};
  }
};

class NchwcConvRef final : public Kernel {
 public:
  explicit NchwcConvRef(const KernelInit& init) : conv_(init.node) {}

  void run(KernelContext& ctx) const override {
    // Plain references, not a structured binding: clang 14 cannot capture
    // those in the lambdas below.
    // Not in place: the whole output is stored before Z is added.
    const BlockedConv::Io io = conv_.begin(ctx, false);
    const Tensor &x = io.x, &w = io.w;
    const Tensor *b = io.b, *z = io.z;
    const ConvShapes& s = io.s;
    // With a fused pool, the convolution's blocked output goes to a buffer first.
    std::vector<float> unpooled(conv_.pool ? static_cast<size_t>(shape_numel(BlockedConv::blocked_out(s))) : 0);
    const int64_t N = s.batch, C = s.in_channels, M = s.out_channels;
    const int64_t OH = s.out_shape[2], OW = s.out_shape[3];
    const int64_t HW = x.dim(2) * x.dim(3), OHW = OH * OW, Cb = x.dim(1), Mb = io.y.dim(1);
    const bool nchw = x.rank() == 4;
    std::vector<float> xn(nchw ? 0 : static_cast<size_t>(N * C * HW)), yn(static_cast<size_t>(N * M * OHW));
    for (int64_t n = 0; n < N && !nchw; ++n)
      for (int64_t cb = 0; cb < Cb; ++cb)
        from_blocked(x.data<float>() + (n * Cb + cb) * HW * kBlock, C, HW, cb, xn.data() + n * C * HW);
    ConvArgs<float> a;
    a.batch = N;
    a.in_channels = C;
    a.out_channels = M;
    a.group = s.group;
    a.geo = s.geo;
    a.x = nchw ? x.data<float>() : xn.data();
    a.w = w.data<float>();
    a.bias = b ? b->data<float>() : nullptr;
    a.y = yn.data();
    conv_ref(a, ctx.pool());
    // Back to blocks; padded channels hold act(0 + Z) like the fast kernel's.
    float* yp = conv_.pool ? unpooled.data() : io.y.data<float>();
    const int64_t numel = N * Mb * OHW * kBlock;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t mb = 0; mb < Mb; ++mb)
        to_blocked(yn.data() + n * M * OHW, M, OHW, mb, yp + (n * Mb + mb) * OHW * kBlock);
    if (z)
      for (int64_t i = 0; i < numel; ++i) yp[i] += z->data<float>()[i];
    ukernel::apply_activation(yp, numel, conv_.epi);
    if (conv_.pool) max_pool_ref(conv_.pool_geometry(s), yp, N * Mb, io.y.data<float>());
  }

  // Plain max pooling of `planes` blocked [H, W, 8] maps; taps in the
  // padding are skipped, and so are NaNs (as MaxPool's).
  static void max_pool_ref(const WindowGeometry& pg, const float* x, int64_t planes, float* y) {
    const int64_t H = pg.in[0], W = pg.in[1], POH = pg.out[0], POW = pg.out[1];
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t oh = 0; oh < POH; ++oh)
        for (int64_t ow = 0; ow < POW; ++ow)
          for (int64_t c = 0; c < kBlock; ++c) {
            float m = -std::numeric_limits<float>::infinity();
            for (int64_t kh = 0; kh < pg.kernel[0]; ++kh)
              for (int64_t kw = 0; kw < pg.kernel[1]; ++kw) {
                const int64_t ih = oh * pg.stride[0] - pg.pad_begin[0] + kh * pg.dilation[0];
                const int64_t iw = ow * pg.stride[1] - pg.pad_begin[1] + kw * pg.dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const float v = x[((p * H + ih) * W + iw) * kBlock + c];
                if (v > m) m = v;
              }
            y[((p * POH + oh) * POW + ow) * kBlock + c] = m;
          }
  }

 private:
  BlockedConv conv_;
};

class NchwcConvFast final : public Kernel {
 public:
  explicit NchwcConvFast(const KernelInit& init)
      : conv_(init.node),
        rows_(nchwc::row_kernels(active_isa())) {
    // A constant B (the usual case) is padded once here, not on every run.
    const Tensor* b = init.constant_input(2);
    if (b && b->dtype() == DataType::kFloat && b->rank() == 1) {
      bias_ = padded_bias(b, b->numel());
      bias_from_ = b->raw();
    }
    const Tensor* w = init.constant_input(1);
    if (w && w->dtype() == DataType::kFloat && w->rank() == 4) {
      packed_nchw_ = init.input_types.size() > 0 && init.input_types[0].rank() == 4;
      if (!packed_nchw_ && !conv_.pool && winograd_fits(*w) && !map_known_small(init)) {
        transform_winograd(*w);
      } else {
        // Packed on the session's pool while it is created. The first touch
        // of fresh pages dominates here (ukernels/pack.h), so a weight lent
        // by the plan (only this node reads it, the engine owns its bytes:
        // resident::lend) whose packed form has its exact size is packed over
        // itself, each block pair's region being its own 16 filters; else
        // into fresh weight memory (packed_alloc).
        const size_t floats = packed_floats(*w, packed_nchw_);
        std::shared_ptr<void> lent;
        if (conv_.group == 1 && w->dim(0) % (2 * kBlock) == 0 && floats == static_cast<size_t>(w->numel()) &&
            reinterpret_cast<uintptr_t>(w->raw()) % 64 == 0)
          lent = resident::borrow(w->raw(), w->nbytes());
        if (lent) {
          packed_ = static_cast<const float*>(w->raw());
          pack_into(*w, packed_nchw_, const_cast<float*>(packed_), ukernel::pack_pool(), true);
          packed_owner_ = std::move(lent);
        } else {
          ukernel::PackedBuffer buf = ukernel::packed_alloc(floats);
          pack_into(*w, packed_nchw_, buf.p, ukernel::pack_pool());
          packed_ = buf.p;
          packed_owner_ = std::move(buf.owner);
        }
        packed_from_ = w->raw();
      }
      ukernel::release_source_pages(w->raw(), w->nbytes());
    }
  }

  void run(KernelContext& ctx) const override {
    // Plain references, not a structured binding: clang 14 cannot capture
    // those in the lambdas below.
    const BlockedConv::Io io = conv_.begin(ctx, true);
    const Tensor &x = io.x, &w = io.w;
    const Tensor *b = io.b, *z = io.z;
    const ConvShapes& s = io.s;
    Tensor& y = io.y;
    if (y.empty()) return;
    // Strides and dilations are attributes, all 1 when the filter was
    // transformed (winograd_fits); W and X's layout are per run.
    if (!wino_u_.empty() && w.raw() == wino_from_ && x.rank() == 5) {
      run_winograd(ctx, x, b, z, s, y);
      return;
    }
    // Weights computed at run time (not a constant): packed on every run.
    std::vector<float> repacked;
    const float* packed = packed_;
    if (!packed_ || w.raw() != packed_from_ || packed_nchw_ != (x.rank() == 4)) {
      repacked.resize(packed_floats(w, x.rank() == 4));
      pack_into(w, x.rank() == 4, repacked.data(), nullptr);
      packed = repacked.data();
    }
    const bool dw = conv_.group != 1;
    const WindowGeometry& g = s.geo;
    nchwc::ConvGeo geo{g.in[0],     g.in[1],       g.out[0],      g.out[1],      g.kernel[0],
                       g.kernel[1], g.stride[0],   g.stride[1],   g.dilation[0], g.dilation[1],
                       g.pad_begin[0], g.pad_begin[1], dw ? 1 : x.dim(1)};
    const bool nchw = x.rank() == 4;  // in_blocks is then C blocks of one channel
    const float* xp = x.data<float>();
    int64_t in_plane = x.dim(2) * x.dim(3) * (nchw ? 1 : kBlock);
    // A strided 1x1 unpadded convolution (resnet50's downsampling shortcuts)
    // reads only every SH-th row and SW-th pixel: those are gathered first
    // into a dense map, which then runs as a stride-1 one. Read in place, each
    // 32-byte block used half of its cache line and rows ran one item each,
    // at 52-59 GFLOP/s against 70-80 for the dense pointwise ones.
    thread_local std::vector<float> gathered;
    if (!dw && !nchw && !conv_.pool && geo.KH == 1 && geo.KW == 1 && (geo.SH > 1 || geo.SW > 1) && geo.PT == 0 &&
        geo.PL == 0 && g.pad_end[0] == 0 && g.pad_end[1] == 0) {
      const int64_t Cb = x.dim(1), plane = geo.OH * geo.OW * kBlock, images = s.batch * Cb;
      float* gp = scratch(gathered, images * plane);
      const nchwc::ConvGeo src = geo;
      parallel_for(ctx.pool(), images * geo.OH, std::max<int64_t>(1, 4096 / (geo.OW * kBlock)), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t blk = r / src.OH, oh = r % src.OH;
          const float* from = xp + (blk * src.H + oh * src.SH) * src.W * kBlock;
          float* to = gp + (blk * src.OH + oh) * src.OW * kBlock;
          for (int64_t ow = 0; ow < src.OW; ++ow)
            std::memcpy(to + ow * kBlock, from + ow * src.SW * kBlock, kBlock * sizeof(float));
        }
      });
      xp = gp;
      in_plane = plane;
      geo.H = geo.OH;
      geo.W = geo.OW;
      geo.SH = geo.SW = 1;
    }
    // A 1x1, stride-1, unpadded convolution is one long row: the image's
    // pixels in order, with no borders, cut into chunks for the threads.
    const bool pointwise = !dw && !conv_.pool && geo.KH == 1 && geo.KW == 1 && geo.SH == 1 && geo.SW == 1 &&
                           geo.PT == 0 && geo.PL == 0 && g.pad_end[0] == 0 && g.pad_end[1] == 0;
    if (pointwise) {
      geo.W = geo.H * geo.W;
      geo.H = 1;
      geo.OW = geo.OH * geo.OW;
      geo.OH = 1;
    }
    const int64_t Mb = y.dim(1), pairs = (Mb + 1) / 2;
    std::vector<float> run_bias;
    const float* bias = bias_for(b, s.out_channels, run_bias);
    const float zeros[kBlock] = {};
    const bool relu = conv_.epi.act == ukernel::Act::kRelu;
    const bool other_act = !relu && conv_.epi.act != ukernel::Act::kNone;
    const int64_t N = s.batch, Cb = x.dim(1);
    const int64_t out_plane = y.dim(2) * y.dim(3) * kBlock;
    const float* zp = z ? z->data<float>() : nullptr;
    float* yp = y.data<float>();
    ThreadPool* pool = ctx.pool();

    if (dw) {
      const int64_t taps = geo.KH * geo.KW * kBlock;
      // Small maps (mobilenet's 7x7 to 28x28): most positions of a row are
      // within KW / 2 of a border and would run the checked path. Each
      // block's input is copied instead into a buffer with a zero border as
      // wide as the pads, so every tap is inside and unchecked: the copy is
      // one load and store per input pixel against KH x KW multiply-adds per
      // output pixel, so it is done only where that is at most a quarter of
      // the multiply-adds (not for a 3x3 with stride 2: 4 input pixels per
      // 9 multiply-adds; measured slower on mobilenet's 28x28 one). Larger
      // maps have few border positions and skip it, and so do pads wider
      // than the window (a file's pads are untrusted: the buffer stays
      // within a few times the input block's size).
      const int64_t pad_h = g.pad_begin[0] + g.pad_end[0], pad_w = g.pad_begin[1] + g.pad_end[1];
      if (geo.W <= kDwPadMaxWidth && pad_h + pad_w > 0 && pad_h <= geo.KH * geo.DH && pad_w <= geo.KW * geo.DW &&
          4 * geo.H * geo.W <= geo.OH * geo.OW * geo.KH * geo.KW) {
        nchwc::ConvGeo pg = geo;
        pg.H = geo.H + pad_h;
        pg.W = geo.W + pad_w;
        pg.PT = pg.PL = 0;
        const int64_t padded_plane = pg.H * pg.W * kBlock, row_floats = geo.W * kBlock;
        parallel_for(pool, N * Mb, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, geo.OH * geo.OW * taps)),
                     [&](int64_t i0, int64_t i1) {
          // Zeroed once: the border is never written, the inside is
          // overwritten by each block in turn.
          std::vector<float> buf(static_cast<size_t>(padded_plane), 0.f);
          for (int64_t blk = i0; blk < i1; ++blk) {
            const int64_t cb = blk % Mb;
            const float* src = xp + blk * in_plane;
            for (int64_t h = 0; h < geo.H; ++h)
              std::memcpy(buf.data() + ((h + geo.PT) * pg.W + geo.PL) * kBlock, src + h * row_floats,
                          static_cast<size_t>(row_floats) * sizeof(float));
            float* yb = yp + blk * out_plane;
            nchwc::DwRowArgs a{&pg,   buf.data(), packed + cb * taps, bias + cb * kBlock, zeros, nullptr,
                               nullptr, relu};
            for (int64_t oh = 0; oh < geo.OH; ++oh) {
              a.y = yb + oh * geo.OW * kBlock;
              a.z = zp ? zp + blk * out_plane + oh * geo.OW * kBlock : nullptr;
              rows_.dw(a, oh);
            }
            if (other_act) ukernel::apply_activation(yb, out_plane, conv_.epi);
          }
        });
        return;
      }
      parallel_for(pool, N * Mb * geo.OH, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, geo.OW * taps)),
                   [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) {
          const int64_t oh = i % geo.OH, blk = i / geo.OH, cb = blk % Mb;
          nchwc::DwRowArgs a{&geo,
                             xp + blk * in_plane,
                             packed + cb * taps,
                             bias + cb * kBlock,
                             zeros,
                             yp + blk * out_plane + oh * geo.OW * kBlock,
                             zp ? zp + blk * out_plane + oh * geo.OW * kBlock : nullptr,
                             relu};
          rows_.dw(a, oh);
          if (other_act) ukernel::apply_activation(a.y, geo.OW * kBlock, conv_.epi);
        }
      });
      return;
    }
    if (conv_.pool) return run_pooled(pool, geo, conv_.pool_geometry(s), xp, in_plane, nchw, packed, bias, y);
    // Work items: (image, block pair, row or row chunk). A pointwise row is
    // cut into pieces of about 48 pixels of equal size (49 as 25 + 24, not
    // 48 + 1: a lone pixel runs latency-bound). Where the build has two-pair
    // steps (RowKernels::conv_quad), an item covers two pairs (a "group");
    // a group of fewer than four whole blocks (the last one, when the block
    // count is not a multiple of 4) runs its pairs one by one.
    const int64_t per_row = pointwise ? (geo.OW + 47) / 48 : 1;
    const int64_t chunk = (geo.OW + per_row - 1) / per_row, rows = geo.OH * per_row;
    const DenseRun d = dense_run(geo, packed, bias, zeros, nchw, Mb);
    const int64_t pair_floats = d.pair_floats, per_group = d.per_group(), groups = d.groups();
    const int64_t work = chunk * pair_floats * per_group;  // multiply-adds per item / 8
    // Item order. Block-pair major (consecutive items share a pair) keeps a
    // pair's packed weights in L2 while the whole input streams past once per
    // pair: right for large weights on small maps (resnet50's layer4). Where
    // all the weights fit in half of L2 and are smaller than the input, the
    // input is the stream to cut instead: position major, a row's input is
    // read once from L3 for all pairs and stays in L1/L2 between them.
    // resnet50's layer1 1x1 convolutions (256 -> 64 channels on 56x56, a
    // 3.2 MB input read 4 times) ran 1.14-1.40x faster, its RGB stem 1.19x
    // (bench/conv_profile.py, alternated, 2 threads).
    constexpr int64_t kPosMajorMaxWeightBytes = 512 * 1024;
    const int64_t all_w = pairs * pair_floats, in_floats = Cb * in_plane;
    const bool pos_major = all_w * static_cast<int64_t>(sizeof(float)) <= kPosMajorMaxWeightBytes && all_w < in_floats;
    parallel_for(pool, N * groups * rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, work)),
                 [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t n = i / (groups * rows), in_image = i % (groups * rows);
        const int64_t gr = pos_major ? in_image % groups : in_image / rows;
        const int64_t r = pos_major ? in_image / groups : in_image % rows;
        const int64_t oh = r / per_row, ow0 = (r % per_row) * chunk, ow1 = std::min(geo.OW, ow0 + chunk);
        auto off = [&](int64_t b) { return (n * Mb + b) * out_plane + oh * geo.OW * kBlock; };
        dense_group(
            d, xp + n * Cb * in_plane, gr, oh, ow0, ow1, [&](int64_t b) { return yp + off(b); },
            [&](int64_t b) { return zp ? zp + off(b) : nullptr; });
        const int64_t pr0 = gr * per_group;
        if (other_act)
          for (int64_t b = 2 * pr0; b < std::min(Mb, 2 * (pr0 + per_group)); ++b)
            ukernel::apply_activation(yp + (n * Mb + b) * out_plane + oh * geo.OW * kBlock + ow0 * kBlock,
                                      (ow1 - ow0) * kBlock, conv_.epi);
      }
    });
  }

 private:
  // What every dense row step of a run shares. Output blocks go by pairs
  // (16 channels), and pairs by groups of two where the build has two-pair
  // steps (quad), else one.
  struct DenseRun {
    const nchwc::ConvGeo* geo;
    const float* packed;  // block pair pr's weights at pr * pair_floats
    const float* bias;
    const float* zeros;
    int64_t pair_floats, Mb;
    bool quad, relu, nchw;
    int64_t pairs() const { return (Mb + 1) / 2; }
    int64_t per_group() const { return quad ? 2 : 1; }
    int64_t groups() const { return (pairs() + per_group() - 1) / per_group(); }
  };
  DenseRun dense_run(const nchwc::ConvGeo& geo, const float* packed, const float* bias, const float* zeros, bool nchw,
                     int64_t Mb) const {
    return {&geo, packed, bias, zeros, geo.KH * geo.KW * geo.in_blocks * 2 * kBlock * (nchw ? 1 : kBlock), Mb,
            rows_.conv_quad && Mb > 2, conv_.epi.act == ukernel::Act::kRelu, nchw};
  }

  // Row oh, positions [ow0, ow1), of block-pair group gr of the image at x:
  // both pairs in one two-pair step where the build has one and the group
  // has four blocks, else pair by pair. out(b) is block b's output row,
  // res(b) its residual row or null.
  template <typename Out, typename Res>
  void dense_group(const DenseRun& d, const float* x, int64_t gr, int64_t oh, int64_t ow0, int64_t ow1, Out out,
                   Res res) const {
    auto args = [&](int64_t pr, int nb) {
      nchwc::RowArgs a{};
      a.g = d.geo;
      a.x = x;
      a.w = d.packed + pr * d.pair_floats;
      a.w2 = nb == 4 ? a.w + d.pair_floats : nullptr;
      a.bias = d.bias + pr * 2 * kBlock;
      a.zeros = d.zeros;
      a.nb = nb;
      a.relu = d.relu;
      a.nchw_input = d.nchw;
      for (int j = 0; j < nb; ++j) {
        a.y[j] = out(2 * pr + j);
        a.z[j] = res(2 * pr + j);
      }
      return a;
    };
    const int64_t pr0 = gr * d.per_group();
    if (d.quad && 2 * pr0 + 3 < d.Mb) {
      rows_.conv_quad(args(pr0, 4), oh, ow0, ow1);
    } else {
      for (int64_t pr = pr0; pr < std::min(d.pairs(), pr0 + d.per_group()); ++pr)
        rows_.conv(args(pr, 2 * pr + 1 < d.Mb ? 2 : 1), oh, ow0, ow1);
    }
  }

  // With a fused max pool (conv_.pool): work items are (image, group of
  // block pairs, band of pool rows). An item computes the convolution rows
  // its band reads into a buffer of its thread, then pools them into y; the
  // convolution's output is never stored whole. Neighbouring bands share
  // (pool kernel - stride) rows, computed by both: with bands of about 16
  // convolution rows that is 1 in 16 for a 3x3 stride-2 pool.
  void run_pooled(ThreadPool* pool, const nchwc::ConvGeo& geo, const WindowGeometry& pg, const float* xp,
                  int64_t in_plane, bool nchw, const float* packed, const float* bias, Tensor& y) const {
    const int64_t N = y.dim(0), Mb = y.dim(1), Cb = geo.in_blocks;
    const int64_t POH = pg.out[0], POW = pg.out[1], row_floats = geo.OW * kBlock;
    const float zeros[kBlock] = {};
    const DenseRun d = dense_run(geo, packed, bias, zeros, nchw, Mb);
    const int64_t per_group = d.per_group(), groups = d.groups();
    const bool other_act = !d.relu && conv_.epi.act != ukernel::Act::kNone;
    const int threads = pool ? pool->num_threads() : 1;
    int64_t band = std::max<int64_t>(1, 16 / pg.stride[0]);
    while (band > 1 && N * groups * ((POH + band - 1) / band) < 4 * threads) band /= 2;
    const int64_t bands = (POH + band - 1) / band;
    float* yp = y.data<float>();
    parallel_for(pool, N * groups * bands, 1, [&](int64_t i0, int64_t i1) {
      thread_local std::vector<float> buf;
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t n = i / (groups * bands), gr = i / bands % groups, bd = i % bands;
        const int64_t p0 = bd * band, p1 = std::min(POH, p0 + band);
        // Convolution rows [r0, r1): those the band's windows reach.
        const int64_t r0 = std::max<int64_t>(0, p0 * pg.stride[0] - pg.pad_begin[0]);
        const int64_t r1 = std::min(geo.OH, (p1 - 1) * pg.stride[0] - pg.pad_begin[0] +
                                                (pg.kernel[0] - 1) * pg.dilation[0] + 1);
        const int64_t b0 = 2 * gr * per_group, b1 = std::min(Mb, b0 + 2 * per_group), rows = std::max<int64_t>(0, r1 - r0);
        float* band_buf = scratch(buf, (b1 - b0) * rows * row_floats);
        for (int64_t oh = r0; oh < r1; ++oh) {
          dense_group(
              d, xp + n * Cb * in_plane, gr, oh, 0, geo.OW,
              [&](int64_t b) { return band_buf + ((b - b0) * rows + oh - r0) * row_floats; },
              [](int64_t) -> const float* { return nullptr; });
          if (other_act)
            for (int64_t b = b0; b < b1; ++b)
              ukernel::apply_activation(band_buf + ((b - b0) * rows + oh - r0) * row_floats, row_floats, conv_.epi);
        }
        // The pool's rows over the band's buffer: its top is convolution row r0.
        const nchwc::ConvGeo bg{rows,           geo.OW,         POH,            POW,
                                pg.kernel[0],   pg.kernel[1],   pg.stride[0],   pg.stride[1],
                                pg.dilation[0], pg.dilation[1], pg.pad_begin[0] + r0, pg.pad_begin[1], 1};
        for (int64_t b = b0; b < b1; ++b)
          for (int64_t ph = p0; ph < p1; ++ph)
            rows_.max_pool({&bg, band_buf + (b - b0) * rows * row_floats, yp + ((n * Mb + b) * POH + ph) * POW * kBlock},
                           ph);
      }
    });
  }

  // The padded bias of this run: the one made at creation when B is that
  // constant, else made now into `run_bias`.
  const float* bias_for(const Tensor* b, int64_t out_channels, std::vector<float>& run_bias) const {
    const int64_t padded = (nchwc::blocks(out_channels) + 1) / 2 * 2 * kBlock;
    if (b && b->raw() == bias_from_ && static_cast<int64_t>(bias_.size()) >= padded) return bias_.data();
    run_bias = padded_bias(b, out_channels);
    return run_bias.data();
  }

  // B (or zeros) padded to whole block pairs: the dense kernel reads 16
  // channels per pair, the depthwise one 8 per block.
  static std::vector<float> padded_bias(const Tensor* b, int64_t channels) {
    const int64_t pairs = (nchwc::blocks(channels) + 1) / 2;
    std::vector<float> bias(static_cast<size_t>(pairs * 2 * kBlock), 0.f);
    if (b) std::copy(b->data<float>(), b->data<float>() + channels, bias.begin());
    return bias;
  }

  // Dense: [pair][KH][KW][Cb][8 c][16 m] ([pair][KH][C][KW][16] for an NCHW
  // input, see nchwc_rows.inl); depthwise: [Cb][KH][KW][8]. Zero for channels
  // past C or M, so padded lanes contribute nothing.
  size_t packed_floats(const Tensor& w, bool nchw_input) const {
    const int64_t M = w.dim(0), C = w.dim(1), taps = w.dim(2) * w.dim(3);
    if (conv_.group != 1) return static_cast<size_t>(nchwc::blocks(M) * taps * kBlock);
    const int64_t cin = nchw_input ? 1 : kBlock, pairs = (nchwc::blocks(M) + 1) / 2;
    return static_cast<size_t>(pairs * taps * ((C + cin - 1) / cin) * 2 * kBlock * cin);
  }

  // in_place: dst is W's own bytes, packed_floats equal to W's size and M a
  // multiple of 16, so that each block pair's region is exactly its 16
  // filters: those are copied out before the region is rewritten.
  void pack_into(const Tensor& w, bool nchw_input, float* dst, ThreadPool* pool, bool in_place = false) const {
    const int64_t M = w.dim(0), C = w.dim(1), KH = w.dim(2), KW = w.dim(3);
    const float* wp = w.data<float>();
    if (conv_.group != 1) {  // depthwise weights are small: one thread
      std::fill(dst, dst + packed_floats(w, nchw_input), 0.f);
      for (int64_t m = 0; m < M; ++m)
        for (int64_t t = 0; t < KH * KW; ++t) dst[((m / kBlock) * KH * KW + t) * kBlock + m % kBlock] = wp[m * KH * KW + t];
      return;
    }
    const int64_t cin = nchw_input ? 1 : kBlock, Cb = (C + cin - 1) / cin, pairs = (nchwc::blocks(M) + 1) / 2;
    const int64_t taps = KH * KW, pair_floats = taps * Cb * 2 * kBlock * cin;
    const int64_t filter = C * taps;  // floats per output channel
    // Channels per staged chunk: about 256 columns of 16 floats (16 KiB, L1).
    const int64_t chunk = std::max<int64_t>(1, 256 / taps);
    const ukernel::PackRowsFn pack_rows = ukernel::pack_rows_for(active_isa());
    // Where (c, kh, kw) goes in a pair's region, in units of 2 * kBlock floats.
    auto slot = [&](int64_t c, int64_t kh, int64_t kw) {
      return nchw_input ? (kh * C + c) * KW + kw : (kh * KW + kw) * Cb * cin + c;
    };
    // One block pair per item. Its 16 filters are read in order, a chunk of
    // channels at a time, and transposed by pack_rows into a small staging
    // buffer (element (c, kh, kw) of the 16 filters as 16 adjacent floats);
    // those rows are then copied to their slots, one sequential stream per
    // tap. Gathering each float from 16 filters C * KH * KW floats apart
    // (before) took 23 ms of resnet50's 130 ms creation (perf record over
    // five creations in one process).
    parallel_items(pool, pairs, [&](int64_t pr) {
      thread_local std::vector<float> stage_buf;
      float* const stage = scratch(stage_buf, chunk * taps * 2 * kBlock);
      float* d = dst + pr * pair_floats;
      const int64_t m0 = pr * 2 * kBlock, valid_m = std::min<int64_t>(2 * kBlock, M - m0);
      const float* src = wp + m0 * filter;
      if (in_place) {
        thread_local std::vector<float> own;
        own.assign(src, src + valid_m * filter);
        src = own.data();
      }
      for (int64_t c0 = 0; c0 < C; c0 += chunk) {
        const int64_t c1 = std::min(C, c0 + chunk);
        pack_rows(stage, src + c0 * taps, filter, valid_m, (c1 - c0) * taps, 2 * kBlock, 1.f);
        for (int64_t c = c0; c < c1; ++c)
          for (int64_t kh = 0; kh < KH; ++kh)
            for (int64_t kw = 0; kw < KW; ++kw)
              std::memcpy(d + slot(c, kh, kw) * 2 * kBlock, stage + ((c - c0) * taps + kh * KW + kw) * 2 * kBlock,
                          2 * kBlock * sizeof(float));
      }
      for (int64_t c = C; c < Cb * cin; ++c)  // padding channels of the last block
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw) std::fill_n(d + slot(c, kh, kw) * 2 * kBlock, 2 * kBlock, 0.f);
    });
  }

  // Winograd F(2x2, 3x3) (nchwc.h, winograd.inl) for a constant 3x3
  // stride-1 undilated dense filter on a blocked input with at least
  // kWinoMinChannels input and output channels: 4 multiply-adds per output
  // and channel pair instead of 9, as 16 GEMMs over the channels, plus the
  // tile transforms (a few adds per pixel and block). With fewer channels the
  // GEMMs are too short (K = C) to pay for the transforms. squeezenet1_1, whose
  // 55x55 expand convolutions have 16 input channels, ran in 8.1-8.2 ms with
  // 16 here against 8.3-9.1 with 32 (`onyx bench squeezenet1_1.onnx --threads
  // 1 --iters 100`, four rounds alternating a temporary environment switch
  // between the two; the same within noise at 2 threads).
  static constexpr int64_t kWinoMinChannels = 16;
  // A map known to be smaller than 8x8 at creation (resnet50's layer4: 7x7,
  // 16 tiles) stays direct. There the 16 GEMMs have 16 rows per image, and
  // Winograd saved only ~0.45 ms per run on each of resnet50's two such
  // nodes (3.5-3.7 against 3.9-4.2 ms; `bench/conv_profile.py resnet50.onnx
  // 1 60`, alternated twice) while their 16/9-size transformed filters are
  // 34 MB of fresh pages to fill at creation (7-58 ms on this VM:
  // base/weight_memory.h); the direct ones are packed over the folded
  // weights' own bytes.
  static constexpr int64_t kWinoMinPixels = 64;
  static bool map_known_small(const KernelInit& init) {
    if (init.input_types.empty()) return false;
    const ir::Type& t = init.input_types[0];
    if (!t.has_shape || t.dims.size() < 4) return false;
    const ir::Dim &h = t.dims[2], &w = t.dims[3];
    return h.known() && w.known() && h.value * w.value < kWinoMinPixels;
  }
  bool winograd_fits(const Tensor& w) const {
    const WindowAttrs& at = conv_.attrs;
    auto all_one = [](const std::vector<int64_t>& v) {
      return std::all_of(v.begin(), v.end(), [](int64_t e) { return e == 1; });
    };
    return conv_.group == 1 && w.dim(2) == 3 && w.dim(3) == 3 && w.dim(0) >= kWinoMinChannels &&
           w.dim(1) >= kWinoMinChannels && all_one(at.strides) && all_one(at.dilations);
  }

  // U[xi] = G g G^T for every (output, input) channel pair, written straight
  // into 16 GEMM B operands [Cp x Mp] in their packed layout (zero for padded
  // channels): one pass over W, and the only fresh memory touched is the
  // operands'. Items: one panel of output channels, its filters (NR x C x 9
  // floats) read from L2 while all 16 operands' panels fill in order.
  void transform_winograd(const Tensor& w) {
    const int64_t M = w.dim(0), C = w.dim(1);
    const int64_t Cp = nchwc::blocks(C) * kBlock, Mp = nchwc::blocks(M) * kBlock;
    std::vector<std::shared_ptr<ukernel::PackedMatrix>> u;
    for (int xi = 0; xi < 16; ++xi) u.push_back(ukernel::PackedMatrix::uninitialized_b(active_isa(), Cp, Mp));
    const int64_t width = u[0]->width(), panels = u[0]->panels();
    const float* wp = w.data<float>();
    const ukernel::PackRowsFn pack_rows = ukernel::pack_rows_for(active_isa());
    constexpr int64_t kChunk = 16;  // channels staged at once: 16 x 9 x width floats, L1
    constexpr int64_t kMaxWidth = 64;
    // pack.h bounds every panel width by 64 (kMaxWidth); checked, not assumed, as o[] below relies on it.
    ONYX_CHECK(width <= kMaxWidth, ErrorCode::kEngineError, "Winograd filter transform: panel width ", width,
               " over ", kMaxWidth);
    // The panel's filters are staged a chunk of channels at a time, transposed
    // by pack_rows (tap k of channel c of output j at [(c * 9 + k) * width + j])
    // so that the transform runs across the panel's output channels as
    // vectors and each operand row is written whole. Reading each filter
    // scalar, 16 of them 4.6 KiB+ apart, took 41 ms of resnet50's 130 ms
    // creation (perf record over five creations in one process).
    parallel_items(ukernel::pack_pool(), panels, [&](int64_t p) {
      thread_local std::vector<float> stage_buf;
      float* const stage = scratch(stage_buf, kChunk * 9 * width);
      const int64_t m0 = p * width, valid_m = std::max<int64_t>(0, std::min(width, M - m0));
      for (int64_t kb = 0; kb * ukernel::kKc < Cp; ++kb) {
        float* dst[16];
        for (int xi = 0; xi < 16; ++xi) dst[xi] = u[static_cast<size_t>(xi)]->mutable_panel(kb, p);
        const int64_t c0 = kb * ukernel::kKc, c1 = std::min(Cp, c0 + ukernel::kKc);
        for (int64_t ca = c0; ca < std::min(c1, C); ca += kChunk) {
          const int64_t cb = std::min({c1, C, ca + kChunk});
          pack_rows(stage, wp + (m0 * C + ca) * 9, C * 9, valid_m, (cb - ca) * 9, static_cast<int>(width), 1.f);
          for (int64_t c = ca; c < cb; ++c) {
            const float* g = stage + (c - ca) * 9 * width;
            float o[16][kMaxWidth];
            for (int64_t j = 0; j < width; ++j) {
              // t = G g with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], then U = t G^T.
              float t[4][3];
              for (int k = 0; k < 3; ++k) {
                const float a = g[k * width + j], b = g[(3 + k) * width + j], e = g[(6 + k) * width + j];
                t[0][k] = a;
                t[1][k] = 0.5f * (a + b + e);
                t[2][k] = 0.5f * (a - b + e);
                t[3][k] = e;
              }
              for (int i = 0; i < 4; ++i) {
                o[i * 4 + 0][j] = t[i][0];
                o[i * 4 + 1][j] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
                o[i * 4 + 2][j] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
                o[i * 4 + 3][j] = t[i][2];
              }
            }
            for (int xi = 0; xi < 16; ++xi)
              std::memcpy(dst[xi] + (c - c0) * width, o[xi], static_cast<size_t>(width) * sizeof(float));
          }
        }
        for (int64_t c = std::max(c0, C); c < c1; ++c)  // padding channels: zero rows
          for (float* d : dst) std::fill_n(d + (c - c0) * width, width, 0.f);
      }
    });
    wino_u_.assign(u.begin(), u.end());
    wino_from_ = w.raw();
  }

  // Two schedules. Filters small enough to stay in L2 (16 x Cp x Mp floats
  // up to 1 MiB: resnet50's 64- and 128-channel layers): chunks of about 32
  // tiles, each taken whole by one thread through input transform, the 16
  // GEMMs and output transform, so the transformed tiles never leave L2.
  // Larger filters: per image, the input transform over all tiles, the 16
  // GEMMs one per item (each on one thread: with 16..784 tiles a GEMM split
  // over threads would be mostly edges), then the output transform; the
  // filters are then read once per run, not once per chunk.
  void run_winograd(KernelContext& ctx, const Tensor& x, const Tensor* b, const Tensor* z, const ConvShapes& s,
                    Tensor& y) const {
    const WindowGeometry& g = s.geo;
    const nchwc::ConvGeo geo{g.in[0], g.in[1], g.out[0], g.out[1], 3, 3, 1, 1, 1, 1, g.pad_begin[0], g.pad_begin[1],
                             x.dim(1)};
    const int64_t N = s.batch, Cb = x.dim(1), Mb = y.dim(1), Cp = Cb * kBlock, Mp = Mb * kBlock;
    const int64_t TH = (geo.OH + 1) / 2, TW = (geo.OW + 1) / 2, T = TH * TW;
    std::vector<float> run_bias;
    const float* bias = bias_for(b, s.out_channels, run_bias);
    const bool relu = conv_.epi.act == ukernel::Act::kRelu;
    const bool other_act = !relu && conv_.epi.act != ukernel::Act::kNone;
    ThreadPool* pool = ctx.pool();
    const int64_t threads = pool ? pool->num_threads() : 1;
    const int64_t in_plane = geo.H * geo.W * kBlock, out_plane = geo.OH * geo.OW * kBlock;
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    const float* zp = z ? z->data<float>() : nullptr;
    auto args = [&](int64_t n, float* v, float* m, int64_t ty0, int64_t tiles) {
      return nchwc::WinoArgs{&geo, TH, TW, Cp, Mp, ty0, tiles, xp + n * Cb * in_plane, v, m, bias,
                             yp + n * Mb * out_plane, zp ? zp + n * Mb * out_plane : nullptr, relu};
    };
    auto gemms = [&](float* v, float* m, int64_t tiles, int64_t xi0, int64_t xi1) {
      for (int64_t xi = xi0; xi < xi1; ++xi)
        ukernel::sgemm_packed_b(false, tiles, 1.f, v + xi * tiles * Cp, Cp, *wino_u_[static_cast<size_t>(xi)], 0.f,
                                m + xi * tiles * Mp, Mp, ukernel::Epilogue{}, nullptr);
    };
    auto finish = [&](const nchwc::WinoArgs& a, int64_t mb0, int64_t mb1, int64_t ty) {
      rows_.wino_output(a, mb0, mb1, ty);
      if (!other_act) return;
      const int64_t oh0 = 2 * ty, oh1 = std::min(geo.OH, oh0 + 2);
      for (int64_t mb = mb0; mb < mb1; ++mb)
        ukernel::apply_activation(a.y + mb * out_plane + oh0 * geo.OW * kBlock, (oh1 - oh0) * geo.OW * kBlock,
                                  conv_.epi);
    };

    // Chunks also for any filter when one image's transformed tiles would
    // pass 64 MiB (they are 4x the input plus 4x the output): a large map is
    // then never a proportionally large allocation.
    constexpr int64_t kChunkTiles = 32, kL2FilterBytes = int64_t{1} << 20, kWholeImageBytes = int64_t{64} << 20;
    // With several threads, chunks short enough for two per thread: a
    // chunk's transforms and GEMMs then run on one core, where the other
    // schedule below hands each phase's output to the other core. On the VM
    // of 2026-11-29 squeezenet1_1's 13x13 expand3x3 nodes (64 -> 256) ran
    // 1.2-1.9x faster at 2 threads (per-node profile, the two alternated,
    // three runs each); at 1 thread nothing changes.
    int64_t rows_per_chunk = std::max<int64_t>(1, kChunkTiles / TW);
    if (threads > 1) rows_per_chunk = std::min(rows_per_chunk, std::max<int64_t>(1, (TH + 2 * threads - 1) / (2 * threads)));
    const int64_t chunks = (TH + rows_per_chunk - 1) / rows_per_chunk;
    const int64_t fsize = static_cast<int64_t>(sizeof(float));
    if ((16 * Cp * Mp * fsize <= kL2FilterBytes && N * chunks >= 2 * threads) || 16 * T * (Cp + Mp) * fsize > kWholeImageBytes) {
      parallel_for(pool, N * chunks, 1, [&](int64_t i0, int64_t i1) {
        // This thread's own chunk buffers (a worker's thread_local is its own).
        thread_local std::vector<float> v_chunk, m_chunk;
        const int64_t most = rows_per_chunk * TW;
        float* const v = scratch(v_chunk, 16 * most * Cp);
        float* const m = scratch(m_chunk, 16 * most * Mp);
        for (int64_t i = i0; i < i1; ++i) {
          const int64_t n = i / chunks, ty0 = i % chunks * rows_per_chunk, ty1 = std::min(TH, ty0 + rows_per_chunk);
          const int64_t tiles = (ty1 - ty0) * TW;
          const nchwc::WinoArgs a = args(n, v, m, ty0, tiles);
          for (int64_t ty = ty0; ty < ty1; ++ty) rows_.wino_input(a, 0, Cb, ty);
          gemms(v, m, tiles, 0, 16);
          for (int64_t ty = ty0; ty < ty1; ++ty) finish(a, 0, Mb, ty);
        }
      });
      return;
    }
    // The calling thread's scratch, shared with the workers for this call.
    thread_local std::vector<float> v_buf, m_buf;
    float* const vp = scratch(v_buf, 16 * T * Cp);
    float* const mp = scratch(m_buf, 16 * T * Mp);
    // Items: tile rows, each cut into ranges of blocks when there are too
    // few rows to go round the threads (7 on a 14x14 map).
    auto groups_of = [&](int64_t blocks) { return std::clamp<int64_t>((4 * threads + TH - 1) / TH, 1, blocks); };
    const int64_t gin = groups_of(Cb), gout = groups_of(Mb);
    for (int64_t n = 0; n < N; ++n) {
      const nchwc::WinoArgs a = args(n, vp, mp, 0, T);
      parallel_for(pool, TH * gin, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) rows_.wino_input(a, Cb * (i % gin) / gin, Cb * (i % gin + 1) / gin, i / gin);
      });
      parallel_for(pool, 16, 1, [&](int64_t x0, int64_t x1) { gemms(vp, mp, T, x0, x1); });
      parallel_for(pool, TH * gout, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) finish(a, Mb * (i % gout) / gout, Mb * (i % gout + 1) / gout, i / gout);
      });
    }
  }

  BlockedConv conv_;
  const nchwc::RowKernels& rows_;  // this CPU's build of the row kernels
  std::vector<std::shared_ptr<const ukernel::PackedMatrix>> wino_u_;  // 16 when the Winograd path is set up
  const void* wino_from_ = nullptr;
  const float* packed_ = nullptr;       // weights packed at creation (constant W)
  std::shared_ptr<void> packed_owner_;  // keeps packed_ alive
  bool packed_nchw_ = false;            // packed for an NCHW (4-D) X
  std::vector<float> bias_;             // a constant B, padded at creation
  const void* bias_from_ = nullptr;
  const void* packed_from_ = nullptr;
};

ir::Dim blocks_dim(const ir::Dim& c) { return c.known() ? ir::Dim(nchwc::blocks(c.value)) : ir::Dim(); }

void infer_reorder_input(InferContext& ctx) {
  const ir::Dims* x = ctx.input_dims(0);
  if (!x) return ctx.set_output_unranked(0, DataType::kFloat);
  if (x->size() != 4) ctx.fail("X ", shape_str(*x), " must be 4-D [N, C, H, W]");
  ctx.set_output(0, DataType::kFloat, {(*x)[0], blocks_dim((*x)[1]), (*x)[2], (*x)[3], ir::Dim(kBlock)});
}

void infer_reorder_output(InferContext& ctx) {
  const ir::Dims* x = ctx.input_dims(0);
  const int64_t c = ctx.node().attr_int("channels", -1);
  if (c < 0 || c > kMaxChannels) ctx.fail("'channels' ", c, " must be in [0, ", kMaxChannels, "]");
  if (!x) return ctx.set_output_unranked(0, DataType::kFloat);
  if (x->size() != 5) ctx.fail("X ", shape_str(*x), " must be 5-D [N, C/8, H, W, 8]");
  if ((*x)[1].known() && (*x)[1].value != nchwc::blocks(c))
    ctx.fail("X ", shape_str(*x), " has ", (*x)[1].value, " channel blocks; ", c, " channels need ", nchwc::blocks(c));
  ctx.set_output(0, DataType::kFloat, {(*x)[0], ir::Dim(c), (*x)[2], (*x)[3]});
}

void infer_nchwc_conv(InferContext& ctx) {
  const ir::Dims* x = ctx.input_dims(0);
  const ir::Dims* w = ctx.input_dims(1);
  if (!x || !w) return ctx.set_output_unranked(0, DataType::kFloat);
  if (x->size() != 5 && x->size() != 4) ctx.fail("X ", shape_str(*x), " must be [N, C/8, H, W, 8] or [N, C, H, W]");
  if (w->size() != 4) ctx.fail("W ", shape_str(*w), " must be 4-D [M, C/group, KH, KW]");
  std::vector<int64_t> kernel;
  for (size_t i = 2; i < 4; ++i) kernel.push_back((*w)[i].known() ? (*w)[i].value : -1);
  ir::Dims o;
  try {
    o = infer_window_dims(WindowAttrs::from_node(ctx.node()), ir::Dims{(*x)[2], (*x)[3]}, kernel);
    if (std::optional<WindowAttrs> pool = pool_attrs(ctx.node())) o = infer_window_dims(*pool, o);
  } catch (const Error& e) {
    ctx.fail(e.what());
  }
  ctx.set_output(0, DataType::kFloat, {(*x)[0], blocks_dim((*w)[0]), o[0], o[1], ir::Dim(kBlock)});
}

}  // namespace

ONYX_KERNEL({.domain = "com.onyx", .op = "NchwcReorderInput", .since = 1, .types = {DataType::kFloat},
             .infer = infer_reorder_input, .create = create<ReorderInput>});
ONYX_KERNEL({.domain = "com.onyx", .op = "NchwcReorderOutput", .since = 1, .types = {DataType::kFloat},
             .infer = infer_reorder_output, .create = create<ReorderOutput>});
ONYX_KERNEL({.domain = "com.onyx", .op = "NchwcConv", .since = 1, .types = {DataType::kFloat},
             .infer = infer_nchwc_conv, .create = create<NchwcConvRef>});
ONYX_KERNEL({.domain = "com.onyx", .op = "NchwcConv", .since = 1, .types = {DataType::kFloat}, .priority = 10,
             .impl = "direct", .create = create<NchwcConvFast>});

}  // namespace onyx
