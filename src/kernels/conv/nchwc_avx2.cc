// AVX2 + FMA build of the NCHWc convolution rows (nchwc_rows.inl): one ymm
// register is one channel block.
#include <algorithm>
#include <type_traits>
#include <utility>

#include "kernels/conv/nchwc.h"
#include "ukernels/ymm_ops.h"

namespace onyx::nchwc {

namespace {
struct Ops : ukernel::avx2::YmmOps {
  static constexpr int kDwP = 8;   // depthwise step: 8 accumulators
  static constexpr int kMaxP = 6;  // 2 x 6 accumulators + 3 of the 16 ymm registers
  static constexpr int kQuadP = 0;   // no two-pair steps: 4 x P accumulators do not fit 16 registers
};
#include "kernels/conv/nchwc_rows.inl"
#include "kernels/conv/winograd.inl"
}  // namespace

extern const RowKernels kRowsAvx2{conv_row_impl, dw_row_impl, max_pool_row_impl, wino_input_impl,
                                   wino_output_impl, nullptr};

}  // namespace onyx::nchwc
