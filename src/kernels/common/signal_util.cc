#include "kernels/common/signal_util.h"

#include <cmath>
#include <numbers>

#include "base/error.h"
#include "ir/graph.h"

namespace onyx {

namespace {

// e^{sign * 2 pi i k / n}, with k reduced so large k keeps full precision.
cdouble unit_root(int64_t k, int64_t n, double sign) {
  const double a = 2.0 * std::numbers::pi * static_cast<double>(k % n) / static_cast<double>(n);
  return {std::cos(a), sign * std::sin(a)};
}

}  // namespace

FftPlan::FftPlan(int64_t n, bool inverse) : n_(n) {
  const double sign = inverse ? 1.0 : -1.0;
  const bool pow2 = n > 0 && (n & (n - 1)) == 0;
  if (pow2) {
    kind_ = Kind::kRadix2;
    twiddles_.resize(static_cast<size_t>(n / 2));
    for (int64_t k = 0; k < n / 2; ++k) twiddles_[static_cast<size_t>(k)] = unit_root(k, n, sign);
  } else if (n <= 32) {
    kind_ = Kind::kDirect;
    direct_.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) direct_[static_cast<size_t>(k)] = unit_root(k, n, sign);
  } else {
    kind_ = Kind::kBluestein;
    m_ = 1;
    while (m_ < 2 * n - 1) m_ <<= 1;
    twiddles_.resize(static_cast<size_t>(m_ / 2));
    for (int64_t k = 0; k < m_ / 2; ++k) twiddles_[static_cast<size_t>(k)] = unit_root(k, m_, -1.0);
    // chirp[k] = e^{sign * pi i k^2 / n}; k^2 is reduced mod 2n first.
    chirp_.resize(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k) {
      const int64_t k2 = static_cast<int64_t>((static_cast<unsigned __int128>(k) * static_cast<unsigned __int128>(k)) %
                                              static_cast<unsigned __int128>(2 * n));
      const double a = std::numbers::pi * static_cast<double>(k2) / static_cast<double>(n);
      chirp_[static_cast<size_t>(k)] = {std::cos(a), sign * std::sin(a)};
    }
    kernel_.assign(static_cast<size_t>(m_), cdouble(0, 0));
    kernel_[0] = std::conj(chirp_[0]);
    for (int64_t k = 1; k < n; ++k)
      kernel_[static_cast<size_t>(k)] = kernel_[static_cast<size_t>(m_ - k)] = std::conj(chirp_[static_cast<size_t>(k)]);
    radix2(kernel_.data(), m_, twiddles_);
  }
}

void FftPlan::radix2(cdouble* a, int64_t n, const std::vector<cdouble>& tw) {
  // Bit-reversal permutation, then butterflies of growing span.
  for (int64_t i = 1, j = 0; i < n; ++i) {
    int64_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (int64_t len = 2; len <= n; len <<= 1) {
    const int64_t half = len / 2, step = n / len;
    for (int64_t i = 0; i < n; i += len)
      for (int64_t k = 0; k < half; ++k) {
        const cdouble t = a[i + k + half] * tw[static_cast<size_t>(k * step)];
        a[i + k + half] = a[i + k] - t;
        a[i + k] += t;
      }
  }
}

void FftPlan::run(cdouble* data, std::vector<cdouble>& scratch) const {
  const int64_t n = n_;
  switch (kind_) {
    case Kind::kRadix2: radix2(data, n, twiddles_); return;
    case Kind::kDirect: {
      scratch.assign(data, data + n);
      for (int64_t k = 0; k < n; ++k) {
        cdouble acc(0, 0);
        for (int64_t j = 0; j < n; ++j) acc += scratch[static_cast<size_t>(j)] * direct_[static_cast<size_t>((k * j) % n)];
        data[k] = acc;
      }
      return;
    }
    case Kind::kBluestein: {
      scratch.assign(static_cast<size_t>(m_), cdouble(0, 0));
      for (int64_t k = 0; k < n; ++k) scratch[static_cast<size_t>(k)] = data[k] * chirp_[static_cast<size_t>(k)];
      radix2(scratch.data(), m_, twiddles_);
      for (int64_t k = 0; k < m_; ++k) scratch[static_cast<size_t>(k)] *= kernel_[static_cast<size_t>(k)];
      // Inverse FFT of length m via conjugation.
      for (cdouble& v : scratch) v = std::conj(v);
      radix2(scratch.data(), m_, twiddles_);
      const double inv_m = 1.0 / static_cast<double>(m_);
      for (int64_t k = 0; k < n; ++k)
        data[k] = std::conj(scratch[static_cast<size_t>(k)]) * inv_m * chirp_[static_cast<size_t>(k)];
      return;
    }
  }
}

bool signal_output_type_ok(DataType dt) {
  if (dtype_is_packed(dt)) return false;
  if (dtype_is_float(dt)) return dtype_bits(dt) >= 16;
  return dtype_is_integer(dt);
}

DataType signal_output_type(const ir::Node& node) {
  const int64_t t = node.attr_int("output_datatype", 1);
  const DataType dt = dtype_is_valid(static_cast<int32_t>(t)) ? static_cast<DataType>(t) : DataType::kUndefined;
  if (!signal_output_type_ok(dt)) fail(ErrorCode::kInvalidArgument, "output_datatype ", t, " is not a supported numeric type");
  return dt;
}

}  // namespace onyx
