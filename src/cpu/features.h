// CPU feature detection, done once.
//
// Kernels never test CPU features in a hot loop: dispatch tables are filled
// from cpu_features() at first use (a function-local static), and the ISA
// choice can be lowered (never raised) with ONYX_ISA=scalar|avx2|avx512 to
// test the other paths on the same machine.
#pragma once

#include <cstddef>

namespace onyx {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };
const char* isa_name(Isa isa);

struct CpuFeatures {
  bool avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx512bf16 = false, avxvnni = false;
  Isa best = Isa::kScalar;  // the widest ISA the CPU and OS support
};

const CpuFeatures& cpu_features();
// The ISA kernels use: cpu_features().best, lowered by ONYX_ISA if set.
Isa active_isa();
// Whether `isa` can run here (for tests looping over every path).
bool isa_supported(Isa isa);

}  // namespace onyx
