// AVX2 + FMA build of the NCHWc convolution rows (nchwc_rows.inl): one ymm
// register is one channel block.
#include <algorithm>

#include "kernels/conv/nchwc.h"
#include "ukernels/ymm_ops.h"

namespace onyx::nchwc {

namespace {
struct Ops : ukernel::avx2::YmmOps {
  static constexpr int kDwP = 8;   // depthwise step: 8 accumulators
  static constexpr int kMaxP = 6;  // 2 x 6 accumulators + 3 of the 16 ymm registers
};
#include "kernels/conv/nchwc_rows.inl"
#include "kernels/conv/winograd.inl"
}  // namespace

void conv_row_avx2(const RowArgs& a, int64_t oh, int64_t ow0, int64_t ow1) { conv_row_impl(a, oh, ow0, ow1); }
void dw_row_avx2(const DwRowArgs& a, int64_t oh) { dw_row_impl(a, oh); }
void max_pool_row_avx2(const PoolRowArgs& a, int64_t oh) { max_pool_row_impl(a, oh); }
void wino_input_avx2(const WinoArgs& a, int64_t b0, int64_t b1, int64_t ty) { wino_input_impl(a, b0, b1, ty); }
void wino_output_avx2(const WinoArgs& a, int64_t b0, int64_t b1, int64_t ty) { wino_output_impl(a, b0, b1, ty); }

}  // namespace onyx::nchwc
