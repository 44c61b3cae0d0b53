// ukernels/rows (SkipLayerNorm rows, attention softmax rows) for every ISA
// this CPU runs, against double-precision loops written here: random rows of
// every length 1..40 and model widths (768, 769, 1024, 3072), with and
// without bias / beta / the Sum output, y written over its input, masks
// broadcast or per key, causal tails, fully masked rows and NaN scores.
#include "ukernels/rows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>
#include "unit/ukernel_test_util.h"

namespace onyx::ukernel {
namespace {

std::vector<int64_t> lengths() {
  std::vector<int64_t> v;
  for (int64_t n = 1; n <= 40; ++n) v.push_back(n);
  for (int64_t n : {64, 127, 128, 768, 769, 1024, 3072}) v.push_back(n);
  return v;
}

std::vector<float> random_row(std::mt19937& rng, int64_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& f : v) f = d(rng);
  return v;
}

TEST(RowOps, SkipLayerNormMatchesDouble) {
  std::mt19937 rng(11);
  for (Isa isa : isas()) {
    const RowOps& ops = row_ops(isa);
    for (int64_t n : lengths()) {
      for (int variant = 0; variant < 4; ++variant) {
        const bool with_bias = variant & 1, with_beta = variant & 2, with_sum = variant != 1;
        // An offset far from zero: a one-pass variance would lose it.
        std::vector<float> x = random_row(rng, n, 90.f, 110.f), skip = random_row(rng, n, -3.f, 3.f);
        std::vector<float> bias = random_row(rng, n, -1.f, 1.f), gamma = random_row(rng, n, 0.5f, 2.f);
        std::vector<float> beta = random_row(rng, n, -1.f, 1.f);
        const float eps = 1e-5f;
        std::vector<double> s(static_cast<size_t>(n));
        double mean = 0, var = 0;
        for (int64_t c = 0; c < n; ++c) {
          s[c] = static_cast<double>(x[c] + skip[c] + (with_bias ? bias[c] : 0.f));
          mean += s[c];
        }
        mean /= static_cast<double>(n);
        for (int64_t c = 0; c < n; ++c) var += (s[c] - mean) * (s[c] - mean);
        const double inv = 1.0 / std::sqrt(var / static_cast<double>(n) + eps);
        std::vector<float> sum(static_cast<size_t>(n), -7.f);
        // Odd variants write y over x (the executor may run the op in place).
        std::vector<float> y_buf(static_cast<size_t>(n));
        const bool in_place = variant & 1;
        std::vector<float> x_in = x;
        float* y = in_place ? x_in.data() : y_buf.data();
        ops.skip_layer_norm(x_in.data(), skip.data(), with_bias ? bias.data() : nullptr, gamma.data(),
                            with_beta ? beta.data() : nullptr, eps, n, y, with_sum ? sum.data() : nullptr);
        int bad = 0;
        for (int64_t c = 0; c < n && bad < 3; ++c) {
          const double want = (s[c] - mean) * inv * gamma[c] + (with_beta ? beta[c] : 0.0);
          if (std::fabs(y[c] - want) > 2e-4 + 2e-4 * std::fabs(want)) {
            ++bad;
            ADD_FAILURE() << isa_name(isa) << " n=" << n << " variant " << variant << " y[" << c << "] = " << y[c]
                          << ", want " << want;
          }
          if (with_sum && sum[c] != static_cast<float>(x[c] + skip[c] + (with_bias ? bias[c] : 0.f))) {
            ++bad;
            ADD_FAILURE() << isa_name(isa) << " n=" << n << " sum[" << c << "] = " << sum[c];
          }
        }
        if (!with_sum) {
          for (float v : sum) ASSERT_EQ(v, -7.f) << "Sum written although not wanted";
        }
      }
    }
  }
}

// Double-precision masked softmax of one row, the semantics rows.h gives.
std::vector<double> softmax_want(const std::vector<float>& row, const float* mask, int64_t step, int64_t live,
                                 int64_t keys) {
  std::vector<double> v(static_cast<size_t>(keys), 0.0);
  double mx = -std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < live; ++j) {
    v[j] = static_cast<double>(row[j] + (mask ? mask[j * step] : 0.f));
    if (v[j] > mx) mx = v[j];
  }
  if (mx == -std::numeric_limits<double>::infinity()) return std::vector<double>(static_cast<size_t>(keys), 0.0);
  double sum = 0;
  for (int64_t j = 0; j < live; ++j) sum += v[j] = std::exp(v[j] - mx);
  for (int64_t j = 0; j < live; ++j) v[j] /= sum;
  return v;
}

TEST(RowOps, AttentionSoftmaxMatchesDouble) {
  std::mt19937 rng(5);
  const float ninf = -std::numeric_limits<float>::infinity();
  for (Isa isa : isas()) {
    const RowOps& ops = row_ops(isa);
    for (int64_t keys : lengths()) {
      for (int variant = 0; variant < 6; ++variant) {
        // Mask: none, one value for the row, per key (some keys -inf);
        // live: every key, or a causal prefix.
        const int mask_kind = variant % 3;
        const int64_t live = variant < 3 ? keys : 1 + static_cast<int64_t>(rng() % static_cast<uint32_t>(keys));
        std::vector<float> row = random_row(rng, keys, -8.f, 8.f);
        std::vector<float> mask = random_row(rng, keys, -2.f, 0.f);
        if (mask_kind == 2)
          for (int64_t j = 0; j < keys; j += 3) mask[j] = ninf;
        const float* m = mask_kind == 0 ? nullptr : mask.data();
        const int64_t step = mask_kind == 2 ? 1 : 0;
        std::vector<double> want = softmax_want(row, m, step, live, keys);
        // The row holds the exponentials; times the returned factor, the softmax.
        const float inv = ops.attention_softmax(row.data(), m, step, live, keys);
        int bad = 0;
        for (int64_t j = 0; j < keys && bad < 3; ++j) {
          const float p = row[j] * inv;
          if (std::fabs(p - want[j]) > 1e-6 + 1e-5 * want[j]) {
            ++bad;
            ADD_FAILURE() << isa_name(isa) << " keys=" << keys << " live=" << live << " mask " << mask_kind << " p["
                          << j << "] = " << p << ", want " << want[j];
          }
        }
        // Keys past live hold zeros, not exponentials of stale scores.
        for (int64_t j = live; j < keys; ++j) ASSERT_EQ(row[j], 0.f) << isa_name(isa) << " keys=" << keys << " j=" << j;
      }
    }
  }
}

TEST(RowOps, AttentionSoftmaxFullyMaskedAndNaN) {
  const float ninf = -std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (Isa isa : isas()) {
    const RowOps& ops = row_ops(isa);
    for (int64_t keys : {1, 7, 8, 9, 20, 128}) {
      // Every key masked: zeros, not NaN (the exporters' IsNaN -> 0).
      std::vector<float> row(static_cast<size_t>(keys), 1.f), mask(static_cast<size_t>(keys), ninf);
      EXPECT_EQ(ops.attention_softmax(row.data(), mask.data(), 1, keys, keys), 0.f) << isa_name(isa);
      for (float v : row) EXPECT_EQ(v, 0.f) << isa_name(isa) << " keys=" << keys;
      row.assign(static_cast<size_t>(keys), 1.f);
      EXPECT_EQ(ops.attention_softmax(row.data(), mask.data(), 0, keys, keys), 0.f) << isa_name(isa);
      for (float v : row) EXPECT_EQ(v, 0.f) << isa_name(isa) << " broadcast mask, keys=" << keys;
      // A NaN score among finite ones makes the factor, and so every
      // probability of the row, NaN.
      row.assign(static_cast<size_t>(keys), 0.5f);
      row[static_cast<size_t>(keys - 1)] = nan;
      const float inv = ops.attention_softmax(row.data(), nullptr, 0, keys, keys);
      if (keys > 1) {
        for (float v : row) EXPECT_TRUE(std::isnan(v * inv)) << isa_name(isa) << " keys=" << keys;
      }
    }
  }
}

// The vector rows against the portable ones on the same inputs (what the fast
// kernels' outputs are compared with in the op tests).
TEST(RowOps, IsasAgree) {
  std::mt19937 rng(3);
  const RowOps& ref = row_ops(Isa::kScalar);
  for (Isa isa : isas()) {
    const RowOps& ops = row_ops(isa);
    for (int64_t n : lengths()) {
      std::vector<float> x = random_row(rng, n, -4.f, 4.f), skip = random_row(rng, n, -4.f, 4.f);
      std::vector<float> g = random_row(rng, n, -2.f, 2.f), b = random_row(rng, n, -2.f, 2.f);
      std::vector<float> y0(static_cast<size_t>(n)), y1(static_cast<size_t>(n));
      ref.skip_layer_norm(x.data(), skip.data(), nullptr, g.data(), b.data(), 1e-12f, n, y0.data(), nullptr);
      ops.skip_layer_norm(x.data(), skip.data(), nullptr, g.data(), b.data(), 1e-12f, n, y1.data(), nullptr);
      for (int64_t c = 0; c < n; ++c) ASSERT_NEAR(y0[c], y1[c], 1e-5f + 1e-5f * std::fabs(y0[c])) << n;
      std::vector<float> p0 = random_row(rng, n, -30.f, 30.f), p1 = p0;
      const float f0 = ref.attention_softmax(p0.data(), nullptr, 0, n, n);
      const float f1 = ops.attention_softmax(p1.data(), nullptr, 0, n, n);
      for (int64_t c = 0; c < n; ++c) ASSERT_NEAR(p0[c] * f0, p1[c] * f1, 1e-6f + 1e-5f * p0[c] * f0) << n;
    }
  }
}


}  // namespace
}  // namespace onyx::ukernel
