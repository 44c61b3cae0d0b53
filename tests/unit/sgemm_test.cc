// SGEMM: every ISA path this CPU can run against a plain triple loop, on
// shapes with tails in every dimension, transposes, alpha/beta, epilogues and
// pre-packed operands.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "runtime/thread_pool.h"
#include "ukernels/sgemm.h"
#include "unit/ukernel_test_util.h"

namespace onyx::ukernel {
namespace {

void reference(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
               const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epi) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += static_cast<double>(ta ? A[k * lda + m] : A[m * lda + k]) * (tb ? B[n * ldb + k] : B[k * ldb + n]);
      float v = static_cast<float>(alpha * s + (beta != 0 ? beta * C[m * ldc + n] : 0.0));
      if (epi.bias) v += epi.bias_per_row ? epi.bias[m] : epi.bias[n];
      apply_activation(&v, 1, {nullptr, false, epi.act, epi.p0, epi.p1});
      C[m * ldc + n] = v;
    }
}

void expect_close(const std::vector<float>& want, const std::vector<float>& got, int64_t K, const char* what) {
  ASSERT_EQ(want.size(), got.size());
  double tol = 1e-5 * std::sqrt(static_cast<double>(std::max<int64_t>(K, 1))) + 1e-6;
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(want[i], got[i], tol * (1 + std::fabs(want[i]))) << what << " at " << i;
}

TEST(Sgemm, MatchesReferenceOnEveryIsa) {
  ThreadPool pool(2);
  struct Case { int64_t M, N, K; bool ta, tb; float alpha, beta; };
  const Case cases[] = {
      {1, 1, 1, false, false, 1, 0},     {7, 5, 3, false, false, 1, 0},    {13, 17, 19, true, false, 0.5f, 1},
      {6, 16, 256, false, true, 1, 0},   {12, 32, 257, true, true, 2, 0.5f}, {121, 67, 300, false, false, 1, 1},
      {128, 768, 64, false, false, 1, 0}, {3, 1000, 8, false, true, 1, -1},  {250, 9, 513, true, false, 1, 0},
      {5, 7, 0, false, false, 1, 0.5f},
      // M = 1: the matrix-vector path, both layouts of B, with beta.
      {1, 37, 50, false, false, 1, 0},   {1, 37, 50, true, true, 0.5f, 1}, {1, 300, 9, false, true, 1, -1},
      // Row-major A is read in place (tile_rows) unless alpha != 1; edge
      // panels of 1..MR-1 rows; three equal row blocks (M > 240).
      {9, 20, 30, false, false, 0.5f, 0}, {487, 35, 40, false, false, 1, 0}, {245, 50, 33, false, true, 1, 1},
      // Raw operands over the whole-packing budget: cut into column / row slices.
      {7, 1030, 4100, false, false, 1, 0.5f}, {1030, 5, 4100, true, false, 1, 0},
  };
  for (Isa isa : isas()) {
    for (const Case& c : cases) {
      int64_t lda = c.ta ? c.M + 3 : c.K + 3, ldb = c.tb ? c.K + 1 : c.N + 1, ldc = c.N + 2;
      auto A = random_vec(static_cast<size_t>((c.ta ? c.K : c.M) * lda), 1);
      auto B = random_vec(static_cast<size_t>((c.tb ? c.N : c.K) * ldb), 2);
      auto C0 = random_vec(static_cast<size_t>(c.M * ldc), 3);
      auto want = C0, got = C0;
      reference(c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, want.data(), ldc, {});
      sgemm(isa, c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, got.data(), ldc, {}, &pool);
      // Padding columns of C must be untouched.
      expect_close(want, got, c.K, isa_name(isa));
      // One thread: other blocking (e.g. M = 121, 128: one row block whose
      // items pack their own B panels).
      got = C0;
      sgemm(isa, c.ta, c.tb, c.M, c.N, c.K, c.alpha, A.data(), lda, B.data(), ldb, c.beta, got.data(), ldc, {}, nullptr);
      expect_close(want, got, c.K, isa_name(isa));
    }
  }
}

TEST(Sgemm, PackedOperandsAndEpilogue) {
  ThreadPool pool(2);
  for (Isa isa : isas()) {
    for (auto [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{64, 100, 300}, {7, 33, 5}, {130, 20, 600},
                               // Pre-packed B: one row block of 128 rows (not 120 + 8), split
                               // into equal row blocks at 2 threads when N is narrow; two
                               // equal row blocks past 240 rows.
                               {128, 48, 70}, {250, 40, 300}}) {
      auto A = random_vec(static_cast<size_t>(M * K), 4);
      auto B = random_vec(static_cast<size_t>(K * N), 5);
      auto bias_n = random_vec(static_cast<size_t>(N), 6);
      auto bias_m = random_vec(static_cast<size_t>(M), 7);
      for (Act act : {Act::kNone, Act::kRelu, Act::kClip, Act::kSigmoid, Act::kHardSwish, Act::kGelu}) {
        Epilogue en{bias_n.data(), false, act, -0.5f, 0.5f};
        Epilogue em{bias_m.data(), true, act, -0.5f, 0.5f};
        std::vector<float> want(static_cast<size_t>(M * N)), got(want.size()), got2(want.size());
        reference(false, false, M, N, K, 1, A.data(), K, B.data(), N, 0, want.data(), N, en);
        auto pb = PackedMatrix::pack(isa, false, false, K, N, B.data(), N);
        sgemm_packed_b(false, M, 1, A.data(), K, *pb, 0, got.data(), N, en, &pool);
        expect_close(want, got, K, "packed B");
        reference(false, false, M, N, K, 1, A.data(), K, B.data(), N, 0, want.data(), N, em);
        auto pa = PackedMatrix::pack(isa, true, false, M, K, A.data(), K);
        sgemm_packed_a(*pa, false, N, B.data(), N, 0, got2.data(), N, em, &pool);
        expect_close(want, got2, K, "packed A");
      }
    }
  }
}

TEST(Sgemm, MatrixVectorEpilogue) {
  ThreadPool pool(2);
  const int64_t N = 45, K = 70;
  auto A = random_vec(static_cast<size_t>(K), 8);
  auto B = random_vec(static_cast<size_t>(K * N), 9);
  auto bias = random_vec(static_cast<size_t>(N), 10);
  for (Isa isa : isas())
    for (bool tb : {false, true}) {
      Epilogue e{bias.data(), false, Act::kRelu, 0, 0};
      std::vector<float> want(static_cast<size_t>(N)), got(want.size());
      const int64_t ldb = tb ? K : N;
      reference(false, tb, 1, N, K, 1, A.data(), K, B.data(), ldb, 0, want.data(), N, e);
      sgemm(isa, false, tb, 1, N, K, 1, A.data(), K, B.data(), ldb, 0, got.data(), N, e, &pool);
      expect_close(want, got, K, tb ? "gemv, B transposed" : "gemv");
    }
}

}  // namespace
}  // namespace onyx::ukernel
