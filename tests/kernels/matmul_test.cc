// MatMul, Gemm, MatMulInteger, QLinearMatMul, and the shared reference GEMM.
#include "kernels/common/gemm_ref.h"
#include "kernels/op_test.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx::test {

namespace {

// Naive batched matmul in double for shapes already promoted to >= 2-D and
// broadcast by the caller's choice of batch mapping.
std::vector<double> naive_matmul(const Tensor& a, const Tensor& b, int64_t batch, int64_t m, int64_t k, int64_t n,
                                 bool a_batched, bool b_batched) {
  std::vector<double> y(static_cast<size_t>(batch * m * n), 0.0);
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t t = 0; t < k; ++t)
          s += a.real_at((a_batched ? bi * m * k : 0) + i * k + t) * b.real_at((b_batched ? bi * k * n : 0) + t * n + j);
        y[static_cast<size_t>((bi * m + i) * n + j)] = s;
      }
  return y;
}

Tensor float_tensor(const Shape& shape, const std::vector<double>& v) {
  Tensor t(DataType::kFloat, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(v[static_cast<size_t>(i)]);
  return t;
}

}  // namespace

TEST(GemmRef, AllTransposesAlphaBetaAgainstNaive) {
  ThreadPool pool(2);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 60; ++trial) {
    const int64_t m = static_cast<int64_t>(rng() % 70) + 1, n = static_cast<int64_t>(rng() % 300) + 1,
                  k = static_cast<int64_t>(rng() % 200);
    const bool ta = rng() % 2, tb = rng() % 2;
    const float alpha = trial % 3 == 0 ? 1.0f : 0.5f, beta = trial % 4 == 0 ? 0.0f : trial % 4 == 1 ? 1.0f : -2.0f;
    Tensor a = random_tensor(DataType::kFloat, {m * k + 1}, static_cast<uint32_t>(trial));
    Tensor b = random_tensor(DataType::kFloat, {k * n + 1}, static_cast<uint32_t>(trial) + 100);
    Tensor c = random_tensor(DataType::kFloat, {m * n}, static_cast<uint32_t>(trial) + 200);
    std::vector<float> want(static_cast<size_t>(m * n));
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t t = 0; t < k; ++t)
          s += double(ta ? a.data<float>()[t * m + i] : a.data<float>()[i * k + t]) *
               double(tb ? b.data<float>()[j * k + t] : b.data<float>()[t * n + j]);
        want[static_cast<size_t>(i * n + j)] =
            static_cast<float>(alpha * s + (beta == 0 ? 0.0 : beta * double(c.data<float>()[i * n + j])));
      }
    GemmArgs<float> g;
    g.trans_a = ta;
    g.trans_b = tb;
    g.m = m;
    g.n = n;
    g.k = k;
    g.alpha = alpha;
    g.a = a.data<float>();
    g.lda = ta ? m : k;
    g.b = b.data<float>();
    g.ldb = tb ? k : n;
    g.beta = beta;
    g.c = c.data<float>();
    g.ldc = n;
    gemm_ref(g, &pool);
    for (int64_t i = 0; i < m * n; ++i)
      ASSERT_NEAR(c.data<float>()[i], want[static_cast<size_t>(i)], 1e-4)
          << "trial " << trial << " m" << m << " n" << n << " k" << k << " ta" << ta << " tb" << tb << " at " << i;
  }
}

TEST(GemmRef, BetaZeroIgnoresNaNInC) {
  std::vector<float> a{1, 2}, b{3, 4}, c{std::numeric_limits<float>::quiet_NaN()};
  GemmArgs<float> g;
  g.m = 1;
  g.n = 1;
  g.k = 2;
  g.a = a.data();
  g.lda = 2;
  g.b = b.data();
  g.ldb = 1;
  g.c = c.data();
  g.ldc = 1;
  gemm_ref(g, nullptr);
  EXPECT_EQ(c[0], 11.0f);
}

TEST(MatMul, TwoD) {
  OpTest("MatMul", 13)
      .input<float>("A", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input<float>("B", {3, 2}, {1, 0, 0, 1, 1, 1})
      .output<float>("Y", {2, 2}, {4, 5, 10, 11})
      .run();
}

TEST(MatMul, OneDimensionalPromotion) {
  OpTest("MatMul", 13)
      .input<float>("A", {3}, {1, 2, 3})
      .input<float>("B", {3}, {4, 5, 6})
      .output<float>("Y", {}, {32})
      .run();
  OpTest("MatMul", 13)
      .input<float>("A", {3}, {1, 2, 3})
      .input<float>("B", {2, 3, 2}, {1, 0, 0, 1, 1, 1, 2, 0, 0, 2, 2, 2})
      .output<float>("Y", {2, 2}, {4, 5, 8, 10})
      .run();
  OpTest("MatMul", 13)
      .input<float>("A", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input<float>("B", {3}, {1, 1, 1})
      .output<float>("Y", {2}, {6, 15})
      .run();
}

TEST(MatMul, BatchBroadcasting) {
  // A [2,1,3,4] x B [3,4,5] -> [2,3,3,5]: A broadcasts over B's batch and vice versa.
  Tensor a = random_tensor(DataType::kFloat, {2, 1, 3, 4}, 1), b = random_tensor(DataType::kFloat, {3, 4, 5}, 2);
  std::vector<double> want;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t r = 0; r < 3; ++r)
        for (int64_t c = 0; c < 5; ++c) {
          double s = 0;
          for (int64_t t = 0; t < 4; ++t) s += a.real_at((i * 3 + r) * 4 + t) * b.real_at((j * 4 + t) * 5 + c);
          want.push_back(s);
        }
  OpTest("MatMul", 13).input("A", a).input("B", b).output("Y", float_tensor({2, 3, 3, 5}, want)).tolerance(1e-5, 1e-5).run();
}

TEST(MatMul, BatchedActivationsTimesWeights) {
  // [2, 37, 96] x [96, 130]: folded into one 74 x 130 product with tile tails.
  Tensor a = random_tensor(DataType::kFloat, {2, 37, 96}, 3), b = random_tensor(DataType::kFloat, {96, 130}, 4);
  OpTest("MatMul", 13)
      .input("A", a)
      .constant_input("B", b)
      .output("Y", float_tensor({2, 37, 130}, naive_matmul(a, b, 1, 74, 96, 130, false, false)))
      .tolerance(1e-4, 1e-5)
      .run();
}

TEST(MatMul, BatchedBoth) {
  Tensor a = random_tensor(DataType::kDouble, {3, 5, 7}, 5), b = random_tensor(DataType::kDouble, {3, 7, 6}, 6);
  std::vector<double> y = naive_matmul(a, b, 3, 5, 7, 6, true, true);
  Tensor want(DataType::kDouble, {3, 5, 6});
  for (int64_t i = 0; i < want.numel(); ++i) want.data<double>()[i] = y[static_cast<size_t>(i)];
  OpTest("MatMul", 13).input("A", a).input("B", b).output("Y", want).tolerance(1e-12, 1e-12).run();
}

TEST(MatMul, Int32Wraps) {
  OpTest("MatMul", 13)
      .input<int32_t>("A", {1, 2}, {2147483647, 1})
      .input<int32_t>("B", {2, 1}, {2, 3})
      .output<int32_t>("Y", {1, 1}, {1})  // 2 * (2^31 - 1) + 3 wraps to 1
      .run();
}

TEST(MatMul, Float16AndBFloat16) {
  OpTest("MatMul", 13)
      .input("A", make_tensor<Float16>({1, 2}, {Float16(1.5f), Float16(2.0f)}))
      .constant_input("B", make_tensor<Float16>({2, 1}, {Float16(2.0f), Float16(-0.25f)}))
      .output("Y", make_tensor<Float16>({1, 1}, {Float16(2.5f)}))
      .run();
  OpTest("MatMul", 13)
      .input("A", make_tensor<BFloat16>({1, 2}, {BFloat16(1.5f), BFloat16(2.0f)}))
      .input("B", make_tensor<BFloat16>({2, 1}, {BFloat16(2.0f), BFloat16(-0.25f)}))
      .output("Y", make_tensor<BFloat16>({1, 1}, {BFloat16(2.5f)}))
      .run();
}

TEST(MatMul, EmptyAndZeroK) {
  OpTest("MatMul", 13)
      .input<float>("A", {0, 3}, {})
      .input<float>("B", {3, 2}, {1, 2, 3, 4, 5, 6})
      .output<float>("Y", {0, 2}, {})
      .run();
  OpTest("MatMul", 13)
      .input<float>("A", {2, 0}, {})
      .input<float>("B", {0, 2}, {})
      .output<float>("Y", {2, 2}, {0, 0, 0, 0})
      .run();
}

TEST(MatMul, InnerDimMismatchIsAnError) {
  OpTest("MatMul", 13)
      .input<float>("A", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input<float>("B", {2, 2}, {1, 2, 3, 4})
      .output_unchecked("Y")
      .expect_error("A [2,3] and B [2,2] cannot be multiplied: A has 3 columns but B has 2 rows");
}

TEST(MatMul, BatchMismatchIsAnError) {
  OpTest("MatMul", 13)
      .input("A", random_tensor(DataType::kFloat, {2, 2, 3}, 1))
      .input("B", random_tensor(DataType::kFloat, {3, 3, 2}, 2))
      .output_unchecked("Y")
      .expect_error("cannot broadcast");
}

TEST(MatMul, InferenceKeepsSymbolicDims) {
  ir::Model m;
  m.opsets[""] = 13;
  m.graph = std::make_shared<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.model = &m;
  ir::Value* x = g.add_value("X", ir::Type::tensor(DataType::kFloat, {ir::Dim::sym("batch"), ir::Dim::sym("seq"), 768}));
  x->is_graph_input = true;
  g.inputs.push_back(x);
  ir::Node* n = g.add_node("MatMul", "", {x, g.add_constant("W", random_tensor(DataType::kFloat, {768, 16}, 1))}, 1, "mm");
  n->opset = 13;
  infer_graph(g);
  EXPECT_EQ(n->outputs[0]->type.str(), "tensor(float)[batch,seq,16]");
}

TEST(Gemm, TransposesAlphaBetaAndBroadcastC) {
  // A^T with A = [[1,3],[2,4]] -> [[1,2],[3,4]]; B^T with B = [[1,0],[1,1]] -> [[1,1],[0,1]].
  // op(A) op(B) = [[1,3],[3,7]]; alpha 2 -> [[2,6],[6,14]]; C row [10,20] * beta 0.5 -> +[5,10].
  OpTest("Gemm", 13)
      .input<float>("A", {2, 2}, {1, 3, 2, 4})
      .input<float>("B", {2, 2}, {1, 0, 1, 1})
      .input<float>("C", {2}, {10, 20})
      .attr("transA", 1)
      .attr("transB", 1)
      .attr("alpha", 2.0f)
      .attr("beta", 0.5f)
      .output<float>("Y", {2, 2}, {7, 16, 11, 24})
      .run();
  // C as a column [M, 1] and as a scalar.
  OpTest("Gemm", 13)
      .input<float>("A", {2, 1}, {1, 2})
      .input<float>("B", {1, 2}, {1, 1})
      .input<float>("C", {2, 1}, {100, 200})
      .output<float>("Y", {2, 2}, {101, 101, 202, 202})
      .run();
  OpTest("Gemm", 13)
      .input<float>("A", {2, 1}, {1, 2})
      .input<float>("B", {1, 2}, {1, 1})
      .input<float>("C", {}, {-1})
      .output<float>("Y", {2, 2}, {0, 0, 1, 1})
      .run();
}

TEST(Gemm, OptionalCFromOpset11) {
  OpTest("Gemm", 11)
      .input<float>("A", {1, 2}, {1, 2})
      .input<float>("B", {2, 1}, {3, 4})
      .output<float>("Y", {1, 1}, {11})
      .run();
}

TEST(Gemm, CRequiredBeforeOpset11) {
  OpTest("Gemm", 9)
      .input<float>("A", {1, 2}, {1, 2})
      .input<float>("B", {2, 1}, {3, 4})
      .output_unchecked("Y")
      .expect_error("input C is required before opset 11");
}

TEST(Gemm, LegacyBroadcastAttribute) {
  OpTest("Gemm", 6)
      .input<float>("A", {2, 1}, {1, 2})
      .input<float>("B", {1, 2}, {1, 1})
      .input<float>("C", {2}, {1, 2})
      .attr("broadcast", 1)
      .output<float>("Y", {2, 2}, {2, 3, 3, 4})
      .run();
}

TEST(Gemm, TransBConstantWeightsLikeLinear) {
  // torch Linear: X [4, 50] x W^T (W [70, 50]) + b, with tile tails.
  Tensor x = random_tensor(DataType::kFloat, {4, 50}, 11), w = random_tensor(DataType::kFloat, {70, 50}, 12),
         b = random_tensor(DataType::kFloat, {70}, 13);
  std::vector<double> want;
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 70; ++j) {
      double s = b.real_at(j);
      for (int64_t t = 0; t < 50; ++t) s += x.real_at(i * 50 + t) * w.real_at(j * 50 + t);
      want.push_back(s);
    }
  OpTest("Gemm", 13)
      .input("A", x)
      .constant_input("B", w)
      .constant_input("C", b)
      .attr("transB", 1)
      .output("Y", float_tensor({4, 70}, want))
      .tolerance(1e-4, 1e-5)
      .run();
}

TEST(Gemm, Integers) {
  OpTest("Gemm", 13)
      .input<int64_t>("A", {1, 2}, {3, 4})
      .input<int64_t>("B", {2, 1}, {5, 6})
      .input<int64_t>("C", {1}, {7})
      .output<int64_t>("Y", {1, 1}, {46})
      .run();
  OpTest("Gemm", 13)
      .input<int32_t>("A", {1, 2}, {3, 4})
      .input<int32_t>("B", {2, 1}, {5, 6})
      .input<int32_t>("C", {1}, {7})
      .attr("alpha", 0.5f)
      .attr("beta", 2.0f)
      .output<int32_t>("Y", {1, 1}, {33})  // 0.5 * 39 + 14 = 33.5 -> 33
      .run();
}

TEST(Gemm, BetaZeroIgnoresC) {
  const float inf = std::numeric_limits<float>::infinity();
  OpTest("Gemm", 13)
      .input<float>("A", {1, 1}, {2})
      .input<float>("B", {1, 1}, {3})
      .input<float>("C", {1, 1}, {inf})
      .attr("beta", 0.0f)
      .output<float>("Y", {1, 1}, {6})
      .run();
}

TEST(Gemm, BadShapesAreErrors) {
  OpTest("Gemm", 13)
      .input<float>("A", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input<float>("B", {2, 3}, {1, 2, 3, 4, 5, 6})
      .output_unchecked("Y")
      .expect_error("cannot be multiplied: 3 != 2");
  OpTest("Gemm", 13)
      .input<float>("A", {2, 2}, {1, 2, 3, 4})
      .input<float>("B", {2, 2}, {1, 2, 3, 4})
      .input<float>("C", {3}, {1, 2, 3})
      .output_unchecked("Y")
      .expect_error("C [3] does not broadcast to the output [2,2]");
  OpTest("Gemm", 13)
      .input<float>("A", {2}, {1, 2})
      .input<float>("B", {2, 2}, {1, 2, 3, 4})
      .output_unchecked("Y")
      .expect_error("must both be 2-D");
}

TEST(MatMulInteger, ZeroPointsPerTensorRowAndColumn) {
  // A - [1, 2] per row = [[0, 1], [1, 2]]; B - [1, 0] per column = [[0, 1], [2, 3]].
  OpTest("MatMulInteger", 10)
      .input<uint8_t>("A", {2, 2}, {1, 2, 3, 4})
      .input<uint8_t>("B", {2, 2}, {1, 1, 3, 3})
      .input<uint8_t>("a_zero_point", {2}, {1, 2})
      .input<uint8_t>("b_zero_point", {2}, {1, 0})
      .output<int32_t>("Y", {2, 2}, {2, 3, 4, 7})
      .run();
  OpTest("MatMulInteger", 10)
      .input<int8_t>("A", {1, 3}, {-128, 127, 0})
      .input<int8_t>("B", {3, 1}, {-128, -128, 5})
      .output<int32_t>("Y", {1, 1}, {128 * 128 - 127 * 128})
      .run();
}

TEST(MatMulInteger, BatchedWithScalarZeroPoint) {
  OpTest("MatMulInteger", 10)
      .input<uint8_t>("A", {2, 1, 2}, {1, 2, 3, 4})
      .input<uint8_t>("B", {2, 1}, {5, 6})
      .input<uint8_t>("a_zero_point", {}, {1})
      .output<int32_t>("Y", {2, 1, 1}, {6, 28})
      .run();
}

TEST(MatMulInteger, ZeroPointOfWrongLength) {
  OpTest("MatMulInteger", 10)
      .input<uint8_t>("A", {2, 2}, {1, 2, 3, 4})
      .input<uint8_t>("B", {2, 2}, {1, 1, 3, 3})
      .input<uint8_t>("a_zero_point", {3}, {1, 2, 3})
      .output_unchecked("Y")
      .expect_error("a_zero_point");
}

TEST(QLinearMatMul, Requantizes) {
  // (A - 1) = [[1, 2]], (B - 0) = [[1], [3]] -> 7; 7 * 0.5 * 0.5 / 0.25 = 7 -> + 10 = 17.
  OpTest("QLinearMatMul", 10)
      .input<uint8_t>("a", {1, 2}, {2, 3})
      .input<float>("a_scale", {}, {0.5f})
      .input<uint8_t>("a_zero_point", {}, {1})
      .input<uint8_t>("b", {2, 1}, {1, 3})
      .input<float>("b_scale", {}, {0.5f})
      .input<uint8_t>("b_zero_point", {}, {0})
      .input<float>("y_scale", {}, {0.25f})
      .input<uint8_t>("y_zero_point", {}, {10})
      .output<uint8_t>("y", {1, 1}, {17})
      .run();
  // int8 output saturates.
  OpTest("QLinearMatMul", 21)
      .input<int8_t>("a", {1, 1}, {100})
      .input("a_scale", make_tensor<Float16>({}, {Float16(1.0f)}))
      .input<int8_t>("a_zero_point", {}, {0})
      .input<int8_t>("b", {1, 1}, {100})
      .input("b_scale", make_tensor<Float16>({}, {Float16(1.0f)}))
      .input<int8_t>("b_zero_point", {}, {0})
      .input("y_scale", make_tensor<Float16>({}, {Float16(1.0f)}))
      .input<int8_t>("y_zero_point", {}, {0})
      .output<int8_t>("y", {1, 1}, {127})
      .run();
}

}  // namespace onyx::test
