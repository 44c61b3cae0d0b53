// Intra-op thread pool.
//
// parallel_for splits [0, n) into one contiguous part per thread, each cut
// into chunks that other threads may take once their own part is done (see
// ThreadPool::parallel_for); the calling thread works on its own
// job alongside the workers, so a job never waits for a free worker and nested
// or concurrent parallel_for calls (several Run calls on one session) cannot
// deadlock. Workers spin briefly before sleeping: most kernels of a model run
// back to back, and waking a sleeping thread costs more than a short spin.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace onyx {

class ThreadPool {
 public:
  // `num_threads` counts the caller: 1 means no worker threads at all.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint ranges covering [0, n), each at least
  // `grain` long (except the last); returns when all are done. An exception
  // thrown by fn is rethrown here (the first one, the others are dropped).
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

  // Physical cores of this machine (the default thread count).
  static int default_threads();

 private:
  struct Job;
  void worker_loop(int slot);
  // Runs chunks of `job` as thread `slot` (0: the caller) until none is left.
  static void work_on(Job& job, int slot);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stop_ = false;
};

// Runs fn over [0, n) on `pool` when given and worth it, else inline.
inline void parallel_for(ThreadPool* pool, int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (!pool || pool->num_threads() == 1 || n <= grain) {
    fn(0, n);
    return;
  }
  pool->parallel_for(n, grain, fn);
}

}  // namespace onyx
