// In-place outputs (KernelContext::output_in_place, the plan's `dying`
// inputs): an output takes an input's bytes only when that input dies at the
// node and nothing else holds its storage; a view, a graph output or an input
// read twice keeps its bytes, and whole graphs give the same results as they
// do with every output allocated fresh.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "runtime/plan.h"
#include "runtime/session.h"
#include "unit/model_builder.h"

namespace onyx::test {
namespace {

using ir::Dim;

Tensor floats(Shape shape, float base) {
  Tensor t(DataType::kFloat, std::move(shape));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = base + 0.25f * static_cast<float>(i % 13) - 1.5f;
  return t;
}

// One node's context over `in` (inputs), with `donate[i]` saying whether the
// executor lets input i go.
struct Ctx {
  explicit Ctx(std::vector<Value> in, std::vector<bool> donate) : values(std::move(in)) {
    mb.node("Add", {mb.input("x", DataType::kFloat, {Dim(4)}), mb.input("y", DataType::kFloat, {Dim(4)})});
    for (Value& v : values) in_ptrs.push_back(&v);
    for (size_t i = 0; i < values.size(); ++i) donors.push_back(donate[i] ? &values[i] : nullptr);
    out_ptrs.push_back(&out);
    state.alloc = Allocator::default_allocator();
    state.options = &options;
    ctx = std::make_unique<KernelContext>(mb.last_node(), in_ptrs, std::span<const Value* const>{}, out_ptrs,
                                          state.alloc, nullptr, &options, &state);
    ctx->set_donors(donors);
  }
  ModelBuilder mb;
  std::vector<Value> values;
  std::vector<const Value*> in_ptrs;
  std::vector<Value*> donors, out_ptrs;
  Value out;
  SessionOptions options;
  RunState state;
  std::unique_ptr<KernelContext> ctx;
};

TEST(InPlace, ADyingUniquelyHeldInputGivesItsBytes) {
  Ctx c({Value(floats({2, 3}, 0)), Value(floats({2, 3}, 1))}, {true, true});
  const void* a = c.values[0].tensor().raw();
  Tensor& y = c.ctx->output_in_place(0, {0}, {3, 2}, DataType::kFloat);
  EXPECT_EQ(y.raw(), a);
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
}

TEST(InPlace, TheFirstInputThatQualifiesIsTaken) {
  // Input 0 is not let go; input 1 is.
  Ctx c({Value(floats({6}, 0)), Value(floats({6}, 1))}, {false, true});
  Tensor& y = c.ctx->output_in_place(0, {0, 1}, {6}, DataType::kFloat);
  EXPECT_EQ(y.raw(), c.values[1].tensor().raw());
}

TEST(InPlace, InputsThatMustKeepTheirBytesAreNotTaken) {
  {  // not dying at this node
    Ctx c({Value(floats({6}, 0)), Value(floats({6}, 1))}, {false, false});
    EXPECT_NE(c.ctx->output_in_place(0, {0, 1}, {6}, DataType::kFloat).raw(), c.values[0].tensor().raw());
  }
  {  // dying, but a view (another holder of the storage) still sees the bytes
    Ctx c({Value(floats({6}, 0)), Value(floats({6}, 1))}, {true, false});
    Tensor view = c.values[0].tensor().reshaped({2, 3});
    EXPECT_NE(c.ctx->output_in_place(0, {0}, {6}, DataType::kFloat).raw(), view.raw());
  }
  {  // another element type or another size
    Ctx c({Value(floats({6}, 0)), Value(floats({6}, 1))}, {true, true});
    EXPECT_NE(c.ctx->output_in_place(0, {0}, {6}, DataType::kInt32).raw(), c.values[0].tensor().raw());
    Ctx d({Value(floats({6}, 0)), Value(floats({6}, 1))}, {true, true});
    EXPECT_NE(d.ctx->output_in_place(0, {1}, {7}, DataType::kFloat).raw(), d.values[1].tensor().raw());
  }
  {  // bytes without an owner (lent by the caller) are never written
    float raw[6] = {};
    Ctx c({Value(Tensor::wrap(DataType::kFloat, {6}, raw, nullptr)), Value(floats({6}, 1))}, {true, false});
    EXPECT_NE(c.ctx->output_in_place(0, {0}, {6}, DataType::kFloat).raw(), static_cast<void*>(raw));
  }
}

TEST(InPlace, ThePlanLetsGoOnlyInputsReadOnceAtTheirLastUse) {
  // t = Exp(x); u = Add(t, t) (t read twice: not dying); v = Tanh(u) (u
  // dies there); w = Sigmoid(v) with v also a graph output (kept).
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim(8)});
  ir::Value* t = mb.node("Exp", {x});
  ir::Value* u = mb.node("Add", {t, t});
  ir::Value* v = mb.node("Tanh", {u});
  ir::Value* w = mb.node("Sigmoid", {v});
  mb.output(v);
  mb.output(w);
  SessionOptions so;
  std::shared_ptr<const Plan> plan = compile_plan(mb.graph(), so);
  ASSERT_EQ(plan->steps.size(), 4u);
  EXPECT_EQ(plan->steps[0].dying, (std::vector<uint8_t>{0})) << "a graph input is the caller's";
  EXPECT_EQ(plan->steps[1].dying, (std::vector<uint8_t>{0, 0})) << "read twice by one node";
  EXPECT_EQ(plan->steps[2].dying, (std::vector<uint8_t>{1}));
  EXPECT_EQ(plan->steps[3].dying, (std::vector<uint8_t>{0})) << "a graph output";
}

std::vector<float> run(const std::string& bytes, const Tensor& x, size_t output, bool pattern) {
  SessionOptions so;
  so.enable_mem_pattern = pattern;
  auto s = Session::create(bytes.data(), bytes.size(), so);
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(x)};
  std::vector<Value> outs;
  for (int r = 0; r < 3; ++r) outs = s->run(names, in, {});  // the arena replays from the second run
  const Tensor& y = outs[output].tensor();
  return {y.data<float>(), y.data<float>() + y.numel()};
}

TEST(InPlace, AViewOfADyingInputKeepsItsValues) {
  // t = Exp(x); r = Reshape(t) shares t's bytes; s = Sigmoid(t) is t's last
  // use. Writing s over t would turn the output r into sigmoid values.
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim(2), Dim(6)});
  ir::Value* t = mb.node("Exp", {x});
  ir::Value* r = mb.node("Reshape", {t, mb.constant("shape", Tensor::from<int64_t>(std::vector<int64_t>{3, 4}, {2}))});
  ir::Value* s = mb.node("Sigmoid", {t});
  mb.output(r);
  mb.output(s);
  const std::string bytes = mb.bytes();
  const Tensor x_in = floats({2, 6}, 0);
  for (bool pattern : {false, true}) {
    std::vector<float> rv = run(bytes, x_in, 0, pattern), sv = run(bytes, x_in, 1, pattern);
    ASSERT_EQ(rv.size(), 12u);
    for (size_t i = 0; i < 12; ++i) {
      const float e = std::exp(x_in.data<float>()[i]);
      EXPECT_NEAR(rv[i], e, 1e-5f * e) << i;
      EXPECT_NEAR(sv[i], 1.f / (1.f + std::exp(-e)), 1e-6f) << i;
    }
  }
}

TEST(InPlace, AChainWrittenInPlaceGivesTheSameValues) {
  // x -> Exp -> Tanh -> Add(., c) -> Add(d, .) -> Sigmoid: every step after
  // the first may write over its input; the values are the fresh ones.
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim(4), Dim(33)});
  ir::Value* c = mb.constant("c", floats({33}, 0.5f));
  ir::Value* d = mb.constant("d", floats({4, 33}, -0.5f));
  ir::Value* y = mb.node("Sigmoid", {mb.node("Add", {d, mb.node("Add", {mb.node("Tanh", {mb.node("Exp", {x})}), c})})});
  mb.output(y);
  const std::string bytes = mb.bytes();
  const Tensor x_in = floats({4, 33}, 0.1f);
  const Tensor cv = floats({33}, 0.5f), dv = floats({4, 33}, -0.5f);
  for (bool pattern : {false, true}) {
    std::vector<float> got = run(bytes, x_in, 0, pattern);
    ASSERT_EQ(got.size(), 132u);
    for (size_t i = 0; i < 132; ++i) {
      const float v = std::tanh(std::exp(x_in.data<float>()[i])) + cv.data<float>()[i % 33] + dv.data<float>()[i];
      EXPECT_NEAR(got[i], 1.f / (1.f + std::exp(-v)), 1e-6f) << i;
    }
  }
}

TEST(InPlace, NormsSoftmaxActivationsAndABroadcastBRunInPlace) {
  // x -> Relu -> Softmax -> LayerNormalization -> Clip -> Elu -> Neg ->
  // Add(c [33], .) -> Transpose. Each of the seven steps after Relu may
  // write over its dying input (Add over its B: c broadcasts), so the whole
  // chain lives in one buffer: the arena holds it and Transpose's input, not
  // a buffer per step. The values are those of the plain definitions.
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim(4), Dim(33)});
  ir::Value* v = mb.node("Softmax", {mb.node("Relu", {x})});
  v = mb.node("LayerNormalization", {v, mb.constant("g", floats({33}, 2.f)), mb.constant("b", floats({33}, 0.f))});
  v = mb.node("Clip", {v, mb.constant("lo", Tensor::from<float>(std::vector<float>{-1.5f}, {})),
                       mb.constant("hi", Tensor::from<float>(std::vector<float>{2.f}, {}))});
  v = mb.node("Neg", {mb.node("Elu", {v})});
  v = mb.node("Add", {mb.constant("c", floats({33}, 1.f)), v});
  mb.output(mb.node("Transpose", {v}));
  const std::string bytes = mb.bytes();
  const Tensor x_in = floats({4, 33}, 0.3f);
  const Tensor g = floats({33}, 2.f), b = floats({33}, 0.f), c = floats({33}, 1.f);
  std::vector<double> want(4 * 33);
  for (int r = 0; r < 4; ++r) {
    double row[33], m = 0, sum = 0, mean = 0, var = 0;
    for (int j = 0; j < 33; ++j) m = std::max(m, row[j] = std::max(0.f, x_in.data<float>()[r * 33 + j]));
    for (double& e : row) sum += (e = std::exp(e - m));
    for (double& e : row) mean += (e /= sum) / 33;
    for (double e : row) var += (e - mean) * (e - mean) / 33;
    for (int j = 0; j < 33; ++j) {
      double t = (row[j] - mean) / std::sqrt(var + 1e-5) * g.data<float>()[j] + b.data<float>()[j];
      t = std::min(2.0, std::max(-1.5, t));
      t = t > 0 ? t : std::exp(t) - 1;
      want[static_cast<size_t>(j * 4 + r)] = c.data<float>()[j] - t;  // transposed
    }
  }
  SessionOptions so;
  so.enable_mem_pattern = true;
  auto s = Session::create(bytes.data(), bytes.size(), so);
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(x_in)}, outs;
  for (int r = 0; r < 3; ++r) outs = s->run(names, in, {});
  const Tensor& y = outs[0].tensor();
  ASSERT_EQ(y.shape(), (Shape{33, 4}));
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(y.data<float>()[i], want[i], 1e-4) << i;
  // One 4 x 33 float buffer (528 bytes) in the arena; two steps that did not
  // write in place would need two of them live at once.
  const MemoryPatternStats st = s->memory_pattern_stats();
  EXPECT_GT(st.last_arena_bytes, 0u);
  EXPECT_LT(st.last_arena_bytes, 2u * 4 * 33 * sizeof(float));
}

}  // namespace
}  // namespace onyx::test
