#include "base/weight_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "base/error.h"
#include "base/sanitizers.h"

// glibc before 2.35 lacks the name; the kernel (5.14+) takes the value.
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace onyx {

namespace {
constexpr size_t kPage = 4096;
constexpr size_t kHugePage = size_t{2} << 20;

size_t whole_pages(size_t n) { return (std::max<size_t>(n, 1) + kPage - 1) / kPage * kPage; }

// `bytes` (whole 4 KiB pages) of fresh memory starting on a huge-page
// boundary, advised as huge pages: every whole 2 MiB of it can be one, and
// the tail past the last boundary stays on small pages (no resident bytes
// beyond the request).
void* map_huge_aligned(size_t bytes, const char* what) {
  const size_t over = bytes + kHugePage;
  void* raw = mmap(nullptr, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) fail(ErrorCode::kFail, "out of memory mapping ", bytes, " bytes for ", what);
  const auto base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (base + kHugePage - 1) / kHugePage * kHugePage;
  if (start > base) munmap(raw, start - base);
  if (base + over > start + bytes) munmap(reinterpret_cast<void*>(start + bytes), base + over - (start + bytes));
  void* p = reinterpret_cast<void*>(start);
  madvise(p, bytes, MADV_HUGEPAGE);
  return p;
}

// An arena chunk (a whole number of huge pages).
std::shared_ptr<void> map_chunk(size_t bytes) {
  void* p = map_huge_aligned(bytes, "a weight chunk");
  return std::shared_ptr<void>(p, [bytes](void* q) { munmap(q, bytes); });
}
}  // namespace

WeightBlock map_weight(size_t n) {
  if (kUnderAsan) {
    // Heap memory of the exact size under ASan, so that overflows of weight
    // buffers are caught (prefault still works on its pages).
    void* p = std::aligned_alloc(64, (std::max<size_t>(n, 1) + 63) / 64 * 64);
    if (!p) fail(ErrorCode::kFail, "out of memory allocating ", n, " bytes for a weight");
    return {p, std::shared_ptr<void>(p, [](void* q) { std::free(q); })};
  }
  const size_t bytes = whole_pages(n);
  void* p = map_huge_aligned(bytes, "a weight");
  return {p, std::shared_ptr<void>(p, [bytes](void* q) { munmap(q, bytes); })};
}

bool prefault(void* p, size_t n) {
  if (!n) return true;
  const uintptr_t b = reinterpret_cast<uintptr_t>(p) / kPage * kPage;
  const uintptr_t e = (reinterpret_cast<uintptr_t>(p) + n + kPage - 1) / kPage * kPage;
  return madvise(reinterpret_cast<void*>(b), e - b, MADV_POPULATE_WRITE) == 0;
}

WeightArena::WeightArena(size_t chunk_bytes) : chunk_bytes_((chunk_bytes + kHugePage - 1) / kHugePage * kHugePage) {}

WeightArena::Block WeightArena::alloc(size_t n) {
  if (n > chunk_bytes_) fail(ErrorCode::kFail, "WeightArena: ", n, " bytes do not fit a ", chunk_bytes_, "-byte chunk");
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
