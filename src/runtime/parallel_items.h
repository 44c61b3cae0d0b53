// Dynamic scheduling over a ThreadPool for work done once, at session
// creation: copying and packing weights (memory-bound, order-free).
//
// parallel_for hands out fixed, decreasing chunks; the first one a thread
// takes is a quarter of its share (an eighth of the work at 2 threads), and
// when that thread is descheduled (a busy machine: other processes on the
// same cores) the others finish the rest and then wait for that chunk. Here
// every thread claims one item at a time until none is left, so a preempted
// thread holds up the others by at most the item it is on; with the machine
// to itself the split is even.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "runtime/thread_pool.h"

namespace onyx {

// Calls item(i) once for every i in [0, n), on the pool's threads and the
// caller's (inline when `pool` is null or has one thread). Items should be
// large enough (~0.1 ms or more) to amortise the shared counter.
inline void parallel_items(ThreadPool* pool, int64_t n, const std::function<void(int64_t)>& item) {
  if (n <= 0) return;
  const int64_t threads = pool ? pool->num_threads() : 1;
  if (threads == 1 || n == 1) {
    for (int64_t i = 0; i < n; ++i) item(i);
    return;
  }
  std::atomic<int64_t> next{0};
  // One range per thread; each range is just "claim items until none are left".
  parallel_for(pool, threads, 1, [&](int64_t, int64_t) {
    for (int64_t i = next.fetch_add(1, std::memory_order_relaxed); i < n;
         i = next.fetch_add(1, std::memory_order_relaxed))
      item(i);
  });
}

}  // namespace onyx
