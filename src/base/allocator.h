// Aligned memory for tensors.
//
// Every tensor buffer is 64-byte aligned (one cache line, one AVX-512 vector)
// so SIMD kernels never need a peeled head. Large buffers ask the kernel for
// transparent huge pages: on this VM a fresh 4 KiB page costs ~11 us to fault
// in versus ~0.26 us per 4 KiB with huge pages (../shared/MACHINE.md).
//
// An Allocator may carry a byte limit: a session's allocator refuses requests
// that would take its live bytes past the limit, with an error that names the
// size, instead of letting one hostile model take the host down.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace onyx {

inline constexpr size_t kTensorAlignment = 64;

class Allocator {
 public:
  // limit_bytes = 0 means no limit.
  explicit Allocator(size_t limit_bytes = 0) : limit_(limit_bytes) {}
  virtual ~Allocator() = default;
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // Returns 64-byte aligned memory; throws onyx::Error when over the limit or
  // when the system is out of memory. Zero bytes returns a valid unique pointer.
  void* alloc(size_t bytes);
  void free(void* p, size_t bytes) noexcept;

  size_t live_bytes() const { return live_.load(std::memory_order_relaxed); }
  size_t peak_bytes() const { return peak_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

  // The process-wide allocator used where no session allocator is given.
  static Allocator* default_allocator();

 private:
  size_t limit_;
  std::atomic<size_t> live_{0};
  std::atomic<size_t> peak_{0};
};

}  // namespace onyx
