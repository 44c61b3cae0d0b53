// The portable reference GEMM and convolution (kernels/common/gemm_ref,
// kernels/conv/conv_ref) on shapes from the models in ../shared/models, in
// GFLOP/s. They are the oracles the fast kernels are tested against, and
// what runs wherever no fast kernel is registered, so their speed matters
// for the test suite's running time. Run:
//   build/bin/onyx_microbench --benchmark_filter='Ref'
#include <benchmark/benchmark.h>

#include <vector>

#include "kernels/common/gemm_ref.h"
#include "kernels/conv/conv_ref.h"
#include "runtime/thread_pool.h"

namespace onyx {
namespace {

void BM_GemmRef(benchmark::State& st) {
  const int64_t M = st.range(0), N = st.range(1), K = st.range(2);
  std::vector<float> A(static_cast<size_t>(M * K), 0.5f), B(static_cast<size_t>(K * N), 0.25f),
      C(static_cast<size_t>(M * N));
  ThreadPool pool(static_cast<int>(st.range(3)));
  GemmArgs<float> g;
  g.m = M;
  g.n = N;
  g.k = K;
  g.a = A.data();
  g.lda = K;
  g.b = B.data();
  g.ldb = N;
  g.c = C.data();
  g.ldc = N;
  for (auto _ : st) {
    gemm_ref(g, &pool);
    benchmark::DoNotOptimize(C.data());
  }
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * M * N * K, benchmark::Counter::kIsIterationInvariantRate,
                                               benchmark::Counter::kIs1000);
}
BENCHMARK(BM_GemmRef)
    ->ArgNames({"M", "N", "K", "threads"})
    ->Args({128, 768, 768, 1})   // bert_base attention projections (seq 128)
    ->Args({128, 768, 768, 2})
    ->Args({128, 3072, 768, 2})  // bert_base MLP up
    ->Args({1, 1000, 2048, 2})   // resnet50 classifier, batch 1
    ->UseRealTime();

// Conv: N=1, C in, M out, square input `in`, square kernel k, stride s, pad p, group g.
void BM_ConvRef(benchmark::State& st) {
  const int64_t C = st.range(0), M = st.range(1), in = st.range(2), k = st.range(3), s = st.range(4),
                g = st.range(5);
  const int64_t p = k / 2, out = (in + 2 * p - k) / s + 1;
  std::vector<float> x(static_cast<size_t>(C * in * in), 0.5f), w(static_cast<size_t>(M * (C / g) * k * k), 0.25f),
      y(static_cast<size_t>(M * out * out));
  ThreadPool pool(static_cast<int>(st.range(6)));
  ConvArgs<float> a;
  a.batch = 1;
  a.in_channels = C;
  a.out_channels = M;
  a.group = g;
  a.geo = {{in, in}, {k, k}, {s, s}, {1, 1}, {p, p}, {p, p}, {out, out}};
  a.x = x.data();
  a.w = w.data();
  a.y = y.data();
  for (auto _ : st) {
    conv_ref(a, &pool);
    benchmark::DoNotOptimize(y.data());
  }
  st.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * M * (C / g) * k * k * out * out, benchmark::Counter::kIsIterationInvariantRate,
                         benchmark::Counter::kIs1000);
}
BENCHMARK(BM_ConvRef)
    ->ArgNames({"C", "M", "in", "k", "s", "g", "threads"})
    ->Args({3, 64, 224, 7, 2, 1, 2})     // resnet50 stem
    ->Args({64, 64, 56, 3, 1, 1, 1})     // resnet50 3x3 at 56x56
    ->Args({64, 64, 56, 3, 1, 1, 2})
    ->Args({256, 64, 56, 1, 1, 1, 2})    // resnet50 1x1 (no im2col)
    ->Args({144, 144, 56, 3, 1, 144, 2}) // depthwise 3x3 (mobilenet-like)
    ->UseRealTime();

}  // namespace
}  // namespace onyx
