// Memory for a model's weights made at session creation: the load-time
// copies of misaligned weights, weights concatenated by fusion passes, and
// packed weights. Large ones get a mapping each, on 4 KiB pages faulted in
// ahead of the writes; small ones share chunks on 2 MiB pages.
//
// Why: on this VM (Firecracker, free page reporting at order 11) freed guest
// memory goes back to the host within seconds, and the first touch of it
// afterwards is a host fault as well. A fresh 2 MiB page costs 0.2 ms per
// MiB to fill when memory was freed just before (the previous process's),
// and 1.5-1.9 once it has been reported; 4 KiB pages come from recently
// freed small blocks first, and faulting them in with one
// MADV_POPULATE_WRITE per buffer instead of one trap per page costs a steady
// ~0.65 ms per MiB. A standalone 150 MiB fill took 29-285 ms on huge pages,
// 144-178 with 4 KiB faults and 86-108 prefaulted (bench/prefault_probe.c,
// with the command in its comment, twice). So the tens of MiB of a CNN's
// small weights, which the memory a previous process freed usually covers,
// stay on huge pages, and the hundreds of MiB of large ones, which it does
// not, take the steady path. Creation at 1 thread, medians of
// `bench/create_compare.py --threads 1,2 --rounds 5` against the build
// before this change and NchwcConv's faster packing, made together:
// resnet50 321 -> 178 ms, bert_base 948 -> 455, gpt2 1120 -> 554
// (at 2 threads, where two threads share the faults, 0.86-1.00x the time).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>

namespace onyx {

struct WeightBlock {
  void* p;
  std::shared_ptr<void> owner;  // unmaps (or keeps the chunk mapped) with the last holder
};

// A mapping of n bytes (page-aligned, uninitialised, not yet resident) on
// 4 KiB pages, for one large weight. Under AddressSanitizer: heap memory of
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
