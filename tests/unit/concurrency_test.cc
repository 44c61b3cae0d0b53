// Run from several threads on one session: every run gives exactly what a
// serial run on the same inputs gives. The TSan build (tests/sanitizers.sh)
// runs these tests to check there are no data races behind that.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

#include "runtime/session.h"
#include "unit/model_builder.h"

namespace onyx::test {
namespace {

using ir::Dim;

// y = Softmax(MatMul(x, W) + b), z = ReduceSum(Relu(x)) over [batch, 8]:
// a few kernels with scratch, a symbolic dim so shapes change between runs,
// and two outputs.
std::string small_model() {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim::sym("batch"), 8});
  std::vector<float> w(8 * 4), b(4);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 7) % 11) / 11.0f - 0.5f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0.1f * static_cast<float>(i);
  ir::Value* mm = mb.node("MatMul", {x, mb.constant("W", Tensor::from<float>(w, {8, 4}))});
  ir::Value* add = mb.node("Add", {mm, mb.constant("b", Tensor::from<float>(b, {4}))});
  mb.output(mb.node("Softmax", {add}, {ModelBuilder::attr_int("axis", -1)}));
  ir::Value* r = mb.node("Relu", {x});
  mb.output(mb.node("ReduceSum", {r, mb.constant("axes", Tensor::from<int64_t>(std::vector<int64_t>{1}, {1}))}));
  return mb.bytes();
}

Tensor input_for(int k) {
  int64_t batch = 1 + k % 5;
  std::vector<float> v(static_cast<size_t>(batch * 8));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((k * 31 + static_cast<int>(i) * 17) % 23) / 7.0f - 1.5f;
  return Tensor::from<float>(v, {batch, 8});
}

std::vector<Tensor> run_once(Session& s, const Tensor& x) {
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(x)};
  std::vector<Value> out = s.run(names, in, {});
  std::vector<Tensor> t;
  for (Value& v : out) t.push_back(v.tensor());
  return t;
}

bool same(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

TEST(Concurrency, EightThreadsOfAThousandRunsMatchSerial) {
  std::string bytes = small_model();
  SessionOptions so;
  so.intra_op_threads = 2;  // the session's pool is shared by the concurrent runs
  auto s = Session::create(bytes.data(), bytes.size(), so);
  constexpr int kInputs = 37, kThreads = 8, kRuns = 1000;
  std::vector<Tensor> inputs;
  std::vector<std::vector<Tensor>> expected;
  for (int k = 0; k < kInputs; ++k) {
    inputs.push_back(input_for(k));
    expected.push_back(run_once(*s, inputs.back()));
  }
  std::atomic<int> mismatches{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRuns; ++i) {
        int k = (t * 7 + i) % kInputs;
        try {
          std::vector<Tensor> got = run_once(*s, inputs[static_cast<size_t>(k)]);
          const auto& want = expected[static_cast<size_t>(k)];
          if (got.size() != want.size() || !same(got[0], want[0]) || !same(got[1], want[1])) ++mismatches;
        } catch (const Error&) {
          ++errors;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(errors.load(), 0);
}

TEST(Concurrency, SessionsCreatedAndRunFromManyThreads) {
  // Session creation (loader, inference, passes, kernel registry) is also
  // thread-safe: 8 threads each build their own session and run it.
  std::string bytes = small_model();
  Tensor x = input_for(3);
  auto ref_session = Session::create(bytes.data(), bytes.size());
  std::vector<Tensor> want = run_once(*ref_session, x);
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        try {
          auto s = Session::create(bytes.data(), bytes.size());
          std::vector<Tensor> got = run_once(*s, x);
          if (!same(got[0], want[0]) || !same(got[1], want[1])) ++bad;
        } catch (const Error&) {
          ++bad;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace onyx::test
