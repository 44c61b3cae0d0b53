// Allocator: alignment, size classes, buffer reuse across runs, a bounded
// cache (resident memory stays at the high-water mark), limits.
#include <gtest/gtest.h>

#include <random>

#include "base/allocator.h"
#include "base/error.h"

namespace onyx {
namespace {

TEST(Allocator, AlignedAndClassed) {
  auto a = std::make_shared<Allocator>();
  for (size_t n : {size_t{1}, size_t{63}, size_t{4097}, size_t{100000}, size_t{3} << 20}) {
    void* p = a->alloc(n);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kTensorAlignment, 0u);
    size_t c = Allocator::size_class(n);
    EXPECT_GE(c, n);
    EXPECT_LE(c, n + n / 4 + kTensorAlignment);
    a->free(p, n);
  }
  EXPECT_EQ(a->live_bytes(), 0u);
}

TEST(Allocator, ReusesFreedBuffers) {
  auto a = std::make_shared<Allocator>();
  void* p = a->alloc(1 << 20);
  a->free(p, 1 << 20);
  void* q = a->alloc((1 << 20) - 100);  // same size class
  EXPECT_EQ(p, q);
  a->free(q, (1 << 20) - 100);
}

TEST(Allocator, CacheStaysNearTheHighWaterMark) {
  // Shapes that change every "run": resident memory must not keep growing.
  auto a = std::make_shared<Allocator>();
  std::mt19937 rng(1);
  size_t max_resident = 0;
  for (int run = 0; run < 2000; ++run) {
    size_t n = (size_t{1} << 16) + rng() % (size_t{8} << 20);
    std::vector<std::pair<void*, size_t>> live;
    for (int k = 0; k < 4; ++k) {
      size_t m = n / (k + 1);
      live.emplace_back(a->alloc(m), m);
    }
    for (auto [p, m] : live) a->free(p, m);
    if (run > 100) max_resident = std::max(max_resident, a->cached_bytes() + a->live_bytes());
  }
  // Peak live is at most ~8 MiB * (1 + 1/2 + 1/3 + 1/4) ~= 17 MiB; class rounding
  // and the small-buffer slack (4 MiB) bound the cache above it.
  EXPECT_LE(max_resident, a->peak_bytes() * 5 / 4 + (size_t{4} << 20) + (size_t{2} << 20));
}

TEST(Allocator, KeepsTheLargestBufferAcrossRuns) {
  // gpt2's shape of a run: intermediates come and go, then the output (the
  // largest buffer by far) is handed to the caller, who frees it after the
  // run. Next run, the cached output must survive the intermediates being
  // allocated again (bounded by the high-water mark alone, it was evicted
  // there and mapped and faulted in anew at the end of every run).
  auto a = std::make_shared<Allocator>();
  const size_t mid = size_t{3} << 20, out = size_t{29} << 20;
  for (int run = 0; run < 4; ++run) {
    std::vector<void*> tmp;
    for (int k = 0; k < 4; ++k) tmp.push_back(a->alloc(mid));
    if (run > 0) EXPECT_GE(a->cached_bytes(), Allocator::size_class(out)) << "run " << run;
    for (void* p : tmp) a->free(p, mid);
    void* o = a->alloc(out);
    a->free(o, out);
    // Bounded all the same: the high-water mark plus at most the largest class.
    EXPECT_LE(a->cached_bytes(), a->peak_bytes() + Allocator::size_class(out));
  }
}

TEST(Allocator, LimitIsEnforcedWithAMessage) {
  auto a = std::make_shared<Allocator>(1000);
  void* p = a->alloc(600);
  try {
    a->alloc(600);
    FAIL() << "limit not enforced";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("memory limit exceeded"), std::string::npos);
  }
  a->free(p, 600);
  EXPECT_NO_THROW(a->free(a->alloc(900), 900));
}

TEST(Allocator, RefusesAbsurdSizes) {
  auto a = std::make_shared<Allocator>();
  EXPECT_THROW(a->alloc(size_t{1} << 50), Error);
}

}  // namespace
}  // namespace onyx
