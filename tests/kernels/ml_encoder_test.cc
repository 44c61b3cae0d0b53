// ai.onnx.ml LabelEncoder (opsets 1, 2, 4) and ZipMap.
#include <cmath>
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

constexpr const char* kMl = "ai.onnx.ml";
using Strings = std::vector<std::string>;

Tensor strings(Shape shape, const Strings& v) { return make_tensor<std::string>(std::move(shape), v); }

}  // namespace

// ---- LabelEncoder ------------------------------------------------------------------

TEST(LabelEncoder, Opset1StringsToIndicesAndBack) {
  // String -> index where first found ("b" twice: 1), default_int64 otherwise.
  OpTest("LabelEncoder", 1, kMl)
      .input("X", strings({2, 2}, {"c", "b", "zz", "a"}))
      .attr("classes_strings", Strings{"a", "b", "c", "b"})
      .attr("default_int64", int64_t{-7})
      .output<int64_t>("Y", {2, 2}, {2, 1, -7, 0})
      .run();
  // int64 -> classes_strings[x]; out of range (negative too) -> default_string.
  OpTest("LabelEncoder", 1, kMl)
      .input<int64_t>("X", {4}, {2, 0, 3, -1})
      .attr("classes_strings", Strings{"a", "b", "c"})
      .output("Y", strings({4}, {"c", "a", "_Unused", "_Unused"}))
      .run();
}

TEST(LabelEncoder, Opset2EveryKeyValuePairing) {
  OpTest("LabelEncoder", 2, kMl)
      .input("X", strings({5}, {"Dori", "Amy", "Amy", "Sally", "Sally"}))
      .attr("keys_strings", Strings{"Amy", "Sally"})
      .attr("values_int64s", std::vector<int64_t>{5, 6})
      .output<int64_t>("Y", {5}, {-1, 5, 5, 6, 6})
      .run();
  OpTest("LabelEncoder", 2, kMl)
      .input<int64_t>("X", {3}, {7, 8, 9})
      .attr("keys_int64s", std::vector<int64_t>{8, 9})
      .attr("values_strings", Strings{"eight", "nine"})
      .attr("default_string", "none")
      .output("Y", strings({3}, {"none", "eight", "nine"}))
      .run();
  // float -> float; default_float defaults to -0.0.
  std::vector<Value> out = OpTest("LabelEncoder", 2, kMl)
                               .input<float>("X", {3}, {0.5f, 1.5f, 2.5f})
                               .attr("keys_floats", std::vector<float>{0.5f, 2.5f})
                               .attr("values_floats", std::vector<float>{10, 20})
                               .output<float>("Y", {3}, {10, 0, 20})
                               .run();
  EXPECT_TRUE(std::signbit(out[0].tensor().data<float>()[1])) << "default_float must be -0.0";
  OpTest("LabelEncoder", 2, kMl)
      .input<int64_t>("X", {2}, {1, 2})
      .attr("keys_int64s", std::vector<int64_t>{1})
      .attr("values_floats", std::vector<float>{0.25f})
      .attr("default_float", 9.0f)
      .output<float>("Y", {2}, {0.25f, 9})
      .run();
}

TEST(LabelEncoder, NanKeyMatchesEveryNanAndZeroMatchesMinusZero) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float other_nan = -std::numeric_limits<float>::quiet_NaN();
  OpTest("LabelEncoder", 4, kMl)
      .input<float>("X", {4}, {nan, other_nan, -0.0f, 3})
      .attr("keys_floats", std::vector<float>{nan, 0.0f})
      .attr("values_int64s", std::vector<int64_t>{1, 2})
      .output<int64_t>("Y", {4}, {1, 1, 2, -1})
      .run();
}

TEST(LabelEncoder, RepeatedKeyLastWins) {
  OpTest("LabelEncoder", 4, kMl)
      .input<int64_t>("X", {2}, {3, 4})
      .attr("keys_int64s", std::vector<int64_t>{3, 4, 3})
      .attr("values_int64s", std::vector<int64_t>{30, 40, 33})
      .output<int64_t>("Y", {2}, {33, 40})
      .run();
}

TEST(LabelEncoder, Opset4Tensors) {
  // keys_tensor string -> values_tensor int32 with default_tensor.
  OpTest("LabelEncoder", 4, kMl)
      .input("X", strings({5}, {"a", "b", "d", "c", "g"}))
      .attr("keys_tensor", strings({3}, {"a", "b", "c"}))
      .attr("values_tensor", make_tensor<int32_t>({3}, {0, 1, 2}))
      .attr("default_tensor", make_tensor<int32_t>({1}, {42}))
      .output<int32_t>("Y", {5}, {0, 1, 42, 2, 42})
      .run();
  // int16 keys -> double values, no default_tensor: default_float (-0.0) as double.
  OpTest("LabelEncoder", 4, kMl)
      .input<int16_t>("X", {3}, {-2, 5, 9})
      .attr("keys_tensor", make_tensor<int16_t>({2}, {-2, 9}))
      .attr("values_tensor", make_tensor<double>({2}, {0.5, 1.5}))
      .output<double>("Y", {3}, {0.5, 0, 1.5})
      .run();
  // double keys -> int32 values, no default: default_int64 (-1) as int32.
  OpTest("LabelEncoder", 4, kMl)
      .input<double>("X", {1, 2}, {0.1, 0.2})
      .attr("keys_tensor", make_tensor<double>({1}, {0.1}))
      .attr("values_tensor", make_tensor<int32_t>({1}, {7}))
      .output<int32_t>("Y", {1, 2}, {7, -1})
      .run();
  // Empty input: empty output of the value type.
  OpTest("LabelEncoder", 4, kMl)
      .input("X", strings({0, 3}, {}))
      .attr("keys_strings", Strings{"a"})
      .attr("values_strings", Strings{"b"})
      .output("Y", strings({0, 3}, {}))
      .run();
}

TEST(LabelEncoder, BadAttributesAndInputs) {
  OpTest("LabelEncoder", 2, kMl)
      .input<int64_t>("X", {1}, {1})
      .attr("keys_int64s", std::vector<int64_t>{1, 2})
      .attr("values_int64s", std::vector<int64_t>{1})
      .output_unchecked("Y")
      .expect_error("2 keys but 1 values");
  OpTest("LabelEncoder", 2, kMl)
      .input<int64_t>("X", {1}, {1})
      .attr("keys_int64s", std::vector<int64_t>{1})
      .attr("keys_strings", Strings{"a"})
      .attr("values_int64s", std::vector<int64_t>{1})
      .output_unchecked("Y")
      .expect_error("exactly one of keys_strings");
  OpTest("LabelEncoder", 2, kMl)
      .input<float>("X", {1}, {1})
      .attr("keys_int64s", std::vector<int64_t>{1})
      .attr("values_int64s", std::vector<int64_t>{1})
      .output_unchecked("Y")
      .expect_error("X has element type float32 but the keys are int64");
  OpTest("LabelEncoder", 4, kMl)
      .input("X", strings({1}, {"a"}))
      .attr("keys_strings", Strings{"a"})
      .attr("values_tensor", make_tensor<int32_t>({1}, {1}))
      .attr("default_tensor", make_tensor<int64_t>({1}, {1}))
      .output_unchecked("Y")
      .expect_error("default_tensor");
  // Opset 2 has no int32 keys.
  OpTest("LabelEncoder", 2, kMl)
      .input<int32_t>("X", {1}, {1})
      .attr("keys_int64s", std::vector<int64_t>{1})
      .attr("values_int64s", std::vector<int64_t>{1})
      .output_unchecked("Y")
      .expect_error("int32");
}

// ---- ZipMap ------------------------------------------------------------------------

namespace {

Value float_map_strings(const Strings& keys, const std::vector<float>& values) {
  return Value::map(strings({static_cast<int64_t>(keys.size())}, keys),
                    make_tensor<float>({static_cast<int64_t>(values.size())}, values));
}

}  // namespace

TEST(ZipMap, StringLabelsOneMapPerRow) {
  OpTest("ZipMap", 1, kMl)
      .input<float>("X", {2, 3}, {0.1f, 0.2f, 0.7f, 0.5f, 0.5f, 0})
      .attr("classlabels_strings", Strings{"cat", "dog", "eel"})
      .output_value("Z", Value::sequence(DataType::kFloat, {float_map_strings({"cat", "dog", "eel"}, {0.1f, 0.2f, 0.7f}),
                                                             float_map_strings({"cat", "dog", "eel"}, {0.5f, 0.5f, 0})}))
      .run();
}

TEST(ZipMap, Int64LabelsOneDimensionalAndEmptyBatch) {
  const Tensor keys = make_tensor<int64_t>({2}, {10, 20});
  OpTest("ZipMap", 1, kMl)
      .input<float>("X", {2}, {0.25f, 0.75f})
      .attr("classlabels_int64s", std::vector<int64_t>{10, 20})
      .output_value("Z", Value::sequence(DataType::kFloat, {Value::map(keys, make_tensor<float>({2}, {0.25f, 0.75f}))}))
      .run();
  OpTest("ZipMap", 1, kMl)
      .input<float>("X", {0, 2}, {})
      .attr("classlabels_int64s", std::vector<int64_t>{10, 20})
      .output_value("Z", Value::sequence(DataType::kFloat, {}))
      .run();
}

TEST(ZipMap, BadInputs) {
  OpTest("ZipMap", 1, kMl)
      .input<float>("X", {1, 3}, {1, 2, 3})
      .attr("classlabels_int64s", std::vector<int64_t>{1, 2})
      .output_unchecked("Z")
      .expect_error("X has 3 columns but there are 2 class labels");
  OpTest("ZipMap", 1, kMl)
      .input<float>("X", {1, 1}, {1})
      .attr("classlabels_int64s", std::vector<int64_t>{1})
      .attr("classlabels_strings", Strings{"a"})
      .output_unchecked("Z")
      .expect_error("exactly one of classlabels_strings and classlabels_int64s");
  OpTest("ZipMap", 1, kMl)
      .input<float>("X", {1, 1, 1}, {1})
      .attr("classlabels_int64s", std::vector<int64_t>{1})
      .output_unchecked("Z")
      .expect_error("X must be [N, C] or [C]");
}

}  // namespace onyx::test
