// DynamicQuantizeLinear (opset 11): uint8 quantization of a float tensor with
// a scale and zero point computed from the data, exactly as the spec's
// function body does it, in float32:
//
//   lo = min(0, min(x)), hi = max(0, max(x))       (the range always holds 0)
//   y_scale = (hi - lo) / 255
//   y_zero_point = round_half_even(clip(0 - lo / y_scale, 0, 255))
//   y = saturate(round_half_even(x / y_scale) + y_zero_point)
//
// An all-zero (or empty) x gives y_scale 0: 0 / 0 is NaN, which the
// function body's Cast leaves undefined; here the zero point is then 0 and
// every y is 0. NaN in x propagates into min/max as ReduceMin/ReduceMax do
// (so y_scale is NaN), and NaN elements quantize to the zero point.
#include <cmath>

#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

inline uint8_t saturate_u8(float r) {
  if (std::isnan(r)) return 0;
  return r <= 0.0f ? 0 : r >= 255.0f ? 255 : static_cast<uint8_t>(r);
}

class DynamicQuantizeLinear final : public Kernel {
 public:
  explicit DynamicQuantizeLinear(const KernelInit&) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DataType::kFloat)
      fail(ErrorCode::kInvalidArgument, "x must be float32, got ", dtype_name(x.dtype()));
    const float* px = x.data<float>();
    const int64_t n = x.numel();
    float lo = 0.0f, hi = 0.0f;
    bool nan = false;
    for (int64_t i = 0; i < n; ++i) {
      const float v = px[i];
      if (std::isnan(v)) nan = true;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    const float scale = nan ? std::numeric_limits<float>::quiet_NaN() : (hi - lo) / 255.0f;
    float zp_f = 0.0f;
    if (scale != 0.0f && !std::isnan(scale)) {
      zp_f = 0.0f - lo / scale;
      zp_f = std::nearbyint(std::min(255.0f, std::max(0.0f, zp_f)));
    }
    const uint8_t zp = saturate_u8(zp_f);
    Tensor& y = ctx.output(0, x.shape(), DataType::kUInt8);
    uint8_t* py = y.data<uint8_t>();
    parallel_for(ctx.pool(), n, 16384, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const float q = px[i] / scale;
        py[i] = std::isnan(q) ? zp : saturate_u8(std::nearbyint(q) + static_cast<float>(zp));
      }
    });
    if (ctx.output_wanted(1)) ctx.output(1, {}, DataType::kFloat).data<float>()[0] = scale;
    if (ctx.output_wanted(2)) ctx.output(2, {}, DataType::kUInt8).data<uint8_t>()[0] = zp;
  }
};

void infer_dynamic_quantize(InferContext& ctx) {
  if (ctx.input_dtype(0) != DataType::kUndefined && ctx.input_dtype(0) != DataType::kFloat)
    ctx.fail("x must be float32, got ", dtype_name(ctx.input_dtype(0)));
  infer::same_shape_as(ctx, 0, DataType::kUInt8);
  if (ctx.has_output(1)) ctx.set_output(1, DataType::kFloat, {});
  if (ctx.has_output(2)) ctx.set_output(2, DataType::kUInt8, {});
}

}  // namespace

ONYX_KERNEL({.op = "DynamicQuantizeLinear", .since = 11, .types = {DataType::kFloat},
             .infer = infer_dynamic_quantize, .create = create<DynamicQuantizeLinear>});

}  // namespace onyx
