// Panel packing for the SGEMM (sgemm.cc, pack_panels): the transposing copy
// that turns rows of a matrix into the columns of a microkernel panel, per
// ISA, and the thread pool that session creation lends weight packing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/weight_memory.h"
#include "cpu/features.h"

namespace onyx {
class ThreadPool;
}

namespace onyx::ukernel {

// d[k * width + i] = scale * src[i * ld + k] for i < rows, k < kc, and 0 for
// rows <= i < width (the padding rows of a panel's tail). 1 <= width <= 64.
// This is the layout of an A panel packed from a row-major A, or of a B panel
// packed from a transposed B: each source row becomes one strided column.
using PackRowsFn = void (*)(float* d, const float* src, int64_t ld, int64_t rows, int64_t kc, int width, float scale);

// Plain loops: the reference the ISA versions are tested against.
void pack_rows_portable(float* d, const float* src, int64_t ld, int64_t rows, int64_t kc, int width, float scale);
// 8 x 8 register transposes (pack_avx2.cc, built with -mavx2).
void pack_rows_avx2(float* d, const float* src, int64_t ld, int64_t rows, int64_t kc, int width, float scale);
// The version for `isa` (AVX2 from kAvx2 up).
PackRowsFn pack_rows_for(Isa isa);

// Memory for a packed operand, 64-byte aligned, already faulted in, and
// what keeps it alive: from 2 MiB on a mapping of its own, smaller ones from
// the arena of the PackPoolScope alive on this thread, if any. The first
// touch of fresh pages is most of what packing a weight costs on this VM
// (base/weight_memory.h).
struct PackedBuffer {
  float* p;
  std::shared_ptr<void> owner;
};
PackedBuffer packed_alloc(size_t floats);

// While one of these lives, PackedMatrix::pack called from this thread packs
// panels on `pool` (the session's intra-op pool, lent while kernels are
// created) and takes buffers under 2 MiB from one arena. Nested scopes
// restore the previous ones.
class PackPoolScope {
 public:
  explicit PackPoolScope(ThreadPool* pool);
  ~PackPoolScope();
  PackPoolScope(const PackPoolScope&) = delete;
  PackPoolScope& operator=(const PackPoolScope&) = delete;

 private:
  ThreadPool* prev_pool_;
  WeightArena* prev_arena_;
  WeightArena arena_;
};
// The pool lent to this thread (null when none).
ThreadPool* pack_pool();

}  // namespace onyx::ukernel
