#include "runtime/memory_pattern.h"

#include <algorithm>

#include "base/error.h"
#include "base/sanitizers.h"

#if defined(ONYX_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace onyx {

namespace {

// Under ASan the arena is poisoned except for the buffers live in it, so a
// kernel that reads a freed intermediate, or overruns its output into bytes
// no live buffer holds (the alignment padding, a free range), is still caught
// although the bytes are one allocation. An overrun into a live neighbour is
// not: ONYX_MEM_PATTERN=0 gives every buffer its own allocation again.
void poison(void* p, size_t n) {
#if defined(ONYX_ASAN)
  ASAN_POISON_MEMORY_REGION(p, n);
#else
  (void)p, (void)n;
#endif
}
void unpoison(void* p, size_t n) {
#if defined(ONYX_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(p, n);
#else
  (void)p, (void)n;
#endif
}

// How far past the expected position a request may match the recording: a
// kernel that allocated something in the recording run only (a lazily built
// cache, say) shifts every later request by one, and matching only the exact
// position would send the rest of the run to the allocator.
constexpr size_t kLookAhead = 8;
// Runs with more requests than this go without an arena (real models make
// 50-300 a run): the recording stays small, and so does plan_arena's work.
constexpr size_t kMaxRecorded = 1 << 14;
// plan_arena gives up past this many pairs of buffers living at the same time.
constexpr size_t kMaxOverlaps = size_t{1} << 20;

size_t round_up(size_t n) { return (n + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment; }

}  // namespace

ArenaLayout plan_arena(std::span<const BufferRequest> requests) {
  ArenaLayout out;
  out.offsets.assign(requests.size(), kNotInArena);
  std::vector<size_t> order;
  order.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const BufferRequest& r = requests[i];
    if (r.bytes > 0 && r.end != kNeverFreed && r.end > r.start) order.push_back(i);
  }
  // Who lives at the same time as whom: a sweep over the start events. Each
  // buffer then looks only at its own neighbours, few in a real run (the
  // buffers live across one step), instead of at every buffer placed.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return requests[a].start < requests[b].start; });
  std::vector<std::vector<uint32_t>> neighbours(requests.size());
  size_t pairs = 0;
  for (size_t a = 0; a < order.size(); ++a) {
    const size_t i = order[a];
    for (size_t b = a + 1; b < order.size() && requests[order[b]].start < requests[i].end; ++b) {
      // A run where everything lives with everything gains nothing from a
      // plan, and the pairs would cost more memory than the arena saves.
      if (++pairs > kMaxOverlaps) return ArenaLayout{std::vector<size_t>(requests.size(), kNotInArena), 0};
      neighbours[i].push_back(static_cast<uint32_t>(order[b]));
      neighbours[order[b]].push_back(static_cast<uint32_t>(i));
    }
  }
  // Largest first: the big buffers set the arena's shape, the small ones fill
  // the holes between them.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].bytes != requests[b].bytes) return requests[a].bytes > requests[b].bytes;
    return a < b;
  });
  std::vector<std::pair<size_t, size_t>> taken;  // [offset, end) of placed neighbours
  for (size_t i : order) {
    const size_t size = round_up(requests[i].bytes);
    taken.clear();
    for (uint32_t j : neighbours[i])
      if (out.offsets[j] != kNotInArena) taken.emplace_back(out.offsets[j], out.offsets[j] + round_up(requests[j].bytes));
    std::sort(taken.begin(), taken.end());
    // `top` is the highest end among the ranges below, so [top, next offset)
    // is free of every buffer live at the same time.
    size_t best = kNotInArena, best_gap = SIZE_MAX, top = 0;
    for (const auto& [offset, end] : taken) {
      if (offset >= top) {
        const size_t gap = offset - top;
        if (gap >= size && gap < best_gap) {
          best_gap = gap;
          best = top;
        }
      }
      top = std::max(top, end);
    }
    if (best == kNotInArena) best = top;
    out.offsets[i] = best;
    out.bytes = std::max(out.bytes, best + size);
  }
  return out;
}

// ---- RunAllocator ----

struct RunAllocator::Plan {
  std::vector<BufferRequest> trace;
  std::once_flag once;  // the layout is computed by the first run that replays it
  ArenaLayout layout;
};

RunAllocator::RunAllocator(std::shared_ptr<Allocator> base, std::string signature, std::shared_ptr<const Plan> plan,
                           MemoryPatternCache* cache)
    : base_(std::move(base)), signature_(std::move(signature)), plan_(std::move(plan)), cache_(cache),
      owner_(std::this_thread::get_id()) {
  if (!plan_) {
    recording_ = true;
    return;
  }
  const size_t n = plan_->layout.bytes;
  if (n == 0) return;
  try {
    arena_ = static_cast<std::byte*>(base_->alloc(n));
  } catch (const Error&) {
    // Over the session's memory limit (the arena may be a little larger than
    // the recorded peak): this run goes without it, request by request.
    return;
  }
  arena_bytes_ = n;
  arena_lo_ = reinterpret_cast<uintptr_t>(arena_);
  arena_hi_ = arena_lo_ + n;
  poison(arena_, n);
}

RunAllocator::~RunAllocator() {
  if (arena_) release_arena_locked();
}

void RunAllocator::release_arena_locked() {
  unpoison(arena_, arena_bytes_);  // the session's allocator hands the bytes out again
  base_->free(arena_, arena_bytes_);
  arena_ = nullptr;
}

size_t RunAllocator::match_locked(size_t bytes) {
  const std::vector<BufferRequest>& t = plan_->trace;
  const size_t stop = std::min(t.size(), cursor_ + kLookAhead);
  for (size_t j = cursor_; j < stop; ++j) {
    if (t[j].bytes == bytes) {
      cursor_ = j + 1;
      return j;
    }
  }
  return kNotInArena;  // an unexpected request: the cursor stays for the next one
}

void* RunAllocator::alloc(size_t bytes) {
  // Pool workers' requests come in no fixed order: never recorded or planned.
  const bool own = std::this_thread::get_id() == owner_ && bytes > 0;
  // recording_ is written only by end_run, on the owner thread: reading it
  // here on that thread needs no lock.
  if (own && recording_) {
    void* p = base_->alloc(bytes);
    std::lock_guard<std::mutex> lk(mu_);
    if (trace_.size() < kMaxRecorded) {
      recorded_.emplace(p, trace_.size());
      trace_.push_back({bytes, clock_++, kNeverFreed});
    } else {
      too_many_ = true;
    }
    return p;
  }
  if (arena_lo_ != 0) {
    std::lock_guard<std::mutex> lk(mu_);
    bool expected = false;  // the recording has it, outside the arena (an output)
    if (own && arena_ && !ended_) {
      const size_t i = match_locked(bytes);
      const size_t off = i == kNotInArena ? kNotInArena : plan_->layout.offsets[i];
      expected = i != kNotInArena && off == kNotInArena;
      if (off != kNotInArena) {
        // The plan says the range is free now; make sure (the run may differ
        // from the recording in ways the match cannot see).
        const size_t end = off + bytes;
        auto next = live_.lower_bound(off);
        const bool clash = (next != live_.end() && next->first < end) ||
                           (next != live_.begin() && std::prev(next)->second > off);
        if (!clash) {
          live_.emplace_hint(next, off, end);
          ++hits_;
          unpoison(arena_ + off, bytes);
          return arena_ + off;
        }
      }
    }
    if (!expected) ++misses_;
  }
  return base_->alloc(bytes);
}

void RunAllocator::free(void* p, size_t bytes) noexcept {
  if (!p) return;
  const auto u = reinterpret_cast<uintptr_t>(p);
  if (u >= arena_lo_ && u < arena_hi_) {
    std::lock_guard<std::mutex> lk(mu_);
    live_.erase(u - arena_lo_);
    poison(p, bytes);
    if (live_.empty() && ended_ && arena_) release_arena_locked();  // the last buffer that outlived its run
    return;
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (recording_) {
      auto it = recorded_.find(p);
      if (it != recorded_.end()) {
        trace_[it->second].end = clock_++;
        recorded_.erase(it);
      }
    }
  }
  base_->free(p, bytes);
}

void RunAllocator::end_run(bool ok) {
  std::vector<BufferRequest> trace;
  bool recorded = false;
  uint64_t hits = 0, misses = 0;
  {
    std::lock_guard<std::mutex> lk(mu_);
    ended_ = true;
    recorded = recording_;
    recording_ = false;
    if (recorded) {
      // Too many requests: an empty recording, so later runs of this
      // signature neither record again nor take an arena.
      if (!too_many_) trace.swap(trace_);
      trace_.clear();
      recorded_.clear();
    }
    // Buffers still live (an arena buffer the caller got hold of) keep the
    // arena until the last of them is freed; the next run takes another one.
    if (arena_ && live_.empty()) release_arena_locked();
    hits = hits_;
    misses = misses_;
  }
  if (recorded && ok) cache_->add_recording(signature_, std::move(trace));
  else if (arena_lo_ != 0) cache_->count_run(hits, misses, arena_bytes_);
  cache_ = nullptr;
}

// ---- MemoryPatternCache ----

std::shared_ptr<RunAllocator> MemoryPatternCache::start_run(const std::string& signature,
                                                            const std::shared_ptr<Allocator>& base) {
  std::shared_ptr<RunAllocator::Plan> plan;
  {
    std::lock_guard<std::mutex> lk(mu_);
    auto it = index_.find(signature);
    if (it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      plan = it->second->second;
    }
  }
  // A signature seen once is only a recording: the layout is computed when
  // it comes again, so shapes that never repeat cost no planning.
  if (plan)
    std::call_once(plan->once, [&] {
      plan->layout = plan_arena(plan->trace);
      plans_computed_.fetch_add(1, std::memory_order_relaxed);
    });
  return std::make_shared<RunAllocator>(base, signature, std::move(plan), this);
}

void MemoryPatternCache::add_recording(const std::string& signature, std::vector<BufferRequest> trace) {
  runs_recorded_.fetch_add(1, std::memory_order_relaxed);
  auto plan = std::make_shared<RunAllocator::Plan>();
  plan->trace = std::move(trace);
  std::lock_guard<std::mutex> lk(mu_);
  if (index_.count(signature)) return;  // a concurrent run recorded it first
  lru_.emplace_front(signature, std::move(plan));
  index_[signature] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

void MemoryPatternCache::count_run(uint64_t hits, uint64_t misses, size_t arena_bytes) {
  runs_with_arena_.fetch_add(1, std::memory_order_relaxed);
  arena_requests_.fetch_add(hits, std::memory_order_relaxed);
  fallback_requests_.fetch_add(misses, std::memory_order_relaxed);
  last_arena_bytes_.store(arena_bytes, std::memory_order_relaxed);
}

MemoryPatternStats MemoryPatternCache::stats() const {
  MemoryPatternStats s;
  s.runs_recorded = runs_recorded_.load(std::memory_order_relaxed);
  s.runs_with_arena = runs_with_arena_.load(std::memory_order_relaxed);
  s.arena_requests = arena_requests_.load(std::memory_order_relaxed);
  s.fallback_requests = fallback_requests_.load(std::memory_order_relaxed);
  s.plans_computed = plans_computed_.load(std::memory_order_relaxed);
  s.last_arena_bytes = last_arena_bytes_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lk(mu_);
  s.plans_cached = lru_.size();
  return s;
}

}  // namespace onyx
