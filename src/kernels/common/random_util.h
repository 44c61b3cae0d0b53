// The random source of the random ops (RandomNormal, RandomUniform, their
// *Like forms, Bernoulli, Multinomial).
//
// With a `seed` attribute the draws are those of numpy's legacy
// RandomState(int(seed)) -- the generator the ONNX reference implementation
// uses -- so a seeded model gives the same values on every run and matches
// that reference draw for draw: MT19937 seeded by init_genrand (which is what
// std::mt19937(seed) does), 53-bit doubles from two 32-bit words, normals by
// the polar Box-Muller method keeping the second value for the next call, and
// binomial(1, p) by inversion. Without a seed, each run seeds from
// std::random_device.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

#include "ir/graph.h"

namespace onyx {

class NumpyRandom {
 public:
  explicit NumpyRandom(uint32_t seed) : gen_(seed) {}

  // Uniform in [0, 1), numpy's random_sample().
  double uniform() {
    const uint32_t a = gen_() >> 5, b = gen_() >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  // Standard normal, numpy's legacy gauss (polar method, cached pair).
  double gauss() {
    if (has_gauss_) {
      has_gauss_ = false;
      return gauss_;
    }
    double x1, x2, r2;
    do {
      x1 = 2.0 * uniform() - 1.0;
      x2 = 2.0 * uniform() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    const double f = std::sqrt(-2.0 * std::log(r2) / r2);
    gauss_ = f * x1;
    has_gauss_ = true;
    return f * x2;
  }

  // One draw of binomial(1, p) (p in [0, 1]), numpy's legacy algorithm: the
  // inversion method on min(p, 1 - p).
  int bernoulli(double p) {
    if (p <= 0.5) return inversion(p);
    return 1 - inversion(1.0 - p);
  }

 private:
  int inversion(double p) {
    const double q = 1.0 - p;
    const double qn = std::exp(std::log(q));
    const double np = p;
    const int64_t bound = static_cast<int64_t>(std::min(1.0, np + 10.0 * std::sqrt(np * q + 1)));
    int64_t x = 0;
    double px = qn;
    double u = uniform();
    while (u > px) {
      ++x;
      if (x > bound) {
        x = 0;
        px = qn;
        u = uniform();
      } else {
        u -= px;
        px = (static_cast<double>(1 - x + 1) * p * px) / (static_cast<double>(x) * q);
      }
    }
    return static_cast<int>(x);
  }

  std::mt19937 gen_;
  bool has_gauss_ = false;
  double gauss_ = 0;
};

// The seed of a random op: the `seed` attribute as numpy's int(seed) would
// see it (truncated, taken modulo 2^32), or a fresh one per call without it.
class RandomSeed {
 public:
  explicit RandomSeed(const ir::Node& node) {
    if (const ir::Attribute* a = node.attr("seed")) {
      has_ = true;
      const double s = a->type == ir::AttrType::kInt ? static_cast<double>(a->i) : static_cast<double>(a->f);
      if (!std::isfinite(s))
        fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'seed' must be finite, got ", s);
      value_ = static_cast<uint32_t>(static_cast<int64_t>(std::trunc(std::fmod(s, 4294967296.0))));
    }
  }
  // A generator for one run.
  NumpyRandom make() const { return NumpyRandom(has_ ? value_ : std::random_device{}()); }
  bool seeded() const { return has_; }

 private:
  bool has_ = false;
  uint32_t value_ = 0;
};

}  // namespace onyx
