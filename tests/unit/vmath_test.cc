// ukernels/vmath against <cmath> (in double) for every ISA this CPU runs:
// random values over many magnitudes, special values (+-0, +-inf, NaN,
// overflow and underflow edges, the polynomial range switches), and every
// tail length 0..17; softmax rows against a double-precision softmax.
#include "ukernels/vmath.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>
#include "unit/ukernel_test_util.h"

namespace onyx::ukernel {
namespace {

std::vector<float> inputs() {
  std::vector<float> x;
  std::mt19937 rng(7);
  // First, whole vectors of values under 0.6 in magnitude: erf and tanh
  // return their polynomial for such a vector without the other branch.
  for (int i = 0; i < 64; ++i) x.push_back(std::uniform_real_distribution<float>(-0.6f, 0.6f)(rng));
  for (int i = 0; i < 20000; ++i) {
    const int e = std::uniform_int_distribution<int>(-30, 7)(rng);
    x.push_back(std::ldexp(std::uniform_real_distribution<float>(-1, 1)(rng), e));
  }
  for (int i = 0; i < 5000; ++i) x.push_back(std::uniform_real_distribution<float>(-110, 90)(rng));
  const float inf = std::numeric_limits<float>::infinity();
  for (float s : {0.f, -0.f, 1e-30f, -1e-30f, 88.7f, 88.73f, 89.f, -87.f, -88.f, -100.f, -103.f, -104.f, -200.f, inf,
                  -inf, 3.9f, 4.f, 5.f, 0.625f, -0.625f, 1.f, -1.f})
    x.push_back(s);
  x.push_back(std::numeric_limits<float>::quiet_NaN());
  return x;
}

// |got - want| <= atol + rtol * |want|, with want computed in double and
// rounded to float (so float overflow to inf is expected).
void check(const char* name, VecFn f, double (*ref)(double), double rtol, double atol) {
  std::vector<float> x = inputs(), y(x.size());
  f(x.data(), y.data(), static_cast<int64_t>(x.size()));
  int bad = 0;
  for (size_t i = 0; i < x.size() && bad < 5; ++i) {
    const double want = static_cast<float>(ref(x[i]));
    const double got = y[i];
    bool ok = std::isnan(want) ? std::isnan(got)
              : std::isinf(want) ? got == want
                                 : std::fabs(got - want) <= atol + rtol * std::fabs(want);
    if (!ok) {
      ++bad;
      ADD_FAILURE() << name << "(" << x[i] << ") = " << got << ", want " << want;
    }
  }
  // Tails: every length up to 17, in place, must equal the long-array results.
  for (int64_t n = 0; n <= 17; ++n) {
    std::vector<float> t(x.begin(), x.begin() + n);
    f(t.data(), t.data(), n);
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(t[static_cast<size_t>(i)], y[static_cast<size_t>(i)]) << name << " n=" << n;
  }
}

TEST(VMath, MatchesCmathOnEveryIsa) {
  for (Isa isa : isas()) {
    SCOPED_TRACE(isa_name(isa));
    const VMath& v = vmath(isa);
    check("exp", v.exp, [](double a) { return std::exp(a); }, 3e-7, 1e-37);
    check("tanh", v.tanh, [](double a) { return std::tanh(a); }, 4e-7, 1e-37);
    check("sigmoid", v.sigmoid, [](double a) { return 1 / (1 + std::exp(-a)); }, 3e-7, 1e-37);
    check("silu", v.silu, [](double a) { return a / (1 + std::exp(-a)); }, 4e-7, 1e-36);
    check("erf", v.erf, [](double a) { return std::erf(a); }, 1e-6, 4e-8);
    // GELU's 1 + erf cancels for large negative x (in any float formula): absolute 1e-7.
    check("gelu", v.gelu, [](double a) { return 0.5 * a * (1 + std::erf(a / std::sqrt(2.0))); }, 1e-6, 1e-7);
    check("gelu_tanh", v.gelu_tanh,
          [](double a) { return 0.5 * a * (1 + std::tanh(0.7978845608028654 * (a + 0.044715 * a * a * a))); }, 1e-6,
          1e-7);
  }
}

TEST(VMath, PiecewiseActivationsOnEveryIsa) {
  std::vector<float> x = inputs(), y(x.size());
  const int64_t n = static_cast<int64_t>(x.size());
  for (Isa isa : isas()) {
    SCOPED_TRACE(isa_name(isa));
    const VMath& v = vmath(isa);
    auto expect = [&](const char* name, double (*ref)(double, double, double), double p0, double p1) {
      for (int64_t len : {n, int64_t{13}}) {  // the long array and a tail-only length
        std::fill(y.begin(), y.end(), -7.f);
        if (name[0] == 's') v.hard_sigmoid(x.data(), y.data(), len, static_cast<float>(p0), static_cast<float>(p1));
        else if (name[0] == 'w') v.hard_swish(x.data(), y.data(), len, 0.f, 0.f);
        else v.leaky_relu(x.data(), y.data(), len, static_cast<float>(p0), 0.f);
        for (int64_t i = 0; i < len; ++i) {
          const double want = ref(x[static_cast<size_t>(i)], p0, p1), got = y[static_cast<size_t>(i)];
          if (std::isnan(want)) EXPECT_TRUE(std::isnan(got)) << name << "(" << x[static_cast<size_t>(i)] << ")";
          else if (std::isinf(want)) EXPECT_EQ(got, want) << name << "(" << x[static_cast<size_t>(i)] << ")";
          else
            EXPECT_NEAR(got, want, 1e-6 * std::fabs(want) + 3e-7) << name << "(" << x[static_cast<size_t>(i)] << ")";
        }
      }
    };
    // NaN: HardSigmoid 0, HardSwish and LeakyRelu NaN (the scalar loops' behaviour).
    // Absolute 3e-7: x/6 + 1/2 cancels near the kink, in any float evaluation.
    expect("sigmoid (hard)", [](double a, double al, double be) {
      return std::isnan(a) ? 0.0 : std::min(1.0, std::max(0.0, static_cast<double>(static_cast<float>(al * a + be))));
    }, 0.2, 0.5);
    expect("wish (hard)", [](double a, double, double) {
      return std::isnan(a) ? a : a * std::min(1.0, std::max(0.0, a / 6.0 + 0.5));
    }, 0, 0);
    expect("leaky", [](double a, double al, double) { return a >= 0 ? a : a * static_cast<double>(static_cast<float>(al)); },
           0.01, 0);
  }
}

TEST(VMath, SoftmaxRowsMatchDouble) {
  std::mt19937 rng(3);
  for (Isa isa : isas()) {
    SCOPED_TRACE(isa_name(isa));
    for (int64_t n : {1, 2, 7, 8, 9, 31, 128, 1000}) {
      std::vector<float> x(static_cast<size_t>(n)), y(x.size());
      for (float& v : x) v = std::uniform_real_distribution<float>(-20, 20)(rng) + 1000.f;
      for (bool log : {false, true}) {
        vmath(isa).softmax_row(x.data(), y.data(), n, log);
        double m = -1e300, s = 0;
        for (float v : x) m = std::max(m, static_cast<double>(v));
        for (float v : x) s += std::exp(v - m);
        for (int64_t i = 0; i < n; ++i) {
          const double want = log ? (x[static_cast<size_t>(i)] - m) - std::log(s) : std::exp(x[static_cast<size_t>(i)] - m) / s;
          EXPECT_NEAR(y[static_cast<size_t>(i)], want, 2e-6 * std::fabs(want) + 1e-7) << "n=" << n << " log=" << log;
        }
      }
    }
    // A NaN anywhere makes the whole row NaN.
    std::vector<float> x{1.f, std::numeric_limits<float>::quiet_NaN(), 2.f}, y(3);
    vmath(isa).softmax_row(x.data(), y.data(), 3, false);
    for (float v : y) EXPECT_TRUE(std::isnan(v));
  }
}

}  // namespace
}  // namespace onyx::ukernel
