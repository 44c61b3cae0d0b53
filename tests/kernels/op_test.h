// OpTest: builds a one-node model in code, runs it through the whole engine
// (serialise -> load -> infer -> compile -> run) and checks the outputs.
//
//   OpTest("Add", 14)
//       .input<float>("A", {2, 3}, {1, 2, 3, 4, 5, 6})
//       .input<float>("B", {3}, {10, 20, 30})
//       .output<float>("C", {2, 3}, {11, 22, 33, 14, 25, 36})
//       .run();
//
// run() executes twice, with the reference kernels only and with the default
// (fastest) kernels, and checks both against the expected values, so every op
// test also checks each fast kernel against its reference.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "onnx/writer.h"
#include "runtime/session.h"

namespace onyx::test {

// Compares two values; returns "" when equal within tolerance.
std::string compare(const Value& want, const Value& got, double rtol, double atol);
std::string compare(const Tensor& want, const Tensor& got, double rtol, double atol);

template <typename T>
Tensor make_tensor(Shape shape, const std::vector<T>& data) {
  Tensor t(dtype_of<T>, std::move(shape));
  if (static_cast<size_t>(t.numel()) != data.size())
    ADD_FAILURE() << "make_tensor: " << data.size() << " values for shape " << shape_str(t.shape());
  for (size_t i = 0; i < data.size() && i < static_cast<size_t>(t.numel()); ++i) t.data<T>()[i] = data[i];
  return t;
}
inline Tensor make_bool_tensor(Shape shape, const std::vector<int>& data) {
  Tensor t(DataType::kBool, std::move(shape));
  for (size_t i = 0; i < data.size() && i < static_cast<size_t>(t.numel()); ++i) t.data<bool>()[i] = data[i] != 0;
  return t;
}
// Uniform random floats in [lo, hi) (any float type) or integers in [lo, hi).
Tensor random_tensor(DataType dt, Shape shape, uint32_t seed, double lo = -1, double hi = 1);

class OpTest {
 public:
  OpTest(std::string op, int opset, std::string domain = "");

  OpTest& input(std::string name, Tensor t);
  template <typename T>
  OpTest& input(std::string name, Shape shape, std::vector<T> data) {
    return input(std::move(name), make_tensor<T>(std::move(shape), data));
  }
  // An input baked into the model as an initializer (a constant for the kernel).
  OpTest& constant_input(std::string name, Tensor t);
  // An input fed as a sequence / map / optional value, with its declared type.
  OpTest& value_input(std::string name, Value v, ir::Type type);
  OpTest& omitted_input();

  OpTest& attr(std::string name, int64_t v);
  OpTest& attr(std::string name, int v) { return attr(std::move(name), static_cast<int64_t>(v)); }
  OpTest& attr(std::string name, float v);
  OpTest& attr(std::string name, const char* v) { return attr(std::move(name), std::string(v)); }
  OpTest& attr(std::string name, std::string v);
  OpTest& attr(std::string name, std::vector<int64_t> v);
  OpTest& attr(std::string name, std::vector<float> v);
  OpTest& attr(std::string name, std::vector<std::string> v);
  OpTest& attr(std::string name, Tensor v);
  OpTest& attr(ir::Attribute a);

  OpTest& output(std::string name, Tensor expected);
  template <typename T>
  OpTest& output(std::string name, Shape shape, std::vector<T> data) {
    return output(std::move(name), make_tensor<T>(std::move(shape), data));
  }
  OpTest& output_value(std::string name, Value expected);
  // An output that exists but is not checked (run_get returns it).
  OpTest& output_unchecked(std::string name);
  OpTest& omitted_output();
  OpTest& tolerance(double rtol, double atol) {
    rtol_ = rtol;
    atol_ = atol;
    return *this;
  }

  // Runs with reference and default kernels, checks outputs; returns the
  // outputs of the default run (for extra checks by the caller).
  std::vector<Value> run();
  // Expects creating or running the model to fail with a message containing `substring`.
  void expect_error(const std::string& substring);
  // The serialised model (for tests of the loader itself).
  std::string model_bytes() const;

 private:
  std::vector<Value> run_once(bool reference);

  std::string op_, domain_;
  int opset_;
  struct In {
    std::string name;  // "" = omitted
    Value value;
    ir::Type type;
    bool constant = false;
  };
  struct Out {
    std::string name;  // "" = omitted
    Value expected;
    bool check = true;
  };
  std::vector<In> inputs_;
  std::vector<Out> outputs_;
  std::vector<ir::Attribute> attrs_;
  double rtol_ = 1e-5, atol_ = 1e-6;
};

}  // namespace onyx::test
