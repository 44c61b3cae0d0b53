// Shared by the ukernel tests (SGEMM, packing, vector math, transformer
// rows): the ISAs this CPU can run, each checked against the portable
// build, and reproducible random inputs.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "cpu/features.h"

namespace onyx::ukernel {

inline std::vector<Isa> isas() {
  std::vector<Isa> v;
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512})
    if (isa_supported(i)) v.push_back(i);
  return v;
}

// n floats uniform in [-1, 1) from `seed`.
inline std::vector<float> random_vec(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

}  // namespace onyx::ukernel
