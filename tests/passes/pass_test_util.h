// Helpers for optimizer tests: run one model at two optimization levels and
// compare, count the ops of the optimized graph.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "runtime/session.h"
#include "unit/model_builder.h"

namespace onyx::test {

inline Tensor random_floats(Shape shape, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  Tensor t(DataType::kFloat, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
  return t;
}

inline ir::Value* fconst(ModelBuilder& mb, const std::string& name, Shape shape, uint32_t seed, float scale = 0.5f) {
  return mb.constant(name, random_floats(std::move(shape), seed, -scale, scale));
}
inline ir::Value* scalar_const(ModelBuilder& mb, const std::string& name, float v) {
  return mb.constant(name, Tensor::scalar<float>(v));
}
inline ir::Value* ints_const(ModelBuilder& mb, const std::string& name, std::vector<int64_t> v) {
  const int64_t n = static_cast<int64_t>(v.size());
  return mb.constant(name, Tensor::from<int64_t>(std::span<const int64_t>(v), {n}));
}
inline ir::Attribute attr_f(const std::string& name, float v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::AttrType::kFloat;
  a.f = v;
  return a;
}

struct Optimized {
  std::unique_ptr<Session> session;
  std::vector<Tensor> outputs;
  // "com.onyx:MultiHeadAttention" / "Softmax" -> count
  std::map<std::string, int> ops;
  int count(const std::string& op) const {
    auto it = ops.find(op);
    return it == ops.end() ? 0 : it->second;
  }
};

inline Optimized run_level(const std::string& bytes, OptLevel level, const std::vector<std::string>& names,
                           const std::vector<Tensor>& inputs, bool reference = false,
                           const std::string& save_to = "") {
  SessionOptions o;
  o.opt_level = level;
  o.reference_kernels = reference;
  o.intra_op_threads = 2;
  o.optimized_model_path = save_to;
  Optimized r;
  r.session = Session::create(bytes.data(), bytes.size(), o);
  for (const auto& n : r.session->model().graph->nodes())
    ++r.ops[(n->domain.empty() ? "" : n->domain + ":") + n->op_type];
  std::vector<Value> in(inputs.begin(), inputs.end());
  for (Value& v : r.session->run(names, in, {})) r.outputs.push_back(v.tensor());
  return r;
}

inline void expect_close(const Tensor& a, const Tensor& b, float tol, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  ASSERT_EQ(a.dtype(), DataType::kFloat) << what;
  float worst = 0;
  int64_t at = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float x = a.data<float>()[i], y = b.data<float>()[i];
    const float d = std::fabs(x - y) / std::max(1.f, std::fabs(y));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  EXPECT_LE(worst, tol) << what << ": element " << at << " is " << a.data<float>()[at] << " vs "
                        << b.data<float>()[at];
}

// Runs at `level` with default and reference kernels, and at disabled; all
// outputs must agree. Returns the optimized run (default kernels).
inline Optimized check_against_unoptimized(const std::string& bytes, OptLevel level,
                                           const std::vector<std::string>& names, const std::vector<Tensor>& inputs,
                                           float tol = 1e-4f) {
  Optimized base = run_level(bytes, OptLevel::kDisabled, names, inputs, true);
  Optimized opt = run_level(bytes, level, names, inputs);
  Optimized ref = run_level(bytes, level, names, inputs, true);
  EXPECT_EQ(base.outputs.size(), opt.outputs.size());
  for (size_t i = 0; i < base.outputs.size() && i < opt.outputs.size(); ++i) {
    expect_close(opt.outputs[i], base.outputs[i], tol, "output " + std::to_string(i) + " (fast kernels)");
    expect_close(ref.outputs[i], base.outputs[i], tol, "output " + std::to_string(i) + " (reference kernels)");
  }
  return opt;
}

}  // namespace onyx::test
