// ThreadPool::parallel_for: every index exactly once, chunks at least `grain`
// long, exceptions rethrown to the caller, nested calls and concurrent
// callers (several Run calls sharing one session pool) without deadlock or
// lost work, and idle workers that go to sleep and wake up again.
#include "runtime/thread_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace onyx {
namespace {

TEST(ThreadPool, CoversEveryIndexOnceWithGrain) {
  for (int threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    for (int64_t n : {1, 7, 64, 1000, 12345}) {
      for (int64_t grain : {1, 5, 100}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        std::atomic<int64_t> short_chunks{0};
        pool.parallel_for(n, grain, [&](int64_t b, int64_t e) {
          if (e - b < grain && e != n) short_chunks.fetch_add(1);
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)].fetch_add(1);
        });
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << "n=" << n << " i=" << i;
        EXPECT_EQ(short_chunks.load(), 0) << "only the last chunk may be shorter than the grain";
      }
    }
  }
}

TEST(ThreadPool, ChunkBoundsDoNotDependOnTiming) {
  // Kernels that reduce per chunk must get the same chunks on every call.
  ThreadPool pool(2);
  for (int64_t n : {10, 999, 100000}) {
    std::vector<std::pair<int64_t, int64_t>> first;
    for (int run = 0; run < 5; ++run) {
      std::mutex mu;
      std::vector<std::pair<int64_t, int64_t>> ranges;
      pool.parallel_for(n, 3, [&](int64_t b, int64_t e) {
        if (run % 2) std::this_thread::sleep_for(std::chrono::microseconds(b % 7));
        std::lock_guard<std::mutex> lk(mu);
        ranges.emplace_back(b, e);
      });
      std::sort(ranges.begin(), ranges.end());
      if (run == 0) first = ranges;
      else EXPECT_EQ(ranges, first) << "n=" << n;
    }
    EXPECT_GT(first.size(), 2u) << "n=" << n;
  }
}

TEST(ThreadPool, EachThreadOwnsAContiguousPart) {
  // Chunks never straddle a thread's part (a t-th of the work, in whole
  // grains), and the first of each part is a quarter of it: the first
  // chunks a thread takes are its own, so a kernel's thread keeps the same
  // region of the data from one op to the next.
  for (int threads : {2, 4}) {
    ThreadPool pool(threads);
    const int64_t n = 1000, grain = 5;
    std::mutex mu;
    std::vector<std::pair<int64_t, int64_t>> ranges;
    pool.parallel_for(n, grain, [&](int64_t b, int64_t e) {
      std::lock_guard<std::mutex> lk(mu);
      ranges.emplace_back(b, e);
    });
    std::sort(ranges.begin(), ranges.end());
    const int64_t units = n / grain;
    for (int t = 0; t < threads; ++t) {
      const int64_t part0 = units * t / threads * grain, part1 = units * (t + 1) / threads * grain;
      auto first = std::find_if(ranges.begin(), ranges.end(), [&](const auto& r) { return r.first == part0; });
      ASSERT_NE(first, ranges.end()) << "no chunk starts part " << t << " at " << part0;
      EXPECT_EQ(first->second - first->first, (part1 - part0) / grain / 4 * grain) << "part " << t;
      for (const auto& r : ranges) EXPECT_FALSE(r.first < part0 && r.second > part0) << r.first << ".." << r.second;
    }
  }
}

TEST(ThreadPool, RethrowsTheFirstException) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(100, 1,
                                 [](int64_t b, int64_t) {
                                   if (b >= 50) throw std::runtime_error("chunk failed");
                                 }),
               std::runtime_error);
  // The pool still works afterwards.
  std::atomic<int64_t> sum{0};
  pool.parallel_for(100, 1, [&](int64_t b, int64_t e) { sum.fetch_add(e - b); });
  EXPECT_EQ(sum.load(), 100);
}

TEST(ThreadPool, NestedAndConcurrentCallers) {
  ThreadPool pool(2);
  std::atomic<int64_t> total{0};
  auto work = [&] {
    for (int rep = 0; rep < 50; ++rep)
      pool.parallel_for(8, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
          parallel_for(&pool, 16, 1, [&](int64_t b2, int64_t e2) { total.fetch_add(e2 - b2); });
      });
  };
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t) callers.emplace_back(work);
  work();
  for (auto& t : callers) t.join();
  EXPECT_EQ(total.load(), 4 * 50 * 8 * 16);
}

TEST(ThreadPool, WorkersSleepAndWakeUp) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0};
  pool.parallel_for(10, 1, [&](int64_t b, int64_t e) { sum.fetch_add(e - b); });
  // Longer than the spin budget: the worker goes to sleep on the condition variable.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  pool.parallel_for(10, 1, [&](int64_t b, int64_t e) { sum.fetch_add(e - b); });
  EXPECT_EQ(sum.load(), 20);
}

}  // namespace
}  // namespace onyx
