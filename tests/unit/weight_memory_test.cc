// Weight memory (base/weight_memory.h): WeightArena's aligned, disjoint
// blocks that stay valid while any block of their chunk is held, a new chunk
// when one is full, and an error for a request larger than a chunk;
// map_weight's standalone mappings, and prefault, which makes pages resident
// without changing what they hold.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "base/sanitizers.h"
#include "base/weight_memory.h"

namespace onyx {
namespace {

TEST(WeightArena, AlignedDisjointBlocks) {
  WeightArena arena(size_t{2} << 20);
  std::vector<WeightArena::Block> blocks;
  const size_t sizes[] = {1, 63, 64, 65, 4096, 100000, 0, 7};
  for (size_t n : sizes) blocks.push_back(arena.alloc(n));
  for (size_t i = 0; i < blocks.size(); ++i) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(blocks[i].p) % 64, 0u) << i;
    std::memset(blocks[i].p, static_cast<int>(i + 1), std::max<size_t>(sizes[i], 1));
  }
  // Each block still holds its own byte pattern: none overlaps another.
  for (size_t i = 0; i < blocks.size(); ++i) {
    const auto* p = static_cast<const unsigned char*>(blocks[i].p);
    for (size_t j = 0; j < std::max<size_t>(sizes[i], 1); ++j) ASSERT_EQ(p[j], i + 1) << "block " << i << " byte " << j;
  }
  EXPECT_EQ(blocks[0].owner, blocks[1].owner) << "small blocks share a chunk";
}

TEST(WeightArena, FullChunkStartsAnotherAndOutlivesTheArena) {
  WeightArena::Block a, b;
  {
    WeightArena arena(size_t{2} << 20);
    a = arena.alloc(size_t{3} << 19);  // 1.5 MiB
    b = arena.alloc(size_t{3} << 19);  // does not fit what is left: a new chunk
    EXPECT_NE(a.owner, b.owner);
    std::memset(a.p, 0x5a, size_t{3} << 19);
  }
  // The arena is gone; the chunk lives on with its blocks.
  EXPECT_EQ(static_cast<unsigned char*>(a.p)[(size_t{3} << 19) - 1], 0x5a);
}

TEST(WeightArena, RequestLargerThanAChunkFails) {
  WeightArena arena(size_t{2} << 20);
  EXPECT_THROW(arena.alloc((size_t{2} << 20) + 1), Error);
}

// Resident pages among the n bytes at page-aligned p.
size_t resident_pages(void* p, size_t n) {
  std::vector<unsigned char> v((n + 4095) / 4096);
  if (mincore(p, n, v.data()) != 0) return SIZE_MAX;
  size_t r = 0;
  for (unsigned char c : v) r += c & 1;
  return r;
}

TEST(WeightMemory, PrefaultMakesPagesResidentAndKeepsTheirBytes) {
  if (kUnderAsan) GTEST_SKIP() << "under ASan map_weight gives heap memory (weight_memory.h)";
  constexpr size_t kBytes = size_t{1} << 20;  // 256 pages
  WeightBlock b = map_weight(kBytes - 100);   // rounded up to whole pages
  ASSERT_EQ(reinterpret_cast<uintptr_t>(b.p) % 4096, 0u);
  EXPECT_EQ(resident_pages(b.p, kBytes), 0u) << "a fresh mapping has no pages yet";
  auto* bytes = static_cast<unsigned char*>(b.p);
  bytes[5000] = 0x7e;  // page 1 written before the prefault
  // A range starting and ending inside pages: the whole pages around it.
  if (!prefault(bytes + 4097, 3 * 4096)) GTEST_SKIP() << "MADV_POPULATE_WRITE needs Linux 5.14";
  EXPECT_EQ(resident_pages(b.p, kBytes), 4u) << "pages 1-4";
  EXPECT_EQ(bytes[5000], 0x7e) << "prefaulting keeps what a page holds";
  EXPECT_EQ(bytes[4096 * 4 + 1], 0) << "fresh pages read as zeros";
  EXPECT_TRUE(prefault(b.p, kBytes - 100));
  EXPECT_EQ(resident_pages(b.p, kBytes), 256u);
  EXPECT_EQ(bytes[5000], 0x7e);
  WeightBlock empty = map_weight(0);  // one page, never touched
  EXPECT_NE(empty.p, nullptr);
}

}  // namespace
}  // namespace onyx
