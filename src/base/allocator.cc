#include "base/allocator.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstdlib>

#include "base/error.h"
#include "base/sanitizers.h"

namespace onyx {

namespace {
// Below this size huge pages cannot help (a huge page is 2 MiB).
constexpr size_t kHugePageThreshold = size_t{2} << 20;
// No single tensor may exceed this even without a session limit: larger
// requests come from corrupt or hostile shapes, never from a real model.
constexpr size_t kMaxSingleAllocation = size_t{1} << 40;
// The cache may hold this much past the high-water mark of live bytes: the
// buffers live at the peak are not the ones every other point of a run needs,
// and with the bound at the mark exactly (4 MiB over it) each run of
// mobilenet_v3 unmapped and mapped ~13 buffers again, page faults included
// (`strace -c -e trace=mmap,munmap build/bin/onyx bench MODEL --threads 1`:
// 324 munmap calls in 24 runs with 4 MiB, 47 with 8 MiB). 8 MiB or an eighth of the peak.
// At least the largest buffer asked for, too: a run's output is freed by the
// caller after the run, on top of the intermediates already cached, and gpt2's
// 29 MiB logits were unmapped after every run and mapped (and faulted in) again
// in the next, evicting ~4 MiB of intermediates on the way (`strace -e
// trace=mmap,munmap`: 6 mmap + 8 munmap per run, ~970 page faults per run).
size_t cache_slack(size_t peak, size_t largest) { return std::max({size_t{8} << 20, peak / 8, largest}); }

// Buffers from this size on are mapped and unmapped directly. Through malloc,
// glibc raises its mmap threshold each time a mapped chunk is freed (up to
// 32 MiB), after which large buffers are carved from the heap, and the holes
// they leave when shapes change are not given back: bert_base's RSS rose 10%
// over 1,000 runs with the sequence length changing every run. Under ASan they
// stay malloc'd so that overflows of them are caught.
constexpr size_t kMapThreshold = kUnderAsan ? SIZE_MAX : size_t{256} << 10;

size_t mapped_length(size_t cls) {
  const size_t unit = cls >= kHugePageThreshold ? kHugePageThreshold : 4096;
  return (cls + unit - 1) / unit * unit;
}

void* system_alloc(size_t cls) {
  if (cls >= kMapThreshold) {
    const size_t len = mapped_length(cls);
    // Large buffers start on a huge page so the whole range can be backed by them.
    const size_t align = cls >= kHugePageThreshold ? kHugePageThreshold : 4096;
    const size_t over = len + align - 4096;
    void* raw = mmap(nullptr, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return nullptr;
    const uintptr_t base = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t start = (base + align - 1) / align * align;
    if (start > base) munmap(raw, start - base);
    if (base + over > start + len) munmap(reinterpret_cast<void*>(start + len), base + over - (start + len));
    void* p = reinterpret_cast<void*>(start);
    // Huge pages over the requested bytes only: a tail huge page would be resident in full.
    if (cls >= kHugePageThreshold) madvise(p, cls / kHugePageThreshold * kHugePageThreshold, MADV_HUGEPAGE);
    return p;
  }
  if (cls >= kHugePageThreshold) {
    void* p = std::aligned_alloc(kHugePageThreshold, mapped_length(cls));
    if (p) madvise(p, cls, MADV_HUGEPAGE);
    return p;
  }
  return std::aligned_alloc(kTensorAlignment, cls);
}

void system_free(void* p, size_t cls) {
  if (cls >= kMapThreshold) munmap(p, mapped_length(cls));
  else std::free(p);
}
}  // namespace

size_t Allocator::size_class(size_t bytes) {
  if (bytes <= 4096) return (std::max<size_t>(bytes, 1) + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  // Four classes per power of two: 1, 1.25, 1.5, 1.75 x 2^k.
  size_t top = std::bit_floor(bytes);
  size_t step = top / 4;
  return (bytes + step - 1) / step * step;
}

Allocator::~Allocator() { release_cache(); }

void* Allocator::alloc(size_t bytes) {
  if (bytes > kMaxSingleAllocation)
    fail(ErrorCode::kInvalidArgument, "refusing to allocate ", bytes, " bytes for one tensor (more than 1 TiB)");
  size_t now = live_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  if (limit_ != 0 && now > limit_) {
    live_.fetch_sub(bytes, std::memory_order_relaxed);
    fail(ErrorCode::kFail, "memory limit exceeded: allocating ", bytes, " bytes would bring the session to ", now,
         " bytes, over its limit of ", limit_, " bytes");
  }
  size_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  size_t cls = size_class(bytes);
  {
    std::lock_guard<std::mutex> lk(mu_);
    largest_ = std::max(largest_, cls);
    auto it = free_.find(cls);
    if (it != free_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      cached_ -= cls;
      return p;
    }
    // A miss: make room by dropping cached buffers of other sizes if keeping
    // them would take resident memory past the high-water mark.
    evict_locked(cls);
  }
  void* p = system_alloc(cls);
  if (!p) {
    {
      std::lock_guard<std::mutex> lk(mu_);
      evict_locked(SIZE_MAX);  // last resort: give everything back and retry
    }
    p = system_alloc(cls);
  }
  if (!p) {
    live_.fetch_sub(bytes, std::memory_order_relaxed);
    fail(ErrorCode::kFail, "out of memory allocating ", bytes, " bytes");
  }
  return p;
}

void Allocator::free(void* p, size_t bytes) noexcept {
  if (!p) return;
  live_.fetch_sub(bytes, std::memory_order_relaxed);
  size_t cls = size_class(bytes);
  std::lock_guard<std::mutex> lk(mu_);
  size_t resident = live_.load(std::memory_order_relaxed) + cached_ + cls;
  const size_t peak = peak_.load(std::memory_order_relaxed);
  if (resident > peak + cache_slack(peak, largest_)) {
    system_free(p, cls);
    return;
  }
  free_[cls].push_back(p);
  cached_ += cls;
}

void Allocator::evict_locked(size_t need) {
  size_t peak = peak_.load(std::memory_order_relaxed);
  size_t live = live_.load(std::memory_order_relaxed);
  while (cached_ > 0 && (need == SIZE_MAX || live + cached_ + need > peak + cache_slack(peak, largest_))) {
    auto it = std::prev(free_.end());
    if (it->second.empty()) {
      free_.erase(it);
      continue;
    }
    system_free(it->second.back(), it->first);
    it->second.pop_back();
    cached_ -= it->first;
    if (it->second.empty()) free_.erase(it);
  }
}

size_t Allocator::cached_bytes() const {
  std::lock_guard<std::mutex> lk(mu_);
  return cached_;
}

void Allocator::release_cache() {
  std::lock_guard<std::mutex> lk(mu_);
  for (auto& [cls, v] : free_)
    for (void* p : v) system_free(p, cls);
  free_.clear();
  cached_ = 0;
}

Allocator* Allocator::default_allocator() {
  // Never destroyed: tensors made outside any session may outlive static destructors.
  static auto* a = new std::shared_ptr<Allocator>(std::make_shared<Allocator>());
  return a->get();
}

}  // namespace onyx
