// Memory for a model's weights made at session creation: the load-time
// copies of misaligned weights, weights concatenated by fusion passes, and
// packed weights. Large ones get a mapping each, small ones share chunks;
// both start on a 2 MiB boundary and are advised as huge pages, and large
// ones are faulted in ahead of the writes (prefault).
//
// Why huge pages: these buffers are read on every run, and on a VM a TLB
// miss walks two page tables (guest and host). On the 2-core Zen 5 VM of
// 2026-11-29, filling 150 MiB of fresh memory took 186-194 ms on 4 KiB pages
// even when they were prefaulted, against 8 ms on 2 MiB pages once faulted
// (bench/prefault_probe.c, modes 2 and 3, three runs). With the large weights
// on 4 KiB pages, bert_base ran in 254-312 ms at 1 thread and gpt2 in
// 461-718; on huge pages 136-138 and 187-190, and their sessions were
// created in 704-765 ms instead of 1043-1096 and 901-931 instead of
// 1578-1915 (the two builds alternated per process, `onyx bench MODEL
// --threads 1 --iters 10 --warmup 2` with the harness's inputs). An earlier
// VM, where 4 KiB faults were cheaper than huge-page ones and TLB misses
// cheap, had these on small pages (docs/PERFORMANCE.md, commit f8226eb).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>

namespace onyx {

struct WeightBlock {
  void* p;
  std::shared_ptr<void> owner;  // unmaps (or keeps the chunk mapped) with the last holder
};

// A mapping of n bytes (2 MiB-aligned, uninitialised, not yet resident),
// advised as huge pages, for one large weight. Under AddressSanitizer: heap memory of
// n bytes, 64-byte aligned, so that overflows of it are caught.
WeightBlock map_weight(size_t n);

// Faults in, writable, the whole pages covering [p, p + n) of an anonymous
// mapping, without changing their contents: call it right before filling
// the range, on the thread that fills it. Advisory: where the kernel cannot
// (before Linux 5.14) it returns false, and the writes fault the pages in
// one by one.
bool prefault(void* p, size_t n);

// Small weights carved side by side out of shared chunks on huge pages.
class WeightArena {
 public:
  // Chunks of `chunk_bytes` (rounded up to 2 MiB) are mapped as needed.
  explicit WeightArena(size_t chunk_bytes = size_t{32} << 20);
  WeightArena(const WeightArena&) = delete;
  WeightArena& operator=(const WeightArena&) = delete;

  using Block = WeightBlock;
  // Weights under this size share the chunks; larger ones get map_weight.
  static constexpr size_t kMaxShared = size_t{2} << 20;
  // n bytes, 64-byte aligned, uninitialised; n must be at most chunk_bytes.
  // Thread-safe. The tail of a chunk a request does not fit in is left
  // unused (never touched, so never resident).
  Block alloc(size_t n);

 private:
  const size_t chunk_bytes_;
  std::mutex mu_;
  std::shared_ptr<void> chunk_;
  char* base_ = nullptr;
  size_t used_ = 0;
};

}  // namespace onyx
