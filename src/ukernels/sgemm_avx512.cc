// AVX-512 SGEMM microkernel: 6 x 32 tile (12 accumulators + 2 B vectors +
// 1 broadcast).
//
// Why 6 rows and not 12, though 32 registers would hold 12 x 32: with kKc =
// 256 a 32-wide B panel is 32 KiB, and 12 rows of packed A another 12 KiB,
// more than the 32 KiB L1 of the machine measured, so the panel was evicted
// between tiles; and 12 rows of an unpacked A (tile_rows) lda apart all map
// to one L1 set when lda is a multiple of 1024 floats (K = 1024, 3072), 12
// streams in an 8-way set. Measured on a 2-vCPU AMD EPYC VM whose zmm FMAs
// run at the ymm rate (117 GFLOP/s per core either way), `ONYX_ISA=avx512
// build/bin/onyx_microbench --benchmark_filter=SgemmPackedB_1T`: 12 x 32 gave
// 90-96 GFLOP/s on bert's 128 x 3072 x 768 and 128 x 768 x 3072 and 95 on
// 1024^3; 6 x 32 gives 103-106 on all three, as the AVX2 6 x 16 does.
// bert_base at 1 thread went from 246 to 225 ms.
#include <immintrin.h>

#include <utility>

#include "ukernels/sgemm.h"
#include "ukernels/zmm_ops.h"

namespace onyx::ukernel {

namespace {
using Avx512Ops = avx512::ZmmOps;
using Ops = Avx512Ops;
#include "ukernels/sgemm_tile.inl"
}  // namespace

extern const SgemmKernel kSgemmAvx512 = sgemm_kernel_of<Avx512Ops, 6, 2>(Isa::kAvx512);

}  // namespace onyx::ukernel
