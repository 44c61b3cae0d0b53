// AVX2 + FMA SGEMM microkernel: 6 x 16 tile (12 accumulators + 2 B vectors +
// 1 broadcast = 15 of 16 ymm registers).
#include <immintrin.h>

#include <utility>

#include "ukernels/ymm_ops.h"
#include "ukernels/sgemm.h"

namespace onyx::ukernel {

namespace {
using Avx2Ops = avx2::YmmOps;
using Ops = Avx2Ops;
#include "ukernels/sgemm_tile.inl"
}  // namespace

extern const SgemmKernel kSgemmAvx2 = sgemm_kernel_of<Avx2Ops, 6, 2>(Isa::kAvx2);

}  // namespace onyx::ukernel
