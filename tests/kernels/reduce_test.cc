// Reduce*, ArgMax, ArgMin: values, every axes form (attribute / input /
// omitted / empty with noop_with_empty_axes), keepdims, empty sets, NaN,
// integer wrap-around, and a naive reference over many shape/axes pairs.
#include <algorithm>
#include <functional>
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

Tensor axes_tensor(std::vector<int64_t> axes) { return make_tensor<int64_t>({static_cast<int64_t>(axes.size())}, axes); }

// Naive reduction by output index: the oracle for the loop plans.
Tensor naive_reduce(const Tensor& x, const std::vector<int64_t>& axes, bool keepdims,
                    const std::function<double(const std::vector<double>&)>& f) {
  const int rank = x.rank();
  std::vector<bool> red(static_cast<size_t>(rank), axes.empty());
  for (int64_t a : axes) red[static_cast<size_t>(a < 0 ? a + rank : a)] = true;
  Shape out_shape, keep_shape;
  for (int d = 0; d < rank; ++d) {
    keep_shape.push_back(red[d] ? 1 : x.dim(d));
    if (!red[d]) out_shape.push_back(x.dim(d));
    else if (keepdims) out_shape.push_back(1);
  }
  std::vector<std::vector<double>> groups(static_cast<size_t>(shape_numel(keep_shape)));
  Shape idx(static_cast<size_t>(rank), 0);
  for (int64_t i = 0; i < x.numel(); ++i) {
    int64_t o = 0;
    for (int d = 0; d < rank; ++d) o = o * keep_shape[d] + (red[d] ? 0 : idx[d]);
    groups[static_cast<size_t>(o)].push_back(x.real_at(i));
    for (int d = rank - 1; d >= 0; --d) {
      if (++idx[d] < x.dim(d)) break;
      idx[d] = 0;
    }
  }
  Tensor out(DataType::kFloat, out_shape);
  for (size_t g = 0; g < groups.size(); ++g) out.data<float>()[g] = static_cast<float>(f(groups[g]));
  return out;
}

struct ReduceCase {
  const char* op;
  std::function<double(const std::vector<double>&)> f;
};

std::vector<ReduceCase> reduce_cases() {
  auto sum = [](const std::vector<double>& v) { double s = 0; for (double x : v) s += x; return s; };
  return {
      {"ReduceSum", sum},
      {"ReduceMean", [=](const std::vector<double>& v) { return sum(v) / static_cast<double>(v.size()); }},
      {"ReduceMax", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }},
      {"ReduceMin", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }},
      {"ReduceProd", [](const std::vector<double>& v) { double p = 1; for (double x : v) p *= x; return p; }},
      {"ReduceL1", [](const std::vector<double>& v) { double s = 0; for (double x : v) s += std::fabs(x); return s; }},
      {"ReduceL2", [](const std::vector<double>& v) { double s = 0; for (double x : v) s += x * x; return std::sqrt(s); }},
      {"ReduceSumSquare", [](const std::vector<double>& v) { double s = 0; for (double x : v) s += x * x; return s; }},
      {"ReduceLogSum", [=](const std::vector<double>& v) { return std::log(sum(v)); }},
      {"ReduceLogSumExp",
       [](const std::vector<double>& v) { double s = 0; for (double x : v) s += std::exp(x); return std::log(s); }},
  };
}

}  // namespace

// Every op over shapes and axes that exercise both plan shapes (innermost
// axis reduced or kept), merged runs, outer reduced runs and size-1 dims.
TEST(Reduce, MatchesNaiveReferenceOverShapesAndAxes) {
  const std::vector<std::pair<Shape, std::vector<int64_t>>> cases = {
      {{2, 3, 4}, {2}},       {{2, 3, 4}, {1}},        {{2, 3, 4}, {0}},      {{2, 3, 4}, {0, 2}},
      {{2, 3, 4}, {1, 2}},    {{2, 3, 4}, {}},         {{3, 1, 5, 2}, {1, 2}}, {{3, 1, 5, 2}, {-1, -3}},
      {{2, 3, 4, 5}, {0, 2}}, {{2, 3, 4, 5}, {1, 3}},  {{7}, {0}},            {{1, 1, 9}, {0, 1}},
      {{2, 1100}, {0}},       {{3, 17, 2}, {0, 1}},
  };
  uint32_t seed = 1;
  for (const ReduceCase& rc : reduce_cases()) {
    for (const auto& [shape, axes] : cases) {
      for (int keepdims : {0, 1}) {
        // Positive values keep LogSum defined; small ones keep Prod in range.
        Tensor x = random_tensor(DataType::kFloat, shape, seed++, 0.5, 1.5);
        Tensor want = naive_reduce(x, axes, keepdims != 0, rc.f);
        SCOPED_TRACE(std::string(rc.op) + " shape " + shape_str(shape) + " axes " + shape_str(axes) +
                     " keepdims " + std::to_string(keepdims));
        OpTest t(rc.op, 18);
        t.input("x", x);
        if (!axes.empty()) t.input("axes", axes_tensor(axes));
        t.attr("keepdims", keepdims).output("y", want).tolerance(1e-4, 1e-5).run();
        // The same through the attribute form (opset 13; ReduceSum: 11).
        OpTest a(rc.op, std::string(rc.op) == "ReduceSum" ? 11 : 13);
        a.input("x", x);
        if (!axes.empty()) a.attr("axes", axes);
        a.attr("keepdims", keepdims).output("y", want).tolerance(1e-4, 1e-5).run();
      }
    }
  }
}

TEST(ReduceSum, KeepdimsAndNegativeAxes) {
  OpTest("ReduceSum", 13)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input("axes", axes_tensor({-1}))
      .output<float>("y", {2, 1}, {6, 15})
      .run();
  OpTest("ReduceSum", 13)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input("axes", axes_tensor({0}))
      .attr("keepdims", 0)
      .output<float>("y", {3}, {5, 7, 9})
      .run();
}

TEST(ReduceSum, ConstantAxesInput) {
  OpTest("ReduceSum", 13)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .constant_input("axes", axes_tensor({-2}))
      .attr("keepdims", 0)
      .output<float>("y", {3}, {5, 7, 9})
      .run();
}

TEST(ReduceSum, EmptyAxesWithNoopIsIdentity) {
  OpTest("ReduceSum", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("axes", make_tensor<int64_t>({0}, {}))
      .attr("noop_with_empty_axes", 1)
      .output<float>("y", {2, 2}, {1, 2, 3, 4})
      .run();
}

TEST(ReduceSum, OmittedAxesWithNoopIsIdentity) {
  OpTest("ReduceSum", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .attr("noop_with_empty_axes", 1)
      .output<float>("y", {2, 2}, {1, 2, 3, 4})
      .run();
}

TEST(ReduceSum, EmptyAxesWithoutNoopReducesAll) {
  OpTest("ReduceSum", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("axes", make_tensor<int64_t>({0}, {}))
      .output<float>("y", {1, 1}, {10})
      .run();
  OpTest("ReduceSum", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .attr("keepdims", 0)
      .output<float>("y", {}, {10})
      .run();
}

TEST(ReduceMean, AxesInputFromOpset18AttributeBefore) {
  OpTest("ReduceMean", 18)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .input("axes", axes_tensor({1}))
      .output<float>("y", {2, 1}, {1.5f, 3.5f})
      .run();
  OpTest("ReduceMean", 17)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .attr("axes", std::vector<int64_t>{1})
      .output<float>("y", {2, 1}, {1.5f, 3.5f})
      .run();
}

TEST(Reduce, EmptySetsGiveTheIdentity) {
  // [2, 0, 4] reduced over the zero-size axis: 8 outputs, each of an empty set.
  auto check = [](const char* op, int opset, float v) {
    SCOPED_TRACE(op);
    OpTest(op, opset)
        .input<float>("x", {2, 0, 4}, {})
        .input("axes", axes_tensor({1}))
        .output<float>("y", {2, 1, 4}, std::vector<float>(8, v))
        .run();
  };
  check("ReduceSum", 13, 0);
  check("ReduceSumSquare", 18, 0);
  check("ReduceL1", 18, 0);
  check("ReduceL2", 18, 0);
  check("ReduceProd", 18, 1);
  check("ReduceMax", 20, -kInf);
  check("ReduceMin", 20, kInf);
  check("ReduceLogSum", 18, -kInf);
  check("ReduceLogSumExp", 18, -kInf);
  check("ReduceMean", 18, kNaN);
}

TEST(Reduce, EmptyIntegerMaxMinGiveLimits) {
  OpTest("ReduceMax", 20)
      .input<int32_t>("x", {0, 2}, {})
      .input("axes", axes_tensor({0}))
      .attr("keepdims", 0)
      .output<int32_t>("y", {2}, {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::min()})
      .run();
  OpTest("ReduceMin", 20)
      .input<uint8_t>("x", {0, 2}, {})
      .input("axes", axes_tensor({0}))
      .attr("keepdims", 0)
      .output<uint8_t>("y", {2}, {255, 255})
      .run();
}

TEST(Reduce, ZeroSizeKeptDimGivesEmptyOutput) {
  OpTest("ReduceSum", 13)
      .input<float>("x", {2, 0, 4}, {})
      .input("axes", axes_tensor({2}))
      .output<float>("y", {2, 0, 1}, {})
      .run();
}

TEST(ReduceMax, NaNPropagates) {
  OpTest("ReduceMax", 18)
      .input<float>("x", {2, 3}, {1, kNaN, 3, 4, 5, 6})
      .input("axes", axes_tensor({1}))
      .attr("keepdims", 0)
      .output<float>("y", {2}, {kNaN, 6})
      .run();
  OpTest("ReduceMin", 18)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, kNaN})
      .input("axes", axes_tensor({0}))
      .attr("keepdims", 0)
      .output<float>("y", {3}, {1, 2, kNaN})
      .run();
}

TEST(ReduceMax, InfinitiesAndBool) {
  OpTest("ReduceMax", 18)
      .input<float>("x", {3}, {-kInf, -kInf, -kInf})
      .attr("keepdims", 0)
      .output<float>("y", {}, {-kInf})
      .run();
  OpTest("ReduceMax", 20)
      .input("x", make_bool_tensor({2, 2}, {0, 0, 0, 1}))
      .input("axes", axes_tensor({1}))
      .output("y", make_bool_tensor({2, 1}, {0, 1}))
      .run();
  OpTest("ReduceMin", 20)
      .input("x", make_bool_tensor({2, 2}, {1, 1, 0, 1}))
      .input("axes", axes_tensor({1}))
      .output("y", make_bool_tensor({2, 1}, {1, 0}))
      .run();
}

TEST(ReduceLogSumExp, LargeValuesDoNotOverflow) {
  OpTest("ReduceLogSumExp", 18)
      .input<float>("x", {2, 2}, {1000, 1000, -1000, -1000})
      .input("axes", axes_tensor({1}))
      .attr("keepdims", 0)
      .output<float>("y", {2}, {1000 + std::log(2.0f), -1000 + std::log(2.0f)})
      .run();
  // Innermost axis kept: the column path.
  OpTest("ReduceLogSumExp", 18)
      .input<float>("x", {2, 2}, {1000, -1000, 1000, -1000})
      .input("axes", axes_tensor({0}))
      .attr("keepdims", 0)
      .output<float>("y", {2}, {1000 + std::log(2.0f), -1000 + std::log(2.0f)})
      .run();
}

TEST(ReduceSum, IntegerWrapsAround) {
  OpTest("ReduceSum", 13)
      .input<int32_t>("x", {2}, {2147483647, 1})
      .attr("keepdims", 0)
      .output<int32_t>("y", {}, {-2147483647 - 1})
      .run();
  OpTest("ReduceProd", 18)
      .input<uint8_t>("x", {2}, {16, 16})
      .attr("keepdims", 0)
      .output<uint8_t>("y", {}, {0})
      .run();
}

TEST(ReduceMean, IntegerTruncatesLikeNumpy) {
  OpTest("ReduceMean", 18)
      .input<int32_t>("x", {2, 2}, {1, 2, -1, -2})
      .input("axes", axes_tensor({1}))
      .attr("keepdims", 0)
      .output<int32_t>("y", {2}, {1, -1})
      .run();
}

TEST(Reduce, IntegerOps) {
  OpTest("ReduceL1", 18)
      .input<int64_t>("x", {3}, {-3, 4, -5})
      .attr("keepdims", 0)
      .output<int64_t>("y", {}, {12})
      .run();
  OpTest("ReduceSumSquare", 18)
      .input<int32_t>("x", {3}, {-3, 4, -5})
      .attr("keepdims", 0)
      .output<int32_t>("y", {}, {50})
      .run();
  OpTest("ReduceL2", 18)
      .input<int32_t>("x", {2}, {3, 4})
      .attr("keepdims", 0)
      .output<int32_t>("y", {}, {5})
      .run();
  OpTest("ReduceMax", 18)
      .input<int8_t>("x", {2, 2}, {-128, 5, 127, -1})
      .input("axes", axes_tensor({0}))
      .output<int8_t>("y", {1, 2}, {127, 5})
      .run();
}

TEST(ReduceSum, Float16AccumulatesInFloat) {
  // 4096 ones: a float16 running sum would stall at 2048.
  std::vector<Float16> ones(4096, Float16(1.0f));
  OpTest("ReduceSum", 13)
      .input("x", make_tensor<Float16>({4096}, ones))
      .attr("keepdims", 0)
      .output("y", make_tensor<Float16>({}, {Float16(4096.0f)}))
      .run();
}

TEST(Reduce, BadAxesAreErrors) {
  OpTest("ReduceSum", 13)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input("axes", axes_tensor({2}))
      .output_unchecked("y")
      .expect_error("reduction axis 2 is out of range for rank 2");
  OpTest("ReduceMax", 18)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input("axes", axes_tensor({1, -1}))
      .output_unchecked("y")
      .expect_error("is repeated");
  OpTest("ReduceMean", 13)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .attr("axes", std::vector<int64_t>{-3})
      .output_unchecked("y")
      .expect_error("reduction axis -3 is out of range for rank 2");
  OpTest("ReduceSum", 13)
      .input<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6})
      .input("axes", make_tensor<float>({1}, {1}))
      .output_unchecked("y")
      .expect_error("axes must be a 1-D int64 tensor");
}

TEST(Reduce, BoolIsOnlyForMaxMin) {
  OpTest("ReduceSum", 13)
      .input("x", make_bool_tensor({2}, {1, 1}))
      .output_unchecked("y")
      .expect_error("no kernel for input types");
}

// ---- ArgMax / ArgMin ----------------------------------------------------------

TEST(ArgMax, DefaultAxisKeepdims) {
  OpTest("ArgMax", 13)
      .input<float>("x", {2, 2}, {2, 1, 3, 10})
      .output<int64_t>("y", {1, 2}, {1, 1})
      .run();
}

TEST(ArgMax, LastAxisNoKeepdims) {
  OpTest("ArgMax", 13)
      .input<float>("x", {2, 3}, {2, 9, 1, 3, 10, 10})
      .attr("axis", -1)
      .attr("keepdims", 0)
      .output<int64_t>("y", {2}, {1, 1})
      .run();
}

TEST(ArgMax, SelectLastIndex) {
  OpTest("ArgMax", 12)
      .input<float>("x", {2, 3}, {2, 9, 9, 10, 3, 10})
      .attr("axis", 1)
      .attr("select_last_index", 1)
      .output<int64_t>("y", {2, 1}, {2, 2})
      .run();
  OpTest("ArgMin", 13)
      .input<int32_t>("x", {3, 2}, {1, 5, 1, 2, 4, 2})
      .attr("select_last_index", 1)
      .output<int64_t>("y", {1, 2}, {1, 2})
      .run();
}

TEST(ArgMin, MiddleAxis) {
  // [2, 3, 2] along axis 1: the strided (column) path.
  OpTest("ArgMin", 13)
      .input<float>("x", {2, 3, 2}, {5, 1, 3, 2, 4, 0, 0, 7, 1, 6, 2, 8})
      .attr("axis", 1)
      .attr("keepdims", 0)
      .output<int64_t>("y", {2, 2}, {1, 2, 0, 1})
      .run();
}

TEST(ArgMax, NaNIsTheMaximumLikeNumpy) {
  OpTest("ArgMax", 13)
      .input<float>("x", {4}, {1, kNaN, 5, kNaN})
      .attr("keepdims", 0)
      .output<int64_t>("y", {}, {1})
      .run();
  OpTest("ArgMin", 13)
      .input<float>("x", {4}, {1, kNaN, -5, kNaN})
      .attr("keepdims", 0)
      .attr("select_last_index", 1)
      .output<int64_t>("y", {}, {3})
      .run();
}

TEST(ArgMax, EmptyOutputAndEmptyAxis) {
  OpTest("ArgMax", 13)
      .input<float>("x", {0, 3}, {})
      .attr("axis", 1)
      .output<int64_t>("y", {0, 1}, {})
      .run();
  OpTest("ArgMax", 13)
      .input<float>("x", {2, 0}, {})
      .attr("axis", 1)
      .output_unchecked("y")
      .expect_error("along axis 1 of size 0");
}

TEST(ArgMax, AxisOutOfRange) {
  OpTest("ArgMax", 13)
      .input<float>("x", {2, 2}, {1, 2, 3, 4})
      .attr("axis", 2)
      .output_unchecked("y")
      .expect_error("axis 2 is out of range for rank 2");
}

}  // namespace onyx::test
