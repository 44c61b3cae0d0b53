// AVX-512VL build of the NCHWc convolution rows (nchwc_rows.inl): the AVX2
// operations on ymm registers (one register is one channel block, as the
// layout's blocks of 8 want), compiled with AVX-512VL so the compiler has 32
// of them. That is what it is for: 12-position dense steps and 16-position
// depthwise steps without spills. zmm registers would need blocks of 16, and
// on the measured Zen 5 VM a zmm FMA costs two ymm ones anyway
// (docs/PERFORMANCE.md).
#include <algorithm>

#include "kernels/conv/nchwc.h"
#include "ukernels/ymm_ops.h"

namespace onyx::nchwc {

namespace {
struct Ops : ukernel::avx2::YmmOps {
  static constexpr int kDwP = 16;   // depthwise step at stride 1: 16 accumulators
  static constexpr int kMaxP = 12;  // dense step: 24 accumulators + 2 weights + the broadcast
};
#include "kernels/conv/nchwc_rows.inl"
#include "kernels/conv/winograd.inl"
}  // namespace

extern const RowKernels kRowsAvx512{conv_row_impl, dw_row_impl, max_pool_row_impl, wino_input_impl,
                                   wino_output_impl};

}  // namespace onyx::nchwc
