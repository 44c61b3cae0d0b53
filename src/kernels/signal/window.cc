// HannWindow, HammingWindow, BlackmanWindow (opset 17): window functions of
// `size` points, w[n] for n < size with N = size (periodic = 1, the default)
// or size - 1 (symmetric):
//   Hann      sin^2(pi n / N)
//   Hamming   25/46 - 21/46 cos(2 pi n / N)
//   Blackman  0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)
// A symmetric window of one point is [1] (N would be 0), as in PyTorch.
// output_datatype picks the element type (default float); integer types
// truncate as a cast would.
#include <numbers>

#include "kernels/common/image_util.h"
#include "kernels/common/signal_util.h"
#include "kernels/common/tensor_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class WindowKind { kHann, kHamming, kBlackman };

double window_value(WindowKind k, int64_t n, double N) {
  const double x = 2.0 * std::numbers::pi * static_cast<double>(n) / N;
  switch (k) {
    case WindowKind::kHann: {
      const double s = std::sin(std::numbers::pi * static_cast<double>(n) / N);
      return s * s;
    }
    case WindowKind::kHamming: return 25.0 / 46.0 - 21.0 / 46.0 * std::cos(x);
    case WindowKind::kBlackman: return 0.42 - 0.5 * std::cos(x) + 0.08 * std::cos(2 * x);
  }
  return 0;
}

template <WindowKind kKind>
class Window final : public Kernel {
 public:
  explicit Window(const KernelInit& init)
      : out_(signal_output_type(init.node)), periodic_(init.node.attr_int("periodic", 1) != 0) {}

  void run(KernelContext& ctx) const override {
    const Tensor& s = ctx.input(0);
    if (!dtype_is_integer(s.dtype()) || s.numel() != 1)
      fail(ErrorCode::kInvalidArgument, "size must be an integer scalar, got ", s.describe());
    const int64_t size = s.int_at(0);
    if (size < 0) fail(ErrorCode::kInvalidArgument, "size must be >= 0, got ", size);
    Tensor& y = ctx.output(0, {size}, out_);
    const double N = static_cast<double>(periodic_ ? size : size - 1);
    dispatch_numeric(out_, [&]<typename T>() {
      T* p = y.data<T>();
      for (int64_t n = 0; n < size; ++n) p[n] = store_real<T>(N == 0 ? 1.0 : window_value(kKind, n, N));
    });
  }

 private:
  DataType out_;
  bool periodic_;
};

void infer_window(InferContext& ctx) {
  const int64_t t = ctx.node().attr_int("output_datatype", 1);
  const DataType dt = dtype_is_valid(static_cast<int32_t>(t)) ? static_cast<DataType>(t) : DataType::kUndefined;
  if (!signal_output_type_ok(dt)) ctx.fail("output_datatype ", t, " is not a supported numeric type");
  ir::Dim n;
  if (auto v = tinfer::input_ints(ctx, 0); v && v->size() == 1) n = infer::dim_of((*v)[0]);
  ctx.set_output(0, dt, {n});
}

}  // namespace

ONYX_KERNEL({.op = "HannWindow", .since = 17, .types = {DataType::kInt32, DataType::kInt64}, .infer = infer_window,
             .create = create<Window<WindowKind::kHann>>});
ONYX_KERNEL({.op = "HammingWindow", .since = 17, .types = {DataType::kInt32, DataType::kInt64}, .infer = infer_window,
             .create = create<Window<WindowKind::kHamming>>});
ONYX_KERNEL({.op = "BlackmanWindow", .since = 17, .types = {DataType::kInt32, DataType::kInt64}, .infer = infer_window,
             .create = create<Window<WindowKind::kBlackman>>});

}  // namespace onyx
