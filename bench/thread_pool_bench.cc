// The fixed cost of one ThreadPool::parallel_for: a call whose items do
// nothing, back to back, at 1 and 2 threads. A CNN like mobilenet_v3_large
// makes over a hundred such calls per run on maps of a few thousand floats,
// and its small layers gain little from a second thread. This cost is not
// why: 0.2-0.3 us per call at 2 threads while the worker spins, against
// 3-35 us per layer (docs/PERFORMANCE.md, 2026-11-29). Run:
//   build/bin/onyx_microbench --benchmark_filter='BM_ParallelForEmpty'
#include <benchmark/benchmark.h>

#include <atomic>

#include "runtime/thread_pool.h"

namespace onyx {
namespace {

void BM_ParallelForEmpty(benchmark::State& st) {
  ThreadPool pool(static_cast<int>(st.range(0)));
  const int64_t items = st.range(1);
  std::atomic<int64_t> sink{0};
  for (auto _ : st) {
    pool.parallel_for(items, 1, [&](int64_t b, int64_t e) { sink.fetch_add(e - b, std::memory_order_relaxed); });
  }
  benchmark::DoNotOptimize(sink.load());
}
BENCHMARK(BM_ParallelForEmpty)->ArgNames({"threads", "items"})->ArgsProduct({{1, 2}, {2, 16}})->UseRealTime();

}  // namespace
}  // namespace onyx
