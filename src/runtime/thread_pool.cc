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
  // Thread slot t owns the chunks [lo, hi) packed in owned[t] (lo << 32 | hi):
  // it takes them from the front; a thread whose range is empty takes from
  // the back of another's. Each slot's range is a contiguous t-th of [0, n).
  std::unique_ptr<std::atomic<uint64_t>[]> owned;
  int slots = 0;
  std::atomic<int64_t> done{0};
  std::mutex mu;
  std::condition_variable cv;
  std::exception_ptr error;
  bool exhausted() const;  // every chunk taken (some may still run)
};

ThreadPool::ThreadPool(int num_threads) {
  for (int i = 1; i < num_threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

namespace {
// Takes the first chunk of a range (front) or its last (back); -1 when empty.
int64_t take(std::atomic<uint64_t>& range, bool front) {
  uint64_t r = range.load(std::memory_order_relaxed);
  for (;;) {
    const uint64_t lo = r >> 32, hi = r & 0xffffffffu;
    if (lo >= hi) return -1;
    const uint64_t next = front ? ((lo + 1) << 32 | hi) : (lo << 32 | (hi - 1));
    if (range.compare_exchange_weak(r, next, std::memory_order_relaxed)) return static_cast<int64_t>(front ? lo : hi - 1);
  }
}
}  // namespace

bool ThreadPool::Job::exhausted() const {
  for (int t = 0; t < slots; ++t) {
    const uint64_t r = owned[static_cast<size_t>(t)].load(std::memory_order_relaxed);
    if ((r >> 32) < (r & 0xffffffffu)) return false;
  }
  return true;
}

void ThreadPool::work_on(Job& job, int slot) {
  for (;;) {
    // Own chunks first, in order; then the last chunk of the next thread's
    // range that has one left.
    int64_t c = slot < job.slots ? take(job.owned[static_cast<size_t>(slot)], true) : -1;
    for (int k = 1; c < 0 && k <= job.slots; ++k) c = take(job.owned[static_cast<size_t>((slot + k) % job.slots)], false);
    if (c < 0) return;
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

void ThreadPool::worker_loop(int slot) {
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
      while (!queue_.empty() && queue_.front()->exhausted()) queue_.pop_front();
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
    work_on(*job, slot);
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
  // Each thread owns a contiguous t-th of [0, n), cut into decreasing
  // chunks (each 1/4 of what is left of the range, at least `grain`): it
  // runs its own from the front, large ones first, and a thread done with
  // its range takes the small ones at the back of another's, so the threads
  // finish close together. Owning a fixed part of the index space keeps
  // most of each thread's data where it was the op before (a convolution's
  // rows are, say, the top half of the map on one thread in every layer):
  // with one shared queue of chunks the part each thread got depended on
  // timing, and at 2 threads half of every input came from the other core.
  // The bounds depend only on n, grain and threads (not on timing), so a
  // kernel reducing per chunk gives the same result on every run.
  // Everything in units of `grain` indices, so that only the very last
  // chunk can be shorter than the grain.
  const int64_t units = (n + grain - 1) / grain;
  const int slots = static_cast<int>(std::min<int64_t>(threads, units));
  job->slots = slots;
  job->owned = std::make_unique<std::atomic<uint64_t>[]>(static_cast<size_t>(slots));
  for (int t = 0; t < slots; ++t) {
    const int64_t first = static_cast<int64_t>(job->bounds.size());
    const int64_t u1 = units * (t + 1) / slots;
    for (int64_t u = units * t / slots; u < u1;) {
      job->bounds.push_back(u * grain);
      u += std::max<int64_t>(1, (u1 - u) / 4);
    }
    job->owned[static_cast<size_t>(t)].store(static_cast<uint64_t>(first) << 32 | static_cast<uint64_t>(job->bounds.size()),
                                             std::memory_order_relaxed);
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
  work_on(*job, 0);
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
