// Many medium-sized buffers made at session creation (the load-time copies
// of misaligned weights, packed weights) carved out of chunks backed by
// 2 MiB pages.
//
// Why: on this VM the first touch of a fresh 4 KiB page costs ~4-5 us (a
// fault, then the page is cleared), so a 1 MiB buffer costs ~1 ms before a
// byte of it is written; 2 MiB pages fill ~4x faster (a standalone 154 MiB memset:
// 180 ms with 4 KiB pages, 40 ms with huge pages). The allocator gives huge
// pages to buffers from 2 MiB on; the many smaller weights of a CNN
// (resnet50: ~18 MiB of them, copied once and packed once) only get them
// when packed side by side.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>

namespace onyx {

class HugeArena {
 public:
  // Chunks of `chunk_bytes` (a multiple of 2 MiB) are mapped as needed.
  explicit HugeArena(size_t chunk_bytes = size_t{32} << 20);
  HugeArena(const HugeArena&) = delete;
  HugeArena& operator=(const HugeArena&) = delete;

  struct Block {
    void* p;
    std::shared_ptr<void> owner;  // keeps the chunk mapped; the chunk is unmapped with its last block
  };
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
