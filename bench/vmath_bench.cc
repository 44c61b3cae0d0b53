// The vectorised transcendental math (ukernels/vmath) that the SGEMM
// epilogue and the elementwise kernels run, in ns per float, on one row of
// 3072 floats (gpt2's and bert_base's MLP width: the epilogue applies GELU a
// row of an L2-resident work item at a time). Inputs are N(0, s^2) with s
// = 0.5, 1 and 3 (the argument is 10 s): the share of lanes past the
// polynomial's switch point (where exp and a division run) sets the cost. Run:
//   build/bin/onyx_microbench --benchmark_filter='BM_VMath'
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "ukernels/vmath.h"

namespace onyx::ukernel {
namespace {

// The functions timed, by the benchmark's first argument.
struct Timed {
  const char* name;
  VecFn VMath::*fn;
};
constexpr Timed kTimed[] = {{"exp", &VMath::exp},   {"tanh", &VMath::tanh},           {"erf", &VMath::erf},
                            {"gelu", &VMath::gelu}, {"gelu_tanh", &VMath::gelu_tanh}, {"sigmoid", &VMath::sigmoid}};

void BM_VMath(benchmark::State& st) {
  const Timed& timed = kTimed[st.range(0)];
  const float sigma = static_cast<float>(st.range(1)) / 10.f;
  constexpr int64_t n = 3072;
  std::vector<float> x(n), y(n);
  std::mt19937 rng(7);
  std::normal_distribution<float> d(0.f, sigma);
  for (float& v : x) v = d(rng);
  const VecFn f = vmath().*timed.fn;
  for (auto _ : st) {
    f(x.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
  }
  st.counters["ns/float"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                                           benchmark::Counter::kInvert);
  st.SetLabel(timed.name);
}
BENCHMARK(BM_VMath)->ArgNames({"fn", "sigma10"})->ArgsProduct({benchmark::CreateDenseRange(0, 5, 1), {5, 10, 30}});

}  // namespace
}  // namespace onyx::ukernel
