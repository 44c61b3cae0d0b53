// Gradient (ai.onnx.preview.training 1): reverse-mode differentiation of the
// node's own graph, checked against derivatives worked out by hand.
#include <cmath>

#include "kernels/subgraph.h"

namespace onyx::test {

namespace {

constexpr const char* kTraining = "ai.onnx.preview.training";

ir::Attribute strings_attr(const char* name, std::vector<std::string> v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::AttrType::kStrings;
  a.strings = std::move(v);
  return a;
}

ir::Attribute string_attr(const char* name, std::string v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::AttrType::kString;
  a.s = std::move(v);
  return a;
}

Value f32(Shape shape, std::vector<float> v) { return make_tensor<float>(std::move(shape), v); }

// A model: graph inputs, the forward nodes the caller adds, then
// Gradient(xs, zs -> one output per x) whose outputs are the graph's outputs.
class GradModel : public Subgraph {
 public:
  GradModel() : Subgraph("gradient_test") {}

  ir::Value* in(const std::string& name, Shape shape) {
    return input(name, ir::Type::tensor(DataType::kFloat, ir::Dims(shape.begin(), shape.end())));
  }
  // y: the differentiated value (also a graph output, as in the ONNX tests).
  void gradient(ir::Value* y, const std::vector<ir::Value*>& xs, const std::vector<ir::Value*>& zs = {}) {
    output(y);
    std::vector<ir::Value*> ins = xs;
    ins.insert(ins.end(), zs.begin(), zs.end());
    std::vector<std::string> xn, zn;
    for (ir::Value* x : xs) xn.push_back(x->name);
    for (ir::Value* z : zs) zn.push_back(z->name);
    std::vector<ir::Attribute> attrs{strings_attr("xs", xn), string_attr("y", y->name)};
    if (!zn.empty()) attrs.push_back(strings_attr("zs", zn));
    ir::Node* n = graph()->add_node("Gradient", kTraining, ins, static_cast<int>(xs.size()), "grad", attrs);
    for (ir::Value* o : n->outputs) output(o);
  }

  std::vector<Value> run(const std::vector<std::pair<std::string, Value>>& feeds) const {
    ir::Model m;
    m.ir_version = 10;
    m.opsets[""] = 17;
    m.opsets[kTraining] = 1;
    m.producer_name = "onyx-test";
    m.graph = graph();
    const std::string bytes = onnx::serialize_model(m);
    std::vector<Value> last;
    // Reference kernels, default kernels, and no graph optimisation (the
    // Gradient kernel itself instead of the expand_gradient pass).
    for (int mode : {0, 1, 2}) {
      SessionOptions so;
      so.reference_kernels = mode == 0;
      if (mode == 2) so.opt_level = OptLevel::kDisabled;
      auto s = Session::create(bytes.data(), bytes.size(), so);
      std::vector<std::string> names;
      std::vector<Value> values;
      for (const auto& [n, v] : feeds) {
        names.push_back(n);
        values.push_back(v);
      }
      last = s->run(names, values, {});
    }
    return last;
  }

  // Outputs after y: the gradients.
  void check(const std::vector<std::pair<std::string, Value>>& feeds, const std::vector<Value>& grads,
             double tol = 1e-5) const {
    std::vector<Value> got;
    try {
      got = run(feeds);
    } catch (const Error& e) {
      ADD_FAILURE() << "run failed: " << e.what();
      return;
    }
    ASSERT_EQ(got.size(), grads.size() + 1);
    for (size_t i = 0; i < grads.size(); ++i) EXPECT_EQ(compare(grads[i], got[i + 1], tol, tol), "") << "gradient " << i;
  }

  void expect_error(const std::vector<std::pair<std::string, Value>>& feeds, const std::string& substring) const {
    try {
      run(feeds);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(substring), std::string::npos) << e.what();
      return;
    }
    ADD_FAILURE() << "expected an error mentioning '" << substring << "'";
  }
};

}  // namespace

TEST(Gradient, AddThenMulOfScalars) {
  // d = (a + b) * a: dd/da = 2a + b, dd/db = a.
  GradModel m;
  ir::Value* a = m.in("a", {});
  ir::Value* b = m.in("b", {});
  ir::Value* d = m.op("Mul", {m.op("Add", {a, b}), a});
  m.gradient(d, {a, b});
  m.check({{"a", f32({}, {1})}, {"b", f32({}, {2})}}, {f32({}, {4}), f32({}, {1})});
  m.check({{"a", f32({}, {-3})}, {"b", f32({}, {0.5f})}}, {f32({}, {-5.5f}), f32({}, {-3})});
}

TEST(Gradient, BroadcastInputsGetSummedGradients) {
  // y = (x + b) * x with x [2, 3], b [3] broadcast over rows; seed ones:
  // dy/dx = 2x + b, dy/db = column sums of x.
  GradModel m;
  ir::Value* x = m.in("x", {2, 3});
  ir::Value* b = m.in("b", {3});
  m.gradient(m.op("Mul", {m.op("Add", {x, b}), x}), {x, b});
  m.check({{"x", f32({2, 3}, {1, 2, 3, 4, 5, 6})}, {"b", f32({3}, {10, 20, 30})}},
          {f32({2, 3}, {12, 24, 36, 18, 30, 42}), f32({3}, {5, 7, 9})});
}

TEST(Gradient, ChainOfUnaryOps) {
  // y = tanh(sigmoid(exp(x))): dy/dx = (1 - y^2) * s (1 - s) * e, s = sigmoid(e), e = exp(x).
  GradModel m;
  ir::Value* x = m.in("x", {3});
  m.gradient(m.op("Tanh", {m.op("Sigmoid", {m.op("Exp", {x})})}), {x});
  const std::vector<float> xs = {-1, 0, 0.5f};
  std::vector<float> want;
  for (float v : xs) {
    const double e = std::exp(v), s = 1 / (1 + std::exp(-e)), y = std::tanh(s);
    want.push_back(static_cast<float>((1 - y * y) * s * (1 - s) * e));
  }
  m.check({{"x", f32({3}, xs)}}, {f32({3}, want)}, 1e-4);
}

TEST(Gradient, DivSubNegLogSqrtRelu) {
  // y = relu(sqrt(log(x / w)) - (-x)) for x > w > 0, so that every op is on its smooth side:
  // dy/dx = 1 / (2 sqrt(L) x) + 1, dy/dw = -1 / (2 sqrt(L) w), L = log(x / w).
  GradModel m;
  ir::Value* x = m.in("x", {2});
  ir::Value* w = m.in("w", {2});
  ir::Value* y = m.op("Relu", {m.op("Sub", {m.op("Sqrt", {m.op("Log", {m.op("Div", {x, w})})}), m.op("Neg", {x})})});
  m.gradient(y, {x, w});
  const std::vector<float> xv = {4, 9}, wv = {1, 2};
  std::vector<float> gx, gw;
  for (size_t i = 0; i < 2; ++i) {
    const double l = std::log(double{xv[i]} / wv[i]), r = std::sqrt(l);
    gx.push_back(static_cast<float>(1 / (2 * r * xv[i]) + 1));
    gw.push_back(static_cast<float>(-1 / (2 * r * wv[i])));
  }
  m.check({{"x", f32({2}, xv)}, {"w", f32({2}, wv)}}, {f32({2}, gx), f32({2}, gw)}, 1e-4);
  // Relu's gradient is 0 where its input is negative: x < 0 makes sqrt's argument invalid,
  // so use the plain form relu(x) * 3 instead.
  GradModel r;
  ir::Value* rx = r.in("x", {3});
  r.gradient(r.op("Mul", {r.op("Relu", {rx}), r.constant("three", Tensor::scalar<float>(3))}), {rx});
  r.check({{"x", f32({3}, {-1, 2, 0})}}, {f32({3}, {0, 3, 0})});
}

TEST(Gradient, MatMul2D) {
  // y = A B, seed ones [2, 2]: dA = ones B^T (each row = B's row sums), dB = A^T ones (each column = A's column sums).
  GradModel m;
  ir::Value* a = m.in("A", {2, 3});
  ir::Value* b = m.in("B", {3, 2});
  m.gradient(m.op("MatMul", {a, b}), {a, b});
  m.check({{"A", f32({2, 3}, {1, 2, 3, 4, 5, 6})}, {"B", f32({3, 2}, {1, 2, 3, 4, 5, 6})}},
          {f32({2, 3}, {3, 7, 11, 3, 7, 11}), f32({3, 2}, {5, 5, 7, 7, 9, 9})});
}

TEST(Gradient, ZsAreInputsNotDifferentiatedAndUnusedXsGetZeros) {
  // y = x * z; x2 does not reach y: its gradient is zeros of its shape.
  GradModel m;
  ir::Value* x = m.in("x", {2});
  ir::Value* x2 = m.in("x2", {3});
  ir::Value* z = m.in("z", {2});
  m.gradient(m.op("Mul", {x, z}), {x, x2}, {z});
  m.check({{"x", f32({2}, {1, 2})}, {"x2", f32({3}, {5, 5, 5})}, {"z", f32({2}, {7, 8})}},
          {f32({2}, {7, 8}), f32({3}, {0, 0, 0})});
}

TEST(Gradient, ValueUsedTwiceAccumulates) {
  // y = x * x + x: dy/dx = 2x + 1.
  GradModel m;
  ir::Value* x = m.in("x", {2});
  m.gradient(m.op("Add", {m.op("Mul", {x, x}), x}), {x});
  m.check({{"x", f32({2}, {3, -1})}}, {f32({2}, {7, -1})});
}

TEST(Gradient, Refusals) {
  {
    GradModel m;
    ir::Value* x = m.in("x", {2});
    m.gradient(m.op("Softmax", {x}), {x});
    m.expect_error({{"x", f32({2}, {1, 2})}}, "no derivative rule for");
  }
  {
    GradModel m;
    ir::Value* x = m.in("x", {2});
    ir::Value* other = m.in("other", {2});
    // y depends on `other`, which is neither in xs nor in zs.
    m.gradient(m.op("Add", {x, other}), {x});
    m.expect_error({{"x", f32({2}, {1, 2})}, {"other", f32({2}, {1, 2})}}, "neither in xs nor zs");
  }
}

}  // namespace onyx::test

namespace onyx::test {

TEST(Gradient, MatMulPlusBiasThenRelu) {
  // y = relu(A B + c), the shape the optimizer likes to fuse; with A B + c > 0
  // everywhere: dA = ones B^T, dB = A^T ones, dc = column sums of ones = 2.
  GradModel m;
  ir::Value* a = m.in("A", {2, 3});
  ir::Value* b = m.in("B", {3, 2});
  ir::Value* c = m.in("c", {2});
  m.gradient(m.op("Relu", {m.op("Add", {m.op("MatMul", {a, b}), c})}), {a, b, c});
  m.check({{"A", f32({2, 3}, {1, 2, 3, 4, 5, 6})}, {"B", f32({3, 2}, {1, 2, 3, 4, 5, 6})}, {"c", f32({2}, {1, 1})}},
          {f32({2, 3}, {3, 7, 11, 3, 7, 11}), f32({3, 2}, {5, 5, 7, 7, 9, 9}), f32({2}, {2, 2})});
}

}  // namespace onyx::test
