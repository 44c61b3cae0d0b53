// The NCHWc layout pass (passes/nchwc_layout.cc, level all): which nodes it
// moves to blocked tensors, where it converts back, and that the results
// match the unoptimized graph (default and reference kernels).
#include "passes/pass_test_util.h"
#include "unit/temp_dir.h"

namespace onyx::test {
namespace {

using MB = ModelBuilder;

ir::Value* conv(MB& mb, ir::Value* x, int64_t cin, int64_t cout, int64_t k, uint32_t seed, int64_t group = 1,
                int64_t stride = 1) {
  ir::Value* w = fconst(mb, "w" + std::to_string(seed), {cout, cin / group, k, k}, seed);
  ir::Value* b = fconst(mb, "b" + std::to_string(seed), {cout}, seed + 100);
  return mb.node("Conv", {x, w, b},
                 {MB::attr_ints("pads", {k / 2, k / 2, k / 2, k / 2}), MB::attr_int("group", group),
                  MB::attr_ints("strides", {stride, stride})});
}

// A small CNN with the shapes the pass must handle: residual add, max pool,
// depthwise conv, an SE-style scale, a channel concat and a classifier.
std::string small_cnn() {
  MB mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {1, 16, 15, 15});
  ir::Value* a = mb.node("Relu", {conv(mb, x, 16, 24, 3, 1)});
  ir::Value* p = mb.node("MaxPool", {a}, {MB::attr_ints("kernel_shape", {3, 3}), MB::attr_ints("strides", {2, 2})});
  ir::Value* r = mb.node("Add", {conv(mb, p, 24, 24, 1, 2), p});
  ir::Value* d = mb.node("HardSwish", {conv(mb, r, 24, 24, 3, 3, /*group=*/24)});
  ir::Value* s = mb.node("HardSigmoid", {conv(mb, mb.node("GlobalAveragePool", {d}), 24, 24, 1, 4)});
  ir::Value* e = mb.node("Mul", {d, s});
  ir::Value* c = mb.node("Concat", {conv(mb, e, 24, 16, 1, 5), conv(mb, e, 24, 16, 3, 6)}, {MB::attr_int("axis", 1)});
  ir::Value* g = mb.node("GlobalAveragePool", {mb.node("Relu", {conv(mb, c, 32, 10, 1, 7)})});
  mb.output(mb.node("Flatten", {g}));
  return mb.bytes();
}

TEST(NchwcLayout, SmallCnnRunsBlockedAndMatches) {
  Tensor x = random_floats({1, 16, 15, 15}, 9);
  Optimized o = check_against_unoptimized(small_cnn(), OptLevel::kAll, {"x"}, {x});
  EXPECT_EQ(o.count("com.onyx:NchwcConv"), 7);
  EXPECT_EQ(o.count("com.onyx:NchwcMaxPool"), 0);  // folded into the first convolution
  EXPECT_EQ(o.count("com.onyx:NchwcGlobalAveragePool"), 2);
  EXPECT_EQ(o.count("Concat"), 1);
  EXPECT_EQ(o.count("Mul"), 1);
  // One conversion in, one out (before Flatten), nothing else left in NCHW.
  EXPECT_EQ(o.count("com.onyx:NchwcReorderInput"), 1);
  EXPECT_EQ(o.count("com.onyx:NchwcReorderOutput"), 1);
  EXPECT_EQ(o.count("Conv") + o.count("com.onyx:FusedConv") + o.count("MaxPool"), 0);
}

TEST(NchwcLayout, ExtendedLevelLeavesNchw) {
  Tensor x = random_floats({1, 16, 15, 15}, 9);
  Optimized o = check_against_unoptimized(small_cnn(), OptLevel::kExtended, {"x"}, {x});
  EXPECT_EQ(o.count("com.onyx:NchwcConv"), 0);
  EXPECT_EQ(o.count("com.onyx:NchwcReorderInput"), 0);
}

TEST(NchwcLayout, SavedModelReloadsAndMatches) {
  TempDir dir;
  const std::string saved = dir.path() + "/cnn_all.onnx";
  Tensor x = random_floats({1, 16, 15, 15}, 10);
  Optimized o = run_level(small_cnn(), OptLevel::kAll, {"x"}, {x}, false, saved);
  SessionOptions so;
  so.opt_level = OptLevel::kDisabled;
  auto reloaded = Session::create(saved, so);
  int blocked = 0;
  for (const auto& n : reloaded->model().graph->nodes()) blocked += n->is("NchwcConv", "com.onyx");
  EXPECT_EQ(blocked, 7);
  std::vector<Value> in{Value(x)};
  std::vector<std::string> names{"x"};
  expect_close(reloaded->run(names, in, {})[0].tensor(), o.outputs[0], 1e-5f, "reloaded");
}

TEST(NchwcLayout, RgbStemReadsNchwDirectly) {
  MB mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {1, 3, 12, 12});
  ir::Value* a = mb.node("Relu", {conv(mb, x, 3, 16, 3, 1)});
  mb.output(mb.node("Relu", {conv(mb, a, 16, 16, 3, 2)}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kAll, {"x"}, {random_floats({1, 3, 12, 12}, 3)});
  EXPECT_EQ(o.count("com.onyx:NchwcConv"), 2);  // the 3-channel stem reads x as NCHW: no padding to 8
  EXPECT_EQ(o.count("com.onyx:NchwcReorderInput"), 0);
  EXPECT_EQ(o.count("com.onyx:FusedConv"), 0);
}

// The pool attributes the node carries, or none.
std::vector<int64_t> pool_kernel(const Optimized& o) {
  for (const auto& n : o.session->model().graph->nodes())
    if (n->is("NchwcConv", "com.onyx") && n->has_attr("pool_kernel_shape")) return n->attr_ints("pool_kernel_shape");
  return {};
}

TEST(NchwcLayout, MaxPoolFoldsIntoItsConvolution) {
  // An RGB stem (NCHW input, 40 channels: a two-pair group, then a pair of
  // one block) into a ceil-mode pool, and a blocked 3x3 with HardSwish (not
  // monotonic: the pool must see the activated values) into a padded,
  // dilated pool. Both pools run in bands of a few rows at 2 threads.
  for (bool reference : {false, true}) {
    MB mb(17);
    ir::Value* x = mb.input("x", DataType::kFloat, {1, 3, 29, 31});
    ir::Value* a = mb.node("Relu", {conv(mb, x, 3, 40, 3, 1, 1, 2)});
    ir::Value* p = mb.node("MaxPool", {a}, {MB::attr_ints("kernel_shape", {3, 3}), MB::attr_ints("strides", {2, 2}),
                                            MB::attr_int("ceil_mode", 1)});
    ir::Value* h = mb.node("HardSwish", {conv(mb, p, 40, 24, 3, 2)});
    ir::Value* q = mb.node("MaxPool", {h}, {MB::attr_ints("kernel_shape", {3, 2}), MB::attr_ints("pads", {1, 1, 1, 0}),
                                            MB::attr_ints("dilations", {1, 2})});
    mb.output(q);
    SCOPED_TRACE(reference ? "reference kernels" : "default kernels");
    Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kAll, {"x"}, {random_floats({1, 3, 29, 31}, 8)});
    EXPECT_EQ(o.count("com.onyx:NchwcConv"), 2);
    EXPECT_EQ(o.count("com.onyx:NchwcMaxPool"), 0);
    EXPECT_EQ(o.count("MaxPool"), 0);
    EXPECT_EQ(pool_kernel(o), (std::vector<int64_t>{3, 3}));
    Optimized r = run_level(mb.bytes(), OptLevel::kAll, {"x"}, {random_floats({1, 3, 29, 31}, 8)}, reference);
    expect_close(r.outputs[0], o.outputs[0], 1e-5f, "reference against default");
  }
}

TEST(NchwcLayout, MaxPoolStaysApartWhenTheConvolutionHasOtherReaders) {
  MB mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {1, 16, 12, 12});
  ir::Value* a = mb.node("Relu", {conv(mb, x, 16, 16, 3, 1)});
  ir::Value* p = mb.node("MaxPool", {a}, {MB::attr_ints("kernel_shape", {2, 2}), MB::attr_ints("strides", {2, 2})});
  mb.output(p);
  mb.output(a);  // the convolution's whole output is needed too
  ir::Value* r = conv(mb, x, 16, 16, 3, 2);  // residual: its conv keeps its own output
  mb.output(mb.node("MaxPool", {mb.node("Add", {r, a})}, {MB::attr_ints("kernel_shape", {2, 2})}));
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kAll, {"x"}, {random_floats({1, 16, 12, 12}, 9)});
  EXPECT_EQ(o.count("com.onyx:NchwcMaxPool"), 2);
  EXPECT_TRUE(pool_kernel(o).empty());
}

TEST(NchwcLayout, DoesNotFireOnGroupedOrRuntimeWeights) {
  MB mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {1, 16, 8, 8});
  ir::Value* wr = mb.input("w", DataType::kFloat, {16, 16, 3, 3});
  ir::Value* g = conv(mb, x, 16, 16, 3, 1, /*group=*/2);  // grouped, not depthwise
  ir::Value* r = mb.node("Conv", {g, wr}, {MB::attr_ints("pads", {1, 1, 1, 1})});  // W is an input
  mb.output(r);
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kAll, {"x", "w"},
                                          {random_floats({1, 16, 8, 8}, 4), random_floats({16, 16, 3, 3}, 5)});
  EXPECT_EQ(o.count("com.onyx:NchwcConv"), 0);
  EXPECT_EQ(o.count("com.onyx:NchwcReorderInput"), 0);
}

TEST(NchwcLayout, StopsAtOpsThatCouldPoisonPadding) {
  // Div could turn padded zeros into Inf/NaN; an Add broadcasting a [C,1,1]
  // constant does not broadcast the same way on blocks; a 12-channel concat
  // would put padding inside its result. All three stay NCHW.
  MB mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {1, 12, 8, 8});
  ir::Value* a = conv(mb, x, 12, 12, 3, 1);
  ir::Value* d = mb.node("Div", {a, mb.node("Relu", {conv(mb, x, 12, 12, 1, 2)})});
  ir::Value* e = mb.node("Add", {conv(mb, x, 12, 12, 3, 3), fconst(mb, "bias", {12, 1, 1}, 7)});
  ir::Value* c = mb.node("Concat", {a, conv(mb, x, 12, 12, 1, 4)}, {MB::attr_int("axis", 1)});
  mb.output(d);
  mb.output(e);
  mb.output(c);
  Optimized o = check_against_unoptimized(mb.bytes(), OptLevel::kAll, {"x"}, {random_floats({1, 12, 8, 8}, 6)});
  EXPECT_EQ(o.count("com.onyx:NchwcConv"), 4);
  EXPECT_EQ(o.count("Div"), 1);
  EXPECT_EQ(o.count("Add"), 1);
  EXPECT_EQ(o.count("Concat"), 1);
  EXPECT_EQ(o.count("com.onyx:NchwcReorderOutput"), 4);  // each conv output back to NCHW
  EXPECT_EQ(o.count("Relu"), 0);  // fused into the conv (blocked) before Div
}

}  // namespace
}  // namespace onyx::test
