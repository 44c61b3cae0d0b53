// The com.onyx NCHWc ops (kernels/conv/nchwc.h): reorders, NchwcConv (dense
// and depthwise, both kernels), NchwcMaxPool, NchwcGlobalAveragePool.
//
// Expected values come from direct loops over the NCHW definition written
// here, converted to blocks; OpTest runs the reference and the fast kernels.
// The plain run uses the widest build the CPU has (AVX-512: up to 16
// positions per dense step, a zmm register each, and 16 per depthwise one); tests/run_all.sh also runs
// this suite with ONYX_ISA=avx2 (6 and 8) and ONYX_ISA=scalar (the portable
// row kernels), so every build is checked on the same widths.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "kernels/op_test.h"

namespace onyx::test {
namespace {

constexpr int64_t kB = 8;

int64_t blocks(int64_t c) { return (c + kB - 1) / kB; }

// NCHW [N, C, H, W] -> NCHWc with `pad` in the padded channels.
Tensor to_blocked(const Tensor& x, float pad = 0.f) {
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), Cb = blocks(C);
  Tensor y(DataType::kFloat, {N, Cb, H, W, kB});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < Cb * kB; ++c)
      for (int64_t i = 0; i < H * W; ++i)
        y.data<float>()[((n * Cb + c / kB) * H * W + i) * kB + c % kB] =
            c < C ? x.data<float>()[(n * C + c) * H * W + i] : pad;
  return y;
}

struct Case {
  int64_t N = 1, C = 12, H = 9, W = 13, M = 20, KH = 3, KW = 3;
  int64_t group = 1;
  std::vector<int64_t> strides{1, 1}, dilations{1, 1}, pads{1, 1, 1, 1};
  bool bias = true, residual = false;
  bool nchw_input = false;  // X given as [N, C, H, W]
  std::string act;  // "" none, else a FusedConv activation name
  // X's height and width declared symbolic, so unknown when the kernel is
  // created: a 3x3 filter then takes Winograd whatever the map's size.
  bool symbolic_map = false;
};

float activate(const std::string& act, float v) {
  if (act == "Relu") return v > 0 ? v : 0;
  if (act == "HardSwish") return v * std::min(1.f, std::max(0.f, v / 6.f + 0.5f));
  return v;
}

// Direct convolution in double from the ONNX definition, + Z, activation.
Tensor expected_conv(const Case& k, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor* z) {
  const int64_t OH = (k.H + k.pads[0] + k.pads[2] - ((k.KH - 1) * k.dilations[0] + 1)) / k.strides[0] + 1;
  const int64_t OW = (k.W + k.pads[1] + k.pads[3] - ((k.KW - 1) * k.dilations[1] + 1)) / k.strides[1] + 1;
  const int64_t Cg = k.C / k.group, Mg = k.M / k.group;
  Tensor y(DataType::kFloat, {k.N, k.M, OH, OW});
  for (int64_t n = 0; n < k.N; ++n)
    for (int64_t m = 0; m < k.M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = k.bias ? b.data<float>()[m] : 0.0;
          const int64_t g = m / Mg;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t kh = 0; kh < k.KH; ++kh)
              for (int64_t kw = 0; kw < k.KW; ++kw) {
                const int64_t ih = oh * k.strides[0] - k.pads[0] + kh * k.dilations[0];
                const int64_t iw = ow * k.strides[1] - k.pads[1] + kw * k.dilations[1];
                if (ih < 0 || ih >= k.H || iw < 0 || iw >= k.W) continue;
                acc += static_cast<double>(x.data<float>()[((n * k.C + g * Cg + c) * k.H + ih) * k.W + iw]) *
                       w.data<float>()[((m * Cg + c) * k.KH + kh) * k.KW + kw];
              }
          y.data<float>()[((n * k.M + m) * OH + oh) * OW + ow] = static_cast<float>(acc);
        }
  Tensor yb = to_blocked(y);
  for (int64_t i = 0; i < yb.numel(); ++i) {
    float v = yb.data<float>()[i] + (z ? z->data<float>()[i] : 0.f);
    yb.data<float>()[i] = activate(k.act, v);
  }
  return yb;
}

void check(const Case& k, uint32_t seed, bool constant_w = true) {
  Tensor x = random_tensor(DataType::kFloat, {k.N, k.C, k.H, k.W}, seed);
  Tensor w = random_tensor(DataType::kFloat, {k.M, k.C / k.group, k.KH, k.KW}, seed + 1);
  Tensor b = random_tensor(DataType::kFloat, {k.M}, seed + 2);
  Tensor xb = to_blocked(x, 0.f);
  Tensor want_shape = expected_conv(k, x, w, b, nullptr);
  Tensor z = random_tensor(DataType::kFloat, want_shape.shape(), seed + 3);
  Tensor want = expected_conv(k, x, w, b, k.residual ? &z : nullptr);
  OpTest t("NchwcConv", 1, "com.onyx");
  if (k.symbolic_map) {
    const Tensor& in = k.nchw_input ? x : xb;
    ir::Dims dims(in.shape().begin(), in.shape().end());
    dims[2] = ir::Dim::sym("height");
    dims[3] = ir::Dim::sym("width");
    t.value_input("X", Value(in), ir::Type::tensor(DataType::kFloat, dims));
  } else {
    t.input("X", k.nchw_input ? x : xb);
  }
  if (constant_w) t.constant_input("W", w);
  else t.input("W", w);
  if (k.bias) t.constant_input("B", b);
  else if (k.residual) t.omitted_input();
  if (k.residual) t.input("Z", z);
  t.attr("strides", k.strides).attr("dilations", k.dilations).attr("pads", k.pads);
  if (k.group != 1) t.attr("group", k.group);
  if (!k.act.empty()) t.attr("activation", k.act);
  t.output("Y", want).tolerance(1e-4, 1e-4).run();
}

// Each dense case runs with 20 output channels (a block pair and a lone
// block: one pair per step) and 40 (a group of two pairs, which AVX-512 and
// the portable build run two pairs per step, and a lone block).
TEST(Nchwc, DenseConvOddChannelsAndWidths) {
  uint32_t seed = 1;
  for (int64_t m : {20, 40}) {
    Case k;  // 12 input channels: a partial input block
    k.M = m;
    check(k, seed++);
    k.W = 1;  // every position is a border
    check(k, seed++);
    k.W = 29;  // 29 positions: chunks of 5 and 6, or of 9 and 10
    k.N = 2;
    check(k, seed++);
    k.N = 1;
    // Whole steps and uneven ones for each build's longest step: 6 (AVX2,
    // and the portable build, which checks the same chunking), 16 (AVX-512,
    // one zmm per position: 17 as 9 + 8, 33 as 11 x 3, 47 as 16 + 16 + 15)
    // and 14 for two pairs (AVX-512; 6 in the portable build).
    for (int64_t w : {7, 12, 13, 14, 15, 16, 17, 24, 26, 28, 32, 33, 47}) {
      k.W = w;
      check(k, seed++);
    }
  }
}

TEST(Nchwc, DenseConvStridesDilationsAsymmetricPads) {
  uint32_t seed = 11;
  for (int64_t m : {20, 40}) {
    Case k;
    k.M = m;
    k.strides = {2, 2};
    check(k, seed++);
    k.strides = {1, 2};
    k.dilations = {2, 1};
    k.pads = {2, 0, 1, 3};
    check(k, seed++);
    k.strides = {1, 3};  // stride 3: the general stride
    k.W = 31;
    check(k, seed++);
    k.W = 13;
    k.KH = 1;  // 1x1 with strides: the pixels read are gathered into a dense map first
    k.KW = 1;
    k.pads = {0, 0, 0, 0};
    k.dilations = {1, 1};
    k.strides = {2, 2};
    check(k, seed++);
    k.strides = {1, 3};
    k.N = 2;
    k.residual = true;
    check(k, seed++);
  }
}

TEST(Nchwc, PointwiseConvRowChunks) {
  Case k;
  k.KH = k.KW = 1;
  k.pads = {0, 0, 0, 0};
  k.C = 20;
  // The map is one row of H x W pixels, cut into pieces of at most 48 and
  // those into steps: 1 (the lone-position step), 2-16 positions per step
  // for one block pair, 2-14 for two (AVX-512 and the portable build). 24
  // channels are a pair and a lone block (no two-pair step); 40 a group of
  // two pairs and a lone block; 64 two groups.
  uint32_t seed = 20;
  for (int64_t m : {24, 40, 64}) {
    k.M = m;
    for (auto hw : {std::pair<int64_t, int64_t>{7, 7}, {7, 14}, {1, 1}, {5, 11}, {3, 24}, {2, 37}, {2, 8}, {1, 3},
                    {1, 9}, {1, 17}, {3, 7}}) {
      k.H = hw.first;
      k.W = hw.second;
      check(k, seed++);
    }
  }
  // The residual, ReLU in the step, HardSwish on the rows after it.
  k.residual = true;
  k.H = 5;
  k.W = 11;
  for (const char* act : {"Relu", "HardSwish"}) {
    k.act = act;
    check(k, seed++);
  }
}

TEST(Nchwc, NchwInputStemConv) {
  Case k;  // an RGB stem: 3 channels read in NCHW, blocked output
  k.nchw_input = true;
  k.C = 3;
  k.M = 16;
  k.H = k.W = 23;
  k.KH = k.KW = 7;
  k.strides = {2, 2};
  k.pads = {3, 3, 3, 3};
  k.act = "Relu";
  check(k, 25);
  k.C = 5;
  k.M = 8;
  k.KH = k.KW = 3;
  k.pads = {1, 1, 1, 1};
  k.residual = true;
  check(k, 27);
  check(k, 29, /*constant_w=*/false);
  k.M = 64;  // two groups of two pairs
  k.act = "Relu";
  check(k, 30);
  k.act = "HardSwish";
  k.KH = k.KW = 7;
  k.strides = {2, 2};
  k.pads = {3, 3, 3, 3};
  check(k, 32);
}

TEST(Nchwc, NchwInputEveryWidthAndBorder) {
  // 3x3 and 7x7 at strides 1 and 2 take the unrolled taps (nchw_fixed_taps),
  // their border steps a zero-padded copy of the row span; 5x5, a dilated
  // 3x3 and stride 3 keep the general loop. Widths from a lone position to
  // several steps, symmetric and lopsided pads. 40 output channels: a group
  // of two pairs (one step for both on AVX-512 and in the portable build)
  // and a lone block.
  Case k;
  k.nchw_input = true;
  k.C = 3;
  k.M = 40;
  k.H = 7;
  uint32_t seed = 100;
  for (int64_t kw : {3, 7, 5})
    for (int64_t s : {1, 2, 3})
      for (int64_t w : {1, 2, 6, 12, 13, 25, 31}) {
        k.KH = k.KW = kw;
        k.strides = {1, s};
        k.W = w;
        const int64_t p = kw / 2;
        for (auto lr : {std::pair<int64_t, int64_t>{p, p}, {kw - 1, 0}, {0, kw - 1}, {1, 2 * kw}}) {
          k.pads = {p, lr.first, p, lr.second};
          check(k, seed++);
        }
      }
  k.KH = k.KW = 3;
  k.dilations = {1, 2};
  k.strides = {1, 2};
  k.W = 19;
  k.pads = {1, 2, 1, 2};
  check(k, seed++);
}

TEST(Nchwc, ResidualAndActivations) {
  uint32_t seed = 31;
  for (int64_t m : {20, 40}) {  // one pair per step, and two
    Case k;
    k.M = m;
    k.residual = true;
    k.act = "Relu";
    check(k, seed++);
    k.act = "HardSwish";  // applied on the row after the kernel
    k.bias = false;
    check(k, seed++);
  }
}

TEST(Nchwc, WeightsComputedAtRunTimeArePackedPerRun) {
  Case k;
  check(k, 41, /*constant_w=*/false);
}

TEST(Nchwc, DepthwiseConv) {
  Case k;
  k.C = k.M = k.group = 12;
  check(k, 51);
  k.strides = {2, 2};
  k.W = 17;
  check(k, 53);
  k.KH = k.KW = 5;
  k.pads = {2, 2, 2, 2};
  k.strides = {1, 1};
  k.residual = true;
  k.act = "HardSwish";
  check(k, 55);
}

// Depthwise rows run in parts: the positions whose window is inside the
// row, unchecked (8 at a time and a rest of 1-7), and both borders together,
// checked, up to 8 at a time. Inputs up to 32 wide (unless the stride makes
// the copy too dear: 3x3 with stride 2) are first copied into a
// zero-bordered buffer and run unchecked throughout. Widths 1-21 (mostly
// the copy) and 33-44 (borders in place) cover rows with no inside part, a
// rest of every size and borders of more than 8 positions (dilation 3, 7x7:
// 9 per side); strides 1-3 and asymmetric pads move the span.
TEST(Nchwc, DepthwiseConvEveryWidthAndBorder) {
  struct Geo {
    int64_t K, stride, dilation;
    std::vector<int64_t> pads;
  };
  const Geo geos[] = {{3, 1, 1, {1, 1, 1, 1}}, {5, 1, 1, {2, 2, 2, 2}}, {3, 2, 1, {1, 1, 1, 1}},
                      {5, 2, 1, {1, 2, 2, 1}}, {3, 1, 2, {2, 2, 2, 2}}, {7, 3, 3, {9, 9, 9, 9}},
                      {3, 1, 1, {0, 0, 0, 0}}, {1, 1, 1, {0, 0, 0, 0}}};
  uint32_t seed = 300;
  std::vector<int64_t> widths;
  for (int64_t W = 1; W <= 21; ++W) widths.push_back(W);
  for (int64_t W = 33; W <= 44; ++W) widths.push_back(W);
  for (const Geo& geo : geos)
    for (int64_t W : widths) {
      Case k;
      k.C = k.M = k.group = 9;  // a partial second block
      k.H = 3 + W % 4;
      k.W = W;
      k.KH = k.KW = geo.K;
      k.strides = {geo.stride, geo.stride};
      k.dilations = {geo.dilation, geo.dilation};
      k.pads = geo.pads;
      if ((k.W + k.pads[1] + k.pads[3] - (k.KW - 1) * k.dilations[1] - 1) < 0 ||
          (k.H + k.pads[0] + k.pads[2] - (k.KH - 1) * k.dilations[0] - 1) < 0)
        continue;  // the window is larger than the padded image
      k.residual = W % 2 == 0;
      k.act = W % 3 == 0 ? "Relu" : (W % 3 == 1 ? "HardSwish" : "");
      SCOPED_TRACE("K " + std::to_string(geo.K) + " stride " + std::to_string(geo.stride) + " dilation " +
                   std::to_string(geo.dilation) + " W " + std::to_string(W));
      check(k, seed++);
    }
}

// Dense work items over two images, two block pairs and a lone last block,
// on a map wider than one pointwise chunk and on a tiny one, 1x1 and 3x3
// (16 channels: the 3x3 ones on 19x23 run as Winograd, on 2x2 direct).
// The wide maps' weights are smaller than their input (items run position
// major), the 2x2 maps' larger (block-pair major): both item orders.
TEST(Nchwc, DenseConvTwoImagesPairsAndLoneBlock) {
  Case k;
  k.N = 2;
  k.C = 16;
  k.M = 40;  // 5 blocks: two pairs and a lone block
  for (int64_t K : {1, 3}) {
    k.KH = k.KW = K;
    k.pads = std::vector<int64_t>(4, K / 2);
    k.H = 19;
    k.W = 23;
    check(k, static_cast<uint32_t>(400 + K));
    k.H = k.W = 2;
    check(k, static_cast<uint32_t>(410 + K));
  }
}

// Winograd F(2x2, 3x3): 3x3 stride 1 with at least 16 channels in and out.
// Partial channel blocks (36 -> 44), odd and even maps (partial edge tiles),
// pads 1, 0 and asymmetric, two images, the residual with ReLU, and an
// activation applied after the transform (HardSwish). At the 2 threads
// OpTest runs, the 14x17 and 7x4 maps run in chunks of tile rows (the last
// one shorter), the 9x13, 8x8 and 1x1 ones in one pass per image: both
// schedules of NchwcConvFast::run_winograd.
TEST(Nchwc, WinogradConv) {
  Case k;
  k.symbolic_map = true;  // the 7x4 and 1x1 maps below would otherwise run direct (map_known_small)
  k.C = 36;
  k.M = 44;
  k.H = 9;
  k.W = 13;
  check(k, 501);  // pads 1: border tiles read zeros
  k.pads = {0, 0, 0, 0};
  k.H = k.W = 8;  // 6x6 output: whole tiles
  check(k, 503);
  k.pads = {1, 0, 2, 1};
  k.N = 2;
  k.H = 7;
  k.W = 4;
  check(k, 505);
  k.pads = {1, 1, 1, 1};
  k.residual = true;
  k.act = "Relu";
  check(k, 507);
  k.residual = false;
  k.act = "HardSwish";
  k.H = k.W = 1;  // a 1x1 map: one tile, eight of its inputs padding
  check(k, 509);
  k.H = 14;  // 7 tile rows: at 2 threads chunks of 2, the last one shorter
  k.W = 17;
  check(k, 511);
  // Weights given at run time take the direct kernel (packed per run).
  k.act = "";
  check(k, 513, false);
  // A map known at creation to be under 8x8 (resnet50's layer4: 7x7) runs direct.
  k.symbolic_map = false;
  k.H = k.W = 7;
  check(k, 515);
}

TEST(Nchwc, ReordersRoundTrip) {
  for (Shape shape : {Shape{2, 13, 3, 5}, Shape{1, 9, 17, 19}}) {  // the second over 256 pixels: tiled
    Tensor x = random_tensor(DataType::kFloat, shape, 61);
    Tensor xb = to_blocked(x);
    OpTest("NchwcReorderInput", 1, "com.onyx").input("X", x).output("Y", xb).run();
    OpTest("NchwcReorderOutput", 1, "com.onyx").input("X", xb).attr("channels", shape[1]).output("Y", x).run();
  }
}

// MaxPool by its definition on an NCHW tensor, square window K with the given
// stride, dilation and pad on every side, into OH x OW: taps outside the
// image are skipped, and so are NaNs (v > m is false for them), as MaxPool
// does.
Tensor direct_max_pool(const Tensor& x, int64_t K, int64_t stride, int64_t dilation, int64_t pad, int64_t OH,
                       int64_t OW) {
  const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
  Tensor y(DataType::kFloat, {N, C, OH, OW});
  for (int64_t c = 0; c < N * C; ++c)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        float m = std::numeric_limits<float>::lowest();
        for (int64_t kh = 0; kh < K; ++kh)
          for (int64_t kw = 0; kw < K; ++kw) {
            const int64_t ih = oh * stride - pad + kh * dilation, iw = ow * stride - pad + kw * dilation;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const float v = x.data<float>()[(c * H + ih) * W + iw];
            if (v > m) m = v;
          }
        y.data<float>()[(c * OH + oh) * OW + ow] = m;
      }
  return y;
}

// Every window geometry with a sliding version (3x3 stride 2 and 1, 2x2
// stride 2), one without (dilated), on rows wide enough for whole 8-position
// steps and their rests, NaNs included (skipped by MaxPool).
TEST(Nchwc, MaxPoolSlidingStepsMatchDirect) {
  struct Geo {
    int64_t k, s, p, d;
  };
  for (Geo geo : {Geo{3, 2, 1, 1}, Geo{3, 1, 1, 1}, Geo{2, 2, 0, 1}, Geo{3, 2, 1, 2}}) {
    for (int64_t W : {17, 24, 33, 40}) {
      const int64_t N = 1, C = 9, H = 7;
      Tensor x = random_tensor(DataType::kFloat, {N, C, H, W}, static_cast<uint32_t>(80 + W + geo.s));
      for (int64_t i = 3; i < x.numel(); i += 37) x.data<float>()[i] = std::numeric_limits<float>::quiet_NaN();
      const int64_t ext = (geo.k - 1) * geo.d + 1;
      const int64_t OH = (H + 2 * geo.p - ext) / geo.s + 1, OW = (W + 2 * geo.p - ext) / geo.s + 1;
      const Tensor y = direct_max_pool(x, geo.k, geo.s, geo.d, geo.p, OH, OW);
      SCOPED_TRACE("k " + std::to_string(geo.k) + " s " + std::to_string(geo.s) + " d " + std::to_string(geo.d) +
                   " W " + std::to_string(W));
      OpTest("NchwcMaxPool", 1, "com.onyx")
          .input("X", to_blocked(x))
          .attr("kernel_shape", std::vector<int64_t>{geo.k, geo.k})
          .attr("strides", std::vector<int64_t>{geo.s, geo.s})
          .attr("dilations", std::vector<int64_t>{geo.d, geo.d})
          .attr("pads", std::vector<int64_t>{geo.p, geo.p, geo.p, geo.p})
          .output("Y", to_blocked(y, 0.f))
          .run();
    }
  }
}

TEST(Nchwc, MaxPoolMatchesDirect) {
  const int64_t N = 1, C = 11, H = 10, W = 9;
  Tensor x = random_tensor(DataType::kFloat, {N, C, H, W}, 71);
  x.data<float>()[5] = std::numeric_limits<float>::quiet_NaN();  // ignored, as MaxPool does
  // 3x3, stride 2, pads 1, ceil_mode: windows past the end are clipped.
  Tensor want = to_blocked(direct_max_pool(x, 3, 2, 1, 1, 6, 5), 0.f);  // padded lanes: max of zeros
  OpTest("NchwcMaxPool", 1, "com.onyx")
      .input("X", to_blocked(x))
      .attr("kernel_shape", std::vector<int64_t>{3, 3})
      .attr("strides", std::vector<int64_t>{2, 2})
      .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
      .attr("ceil_mode", int64_t{1})
      .output("Y", want)
      .run();
}

// MaxPool rows: borders one position at a time with checks, the inside
// span four at a time and a rest of 1-3 without. Widths 1-19 with several
// windows, strides, dilations, pads and ceil_mode, against direct loops.
TEST(Nchwc, MaxPoolEveryWidthAndWindow) {
  struct Geo {
    int64_t K, stride, dilation, pad;
    bool ceil;
  };
  const Geo geos[] = {{3, 2, 1, 1, true}, {3, 2, 1, 0, true}, {2, 2, 1, 0, false}, {3, 1, 1, 1, false},
                      {5, 1, 2, 2, false}, {3, 3, 1, 1, true}, {1, 1, 1, 0, false}};
  uint32_t seed = 500;
  for (const Geo& geo : geos)
    for (int64_t W = 1; W <= 19; ++W) {
      const int64_t N = 1, C = 10, H = 2 + W % 5, ext = (geo.K - 1) * geo.dilation + 1;
      auto out_dim = [&](int64_t in) {
        const int64_t span = in + 2 * geo.pad - ext;
        if (span < 0) return int64_t{-1};
        int64_t o = (geo.ceil ? (span + geo.stride - 1) / geo.stride : span / geo.stride) + 1;
        if (geo.ceil && (o - 1) * geo.stride >= in + geo.pad) --o;  // a window must start inside
        return o;
      };
      const int64_t OH = out_dim(H), OW = out_dim(W);
      if (OH < 1 || OW < 1) continue;
      Tensor x = random_tensor(DataType::kFloat, {N, C, H, W}, seed++);
      const Tensor y = direct_max_pool(x, geo.K, geo.stride, geo.dilation, geo.pad, OH, OW);
      SCOPED_TRACE("K " + std::to_string(geo.K) + " stride " + std::to_string(geo.stride) + " W " +
                   std::to_string(W));
      OpTest("NchwcMaxPool", 1, "com.onyx")
          .input("X", to_blocked(x))
          .attr("kernel_shape", std::vector<int64_t>{geo.K, geo.K})
          .attr("strides", std::vector<int64_t>{geo.stride, geo.stride})
          .attr("dilations", std::vector<int64_t>{geo.dilation, geo.dilation})
          .attr("pads", std::vector<int64_t>(4, geo.pad))
          .attr("ceil_mode", int64_t{geo.ceil ? 1 : 0})
          .output("Y", to_blocked(y, 0.f))
          .run();
    }
}

TEST(Nchwc, GlobalAveragePool) {
  Tensor x = random_tensor(DataType::kFloat, {2, 9, 7, 5}, 81);
  Tensor y(DataType::kFloat, {2, 9, 1, 1});
  for (int64_t p = 0; p < 18; ++p) {
    double s = 0;
    for (int64_t i = 0; i < 35; ++i) s += x.data<float>()[p * 35 + i];
    y.data<float>()[p] = static_cast<float>(s / 35);
  }
  OpTest("NchwcGlobalAveragePool", 1, "com.onyx")
      .input("X", to_blocked(x))
      .output("Y", to_blocked(y))
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(Nchwc, WrongChannelBlocksAreAnError) {
  Tensor w = random_tensor(DataType::kFloat, {8, 16, 3, 3}, 91);
  OpTest t("NchwcConv", 1, "com.onyx");
  t.input("X", random_tensor(DataType::kFloat, {1, 1, 4, 4, 8}, 92)).constant_input("W", w);
  t.output("Y", Tensor(DataType::kFloat, {1, 1, 2, 2, 8}));
  t.expect_error("has 1 channel blocks but W");
}

TEST(Nchwc, ReorderOutputChannelsOutOfRangeIsAnError) {
  for (int64_t c : {int64_t{-1}, int64_t{1} << 62}) {
    OpTest t("NchwcReorderOutput", 1, "com.onyx");
    t.input("X", random_tensor(DataType::kFloat, {1, 1, 2, 2, 8}, 94)).attr("channels", c);
    t.output("Y", Tensor(DataType::kFloat, {1, 1, 2, 2}));
    t.expect_error("'channels' " + std::to_string(c) + " must be in [0, ");
  }
}

TEST(Nchwc, ReorderOutputChannelMismatchIsAnError) {
  OpTest t("NchwcReorderOutput", 1, "com.onyx");
  t.input("X", random_tensor(DataType::kFloat, {1, 2, 2, 2, 8}, 93)).attr("channels", int64_t{20});
  t.output("Y", Tensor(DataType::kFloat, {1, 20, 2, 2}));
  t.expect_error("20 channels need 3");
}

}  // namespace
}  // namespace onyx::test
