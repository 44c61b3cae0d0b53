// SGEMM microbenchmarks on shapes taken from the models in ../shared/models,
// reported as GFLOP/s. Run: build/bin/onyx_microbench --benchmark_filter=Sgemm
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "peak.h"

#include "runtime/thread_pool.h"
#include "ukernels/sgemm.h"

namespace onyx::ukernel {
namespace {

// copies: how many packed B matrices the timed loop cycles through. With
// one, B stays in the cache between iterations; with enough to pass the L3
// cache, every product reads its B from DRAM, as a transformer's layers do
// (bert_base's packed weights are ~340 MB).
void run_sgemm(benchmark::State& st, int threads, bool packed, int copies = 1) {
  const int64_t M = st.range(0), N = st.range(1), K = st.range(2);
  std::vector<float> A(static_cast<size_t>(M * K), 0.5f), B(static_cast<size_t>(K * N), 0.25f),
      C(static_cast<size_t>(M * N));
  ThreadPool pool(threads);
  Isa isa = active_isa();
  std::vector<std::shared_ptr<const PackedMatrix>> pbs;
  for (int i = 0; i < copies; ++i) pbs.push_back(PackedMatrix::pack(isa, false, false, K, N, B.data(), N));
  size_t next = 0;
  for (auto _ : st) {
    const PackedMatrix& pb = *pbs[next];
    next = (next + 1) % pbs.size();
    if (packed) sgemm_packed_b(false, M, 1.f, A.data(), K, pb, 0.f, C.data(), N, {}, &pool);
    else sgemm(isa, false, false, M, N, K, 1.f, A.data(), K, B.data(), N, 0.f, C.data(), N, {}, &pool);
    benchmark::DoNotOptimize(C.data());
  }
  // Rates per CPU-second of the whole process (MeasureProcessCPUTime): per
  // core, robust to the time-sharing of this VM; peak% against an FMA probe
  // run right after the timed loop (see bench/peak.h).
  const double flops = 2.0 * static_cast<double>(M * N * K);
  st.counters["GFLOP/s/core"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  const double peak = bench::peak_gflops_now(threads);
  st.counters["peak GFLOP/s/core"] = peak;
  st.counters["peak%"] = benchmark::Counter(flops / (peak * 1e9) * 100.0, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(isa_name(isa));
}

void shapes(benchmark::internal::Benchmark* b) {
  b->Args({128, 768, 768})     // bert_base attention projections (seq 128)
      ->Args({128, 3072, 768})   // bert_base MLP up
      ->Args({128, 768, 3072})   // bert_base MLP down
      ->Args({64, 3136, 576})    // resnet50 3x3 conv 64->64 at 56x56 (im2col)
      ->Args({1, 768, 768})      // bert_base pooler / gpt2 decoding (GEMV)
      ->Args({1, 1000, 2048})    // resnet50 classifier (GEMV)
      ->Args({128, 784, 1152})   // resnet50 layer2 3x3 conv 128->128 at 28x28 (im2col)
      ->Args({256, 196, 2304})   // resnet50 layer3 3x3 conv 256->256 at 14x14 (im2col)
      ->Args({512, 512, 512})
      ->Args({1024, 1024, 1024})
      ->MeasureProcessCPUTime();
}

void BM_Sgemm_1T(benchmark::State& st) { run_sgemm(st, 1, false); }
void BM_Sgemm_2T(benchmark::State& st) { run_sgemm(st, 2, false); }
void BM_SgemmPackedB_1T(benchmark::State& st) { run_sgemm(st, 1, true); }
void BM_SgemmPackedB_2T(benchmark::State& st) { run_sgemm(st, 2, true); }
BENCHMARK(BM_Sgemm_1T)->Apply(shapes);
BENCHMARK(BM_Sgemm_2T)->Apply(shapes);
BENCHMARK(BM_SgemmPackedB_1T)->Apply(shapes);
BENCHMARK(BM_SgemmPackedB_2T)->Apply(shapes);

// B from DRAM: bert_base's MLP products over 12 packed copies (113 MB).
void BM_SgemmPackedBCold_1T(benchmark::State& st) { run_sgemm(st, 1, true, 12); }
void BM_SgemmPackedBCold_2T(benchmark::State& st) { run_sgemm(st, 2, true, 12); }
BENCHMARK(BM_SgemmPackedBCold_1T)->Args({128, 3072, 768})->Args({128, 768, 3072})->MeasureProcessCPUTime();
BENCHMARK(BM_SgemmPackedBCold_2T)->Args({128, 3072, 768})->Args({128, 768, 3072})->MeasureProcessCPUTime();

// The register tile alone, its operands in L1: one B panel of 256 k steps
// (32 KiB on AVX-512), A as a packed panel (in_place 0) or as rows of a
// row-major matrix 768 floats apart (1, bert_base's activations), `rows`
// rows of C (the active ISA's MR, or fewer: the thin tiles). What the
// products lose against this is memory (docs/PERFORMANCE.md).
void BM_SgemmTile(benchmark::State& st) {
  const int rows = static_cast<int>(st.range(0));
  const bool in_place = st.range(1) != 0;
  const Isa isa = active_isa();
  const SgemmKernel& kern = sgemm_kernel(isa);
  if (rows < 1 || rows > kern.mr) {
    st.SkipWithError("rows outside 1..MR of this ISA's tile");
    return;
  }
  constexpr int64_t kc = 256, lda = 768;
  std::vector<float> a(static_cast<size_t>(kern.mr * lda), 0.5f), b(static_cast<size_t>(kc * kern.nr), 0.25f),
      c(static_cast<size_t>(kern.mr * kern.nr), 0.f);
  for (auto _ : st) {
    for (int rep = 0; rep < 64; ++rep) {
      if (rows < kern.mr) kern.tile_edge(rows, in_place, kc, a.data(), lda, b.data(), c.data(), kern.nr, true, {});
      else if (in_place) kern.tile_rows(kc, a.data(), lda, b.data(), c.data(), kern.nr, true, {});
      else kern.tile(kc, a.data(), b.data(), c.data(), kern.nr, true, {});
    }
    benchmark::DoNotOptimize(c.data());
  }
  const double flops = 64.0 * 2.0 * static_cast<double>(rows * kern.nr * kc);
  st.counters["GFLOP/s/core"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  const double peak = bench::peak_gflops_now(1);
  st.counters["peak GFLOP/s/core"] = peak;
  st.counters["peak%"] = benchmark::Counter(flops / (peak * 1e9) * 100.0, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(isa_name(isa));
}
BENCHMARK(BM_SgemmTile)->ArgNames({"rows", "in_place"})
    ->Args({6, 0})->Args({6, 1})->Args({5, 1})->Args({2, 1})->Args({1, 1})->MeasureProcessCPUTime();

}  // namespace
}  // namespace onyx::ukernel
