// HugeArena (base/huge_arena.h): aligned, disjoint blocks that stay valid
// while any block of their chunk is held, a new chunk when one is full, and
// an error for a request larger than a chunk.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "base/huge_arena.h"

namespace onyx {
namespace {

TEST(HugeArena, AlignedDisjointBlocks) {
  HugeArena arena(size_t{2} << 20);
  std::vector<HugeArena::Block> blocks;
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

TEST(HugeArena, FullChunkStartsAnotherAndOutlivesTheArena) {
  HugeArena::Block a, b;
  {
    HugeArena arena(size_t{2} << 20);
    a = arena.alloc(size_t{3} << 19);  // 1.5 MiB
    b = arena.alloc(size_t{3} << 19);  // does not fit what is left: a new chunk
    EXPECT_NE(a.owner, b.owner);
    std::memset(a.p, 0x5a, size_t{3} << 19);
  }
  // The arena is gone; the chunk lives on with its blocks.
  EXPECT_EQ(static_cast<unsigned char*>(a.p)[(size_t{3} << 19) - 1], 0x5a);
}

TEST(HugeArena, RequestLargerThanAChunkFails) {
  HugeArena arena(size_t{2} << 20);
  EXPECT_THROW(arena.alloc((size_t{2} << 20) + 1), Error);
}

}  // namespace
}  // namespace onyx
