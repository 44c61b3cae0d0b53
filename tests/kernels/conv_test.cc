// Conv, ConvTranspose, ConvInteger, QLinearConv, Col2Im, DeformConv.
//
// Besides hand-computed cases, random cases are checked against a direct
// (7-nested-loop) convolution written here from the ONNX definition, which
// shares no code with the im2col + GEMM kernels under test.
#include "kernels/op_test.h"
#include "shape/infer.h"

namespace onyx::test {

namespace {

struct ConvSpec {
  Shape x, w;  // [N, C, spatial...], [M, C/group, kernel...]
  int64_t group = 1;
  std::vector<int64_t> strides, dilations, pads;  // empty: defaults
  bool bias = false;
};

int64_t prod(const Shape& s, size_t from = 0) {
  int64_t p = 1;
  for (size_t i = from; i < s.size(); ++i) p *= s[i];
  return p;
}

// Unravels a flat index over `dims` (row-major).
std::vector<int64_t> unravel(int64_t i, const Shape& dims) {
  std::vector<int64_t> idx(dims.size());
  for (size_t d = dims.size(); d-- > 0;) {
    idx[d] = i % dims[d];
    i /= dims[d];
  }
  return idx;
}

// Direct convolution in double, straight from the definition.
std::vector<double> naive_conv(const ConvSpec& s, const std::vector<double>& x, const std::vector<double>& w,
                               const std::vector<double>& b, Shape* out_shape) {
  const size_t r = s.x.size() - 2;
  const int64_t N = s.x[0], C = s.x[1], M = s.w[0], Cg = C / s.group, Mg = M / s.group;
  Shape in(s.x.begin() + 2, s.x.end()), k(s.w.begin() + 2, s.w.end()), out;
  auto at = [](const std::vector<int64_t>& v, size_t i, int64_t d) { return v.empty() ? d : v[i]; };
  for (size_t d = 0; d < r; ++d) {
    const int64_t ek = (k[d] - 1) * at(s.dilations, d, 1) + 1;
    out.push_back((in[d] + at(s.pads, d, 0) + at(s.pads, d + r, 0) - ek) / at(s.strides, d, 1) + 1);
  }
  *out_shape = {N, M};
  out_shape->insert(out_shape->end(), out.begin(), out.end());
  std::vector<double> y(static_cast<size_t>(prod(*out_shape)), 0.0);
  const int64_t P = prod(out), K = prod(k), I = prod(in);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t p = 0; p < P; ++p) {
        std::vector<int64_t> o = unravel(p, out);
        double acc = s.bias ? b[static_cast<size_t>(m)] : 0.0;
        const int64_t g = m / Mg;
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t t = 0; t < K; ++t) {
            std::vector<int64_t> kt = unravel(t, k);
            int64_t off = 0;
            bool inside = true;
            for (size_t d = 0; d < r; ++d) {
              const int64_t pos = o[d] * at(s.strides, d, 1) - at(s.pads, d, 0) + kt[d] * at(s.dilations, d, 1);
              if (pos < 0 || pos >= in[d]) inside = false;
              off = off * in[d] + pos;
            }
            if (!inside) continue;
            acc += x[static_cast<size_t>((n * C + g * Cg + c) * I + off)] *
                   w[static_cast<size_t>((m * Cg + c) * K + t)];
          }
        y[static_cast<size_t>((n * M + m) * P + p)] = acc;
      }
  return y;
}

std::vector<double> to_doubles(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t.real_at(i);
  return v;
}

template <typename T>
Tensor from_doubles(const Shape& shape, const std::vector<double>& v) {
  Tensor t(dtype_of<T>, shape);
  for (int64_t i = 0; i < t.numel(); ++i) {
    if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) t.data<T>()[i] = T(static_cast<float>(v[static_cast<size_t>(i)]));
    else t.data<T>()[i] = static_cast<T>(v[static_cast<size_t>(i)]);
  }
  return t;
}

// Runs Conv on random data for `s` (opset 22) and checks it against naive_conv.
void check_conv(const ConvSpec& s, uint32_t seed, const char* auto_pad = nullptr, bool constant_w = false) {
  Tensor x = random_tensor(DataType::kFloat, s.x, seed);
  Tensor w = random_tensor(DataType::kFloat, s.w, seed + 1);
  Tensor b = random_tensor(DataType::kFloat, {s.w[0]}, seed + 2);
  Shape ys;
  std::vector<double> want = naive_conv(s, to_doubles(x), to_doubles(w), to_doubles(b), &ys);
  OpTest t("Conv", 22);
  t.input("X", x);
  if (constant_w) t.constant_input("W", w);
  else t.input("W", w);
  if (s.bias) t.input("B", b);
  if (s.group != 1) t.attr("group", s.group);
  if (!s.strides.empty()) t.attr("strides", s.strides);
  if (!s.dilations.empty()) t.attr("dilations", s.dilations);
  if (auto_pad) t.attr("auto_pad", auto_pad);
  else if (!s.pads.empty()) t.attr("pads", s.pads);
  t.output("Y", from_doubles<float>(ys, want)).tolerance(1e-4, 1e-5).run();
}

}  // namespace

TEST(Conv, HandComputed2D) {
  // 3x3 input 0..8, 2x2 kernel of ones: each output sums a 2x2 block.
  OpTest("Conv", 11)
      .input<float>("X", {1, 1, 3, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8})
      .input<float>("W", {1, 1, 2, 2}, {1, 1, 1, 1})
      .input<float>("B", {1}, {0.5f})
      .output<float>("Y", {1, 1, 2, 2}, {8.5f, 12.5f, 20.5f, 24.5f})
      .run();
}

TEST(Conv, PaddedStridedMatchesDirect) {
  check_conv({.x = {2, 3, 7, 6}, .w = {4, 3, 3, 3}, .strides = {2, 2}, .pads = {1, 1, 1, 1}, .bias = true}, 10);
}

TEST(Conv, AsymmetricPadsMatchDirect) {
  check_conv({.x = {1, 2, 5, 5}, .w = {3, 2, 3, 2}, .strides = {1, 2}, .pads = {0, 1, 2, 0}}, 20);
}

TEST(Conv, DilationsMatchDirect) {
  check_conv({.x = {1, 2, 9, 8}, .w = {2, 2, 3, 3}, .dilations = {2, 3}, .pads = {2, 1, 1, 2}, .bias = true}, 30);
}

TEST(Conv, SameUpperPutsOddPadAtEnd) {
  // in 4, k 3, s 2: out 2, total pad 1 -> SAME_UPPER pads [0, 1], SAME_LOWER [1, 0].
  ConvSpec upper{.x = {1, 1, 4, 4}, .w = {1, 1, 3, 3}, .strides = {2, 2}, .pads = {0, 0, 1, 1}};
  check_conv(upper, 40, "SAME_UPPER");
  ConvSpec lower{.x = {1, 1, 4, 4}, .w = {1, 1, 3, 3}, .strides = {2, 2}, .pads = {1, 1, 0, 0}};
  check_conv(lower, 40, "SAME_LOWER");
}

TEST(Conv, ValidIgnoresPads) {
  ConvSpec s{.x = {1, 2, 6, 5}, .w = {2, 2, 3, 3}, .strides = {2, 1}};
  check_conv(s, 45, "VALID");
}

TEST(Conv, GroupsMatchDirect) {
  check_conv({.x = {2, 4, 5, 5}, .w = {6, 2, 3, 3}, .group = 2, .pads = {1, 1, 1, 1}, .bias = true}, 50);
}

TEST(Conv, DepthwiseMatchesDirect) {
  // One input channel per group: the direct depthwise path.
  check_conv({.x = {2, 3, 8, 7}, .w = {3, 1, 3, 3}, .group = 3, .strides = {2, 2}, .pads = {1, 1, 1, 1}, .bias = true},
             60);
  check_conv({.x = {1, 2, 7, 9}, .w = {4, 1, 3, 2}, .group = 2, .dilations = {2, 2}, .pads = {0, 2, 1, 0}}, 61);
}

TEST(Conv, DepthwiseStrideOneRowsMatchDirect) {
  // Stride 1: register-blocked interior columns (16 and 8 wide) plus border
  // columns, with residual-free bias, 3x3 / 5x5 / dilated taps, constant weights.
  check_conv({.x = {1, 3, 9, 37}, .w = {3, 1, 5, 5}, .group = 3, .pads = {2, 2, 2, 2}, .bias = true}, 62, nullptr, true);
  check_conv({.x = {2, 4, 6, 27}, .w = {4, 1, 3, 3}, .group = 4, .pads = {1, 1, 1, 1}}, 63);
  check_conv({.x = {1, 2, 11, 30}, .w = {2, 1, 3, 3}, .group = 2, .dilations = {2, 3}, .pads = {2, 3, 1, 0}}, 64);
  check_conv({.x = {1, 2, 4, 3}, .w = {2, 1, 3, 3}, .group = 2, .pads = {0, 0, 0, 0}}, 65);  // no interior block
}

TEST(Conv, DepthwiseTilesMatchDirect) {
  // The AVX2 depthwise tiles: 1 x 4..1 vectors per row (wide rows, with
  // partial last vectors) and 4 x 1..3 vectors (narrow rows, row counts not a
  // multiple of 4); stride 2 de-interleaves rows of even and odd widths with
  // even and odd left pads, wide enough for the 16-column vector split.
  const struct {
    Shape x;
    int64_t k, s, pad;
  } cases[] = {
      {{1, 2, 13, 45}, 3, 2, 1}, {{1, 3, 17, 70}, 5, 2, 2}, {{1, 2, 9, 38}, 3, 2, 0}, {{2, 2, 15, 15}, 5, 2, 2},
      {{1, 2, 14, 14}, 3, 2, 1}, {{1, 3, 7, 7}, 5, 1, 2},   {{1, 2, 10, 23}, 3, 1, 1}, {{1, 2, 6, 41}, 3, 1, 1},
      {{1, 2, 5, 67}, 5, 1, 2},  {{1, 2, 9, 33}, 4, 2, 1},  {{1, 2, 11, 18}, 3, 1, 0}, {{1, 2, 3, 3}, 3, 2, 1},
  };
  uint32_t seed = 300;
  for (const auto& c : cases) {
    const int64_t C = c.x[1];
    check_conv({.x = c.x, .w = {C, 1, c.k, c.k}, .group = C, .strides = {c.s, c.s}, .pads = {c.pad, c.pad, c.pad, c.pad},
                .bias = true},
               seed++, nullptr, true);
    // Asymmetric pads (odd left pad with stride 2) and a vertical stride other than the horizontal one.
    check_conv({.x = c.x, .w = {C, 1, c.k, c.k}, .group = C, .strides = {1, c.s}, .pads = {0, 1, c.pad, 0}}, seed++);
  }
}

TEST(Conv, FusedDepthwiseActivationAndResidual) {
  // com.onyx FusedConv = act(conv + B + Z) on the depthwise path: ReLU fused
  // into the plane's stores (after the residual), other activations after.
  for (const char* act : {"Relu", "HardSwish"})
    for (int64_t stride : {1, 2}) {
      ConvSpec s{.x = {1, 3, 11, 37}, .w = {3, 1, 3, 3}, .group = 3, .strides = {stride, stride}, .pads = {1, 1, 1, 1},
                 .bias = true};
      Tensor x = random_tensor(DataType::kFloat, s.x, 70);
      Tensor w = random_tensor(DataType::kFloat, s.w, 71);
      Tensor b = random_tensor(DataType::kFloat, {3}, 72);
      Shape ys;
      std::vector<double> want = naive_conv(s, to_doubles(x), to_doubles(w), to_doubles(b), &ys);
      Tensor z = random_tensor(DataType::kFloat, ys, 73);
      for (size_t i = 0; i < want.size(); ++i) {
        const double v = want[i] + z.data<float>()[i];
        want[i] = std::string(act) == "Relu" ? std::max(v, 0.0) : v * std::min(1.0, std::max(0.0, v / 6 + 0.5));
      }
      SCOPED_TRACE(testing::Message() << act << " stride " << stride);
      OpTest t("FusedConv", 1, "com.onyx");
      t.input("X", x).constant_input("W", w).input("B", b).input("Z", z);
      t.attr("group", int64_t{3}).attr("strides", std::vector<int64_t>{stride, stride});
      t.attr("pads", std::vector<int64_t>{1, 1, 1, 1}).attr("activation", std::string(act));
      t.output("Y", from_doubles<float>(ys, want)).tolerance(1e-4, 1e-5).run();
    }
}

TEST(Conv, Im2colInteriorPanelsMatchDirect) {
  // Rows wide enough for panels inside the image for every kernel column
  // (the fixed-size copy path), with dilation, padding above and below, and
  // panels that cross output rows next to them.
  check_conv({.x = {1, 3, 9, 50}, .w = {7, 3, 3, 3}, .dilations = {2, 2}, .pads = {2, 2, 2, 2}, .bias = true}, 67,
             nullptr, true);
  check_conv({.x = {1, 2, 6, 61}, .w = {5, 2, 3, 5}, .pads = {1, 0, 0, 2}}, 68, nullptr, true);
  // Stride 2 (even elements of the row segment), with and without padding.
  check_conv({.x = {1, 3, 9, 71}, .w = {5, 3, 3, 3}, .strides = {2, 2}}, 69, nullptr, true);
  check_conv({.x = {1, 2, 8, 90}, .w = {3, 2, 3, 5}, .strides = {2, 2}, .pads = {1, 2, 1, 2}, .bias = true}, 76, nullptr,
             true);
}

TEST(Conv, RuntimeWeightsLargeImageMatchDirect) {
  // Weights fed at run time (packed per run) and an image large enough for
  // several im2col panel chunks.
  check_conv({.x = {1, 32, 70, 70}, .w = {4, 32, 3, 3}, .pads = {1, 1, 1, 1}, .bias = true}, 66);
}

TEST(Conv, PointwiseMatchesDirect) {
  check_conv({.x = {2, 5, 4, 3}, .w = {7, 5, 1, 1}, .bias = true}, 70);
  check_conv({.x = {1, 4, 5, 5}, .w = {3, 4, 1, 1}, .strides = {2, 2}}, 71);  // strided: not the no-im2col path
}

TEST(Conv, OneDimensional) {
  check_conv({.x = {2, 3, 11}, .w = {2, 3, 3}, .strides = {2}, .dilations = {2}, .pads = {1, 2}, .bias = true}, 80);
}

TEST(Conv, ThreeDimensional) {
  check_conv({.x = {1, 2, 4, 5, 3}, .w = {3, 2, 2, 3, 2}, .strides = {1, 2, 1}, .pads = {1, 0, 1, 0, 1, 0}}, 90);
}

TEST(Conv, LargeEnoughForSeveralTiles) {
  // 70 output channels x 300 positions x K = 5*3*3: several GEMM tiles with tails.
  check_conv({.x = {1, 5, 15, 20}, .w = {70, 5, 3, 3}, .pads = {1, 1, 1, 1}, .bias = true}, 95, nullptr, true);
}

TEST(Conv, EmptyBatch) {
  OpTest("Conv", 22)
      .input<float>("X", {0, 2, 4, 4}, {})
      .input("W", random_tensor(DataType::kFloat, {3, 2, 3, 3}, 1))
      .output<float>("Y", {0, 3, 2, 2}, {})
      .run();
}

TEST(Conv, Float16AndBFloat16) {
  ConvSpec s{.x = {1, 2, 5, 5}, .w = {2, 2, 3, 3}, .pads = {1, 1, 1, 1}, .bias = true};
  Tensor x = random_tensor(DataType::kFloat, s.x, 5), w = random_tensor(DataType::kFloat, s.w, 6),
         b = random_tensor(DataType::kFloat, {2}, 7);
  Shape ys;
  // Round the inputs to each format first so only the output rounding differs.
  for (DataType dt : {DataType::kFloat16, DataType::kBFloat16}) {
    auto run = [&]<typename T>() {
      Tensor xh = from_doubles<T>(s.x, to_doubles(x)), wh = from_doubles<T>(s.w, to_doubles(w)),
             bh = from_doubles<T>({2}, to_doubles(b));
      std::vector<double> want = naive_conv(s, to_doubles(xh), to_doubles(wh), to_doubles(bh), &ys);
      OpTest("Conv", 22)
          .input("X", xh)
          .constant_input("W", wh)
          .input("B", bh)
          .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
          .output("Y", from_doubles<T>(ys, want))
          .tolerance(1e-2, 1e-2)
          .run();
    };
    if (dt == DataType::kFloat16) run.template operator()<Float16>();
    else run.template operator()<BFloat16>();
  }
}

TEST(Conv, Double) {
  OpTest("Conv", 22)
      .input<double>("X", {1, 1, 1, 3}, {1, 2, 3})
      .input<double>("W", {1, 1, 1, 2}, {1, -1})
      .output<double>("Y", {1, 1, 1, 2}, {-1, -1})
      .run();
}

TEST(Conv, KernelShapeAttributeMustMatchWeights) {
  OpTest("Conv", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 1, 4, 4}, 1))
      .input("W", random_tensor(DataType::kFloat, {1, 1, 3, 3}, 2))
      .attr("kernel_shape", std::vector<int64_t>{2, 2})
      .output_unchecked("Y")
      .expect_error("does not match the weight's spatial dims [3,3]");
}

TEST(Conv, ChannelMismatchIsAnError) {
  OpTest("Conv", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 3, 5, 5}, 1))
      .input("W", random_tensor(DataType::kFloat, {2, 2, 3, 3}, 2))
      .output_unchecked("Y")
      .expect_error("has 3 channels but W [2,2,3,3] with group 1 expects 2");
}

TEST(Conv, GroupMustDivideChannels) {
  OpTest("Conv", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 3, 5, 5}, 1))
      .input("W", random_tensor(DataType::kFloat, {2, 1, 3, 3}, 2))
      .attr("group", 2)
      .output_unchecked("Y")
      .expect_error("group 2 does not divide the 3 input channels");
}

TEST(Conv, KernelLargerThanPaddedInput) {
  OpTest("Conv", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 1, 2, 2}, 1))
      .input("W", random_tensor(DataType::kFloat, {1, 1, 4, 4}, 2))
      .attr("pads", std::vector<int64_t>{1, 0, 0, 0})
      .output_unchecked("Y")
      .expect_error("larger than the padded input");
}

TEST(Conv, NegativePadsAreAnError) {
  OpTest("Conv", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 1, 4, 4}, 1))
      .input("W", random_tensor(DataType::kFloat, {1, 1, 3, 3}, 2))
      .attr("pads", std::vector<int64_t>{-1, 0, 0, 0})
      .output_unchecked("Y")
      .expect_error("pads [-1,0,0,0] must not be negative");
}

TEST(Conv, WrongPadsLengthIsAnError) {
  OpTest("Conv", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 1, 4, 4}, 1))
      .input("W", random_tensor(DataType::kFloat, {1, 1, 3, 3}, 2))
      .attr("pads", std::vector<int64_t>{1, 1})
      .output_unchecked("Y")
      .expect_error("pads [1,1] has 2 values; expected 4");
}

TEST(Conv, ZeroStrideIsAnError) {
  OpTest("Conv", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 1, 4, 4}, 1))
      .input("W", random_tensor(DataType::kFloat, {1, 1, 3, 3}, 2))
      .attr("strides", std::vector<int64_t>{1, 0})
      .output_unchecked("Y")
      .expect_error("strides [1,0] must hold positive values");
}

TEST(Conv, UnknownAutoPadIsAnError) {
  OpTest("Conv", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 1, 4, 4}, 1))
      .input("W", random_tensor(DataType::kFloat, {1, 1, 3, 3}, 2))
      .attr("auto_pad", "SAME")
      .output_unchecked("Y")
      .expect_error("auto_pad 'SAME' is not one of");
}

TEST(Conv, RankMismatchIsAnError) {
  OpTest("Conv", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 1, 4, 4}, 1))
      .input("W", random_tensor(DataType::kFloat, {1, 1, 3}, 2))
      .output_unchecked("Y")
      .expect_error("must have the rank of X");
}

TEST(Conv, BiasOfWrongLengthIsAnError) {
  OpTest("Conv", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 1, 4, 4}, 1))
      .input("W", random_tensor(DataType::kFloat, {2, 1, 3, 3}, 2))
      .input<float>("B", {3}, {1, 2, 3})
      .output_unchecked("Y")
      .expect_error("B [3] must be a 1-D tensor of 2 values");
}

// Builds X -> Conv(W constant) -> Y with a symbolic batch and runs inference.
TEST(Conv, InferenceKeepsSymbolicBatch) {
  ir::Model m;
  m.opsets[""] = 17;
  m.graph = std::make_shared<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.model = &m;
  ir::Value* x = g.add_value("X", ir::Type::tensor(DataType::kFloat, {ir::Dim::sym("batch"), 3, 224, 224}));
  x->is_graph_input = true;
  g.inputs.push_back(x);
  ir::Value* w = g.add_constant("W", random_tensor(DataType::kFloat, {64, 3, 7, 7}, 1));
  ir::Attribute strides{.name = "strides", .type = ir::AttrType::kInts, .ints = {2, 2}};
  ir::Attribute pads{.name = "pads", .type = ir::AttrType::kInts, .ints = {3, 3, 3, 3}};
  ir::Node* n = g.add_node("Conv", "", {x, w}, 1, "conv", {strides, pads});
  n->opset = 17;
  ir::Attribute k{.name = "kernel_shape", .type = ir::AttrType::kInts, .ints = {3, 3}};
  ir::Attribute s{.name = "strides", .type = ir::AttrType::kInts, .ints = {2, 2}};
  ir::Attribute ap{.name = "auto_pad", .type = ir::AttrType::kString, .s = "SAME_UPPER"};
  ir::Node* p = g.add_node("MaxPool", "", {n->outputs[0]}, 1, "pool", {k, s, ap});
  p->opset = 17;
  ir::Attribute same{.name = "auto_pad", .type = ir::AttrType::kString, .s = "SAME_LOWER"};
  ir::Node* c2 = g.add_node("Conv", "", {p->outputs[0], g.add_constant("W2", random_tensor(DataType::kFloat, {8, 64, 3, 3}, 2))},
                            1, "conv2", {same});
  c2->opset = 17;
  infer_graph(g);
  EXPECT_EQ(n->outputs[0]->type.str(), "tensor(float)[batch,64,112,112]");
  EXPECT_EQ(p->outputs[0]->type.str(), "tensor(float)[batch,64,56,56]");
  EXPECT_EQ(c2->outputs[0]->type.str(), "tensor(float)[batch,8,56,56]");
}

TEST(Conv, InferenceKeepsSymbolicSpatialDimsWhenSizePreserving) {
  ir::Model m;
  m.opsets[""] = 17;
  m.graph = std::make_shared<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.model = &m;
  ir::Value* x = g.add_value("X", ir::Type::tensor(DataType::kFloat, {ir::Dim::sym("n"), 3, ir::Dim::sym("h"),
                                                                     ir::Dim::sym("w")}));
  x->is_graph_input = true;
  g.inputs.push_back(x);
  ir::Attribute pads{.name = "pads", .type = ir::AttrType::kInts, .ints = {1, 1, 1, 1}};
  ir::Node* n = g.add_node("Conv", "", {x, g.add_constant("W", random_tensor(DataType::kFloat, {4, 3, 3, 3}, 1))}, 1,
                           "conv", {pads});
  n->opset = 17;
  ir::Attribute s{.name = "strides", .type = ir::AttrType::kInts, .ints = {2, 2}};
  ir::Node* n2 = g.add_node("Conv", "", {n->outputs[0], g.add_constant("W2", random_tensor(DataType::kFloat, {4, 4, 1, 1}, 1))},
                            1, "conv2", {s});
  n2->opset = 17;
  infer_graph(g);
  EXPECT_EQ(n->outputs[0]->type.str(), "tensor(float)[n,4,h,w]");
  EXPECT_EQ(n2->outputs[0]->type.str(), "tensor(float)[n,4,?,?]");
}

// ---- ConvTranspose -------------------------------------------------------------

namespace {

struct TransposeSpec {
  Shape x, w;  // [N, C, in...], [C, M/group, kernel...]
  int64_t group = 1;
  std::vector<int64_t> strides, dilations, pads, output_padding;
};

// Direct transposed convolution: every input value scatters its weighted
// kernel into the output (pads crop the full output at the start).
std::vector<double> naive_conv_transpose(const TransposeSpec& s, const std::vector<double>& x,
                                         const std::vector<double>& w, Shape* out_shape) {
  const size_t r = s.x.size() - 2;
  const int64_t N = s.x[0], C = s.x[1], Mg = s.w[1], M = Mg * s.group, Cg = C / s.group;
  Shape in(s.x.begin() + 2, s.x.end()), k(s.w.begin() + 2, s.w.end()), out;
  auto at = [](const std::vector<int64_t>& v, size_t i, int64_t d) { return v.empty() ? d : v[i]; };
  for (size_t d = 0; d < r; ++d)
    out.push_back(at(s.strides, d, 1) * (in[d] - 1) + at(s.output_padding, d, 0) + (k[d] - 1) * at(s.dilations, d, 1) +
                  1 - at(s.pads, d, 0) - at(s.pads, d + r, 0));
  *out_shape = {N, M};
  out_shape->insert(out_shape->end(), out.begin(), out.end());
  std::vector<double> y(static_cast<size_t>(prod(*out_shape)), 0.0);
  const int64_t I = prod(in), K = prod(k), P = prod(out);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < I; ++i) {
        std::vector<int64_t> iv = unravel(i, in);
        const int64_t g = c / Cg;
        for (int64_t mg = 0; mg < Mg; ++mg)
          for (int64_t t = 0; t < K; ++t) {
            std::vector<int64_t> kt = unravel(t, k);
            int64_t off = 0;
            bool inside = true;
            for (size_t d = 0; d < r; ++d) {
              const int64_t pos = iv[d] * at(s.strides, d, 1) + kt[d] * at(s.dilations, d, 1) - at(s.pads, d, 0);
              if (pos < 0 || pos >= out[d]) inside = false;
              off = off * out[d] + pos;
            }
            if (!inside) continue;
            y[static_cast<size_t>((n * M + g * Mg + mg) * P + off)] +=
                x[static_cast<size_t>((n * C + c) * I + i)] * w[static_cast<size_t>((c * Mg + mg) * K + t)];
          }
      }
  return y;
}

void check_conv_transpose(const TransposeSpec& s, uint32_t seed) {
  Tensor x = random_tensor(DataType::kFloat, s.x, seed), w = random_tensor(DataType::kFloat, s.w, seed + 1);
  Shape ys;
  std::vector<double> want = naive_conv_transpose(s, to_doubles(x), to_doubles(w), &ys);
  OpTest t("ConvTranspose", 22);
  t.input("X", x).input("W", w);
  if (s.group != 1) t.attr("group", s.group);
  if (!s.strides.empty()) t.attr("strides", s.strides);
  if (!s.dilations.empty()) t.attr("dilations", s.dilations);
  if (!s.pads.empty()) t.attr("pads", s.pads);
  if (!s.output_padding.empty()) t.attr("output_padding", s.output_padding);
  t.output("Y", from_doubles<float>(ys, want)).tolerance(1e-4, 1e-5).run();
}

}  // namespace

TEST(ConvTranspose, HandComputed) {
  OpTest("ConvTranspose", 11)
      .input<float>("X", {1, 1, 2, 2}, {1, 2, 3, 4})
      .input<float>("W", {1, 1, 2, 2}, {1, 1, 1, 1})
      .input<float>("B", {1}, {10})
      .output<float>("Y", {1, 1, 3, 3}, {11, 13, 12, 14, 20, 16, 13, 17, 14})
      .run();
}

TEST(ConvTranspose, StridesPadsOutputPaddingMatchDirect) {
  check_conv_transpose({.x = {2, 3, 3, 4}, .w = {3, 2, 3, 3}, .strides = {2, 3}, .pads = {1, 0, 0, 1},
                        .output_padding = {1, 2}},
                       100);
}

TEST(ConvTranspose, DilationsAndGroupsMatchDirect) {
  check_conv_transpose({.x = {1, 4, 3, 3}, .w = {4, 3, 2, 2}, .group = 2, .strides = {2, 1}, .dilations = {2, 2}},
                       110);
}

TEST(ConvTranspose, OneAndThreeDimensional) {
  check_conv_transpose({.x = {2, 2, 5}, .w = {2, 3, 3}, .strides = {2}, .pads = {1, 1}}, 120);
  check_conv_transpose({.x = {1, 2, 2, 3, 2}, .w = {2, 2, 2, 2, 3}, .strides = {2, 1, 2}}, 121);
}

TEST(ConvTranspose, OutputShapeDerivesPads) {
  // in 3, k 3, s 2: full size 7. output_shape 6 -> total pad 1: NOTSET puts it
  // at the beginning (the ONNX rule), so the result is the full output minus
  // its first row/column.
  TransposeSpec full{.x = {1, 1, 3, 3}, .w = {1, 2, 3, 3}, .strides = {2, 2}};
  Tensor x = random_tensor(DataType::kFloat, full.x, 7), w = random_tensor(DataType::kFloat, full.w, 8);
  Shape fs;
  std::vector<double> f = naive_conv_transpose(full, to_doubles(x), to_doubles(w), &fs);
  std::vector<double> want;
  for (int64_t m = 0; m < 2; ++m)
    for (int64_t i = 1; i < 7; ++i)
      for (int64_t j = 1; j < 7; ++j) want.push_back(f[static_cast<size_t>((m * 7 + i) * 7 + j)]);
  OpTest("ConvTranspose", 22)
      .input("X", x)
      .input("W", w)
      .attr("strides", std::vector<int64_t>{2, 2})
      .attr("output_shape", std::vector<int64_t>{6, 6})
      .output("Y", from_doubles<float>({1, 2, 6, 6}, want))
      .tolerance(1e-5, 1e-6)
      .run();
  // SAME_UPPER: output in * stride = 6, the odd pad unit at the end.
  want.clear();
  for (int64_t m = 0; m < 2; ++m)
    for (int64_t i = 0; i < 6; ++i)
      for (int64_t j = 0; j < 6; ++j) want.push_back(f[static_cast<size_t>((m * 7 + i) * 7 + j)]);
  OpTest("ConvTranspose", 22)
      .input("X", x)
      .input("W", w)
      .attr("strides", std::vector<int64_t>{2, 2})
      .attr("auto_pad", "SAME_UPPER")
      .output("Y", from_doubles<float>({1, 2, 6, 6}, want))
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(ConvTranspose, ChannelMismatchIsAnError) {
  OpTest("ConvTranspose", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 2, 3, 3}, 1))
      .input("W", random_tensor(DataType::kFloat, {3, 1, 2, 2}, 2))
      .output_unchecked("Y")
      .expect_error("has 2 channels but W [3,1,2,2] has 3");
}

TEST(ConvTranspose, PadsLargerThanOutputAreAnError) {
  OpTest("ConvTranspose", 22)
      .input("X", random_tensor(DataType::kFloat, {1, 1, 2, 2}, 1))
      .input("W", random_tensor(DataType::kFloat, {1, 1, 2, 2}, 2))
      .attr("pads", std::vector<int64_t>{2, 0, 2, 0})
      .output_unchecked("Y")
      .expect_error("remove more than the 3 output positions");
}

// ---- ConvInteger / QLinearConv -----------------------------------------------------

TEST(ConvInteger, ZeroPointsPerTensorAndPerChannel) {
  // x - 2 = [[-2,-1],[0,1]]... with w - wzp per output channel.
  const std::vector<uint8_t> xv{2, 3, 4, 5, 6, 7, 8, 9, 10};
  const std::vector<int8_t> wv{1, 1, 1, 1, 2, 0, 0, 2};
  // channel 0: w - 0 = ones -> sums of 2x2 blocks of (x - 2);
  // channel 1: w - 1 = [1,-1,-1,1] -> x[a]-x[b]-x[c]+x[d] = 0 for this ramp.
  OpTest("ConvInteger", 10)
      .input<uint8_t>("x", {1, 1, 3, 3}, xv)
      .input<int8_t>("w", {2, 1, 2, 2}, wv)
      .input<uint8_t>("x_zero_point", {}, {2})
      .input<int8_t>("w_zero_point", {2}, {0, 1})
      .output<int32_t>("y", {1, 2, 2, 2}, {8, 12, 20, 24, 0, 0, 0, 0})
      .run();
}

TEST(ConvInteger, PaddingContributesZeroAfterZeroPoint) {
  // Pads hold x_zero_point (x - zp = 0), not raw zeros.
  OpTest("ConvInteger", 10)
      .input<uint8_t>("x", {1, 1, 1, 2}, {5, 6})
      .input<uint8_t>("w", {1, 1, 1, 3}, {1, 1, 1})
      .input<uint8_t>("x_zero_point", {}, {5})
      .attr("pads", std::vector<int64_t>{0, 1, 0, 1})
      .output<int32_t>("y", {1, 1, 1, 2}, {1, 1})
      .run();
}

TEST(ConvInteger, PerChannelZeroPointOfWrongLength) {
  OpTest("ConvInteger", 10)
      .input<uint8_t>("x", {1, 1, 2, 2}, {1, 2, 3, 4})
      .input<uint8_t>("w", {2, 1, 1, 1}, {1, 1})
      .omitted_input()
      .input<uint8_t>("w_zero_point", {3}, {0, 0, 0})
      .output_unchecked("y")
      .expect_error("w_zero_point [3] must be a 1-D tensor of 2 values");
}

TEST(QLinearConv, RequantizesPerChannel) {
  // ch0: sum = x - 10, multiplier 0.5 (0.5 rounds to even 0); ch1: sum = 2 * (x - 10) + 1,
  // multiplier 2; 765 saturates to 255.
  // y = round(sum * 0.5 * w_scale / 0.25) + 3.
  OpTest("QLinearConv", 10)
      .input<uint8_t>("x", {1, 1, 1, 4}, {10, 11, 12, 200})
      .input<float>("x_scale", {}, {0.5f})
      .input<uint8_t>("x_zero_point", {}, {10})
      .input<int8_t>("w", {2, 1, 1, 1}, {1, 2})
      .input<float>("w_scale", {2}, {0.25f, 1.0f})
      .input<int8_t>("w_zero_point", {2}, {0, 0})
      .input<float>("y_scale", {}, {0.25f})
      .input<uint8_t>("y_zero_point", {}, {3})
      .input<int32_t>("B", {2}, {0, 1})
      .output<uint8_t>("y", {1, 2, 1, 4}, {3, 3, 4, 98, 5, 9, 13, 255})
      .run();
}

// ---- Col2Im ----------------------------------------------------------------------

TEST(Col2Im, SumsOverlappingBlocks) {
  // 1x3 image, blocks of 1x2 at stride 1: two blocks overlap on the middle pixel.
  OpTest("Col2Im", 18)
      .input<float>("input", {1, 2, 2}, {1, 2, 10, 20})
      .input<int64_t>("image_shape", {2}, {1, 3})
      .input<int64_t>("block_shape", {2}, {1, 2})
      .output<float>("output", {1, 1, 1, 3}, {1, 12, 20})
      .run();
}

TEST(Col2Im, StridesPadsDilations) {
  // image 1x5, block 1x2 with dilation 2, stride 2, pad 1 at both ends:
  // padded length 7, block extent 3 -> positions 0,2,4 in padded coords.
  // Block b covers padded cols 2b and 2b+2, i.e. image cols 2b-1 and 2b+1.
  OpTest("Col2Im", 18)
      .input<float>("input", {1, 2, 3}, {1, 2, 3, 10, 20, 30})
      .input<int64_t>("image_shape", {2}, {1, 5})
      .input<int64_t>("block_shape", {2}, {1, 2})
      .attr("dilations", std::vector<int64_t>{1, 2})
      .attr("strides", std::vector<int64_t>{1, 2})
      .attr("pads", std::vector<int64_t>{0, 1, 0, 1})
      .output<float>("output", {1, 1, 1, 5}, {0, 12, 0, 23, 0})
      .run();
}

TEST(Col2Im, WrongBlockCountIsAnError) {
  OpTest("Col2Im", 18)
      .input<float>("input", {1, 2, 3}, {1, 2, 3, 4, 5, 6})
      .input<int64_t>("image_shape", {2}, {1, 3})
      .input<int64_t>("block_shape", {2}, {1, 2})
      .output_unchecked("output")
      .expect_error("input dim 2 (3) must be the number of blocks");
}

// ---- DeformConv --------------------------------------------------------------------

TEST(DeformConv, ZeroOffsetsEqualConv) {
  ConvSpec s{.x = {1, 4, 5, 5}, .w = {4, 2, 3, 3}, .group = 2, .pads = {1, 1, 1, 1}, .bias = true};
  Tensor x = random_tensor(DataType::kFloat, s.x, 3), w = random_tensor(DataType::kFloat, s.w, 4),
         b = random_tensor(DataType::kFloat, {4}, 5);
  Shape ys;
  std::vector<double> want = naive_conv(s, to_doubles(x), to_doubles(w), to_doubles(b), &ys);
  OpTest("DeformConv", 19)
      .input("X", x)
      .input("W", w)
      .input("offset", Tensor::from<float>(std::vector<float>(2 * 9 * 2 * 25, 0.0f), {1, 2 * 9 * 2, 5, 5}))
      .input("B", b)
      .attr("group", 2)
      .attr("offset_group", 2)
      .attr("pads", std::vector<int64_t>{1, 1, 1, 1})
      .output("Y", from_doubles<float>(ys, want))
      .tolerance(1e-4, 1e-5)
      .run();
}

TEST(DeformConv, FractionalOffsetsInterpolateAndMask) {
  // 1x1 kernel of weight 1 on a 2x2 image [[0,1],[2,3]]; each output samples
  // its own position moved by (dh, dw); outside the image reads 0.
  OpTest("DeformConv", 19)
      .input<float>("X", {1, 1, 2, 2}, {0, 1, 2, 3})
      .input<float>("W", {1, 1, 1, 1}, {1})
      // offset [1, 2, 2, 2]: dh plane then dw plane.
      .input<float>("offset", {1, 2, 2, 2}, {0.5f, 0, 0, -1.5f, 0.5f, -0.5f, 0.25f, 0})
      .omitted_input()
      .input<float>("mask", {1, 1, 2, 2}, {1, 1, 2, 1})
      // (0,0)+(0.5,0.5) -> bilinear of all four = 1.5
      // (0,1)+(0,-0.5) -> between 0 and 1 = 0.5
      // (1,0)+(0,0.25) -> 2*0.75 + 3*0.25 = 2.25, mask 2 -> 4.5
      // (1,1)+(-1.5,0) -> row -0.5: half of row 0's 1 = 0.5
      .output<float>("Y", {1, 1, 2, 2}, {1.5f, 0.5f, 4.5f, 0.5f})
      .run();
}

TEST(DeformConv, OffsetOfWrongShapeIsAnError) {
  OpTest("DeformConv", 19)
      .input("X", random_tensor(DataType::kFloat, {1, 1, 3, 3}, 1))
      .input("W", random_tensor(DataType::kFloat, {1, 1, 2, 2}, 2))
      .input("offset", random_tensor(DataType::kFloat, {1, 4, 2, 2}, 3))
      .output_unchecked("Y")
      .expect_error("offset [1,4,2,2] must have shape [1,8,2,2]");
}

// ---- CausalConvWithState -------------------------------------------------------

TEST(CausalConvWithState, PastStateBiasAndPresentState) {
  // padded = [5 | 1, 2, 3]; y[t] = padded[t] + 10 * padded[t + 1] + 0.5.
  OpTest("CausalConvWithState", 27)
      .input<float>("input", {1, 1, 3}, {1, 2, 3})
      .input<float>("weight", {1, 1, 2}, {1, 10})
      .input<float>("bias", {1}, {0.5f})
      .input<float>("past_state", {1, 1, 1}, {5})
      .output<float>("output", {1, 1, 3}, {15.5f, 21.5f, 32.5f})
      .output<float>("present_state", {1, 1, 1}, {3})
      .run();
  // Without past_state the left context is zeros.
  OpTest("CausalConvWithState", 27)
      .input<float>("input", {1, 1, 3}, {1, 2, 3})
      .input<float>("weight", {1, 1, 2}, {1, 10})
      .output<float>("output", {1, 1, 3}, {10, 21, 32})
      .output<float>("present_state", {1, 1, 1}, {3})
      .run();
}

TEST(CausalConvWithState, SiluAndKernelOfOne) {
  OpTest("CausalConvWithState", 27)
      .input<float>("input", {1, 2, 2}, {0, 1, -1, 2})
      .input<float>("weight", {2, 1, 1}, {1, 1})
      .attr("activation", "silu")
      .output<float>("output", {1, 2, 2}, {0, 0.7310586f, -0.2689414f, 1.7615942f})
      .output<float>("present_state", {1, 2, 0}, {})
      .run();
}

TEST(CausalConvWithState, BadShapesAreErrors) {
  OpTest("CausalConvWithState", 27)
      .input<float>("input", {1, 2, 3}, {1, 2, 3, 4, 5, 6})
      .input<float>("weight", {3, 1, 2}, {1, 1, 1, 1, 1, 1})
      .output_unchecked("output")
      .expect_error("weight [3,1,2] must be [C, 1, K] with C = 2");
  OpTest("CausalConvWithState", 27)
      .input<float>("input", {1, 1, 3}, {1, 2, 3})
      .input<float>("weight", {1, 1, 3}, {1, 1, 1})
      .omitted_input()
      .input<float>("past_state", {1, 1, 1}, {0})
      .output_unchecked("output")
      .expect_error("past_state [1,1,1] must be [1,1,2]");
}

}  // namespace onyx::test
