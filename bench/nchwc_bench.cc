// NCHWc convolution row kernels (kernels/conv/nchwc.h) on shapes taken from
// resnet50, mobilenet_v3_large and squeezenet1_1, one thread, per ISA build:
// the AVX2 one (16 ymm registers: 6-position dense steps, 8-position
// depthwise ones) and the AVX-512VL one (32 registers: 12 and 16). Reported
// as GFLOP per CPU-second and as a fraction of an FMA probe run right after
// (bench/peak.h). Every row of every output block is computed as
// NchwcConv::run does it, without its work split, so the numbers are the
// kernels' alone.
// Run: build/bin/onyx_microbench --benchmark_filter=Nchwc
#include <benchmark/benchmark.h>

#include <vector>

#include "peak.h"

#include "cpu/features.h"
#include "kernels/conv/nchwc.h"

namespace onyx::nchwc {
namespace {

// Args: C in, M out, square input side, square kernel k, stride s,
// depthwise (C == M, group C), ISA (1 AVX2, 2 AVX-512).
void BM_NchwcConv(benchmark::State& st) {
  const int64_t C = st.range(0), M = st.range(1), in = st.range(2), k = st.range(3), s = st.range(4);
  const bool dw = st.range(5) != 0;
  const Isa isa = static_cast<Isa>(st.range(6));
  if (!isa_supported(isa)) {
    st.SkipWithError("this CPU lacks the ISA");
    return;
  }
  const int64_t p = k / 2, out = (in + 2 * p - k) / s + 1;
  const int64_t Cb = blocks(C), Mb = blocks(M), pairs = (Mb + 1) / 2;
  const ConvGeo g{in, in, out, out, k, k, s, s, 1, 1, p, p, Cb};
  std::vector<float> x(static_cast<size_t>(Cb * in * in * kBlock), 0.5f), zeros(kBlock, 0.f);
  std::vector<float> y(static_cast<size_t>(Mb * out * out * kBlock));
  double flops = 0;
  if (dw) {
    const DwRowFn row = row_kernels(isa).dw;
    std::vector<float> w(static_cast<size_t>(Mb * k * k * kBlock), 0.25f), bias(static_cast<size_t>(Mb * kBlock), 0.f);
    for (auto _ : st) {
      for (int64_t b = 0; b < Mb; ++b) {
        DwRowArgs a{&g, x.data() + b * in * in * kBlock, w.data() + b * k * k * kBlock, bias.data() + b * kBlock,
                    zeros.data(), nullptr, nullptr, true};
        for (int64_t oh = 0; oh < out; ++oh) {
          a.y = y.data() + (b * out + oh) * out * kBlock;
          row(a, oh);
        }
      }
      benchmark::DoNotOptimize(y.data());
    }
    flops = 2.0 * static_cast<double>(C * k * k * out * out);
  } else {
    const ConvRowFn row = row_kernels(isa).conv;
    // Two pairs per call where the build has that step, as NchwcConv::run
    // does (whole groups of four blocks only).
    const ConvRowFn quad = row_kernels(isa).conv_quad;
    const int64_t pair_floats = k * k * Cb * kBlock * 2 * kBlock;
    std::vector<float> w(static_cast<size_t>(pairs * pair_floats), 0.25f), bias(static_cast<size_t>(pairs * 2 * kBlock), 0.f);
    for (auto _ : st) {
      for (int64_t pr = 0; pr < pairs;) {
        RowArgs a{};
        a.g = &g;
        a.x = x.data();
        a.w = w.data() + pr * pair_floats;
        a.bias = bias.data() + pr * 2 * kBlock;
        a.zeros = zeros.data();
        a.nb = quad && 2 * pr + 3 < Mb ? 4 : 2 * pr + 1 < Mb ? 2 : 1;
        a.w2 = a.nb == 4 ? a.w + pair_floats : nullptr;
        a.relu = true;
        for (int64_t oh = 0; oh < out; ++oh) {
          for (int j = 0; j < a.nb; ++j) a.y[j] = y.data() + ((2 * pr + j) * out + oh) * out * kBlock;
          (a.nb == 4 ? quad : row)(a, oh, 0, out);
        }
        pr += a.nb == 4 ? 2 : 1;
      }
      benchmark::DoNotOptimize(y.data());
    }
    flops = 2.0 * static_cast<double>(M * C * k * k * out * out);
  }
  st.counters["GFLOP/s/core"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  const double peak = bench::peak_gflops_now(1);
  st.counters["peak GFLOP/s/core"] = peak;
  st.counters["peak%"] = benchmark::Counter(flops / (peak * 1e9) * 100.0, benchmark::Counter::kIsIterationInvariantRate);
  st.SetLabel(isa_name(isa));
}

void shapes(benchmark::internal::Benchmark* b) {
  for (int64_t isa : {1, 2}) {
    b->Args({256, 64, 56, 1, 1, 0, isa})    // resnet50 layer1 1x1 reduce
        ->Args({64, 256, 56, 1, 1, 0, isa})   // resnet50 layer1 1x1 expand
        ->Args({128, 512, 28, 1, 1, 0, isa})  // resnet50 layer2 1x1 expand
        ->Args({512, 512, 7, 3, 1, 0, isa})   // resnet50 layer4 3x3 (direct: the map is under 8x8)
        ->Args({128, 128, 56, 3, 2, 0, isa})  // resnet50 layer2.0 3x3 stride 2
        ->Args({256, 256, 28, 3, 2, 0, isa})  // resnet50 layer3.0 3x3 stride 2
        ->Args({64, 64, 56, 3, 1, 0, isa})    // a 3x3 stride 1 (resnet50 runs these by Winograd)
        ->Args({16, 64, 112, 1, 1, 0, isa})   // mobilenet_v3 features.2 expand (few input channels)
        ->Args({112, 672, 14, 1, 1, 0, isa})  // mobilenet_v3 features.12 expand
        ->Args({512, 1000, 13, 1, 1, 0, isa}) // squeezenet1_1 classifier
        ->Args({72, 72, 56, 3, 1, 1, isa})    // mobilenet_v3 depthwise 3x3, 56-wide rows
        ->Args({64, 64, 112, 3, 2, 1, isa})   // mobilenet_v3 depthwise 3x3 stride 2
        ->Args({120, 120, 28, 5, 1, 1, isa})  // mobilenet_v3 depthwise 5x5
        ->Args({672, 672, 14, 3, 1, 1, isa}); // mobilenet_v3 depthwise 3x3, 14-wide rows
  }
  b->ArgNames({"C", "M", "in", "k", "s", "dw", "isa"})->MeasureProcessCPUTime();
}
BENCHMARK(BM_NchwcConv)->Apply(shapes);

}  // namespace
}  // namespace onyx::nchwc
