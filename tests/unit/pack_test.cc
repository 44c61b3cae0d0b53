// Panel packing (ukernels/pack.h): the AVX2 transposing copy against the
// portable loops on widths, row counts and k tails of every kind, and
// PackedMatrix::pack on a lent pool against the same packing on one thread,
// in place and into a fresh buffer.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "base/resident.h"
#include "base/tensor.h"
#include "runtime/thread_pool.h"
#include "ukernels/pack.h"
#include "ukernels/sgemm.h"
#include "unit/ukernel_test_util.h"

namespace onyx::ukernel {
namespace {

TEST(Pack, RowsAvx2MatchesPortable) {
  if (!isa_supported(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 here";
  std::mt19937 rng(1);
  // Widths of every kernel (4/8, 6/16, 12/32) and odd ones; k with and without a tail of 8.
  for (int width : {1, 3, 4, 6, 7, 8, 9, 12, 16, 24, 32})
    for (int64_t kc : {1, 2, 5, 7, 8, 9, 15, 16, 31, 64, 255, 256})
      for (int64_t rows : {int64_t{1}, int64_t{width / 2}, int64_t{width - 1}, int64_t{width}}) {
        if (rows < 1) continue;
        for (float scale : {1.f, -0.5f}) {
          const int64_t ld = kc + static_cast<int64_t>(rng() % 5);  // row stride past the k run read
          // The source is exactly as long as what is read: an over-read shows under ASan.
          auto src = random_vec(static_cast<size_t>((rows - 1) * ld + kc), static_cast<uint32_t>(rng()));
          // Guard floats after the panel: a store past it shows as a changed guard.
          const size_t n = static_cast<size_t>(kc * width);
          std::vector<float> want(n + 8, 7.f), got(n + 8, 7.f);
          pack_rows_portable(want.data(), src.data(), ld, rows, kc, width, scale);
          pack_rows_avx2(got.data(), src.data(), ld, rows, kc, width, scale);
          ASSERT_EQ(0, std::memcmp(want.data(), got.data(), sizeof(float) * want.size()))
              << "width " << width << " kc " << kc << " rows " << rows << " ld " << ld << " scale " << scale;
        }
      }
}

TEST(Pack, PortablePadsAndTransposes) {
  // The reference itself, on a case small enough to check by hand.
  const float src[] = {1, 2, 3, 4, 5, 6};  // 2 rows x 3 k, ld 3
  float d[12];
  std::memset(d, 0xff, sizeof d);
  pack_rows_portable(d, src, 3, 2, 3, 4, 2.f);
  const float want[] = {2, 8, 0, 0, 4, 10, 0, 0, 6, 12, 0, 0};
  EXPECT_EQ(0, std::memcmp(d, want, sizeof d));
}

TEST(Pack, OnLentPoolMatchesOneThread) {
  ThreadPool pool(3);
  for (Isa isa : isas())
    // The last one packs to ~10 MiB: several items of ~2 MiB, so the pool's threads share it.
    for (auto [rows, cols] : {std::pair<int64_t, int64_t>{300, 70}, {513, 37}, {5, 600}, {64, 1000}, {600, 4001}})
      for (bool as_a : {false, true})
        for (bool trans : {false, true}) {
          auto x = random_vec(static_cast<size_t>(rows * cols), 3);
          auto one = PackedMatrix::pack(isa, as_a, trans, trans ? cols : rows, trans ? rows : cols, x.data(), cols);
          std::shared_ptr<const PackedMatrix> many;
          {
            PackPoolScope scope(&pool);
            EXPECT_EQ(pack_pool(), &pool);
            many = PackedMatrix::pack(isa, as_a, trans, trans ? cols : rows, trans ? rows : cols, x.data(), cols);
          }
          EXPECT_EQ(pack_pool(), nullptr) << "the scope gives the pool back";
          ASSERT_EQ(one->bytes(), many->bytes());
          EXPECT_EQ(0, std::memcmp(one->panel(0, 0), many->panel(0, 0), one->bytes()))
              << isa_name(isa) << " " << rows << "x" << cols << " as_a " << as_a << " trans " << trans;
        }
}

TEST(Pack, InPlaceOnLentPoolMatchesOneThread) {
  ThreadPool pool(2);
  const Isa isa = active_isa();
  const int nr = sgemm_kernel(isa).nr;
  const int64_t k = 600, n = 7 * nr;  // three k-blocks, the last partial; an odd number of panels
  auto vals = random_vec(static_cast<size_t>(k * n), 11);
  auto normal = PackedMatrix::pack(isa, false, false, k, n, vals.data(), n);
  Tensor x(DataType::kFloat, Shape({k, n}));
  std::memcpy(x.raw(), vals.data(), x.nbytes());
  ASSERT_EQ(reinterpret_cast<uintptr_t>(x.raw()) % 64, 0u);
  resident::lend(x.raw(), x.nbytes(), x.owner());
  std::shared_ptr<const PackedMatrix> in_place;
  {
    PackPoolScope scope(&pool);
    in_place = PackedMatrix::pack(isa, false, false, k, n, x.data<float>(), n);
  }
  EXPECT_EQ(resident::end_lending(), std::vector<const void*>{x.raw()});
  EXPECT_EQ(in_place->panel(0, 0), x.data<float>()) << "packed over the lent bytes";
  ASSERT_EQ(in_place->bytes(), normal->bytes());
  EXPECT_EQ(0, std::memcmp(in_place->panel(0, 0), normal->panel(0, 0), normal->bytes()));
}

// Every panel width the SGEMM kernels use (4, 6, 8, 12, 16, 32) and odd
// ones, row counts below the width, k lengths with and without a tail, a
// leading dimension wider than kc; entries past the rows must be zero.
TEST(PackRows, EveryWidthRowCountAndTail) {
  std::mt19937 rng(9);
  for (Isa isa : isas()) {
    const PackRowsFn pack = pack_rows_for(isa);
    for (int64_t width : {1, 4, 5, 6, 8, 12, 16, 32}) {
      for (int64_t rows = 1; rows <= width; rows += (width > 8 ? 3 : 1)) {
        for (int64_t kc : {1, 7, 8, 9, 16, 64, 67}) {
          const int64_t ld = kc + 5;
          std::vector<float> src = random_vec(static_cast<size_t>(rows * ld), static_cast<uint32_t>(rng()));
          std::vector<float> dst(static_cast<size_t>(kc * width), 99.f);
          pack(dst.data(), src.data(), ld, rows, kc, static_cast<int>(width), 0.5f);
          for (int64_t k = 0; k < kc; ++k)
            for (int64_t i = 0; i < width; ++i) {
              const float want = i < rows ? 0.5f * src[i * ld + k] : 0.f;
              ASSERT_EQ(dst[k * width + i], want)
                  << isa_name(isa) << " width " << width << " rows " << rows << " kc " << kc << " at k " << k << " i " << i;
            }
        }
      }
    }
  }
}

}  // namespace
}  // namespace onyx::ukernel
