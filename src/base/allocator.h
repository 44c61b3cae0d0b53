// Aligned, caching memory for tensors.
//
// Every tensor buffer is 64-byte aligned (one cache line, one AVX-512 vector)
// so SIMD kernels never need a peeled head.
//
// Freed buffers are kept, by size class, and handed out again: on this VM the
// first touch of a fresh 4 KiB page costs ~11 us (../shared/MACHINE.md), so a
// run that maps new memory for every intermediate pays more in page faults
// than in arithmetic. The cache is bounded by the high-water mark of live
// bytes: when a request cannot be served from its class and live + cached +
// request would exceed that mark, cached buffers (largest first) go back to
// the system. Resident memory therefore stays at about the peak a run needs
// (plus at most the largest buffer), also when input shapes change from run to
// run. Large buffers also ask for transparent huge pages.
//
// An Allocator may carry a byte limit: requests that would take the live
// bytes past it are refused with an error that names the size, instead of
// letting one hostile model take the host down.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace onyx {

inline constexpr size_t kTensorAlignment = 64;

// Held by shared_ptr (sessions create it with make_shared): each buffer keeps
// its allocator alive, so tensors returned by a run may outlive the session.
class Allocator : public std::enable_shared_from_this<Allocator> {
 public:
  // limit_bytes = 0 means no limit.
  explicit Allocator(size_t limit_bytes = 0) : limit_(limit_bytes) {}
  virtual ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // Returns 64-byte aligned memory; throws onyx::Error when over the limit or
  // when the system is out of memory. Zero bytes returns a valid unique pointer.
  // Virtual so that one run can serve its intermediates from a planned arena
  // (runtime/memory_pattern.h) behind the same Allocator* the kernels see.
  virtual void* alloc(size_t bytes);
  virtual void free(void* p, size_t bytes) noexcept;

  size_t live_bytes() const { return live_.load(std::memory_order_relaxed); }
  size_t peak_bytes() const { return peak_.load(std::memory_order_relaxed); }
  size_t cached_bytes() const;
  size_t limit() const { return limit_; }
  // Returns every cached buffer to the system.
  void release_cache();

  // The process-wide allocator used where no session allocator is given.
  static Allocator* default_allocator();

  // The size class a request is rounded up to (at most 25% more).
  static size_t size_class(size_t bytes);

 private:
  void evict_locked(size_t need);

  size_t limit_;
  std::atomic<size_t> live_{0};
  std::atomic<size_t> peak_{0};
  mutable std::mutex mu_;
  std::map<size_t, std::vector<void*>> free_;  // size class -> cached buffers
  size_t cached_ = 0;
  size_t largest_ = 0;  // the largest size class requested so far
};

}  // namespace onyx
