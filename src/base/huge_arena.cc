#include "base/huge_arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>

#include "base/error.h"

namespace onyx {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;

// A chunk aligned on a huge page, advised as huge pages over its whole length.
std::shared_ptr<void> map_chunk(size_t bytes) {
  const size_t over = bytes + kHugePage;
  void* raw = mmap(nullptr, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) fail(ErrorCode::kFail, "out of memory mapping a ", bytes, "-byte weight chunk");
  const auto base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (base + kHugePage - 1) / kHugePage * kHugePage;
  if (start > base) munmap(raw, start - base);
  if (base + over > start + bytes) munmap(reinterpret_cast<void*>(start + bytes), base + over - (start + bytes));
  void* p = reinterpret_cast<void*>(start);
  madvise(p, bytes, MADV_HUGEPAGE);
  return std::shared_ptr<void>(p, [bytes](void* q) { munmap(q, bytes); });
}
}  // namespace

HugeArena::HugeArena(size_t chunk_bytes) : chunk_bytes_((chunk_bytes + kHugePage - 1) / kHugePage * kHugePage) {}

HugeArena::Block HugeArena::alloc(size_t n) {
  if (n > chunk_bytes_) fail(ErrorCode::kFail, "HugeArena: ", n, " bytes do not fit a ", chunk_bytes_, "-byte chunk");
  const size_t len = (std::max<size_t>(n, 1) + 63) / 64 * 64;
  std::lock_guard<std::mutex> lk(mu_);
  if (!chunk_ || used_ + len > chunk_bytes_) {
    chunk_ = map_chunk(chunk_bytes_);
    base_ = static_cast<char*>(chunk_.get());
    used_ = 0;
  }
  void* p = base_ + used_;
  used_ += len;
  return {p, chunk_};
}

}  // namespace onyx
