#include "ukernels/pack.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>

#include "base/error.h"

namespace onyx::ukernel {

void pack_rows_portable(float* d, const float* src, int64_t ld, int64_t rows, int64_t kc, int width, float scale) {
  // Each source row is read once, in order, and written as a strided column
  // (the writes stay within kc * width floats).
  for (int64_t i = 0; i < rows; ++i) {
    const float* s = src + i * ld;
    if (scale == 1.f)
      for (int64_t k = 0; k < kc; ++k) d[k * width + i] = s[k];
    else
      for (int64_t k = 0; k < kc; ++k) d[k * width + i] = scale * s[k];
  }
  for (int64_t i = rows; i < width; ++i)
    for (int64_t k = 0; k < kc; ++k) d[k * width + i] = 0.f;
}

PackRowsFn pack_rows_for(Isa isa) { return isa >= Isa::kAvx2 ? pack_rows_avx2 : pack_rows_portable; }

namespace {
thread_local ThreadPool* tls_pack_pool = nullptr;
thread_local HugeArena* tls_pack_arena = nullptr;
constexpr size_t kHuge = size_t{2} << 20;
}  // namespace

PackedBuffer packed_alloc(size_t floats) {
  const size_t bytes = (std::max<size_t>(floats, 1) * sizeof(float) + 63) / 64 * 64;
  if (bytes < kHuge && tls_pack_arena) {
    HugeArena::Block b = tls_pack_arena->alloc(bytes);
    return {static_cast<float*>(b.p), std::move(b.owner)};
  }
  const size_t align = bytes >= kHuge ? kHuge : 64;
  auto* p = static_cast<float*>(std::aligned_alloc(align, (bytes + align - 1) / align * align));
  if (!p) fail(ErrorCode::kFail, "out of memory allocating ", bytes, " bytes for a packed weight");
  // Only whole huge pages: a tail huge page would be resident in full.
  if (bytes >= kHuge) madvise(p, bytes / kHuge * kHuge, MADV_HUGEPAGE);
  return {p, std::shared_ptr<void>(p, [](void* q) { std::free(q); })};
}

PackPoolScope::PackPoolScope(ThreadPool* pool) : prev_pool_(tls_pack_pool), prev_arena_(tls_pack_arena) {
  tls_pack_pool = pool;
  tls_pack_arena = &arena_;
}
PackPoolScope::~PackPoolScope() {
  tls_pack_pool = prev_pool_;
  tls_pack_arena = prev_arena_;
}
ThreadPool* pack_pool() { return tls_pack_pool; }

}  // namespace onyx::ukernel
