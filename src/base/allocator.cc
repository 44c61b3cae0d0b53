#include "base/allocator.h"

#include <sys/mman.h>

#include <cstdlib>

#include "base/error.h"

namespace onyx {

namespace {
// Below this size huge pages cannot help (a huge page is 2 MiB).
constexpr size_t kHugePageThreshold = size_t{2} << 20;
// No single tensor may exceed this even without a session limit: larger
// requests come from corrupt or hostile shapes, never from a real model.
constexpr size_t kMaxSingleAllocation = size_t{1} << 40;
}  // namespace

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
  size_t rounded = (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  if (rounded == 0) rounded = kTensorAlignment;
  void* p = nullptr;
  if (rounded >= kHugePageThreshold) {
    // Align large buffers to a huge page so the whole range can be backed by them.
    p = std::aligned_alloc(kHugePageThreshold, (rounded + kHugePageThreshold - 1) / kHugePageThreshold * kHugePageThreshold);
    if (p) madvise(p, rounded, MADV_HUGEPAGE);
  } else {
    p = std::aligned_alloc(kTensorAlignment, rounded);
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
  std::free(p);
}

Allocator* Allocator::default_allocator() {
  static Allocator a;
  return &a;
}

}  // namespace onyx
