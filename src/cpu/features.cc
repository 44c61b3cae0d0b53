#include "cpu/features.h"

#include <cpuid.h>

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <cstring>

namespace onyx {

namespace {

uint64_t xgetbv0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  bool osxsave = c & bit_OSXSAVE;
  bool has_avx = c & bit_AVX;
  f.fma = c & bit_FMA;
  f.f16c = c & bit_F16C;
  // The OS must save the wide registers: YMM state (bits 1-2), ZMM (5-7).
  uint64_t xcr0 = osxsave ? xgetbv0() : 0;
  bool ymm_ok = (xcr0 & 0x6) == 0x6;
  bool zmm_ok = (xcr0 & 0xE6) == 0xE6;
  f.avx = has_avx && ymm_ok;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
    f.avx2 = f.avx && (b & bit_AVX2);
    f.avx512f = zmm_ok && (b & bit_AVX512F);
    f.avx512bw = zmm_ok && (b & bit_AVX512BW);
    f.avx512vl = zmm_ok && (b & bit_AVX512VL);
    f.avx512dq = zmm_ok && (b & bit_AVX512DQ);
    f.avx512vnni = zmm_ok && (c & bit_AVX512VNNI);
  }
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) {
    f.avx512bf16 = zmm_ok && (a & bit_AVX512BF16);
    f.avxvnni = ymm_ok && (a & (1u << 4));
  }
  f.fma = f.fma && f.avx;
  f.f16c = f.f16c && f.avx;
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.fma) f.best = Isa::kAvx512;
  else if (f.avx2 && f.fma && f.f16c) f.best = Isa::kAvx2;
  return f;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "?";
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

bool isa_supported(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(cpu_features().best); }

Isa active_isa() {
  static const Isa isa = [] {
    Isa best = cpu_features().best;
    if (const char* env = std::getenv("ONYX_ISA")) {
      for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512})
        if (std::strcmp(env, isa_name(i)) == 0 && isa_supported(i)) return i;
    }
    return best;
  }();
  return isa;
}

}  // namespace onyx
