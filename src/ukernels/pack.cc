#include "ukernels/pack.h"

#include <algorithm>

#include "base/error.h"
#include "runtime/parallel_items.h"

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
thread_local WeightArena* tls_pack_arena = nullptr;
constexpr size_t kPrefaultSlice = size_t{2} << 20;
}  // namespace

PackedBuffer packed_alloc(size_t floats) {
  const size_t bytes = (std::max<size_t>(floats, 1) * sizeof(float) + 63) / 64 * 64;
  WeightBlock b =
      bytes < WeightArena::kMaxShared && tls_pack_arena ? tls_pack_arena->alloc(bytes) : map_weight(bytes);
  // Faulted in here, before the packing writes (base/weight_memory.h); a
  // large buffer in 2 MiB slices over the lent pool's threads.
  const int64_t slices = static_cast<int64_t>((bytes + kPrefaultSlice - 1) / kPrefaultSlice);
  parallel_items(slices > 1 ? tls_pack_pool : nullptr, slices, [&](int64_t i) {
    const size_t off = static_cast<size_t>(i) * kPrefaultSlice;
    prefault(static_cast<char*>(b.p) + off, std::min(kPrefaultSlice, bytes - off));
  });
  return {static_cast<float*>(b.p), std::move(b.owner)};
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
