// STFT (opset 17): short-time Fourier transform of a real ([batch, length, 1])
// or complex ([batch, length, 2]) signal. Frame f covers samples
// [f * frame_step, f * frame_step + frame_length), multiplied by the window
// when one is given; the output [batch, frames, bins, 2] holds each frame's
// DFT, bins = frame_length / 2 + 1 with onesided = 1 (the default) else
// frame_length. frames = (length - frame_length) / frame_step + 1.
#include <algorithm>

#include "kernels/common/image_util.h"
#include "kernels/common/signal_util.h"
#include "kernels/common/tensor_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

int64_t scalar_input(const Tensor& t, const char* what) {
  if (!dtype_is_integer(t.dtype()) || t.numel() != 1)
    fail(ErrorCode::kInvalidArgument, what, " must be an integer scalar, got ", t.describe());
  return t.int_at(0);
}

class Stft final : public Kernel {
 public:
  explicit Stft(const KernelInit& init) : onesided_(init.node.attr_int("onesided", 1) != 0) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() != 3 || (x.dim(2) != 1 && x.dim(2) != 2))
      fail(ErrorCode::kInvalidArgument, "signal must be [batch, signal_length, 1 or 2], got ", x.describe());
    const int64_t step = scalar_input(ctx.input(1), "frame_step");
    if (step <= 0) fail(ErrorCode::kInvalidArgument, "frame_step must be positive, got ", step);
    const Tensor* window = ctx.optional_input(2);
    if (window && window->numel() == 0 && window->rank() != 1) window = nullptr;
    int64_t frame = -1;
    if (window) {
      if (window->rank() != 1) fail(ErrorCode::kInvalidArgument, "window must be 1-D, got ", window->describe());
      if (window->dtype() != x.dtype())
        fail(ErrorCode::kInvalidArgument, "window has element type ", dtype_name(window->dtype()), " but signal has ",
             dtype_name(x.dtype()));
      frame = window->dim(0);
    }
    if (const Tensor* fl = ctx.optional_input(3)) {
      const int64_t v = scalar_input(*fl, "frame_length");
      if (window && v != frame)
        fail(ErrorCode::kInvalidArgument, "frame_length ", v, " differs from the window length ", frame);
      frame = v;
    }
    if (frame < 0) fail(ErrorCode::kInvalidArgument, "one of window and frame_length must be given");
    if (frame == 0) fail(ErrorCode::kInvalidArgument, "frame_length must be positive, got 0");
    const int64_t B = x.dim(0), len = x.dim(1);
    if (frame > len)
      fail(ErrorCode::kInvalidArgument, "frame_length ", frame, " is longer than the signal (", len, " samples)");
    const int64_t frames = (len - frame) / step + 1;
    const int64_t bins = onesided_ ? frame / 2 + 1 : frame;
    Tensor& y = ctx.output(0, {B, frames, bins, 2}, x.dtype());
    if (y.numel() == 0) return;
    const bool complex_in = x.dim(2) == 2;
    const FftPlan plan(frame, false);
    dispatch_float(x.dtype(), [&]<typename T>() {
      const T* src = x.data<T>();
      const T* win = window ? window->data<T>() : nullptr;
      T* dst = y.data<T>();
      const int64_t ci = complex_in ? 2 : 1;
      parallel_for(ctx.pool(), B * frames, std::max<int64_t>(1, 65536 / (frame + 1)), [&](int64_t b0, int64_t b1) {
        std::vector<cdouble> buf(static_cast<size_t>(frame)), scratch;
        for (int64_t q = b0; q < b1; ++q) {
          const int64_t b = q / frames, f = q % frames;
          const T* s = src + (b * len + f * step) * ci;
          for (int64_t k = 0; k < frame; ++k) {
            const double w = win ? load_real(win, k) : 1.0;
            buf[static_cast<size_t>(k)] =
                cdouble(load_real(s, k * ci) * w, complex_in ? load_real(s, k * ci + 1) * w : 0.0);
          }
          plan.run(buf.data(), scratch);
          T* d = dst + q * bins * 2;
          for (int64_t k = 0; k < bins; ++k) {
            d[2 * k] = store_real<T>(buf[static_cast<size_t>(k)].real());
            d[2 * k + 1] = store_real<T>(buf[static_cast<size_t>(k)].imag());
          }
        }
      });
    });
  }

 private:
  bool onesided_;
};

void infer_stft(InferContext& ctx) {
  const DataType dt = ctx.input_dtype(0);
  const ir::Dims* x = ctx.input_dims(0);
  ir::Dim batch, frames, bins;
  if (x && x->size() != 3) ctx.fail("signal must have rank 3, got rank ", x->size());
  int64_t frame = -1;
  if (auto v = tinfer::input_ints(ctx, 3); v && v->size() == 1) frame = (*v)[0];
  else if (const ir::Dims* w = ctx.input_dims(2); w && w->size() == 1 && (*w)[0].known()) frame = (*w)[0].value;
  const auto step = tinfer::input_ints(ctx, 1);
  if (x) {
    batch = (*x)[0];
    if (frame > 0 && step && step->size() == 1 && (*step)[0] > 0 && (*x)[1].known() && (*x)[1].value >= frame)
      frames = ir::Dim(((*x)[1].value - frame) / (*step)[0] + 1);
  }
  if (frame > 0) bins = ir::Dim(ctx.node().attr_int("onesided", 1) != 0 ? frame / 2 + 1 : frame);
  ctx.set_output(0, dt, {batch, frames, bins, ir::Dim(2)});
}

}  // namespace

ONYX_KERNEL({.op = "STFT", .since = 17, .types = kFloatTypes, .infer = infer_stft, .create = create<Stft>});

}  // namespace onyx
