#include "runtime/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <set>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ONYX_CPU_RELAX() _mm_pause()
#else
#define ONYX_CPU_RELAX() ((void)0)
#endif

namespace onyx {

namespace {
// Bumped on every job posted (by any pool): idle workers spin on it without
// taking the queue lock, and only lock when something was posted.
std::atomic<uint64_t> g_posted{0};
// Spin budget before sleeping, in pause instructions (~20-40 ns each): about
// 50-100 us, longer than the gap between two kernels of a model, far shorter
// than a scheduler tick. Waking a sleeping thread costs 10-50 us here.
constexpr int kSpinPauses = 4000;
}  // namespace

struct ThreadPool::Job {
  const std::function<void(int64_t, int64_t)>* fn;
  int64_t n, chunks;
  // Chunk c is [bounds[c], bounds[c + 1]).
  std::vector<int64_t> bounds;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex mu;
  std::condition_variable cv;
  std::exception_ptr error;
};

ThreadPool::ThreadPool(int num_threads) {
  for (int i = 1; i < num_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::work_on(Job& job) {
  for (;;) {
    int64_t c = job.next.fetch_add(1, std::memory_order_relaxed);
    if (c >= job.chunks) return;
    const int64_t b = job.bounds[static_cast<size_t>(c)], e = job.bounds[static_cast<size_t>(c) + 1];
    try {
      (*job.fn)(b, e);
    } catch (...) {
      std::lock_guard<std::mutex> lk(job.mu);
      if (!job.error) job.error = std::current_exception();
    }
    if (job.done.fetch_add(1, std::memory_order_acq_rel) + 1 == job.chunks) {
      std::lock_guard<std::mutex> lk(job.mu);
      job.cv.notify_all();
    }
  }
}

void ThreadPool::worker_loop() {
  uint64_t seen = g_posted.load(std::memory_order_acquire);
  for (;;) {
    // Spin-then-sleep: watch the post counter (no lock) for a while first.
    for (int spin = 0; spin < kSpinPauses; ++spin) {
      uint64_t now = g_posted.load(std::memory_order_acquire);
      if (now != seen) break;
      ONYX_CPU_RELAX();
    }
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lk(mu_);
      seen = g_posted.load(std::memory_order_acquire);
      // Drop jobs whose chunks are all claimed; others stay for more workers.
      while (!queue_.empty() && queue_.front()->next.load(std::memory_order_relaxed) >= queue_.front()->chunks)
        queue_.pop_front();
      if (queue_.empty()) {
        if (stop_) return;
        cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
        seen = g_posted.load(std::memory_order_acquire);
        if (queue_.empty()) {
          if (stop_) return;
          continue;
        }
      }
      job = queue_.front();
    }
    work_on(*job);
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int threads = num_threads();
  if (threads == 1 || n <= grain) {
    fn(0, n);
    return;
  }
  auto job = std::make_shared<Job>();
  // Decreasing chunks (guided): each is 1/(2 * threads) of what is left, at
  // least `grain`. The first ones are large (little overhead), the last ones
  // small, so the threads finish close together: with equal chunks of n/(4 *
  // threads) a thread idled up to a whole chunk at the end of every call,
  // which at 2 threads cost a CNN of small convolutions most of its gain.
  // The bounds depend only on n, grain and threads (not on timing), so a
  // kernel reducing per chunk gives the same result on every run.
  for (int64_t b = 0; b < n;) {
    job->bounds.push_back(b);
    b += std::max(grain, (n - b) / (2 * threads));
  }
  job->bounds.push_back(n);
  const int64_t chunks = static_cast<int64_t>(job->bounds.size()) - 1;
  job->fn = &fn;
  job->n = n;
  job->chunks = chunks;
  {
    std::lock_guard<std::mutex> lk(mu_);
    queue_.push_back(job);
  }
  g_posted.fetch_add(1, std::memory_order_release);
  cv_.notify_all();
  work_on(*job);
  // The last chunks may still run on workers: spin a little, then sleep.
  for (int spin = 0; spin < kSpinPauses && job->done.load(std::memory_order_acquire) != job->chunks; ++spin)
    ONYX_CPU_RELAX();
  if (job->done.load(std::memory_order_acquire) != job->chunks) {
    std::unique_lock<std::mutex> lk(job->mu);
    job->cv.wait(lk, [&] { return job->done.load(std::memory_order_acquire) == job->chunks; });
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = std::find(queue_.begin(), queue_.end(), job);
    if (it != queue_.end()) queue_.erase(it);
  }
  if (job->error) std::rethrow_exception(job->error);
}

int ThreadPool::default_threads() {
  // Count distinct (physical id, core id) pairs; fall back to hardware_concurrency.
  std::ifstream f("/proc/cpuinfo");
  std::set<std::pair<std::string, std::string>> cores;
  std::string line, phys, core;
  while (std::getline(f, line)) {
    if (line.rfind("physical id", 0) == 0) phys = line.substr(line.find(':') + 1);
    else if (line.rfind("core id", 0) == 0) {
      core = line.substr(line.find(':') + 1);
      cores.insert({phys, core});
    }
  }
  int n = static_cast<int>(cores.size());
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(1, n);
}

}  // namespace onyx
