// DFT (opsets 17 and 20): discrete Fourier transform along one axis of a
// real ([..., 1]) or complex ([..., 2]) signal; the output is complex
// [..., 2], or real [..., 1] for the inverse one-sided transform.
//
//   inverse onesided  transform
//   0       0         X[k] = sum_n x[n] e^{-2 pi i k n / N}, k < N
//   0       1         the same, k <= N/2 (RFFT; real input)
//   1       0         x[n] = 1/N sum_k X[k] e^{+2 pi i k n / N}
//   1       1         IRFFT: the input holds X[0..N/2] of a Hermitian
//                     spectrum; the output is the real signal of length N
//
// N is dft_length when given (the signal is zero-padded or truncated to it),
// else the axis length, or 2 * (length - 1) for IRFFT. The axis is an
// attribute (default 1) before opset 20 and an optional scalar input
// (default -2) from opset 20; it may not be the last (real/imaginary) axis.
// Everything is computed in double precision and rounded once.
#include <algorithm>

#include "kernels/common/image_util.h"
#include "kernels/common/signal_util.h"
#include "kernels/common/tensor_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

int64_t optional_scalar(const Tensor* t, const char* what, int64_t dflt) {
  if (!t || t->numel() == 0) return dflt;
  if (!dtype_is_integer(t->dtype())) fail(ErrorCode::kInvalidArgument, what, " must be an integer, got ", t->describe());
  if (t->numel() != 1) fail(ErrorCode::kInvalidArgument, what, " must be a scalar, got ", t->describe());
  return t->int_at(0);
}

int resolve_axis(int64_t axis, int rank) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a > rank - 2)
    fail(ErrorCode::kInvalidArgument, "axis ", axis, " is out of range for rank ", rank,
         " (the last axis holds real/imaginary parts)");
  return static_cast<int>(a);
}

class Dft final : public Kernel {
 public:
  explicit Dft(const KernelInit& init)
      : opset_(init.opset()),
        inverse_(init.node.attr_int("inverse", 0) != 0),
        onesided_(init.node.attr_int("onesided", 0) != 0),
        axis_attr_(init.node.attr_int("axis", 1)) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int rank = x.rank();
    if (rank < 2 || (x.dim(-1) != 1 && x.dim(-1) != 2))
      fail(ErrorCode::kInvalidArgument, "input must be [..., signal..., 1] (real) or [..., 2] (complex), got ",
           x.describe());
    const int64_t axis_in = opset_ >= 20 ? optional_scalar(ctx.optional_input(2), "axis", -2) : axis_attr_;
    const int axis = resolve_axis(axis_in, rank);
    const int64_t len = x.dim(axis);
    const bool irfft = inverse_ && onesided_;
    int64_t n = irfft ? 2 * (len - 1) : len;
    if (const Tensor* dl = ctx.optional_input(1); dl && dl->numel() > 0) {
      n = optional_scalar(dl, "dft_length", n);
      if (n <= 0) fail(ErrorCode::kInvalidArgument, "dft_length must be positive, got ", n);
    }
    if (n <= 0) fail(ErrorCode::kInvalidArgument, "the transform length is ", n, " for an axis of length ", len);
    const int64_t out_len = irfft ? n : (onesided_ ? n / 2 + 1 : n);
    Shape out_shape = x.shape();
    out_shape[static_cast<size_t>(axis)] = out_len;
    out_shape.back() = irfft ? 1 : 2;
    Tensor& y = ctx.output(0, out_shape, x.dtype());
    if (y.numel() == 0) return;
    const bool complex_in = x.dim(-1) == 2;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x.dim(d);
    for (int d = axis + 1; d < rank - 1; ++d) inner *= x.dim(d);
    const FftPlan plan(n, inverse_);
    // Input bins used: up to n (or n/2 + 1 for IRFFT), zero beyond the axis.
    const int64_t used = std::min(len, irfft ? n / 2 + 1 : n);
    const double scale = inverse_ ? 1.0 / static_cast<double>(n) : 1.0;
    dispatch_float(x.dtype(), [&]<typename T>() {
      const T* src = x.data<T>();
      T* dst = y.data<T>();
      const int64_t ci = complex_in ? 2 : 1, co = irfft ? 1 : 2;
      parallel_for(ctx.pool(), outer * inner, std::max<int64_t>(1, 65536 / (n + 1)), [&](int64_t b, int64_t e) {
        std::vector<cdouble> buf(static_cast<size_t>(n)), scratch;
        for (int64_t line = b; line < e; ++line) {
          const int64_t o = line / inner, i = line % inner;
          const T* s = src + (o * len * inner + i) * ci;
          std::fill(buf.begin(), buf.end(), cdouble(0, 0));
          for (int64_t k = 0; k < used; ++k) {
            const T* v = s + k * inner * ci;
            buf[static_cast<size_t>(k)] = cdouble(load_real(v, 0), complex_in ? load_real(v, 1) : 0.0);
          }
          if (irfft) {
            // Rebuild the Hermitian spectrum; the imaginary parts of the DC
            // (and, for even n, Nyquist) bins cannot exist in it and are dropped.
            buf[0].imag(0);
            if (n % 2 == 0) buf[static_cast<size_t>(n / 2)].imag(0);
            for (int64_t k = n / 2 + 1; k < n; ++k) buf[static_cast<size_t>(k)] = std::conj(buf[static_cast<size_t>(n - k)]);
          }
          plan.run(buf.data(), scratch);
          T* d = dst + (o * out_len * inner + i) * co;
          for (int64_t k = 0; k < out_len; ++k) {
            T* v = d + k * inner * co;
            const cdouble r = buf[static_cast<size_t>(k)] * scale;
            v[0] = store_real<T>(r.real());
            if (!irfft) v[1] = store_real<T>(r.imag());
          }
        }
      });
    });
  }

 private:
  int opset_;
  bool inverse_, onesided_;
  int64_t axis_attr_;
};

void infer_dft(InferContext& ctx) {
  const DataType dt = ctx.input_dtype(0);
  const ir::Dims* x = ctx.input_dims(0);
  if (!x) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  const int rank = static_cast<int>(x->size());
  if (rank < 2) ctx.fail("input must have rank >= 2, got rank ", rank);
  const ir::Node& node = ctx.node();
  const bool inverse = node.attr_int("inverse", 0) != 0, onesided = node.attr_int("onesided", 0) != 0;
  int64_t axis = node.attr_int("axis", 1);
  ir::Dims out = *x;
  out.back() = ir::Dim(inverse && onesided ? 1 : 2);
  if (ctx.opset() >= 20) {
    axis = -2;
    if (ctx.has_input(2)) {
      auto v = tinfer::input_ints(ctx, 2);
      if (!v || v->size() != 1) {
        // Unknown axis: only the rank is known.
        for (int d = 0; d + 1 < rank; ++d) out[static_cast<size_t>(d)] = ir::Dim();
        ctx.set_output(0, dt, out);
        return;
      }
      axis = (*v)[0];
    }
  }
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank - 2) ctx.fail("axis ", axis, " is out of range for rank ", rank);
  const ir::Dim& len = (*x)[static_cast<size_t>(axis)];
  int64_t n = -1;
  if (ctx.has_input(1)) {
    if (auto v = tinfer::input_ints(ctx, 1); v && v->size() == 1) n = (*v)[0];
  } else if (len.known()) {
    n = inverse && onesided ? 2 * (len.value - 1) : len.value;
  }
  ir::Dim& o = out[static_cast<size_t>(axis)];
  if (n > 0) o = ir::Dim(inverse && onesided ? n : (onesided ? n / 2 + 1 : n));
  else if (!ctx.has_input(1) && !onesided) o = len;
  else o = ir::Dim();
  ctx.set_output(0, dt, out);
}

}  // namespace

ONYX_KERNEL({.op = "DFT", .since = 17, .types = kFloatTypes, .infer = infer_dft, .create = create<Dft>});

}  // namespace onyx
